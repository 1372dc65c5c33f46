//! Closed-form Gaussian integrals for φ(x) = erf(√π x / 2) (docs/theory §1.10).
//!
//! Notation: β² = π/2, s² = 1 + β²Δ, 𝖥/𝖿 the standard normal CDF/density. Since
//! erf(√π x/2) = 2𝖥(βx) − 1, every Gaussian expectation of φ reduces to normal CDFs:
//! ⟨φ⟩ = erf(√π μ / (2s)), and E[φ(x₁)φ(x₂)] = 4𝖥₂(h₁,h₂;ϱ) − 2𝖥(h₁) − 2𝖥(h₂) + 1 with
//! h_i = βμ_i/√(1+β²Δ_ii), ϱ = β²Δ₁₂/√((1+β²Δ₁₁)(1+β²Δ₂₂)).
//!
//! The functions here do **not** validate their arguments (variances ≥ 0, |Δ₁₂| ≤ √(Δ₁₁Δ₂₂)
//! are assumed); the checked entry points are the methods of [`crate::Gauss`].

use crate::hermite::GaussLegendre;
use std::f64::consts::{FRAC_1_SQRT_2, FRAC_2_PI, PI};

/// β² = π/2: φ(x) = erf(√π x/2) = 2𝖥(βx) − 1.
pub const BETA2: f64 = PI / 2.0;

/// Order of the Gauss–Legendre panels used for the bivariate-normal θ-integral.
const GL_ORDER: usize = 16;

/// Gain at zero mean Ψ(Δ) = ⟨φ′⟩ = (1 + πΔ/2)^{−1/2} (docs/theory §1.10).
///
/// ```
/// use lowrank_gauss::erf::{erf_gain, erf_gain_inverse};
/// let psi = erf_gain(0.7);
/// assert!((erf_gain_inverse(psi) - 0.7).abs() < 1e-14);
/// ```
pub fn erf_gain(delta: f64) -> f64 {
    1.0 / (1.0 + BETA2 * delta).sqrt()
}

/// Inverse gain Ψ^{−1}(ψ) = 2(1 − ψ²)/(π ψ²) (docs/theory §1.10).
pub fn erf_gain_inverse(psi: f64) -> f64 {
    2.0 * (1.0 - psi * psi) / (PI * psi * psi)
}

/// Standard normal CDF 𝖥(x) = erfc(−x/√2)/2 (accurate in both tails).
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x * FRAC_1_SQRT_2)
}

/// Standard normal density 𝖿(x) = e^{−x²/2}/√(2π).
pub fn normal_pdf(x: f64) -> f64 {
    const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
    INV_SQRT_2PI * (-0.5 * x * x).exp()
}

/// 2𝖥(x) − 1 = erf(x/√2), without cancellation.
fn centered_cdf(x: f64) -> f64 {
    libm::erf(x * FRAC_1_SQRT_2)
}

/// ⟨φ⟩ = erf(√π μ / (2s)), s² = 1 + πΔ/2.
pub fn mean_phi(mu: f64, delta: f64) -> f64 {
    let s = (1.0 + BETA2 * delta).sqrt();
    libm::erf(0.5 * PI.sqrt() * mu / s)
}

/// ⟨φ′⟩ = s^{−1} e^{−πμ²/(4s²)}.
pub fn mean_dphi(mu: f64, delta: f64) -> f64 {
    let s2 = 1.0 + BETA2 * delta;
    (-PI * mu * mu / (4.0 * s2)).exp() / s2.sqrt()
}

/// ⟨φ″⟩ = −(πμ/(2s²)) ⟨φ′⟩.
pub fn mean_d2phi(mu: f64, delta: f64) -> f64 {
    let s2 = 1.0 + BETA2 * delta;
    -PI * mu / (2.0 * s2) * mean_dphi(mu, delta)
}

/// ⟨φ‴⟩ = (π/(2s²)) (πμ²/(2s²) − 1) ⟨φ′⟩.
pub fn mean_d3phi(mu: f64, delta: f64) -> f64 {
    let s2 = 1.0 + BETA2 * delta;
    PI / (2.0 * s2) * (PI * mu * mu / (2.0 * s2) - 1.0) * mean_dphi(mu, delta)
}

/// ⟨φ′²⟩ = (1 + πΔ)^{−1/2} e^{−πμ²/(2(1+πΔ))}.
pub fn mean_dphi2(mu: f64, delta: f64) -> f64 {
    let d = 1.0 + PI * delta;
    (-PI * mu * mu / (2.0 * d)).exp() / d.sqrt()
}

