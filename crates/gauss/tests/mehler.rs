//! The Mehler expansion of C_φ (`lowrank_gauss::mehler`): coefficients against closed forms and
//! independent adaptive quadrature, pair values against the erf closed form and against the
//! adaptive bivariate reference (split at the kinks), honesty of the truncation bound (true error
//! ≤ bound), the remainder, argument errors and edge cases.

use lowrank_gauss::mehler::{
    allowance, coefficients_into, coefficients_to_remainder, horner, rho_scale, Mehler,
    DEFAULT_TOLERANCE, MAX_ORDER,
};
use lowrank_gauss::reference::integrate_dz_with_breaks;
use lowrank_gauss::{erf, Gauss, GaussError, Phi};

/// Breakpoints (in z) for x = μ + σz: the kinks, and a geometric ladder around x = θ so that
/// steep smooth features at large σ are resolved by the reference (as in nonlinearities.rs).
fn breaks(phi: Phi, mu: f64, sd: f64) -> Vec<f64> {
    let mut xs: Vec<f64> = phi.kinks().collect();
    let centre = phi.threshold();
    xs.push(centre);
    for k in -3..=8 {
        let w = f64::powi(2.0, k) / phi.gain();
        xs.push(centre + w);
        xs.push(centre - w);
    }
    xs.iter().map(|x| (x - mu) / sd).collect()
}

/// ⟨h(x)⟩ over x ~ N(μ, Δ) by adaptive quadrature split at the breakpoints of φ.
fn avg(phi: Phi, mu: f64, delta: f64, h: impl Fn(f64) -> f64) -> f64 {
    if delta == 0.0 {
        return h(mu);
    }
    let sd = delta.sqrt();
    integrate_dz_with_breaks(|z| h(mu + sd * z), &breaks(phi, mu, sd))
}

/// Reference C_φ: conditioning on the variable with the larger variance,
/// x₂ | x₁ ~ N(μ₂ + Δ₁₂/Δ₁₁ (x₁ − μ₁), Δ₂₂ − Δ₁₂²/Δ₁₁), both averages adaptive.
fn reference_c_phi(phi: Phi, mu1: f64, mu2: f64, d11: f64, d22: f64, d12: f64) -> f64 {
    if d22 > d11 {
        return reference_c_phi(phi, mu2, mu1, d22, d11, d12);
    }
    let slope = d12 / d11;
    let v = (d22 - d12 * slope).max(0.0);
    avg(phi, mu1, d11, |x1| {
        phi.phi(x1) * avg(phi, mu2 + slope * (x1 - mu1), v, |x| phi.phi(x))
    })
}

/// h_k(z) = He_k(z)/√k! by the normalised recurrence.
fn hermite(k: usize, z: f64) -> f64 {
    let (mut p, mut c) = (0.0, 1.0);
    for j in 0..k {
        let next = (z * c - (j as f64).sqrt() * p) / ((j + 1) as f64).sqrt();
        p = c;
        c = next;
    }
    c
}

/// The nonlinearities of the pair tests: smooth (tanh, sigmoid builtin and as the affine tanh
/// form, softplus) and kinked (relu, hard-tanh).
fn phis() -> Vec<Phi> {
    vec![
        Phi::Tanh,
        Phi::Sigmoid,
        Phi::Tanh.affine(0.5, 0.0, 0.5, 0.5).unwrap(),
        Phi::Softplus,
        Phi::Relu,
        Phi::HardTanh,
    ]
}

