//! \[CB\] Fig. 5: the dynamics phase diagram over the leading eigenvalue λ of the effective
//! interaction T̂ (docs/theory §3.8).

use super::{cell, class_labels, class_of, option, time_steps, StudyError, Trailer};
use crate::gauss::{Gauss, Phi};
use crate::progress::Progress;
use crate::shard::Shard;
use crate::theory::cb2025::potential::pure_chaos;
use crate::theory::cb2025::studies::{phase_diagram, PhaseCell, PhaseDiagramOptions};
use crate::theory::dmft::{Classifier, DmftOptions, DynamicsClass};
use crate::theory::TheoryError;
use rayon::prelude::*;
use serde_json::{json, Value};

/// How many times a cell is redrawn (next derived seed) when the eigenvalue solver of the
/// rejection sampler does not converge on some drawn tensor (the bounded real Schur fails on rare
/// 4×4 T̂; the cell's whole stream is then replaced, reported as `redraws`).
pub const MAX_REDRAWS: usize = 8;

/// Options of the Fig. 5 phase diagram (defaults: the command line's).
#[derive(Debug, Clone, PartialEq)]
pub struct Fig5Options {
    /// Cells per axis.
    pub grid: usize,
    /// Range of target Re λ.
    pub re: (f64, f64),
    /// Range of target |Im λ|.
    pub im: (f64, f64),
    /// Tensors drawn per cell.
    pub samples: usize,
    /// Regions R.
    pub regions: usize,
    /// Disorder gain g (all regions).
    pub g: f64,
    /// Acceptance window of the rejection sampler around the target λ.
    pub window: f64,
    /// Rejection-sampling attempts per tensor.
    pub max_tries: usize,
    /// Master seed (each cell's stream is derived from it and the cell index).
    pub seed: u64,
    /// DMFT duration.
    pub t: f64,
    /// DMFT step.
    pub dt: f64,
    /// DMFT lags kept (`None`: all).
    pub band: Option<usize>,
    /// Run each DMFT with the reference implementation's scheme
    /// ([`DmftOptions::reference_ordering`]).
    pub reference_ordering: bool,
    /// Classification rules ([`Classifier`]).
    pub classifier: Classifier,
    /// Only this slice of the cells (in the order Im outer, Re inner); `None`: all. The union
    /// of the N shards is the unsharded study bit for bit (each cell's stream depends only on
    /// the seed and the cell index).
    pub shard: Option<Shard>,
}

impl Default for Fig5Options {
    fn default() -> Self {
        Fig5Options {
            grid: 10,
            re: (1.0, 2.5),
            im: (0.0, 1.5),
            samples: 6,
            regions: 2,
            g: 1.5,
            window: 0.01875,
            max_tries: 1_000_000,
            seed: 0,
            t: 125.0,
            dt: 0.05,
            band: None,
            reference_ordering: false,
            classifier: Classifier::Default,
            shard: None,
        }
    }
}

impl Fig5Options {
    /// Check every option; returns N_t.
    ///
    /// # Errors
    /// [`StudyError::Option`] naming the first bad option.
    pub fn check(&self) -> Result<usize, StudyError> {
        if self.grid == 0 {
            return Err(option("grid", "must be ≥ 1".into()));
        }
        if self.grid > 10_000 {
            return Err(option(
                "grid",
                format!("({}) must be ≤ 10000 cells per axis", self.grid),
            ));
        }
        if self.samples == 0 {
            return Err(option("samples", "must be ≥ 1".into()));
        }
        if self.regions < 1 {
            return Err(option("regions", "must be ≥ 1".into()));
        }
        let max = crate::model::cb2025::MAX_REGIONS;
        if self.regions > max {
            return Err(option(
                "regions",
                format!("({}) must be ≤ {max}", self.regions),
            ));
        }
        if !(self.g >= 0.0 && self.g.is_finite()) {
            return Err(option("g", format!("({}) must be finite and ≥ 0", self.g)));
        }
        if !(self.window > 0.0 && self.window.is_finite()) {
            return Err(option(
                "window",
                format!("({}) must be positive", self.window),
            ));
        }
        if self.max_tries == 0 {
            return Err(option("max-tries", "must be ≥ 1".into()));
        }
        for (name, (a, b)) in [("re", self.re), ("im", self.im)] {
            if !(a.is_finite() && b.is_finite()) {
                return Err(option(
                    name,
                    format!("`{a}:{b}`: START and STOP must be finite"),
                ));
            }
        }
        if self.im.0 < 0.0 || self.im.1 < 0.0 {
            return Err(option(
                "im",
                format!(
                    "`{}:{}`: Im λ is a modulus |Im λ| here, must be ≥ 0",
                    self.im.0, self.im.1
                ),
            ));
        }
        if self.band == Some(0) {
            return Err(option("band", "must be ≥ 1".into()));
        }
        time_steps(self.t, self.dt)
    }

