//! φ(x) = tanh x, Φ(x) = ln cosh x.
//!
//! No closed forms; its Gaussian integrals use the specialised accuracy-controlled rules of
//! [`crate::Gauss`] (Gauss–Hermite or trapezoid by variance, a geometric recurrence for e^{−2|x|}
//! along arithmetic progressions of nodes, lattice nested sums, and the saturated rules at large
//! variance; see docs/theory.md "Gaussian integrals at large variance").

use super::{Nonlinearity, Parity};
use crate::integrals::{Gauss, Moments, StationaryJet};

/// φ(x) = tanh x.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tanh;

impl Nonlinearity for Tanh {
    fn name(&self) -> &'static str {
        "tanh"
    }
    // poles at ±iπ/2 + ikπ, all on Re x = 0
    fn bends(&self) -> Option<&'static [f64]> {
        Some(&[0.0])
    }
    #[inline(always)]
    fn phi(&self, x: f64) -> f64 {
        x.tanh()
    }
    #[inline(always)]
    fn dphi(&self, x: f64) -> f64 {
        let t = x.tanh();
        1.0 - t * t
    }
    #[inline(always)]
    fn d2phi(&self, x: f64) -> f64 {
        let t = x.tanh();
        -2.0 * t * (1.0 - t * t)
    }
    #[inline(always)]
    fn d3phi(&self, x: f64) -> f64 {
        let t = x.tanh();
        -2.0 * (1.0 - t * t) * (1.0 - 3.0 * t * t)
    }
    /// ln cosh x = |x| + ln(1 + e^{−2|x|}) − ln 2 (never overflows).
    #[inline(always)]
    fn primitive(&self, x: f64) -> f64 {
        let a = x.abs();
        a + (-2.0 * a).exp().ln_1p() - std::f64::consts::LN_2
    }
    /// tanh x = sgn(x)(1 − q)/(1 + q), q = e^{−2|x|} by [`super::exp_progression`] (absolute
    /// error ≤ ½·9ε + 2ε).
    fn phi_progression(&self, x0: f64, dx: f64, out: &mut [f64]) {
        super::exp_progression(x0, dx, out.len(), 2.0, |i, x, q| {
            out[i] = ((1.0 - q) / (1.0 + q)).copysign(x);
        });
    }
    #[inline(always)]
    fn phi_f32(&self, x: f32) -> f32 {
        x.tanh()
    }
    /// Branch-free [`crate::fastmath::tanh`] (≤ 4 ulp from `f64::tanh`), vectorised.
    fn phi_in_place(&self, v: &mut [f64]) {
        for x in v {
            *x = crate::fastmath::tanh(*x);
        }
    }
    /// Branch-free [`crate::fastmath::tanh_f32`] (≤ 4 ulp), vectorised.
    fn phi_in_place_f32(&self, v: &mut [f32]) {
        for x in v {
            *x = crate::fastmath::tanh_f32(*x);
        }
    }
    #[inline(always)]
    fn dphi_f32(&self, x: f32) -> f32 {
        let t = x.tanh();
        1.0 - t * t
    }
    fn parity(&self) -> Parity {
        Parity::Odd
    }
    fn range(&self) -> (f64, f64) {
        (-1.0, 1.0)
    }
    fn moments(&self, gauss: &Gauss, mu: f64, delta: f64, primitive: bool) -> Option<Moments> {
        Some(if primitive {
            gauss.tanh_moments::<true>(mu, delta)
        } else {
            gauss.tanh_moments::<false>(mu, delta)
        })
    }
    fn stationary(
        &self,
        gauss: &Gauss,
        mu: f64,
        delta0: f64,
        delta: f64,
        jet: bool,
    ) -> Option<StationaryJet> {
        Some(if jet {
            gauss.nested_tanh::<true>(mu, delta0, delta).jet()
        } else {
            gauss.nested_tanh::<false>(mu, delta0, delta).jet()
        })
    }
    fn c_phi(
        &self,
        gauss: &Gauss,
        mu1: f64,
        mu2: f64,
        d11: f64,
        d22: f64,
        d12: f64,
    ) -> Option<f64> {
        Some(gauss.bivariate_tanh(
            |x| crate::integrals::tanh_parts(x).0,
            mu1,
            mu2,
            d11,
            d22,
            d12,
        ))
    }
    fn c_dphi(
        &self,
        gauss: &Gauss,
        mu1: f64,
        mu2: f64,
        d11: f64,
        d22: f64,
        d12: f64,
    ) -> Option<f64> {
        Some(gauss.bivariate_tanh(
            |x| crate::integrals::tanh_parts(x).1,
            mu1,
            mu2,
            d11,
            d22,
            d12,
        ))
    }
}
