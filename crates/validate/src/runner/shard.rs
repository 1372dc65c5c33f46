//! Sharding the validation (docs/validation.md, "Sharding the validation").
//!
//! The items of a run are its measurements (case, N, seed index s) in canonical order
//! ([`items`]): cases in suite order, sizes ascending ([`Grid::sizes_for`]), then s in
//! 0..[`Grid::seeds_for`]. A measurement depends only on (case, grid, N, s), so a shard
//! ([`Shard`], the same `--shard I/N` contract as `lowrank sweep`, docs/cluster.md) can run the
//! I-th of N contiguous slices on its own ([`run_shard`]) and record it in a [`ShardFile`];
//! [`merge`] checks a complete set of shard files and rebuilds the [`SuiteResult`] of the
//! unsharded [`run_suite`](super::run_suite), equal to it except wall times
//! ([`SuiteResult::without_seconds`]).
//!
//! Numbers in a shard file (measurements, theory values, the effort, wall times) are written
//! as strings in Rust's shortest round-trip form (e.g. `"1.0707106781186548"`) and read back
//! with Rust's correctly rounded parser ([`Exact`]), so every value crosses the file bit for
//! bit whatever float parser the JSON library is built with.

use super::{
    assemble_case, case_theory, measure, network_seed, Grid, Point, Progress, SuiteResult,
};
use crate::case::Suite;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::path::{Path, PathBuf};

pub use lowrank_model::shard::{MergeError, Shard};
use std::time::Instant;

/// The format tag of a shard file ([`ShardFile::format`]).
pub const FORMAT: &str = "lowrank-validate-shard/1";

/// What is wrong with a shard request or a set of shard files.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// Not `I/N` with integers 0 ≤ I < N, or `--shard auto` outside an array job.
    #[error(transparent)]
    Spec(#[from] lowrank_model::shard::ShardError),
    /// A file is incomplete or foreign, the files are not of one run, shards are missing (the
    /// list to re-run), or no file is given.
    #[error(transparent)]
    Merge(#[from] MergeError),
    /// One shard is given twice.
    #[error("shard {shard} is given twice: `{first}` and `{second}`")]
    Duplicate {
        /// `I/N`.
        shard: String,
        /// The first file holding it.
        first: String,
        /// The second file holding it.
        second: String,
    },
    /// The shard files do not fit the suite they are merged with (other code or cases).
    #[error("the shard files do not fit this suite: {0}")]
    Suite(String),
    /// Reading or writing a file failed.
    #[error("i/o on `{path}`: {error}")]
    Io {
        /// File or directory.
        path: String,
        /// Underlying error.
        error: std::io::Error,
    },
    /// JSON serialisation failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

/// One measurement of a run: case `case` (index in the suite) at size `n` with seed index `s`
/// (network seed [`network_seed`]`(base_seed, n, s)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item {
    /// Index of the case in the suite.
    pub case: usize,
    /// Size N.
    pub n: usize,
    /// Seed index.
    pub s: usize,
}

/// Every measurement of `suite` over `grid` in canonical order: cases in suite order, for each
/// case its sizes ascending ([`Grid::sizes_for`]), then s in 0..[`Grid::seeds_for`] — the
/// order in which [`run_case`](super::run_case) measures.
///
/// ```
/// use lowrank_validate::case::{Case, Measurement, Observable, ScenarioRef, Suite};
/// use lowrank_validate::rule::Rule;
/// use lowrank_validate::runner::{shard::{items, Item}, Grid};
/// let case = |name: &str, factor: usize| Case {
///     name: name.into(), source: "doc".into(), description: "toy".into(),
///     scenario: ScenarioRef { path: "-".into(), overrides: vec![] },
///     observables: vec![Observable::new("x", "toy")],
///     theory: Box::new(|| Ok(vec![1.0])),
///     simulate: Box::new(|_| Ok(Measurement { values: vec![1.0], reference: None })),
///     rule: Rule::default(), sizes: None, seed_factor: factor, figure_points: vec![],
/// };
/// let suite = Suite { cases: vec![case("a", 1), case("b", 2)], figures: vec![] };
/// let grid = Grid { sizes: vec![100, 400], seeds: 2, base_seed: 1, effort: 1.0 };
/// let all = items(&suite, &grid);
/// assert_eq!(all.len(), 2 * 2 + 2 * 4);
/// assert_eq!(all[0], Item { case: 0, n: 100, s: 0 });
/// assert_eq!(all[4], Item { case: 1, n: 100, s: 0 });
/// assert_eq!(all[11], Item { case: 1, n: 400, s: 3 });
/// ```
pub fn items(suite: &Suite, grid: &Grid) -> Vec<Item> {
    let mut out = Vec::new();
    for (c, case) in suite.cases.iter().enumerate() {
        for n in grid.sizes_for(case) {
            for s in 0..grid.seeds_for(case) {
                out.push(Item { case: c, n, s });
            }
        }
    }
    out
}

/// A number written as a JSON string in Rust's shortest round-trip form and read back with
/// Rust's correctly rounded parser: bit-exact through the file. Equality compares bits.
///
/// ```
/// use lowrank_validate::runner::shard::Exact;
/// let x = Exact(0.1 + 0.2);
/// let text = serde_json::to_string(&x).unwrap();
/// assert_eq!(text, "\"0.30000000000000004\"");
/// let back: Exact = serde_json::from_str(&text).unwrap();
/// assert_eq!(back.0.to_bits(), x.0.to_bits());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Exact(pub f64);

impl PartialEq for Exact {
    fn eq(&self, other: &Exact) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Serialize for Exact {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:?}", self.0))
    }
}

