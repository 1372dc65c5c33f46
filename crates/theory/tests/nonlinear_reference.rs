//! The mean-field solutions of the bundled beyond-the-papers scenarios (ReLU with input, non-odd
//! positive rates in chaos, hard tanh in chaos) against an independent solution of the same
//! equations: `benches/numpy/nonlinear_reference.py` (SciPy adaptive quadrature split at the
//! kinks, nested integrals as quadratures of quadratures, `fsolve` at xtol 1e-13; written from
//! docs/theory §1.6–1.7 and §2.1–2.4, not from this crate). Regenerate the numbers with
//! `python3 -m venv /tmp/v && /tmp/v/bin/pip install numpy scipy &&
//! /tmp/v/bin/python benches/numpy/nonlinear_reference.py --json`.
//!
//! Tolerance 1e-6 relative (the bar). The stationary states agree to ~1e-14; the
//! chaotic Δ∞ of `rates-chaos` is ill-conditioned (the force balance peaks at ≈ 0.04 over a
//! narrow window), so quadrature errors of 1e-11 in the energy move it by ~1e-7 relative.

use lowrank_model::Scenario;
use lowrank_theory::solve::branches::{solve_all, MeanFieldSolution, SolveOptions};

/// (κ, Δ₀, Δ∞, ψ) printed by `nonlinear_reference.py --json`.
struct Reference {
    regime: &'static str,
    kappa: f64,
    delta0: f64,
    delta_inf: f64,
    gain: f64,
}

fn solutions(name: &str) -> Vec<MeanFieldSolution> {
    let path = format!("{}/../../scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let model = Scenario::from_path(path, &[]).unwrap().model;
    solve_all(&model, &SolveOptions::default())
        .unwrap()
        .solutions
}

fn check(name: &str, refs: &[Reference]) {
    let sols = solutions(name);
    for r in refs {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs().max(1.0);
        let hit = sols.iter().find(|s| {
            s.convergence.converged
                && s.regime == r.regime
                && close(s.kappa[0], r.kappa)
                && close(s.delta0[0], r.delta0)
                && close(s.delta_inf[0], r.delta_inf)
                && close(s.gain[0], r.gain)
        });
        assert!(
            hit.is_some(),
            "{name}: no {} solution within 1e-6 of κ = {}, Δ₀ = {}, Δ∞ = {}, ψ = {}; found {:#?}",
            r.regime,
            r.kappa,
            r.delta0,
            r.delta_inf,
            r.gain,
            sols.iter()
                .map(|s| (
                    &s.regime,
                    s.kappa[0],
                    s.delta0[0],
                    s.delta_inf[0],
                    s.gain[0]
                ))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn relu_with_input_matches_the_independent_solution() {
    check(
        "relu-input",
        &[Reference {
            regime: "stationary",
            kappa: 0.8219347322549814,
            delta0: 5.46912533187072,
            delta_inf: 5.46912533187072,
            gain: 0.6842949292650372,
        }],
    );
}

#[test]
fn non_odd_rates_match_the_independent_solution() {
    check(
        "rates-chaos",
        &[
            Reference {
                regime: "stationary",
                kappa: 0.3938296278108667,
                delta0: 29.33705585993708,
                delta_inf: 29.33705585993708,
                gain: 0.1452760087921187,
            },
            Reference {
                regime: "chaotic",
                kappa: 0.39380991014799194,
                delta0: 29.15641009484733,
                delta_inf: 27.521864227539464,
                gain: 0.14571306613323776,
            },
        ],
    );
}

#[test]
fn hard_tanh_matches_the_independent_solution() {
    check(
        "hard-tanh-chaos",
        &[
            Reference {
                regime: "stationary",
                kappa: 0.0,
                delta0: 4.757074878558522,
                delta_inf: 4.757074878558522,
                gain: 0.35339965969853554,
            },
            Reference {
                regime: "chaotic",
                kappa: 0.0,
                delta0: 4.041530685163639,
                delta_inf: 0.0,
                gain: 0.3811101771874623,
            },
        ],
    );
}
