//! The current ODE (docs/theory §3.1) on the general model, checked against the closed [CB] formula,
//! and its fixed points against the symmetric-interaction predictions of §3.5.

use lowrank_gauss::Gauss;
use lowrank_model::cb2025::{symmetric, Multiregion};
use lowrank_theory::currents::*;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn ode(r: usize, t: Vec<f64>) -> CurrentOde {
    let built = Multiregion::new(r, vec![0.0; r], t).build().unwrap();
    CurrentOde::new(&built.model, Gauss::new(32), vec![], InputGain::Stein).unwrap()
}

/// §3.1 with U = 𝟙: Ṡ^{μν} = −S^{μν} + Σ_ρ T^{μνρ}S^{νρ}/√(1 + (π/2)Σ_ρ(S^{νρ})²), written out
/// independently of the general-model code path.
fn cb_rhs(r: usize, t: &[f64], s: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; r * r];
    for mu in 0..r {
        for nu in 0..r {
            let a: f64 = (0..r).map(|rho| s[nu * r + rho].powi(2)).sum();
            let h: f64 = (0..r)
                .map(|rho| t[(mu * r + nu) * r + rho] * s[nu * r + rho])
                .sum();
            out[mu * r + nu] = -s[mu * r + nu] + h / (1.0 + std::f64::consts::FRAC_PI_2 * a).sqrt();
        }
    }
    out
}

#[test]
fn general_model_reduces_to_cb_current_ode() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    for r in [1, 2, 3] {
        let t: Vec<f64> = (0..r * r * r)
            .map(|_| rng.random_range(-2.0..2.0))
            .collect();
        let o = ode(r, t.clone());
        for _ in 0..5 {
            let s: Vec<f64> = (0..r * r).map(|_| rng.random_range(-2.0..2.0)).collect();
            let mut got = vec![0.0; r * r];
            o.rhs(&s, &mut got).unwrap();
            let want = cb_rhs(r, &t, &s);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-13, "R = {r}: {g} vs {w}");
            }
        }
    }
}

#[test]
fn disorder_is_rejected_unless_ignored_explicitly() {
    let built = Multiregion::new(1, vec![1.2], vec![2.0]).build().unwrap();
    assert!(CurrentOde::new(&built.model, Gauss::new(16), vec![], InputGain::Stein).is_err());
    assert!(
        CurrentOde::ignoring_disorder(&built.model, Gauss::new(16), vec![], InputGain::Stein)
            .is_ok()
    );
}

fn check_symmetric_set(a: &[f64], b: &[f64], seed: u64) {
    let r = a.len();
    let signs: Vec<f64> = (0..r)
        .map(|i| if (seed >> i) & 1 == 0 { 1.0 } else { -1.0 })
        .collect();
    let t = symmetric(a, b, &signs).unwrap();
    let o = ode(r, t);
    let pred = symmetric_prediction(a, b).unwrap();
    let opts = FixedPointOptions {
        starts: 6,
        seed,
        box_lo: -1.0,
        box_hi: 1.0,
        t_max: 3000.0,
        ..Default::default()
    };
    let fps = o.fixed_points(&opts).unwrap();
    // the origin is a fixed point and unstable (max(a, b) > 1 everywhere)
    let origin = fps
        .iter()
        .find(|f| f.currents.iter().all(|x| x.abs() < 1e-12))
        .unwrap();
    assert!(
        !origin.stable
            && matches!(
                origin.class,
                FixedPointClass::Saddle | FixedPointClass::UnstableNode
            )
    );
    let attractors: Vec<_> = fps
        .iter()
        .filter(|f| f.currents.iter().any(|x| x.abs() > 1e-3))
        .collect();
    assert!(!attractors.is_empty());
    for f in attractors {
        assert!(f.convergence.converged, "{f:?}");
        assert!(
            matches!(
                f.class,
                FixedPointClass::StableNode
                    | FixedPointClass::StableFocus
                    | FixedPointClass::Marginal
            ),
            "{:?}",
            f.class
        );
        for mu in 0..r {
            let a_mu: f64 = (0..r).map(|nu| f.currents[mu * r + nu].powi(2)).sum();
            assert!(
                (a_mu - pred.structured_variance[mu]).abs() < 1e-8,
                "region {mu}: A = {a_mu}, predicted {}",
                pred.structured_variance[mu]
            );
            assert!((f.gain[mu] - pred.gain[mu]).abs() < 1e-9);
            match pred.mode[mu] {
                SymmetricMode::SelfLoop => {
                    // only S^{μμ} is active
                    for nu in (0..r).filter(|&nu| nu != mu) {
                        assert!(f.currents[mu * r + nu].abs() < 1e-6);
                    }
                }
                SymmetricMode::Exchange => assert!(f.currents[mu * r + mu].abs() < 1e-6),
                SymmetricMode::Inactive => {}
            }
        }
        // exchange mode: a continuum attractor has a marginal direction when ≥ 3 regions exchange
        let n_ex = pred
            .mode
            .iter()
            .filter(|m| **m == SymmetricMode::Exchange)
            .count();
        if n_ex >= 4 {
            assert_eq!(f.class, FixedPointClass::Marginal);
        }
    }
}

#[test]
fn fig3_set1_all_exchange_mode_fixed_points() {
    // docs/theory §5 Fig. 3 set 1
    check_symmetric_set(
        &[2.0706, 2.0160, 2.0391, 2.0896, 2.0747],
        &[2.4609, 2.5380, 2.4939, 2.4959, 2.5164],
        3,
    );
}

#[test]
fn one_region_swapped_to_self_loop_mode() {
    check_symmetric_set(
        &[2.5, 2.0160, 2.0391, 2.0896, 2.0747],
        &[2.0, 2.5380, 2.4939, 2.4959, 2.5164],
        5,
    );
}
