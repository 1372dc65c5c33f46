//! Parameter sweeps of the mean-field solutions: every branch (the complete search of
//! `lowrank solve`, docs/theory "Complete solution sets") at every point of a Cartesian grid of
//! scenario parameters, each point also seeded by the solutions of the previous one (continuation,
//! docs/theory §4). One row per solution, with the columns of `lowrank sweep`'s CSV; a point where
//! nothing converged gets one `no-solution` row with empty numbers — never a value.
//!
//! Used by `lowrank sweep` (which adds the CSV file, shards, `merge` and the plot) and by the
//! Python package's `lowrank.sweep`.

use crate::model::Scenario;
use crate::progress::Progress;
use crate::source::{LoadError, ScenarioSource};
use crate::theory::solve::branches::{solve_all, MeanFieldSolution, SolveOptions};
use crate::theory::TheoryError;
use std::ops::Range;

/// Largest number of values of one swept parameter (the grid values are held in memory).
pub const MAX_COUNT: usize = 1_000_000;

/// Estimated work of one grid point's complete search (elementary operations, measured order of
/// magnitude), for work budgets.
pub const SOLVE_WORK: f64 = 1e8;

/// Why a sweep could not run or stopped.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A swept parameter is malformed (empty key, no values, non-finite values, too many).
    #[error("--param `{param}`: {reason}")]
    Param {
        /// The parameter as given.
        param: String,
        /// What is wrong.
        reason: String,
    },
    /// The number of grid points overflows.
    #[error("--param: the grid size overflows")]
    GridOverflow,
    /// The base scenario or a grid point's scenario does not load.
    #[error("grid point {index} ({assignments})")]
    Scenario {
        /// Grid index.
        index: usize,
        /// The point's `KEY=VALUE` assignments.
        assignments: String,
        /// Why.
        #[source]
        source: LoadError,
    },
    /// The base scenario does not load.
    #[error(transparent)]
    Base(LoadError),
    /// A swept parameter changes the model's shape, so the rows would not share columns.
    #[error("grid point {index}: the swept parameter changes the model's shape (rank, populations, readouts)")]
    ShapeChanged {
        /// Grid index.
        index: usize,
    },
    /// The complete search failed (an invalid option, not a missing solution).
    #[error("grid point {index}")]
    Solve {
        /// Grid index.
        index: usize,
        /// Why.
        #[source]
        source: TheoryError,
    },
    /// A solution has a non-finite number (never written).
    #[error(
        "grid point {index}: solution {solution} has a non-finite value ({value}); not written"
    )]
    NonFinite {
        /// Grid index.
        index: usize,
        /// Solution index.
        solution: usize,
        /// The value as text.
        value: String,
    },
    /// The range of grid points is not inside the grid.
    #[error("grid points {start}..{end} are not a range inside the grid of {len} points")]
    Points {
        /// First index.
        start: usize,
        /// One past the last index.
        end: usize,
        /// Grid size.
        len: usize,
    },
    /// `--time` is not finite.
    #[error("--time ({0}) must be finite")]
    Time(f64),
    /// Stopped by the progress's interrupt after `done` points.
    #[error("the sweep was interrupted after {done} grid point(s)")]
    Interrupted {
        /// Points finished.
        done: usize,
    },
}

/// One swept parameter: a `--set` key path and its values.
///
/// # Examples
/// ```
/// use lowrank::sweep::Param;
/// let p = Param::parse("mo2018.g=0.5:1.5:3").unwrap();
/// assert_eq!((p.key(), p.values()), ("mo2018.g", &[0.5, 1.0, 1.5][..]));
/// assert!(Param::parse("mo2018.g=0:1:0").is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    key: String,
    values: Vec<f64>,
}

