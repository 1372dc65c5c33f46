//! The [`Case`] abstraction: one theory prediction paired with one finite-N measurement
//! procedure, judged by a [`Rule`] over a grid of sizes N and seeds (docs/validation.md).
//!
//! A case is data plus two closures:
//! - `theory()` → the large-N prediction of each observable (mean-field / DMFT value);
//! - `simulate(request)` → the measured observables of one network of size N drawn with one
//!   seed (time-averaged after a burn-in, batched trials), optionally together with a
//!   *per-network* reference (the theory evaluated with that network's empirical loading
//!   statistics, docs/theory §4 "Pitfalls", for cases near transitions).
//!
//! The error of observable o at (N, seed) is |measured_o − reference_o|, the reference being
//! the per-network one when given and the large-N prediction otherwise.

use crate::error::ValidateError;
use crate::rule::Rule;
use serde::{Deserialize, Serialize};

/// One observable of a case: its name (docs/theory/ symbol) and why it is the right one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Observable {
    /// Short name, e.g. `"|kappa|"`, `"delta0"`, `"ring radius"`.
    pub name: String,
    /// What it is, with its equation, and why this observable (e.g. |κ| because the sign of
    /// a bistable state is random).
    pub description: String,
}

impl Observable {
    /// Convenience constructor.
    ///
    /// ```
    /// let o = lowrank_validate::case::Observable::new("|kappa|", "κ = n·φ(x)/N (§1.4); sign random");
    /// assert_eq!(o.name, "|kappa|");
    /// ```
    pub fn new(name: &str, description: &str) -> Observable {
        Observable {
            name: name.to_string(),
            description: description.to_string(),
        }
    }
}

/// The bundled scenario a case uses, with its `--set`-style overrides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioRef {
    /// Path relative to the workspace root, e.g. `scenarios/mo2018-fig1.toml`.
    pub path: String,
    /// Dotted-path overrides `(key, value)` applied on top of the file.
    pub overrides: Vec<(String, String)>,
}

/// What `simulate` is asked for: one network of normalisation size `n` drawn with `seed`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimRequest {
    /// Normalisation size N₀ (neurons per population weight 1; per region in \[CB\]).
    pub n: usize,
    /// Seed of the network and of its trials' initial conditions.
    pub seed: u64,
    /// Time-budget multiplier (1 = default; `--quick` uses less): cases scale their
    /// simulated time T and trial count by it, never below what their burn-in needs.
    pub effort: f64,
}

/// One measurement of a case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// Measured value of each observable (same order as [`Case::observables`]).
    pub values: Vec<f64>,
    /// Optional per-network reference (theory with the drawn network's empirical statistics);
    /// when `None` the case's large-N prediction is the reference.
    pub reference: Option<Vec<f64>>,
}

/// The large-N prediction: a closure returning one value per observable.
pub type TheoryFn = Box<dyn Fn() -> Result<Vec<f64>, ValidateError> + Send + Sync>;
/// The finite-N measurement procedure.
pub type SimulateFn = Box<dyn Fn(&SimRequest) -> Result<Measurement, ValidateError> + Send + Sync>;

/// Where a case's result is drawn in a theory-curve figure: the x coordinate and which
/// observable gives y (the figure's theory curves come from a [`FigureSpec`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FigurePoint {
    /// Name of the figure ([`FigureSpec::name`]).
    pub figure: String,
    /// Series label of the simulation points (e.g. `"|kappa| sim"`).
    pub series: String,
    /// x coordinate (e.g. g).
    pub x: f64,
    /// Index of the observable plotted as y (ignored when `y` is set).
    pub observable: usize,
    /// A fixed y coordinate instead of a measured value: marks where a case sits in a
    /// parameter-plane figure (e.g. (g, λ₀) in the \[MO\] phase diagram); its series label
    /// gets the case's verdict appended.
    #[serde(default)]
    pub y: Option<f64>,
}

/// One validation case (see the module documentation).
pub struct Case {
    /// Unique name (used by `--case`), e.g. `"mo-fig1-g1.5"`.
    pub name: String,
    /// Paper and figure it checks, e.g. `"\[MO\] Fig. 1"`.
    pub source: String,
    /// What is compared and how (protocol, T, burn-in, trials, initial conditions).
    pub description: String,
    /// The scenario file and overrides.
    pub scenario: ScenarioRef,
    /// Observables, in the order of the theory and measurement vectors.
    pub observables: Vec<Observable>,
    /// Large-N prediction.
    pub theory: TheoryFn,
    /// Finite-N measurement.
    pub simulate: SimulateFn,
    /// Pass/fail rule (the same default everywhere unless a case documents a change).
    pub rule: Rule,
    /// Sizes to use instead of the suite's (None: the suite's grid); a case may cap N when its
    /// per-step cost grows faster (e.g. R regions × N² disorder blocks).
    pub sizes: Option<Vec<usize>>,
    /// Seeds per size = the grid's seeds × this factor (≥ 1). Cheap cases whose error is
    /// dominated by quenched (network-to-network) noise use more seeds, which narrows the
    /// exponent's confidence interval without changing the rule.
    pub seed_factor: usize,
    /// Placement in theory-curve figures.
    pub figure_points: Vec<FigurePoint>,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case")
            .field("name", &self.name)
            .field("source", &self.source)
            .field("scenario", &self.scenario)
            .field("observables", &self.observables)
            .field("rule", &self.rule)
            .field("sizes", &self.sizes)
            .field("seed_factor", &self.seed_factor)
            .finish_non_exhaustive()
    }
}

/// One theory curve of a figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// Legend label.
    pub label: String,
    /// Points (x, y) in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Dashed (e.g. an unstable branch).
    pub dashed: bool,
}

/// A theory-curve figure onto which cases place simulation points (e.g. \[MO\] Fig. 1: |κ|
/// against g; \[CB\] Fig. 4a: √A against g).
pub struct FigureSpec {
    /// File stem and key for [`FigurePoint::figure`].
    pub name: String,
    /// Title.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Computes the theory curves (called once per report).
    pub curves: Box<dyn Fn() -> Result<Vec<Curve>, ValidateError> + Send + Sync>,
}

impl std::fmt::Debug for FigureSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FigureSpec")
            .field("name", &self.name)
            .field("title", &self.title)
            .finish_non_exhaustive()
    }
}

/// A collection of cases and figures.
#[derive(Debug, Default)]
pub struct Suite {
    /// Cases, run in order.
    pub cases: Vec<Case>,
    /// Theory-curve figures.
    pub figures: Vec<FigureSpec>,
}

impl Suite {
    /// Keep only the cases whose name contains `pattern` (the figures stay).
    ///
    /// Errors with [`ValidateError::UnknownCase`] when nothing matches.
    pub fn filter(mut self, pattern: &str) -> Result<Suite, ValidateError> {
        self.cases.retain(|c| c.name.contains(pattern));
        if self.cases.is_empty() {
            return Err(ValidateError::UnknownCase(pattern.to_string()));
        }
        Ok(self)
    }
}