    /// Estimated (bytes, operations) of the study with N_t = `nt`.
    pub fn cost(&self, nt: usize) -> (f64, f64) {
        let runs = (self.grid as f64).powi(2) * self.samples as f64;
        let lagw = self.band.map_or(nt as f64, |b| (b as f64).min(nt as f64));
        let r = self.regions as f64;
        let memory = (self.grid as f64).powi(2) * 256.0
            + 2.0 * 8.0 * nt as f64 * (4.0 * r * r + 16.0 * r + 6.0 * lagw / nt as f64 * r);
        let work =
            runs * (nt as f64 * lagw * r * 20.0 + self.max_tries.min(1000) as f64 * r.powi(4));
        (memory, work)
    }
}

/// The Fig. 5 phase diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Fig5Result {
    /// The options it ran with.
    pub options: Fig5Options,
    /// N_t of every DMFT run.
    pub nt: usize,
    /// Grid of target Re λ.
    pub re: Vec<f64>,
    /// Grid of target |Im λ|.
    pub im: Vec<f64>,
    /// Cells, Im outer, Re inner (`cells[i·grid + j]` at `(re[j], im[i])`); with a shard, only
    /// the cells `first_cell..first_cell + cells.len()` of that order.
    pub cells: Vec<PhaseCell>,
    /// Index of the first cell in `cells` (0 unless sharded).
    pub first_cell: usize,
    /// How many times each cell's stream was redrawn.
    pub redraws: Vec<usize>,
    /// Pure-chaos gain ψ₀(g).
    pub psi0: f64,
}

impl Fig5Result {
    /// The analytic zero-current instability Re λ = 1/ψ₀(g) (docs/theory §3.4).
    pub fn re_boundary(&self) -> f64 {
        1.0 / self.psi0
    }

    /// The `lowrank study fig5 --json` document.
    pub fn to_json(&self) -> Value {
        let labels = class_labels();
        let cells: Vec<Value> = self
            .cells
            .iter()
            .zip(&self.redraws)
            .map(|(c, nr)| {
                let counts: serde_json::Map<String, Value> = labels
                    .iter()
                    .zip(c.counts)
                    .map(|(l, n)| (l.to_string(), json!(n)))
                    .collect();
                json!({
                    "re": c.re,
                    "im": c.im,
                    "modal": c.modal.label(),
                    "entropy_bits": c.entropy_bits,
                    "counts": counts,
                    "redraws": nr,
                })
            })
            .collect();
        let o = &self.options;
        json!({
            "study": "fig5",
            "regions": o.regions,
            "g": o.g,
            "samples": o.samples,
            "window": o.window,
            "dt": o.dt,
            "nt": self.nt,
            "seed": o.seed,
            "shard": o.shard.map(|s| s.label()),
            "first_cell": self.first_cell,
            "reference_ordering": o.reference_ordering,
            "classifier": o.classifier.label(),
            "re": self.re,
            "im": self.im,
            "psi0": self.psi0,
            "re_boundary": self.re_boundary(),
            "classes": labels,
            "cells": cells,
        })
    }

    /// The CSV of `--csv`: `re, im, modal, entropy_bits, count_<class>..., redraws`.
    pub fn to_csv(&self) -> String {
        let mut header = vec![
            "re".to_string(),
            "im".into(),
            "modal".into(),
            "entropy_bits".into(),
        ];
        header.extend(class_labels().iter().map(|l| format!("count_{l}")));
        header.push("redraws".into());
        let mut out = header.join(",");
        out.push('\n');
        for (c, nr) in self.cells.iter().zip(&self.redraws) {
            let mut row = vec![
                format!("{}", c.re),
                format!("{}", c.im),
                c.modal.label().to_string(),
                format!("{}", c.entropy_bits),
            ];
            row.extend(c.counts.iter().map(|n| n.to_string()));
            row.push(nr.to_string());
            out.push_str(&row.join(","));
            out.push('\n');
        }
        out.push_str(&self.trailer());
        out.push('\n');
        out
    }

    /// The CSV's last line: `# lowrank study fig5 shard=I/N|all; cells=…; <options>`, what
    /// `lowrank merge` checks (the same study, every shard once).
    pub fn trailer(&self) -> String {
        let o = &self.options;
        format!(
            "{META_PREFIX} shard={}; cells={}; grid={}; re={}:{}; im={}:{}; samples={}; regions={}; \
             g={}; window={}; max_tries={}; seed={}; t={}; dt={}; band={}; reference_ordering={}; \
             classifier={}",
            o.shard.map_or("all".to_string(), |s| s.label()),
            o.grid * o.grid,
            o.grid,
            o.re.0,
            o.re.1,
            o.im.0,
            o.im.1,
            o.samples,
            o.regions,
            o.g,
            o.window,
            o.max_tries,
            o.seed,
            o.t,
            o.dt,
            o.band.map_or("all".to_string(), |b| b.to_string()),
            o.reference_ordering,
            o.classifier.label()
        )
    }
}

