//! Running cases over the finite-size grid: every (N, seed) measurement, the per-size error
//! summaries, the fitted exponent and the verdict of the rule (docs/validation.md).
//!
//! [`run_case`] is [`case_theory`], then [`measure`] for each (N, seed index) in canonical
//! order, then [`assemble_case`]; [`shard`] runs the same measurements split over processes
//! (`--shard I/N`) and merges them into the same [`SuiteResult`].

use crate::case::{Case, Measurement, SimRequest, Suite};
use crate::rule::Verdict;
use crate::stats::{summarize, Summary};
use serde::{Deserialize, Serialize};
use std::time::Instant;

pub mod shard;

/// The finite-size grid and budget of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// Sizes N, strictly increasing (a case may use its own, see [`Case::sizes`]).
    pub sizes: Vec<usize>,
    /// Number of seeds per size (network seeds from [`network_seed`]).
    pub seeds: usize,
    /// First seed.
    pub base_seed: u64,
    /// Simulated-time multiplier handed to cases as [`SimRequest::effort`].
    pub effort: f64,
}

impl Grid {
    /// The default grid of `cargo xtask validate`: N ∈ {250, 500, 1000, 2000, 4000, 8000}
    /// (a factor 32), 6 seeds, full effort. Cases with long chaotic windows or an N² cost per
    /// step over long protocols use their own sizes ([`Case::sizes`], 125…4000), which keeps the
    /// run within 15 minutes on two cores.
    pub fn standard() -> Grid {
        Grid {
            sizes: vec![250, 500, 1000, 2000, 4000, 8000],
            seeds: 6,
            base_seed: 1,
            effort: 1.0,
        }
    }

    /// The `--quick` grid: N ∈ {200, 400, 800, 1600}, 4 seeds, effort 0.5.
    pub fn quick() -> Grid {
        Grid {
            sizes: vec![200, 400, 800, 1600],
            seeds: 4,
            base_seed: 1,
            effort: 0.5,
        }
    }

    /// Seeds per size a case actually uses: the grid's seeds × [`Case::seed_factor`] (≥ 1).
    pub fn seeds_for(&self, case: &Case) -> usize {
        self.seeds * case.seed_factor.max(1)
    }

    /// Sizes a case actually uses: its own list if it has one, capped at the grid's largest N
    /// (so `--quick` stays quick); the grid's sizes when fewer than two of its own remain.
    pub fn sizes_for(&self, case: &Case) -> Vec<usize> {
        match &case.sizes {
            None => self.sizes.clone(),
            Some(own) => {
                let max = self.sizes.iter().copied().max().unwrap_or(0);
                let v: Vec<usize> = own.iter().copied().filter(|&n| n <= max).collect();
                if v.len() >= 2 {
                    v
                } else {
                    self.sizes.clone()
                }
            }
        }
    }
}

/// The seed of the `s`-th network of size `n`: distinct for every (N, s) pair. The sampler's
/// streams nest networks (the loadings of a network of size N are the first N of a larger
/// one drawn with the same seed), which would correlate the errors across N and bias the
/// exponent fit; mixing N into the seed makes the sizes independent samples.
///
/// ```
/// use lowrank_validate::runner::network_seed;
/// assert_ne!(network_seed(1, 1000, 0), network_seed(1, 2000, 0));
/// assert_ne!(network_seed(1, 1000, 0), network_seed(1, 1000, 1));
/// assert_eq!(network_seed(1, 1000, 0), network_seed(1, 1000, 0));
/// ```
pub fn network_seed(base_seed: u64, n: usize, s: usize) -> u64 {
    // SplitMix64 finaliser of a simple combination: deterministic and well mixed.
    let mut z = base_seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((n as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .wrapping_add(s as u64);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One (N, seed) measurement with its errors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Size N.
    pub n: usize,
    /// Seed.
    pub seed: u64,
    /// Measured values.
    pub values: Vec<f64>,
    /// Reference values used for the error (per-network or large-N theory).
    pub reference: Vec<f64>,
    /// |values − reference| per observable.
    pub errors: Vec<f64>,
    /// Wall time of the measurement, seconds.
    pub seconds: f64,
}

/// Per-size summary of one observable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SizeSummary {
    /// Size N.
    pub n: usize,
    /// Error over seeds (mean, sd, t-interval).
    pub error: Summary,
    /// Measured value over seeds (mean, sd, t-interval).
    pub value: Summary,
}

/// The verdict of one observable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObservableResult {
    /// Observable name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Large-N theory value.
    pub theory: f64,
    /// Per-size summaries.
    pub sizes: Vec<SizeSummary>,
    /// Rule verdict.
    pub verdict: Verdict,
}

