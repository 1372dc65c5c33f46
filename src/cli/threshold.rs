//! `lowrank threshold SCENARIO --param KEY=LO:HI [--set K=V]... [--json] [--csv FILE]`: every
//! bifurcation of every mean-field branch (static §1.6, stationary chaotic §1.7) as the scenario
//! scalar KEY moves through [LO, HI] — folds, pitchforks (branch points), chaos onsets (bulk
//! radius r = 1) and Hopf points — each located by Newton on an extended system
//! (`lowrank_theory::threshold`, docs/theory.md "Thresholds").
//!
//! Output: a table (default), one JSON document (`--json`), and/or a CSV file (`--csv FILE`,
//! written to a temporary file and renamed). Every threshold carries `converged`, `residual`,
//! `iterations`; refinements that did not converge are not printed but counted (`dropped`).

use super::ScenarioArgs;
use anyhow::{bail, Context};
use lowrank::theory::solve::branches::SolveOptions;
use lowrank::theory::threshold::{find_thresholds, Threshold, ThresholdOptions, ThresholdReport};
use lowrank::theory::TheoryError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `lowrank threshold`.
#[derive(Debug, Clone, clap::Args)]
pub struct ThresholdArgs {
    /// Scenario and fixed overrides.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The parameter and its interval: a `--set` key path, e.g. `mo2018.g=1.2:2.5`.
    #[arg(long = "param", value_name = "KEY=LO:HI")]
    pub param: String,
    /// Print one JSON document on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Also write the thresholds as CSV to this file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Points of the coarse scan (all mean-field solutions at each, then continuation).
    #[arg(long, default_value_t = 9)]
    pub grid: usize,
    /// Input amplitudes at this time of the scenario's schedule (e.g. during a stimulus);
    /// default: the baselines.
    #[arg(long)]
    pub time: Option<f64>,
    /// Removed (see `lowrank solve --help`): giving it is an error that says why.
    #[arg(long, hide = true)]
    pub order: Option<String>,
    /// Tolerance on the max-norm residual of the extended systems.
    #[arg(long, default_value_t = 1e-10)]
    pub tol: f64,
    /// Static branches only (no stationary chaotic branches).
    #[arg(long)]
    pub no_chaos: bool,
    /// Repeat the search at every value of a second parameter, `KEY2=START:STOP:COUNT` (e.g.
    /// `mo2018.mean_m=0:2:21`): the thresholds' curves in the (KEY2, KEY) plane, a phase
    /// boundary. The CSV then starts with the columns `point,KEY2` and holds at least one row
    /// per point (`kind` = `none` where [LO, HI] holds no threshold).
    #[arg(long, value_name = "KEY2=START:STOP:COUNT")]
    pub over: Option<String>,
    /// With `--over`: only slice I of N of its points (e.g. `--shard 3/8`), or `auto` from a
    /// Slurm or Grid Engine array job; join the CSVs with `lowrank merge` (docs/cluster.md).
    #[arg(long, value_name = "I/N|auto")]
    pub shard: Option<String>,
}

/// Prefix of the trailer line of a `threshold --over` CSV.
pub const META_PREFIX: &str = "# lowrank threshold";

/// Parse `KEY=LO:HI` into (key, lo, hi).
pub fn parse_range(text: &str) -> anyhow::Result<(String, f64, f64)> {
    let (key, range) = text
        .split_once('=')
        .with_context(|| format!("--param `{text}`: expected KEY=LO:HI"))?;
    let key = key.trim();
    if key.is_empty() {
        bail!("--param `{text}`: empty KEY");
    }
    let parts: Vec<&str> = range.split(':').collect();
    if parts.len() != 2 {
        bail!("--param `{text}`: expected KEY=LO:HI");
    }
    let lo: f64 = parts[0]
        .trim()
        .parse()
        .with_context(|| format!("--param `{text}`: LO is not a number"))?;
    let hi: f64 = parts[1]
        .trim()
        .parse()
        .with_context(|| format!("--param `{text}`: HI is not a number"))?;
    if !lo.is_finite() || !hi.is_finite() || lo >= hi {
        bail!("--param `{text}`: need finite LO < HI");
    }
    Ok((key.to_string(), lo, hi))
}

fn check_options(args: &ThresholdArgs) -> anyhow::Result<()> {
    if args.grid < 2 {
        bail!(
            "--grid {}: the coarse scan needs at least 2 points",
            args.grid
        );
    }
    super::solve::reject_order(&args.order)?;
    if !(args.tol.is_finite() && args.tol > 0.0) {
        bail!("--tol {}: must be a positive number", args.tol);
    }
    if let Some(t) = args.time {
        if !t.is_finite() {
            bail!("--time {t}: must be finite");
        }
    }
    Ok(())
}