/// ⟨φ²⟩ = 4𝖥₂(h,h;ϱ) − 4𝖥(h) + 1 with h = βμ/s, ϱ = β²Δ/s²; (2/π) arcsin(Δ/(Δ + 2/π)) at μ = 0.
pub fn mean_phi2(mu: f64, delta: f64) -> f64 {
    c_phi(mu, mu, delta, delta, delta)
}

/// ⟨φφ′⟩ = ½ ∂_μ⟨φ²⟩ = (β/s) 2𝖿(h) [2𝖥(h √((1−ϱ)/(1+ϱ))) − 1], with √((1−ϱ)/(1+ϱ)) = (1+πΔ)^{−1/2}.
pub fn mean_phi_dphi(mu: f64, delta: f64) -> f64 {
    let s = (1.0 + BETA2 * delta).sqrt();
    let beta = BETA2.sqrt();
    let h = beta * mu / s;
    beta / s * 2.0 * normal_pdf(h) * centered_cdf(h / (1.0 + PI * delta).sqrt())
}

/// ⟨φφ″⟩ from Stein's lemma (φ″ = −(πx/2)φ′):
/// ⟨φφ″⟩ = −(π/2)(μ⟨φφ′⟩ + Δ⟨φ′²⟩)/(1 + πΔ/2).
pub fn mean_phi_d2phi(mu: f64, delta: f64) -> f64 {
    -BETA2 * (mu * mean_phi_dphi(mu, delta) + delta * mean_dphi2(mu, delta)) / (1.0 + BETA2 * delta)
}

/// ⟨Φ⟩ for the primitive Φ(x) = xφ(x) + (2/π)(e^{−πx²/4} − 1) (Φ(0) = 0), by Stein's lemma:
/// ⟨Φ⟩ = μ⟨φ⟩ + Δ⟨φ′⟩ + (2/π)(⟨φ′⟩ − 1).
pub fn mean_prim(mu: f64, delta: f64) -> f64 {
    let d = mean_dphi(mu, delta);
    mu * mean_phi(mu, delta) + delta * d + FRAC_2_PI * (d - 1.0)
}

/// ⟨Φ²⟩ in closed form. With Φ = xφ + (2/π)(φ′ − 1),
/// `⟨Φ²⟩ = E(x²φ²) + (4/π)(E(xφφ′) − E(xφ)) + (4/π²)(⟨φ′²⟩ − 2⟨φ′⟩ + 1)`, and Stein's lemma
/// `E(x g(x)) = μE(g) + ΔE(g′)` reduces every term to the moments above:
/// `E(xφ) = μ⟨φ⟩ + Δ⟨φ′⟩`, `E(xφφ′) = μ⟨φφ′⟩ + Δ(⟨φ′²⟩ + ⟨φφ″⟩)`, `E(xφ²) = μ⟨φ²⟩ + 2Δ⟨φφ′⟩`,
/// `E(x²φ²) = μE(xφ²) + Δ(⟨φ²⟩ + 2E(xφφ′))`.
pub fn mean_prim2(mu: f64, delta: f64) -> f64 {
    let phi = mean_phi(mu, delta);
    let dphi = mean_dphi(mu, delta);
    let phi2 = mean_phi2(mu, delta);
    let dphi2 = mean_dphi2(mu, delta);
    let phi_dphi = mean_phi_dphi(mu, delta);
    let phi_d2phi = mean_phi_d2phi(mu, delta);
    let x_phi = mu * phi + delta * dphi;
    let x_phi_dphi = mu * phi_dphi + delta * (dphi2 + phi_d2phi);
    let x_phi2 = mu * phi2 + 2.0 * delta * phi_dphi;
    let x2_phi2 = mu * x_phi2 + delta * (phi2 + 2.0 * x_phi_dphi);
    x2_phi2
        + 2.0 * FRAC_2_PI * (x_phi_dphi - x_phi)
        + FRAC_2_PI * FRAC_2_PI * (dphi2 - 2.0 * dphi + 1.0)
}