impl Param {
    /// A parameter with explicit values (1 to [`MAX_COUNT`] finite numbers).
    ///
    /// # Errors
    /// [`SweepError::Param`] for an empty key, no values, a non-finite value or too many values.
    pub fn new(key: &str, values: Vec<f64>) -> Result<Param, SweepError> {
        let err = |reason: String| SweepError::Param {
            param: key.to_string(),
            reason,
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(err("empty KEY".into()));
        }
        if values.is_empty() {
            return Err(err("no values".into()));
        }
        if values.len() > MAX_COUNT {
            return Err(err(format!(
                "{} values is over {MAX_COUNT} values per parameter",
                values.len()
            )));
        }
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            return Err(err(format!("value {v} is not finite")));
        }
        Ok(Param {
            key: key.to_string(),
            values,
        })
    }

    /// Parse `KEY=START:STOP:COUNT` (COUNT equally spaced values, both ends included).
    ///
    /// # Errors
    /// [`SweepError::Param`] for a malformed text, non-finite ends, COUNT = 0 or > [`MAX_COUNT`].
    pub fn parse(text: &str) -> Result<Param, SweepError> {
        let err = |reason: &str| SweepError::Param {
            param: text.to_string(),
            reason: reason.to_string(),
        };
        let (key, range) = text
            .split_once('=')
            .ok_or_else(|| err("expected KEY=START:STOP:COUNT"))?;
        let parts: Vec<&str> = range.split(':').collect();
        if parts.len() != 3 {
            return Err(err("expected KEY=START:STOP:COUNT"));
        }
        let start: f64 = parts[0]
            .trim()
            .parse()
            .map_err(|_| err("START is not a number"))?;
        let stop: f64 = parts[1]
            .trim()
            .parse()
            .map_err(|_| err("STOP is not a number"))?;
        let count: usize = parts[2]
            .trim()
            .parse()
            .map_err(|_| err("COUNT is not a non-negative integer"))?;
        if !start.is_finite() || !stop.is_finite() || count == 0 {
            return Err(err("START and STOP must be finite and COUNT ≥ 1"));
        }
        if count > MAX_COUNT {
            return Err(err(&format!(
                "COUNT {count} is over {MAX_COUNT} values per parameter"
            )));
        }
        if key.trim().is_empty() {
            return Err(err("empty KEY"));
        }
        Ok(Param {
            key: key.trim().to_string(),
            values: crate::theory::phase::linspace(start, stop, count),
        })
    }

    /// The `--set` key path.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The values.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
}

/// The Cartesian grid of the swept parameters; the first parameter is the outer loop.
///
/// # Examples
/// ```
/// use lowrank::sweep::{Grid, Param};
/// let g = Grid::new(vec![
///     Param::new("a", vec![1.0, 2.0]).unwrap(),
///     Param::new("b", vec![10.0, 20.0, 30.0]).unwrap(),
/// ]).unwrap();
/// assert_eq!(g.len(), 6);
/// assert_eq!(g.point(4), vec![2.0, 20.0]);
/// assert_eq!(g.shard(1, 4), 1..3);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    params: Vec<Param>,
    len: usize,
}

impl Grid {
    /// The grid of `params` (at least one).
    ///
    /// # Errors
    /// [`SweepError::Param`] without parameters, [`SweepError::GridOverflow`] when Π COUNT
    /// overflows.
    pub fn new(params: Vec<Param>) -> Result<Grid, SweepError> {
        if params.is_empty() {
            return Err(SweepError::Param {
                param: String::new(),
                reason: "no swept parameter".into(),
            });
        }
        let len = params
            .iter()
            .try_fold(1usize, |acc, p| acc.checked_mul(p.values.len()))
            .ok_or(SweepError::GridOverflow)?;
        Ok(Grid { params, len })
    }

    /// Number of points Π_i COUNT_i.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the grid has no point (never: every parameter has a value).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The parameters.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// Coordinates of point `idx` (< [`Grid::len`]).
    pub fn point(&self, mut idx: usize) -> Vec<f64> {
        let mut x = vec![0.0; self.params.len()];
        for (slot, p) in x.iter_mut().zip(&self.params).rev() {
            let n = p.values.len();
            *slot = p.values[idx % n];
            idx /= n;
        }
        x
    }

    /// The contiguous slice of points of shard `i` of `n` (0 ≤ i < n): ⌊len·i/n⌋..⌊len·(i+1)/n⌋.
    pub fn shard(&self, i: usize, n: usize) -> Range<usize> {
        let t = self.len as u128;
        let (i, n) = (i as u128, n.max(1) as u128);
        (t * i / n) as usize..(t * (i + 1) / n) as usize
    }
}

/// What to solve at each point.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepOptions {
    /// Also look for stationary chaotic solutions.
    pub chaos: bool,
    /// Input amplitudes at this time of the scenario's schedule (`None`: the baselines).
    pub time: Option<f64>,
    /// Keep every point's solutions in [`SweepTable::solutions`] (for plots).
    pub keep_solutions: bool,
}

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions {
            chaos: true,
            time: None,
            keep_solutions: false,
        }
    }
}

/// The rows of a sweep, as the cells of `lowrank sweep`'s CSV (numbers in shortest round-trip
/// form, so parsing a cell gives the exact f64).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepTable {
    /// Column names.
    pub header: Vec<String>,
    /// One row per solution (a `no-solution` row for a point without any).
    pub rows: Vec<Vec<String>>,
    /// Points where no solution converged.
    pub failures: usize,
    /// Each point's coordinates and solutions, with [`SweepOptions::keep_solutions`].
    pub solutions: Vec<(Vec<f64>, Vec<MeanFieldSolution>)>,
}

