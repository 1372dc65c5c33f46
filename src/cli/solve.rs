//! `lowrank solve SCENARIO [--set KEY=VALUE]... [--json]`: every mean-field solution of the
//! scenario's model — static (THEORY.md §1.6) and stationary chaotic (§1.7) branches, stable or
//! not — with stability (§1.9) and the convergence report of each.
//!
//! If no solution converges the command prints a clear report to stderr and exits non-zero: a
//! number is never printed for parameters where the equations were not solved.

use super::ScenarioArgs;
use lowrank::theory::solve::branches::{solve_all, AllSolutions, MeanFieldSolution, SolveOptions};
use serde_json::json;

/// Arguments of `lowrank solve`.
#[derive(Debug, Clone, clap::Args)]
pub struct SolveArgs {
    /// Scenario and overrides.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Print one JSON document on stdout (fields: kappa, mu, delta0, delta_inf, readouts, gain,
    /// regime, stable, instability, bulk_radius, outliers, converged, residual, iterations).
    #[arg(long)]
    pub json: bool,
    /// Gauss–Hermite order of the single integrals.
    #[arg(long, default_value_t = 200)]
    pub order: usize,
    /// Input amplitudes at this time of the scenario's schedule (default: the baselines).
    #[arg(long, allow_hyphen_values = true)]
    pub time: Option<f64>,
    /// Do not look for stationary chaotic solutions.
    #[arg(long)]
    pub no_chaos: bool,
}

/// Solve a loaded model: all branches (shared with `sweep`).
pub fn solve_model(
    model: &lowrank::model::Model,
    order: usize,
    time: Option<f64>,
    chaotic: bool,
) -> anyhow::Result<AllSolutions> {
    let opts = SolveOptions {
        order,
        inner_order: order,
        chaotic,
        inputs: time.map(|t| model.input_values(t)),
        ..Default::default()
    };
    Ok(solve_all(model, &opts)?)
}

fn text_line(i: usize, s: &MeanFieldSolution) -> String {
    let fmt = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.6}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let outl = s
        .outliers
        .iter()
        .map(|e| {
            if e.im == 0.0 {
                format!("{:.4}", e.re)
            } else {
                format!("{:.4}{:+.4}i", e.re, e.im)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "#{i} {branch} {regime} ({stab}{inst})\n    kappa = [{k}]  mu = [{mu}]  delta0 = [{d0}]  delta_inf = [{di}]\n    gain = [{gain}]  readouts = [{z}]  bulk_radius = {r:.6}  outliers = [{outl}]{ring}\n    converged = {conv}, residual = {res:.2e}, iterations = {it}\n",
        branch = s.branch,
        regime = s.regime,
        stab = if s.stable { "stable" } else { "unstable" },
        inst = if s.instability == "none" { String::new() } else { format!(": {}", s.instability) },
        k = fmt(&s.kappa),
        mu = fmt(&s.mu),
        d0 = fmt(&s.delta0),
        di = fmt(&s.delta_inf),
        gain = fmt(&s.gain),
        z = fmt(&s.readouts),
        r = s.bulk_radius,
        ring = if s.zero_modes > 0 {
            format!("\n    continuum (ring): radius |kappa| = {:.6}, {} zero mode(s)", s.kappa.iter().map(|x| x * x).sum::<f64>().sqrt(), s.zero_modes)
        } else {
            String::new()
        },
        conv = s.converged,
        res = s.residual,
        it = s.iterations,
    )
}

/// Run `lowrank solve`.
pub fn run(args: &SolveArgs) -> anyhow::Result<()> {
    if let Some(t) = args.time {
        if !t.is_finite() {
            anyhow::bail!("--time ({t}) must be finite");
        }
    }
    let scenario = args.scenario.load()?;
    let all = solve_model(&scenario.model, args.order, args.time, !args.no_chaos)?;
    if all.solutions.is_empty() {
        anyhow::bail!(
            "no mean-field solution converged for `{}` ({} starts tried, none converged): \
             the parameters may lie outside the domain of the equations; nothing to report",
            scenario.name,
            all.failed_starts
        );
    }
    if args.json {
        let doc = json!({
            "scenario": scenario.name,
            "overrides": args.scenario.set,
            "solutions": all.solutions,
            "failed_starts": all.failed_starts,
        });
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        outln!("{}: {} solution(s)", scenario.name, all.solutions.len());
        for (i, s) in all.solutions.iter().enumerate() {
            out!("{}", text_line(i, s));
        }
    }
    Ok(())
}