/// T(h,k;ϱ) = 𝖥₂(h,k;ϱ) − 𝖥(h)𝖥(k) = (1/2π)∫₀^{arcsin ϱ} exp(−(h²+k²−2hk sinθ)/(2cos²θ)) dθ.
///
/// With u = π/2 − |θ| the exponent is −(h∓k)²/(8 sin²(u/2)) − (h±k)²/(8 cos²(u/2)); the integral
/// over u ∈ [arccos|ϱ|, π/2] is done with 16-point Gauss–Legendre panels graded geometrically
/// towards u = 0 (where exp(−a/sin²(u/2)) has an essential singularity when h ≠ ±k), and the part
/// below u* (where the integrand is < e^{−40}) is dropped.
pub(crate) fn bvn_excess(h: f64, k: f64, rho: f64) -> f64 {
    let rho = rho.clamp(-1.0, 1.0);
    if rho == 0.0 {
        return 0.0;
    }
    // ϱ < 0: T(h,k;ϱ) = −T(h,−k;−ϱ)
    let (sign, k) = if rho < 0.0 { (-1.0, -k) } else { (1.0, k) };
    let r = rho.abs();
    let a = (h - k) * (h - k) / 8.0;
    // for a < 1e−36 the a-term changes the integrand only on u ≲ 1e−17: negligible
    let a = if a < 1e-36 { 0.0 } else { a };
    let b = (h + k) * (h + k) / 8.0;
    let u0 = r.acos();
    let top = std::f64::consts::FRAC_PI_2;
    let integrand = |u: f64| {
        let sh = (0.5 * u).sin();
        let ch = (0.5 * u).cos();
        let e = -a / (sh * sh) - b / (ch * ch);
        e.exp()
    };
    let gl = GaussLegendre::cached(GL_ORDER);
    // below u_star the integrand is < e^{−40}·(bounded) and contributes < u_star·e^{−40}
    let u_star = if a > 0.0 {
        2.0 * (a / 40.0).sqrt().min(1.0).asin()
    } else {
        0.0
    };
    let lower = u0.max(u_star);
    if lower >= top {
        return 0.0;
    }
    let mut total = 0.0;
    if a == 0.0 || lower >= 0.35 * top {
        total += gl.integrate(integrand, lower, top);
    } else {
        // geometric grading towards u = 0: J panels [top·q^{j+1}, top·q^j], q = (lower/top)^{1/J} ≥ 0.35
        let ratio = lower / top;
        let panels = (ratio.ln() / 0.35_f64.ln()).ceil().max(1.0);
        let q = ratio.powf(1.0 / panels);
        let mut hi = top;
        for j in 0..panels as usize {
            let lo = if j + 1 == panels as usize {
                lower
            } else {
                hi * q
            };
            total += gl.integrate(integrand, lo, hi);
            hi = lo;
        }
    }
    sign * total / (2.0 * PI)
}

/// Bivariate standard normal CDF 𝖥₂(h,k;ϱ) = P(X ≤ h, Y ≤ k), corr(X,Y) = ϱ ∈ [−1,1]
/// (Plackett θ-form of docs/theory §1.10, Gauss–Legendre).
///
/// ```
/// use lowrank_gauss::erf::bvn_cdf;
/// // orthant probability 1/4 + arcsin(ϱ)/(2π)
/// assert!((bvn_cdf(0.0, 0.0, 0.5) - (0.25 + 0.5f64.asin() / (2.0 * std::f64::consts::PI))).abs() < 1e-15);
/// ```
pub fn bvn_cdf(h: f64, k: f64, rho: f64) -> f64 {
    normal_cdf(h) * normal_cdf(k) + bvn_excess(h, k, rho)
}

/// C_φ = E[φ(x₁)φ(x₂)] for (x₁,x₂) bivariate normal with means μ₁, μ₂, variances Δ₁₁, Δ₂₂ and
/// covariance Δ₁₂ (docs/theory §1.10).
///
/// Zero means: (2/π) arctan(Δ₁₂/√((Δ₁₁+2/π)(Δ₂₂+2/π) − Δ₁₂²)) (denominator clipped at 1e−20);
/// otherwise ⟨φ₁⟩⟨φ₂⟩ + 4T(h₁,h₂;ϱ) = 4𝖥₂(h₁,h₂;ϱ) − 2𝖥(h₁) − 2𝖥(h₂) + 1.
pub fn c_phi(mu1: f64, mu2: f64, d11: f64, d22: f64, d12: f64) -> f64 {
    if mu1 == 0.0 && mu2 == 0.0 {
        let p = (d11 + FRAC_2_PI) * (d22 + FRAC_2_PI);
        let den = (p - d12 * d12).max(1e-20).sqrt();
        return FRAC_2_PI * d12.atan2(den);
    }
    let s1 = (1.0 + BETA2 * d11).sqrt();
    let s2 = (1.0 + BETA2 * d22).sqrt();
    let beta = BETA2.sqrt();
    let h1 = beta * mu1 / s1;
    let h2 = beta * mu2 / s2;
    let rho = BETA2 * d12 / (s1 * s2);
    centered_cdf(h1) * centered_cdf(h2) + 4.0 * bvn_excess(h1, h2, rho)
}