#[test]
fn linear_coefficients_are_mean_and_standard_deviation() {
    // φ(μ + σz) = μ + σ h₁(z): b₀ = μ, b₁ = σ, nothing else; for c + s·x: b₀ = c + sμ, b₁ = sσ
    for (mu, delta) in [(0.0, 1.0), (0.5, 4.0), (-1.3, 0.01), (2.0, 30.0)] {
        let m = Mehler::new(Phi::Linear, mu, delta, 40).unwrap();
        let b = m.coefficients();
        let scale = (mu * mu + delta).sqrt();
        assert!((b[0] - mu).abs() <= 1e-14 * scale, "b0 {} vs {mu}", b[0]);
        assert!((b[1] - delta.sqrt()).abs() <= 1e-14 * scale, "b1 {}", b[1]);
        assert!(b[2..].iter().all(|x| x.abs() <= 1e-14 * scale), "{b:?}");
        let t = m.tail();
        assert!((t.phi2 - (mu * mu + delta)).abs() <= 1e-14 * t.phi2);
        assert!(t.remainder <= 2.0 * allowance(t.order) * t.phi2);
        // the expansion is exact: C = μ₁μ₂ + Δ₁₂ at any ρ, ρ = 1 included
        let other = Mehler::new(Phi::Linear, 0.3, 2.0, 40).unwrap();
        for rho in [-1.0, -0.4, 0.0, 0.7, 1.0] {
            let d12 = rho * (delta * 2.0f64).sqrt();
            let v = m.c_phi(&other, d12).unwrap();
            let exact = mu * 0.3 + d12;
            assert!(
                (v.value - exact).abs() <= v.bound,
                "ρ = {rho}: {v:?} vs {exact}"
            );
            assert!(v.bound <= 1e-12 * (t.phi2 * other.tail().phi2).sqrt());
        }
    }
    let affine = Phi::Linear.affine(1.0, 0.0, -2.0, 0.7).unwrap();
    let m = Mehler::new(affine, 0.4, 9.0, 8).unwrap();
    let b = m.coefficients();
    assert!((b[0] - (0.7 - 2.0 * 0.4)).abs() < 1e-14 && (b[1] + 6.0).abs() < 1e-13);
}

#[test]
fn erf_pairs_match_the_closed_form() {
    let cases = [
        (0.0, 0.0, 1.0, 1.0),
        (0.3, -0.2, 1.5, 0.8),
        (1.1, 0.4, 0.3, 2.5),
        (-0.7, 0.9, 4.0, 3.0),
    ];
    let mut accepted = 0;
    for &(mu1, mu2, d11, d22) in &cases {
        let a = Mehler::new(Phi::Erf, mu1, d11, 256).unwrap();
        let b = Mehler::new(Phi::Erf, mu2, d22, 256).unwrap();
        let scale = (a.tail().phi2 * b.tail().phi2).sqrt();
        for rho in [-0.99, -0.9, -0.3, 0.0, 0.3, 0.9, 0.99] {
            let d12 = rho * (d11 * d22).sqrt();
            let exact = erf::c_phi(mu1, mu2, d11, d22, d12);
            let v = a.c_phi(&b, d12).unwrap();
            let err = (v.value - exact).abs();
            let ctx = format!("erf ({mu1}, {mu2}, {d11}, {d22}, ρ = {rho})");
            // the closed form is accurate to ~1e−15 (F₂ by Gauss–Legendre)
            assert!(
                err <= v.bound + 1e-13 * scale,
                "{ctx}: error {err:e} > bound {:e}",
                v.bound
            );
            if let Some(w) = a.c_phi_within(&b, d12, DEFAULT_TOLERANCE).unwrap() {
                assert!(err <= 1e-10 * scale, "{ctx}: accepted with error {err:e}");
                assert_eq!(w, v);
                accepted += 1;
            }
        }
    }
    assert!(accepted >= 20, "only {accepted} of 28 pairs accepted");
}

/// ∫Dz g(z) by a brute-force fine rule independent of the crate's: for smooth g the trapezoid
/// rule with step 1/200 on [−20, 20]; with breakpoints (kinks) composite 16-point
/// Gauss–Legendre on panels of width ≤ 1/20 split at them.
fn fine_dz(g: impl Fn(f64) -> f64, kinks: &[f64]) -> f64 {
    let pdf = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    if kinks.is_empty() {
        let h = 1.0 / 200.0;
        return (-4000..=4000)
            .map(|i| {
                let z = i as f64 * h;
                h * pdf(z) * g(z)
            })
            .sum();
    }
    let gl = lowrank_gauss::GaussLegendre::new(16);
    let mut pts: Vec<f64> = kinks.iter().copied().filter(|z| z.abs() < 20.0).collect();
    pts.extend([-20.0, 20.0]);
    pts.sort_by(f64::total_cmp);
    let mut sum = 0.0;
    for w in pts.windows(2) {
        let n = ((w[1] - w[0]) * 20.0).ceil().max(1.0) as usize;
        let step = (w[1] - w[0]) / n as f64;
        for j in 0..n {
            let (a, b) = (w[0] + j as f64 * step, w[0] + (j + 1) as f64 * step);
            sum += gl.integrate(|z| pdf(z) * g(z), a, b);
        }
    }
    sum
}

