//! \[CB\] Fig. 6: shaping the dynamics with disorder in one region (docs/theory §3.9). Only region
//! 1 is disordered, with gain g¹ swept; the tensor's intact leading eigenvalue of T̂ is real > 1
//! and, with region 1 silenced, complex with real part > 1.

use super::{cell, class_of, option, time_steps, StudyError, Trailer};
use crate::gauss::Gauss;
use crate::progress::Progress;
use crate::shard::Shard;
use crate::theory::cb2025::studies::{fig6_study, fig6_tensor, leading_eigenvalue, Fig6Row};
use crate::theory::dmft::DmftOptions;
use crate::theory::TheoryError;
use rayon::prelude::*;
use serde_json::{json, Value};

/// Options of the Fig. 6 study (defaults: the command line's).
#[derive(Debug, Clone, PartialEq)]
pub struct Fig6Options {
    /// Regions R (≥ 2).
    pub regions: usize,
    /// The tensor T^{μνρ} (R³ values at [μR² + νR + ρ]); `None` draws one with the Fig. 6
    /// criterion from `seed`.
    pub tensor: Option<Vec<f64>>,
    /// The disorder gains g¹ of region 1.
    pub g1: Vec<f64>,
    /// Seed of the tensor draw and of the DMFT's initial currents.
    pub seed: u64,
    /// Tensor draws allowed.
    pub max_tries: usize,
    /// DMFT duration.
    pub t: f64,
    /// DMFT step.
    pub dt: f64,
    /// DMFT lags kept (`None`: all).
    pub band: Option<usize>,
    /// Only this slice of the g¹ values; `None`: all. Every shard draws the same tensor (from
    /// `seed`) and each run depends only on its g¹, so the union of the N shards is the
    /// unsharded study bit for bit.
    pub shard: Option<Shard>,
}

impl Default for Fig6Options {
    fn default() -> Self {
        Fig6Options {
            regions: 3,
            tensor: None,
            g1: crate::theory::phase::linspace(0.3, 3.0, 10),
            seed: 0,
            max_tries: 1_000_000,
            t: 150.0,
            dt: 0.05,
            band: None,
            shard: None,
        }
    }
}

impl Fig6Options {
    /// Check every option; returns N_t.
    ///
    /// # Errors
    /// [`StudyError::Option`] naming the first bad option.
    pub fn check(&self) -> Result<usize, StudyError> {
        if self.regions < 2 {
            return Err(option(
                "regions",
                format!(
                    "({}) must be ≥ 2 (region 1 disordered, others not)",
                    self.regions
                ),
            ));
        }
        let max = crate::model::cb2025::MAX_REGIONS;
        if self.regions > max {
            return Err(option(
                "regions",
                format!("({}) must be ≤ {max}", self.regions),
            ));
        }
        if self.max_tries == 0 {
            return Err(option("max-tries", "must be ≥ 1".into()));
        }
        if self.g1.is_empty() {
            return Err(option("g1", "empty list".into()));
        }
        if let Some(g) = self.g1.iter().find(|g| !(g.is_finite() && **g >= 0.0)) {
            return Err(option("g1", format!("gain {g} must be finite and ≥ 0")));
        }
        if let Some(t) = &self.tensor {
            let r = self.regions;
            if t.len() != r * r * r {
                return Err(option(
                    "tensor",
                    format!("{} values, but R = {r} needs R³ = {}", t.len(), r * r * r),
                ));
            }
            if let Some(x) = t.iter().find(|x| !x.is_finite()) {
                return Err(option("tensor", format!("`{x}` is not finite")));
            }
        }
        if self.band == Some(0) {
            return Err(option("band", "must be ≥ 1".into()));
        }
        time_steps(self.t, self.dt)
    }

    /// Estimated (bytes, operations) with N_t = `nt`.
    pub fn cost(&self, nt: usize) -> (f64, f64) {
        let lagw = self.band.map_or(nt as f64, |b| (b as f64).min(nt as f64));
        let r = self.regions as f64;
        let memory = 2.0 * 8.0 * nt as f64 * (4.0 * r * r + 16.0 * r + 6.0 * lagw / nt as f64 * r);
        let work = self.g1.len() as f64 * nt as f64 * lagw * r * 20.0;
        (memory, work)
    }
}

/// The Fig. 6 study.
#[derive(Debug, Clone, PartialEq)]
pub struct Fig6Result {
    /// The options it ran with.
    pub options: Fig6Options,
    /// N_t of every DMFT run.
    pub nt: usize,
    /// The tensor used.
    pub tensor: Vec<f64>,
    /// Draws it took (0: given).
    pub draws: usize,
    /// Leading eigenvalue [Re, Im] of T̂, intact.
    pub intact: [f64; 2],
    /// Leading eigenvalue [Re, Im] of T̂ with region 1 silenced.
    pub silenced: [f64; 2],
    /// One row per g¹ (with a shard, only those of g¹ values `first_row..first_row + rows.len()`).
    pub rows: Vec<Fig6Row>,
    /// Index of the first row's g¹ in `options.g1` (0 unless sharded).
    pub first_row: usize,
}