/// Zero-mean C_φ from q₁q₂ = (Δ₁₁ + 2/π)(Δ₂₂ + 2/π): (2/π) arctan(Δ₁₂/√(q₁q₂ − Δ₁₂²))
/// (docs/theory §1.10; the μ₁ = μ₂ = 0 branch of [`c_phi`], denominator clipped at 1e−20 likewise),
/// with the branch-free [`crate::fastmath::atan2_pos`] (relative error ≤ 3ε beyond `c_phi`'s
/// rounding) so that loops over many (Δ₁₁, Δ₂₂, Δ₁₂) vectorise — the two-time DMFT source.
///
/// ```
/// use lowrank_gauss::erf::{c_phi, c_phi_zero_mean_q};
/// use std::f64::consts::FRAC_2_PI;
/// let (d11, d22, d12) = (0.8, 1.3, 0.6);
/// let fast = c_phi_zero_mean_q((d11 + FRAC_2_PI) * (d22 + FRAC_2_PI), d12);
/// assert!((fast - c_phi(0.0, 0.0, d11, d22, d12)).abs() < 1e-15);
/// ```
#[inline(always)]
pub fn c_phi_zero_mean_q(q1q2: f64, d12: f64) -> f64 {
    let v = q1q2 - d12 * d12;
    let v = if v > 1e-20 { v } else { 1e-20 };
    FRAC_2_PI * crate::fastmath::atan2_pos(d12, v.sqrt())
}

/// E[φ′(x₁)φ′(x₂)] = det(1 + πΣ/2)^{−1/2} exp(−(π/4) μ̄ᵀ(1 + πΣ/2)^{−1} μ̄) (docs/theory §1.10).
pub fn c_dphi(mu1: f64, mu2: f64, d11: f64, d22: f64, d12: f64) -> f64 {
    let m11 = 1.0 + BETA2 * d11;
    let m22 = 1.0 + BETA2 * d22;
    let m12 = BETA2 * d12;
    let det = m11 * m22 - m12 * m12;
    let q = (m22 * mu1 * mu1 - 2.0 * m12 * mu1 * mu2 + m11 * mu2 * mu2) / det;
    (-0.25 * PI * q).exp() / det.sqrt()
}

/// Stationary C(Δ) = (2/π) arcsin(Δ/K), K = Δ₀ + 2/π (zero mean, docs/theory §1.10).
pub fn stationary_c(delta0: f64, delta: f64) -> f64 {
    c_phi(0.0, 0.0, delta0, delta0, delta)
}

/// Stationary ∂C/∂Δ = 2/√((πΔ₀+2)² − (πΔ)²) (zero mean, Price's theorem).
pub fn stationary_dc(delta0: f64, delta: f64) -> f64 {
    let a = PI * delta0 + 2.0;
    let b = PI * delta;
    2.0 / ((a - b) * (a + b)).sqrt()
}

/// Stationary F(Δ) in the **closed-form convention** of docs/theory §1.10:
/// F̃(Δ) = (2/π)[√(K² − Δ²) + Δ arcsin(Δ/K)], K = Δ₀ + 2/π (zero mean).
///
/// This is ∫Dz[∫Dx Φ̃]² for the primitive Φ̃ = Φ + 2/π (Φ̃(0) = 2/π). It differs from the
/// Φ(0) = 0 convention used by [`crate::Gauss::stationary`] by a Δ-independent constant,
/// [`stationary_f_offset`]; F differences agree.
pub fn stationary_f_closed(delta0: f64, delta: f64) -> f64 {
    let k = delta0 + FRAC_2_PI;
    let r = (delta / k).clamp(-1.0, 1.0);
    FRAC_2_PI * (((k - delta) * (k + delta)).max(0.0).sqrt() + delta * r.asin())
}

/// F̃(Δ) − F(Δ) = 2c⟨Φ⟩_{Δ₀} + c² with c = 2/π, ⟨Φ̃⟩_{Δ₀} = √(2K/π):
/// offset = (4/π)√(2K/π) − 4/π² (zero mean), independent of Δ.
pub fn stationary_f_offset(delta0: f64) -> f64 {
    let k = delta0 + FRAC_2_PI;
    2.0 * FRAC_2_PI * (FRAC_2_PI * k).sqrt() - FRAC_2_PI * FRAC_2_PI
}
