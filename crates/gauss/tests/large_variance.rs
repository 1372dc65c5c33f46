//! tanh integrals at large variance (the bounded-cost saturated rules above
//! `SATURATED_MIN_VARIANCE`) against the independent adaptive reference quadrature, finite
//! differences, closed-form saturated limits, and bounded node counts.
//!
//! Tolerances: the rules are designed for ≤ 1e−14 relative error (saturation beyond |x| = 18:
//! ≤ 4e^{−36} ≈ 1e−15; Gauss–Legendre panels ∝ ρ^{−32} ≈ 1e−17, see the crate docs), the
//! reference for ~1e−15 per panel; summing ≈ 300 terms of size ≤ the scale adds ≈ 300ε. So every
//! quantity must agree to 1e−12 × max(1, scale), the scale being the quantity's natural size
//! (1 for ⟨φ⟩, ⟨φ′⟩, …; μ² + Δ for ⟨Φ²⟩ and F; |μ| + √Δ for ⟨Φ⟩).

use lowrank_gauss::{reference, Gauss, Moments, Phi, StationaryJet};
use std::f64::consts::LN_2;

const TOL: f64 = 1e-12;
const DELTAS: [f64; 5] = [20.0, 100.0, 1e3, 1e4, 1e5];

fn mus(delta: f64) -> [f64; 3] {
    // zero, moderate, and large (well into the saturated region of tanh)
    [0.0, 2.5, -(2.0 * delta.sqrt() + 10.0)]
}

/// The ten moments by the reference quadrature (breakpoints around the tanh step).
fn reference_moments(mu: f64, delta: f64) -> Moments {
    let e = |f: &dyn Fn(f64) -> f64| reference::expect_steep(f, mu, delta, 1.0);
    let p = Phi::Tanh;
    Moments {
        phi: e(&|x| p.phi(x)),
        dphi: e(&|x| p.dphi(x)),
        d2phi: e(&|x| p.d2phi(x)),
        d3phi: e(&|x| p.d3phi(x)),
        phi2: e(&|x| p.phi(x).powi(2)),
        dphi2: e(&|x| p.dphi(x).powi(2)),
        phi_dphi: e(&|x| p.phi(x) * p.dphi(x)),
        phi_d2phi: e(&|x| p.phi(x) * p.d2phi(x)),
        prim: e(&|x| p.primitive(x)),
        prim2: e(&|x| p.primitive(x).powi(2)),
    }
}

/// Scaled error |a − b| / max(1, scale).
fn scaled(a: f64, b: f64, scale: f64) -> f64 {
    (a - b).abs() / scale.max(1.0)
}

#[test]
fn moments_match_reference_at_large_variance() {
    let g = Gauss::new(200);
    println!("moments: max scaled error vs reference");
    for delta in DELTAS.into_iter().chain([1e6]) {
        let mut worst: f64 = 0.0;
        for mu in mus(delta).into_iter().chain([1e3, -4e4]) {
            let m = g.moments(Phi::Tanh, mu, delta).unwrap();
            let r = reference_moments(mu, delta);
            let s1 = mu.abs() + delta.sqrt();
            let s2 = mu * mu + delta;
            for (name, a, b, scale) in [
                ("phi", m.phi, r.phi, 1.0),
                ("dphi", m.dphi, r.dphi, 1.0),
                ("d2phi", m.d2phi, r.d2phi, 1.0),
                ("d3phi", m.d3phi, r.d3phi, 1.0),
                ("phi2", m.phi2, r.phi2, 1.0),
                ("dphi2", m.dphi2, r.dphi2, 1.0),
                ("phi_dphi", m.phi_dphi, r.phi_dphi, 1.0),
                ("phi_d2phi", m.phi_d2phi, r.phi_d2phi, 1.0),
                ("prim", m.prim, r.prim, s1),
                ("prim2", m.prim2, r.prim2, s2),
            ] {
                let err = scaled(a, b, scale);
                assert!(
                    err <= TOL,
                    "Δ = {delta}, μ = {mu}, {name}: {a} vs reference {b} (scaled error {err:e})"
                );
                worst = worst.max(err);
            }
            // the fast variant without Φ agrees with the full pass
            let w = g.moments_without_primitive(Phi::Tanh, mu, delta).unwrap();
            assert!((w.phi2 - m.phi2).abs() <= 1e-15 && (w.d3phi - m.d3phi).abs() <= 1e-15);
        }
        println!("  Δ = {delta:>8e}: {worst:.2e}");
    }
}

