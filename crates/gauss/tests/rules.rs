//! Quadrature rules: exactness on polynomials (Gauss–Hermite, Gauss–Legendre), normalisation.

use lowrank_gauss::{GaussHermite, GaussLegendre, TrapezoidRule};
use proptest::prelude::*;

/// Exact E[x^k], x ~ N(μ, Δ), k = 0..=kmax, by E[x^k] = μ E[x^{k−1}] + (k−1) Δ E[x^{k−2}]
/// (Stein's lemma), together with E[|x|^k]-scale bounds for the tolerance.
fn gaussian_moments(mu: f64, delta: f64, kmax: usize) -> Vec<f64> {
    let mut m = vec![1.0; kmax + 1];
    if kmax >= 1 {
        m[1] = mu;
    }
    for k in 2..=kmax {
        m[k] = mu * m[k - 1] + (k - 1) as f64 * delta * m[k - 2];
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// An n-point rule integrates x^k, k ≤ 2n−1, exactly: compare with the moment recurrence; the
    /// tolerance is relative to Σ w |x|^k (the conditioning of the sum) at 1e−12.
    #[test]
    fn hermite_exact_up_to_degree_2n_minus_1(n in 1usize..90, frac in 0.0f64..1.0, mu in -3.0f64..3.0, delta in 0.0f64..4.0) {
        let gh = GaussHermite::cached(n);
        let k = ((2 * n - 1) as f64 * frac).round() as usize;
        let exact = gaussian_moments(mu, delta, k)[k];
        let sd = delta.sqrt();
        let (mut q, mut scale) = (0.0, 0.0);
        for (z, w) in gh.nodes.iter().zip(&gh.weights) {
            let x: f64 = mu + sd * z;
            q += w * x.powi(k as i32);
            scale += w * x.abs().powi(k as i32);
        }
        prop_assert!((q - exact).abs() <= 1e-12 * scale.max(1e-300) + 1e-300,
            "n={} k={} mu={} delta={}: {} vs {}", n, k, mu, delta, q, exact);
    }
}

#[test]
fn hermite_high_orders_accurate() {
    // rules up to order 500: Σw = 1, E[z²] = 1, E[z⁴] = 3, E[z^{2j}] = (2j−1)!! for j ≤ 10, and the
    // exactness degree 2n−1 fails at 2n (E[z^{2n}] is not reproduced) — for a small n.
    for n in [100usize, 200, 256, 400, 401, 500] {
        let gh = GaussHermite::new(n);
        assert_eq!(gh.order(), n);
        let mut dfact = 1.0;
        for j in 0..=10 {
            if j > 0 {
                dfact *= (2 * j - 1) as f64;
            }
            let q: f64 = gh
                .nodes
                .iter()
                .zip(&gh.weights)
                .map(|(z, w)| w * z.powi(2 * j))
                .sum();
            assert!(
                (q / dfact - 1.0).abs() < 2e-14,
                "n={n} j={j}: {q} vs {dfact}"
            );
        }
        // symmetry and ordering
        for i in 0..n {
            assert_eq!(gh.nodes[i], -gh.nodes[n - 1 - i]);
            assert_eq!(gh.weights[i], gh.weights[n - 1 - i]);
            assert!(gh.weights[i] >= 0.0);
            if i > 0 {
                assert!(gh.nodes[i] > gh.nodes[i - 1]);
            }
        }
    }
    // degree 2n is not integrated exactly: E[z^6] with n = 3 gives 15 − 3! = 9
    let gh = GaussHermite::new(3);
    let q: f64 = gh
        .nodes
        .iter()
        .zip(&gh.weights)
        .map(|(z, w)| w * z.powi(6))
        .sum();
    assert!((q - 9.0).abs() < 1e-12, "{q}");
}

#[test]
fn hermite_nodes_are_roots_of_he_n() {
    // He_n(z) by the monic recurrence He_{k+1} = z He_k − k He_{k−1}, relative to its scale.
    for n in [5usize, 20, 50] {
        let gh = GaussHermite::new(n);
        for &z in &gh.nodes {
            let (mut a, mut b) = (1.0f64, z);
            let mut scale = 1.0f64;
            for k in 1..n {
                let c = z * b - k as f64 * a;
                a = b;
                b = c;
                scale = scale.max(b.abs()).max(a.abs());
            }
            assert!(b.abs() <= 1e-12 * scale, "n={n} z={z}: He_n={b}");
        }
    }
}

#[test]
fn cached_rules_are_shared() {
    let a = GaussHermite::cached(37) as *const GaussHermite;
    let b = GaussHermite::cached(37) as *const GaussHermite;
    assert_eq!(a, b);
    assert_eq!(GaussHermite::new(0).order(), 1);
}

#[test]
fn legendre_exact() {
    for n in [1usize, 2, 5, 16, 40] {
        let gl = GaussLegendre::new(n);
        for k in 0..2 * n {
            let q = gl.integrate(|x| x.powi(k as i32), 0.0, 2.0);
            let exact = 2f64.powi(k as i32 + 1) / (k + 1) as f64;
            assert!(
                (q - exact).abs() < 1e-13 * exact,
                "n={n} k={k}: {q} vs {exact}"
            );
        }
    }
}

#[test]
fn trapezoid_rule_moments() {
    // the trapezoid rule integrates x^k e^{−x²/2} to ~e^{−2π²/h²} plus the tail beyond |z| = 9:
    // check k ≤ 6 at 1e−13 relative
    for delta in [0.0, 1.0, 20.0] {
        let t = TrapezoidRule::for_variance(delta);
        assert!(t.step <= TrapezoidRule::step_for_variance(delta));
        let m = gaussian_moments(0.0, 1.0, 6);
        for (k, mk) in m.iter().enumerate() {
            let q: f64 = t
                .nodes
                .iter()
                .zip(&t.weights)
                .map(|(z, w)| w * z.powi(k as i32))
                .sum();
            assert!(
                (q - mk).abs() < 1e-13 * mk.max(1.0),
                "delta={delta} k={k}: {q} vs {}",
                m[k]
            );
        }
    }
}
