//! The Gaussian averages behind every mean-field equation: ⟨φ⟩, ⟨φ′⟩, ⟨φ²⟩ of x ~ N(μ, Δ), each
//! checked against an independent brute-force quadrature written here (the midpoint rule on
//! z ∈ [−12, 12], 200 000 cells split where x = 0). Run with
//! `cargo run --release -p lowrank-gauss --example gaussian_moments`.

use lowrank_gauss::{Gauss, Phi};

/// ⟨f(μ + √Δ z)⟩ for z ~ N(0, 1) by the midpoint rule on [−12, z₀] and [z₀, 12], z₀ = −μ/√Δ
/// the point where x = 0: independent of the crate's rules, and a kink or jump of f at x = 0
/// (ReLU) falls on a cell boundary, where it costs no accuracy.
fn brute_force(f: impl Fn(f64) -> f64, mu: f64, delta: f64) -> f64 {
    let norm = 1.0 / (2.0 * std::f64::consts::PI).sqrt();
    let z0 = (-mu / delta.sqrt()).clamp(-12.0, 12.0);
    let midpoint = |a: f64, b: f64| {
        let n = 100_000;
        let h = (b - a) / n as f64;
        (0..n)
            .map(|i| {
                let z = a + (i as f64 + 0.5) * h;
                f(mu + delta.sqrt() * z) * norm * (-0.5 * z * z).exp()
            })
            .sum::<f64>()
            * h
    };
    midpoint(-12.0, z0) + midpoint(z0, 12.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let gauss = Gauss::new(200);
    println!(
        "{:>5} {:>5} {:>6} {:>13} {:>13} {:>13} {:>10}",
        "φ", "μ", "Δ", "⟨φ⟩", "⟨φ′⟩", "⟨φ²⟩", "max |diff|"
    );
    for phi in [Phi::Tanh, Phi::Erf, Phi::Relu] {
        for (mu, delta) in [(0.0, 1.0), (0.5, 2.0), (-1.0, 10.0)] {
            let m = gauss.moments(phi, mu, delta)?;
            let reference = [
                brute_force(|x| phi.phi(x), mu, delta),
                brute_force(|x| phi.dphi(x), mu, delta),
                brute_force(|x| phi.phi(x).powi(2), mu, delta),
            ];
            let diff = [m.phi, m.dphi, m.phi2]
                .iter()
                .zip(&reference)
                .fold(0.0f64, |a, (x, r)| a.max((x - r).abs()));
            println!(
                "{:>5} {mu:>5} {delta:>6} {:>13.10} {:>13.10} {:>13.10} {diff:>10.1e}",
                phi.to_string(),
                m.phi,
                m.dphi,
                m.phi2
            );
            assert!(
                diff < 1e-8,
                "{phi} at (μ, Δ) = ({mu}, {delta}): off by {diff:e}"
            );
        }
    }
    Ok(())
}