/// C, F, ∂C/∂Δ against the reference at Δ0 for the ratios Δ/Δ0 ∈ {0, 0.3, 0.9, 1}; returns the
/// worst scaled error.
fn stationary_vs_reference(d0: f64) -> f64 {
    let g = Gauss::new(200);
    let mut worst: f64 = 0.0;
    for mu in mus(d0) {
        for ratio in [0.0, 0.3, 0.9, 1.0] {
            let d = ratio * d0;
            let s = g.stationary(Phi::Tanh, mu, d0, d).unwrap();
            let p = Phi::Tanh;
            let rc = reference::nested_steep(|x| p.phi(x), mu, d0, d);
            let rf = reference::nested_steep(|x| p.primitive(x), mu, d0, d);
            let rdc = reference::nested_steep(|x| p.dphi(x), mu, d0, d);
            for (name, a, b, scale) in [
                ("C", s.c, rc, 1.0),
                ("F", s.f, rf, mu * mu + d0),
                ("dC", s.dc, rdc, 1.0),
            ] {
                let err = scaled(a, b, scale);
                assert!(
                    err <= TOL,
                    "Δ0 = {d0}, Δ = {d}, μ = {mu}, {name}: {a} vs reference {b} (scaled error {err:e})"
                );
                worst = worst.max(err);
            }
        }
    }
    println!("stationary Δ0 = {d0:>8e}: max scaled error {worst:.2e}");
    worst
}

#[test]
fn stationary_matches_reference_delta0_20() {
    stationary_vs_reference(DELTAS[0]);
}

#[test]
fn stationary_matches_reference_delta0_100() {
    stationary_vs_reference(DELTAS[1]);
}

#[test]
fn stationary_matches_reference_delta0_1e3() {
    stationary_vs_reference(DELTAS[2]);
}

#[test]
fn stationary_matches_reference_delta0_1e4() {
    stationary_vs_reference(DELTAS[3]);
}

#[test]
fn stationary_matches_reference_delta0_1e5() {
    stationary_vs_reference(DELTAS[4]);
}

/// Five-point central difference (f(−2h) − 8f(−h) + 8f(h) − f(2h))/(12h): truncation
/// h⁴ f⁽⁵⁾/30.
fn diff5(f: impl Fn(f64) -> f64, h: f64) -> f64 {
    (f(-2.0 * h) - 8.0 * f(-h) + 8.0 * f(h) - f(2.0 * h)) / (12.0 * h)
}

