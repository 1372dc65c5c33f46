//! Gaussian expectations needed by the mean-field theory (THEORY.md §1.10, §4).
//!
//! - single ⟨f(μ + √Δ z)⟩ and the [`Moments`] bundle of φ;
//! - nested (stationary two-time) ∫Dz[∫Dx f(μ + √(Δ₀−Δ)x + √Δ z)]² and the [`Stationary`] bundle
//!   (C, F, ∂C/∂Δ);
//! - bivariate E[f(x₁)g(x₂)] with arbitrary 2×2 covariance, C_φ and E[φ′φ′].
//!
//! erf uses the closed forms of [`crate::erf`] wherever they exist; linear is exact; tanh uses
//! accuracy-controlled quadrature (~1e−12 at every Δ): the integrator's Gauss–Hermite rule where it
//! is accurate and cheapest, else a trapezoid rule with step ∝ Δ^{−1/2}
//! ([`GH_TANH_NODES_PER_VARIANCE`]). The generic methods taking closures ([`Gauss::expect`],
//! [`Gauss::nested`], [`Gauss::bivariate`]) use plain Gauss–Hermite at the configured orders
//! (exact for polynomials of degree ≤ 2n − 1).
//!
//! **Argument checks.** Every mean must be finite and every variance finite and ≥ 0. A variance in
//! [−ε·max(1, scale), 0) with ε = [`ROUNDING_TOLERANCE`] is treated as rounding noise and set to 0
//! (scale = the largest variance of the call, e.g. Δ₀ in a nested integral); anything more
//! negative is [`GaussError::NegativeVariance`]. The same tolerance applies to Δ − Δ₀ in nested
//! integrals and to Δ₁₂² − Δ₁₁Δ₂₂ in bivariate ones ([`GaussError::InvalidCovariance`]).
//! Δ = 0 is allowed everywhere and gives point evaluation.

use crate::erf;
use crate::hermite::{GaussHermite, TrapezoidRule};
use crate::phi::Phi;

/// Relative tolerance below which a negative variance (or Δ > Δ₀, or |Δ₁₂| > √(Δ₁₁Δ₂₂)) is
/// treated as floating-point rounding and clipped, instead of being reported as an error.
pub const ROUNDING_TOLERANCE: f64 = 1e-12;

/// Default Gauss–Hermite order (THEORY.md §4: 200 nodes for 1-D tanh integrals).
pub const DEFAULT_ORDER: usize = 200;

/// Invalid argument of a Gaussian integral; each variant names the offending argument.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum GaussError {
    /// a variance argument is negative (or Δ > Δ0 in a nested integral); `name` is the argument name, e.g. "delta"
    #[error("variance `{name}` is negative: {value}")]
    NegativeVariance {
        /// argument name, e.g. "delta", "delta0 - delta", "d11"
        name: &'static str,
        /// its value
        value: f64,
    },
    /// an argument is NaN or infinite
    #[error("argument `{name}` is not finite: {value}")]
    NotFinite {
        /// argument name, e.g. "mu"
        name: &'static str,
        /// its value
        value: f64,
    },
    /// |covariance| > sqrt(var1*var2) (beyond rounding) in a bivariate integral
    #[error("invalid covariance: d12 = {d12} exceeds sqrt(d11 d22) with d11 = {d11}, d22 = {d22}")]
    InvalidCovariance {
        /// variance of x₁
        d11: f64,
        /// variance of x₂
        d22: f64,
        /// covariance of x₁, x₂
        d12: f64,
    },
}

fn check_finite(name: &'static str, value: f64) -> Result<f64, GaussError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(GaussError::NotFinite { name, value })
    }
}

fn check_variance(name: &'static str, value: f64, scale: f64) -> Result<f64, GaussError> {
    check_finite(name, value)?;
    if value >= 0.0 {
        Ok(value)
    } else if value >= -ROUNDING_TOLERANCE * scale.abs().max(1.0) {
        Ok(0.0)
    } else {
        Err(GaussError::NegativeVariance { name, value })
    }
}