/// Everything about one case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    /// Case name.
    pub name: String,
    /// Paper and figure.
    pub source: String,
    /// Description / protocol.
    pub description: String,
    /// Scenario file.
    pub scenario: String,
    /// Overrides.
    pub overrides: Vec<(String, String)>,
    /// Large-N theory values (empty when the theory failed).
    pub theory: Vec<f64>,
    /// Sizes used.
    pub sizes: Vec<usize>,
    /// Raw measurements.
    pub points: Vec<Point>,
    /// Per-observable verdicts.
    pub observables: Vec<ObservableResult>,
    /// All observables passed and nothing errored.
    pub passed: bool,
    /// Error message if the theory or a simulation failed (the case then fails).
    pub failure: Option<String>,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Figure placements (copied from the case).
    pub figure_points: Vec<crate::case::FigurePoint>,
}

/// Progress events, for a progress bar.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    /// A case starts; `measurements` = sizes × seeds.
    CaseStarted {
        /// Case name.
        name: String,
        /// Number of measurements it will make.
        measurements: usize,
    },
    /// One measurement finished.
    Measured {
        /// Case name.
        name: String,
        /// Size.
        n: usize,
        /// Seed.
        seed: u64,
    },
    /// A case finished.
    CaseFinished {
        /// Case name.
        name: String,
        /// Verdict.
        passed: bool,
    },
}

/// The large-N prediction of a case, checked: one finite value per observable, or the failure
/// message a [`CaseResult`] records (`theory failed: …`).
///
/// ```
/// use lowrank_validate::case::{Case, Measurement, Observable, ScenarioRef};
/// use lowrank_validate::rule::Rule;
/// use lowrank_validate::runner::case_theory;
/// let case = Case {
///     name: "toy".into(), source: "doc".into(), description: "toy".into(),
///     scenario: ScenarioRef { path: "-".into(), overrides: vec![] },
///     observables: vec![Observable::new("x", "toy")],
///     theory: Box::new(|| Ok(vec![1.0, 2.0])),
///     simulate: Box::new(|_| Ok(Measurement { values: vec![1.0], reference: None })),
///     rule: Rule::default(), sizes: None, seed_factor: 1, figure_points: vec![],
/// };
/// // two values for one observable
/// assert!(case_theory(&case).unwrap_err().contains("need 1 finite values"));
/// ```
pub fn case_theory(case: &Case) -> Result<Vec<f64>, String> {
    let k = case.observables.len();
    match (case.theory)() {
        Ok(t) if t.len() == k && t.iter().all(|x| x.is_finite()) => Ok(t),
        Ok(t) => Err(format!(
            "theory returned {} values (need {k} finite values): {t:?}",
            t.len()
        )),
        Err(e) => Err(format!("theory failed: {e}")),
    }
}

