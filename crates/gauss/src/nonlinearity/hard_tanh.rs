//! φ(x) = clamp(x, −1, 1): Gaussian integrals in closed form.
//!
//! Three pieces: −1 on (−∞, −1), x on (−1, 1), 1 on (1, ∞); Φ = −x − ½, x²/2, x − ½. With the
//! truncated moments L_k, M_k, H_k of the three pieces ([`super::truncated`]) and the densities
//! p(±1) of x at the kinks: ⟨φ⟩ = −L₀ + M₁ + H₀, ⟨φ′⟩ = ⟨φ′²⟩ = M₀, ⟨φ″⟩ = p(−1) − p(1),
//! ⟨φ‴⟩ = ((−1 − μ)p(−1) − (1 − μ)p(1))/Δ, ⟨φ²⟩ = L₀ + M₂ + H₀, ⟨φφ′⟩ = M₁,
//! ⟨φφ″⟩ = −p(−1) − p(1), ⟨Φ⟩ = −L₁ − L₀/2 + M₂/2 + H₁ − H₀/2,
//! ⟨Φ²⟩ = L₂ + L₁ + L₀/4 + M₄/4 + H₂ − H₁ + H₀/4. The bivariate C_φ and E[φ′φ′] are exact
//! at any means by bivariate-normal CDFs over the 3 × 3 rectangles ([`super::piecewise`]).

use super::piecewise::{self, Piece};
use super::{truncated, Nonlinearity, Parity};
use crate::integrals::{Gauss, Moments};

const PIECES: [Piece; 3] = [
    Piece {
        lo: f64::NEG_INFINITY,
        hi: -1.0,
        alpha: -1.0,
        beta: 0.0,
    },
    Piece {
        lo: -1.0,
        hi: 1.0,
        alpha: 0.0,
        beta: 1.0,
    },
    Piece {
        lo: 1.0,
        hi: f64::INFINITY,
        alpha: 1.0,
        beta: 0.0,
    },
];

/// (σ₁, σ₂, ρ) when the pair is non-degenerate (σ_i > 0, |ρ| < 1 − 1e−12), else `None` (the
/// generic kink-aware quadrature handles the degenerate limits).
pub(super) fn nondegenerate(d11: f64, d22: f64, d12: f64) -> Option<(f64, f64, f64)> {
    let (s1, s2) = (d11.sqrt(), d22.sqrt());
    if s1 == 0.0 || s2 == 0.0 {
        return None;
    }
    let rho = d12 / (s1 * s2);
    (rho.abs() < 1.0 - 1e-12).then_some((s1, s2, rho))
}

/// φ(x) = clamp(x, −1, 1).
#[derive(Clone, Copy, Debug, Default)]
pub struct HardTanh;

impl Nonlinearity for HardTanh {
    fn name(&self) -> &'static str {
        "hard-tanh"
    }
    // piecewise linear: straight between the kinks
    fn bends(&self) -> Option<&'static [f64]> {
        Some(&[])
    }
    #[inline(always)]
    fn phi(&self, x: f64) -> f64 {
        x.clamp(-1.0, 1.0)
    }
    #[inline(always)]
    fn dphi(&self, x: f64) -> f64 {
        if x.abs() < 1.0 {
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
        let a = x.abs();
        if a <= 1.0 {
            0.5 * x * x
        } else {
            a - 0.5
        }
    }
    #[inline(always)]
    fn phi_f32(&self, x: f32) -> f32 {
        x.clamp(-1.0, 1.0)
    }
    #[inline(always)]
    fn dphi_f32(&self, x: f32) -> f32 {
        if x.abs() < 1.0 {
            1.0
        } else {
            0.0
        }
    }
    fn kinks(&self) -> &'static [f64] {
        &[-1.0, 1.0]
    }
    fn parity(&self) -> Parity {
        Parity::Odd
    }
    fn range(&self) -> (f64, f64) {
        (-1.0, 1.0)
    }
    fn analytic_strip(&self) -> f64 {
        f64::INFINITY
    }
    fn moments(&self, _gauss: &Gauss, mu: f64, delta: f64, _primitive: bool) -> Option<Moments> {
        if delta == 0.0 {
            return None;
        }
        let s = delta.sqrt();
        let l = truncated::moments(mu, s, f64::NEG_INFINITY, -1.0);
        let m = truncated::moments(mu, s, -1.0, 1.0);
        let h = truncated::moments(mu, s, 1.0, f64::INFINITY);
        let (pm, pp) = (
            truncated::density(mu, s, -1.0),
            truncated::density(mu, s, 1.0),
        );
        Some(Moments {
            phi: -l[0] + m[1] + h[0],
            dphi: m[0],
            d2phi: pm - pp,
            d3phi: ((-1.0 - mu) * pm - (1.0 - mu) * pp) / delta,
            phi2: l[0] + m[2] + h[0],
            dphi2: m[0],
            phi_dphi: m[1],
            phi_d2phi: -pm - pp,
            prim: -l[1] - 0.5 * l[0] + 0.5 * m[2] + h[1] - 0.5 * h[0],
            prim2: l[2] + l[1] + 0.25 * l[0] + 0.25 * m[4] + h[2] - h[1] + 0.25 * h[0],
        })
    }
    fn mean_and_gain(&self, mu: f64, delta: f64) -> Option<(f64, f64)> {
        if delta == 0.0 {
            return None;
        }
        let s = delta.sqrt();
        let l = truncated::moments(mu, s, f64::NEG_INFINITY, -1.0);
        let m = truncated::moments(mu, s, -1.0, 1.0);
        let h = truncated::moments(mu, s, 1.0, f64::INFINITY);
        Some((-l[0] + m[1] + h[0], m[0]))
    }
    fn c_phi(&self, _g: &Gauss, mu1: f64, mu2: f64, d11: f64, d22: f64, d12: f64) -> Option<f64> {
        let (s1, s2, rho) = nondegenerate(d11, d22, d12)?;
        Some(piecewise::bivariate(&PIECES, false, mu1, mu2, s1, s2, rho))
    }
    fn c_dphi(&self, _g: &Gauss, mu1: f64, mu2: f64, d11: f64, d22: f64, d12: f64) -> Option<f64> {
        let (s1, s2, rho) = nondegenerate(d11, d22, d12)?;
        Some(piecewise::bivariate(&PIECES, true, mu1, mu2, s1, s2, rho))
    }
    fn closed_form_source(&self) -> bool {
        true
    }
}
