//! φ(x) = erf(√π x / 2), unit slope at 0; Gaussian integrals in closed form ([`crate::erf`]).

use super::{Nonlinearity, Parity};
use crate::erf as cf;
use crate::integrals::{Gauss, Moments, NestedSums, StationaryJet};
use std::f64::consts::PI;

/// √π / 2, the argument scale of the erf nonlinearity.
pub const ERF_SCALE: f64 = 0.886_226_925_452_758;

/// φ(x) = erf(√π x / 2).
#[derive(Clone, Copy, Debug, Default)]
pub struct Erf;

impl Nonlinearity for Erf {
    fn name(&self) -> &'static str {
        "erf"
    }
    // entire; approaches ±1 like a Gaussian tail away from 0
    fn bends(&self) -> Option<&'static [f64]> {
        Some(&[0.0])
    }
    #[inline(always)]
    fn phi(&self, x: f64) -> f64 {
        libm::erf(ERF_SCALE * x)
    }
    #[inline(always)]
    fn dphi(&self, x: f64) -> f64 {
        (-PI * x * x / 4.0).exp()
    }
    #[inline(always)]
    fn d2phi(&self, x: f64) -> f64 {
        -PI * x / 2.0 * (-PI * x * x / 4.0).exp()
    }
    #[inline(always)]
    fn d3phi(&self, x: f64) -> f64 {
        PI / 2.0 * (PI * x * x / 2.0 - 1.0) * (-PI * x * x / 4.0).exp()
    }
    /// Φ(x) = x φ(x) + (2/π)(e^{−πx²/4} − 1).
    #[inline(always)]
    fn primitive(&self, x: f64) -> f64 {
        x * self.phi(x) + 2.0 / PI * ((-PI * x * x / 4.0).exp() - 1.0)
    }
    #[inline(always)]
    fn phi_f32(&self, x: f32) -> f32 {
        libm::erff(ERF_SCALE as f32 * x)
    }
    #[inline(always)]
    fn dphi_f32(&self, x: f32) -> f32 {
        (-std::f32::consts::PI * x * x / 4.0).exp()
    }
    fn parity(&self) -> Parity {
        Parity::Odd
    }
    fn range(&self) -> (f64, f64) {
        (-1.0, 1.0)
    }
    /// All ten in closed form (⟨φφ″⟩, ⟨Φ⟩, ⟨Φ²⟩ by Stein's lemma from the others).
    fn moments(&self, _gauss: &Gauss, mu: f64, delta: f64, _primitive: bool) -> Option<Moments> {
        Some(Moments {
            phi: cf::mean_phi(mu, delta),
            dphi: cf::mean_dphi(mu, delta),
            d2phi: cf::mean_d2phi(mu, delta),
            d3phi: cf::mean_d3phi(mu, delta),
            phi2: cf::mean_phi2(mu, delta),
            dphi2: cf::mean_dphi2(mu, delta),
            phi_dphi: cf::mean_phi_dphi(mu, delta),
            phi_d2phi: cf::mean_phi_d2phi(mu, delta),
            prim: cf::mean_prim(mu, delta),
            prim2: cf::mean_prim2(mu, delta),
        })
    }
    fn mean_and_gain(&self, mu: f64, delta: f64) -> Option<(f64, f64)> {
        Some((cf::mean_phi(mu, delta), cf::mean_dphi(mu, delta)))
    }
    /// μ = 0: C, F, ∂C/∂Δ in closed form; μ ≠ 0: C and ∂C/∂Δ in closed form and
    /// F = ∫Dz [⟨Φ⟩(μ+√Δ z, Δ0−Δ)]² by 1-D quadrature of the closed-form inner mean; the jet by
    /// quadrature over z of the closed-form inner averages.
    fn stationary(
        &self,
        gauss: &Gauss,
        mu: f64,
        d0: f64,
        d: f64,
        jet: bool,
    ) -> Option<StationaryJet> {
        let (c, f, dc) = if mu == 0.0 {
            (
                cf::stationary_c(d0, d),
                cf::stationary_f_closed(d0, d) - cf::stationary_f_offset(d0),
                cf::stationary_dc(d0, d),
            )
        } else {
            (
                cf::c_phi(mu, mu, d0, d0, d),
                gauss.smooth_sum(
                    |m| {
                        let p = cf::mean_prim(m, d0 - d);
                        p * p
                    },
                    mu,
                    d,
                ),
                cf::c_dphi(mu, mu, d0, d0, d),
            )
        };
        if !jet {
            return Some(StationaryJet {
                c,
                f,
                dc,
                ..StationaryJet::default()
            });
        }
        let v = d0 - d;
        let inner = |m: f64| {
            [
                cf::mean_phi(m, v),
                cf::mean_dphi(m, v),
                cf::mean_d2phi(m, v),
                cf::mean_d3phi(m, v),
                cf::mean_prim(m, v),
            ]
        };
        let mut sums = NestedSums::default();
        let so = d.sqrt();
        if so == 0.0 {
            sums.add::<true>(1.0, inner(mu));
        } else {
            gauss.smooth_nodes(d, |z, w| sums.add::<true>(w, inner(mu + so * z)));
        }
        Some(StationaryJet {
            c,
            f,
            dc,
            ..sums.jet()
        })
    }
    fn c_phi(&self, _g: &Gauss, mu1: f64, mu2: f64, d11: f64, d22: f64, d12: f64) -> Option<f64> {
        Some(cf::c_phi(mu1, mu2, d11, d22, d12))
    }
    fn c_dphi(&self, _g: &Gauss, mu1: f64, mu2: f64, d11: f64, d22: f64, d12: f64) -> Option<f64> {
        Some(cf::c_dphi(mu1, mu2, d11, d22, d12))
    }
    /// Ψ⁻¹(ψ) = 2(1 − ψ²)/(πψ²).
    fn closed_form_source(&self) -> bool {
        true
    }
    fn gain_inverse(&self, psi: f64) -> Option<f64> {
        Some(cf::erf_gain_inverse(psi))
    }
}
