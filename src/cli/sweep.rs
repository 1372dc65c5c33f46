//! `lowrank sweep SCENARIO --param KEY=START:STOP:COUNT [--param ...] [--csv FILE] [--plot FILE]
//! [--shard I/N]` and `lowrank merge OUT.csv SHARD.csv...`.
//!
//! A sweep solves the mean-field equations (every branch, `lowrank solve`) on the Cartesian grid
//! of the parameters (the first `--param` is the outer loop), each point seeded by the solutions
//! of the previous one (continuation, THEORY.md §4), and writes one CSV row per solution. Points
//! where nothing converged get one row with `regime = no-solution` and empty numbers — never a
//! value. `--shard I/N` (0 ≤ I < N) solves only the I-th contiguous slice of the grid, so an array
//! job can split the work; `lowrank merge` joins the shard files (header checked, rows ordered by
//! `point`). `--plot` draws κ₁ against a 1-D parameter per branch, or the regime map of a 2-D
//! sweep (codes of [`lowrank::theory::phase::Regime`]).

use super::ScenarioArgs;
use anyhow::{bail, Context};
use lowrank::plot::{category_map, line_plot, Series};
use lowrank::theory::solve::branches::{solve_all, MeanFieldSolution, SolveOptions};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `lowrank sweep`.
#[derive(Debug, Clone, clap::Args)]
pub struct SweepArgs {
    /// Scenario and fixed overrides.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Swept parameter: a `--set` key path and an inclusive grid, e.g. `mo2018.g=0.5:3:101`.
    #[arg(long = "param", value_name = "KEY=START:STOP:COUNT", required = true)]
    pub param: Vec<String>,
    /// Write the CSV here (default: stdout).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Draw a plot (PNG or SVG by extension): κ₁ per branch (1-D) or the regime map (2-D).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Solve only slice I of N (0-based), e.g. `--shard 3/8` (for array jobs; join with `merge`).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Removed (see `lowrank solve --help`): giving it is an error that says why.
    #[arg(long, hide = true)]
    pub order: Option<String>,
    /// Input amplitudes at this time of the scenario's schedule (default: the baselines).
    #[arg(long)]
    pub time: Option<f64>,
    /// Do not look for stationary chaotic solutions.
    #[arg(long)]
    pub no_chaos: bool,
}

/// Arguments of `lowrank merge`.
#[derive(Debug, Clone, clap::Args)]
pub struct MergeArgs {
    /// Output CSV.
    pub output: PathBuf,
    /// Shard CSVs written by `lowrank sweep --shard`.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
}

/// One swept parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// `--set` key path.
    pub key: String,
    /// Grid values.
    pub values: Vec<f64>,
}

/// Parse `KEY=START:STOP:COUNT`.
pub fn parse_param(text: &str) -> anyhow::Result<Param> {
    let (key, range) = text
        .split_once('=')
        .with_context(|| format!("--param `{text}`: expected KEY=START:STOP:COUNT"))?;
    let parts: Vec<&str> = range.split(':').collect();
    if parts.len() != 3 {
        bail!("--param `{text}`: expected KEY=START:STOP:COUNT");
    }
    let start: f64 = parts[0]
        .trim()
        .parse()
        .with_context(|| format!("--param `{text}`: START"))?;
    let stop: f64 = parts[1]
        .trim()
        .parse()
        .with_context(|| format!("--param `{text}`: STOP"))?;
    let count: usize = parts[2]
        .trim()
        .parse()
        .with_context(|| format!("--param `{text}`: COUNT"))?;
    if !start.is_finite() || !stop.is_finite() || count == 0 {
        bail!("--param `{text}`: START and STOP must be finite and COUNT ≥ 1");
    }
    Ok(Param {
        key: key.trim().to_string(),
        values: lowrank::theory::phase::linspace(start, stop, count),
    })
}

/// Parse `I/N` into (I, N).
pub fn parse_shard(text: &str) -> anyhow::Result<(usize, usize)> {
    let (i, n) = text
        .split_once('/')
        .with_context(|| format!("--shard `{text}`: expected I/N"))?;
    let (i, n): (usize, usize) = (i.trim().parse()?, n.trim().parse()?);
    if n == 0 || i >= n {
        bail!("--shard `{text}`: need 0 ≤ I < N");
    }
    Ok((i, n))
}

fn grid(params: &[Param]) -> Vec<Vec<f64>> {
    let mut out: Vec<Vec<f64>> = vec![vec![]];
    for p in params {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                p.values.iter().map(move |v| {
                    let mut x = prefix.clone();
                    x.push(*v);
                    x
                })
            })
            .collect();
    }
    out
}

/// Regime code of a grid point from its solutions (the four regimes of THEORY.md §2.3, in the
/// order of [`lowrank::theory::phase::Regime`]).
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

const REGIME_NAMES: [&str; 5] = [
    "homogeneous stationary",
    "heterogeneous stationary",
    "heterogeneous chaotic",
    "homogeneous chaotic",
    "unresolved",
];

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
        s.converged.to_string(),
        format!("{:e}", s.residual),
        s.iterations.to_string(),
    ]);
    r
}

