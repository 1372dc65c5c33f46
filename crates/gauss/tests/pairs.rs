//! Nested, stationary and bivariate integrals: closed forms and quadrature vs the independent
//! reference, limits, Price's theorem, bivariate = nested.

use lowrank_gauss::{erf, reference, Gauss, Phi};

fn close(a: f64, b: f64, tol: f64, ctx: &str) {
    let err = (a - b).abs() / b.abs().max(1.0);
    assert!(err <= tol, "{ctx}: {a} vs {b} (scaled error {err:e})");
}

/// (μ1, μ2, d11, d22, d12) cases: zero/nonzero means, unequal variances, negative correlation,
/// near-degenerate and degenerate |ρ| = 1, zero variances.
const BIV_CASES: [(f64, f64, f64, f64, f64); 14] = [
    (0.0, 0.0, 1.0, 1.0, 0.5),
    (0.0, 0.0, 2.0, 0.5, -0.7),
    (0.0, 0.0, 3.0, 3.0, 3.0),
    (0.0, 0.0, 3.0, 3.0, -3.0),
    (0.0, 0.0, 0.0, 2.0, 0.0),
    (0.5, -0.3, 1.0, 1.0, 0.5),
    (1.2, 0.4, 2.0, 0.5, -0.9),
    (-0.8, 1.5, 4.0, 9.0, 5.9999),
    (0.3, 0.3, 5.0, 5.0, 5.0),
    (0.3, -0.3, 5.0, 5.0, -5.0),
    (2.0, -1.0, 0.3, 7.0, -1.2),
    (1.0, 0.5, 0.0, 3.0, 0.0),
    (0.7, 0.2, 0.0, 0.0, 0.0),
    (-2.0, 3.0, 12.0, 1.5, 4.2),
];

#[test]
fn erf_c_phi_and_c_dphi_closed_forms_match_reference() {
    let g = Gauss::new(64);
    for &(m1, m2, d11, d22, d12) in &BIV_CASES {
        let ctx = format!("erf ({m1},{m2},{d11},{d22},{d12})");
        let c = g.c_phi(Phi::Erf, m1, m2, d11, d22, d12).unwrap();
        let r = reference::bivariate(
            |x| Phi::Erf.phi(x),
            |x| Phi::Erf.phi(x),
            m1,
            m2,
            d11,
            d22,
            d12,
        );
        close(c, r, 1e-10, &format!("{ctx} c_phi"));
        let c = g.c_dphi(Phi::Erf, m1, m2, d11, d22, d12).unwrap();
        let r = reference::bivariate(
            |x| Phi::Erf.dphi(x),
            |x| Phi::Erf.dphi(x),
            m1,
            m2,
            d11,
            d22,
            d12,
        );
        close(c, r, 1e-10, &format!("{ctx} c_dphi"));
    }
}

#[test]
fn tanh_and_linear_c_phi_match_reference() {
    let g = Gauss::new(64);
    for &(m1, m2, d11, d22, d12) in &BIV_CASES {
        let ctx = format!("({m1},{m2},{d11},{d22},{d12})");
        let c = g.c_phi(Phi::Tanh, m1, m2, d11, d22, d12).unwrap();
        let r = reference::bivariate(f64::tanh, f64::tanh, m1, m2, d11, d22, d12);
        close(c, r, 1e-10, &format!("tanh {ctx} c_phi"));
        let c = g.c_dphi(Phi::Tanh, m1, m2, d11, d22, d12).unwrap();
        let r = reference::bivariate(
            |x| Phi::Tanh.dphi(x),
            |x| Phi::Tanh.dphi(x),
            m1,
            m2,
            d11,
            d22,
            d12,
        );
        close(c, r, 1e-10, &format!("tanh {ctx} c_dphi"));
        let c = g.c_phi(Phi::Linear, m1, m2, d11, d22, d12).unwrap();
        close(c, m1 * m2 + d12, 1e-15, &format!("linear {ctx}"));
    }
}

#[test]
fn bivariate_generic_is_exact_for_polynomials() {
    // E[x1² x2²] = (μ1² + d11)(μ2² + d22) + 2 d12² + 4 μ1 μ2 d12 (Isserlis with means)
    let g = Gauss::new(6);
    for &(m1, m2, d11, d22, d12) in &BIV_CASES {
        let q = g
            .bivariate(|x| x * x, |y| y * y, m1, m2, d11, d22, d12)
            .unwrap();
        let exact = (m1 * m1 + d11) * (m2 * m2 + d22) + 2.0 * d12 * d12 + 4.0 * m1 * m2 * d12;
        close(
            q,
            exact,
            1e-12,
            &format!("poly ({m1},{m2},{d11},{d22},{d12})"),
        );
        let q = g.bivariate(|x| x, |y| y, m1, m2, d11, d22, d12).unwrap();
        close(q, m1 * m2 + d12, 1e-13, "E[x1 x2]");
    }
}

