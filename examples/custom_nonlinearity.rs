//! Write your own nonlinearity: implement [`Nonlinearity`] once and the theory (every Gaussian
//! integral by kink-aware quadrature) and the simulator (f64 and f32) use it.
//!
//! Here φ(x) = x/(1 + |x|) (softsign): a rank-one network in the chaotic regime, solved by the
//! mean-field theory and simulated at growing N. Run with
//! `cargo run --release --example custom_nonlinearity`.

use lowrank_gauss::{Nonlinearity, Parity, Phi};
use lowrank_model::Scenario;
use lowrank_sim::{Network, SimConfig, Simulator};
use lowrank_theory::solve::branches::{solve_all, SolveOptions};

/// φ(x) = x/(1 + |x|); φ″ jumps at 0 (φ and φ′ are continuous), which is declared as a kink
/// so that the quadrature splits its panels there.
#[derive(Debug)]
struct Softsign;

impl Nonlinearity for Softsign {
    fn name(&self) -> &'static str {
        "softsign"
    }
    fn phi(&self, x: f64) -> f64 {
        x / (1.0 + x.abs())
    }
    fn dphi(&self, x: f64) -> f64 {
        1.0 / (1.0 + x.abs()).powi(2)
    }
    fn d2phi(&self, x: f64) -> f64 {
        -2.0 * x.signum() / (1.0 + x.abs()).powi(3)
    }
    fn d3phi(&self, x: f64) -> f64 {
        6.0 / (1.0 + x.abs()).powi(4)
    }
    /// Φ with Φ′ = φ and Φ(0) = 0.
    fn primitive(&self, x: f64) -> f64 {
        x.abs() - (1.0 + x.abs()).ln()
    }
    fn kinks(&self) -> &'static [f64] {
        &[0.0]
    }
    fn parity(&self) -> Parity {
        Parity::Odd
    }
    fn range(&self) -> (f64, f64) {
        (-1.0, 1.0)
    }
    /// Poles of φ′ at x = ±i (in either half-line's analytic continuation).
    fn analytic_strip(&self) -> f64 {
        1.0
    }
}

static SOFTSIGN: Softsign = Softsign;

fn main() -> anyhow::Result<()> {
    let scenario = Scenario::from_toml_str(
        "[mo2018]\nkind = \"rank-one\"\ng = 3.0\nmean_m = 1.1\nmean_n = 2.0\n",
        &[],
    )?;
    // the optional affine form works on custom bases too: φ(x) = softsign(2x)
    let model = scenario
        .model
        .with_nonlinearity(Phi::custom(&SOFTSIGN).affine(2.0, 0.0, 1.0, 0.0)?);

    let all = solve_all(&model, &SolveOptions::default())?;
    println!("mean-field states of {}:", model.nonlinearity());
    for s in &all.solutions {
        println!(
            "  {:<13} {:<10} κ = {:+.6}  Δ0 = {:.6}  Δ∞ = {:.6}  stable = {}",
            s.branch, s.regime, s.kappa[0], s.delta0[0], s.delta_inf[0], s.stable
        );
    }
    let stable: Vec<_> = all.solutions.iter().filter(|s| s.stable).collect();
    println!("simulation (4 trials, time averages after a burn-in of 50):");
    for n in [500, 1000, 2000] {
        let net = Network::sample(&model, n, 7)?;
        let sim = Simulator::<f64>::new(&net);
        let mut cfg = SimConfig::new(100.0, 0.1);
        cfg.burn_in = 50.0;
        cfg.trials = 4;
        let r = sim.run(&cfg)?;
        println!(
            "  N = {n:>5}: |κ| = {:.4}  Δ0 = {:.4}",
            r.kappa[0].abs(),
            r.delta0[0]
        );
    }
    if let Some(s) = stable.first() {
        println!(
            "theory (stable): |κ| = {:.4}  Δ0 = {:.4}",
            s.kappa[0].abs(),
            s.delta0[0]
        );
    }
    Ok(())
}