impl<'de> Deserialize<'de> for Exact {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Exact, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .map(Exact)
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a number")))
    }
}

fn exact(v: &[f64]) -> Vec<Exact> {
    v.iter().copied().map(Exact).collect()
}

fn plain(v: &[Exact]) -> Vec<f64> {
    v.iter().map(|x| x.0).collect()
}

/// The grid as recorded in a shard file (the effort bit-exact).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridRecord {
    /// [`Grid::sizes`].
    pub sizes: Vec<usize>,
    /// [`Grid::seeds`].
    pub seeds: usize,
    /// [`Grid::base_seed`].
    pub base_seed: u64,
    /// [`Grid::effort`].
    pub effort: Exact,
}

impl From<&Grid> for GridRecord {
    fn from(g: &Grid) -> GridRecord {
        GridRecord {
            sizes: g.sizes.clone(),
            seeds: g.seeds,
            base_seed: g.base_seed,
            effort: Exact(g.effort),
        }
    }
}

impl From<&GridRecord> for Grid {
    fn from(g: &GridRecord) -> Grid {
        Grid {
            sizes: g.sizes.clone(),
            seeds: g.seeds,
            base_seed: g.base_seed,
            effort: g.effort.0,
        }
    }
}

/// A [`Point`] as recorded in a shard file (its numbers bit-exact).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointRecord {
    /// [`Point::n`].
    pub n: usize,
    /// [`Point::seed`].
    pub seed: u64,
    /// [`Point::values`].
    pub values: Vec<Exact>,
    /// [`Point::reference`].
    pub reference: Vec<Exact>,
    /// [`Point::errors`].
    pub errors: Vec<Exact>,
    /// [`Point::seconds`] (wall time).
    pub seconds: Exact,
}

impl From<&Point> for PointRecord {
    fn from(p: &Point) -> PointRecord {
        PointRecord {
            n: p.n,
            seed: p.seed,
            values: exact(&p.values),
            reference: exact(&p.reference),
            errors: exact(&p.errors),
            seconds: Exact(p.seconds),
        }
    }
}

impl From<&PointRecord> for Point {
    fn from(p: &PointRecord) -> Point {
        Point {
            n: p.n,
            seed: p.seed,
            values: plain(&p.values),
            reference: plain(&p.reference),
            errors: plain(&p.errors),
            seconds: p.seconds.0,
        }
    }
}

/// The large-N prediction of a case, as computed by a shard ([`case_theory`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TheoryOutcome {
    /// One finite value per observable.
    Values(Vec<Exact>),
    /// The failure message (`theory failed: …`).
    Failure(String),
}

/// The theory of one case a shard touches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TheoryRecord {
    /// Case name.
    pub case: String,
    /// Values or failure.
    pub outcome: TheoryOutcome,
    /// Wall time of the theory, seconds.
    pub seconds: Exact,
}

/// What became of one item in a shard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Measured.
    Point(PointRecord),
    /// The theory or the simulation failed: the message a [`super::CaseResult`] records.
    Failure(String),
    /// Not run: an earlier item of the same case in this shard failed (as
    /// [`run_case`](super::run_case) stops a case at its first failure).
    Skipped,
}