#[test]
fn stationary_jet_matches_finite_differences_at_large_variance() {
    // Steps h = 0.02 × the scale ℓ on which the values vary (√(1 + Δ0) in μ; min(Δ, Δ0 − Δ) in
    // the variances): five-point truncation ≈ (h/ℓ)⁴ ≈ 2e−7 relative to |value|/ℓ, rounding and
    // quadrature noise ≈ 1e−14/(h/ℓ) ≈ 1e−12. So 1e−5 × max(1, value scale)/ℓ is a derived,
    // safe bound for each derivative.
    let g = Gauss::new(200);
    for d0 in [100.0, 1e3, 1e4, 1e5] {
        for mu in mus(d0) {
            for ratio in [0.3, 0.9] {
                let d = ratio * d0;
                let j: StationaryJet = g.stationary_jet(Phi::Tanh, mu, d0, d).unwrap();
                let s = g.stationary(Phi::Tanh, mu, d0, d).unwrap();
                // the values of the jet are those of `stationary`
                assert_eq!((j.c, j.f, j.dc), (s.c, s.f, s.dc));
                let st = |m: f64, a: f64, b: f64| g.stationary(Phi::Tanh, m, a, b).unwrap();
                let lmu = (1.0 + d0).sqrt();
                let lvar = d.min(d0 - d);
                let (hmu, hv) = (0.02 * lmu, 0.02 * lvar);
                let fscale = mu * mu + d0;
                let ctx = format!("(μ, Δ0, Δ) = ({mu}, {d0}, {d})");
                let check = |name: &str, a: f64, b: f64, scale: f64, ell: f64| {
                    let err = (a - b).abs() * ell / scale.max(1.0);
                    assert!(
                        err <= 1e-5,
                        "{ctx} {name}: jet {a} vs finite difference {b} (scaled error {err:e})"
                    );
                };
                let dmu = |f: &dyn Fn(lowrank_gauss::Stationary) -> f64| {
                    diff5(|h| f(st(mu + h, d0, d)), hmu)
                };
                let dd0 = |f: &dyn Fn(lowrank_gauss::Stationary) -> f64| {
                    diff5(|h| f(st(mu, d0 + h, d)), hv)
                };
                let dd = |f: &dyn Fn(lowrank_gauss::Stationary) -> f64| {
                    diff5(|h| f(st(mu, d0, d + h)), hv)
                };
                check("∂C/∂μ", j.c_mu, dmu(&|x| x.c), 1.0, lmu);
                check("∂C/∂Δ0", j.c_delta0, dd0(&|x| x.c), 1.0, lvar);
                check("∂C/∂Δ", j.dc, dd(&|x| x.c), 1.0, lvar);
                check("∂F/∂μ", j.f_mu, dmu(&|x| x.f), fscale, lmu);
                check("∂F/∂Δ0", j.f_delta0, dd0(&|x| x.f), fscale, lvar);
                check("∂F/∂Δ = C", j.c, dd(&|x| x.f), fscale, lvar);
                check("∂²C/∂Δ∂μ", j.dc_mu, dmu(&|x| x.dc), 1.0, lmu);
                check("∂²C/∂Δ∂Δ0", j.dc_delta0, dd0(&|x| x.dc), 1.0, lvar);
                check("∂²C/∂Δ²", j.dc_delta, dd(&|x| x.dc), 1.0, lvar);
            }
        }
    }
}

#[test]
fn stationary_jet_at_equal_variances_is_single_moments_at_large_variance() {
    // At Δ = Δ0 the inner averages are point values (independent of the nested code paths):
    // C = ⟨φ²⟩, ∂C/∂μ = 2⟨φφ′⟩, ∂C/∂Δ0 + ∂C/∂Δ = ⟨φ′²⟩ + ⟨φφ″⟩, F = ⟨Φ²⟩.
    let g = Gauss::new(200);
    for d in [50.0, 1e3, 1e5, 1e6] {
        for mu in [0.0, 3.0, -(3.0 * f64::sqrt(d))] {
            let j = g.stationary_jet(Phi::Tanh, mu, d, d).unwrap();
            let m = g.moments(Phi::Tanh, mu, d).unwrap();
            let ctx = format!("μ = {mu}, Δ0 = Δ = {d}");
            assert!(scaled(j.c, m.phi2, 1.0) <= TOL, "{ctx} C");
            assert!(scaled(j.f, m.prim2, mu * mu + d) <= TOL, "{ctx} F");
            assert!(scaled(j.c_mu, 2.0 * m.phi_dphi, 1.0) <= TOL, "{ctx} ∂C/∂μ");
            assert!(
                scaled(j.c_delta0 + j.dc, m.dphi2 + m.phi_d2phi, 1.0) <= TOL,
                "{ctx} d⟨φ²⟩/dΔ"
            );
        }
    }
}