#[test]
fn coefficients_match_independent_quadrature() {
    // b_k = ∫Dz φ(μ + σz) h_k(z) by (1) the independent adaptive reference, split at the kinks
    // (itself accurate to ~1e−13), and (2) a brute-force fine rule (~1e−15)
    let all: [(f64, f64); 3] = [(0.0, 1.0), (0.4, 2.5), (-1.2, 0.3)];
    let grid = if cfg!(debug_assertions) {
        &all[1..2]
    } else {
        &all[..]
    };
    let mut worst = 0.0f64;
    for phi in phis() {
        for &(mu, delta) in grid {
            let m = Mehler::new(phi, mu, delta, 96).unwrap();
            let sd = delta.sqrt();
            let t = m.tail();
            let scale = t.phi2.sqrt();
            let kinks: Vec<f64> = phi.kinks().map(|k| (k - mu) / sd).collect();
            let ks: Vec<usize> = if cfg!(debug_assertions) {
                vec![0, 1, 2, 7, 45, 90]
            } else {
                (0..=m.order()).collect()
            };
            for k in ks.into_iter().filter(|&k| k <= m.order()) {
                let b = m.coefficients()[k];
                let g = |z: f64| phi.phi(mu + sd * z) * hermite(k, z);
                let f = fine_dz(g, &kinks);
                let what = format!("{phi} (μ, Δ) = ({mu}, {delta}) b_{k}");
                assert!(
                    (b - f).abs() <= 2e-14 * scale,
                    "{what}: {b} vs fine rule {f} (diff {:e})",
                    (b - f).abs()
                );
                worst = worst.max((b - f).abs() / scale);
                if k % 15 == 0 || k < 3 {
                    // the adaptive reference is accurate to ~5e−13 absolute
                    let r = integrate_dz_with_breaks(g, &breaks(phi, mu, sd));
                    assert!(
                        (b - r).abs() <= 1e-12 * scale.max(1.0),
                        "{what}: {b} vs adaptive reference {r} (diff {:e})",
                        (b - r).abs()
                    );
                }
            }
            // ⟨φ²⟩ on the same nodes vs the accuracy-controlled moments
            let p2 = Gauss::new(64).moments(phi, mu, delta).unwrap().phi2;
            assert!(
                (t.phi2 - p2).abs() <= 1e-12 * p2,
                "{phi} ⟨φ²⟩ {} vs {p2}",
                t.phi2
            );
        }
    }
    eprintln!("worst coefficient error relative to √⟨φ²⟩: {worst:e}");
}

#[test]
fn pairs_match_the_adaptive_reference_and_bounds_are_honest() {
    // (μ₁, μ₂, Δ₁₁, Δ₂₂) × ρ, against the adaptive bivariate reference; when accepted at 1e−10
    // the value must be that accurate, and in every case the true error is within the bound
    // (plus the reference's own error, ≲ 5e−13 absolute for the nested adaptive averages; the
    // bounds of the pairs near |ρ| = 1 and of the kinked φ are far larger, see also
    // `smooth_pairs_match_a_brute_force_rule` for the ~1e−14 level)
    let all: [(f64, f64, f64, f64); 4] = [
        (0.0, 0.0, 1.0, 2.0),
        (0.5, -0.2, 0.8, 3.0),
        (1.1, 0.4, 2.5, 0.5),
        (-0.3, -0.3, 4.0, 4.0),
    ];
    let rhos_all = [0.3, -0.3, 0.9, 0.99, -0.99];
    let (grid, rhos) = if cfg!(debug_assertions) {
        (&all[1..2], &rhos_all[..4])
    } else {
        (&all[..], &rhos_all[..])
    };
    let mut worst = 0.0f64;
    for phi in phis() {
        let mut accepted = 0;
        for &(mu1, mu2, d11, d22) in grid {
            let a = Mehler::new(phi, mu1, d11, 256).unwrap();
            let b = Mehler::new(phi, mu2, d22, 256).unwrap();
            let scale = (a.tail().phi2 * b.tail().phi2).sqrt();
            for &rho in rhos {
                let d12 = rho * (d11 * d22).sqrt();
                let r = reference_c_phi(phi, mu1, mu2, d11, d22, d12);
                let v = a.c_phi(&b, d12).unwrap();
                let err = (v.value - r).abs();
                let ctx = format!("{phi} ({mu1}, {mu2}, {d11}, {d22}, ρ = {rho})");
                assert!(
                    err <= v.bound + 1e-12 * scale.max(1.0),
                    "{ctx}: error {err:e} exceeds the bound {:e}",
                    v.bound
                );
                if a.c_phi_within(&b, d12, DEFAULT_TOLERANCE)
                    .unwrap()
                    .is_some()
                {
                    assert!(err <= 1e-10 * scale, "{ctx}: accepted with error {err:e}");
                    worst = worst.max(err / scale);
                    accepted += 1;
                }
                // symmetric in the two sets
                let w = b.c_phi(&a, d12).unwrap();
                assert!((w.value - v.value).abs() <= 1e-15 * scale && w.bound == v.bound);
            }
        }
        // every smooth φ accepts every pair here, the kinked ones at least |ρ| ≤ 0.9
        let need = if phi.is_smooth() {
            grid.len() * rhos.len()
        } else {
            grid.len() * 3
        };
        assert!(
            accepted >= need,
            "{phi}: {accepted} pairs accepted, expected {need}"
        );
    }
    eprintln!("worst accepted error relative to √(⟨φ²⟩₁⟨φ²⟩₂): {worst:e}");
}

