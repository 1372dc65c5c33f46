//! `lowrank simulate SCENARIO [--n N] [--seed S] [--trials K] [--t T] [--dt DT] [--burn-in B]
//! [--method euler|heun|rk4] [--f32] [--max-lag TAU [--lag-step H] [--autocorrelation-csv FILE]]
//! [--set KEY=VALUE]... [--json] [--trace FILE]`:
//! draw a finite network from the scenario (docs/theory §1.1) and integrate it
//! (`lowrank-sim`); print the time-averaged order parameters `kappa`, `currents`, `mu`,
//! `delta0`, `delta_inf` (with `--max-lag`), `readouts`, per trial and trial-averaged.
//! With `--max-lag` the measured autocorrelation Δ_p(τ) is in the JSON field `autocorrelation`
//! (`lags`, `delta[p][ℓ]`, `delta_inf`) and, with `--autocorrelation-csv`, in a CSV — the names
//! of `lowrank solve --autocorrelation`, so theory and simulation overlay directly.
//! Flags override the scenario's `[simulation]` defaults; the same seed draws the network,
//! the initial conditions and the input noise (independent sub-streams).

use super::ScenarioArgs;
use anyhow::Context;
use lowrank::model::Scenario;
use lowrank::sim::{Method, SimConfig, SimulationResult, Simulator};
use lowrank::simulation::RunOptions;
use std::path::PathBuf;

/// Arguments of `lowrank simulate`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// Scenario and overrides.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Normalising size N₀ (population p gets round(α_p N₀) neurons).
    #[arg(long, allow_hyphen_values = true)]
    pub n: Option<usize>,
    /// Seed of every random draw (network, initial conditions, noise).
    #[arg(long, allow_hyphen_values = true)]
    pub seed: Option<u64>,
    /// Number of trials (initial conditions / noise draws) on the same network, run as one batch.
    #[arg(long, allow_hyphen_values = true)]
    pub trials: Option<usize>,
    /// Recorded duration after the burn-in.
    #[arg(long, allow_hyphen_values = true)]
    pub t: Option<f64>,
    /// Time step.
    #[arg(long, allow_hyphen_values = true)]
    pub dt: Option<f64>,
    /// Discarded transient before t = 0.
    #[arg(long = "burn-in", allow_hyphen_values = true)]
    pub burn_in: Option<f64>,
    /// Integration method (euler, heun, rk4); default from the scenario.
    #[arg(long)]
    pub method: Option<Method>,
    /// Integrate in single precision (≈2× faster for large N).
    #[arg(long)]
    pub f32: bool,
    /// Record the autocorrelation Δ_p(τ) up to this lag (gives `delta_inf`).
    #[arg(long = "max-lag", allow_hyphen_values = true)]
    pub max_lag: Option<f64>,
    /// Lag step of `--max-lag` (a multiple of --dt; default max-lag/100, at least dt).
    #[arg(long = "lag-step", allow_hyphen_values = true)]
    pub lag_step: Option<f64>,
    /// Write the trial-averaged autocorrelation as CSV: columns `tau,delta_<population>...`,
    /// the names of `lowrank solve --autocorrelation-csv` (needs --max-lag).
    #[arg(long = "autocorrelation-csv", value_name = "FILE")]
    pub autocorrelation_csv: Option<PathBuf>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write the time series (κ, S, z, μ, Δ₀ per trial) as CSV to this file.
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// With `--trace`: also trace these units' x_i(t) (comma-separated indices).
    #[arg(long = "trace-units", value_delimiter = ',')]
    pub trace_units: Vec<usize>,
}

/// The run options of the command line (shared checks: `lowrank::simulation`).
fn run_options(args: &SimulateArgs) -> RunOptions {
    RunOptions {
        n: args.n,
        seed: args.seed,
        trials: args.trials,
        t: args.t,
        dt: args.dt,
        burn_in: args.burn_in,
        method: args.method,
        max_lag: args.max_lag,
        lag_step: args.lag_step,
        record_every: None,
    }
}

/// The simulation configuration of a scenario with the command-line overrides applied: N₀, the
/// seed and the simulator's configuration (recording only with `--trace`).
pub fn config(s: &Scenario, args: &SimulateArgs) -> anyhow::Result<(usize, u64, SimConfig)> {
    let (n0, mut cfg) = run_options(args).config(s)?;
    cfg.record_every = None;
    if args.trace.is_some() {
        cfg.record_every = Some(s.simulation.record_every.unwrap_or(cfg.dt));
        cfg.trace_units = args.trace_units.clone();
        cfg.trace_every = cfg.record_every.unwrap_or(cfg.dt);
    }
    Ok((n0, cfg.seed, cfg))
}