/// One measurement of a case: the network of size `n` with the seed of index `s`
/// ([`network_seed`]), its errors against its own reference or `theory` (the case's checked
/// prediction, [`case_theory`]). A measurement depends only on (case, grid, n, s), so any
/// process can make it (docs/validation.md, "Sharding the validation").
///
/// Errors with the failure message a [`CaseResult`] records (a failed simulation, a wrong
/// shape or a non-finite value).
///
/// ```
/// use lowrank_validate::case::{Case, Measurement, Observable, ScenarioRef};
/// use lowrank_validate::rule::Rule;
/// use lowrank_validate::runner::{measure, network_seed, Grid};
/// let case = Case {
///     name: "toy".into(), source: "doc".into(), description: "toy".into(),
///     scenario: ScenarioRef { path: "-".into(), overrides: vec![] },
///     observables: vec![Observable::new("x", "toy")],
///     theory: Box::new(|| Ok(vec![1.0])),
///     simulate: Box::new(|r| Ok(Measurement {
///         values: vec![1.0 + 1.0 / (r.n as f64).sqrt()], reference: None })),
///     rule: Rule::default(), sizes: None, seed_factor: 1, figure_points: vec![],
/// };
/// let p = measure(&case, &Grid::quick(), &[1.0], 400, 2).unwrap();
/// assert_eq!(p.seed, network_seed(1, 400, 2));
/// assert!((p.errors[0] - 0.05).abs() < 1e-15);
/// ```
pub fn measure(
    case: &Case,
    grid: &Grid,
    theory: &[f64],
    n: usize,
    s: usize,
) -> Result<Point, String> {
    let k = case.observables.len();
    let seed = network_seed(grid.base_seed, n, s);
    let t0 = Instant::now();
    let req = SimRequest {
        n,
        seed,
        effort: grid.effort,
    };
    match (case.simulate)(&req) {
        Ok(Measurement { values, reference }) => {
            let reference = reference.unwrap_or_else(|| theory.to_vec());
            if values.len() != k
                || reference.len() != k
                || values.iter().chain(&reference).any(|x| !x.is_finite())
            {
                return Err(format!(
                    "measurement at N = {n}, seed {seed} has the wrong shape or a non-finite value: {values:?} vs {reference:?}"
                ));
            }
            let errors = values
                .iter()
                .zip(&reference)
                .map(|(a, b)| (a - b).abs())
                .collect();
            Ok(Point {
                n,
                seed,
                values,
                reference,
                errors,
                seconds: t0.elapsed().as_secs_f64(),
            })
        }
        Err(e) => Err(format!("simulation at N = {n}, seed {seed} failed: {e}")),
    }
}

/// Assemble the result of a case from its parts, as [`run_case`] does: `theory` from
/// [`case_theory`]; `points` the measurements in canonical order (sizes ascending, then seed
/// index) up to `failure`, the first failed measurement in that order, if any. A failed theory
/// gives a failed case with no theory values and no points; a failure gives a failed case with
/// the points before it; otherwise the errors are summarised per size and judged by the rule.
/// `seconds` is the case's wall time.
///
/// ```
/// use lowrank_validate::case::{Case, Measurement, Observable, ScenarioRef};
/// use lowrank_validate::rule::Rule;
/// use lowrank_validate::runner::{assemble_case, case_theory, measure, run_case, Grid};
/// let case = Case {
///     name: "toy".into(), source: "doc".into(), description: "toy".into(),
///     scenario: ScenarioRef { path: "-".into(), overrides: vec![] },
///     observables: vec![Observable::new("x", "toy")],
///     theory: Box::new(|| Ok(vec![1.0])),
///     simulate: Box::new(|r| Ok(Measurement {
///         values: vec![1.0 + (r.seed % 7) as f64 / (r.n as f64).sqrt()], reference: None })),
///     rule: Rule::default(), sizes: None, seed_factor: 1, figure_points: vec![],
/// };
/// let grid = Grid { sizes: vec![100, 400, 1600], seeds: 3, base_seed: 1, effort: 1.0 };
/// let theory = case_theory(&case);
/// let t = theory.clone().unwrap();
/// let points = grid.sizes_for(&case).iter()
///     .flat_map(|&n| (0..grid.seeds_for(&case)).map(move |s| (n, s)))
///     .map(|(n, s)| measure(&case, &grid, &t, n, s).unwrap())
///     .collect();
/// let mut a = assemble_case(&case, &grid, theory, points, None, 0.0);
/// let mut b = run_case(&case, &grid, &mut |_| {});
/// b.seconds = 0.0;
/// for p in a.points.iter_mut().chain(b.points.iter_mut()) { p.seconds = 0.0; }
/// assert_eq!(a, b);
/// ```
pub fn assemble_case(
    case: &Case,
    grid: &Grid,
    theory: Result<Vec<f64>, String>,
    points: Vec<Point>,
    failure: Option<String>,
    seconds: f64,
) -> CaseResult {
    let sizes = grid.sizes_for(case);
    let mut result = CaseResult {
        name: case.name.clone(),
        source: case.source.clone(),
        description: case.description.clone(),
        scenario: case.scenario.path.clone(),
        overrides: case.scenario.overrides.clone(),
        theory: Vec::new(),
        sizes: sizes.clone(),
        points: Vec::new(),
        observables: Vec::new(),
        passed: false,
        failure: None,
        seconds,
        figure_points: case.figure_points.clone(),
    };
    match theory {
        Err(e) => result.failure = Some(e),
        Ok(theory) => {
            result.points = points;
            result.failure = failure;
            if result.failure.is_none() {
                match summarise(case, &sizes, &theory, &result.points) {
                    Ok(obs) => result.observables = obs,
                    Err(e) => result.failure = Some(e),
                }
            }
            result.theory = theory;
        }
    }
    result.passed = result.failure.is_none()
        && !result.observables.is_empty()
        && result.observables.iter().all(|o| o.verdict.passed);
    result
}

