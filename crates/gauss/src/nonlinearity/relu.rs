//! φ(x) = max(0, x) (threshold-linear): Gaussian integrals in closed form.
//!
//! With t = μ/σ and the truncated moments I_k = E[x^k 1{x > 0}] ([`super::truncated`]):
//! ⟨φ⟩ = I₁ = μ𝖥(t) + σ𝖿(t), ⟨φ′⟩ = ⟨φ′²⟩ = 𝖥(t), ⟨φ″⟩ = 𝖿(t)/σ (φ″ = δ(x)),
//! ⟨φ‴⟩ = −μ𝖿(t)/σ³, ⟨φ²⟩ = I₂, ⟨φφ′⟩ = I₁, ⟨φφ″⟩ = φ(0)𝖿(t)/σ = 0, Φ = x²/2 for x > 0 so
//! ⟨Φ⟩ = I₂/2, ⟨Φ²⟩ = I₄/4. At zero means the bivariate integrals are the arc-cosine kernels
//! E[φ(x₁)φ(x₂)] = σ₁σ₂(sin ϑ + (π − ϑ)cos ϑ)/(2π) and E[φ′φ′] = (π − ϑ)/(2π), ϑ = arccos ρ;
//! at other means they are exact by bivariate-normal CDFs ([`super::piecewise`]).

use super::hard_tanh::nondegenerate;
use super::piecewise::{self, Piece};
use super::{truncated, Nonlinearity};
use crate::integrals::{Gauss, Moments};
use std::f64::consts::PI;

const PIECES: [Piece; 2] = [
    Piece {
        lo: f64::NEG_INFINITY,
        hi: 0.0,
        alpha: 0.0,
        beta: 0.0,
    },
    Piece {
        lo: 0.0,
        hi: f64::INFINITY,
        alpha: 0.0,
        beta: 1.0,
    },
];

/// φ(x) = max(0, x).
#[derive(Clone, Copy, Debug, Default)]
pub struct Relu;

impl Nonlinearity for Relu {
    fn name(&self) -> &'static str {
        "relu"
    }
    // piecewise linear: straight between the kinks
    fn bends(&self) -> Option<&'static [f64]> {
        Some(&[])
    }
    #[inline(always)]
    fn phi(&self, x: f64) -> f64 {
        x.max(0.0)
    }
    #[inline(always)]
    fn dphi(&self, x: f64) -> f64 {
        if x > 0.0 {
            1.0
        } else {
            0.0
        }
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
        let p = x.max(0.0);
        0.5 * p * p
    }
    #[inline(always)]
    fn phi_f32(&self, x: f32) -> f32 {
        x.max(0.0)
    }
    #[inline(always)]
    fn dphi_f32(&self, x: f32) -> f32 {
        if x > 0.0 {
            1.0
        } else {
            0.0
        }
    }
    fn kinks(&self) -> &'static [f64] {
        &[0.0]
    }
    fn range(&self) -> (f64, f64) {
        (0.0, f64::INFINITY)
    }
    fn analytic_strip(&self) -> f64 {
        f64::INFINITY
    }
    fn moments(&self, _gauss: &Gauss, mu: f64, delta: f64, _primitive: bool) -> Option<Moments> {
        if delta == 0.0 {
            return None;
        }
        let s = delta.sqrt();
        let i = truncated::moments(mu, s, 0.0, f64::INFINITY);
        let p0 = truncated::density(mu, s, 0.0);
        Some(Moments {
            phi: i[1],
            dphi: i[0],
            d2phi: p0,
            d3phi: -mu / delta * p0,
            phi2: i[2],
            dphi2: i[0],
            phi_dphi: i[1],
            phi_d2phi: 0.0,
            prim: 0.5 * i[2],
            prim2: 0.25 * i[4],
        })
    }
    fn mean_and_gain(&self, mu: f64, delta: f64) -> Option<(f64, f64)> {
        if delta == 0.0 {
            return None;
        }
        let i = truncated::moments(mu, delta.sqrt(), 0.0, f64::INFINITY);
        Some((i[1], i[0]))
    }
    fn c_phi(&self, _g: &Gauss, mu1: f64, mu2: f64, d11: f64, d22: f64, d12: f64) -> Option<f64> {
        let (s1, s2, rho) = nondegenerate(d11, d22, d12)?;
        if mu1 == 0.0 && mu2 == 0.0 {
            let th = rho.acos();
            return Some(s1 * s2 * (th.sin() + (PI - th) * rho) / (2.0 * PI));
        }
        Some(piecewise::bivariate(&PIECES, false, mu1, mu2, s1, s2, rho))
    }
    fn c_dphi(&self, _g: &Gauss, mu1: f64, mu2: f64, d11: f64, d22: f64, d12: f64) -> Option<f64> {
        let (s1, s2, rho) = nondegenerate(d11, d22, d12)?;
        if mu1 == 0.0 && mu2 == 0.0 {
            return Some((PI - rho.acos()) / (2.0 * PI));
        }
        Some(piecewise::bivariate(&PIECES, true, mu1, mu2, s1, s2, rho))
    }
    fn closed_form_source(&self) -> bool {
        true
    }
}
