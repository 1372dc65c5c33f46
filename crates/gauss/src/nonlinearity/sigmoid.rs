//! φ(x) = 1/(1 + e^{−x}) (logistic sigmoid, a bounded positive rate).
//!
//! σ(x) = (1 + tanh(x/2))/2, so its Gaussian integrals are those of the affine form
//! ½ + ½·tanh(x/2) and use the accuracy-controlled tanh rules (moments, C_φ, E[φ′φ′]);
//! Φ(x) = ln(1 + eˣ) − ln 2.

use super::{softplus::logistic, Nonlinearity, Phi};
use crate::integrals::{Gauss, Moments};

/// φ(x) = 1/(1 + e^{−x}).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sigmoid;

/// ½ + ½·tanh(x/2), the same function as an affine tanh.
fn as_tanh() -> Phi {
    match Phi::Tanh.affine(0.5, 0.0, 0.5, 0.5) {
        Ok(p) => p,
        Err(_) => unreachable!("the constants are valid"),
    }
}

impl Nonlinearity for Sigmoid {
    fn name(&self) -> &'static str {
        "sigmoid"
    }
    // poles at ±iπ + 2ikπ, all on Re x = 0
    fn bends(&self) -> Option<&'static [f64]> {
        Some(&[0.0])
    }
    #[inline(always)]
    fn phi(&self, x: f64) -> f64 {
        logistic(x)
    }
    /// 1/(1 + q) for x ≥ 0 and q/(1 + q) for x < 0, q = e^{−|x|} by
    /// [`super::exp_progression`] (absolute error ≤ ¼·9ε + 2ε).
    fn phi_progression(&self, x0: f64, dx: f64, out: &mut [f64]) {
        super::exp_progression(x0, dx, out.len(), 1.0, |i, x, q| {
            let num = if x >= 0.0 { 1.0 } else { q };
            out[i] = num / (1.0 + q);
        });
    }
    #[inline(always)]
    fn dphi(&self, x: f64) -> f64 {
        logistic(x) * logistic(-x)
    }
    #[inline(always)]
    fn d2phi(&self, x: f64) -> f64 {
        let (s, r) = (logistic(x), logistic(-x));
        s * r * (r - s)
    }
    #[inline(always)]
    fn d3phi(&self, x: f64) -> f64 {
        let (s, r) = (logistic(x), logistic(-x));
        s * r * (1.0 - 6.0 * s * r)
    }
    #[inline(always)]
    fn primitive(&self, x: f64) -> f64 {
        x.max(0.0) + (-x.abs()).exp().ln_1p() - std::f64::consts::LN_2
    }
    fn range(&self) -> (f64, f64) {
        (0.0, 1.0)
    }
    fn analytic_strip(&self) -> f64 {
        std::f64::consts::PI
    }
    fn moments(&self, gauss: &Gauss, mu: f64, delta: f64, primitive: bool) -> Option<Moments> {
        Some(gauss.moments_checked(as_tanh(), mu, delta, primitive))
    }
    fn c_phi(&self, g: &Gauss, mu1: f64, mu2: f64, d11: f64, d22: f64, d12: f64) -> Option<f64> {
        g.c_phi(as_tanh(), mu1, mu2, d11, d22, d12).ok()
    }
    fn c_dphi(&self, g: &Gauss, mu1: f64, mu2: f64, d11: f64, d22: f64, d12: f64) -> Option<f64> {
        g.c_dphi(as_tanh(), mu1, mu2, d11, d22, d12).ok()
    }
}