impl Fig6Result {
    /// The `lowrank study fig6 --json` document.
    pub fn to_json(&self) -> Value {
        let o = &self.options;
        json!({
            "study": "fig6",
            "regions": o.regions,
            "tensor": self.tensor,
            "tensor_draws": self.draws,
            "intact_leading": self.intact,
            "silenced_leading": self.silenced,
            "dt": o.dt,
            "nt": self.nt,
            "seed": o.seed,
            "g1": o.g1,
            "shard": o.shard.map(|s| s.label()),
            "first_row": self.first_row,
            "rows": self.rows.iter().map(|w| json!({
                "g1": w.g1,
                "classes": w.classes.iter().map(|c| c.label()).collect::<Vec<_>>(),
                "frequency": w.frequency,
                "mean_gain": w.mean_gain,
                "mean_leading": w.mean_leading,
            })).collect::<Vec<_>>(),
        })
    }

    /// The CSV of `--csv`: `g1, class_1..R, frequency, gain_1..R, lead_re, lead_im`, then the
    /// trailer ([`Fig6Result::trailer`]).
    pub fn to_csv(&self) -> String {
        let r = self.options.regions;
        let mut header = vec!["g1".to_string()];
        header.extend((1..=r).map(|m| format!("class_{m}")));
        header.push("frequency".into());
        header.extend((1..=r).map(|m| format!("gain_{m}")));
        header.extend(["lead_re".into(), "lead_im".into()]);
        let mut out = header.join(",");
        out.push('\n');
        for row in &self.rows {
            let mut line = vec![format!("{}", row.g1)];
            line.extend(row.classes.iter().map(|c| c.label().to_string()));
            line.push(row.frequency.map_or(String::new(), |x| format!("{x}")));
            line.extend(row.mean_gain.iter().map(|x| format!("{x}")));
            line.extend([
                format!("{}", row.mean_leading[0]),
                format!("{}", row.mean_leading[1]),
            ]);
            out.push_str(&line.join(","));
            out.push('\n');
        }
        out.push_str(&self.trailer());
        out.push('\n');
        out
    }

    /// The CSV's last line: `# lowrank study fig6 shard=I/N|all; rows=…; <options>; <tensor and
    /// its eigenvalues>`, what `lowrank merge` checks (the same study, every shard once) and
    /// [`Fig6Result::from_csv`] reads back.
    pub fn trailer(&self) -> String {
        let o = &self.options;
        let join = |v: &[f64]| {
            v.iter()
                .map(|x| format!("{x}"))
                .collect::<Vec<_>>()
                .join(":")
        };
        format!(
            "{META_PREFIX} shard={}; rows={}; regions={}; g1={}; tensor_given={}; seed={}; \
             max_tries={}; t={}; dt={}; band={}; tensor={}; draws={}; intact={}; silenced={}",
            o.shard.map_or("all".to_string(), |s| s.label()),
            o.g1.len(),
            o.regions,
            join(&o.g1),
            o.tensor.is_some(),
            o.seed,
            o.max_tries,
            o.t,
            o.dt,
            o.band.map_or("all".to_string(), |b| b.to_string()),
            join(&self.tensor),
            self.draws,
            join(&self.intact),
            join(&self.silenced),
        )
    }

    /// Read back a CSV written by [`Fig6Result::to_csv`] (e.g. the output of `lowrank merge`):
    /// the options from the trailer, the rows from the table. `from_csv(&r.to_csv())` is `r`.
    ///
    /// # Errors
    /// [`StudyError::Format`] naming the line or field that does not parse.
    ///
    /// # Examples
    /// ```
    /// use lowrank::study::{fig6, Fig6Options, Fig6Result};
    /// let o = Fig6Options { g1: vec![0.5, 1.0], t: 5.0, dt: 0.1, ..Default::default() };
    /// let r = fig6(&o, &Default::default()).unwrap();
    /// assert_eq!(Fig6Result::from_csv(&r.to_csv()).unwrap(), r);
    /// ```
    pub fn from_csv(text: &str) -> Result<Fig6Result, StudyError> {
        let tr = Trailer::of(META_PREFIX, text)?;
        let pair = |key: &str| -> Result<[f64; 2], StudyError> {
            let v = tr.list(key)?;
            <[f64; 2]>::try_from(v)
                .map_err(|_| StudyError::Format(format!("trailer: `{key}` is not RE:IM")))
        };
        let tensor = tr.list("tensor")?;
        let options = Fig6Options {
            regions: tr.value("regions")?,
            tensor: tr.value::<bool>("tensor_given")?.then(|| tensor.clone()),
            g1: tr.list("g1")?,
            seed: tr.value("seed")?,
            max_tries: tr.value("max_tries")?,
            t: tr.value("t")?,
            dt: tr.value("dt")?,
            band: match tr.text("band")? {
                "all" => None,
                _ => Some(tr.value("band")?),
            },
            shard: tr.shard,
        };
        let nt = options.check()?;
        let r = options.regions;
        let lines: Vec<&str> = text.lines().collect();
        let body = &lines[1..lines.len().saturating_sub(1).max(1)];
        let mut rows = Vec::with_capacity(body.len());
        for (i, line) in body.iter().enumerate() {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() != 2 * r + 4 {
                return Err(StudyError::Format(format!(
                    "row {}: {} columns, R = {r} needs {}",
                    i + 1,
                    f.len(),
                    2 * r + 4
                )));
            }
            rows.push(Fig6Row {
                g1: cell(f[0], "g1", i + 1)?,
                classes: f[1..=r]
                    .iter()
                    .map(|c| class_of(c, i + 1))
                    .collect::<Result<_, _>>()?,
                frequency: match f[r + 1] {
                    "" => None,
                    x => Some(cell(x, "frequency", i + 1)?),
                },
                mean_gain: f[r + 2..2 * r + 2]
                    .iter()
                    .map(|x| cell(x, "gain", i + 1))
                    .collect::<Result<_, _>>()?,
                mean_leading: [
                    cell(f[2 * r + 2], "lead_re", i + 1)?,
                    cell(f[2 * r + 3], "lead_im", i + 1)?,
                ],
            });
        }
        let range = options
            .shard
            .map_or(0..options.g1.len(), |s| s.range(options.g1.len()));
        if rows.len() != range.len() {
            return Err(StudyError::Format(format!(
                "{} rows, the trailer's shard holds {}",
                rows.len(),
                range.len()
            )));
        }
        Ok(Fig6Result {
            draws: tr.value("draws")?,
            intact: pair("intact")?,
            silenced: pair("silenced")?,
            tensor,
            options,
            nt,
            rows,
            first_row: range.start,
        })
    }
}