/// Checked (μ, Δ₀, Δ) of a nested integral, with 0 ≤ Δ ≤ Δ₀ after rounding clips.
fn check_nested(mu: f64, delta0: f64, delta: f64) -> Result<(f64, f64, f64), GaussError> {
    let mu = check_finite("mu", mu)?;
    let d0 = check_variance("delta0", delta0, 1.0)?;
    let d = check_variance("delta", delta, d0)?;
    let d = if d > d0 {
        if d - d0 <= ROUNDING_TOLERANCE * d0.max(1.0) {
            d0
        } else {
            return Err(GaussError::NegativeVariance {
                name: "delta0 - delta",
                value: d0 - d,
            });
        }
    } else {
        d
    };
    Ok((mu, d0, d))
}

/// Checked bivariate arguments; |Δ₁₂| is clipped to √(Δ₁₁Δ₂₂) within rounding.
fn check_bivariate(
    mu1: f64,
    mu2: f64,
    d11: f64,
    d22: f64,
    d12: f64,
) -> Result<(f64, f64, f64, f64, f64), GaussError> {
    let mu1 = check_finite("mu1", mu1)?;
    let mu2 = check_finite("mu2", mu2)?;
    let scale = d11.abs().max(d22.abs());
    let d11c = check_variance("d11", d11, scale)?;
    let d22c = check_variance("d22", d22, scale)?;
    let d12 = check_finite("d12", d12)?;
    let bound = (d11c * d22c).sqrt();
    let d12c = if d12.abs() <= bound {
        d12
    } else if d12.abs() - bound <= ROUNDING_TOLERANCE * scale.max(1.0) {
        bound.copysign(d12)
    } else {
        return Err(GaussError::InvalidCovariance { d11, d22, d12 });
    };
    Ok((mu1, mu2, d11c, d22c, d12c))
}

/// All single Gaussian moments of φ at x = μ + √Δ z, computed in one pass over the nodes
/// (THEORY.md §1.10, list (1)).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments {
    /// ⟨φ⟩
    pub phi: f64,
    /// ⟨φ′⟩
    pub dphi: f64,
    /// ⟨φ″⟩
    pub d2phi: f64,
    /// ⟨φ‴⟩
    pub d3phi: f64,
    /// ⟨φ²⟩
    pub phi2: f64,
    /// ⟨φ′²⟩
    pub dphi2: f64,
    /// ⟨φφ′⟩
    pub phi_dphi: f64,
    /// ⟨φφ″⟩
    pub phi_d2phi: f64,
    /// ⟨Φ⟩, Φ the primitive with Φ(0) = 0 ([`Phi::primitive`])
    pub prim: f64,
    /// ⟨Φ²⟩
    pub prim2: f64,
}

/// Nested (stationary two-time) integrals at common mean μ, total variance Δ0, covariance Δ (0 ≤ Δ ≤ Δ0):
/// x1 = μ + √(Δ0−Δ) x + √Δ z, x2 likewise with an independent x', shared z (THEORY.md §1.7, §1.10).
///
/// **Convention for F:** always the primitive Φ of [`Phi::primitive`], Φ(0) = 0 — also for the erf
/// closed form, which is shifted by [`erf::stationary_f_offset`]. Only F differences enter the
/// theory; they are convention-independent.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stationary {
    /// C(Δ)  = ∫Dz [∫Dx φ]²
    pub c: f64,
    /// F(Δ)  = ∫Dz [∫Dx Φ]²        (∂F/∂Δ = C, Price)
    pub f: f64,
    /// ∂C/∂Δ = ∫Dz [∫Dx φ′]²       (Price)
    pub dc: f64,
}

/// A Gaussian integrator at fixed rule orders (outer rule for z, inner rule for nested x).
///
/// Cheap to copy (two `&'static` rules); build once with [`Gauss::new`] and reuse. No method
/// allocates.
///
/// ```
/// use lowrank_gauss::{Gauss, Phi};
/// let g = Gauss::new(64);
/// // ⟨φ⟩ for erf in closed form vs quadrature
/// let m = g.moments(Phi::Erf, 0.3, 0.5).unwrap();
/// let q = g.expect(|x| Phi::Erf.phi(x), 0.3, 0.5).unwrap();
/// assert!((m.phi - q).abs() < 1e-12);
/// ```
#[derive(Clone, Copy)]
pub struct Gauss {
    outer: &'static GaussHermite,
    inner: &'static GaussHermite,
}

