//! φ(x) = ln(1 + eˣ) (softplus, a smooth positive rate).
//!
//! φ′ = σ(x) = 1/(1 + e^{−x}), φ″ = σ(1 − σ), φ‴ = σ(1 − σ)(1 − 2σ). Primitive
//! Φ(x) = −Li₂(−eˣ) − π²/12 for x ≤ 0 and x²/2 + π²/12 + Li₂(−e^{−x}) for x > 0 (the dilogarithm
//! reflection Li₂(−y) + Li₂(−1/y) = −π²/6 − ln²(y)/2), Φ(0) = 0. No closed Gaussian integrals:
//! smooth quadrature (φ is analytic in |Im x| < π).

use super::Nonlinearity;

/// φ(x) = ln(1 + eˣ).
#[derive(Clone, Copy, Debug, Default)]
pub struct Softplus;

/// The logistic function, evaluated without overflow.
#[inline(always)]
pub(crate) fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Li₂(−u) for 0 ≤ u ≤ 1 via Li₂(z) = −Li₂(z/(z − 1)) − ln²(1 − z)/2 at z = −u, so that the
/// series Li₂(w) = Σ wᵏ/k² runs at w = u/(1 + u) ≤ 1/2 (error < 2^{−k}/k² after k terms).
fn dilog_neg(u: f64) -> f64 {
    let w = u / (1.0 + u);
    let mut term = w;
    let mut sum = 0.0;
    for k in 1..=60 {
        let kf = k as f64;
        sum += term / (kf * kf);
        term *= w;
        if term < 1e-18 * sum.abs().max(1e-300) {
            break;
        }
    }
    let l = u.ln_1p();
    -sum - 0.5 * l * l
}

impl Nonlinearity for Softplus {
    fn name(&self) -> &'static str {
        "softplus"
    }
    #[inline(always)]
    fn phi(&self, x: f64) -> f64 {
        x.max(0.0) + (-x.abs()).exp().ln_1p()
    }
    #[inline(always)]
    fn dphi(&self, x: f64) -> f64 {
        logistic(x)
    }
    #[inline(always)]
    fn d2phi(&self, x: f64) -> f64 {
        let s = logistic(x);
        s * logistic(-x)
    }
    #[inline(always)]
    fn d3phi(&self, x: f64) -> f64 {
        let (s, r) = (logistic(x), logistic(-x));
        s * r * (r - s)
    }
    fn primitive(&self, x: f64) -> f64 {
        const PI2_12: f64 = std::f64::consts::PI * std::f64::consts::PI / 12.0;
        if x <= 0.0 {
            -dilog_neg(x.exp()) - PI2_12
        } else {
            0.5 * x * x + PI2_12 + dilog_neg((-x).exp())
        }
    }
    fn range(&self) -> (f64, f64) {
        (0.0, f64::INFINITY)
    }
    fn analytic_strip(&self) -> f64 {
        std::f64::consts::PI
    }
}