impl SweepTable {
    /// The CSV text: header, rows, and (if given) a trailing metadata line.
    pub fn to_csv(&self, trailer: Option<&str>) -> String {
        let mut text = self.header.join(",");
        text.push('\n');
        for l in &self.rows {
            text.push_str(&l.join(","));
            text.push('\n');
        }
        if let Some(t) = trailer {
            text.push_str(t);
            text.push('\n');
        }
        text
    }
}

/// Regime code of a grid point from its solutions (the four regimes of docs/theory §2.3, in the
/// order of [`crate::theory::phase::Regime`]; 4 = unresolved).
pub fn point_regime(sols: &[MeanFieldSolution]) -> u8 {
    let stable = |branch_het: bool, chaotic: bool| {
        sols.iter().any(|s| {
            s.stable
                && (s.branch != "trivial" && s.branch != "central") == branch_het
                && (s.regime == "chaotic") == chaotic
        })
    };
    if stable(true, false) {
        1
    } else if stable(true, true) {
        2
    } else if stable(false, false) {
        0
    } else if stable(false, true) {
        3
    } else {
        4
    }
}

/// Names of the codes of [`point_regime`].
pub const REGIME_NAMES: [&str; 5] = [
    "homogeneous stationary",
    "heterogeneous stationary",
    "heterogeneous chaotic",
    "homogeneous chaotic",
    "unresolved",
];

/// Column names: `point`, the keys, `solution, branch, regime, stable, instability`,
/// `kappa_1..K`, `mu_, delta0_, delta_inf_, gain_1..P`, `readout_1..R`, `bulk_radius`,
/// `outlier_re`, `outlier_im`, `zero_modes`, `converged`, `residual`, `iterations`.
fn header(params: &[Param], k: usize, p: usize, r: usize) -> Vec<String> {
    let mut h = vec!["point".to_string()];
    h.extend(params.iter().map(|p| p.key.clone()));
    h.extend(["solution", "branch", "regime", "stable", "instability"].map(String::from));
    h.extend((1..=k).map(|i| format!("kappa_{i}")));
    for name in ["mu", "delta0", "delta_inf", "gain"] {
        h.extend((1..=p).map(|i| format!("{name}_{i}")));
    }
    h.extend((1..=r).map(|i| format!("readout_{i}")));
    h.extend(
        [
            "bulk_radius",
            "outlier_re",
            "outlier_im",
            "zero_modes",
            "converged",
            "residual",
            "iterations",
        ]
        .map(String::from),
    );
    h
}

fn row(point: usize, x: &[f64], i: usize, s: &MeanFieldSolution) -> Vec<String> {
    let mut r = vec![point.to_string()];
    r.extend(x.iter().map(|v| format!("{v}")));
    r.extend([
        i.to_string(),
        s.branch.clone(),
        s.regime.clone(),
        s.stable.to_string(),
        s.instability.clone(),
    ]);
    for v in [
        &s.kappa,
        &s.mu,
        &s.delta0,
        &s.delta_inf,
        &s.gain,
        &s.readouts,
    ] {
        r.extend(v.iter().map(|v| format!("{v}")));
    }
    let top = s.outliers.first();
    r.extend([
        format!("{}", s.bulk_radius),
        top.map(|e| format!("{}", e.re)).unwrap_or_default(),
        top.map(|e| format!("{}", e.im)).unwrap_or_default(),
        s.zero_modes.to_string(),
        s.convergence.converged.to_string(),
        format!("{:e}", s.convergence.residual),
        s.convergence.iterations.to_string(),
    ]);
    r
}

fn no_solution_row(point: usize, x: &[f64], width: usize) -> Vec<String> {
    let mut r = vec![point.to_string()];
    r.extend(x.iter().map(|v| format!("{v}")));
    r.extend([
        String::new(),
        "none".into(),
        "no-solution".into(),
        "false".into(),
        String::new(),
    ]);
    r.resize(width, String::new());
    r[width - 3] = "false".into();
    r
}

/// The seeds a point hands to the next: static (κ, Δ₀) and chaotic (κ, Δ₀, Δ∞) solutions.
fn seeds(sols: &[MeanFieldSolution]) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let stat = sols
        .iter()
        .filter(|s| s.regime == "stationary")
        .map(|s| s.kappa.iter().chain(&s.delta0).copied().collect())
        .collect();
    let chaotic = sols
        .iter()
        .filter(|s| s.regime == "chaotic")
        .map(|s| {
            s.kappa
                .iter()
                .chain(&s.delta0)
                .chain(&s.delta_inf)
                .copied()
                .collect()
        })
        .collect();
    (stat, chaotic)
}

