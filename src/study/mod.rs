//! The numerical studies of the multiregion networks (docs/theory §3) as library calls, shared by
//! `lowrank study` and the Python package's `lowrank.study`. Each has validated options with a
//! cost estimate, a run function that reports to a [`Progress`](crate::progress::Progress) and stops on its interrupt, and
//! a result with the `--json` document (and the `--csv` table):
//! - [`fig4()`]: the generator–transmitter tension of one region against g (§3.6);
//! - [`fig5()`]: the dynamics phase diagram over the leading eigenvalue λ of T̂ (§3.8);
//! - [`fig6()`]: disorder in region 1 only, swept over g¹ (§3.9);
//! - [`switch()`]: the input-driven switch of the currents (§3.10);
//! - [`polytope()`]: the attractor polytope and the fracture statistics (§3.7).

use crate::theory::dmft::DynamicsClass;
use crate::theory::TheoryError;

pub mod fig4;
pub mod fig5;
pub mod fig6;
pub mod polytope;
pub mod switch;

pub use fig4::{fig4, Fig4Options, Fig4Result};
pub use fig5::{fig5, Fig5Options, Fig5Result};
pub use fig6::{fig6, Fig6Options, Fig6Result};
pub use polytope::{polytope, PolytopeOptions, PolytopeResult};
pub use switch::{switch, SwitchResult, SwitchStudyOptions};

/// Why a study could not run.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// An option is out of its domain (named as on the command line, without `--`).
    #[error("--{option}: {reason}")]
    Option {
        /// The option.
        option: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A computation failed.
    #[error("{context}")]
    Theory {
        /// Where.
        context: String,
        /// Why.
        #[source]
        source: TheoryError,
    },
    /// Stopped by the progress's interrupt.
    #[error("the study was interrupted")]
    Interrupted,
    /// A study's CSV could not be read back (`from_csv`): not written by this study, truncated
    /// or edited.
    #[error("not a complete study CSV: {0}")]
    Format(String),
}

pub(crate) fn option(option: &'static str, reason: String) -> StudyError {
    StudyError::Option { option, reason }
}

/// N_t = round(t/dt) after checking dt > 0 and t > dt.
///
/// # Errors
/// [`StudyError::Option`] naming `dt` or `t`.
pub fn time_steps(t: f64, dt: f64) -> Result<usize, StudyError> {
    if !(dt > 0.0 && dt.is_finite()) {
        return Err(option("dt", format!("({dt}) must be positive and finite")));
    }
    if !(t.is_finite() && t > dt) {
        return Err(option(
            "t",
            format!("({t}) must be finite and larger than --dt ({dt})"),
        ));
    }
    Ok((t / dt).round() as usize)
}

/// Names of the dynamics classes, in the order of the `counts`.
pub fn class_labels() -> Vec<&'static str> {
    DynamicsClass::ALL.iter().map(|c| c.label()).collect()
}

/// The `key=value` fields of a study CSV's trailer line `PREFIX shard=I/N|all; key=value; ...`
/// (what `lowrank merge` checks, and what `from_csv` reads the options back from).
pub(crate) struct Trailer {
    /// The shard, `None` for `shard=all`.
    pub shard: Option<crate::shard::Shard>,
    fields: Vec<(String, String)>,
}

impl Trailer {
    /// The trailer of `text`'s last line.
    pub fn of(prefix: &str, text: &str) -> Result<Trailer, StudyError> {
        let bad = |why: &str| StudyError::Format(format!("trailer `{prefix} shard=...`: {why}"));
        let line = text.lines().last().ok_or_else(|| bad("empty file"))?;
        let rest = line
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix(" "))
            .ok_or_else(|| bad("the last line is not the trailer"))?;
        let mut fields = Vec::new();
        for part in rest.split("; ") {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| bad(&format!("`{part}` is not key=value")))?;
            fields.push((k.to_string(), v.to_string()));
        }
        let shard = match fields.first() {
            Some((k, v)) if k == "shard" => match v.as_str() {
                "all" => None,
                v => Some(
                    crate::shard::Shard::from_label(v).map_err(|e| bad(&format!("shard: {e}")))?,
                ),
            },
            _ => return Err(bad("no shard= field first")),
        };
        Ok(Trailer { shard, fields })
    }

    /// The text of field `key`.
    pub fn text(&self, key: &str) -> Result<&str, StudyError> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| StudyError::Format(format!("trailer: no `{key}=` field")))
    }

    /// Field `key` parsed.
    pub fn value<T: std::str::FromStr>(&self, key: &str) -> Result<T, StudyError> {
        let v = self.text(key)?;
        v.parse()
            .map_err(|_| StudyError::Format(format!("trailer: `{key}={v}` does not parse")))
    }

    /// Field `key` as `a:b:...` numbers (empty text: none).
    pub fn list(&self, key: &str) -> Result<Vec<f64>, StudyError> {
        let v = self.text(key)?;
        if v.is_empty() {
            return Ok(Vec::new());
        }
        v.split(':')
            .map(|x| {
                x.parse().map_err(|_| {
                    StudyError::Format(format!("trailer: `{key}={v}`: `{x}` is not a number"))
                })
            })
            .collect()
    }
}

/// Parse CSV cell `text` of column `name` (row `row`, 1-based after the header).
pub(crate) fn cell<T: std::str::FromStr>(
    text: &str,
    name: &str,
    row: usize,
) -> Result<T, StudyError> {
    text.parse().map_err(|_| {
        StudyError::Format(format!("row {row}, column {name}: `{text}` does not parse"))
    })
}

/// A dynamics class from its label.
pub(crate) fn class_of(label: &str, row: usize) -> Result<DynamicsClass, StudyError> {
    DynamicsClass::ALL
        .iter()
        .copied()
        .find(|c| c.label() == label)
        .ok_or_else(|| StudyError::Format(format!("row {row}: `{label}` is not a dynamics class")))
}