impl Fig5Result {
    /// Read back a CSV written by [`Fig5Result::to_csv`] (e.g. the output of `lowrank merge`):
    /// the options from the trailer, the cells from the table; ψ₀(g) is recomputed.
    /// `from_csv(&r.to_csv())` is `r`.
    ///
    /// # Errors
    /// [`StudyError::Format`] naming the line or field that does not parse; the options' errors.
    ///
    /// # Examples
    /// ```
    /// use lowrank::study::{fig5, Fig5Options, Fig5Result};
    /// let o = Fig5Options { grid: 2, samples: 1, t: 5.0, dt: 0.1, ..Default::default() };
    /// let r = fig5(&o, &Default::default()).unwrap();
    /// assert_eq!(Fig5Result::from_csv(&r.to_csv()).unwrap(), r);
    /// ```
    pub fn from_csv(text: &str) -> Result<Fig5Result, StudyError> {
        let tr = Trailer::of(META_PREFIX, text)?;
        let range = |key: &str| -> Result<(f64, f64), StudyError> {
            let v = tr.list(key)?;
            match v[..] {
                [a, b] => Ok((a, b)),
                _ => Err(StudyError::Format(format!(
                    "trailer: `{key}` is not START:STOP"
                ))),
            }
        };
        let classifier = match tr.text("classifier")? {
            l if l == Classifier::Default.label() => Classifier::Default,
            l if l == Classifier::Reference.label() => Classifier::Reference,
            l => return Err(StudyError::Format(format!("trailer: classifier `{l}`"))),
        };
        let options = Fig5Options {
            grid: tr.value("grid")?,
            re: range("re")?,
            im: range("im")?,
            samples: tr.value("samples")?,
            regions: tr.value("regions")?,
            g: tr.value("g")?,
            window: tr.value("window")?,
            max_tries: tr.value("max_tries")?,
            seed: tr.value("seed")?,
            t: tr.value("t")?,
            dt: tr.value("dt")?,
            band: match tr.text("band")? {
                "all" => None,
                _ => Some(tr.value("band")?),
            },
            reference_ordering: tr.value("reference_ordering")?,
            classifier,
            shard: tr.shard,
        };
        let nt = options.check()?;
        let lines: Vec<&str> = text.lines().collect();
        let body = &lines[1..lines.len().saturating_sub(1).max(1)];
        let k = DynamicsClass::ALL.len();
        let (mut cells, mut redraws) = (Vec::new(), Vec::new());
        for (i, line) in body.iter().enumerate() {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() != k + 5 {
                return Err(StudyError::Format(format!(
                    "row {}: {} columns, expected {}",
                    i + 1,
                    f.len(),
                    k + 5
                )));
            }
            let mut counts = [0usize; 6];
            for (c, x) in counts.iter_mut().zip(&f[4..4 + k]) {
                *c = cell(x, "count", i + 1)?;
            }
            cells.push(PhaseCell {
                re: cell(f[0], "re", i + 1)?,
                im: cell(f[1], "im", i + 1)?,
                modal: class_of(f[2], i + 1)?,
                entropy_bits: cell(f[3], "entropy_bits", i + 1)?,
                counts,
            });
            redraws.push(cell(f[4 + k], "redraws", i + 1)?);
        }
        let total = options.grid * options.grid;
        let want = options.shard.map_or(0..total, |s| s.range(total));
        if cells.len() != want.len() {
            return Err(StudyError::Format(format!(
                "{} cells, the trailer's shard holds {}",
                cells.len(),
                want.len()
            )));
        }
        let psi0 = pure_chaos(&Gauss::new(64), Phi::Erf, options.g)
            .map_err(|source| StudyError::Theory {
                context: "pure-chaos gain ψ₀(g) for the analytic boundary".into(),
                source,
            })?
            .gain;
        Ok(Fig5Result {
            re: crate::theory::phase::linspace(options.re.0, options.re.1, options.grid),
            im: crate::theory::phase::linspace(options.im.0, options.im.1, options.grid),
            options,
            nt,
            cells,
            first_cell: want.start,
            redraws,
            psi0,
        })
    }
}

/// Prefix of the trailer line of a Fig. 5 CSV ([`Fig5Result::trailer`]).
pub const META_PREFIX: &str = "# lowrank study fig5";