/// One item of a shard: which measurement and its outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemRecord {
    /// Case name.
    pub case: String,
    /// Size N.
    pub n: usize,
    /// Seed index s.
    pub s: usize,
    /// Point, failure or skipped.
    pub outcome: Outcome,
}

/// The output of one shard, `shard-I-of-N.json`: its metadata (format tag, grid, shard, item
/// count, case names) and the outcome of each of its items in canonical order, with the theory
/// of every case it touches. No verdicts: a shard cannot judge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    /// [`FORMAT`].
    pub format: String,
    /// The grid of the run.
    pub grid: GridRecord,
    /// Shard index I.
    pub shard_index: usize,
    /// Shard count N.
    pub shard_count: usize,
    /// Number of items of the whole run (all shards).
    pub items_total: usize,
    /// The suite's case names in order (after `--case` filtering).
    pub cases: Vec<String>,
    /// Theory of each case this shard touches, in suite order.
    pub theories: Vec<TheoryRecord>,
    /// This shard's items ([`Shard::range`] of [`items`]), in order.
    pub items: Vec<ItemRecord>,
    /// Wall time of the shard, seconds.
    pub seconds: Exact,
}

impl ShardFile {
    /// The shard ([`Shard::new`] of the recorded index and count).
    ///
    /// # Errors
    /// [`ShardError::Spec`] when the recorded index is not below the count.
    pub fn shard(&self) -> Result<Shard, ShardError> {
        Ok(Shard::new(self.shard_index, self.shard_count)?)
    }

    /// Number of items whose theory or simulation failed.
    pub fn failures(&self) -> usize {
        self.items
            .iter()
            .filter(|i| matches!(i.outcome, Outcome::Failure(_)))
            .count()
    }

    /// The file as pretty JSON.
    ///
    /// # Errors
    /// [`ShardError::Json`] (not expected: every field serialises).
    pub fn to_json(&self) -> Result<String, ShardError> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// Parse a shard file; `file` names it in errors.
    ///
    /// # Errors
    /// [`MergeError::File`] (as [`ShardError::Merge`]) when it is not JSON, has another format tag or misses a field.
    pub fn from_json(text: &str, file: &str) -> Result<ShardFile, ShardError> {
        let err = |reason: String| {
            ShardError::from(MergeError::File {
                file: file.to_string(),
                reason,
            })
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| err(format!("not JSON (truncated?): {e}")))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) => {
                return Err(err(format!(
                    "format `{other}`, expected `{FORMAT}` (written by another version?)"
                )))
            }
            None => return Err(err("not a validation shard file (no format tag)".into())),
        }
        serde_json::from_value(value).map_err(|e| err(format!("malformed shard file: {e}")))
    }

    /// Write the file as `dir/shard-I-of-N.json` (`dir` created if needed), atomically: a
    /// temporary file in `dir` renamed into place, so a killed shard leaves no partial file.
    ///
    /// # Errors
    /// [`ShardError::Io`] naming the path.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, ShardError> {
        let io = |path: &Path, error| ShardError::Io {
            path: path.display().to_string(),
            error,
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let name = self.shard()?.file_name();
        let path = dir.join(&name);
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, self.to_json()?).map_err(|e| io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(&path, e)
        })?;
        Ok(path)
    }

    /// Read and parse a shard file.
    ///
    /// # Errors
    /// [`ShardError::Io`] or [`MergeError::File`] naming the path.
    pub fn read(path: &Path) -> Result<ShardFile, ShardError> {
        let text = std::fs::read_to_string(path).map_err(|error| ShardError::Io {
            path: path.display().to_string(),
            error,
        })?;
        ShardFile::from_json(&text, &path.display().to_string())
    }
}

