//! The attractor polytope of exchange-mode symmetric interactions (docs/theory §3.7): its
//! vertices in the pair variables x_μν = (S^μν)², the fracture variables and the 2^f components;
//! and the statistics of the number f of fracture variables over random b.

use super::{option, StudyError};
use crate::shard::{MergeError, Shard};
use crate::theory::cb2025::polytope::{
    attractor_polytope, fracture_statistics_of, FractureStatistics, Polytope,
};
use serde_json::{json, Value};

/// Number of bases C(n, R) the exact enumeration may visit.
pub const MAX_BASES: f64 = 5e7;

fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Options of the polytope study: a polytope for `b`, and/or `fracture_draws` random draws.
#[derive(Debug, Clone, PartialEq)]
pub struct PolytopeOptions {
    /// Exchange couplings b^μ > 1 (one per region) of the polytope.
    pub b: Option<Vec<f64>>,
    /// Number of random polytopes (sorted b ~ U[1, 3]^R) for the fracture statistics.
    pub fracture_draws: Option<usize>,
    /// Regions R of the statistics.
    pub regions: usize,
    /// Seed of the statistics (draw i uses its own stream from (seed, i)).
    pub seed: u64,
    /// Only this slice of the fracture draws; `None`: all. Each draw depends only on the seed
    /// and its index, so the statistics of the N shards add up ([`merge`]) to the unsharded
    /// study's exactly.
    pub shard: Option<Shard>,
}

impl Default for PolytopeOptions {
    fn default() -> Self {
        PolytopeOptions {
            b: None,
            fracture_draws: None,
            regions: 5,
            seed: 0,
            shard: None,
        }
    }
}

impl PolytopeOptions {
    /// Check every option; returns the operations estimate of the statistics.
    ///
    /// # Errors
    /// [`StudyError::Option`] naming the first bad option.
    pub fn check(&self) -> Result<f64, StudyError> {
        if self.b.is_none() && self.fracture_draws.is_none() {
            return Err(option(
                "b",
                "give --b B,B,... (a polytope) and/or --fracture-draws N (statistics)".into(),
            ));
        }
        if let Some(b) = &self.b {
            if b.len() < 2 {
                return Err(option(
                    "b",
                    format!("need at least 2 regions, got {}", b.len()),
                ));
            }
            if let Some((i, x)) = b
                .iter()
                .enumerate()
                .find(|(_, x)| !(**x > 1.0 && x.is_finite()))
            {
                return Err(option(
                    "b",
                    format!(
                        "b^{} = {x} must be finite and > 1 (exchange mode needs b > 1)",
                        i + 1
                    ),
                ));
            }
            let r = b.len();
            let bases = binomial(r * (r - 1) / 2, r);
            if bases > MAX_BASES {
                return Err(option(
                    "b",
                    format!("R = {r} needs {bases:.2e} bases (limit {MAX_BASES:e}); use R ≤ 9"),
                ));
            }
        }
        let mut work = 0.0;
        if self.shard.is_some() && self.fracture_draws.is_none() {
            return Err(option(
                "shard",
                "only the fracture draws are sharded (give --fracture-draws N)".into(),
            ));
        }
        if let Some(draws) = self.fracture_draws {
            if draws == 0 {
                return Err(option("fracture-draws", "must be ≥ 1".into()));
            }
            if self.regions < 2 {
                return Err(option("regions", format!("({}) must be ≥ 2", self.regions)));
            }
            let bases = binomial(self.regions * (self.regions - 1) / 2, self.regions);
            if bases > MAX_BASES {
                return Err(option(
                    "regions",
                    format!(
                        "R = {} needs {bases:.2e} bases per draw (limit {MAX_BASES:e})",
                        self.regions
                    ),
                ));
            }
            let mine = self.shard.map_or(draws, |s| s.range(draws).len());
            work = mine as f64 * bases * (self.regions as f64).powi(3);
        }
        Ok(work)
    }
}

/// The polytope study.
#[derive(Debug, Clone, PartialEq)]
pub struct PolytopeResult {
    /// The options it ran with.
    pub options: PolytopeOptions,
    /// The polytope of `b`.
    pub polytope: Option<Polytope>,
    /// Non-empty polytopes counted by their number f of fracture variables, with the
    /// distribution of their vertex counts per f.
    pub fracture: Option<FractureStatistics>,
}