/// Run one case over the grid: theory once, then every (N, seed), then the rule.
///
/// Never panics on a failing theory or simulation: the failure is recorded and the case
/// fails. Larger N are run after smaller ones so an early failure is cheap.
pub fn run_case(case: &Case, grid: &Grid, progress: &mut dyn FnMut(Progress)) -> CaseResult {
    let start = Instant::now();
    let sizes = grid.sizes_for(case);
    progress(Progress::CaseStarted {
        name: case.name.clone(),
        measurements: sizes.len() * grid.seeds_for(case),
    });
    let theory = case_theory(case);
    let mut points = Vec::new();
    let mut failure = None;
    if let Ok(theory) = &theory {
        'sizes: for &n in &sizes {
            for s in 0..grid.seeds_for(case) {
                match measure(case, grid, theory, n, s) {
                    Ok(p) => {
                        let seed = p.seed;
                        points.push(p);
                        progress(Progress::Measured {
                            name: case.name.clone(),
                            n,
                            seed,
                        });
                    }
                    Err(e) => {
                        failure = Some(e);
                        break 'sizes;
                    }
                }
            }
        }
    }
    let mut result = assemble_case(case, grid, theory, points, failure, 0.0);
    result.seconds = start.elapsed().as_secs_f64();
    progress(Progress::CaseFinished {
        name: result.name.clone(),
        passed: result.passed,
    });
    result
}

fn summarise(
    case: &Case,
    sizes: &[usize],
    theory: &[f64],
    points: &[Point],
) -> Result<Vec<ObservableResult>, String> {
    let level = case.rule.level;
    let mut out = Vec::new();
    for (o, obs) in case.observables.iter().enumerate() {
        let mut per = Vec::new();
        for &n in sizes {
            let errs: Vec<f64> = points
                .iter()
                .filter(|p| p.n == n)
                .map(|p| p.errors[o])
                .collect();
            let vals: Vec<f64> = points
                .iter()
                .filter(|p| p.n == n)
                .map(|p| p.values[o])
                .collect();
            let error =
                summarize(&errs, level).map_err(|e| format!("{}: N = {n}: {e}", obs.name))?;
            let value =
                summarize(&vals, level).map_err(|e| format!("{}: N = {n}: {e}", obs.name))?;
            per.push(SizeSummary { n, error, value });
        }
        let errors: Vec<Summary> = per.iter().map(|s| s.error.clone()).collect();
        let verdict = case.rule.judge(sizes, &errors);
        out.push(ObservableResult {
            name: obs.name.clone(),
            description: obs.description.clone(),
            theory: theory[o],
            sizes: per,
            verdict,
        });
    }
    Ok(out)
}

/// The whole run: every case result plus the grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SuiteResult {
    /// Grid used.
    pub grid: Grid,
    /// Case results in order.
    pub cases: Vec<CaseResult>,
    /// Every case passed.
    pub passed: bool,
    /// Wall time, seconds.
    pub seconds: f64,
}

