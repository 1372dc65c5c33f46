//! `lowrank sweep SCENARIO --param KEY=START:STOP:COUNT [--param ...] [--csv FILE] [--plot FILE]
//! [--shard I/N]` and `lowrank merge OUT.csv SHARD.csv...`.
//!
//! A sweep solves the mean-field equations (every branch, `lowrank solve`) on the Cartesian grid
//! of the parameters (the first `--param` is the outer loop), each point seeded by the solutions
//! of the previous one (continuation, docs/theory §4), and writes one CSV row per solution. Points
//! where nothing converged get one row with `regime = no-solution` and empty numbers — never a
//! value. `--shard I/N` (0 ≤ I < N) solves only the I-th contiguous slice of the grid, so an array
//! job can split the work; `lowrank merge` joins the shard files (header checked, rows ordered by
//! `point`). `--plot` draws κ₁ against a 1-D parameter per branch, or the regime map of a 2-D
//! sweep (codes of [`lowrank::theory::phase::Regime`]).

use super::ScenarioArgs;
use anyhow::{bail, Context};
use lowrank::plot::{category_map, line_plot, Series};
use lowrank::progress::Progress;
use lowrank::source::ScenarioSource;
use lowrank::sweep::{point_regime, Grid, Param, SweepOptions, REGIME_NAMES, SOLVE_WORK};
use lowrank::theory::solve::branches::MeanFieldSolution;
use std::collections::BTreeMap;
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
    /// Solve only slice I of N (0-based), e.g. `--shard 3/8`, or `auto` from a Slurm or Grid
    /// Engine array job (join with `merge`; docs/cluster.md).
    #[arg(long, value_name = "I/N", allow_hyphen_values = true)]
    pub shard: Option<String>,
    /// Removed (see `lowrank solve --help`): giving it is an error that says why.
    #[arg(long, hide = true)]
    pub order: Option<String>,
    /// Input amplitudes at this time of the scenario's schedule (default: the baselines).
    #[arg(long, allow_hyphen_values = true)]
    pub time: Option<f64>,
    /// Do not look for stationary chaotic solutions.
    #[arg(long)]
    pub no_chaos: bool,
}

/// Prefix of the metadata trailer line of a sweep CSV (checked by `merge`).
pub const META_PREFIX: &str = "# lowrank sweep";

/// The run metadata of a sweep: everything that defines the grid and the results, not the
/// shard or the output files.
fn run_metadata(args: &SweepArgs, points: usize) -> String {
    let mut parts = vec![format!("scenario={}", args.scenario.scenario.display())];
    parts.extend(args.scenario.set.iter().map(|s| format!("set={s}")));
    parts.extend(args.param.iter().map(|p| format!("param={p}")));
    if let Some(t) = args.time {
        parts.push(format!("time={t}"));
    }
    if args.no_chaos {
        parts.push("no-chaos".into());
    }
    format!("points={points}; {}", parts.join("; "))
}

/// Run `lowrank sweep`.
pub fn run(args: &SweepArgs) -> anyhow::Result<()> {
    super::solve::reject_order(&args.order)?;
    let params: Vec<Param> = args
        .param
        .iter()
        .map(|p| Param::parse(p))
        .collect::<Result<_, _>>()?;
    if let Some(t) = args.time {
        if !t.is_finite() {
            bail!("--time ({t}) must be finite");
        }
    }
    let shard = args
        .shard
        .as_deref()
        .map(|t| lowrank::shard::Shard::parse(t).map(|s| (s.index(), s.count())))
        .transpose()?;
    if let Some(plot) = &args.plot {
        if params.len() > 2 {
            bail!(
                "--plot `{}`: supports 1-D and 2-D sweeps, not {}-D",
                plot.display(),
                params.len()
            );
        }
    }
    let grid = Grid::new(params)?;
    let total = grid.len();
    let points = match shard {
        Some((i, n)) => grid.shard(i, n),
        None => 0..total,
    };
    let count = points.len();
    super::budget::check_work(
        &format!("the sweep of {count} grid point(s)"),
        count as f64 * SOLVE_WORK,
        "use fewer points per parameter or split the grid with --shard I/N (join with `lowrank merge`)",
    )?;
    super::budget::check_memory(
        &format!("the sweep of {count} grid point(s)"),
        count as f64 * 4096.0,
        "split the grid with --shard I/N",
    )?;
    let mut outputs = super::output::Outputs::new();
    let csv_out = match &args.csv {
        Some(path) => Some(outputs.reserve("--csv", path, &[])?),
        None => None,
    };
    let plot_out = match &args.plot {
        Some(path) => Some(outputs.reserve("--plot", path, &super::output::PLOT_EXTENSIONS)?),
        None => None,
    };
    let source = ScenarioSource::resolve(&args.scenario.scenario);
    let base = args.scenario.load()?;
    let opts = SweepOptions {
        chaos: !args.no_chaos,
        time: args.time,
        keep_solutions: plot_out.is_some(),
    };
    let table = lowrank::sweep::run(
        &source,
        &args.scenario.set,
        &grid,
        points,
        &opts,
        &Progress::default(),
    )?;
    let shard_text = match shard {
        Some((i, n)) => format!("{i}/{n}"),
        None => "all".into(),
    };
    let trailer = format!(
        "{META_PREFIX} shard={shard_text}; {}",
        run_metadata(args, total)
    );
    let text = table.to_csv(Some(&trailer));
    match csv_out {
        Some(i) => outputs.write_all(i, text.as_bytes())?,
        None => out!("{text}"),
    }
    if let Some(i) = plot_out {
        plot(outputs.path(i), grid.params(), &table.solutions, &base.name)?;
    }
    outputs.commit()?;
    if table.failures > 0 {
        eprintln!(
            "warning: no mean-field solution converged at {} grid point(s) (rows with regime = no-solution)",
            table.failures
        );
    }
    Ok(())
}