#[test]
fn bivariate_equals_nested_for_equal_variances() {
    // GH-200 is accurate (~1e−13) for these variances (n ≥ 300Δ), in both decompositions
    let g = Gauss::new(200);
    for (mu, d0, d) in [
        (0.0, 0.5, 0.2),
        (0.4, 0.6, 0.3),
        (-0.3, 0.5, 0.5),
        (0.2, 0.4, 0.0),
    ] {
        for phi in [Phi::Tanh, Phi::Erf] {
            let f = |x: f64| phi.phi(x);
            let b = g.bivariate(f, f, mu, mu, d0, d0, d).unwrap();
            let n = g.nested(f, mu, d0, d).unwrap();
            close(b, n, 1e-13, &format!("{phi} mu={mu} d0={d0} d={d}"));
            let c = g.c_phi(phi, mu, mu, d0, d0, d).unwrap();
            let s = g.stationary(phi, mu, d0, d).unwrap();
            close(c, s.c, 1e-12, &format!("{phi} c_phi vs stationary.c"));
        }
    }
}

/// (μ, Δ0, Δ) stationary cases.
const STAT_CASES: [(f64, f64, f64); 7] = [
    (0.0, 1.0, 0.4),
    (0.0, 5.0, 4.0),
    (0.0, 12.0, 1.0),
    (0.7, 2.0, 1.5),
    (-1.3, 6.0, 2.0),
    (0.0, 3.0, 3.0),
    (0.5, 3.0, 0.0),
];

#[test]
fn stationary_matches_reference() {
    let g = Gauss::new(64);
    for phi in [Phi::Tanh, Phi::Erf] {
        for &(mu, d0, d) in &STAT_CASES {
            let s = g.stationary(phi, mu, d0, d).unwrap();
            let ctx = format!("{phi} mu={mu} d0={d0} d={d}");
            close(
                s.c,
                reference::nested(|x| phi.phi(x), mu, d0, d),
                1e-10,
                &format!("{ctx} C"),
            );
            close(
                s.dc,
                reference::nested(|x| phi.dphi(x), mu, d0, d),
                1e-10,
                &format!("{ctx} dC"),
            );
            close(
                s.f,
                reference::nested(|x| phi.primitive(x), mu, d0, d),
                1e-10,
                &format!("{ctx} F"),
            );
        }
    }
    let s = g.stationary(Phi::Linear, 0.4, 2.0, 0.7).unwrap();
    close(
        s.c,
        reference::nested(|x| x, 0.4, 2.0, 0.7),
        1e-12,
        "linear C",
    );
    close(
        s.f,
        reference::nested(|x| 0.5 * x * x, 0.4, 2.0, 0.7),
        1e-12,
        "linear F",
    );
    assert_eq!(s.dc, 1.0);
}

#[test]
fn erf_stationary_closed_forms_and_f_convention() {
    // closed forms vs tensor-product quadrature (`nested` with Φ(0) = 0): C, ∂C/∂Δ, F and F differences
    let g = Gauss::new(64);
    for d0 in [0.3, 1.0, 4.0] {
        let s0 = g.stationary(Phi::Erf, 0.0, d0, d0).unwrap();
        let q0 = reference::nested(|x| Phi::Erf.primitive(x), 0.0, d0, d0);
        for frac in [0.0, 0.25, 0.6, 0.95, 1.0] {
            let d = frac * d0;
            let s = g.stationary(Phi::Erf, 0.0, d0, d).unwrap();
            let ctx = format!("d0={d0} d={d}");
            // closed forms as documented in docs/theory §1.10
            let k = d0 + 2.0 / std::f64::consts::PI;
            close(
                s.c,
                2.0 / std::f64::consts::PI * (d / k).asin(),
                1e-14,
                &ctx,
            );
            close(
                erf::stationary_f_closed(d0, d) - erf::stationary_f_offset(d0),
                s.f,
                1e-14,
                &ctx,
            );
            // quadrature in the same convention (GH is accurate here: 64 ≥ 300·Δ is not needed for
            // erf's moderate variances, but we compare against the reference to be safe)
            let q = reference::nested(|x| Phi::Erf.primitive(x), 0.0, d0, d);
            close(s.f, q, 1e-10, &format!("{ctx} F vs quadrature"));
            close(s0.f - s.f, q0 - q, 1e-10, &format!("{ctx} F(Δ0) − F(Δ)"));
            // F differences are the same in the closed-form (Φ̃ = Φ + 2/π) convention
            let diff_closed = erf::stationary_f_closed(d0, d0) - erf::stationary_f_closed(d0, d);
            close(
                diff_closed,
                s0.f - s.f,
                1e-13,
                &format!("{ctx} closed-convention difference"),
            );
            close(
                s.dc,
                reference::nested(|x| Phi::Erf.dphi(x), 0.0, d0, d),
                1e-10,
                &format!("{ctx} dC"),
            );
        }
    }
}

