//! [MO] with input (§2.4), the ring attractor (§2.5) and the tasks (§2.6) as mean-field
//! predictions, each checked against an independent computation (closed form, scalar root, or
//! the defining property: a singular Jacobian at a fold, a zero mode on a ring).

use lowrank_gauss::{Gauss, Phi};
use lowrank_model::mo2018::{Context, Detection, GoNogo, Ring};
use lowrank_theory::meanfield::MeanField;
use lowrank_theory::mo2018::{
    bistability_loss, context_discrimination, detection_threshold, fig2_bistable, go_nogo,
    rank_one_model, ring,
};
use lowrank_theory::roots::brent;
use lowrank_theory::solve::branches::{solve_all, SolveOptions, StaticSystem};
use lowrank_theory::solve::System;
use nalgebra::DMatrix;

fn opts() -> SolveOptions {
    SolveOptions::default()
}

/// Loss of bistability (§2.4): the lower branch ends in a saddle-node in Σ_nI ∈ (0, 2]; at the fold
/// the static Jacobian is singular; just below it there are three fixed points (upper, unstable
/// middle, lower), just above only the upper one.
#[test]
fn bistability_is_lost_in_a_saddle_node() {
    let fold = bistability_loss(&fig2_bistable(0.0), 2.0, &opts())
        .unwrap()
        .expect("a fold in (0, 2]");
    assert!(
        fold.refined && fold.param > 0.0 && fold.param < 2.0,
        "{fold:?}"
    );
    let model = rank_one_model(&fig2_bistable(fold.param)).unwrap();
    let sys = StaticSystem::new(
        MeanField::new(&model, Gauss::new(200)),
        model.baseline_inputs(),
    );
    let x: Vec<f64> = fold.kappa.iter().chain(&fold.delta0).copied().collect();
    let mut jac = DMatrix::zeros(2, 2);
    sys.jacobian(&x, &mut jac).unwrap();
    let det = jac.determinant();
    assert!(
        det.abs() < 1e-6 * jac.norm_squared(),
        "det J = {det} at the fold"
    );
    let count = |s: f64| {
        let m = rank_one_model(&fig2_bistable(s)).unwrap();
        let all = solve_all(
            &m,
            &SolveOptions {
                chaotic: false,
                ..opts()
            },
        )
        .unwrap();
        let unstable_middle = all.solutions.iter().filter(|x| !x.stable).count();
        (all.solutions.len(), unstable_middle)
    };
    assert_eq!(count(0.98 * fold.param), (3, 1));
    assert_eq!(count(1.02 * fold.param), (1, 0));
}

/// Ring attractor (§2.5), tanh, static case (g small): ρ²⟨φ′⟩ = 1 pins Δ₀ (scalar Brent here),
/// radius² = (Δ₀ − g²⟨φ²⟩)/Σ², one zero mode along the ring.
#[test]
fn static_ring_radius_and_zero_mode() {
    let p = Ring {
        g: 0.5,
        sigma: 2.0,
        rho: 1.6,
    };
    let gauss = Gauss::new(200);
    let d0 = brent(
        "pinning",
        |d| Ok(p.rho * p.rho * gauss.moments(Phi::Tanh, 0.0, d)?.dphi - 1.0),
        1e-6,
        50.0,
        1e-13,
    )
    .unwrap()
    .value;
    let phi2 = gauss.moments(Phi::Tanh, 0.0, d0).unwrap().phi2;
    let radius = ((d0 - p.g * p.g * phi2) / (p.sigma * p.sigma)).sqrt();
    let r = ring(&p, &opts()).unwrap();
    assert_eq!(r.regime, "stationary");
    assert_eq!(r.zero_modes, 1);
    assert!((r.delta0 - d0).abs() < 1e-8, "{} vs {d0}", r.delta0);
    assert!((r.radius - radius).abs() < 1e-8, "{} vs {radius}", r.radius);
}