/// Run `lowrank sweep`.
pub fn run(args: &SweepArgs) -> anyhow::Result<()> {
    super::solve::reject_order(&args.order)?;
    let params: Vec<Param> = args
        .param
        .iter()
        .map(|p| parse_param(p))
        .collect::<anyhow::Result<_>>()?;
    let points = grid(&params);
    let (lo, hi) = match &args.shard {
        Some(s) => {
            let (i, n) = parse_shard(s)?;
            (points.len() * i / n, points.len() * (i + 1) / n)
        }
        None => (0, points.len()),
    };
    let base = args.scenario.load()?;
    let (k, p, r) = (
        base.model.rank(),
        base.model.n_populations(),
        base.model.readouts.len(),
    );
    let head = header(&params, k, p, r);
    let mut lines: Vec<Vec<String>> = Vec::new();
    let mut results: Vec<(usize, Vec<MeanFieldSolution>)> = Vec::new();
    let mut seeds: Vec<Vec<f64>> = Vec::new();
    let mut chaotic_seeds: Vec<Vec<f64>> = Vec::new();
    let mut failures = 0usize;
    for (idx, x) in points.iter().enumerate().take(hi).skip(lo) {
        let mut sargs = args.scenario.clone();
        sargs
            .set
            .extend(params.iter().zip(x).map(|(p, v)| format!("{}={v}", p.key)));
        let scenario = sargs
            .load()
            .with_context(|| format!("grid point {idx} ({})", sargs.set.join(" ")))?;
        let model = &scenario.model;
        if (model.rank(), model.n_populations(), model.readouts.len()) != (k, p, r) {
            bail!("grid point {idx}: the swept parameter changes the model's shape (rank, populations, readouts)");
        }
        let opts = SolveOptions {
            chaotic: !args.no_chaos,
            inputs: args.time.map(|t| model.input_values(t)),
            extra_starts: seeds.clone(),
            extra_chaotic_starts: chaotic_seeds.clone(),
            ..Default::default()
        };
        let all = solve_all(model, &opts)?;
        if all.solutions.is_empty() {
            failures += 1;
            let mut rowv = vec![idx.to_string()];
            rowv.extend(x.iter().map(|v| format!("{v}")));
            rowv.extend([
                "".into(),
                "none".into(),
                "no-solution".into(),
                "false".into(),
                "".into(),
            ]);
            rowv.resize(head.len(), String::new());
            let n = head.len();
            rowv[n - 3] = "false".into();
            lines.push(rowv);
        }
        for (i, s) in all.solutions.iter().enumerate() {
            lines.push(row(idx, x, i, s));
        }
        seeds = all
            .solutions
            .iter()
            .filter(|s| s.regime == "stationary")
            .map(|s| s.kappa.iter().chain(&s.delta0).copied().collect())
            .collect();
        chaotic_seeds = all
            .solutions
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
        results.push((idx, all.solutions));
    }
    let mut text = String::new();
    text.push_str(&head.join(","));
    text.push('\n');
    for l in &lines {
        text.push_str(&l.join(","));
        text.push('\n');
    }
    match &args.csv {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("write `{}`", path.display()))?
        }
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    if let Some(path) = &args.plot {
        plot(path, &params, &points, &results, &base.name)?;
    }
    if failures > 0 {
        eprintln!("warning: no mean-field solution converged at {failures} grid point(s) (rows with regime = no-solution)");
    }
    Ok(())
}

fn plot(
    path: &std::path::Path,
    params: &[Param],
    points: &[Vec<f64>],
    results: &[(usize, Vec<MeanFieldSolution>)],
    name: &str,
) -> anyhow::Result<()> {
    match params.len() {
        1 => {
            let mut groups: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
            for (idx, sols) in results {
                for s in sols {
                    let key = format!(
                        "{} {} ({})",
                        s.branch,
                        s.regime,
                        if s.stable { "stable" } else { "unstable" }
                    );
                    groups.entry(key).or_default().push((
                        points[*idx][0],
                        s.kappa.first().copied().unwrap_or(f64::NAN),
                    ));
                }
            }
            let series: Vec<Series> = groups
                .into_iter()
                .map(|(k, pts)| Series {
                    markers: true,
                    name: k,
                    points: pts,
                })
                .collect();
            line_plot(
                path,
                &format!("{name}: kappa_1 per branch"),
                &params[0].key,
                "kappa_1",
                &series,
            )
        }
        2 => {
            let (xs, ys) = (&params[1].values, &params[0].values);
            let mut codes = vec![vec![4u8; xs.len()]; ys.len()];
            for (idx, sols) in results {
                codes[idx / xs.len()][idx % xs.len()] = point_regime(sols);
            }
            category_map(
                path,
                &format!("{name}: regimes"),
                &params[1].key,
                &params[0].key,
                xs,
                ys,
                &codes,
                &REGIME_NAMES,
            )
        }
        n => bail!("--plot supports 1-D and 2-D sweeps, not {n}-D"),
    }
}

/// Run `lowrank merge`.
pub fn merge(args: &MergeArgs) -> anyhow::Result<()> {
    let mut header: Option<String> = None;
    let mut rows: Vec<(usize, usize, String)> = Vec::new();
    for (f, path) in args.shards.iter().enumerate() {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("read `{}`", path.display()))?;
        let mut lines = text.lines();
        let h = lines
            .next()
            .with_context(|| format!("`{}` is empty", path.display()))?;
        match &header {
            None => header = Some(h.to_string()),
            Some(prev) if prev != h => bail!(
                "`{}`: header differs from the first shard's",
                path.display()
            ),
            _ => {}
        }
        for (i, l) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let point: usize = l
                .split(',')
                .next()
                .and_then(|v| v.parse().ok())
                .with_context(|| format!("`{}` line {}: no point index", path.display(), i + 2))?;
            rows.push((point, f, l.to_string()));
        }
    }
    rows.sort_by_key(|(p, f, _)| (*p, *f));
    let mut out = header.unwrap_or_default();
    out.push('\n');
    for (_, _, l) in rows {
        out.push_str(&l);
        out.push('\n');
    }
    std::fs::write(&args.output, out)
        .with_context(|| format!("write `{}`", args.output.display()))?;
    Ok(())
}