/// Prefix of the trailer line of a Fig. 6 CSV ([`Fig6Result::trailer`]).
pub const META_PREFIX: &str = "# lowrank study fig6";

/// Run the Fig. 6 study: the tensor (given or drawn), its leading eigenvalues intact and with
/// region 1 silenced, and for every g¹ one DMFT run (in parallel) with the classes, dominant
/// frequency, time-averaged gains and the leading eigenvalue of diag(ψ(t)) T̂.
///
/// # Errors
/// [`StudyError::Option`]; [`StudyError::Theory`] when the draw or a run fails;
/// [`StudyError::Interrupted`].
///
/// # Examples
/// ```
/// use lowrank::study::{fig6, Fig6Options};
/// let o = Fig6Options { g1: vec![0.5], t: 5.0, dt: 0.1, ..Default::default() };
/// let r = fig6(&o, &Default::default()).unwrap();
/// assert_eq!(r.rows.len(), 1);
/// assert!(r.intact[0] > 1.0 && r.intact[1].abs() < 1e-12); // the Fig. 6 criterion
/// ```
pub fn fig6(opts: &Fig6Options, progress: &Progress) -> Result<Fig6Result, StudyError> {
    let nt = opts.check()?;
    let theory = |context: String| move |source| StudyError::Theory { context, source };
    let r = opts.regions;
    let (tensor, draws) = match &opts.tensor {
        Some(t) => (t.clone(), 0),
        None => fig6_tensor(r, opts.seed, opts.max_tries)
            .map_err(theory("tensor not given: drawing a Fig. 6 tensor".into()))?,
    };
    let intact =
        leading_eigenvalue(r, &tensor).map_err(theory("leading eigenvalue of T̂".into()))?;
    let mut silenced_t = tensor.clone();
    for mu in 0..r {
        for rho in 0..r {
            silenced_t[mu * r * r + rho] = 0.0; // T^{μ,1,ρ}: currents leaving region 1
        }
    }
    let silenced = leading_eigenvalue(r, &silenced_t).map_err(theory(
        "leading eigenvalue of T̂ with region 1 silenced".into(),
    ))?;
    let dmft = DmftOptions {
        dt: opts.dt,
        nt,
        seed: opts.seed,
        band: opts.band,
        interrupt: progress.interrupt().clone(),
        ..Default::default()
    };
    let gauss = Gauss::new(64);
    let range = opts
        .shard
        .map_or(0..opts.g1.len(), |s| s.range(opts.g1.len()));
    let first_row = range.start;
    progress.set_total(range.len());
    let rows: Vec<Fig6Row> = opts.g1[range]
        .par_iter()
        .map(|&g| {
            if progress.interrupt().is_raised() {
                return Err(StudyError::Interrupted);
            }
            let row = match fig6_study(gauss, r, &tensor, &[g], &dmft) {
                Ok(mut rows) => rows.pop().ok_or_else(|| StudyError::Theory {
                    context: format!("DMFT at g1 = {g}"),
                    source: TheoryError::Unsupported("empty study".into()),
                })?,
                Err(TheoryError::Interrupted { .. }) => return Err(StudyError::Interrupted),
                Err(source) => {
                    return Err(StudyError::Theory {
                        context: format!("DMFT at g1 = {g}"),
                        source,
                    })
                }
            };
            progress.advance(1);
            Ok(row)
        })
        .collect::<Result<_, _>>()?;
    Ok(Fig6Result {
        options: opts.clone(),
        nt,
        tensor,
        draws,
        intact,
        silenced,
        rows,
        first_row,
    })
}
