//! `lowrank solve SCENARIO [--set KEY=VALUE]... [--json]`: every mean-field solution of the
//! scenario's model — static (docs/theory §1.6) and stationary chaotic (§1.7) branches, stable or
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
    /// Removed: the Gaussian integrals are accuracy-controlled (~1e-12 at every variance, closed
    /// forms where they exist), so there is no quadrature order to choose. Giving it is an error
    /// that says so.
    #[arg(long, hide = true)]
    pub order: Option<String>,
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
    time: Option<f64>,
    chaotic: bool,
) -> anyhow::Result<AllSolutions> {
    let opts = SolveOptions {
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
        "#{i} {branch} {regime} ({stab}{marg}{inst})\n    kappa = [{k}]  mu = [{mu}]  delta0 = [{d0}]  delta_inf = [{di}]\n    gain = [{gain}]  readouts = [{z}]  bulk_radius = {r:.6}  outliers = [{outl}]{ring}\n    converged = {conv}, residual = {res:.2e}, iterations = {it}, found by: {how}\n",
        branch = s.branch,
        regime = s.regime,
        stab = if s.stable { "stable" } else { "unstable" },
        marg = if s.marginal { ", marginal" } else { "" },
        inst = if s.instability == "none" { String::new() } else { format!(": {}", s.instability) },
        k = fmt(&s.kappa),
        mu = fmt(&s.mu),
        d0 = fmt(&s.delta0),
        di = fmt(&s.delta_inf),
        gain = fmt(&s.gain),
        z = fmt(&s.readouts),
        r = s.bulk_radius,
        ring = if s.marginal {
            format!("\n    marginal: a continuum of dimension {} through this point (radius |kappa| = {:.6}); stability of the directions off it", s.zero_modes, s.kappa.iter().map(|x| x * x).sum::<f64>().sqrt())
        } else if s.zero_modes > 0 {
            format!("\n    singular Jacobian ({} zero mode(s)): at a bifurcation", s.zero_modes)
        } else {
            String::new()
        },
        conv = s.converged,
        res = s.residual,
        it = s.iterations,
        how = s.found_by,
    )
}

/// One line on how the search ran (the [`lowrank::theory::solve::branches::SearchReport`]).
fn search_line(r: &lowrank::theory::solve::branches::SearchReport) -> String {
    let bx = r
        .kappa_box
        .iter()
        .map(|b| format!("[{:.4}, {:.4}]", b[0], b[1]))
        .collect::<Vec<_>>()
        .join(" x ");
    let mut line = format!(
        "search: {}; kappa box {} ({}), {} grid nodes, {} cells kept, {} failed refinements",
        if r.complete {
            "complete"
        } else {
            "NOT complete"
        },
        if bx.is_empty() {
            "none".to_string()
        } else {
            bx
        },
        if r.box_proven {
            "proven bound"
        } else {
            "stated, not proven"
        },
        r.grid_nodes,
        r.cells_kept,
        r.failed_refinements
    );
    for n in &r.notes {
        line.push_str(&format!("\n    note: {n}"));
    }
    line
}

/// The error for the removed `--order` option (shared with `sweep`).
pub fn reject_order(order: &Option<String>) -> anyhow::Result<()> {
    if let Some(o) = order {
        anyhow::bail!(
            "option --order ({o}) was removed: every Gaussian integral is accuracy-controlled \
             (about 1e-12 at any variance; closed forms for erf and linear φ), so no quadrature \
             order is needed or used — drop the option"
        );
    }
    Ok(())
}

/// Run `lowrank solve`.
pub fn run(args: &SolveArgs) -> anyhow::Result<()> {
    reject_order(&args.order)?;
    if let Some(t) = args.time {
        if !t.is_finite() {
            anyhow::bail!("--time ({t}) must be finite");
        }
    }
    let scenario = args.scenario.load()?;
    let all = solve_model(&scenario.model, args.time, !args.no_chaos)?;
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
            "search": all.search,
        });
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        outln!("{}: {} solution(s)", scenario.name, all.solutions.len());
        for (i, s) in all.solutions.iter().enumerate() {
            out!("{}", text_line(i, s));
        }
        println!("{}", search_line(&all.search));
    }
    Ok(())
}
