//! `lowrank solve SCENARIO [--set KEY=VALUE]... [--json] [--autocorrelation TMAX [--tau-step H]
//! [--autocorrelation-csv FILE]]`: every mean-field solution of the scenario's model — static
//! (docs/theory §1.6) and stationary chaotic (§1.7) branches, stable or not — with stability
//! (§1.9) and the convergence report of each.
//!
//! With `--autocorrelation TMAX` every stationary chaotic solution also carries its
//! autocorrelation Δ_p(τ), τ = 0, H, 2H, … ≤ TMAX (docs/theory §1.7,
//! [`lowrank::theory::autocorrelation`]): JSON field `autocorrelation` in the layout of
//! `lowrank simulate --max-lag L --json` (`lags`, `delta[p][ℓ]`, `delta_inf`, plus the
//! convergence report), a line in the text output, and optionally a CSV file with columns
//! `solution,tau,delta_<population>...` (`solution` is the index `#i` of the solution).
//!
//! If no solution converges the command prints a clear report to stderr and exits non-zero: a
//! number is never printed for parameters where the equations were not solved.

use super::ScenarioArgs;
use anyhow::Context;
use lowrank::theory::autocorrelation::{
    autocorrelation, Autocorrelation, AutocorrelationOptions, DEFAULT_MAX_STEPS, DEFAULT_TAU_STEP,
};
use lowrank::theory::solve::branches::{solve_all, AllSolutions, MeanFieldSolution, SolveOptions};
use std::path::PathBuf;

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
    /// Also compute the autocorrelation Δ_p(τ) of every stationary chaotic solution for
    /// τ = 0, H, 2H, … ≤ TMAX (docs/theory §1.7); JSON field `autocorrelation` with `lags` and
    /// `delta[p][ℓ]` as in `lowrank simulate --max-lag`.
    #[arg(long, value_name = "TMAX", allow_hyphen_values = true)]
    pub autocorrelation: Option<f64>,
    /// Lag step H of `--autocorrelation` (default 0.05, or TMAX if smaller).
    #[arg(long = "tau-step", value_name = "H", allow_hyphen_values = true)]
    pub tau_step: Option<f64>,
    /// Write the autocorrelations as CSV: columns `solution,tau,delta_<population>...`, one row
    /// per lag of every stationary chaotic solution.
    #[arg(long = "autocorrelation-csv", value_name = "FILE")]
    pub autocorrelation_csv: Option<PathBuf>,
}

/// Memory of one autocorrelation per population and lag (bytes): two integration buffers, the
/// result, and its JSON text.
const ACF_BYTES_PER_VALUE: f64 = 8.0 * 3.0 + 24.0;
/// Work of one autocorrelation per population and lag (elementary operations): ~10 internal
/// RK4 steps per lag, 4 Chebyshev evaluations of ~65 terms each, three runs of step halving.
const ACF_WORK_PER_VALUE: f64 = 10.0 * 4.0 * 65.0 * 4.0 * 3.0;

/// The autocorrelation options of the command line (checked; `None` without
/// `--autocorrelation`). Every error names the option.
fn acf_options(args: &SolveArgs) -> anyhow::Result<Option<AutocorrelationOptions>> {
    let Some(t) = args.autocorrelation else {
        if args.tau_step.is_some() {
            anyhow::bail!("--tau-step needs --autocorrelation TMAX");
        }
        if args.autocorrelation_csv.is_some() {
            anyhow::bail!("--autocorrelation-csv needs --autocorrelation TMAX");
        }
        return Ok(None);
    };
    if !(t.is_finite() && t > 0.0) {
        anyhow::bail!("--autocorrelation ({t}) must be positive and finite (the largest lag τ)");
    }
    if args.no_chaos {
        anyhow::bail!(
            "--autocorrelation needs the stationary chaotic solutions, which --no-chaos skips; \
             drop one of the two"
        );
    }
    let mut o = AutocorrelationOptions::new(t);
    if let Some(h) = args.tau_step {
        if !(h.is_finite() && h > 0.0) {
            anyhow::bail!("--tau-step ({h}) must be positive and finite");
        }
        if h > t {
            anyhow::bail!("--tau-step ({h}) must be ≤ --autocorrelation ({t})");
        }
        o.tau_step = h;
    } else {
        o.tau_step = DEFAULT_TAU_STEP.min(t);
    }
    // memory and work are checked by the budget (--max-memory, --max-work, see
    // `check_acf_budget`), not by the library's fixed caps; the step halving may go down to
    // internal steps of H/1000 (the default start is ≤ 0.01 and one halving usually suffices)
    let lags = (t / o.tau_step).floor() + 1.0;
    o.max_points = usize::MAX;
    o.max_steps = DEFAULT_MAX_STEPS.max((lags * 1e3).min(1e15) as usize);
    Ok(Some(o))
}

