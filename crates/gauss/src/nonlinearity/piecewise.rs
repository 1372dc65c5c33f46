//! Exact bivariate Gaussian integrals of piecewise-linear nonlinearities (relu, hard-tanh):
//! C_φ = E[φ(x₁)φ(x₂)] and E[φ′(x₁)φ′(x₂)] at any means, by normal and bivariate-normal CDFs
//! (docs/theory §1.10).
//!
//! Write x_i = μ_i + σ_i Z_i with (Z₁, Z₂) standard normal of correlation ρ, |ρ| < 1,
//! s = √(1 − ρ²), 𝖿/𝖥/Q the standard normal density, CDF and upper tail. On the orthant
//! A = {Z₁ > a, Z₂ > b}, with c₁ = (b − ρa)/s, c₂ = (a − ρb)/s, Stein's identity
//! E[Z₁ g] = E[∂₁g] + ρE[∂₂g] gives
//!
//! - P(A) = 𝖥₂(−a, −b; ρ),
//! - E[Z₁ 1_A] = 𝖿(a)Q(c₁) + ρ𝖿(b)Q(c₂), E[Z₂ 1_A] = 𝖿(b)Q(c₂) + ρ𝖿(a)Q(c₁),
//! - E[Z₁Z₂ 1_A] = ρP(A) + ρa𝖿(a)Q(c₁) + ρb𝖿(b)Q(c₂) + s𝖿(a)𝖿(c₁),
//!
//! (𝖿(a)𝖿(c₁) = 𝖿(b)𝖿(c₂) = e^{−(a² − 2ρab + b²)/(2s²)}/(2π)). Rectangles follow by
//! inclusion–exclusion over the orthants at the pieces' end points, and on a piece where
//! φ = α + βx, φ(x_i) = (α + βμ_i) + βσ_i Z_i.

use crate::erf::{bvn_excess, normal_cdf, normal_pdf};

/// One linear piece φ(x) = `alpha` + `beta`·x on (`lo`, `hi`) (ends may be infinite).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Piece {
    pub lo: f64,
    pub hi: f64,
    pub alpha: f64,
    pub beta: f64,
}

/// Moments of the indicator of an orthant {Z₁ > a, Z₂ > b}: [P, E[Z₁·], E[Z₂·], E[Z₁Z₂·]].
fn orthant(a: f64, b: f64, rho: f64, s: f64) -> [f64; 4] {
    if a == f64::INFINITY || b == f64::INFINITY {
        return [0.0; 4];
    }
    match (a == f64::NEG_INFINITY, b == f64::NEG_INFINITY) {
        (true, true) => [1.0, 0.0, 0.0, rho],
        (true, false) => {
            // {Z₂ > b}: E[Z₁ 1] = ρ𝖿(b), E[Z₁Z₂ 1] = ρ(Q(b) + b𝖿(b))
            let (q, f) = (normal_cdf(-b), normal_pdf(b));
            [q, rho * f, f, rho * (q + b * f)]
        }
        (false, true) => {
            let (q, f) = (normal_cdf(-a), normal_pdf(a));
            [q, f, rho * f, rho * (q + a * f)]
        }
        (false, false) => {
            let p = normal_cdf(-a) * normal_cdf(-b) + bvn_excess(-a, -b, rho);
            let (c1, c2) = ((b - rho * a) / s, (a - rho * b) / s);
            let (fa, fb) = (normal_pdf(a), normal_pdf(b));
            let (q1, q2) = (normal_cdf(-c1), normal_cdf(-c2));
            let e1 = fa * q1 + rho * fb * q2;
            let e2 = fb * q2 + rho * fa * q1;
            let e12 = rho * p + rho * a * fa * q1 + rho * b * fb * q2 + s * fa * normal_pdf(c1);
            [p, e1, e2, e12]
        }
    }
}

/// Standardised end point (x − μ)/σ, keeping ±∞.
fn standardise(x: f64, mu: f64, sigma: f64) -> f64 {
    if x.is_infinite() {
        x
    } else {
        (x - mu) / sigma
    }
}

/// Most pieces of a built-in piecewise-linear φ (the orthant grid lives on the stack).
pub(crate) const MAX_PIECES: usize = 4;

/// E[g₁(x₁)g₂(x₂)] for piecewise-linear g₁ = g₂ = φ given by contiguous `pieces` in increasing
/// order (`derivative`: the slopes only, i.e. E[φ′φ′]), x_i = μ_i + σ_i Z_i, σ_i > 0, |ρ| < 1
/// (callers route the degenerate cases elsewhere). Each orthant at a pair of end points is
/// computed once (at most (MAX_PIECES + 1)² of them; one bivariate CDF per pair of finite ends).
#[allow(clippy::too_many_arguments)]
pub(crate) fn bivariate(
    pieces: &[Piece],
    derivative: bool,
    mu1: f64,
    mu2: f64,
    s1: f64,
    s2: f64,
    rho: f64,
) -> f64 {
    debug_assert!(pieces.len() <= MAX_PIECES);
    let n = pieces.len().min(MAX_PIECES);
    let s = (1.0 - rho * rho).sqrt();
    // end points e_0 < … < e_n of the pieces, standardised for each variable
    let ends = |mu: f64, sigma: f64| -> [f64; MAX_PIECES + 1] {
        std::array::from_fn(|k| {
            if k < n {
                standardise(pieces[k].lo, mu, sigma)
            } else if k == n {
                standardise(pieces[n - 1].hi, mu, sigma)
            } else {
                f64::INFINITY
            }
        })
    };
    let (e1, e2) = (ends(mu1, s1), ends(mu2, s2));
    let mut grid = [[[0.0; 4]; MAX_PIECES + 1]; MAX_PIECES + 1];
    for i in 0..=n {
        for j in 0..=n {
            grid[i][j] = orthant(e1[i], e2[j], rho, s);
        }
    }
    let coefficients = |p: &Piece, mu: f64, sigma: f64| {
        if derivative {
            (p.beta, 0.0)
        } else {
            (p.alpha + p.beta * mu, p.beta * sigma)
        }
    };
    let mut acc = 0.0;
    for (i, p) in pieces[..n].iter().enumerate() {
        let (a1, b1) = coefficients(p, mu1, s1);
        if a1 == 0.0 && b1 == 0.0 {
            continue;
        }
        for (j, q) in pieces[..n].iter().enumerate() {
            let (a2, b2) = coefficients(q, mu2, s2);
            if a2 == 0.0 && b2 == 0.0 {
                continue;
            }
            // rectangle (e1_i, e1_{i+1}) × (e2_j, e2_{j+1}) by inclusion–exclusion
            let m: [f64; 4] = std::array::from_fn(|k| {
                grid[i][j][k] - grid[i + 1][j][k] - grid[i][j + 1][k] + grid[i + 1][j + 1][k]
            });
            acc += a1 * a2 * m[0] + b1 * a2 * m[1] + a1 * b2 * m[2] + b1 * b2 * m[3];
        }
    }
    acc
}