/// Solve every point of `points` (a range of grid indices; the whole grid is `0..grid.len()`) of
/// the scenario `source` with the fixed `overrides` and the point's `KEY=VALUE` assignments.
/// `progress` counts the points and is checked for a stop request before each one.
///
/// # Errors
/// [`SweepError::Base`] when the base scenario does not load; [`SweepError::Scenario`] when a
/// point's does; [`SweepError::ShapeChanged`], [`SweepError::Solve`], [`SweepError::NonFinite`],
/// [`SweepError::Time`], [`SweepError::Points`] for a range outside the grid;
/// [`SweepError::Interrupted`] when stopped.
///
/// # Examples
/// ```
/// use lowrank::progress::Progress;
/// use lowrank::source::ScenarioSource;
/// use lowrank::sweep::{run, Grid, Param, SweepOptions};
/// let grid = Grid::new(vec![Param::parse("mo2018.g=0.5:2.5:3").unwrap()]).unwrap();
/// let src = ScenarioSource::resolve("mo2018-fig1");
/// let t = run(&src, &[], &grid, 0..grid.len(), &SweepOptions::default(), &Progress::default()).unwrap();
/// assert_eq!(t.header[1], "mo2018.g");
/// assert!(t.rows.len() >= 3);
/// // a range outside the grid is an error, never clamped
/// assert!(run(&src, &[], &grid, 2..5, &SweepOptions::default(), &Progress::default()).is_err());
/// ```
pub fn run(
    source: &ScenarioSource,
    overrides: &[String],
    grid: &Grid,
    points: Range<usize>,
    opts: &SweepOptions,
    progress: &Progress,
) -> Result<SweepTable, SweepError> {
    if let Some(t) = opts.time {
        if !t.is_finite() {
            return Err(SweepError::Time(t));
        }
    }
    if points.start > points.end || points.end > grid.len {
        return Err(SweepError::Points {
            start: points.start,
            end: points.end,
            len: grid.len,
        });
    }
    progress.set_total(points.len());
    let base: Scenario = source.load(overrides).map_err(SweepError::Base)?;
    let shape = |s: &Scenario| {
        (
            s.model.rank(),
            s.model.n_populations(),
            s.model.readouts().len(),
        )
    };
    let (k, p, r) = shape(&base);
    let header = header(&grid.params, k, p, r);
    let mut table = SweepTable {
        header,
        rows: Vec::new(),
        failures: 0,
        solutions: Vec::new(),
    };
    let (mut stat_seeds, mut chaotic_seeds) = (Vec::new(), Vec::new());
    let mut set = overrides.to_vec();
    for (done, idx) in points.enumerate() {
        if progress.interrupt().is_raised() {
            return Err(SweepError::Interrupted { done });
        }
        let x = grid.point(idx);
        set.truncate(overrides.len());
        set.extend(
            grid.params
                .iter()
                .zip(&x)
                .map(|(p, v)| format!("{}={v}", p.key)),
        );
        let scenario = source.load(&set).map_err(|source| SweepError::Scenario {
            index: idx,
            assignments: set.join(" "),
            source,
        })?;
        if shape(&scenario) != (k, p, r) {
            return Err(SweepError::ShapeChanged { index: idx });
        }
        let model = &scenario.model;
        let sopts = SolveOptions {
            chaotic: opts.chaos,
            inputs: opts.time.map(|t| model.input_values(t)),
            extra_starts: std::mem::take(&mut stat_seeds),
            extra_chaotic_starts: std::mem::take(&mut chaotic_seeds),
            ..Default::default()
        };
        let all =
            solve_all(model, &sopts).map_err(|source| SweepError::Solve { index: idx, source })?;
        if all.solutions.is_empty() {
            table.failures += 1;
            table
                .rows
                .push(no_solution_row(idx, &x, table.header.len()));
        }
        for (i, s) in all.solutions.iter().enumerate() {
            let cells = row(idx, &x, i, s);
            if let Some(bad) = cells
                .iter()
                .find(|v| v.parse::<f64>().is_ok_and(|f| !f.is_finite()))
            {
                return Err(SweepError::NonFinite {
                    index: idx,
                    solution: i,
                    value: bad.clone(),
                });
            }
            table.rows.push(cells);
        }
        (stat_seeds, chaotic_seeds) = seeds(&all.solutions);
        if opts.keep_solutions {
            table.solutions.push((x, all.solutions));
        }
        progress.advance(1);
    }
    Ok(table)
}