/// Refuse an autocorrelation run beyond the memory or work limits (before computing it).
fn check_acf_budget(
    o: &AutocorrelationOptions,
    populations: usize,
    solutions: usize,
) -> anyhow::Result<()> {
    let values = (o.tau_max / o.tau_step + 1.0).floor() * populations as f64 * solutions as f64;
    let what = format!(
        "the autocorrelation of {solutions} solution(s) × {populations} population(s) at {:.0} \
         lags (--autocorrelation {} / --tau-step {})",
        (o.tau_max / o.tau_step + 1.0).floor(),
        o.tau_max,
        o.tau_step
    );
    let hint = "use a larger --tau-step or a smaller --autocorrelation";
    super::budget::check_memory(&what, values * ACF_BYTES_PER_VALUE, hint)?;
    super::budget::check_work(&what, values * ACF_WORK_PER_VALUE, hint)
}

/// One CSV field, quoted when it needs to be (RFC 4180).
pub(super) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The CSV of every computed autocorrelation: `solution,tau,delta_<population>...`.
fn write_acf_csv(
    mut f: super::output::Named,
    populations: &[String],
    acfs: &[(usize, Autocorrelation)],
) -> anyhow::Result<()> {
    let mut header = vec!["solution".to_string(), "tau".to_string()];
    header.extend(populations.iter().map(|p| csv_field(&format!("delta_{p}"))));
    f.line(&header.join(","))?;
    for (i, a) in acfs {
        for (l, tau) in a.lags.iter().enumerate() {
            let mut row = vec![i.to_string(), format!("{tau}")];
            row.extend(a.delta.iter().map(|d| format!("{:e}", d[l])));
            f.line(&row.join(","))?;
        }
    }
    f.finish()
}

/// The text line of an autocorrelation.
fn acf_line(a: &Autocorrelation) -> String {
    let fmt = |v: Vec<f64>| {
        v.iter()
            .map(|x| format!("{x:.6}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let last = a.lags.len() - 1;
    format!(
        "    autocorrelation: delta(0) = [{}] -> delta({}) = [{}] ({} lags, step {}; error estimate {:.1e})\n",
        fmt(a.delta.iter().map(|d| d[0]).collect()),
        a.lags[last],
        fmt(a.delta.iter().map(|d| d[last]).collect()),
        a.lags.len(),
        if last > 0 { a.lags[1] } else { a.lags[0] },
        a.error_estimate
    )
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
        conv = s.convergence.converged,
        res = s.convergence.residual,
        it = s.convergence.iterations,
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
    let acf_opts = acf_options(args)?;
    let mut outputs = super::output::Outputs::new();
    let csv_out = match &args.autocorrelation_csv {
        Some(path) => Some(outputs.reserve("--autocorrelation-csv", path, &[])?),
        None => None,
    };
    let scenario = args.scenario.load()?;
    let model = &scenario.model;
    if let Some(o) = &acf_opts {
        check_acf_budget(o, model.n_populations(), 1)?;
    }
    let all = solve_model(model, args.time, !args.no_chaos)?;
    if all.solutions.is_empty() {
        anyhow::bail!(
            "no mean-field solution converged for `{}` ({} starts tried, none converged): \
             the parameters may lie outside the domain of the equations; nothing to report",
            scenario.name,
            all.failed_starts
        );
    }
    let mut acfs: Vec<(usize, Autocorrelation)> = Vec::new();
    if let Some(o) = &acf_opts {
        let chaotic: Vec<usize> = (0..all.solutions.len())
            .filter(|&i| all.solutions[i].regime == "chaotic")
            .collect();
        check_acf_budget(o, model.n_populations(), chaotic.len())?;
        for i in chaotic {
            let a = autocorrelation(model, &all.solutions[i], o)
                .and_then(|a| a.into_result())
                .with_context(|| format!("autocorrelation of solution #{i}"))?;
            acfs.push((i, a));
        }
        if acfs.is_empty() {
            eprintln!("note: no stationary chaotic solution: no autocorrelation to report");
        }
    }
    if let Some(i) = csv_out {
        let names: Vec<String> = model.populations().iter().map(|p| p.name.clone()).collect();
        write_acf_csv(outputs.writer(i)?, &names, &acfs)?;
    }
    let acf_of = |i: usize| acfs.iter().find(|(j, _)| *j == i).map(|(_, a)| a);
    if args.json {
        let doc =
            lowrank::documents::solve_document(&scenario.name, &args.scenario.set, &all, &acfs)?;
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        outln!("{}: {} solution(s)", scenario.name, all.solutions.len());
        for (i, s) in all.solutions.iter().enumerate() {
            out!("{}", text_line(i, s));
            if let Some(a) = acf_of(i) {
                out!("{}", acf_line(a));
            }
        }
        outln!("{}", search_line(&all.search));
    }
    outputs.commit()
}