/// Run one shard of `suite` over `grid`: the theory of every case its items touch, then its
/// items ([`Shard::range`] of [`items`]) with [`measure`]. A failed theory marks the case's
/// items failed without simulating; after a failed simulation the case's later items in this
/// shard are skipped (the merged case stops at its first failure, as
/// [`run_case`](super::run_case) does). Progress: `CaseStarted` (with this shard's item count
/// of the case) and `Measured`; no `CaseFinished`, a shard has no verdict.
///
/// ```
/// use lowrank_validate::case::{Case, Measurement, Observable, ScenarioRef, Suite};
/// use lowrank_validate::rule::Rule;
/// use lowrank_validate::runner::shard::{merge, run_shard, Shard};
/// use lowrank_validate::runner::{run_suite, Grid};
/// let suite = Suite { cases: vec![Case {
///     name: "toy".into(), source: "doc".into(), description: "toy".into(),
///     scenario: ScenarioRef { path: "-".into(), overrides: vec![] },
///     observables: vec![Observable::new("x", "toy")],
///     theory: Box::new(|| Ok(vec![1.0])),
///     simulate: Box::new(|r| Ok(Measurement {
///         values: vec![1.0 + (r.seed % 5) as f64 / (r.n as f64).sqrt()], reference: None })),
///     rule: Rule::default(), sizes: None, seed_factor: 1, figure_points: vec![],
/// }], figures: vec![] };
/// let grid = Grid { sizes: vec![100, 400, 1600], seeds: 3, base_seed: 1, effort: 1.0 };
/// let files: Vec<(String, _)> = (0..2)
///     .map(|i| (format!("shard {i}"), run_shard(&suite, &grid, Shard::new(i, 2).unwrap(), &mut |_| {})))
///     .collect();
/// assert_eq!(files[0].1.items.len() + files[1].1.items.len(), 9);
/// let merged = merge(&suite, &files).unwrap();
/// let direct = run_suite(&suite, &grid, &mut |_| {});
/// assert_eq!(merged.without_seconds(), direct.without_seconds());
/// ```
pub fn run_shard(
    suite: &Suite,
    grid: &Grid,
    shard: Shard,
    progress: &mut dyn FnMut(Progress),
) -> ShardFile {
    let start = Instant::now();
    let all = items(suite, grid);
    let mine = &all[shard.range(all.len())];
    let mut theories = Vec::new();
    let mut records = Vec::new();
    for chunk in mine.chunk_by(|a, b| a.case == b.case) {
        let case = &suite.cases[chunk[0].case];
        progress(Progress::CaseStarted {
            name: case.name.clone(),
            measurements: chunk.len(),
        });
        let t0 = Instant::now();
        let theory = case_theory(case);
        theories.push(TheoryRecord {
            case: case.name.clone(),
            outcome: match &theory {
                Ok(t) => TheoryOutcome::Values(exact(t)),
                Err(e) => TheoryOutcome::Failure(e.clone()),
            },
            seconds: Exact(t0.elapsed().as_secs_f64()),
        });
        let mut failed = false;
        for item in chunk {
            let outcome = match &theory {
                Err(e) => Outcome::Failure(e.clone()),
                Ok(_) if failed => Outcome::Skipped,
                Ok(t) => match measure(case, grid, t, item.n, item.s) {
                    Ok(p) => {
                        progress(Progress::Measured {
                            name: case.name.clone(),
                            n: p.n,
                            seed: p.seed,
                        });
                        Outcome::Point(PointRecord::from(&p))
                    }
                    Err(e) => {
                        failed = true;
                        Outcome::Failure(e)
                    }
                },
            };
            records.push(ItemRecord {
                case: case.name.clone(),
                n: item.n,
                s: item.s,
                outcome,
            });
        }
    }
    ShardFile {
        format: FORMAT.to_string(),
        grid: GridRecord::from(grid),
        shard_index: shard.index(),
        shard_count: shard.count(),
        items_total: all.len(),
        cases: suite.cases.iter().map(|c| c.name.clone()).collect(),
        theories,
        items: records,
        seconds: Exact(start.elapsed().as_secs_f64()),
    }
}

/// Keep exactly the cases named `names`, in that order (the case list of a shard file), e.g.
/// to rebuild the suite of a sharded run from the bundled one before [`merge`].
///
/// # Errors
/// [`ShardError::Suite`] when a name is not in the suite.
pub fn select(mut suite: Suite, names: &[String]) -> Result<Suite, ShardError> {
    let mut cases = Vec::with_capacity(names.len());
    for name in names {
        let k = suite
            .cases
            .iter()
            .position(|c| &c.name == name)
            .ok_or_else(|| {
                ShardError::Suite(format!(
                    "case `{name}` of the shard files is not in the suite (other code?)"
                ))
            })?;
        cases.push(suite.cases.swap_remove(k));
    }
    suite.cases = cases;
    Ok(suite)
}

