//! The one sharding contract of every grid-like command (`sweep`, `study fig5`): `--shard I/N`
//! runs the I-th of N contiguous slices of the items, every random draw of an item is derived
//! from (master seed, item index), so the union of the N shards is the unsharded run bit for bit;
//! `--shard auto` takes I and N from the scheduler's array job (docs/cluster.md).

use std::ops::Range;

/// Slice `index` of `count` (0 ≤ index < count).
///
/// ```
/// use lowrank::shard::Shard;
/// let s = Shard::parse("1/4").unwrap();
/// assert_eq!(s.range(10), 2..5);
/// // the slices of every shard tile the items
/// let all: Vec<usize> = (0..4).flat_map(|i| Shard::new(i, 4).unwrap().range(10)).collect();
/// assert_eq!(all, (0..10).collect::<Vec<_>>());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: usize,
    count: usize,
}

/// What is wrong with a shard request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Not `I/N` with integers 0 ≤ I < N.
    #[error("--shard `{text}`: {reason} (expected I/N with 0 ≤ I < N, e.g. 3/8, or `auto`)")]
    Syntax {
        /// The text given.
        text: String,
        /// What is wrong.
        reason: String,
    },
    /// `--shard auto` outside an array job, or with inconsistent variables.
    #[error("--shard auto: {0}")]
    Scheduler(String),
}

impl Shard {
    /// Shard `index` of `count`.
    ///
    /// # Errors
    /// [`ShardError::Syntax`] unless 0 ≤ index < count.
    pub fn new(index: usize, count: usize) -> Result<Shard, ShardError> {
        if count == 0 || index >= count {
            return Err(ShardError::Syntax {
                text: format!("{index}/{count}"),
                reason: "need 0 ≤ I < N".into(),
            });
        }
        Ok(Shard { index, count })
    }

    /// Parse `I/N`, or `auto` ([`Shard::from_env`] with the process environment).
    ///
    /// # Errors
    /// [`ShardError`] naming the text.
    pub fn parse(text: &str) -> Result<Shard, ShardError> {
        if text.trim() == "auto" {
            return Shard::from_env(|k| std::env::var(k).ok());
        }
        let syntax = |reason: &str| ShardError::Syntax {
            text: text.into(),
            reason: reason.into(),
        };
        let (i, n) = text.split_once('/').ok_or_else(|| syntax("no `/`"))?;
        let num = |v: &str, what: &str| -> Result<usize, ShardError> {
            v.trim().parse().map_err(|_| {
                syntax(&format!(
                    "{what} `{}` is not a non-negative integer",
                    v.trim()
                ))
            })
        };
        let (i, n) = (num(i, "I")?, num(n, "N")?);
        Shard::new(i, n).map_err(|_| syntax("need 0 ≤ I < N"))
    }

    /// The shard of this task of a scheduler array job, from its environment (`var` looks a
    /// variable up): Slurm (`SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` of
    /// `SLURM_ARRAY_TASK_COUNT`) or Grid Engine (`SGE_TASK_ID` − `SGE_TASK_FIRST` of
    /// `SGE_TASK_LAST` − `SGE_TASK_FIRST` + 1, step 1). PBS exports no array size: use
    /// `--shard $PBS_ARRAY_INDEX/N` there.
    ///
    /// # Errors
    /// [`ShardError::Scheduler`] naming the variables when none is set or they disagree.
    ///
    /// ```
    /// use lowrank::shard::Shard;
    /// let env = |k: &str| match k {
    ///     "SLURM_ARRAY_TASK_ID" => Some("3".to_string()),
    ///     "SLURM_ARRAY_TASK_COUNT" => Some("8".to_string()),
    ///     _ => None,
    /// };
    /// assert_eq!(Shard::from_env(env).unwrap(), Shard::new(3, 8).unwrap());
    /// assert!(Shard::from_env(|_| None).is_err());
    /// ```
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
        let int = |k: &str| -> Result<Option<usize>, ShardError> {
            match var(k) {
                None => Ok(None),
                Some(v) => v.trim().parse().map(Some).map_err(|_| {
                    ShardError::Scheduler(format!("{k} = `{v}` is not a non-negative integer"))
                }),
            }
        };
        if let Some(id) = int("SLURM_ARRAY_TASK_ID")? {
            let count = int("SLURM_ARRAY_TASK_COUNT")?.ok_or_else(|| {
                ShardError::Scheduler(
                    "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not".into(),
                )
            })?;
            let min = int("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let index = id.checked_sub(min).ok_or_else(|| {
                ShardError::Scheduler(format!(
                    "SLURM_ARRAY_TASK_ID = {id} is below SLURM_ARRAY_TASK_MIN = {min}"
                ))
            })?;
            return Shard::new(index, count).map_err(|_| {
                ShardError::Scheduler(format!(
                    "task {index} (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) is not below \
                     SLURM_ARRAY_TASK_COUNT = {count}: use a contiguous array 0..N−1 with step 1"
                ))
            });
        }
        if let Some(id) = int("SGE_TASK_ID")? {
            let (first, last) = match (int("SGE_TASK_FIRST")?, int("SGE_TASK_LAST")?) {
                (Some(f), Some(l)) if l >= f => (f, l),
                _ => {
                    return Err(ShardError::Scheduler(
                        "SGE_TASK_ID is set but SGE_TASK_FIRST/SGE_TASK_LAST are missing or \
                         reversed"
                            .into(),
                    ))
                }
            };
            if int("SGE_TASK_STEPSIZE")?.unwrap_or(1) != 1 {
                return Err(ShardError::Scheduler(
                    "SGE_TASK_STEPSIZE must be 1 (one task per shard)".into(),
                ));
            }
            let index = id.checked_sub(first).ok_or_else(|| {
                ShardError::Scheduler(format!("SGE_TASK_ID = {id} is below SGE_TASK_FIRST"))
            })?;
            return Shard::new(index, last - first + 1).map_err(|_| {
                ShardError::Scheduler(format!("SGE_TASK_ID = {id} is past SGE_TASK_LAST"))
            });
        }
        Err(ShardError::Scheduler(
            "not in a Slurm or Grid Engine array job (SLURM_ARRAY_TASK_ID / SGE_TASK_ID unset); \
             give --shard I/N"
                .into(),
        ))
    }

    /// This shard's index I.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The number of shards N.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The contiguous slice of `len` items of this shard: ⌊len·I/N⌋..⌊len·(I+1)/N⌋.
    pub fn range(&self, len: usize) -> Range<usize> {
        let t = len as u128;
        let (i, n) = (self.index as u128, self.count as u128);
        (t * i / n) as usize..(t * (i + 1) / n) as usize
    }

    /// `I/N`, as in the CSV trailer.
    pub fn label(&self) -> String {
        format!("{}/{}", self.index, self.count)
    }
}

