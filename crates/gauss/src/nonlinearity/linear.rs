//! φ(x) = x: the network is linear and every Gaussian integral is a polynomial moment.

use super::{Nonlinearity, Parity};
use crate::integrals::{Gauss, Moments, StationaryJet};

/// φ(x) = x.
#[derive(Clone, Copy, Debug, Default)]
pub struct Linear;

impl Nonlinearity for Linear {
    fn name(&self) -> &'static str {
        "linear"
    }
    // straight everywhere
    fn bends(&self) -> Option<&'static [f64]> {
        Some(&[])
    }
    #[inline(always)]
    fn phi(&self, x: f64) -> f64 {
        x
    }
    #[inline(always)]
    fn dphi(&self, _x: f64) -> f64 {
        1.0
    }
    #[inline(always)]
    fn d2phi(&self, _x: f64) -> f64 {
        0.0
    }
    #[inline(always)]
    fn d3phi(&self, _x: f64) -> f64 {
        0.0
    }
    #[inline(always)]
    fn primitive(&self, x: f64) -> f64 {
        0.5 * x * x
    }
    #[inline(always)]
    fn phi_f32(&self, x: f32) -> f32 {
        x
    }
    #[inline(always)]
    fn dphi_f32(&self, _x: f32) -> f32 {
        1.0
    }
    fn parity(&self) -> Parity {
        Parity::Odd
    }
    fn analytic_strip(&self) -> f64 {
        f64::INFINITY
    }
    /// Exact: ⟨x⟩ = μ, ⟨x²⟩ = μ² + Δ, ⟨Φ²⟩ = ⟨x⁴⟩/4 = (μ⁴ + 6μ²Δ + 3Δ²)/4.
    fn moments(&self, _gauss: &Gauss, mu: f64, delta: f64, _primitive: bool) -> Option<Moments> {
        let m2 = mu * mu + delta;
        Some(Moments {
            phi: mu,
            dphi: 1.0,
            d2phi: 0.0,
            d3phi: 0.0,
            phi2: m2,
            dphi2: 1.0,
            phi_dphi: mu,
            phi_d2phi: 0.0,
            prim: 0.5 * m2,
            prim2: 0.25 * (mu.powi(4) + 6.0 * mu * mu * delta + 3.0 * delta * delta),
        })
    }
    fn mean_and_gain(&self, mu: f64, _delta: f64) -> Option<(f64, f64)> {
        Some((mu, 1.0))
    }
    /// Exact: C = μ² + Δ, F = (⟨m⁴⟩ + 2v⟨m²⟩ + v²)/4 with v = Δ₀ − Δ, ∂C/∂Δ = 1.
    fn stationary(
        &self,
        _gauss: &Gauss,
        mu: f64,
        d0: f64,
        d: f64,
        _jet: bool,
    ) -> Option<StationaryJet> {
        let v = d0 - d;
        let m2 = mu * mu + d;
        let m4 = mu.powi(4) + 6.0 * mu * mu * d + 3.0 * d * d;
        Some(StationaryJet {
            c: m2,
            f: 0.25 * (m4 + 2.0 * v * m2 + v * v),
            dc: 1.0,
            c_mu: 2.0 * mu,
            c_delta0: 0.0,
            f_mu: mu * (mu * mu + 3.0 * d + v),
            f_delta0: 0.5 * (m2 + v),
            dc_mu: 0.0,
            dc_delta0: 0.0,
            dc_delta: 0.0,
        })
    }
    fn c_phi(&self, _g: &Gauss, mu1: f64, mu2: f64, _d11: f64, _d22: f64, d12: f64) -> Option<f64> {
        Some(mu1 * mu2 + d12)
    }
    fn closed_form_source(&self) -> bool {
        true
    }
    fn c_dphi(
        &self,
        _g: &Gauss,
        _mu1: f64,
        _mu2: f64,
        _d11: f64,
        _d22: f64,
        _d12: f64,
    ) -> Option<f64> {
        Some(1.0)
    }
}
