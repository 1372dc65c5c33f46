//! Independent reference quadrature for tests (cargo feature `reference`).
//!
//! Adaptive double-exponential (tanh-sinh) quadrature from the `quadrature` crate, applied to the
//! density-weighted integrand f(μ+√Δ z) e^{−z²/2}/√(2π) on unit panels of z ∈ [−9, 9] plus two
//! tail panels to ±40 (the normal density is < 1e−18 beyond |z| = 9, and the tails are still
//! integrated). This shares no code with the Gauss–Hermite and trapezoid rules, so agreement is
//! a genuine check. It is slow (≈ 10⁴ evaluations per
//! 1-D integral, their square for nested/bivariate ones): use it in tests only.
//!
//! ```
//! use lowrank_gauss::reference;
//! let m2 = reference::expect(|x| x * x, 0.5, 2.0);
//! assert!((m2 - 2.25).abs() < 1e-12);
//! ```

/// Panel boundaries in z.
const BREAKS: [f64; 21] = [
    -40.0, -9.0, -8.0, -7.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0,
    7.0, 8.0, 9.0, 40.0,
];

/// Target absolute error per panel.
const PANEL_TOL: f64 = 1e-15;

fn density(z: f64) -> f64 {
    0.398_942_280_401_432_7 * (-0.5 * z * z).exp()
}

/// ∫Dz h(z) over the panels (h need not be smooth across panel boundaries).
pub fn integrate_dz(h: impl Fn(f64) -> f64) -> f64 {
    let g = |z: f64| h(z) * density(z);
    BREAKS
        .windows(2)
        .map(|p| quadrature::double_exponential::integrate(g, p[0], p[1], PANEL_TOL).integral)
        .sum()
}

/// ∫Dz h(z) over the unit panels of [`integrate_dz`] refined by the extra breakpoints `extra`
/// (in z; those outside (−40, 40) are ignored).
pub fn integrate_dz_with_breaks(h: impl Fn(f64) -> f64, extra: &[f64]) -> f64 {
    let mut b: Vec<f64> = BREAKS
        .iter()
        .copied()
        .chain(extra.iter().copied().filter(|z| z.abs() < 40.0))
        .collect();
    b.sort_by(f64::total_cmp);
    b.dedup();
    let g = |z: f64| h(z) * density(z);
    b.windows(2)
        .map(|p| quadrature::double_exponential::integrate(g, p[0], p[1], PANEL_TOL).integral)
        .sum()
}

/// ⟨f(μ+√Δ z)⟩ for an f with a step-like feature of width `width` at x = 0 (tanh-family
/// integrands at large Δ, where a unit panel in z spans many widths in x): the panels of
/// [`integrate_dz`] are refined by breakpoints at x = 0, ±width·2^k (k = −2..=12). Δ = 0 gives f(μ).
///
/// ```
/// use lowrank_gauss::reference;
/// // ⟨tanh⟩ at μ = 0 is 0 by symmetry, at any variance
/// assert!(reference::expect_steep(f64::tanh, 0.0, 1e5, 1.0).abs() < 1e-14);
/// ```
pub fn expect_steep(f: impl Fn(f64) -> f64, mu: f64, delta: f64, width: f64) -> f64 {
    if delta == 0.0 {
        return f(mu);
    }
    let sd = delta.sqrt();
    let mut extra = vec![-mu / sd];
    for k in -2..=12 {
        let x = width * f64::powi(2.0, k);
        extra.push((x - mu) / sd);
        extra.push((-x - mu) / sd);
    }
    integrate_dz_with_breaks(|z| f(mu + sd * z), &extra)
}

/// ∫Dz [∫Dx f(μ+√(Δ₀−Δ)x+√Δ z)]² for tanh-family f at large variances: [`nested`] with the
/// breakpoints of [`expect_steep`], at width 1 for the inner average and √(1 + Δ₀ − Δ) (the
/// width of the inner average as a function of its mean) for the outer one.
pub fn nested_steep(f: impl Fn(f64) -> f64, mu: f64, delta0: f64, delta: f64) -> f64 {
    let v = (delta0 - delta).max(0.0);
    expect_steep(
        |m| {
            let i = expect_steep(&f, m, v, 1.0);
            i * i
        },
        mu,
        delta,
        (1.0 + v).sqrt(),
    )
}

/// ⟨f(μ+√Δ z)⟩ (reference for [`crate::Gauss::expect`]); Δ = 0 gives f(μ).
pub fn expect(f: impl Fn(f64) -> f64, mu: f64, delta: f64) -> f64 {
    if delta == 0.0 {
        return f(mu);
    }
    let sd = delta.sqrt();
    integrate_dz(|z| f(mu + sd * z))
}

/// ∫Dz [∫Dx f(μ+√(Δ₀−Δ)x+√Δ z)]² (reference for [`crate::Gauss::nested`]); needs 0 ≤ Δ ≤ Δ₀.
pub fn nested(f: impl Fn(f64) -> f64, mu: f64, delta0: f64, delta: f64) -> f64 {
    let v = (delta0 - delta).max(0.0);
    expect(
        |m| {
            let i = expect(&f, m, v);
            i * i
        },
        mu,
        delta,
    )
}

/// E[f(x₁)g(x₂)] for a bivariate normal (reference for [`crate::Gauss::bivariate`]), by
/// conditioning on the variable with the larger variance:
/// x₂ | x₁ ~ N(μ₂ + Δ₁₂/Δ₁₁ (x₁−μ₁), Δ₂₂ − Δ₁₂²/Δ₁₁).
pub fn bivariate(
    f: impl Fn(f64) -> f64,
    g: impl Fn(f64) -> f64,
    mu1: f64,
    mu2: f64,
    d11: f64,
    d22: f64,
    d12: f64,
) -> f64 {
    if d22 > d11 {
        return bivariate(g, f, mu2, mu1, d22, d11, d12);
    }
    if d11 == 0.0 {
        return f(mu1) * g(mu2);
    }
    let slope = d12 / d11;
    let v = (d22 - d12 * d12 / d11).max(0.0);
    expect(
        |x1| f(x1) * expect(&g, mu2 + slope * (x1 - mu1), v),
        mu1,
        d11,
    )
}