/// Check the command-line options that do not need the scenario.
fn check_options(args: &SimulateArgs) -> anyhow::Result<()> {
    run_options(args).check()?;
    if args.max_lag.is_none() && args.autocorrelation_csv.is_some() {
        anyhow::bail!("--autocorrelation-csv needs --max-lag TAU");
    }
    if !args.trace_units.is_empty() && args.trace.is_none() {
        anyhow::bail!("--trace-units needs --trace FILE");
    }
    Ok(())
}

pub use lowrank::spectrum::network_size;

/// Refuse a simulation beyond the memory or work budget (docs/robustness.md).
fn check_budget(s: &Scenario, n0: usize, cfg: &SimConfig, f32: bool) -> anyhow::Result<()> {
    let m = &s.model;
    let (n, dense) = network_size(m, n0);
    let b = cfg.trials as f64;
    let word = if f32 { 4.0 } else { 8.0 };
    let vecs = (m.vectors().len() + 2 * m.rank() + m.inputs().len() + m.readouts().len()) as f64;
    let stages = match cfg.method {
        Method::Euler => 1.0,
        Method::Heun => 2.0,
        Method::Rk4 => 4.0,
    };
    let steps = super::budget::steps(cfg.burn_in, cfg.dt) + super::budget::steps(cfg.t, cfg.dt);
    let mut memory = 8.0 * dense + word * dense + 8.0 * vecs * n + word * 6.0 * n * b;
    if let Some(a) = &cfg.autocorr {
        memory += 8.0 * 101.0 * n * b + 0.0 * a.max_lag;
    }
    if let Some(every) = cfg.record_every {
        let rows = (cfg.t / every).ceil() + 1.0;
        memory += 8.0
            * rows
            * b
            * (2.0 * m.rank() as f64
                + (m.readouts().len() + 2 * m.n_populations()) as f64
                + cfg.trace_units.len() as f64
                + 1.0);
    }
    let what = format!(
        "simulating N = {} neurons ({} stored entries of J^rand), {} trial(s), {} steps",
        super::budget::count(n),
        super::budget::count(dense),
        cfg.trials,
        super::budget::count(steps)
    );
    super::budget::check_memory(
        &what,
        memory,
        "use a smaller --n or fewer --trials (run trials in several commands with different seeds), or --f32 to halve the simulator's copy of J",
    )?;
    super::budget::check_work(
        &what,
        steps * b * stages * (2.0 * dense + 10.0 * vecs * n + 10.0 * n),
        "use a smaller --n, --t or --burn-in, a larger --dt, or fewer --trials",
    )?;
    Ok(())
}

/// Run `lowrank simulate`.
pub fn run(args: &SimulateArgs) -> anyhow::Result<()> {
    check_options(args)?;
    let mut outputs = super::output::Outputs::new();
    let trace_out = match &args.trace {
        Some(path) => Some(outputs.reserve("--trace", path, &[])?),
        None => None,
    };
    let acf_out = match &args.autocorrelation_csv {
        Some(path) => Some(outputs.reserve("--autocorrelation-csv", path, &[])?),
        None => None,
    };
    let s = args.scenario.load()?;
    let (n0, seed, cfg) = config(&s, args)?;
    check_budget(&s, n0, &cfg, args.f32)?;
    let (n, _) = network_size(&s.model, n0);
    if let Some(&u) = args.trace_units.iter().find(|&&u| u as f64 >= n) {
        anyhow::bail!("--trace-units: unit {u} does not exist (N = {n:.0}, units 0..{n:.0})");
    }
    // drawn straight into the simulator's precision and layout: one copy of J^rand
    let (res, overlap) = if args.f32 {
        let sim = Simulator::<f32>::sample(&s.model, n0, seed).context("sampling the network")?;
        (sim.run(&cfg), sim.empirical_overlap().clone())
    } else {
        let sim = Simulator::<f64>::sample(&s.model, n0, seed).context("sampling the network")?;
        (sim.run(&cfg), sim.empirical_overlap().clone())
    };
    let res = res.context("simulation")?;
    if let Some(i) = trace_out {
        write_trace(outputs.writer(i)?, &s, &res)?;
    }
    if let Some(i) = acf_out {
        write_acf_csv(outputs.writer(i)?, &s, &res)?;
    }
    if args.json {
        let doc = lowrank::documents::simulation_document(&s, seed, &overlap, &res)?;
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        out!("{}", text(&s, seed, &res));
    }
    outputs.commit()
}