/// Join the shard files `files` (name, parsed file) of one run of `suite` into the
/// [`SuiteResult`] of the unsharded run: equal to [`run_suite`](super::run_suite) except the
/// wall times (a merged case's `seconds` is its theory's plus its points' times, the suite's
/// the sum of the shards').
///
/// Checks that every file has the same grid, case list, shard count and item count as the first,
/// that every shard 0..N−1 is present exactly once, that the case list is `suite`'s, and that the
/// items of each shard are exactly its slice of [`items`] with consistent points and theories.
/// Then each case is assembled with [`assemble_case`]: the theory the shards computed, the
/// points in canonical order up to the first failure in that order (which fails the case).
///
/// # Errors
/// [`MergeError::Missing`] listing the shards to re-run, [`ShardError::Duplicate`] naming both
/// files, [`MergeError::Mismatch`] / [`MergeError::File`] naming the file, [`ShardError::Suite`],
/// [`MergeError::Empty`] (the [`MergeError`]s wrapped in [`ShardError::Merge`]).
///
/// ```
/// use lowrank_validate::case::{Case, Measurement, Observable, ScenarioRef, Suite};
/// use lowrank_validate::rule::Rule;
/// use lowrank_validate::runner::shard::{merge, run_shard, Shard};
/// use lowrank_validate::runner::Grid;
/// let suite = Suite { cases: vec![Case {
///     name: "toy".into(), source: "doc".into(), description: "toy".into(),
///     scenario: ScenarioRef { path: "-".into(), overrides: vec![] },
///     observables: vec![Observable::new("x", "toy")],
///     theory: Box::new(|| Ok(vec![1.0])),
///     simulate: Box::new(|_| Ok(Measurement { values: vec![1.0], reference: None })),
///     rule: Rule::default(), sizes: None, seed_factor: 1, figure_points: vec![],
/// }], figures: vec![] };
/// let grid = Grid { sizes: vec![100, 400], seeds: 2, base_seed: 1, effort: 1.0 };
/// let one = run_shard(&suite, &grid, Shard::new(0, 3).unwrap(), &mut |_| {});
/// let err = merge(&suite, &[("a.json".into(), one)]).unwrap_err().to_string();
/// assert!(err.contains("1/3, 2/3 missing"), "{err}");
/// ```
pub fn merge(suite: &Suite, files: &[(String, ShardFile)]) -> Result<SuiteResult, ShardError> {
    let (first_name, first) = files.first().ok_or(MergeError::Empty)?;
    let file_err = |name: &str, reason: String| {
        ShardError::from(MergeError::File {
            file: name.to_string(),
            reason,
        })
    };
    let mismatch = |name: &str, reason: String| {
        ShardError::from(MergeError::Mismatch {
            file: name.to_string(),
            first: first_name.clone(),
            reason,
        })
    };
    let count = first.shard_count;
    let mut slots: Vec<Option<usize>> = vec![None; count];
    for (k, (name, f)) in files.iter().enumerate() {
        let shard = f.shard().map_err(|_| {
            file_err(
                name,
                format!("shard {}/{} is not 0 ≤ I < N", f.shard_index, f.shard_count),
            )
        })?;
        if f.grid != first.grid {
            return Err(mismatch(
                name,
                format!("grid differs: {:?} vs {:?}", f.grid, first.grid),
            ));
        }
        if f.cases != first.cases {
            return Err(mismatch(
                name,
                format!("case list differs: {:?} vs {:?}", f.cases, first.cases),
            ));
        }
        if f.shard_count != count {
            return Err(mismatch(
                name,
                format!(
                    "shard {}, but the first file is of {count} shards",
                    shard.label()
                ),
            ));
        }
        if f.items_total != first.items_total {
            return Err(mismatch(
                name,
                format!(
                    "{} items in the run, the first file {}",
                    f.items_total, first.items_total
                ),
            ));
        }
        let slot = &mut slots[shard.index()];
        if let Some(j) = *slot {
            return Err(ShardError::Duplicate {
                shard: shard.label(),
                first: files[j].0.clone(),
                second: name.clone(),
            });
        }
        *slot = Some(k);
    }
    let missing: Vec<String> = (0..count)
        .filter(|&i| slots[i].is_none())
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing(missing.join(", ")).into());
    }
    let names: Vec<String> = suite.cases.iter().map(|c| c.name.clone()).collect();
    if names != first.cases {
        return Err(ShardError::Suite(format!(
            "the shards ran the cases {:?}, the suite has {names:?}",
            first.cases
        )));
    }
    let grid = Grid::from(&first.grid);
    let all = items(suite, &grid);
    if all.len() != first.items_total {
        return Err(ShardError::Suite(format!(
            "the suite has {} items on this grid, the shards {} (other code?)",
            all.len(),
            first.items_total
        )));
    }
    let ncases = suite.cases.len();
    // per case: the theory (with its time and file) and the outcomes in canonical order
    let mut theories: Vec<Option<(&TheoryOutcome, f64, &str)>> = vec![None; ncases];
    let mut outcomes: Vec<Vec<(&Outcome, &str)>> = vec![Vec::new(); ncases];
    let mut seconds = 0.0;
    for (i, slot) in slots.iter().enumerate() {
        let (name, f) = &files[slot.unwrap_or_default()];
        let range = Shard::new(i, count)?.range(all.len());
        if f.items.len() != range.len() {
            return Err(file_err(
                name,
                format!(
                    "shard {i}/{count} holds {} items, expected {} (truncated or edited?)",
                    f.items.len(),
                    range.len()
                ),
            ));
        }
        let mut touched = vec![false; ncases];
        for (rec, item) in f.items.iter().zip(&all[range]) {
            let case = &suite.cases[item.case];
            if rec.case != case.name || rec.n != item.n || rec.s != item.s {
                return Err(file_err(
                    name,
                    format!(
                        "item ({}, N = {}, s = {}) where the run has ({}, N = {}, s = {})",
                        rec.case, rec.n, rec.s, case.name, item.n, item.s
                    ),
                ));
            }
            if let Outcome::Point(p) = &rec.outcome {
                let k = case.observables.len();
                let seed = network_seed(grid.base_seed, item.n, item.s);
                if p.n != item.n
                    || p.seed != seed
                    || p.values.len() != k
                    || p.reference.len() != k
                    || p.errors.len() != k
                {
                    return Err(file_err(
                        name,
                        format!(
                            "the point of ({}, N = {}, s = {}) has N = {}, seed {} (expected \
                             {seed}) or not {k} values",
                            case.name, item.n, item.s, p.n, p.seed
                        ),
                    ));
                }
            }
            touched[item.case] = true;
            outcomes[item.case].push((&rec.outcome, name.as_str()));
        }
        for t in &f.theories {
            let c = names.iter().position(|n| *n == t.case).ok_or_else(|| {
                file_err(
                    name,
                    format!("theory of `{}`, not a case of the run", t.case),
                )
            })?;
            if let TheoryOutcome::Values(v) = &t.outcome {
                if v.len() != suite.cases[c].observables.len() {
                    return Err(file_err(
                        name,
                        format!("theory of `{}` has {} values", t.case, v.len()),
                    ));
                }
            }
            match theories[c] {
                None => theories[c] = Some((&t.outcome, t.seconds.0, name.as_str())),
                Some((o, _, other)) if o != &t.outcome => {
                    return Err(file_err(
                        name,
                        format!(
                            "the theory of `{}` differs from the one in `{other}` (a \
                             non-deterministic theory cannot be sharded)",
                            t.case
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
        if let Some(c) =
            (0..ncases).find(|&c| touched[c] && !f.theories.iter().any(|t| t.case == names[c]))
        {
            return Err(file_err(
                name,
                format!("items of `{}` but no theory of it", names[c]),
            ));
        }
        seconds += f.seconds.0;
    }
    let mut cases = Vec::with_capacity(ncases);
    for (c, case) in suite.cases.iter().enumerate() {
        // a case without items is touched by no shard: its theory is computed here
        let (theory, theory_seconds) = match theories[c] {
            Some((TheoryOutcome::Values(v), t, _)) => (Ok(plain(v)), t),
            Some((TheoryOutcome::Failure(e), t, _)) => (Err(e.clone()), t),
            None => {
                let t0 = Instant::now();
                (case_theory(case), t0.elapsed().as_secs_f64())
            }
        };
        let mut points = Vec::new();
        let mut failure = None;
        for (outcome, name) in &outcomes[c] {
            match outcome {
                Outcome::Point(p) => points.push(Point::from(p)),
                Outcome::Failure(e) => {
                    failure = Some(e.clone());
                    break;
                }
                Outcome::Skipped => {
                    return Err(file_err(
                        name,
                        format!(
                            "an item of `{}` is skipped with no failure before it",
                            case.name
                        ),
                    ))
                }
            }
        }
        let case_seconds = theory_seconds + points.iter().map(|p| p.seconds).sum::<f64>();
        cases.push(assemble_case(
            case,
            &grid,
            theory,
            points,
            failure,
            case_seconds,
        ));
    }
    let passed = !cases.is_empty() && cases.iter().all(|c| c.passed);
    Ok(SuiteResult {
        grid,
        cases,
        passed,
        seconds,
    })
}
