//! Sharded runs and joining their outputs. [`Shard`] is the one `--shard I/N|auto` contract of
//! every grid-like command (defined in `lowrank_model::shard`, shared with the validation);
//! [`merge_csv`] and [`merge_csv_by_point`] join shard CSVs into the unsharded CSV byte for byte
//! (docs/cluster.md).

pub use lowrank_model::shard::{MergeError, Shard, ShardError};

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
        let shard = Shard::from_label(shard_text).map_err(|e| file_err(format!("trailer: {e}")))?;
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
    all_present(&parts)?;
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

/// Join shard JSON documents whose items are the array `list` (e.g. a study's `cells`): each
/// document has `shard` = `"I/N"`, its items and `first` = the index of its first item; apart
/// from those three fields the documents must be equal (the same command and parameters), and
/// `total` gives the run's item count from a document. The result is the unsharded document:
/// `shard` null, `first` 0 and every item in order.
///
/// # Errors
/// [`MergeError`] naming the file that differs, is unsharded, holds the wrong items or is given
/// twice, or listing the missing shards.
///
/// ```
/// use lowrank::shard::merge_json;
/// use serde_json::json;
/// let a = json!({"shard": "0/2", "first": 0, "items": [1], "seed": 3});
/// let b = json!({"shard": "1/2", "first": 1, "items": [2, 3], "seed": 3});
/// let total = |_: &serde_json::Value| Some(3);
/// let m = merge_json(&[("a".into(), a.clone()), ("b".into(), b)], "items", "first", total).unwrap();
/// assert_eq!(m, json!({"shard": null, "first": 0, "items": [1, 2, 3], "seed": 3}));
/// assert!(merge_json(&[("a".into(), a)], "items", "first", total).is_err()); // 1/2 missing
/// ```
pub fn merge_json(
    files: &[(String, serde_json::Value)],
    list: &str,
    first: &str,
    total: impl Fn(&serde_json::Value) -> Option<usize>,
) -> Result<serde_json::Value, MergeError> {
    use serde_json::Value;
    let (first_file, head) = files.first().ok_or(MergeError::Empty)?;
    let strip = |doc: &Value| -> Value {
        let mut d = doc.clone();
        if let Some(m) = d.as_object_mut() {
            for k in ["shard", list, first] {
                m.remove(k);
            }
        }
        d
    };
    let run = strip(head);
    let mut parts: Vec<Option<(&str, &Vec<Value>)>> = Vec::new();
    for (name, doc) in files {
        let file_err = |reason: String| MergeError::File {
            file: name.clone(),
            reason,
        };
        let shard = match doc.get("shard") {
            Some(Value::String(s)) => {
                Shard::from_label(s).map_err(|e| file_err(format!("`shard`: {e}")))?
            }
            Some(Value::Null) => {
                return Err(file_err("is an unsharded output (shard null)".into()))
            }
            _ => {
                return Err(file_err(
                    "no `shard` field (not written with --shard)".into(),
                ))
            }
        };
        if strip(doc) != run {
            return Err(MergeError::Mismatch {
                file: name.clone(),
                first: first_file.clone(),
                reason: "the run's parameters or fields differ".into(),
            });
        }
        if parts.is_empty() {
            parts = vec![None; shard.count()];
        } else if parts.len() != shard.count() {
            return Err(MergeError::Mismatch {
                file: name.clone(),
                first: first_file.clone(),
                reason: format!(
                    "shard {}, but the first file is of {} shards",
                    shard.label(),
                    parts.len()
                ),
            });
        }
        let n = total(doc).ok_or_else(|| file_err("no item count".into()))?;
        let want = shard.range(n);
        let items = doc
            .get(list)
            .and_then(Value::as_array)
            .ok_or_else(|| file_err(format!("no `{list}` list")))?;
        let start = doc.get(first).and_then(Value::as_u64);
        if items.len() != want.len() || start != Some(want.start as u64) {
            return Err(file_err(format!(
                "shard {} holds {} {list} from {start:?}, expected {} from {} (truncated or edited?)",
                shard.label(),
                items.len(),
                want.len(),
                want.start
            )));
        }
        if let Some((other, _)) = parts[shard.index()] {
            return Err(file_err(format!(
                "shard {} is given twice (also `{other}`)",
                shard.label()
            )));
        }
        parts[shard.index()] = Some((name.as_str(), items));
    }
    all_present(&parts)?;
    let mut out = head.clone();
    let all: Vec<Value> = parts
        .into_iter()
        .flatten()
        .flat_map(|(_, items)| items.iter().cloned())
        .collect();
    if let Some(m) = out.as_object_mut() {
        m.insert("shard".into(), Value::Null);
        m.insert(first.into(), Value::from(0u64));
        m.insert(list.into(), Value::Array(all));
    }
    Ok(out)
}

/// Check that every shard 0..N has a file (`parts[I]` is `Some`), else
/// [`MergeError::Missing`] listing the shards `I/N` to re-run.
///
/// # Errors
/// [`MergeError::Missing`].
///
/// ```
/// use lowrank::shard::all_present;
/// assert!(all_present(&[Some(1), Some(2)]).is_ok());
/// assert_eq!(all_present(&[Some(1), None, None]).unwrap_err().to_string(),
///     "shard(s) 1/3, 2/3 missing: re-run them with --shard I/N and merge again");
/// ```
pub fn all_present<T>(parts: &[Option<T>]) -> Result<(), MergeError> {
    let n = parts.len();
    let missing: Vec<String> = (0..n)
        .filter(|&i| parts[i].is_none())
        .map(|i| format!("{i}/{n}"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(MergeError::Missing(missing.join(", ")))
    }
}