#[test]
fn smooth_pairs_match_a_brute_force_rule() {
    // C_φ = ∫Dz φ(x₁(z)) E[φ(x₂) | z] with both averages by the fine trapezoid rule of
    // `fine_dz` (~1e−15 for smooth φ): the accepted values are accurate to the bound's level
    if cfg!(debug_assertions) {
        return; // 6.4·10⁷ evaluations per pair
    }
    for phi in [Phi::Tanh, Phi::Sigmoid] {
        for &(mu1, mu2, d11, d22) in &[(0.0, 0.0, 1.0, 2.0), (0.5, -0.2, 0.8, 3.0)] {
            let a = Mehler::new(phi, mu1, d11, 256).unwrap();
            let b = Mehler::new(phi, mu2, d22, 256).unwrap();
            let scale = (a.tail().phi2 * b.tail().phi2).sqrt();
            for rho in [-0.3, 0.9, 0.99] {
                let d12 = rho * (d11 * d22).sqrt();
                let slope = d12 / d11;
                let (s1, v) = (d11.sqrt(), (d22 - d12 * slope).max(0.0).sqrt());
                let brute = fine_dz(
                    |z| {
                        let m = mu2 + slope * s1 * z;
                        phi.phi(mu1 + s1 * z) * fine_dz(|y| phi.phi(m + v * y), &[])
                    },
                    &[],
                );
                let c = a.c_phi(&b, d12).unwrap();
                let err = (c.value - brute).abs();
                assert!(
                    err <= c.bound + 1e-14 * scale,
                    "{phi} ({mu1}, {mu2}, {d11}, {d22}, ρ = {rho}): {} vs {brute}: error {err:e}, bound {:e}",
                    c.value,
                    c.bound
                );
            }
        }
    }
}

#[test]
fn remainder_bounds_the_true_tail() {
    // R(K) ≥ Σ_{K<k≤256} b_k² (the tail of a longer set), and R(K) is the Parseval remainder
    for phi in [Phi::Tanh, Phi::Relu, Phi::HardTanh] {
        for (mu, delta) in [(0.0, 3.0), (0.7, 1.0)] {
            let long = Mehler::new(phi, mu, delta, 256).unwrap();
            for k in [16, 32, 64] {
                let short = Mehler::new(phi, mu, delta, k).unwrap();
                let tail: f64 = long.coefficients()[k + 1..].iter().map(|b| b * b).sum();
                let r = short.tail().remainder;
                assert!(
                    r >= tail * (1.0 - 1e-9),
                    "{phi} ({mu}, {delta}) K = {k}: R = {r:e} < tail {tail:e}"
                );
                let p = short.tail().phi2;
                let sum: f64 = short.coefficients().iter().map(|b| b * b).sum();
                assert!((p - sum + allowance(k) * p - r).abs() <= 1e-15 * p);
            }
        }
    }
}