/// Name of pair variable (μ, ν), numbered from 1: `x_μ_ν`.
pub fn pair_name(p: &(usize, usize)) -> String {
    format!("x_{}_{}", p.0 + 1, p.1 + 1)
}

impl PolytopeResult {
    /// The `lowrank study polytope --json` document.
    pub fn to_json(&self) -> Value {
        let mut doc = serde_json::Map::new();
        doc.insert("study".into(), json!("polytope"));
        if let (Some(b), Some(p)) = (&self.options.b, &self.polytope) {
            let components = u64::try_from(p.components).unwrap_or(u64::MAX);
            doc.insert(
                "polytope".into(),
                json!({
                    "b": b,
                    "regions": p.r,
                    "pairs": p.pairs.iter().map(|(m, n)| [m + 1, n + 1]).collect::<Vec<_>>(),
                    "vertices": p.vertices,
                    "fracture": p.fracture.iter().map(|&j| [p.pairs[j].0 + 1, p.pairs[j].1 + 1]).collect::<Vec<_>>(),
                    "components": components,
                    "dimension": p.dimension,
                    "empty": p.is_empty(),
                }),
            );
        }
        if let Some(stats) = &self.fracture {
            let vertices: Vec<Value> = self
                .vertex_rows()
                .into_iter()
                .map(|r| {
                    json!({
                        "f": r.f,
                        "polytopes": r.polytopes,
                        "mean": r.mean,
                        "min": r.min,
                        "max": r.max,
                        "histogram": stats.vertex_counts[r.f],
                    })
                })
                .collect();
            doc.insert(
                "fracture_statistics".into(),
                json!({
                    "regions": self.options.regions,
                    "draws": self.options.fracture_draws,
                    "seed": self.options.seed,
                    "shard": self.options.shard.map(|s| s.label()),
                    "counts": stats.counts,
                    "vertices": vertices,
                }),
            );
        }
        Value::Object(doc)
    }

    /// Per number f of fracture variables with at least one polytope: how many polytopes, and
    /// the mean, least and largest number of vertices (empty without fracture statistics).
    pub fn vertex_rows(&self) -> Vec<VertexRow> {
        let Some(stats) = &self.fracture else {
            return Vec::new();
        };
        stats
            .vertex_counts
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.is_empty())
            .map(|(f, h)| VertexRow {
                f,
                polytopes: stats.counts[f],
                mean: stats.mean_vertices(f).unwrap_or(f64::NAN),
                min: h[0].0,
                max: h[h.len() - 1].0,
            })
            .collect()
    }

    /// The CSV of `--csv`: with a polytope (`--b`) one row per vertex (`vertex, x_1_2, ...`);
    /// otherwise, with fracture statistics, one row per f
    /// (`f,polytopes,mean_vertices,min_vertices,max_vertices`).
    pub fn to_csv(&self) -> Option<String> {
        let Some(p) = self.polytope.as_ref() else {
            self.fracture.as_ref()?;
            let mut out = "f,polytopes,mean_vertices,min_vertices,max_vertices\n".to_string();
            for r in self.vertex_rows() {
                out.push_str(&format!(
                    "{},{},{},{},{}\n",
                    r.f, r.polytopes, r.mean, r.min, r.max
                ));
            }
            return Some(out);
        };
        let mut header = vec!["vertex".to_string()];
        header.extend(p.pairs.iter().map(pair_name));
        let mut out = header.join(",");
        out.push('\n');
        for (i, v) in p.vertices.iter().enumerate() {
            let mut line = vec![(i + 1).to_string()];
            line.extend(v.iter().map(|x| format!("{x}")));
            out.push_str(&line.join(","));
            out.push('\n');
        }
        Some(out)
    }
}

/// Vertex counts of the polytopes with f fracture variables ([`PolytopeResult::vertex_rows`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VertexRow {
    /// Number of fracture variables.
    pub f: usize,
    /// Polytopes with f fracture variables.
    pub polytopes: usize,
    /// Their mean number of vertices.
    pub mean: f64,
    /// Their least number of vertices.
    pub min: usize,
    /// Their largest number of vertices.
    pub max: usize,
}