/// Run the Fig. 5 study: a `grid × grid` lattice of target λ, `samples` rejection-sampled tensors
/// per cell, one two-time DMFT per tensor, every region classified; per cell the class counts,
/// the modal class and the entropy of the class distribution (bits). Cells run in parallel
/// (rayon); each cell's random stream is derived from (seed, cell index), so the result does not
/// depend on the number of threads. `progress` counts cells and is checked before each cell and
/// by every DMFT step.
///
/// # Errors
/// [`StudyError::Option`] for a bad option (see [`Fig5Options::check`]); [`StudyError::Theory`]
/// when a cell fails; [`StudyError::Interrupted`].
///
/// # Examples
/// ```
/// use lowrank::study::{fig5, Fig5Options};
/// let o = Fig5Options { grid: 1, samples: 1, t: 5.0, dt: 0.1, ..Default::default() };
/// let r = fig5(&o, &Default::default()).unwrap();
/// assert_eq!(r.cells.len(), 1);
/// assert_eq!(r.cells[0].counts.iter().sum::<usize>(), 2); // one tensor × two regions
/// ```
pub fn fig5(opts: &Fig5Options, progress: &Progress) -> Result<Fig5Result, StudyError> {
    let nt = opts.check()?;
    let lib = PhaseDiagramOptions {
        regions: opts.regions,
        g: opts.g,
        re: (opts.re.0, opts.re.1, opts.grid),
        im: (opts.im.0, opts.im.1, opts.grid),
        tensors: opts.samples,
        window: opts.window,
        max_tries: opts.max_tries,
        dmft: DmftOptions {
            dt: opts.dt,
            nt,
            band: opts.band,
            reference_ordering: opts.reference_ordering,
            classifier: opts.classifier,
            interrupt: progress.interrupt().clone(),
            ..Default::default()
        },
        seed: opts.seed,
    };
    let re = crate::theory::phase::linspace(opts.re.0, opts.re.1, opts.grid);
    let im = crate::theory::phase::linspace(opts.im.0, opts.im.1, opts.grid);
    let gauss = Gauss::new(64);
    let psi0 = pure_chaos(&gauss, Phi::Erf, opts.g)
        .map_err(|source| StudyError::Theory {
            context: "pure-chaos gain ψ₀(g) for the analytic boundary".into(),
            source,
        })?
        .gain;
    // One library call per cell (a 1-cell grid whose seed is the cell's derived seed, exactly
    // what `phase_diagram` does for cell `idx` of the full grid), so progress advances per cell.
    let cells_in: Vec<(usize, f64, f64)> = im
        .iter()
        .flat_map(|&y| re.iter().map(move |&x| (x, y)))
        .enumerate()
        .map(|(i, (x, y))| (i, x, y))
        .collect();
    let range = opts
        .shard
        .map_or(0..cells_in.len(), |s| s.range(cells_in.len()));
    let first_cell = range.start;
    let cells_in = &cells_in[range];
    progress.set_total(cells_in.len());
    let results: Vec<(PhaseCell, usize)> = cells_in
        .par_iter()
        .map(|&(idx, x, y)| {
            let mut o = lib.clone();
            o.re = (x, x, 1);
            o.im = (y, y, 1);
            let base = lib.seed ^ (idx as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut redraw = 0;
            loop {
                if progress.interrupt().is_raised() {
                    return Err(StudyError::Interrupted);
                }
                o.seed = base ^ (redraw as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
                match phase_diagram(gauss, &o) {
                    Ok(mut cell) => {
                        progress.advance(1);
                        let cell = cell.pop().ok_or_else(|| StudyError::Theory {
                            context: format!("cell λ = {x} + {y}i"),
                            source: TheoryError::Unsupported("empty cell".into()),
                        })?;
                        return Ok((cell, redraw));
                    }
                    Err(TheoryError::EigenStalled { .. }) if redraw < MAX_REDRAWS => {
                        redraw += 1;
                    }
                    Err(TheoryError::Interrupted { .. }) => return Err(StudyError::Interrupted),
                    Err(source) => {
                        return Err(StudyError::Theory {
                            context: format!("cell λ = {x} + {y}i"),
                            source,
                        })
                    }
                }
            }
        })
        .collect::<Result<_, _>>()?;
    let redraws = results.iter().map(|r| r.1).collect();
    let mut cells: Vec<PhaseCell> = results.into_iter().map(|r| r.0).collect();
    for c in &mut cells {
        c.entropy_bits += 0.0; // −0.0 (a single class) prints as 0
    }
    Ok(Fig5Result {
        options: opts.clone(),
        nt,
        re,
        im,
        cells,
        first_cell,
        redraws,
        psi0,
    })
}
