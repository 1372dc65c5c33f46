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