fn text(s: &Scenario, seed: u64, r: &SimulationResult) -> String {
    let mut out = String::new();
    let m = &s.model;
    out += &format!(
        "scenario {}: N = {} (sizes {:?}), seed {seed}, {} trial(s), {:?} dt = {} ({}), t ∈ [{}, {}], averages over t ≥ 0 ({} samples)\n",
        s.name, r.n, r.sizes, r.trials, r.method, r.dt, r.precision, r.t_start, r.t_final, r.samples
    );
    for (k, t) in m.terms().iter().enumerate() {
        out += &format!(
            "  kappa[{}] = {:.6}   currents[{}] = {:.6}\n",
            t.name, r.kappa[k], t.name, r.currents[k]
        );
    }
    for (p, pop) in m.populations().iter().enumerate() {
        out += &format!(
            "  population {}: mu = {:.6}  delta0 = {:.6}",
            pop.name, r.mu[p], r.delta0[p]
        );
        if let Some(d) = &r.delta_inf {
            out += &format!("  delta_inf = {:.6}", d[p]);
        }
        out += "\n";
    }
    for (i, ro) in m.readouts().iter().enumerate() {
        out += &format!("  readout {} = {:.6}\n", ro.name, r.readouts[i]);
    }
    if r.trials > 1 {
        for (b, t) in r.per_trial.iter().enumerate() {
            out += &format!(
                "  trial {b}: kappa = {:?}\n",
                t.kappa
                    .iter()
                    .map(|v| (v * 1e6).round() / 1e6)
                    .collect::<Vec<_>>()
            );
        }
    }
    out
}

/// The trial-averaged autocorrelation as CSV: `tau,delta_<population>...` (the columns of
/// `lowrank solve --autocorrelation-csv` without its `solution` column).
fn write_acf_csv(
    mut f: super::output::Named,
    s: &Scenario,
    r: &SimulationResult,
) -> anyhow::Result<()> {
    let acf = r
        .autocorrelation
        .as_ref()
        .context("the simulation recorded no autocorrelation")?;
    let mut header = vec!["tau".to_string()];
    header.extend(
        s.model
            .populations()
            .iter()
            .map(|p| super::solve::csv_field(&format!("delta_{}", p.name))),
    );
    f.line(&header.join(","))?;
    for (l, tau) in acf.lags.iter().enumerate() {
        let mut row = vec![format!("{tau}")];
        row.extend(acf.delta.iter().map(|d| format!("{:e}", d[l])));
        f.line(&row.join(","))?;
    }
    f.finish()
}

fn write_trace(
    mut f: super::output::Named,
    s: &Scenario,
    r: &SimulationResult,
) -> anyhow::Result<()> {
    let series = r.series.as_ref().context("no series recorded")?;
    let m = &s.model;
    let mut header = vec!["trial".to_string(), "t".to_string()];
    header.extend(m.terms().iter().map(|t| format!("kappa_{}", t.name)));
    header.extend(m.terms().iter().map(|t| format!("current_{}", t.name)));
    header.extend(m.readouts().iter().map(|o| format!("z_{}", o.name)));
    header.extend(m.populations().iter().map(|p| format!("mu_{}", p.name)));
    header.extend(m.populations().iter().map(|p| format!("delta0_{}", p.name)));
    let traces = r.traces.as_ref();
    if let Some(tr) = traces {
        header.extend(tr.units.iter().map(|u| format!("x_{u}")));
    }
    f.line(&header.join(","))?;
    for (b, ts) in series.trials.iter().enumerate() {
        for (i, t) in series.t.iter().enumerate() {
            let mut row = vec![b.to_string(), t.to_string()];
            for v in ts.kappa[i]
                .iter()
                .chain(&ts.currents[i])
                .chain(&ts.readouts[i])
                .chain(&ts.mu[i])
                .chain(&ts.delta0[i])
            {
                row.push(v.to_string());
            }
            if let Some(tr) = traces {
                // Traces share the series' sampling grid (same interval, same start).
                if let Some(x) = tr.x[b].get(i) {
                    row.extend(x.iter().map(|v| v.to_string()));
                }
            }
            f.line(&row.join(","))?;
        }
    }
    f.finish()
}