/// Run the polytope study (the enumeration is exact; see [`MAX_BASES`]).
///
/// # Errors
/// [`StudyError::Option`]; [`StudyError::Theory`] when the enumeration fails.
///
/// # Examples
/// ```
/// use lowrank::study::{polytope, PolytopeOptions};
/// let r = polytope(&PolytopeOptions { b: Some(vec![2.0, 2.0, 2.0]), ..Default::default() }).unwrap();
/// assert!(!r.polytope.unwrap().vertices.is_empty());
/// ```
pub fn polytope(opts: &PolytopeOptions) -> Result<PolytopeResult, StudyError> {
    opts.check()?;
    let polytope = match &opts.b {
        Some(b) => Some(attractor_polytope(b).map_err(|source| StudyError::Theory {
            context: "--b".into(),
            source,
        })?),
        None => None,
    };
    let fracture = match opts.fracture_draws {
        Some(draws) => {
            let range = opts.shard.map_or(0..draws, |s| s.range(draws));
            Some(
                fracture_statistics_of(opts.regions, range, opts.seed).map_err(|source| {
                    StudyError::Theory {
                        context: "--fracture-draws".into(),
                        source,
                    }
                })?,
            )
        }
        None => None,
    };
    Ok(PolytopeResult {
        options: opts.clone(),
        polytope,
        fracture,
    })
}

impl PolytopeResult {
    /// Read back the `--json` document of a polytope study ([`PolytopeResult::to_json`]): the
    /// options and the fracture statistics from the document; the polytope of `b`, if any, is
    /// enumerated again (exact and deterministic). `from_json(&r.to_json())` is `r`.
    ///
    /// # Errors
    /// [`StudyError::Format`] naming the field that is missing or malformed; the options' errors.
    ///
    /// # Examples
    /// ```
    /// use lowrank::study::{polytope, PolytopeOptions, PolytopeResult};
    /// let o = PolytopeOptions { fracture_draws: Some(5), regions: 4, ..Default::default() };
    /// let r = polytope(&o).unwrap();
    /// assert_eq!(PolytopeResult::from_json(&r.to_json()).unwrap(), r);
    /// ```
    pub fn from_json(doc: &Value) -> Result<PolytopeResult, StudyError> {
        let bad = |what: &str| StudyError::Format(format!("polytope study JSON: {what}"));
        if doc.get("study").and_then(Value::as_str) != Some("polytope") {
            return Err(bad("no \"study\": \"polytope\""));
        }
        let uint = |v: &Value, key: &str| -> Result<usize, StudyError> {
            v.get(key)
                .and_then(Value::as_u64)
                .and_then(|x| usize::try_from(x).ok())
                .ok_or_else(|| bad(&format!("`{key}` is not a count")))
        };
        let b = match doc.get("polytope") {
            None => None,
            Some(p) => Some(
                p.get("b")
                    .and_then(Value::as_array)
                    .and_then(|a| a.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
                    .ok_or_else(|| bad("`polytope.b` is not a list of numbers"))?,
            ),
        };
        let mut options = PolytopeOptions {
            b,
            ..Default::default()
        };
        let mut fracture = None;
        if let Some(fs) = doc.get("fracture_statistics") {
            options.regions = uint(fs, "regions")?;
            options.fracture_draws = Some(uint(fs, "draws")?);
            options.seed = fs
                .get("seed")
                .and_then(Value::as_u64)
                .ok_or_else(|| bad("`fracture_statistics.seed` is not a seed"))?;
            options.shard = match fs.get("shard") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    v.as_str()
                        .map(Shard::from_label)
                        .ok_or_else(|| bad("`fracture_statistics.shard` is not I/N"))?
                        .map_err(|e| bad(&e.to_string()))?,
                ),
            };
            // bound R (and so the f range allocated below) before sizing anything by it
            options.check()?;
            let mut stats = FractureStatistics::empty(options.regions);
            let rows = fs
                .get("vertices")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("no `fracture_statistics.vertices` list"))?;
            for row in rows {
                let f = uint(row, "f")?;
                let hist = row
                    .get("histogram")
                    .and_then(Value::as_array)
                    .ok_or_else(|| bad("a `vertices` row without `histogram`"))?;
                for pair in hist {
                    let (v, c) = pair
                        .as_array()
                        .and_then(|p| match p[..] {
                            [ref v, ref c] => Some((v.as_u64()?, c.as_u64()?)),
                            _ => None,
                        })
                        .ok_or_else(|| bad("a histogram entry is not [vertices, polytopes]"))?;
                    stats
                        .count(f, v as usize, c as usize)
                        .map_err(|e| bad(&e.to_string()))?;
                }
            }
            let counts: Vec<usize> = fs
                .get("counts")
                .and_then(Value::as_array)
                .and_then(|a| a.iter().map(|x| x.as_u64().map(|x| x as usize)).collect())
                .ok_or_else(|| bad("`fracture_statistics.counts` is not a list of counts"))?;
            if counts != stats.counts {
                return Err(bad("`counts` disagree with the vertex histograms"));
            }
            fracture = Some(stats);
        }
        options.check()?;
        let polytope = match &options.b {
            Some(b) => Some(attractor_polytope(b).map_err(|source| StudyError::Theory {
                context: "polytope.b".into(),
                source,
            })?),
            None => None,
        };
        let result = PolytopeResult {
            options,
            polytope,
            fracture,
        };
        if let (Some(stats), Some(draws)) = (&result.fracture, result.options.fracture_draws) {
            let want = result.options.shard.map_or(draws, |s| s.range(draws).len());
            let have = stats
                .counts
                .iter()
                .fold(0usize, |a, &c| a.saturating_add(c));
            if have != want {
                return Err(bad(&format!(
                    "{have} polytopes counted, the shard holds {want} draws (truncated or edited?)"
                )));
            }
        }
        Ok(result)
    }
}

