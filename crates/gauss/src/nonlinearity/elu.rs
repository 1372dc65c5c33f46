//! φ(x) = x for x > 0, eˣ − 1 for x ≤ 0 (exponential linear unit).
//!
//! φ and φ′ are continuous; φ″ jumps at 0 (from 1 to 0), so 0 is a kink of the integrands.
//! Primitive Φ = x²/2 for x > 0, eˣ − 1 − x for x ≤ 0.
//!
//! Every single average is exact: with U_j = E[x^j 1{x > 0}] (truncated moments) and
//! L_{k,j} = E[e^{kx} x^j 1{x ≤ 0}] = e^{kμ+k²Δ/2} E[y^j 1{y ≤ 0}], y ~ N(μ + kΔ, Δ) (the
//! exponential tilt), ⟨φ⟩ = U₁ + L₁₀ − L₀₀, ⟨φ′⟩ = U₀ + L₁₀, ⟨φ″⟩ = L₁₀, ⟨φ‴⟩ = L₁₀ − p(0)
//! (φ″ jumps by −1 at 0), ⟨φ²⟩ = U₂ + L₂₀ − 2L₁₀ + L₀₀, ⟨φ′²⟩ = U₀ + L₂₀,
//! ⟨φφ′⟩ = U₁ + L₂₀ − L₁₀, ⟨φφ″⟩ = L₂₀ − L₁₀, ⟨Φ⟩ = U₂/2 + L₁₀ − L₀₀ − L₀₁,
//! ⟨Φ²⟩ = U₄/4 + L₂₀ + L₀₀ + L₀₂ − 2L₁₀ − 2L₁₁ + 2L₀₁. The tilt factor overflows at large Δ
//! while the tail probability underflows, so L_{k,0} = 𝖿(μ/σ)·R(t_k) with t_k = (μ + kΔ)/σ and
//! the Mills ratio R(t) = Q(t)/𝖿(t) when t_k > 0 (e^{kμ+k²Δ/2}𝖿(t_k) = 𝖿(μ/σ)); then
//! L_{k,1} = (μ + kΔ)L_{k,0} − σ𝖿(μ/σ) and L_{k,2} = (μ + kΔ)L_{k,1} + ΔL_{k,0}. The bivariate
//! integrals use the kink-aware quadrature.

use super::{truncated, Nonlinearity};
use crate::erf::{normal_cdf, normal_pdf};
use crate::integrals::{Gauss, Moments};

/// Mills ratio R(t) = Q(t)/𝖿(t) for t ≥ 0: directly while 𝖿(t) is far from underflow, else the
/// continued fraction R = 1/(t + 1/(t + 2/(t + 3/(t + …)))) (converges fast for large t).
fn mills(t: f64) -> f64 {
    if t < 30.0 {
        return normal_cdf(-t) / normal_pdf(t);
    }
    let mut r = t;
    for k in (1..=40).rev() {
        r = t + k as f64 / r;
    }
    1.0 / r
}

/// [L_{k,0}, L_{k,1}, L_{k,2}] = E[e^{kx} x^j 1{x ≤ 0}], x ~ N(μ, σ²), without overflow.
fn tilted(k: f64, mu: f64, sigma: f64) -> [f64; 3] {
    let delta = sigma * sigma;
    let m = mu + k * delta;
    let t = m / sigma;
    let (l0, edge) = if t > 0.0 {
        let f0 = normal_pdf(mu / sigma);
        (f0 * mills(t), f0)
    } else {
        // μ + kΔ ≤ 0 ⇒ kμ + k²Δ/2 ≤ −k²Δ/2: the factor cannot overflow
        let scale = (k * mu + 0.5 * k * k * delta).exp();
        (scale * normal_cdf(-t), scale * normal_pdf(t))
    };
    let l1 = m * l0 - sigma * edge;
    let l2 = m * l1 + delta * l0;
    [l0, l1, l2]
}

/// φ(x) = x (x > 0), eˣ − 1 (x ≤ 0).
#[derive(Clone, Copy, Debug, Default)]
pub struct Elu;

impl Nonlinearity for Elu {
    fn name(&self) -> &'static str {
        "elu"
    }
    // linear, or eˣ − 1 approaching −1 exponentially: bends only near the kink
    fn bends(&self) -> Option<&'static [f64]> {
        Some(&[0.0])
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
    fn moments(&self, _gauss: &Gauss, mu: f64, delta: f64, _primitive: bool) -> Option<Moments> {
        if delta == 0.0 {
            return None;
        }
        let s = delta.sqrt();
        let u = truncated::moments(mu, s, 0.0, f64::INFINITY);
        let l0 = tilted(0.0, mu, s);
        let l1 = tilted(1.0, mu, s);
        let l2 = tilted(2.0, mu, s);
        let p0 = truncated::density(mu, s, 0.0);
        Some(Moments {
            phi: u[1] + l1[0] - l0[0],
            dphi: u[0] + l1[0],
            d2phi: l1[0],
            d3phi: l1[0] - p0,
            phi2: u[2] + l2[0] - 2.0 * l1[0] + l0[0],
            dphi2: u[0] + l2[0],
            phi_dphi: u[1] + l2[0] - l1[0],
            phi_d2phi: l2[0] - l1[0],
            prim: 0.5 * u[2] + l1[0] - l0[0] - l0[1],
            prim2: 0.25 * u[4] + l2[0] + l0[0] + l0[2] - 2.0 * l1[0] - 2.0 * l1[1] + 2.0 * l0[1],
        })
    }
    fn mean_and_gain(&self, mu: f64, delta: f64) -> Option<(f64, f64)> {
        if delta == 0.0 {
            return None;
        }
        let s = delta.sqrt();
        let u = truncated::moments(mu, s, 0.0, f64::INFINITY);
        let e1 = tilted(1.0, mu, s)[0];
        let below = tilted(0.0, mu, s)[0];
        Some((u[1] + e1 - below, u[0] + e1))
    }
}
