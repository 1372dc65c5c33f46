//! Single Gaussian moments ⟨f(μ+√Δ z)⟩ against the independent adaptive reference quadrature.

use lowrank_gauss::{reference, Gauss, GaussHermite, Moments, Phi};

const MUS: [f64; 9] = [-5.0, -2.5, -1.0, -0.3, 0.0, 0.3, 1.0, 2.5, 5.0];
const DELTAS: [f64; 9] = [0.0, 0.05, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0];

/// The ten moments by the reference quadrature, from the pointwise Phi functions.
fn reference_moments(phi: Phi, mu: f64, delta: f64) -> Moments {
    let e = |f: &dyn Fn(f64) -> f64| reference::expect(f, mu, delta);
    Moments {
        phi: e(&|x| phi.phi(x)),
        dphi: e(&|x| phi.dphi(x)),
        d2phi: e(&|x| phi.d2phi(x)),
        d3phi: e(&|x| phi.d3phi(x)),
        phi2: e(&|x| phi.phi(x).powi(2)),
        dphi2: e(&|x| phi.dphi(x).powi(2)),
        phi_dphi: e(&|x| phi.phi(x) * phi.dphi(x)),
        phi_d2phi: e(&|x| phi.phi(x) * phi.d2phi(x)),
        prim: e(&|x| phi.primitive(x)),
        prim2: e(&|x| phi.primitive(x).powi(2)),
    }
}