fn plot(
    path: &std::path::Path,
    params: &[Param],
    results: &[(Vec<f64>, Vec<MeanFieldSolution>)],
    name: &str,
) -> anyhow::Result<()> {
    match params.len() {
        1 => {
            let mut groups: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
            for (x, sols) in results {
                for s in sols {
                    let key = format!(
                        "{} {} ({})",
                        s.branch,
                        s.regime,
                        if s.stable { "stable" } else { "unstable" }
                    );
                    groups
                        .entry(key)
                        .or_default()
                        .push((x[0], s.kappa.first().copied().unwrap_or(f64::NAN)));
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
                params[0].key(),
                "kappa_1",
                &series,
            )
        }
        2 => {
            let (xs, ys) = (params[1].values(), params[0].values());
            let mut codes = vec![vec![4u8; xs.len()]; ys.len()];
            let at = |vals: &[f64], v: f64| vals.iter().position(|&w| w == v);
            for (x, sols) in results {
                if let (Some(i), Some(j)) = (at(ys, x[0]), at(xs, x[1])) {
                    codes[i][j] = point_regime(sols);
                }
            }
            category_map(
                path,
                &format!("{name}: regimes"),
                params[1].key(),
                params[0].key(),
                xs,
                ys,
                &codes,
                &REGIME_NAMES,
            )
        }
        n => bail!("--plot supports 1-D and 2-D sweeps, not {n}-D"),
    }
}

/// Run `lowrank merge`: check that the shards belong to one sweep (identical header and run
/// metadata), that together they cover every grid point exactly once (every shard I/N present
/// once, every point of its slice present, no point outside it), and that every row is complete
/// (as many fields as the header) with finite numbers; then write the rows ordered by point.
pub fn merge(output: &std::path::Path, shards: &[std::path::PathBuf]) -> anyhow::Result<()> {
    let mut outputs = super::output::Outputs::new();
    let out_idx = outputs.reserve("merge output", output, &[])?;
    let mut header: Option<(String, std::path::PathBuf)> = None;
    let mut meta: Option<(String, std::path::PathBuf)> = None;
    let mut shards_seen: BTreeMap<usize, std::path::PathBuf> = BTreeMap::new();
    let mut shard_count: Option<usize> = None;
    let mut rows: Vec<(usize, usize, String)> = Vec::new();
    for (f, path) in shards.iter().enumerate() {
        let shown = path.display();
        let text = std::fs::read_to_string(path).with_context(|| format!("read `{shown}`"))?;
        if !text.ends_with('\n') {
            bail!("`{shown}`: truncated (the last line is incomplete)");
        }
        let all: Vec<&str> = text.lines().collect();
        let h = *all.first().with_context(|| format!("`{shown}` is empty"))?;
        if h.starts_with('#') || !h.starts_with("point,") {
            bail!("`{shown}` line 1: not a sweep CSV header (expected `point,...`)");
        }
        match &header {
            None => header = Some((h.to_string(), path.clone())),
            Some((prev, first)) if prev != h => bail!(
                "`{shown}` line 1: header differs from that of `{}`",
                first.display()
            ),
            _ => {}
        }
        let ncols = h.split(',').count();
        // the metadata trailer: last line
        let last = all.len() - 1;
        let trailer = all[last];
        let rest = trailer.strip_prefix(META_PREFIX).with_context(|| {
            format!(
                "`{shown}` line {}: missing the `{META_PREFIX} ...` metadata line (truncated file, or not written by `lowrank sweep --shard`)",
                last + 1
            )
        })?;
        let (shard_part, run_part) = rest
            .trim()
            .split_once("; ")
            .with_context(|| format!("`{shown}` line {}: malformed metadata", last + 1))?;
        let shard_text = shard_part.strip_prefix("shard=").with_context(|| {
            format!(
                "`{shown}` line {}: malformed metadata (no shard=)",
                last + 1
            )
        })?;
        let (si, sn) = lowrank::shard::Shard::from_label(shard_text)
            .map(|s| (s.index(), s.count()))
            .with_context(|| format!("`{shown}` line {}: shard is not I/N", last + 1))?;
        match &meta {
            None => meta = Some((run_part.to_string(), path.clone())),
            Some((prev, first)) if prev != run_part => bail!(
                "`{shown}` line {}: run metadata (scenario, --set, --param, --time, ...) differs from that of `{}`",
                last + 1,
                first.display()
            ),
            _ => {}
        }
        match shard_count {
            None => shard_count = Some(sn),
            Some(n) if n != sn => {
                bail!("`{shown}`: shard {si}/{sn}, but earlier shards are of /{n}")
            }
            _ => {}
        }
        if let Some(prev) = shards_seen.insert(si, path.clone()) {
            bail!(
                "`{shown}`: shard {si}/{sn} is given twice (also `{}`)",
                prev.display()
            );
        }
        let total: usize = run_part
            .strip_prefix("points=")
            .and_then(|r| r.split(';').next())
            .and_then(|v| v.trim().parse().ok())
            .with_context(|| {
                format!(
                    "`{shown}` line {}: malformed metadata (no points=)",
                    last + 1
                )
            })?;
        let lo = (total as u128 * si as u128 / sn as u128) as usize;
        let hi = (total as u128 * (si as u128 + 1) / sn as u128) as usize;
        let mut present = vec![false; hi - lo];
        for (i, l) in all.iter().enumerate().take(last).skip(1) {
            let line = i + 1;
            if l.trim().is_empty() {
                bail!("`{shown}` line {line}: empty line");
            }
            let fields: Vec<&str> = l.split(',').collect();
            if fields.len() != ncols {
                bail!(
                    "`{shown}` line {line}: {} fields, the header has {ncols}",
                    fields.len()
                );
            }
            let point: usize = fields[0]
                .parse()
                .ok()
                .with_context(|| format!("`{shown}` line {line}: no point index"))?;
            if !(lo..hi).contains(&point) {
                bail!(
                    "`{shown}` line {line}: point {point} is outside shard {si}/{sn} (points {lo}..{hi})"
                );
            }
            present[point - lo] = true;
            for (c, v) in fields.iter().enumerate() {
                if v.parse::<f64>().is_ok_and(|x| !x.is_finite()) {
                    bail!(
                        "`{shown}` line {line}, column {}: non-finite value `{v}`",
                        c + 1
                    );
                }
            }
            rows.push((point, f, l.to_string()));
        }
        if let Some(miss) = present.iter().position(|p| !p) {
            bail!(
                "`{shown}`: point {} of shard {si}/{sn} is missing (truncated shard?)",
                lo + miss
            );
        }
    }
    let n = shard_count.unwrap_or(0);
    let missing: Vec<String> = (0..n)
        .filter(|i| !shards_seen.contains_key(i))
        .map(|i| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        bail!("merge: shard(s) {} missing", missing.join(", "));
    }
    rows.sort_by_key(|(p, f, _)| (*p, *f));
    let mut out = header.map(|h| h.0).unwrap_or_default();
    out.push('\n');
    for (_, _, l) in rows {
        out.push_str(&l);
        out.push('\n');
    }
    if let Some((m, _)) = meta {
        out.push_str(&format!("{META_PREFIX} shard=all; {m}\n"));
    }
    outputs.write_all(out_idx, out.as_bytes())?;
    outputs.commit()
}
