//! `lowrank simulate SCENARIO [--n N] [--seed S] [--trials K] [--t T] [--dt DT] [--burn-in B]
//! [--method euler|heun|rk4] [--f32] [--max-lag TAU] [--set KEY=VALUE]... [--json] [--trace FILE]`:
//! draw a finite network from the scenario (THEORY.md §1.1) and integrate it
//! (`lowrank-sim`); print the time-averaged order parameters `kappa`, `currents`, `mu`,
//! `delta0`, `delta_inf` (with `--max-lag`), `readouts`, per trial and trial-averaged.
//! Flags override the scenario's `[simulation]` defaults; the same seed draws the network,
//! the initial conditions and the input noise (independent sub-streams).

use super::ScenarioArgs;
use anyhow::Context;
use lowrank::model::{Init as ScenarioInit, Integrator, Scenario};
use lowrank::sim::{AutocorrConfig, Init, Method, Network, SimConfig, SimulationResult, Simulator};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `lowrank simulate`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// Scenario and overrides.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Normalising size N₀ (population p gets round(α_p N₀) neurons).
    #[arg(long)]
    pub n: Option<usize>,
    /// Seed of every random draw (network, initial conditions, noise).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of trials (initial conditions / noise draws) on the same network, run as one batch.
    #[arg(long)]
    pub trials: Option<usize>,
    /// Recorded duration after the burn-in.
    #[arg(long)]
    pub t: Option<f64>,
    /// Time step.
    #[arg(long)]
    pub dt: Option<f64>,
    /// Discarded transient before t = 0.
    #[arg(long = "burn-in")]
    pub burn_in: Option<f64>,
    /// Integration method (euler, heun, rk4); default from the scenario.
    #[arg(long)]
    pub method: Option<Method>,
    /// Integrate in single precision (≈2× faster for large N).
    #[arg(long)]
    pub f32: bool,
    /// Record the autocorrelation Δ_p(τ) up to this lag (gives `delta_inf`).
    #[arg(long = "max-lag")]
    pub max_lag: Option<f64>,
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

/// The simulation configuration of a scenario with the command-line overrides applied.
pub fn config(s: &Scenario, args: &SimulateArgs) -> anyhow::Result<(usize, u64, SimConfig)> {
    let spec = &s.simulation;
    let mut cfg = SimConfig::new(args.t.unwrap_or(spec.t), args.dt.unwrap_or(spec.dt));
    cfg.trials = args.trials.unwrap_or(spec.trials);
    cfg.burn_in = args.burn_in.unwrap_or(spec.burn_in);
    let seed = args.seed.unwrap_or(spec.seed);
    cfg.seed = seed;
    cfg.method = args.method.unwrap_or(match spec.integrator {
        Integrator::Euler => Method::Euler,
        Integrator::Heun => Method::Heun,
        Integrator::Rk4 => Method::Rk4,
    });
    cfg.init = match &spec.init {
        ScenarioInit::Gaussian { std } => Init::Gaussian {
            mean: 0.0,
            std: *std,
        },
        ScenarioInit::Vectors { .. } => Init::Vectors {
            coefficients: spec.init.vector_coefficients(&s.model)?,
            std: 0.0,
        },
    };
    if args.trace.is_some() {
        cfg.record_every = Some(spec.record_every.unwrap_or(cfg.dt));
        cfg.trace_units = args.trace_units.clone();
        cfg.trace_every = cfg.record_every.unwrap_or(cfg.dt);
    }
    if let Some(lag) = args.max_lag {
        let every = (lag / 100.0).max(cfg.dt);
        cfg.autocorr = Some(AutocorrConfig {
            max_lag: lag,
            every,
        });
    }
    Ok((args.n.unwrap_or(spec.n), seed, cfg))
}

/// Run `lowrank simulate`.
pub fn run(args: &SimulateArgs) -> anyhow::Result<()> {
    let s = args.scenario.load()?;
    let (n0, seed, cfg) = config(&s, args)?;
    let net = Network::sample(&s.model, n0, seed).context("sampling the network")?;
    let res = if args.f32 {
        Simulator::<f32>::new(&net).run(&cfg)
    } else {
        Simulator::<f64>::new(&net).run(&cfg)
    }
    .context("simulation")?;
    if let Some(path) = &args.trace {
        write_trace(path, &s, &res).with_context(|| format!("writing `{}`", path.display()))?;
    }
    let overlap = net.empirical_overlap();
    let overlap: Vec<Vec<f64>> = (0..overlap.nrows())
        .map(|r| overlap.row(r).iter().copied().collect())
        .collect();
    if args.json {
        let mut doc = serde_json::to_value(&res)?;
        let obj = doc
            .as_object_mut()
            .expect("a struct serializes to an object");
        obj.insert("scenario".into(), json!(s.name));
        obj.insert("seed".into(), json!(seed));
        obj.insert(
            "terms".into(),
            json!(s
                .model
                .terms
                .iter()
                .map(|t| t.name.clone())
                .collect::<Vec<_>>()),
        );
        obj.insert(
            "populations".into(),
            json!(s
                .model
                .populations
                .iter()
                .map(|p| p.name.clone())
                .collect::<Vec<_>>()),
        );
        obj.insert(
            "readout_names".into(),
            json!(s
                .model
                .readouts
                .iter()
                .map(|r| r.name.clone())
                .collect::<Vec<_>>()),
        );
        obj.insert("empirical_overlap".into(), json!(overlap));
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print!("{}", text(&s, seed, &res));
    }
    Ok(())
}

fn text(s: &Scenario, seed: u64, r: &SimulationResult) -> String {
    let mut out = String::new();
    let m = &s.model;
    out += &format!(
        "scenario {}: N = {} (sizes {:?}), seed {seed}, {} trial(s), {:?} dt = {} ({}), t ∈ [{}, {}], averages over t ≥ 0 ({} samples)\n",
        s.name, r.n, r.sizes, r.trials, r.method, r.dt, r.precision, r.t_start, r.t_final, r.samples
    );
    for (k, t) in m.terms.iter().enumerate() {
        out += &format!(
            "  kappa[{}] = {:.6}   currents[{}] = {:.6}\n",
            t.name, r.kappa[k], t.name, r.currents[k]
        );
    }
    for (p, pop) in m.populations.iter().enumerate() {
        out += &format!(
            "  population {}: mu = {:.6}  delta0 = {:.6}",
            pop.name, r.mu[p], r.delta0[p]
        );
        if let Some(d) = &r.delta_inf {
            out += &format!("  delta_inf = {:.6}", d[p]);
        }
        out += "\n";
    }
    for (i, ro) in m.readouts.iter().enumerate() {
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

fn write_trace(path: &PathBuf, s: &Scenario, r: &SimulationResult) -> anyhow::Result<()> {
    let series = r.series.as_ref().context("no series recorded")?;
    let m = &s.model;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut header = vec!["trial".to_string(), "t".to_string()];
    header.extend(m.terms.iter().map(|t| format!("kappa_{}", t.name)));
    header.extend(m.terms.iter().map(|t| format!("current_{}", t.name)));
    header.extend(m.readouts.iter().map(|o| format!("z_{}", o.name)));
    header.extend(m.populations.iter().map(|p| format!("mu_{}", p.name)));
    header.extend(m.populations.iter().map(|p| format!("delta0_{}", p.name)));
    let traces = r.traces.as_ref();
    if let Some(tr) = traces {
        header.extend(tr.units.iter().map(|u| format!("x_{u}")));
    }
    writeln!(f, "{}", header.join(","))?;
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
            writeln!(f, "{}", row.join(","))?;
        }
    }
    Ok(())
}