/// What is wrong with a set of shard files given to [`merge_csv`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// A file is not a complete shard CSV of this kind.
    #[error("`{file}`: {reason}")]
    File {
        /// The file's name.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// The files are not shards of one run.
    #[error("`{file}`: {reason} (compare `{first}`)")]
    Mismatch {
        /// The file that differs.
        file: String,
        /// The first file.
        first: String,
        /// What differs.
        reason: String,
    },
    /// Shards are missing: the list of `I/N` to re-run.
    #[error("shard(s) {0} missing: re-run them with --shard I/N and merge again")]
    Missing(String),
    /// No file.
    #[error("no shard files given")]
    Empty,
}

/// Join shard CSVs written with `--shard I/N` into the unsharded CSV. Each file is a header,
/// its rows (the items of its [`Shard::range`] in order) and the trailer
/// `PREFIX shard=I/N; KEY=TOTAL; RUN…`. The files must share the header and `KEY=TOTAL; RUN…`
/// (the same command and parameters), hold every shard 0..N once with exactly its item count;
/// the result is the header, the rows in shard order and `PREFIX shard=all; KEY=TOTAL; RUN…`,
/// which is the unsharded run's CSV byte for byte.
///
/// # Errors
/// [`MergeError`] naming the file, or listing the missing shards.
///
/// ```
/// use lowrank::shard::merge_csv;
/// // 3 items in 2 shards: shard 0 holds item 0, shard 1 items 1 and 2
/// let a = "x\n1\n# t shard=0/2; items=3; seed=1\n".to_string();
/// let b = "x\n2\n3\n# t shard=1/2; items=3; seed=1\n".to_string();
/// let m = merge_csv("# t", &[("a".into(), a.clone()), ("b".into(), b)]).unwrap();
/// assert_eq!(m, "x\n1\n2\n3\n# t shard=all; items=3; seed=1\n");
/// assert!(merge_csv("# t", &[("a".into(), a)]).is_err()); // shard 1/2 missing
/// ```
pub fn merge_csv(prefix: &str, files: &[(String, String)]) -> Result<String, MergeError> {
    merge_rows(prefix, files, Rows::OnePerItem)
}

/// [`merge_csv`] for tables with any number of rows per item (at least one), whose first
/// column `point` is the item index: a shard's rows must name every item of its range, in
/// increasing order, and no other.
///
/// # Errors
/// As [`merge_csv`], and a shard whose `point` column leaves an item out or strays outside
/// its range.
///
/// ```
/// use lowrank::shard::merge_csv_by_point;
/// // 3 points in 2 shards; point 1 has two rows
/// let a = "point,x\n0,5\n# t shard=0/2; points=3\n".to_string();
/// let b = "point,x\n1,6\n1,7\n2,8\n# t shard=1/2; points=3\n".to_string();
/// let m = merge_csv_by_point("# t", &[("a".into(), a), ("b".into(), b.clone())]).unwrap();
/// assert_eq!(m, "point,x\n0,5\n1,6\n1,7\n2,8\n# t shard=all; points=3\n");
/// let bad = b.replace("2,8", "1,8"); // point 2 left out
/// assert!(merge_csv_by_point("# t", &[("b".into(), bad)]).is_err());
/// ```
pub fn merge_csv_by_point(prefix: &str, files: &[(String, String)]) -> Result<String, MergeError> {
    merge_rows(prefix, files, Rows::ByPoint)
}

