//! A finite-size check written by hand with this crate's statistics: does the simulated
//! population variance Δ0 of the \[MO\] rank-one network (g = 0.8, a stable fixed point) converge
//! to the mean-field Δ0 as N grows, and at which rate? (`cargo xtask validate` does this for
//! every bundled case with a stated pass/fail rule, docs/validation.md.) Run with
//! `cargo run --release -p lowrank-validate --example finite_size`.

use lowrank_model::Scenario;
use lowrank_sim::{SimConfig, Simulator};
use lowrank_theory::solve::branches::{solve_all, SolveOptions};
use lowrank_validate::stats::{fit_power_law, summarize};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let toml = "[mo2018]\nkind = \"rank-one\"\ng = 0.8\nmean_m = 1.1\nmean_n = 2.0\n";
    let model = Scenario::from_toml_str(toml, &[])?.model;
    let theory = solve_all(&model, &SolveOptions::default())?;
    let state = theory
        .solutions
        .iter()
        .find(|s| s.stable)
        .ok_or("no stable mean-field state")?;
    let delta0 = state.delta0[0];
    println!("theory: Δ0 = {delta0:.6} ({} branch)", state.branch);
    let mut cfg = SimConfig::new(40.0, 0.1);
    cfg.burn_in = 40.0;
    let sizes = [250usize, 500, 1000, 2000];
    let mut means = Vec::new();
    for &n in &sizes {
        // |Δ0(sim) − Δ0(theory)| over 6 independent networks
        let errors: Vec<f64> = (0..6u64)
            .map(|seed| {
                let r = Simulator::<f64>::sample(&model, n, seed)?.run(&cfg)?;
                Ok((r.delta0[0] - delta0).abs())
            })
            .collect::<Result<_, lowrank_sim::SimError>>()?;
        let s = summarize(&errors, 0.95)?;
        println!(
            "N = {n:>5}: error {:.2e}, 95 % interval [{:.2e}, {:.2e}]",
            s.mean, s.lower, s.upper
        );
        means.push(s.mean);
    }
    let sizes: Vec<f64> = sizes.iter().map(|&n| n as f64).collect();
    let fit = fit_power_law(&sizes, &means, 0.95)?;
    println!(
        "error ∝ N^β with β = {:.2} ± {:.2} (sampling fluctuations alone give −1/2)",
        fit.exponent,
        fit.exponent_se.unwrap_or(f64::NAN)
    );
    Ok(())
}
