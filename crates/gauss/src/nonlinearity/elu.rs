//! φ(x) = x for x > 0, eˣ − 1 for x ≤ 0 (exponential linear unit).
//!
//! φ and φ′ are continuous; φ″ jumps at 0 (from 1 to 0), so 0 is a kink of the integrands.
//! Primitive Φ = x²/2 for x > 0, eˣ − 1 − x for x ≤ 0. With t = μ/σ and the log-normal
//! identity E[eˣ 1{x ≤ 0}] = e^{μ+Δ/2}𝖥(−(μ + Δ)/σ):
//! ⟨φ⟩ = μ𝖥(t) + σ𝖿(t) + e^{μ+Δ/2}𝖥(−(μ + Δ)/σ) − 𝖥(−t), ⟨φ′⟩ = 𝖥(t) + e^{μ+Δ/2}𝖥(−(μ + Δ)/σ).
//! The other integrals use the kink-aware quadrature.

use super::{truncated, Nonlinearity};
use crate::erf::normal_cdf;

/// φ(x) = x (x > 0), eˣ − 1 (x ≤ 0).
#[derive(Clone, Copy, Debug, Default)]
pub struct Elu;

impl Nonlinearity for Elu {
    fn name(&self) -> &'static str {
        "elu"
    }
    #[inline(always)]
    fn phi(&self, x: f64) -> f64 {
        if x > 0.0 {
            x
        } else {
            x.exp_m1()
        }
    }
    #[inline(always)]
    fn dphi(&self, x: f64) -> f64 {
        if x > 0.0 {
            1.0
        } else {
            x.exp()
        }
    }
    #[inline(always)]
    fn d2phi(&self, x: f64) -> f64 {
        if x > 0.0 {
            0.0
        } else {
            x.exp()
        }
    }
    #[inline(always)]
    fn d3phi(&self, x: f64) -> f64 {
        self.d2phi(x)
    }
    fn primitive(&self, x: f64) -> f64 {
        if x > 0.0 {
            0.5 * x * x
        } else {
            x.exp_m1() - x
        }
    }
    #[inline(always)]
    fn phi_f32(&self, x: f32) -> f32 {
        if x > 0.0 {
            x
        } else {
            x.exp_m1()
        }
    }
    #[inline(always)]
    fn dphi_f32(&self, x: f32) -> f32 {
        if x > 0.0 {
            1.0
        } else {
            x.exp()
        }
    }
    fn kinks(&self) -> &'static [f64] {
        &[0.0]
    }
    fn range(&self) -> (f64, f64) {
        (-1.0, f64::INFINITY)
    }
    // eˣ is entire, but with the Gaussian weight its rule must resolve variations on the scale
    // of x itself: the default strip (π/2) keeps panels ≤ 1 wide in x.
    fn mean_and_gain(&self, mu: f64, delta: f64) -> Option<(f64, f64)> {
        if delta == 0.0 {
            return None;
        }
        let s = delta.sqrt();
        let upper = truncated::moments(mu, s, 0.0, f64::INFINITY);
        // E[eˣ 1{x ≤ 0}], finite only while μ + Δ/2 does not overflow
        let exp_part = (mu + 0.5 * delta).exp() * normal_cdf(-(mu + delta) / s);
        if !exp_part.is_finite() {
            return None;
        }
        let below = 1.0 - upper[0];
        Some((upper[1] + exp_part - below, upper[0] + exp_part))
    }
}
