//! `lowrank dmft SCENARIO [--t T] [--dt DT] [--set KEY=VALUE]... [--json] [--csv FILE]`: the
//! time-dependent two-time DMFT (THEORY.md §1.8, §3.11) of the scenario's model, with the dynamics
//! classification of §3.8 per population and the dominant frequency of the currents.
//!
//! Printed: final currents S (= filtered drives) and drives κ, gains ψ, total variances Δ0 = Δ(t,t)
//! at the end, Δ(t0, t_end) (≈ Δ∞ in a stationary state), the class of each population
//! (FP, FP+chaos, LC, LC+chaos, chaos) and the dominant frequency (cycles per unit time).

use super::ScenarioArgs;
use anyhow::Context;
use lowrank::gauss::Gauss;
use lowrank::theory::dmft::{run as run_dmft, DmftOptions, DmftResult, SourceMethod};
use serde_json::json;
use std::io::Write;

/// Arguments of `lowrank dmft`.
#[derive(Debug, Clone, clap::Args)]
pub struct DmftArgs {
    /// Scenario and overrides.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Duration T of the run (N_t = round(T/dt) grid points). Default 125 (N_t = 2500 at dt = 0.05).
    #[arg(long, default_value_t = 125.0)]
    pub t: f64,
    /// Time step (default: the scenario's simulation dt, 0.05 unless set).
    #[arg(long)]
    pub dt: Option<f64>,
    /// Seed of the initial currents S(0) ~ U[0, 1) (default: the scenario's simulation seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Keep only this many recent lags (O(N_t·b) cost; classification row limited to b·dt).
    #[arg(long)]
    pub band: Option<usize>,
    /// Reproduce the reference implementation's lag order and Δ00 = g_1² quirk (THEORY.md §6).
    #[arg(long)]
    pub reference_ordering: bool,
    /// Evaluate the source by Gauss–Hermite quadrature of this order per dimension instead of
    /// the closed forms (erf) / the default order (tanh).
    #[arg(long)]
    pub quadrature: Option<usize>,
    /// Print one JSON document on stdout (fields: currents, kappa, gain, delta0, delta_inf,
    /// regime, frequency, dt, nt, t0, clipped_variances).
    #[arg(long)]
    pub json: bool,
    /// Write the time series (t, S_k, kappa_k, gain_p, delta0_p) to this CSV file.
    #[arg(long)]
    pub csv: Option<std::path::PathBuf>,
}

fn fmt(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x:.6}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_csv(path: &std::path::Path, res: &DmftResult) -> anyhow::Result<()> {
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    let mut header = vec!["t".to_string()];
    header.extend((0..res.k).map(|k| format!("S{k}")));
    header.extend((0..res.k).map(|k| format!("kappa{k}")));
    header.extend((0..res.p).map(|p| format!("gain{p}")));
    header.extend((0..res.p).map(|p| format!("delta0_{p}")));
    writeln!(f, "{}", header.join(","))?;
    for j in 0..res.nt {
        let mut row = vec![format!("{}", j as f64 * res.dt)];
        row.extend(res.currents_at(j).iter().map(|x| format!("{x:e}")));
        row.extend(
            res.drives[j * res.k..(j + 1) * res.k]
                .iter()
                .map(|x| format!("{x:e}")),
        );
        row.extend(res.gains_at(j).iter().map(|x| format!("{x:e}")));
        row.extend(res.delta_at(j).iter().map(|x| format!("{x:e}")));
        writeln!(f, "{}", row.join(","))?;
    }
    Ok(())
}

/// Run `lowrank dmft`.
pub fn run(args: &DmftArgs) -> anyhow::Result<()> {
    let scenario = args.scenario.load()?;
    let model = &scenario.model;
    let dt = args.dt.unwrap_or(scenario.simulation.dt);
    if !(args.t > 0.0 && dt > 0.0 && args.t > dt) {
        anyhow::bail!(
            "--t ({}) and --dt ({dt}) must be positive with t > dt",
            args.t
        );
    }
    let opts = DmftOptions {
        dt,
        nt: (args.t / dt).round() as usize,
        seed: args.seed.unwrap_or(scenario.simulation.seed),
        band: args.band,
        reference_ordering: args.reference_ordering,
        source: args
            .quadrature
            .map_or(SourceMethod::Auto, |order| SourceMethod::Quadrature {
                order,
            }),
        ..Default::default()
    };
    let res = run_dmft(model, Gauss::new(64), &opts).context("two-time DMFT")?;
    let j = res.nt - 1;
    let classes = res.classes();
    let freq = res.dominant_frequency();
    let delta_inf: Vec<f64> = (0..res.p)
        .map(|p| *res.row(p).last().unwrap_or(&f64::NAN))
        .collect();
    let kappa = &res.drives[j * res.k..(j + 1) * res.k];
    if let Some(path) = &args.csv {
        write_csv(path, &res)?;
    }
    if args.json {
        let doc = json!({
            "scenario": scenario.name,
            "dt": res.dt,
            "nt": res.nt,
            "t0": res.t0,
            "currents": res.currents_at(j),
            "kappa": kappa,
            "gain": res.gains_at(j),
            "delta0": res.delta_at(j),
            "delta_inf": delta_inf,
            "regime": classes.iter().map(|c| c.label()).collect::<Vec<_>>(),
            "frequency": freq,
            "clipped_variances": res.clipped_variances,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        let names: Vec<&str> = model.populations.iter().map(|p| p.name.as_str()).collect();
        println!(
            "two-time DMFT of `{}`: dt = {}, N_t = {}, classification from t0 = {:.3}",
            scenario.name,
            res.dt,
            res.nt,
            res.t0 as f64 * res.dt
        );
        println!("currents S(T)   = [{}]", fmt(res.currents_at(j)));
        println!("drives kappa(T) = [{}]", fmt(kappa));
        for p in 0..res.p {
            println!(
                "population {}: gain = {:.6}, delta0 = {:.6}, delta(t0, T) = {:.6}, regime = {}",
                names[p],
                res.gains_at(j)[p],
                res.delta_at(j)[p],
                delta_inf[p],
                classes[p]
            );
        }
        match freq {
            Some(f) => println!(
                "dominant frequency of the currents: {f:.6} (period {:.4})",
                1.0 / f
            ),
            None => println!("dominant frequency of the currents: none (static currents)"),
        }
        if res.clipped_variances > 0 {
            println!(
                "note: {} equal-time variances were set to 0 after an O(dt) overshoot below 0",
                res.clipped_variances
            );
        }
    }
    Ok(())
}
