//! The validation rule can fail: a deliberately broken theory is caught.
//!
//! Network: rank one, tanh, g = 0.5, zero means, m = x₁ + a y, n = x₂ + b y + c h, input
//! u·I with I = h, so σ_nm = ab, σ_nI = c and the static mean-field equations (§1.6, §2.4) are
//! κ = ⟨φ′⟩ (σ_nm κ + σ_nI u),  Δ = g²⟨φ²⟩ + σ_mm κ² + σ_II u²  (μ = 0).
//! A test-only copy of these equations has a hook `stein_sign` multiplying the Stein term
//! ψ·c_n (and `feedback_sign` multiplying only its σ_nm κ part). With both signs +1 it must
//! reproduce the crate's theory; flipping either gives a wrong prediction that the rule must
//! reject, while the correct theory passes on the same simulations.

use lowrank_gauss::{Gauss, Phi};
use lowrank_model::{Model, ModelBuilder, Schedule};
use lowrank_theory::solve::branches::SolveOptions;
use lowrank_validate::case::{Case, Measurement, Observable, ScenarioRef, SimRequest, Suite};
use lowrank_validate::cases::common::{attractor, simulate, Pick, Plan};
use lowrank_validate::rule::Rule;
use lowrank_validate::runner::{rejudge, run_suite, Grid};
use std::sync::Arc;

const G: f64 = 0.5;
const A: f64 = 1.0;
const B: f64 = 0.8; // σ_nm = 0.8
const C: f64 = 1.0; // σ_nI
const U: f64 = 1.0;

fn model() -> Model {
    let mut b = ModelBuilder::new("broken-theory-test", Phi::Tanh);
    b.population("net", 1.0).gain("net", "net", G);
    for v in ["x1", "x2", "y", "h"] {
        b.basis(v, 1.0);
    }
    b.combination("m", &[("x1", 1.0), ("y", A)])
        .combination("n", &[("x2", 1.0), ("y", B), ("h", C)]);
    b.combination("I", &[("h", 1.0)]);
    b.term("1", "m", "n").input(
        "u",
        "I",
        Schedule {
            baseline: U,
            ..Default::default()
        },
    );
    b.build().expect("valid test model")
}

/// Test-only static mean-field solution (κ, Δ) with sign hooks on the Stein term ψ·c_n.
fn hooked_theory(stein_sign: f64, feedback_sign: f64) -> (f64, f64) {
    let gauss = Gauss::new(100);
    let (s_nm, s_ni, s_mm, s_ii) = (A * B, C, 1.0 + A * A, 1.0);
    let (mut kappa, mut delta) = (0.5, 1.0);
    for _ in 0..5000 {
        let m = gauss
            .moments(Phi::Tanh, 0.0, delta)
            .expect("finite moments");
        let k_new = stein_sign * m.dphi * (feedback_sign * s_nm * kappa + s_ni * U);
        let d_new = G * G * m.phi2 + s_mm * k_new * k_new + s_ii * U * U;
        let step = (k_new - kappa).abs() + (d_new - delta).abs();
        kappa += 0.5 * (k_new - kappa);
        delta += 0.5 * (d_new - delta);
        if step < 1e-14 {
            break;
        }
    }
    (kappa, delta)
}

fn case(name: &str, prediction: Arc<dyn Fn() -> Vec<f64> + Send + Sync>) -> Case {
    let model = model();
    Case {
        name: name.into(),
        source: "test".into(),
        description: "broken-theory test".into(),
        scenario: ScenarioRef {
            path: "-".into(),
            overrides: vec![],
        },
        observables: vec![
            Observable::new("kappa", "signed κ (the input fixes the sign)"),
            Observable::new("delta0", "Δ₀"),
        ],
        theory: Box::new(move || Ok(prediction())),
        simulate: Box::new(move |r: &SimRequest| {
            let mut plan = Plan::new(30.0, 20.0, 0.1);
            plan.trials = 1;
            let res = simulate(&model, r.n, r.seed, &plan)?;
            Ok(Measurement {
                values: vec![res.kappa[0], res.delta0[0]],
                reference: None,
            })
        }),
        rule: Rule::default(),
        sizes: None,
        seed_factor: 1,
        figure_points: vec![],
    }
}

#[test]
fn hook_at_plus_one_reproduces_the_crate_theory() {
    let sol = attractor(
        &model(),
        &SolveOptions::default(),
        Pick::LargestKappa,
        "test",
    )
    .unwrap();
    let (k, d) = hooked_theory(1.0, 1.0);
    // both solve the same equations to ~1e-10; GH-100 vs GH-200 differ by far less
    assert!((sol.kappa[0] - k).abs() < 1e-8, "{} vs {k}", sol.kappa[0]);
    assert!((sol.delta0[0] - d).abs() < 1e-8, "{} vs {d}", sol.delta0[0]);
    // and the broken variants really are different predictions
    assert!((hooked_theory(-1.0, 1.0).0 - k).abs() > 0.3);
    assert!((hooked_theory(1.0, -1.0).0 - k).abs() > 0.1);
}

#[test]
fn the_rule_passes_the_theory_and_rejects_a_flipped_stein_term() {
    let correct = Arc::new(|| {
        let s = attractor(
            &model(),
            &SolveOptions::default(),
            Pick::LargestKappa,
            "test",
        )
        .unwrap();
        vec![s.kappa[0], s.delta0[0]]
    });
    let suite = Suite {
        cases: vec![case("correct", correct)],
        figures: vec![],
    };
    // Sizes × 16, 8 seeds: the standard error of the fitted exponent is ≈ 0.12 here.
    let grid = Grid {
        sizes: vec![200, 400, 800, 1600, 3200],
        seeds: 8,
        base_seed: 11,
        effort: 1.0,
    };
    let res = run_suite(&suite, &grid, &mut |_| {});
    let ok = &res.cases[0];
    assert!(ok.failure.is_none(), "{:?}", ok.failure);
    assert!(
        ok.passed,
        "correct theory must pass: {:#?}",
        ok.observables
            .iter()
            .map(|o| &o.verdict)
            .collect::<Vec<_>>()
    );
    for o in &ok.observables {
        eprintln!("correct theory, {}: {:?}", o.name, o.verdict.reasons);
    }
    // The same simulations judged against the broken predictions.
    for (name, stein, feedback) in [
        ("flipped Stein term", -1.0, 1.0),
        ("flipped feedback σ_nm κ", 1.0, -1.0),
    ] {
        let (k, d) = hooked_theory(stein, feedback);
        let broken = rejudge(ok, &[k, d], &Rule::default()).unwrap();
        for o in &broken.observables {
            eprintln!("{name}, {}: {:?}", o.name, o.verdict.reasons);
        }
        assert!(!broken.passed, "{name} must be caught");
        // the κ observable in particular fails (Δ₀ may or may not, depending on κ²)
        assert!(
            !broken.observables[0].verdict.passed,
            "{name}: κ verdict {:#?}",
            broken.observables[0].verdict
        );
    }
}