/// The reference ring (Σ = 2, ρ = 1.6, g = 2.1) is chaotic: Δ₀ is still pinned by ρ²⟨φ′⟩ = 1 and
/// Δ∞ < Δ₀; the chaotic ring also has a zero mode.
#[test]
fn reference_ring_is_chaotic_with_pinned_variance() {
    let p = Ring::default();
    let gauss = Gauss::new(200);
    let d0 = brent(
        "pinning",
        |d| Ok(p.rho * p.rho * gauss.moments(Phi::Tanh, 0.0, d)?.dphi - 1.0),
        1e-6,
        50.0,
        1e-13,
    )
    .unwrap()
    .value;
    let r = ring(&p, &opts()).unwrap();
    assert_eq!(r.regime, "chaotic", "{r:?}");
    assert!(r.delta_inf < r.delta0 && r.radius > 0.0);
    assert!((r.delta0 - d0).abs() < 1e-7, "{} vs {d0}", r.delta0);
    assert!(r.zero_modes >= 1);
}

/// Go–Nogo (§2.6): Go ⇒ κ = Σ_I²⟨φ′⟩, z = Σ_w²κ⟨φ′⟩ with Δ₀ = g²⟨φ²⟩ + Σ_w²κ² + Σ_I² (scalar
/// fixed point in Δ₀ solved here by Brent); Nogo ⇒ κ = z = 0.
#[test]
fn go_nogo_closed_form() {
    let p = GoNogo::default();
    let gauss = Gauss::new(200);
    let (si2, sw2, g2) = (p.sigma_i.powi(2), p.sigma_w.powi(2), p.g * p.g);
    let a2 = p.amplitude * p.amplitude;
    let resid = |d: f64| -> Result<f64, lowrank_theory::TheoryError> {
        let m = gauss.moments(Phi::Tanh, 0.0, d)?;
        let kappa = si2 * p.amplitude * m.dphi;
        Ok(d - g2 * m.phi2 - sw2 * kappa * kappa - si2 * a2)
    };
    let d0 = brent("go", resid, 1e-6, 100.0, 1e-12).unwrap().value;
    let m = gauss.moments(Phi::Tanh, 0.0, d0).unwrap();
    let kappa = si2 * p.amplitude * m.dphi;
    let z = sw2 * kappa * m.dphi;
    let pred = go_nogo(&p, &opts()).unwrap();
    assert!(
        (pred.go_kappa - kappa).abs() < 1e-9,
        "{pred:?} vs κ = {kappa}"
    );
    assert!((pred.go_readout - z).abs() < 1e-9 && z > 0.0);
    assert!(pred.nogo_kappa.abs() < 1e-10 && pred.nogo_readout.abs() < 1e-10);
}

/// Detection (§2.6): the threshold c* is a fold of the lower branch (z < 0 below it), between the
/// reference stimulus strengths; it is a saddle-node: the lower state exists just below c* and
/// not just above.
#[test]
fn detection_threshold_is_a_fold() {
    let p = Detection::default();
    let c = detection_threshold(&p, 2.0, &opts()).unwrap();
    assert!(c.refined && c.param > 0.0 && c.param < 2.0, "{c:?}");
    let t = p.onset + 0.5 * p.duration;
    let lower_exists = |cc: f64| {
        let m = Detection { c: cc, ..p.clone() }.model().unwrap();
        let all = solve_all(
            &m,
            &SolveOptions {
                chaotic: false,
                inputs: Some(m.input_values(t)),
                ..opts()
            },
        )
        .unwrap();
        all.solutions
            .iter()
            .any(|s| s.stable && s.readouts[0] < 0.0)
    };
    assert!(lower_exists(0.98 * c.param));
    assert!(!lower_exists(1.02 * c.param));
}

/// Context-dependent discrimination (§2.6, [derived]): in context A a stimulus on the relevant
/// input flips the readout (fold of the lower state), one on the irrelevant input does not.
#[test]
fn context_relevant_flips_irrelevant_does_not() {
    let pred = context_discrimination(&Context::default(), &opts()).unwrap();
    assert!(pred.rest_readout < 0.0, "{pred:?}");
    assert!(
        pred.relevant_fold.is_some() && pred.relevant_readout > 0.0,
        "{pred:?}"
    );
    assert!(
        pred.irrelevant_fold.is_none() && pred.irrelevant_readout < 0.0,
        "{pred:?}"
    );
}
