//! Cross-checks of the two-time DMFT (docs/theory §1.8, §3.11) that cannot be tuned:
//! - T = 0 reduces to the single-population DMFT: stationary Δ0 = pure-chaos Δ0 of the potential method;
//! - constant currents: the DMFT converges to the potential-method solution (Δ0, Δ∞, A);
//! - erf closed forms vs generic bivariate quadrature in the source term;
//! - tanh: the Mehler source vs low- and high-order tensor quadrature.
//!
//! The scheme is first order in dt: error(dt) ≈ c·dt, so with dt₂ = dt₁/2 the error of the dt₂ run is
//! ≈ |x(dt₁) − x(dt₂)|. Tolerances are that difference (×1.5 for the O(dt²) remainder).

use lowrank_gauss::{Gauss, Phi};
use lowrank_model::cb2025::Multiregion;
use lowrank_model::Model;
use lowrank_theory::cb2025::potential::{chaotic_branch, pinned_delta0, pure_chaos};
use lowrank_theory::dmft::*;

fn cb_model(r: usize, g: Vec<f64>, t: Vec<f64>) -> Model {
    Multiregion::new(r, g, t).build().unwrap().model
}

fn run_t(model: &Model, dt: f64, t_total: f64, extra: impl Fn(&mut DmftOptions)) -> DmftResult {
    let mut o = DmftOptions {
        dt,
        nt: (t_total / dt).round() as usize,
        seed: 1,
        ..Default::default()
    };
    extra(&mut o);
    run(model, Gauss::new(32), &o).unwrap()
}

#[test]
fn no_structure_reduces_to_single_population_chaos() {
    let g = 1.5;
    let model = cb_model(1, vec![g], vec![0.0]);
    let exact = pure_chaos(&Gauss::new(64), Phi::Erf, g).unwrap().delta0; // 0.8388
    let r1 = run_t(&model, 0.1, 120.0, |_| {});
    let r2 = run_t(&model, 0.05, 120.0, |_| {});
    let d1 = r1.delta_at(r1.nt - 1)[0];
    let d2 = r2.delta_at(r2.nt - 1)[0];
    let tol = 1.5 * (d1 - d2).abs();
    assert!(
        (d2 - exact).abs() <= tol,
        "Δ0: dt=0.1 {d1}, dt=0.05 {d2}, exact {exact}, tol {tol}"
    );
    assert!(tol < 0.05);
    // the O(dt) extrapolation 2 d2 − d1 is much closer still
    assert!(
        (2.0 * d2 - d1 - exact).abs() < 0.3 * tol,
        "Richardson {}",
        2.0 * d2 - d1
    );
    // Δ∞ = 0 (pure chaos) and the currents died out
    assert!(r2.row(0).last().unwrap().abs() < 1e-3);
    assert!(r2.currents_at(r2.nt - 1)[0].abs() < 1e-6);
    assert_eq!(r2.classify(0), DynamicsClass::Chaos);
}

#[test]
fn constant_currents_converge_to_the_potential_method() {
    // one region, self loop a = b = 2, g between g_c = 7^{1/4} and g* = 1.945: chaotic branch
    let (b, g) = (2.0, 1.8);
    let model = cb_model(1, vec![g], vec![b]);
    let ga = Gauss::new(64);
    let d0 = pinned_delta0(&ga, Phi::Erf, b).unwrap();
    let pm = chaotic_branch(&ga, Phi::Erf, g, d0).unwrap().unwrap();
    let opts = |o: &mut DmftOptions| o.s0 = Some(vec![1.0]);
    let r1 = run_t(&model, 0.1, 150.0, opts);
    let r2 = run_t(&model, 0.05, 150.0, opts);
    let summary = |r: &DmftResult| {
        let j = r.nt - 1;
        (
            r.delta_at(j)[0],
            *r.row(0).last().unwrap(),
            r.currents_at(j)[0].powi(2),
        )
    };
    let (d0_1, dinf_1, a_1) = summary(&r1);
    let (d0_2, dinf_2, a_2) = summary(&r2);
    for (name, x1, x2, exact) in [
        ("delta0", d0_1, d0_2, pm.delta0),
        ("delta_inf", dinf_1, dinf_2, pm.delta_inf),
        ("A", a_1, a_2, pm.structured_variance),
    ] {
        let tol = 1.5 * (x1 - x2).abs() + 1e-4;
        assert!(
            (x2 - exact).abs() <= tol,
            "{name}: dt=0.1 {x1}, dt=0.05 {x2}, potential method {exact}, tol {tol}"
        );
    }
    // a static current on chaotic fluctuations: Δ̂ decays to Δ∞/Δ0
    let last = *r2.normalized_row(0).last().unwrap();
    eprintln!("normalised Δ∞/Δ0 = {last}");
    assert!(last > 0.05 && (last - pm.delta_inf / pm.delta0).abs() < 0.05);
    assert_eq!(r2.classify(0), DynamicsClass::FixedPointChaos);
    assert!(r2.dominant_frequency().is_none() || r2.currents_at(r2.nt - 1)[0].abs() > 0.1);
}