#[test]
fn odd_sets_and_early_stop() {
    // tanh, sigmoid at μ = 0 (φ − φ(μ) odd): even coefficients exactly 0; elsewhere not
    for phi in [Phi::Tanh, Phi::Sigmoid] {
        let m = Mehler::new(phi, 0.0, 2.0, 256).unwrap();
        assert!(m.tail().odd, "{phi}");
        assert!(m.coefficients()[2..].iter().step_by(2).all(|&b| b == 0.0));
        assert!(!Mehler::new(phi, 0.1, 2.0, 256).unwrap().tail().odd);
        // same values as a non-odd computation at a tiny offset of the mean
        let a = m.coefficients();
        let b = Mehler::new(phi, 1e-300, 2.0, 256).unwrap();
        let c = Mehler::new(phi, 1e-9, 2.0, 256).unwrap();
        assert!(!c.tail().odd);
        for (k, (&x, (&y, &w))) in a
            .iter()
            .zip(c.coefficients().iter().zip(b.coefficients()))
            .enumerate()
            .take(60)
        {
            // b_k(μ) is smooth in μ: a 1e−9 shift changes it by ≲ 1e−9
            assert!((x - y).abs() < 1e-8, "{phi} b_{k}");
            assert!((x - w).abs() < 1e-15, "{phi} b_{k}");
        }
    }
    assert!(!Mehler::new(Phi::Relu, 0.0, 1.0, 64).unwrap().tail().odd);
    // early stop: tanh at Δ = 1 converges before 256, multiples of 16; zeros beyond
    let m = Mehler::new(Phi::Tanh, 0.3, 1.0, 256).unwrap();
    let k = m.order();
    assert!(k < 256 && k.is_multiple_of(16), "order {k}");
    assert!(m.coefficients()[k + 1..].iter().all(|&b| b == 0.0));
    assert!(m.tail().remainder <= 2.0 * allowance(k) * m.tail().phi2);
    // with a target the recurrence stops earlier, with R ≤ target·⟨φ²⟩
    let mut b = vec![0.0; 257];
    let t = coefficients_to_remainder(Phi::Tanh, 0.3, 1.0, &mut b, 1e-8).unwrap();
    assert!(t.order < k && t.remainder <= 1e-8 * t.phi2, "{t:?}");
}

#[test]
fn degenerate_and_extreme_arguments() {
    // Δ = 0: b₀ = φ(μ), exact
    let z = Mehler::new(Phi::Tanh, 0.8, 0.0, 32).unwrap();
    assert_eq!(z.coefficients()[0], 0.8f64.tanh());
    assert!(z.coefficients()[1..].iter().all(|&b| b == 0.0));
    assert_eq!(z.tail().remainder, 0.0);
    let a = Mehler::new(Phi::Tanh, 0.1, 2.0, 64).unwrap();
    let v = z.c_phi(&a, 0.0).unwrap();
    let mean = Gauss::new(64).moments(Phi::Tanh, 0.1, 2.0).unwrap().phi;
    assert!((v.value - 0.8f64.tanh() * mean).abs() < 1e-14 && v.bound < 1e-13);
    // identical sets at ρ = 1: ⟨φ²⟩
    let v = a.c_phi(&a, 2.0).unwrap();
    assert_eq!(v.value, a.tail().phi2);
    // a rounding excess of Δ₁₂ over √(Δ₁₁Δ₂₂) is clipped, a real one is an error
    assert!(a.c_phi(&a, 2.0 * (1.0 + 1e-14)).is_ok());
    assert!(matches!(
        a.c_phi(&a, 2.1),
        Err(GaussError::InvalidCovariance { .. })
    ));
    assert!(matches!(
        a.c_phi(&a, f64::NAN),
        Err(GaussError::NotFinite { .. })
    ));
    // a tolerance that is not a number accepts nothing
    assert!(a.c_phi_within(&a, 0.3, f64::NAN).unwrap().is_none());
    // huge variance: the set is unresolved; pairs have an infinite bound, never NaN
    let huge = Mehler::new(Phi::Tanh, 0.0, 1e12, 64).unwrap();
    assert!(!huge.tail().is_resolved() && huge.tail().phi2.is_finite());
    let v = huge.c_phi(&a, 0.0).unwrap();
    assert!(v.bound.is_infinite() && v.value.is_finite());
    assert!(huge.c_phi_within(&a, 0.0, 1.0).unwrap().is_none());
    assert_eq!(huge.tail().acceptance_factor(64), 0.0);
    // invalid arguments
    assert!(matches!(
        Mehler::new(Phi::Tanh, f64::NAN, 1.0, 8),
        Err(GaussError::NotFinite { name: "mu", .. })
    ));
    assert!(matches!(
        Mehler::new(Phi::Tanh, 0.0, -1.0, 8),
        Err(GaussError::NegativeVariance { name: "delta", .. })
    ));
    assert!(matches!(
        Mehler::new(Phi::Tanh, 0.0, 1.0, MAX_ORDER + 1),
        Err(GaussError::InvalidOrder { .. })
    ));
    assert!(matches!(
        coefficients_into(Phi::Tanh, 0.0, 1.0, &mut []),
        Err(GaussError::InvalidOrder { .. })
    ));
    // order 0: b₀ = ⟨φ⟩ and R = ⟨φ²⟩ − ⟨φ⟩²
    let m0 = Mehler::new(Phi::Sigmoid, 0.4, 1.5, 0).unwrap();
    let mo = Gauss::new(64).moments(Phi::Sigmoid, 0.4, 1.5).unwrap();
    assert!((m0.coefficients()[0] - mo.phi).abs() < 1e-14);
    assert!((m0.tail().remainder - (mo.phi2 - mo.phi * mo.phi)).abs() < 1e-13);
}