#[test]
fn saturated_limits_for_huge_means() {
    // For |μ| far beyond every width, tanh = sgn μ everywhere that matters: ⟨φ⟩ = ±1,
    // ⟨φ′⟩ = 0, ⟨Φ⟩ = |μ| − ln 2, ⟨Φ²⟩ = (|μ| − ln 2)² + Δ, C = 1, ∂C/∂Δ = 0,
    // F = (|μ| − ln 2)² + Δ (B(m) = |m| − ln 2 for every relevant m), ∂F/∂μ = 2 sgn μ (|μ| − ln 2).
    let g = Gauss::new(200);
    for &(mu, delta) in &[
        (1e6f64, 1e4f64),
        (-1e6, 1e6),
        (1e150, 1e6),
        (-1e150, 30.0),
        (5e4, 1e5),
    ] {
        let ctx = format!("μ = {mu:e}, Δ = {delta:e}");
        let sgn = mu.signum();
        let p = mu.abs() - LN_2;
        let m = g.moments(Phi::Tanh, mu, delta).unwrap();
        assert_eq!(m.phi, sgn, "{ctx} ⟨φ⟩");
        assert_eq!(m.dphi, 0.0, "{ctx} ⟨φ′⟩");
        assert!((m.prim - p).abs() <= 1e-15 * p, "{ctx} ⟨Φ⟩ {}", m.prim);
        let p2 = p * p + delta;
        assert!((m.prim2 - p2).abs() <= 1e-15 * p2, "{ctx} ⟨Φ²⟩ {}", m.prim2);
        for ratio in [0.0, 0.5, 1.0] {
            let j = g
                .stationary_jet(Phi::Tanh, mu, 1.5 * delta, ratio * 1.5 * delta)
                .unwrap();
            let f = p * p + ratio * 1.5 * delta;
            assert_eq!(j.c, 1.0, "{ctx} C");
            assert_eq!(j.dc, 0.0, "{ctx} ∂C/∂Δ");
            assert!((j.f - f).abs() <= 1e-14 * f, "{ctx} F {} vs {f}", j.f);
            assert!(
                (j.f_mu - 2.0 * sgn * p).abs() <= 1e-14 * p,
                "{ctx} ∂F/∂μ {}",
                j.f_mu
            );
            assert!(j.c_mu == 0.0 && j.c_delta0 == 0.0 && j.f_delta0 == 0.0);
        }
    }
}

#[test]
fn node_counts_stay_bounded() {
    // The saturated rules: ≤ 288 core nodes for single moments; for nested integrals ≤ 27 outer
    // panels × 16 nodes × 288 inner nodes, whatever Δ and μ (the trapezoid rules would need
    // ≈ 72√Δ nodes and ≈ 72²√(Δ(Δ0 − Δ)) pairs).
    let g = Gauss::new(200);
    let mut worst_pairs = 0;
    for delta in [30.0, 1e2, 1e3, 1e4, 1e5, 1e6, 1e8, 1e12] {
        for mu in [0.0, 7.0, -1e3, 1e6, 1e150] {
            let n = g.moments_tanh_nodes(mu, delta).unwrap();
            if delta >= 100.0 {
                assert!(n <= 288, "Δ = {delta}, μ = {mu}: {n} nodes");
            }
            for ratio in [0.0, 0.01, 0.3, 0.9, 0.999, 1.0] {
                let pairs = g.stationary_tanh_pairs(mu, delta, ratio * delta).unwrap();
                if delta >= 1e4 {
                    assert!(
                        pairs <= 27 * 16 * 288,
                        "Δ0 = {delta}, Δ/Δ0 = {ratio}, μ = {mu}: {pairs} pairs"
                    );
                    worst_pairs = worst_pairs.max(pairs);
                }
            }
        }
    }
    println!("worst (outer, inner) pairs for Δ0 ≥ 1e4: {worst_pairs}");
    // below the switch the trapezoid rule (≈ 72√Δ nodes) is kept unchanged
    assert!(g.moments_tanh_nodes(0.3, 20.0).unwrap() > 288);
}
