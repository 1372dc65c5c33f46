//! The one sharding contract of every grid-like command: `--shard I/N` runs the I-th of N
//! contiguous slices ⌊len·I/N⌋..⌊len·(I+1)/N⌋ of a run's items, and `--shard auto` takes I and
//! N from the scheduler's array job (docs/cluster.md). Each command derives every random draw of
//! an item from (master seed, item index), so the union of the N shards is the unsharded run bit
//! for bit; joining the shards' outputs is the commands' business.

use std::ops::Range;

/// Slice `index` of `count` (0 ≤ index < count).
///
/// ```
/// use lowrank_model::shard::Shard;
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
        Shard::from_label(text)
    }

    /// Parse `I/N` only, as recorded in a shard's output ([`Shard::label`]); `auto` is an
    /// error here, so reading a file never consults the environment.
    ///
    /// # Errors
    /// [`ShardError::Syntax`] naming the text.
    ///
    /// ```
    /// use lowrank_model::shard::Shard;
    /// assert_eq!(Shard::from_label("2/5").unwrap(), Shard::new(2, 5).unwrap());
    /// assert!(Shard::from_label("auto").is_err());
    /// ```
    pub fn from_label(text: &str) -> Result<Shard, ShardError> {
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
    /// use lowrank_model::shard::Shard;
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

    /// The name of this shard's record file, `shard-I-of-N.json` (`reproduce`, the validation).
    pub fn file_name(&self) -> String {
        format!("shard-{}-of-{}.json", self.index, self.count)
    }
}

/// What is wrong with a set of shard files to be joined into the unsharded output (every
/// command's merge: the CLI's `lowrank merge`, the validation's).
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
