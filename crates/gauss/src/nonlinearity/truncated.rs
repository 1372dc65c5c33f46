//! Truncated Gaussian moments I_k = E[x^k 1{l < x < h}], x ~ N(μ, σ²), k = 0..4: the exact
//! Gaussian integrals of piecewise-polynomial nonlinearities (relu, hard-tanh).
//!
//! From x p(x) = μ p(x) − σ² p′(x) and integration by parts,
//! I_k = μ I_{k−1} + (k − 1)σ² I_{k−2} + σ(l^{k−1} 𝖿(α) − h^{k−1} 𝖿(β)), α = (l − μ)/σ,
//! β = (h − μ)/σ, I_0 = 𝖥(β) − 𝖥(α) (boundary terms vanish at infinite ends).

use crate::erf::{normal_cdf, normal_pdf};

/// Probability 𝖥(β) − 𝖥(α) without cancellation in the upper tail.
fn interval_probability(alpha: f64, beta: f64) -> f64 {
    if alpha > 0.0 {
        // both in the upper tail: Q(α) − Q(β), Q = 1 − 𝖥
        normal_cdf(-alpha) - normal_cdf(-beta)
    } else {
        normal_cdf(beta) - normal_cdf(alpha)
    }
}

/// [I_0, …, I_4] over (l, h) (either may be infinite), σ > 0.
pub(crate) fn moments(mu: f64, sigma: f64, l: f64, h: f64) -> [f64; 5] {
    let alpha = (l - mu) / sigma;
    let beta = (h - mu) / sigma;
    let (pl, ph) = (
        if l.is_finite() {
            normal_pdf(alpha)
        } else {
            0.0
        },
        if h.is_finite() { normal_pdf(beta) } else { 0.0 },
    );
    let boundary = |k: i32| {
        let a = if pl == 0.0 { 0.0 } else { l.powi(k) * pl };
        let b = if ph == 0.0 { 0.0 } else { h.powi(k) * ph };
        sigma * (a - b)
    };
    let s2 = sigma * sigma;
    let mut i = [0.0; 5];
    i[0] = interval_probability(alpha, beta);
    i[1] = mu * i[0] + boundary(0);
    for k in 2..5 {
        i[k] = mu * i[k - 1] + (k as f64 - 1.0) * s2 * i[k - 2] + boundary(k as i32 - 1);
    }
    i
}

/// Density of N(μ, σ²) at x.
pub(crate) fn density(mu: f64, sigma: f64, x: f64) -> f64 {
    normal_pdf((x - mu) / sigma) / sigma
}
