//! φ(x) = max(0, tanh x) (rectified tanh: a bounded, non-negative rate with a kink at 0).
//!
//! φ′ jumps from 0 to 1 at x = 0; Φ(x) = ln cosh x for x > 0 and 0 otherwise. No closed
//! Gaussian integrals: kink-aware quadrature (split at 0, jump terms of the distributional
//! derivatives added exactly).

use super::Nonlinearity;

/// φ(x) = max(0, tanh x).
#[derive(Clone, Copy, Debug, Default)]
pub struct RectTanh;

impl Nonlinearity for RectTanh {
    fn name(&self) -> &'static str {
        "rect-tanh"
    }
    // the kink and the poles of tanh, all on Re x = 0
    fn bends(&self) -> Option<&'static [f64]> {
        Some(&[0.0])
    }
    #[inline(always)]
    fn phi(&self, x: f64) -> f64 {
        if x > 0.0 {
            x.tanh()
        } else {
            0.0
        }
    }
    #[inline(always)]
    fn dphi(&self, x: f64) -> f64 {
        if x > 0.0 {
            let t = x.tanh();
            1.0 - t * t
        } else {
            0.0
        }
    }
    #[inline(always)]
    fn d2phi(&self, x: f64) -> f64 {
        if x > 0.0 {
            let t = x.tanh();
            -2.0 * t * (1.0 - t * t)
        } else {
            0.0
        }
    }
    #[inline(always)]
    fn d3phi(&self, x: f64) -> f64 {
        if x > 0.0 {
            let t = x.tanh();
            -2.0 * (1.0 - t * t) * (1.0 - 3.0 * t * t)
        } else {
            0.0
        }
    }
    #[inline(always)]
    fn primitive(&self, x: f64) -> f64 {
        if x > 0.0 {
            x + (-2.0 * x).exp().ln_1p() - std::f64::consts::LN_2
        } else {
            0.0
        }
    }
    #[inline(always)]
    fn phi_f32(&self, x: f32) -> f32 {
        if x > 0.0 {
            x.tanh()
        } else {
            0.0
        }
    }
    fn kinks(&self) -> &'static [f64] {
        &[0.0]
    }
    fn range(&self) -> (f64, f64) {
        (0.0, 1.0)
    }
}