#[test]
fn static_branch_without_disorder_is_a_fixed_point() {
    let model = cb_model(1, vec![0.0], vec![2.0]);
    let r = run_t(&model, 0.05, 60.0, |o| o.s0 = Some(vec![0.5]));
    let d0 = pinned_delta0(&Gauss::new(32), Phi::Erf, 2.0).unwrap();
    assert!((r.delta_at(r.nt - 1)[0] - d0).abs() < 1e-3);
    assert_eq!(r.classify(0), DynamicsClass::FixedPoint);
}

#[test]
fn erf_closed_forms_agree_with_bivariate_quadrature() {
    // R = 2, random-ish T with a complex leading eigenvalue, moderate disorder
    let t = vec![0.3, 1.6, -1.2, 0.4, 0.9, -1.5, 1.1, 0.2];
    let model = cb_model(2, vec![1.2, 0.8], t);
    let base = |src| DmftOptions {
        dt: 0.1,
        nt: 120,
        seed: 3,
        source: src,
        ..Default::default()
    };
    let ga = Gauss::new(16);
    let cf = run(&model, ga, &base(SourceMethod::Auto)).unwrap();
    let q20 = run(&model, ga, &base(SourceMethod::Quadrature { order: 40 })).unwrap();
    let q30 = run(&model, ga, &base(SourceMethod::Quadrature { order: 60 })).unwrap();
    let maxdiff = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
    };
    let quad_err =
        maxdiff(&q20.delta_diag, &q30.delta_diag).max(maxdiff(&q20.currents, &q30.currents));
    let cf_err = maxdiff(&cf.delta_diag, &q30.delta_diag).max(maxdiff(&cf.currents, &q30.currents));
    assert!(quad_err < 1e-6, "quadrature not converged: {quad_err}");
    assert!(
        cf_err <= quad_err + 1e-12,
        "closed form vs order-60 quadrature {cf_err} > order 40 vs 60 {quad_err}"
    );
}

#[test]
fn erf_with_means_closed_form_agrees_with_quadrature() {
    // general model with nonzero means (rank one, [MO]-like statistics, erf): the F2 closed form
    use lowrank_model::builder::ModelBuilder;
    let mut b = ModelBuilder::new("means", Phi::Erf);
    b.population("A", 1.0).gain("A", "A", 1.3);
    b.basis("m", 1.0).basis("n", 1.0);
    b.mean("m", "A", 1.1).mean("n", "A", 2.0);
    b.term("1", "m", "n");
    let model = b.build().unwrap();
    let base = |src| DmftOptions {
        dt: 0.1,
        nt: 120,
        s0: Some(vec![0.3]),
        source: src,
        ..Default::default()
    };
    let ga = Gauss::new(16);
    let cf = run(&model, ga, &base(SourceMethod::Auto)).unwrap();
    let q20 = run(&model, ga, &base(SourceMethod::Quadrature { order: 40 })).unwrap();
    let q30 = run(&model, ga, &base(SourceMethod::Quadrature { order: 60 })).unwrap();
    assert!(
        cf.means.iter().any(|m| m.abs() > 0.1),
        "means must be nonzero for this check"
    );
    let maxdiff = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
    };
    let quad_err = maxdiff(&q20.delta_diag, &q30.delta_diag);
    let cf_err = maxdiff(&cf.delta_diag, &q30.delta_diag);
    assert!(quad_err < 1e-6, "{quad_err}");
    assert!(cf_err <= quad_err + 1e-9, "{cf_err} vs {quad_err}");
}

