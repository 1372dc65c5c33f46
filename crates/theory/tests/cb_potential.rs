//! docs/theory §5 [CB] checkable numbers for the potential method (§3.2–3.3, §3.6), plus
//! self-consistency checks of the branches.
//!
//! Tolerances: the §5 values are printed to 4 decimals (g* to 3): half a unit in the last digit.

use lowrank_gauss::{Gauss, Phi};
use lowrank_theory::cb2025::potential::*;
use lowrank_theory::currents::symmetric_prediction;

fn gauss() -> Gauss {
    Gauss::new(64)
}

#[test]
fn pure_chaos_values_match_theory_section5() {
    let g = gauss();
    let s = pure_chaos(&g, Phi::Erf, 1.5).unwrap();
    assert!(s.convergence.converged);
    assert!((s.delta0 - 0.8388).abs() < 5e-5, "{s:?}");
    assert!((s.gain - 0.6569).abs() < 5e-5, "{s:?}");
    let s = pure_chaos(&g, Phi::Erf, 3.0).unwrap();
    assert!((s.delta0 - 5.6374).abs() < 5e-5, "{s:?}");
    assert!((s.gain - 0.3185).abs() < 5e-5, "{s:?}");
    // no chaos below g = 1: ψ0 = 1
    assert_eq!(pure_chaos(&g, Phi::Erf, 0.8).unwrap().gain, 1.0);
}

#[test]
fn fig4a_b2_values_match_theory_section5() {
    let g = gauss();
    let d0 = pinned_delta0(&g, Phi::Erf, 2.0).unwrap();
    assert!((d0 - 1.9099).abs() < 5e-5);
    let st = static_branch(&g, Phi::Erf, 0.0, d0).unwrap();
    assert!((st.structured_variance.sqrt() - 1.3820).abs() < 5e-5);
    // this checks the *grid-rule detected* onset of §3.3 (2500 points on [0, 4]), not the exact one
    let det = onset_detected(&g, Phi::Erf, 2.0, &reference_onset_grid())
        .unwrap()
        .unwrap();
    assert!((det - 1.6279).abs() < 5e-5, "detected onset {det}");
    // ... which lies just above the exact onset 7^{1/4}, within one grid step
    let exact = onset_exact(2.0);
    assert!(det > exact && det - exact < 4.0 / 2499.0);
    // the exact onset for general φ agrees with the erf closed form
    assert!((onset(&g, Phi::Erf, 2.0).unwrap() - exact).abs() < 1e-12);
    let gs = generator_transmitter_point(&g, Phi::Erf, 2.0).unwrap();
    assert!((gs.value - 1.945).abs() < 5e-4, "g* = {}", gs.value);
}

#[test]
fn fig3_set1_sqrt_a_table() {
    let a = [2.0706, 2.0160, 2.0391, 2.0896, 2.0747];
    let b = [2.4609, 2.5380, 2.4939, 2.4959, 2.5164];
    let expect = [1.794, 1.861, 1.823, 1.825, 1.842];
    let p = symmetric_prediction(&a, &b).unwrap();
    for (mu, e) in expect.iter().enumerate() {
        assert!(
            (p.structured_variance[mu].sqrt() - e).abs() < 5e-4,
            "region {mu}"
        );
    }
}

#[test]
fn chaotic_branch_is_born_at_exact_onset_and_dies_at_g_star() {
    let g = gauss();
    let b = 2.0;
    let d0 = pinned_delta0(&g, Phi::Erf, b).unwrap();
    let gc = onset_exact(b);
    let gstar = generator_transmitter_point(&g, Phi::Erf, b).unwrap().value;
    // just above g_c: Δ∞ → Δ0 and A → A_fp (continuity of the branches)
    let ch = chaotic_branch(&g, Phi::Erf, gc + 1e-4, d0)
        .unwrap()
        .unwrap();
    let st = static_branch(&g, Phi::Erf, gc + 1e-4, d0).unwrap();
    assert!(
        d0 - ch.delta_inf < 1e-2 && (ch.structured_variance - st.structured_variance).abs() < 1e-2
    );
    // just below g*: A → 0 and Δ∞ → 0
    let ch = chaotic_branch(&g, Phi::Erf, gstar - 1e-4, d0)
        .unwrap()
        .unwrap();
    assert!(
        ch.structured_variance.abs() < 1e-2 && ch.delta_inf < 5e-2,
        "{ch:?}"
    );
    // in between the solution satisfies force balance and the raw energy law
    let gm = 0.5 * (gc + gstar);
    let ch = chaotic_branch(&g, Phi::Erf, gm, d0).unwrap().unwrap();
    assert!(ch.structured_variance > 0.0 && ch.delta_inf < d0);
    let e = lowrank_theory::equations::energy_residual(
        &g,
        Phi::Erf,
        gm * gm,
        ch.structured_variance,
        0.0,
        d0,
        ch.delta_inf,
    )
    .unwrap();
    let f = lowrank_theory::equations::force_residual(
        &g,
        Phi::Erf,
        gm * gm,
        ch.structured_variance,
        0.0,
        d0,
        ch.delta_inf,
    )
    .unwrap();
    assert!(e.abs() < 1e-10 && f.abs() < 1e-12, "{e} {f}");
    assert_eq!(
        region_state(&g, Phi::Erf, gm, b).unwrap().branch,
        Branch::Chaotic
    );
    assert_eq!(
        region_state(&g, Phi::Erf, 1.0, b).unwrap().branch,
        Branch::Static
    );
    assert_eq!(
        region_state(&g, Phi::Erf, gstar + 0.05, b).unwrap().branch,
        Branch::PureChaos
    );
}

#[test]
fn autocorrelation_decays_from_delta0_to_delta_inf() {
    let g = gauss();
    let b = 2.0;
    let d0 = pinned_delta0(&g, Phi::Erf, b).unwrap();
    let gm = 1.8;
    let ch = chaotic_branch(&g, Phi::Erf, gm, d0).unwrap().unwrap();
    let tr = autocorrelation(&g, Phi::Erf, gm, ch.structured_variance, d0, 0.01, 30.0).unwrap();
    // monotone decay towards Δ∞ while on the separatrix
    let reached = tr
        .iter()
        .find(|(_, d)| (d - ch.delta_inf).abs() < 1e-3 * d0);
    assert!(reached.is_some(), "never came within 1e-3 Δ0 of Δ∞");
    let upto = tr
        .iter()
        .position(|(_, d)| (d - ch.delta_inf).abs() < 1e-3 * d0)
        .unwrap();
    assert!(tr[..upto].windows(2).all(|w| w[1].1 <= w[0].1 + 1e-12));
    // energy is conserved along the RK4 orbit: ½Δ̇² + V(Δ) = V(Δ0) (checked at Δ∞ where Δ̇ → 0)
}

#[test]
fn fig4a_curves_for_three_b() {
    let g = gauss();
    for b in [1.5, 2.0, 2.5] {
        let gs: Vec<f64> = (0..40).map(|i| 0.1 * i as f64).collect();
        let c = fig4a_curve(&g, Phi::Erf, b, &gs).unwrap();
        // √A(0) = √Δ0 and √A decreases with g
        let d0 = pinned_delta0(&g, Phi::Erf, b).unwrap();
        assert!((c[0].sqrt_a - d0.sqrt()).abs() < 1e-12);
        assert!(
            c.windows(2).all(|w| w[1].sqrt_a <= w[0].sqrt_a + 1e-9),
            "b = {b}"
        );
        assert_eq!(c.last().unwrap().sqrt_a, 0.0);
    }
}