impl SuiteResult {
    /// A copy with every wall time set to 0 (the suite's, each case's and each point's
    /// `seconds`): the part of a result that is reproducible, e.g. to compare a merged sharded
    /// run ([`shard::merge`]) with the unsharded one.
    ///
    /// ```
    /// use lowrank_validate::runner::{Grid, SuiteResult};
    /// let r = SuiteResult { grid: Grid::quick(), cases: vec![], passed: false, seconds: 3.5 };
    /// assert_eq!(r.without_seconds().seconds, 0.0);
    /// ```
    pub fn without_seconds(&self) -> SuiteResult {
        let mut out = self.clone();
        out.seconds = 0.0;
        for c in &mut out.cases {
            c.seconds = 0.0;
            for p in &mut c.points {
                p.seconds = 0.0;
            }
        }
        out
    }
}

/// Run every case of a suite.
///
/// ```
/// use lowrank_validate::case::{Case, Measurement, Observable, ScenarioRef, Suite};
/// use lowrank_validate::rule::Rule;
/// use lowrank_validate::runner::{run_suite, Grid};
/// // A toy case whose "simulation" is the theory value plus a deterministic N^{-1/2} error.
/// let case = Case {
///     name: "toy".into(), source: "doc".into(), description: "toy".into(),
///     scenario: ScenarioRef { path: "-".into(), overrides: vec![] },
///     observables: vec![Observable::new("x", "toy")],
///     theory: Box::new(|| Ok(vec![1.0])),
///     simulate: Box::new(|r| Ok(Measurement {
///         values: vec![1.0 + 1.0 / (r.n as f64).sqrt()], reference: None })),
///     rule: Rule::default(), sizes: None, seed_factor: 1, figure_points: vec![],
/// };
/// let grid = Grid { sizes: vec![100, 400, 1600], seeds: 3, base_seed: 1, effort: 1.0 };
/// let res = run_suite(&Suite { cases: vec![case], figures: vec![] }, &grid, &mut |_| {});
/// assert!(res.passed);
/// assert!((res.cases[0].observables[0].verdict.fit.as_ref().unwrap().exponent + 0.5).abs() < 1e-9);
/// ```
pub fn run_suite(suite: &Suite, grid: &Grid, progress: &mut dyn FnMut(Progress)) -> SuiteResult {
    let start = Instant::now();
    let cases: Vec<CaseResult> = suite
        .cases
        .iter()
        .map(|c| run_case(c, grid, progress))
        .collect();
    let passed = !cases.is_empty() && cases.iter().all(|c| c.passed);
    SuiteResult {
        grid: grid.clone(),
        cases,
        passed,
        seconds: start.elapsed().as_secs_f64(),
    }
}

/// Re-judge the measurements of a finished case against another large-N prediction (e.g. a
/// deliberately broken theory in a test, or a prediction from a different solver), keeping the
/// simulations: errors, summaries and verdicts are recomputed with `rule`.
///
/// Points that carried a per-network reference keep it (the prediction only replaces the
/// large-N reference). Errors if `theory` has the wrong length or a non-finite entry.
pub fn rejudge(
    case: &CaseResult,
    theory: &[f64],
    rule: &crate::rule::Rule,
) -> Result<CaseResult, crate::ValidateError> {
    let k = case.observables.len();
    if theory.len() != k || theory.iter().any(|x| !x.is_finite()) {
        return Err(crate::ValidateError::Case {
            case: case.name.clone(),
            reason: format!("rejudge needs {k} finite values, got {theory:?}"),
        });
    }
    let mut out = case.clone();
    for p in &mut out.points {
        if p.reference == case.theory {
            p.reference = theory.to_vec();
        }
        p.errors = p
            .values
            .iter()
            .zip(&p.reference)
            .map(|(a, b)| (a - b).abs())
            .collect();
    }
    out.theory = theory.to_vec();
    for (o, obs) in out.observables.iter_mut().enumerate() {
        obs.theory = theory[o];
        for z in &mut obs.sizes {
            let errs: Vec<f64> = out
                .points
                .iter()
                .filter(|p| p.n == z.n)
                .map(|p| p.errors[o])
                .collect();
            z.error = summarize(&errs, rule.level)?;
        }
        let errors: Vec<Summary> = obs.sizes.iter().map(|s| s.error.clone()).collect();
        obs.verdict = rule.judge(&out.sizes, &errors);
    }
    out.passed = out.failure.is_none()
        && !out.observables.is_empty()
        && out.observables.iter().all(|o| o.verdict.passed);
    Ok(out)
}