#[test]
fn tanh_mehler_source_agrees_with_tensor_quadrature() {
    // the Mehler source of SourceMethod::Auto (bound ≤ 1e−10 per pair) against the
    // Gauss–Hermite tensor cross-check at orders 40 and 80: it is at least as close to order 80
    // as order 40 is (the tensor rules converge towards it)
    let model = {
        cb_model(
            2,
            vec![1.4, 1.1],
            vec![0.3, 1.6, -1.2, 0.4, 0.9, -1.5, 1.1, 0.2],
        )
        .with_nonlinearity(Phi::Tanh)
    };
    let base = |src| DmftOptions {
        dt: 0.1,
        nt: 150,
        seed: 2,
        source: src,
        ..Default::default()
    };
    let mehler = run(&model, Gauss::new(40), &base(SourceMethod::Auto)).unwrap();
    let quad = |order| {
        run(
            &model,
            Gauss::new(40),
            &base(SourceMethod::Quadrature { order }),
        )
        .unwrap()
    };
    let (lo, hi) = (quad(DEFAULT_TANH_ORDER), quad(2 * DEFAULT_TANH_ORDER));
    let maxdiff = |a: &DmftResult, b: &DmftResult| {
        a.delta_diag
            .iter()
            .zip(&b.delta_diag)
            .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
    };
    let (d_quad, d_mehler) = (maxdiff(&lo, &hi), maxdiff(&mehler, &hi));
    eprintln!(
        "tanh: order {DEFAULT_TANH_ORDER} vs {}: {d_quad:e}; Mehler vs order {}: {d_mehler:e} \
         ({} of {} pairs by quadrature)",
        2 * DEFAULT_TANH_ORDER,
        2 * DEFAULT_TANH_ORDER,
        mehler.source_fallbacks,
        mehler.source_pairs
    );
    assert!(d_quad < 1e-5 && d_mehler < 1e-5);
    assert!(d_mehler <= d_quad, "{d_mehler:e} > {d_quad:e}");
    assert!(mehler.source_pairs > 0 && lo.source_pairs == 0);
}

#[test]
fn band_and_reference_ordering_converge_to_the_same_state() {
    let model = cb_model(1, vec![1.5], vec![0.0]);
    let full = run_t(&model, 0.05, 100.0, |_| {});
    let band = run_t(&model, 0.05, 100.0, |o| o.band = Some(600));
    let refo = run_t(&model, 0.05, 100.0, |o| o.reference_ordering = true);
    let j = full.nt - 1;
    // lag 600·dt = 30 ≫ correlation time: the band approximation is exact to round-off levels
    assert!((full.delta_at(j)[0] - band.delta_at(j)[0]).abs() < 1e-6);
    // the reference ordering differs by O(dt) (here Δ00 = g² for the only region: same start)
    assert!((full.delta_at(j)[0] - refo.delta_at(j)[0]).abs() < 0.05);
}

#[test]
fn hopf_currents_give_a_limit_cycle() {
    // R = 2, no disorder: a 3-cycle S^{11} → S^{21} → S^{12} → S^{11} (0-based 00 → 10 → 01 → 00)
    // with negative loop product: leading eigenvalues of T̂ are 2.5 e^{±iπ/3} = 1.25 ± 2.17i
    let mut t = vec![0.0; 8];
    t[1] = -2.5; // T^{001}: H^{00} ← S^{01}
    t[2] = 2.5; // T^{010}: H^{01} ← S^{10}
    t[4] = 2.5; // T^{100}: H^{10} ← S^{00}
    let lead = lowrank_theory::cb2025::studies::leading_eigenvalue(2, &t).unwrap();
    assert!((lead[0] - 1.25).abs() < 1e-9 && (lead[1].abs() - 2.5 * 0.75f64.sqrt()).abs() < 1e-9);
    let model = cb_model(2, vec![0.0, 0.0], t);
    let r = run_t(&model, 0.05, 125.0, |o| {
        o.s0 = Some(vec![0.5, 0.4, 0.3, 0.2])
    });
    let f = r.dominant_frequency().expect("oscillating currents");
    assert!(f > 0.0);
    assert!(
        r.classes().contains(&DynamicsClass::LimitCycle),
        "{:?}",
        r.classes()
    );
}
