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

/// B₂ₖ/(2k + 1)! for k = 1..10 (Bernoulli numbers).
const DILOG_BERNOULLI: [f64; 10] = [
    2.777_777_777_777_777_6e-2,
    -2.777_777_777_777_778e-4,
    4.724_111_866_969_01e-6,
    -9.185_773_074_661_964e-8,
    1.897_886_998_897_1e-9,
    -4.064_761_645_144_225_6e-11,
    8.921_691_020_456_452e-13,
    -1.993_929_586_072_107_4e-14,
    4.518_980_029_619_918e-16,
    -1.035_651_761_218_124_7e-17,
];

/// Li₂(−u) for 0 ≤ u ≤ 1 given l = ln(1 + u), by the Bernoulli series
/// Li₂(z) = Σₙ Bₙ tⁿ⁺¹/(n + 1)! at t = −ln(1 − z) = −l, |t| ≤ ln 2: the terms fall like
/// (t/2π)² ≤ 0.013 per order, so ten orders reach the rounding error.
fn dilog_neg(l: f64) -> f64 {
    let t = -l;
    let t2 = t * t;
    let mut acc = 0.0;
    for c in DILOG_BERNOULLI.iter().rev() {
        acc = acc * t2 + c;
    }
    t - 0.25 * t2 + t * t2 * acc
}

/// Φ(x) given l = ln(1 + e^{−|x|}).
#[inline(always)]
fn primitive_from(x: f64, l: f64) -> f64 {
    const PI2_12: f64 = std::f64::consts::PI * std::f64::consts::PI / 12.0;
    if x <= 0.0 {
        -dilog_neg(l) - PI2_12
    } else {
        0.5 * x * x + PI2_12 + dilog_neg(l)
    }
}

impl Nonlinearity for Softplus {
    fn name(&self) -> &'static str {
        "softplus"
    }
    // branch points at iπ(2k + 1), all on Re x = 0; linear or exponentially small elsewhere
    fn bends(&self) -> Option<&'static [f64]> {
        Some(&[0.0])
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
        primitive_from(x, (-x.abs()).exp().ln_1p())
    }
    // all five from e = e^{−|x|}: σ(x) and 1 − σ(x) are 1/(1 + e) and e/(1 + e) in some order
    #[inline(always)]
    fn jet(&self, x: f64, primitive: bool) -> [f64; 5] {
        let e = (-x.abs()).exp();
        let l = e.ln_1p();
        let inv = 1.0 / (1.0 + e);
        let (s, r) = if x >= 0.0 {
            (inv, e * inv)
        } else {
            (e * inv, inv)
        };
        [
            x.max(0.0) + l,
            s,
            s * r,
            s * r * (r - s),
            if primitive { primitive_from(x, l) } else { 0.0 },
        ]
    }
    fn range(&self) -> (f64, f64) {
        (0.0, f64::INFINITY)
    }
    fn analytic_strip(&self) -> f64 {
        std::f64::consts::PI
    }
}