/// How a shard's rows map to its items.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rows {
    /// Row k is item k of the shard's range.
    OnePerItem,
    /// The first column is the item index; one or more rows per item.
    ByPoint,
}

fn merge_rows(prefix: &str, files: &[(String, String)], mode: Rows) -> Result<String, MergeError> {
    let (first, _) = files.first().ok_or(MergeError::Empty)?;
    let mut header: Option<&str> = None;
    let mut run: Option<&str> = None;
    let mut count: Option<usize> = None;
    let mut parts: Vec<Option<(&str, Vec<&str>)>> = Vec::new();
    for (name, text) in files {
        let file_err = |reason: String| MergeError::File {
            file: name.clone(),
            reason,
        };
        let mismatch = |reason: String| MergeError::Mismatch {
            file: name.clone(),
            first: first.clone(),
            reason,
        };
        if !text.ends_with('\n') {
            return Err(file_err("truncated (the last line is incomplete)".into()));
        }
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() < 2 {
            return Err(file_err("no header and trailer".into()));
        }
        let trailer = lines[lines.len() - 1];
        let rest = trailer
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix(" shard="))
            .ok_or_else(|| {
                file_err(format!(
                    "the last line is not a `{prefix} shard=I/N; ...` trailer (truncated, or \
                     not written with --shard)"
                ))
            })?;
        let (shard_text, run_text) = rest
            .split_once("; ")
            .ok_or_else(|| file_err("malformed trailer".into()))?;
        if shard_text == "all" {
            return Err(file_err("is an unsharded output (shard=all)".into()));
        }
        let shard = Shard::parse(shard_text).map_err(|e| file_err(format!("trailer: {e}")))?;
        let total: usize = run_text
            .split(';')
            .next()
            .and_then(|kv| kv.split_once('='))
            .and_then(|(_, v)| v.trim().parse().ok())
            .ok_or_else(|| file_err("trailer: no item count".into()))?;
        match header {
            None => header = Some(lines[0]),
            Some(h) if h != lines[0] => return Err(mismatch("header differs".into())),
            _ => {}
        }
        match run {
            None => run = Some(run_text),
            Some(r) if r != run_text => {
                return Err(mismatch(format!(
                    "run parameters differ: `{run_text}` vs `{r}`"
                )))
            }
            _ => {}
        }
        match count {
            None => {
                count = Some(shard.count());
                parts = vec![None; shard.count()];
            }
            Some(n) if n != shard.count() => {
                return Err(mismatch(format!(
                    "shard {}, but the first file is of {n} shards",
                    shard.label()
                )))
            }
            _ => {}
        }
        let rows = lines[1..lines.len() - 1].to_vec();
        let want = shard.range(total);
        match mode {
            Rows::OnePerItem if rows.len() != want.len() => {
                return Err(file_err(format!(
                    "shard {} holds {} rows, expected {} (truncated or edited?)",
                    shard.label(),
                    rows.len(),
                    want.len()
                )))
            }
            Rows::OnePerItem => {}
            Rows::ByPoint => {
                let mut next = want.start;
                for (k, row) in rows.iter().enumerate() {
                    let point: usize = row
                        .split(',')
                        .next()
                        .and_then(|p| p.parse().ok())
                        .ok_or_else(|| file_err(format!("row {}: no point index", k + 1)))?;
                    if point + 1 == next {
                        continue; // another row of the same point
                    }
                    if point != next {
                        return Err(file_err(format!(
                            "row {}: point {point}, expected point {next} of shard {} (points \
                             {}..{}; truncated or edited?)",
                            k + 1,
                            shard.label(),
                            want.start,
                            want.end
                        )));
                    }
                    next += 1;
                }
                if next != want.end {
                    return Err(file_err(format!(
                        "shard {} ends at point {next}, expected all of points {}..{} \
                         (truncated?)",
                        shard.label(),
                        want.start,
                        want.end
                    )));
                }
            }
        }
        let slot = &mut parts[shard.index()];
        if let Some((other, _)) = slot {
            return Err(file_err(format!(
                "shard {} is given twice (also `{other}`)",
                shard.label()
            )));
        }
        *slot = Some((name.as_str(), rows));
    }
    let n = parts.len();
    let missing: Vec<String> = (0..n)
        .filter(|&i| parts[i].is_none())
        .map(|i| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing(missing.join(", ")));
    }
    let mut out = String::new();
    out.push_str(header.unwrap_or_default());
    out.push('\n');
    for (_, rows) in parts.into_iter().flatten() {
        for r in rows {
            out.push_str(r);
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "{prefix} shard=all; {}\n",
        run.unwrap_or_default()
    ));
    Ok(out)
}