#[test]
fn nested_limits() {
    // Δ = Δ0 → ⟨f²⟩, Δ = 0 → ⟨f⟩², for generic `nested` and for `stationary`
    let g = Gauss::new(64);
    for phi in [Phi::Tanh, Phi::Erf, Phi::Linear] {
        for (mu, d0) in [(0.0, 0.15), (0.6, 0.2), (0.0, 5.0), (-1.0, 8.0)] {
            let m = g.moments(phi, mu, d0).unwrap();
            let s_top = g.stationary(phi, mu, d0, d0).unwrap();
            let s_bot = g.stationary(phi, mu, d0, 0.0).unwrap();
            let ctx = format!("{phi} mu={mu} d0={d0}");
            close(s_top.c, m.phi2, 1e-12, &format!("{ctx} C(Δ0)"));
            close(s_top.dc, m.dphi2, 1e-12, &format!("{ctx} dC(Δ0)"));
            close(s_top.f, m.prim2, 1e-11, &format!("{ctx} F(Δ0)"));
            close(s_bot.c, m.phi * m.phi, 1e-12, &format!("{ctx} C(0)"));
            close(s_bot.dc, m.dphi * m.dphi, 1e-12, &format!("{ctx} dC(0)"));
            close(s_bot.f, m.prim * m.prim, 1e-11, &format!("{ctx} F(0)"));
            if d0 <= 0.2 {
                // generic GH `nested` (accurate for small variances)
                let f = |x: f64| phi.phi(x);
                close(
                    g.nested(f, mu, d0, d0).unwrap(),
                    m.phi2,
                    1e-12,
                    &format!("{ctx} nested(Δ0)"),
                );
                close(
                    g.nested(f, mu, d0, 0.0).unwrap(),
                    m.phi * m.phi,
                    1e-12,
                    &format!("{ctx} nested(0)"),
                );
            }
        }
    }
}

#[test]
fn price_theorem_by_finite_differences() {
    // ∂C/∂Δ = dc and ∂F/∂Δ = C, central differences with step h: error O(h²) ≈ 1e−7 relative
    let g = Gauss::new(64);
    let h = 1e-4;
    for phi in [Phi::Tanh, Phi::Erf, Phi::Linear] {
        for (mu, d0, d) in [
            (0.0, 2.0, 1.0),
            (0.5, 3.0, 1.2),
            (0.0, 10.0, 7.0),
            (-0.8, 1.0, 0.3),
        ] {
            let s = g.stationary(phi, mu, d0, d).unwrap();
            let sp = g.stationary(phi, mu, d0, d + h).unwrap();
            let sm = g.stationary(phi, mu, d0, d - h).unwrap();
            let ctx = format!("{phi} mu={mu} d0={d0} d={d}");
            close(
                (sp.c - sm.c) / (2.0 * h),
                s.dc,
                1e-7,
                &format!("{ctx} dC/dΔ"),
            );
            close(
                (sp.f - sm.f) / (2.0 * h),
                s.c,
                1e-7,
                &format!("{ctx} dF/dΔ"),
            );
        }
    }
}

#[test]
fn bivariate_normal_cdf_matches_quadrature() {
    // 𝖥₂(h,k;ϱ) = ∫_{−∞}^{h} 𝖿(x) 𝖥((k − ϱx)/√(1−ϱ²)) dx by double-exponential panels of width ¼
    for (h, k, rho) in [
        (0.3, -0.2, 0.5),
        (1.0, 1.0, 0.99),
        (0.5, 0.4, 0.9999),
        (0.5, -0.4, -0.9),
        (0.0, 0.0, 0.7),
        (2.0, -1.0, -0.99999),
        (0.1, 0.1000001, 0.999999999),
        (-1.5, 2.5, 0.3),
        (3.0, 3.5, -0.2),
    ] {
        let s = (1.0f64 - rho * rho).sqrt();
        let f = |x: f64| erf::normal_pdf(x) * erf::normal_cdf((k - rho * x) / s);
        let mut r = quadrature::double_exponential::integrate(f, -40.0, -12.0, 1e-16).integral;
        let mut lo = -12.0f64;
        while lo < h {
            let hi = (lo + 0.25).min(h);
            r += quadrature::double_exponential::integrate(f, lo, hi, 1e-16).integral;
            lo = hi;
        }
        let b = erf::bvn_cdf(h, k, rho);
        assert!((b - r).abs() < 1e-13, "F2({h},{k};{rho}) = {b} vs {r}");
    }
    // degenerate ϱ = ±1: 𝖥(min(h,k)) and max(0, 𝖥(h) + 𝖥(k) − 1)
    let (h, k) = (0.4, -0.3);
    assert!((erf::bvn_cdf(h, k, 1.0) - erf::normal_cdf(k)).abs() < 1e-14);
    let lower = (erf::normal_cdf(h) + erf::normal_cdf(k) - 1.0).max(0.0);
    assert!((erf::bvn_cdf(h, k, -1.0) - lower).abs() < 1e-14);
}