/// Join the shards of one sharded polytope study (each `(file name, result)`, e.g. read with
/// [`PolytopeResult::from_json`]) into the unsharded study: the same options apart from the
/// shard, every shard 0..N once; the fracture statistics add up, so the result equals the
/// unsharded run's.
///
/// # Errors
/// [`MergeError`] naming the file that differs or is given twice, or listing the missing shards.
///
/// # Examples
/// ```
/// use lowrank::shard::Shard;
/// use lowrank::study::{polytope, PolytopeOptions};
/// use lowrank::study::polytope::merge;
/// let o = PolytopeOptions { fracture_draws: Some(7), regions: 4, ..Default::default() };
/// let part = |i| polytope(&PolytopeOptions { shard: Some(Shard::new(i, 2).unwrap()), ..o.clone() }).unwrap();
/// let merged = merge(&[("a".into(), part(0)), ("b".into(), part(1))]).unwrap();
/// assert_eq!(merged, polytope(&o).unwrap());
/// assert!(merge(&[("a".into(), part(0))]).is_err()); // shard 1/2 missing
/// ```
pub fn merge(parts: &[(String, PolytopeResult)]) -> Result<PolytopeResult, MergeError> {
    let (first, head) = parts.first().ok_or(MergeError::Empty)?;
    let unsharded = |r: &PolytopeResult| PolytopeOptions {
        shard: None,
        ..r.options.clone()
    };
    let options = unsharded(head);
    let count = head.options.shard.map_or(0, |s| s.count());
    let mut seen: Vec<Option<&str>> = vec![None; count];
    let mut out = FractureStatistics::empty(options.regions);
    for (name, part) in parts {
        let file_err = |reason: String| MergeError::File {
            file: name.clone(),
            reason,
        };
        let shard = part
            .options
            .shard
            .ok_or_else(|| file_err("is an unsharded study (no shard)".into()))?;
        if unsharded(part) != options {
            return Err(MergeError::Mismatch {
                file: name.clone(),
                first: first.clone(),
                reason: "study options differ".into(),
            });
        }
        if shard.count() != count {
            return Err(MergeError::Mismatch {
                file: name.clone(),
                first: first.clone(),
                reason: format!(
                    "shard {}, but the first file is of {count} shards",
                    shard.label()
                ),
            });
        }
        if let Some(other) = seen[shard.index()].replace(name) {
            return Err(file_err(format!(
                "shard {} is given twice (also `{other}`)",
                shard.label()
            )));
        }
        if let Some(stats) = &part.fracture {
            out.add(stats).map_err(|e| file_err(e.to_string()))?;
        }
    }
    crate::shard::all_present(&seen)?;
    Ok(PolytopeResult {
        fracture: options.fracture_draws.map(|_| out),
        polytope: head.polytope.clone(),
        options,
    })
}