impl std::fmt::Debug for Gauss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gauss")
            .field("outer_order", &self.outer.order())
            .field("inner_order", &self.inner.order())
            .finish()
    }
}

impl Default for Gauss {
    /// GH-200 outer and inner (THEORY.md §4).
    fn default() -> Self {
        Gauss::new(DEFAULT_ORDER)
    }
}

/// tanh x, 1 − tanh² x and ln cosh x from one `exp` (or `expm1`) and one `ln_1p`
/// (overflow-free, full relative precision for sech² in the tails).
#[inline(always)]
fn tanh_parts(x: f64) -> (f64, f64, f64) {
    let a = x.abs();
    // e = e^{−2a} and em = e − 1, both to full relative precision: expm1 for small a (where
    // 1 − e cancels), exp for larger a (where 1 + em would cancel)
    let (e, em) = if a < 0.35 {
        let em = (-2.0 * a).exp_m1();
        (1.0 + em, em)
    } else {
        let e = (-2.0 * a).exp();
        (e, e - 1.0)
    };
    let den = 2.0 + em; // 1 + e^{−2a}
    let t = (-em / den).copysign(x);
    let s = 4.0 * e / (den * den); // sech² x = 4e^{−2a}/(1+e^{−2a})²
    let lc = a + (0.5 * em).ln_1p(); // ln cosh x = a + ln((1+e^{−2a})/2)
    (t, s, lc)
}

/// A quadrature rule for ∫Dz as borrowed node/weight slices (Gauss–Hermite or trapezoid).
#[derive(Clone, Copy)]
struct Rule {
    nodes: &'static [f64],
    weights: &'static [f64],
}

impl Rule {
    fn gh(r: &'static GaussHermite) -> Rule {
        Rule {
            nodes: &r.nodes,
            weights: &r.weights,
        }
    }

    /// Σ w f(μ + sd z); f(μ) at sd = 0.
    #[inline(always)]
    fn sum(&self, f: impl Fn(f64) -> f64, mu: f64, sd: f64) -> f64 {
        if sd == 0.0 {
            return f(mu);
        }
        let mut s = 0.0;
        for (z, w) in self.nodes.iter().zip(self.weights) {
            s += w * f(mu + sd * z);
        }
        s
    }
}

/// Accuracy criterion for Gauss–Hermite on tanh-family integrands (φ, φ′, φ″, φ‴, Φ, their
/// products; also erf's Φ²) at variance Δ: an n-point rule has error ≈ 10² e^{−π√(n/Δ)} for tanh
/// (poles at distance π/(2√Δ) from the real z axis), larger for φ‴ and Φ². Measured against
/// [`crate::reference`], the worst error at n = 300Δ is ≤ 3e−12 for n ≥ 16. So GH-200 is
/// accurate only for Δ ≤ 0.67 (at Δ = 20 its error for ⟨tanh²⟩ is ≈ 4e−4).
pub const GH_TANH_NODES_PER_VARIANCE: f64 = 300.0;

/// The rule used for tanh-family integrands at variance `var` (accuracy ~1e−12 whatever the GH
/// order): the cheaper of the accurate rules — the given GH rule if n ≥
/// [`GH_TANH_NODES_PER_VARIANCE`]·var and it has no more nodes than the trapezoid rule
/// [`TrapezoidRule::for_variance`] (≥ 37 nodes, ≈ 72√Δ for Δ > 1/4), else that trapezoid rule.
fn smooth_rule(gh: &'static GaussHermite, var: f64) -> Rule {
    let t = TrapezoidRule::for_variance(var);
    if gh.order() as f64 >= GH_TANH_NODES_PER_VARIANCE * var && gh.order() <= t.order() {
        Rule::gh(gh)
    } else {
        Rule {
            nodes: &t.nodes,
            weights: &t.weights,
        }
    }
}

impl Gauss {
    /// Same order for outer and inner rules.
    pub fn new(order: usize) -> Gauss {
        Gauss::with_orders(order, order)
    }