fn fields(m: &Moments) -> [(&'static str, f64); 10] {
    [
        ("phi", m.phi),
        ("dphi", m.dphi),
        ("d2phi", m.d2phi),
        ("d3phi", m.d3phi),
        ("phi2", m.phi2),
        ("dphi2", m.dphi2),
        ("phi_dphi", m.phi_dphi),
        ("phi_d2phi", m.phi_d2phi),
        ("prim", m.prim),
        ("prim2", m.prim2),
    ]
}

/// |a − b| ≤ tol · max(1, |b|) for all ten moments; returns the worst scaled error.
fn assert_moments_close(a: &Moments, b: &Moments, tol: f64, ctx: &str) -> f64 {
    let mut worst = 0.0f64;
    for ((name, x), (_, y)) in fields(a).iter().zip(fields(b).iter()) {
        let err = (x - y).abs() / y.abs().max(1.0);
        assert!(
            err <= tol,
            "{ctx} {name}: {x} vs reference {y} (scaled error {err:e})"
        );
        worst = worst.max(err);
    }
    worst
}

#[test]
fn tanh_moments_match_reference_on_grid() {
    // all ten moments at ≤ 1e−10 for μ ∈ [−5,5], Δ ∈ [0,20] (GH where accurate and cheapest,
    // trapezoid otherwise; orders 16 and 32 exercise the GH path at small Δ)
    for order in [16, 32, 64, 200] {
        let g = Gauss::new(order);
        let mut worst = 0.0f64;
        for &mu in &MUS {
            for &delta in &DELTAS {
                let m = g.moments(Phi::Tanh, mu, delta).unwrap();
                let r = reference_moments(Phi::Tanh, mu, delta);
                let ctx = format!("tanh GH-{order} mu={mu} delta={delta}");
                worst = worst.max(assert_moments_close(&m, &r, 1e-10, &ctx));
            }
        }
        eprintln!("tanh moments, order {order}: worst scaled error {worst:e}");
    }
}

#[test]
fn plain_gh200_matches_reference_where_accurate() {
    // Plain GH-200 via `expect` for tanh, tanh², tanh′, ln cosh: ≤ 1e−10 on μ ∈ [−5,5] for
    // Δ ≤ 200/300 (the documented accuracy region of an n-point rule, n ≥ 300Δ).
    let g = Gauss::new(200);
    type Named = (&'static str, fn(f64) -> f64);
    let fs: [Named; 4] = [
        ("tanh", f64::tanh),
        ("tanh^2", |x| x.tanh().powi(2)),
        ("tanh'", |x| Phi::Tanh.dphi(x)),
        ("ln cosh", |x| Phi::Tanh.primitive(x)),
    ];
    for &mu in &MUS {
        for delta in [0.0, 0.05, 0.2, 0.4, 0.66] {
            for (name, f) in fs {
                let q = g.expect(f, mu, delta).unwrap();
                let r = reference::expect(f, mu, delta);
                assert!(
                    (q - r).abs() <= 1e-10,
                    "{name} mu={mu} delta={delta}: {q} vs {r}"
                );
            }
        }
    }
}

#[test]
fn erf_moments_closed_forms_match_reference() {
    let g = Gauss::new(200);
    let mut worst = 0.0f64;
    for &mu in &MUS {
        for &delta in &DELTAS {
            let m = g.moments(Phi::Erf, mu, delta).unwrap();
            let r = reference_moments(Phi::Erf, mu, delta);
            let ctx = format!("erf mu={mu} delta={delta}");
            worst = worst.max(assert_moments_close(&m, &r, 1e-10, &ctx));
        }
    }
    eprintln!("erf moments: worst scaled error {worst:e}");
}

#[test]
fn linear_moments_exact() {
    let g = Gauss::new(8);
    for &mu in &MUS {
        for &delta in &DELTAS {
            let m = g.moments(Phi::Linear, mu, delta).unwrap();
            let r = reference_moments(Phi::Linear, mu, delta);
            assert_moments_close(&m, &r, 1e-12, &format!("linear mu={mu} delta={delta}"));
            // and GH-8 is exact for these polynomials of degree ≤ 4
            let q = GaussHermite::cached(8).sum(|x| (0.5 * x * x).powi(2), mu, delta.sqrt());
            assert!((q - m.prim2).abs() <= 1e-12 * m.prim2.max(1.0));
        }
    }
}

#[test]
fn erf_gain_and_inverse() {
    use lowrank_gauss::erf::{erf_gain, erf_gain_inverse};
    let g = Gauss::new(200);
    for delta in [0.0, 0.1, 1.0, 7.5, 20.0] {
        let psi = erf_gain(delta);
        assert!((psi - g.moments(Phi::Erf, 0.0, delta).unwrap().dphi).abs() < 1e-15);
        assert!((psi - reference::expect(|x| Phi::Erf.dphi(x), 0.0, delta)).abs() < 1e-12);
        assert!((erf_gain_inverse(psi) - delta).abs() < 1e-12 * delta.max(1.0));
    }
}

#[test]
fn zero_variance_is_point_evaluation() {
    let g = Gauss::new(64);
    for phi in [Phi::Tanh, Phi::Erf, Phi::Linear] {
        let m = g.moments(phi, 0.7, 0.0).unwrap();
        assert!((m.phi - phi.phi(0.7)).abs() < 1e-15);
        assert!((m.d3phi - phi.d3phi(0.7)).abs() < 1e-14);
        assert!((m.prim2 - phi.primitive(0.7).powi(2)).abs() < 1e-15);
        assert_eq!(g.expect(|x| x * x, 0.7, 0.0).unwrap(), 0.7 * 0.7);
    }
}

#[test]
fn plain_gh_error_model_for_tanh() {
    // The documented error model behind the rule choice (GH_TANH_NODES_PER_VARIANCE): plain
    // n-point GH on ⟨tanh²⟩ has error ≲ 10³ e^{−π√(n/Δ)} (+ rounding), and it is far from 1e−10
    // at large Δ
    // (so `moments` must not use it there).
    let f = |x: f64| x.tanh().powi(2);
    for n in [32usize, 64, 200] {
        let gh = GaussHermite::cached(n);
        for delta in [1.0, 5.0, 20.0] {
            let err = (gh.sum(f, 0.0, f64::sqrt(delta)) - reference::expect(f, 0.0, delta)).abs();
            let model = (-std::f64::consts::PI * (n as f64 / delta).sqrt()).exp();
            assert!(
                err <= 1e3 * model + 1e-13,
                "n={n} delta={delta}: err {err:e}, model {model:e}"
            );
        }
    }
    let gh200 = GaussHermite::cached(200);
    let err20 = (gh200.sum(f, 0.0, 20f64.sqrt()) - reference::expect(f, 0.0, 20.0)).abs();
    assert!(err20 > 1e-6, "GH-200 at Δ = 20: {err20:e}");
    let m = Gauss::new(200).moments(Phi::Tanh, 0.0, 20.0).unwrap();
    assert!((m.phi2 - reference::expect(f, 0.0, 20.0)).abs() < 1e-12);
}