/// Run `lowrank threshold`.
pub fn run(args: &ThresholdArgs) -> anyhow::Result<()> {
    check_options(args)?;
    if let Some(over) = &args.over {
        return run_over(args, over);
    }
    if let Some(shard) = &args.shard {
        bail!(
            "--shard {shard}: only a search over a grid (--over KEY2=START:STOP:COUNT) is sharded"
        );
    }
    let (key, lo, hi) = parse_range(&args.param)?;
    let base = args.scenario.load()?;
    let report = search(&args.scenario, args, &key, lo, hi)?;
    if let Some(path) = &args.csv {
        write_atomic(
            path,
            &csv(
                &key,
                &report,
                (base.model.rank(), base.model.n_populations()),
            ),
        )?;
    }
    if args.json {
        let doc =
            lowrank::documents::threshold_document(&base.name, &key, &args.scenario.set, &report);
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print!("{}", table(&base.name, &key, &report));
    }
    warn_dropped(report.dropped);
    Ok(())
}

fn warn_dropped(dropped: usize) {
    if dropped > 0 {
        eprintln!(
            "warning: {dropped} detected sign change(s) could not be located (extended Newton did \
             not converge); they are not reported"
        );
    }
}

/// `--over`: the search at every point of the second parameter's grid (or of a shard of it),
/// the points in parallel.
fn run_over(args: &ThresholdArgs, over: &str) -> anyhow::Result<()> {
    use rayon::prelude::*;
    let (key, lo, hi) = parse_range(&args.param)?;
    let param = lowrank::sweep::Param::parse(over).map_err(|e| {
        let why = e.to_string();
        let why = why.rsplit(": ").next().unwrap_or_default().to_string();
        anyhow::anyhow!("--over `{over}`: {why}")
    })?;
    let key2 = param.key().to_string();
    if key2 == key {
        bail!("--over {key2}: the same key as --param; give another parameter");
    }
    let values = param.values().to_vec();
    let shard = args
        .shard
        .as_deref()
        .map(lowrank::shard::Shard::parse)
        .transpose()?;
    let range = shard.map_or(0..values.len(), |s| s.range(values.len()));
    let base = args.scenario.load()?;
    // the second key must exist and give a valid model at both ends (one clear error here)
    for end in [values[0], values[values.len() - 1]] {
        let mut s = args.scenario.clone();
        s.set.push(format!("{key2}={end:?}"));
        s.load()
            .with_context(|| format!("--over {key2}: the scenario at {key2} = {end}"))?;
    }
    super::budget::check_work(
        &format!("{} threshold searches", range.len()),
        range.len() as f64 * args.grid as f64 * 2e6,
        "use fewer --over points, or split them with --shard I/N",
    )?;
    let reports: Vec<ThresholdReport> = range
        .clone()
        .into_par_iter()
        .map(|i| {
            let mut sc = args.scenario.clone();
            sc.set.push(format!("{key2}={:?}", values[i]));
            search(&sc, args, &key, lo, hi)
                .with_context(|| format!("--over point {i} ({key2} = {})", values[i]))
        })
        .collect::<anyhow::Result<_>>()?;
    let dropped: usize = reports.iter().map(|r| r.dropped).sum();
    if let Some(path) = &args.csv {
        let sizes = (base.model.rank(), base.model.n_populations());
        let mut text = String::new();
        let head = csv_header(&key, sizes);
        text.push_str(&format!("point,{key2},{head}\n"));
        for (i, r) in range.clone().zip(&reports) {
            let table = csv(&key, r, sizes);
            let lines = table.lines().skip(1);
            let mut any = false;
            for l in lines {
                text.push_str(&format!("{i},{},{l}\n", values[i]));
                any = true;
            }
            if !any {
                let blanks = head.split(',').count().saturating_sub(2);
                text.push_str(&format!("{i},{},,none{}\n", values[i], ",".repeat(blanks)));
            }
        }
        text.push_str(&format!(
            "{META_PREFIX} shard={}; points={}; scenario={}; param={}; over={over}; set={}; grid={}; \
             tol={}; time={}; chaos={}\n",
            shard.map_or("all".to_string(), |s| s.label()),
            values.len(),
            base.name,
            args.param,
            args.scenario.set.join(" "),
            args.grid,
            args.tol,
            args.time.map_or("baseline".to_string(), |t| t.to_string()),
            !args.no_chaos
        ));
        write_atomic(path, &text)?;
    }
    if args.json {
        let points: Vec<serde_json::Value> = range
            .clone()
            .zip(&reports)
            .map(|(i, r)| {
                serde_json::json!({
                    "point": i,
                    "value": values[i],
                    "report": lowrank::documents::threshold_document(
                        &base.name, &key, &args.scenario.set, r),
                })
            })
            .collect();
        let doc = serde_json::json!({
            "scenario": base.name,
            "param": key,
            "over": key2,
            "shard": shard.map(|s| s.label()),
            "points": points,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        for (i, r) in range.zip(&reports) {
            println!("--- point {i}: {key2} = {}", values[i]);
            print!("{}", table(&base.name, &key, r));
        }
    }
    warn_dropped(dropped);
    Ok(())
}

/// Every threshold of `key` in [lo, hi] of the scenario `scenario`.
fn search(
    scenario: &super::ScenarioArgs,
    args: &ThresholdArgs,
    key: &str,
    lo: f64,
    hi: f64,
) -> anyhow::Result<ThresholdReport> {
    // the parameter path must exist and give a valid model at both ends (clear errors here)
    for end in [lo, hi] {
        let mut s = scenario.clone();
        s.set.push(format!("{key}={end:?}"));
        s.load()
            .with_context(|| format!("--param {key}: the scenario at {key} = {end}"))?;
    }
    let scenario_args = scenario.clone();
    let key_b = key.to_string();
    let build = move |p: f64| {
        let mut s = scenario_args.clone();
        s.set.push(format!("{key_b}={p:?}"));
        s.load()
            .map(|sc| sc.model)
            .map_err(|e| TheoryError::InvalidParameter {
                name: key_b.clone(),
                value: p,
                reason: format!("{e:#}"),
            })
    };
    let opts = ThresholdOptions {
        solve: SolveOptions {
            chaotic: !args.no_chaos,
            ..Default::default()
        },
        input_time: args.time,
        grid: args.grid,
        tol: args.tol,
        ..Default::default()
    };
    Ok(find_thresholds(build, lo, hi, &opts)?)
}

fn fmt_vec(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x:.6}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn table(name: &str, key: &str, r: &ThresholdReport) -> String {
    let mut s = format!(
        "{name}: {} threshold(s) for {key} in [{}, {}] ({} branches followed, {} grid points)\n",
        r.thresholds.len(),
        r.range[0],
        r.range[1],
        r.branches,
        r.grid
    );
    if !r.thresholds.is_empty() {
        s.push_str(&format!(
            "{:>16}  {:<12}  {:<13}  {:<10}  {:>9}  {:>4}  {:>10}  state\n",
            key, "kind", "branch", "regime", "residual", "iter", "omega"
        ));
    }
    for t in &r.thresholds {
        let freq = t
            .frequency
            .map(|w| format!("  frequency = {w:.6}"))
            .unwrap_or_default();
        s.push_str(&format!(
            "{:>16.10}  {:<12}  {:<13}  {:<10}  {:>9.2e}  {:>4}  {:>10.6}  kappa = [{}] delta0 = [{}] delta_inf = [{}] r = {:.6}{freq}\n",
            t.value,
            t.kind.as_str(),
            t.branch,
            t.regime,
            t.convergence.residual,
            t.convergence.iterations,
            t.omega,
            fmt_vec(&t.state.kappa),
            fmt_vec(&t.state.delta0),
            fmt_vec(&t.state.delta_inf),
            t.state.bulk_radius,
        ));
    }
    let mut notes = Vec::new();
    if r.dropped > 0 {
        notes.push(format!("{} unconverged refinement(s) dropped", r.dropped));
    }
    if r.continua > 0 {
        notes.push(format!(
            "{} continuous attractor(s) (zero mode) not continued",
            r.continua
        ));
    }
    if r.incomplete_branches > 0 {
        notes.push(format!(
            "{} continuation(s) stopped before the end of the range",
            r.incomplete_branches
        ));
    }
    if r.failed_grid_points > 0 {
        notes.push(format!(
            "{} grid point(s) without a converged solution",
            r.failed_grid_points
        ));
    }
    if !notes.is_empty() {
        s.push_str(&format!("note: {}\n", notes.join("; ")));
    }
    s
}

/// The thresholds as CSV; `(k, p)`: the rank and number of populations (the state columns).
fn csv(key: &str, r: &ThresholdReport, sizes: (usize, usize)) -> String {
    let mut out = csv_header(key, sizes);
    out.push('\n');
    for t in &r.thresholds {
        out.push_str(&row(t).join(","));
        out.push('\n');
    }
    out
}

/// The CSV header of [`csv`].
fn csv_header(key: &str, (k, p): (usize, usize)) -> String {
    let mut head: Vec<String> = [
        key,
        "kind",
        "branch",
        "regime",
        "converged",
        "residual",
        "iterations",
        "detections",
        "frequency",
        "omega",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    head.extend((1..=k).map(|i| format!("kappa_{i}")));
    for name in ["mu", "delta0", "delta_inf", "gain"] {
        head.extend((1..=p).map(|i| format!("{name}_{i}")));
    }
    head.push("bulk_radius".into());
    head.join(",")
}

fn row(t: &Threshold) -> Vec<String> {
    let mut r = vec![
        format!("{}", t.value),
        t.kind.as_str().into(),
        t.branch.clone(),
        t.regime.clone(),
        t.convergence.converged.to_string(),
        format!("{:e}", t.convergence.residual),
        t.convergence.iterations.to_string(),
        t.detections.to_string(),
        t.frequency.map(|w| format!("{w}")).unwrap_or_default(),
        format!("{}", t.omega),
    ];
    for v in [
        &t.state.kappa,
        &t.state.mu,
        &t.state.delta0,
        &t.state.delta_inf,
        &t.state.gain,
    ] {
        r.extend(v.iter().map(|x| format!("{x}")));
    }
    r.push(format!("{}", t.state.bulk_radius));
    r
}

/// Write `text` to `path` through a temporary file in the same directory, renamed on success.
fn write_atomic(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("--csv `{}`: not a file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("write `{}`", path.display()));
    }
    Ok(())
}