    /// Outer (z) and inner (x, nested/bivariate second variable) rule orders.
    pub fn with_orders(outer: usize, inner: usize) -> Gauss {
        Gauss {
            outer: GaussHermite::cached(outer),
            inner: GaussHermite::cached(inner),
        }
    }

    /// The outer rule.
    pub fn outer(&self) -> &'static GaussHermite {
        self.outer
    }

    /// The inner rule.
    pub fn inner(&self) -> &'static GaussHermite {
        self.inner
    }

    /// ⟨f(μ+√Δ z)⟩ by the outer Gauss–Hermite rule (exact for polynomials of degree ≤ 2n−1; for
    /// tanh-like f see the accuracy caveat of [`GH_TANH_NODES_PER_VARIANCE`] and prefer
    /// [`Gauss::moments`]).
    pub fn expect(&self, f: impl Fn(f64) -> f64, mu: f64, delta: f64) -> Result<f64, GaussError> {
        let mu = check_finite("mu", mu)?;
        let delta = check_variance("delta", delta, 1.0)?;
        Ok(self.outer.sum(f, mu, delta.sqrt()))
    }

    /// All moments of φ over x ~ N(μ, Δ) (THEORY.md §1.10): erf uses closed forms (all ten; ⟨φφ″⟩,
    /// ⟨Φ⟩, ⟨Φ²⟩ by Stein's lemma from the others), linear is exact, tanh is one quadrature pass with one `expm1` and one `ln_1p`
    /// per node.
    ///
    /// Quadrature here is accuracy-controlled (~1e−12 for every Δ, tested to Δ = 20): the GH rule
    /// of this integrator when it is accurate and cheapest, else a trapezoid rule with step
    /// ∝ Δ^{−1/2} (see [`GH_TANH_NODES_PER_VARIANCE`]); so for tanh the result barely depends on
    /// the GH order.
    pub fn moments(&self, phi: Phi, mu: f64, delta: f64) -> Result<Moments, GaussError> {
        let mu = check_finite("mu", mu)?;
        let delta = check_variance("delta", delta, 1.0)?;
        let sd = delta.sqrt();
        Ok(match phi {
            Phi::Tanh => {
                let mut m = Moments::default();
                let mut acc = |w: f64, x: f64| {
                    let (t, s, lc) = tanh_parts(x);
                    let ts = t * s;
                    m.phi += w * t;
                    m.dphi += w * s;
                    m.d2phi -= w * 2.0 * ts;
                    m.d3phi -= w * 2.0 * s * (1.0 - 3.0 * t * t);
                    m.phi2 += w * t * t;
                    m.dphi2 += w * s * s;
                    m.phi_dphi += w * ts;
                    m.phi_d2phi -= w * 2.0 * t * ts;
                    m.prim += w * lc;
                    m.prim2 += w * lc * lc;
                };
                if sd == 0.0 {
                    acc(1.0, mu);
                } else {
                    let rule = smooth_rule(self.outer, delta);
                    for (z, w) in rule.nodes.iter().zip(rule.weights) {
                        acc(*w, mu + sd * z);
                    }
                }
                m
            }
            Phi::Erf => Moments {
                phi: erf::mean_phi(mu, delta),
                dphi: erf::mean_dphi(mu, delta),
                d2phi: erf::mean_d2phi(mu, delta),
                d3phi: erf::mean_d3phi(mu, delta),
                phi2: erf::mean_phi2(mu, delta),
                dphi2: erf::mean_dphi2(mu, delta),
                phi_dphi: erf::mean_phi_dphi(mu, delta),
                phi_d2phi: erf::mean_phi_d2phi(mu, delta),
                prim: erf::mean_prim(mu, delta),
                prim2: erf::mean_prim2(mu, delta),
            },
            Phi::Linear => {
                let m2 = mu * mu + delta;
                Moments {
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
                }
            }
        })
    }

    /// ∫Dz [∫Dx f(μ+√(Δ0−Δ)x+√Δ z)]² by the outer × inner Gauss–Hermite tensor-product rule
    /// (THEORY.md §1.10 (2)); ⟨f²⟩ at Δ = Δ0 and ⟨f⟩² at Δ = 0.
    ///
    /// Generic f: plain GH at the configured orders, so the accuracy is that of GH for f (for tanh
    /// ≈ 10² e^{−π√(n/Δ)}, see [`GH_TANH_NODES_PER_VARIANCE`]); prefer [`Gauss::stationary`]
    /// for φ, φ′, Φ.
    pub fn nested(
        &self,
        f: impl Fn(f64) -> f64,
        mu: f64,
        delta0: f64,
        delta: f64,
    ) -> Result<f64, GaussError> {
        let (mu, d0, d) = check_nested(mu, delta0, delta)?;
        let si = (d0 - d).sqrt();
        let so = d.sqrt();
        if so == 0.0 {
            let v = self.inner.sum(&f, mu, si);
            return Ok(v * v);
        }
        if si == 0.0 {
            return Ok(self.outer.sum(
                |x| {
                    let v = f(x);
                    v * v
                },
                mu,
                so,
            ));
        }
        let mut acc = 0.0;
        for (z, w) in self.outer.nodes.iter().zip(&self.outer.weights) {
            let v = self.inner.sum(&f, mu + so * z, si);
            acc += w * v * v;
        }
        Ok(acc)
    }

    /// C, F, ∂C/∂Δ of the stationary chaotic equations (THEORY.md §1.7) in one pass.
    ///
    /// tanh: tensor product with one `expm1` + `ln_1p` per node (at μ = 0 only the z ≥ 0 half of
    /// the outer rule is visited, by parity); outer and inner rules accuracy-controlled as in
    /// [`Gauss::moments`] (by Δ and Δ0 − Δ respectively). erf: μ = 0 all three in closed form, μ ≠ 0 C and
    /// ∂C/∂Δ in closed form and F = ∫Dz [⟨Φ⟩(μ+√Δ z, Δ0−Δ)]² by 1-D quadrature of the closed-form
    /// inner mean. Linear: exact.
    /// F uses Φ(0) = 0 in every case (see [`Stationary`]).
    pub fn stationary(
        &self,
        phi: Phi,
        mu: f64,
        delta0: f64,
        delta: f64,
    ) -> Result<Stationary, GaussError> {
        let (mu, d0, d) = check_nested(mu, delta0, delta)?;
        Ok(match phi {
            Phi::Erf if mu == 0.0 => Stationary {
                c: erf::stationary_c(d0, d),
                f: erf::stationary_f_closed(d0, d) - erf::stationary_f_offset(d0),
                dc: erf::stationary_dc(d0, d),
            },
            Phi::Erf => Stationary {
                c: erf::c_phi(mu, mu, d0, d0, d),
                // inner ∫Dx Φ in closed form (erf::mean_prim), outer by 1-D quadrature
                f: smooth_rule(self.outer, d).sum(
                    |m| {
                        let p = erf::mean_prim(m, d0 - d);
                        p * p
                    },
                    mu,
                    d.sqrt(),
                ),
                dc: erf::c_dphi(mu, mu, d0, d0, d),
            },
            Phi::Linear => {
                let v = d0 - d;
                let m2 = mu * mu + d;
                let m4 = mu.powi(4) + 6.0 * mu * mu * d + 3.0 * d * d;
                Stationary {
                    c: m2,
                    f: 0.25 * (m4 + 2.0 * v * m2 + v * v),
                    dc: 1.0,
                }
            }
            Phi::Tanh => self.stationary_tanh(mu, d0, d),
        })
    }

    fn stationary_tanh(&self, mu: f64, d0: f64, d: f64) -> Stationary {
        let si = (d0 - d).sqrt();
        let so = d.sqrt();
        let inner_rule = smooth_rule(self.inner, d0 - d);
        let outer_rule = smooth_rule(self.outer, d);
        let inner = |m: f64| -> (f64, f64, f64) {
            if si == 0.0 {
                return tanh_parts(m);
            }
            let (mut a, mut b, mut c) = (0.0, 0.0, 0.0);
            for (x, w) in inner_rule.nodes.iter().zip(inner_rule.weights) {
                let (t, s, lc) = tanh_parts(m + si * x);
                a += w * t;
                b += w * s;
                c += w * lc;
            }
            (a, b, c)
        };
        if so == 0.0 {
            let (t, s, lc) = inner(mu);
            return Stationary {
                c: t * t,
                f: lc * lc,
                dc: s * s,
            };
        }
        let mut out = Stationary::default();
        let nodes = outer_rule.nodes;
        let weights = outer_rule.weights;
        if mu == 0.0 {
            // parity: the inner sums at −z are (−t, s, lc) of those at z; squares are even
            let n = nodes.len();
            let half = n / 2;
            for i in half..n {
                let w = if 2 * i + 1 == n {
                    weights[i]
                } else {
                    2.0 * weights[i]
                };
                let (t, s, lc) = inner(so * nodes[i]);
                out.c += w * t * t;
                out.dc += w * s * s;
                out.f += w * lc * lc;
            }
        } else {
            for (z, w) in nodes.iter().zip(weights) {
                let (t, s, lc) = inner(mu + so * z);
                out.c += w * t * t;
                out.dc += w * s * s;
                out.f += w * lc * lc;
            }
        }
        out
    }

    /// E[f(x₁) g(x₂)], (x₁,x₂) bivariate normal with means μ₁, μ₂, variances Δ₁₁, Δ₂₂ and
    /// covariance Δ₁₂ of any sign (THEORY.md §1.10 (3)).
    ///
    /// x₁ = μ₁ + √Δ₁₁ z₁, x₂ = μ₂ + (Δ₁₂/√Δ₁₁) z₁ + √(Δ₂₂ − Δ₁₂²/Δ₁₁) z₂ (outer GH rule for z₁,
    /// inner for z₂); degenerate cases (Δ₁₁ = 0, |ρ| = 1) reduce to fewer dimensions. Exact for
    /// polynomials of degree ≤ 2n−1 in each variable; for tanh-like f, g the GH accuracy caveat
    /// of [`Gauss::nested`] applies — prefer [`Gauss::c_phi`] / [`Gauss::c_dphi`].
    #[allow(clippy::too_many_arguments)]
    pub fn bivariate(
        &self,
        f: impl Fn(f64) -> f64,
        g: impl Fn(f64) -> f64,
        mu1: f64,
        mu2: f64,
        d11: f64,
        d22: f64,
        d12: f64,
    ) -> Result<f64, GaussError> {
        let (mu1, mu2, d11, d22, d12) = check_bivariate(mu1, mu2, d11, d22, d12)?;
        let a = d11.sqrt();
        if a == 0.0 {
            return Ok(f(mu1) * self.inner.sum(&g, mu2, d22.sqrt()));
        }
        let b = d12 / a;
        let c = (d22 - b * b).max(0.0).sqrt();
        let mut acc = 0.0;
        for (z, w) in self.outer.nodes.iter().zip(&self.outer.weights) {
            let fx = f(mu1 + a * z);
            acc += w * fx * self.inner.sum(&g, mu2 + b * z, c);
        }
        Ok(acc)
    }

    /// E[f(x₁)f(x₂)] for a tanh-family f (checked arguments), rules chosen by [`smooth_rule`].
    fn bivariate_tanh(
        &self,
        f: impl Fn(f64) -> f64,
        mu1: f64,
        mu2: f64,
        d11: f64,
        d22: f64,
        d12: f64,
    ) -> f64 {
        // condition on the variable with the larger variance
        let (mu1, mu2, d11, d22) = if d22 > d11 {
            (mu2, mu1, d22, d11)
        } else {
            (mu1, mu2, d11, d22)
        };
        let a = d11.sqrt();
        if a == 0.0 {
            return f(mu1) * f(mu2);
        }
        let b = d12 / a;
        let c2 = (d22 - b * b).max(0.0);
        let c = c2.sqrt();
        let inner = smooth_rule(self.inner, c2);
        let outer = smooth_rule(self.outer, d11);
        let mut acc = 0.0;
        for (z, w) in outer.nodes.iter().zip(outer.weights) {
            let fx = f(mu1 + a * z);
            acc += w * fx * inner.sum(&f, mu2 + b * z, c);
        }
        acc
    }

    /// C_φ = E[φ(x₁) φ(x₂)] (two-time DMFT source, THEORY.md §1.8): erf closed form (arcsin/arctan at
    /// zero means, bivariate-normal-CDF form otherwise), linear exact μ₁μ₂ + Δ₁₂, tanh by
    /// accuracy-controlled quadrature (conditioning on the larger-variance variable; rules as in
    /// [`Gauss::moments`]; up to ≈ (72√Δ)² evaluations at large Δ).
    pub fn c_phi(
        &self,
        phi: Phi,
        mu1: f64,
        mu2: f64,
        d11: f64,
        d22: f64,
        d12: f64,
    ) -> Result<f64, GaussError> {
        let (mu1, mu2, d11, d22, d12) = check_bivariate(mu1, mu2, d11, d22, d12)?;
        match phi {
            Phi::Erf => Ok(erf::c_phi(mu1, mu2, d11, d22, d12)),
            Phi::Linear => Ok(mu1 * mu2 + d12),
            Phi::Tanh => Ok(self.bivariate_tanh(|x| tanh_parts(x).0, mu1, mu2, d11, d22, d12)),
        }
    }

    /// E[φ′(x₁) φ′(x₂)] (DMFT response/stability): erf closed form
    /// det(1+πΣ/2)^{−1/2} exp(−(π/4) μ̄ᵀ(1+πΣ/2)^{−1} μ̄), linear 1, tanh by accuracy-controlled
    /// quadrature as in [`Gauss::c_phi`].
    pub fn c_dphi(
        &self,
        phi: Phi,
        mu1: f64,
        mu2: f64,
        d11: f64,
        d22: f64,
        d12: f64,
    ) -> Result<f64, GaussError> {
        let (mu1, mu2, d11, d22, d12) = check_bivariate(mu1, mu2, d11, d22, d12)?;
        match phi {
            Phi::Erf => Ok(erf::c_dphi(mu1, mu2, d11, d22, d12)),
            Phi::Linear => Ok(1.0),
            Phi::Tanh => Ok(self.bivariate_tanh(|x| tanh_parts(x).1, mu1, mu2, d11, d22, d12)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tanh_parts_match_pointwise_functions() {
        // tanh, sech² and ln cosh from one exp/expm1 + ln_1p agree with Phi's pointwise forms to
        // rounding, including tiny and huge |x|
        for x in [
            0.0, 1e-300, -1e-12, 1e-6, 0.3, -0.9, 2.0, -7.5, 19.0, 40.0, -300.0, 800.0,
        ] {
            let (t, s, lc) = tanh_parts(x);
            assert!(
                (t - x.tanh()).abs() <= 4e-16 * x.tanh().abs().max(1e-300),
                "tanh {x}"
            );
            let s_ref = 1.0 / x.cosh().powi(2);
            assert!(
                (s - s_ref).abs() <= 1e-15 * s_ref.max(f64::MIN_POSITIVE) || s_ref == 0.0,
                "sech² {x}"
            );
            let lc_ref = Phi::Tanh.primitive(x);
            // absolute accuracy (ln cosh x ≈ x²/2 is below rounding of either form for tiny x)
            let tol = 4e-16 * x.abs().max(1.0);
            assert!((lc - lc_ref).abs() <= tol, "ln cosh {x}: {lc} vs {lc_ref}");
        }
    }

    #[test]
    fn smooth_rule_choice() {
        let gh16 = GaussHermite::cached(16);
        let gh200 = GaussHermite::cached(200);
        // GH-16 is accurate and cheaper at tiny variance
        assert_eq!(smooth_rule(gh16, 0.01).nodes.len(), 16);
        // GH-16 is inaccurate at Δ = 1: trapezoid (h = 1/4, |z| ≤ 9 → 73 nodes)
        assert_eq!(smooth_rule(gh16, 1.0).nodes.len(), 73);
        // GH-200 is accurate at Δ = 0.5 but the trapezoid is cheaper
        assert!(smooth_rule(gh200, 0.5).nodes.len() < 200);
    }
}