#[test]
fn acceptance_test_matches_the_bound() {
    // |ρ| < T(K, tol)·e₁e₂ exactly when the bound is below tol·√(⟨φ²⟩₁⟨φ²⟩₂) (up to the 1e−12
    // safety margin of T)
    let a = Mehler::new(Phi::Tanh, 0.2, 3.0, 64).unwrap();
    let b = Mehler::new(Phi::Tanh, -0.1, 5.0, 64).unwrap();
    let (ta, tb) = (a.tail(), b.tail());
    assert_eq!((ta.order, tb.order), (64, 64));
    let lim = rho_scale(64, 1e-10) * ta.acceptance_factor(64) * tb.acceptance_factor(64);
    assert!(lim > 0.5 && lim < 1.0, "ρ limit {lim}");
    let scale = (ta.phi2 * tb.phi2).sqrt();
    for rho in [lim * (1.0 - 1e-9), lim * (1.0 + 1e-9)] {
        let v = a.c_phi(&b, rho * 15f64.sqrt()).unwrap();
        assert_eq!(
            v.bound <= 1e-10 * scale,
            rho < lim,
            "ρ = {rho}, bound {:e}",
            v.bound
        );
    }
    // horner is the plain sum
    let (x, y) = ([1.0, 2.0, 3.0], [0.5, -1.0, 2.0]);
    assert!((horner(&x, &y, 0.5) - (0.5 - 2.0 * 0.5 + 6.0 * 0.25)).abs() < 1e-15);
}

/// A custom φ with a kink and a zero analytic strip: unresolved, never a panic or NaN.
#[test]
fn degenerate_custom_strip_is_unresolved() {
    #[derive(Debug)]
    struct Kinked;
    impl lowrank_gauss::Nonlinearity for Kinked {
        fn name(&self) -> &'static str {
            "kinked"
        }
        fn phi(&self, x: f64) -> f64 {
            x.abs()
        }
        fn dphi(&self, x: f64) -> f64 {
            x.signum()
        }
        fn d2phi(&self, _x: f64) -> f64 {
            0.0
        }
        fn d3phi(&self, _x: f64) -> f64 {
            0.0
        }
        fn primitive(&self, x: f64) -> f64 {
            0.5 * x * x.abs()
        }
        fn kinks(&self) -> &'static [f64] {
            &[0.0]
        }
        fn analytic_strip(&self) -> f64 {
            0.0
        }
    }
    static KINKED: Kinked = Kinked;
    let m = Mehler::new(Phi::custom(&KINKED), 0.1, 1.0, 64).unwrap();
    assert!(!m.tail().is_resolved() && m.tail().phi2.is_finite());
    let v = m.c_phi(&m, 0.5).unwrap();
    assert!(v.bound.is_infinite() && v.value.is_finite());
}
