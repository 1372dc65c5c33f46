//! Gaussian expectations needed by the mean-field theory (docs/theory §1.10, §4).
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

use crate::hermite::{GaussHermite, TrapezoidRule};
use crate::nonlinearity::{transform_moments, with_base, Phi};
use crate::saturated;

/// Relative tolerance below which a negative variance (or Δ > Δ₀, or |Δ₁₂| > √(Δ₁₁Δ₂₂)) is
/// treated as floating-point rounding and clipped, instead of being reported as an error.
pub const ROUNDING_TOLERANCE: f64 = 1e-12;

/// Smallest variance above which the tanh integrals of [`Gauss::moments`],
/// [`Gauss::stationary`] and [`Gauss::stationary_jet`] may switch to the bounded-cost saturated
/// rules (closed-form tails beyond |x| = 18 plus composite Gauss–Legendre on the core; see
/// docs/theory.md): at or below it (Δ, resp. Δ0 ≤ 20, the papers' range) the results are those of
/// the Gauss–Hermite/trapezoid rules, and above it the saturated rule is used only where cheaper.
pub const SATURATED_MIN_VARIANCE: f64 = 20.0;

/// Cost of one core node of the saturated single rule (density `exp`, tanh parts, logarithm) in
/// units of one trapezoid node (one division and one logarithm); an estimate, consistent with the
/// `moments tanh` timings of `benches/gauss.rs` (docs/performance.md).
const SATURATED_NODE_COST: usize = 2;

/// Default Gauss–Hermite order (docs/theory §4: 200 nodes for 1-D tanh integrals).
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
    /// the order K of a truncated expansion is out of range (e.g. the Mehler order of
    /// [`crate::mehler`], 0 ≤ K ≤ `max`)
    #[error("expansion order {order} is out of range (at most {max})")]
    InvalidOrder {
        /// the order asked for
        order: usize,
        /// the largest order accepted
        max: usize,
    },
}

pub(crate) fn check_finite(name: &'static str, value: f64) -> Result<f64, GaussError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(GaussError::NotFinite { name, value })
    }
}

pub(crate) fn check_variance(
    name: &'static str,
    value: f64,
    scale: f64,
) -> Result<f64, GaussError> {
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
pub(crate) fn check_bivariate(
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
/// (docs/theory §1.10, list (1)).
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
/// x1 = μ + √(Δ0−Δ) x + √Δ z, x2 likewise with an independent x', shared z (docs/theory §1.7, §1.10).
///
/// **Convention for F:** always the primitive Φ of [`Phi::primitive`], Φ(0) = 0 — also for the erf
/// closed form, which is shifted by [`crate::erf::stationary_f_offset`]. Only F differences enter the
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

/// [`Stationary`] with its first partial derivatives in the three arguments (μ, Δ0, Δ), from one
/// fused nested pass ([`Gauss::stationary_jet`]); for the analytic Jacobian of the stationary
/// chaotic equations (docs/theory §1.7).
///
/// With v = Δ0 − Δ, m = μ + √Δ z and the inner averages
/// A_n(m) = ∫Dx φ⁽ⁿ⁾(m + √v x) (n = 0..3), B(m) = ∫Dx Φ(m + √v x):
/// C = ∫Dz A₀², F = ∫Dz B², ∂C/∂Δ = ∫Dz A₁². Differentiating under the integrals with
/// ∂_m A_n = A_{n+1}, ∂_m B = A₀, and Price's theorem in the inner variance,
/// ∂_v A_n = ½A_{n+2}, ∂_v B = ½A₁, and in the outer one, ∂_Δ|_v ∫Dz h(m) = ½∫Dz h″(m), then
/// changing variables (Δ0, Δ) = (v + Δ, Δ) (so ∂_Δ0|_Δ = ∂_v and ∂_Δ|_Δ0 = ∂_Δ|_v − ∂_v):
///
/// - ∂C/∂μ = 2∫A₀A₁, ∂C/∂Δ0 = ∫A₀A₂, ∂C/∂Δ = ∫A₁² (= `dc`);
/// - ∂F/∂μ = 2∫BA₀, ∂F/∂Δ0 = ∫BA₁, ∂F/∂Δ = ∫A₀² (= `c`, Price);
/// - ∂(∂C/∂Δ)/∂μ = 2∫A₁A₂, ∂(∂C/∂Δ)/∂Δ0 = ∫A₁A₃, ∂(∂C/∂Δ)/∂Δ = ∫A₂²
///
/// (all ∫ over Dz). At Δ = Δ0 (v = 0) the inner averages are point values, e.g. ∂F/∂Δ0 = ⟨Φφ′⟩
/// and dF(Δ0; Δ = Δ0)/dΔ0 = ⟨Φφ′⟩ + ⟨φ²⟩ = ½∂²_μ⟨Φ²⟩.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StationaryJet {
    /// C(Δ) = ∫Dz [∫Dx φ]²
    pub c: f64,
    /// F(Δ) = ∫Dz [∫Dx Φ]² (Φ(0) = 0, see [`Stationary`])
    pub f: f64,
    /// ∂C/∂Δ = ∫Dz [∫Dx φ′]²
    pub dc: f64,
    /// ∂C/∂μ
    pub c_mu: f64,
    /// ∂C/∂Δ0 (at fixed Δ)
    pub c_delta0: f64,
    /// ∂F/∂μ
    pub f_mu: f64,
    /// ∂F/∂Δ0 (at fixed Δ)
    pub f_delta0: f64,
    /// ∂(∂C/∂Δ)/∂μ
    pub dc_mu: f64,
    /// ∂(∂C/∂Δ)/∂Δ0 (at fixed Δ)
    pub dc_delta0: f64,
    /// ∂²C/∂Δ² (at fixed Δ0)
    pub dc_delta: f64,
}

/// Outer-rule sums of products of the inner averages A₀..A₃ (of φ, φ′, φ″, φ‴) and B (of Φ);
/// see [`StationaryJet`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct NestedSums {
    pub(crate) aa: f64,
    pub(crate) a1a1: f64,
    pub(crate) bb: f64,
    pub(crate) aa1: f64,
    pub(crate) aa2: f64,
    pub(crate) ba: f64,
    pub(crate) ba1: f64,
    pub(crate) a1a2: f64,
    pub(crate) a1a3: f64,
    pub(crate) a2a2: f64,
}

impl NestedSums {
    /// Adds weight `w` times the products of the inner averages `[A₀, A₁, A₂, A₃, B]` (only A₀²,
    /// A₁², B² unless `JET`).
    #[inline(always)]
    pub(crate) fn add<const JET: bool>(&mut self, w: f64, a: [f64; 5]) {
        let [a0, a1, a2, a3, b] = a;
        self.aa += w * a0 * a0;
        self.a1a1 += w * a1 * a1;
        self.bb += w * b * b;
        if JET {
            self.aa1 += w * a0 * a1;
            self.aa2 += w * a0 * a2;
            self.ba += w * b * a0;
            self.ba1 += w * b * a1;
            self.a1a2 += w * a1 * a2;
            self.a1a3 += w * a1 * a3;
            self.a2a2 += w * a2 * a2;
        }
    }

    pub(crate) fn jet(&self) -> StationaryJet {
        StationaryJet {
            c: self.aa,
            f: self.bb,
            dc: self.a1a1,
            c_mu: 2.0 * self.aa1,
            c_delta0: self.aa2,
            f_mu: 2.0 * self.ba,
            f_delta0: self.ba1,
            dc_mu: 2.0 * self.a1a2,
            dc_delta0: self.a1a3,
            dc_delta: self.a2a2,
        }
    }
}

/// φ, φ′, φ″, φ‴ of tanh from t = tanh y and s = sech² y.
#[inline(always)]
fn tanh_derivs(t: f64, s: f64) -> (f64, f64) {
    (-2.0 * t * s, -2.0 * s * (1.0 - 3.0 * t * t))
}

/// Inner averages [A₀, A₁, A₂, A₃, B] of tanh at m over `rule` with standard deviation `si`
/// (A₂, A₃ left 0 unless `JET`); point values at si = 0.
#[inline(always)]
fn tanh_inner<const JET: bool>(rule: Rule, m: f64, si: f64) -> [f64; 5] {
    let mut acc = [0.0; 5];
    let mut add = |w: f64, t: f64, s: f64, q: f64, a: f64| {
        acc[0] += w * t;
        acc[1] += w * s;
        if JET {
            let (d2, d3) = tanh_derivs(t, s);
            acc[2] += w * d2;
            acc[3] += w * d3;
        }
        acc[4] += w * lncosh_aq(a, q);
    };
    if si == 0.0 {
        let (t, s, lc) = tanh_parts(m);
        add(1.0, t, s, 1.0, 0.0);
        acc[4] = lc;
    } else {
        rule.tanh_nodes(m, si, add);
    }
    acc
}

/// Σ_j w_j x_j with four independent partial sums (lets the compiler use SIMD lanes); `x` must be
/// at least as long as `w`.
#[inline(always)]
fn dot4(w: &[f64], x: &[f64]) -> f64 {
    let x = &x[..w.len()];
    let (wc, xc) = (w.chunks_exact(4), x.chunks_exact(4));
    let (wr, xr) = (wc.remainder(), xc.remainder());
    let mut acc = [0.0f64; 4];
    for (a, b) in wc.zip(xc) {
        for l in 0..4 {
            acc[l] += a[l] * b[l];
        }
    }
    let mut tail = 0.0;
    for (a, b) in wr.iter().zip(xr) {
        tail += a * b;
    }
    (acc[0] + acc[2]) + (acc[1] + acc[3]) + tail
}

thread_local! {
    /// Work space of [`nested_tanh_lattice`] (grows to the largest lattice seen; never shrinks).
    static LATTICE: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The lattice evaluation of [`Gauss::nested_tanh`] for v = Δ0 − Δ > 0 and Δ > 0, or `None`
/// when the lattice would not have fewer than half as many points as the tensor product.
fn nested_tanh_lattice<const JET: bool>(mu: f64, v: f64, d: f64) -> Option<NestedSums> {
    const Y_STEP: f64 = 0.25; // TrapezoidRule::step_for_variance: h√Δ ≤ 0.25 and h ≤ 0.5
    let (sv, sd) = (v.sqrt(), d.sqrt());
    let (cin, cout) = ((0.5 * sv).min(Y_STEP), (0.5 * sd).min(Y_STEP));
    let delta = cin.min(cout);
    let a = ((cin / delta).floor() as usize).max(1);
    let b = ((cout / delta).floor() as usize).max(1);
    let (hi, ho) = (a as f64 * delta / sv, b as f64 * delta / sd);
    let nj = (TrapezoidRule::HALF_WIDTH / hi).floor() as usize;
    let ni = (TrapezoidRule::HALF_WIDTH / ho).floor() as usize;
    let half = b * ni + a * nj;
    let len = 2 * half + 1;
    let (ni2, nj2) = (2 * ni + 1, 2 * nj + 1);
    if 2 * len > ni2 * nj2 {
        return None;
    }
    let nfun = if JET { 5 } else { 3 };
    LATTICE.with(|cell| {
        let mut buf = cell.borrow_mut();
        let need = nfun * len + ni2 + nj2;
        if buf.len() < need {
            buf.resize(need, 0.0);
        }
        let (fun, rest) = buf.split_at_mut(nfun * len);
        let (wo, rest) = rest.split_at_mut(ni2);
        let wi = &mut rest[..nj2];
        trapezoid_weights(ho, wo);
        trapezoid_weights(hi, wi);
        {
            let (tv, rest) = fun.split_at_mut(len);
            let (sv_, rest) = rest.split_at_mut(len);
            let (lv, rest) = rest.split_at_mut(len);
            let (d2v, d3v) = if JET {
                let (x, y) = rest.split_at_mut(len);
                (x, y)
            } else {
                (&mut [][..], &mut [][..])
            };
            tanh_progression(mu - half as f64 * delta, delta, len, |k, t, s, q, aa| {
                tv[k] = t;
                sv_[k] = s;
                lv[k] = lncosh_aq(aa, q);
                if JET {
                    let (d2, d3) = tanh_derivs(t, s);
                    d2v[k] = d2;
                    d3v[k] = d3;
                }
            });
        }
        let fun: &[f64] = fun;
        let wi: &[f64] = wi;
        let mut out = NestedSums::default();
        for (i, w) in wo.iter().enumerate() {
            let base = b * i; // lattice index of x_{−J} at outer node i
            let mut acc = [0.0; 5];
            // inner correlation: A_n(m_i) = Σ_j wi_j f_n[base + a j]
            let span = a * (nj2 - 1) + 1;
            let slot = |f: usize| &fun[f * len + base..f * len + base + span];
            if a == 1 {
                acc[0] = dot4(wi, slot(0));
                acc[1] = dot4(wi, slot(1));
                acc[4] = dot4(wi, slot(2));
                if JET {
                    acc[2] = dot4(wi, slot(3));
                    acc[3] = dot4(wi, slot(4));
                }
            } else {
                // lattice slots (t, s, ln cosh, φ″, φ‴) → [A₀, A₁, B, A₂, A₃] positions
                const MAP: [usize; 5] = [0, 1, 4, 2, 3];
                for (f, dest) in MAP.iter().enumerate().take(nfun) {
                    let src = slot(f);
                    acc[*dest] = wi.iter().enumerate().map(|(j, wj)| wj * src[a * j]).sum();
                }
            }
            out.add::<JET>(*w, acc);
        }
        Some(out)
    })
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
    /// GH-200 outer and inner (docs/theory §4).
    fn default() -> Self {
        Gauss::new(DEFAULT_ORDER)
    }
}

/// tanh x, 1 − tanh² x and ln cosh x from one `exp` (or `expm1`) and one `ln_1p`
/// (overflow-free, full relative precision for sech² in the tails).
#[inline(always)]
pub(crate) fn tanh_parts(x: f64) -> (f64, f64, f64) {
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
pub(crate) struct Rule {
    nodes: &'static [f64],
    weights: &'static [f64],
    /// Node spacing of a trapezoid rule (nodes k·step, k = −K..K); 0 for Gauss–Hermite.
    step: f64,
}

impl Rule {
    fn gh(r: &'static GaussHermite) -> Rule {
        Rule {
            nodes: &r.nodes,
            weights: &r.weights,
            step: 0.0,
        }
    }

    fn trapezoid(t: &'static TrapezoidRule) -> Rule {
        Rule {
            nodes: &t.nodes,
            weights: &t.weights,
            step: t.step,
        }
    }

    /// Calls `f(w_i, t, s, q, a)` for every node y_i = μ + sd·z_i, with t = tanh y_i,
    /// s = sech² y_i, a = |y_i|, q = e^{−2a} (see [`tanh_progression`] for trapezoid rules, whose
    /// nodes form an arithmetic progression; one `exp` per node for Gauss–Hermite).
    #[inline(always)]
    fn tanh_nodes(&self, mu: f64, sd: f64, mut f: impl FnMut(f64, f64, f64, f64, f64)) {
        if self.step > 0.0 {
            let w = self.weights;
            tanh_progression(
                mu + sd * self.nodes[0],
                sd * self.step,
                w.len(),
                |i, t, s, q, a| f(w[i], t, s, q, a),
            );
        } else {
            for (z, w) in self.nodes.iter().zip(self.weights) {
                let y = mu + sd * z;
                let a = y.abs();
                let q = (-2.0 * a).exp();
                let inv = 1.0 / (1.0 + q);
                f(*w, ((1.0 - q) * inv).copysign(y), 4.0 * q * inv * inv, q, a);
            }
        }
    }

    /// Calls `visit(z_i, w_i)` for every node.
    #[inline(always)]
    pub(crate) fn for_each(&self, mut visit: impl FnMut(f64, f64)) {
        for (z, w) in self.nodes.iter().zip(self.weights) {
            visit(*z, *w);
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
/// the `reference` module (cargo feature `reference`), the worst error at n = 300Δ is ≤ 3e−12
/// for n ≥ 16. So GH-200 is accurate only for Δ ≤ 0.67 (at Δ = 20 its error for ⟨tanh²⟩ is
/// ≈ 4e−4).
pub const GH_TANH_NODES_PER_VARIANCE: f64 = 300.0;

/// The rule used for tanh-family integrands at variance `var` (accuracy ~1e−12 whatever the GH
/// order): the cheaper of the accurate rules — the given GH rule if n ≥
/// [`GH_TANH_NODES_PER_VARIANCE`]·var and it has no more nodes than the trapezoid rule
/// [`TrapezoidRule::for_variance`] (≥ 37 nodes, ≈ 72√Δ for Δ > 1/4), else that trapezoid rule.
pub(crate) fn smooth_rule(gh: &'static GaussHermite, var: f64) -> Rule {
    let t = TrapezoidRule::for_variance(var);
    if gh.order() as f64 >= GH_TANH_NODES_PER_VARIANCE * var && gh.order() <= t.order() {
        Rule::gh(gh)
    } else {
        Rule::trapezoid(t)
    }
}

/// Re-anchor the geometric recurrence of [`tanh_progression`] with an exact `exp` every this many
/// nodes (bounds the accumulated relative rounding of q by ~2·32 ulp).
const PROGRESSION_ANCHOR: usize = 32;

/// tanh on an arithmetic progression y_i = y₀ + i·dy (i < n, dy > 0) without an `exp` per node:
/// q_i = e^{−2|y_i|} obeys q_{i±1} = q_i·e^{−2dy} away from y = 0, so it is propagated outward
/// from the sign change by one multiplication (re-anchored every [`PROGRESSION_ANCHOR`] nodes),
/// and t = sgn(y)(1 − q)/(1 + q), s = sech² y = 4q/(1 + q)² cost one division. Calls
/// `f(i, t, s, q, |y_i|)` (in no particular order); ln cosh y = |y| + ln((1 + q)/2) if needed.
/// Absolute error of t and s ≲ 1e−14; q never overflows (q ≤ 1).
#[inline(always)]
fn tanh_progression(y0: f64, dy: f64, n: usize, mut f: impl FnMut(usize, f64, f64, f64, f64)) {
    let istar = if y0 >= 0.0 {
        0
    } else {
        ((-y0 / dy).ceil() as usize).min(n)
    };
    let r = (-2.0 * dy).exp();
    let mut node = |i: usize, c: usize, q: &mut f64| {
        let y = y0 + i as f64 * dy;
        let a = y.abs();
        if c.is_multiple_of(PROGRESSION_ANCHOR) {
            *q = (-2.0 * a).exp();
        } else {
            *q *= r;
        }
        let inv = 1.0 / (1.0 + *q);
        f(
            i,
            ((1.0 - *q) * inv).copysign(y),
            4.0 * *q * inv * inv,
            *q,
            a,
        );
    };
    let mut q = 1.0;
    for (c, i) in (istar..n).enumerate() {
        node(i, c, &mut q);
    }
    for (c, i) in (0..istar).rev().enumerate() {
        node(i, c, &mut q);
    }
}

/// ln cosh y from a = |y| and q = e^{−2a}: a + ln((1 + q)/2) (never overflows).
#[inline(always)]
fn lncosh_aq(a: f64, q: f64) -> f64 {
    a + (0.5 * (q - 1.0)).ln_1p()
}

/// The Gaussian-weighted trapezoid weights h·𝖿(j·h), j = −J..J (`out.len()` = 2J + 1), by the
/// recurrence e^{−(j+1)²h²/2} = e^{−j²h²/2}·e^{−(2j+1)h²/2} (re-anchored every
/// [`PROGRESSION_ANCHOR`] nodes).
fn trapezoid_weights(h: f64, out: &mut [f64]) {
    let nh = out.len() / 2;
    let c = h * 0.398_942_280_401_432_7;
    let e2 = (-h * h).exp();
    let (mut g, mut r) = (1.0, (-0.5 * h * h).exp());
    for j in 0..=nh {
        if j.is_multiple_of(PROGRESSION_ANCHOR) {
            let z = j as f64 * h;
            g = (-0.5 * z * z).exp();
            r = (-0.5 * (2.0 * j as f64 + 1.0) * h * h).exp();
        }
        out[nh + j] = c * g;
        out[nh - j] = c * g;
        g *= r;
        r *= e2;
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

    /// All moments of φ over x ~ N(μ, Δ) (docs/theory §1.10): erf uses closed forms (all ten; ⟨φφ″⟩,
    /// ⟨Φ⟩, ⟨Φ²⟩ by Stein's lemma from the others), linear is exact, tanh is one quadrature pass
    /// (on a trapezoid rule the nodes form an arithmetic progression and tanh, sech² come from a
    /// geometric recurrence for e^{−2|x|} — one division per node; one `ln_1p` per node for Φ).
    ///
    /// Quadrature here is accuracy-controlled (~1e−12 for every Δ, tested to Δ = 20): the GH rule
    /// of this integrator when it is accurate and cheapest, else a trapezoid rule with step
    /// ∝ Δ^{−1/2} (see [`GH_TANH_NODES_PER_VARIANCE`]); so for tanh the result barely depends on
    /// the GH order.
    pub fn moments(&self, phi: Phi, mu: f64, delta: f64) -> Result<Moments, GaussError> {
        let mu = check_finite("mu", mu)?;
        let delta = check_variance("delta", delta, 1.0)?;
        Ok(self.moments_checked(phi, mu, delta, true))
    }

    /// [`Gauss::moments`] at checked arguments: the base's closed form (or specialised rule)
    /// where it has one, else kink-aware quadrature, then the affine form
    /// (`transform_moments`). Without `primitive`, ⟨Φ⟩ and ⟨Φ²⟩ may be 0.
    pub(crate) fn moments_checked(
        &self,
        phi: Phi,
        mu: f64,
        delta: f64,
        primitive: bool,
    ) -> Moments {
        let (my, dy) = phi.base_args(mu, delta);
        let m = with_base!(phi.base_kind(), |f| f
            .moments(self, my, dy, primitive)
            .unwrap_or_else(|| crate::generic::moments(f, self, my, dy, primitive)));
        if phi.is_plain() {
            m
        } else {
            transform_moments(phi, m, mu, delta, primitive)
        }
    }

    /// ⟨φ⟩ and the gain ψ = ⟨φ′⟩ over x ~ N(μ, Δ): closed forms where the base has them (erf,
    /// linear, relu, hard-tanh), else from [`Gauss::moments`] without the primitive.
    ///
    /// # Errors
    /// [`GaussError`] for a non-finite μ or a negative or non-finite Δ.
    ///
    /// # Examples
    /// ```
    /// use lowrank_gauss::{Gauss, Phi};
    /// let (mean, gain) = Gauss::new(64).mean_and_gain(Phi::Relu, 0.0, 4.0).unwrap();
    /// assert!((mean - 2.0 * 0.398_942_280_401_432_7).abs() < 1e-15 && gain == 0.5);
    /// ```
    pub fn mean_and_gain(&self, phi: Phi, mu: f64, delta: f64) -> Result<(f64, f64), GaussError> {
        let mu = check_finite("mu", mu)?;
        let delta = check_variance("delta", delta, 1.0)?;
        Ok(self.mean_and_gain_checked(phi, mu, delta))
    }

    /// [`Gauss::mean_and_gain`] at checked arguments.
    pub(crate) fn mean_and_gain_checked(&self, phi: Phi, mu: f64, delta: f64) -> (f64, f64) {
        let (my, dy) = phi.base_args(mu, delta);
        let (m, g) =
            with_base!(phi.base_kind(), |f| f.mean_and_gain(my, dy)).unwrap_or_else(|| {
                let b = self.moments_checked(phi.base(), my, dy, false);
                (b.phi, b.dphi)
            });
        if phi.is_plain() {
            (m, g)
        } else {
            (phi.offset() + phi.scale() * m, phi.scale() * phi.gain() * g)
        }
    }

    /// Σ w f(μ + √Δ z) over the accuracy-controlled smooth rule at variance Δ.
    pub(crate) fn smooth_sum(&self, f: impl Fn(f64) -> f64, mu: f64, delta: f64) -> f64 {
        smooth_rule(self.outer, delta).sum(f, mu, delta.sqrt())
    }

    /// Calls `visit(z, w)` for the nodes of the accuracy-controlled smooth rule at variance Δ.
    pub(crate) fn smooth_nodes(&self, delta: f64, visit: impl FnMut(f64, f64)) {
        smooth_rule(self.outer, delta).for_each(visit)
    }

    /// [`Gauss::moments`] without ⟨Φ⟩ and ⟨Φ²⟩: `prim` and `prim2` are returned as 0 (not
    /// computed). For the static equations (docs/theory §1.6) and their Jacobian, which need only
    /// ⟨φ⟩, ⟨φ′⟩, ⟨φ″⟩, ⟨φ‴⟩, ⟨φ²⟩, ⟨φ′²⟩, ⟨φφ′⟩, ⟨φφ″⟩: for tanh this skips the logarithm of
    /// ln cosh at every node (on a trapezoid rule no transcendental function is evaluated per
    /// node, see [`GH_TANH_NODES_PER_VARIANCE`]); the eight moments are identical to those of
    /// [`Gauss::moments`] up to rounding.
    ///
    /// ```
    /// use lowrank_gauss::{Gauss, Phi};
    /// let g = Gauss::new(200);
    /// let (a, b) = (g.moments(Phi::Tanh, 0.4, 30.0).unwrap(), g.moments_without_primitive(Phi::Tanh, 0.4, 30.0).unwrap());
    /// assert!((a.phi2 - b.phi2).abs() < 1e-14 && (a.d3phi - b.d3phi).abs() < 1e-14 && b.prim == 0.0);
    /// ```
    pub fn moments_without_primitive(
        &self,
        phi: Phi,
        mu: f64,
        delta: f64,
    ) -> Result<Moments, GaussError> {
        let mu = check_finite("mu", mu)?;
        let delta = check_variance("delta", delta, 1.0)?;
        Ok(Moments {
            prim: 0.0,
            prim2: 0.0,
            ..self.moments_checked(phi, mu, delta, false)
        })
    }

    /// tanh moments at checked (μ, Δ), with ⟨Φ⟩, ⟨Φ²⟩ if `PRIM` (else 0).
    pub(crate) fn tanh_moments<const PRIM: bool>(&self, mu: f64, delta: f64) -> Moments {
        let mut m = Moments::default();
        let mut acc = |w: f64, t: f64, s: f64, q: f64, a: f64| {
            let ts = t * s;
            m.phi += w * t;
            m.dphi += w * s;
            m.d2phi -= w * 2.0 * ts;
            m.d3phi -= w * 2.0 * s * (1.0 - 3.0 * t * t);
            m.phi2 += w * t * t;
            m.dphi2 += w * s * s;
            m.phi_dphi += w * ts;
            m.phi_d2phi -= w * 2.0 * t * ts;
            if PRIM {
                let lc = lncosh_aq(a, q);
                m.prim += w * lc;
                m.prim2 += w * lc * lc;
            }
        };
        let sd = delta.sqrt();
        if sd == 0.0 {
            let (t, s, lc) = tanh_parts(mu);
            // lncosh_aq(a, q) with the exact ln cosh
            acc(1.0, t, s, 1.0, 0.0);
            if PRIM {
                m.prim = lc;
                m.prim2 = lc * lc;
            }
        } else if self.single_saturated(mu, delta) {
            return saturated::moments::<PRIM>(mu, delta);
        } else {
            smooth_rule(self.outer, delta).tanh_nodes(mu, sd, acc);
        }
        m
    }

    /// Whether [`Gauss::moments`] uses the bounded-cost saturated rule for tanh at (μ, Δ > 0):
    /// only above [`SATURATED_MIN_VARIANCE`] and where it is cheaper than the trapezoid/GH rule
    /// (a core node costs about [`SATURATED_NODE_COST`] trapezoid nodes).
    fn single_saturated(&self, mu: f64, delta: f64) -> bool {
        delta > SATURATED_MIN_VARIANCE
            && SATURATED_NODE_COST * saturated::moments_nodes(mu, delta)
                < smooth_rule(self.outer, delta).nodes.len()
    }

    /// Number of quadrature nodes (integrand evaluations) that [`Gauss::moments`] uses for tanh
    /// at (μ, Δ): 1 at Δ = 0, the Gauss–Hermite order or the trapezoid node count
    /// (≈ 72√Δ) at moderate Δ, and at most 288 core nodes (plus closed-form tails) once
    /// Δ > [`SATURATED_MIN_VARIANCE`] and the saturated rule is cheaper — bounded in Δ.
    ///
    /// ```
    /// use lowrank_gauss::Gauss;
    /// let g = Gauss::new(200);
    /// assert!(g.moments_tanh_nodes(0.0, 1e6).unwrap() <= 288);
    /// ```
    pub fn moments_tanh_nodes(&self, mu: f64, delta: f64) -> Result<usize, GaussError> {
        let mu = check_finite("mu", mu)?;
        let delta = check_variance("delta", delta, 1.0)?;
        Ok(if delta == 0.0 {
            1
        } else if self.single_saturated(mu, delta) {
            saturated::moments_nodes(mu, delta)
        } else {
            smooth_rule(self.outer, delta).nodes.len()
        })
    }

    /// ∫Dz [∫Dx f(μ+√(Δ0−Δ)x+√Δ z)]² by the outer × inner Gauss–Hermite tensor-product rule
    /// (docs/theory §1.10 (2)); ⟨f²⟩ at Δ = Δ0 and ⟨f⟩² at Δ = 0.
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

    /// C, F, ∂C/∂Δ of the stationary chaotic equations (docs/theory §1.7) in one pass.
    ///
    /// tanh: outer and inner rules accuracy-controlled as in [`Gauss::moments`] (by Δ and Δ0 − Δ
    /// respectively); when both variances allow trapezoid-like rules, every tensor node lies on
    /// one grid μ + kδ and φ, Φ are evaluated once per grid point, the inner averages being
    /// discrete correlations with the inner weights (see [`StationaryJet`] and the lattice notes
    /// in the source); otherwise a direct tensor product (at μ = 0 only the z ≥ 0 half of the
    /// outer rule, by parity). erf: μ = 0 all three in closed form, μ ≠ 0 C and ∂C/∂Δ in closed
    /// form and F = ∫Dz [⟨Φ⟩(μ+√Δ z, Δ0−Δ)]² by 1-D quadrature of the closed-form inner mean.
    /// Linear: exact. With first derivatives: [`Gauss::stationary_jet`].
    /// F uses Φ(0) = 0 in every case (see [`Stationary`]).
    pub fn stationary(
        &self,
        phi: Phi,
        mu: f64,
        delta0: f64,
        delta: f64,
    ) -> Result<Stationary, GaussError> {
        let (mu, d0, d) = check_nested(mu, delta0, delta)?;
        let j = self.stationary_checked(phi, mu, d0, d, false);
        Ok(Stationary {
            c: j.c,
            f: j.f,
            dc: j.dc,
        })
    }

    /// The nested integrals at checked arguments: the base's specialised rule for a plain φ,
    /// else kink-aware quadrature of the inner averages (`generic::stationary`).
    fn stationary_checked(&self, phi: Phi, mu: f64, d0: f64, d: f64, jet: bool) -> StationaryJet {
        if phi.is_plain() {
            if let Some(j) = with_base!(phi.base_kind(), |f| f.stationary(self, mu, d0, d, jet)) {
                return j;
            }
        }
        crate::generic::stationary(self, phi, mu, d0, d, jet)
    }

    /// Number of (outer, inner) node pairs that [`Gauss::stationary`] and
    /// [`Gauss::stationary_jet`] evaluate for tanh at (μ, Δ0, Δ) (for the Gauss–Hermite/trapezoid
    /// path: the product of the two rules' node counts, ≈ 72²√(Δ(Δ0 − Δ)) at large variances; for
    /// the saturated path used above [`SATURATED_MIN_VARIANCE`]: the pairs actually evaluated,
    /// bounded independently of Δ0 and μ).
    ///
    /// ```
    /// use lowrank_gauss::Gauss;
    /// let g = Gauss::new(200);
    /// assert!(g.stationary_tanh_pairs(0.0, 1e6, 3e5).unwrap() < 200_000);
    /// ```
    pub fn stationary_tanh_pairs(
        &self,
        mu: f64,
        delta0: f64,
        delta: f64,
    ) -> Result<usize, GaussError> {
        let (mu, d0, d) = check_nested(mu, delta0, delta)?;
        Ok(self.nested_tanh_counted::<false>(mu, d0, d).1)
    }

    /// [`Gauss::stationary`] together with the first partial derivatives of C, F and ∂C/∂Δ with
    /// respect to (μ, Δ0, Δ), from one fused nested pass (see [`StationaryJet`] for the
    /// equations). This is what the analytic Jacobian of the stationary chaotic equations
    /// (docs/theory §1.7) needs.
    ///
    /// C, F, ∂C/∂Δ are computed exactly as by [`Gauss::stationary`] (same rules, same closed
    /// forms). Derivatives: tanh by the same tensor-product / lattice quadrature as the values;
    /// erf by quadrature over z of the closed-form inner averages ([`crate::erf`]); linear exact.
    ///
    /// ```
    /// use lowrank_gauss::{Gauss, Phi};
    /// let g = Gauss::new(200);
    /// let (mu, d0, d, h) = (0.3, 2.0, 1.2, 1e-5);
    /// let j = g.stationary_jet(Phi::Tanh, mu, d0, d).unwrap();
    /// let c = |m: f64, a: f64, b: f64| g.stationary(Phi::Tanh, m, a, b).unwrap().c;
    /// // ∂C/∂μ against a central difference
    /// assert!((j.c_mu - (c(mu + h, d0, d) - c(mu - h, d0, d)) / (2.0 * h)).abs() < 1e-8);
    /// ```
    pub fn stationary_jet(
        &self,
        phi: Phi,
        mu: f64,
        delta0: f64,
        delta: f64,
    ) -> Result<StationaryJet, GaussError> {
        let (mu, d0, d) = check_nested(mu, delta0, delta)?;
        Ok(self.stationary_checked(phi, mu, d0, d, true))
    }

    /// The nested sums of [`NestedSums`] for tanh at checked (μ, Δ0, Δ): products of the inner
    /// averages (A₀..A₃, B) of φ, φ′, φ″, φ‴, Φ over the outer rule (only A₀², A₁², B² unless
    /// `JET`).
    ///
    /// Rules: accuracy-controlled as in [`Gauss::moments`] (inner by Δ0 − Δ, outer by Δ). When
    /// both are trapezoid-like, a **lattice** evaluation is used: with steps chosen so that every
    /// tensor node μ + √Δ z_i + √(Δ0−Δ) x_j lies on one grid μ + kδ (inner step aδ/√(Δ0−Δ),
    /// outer bδ/√Δ, integers a, b ≥ 1, δ ≤ 0.25 and each step ≤ 0.5 — the accuracy criterion of
    /// [`TrapezoidRule::step_for_variance`] for both variables), φ and its derivatives are
    /// evaluated once per grid point (≈ 72(√Δ + √(Δ0−Δ)) points, one division each) and the inner
    /// averages become discrete correlations with the inner weights — no transcendental function
    /// per tensor node. Otherwise (one variance tiny) the direct tensor product is used.
    pub(crate) fn nested_tanh<const JET: bool>(&self, mu: f64, d0: f64, d: f64) -> NestedSums {
        self.nested_tanh_counted::<JET>(mu, d0, d).0
    }

    /// [`Gauss::nested_tanh`] with the number of (outer, inner) node pairs evaluated (for the
    /// lattice and direct paths: the product of the two rules' node counts).
    fn nested_tanh_counted<const JET: bool>(
        &self,
        mu: f64,
        d0: f64,
        d: f64,
    ) -> (NestedSums, usize) {
        let v = d0 - d;
        let size = |gh, var: f64| {
            if var == 0.0 {
                1
            } else {
                smooth_rule(gh, var).nodes.len()
            }
        };
        let (n_in, n_out) = (size(self.inner, v), size(self.outer, d));
        if d0 > SATURATED_MIN_VARIANCE {
            let inner_rule = smooth_rule(self.inner, v);
            let si = v.sqrt();
            let small = |m: f64| tanh_inner::<JET>(inner_rule, m, si);
            // old cost: lattice (a few multiply-adds per pair) or direct (a division and a
            // logarithm per pair, ≈ 4 lattice pairs)
            let lattice = d > 0.0 && v > 0.0;
            let old_cost = n_in * n_out * if lattice { 1 } else { 4 };
            if saturated::nested_cost(mu, v, d, n_in) < old_cost {
                return saturated::nested::<JET>(mu, v, d, small, n_in);
            }
        }
        (self.nested_tanh_direct::<JET>(mu, d0, d), n_in * n_out)
    }

    /// The GH/trapezoid (lattice or direct tensor) evaluation of [`Gauss::nested_tanh`].
    fn nested_tanh_direct<const JET: bool>(&self, mu: f64, d0: f64, d: f64) -> NestedSums {
        let v = d0 - d;
        let (si, so) = (v.sqrt(), d.sqrt());
        let mut out = NestedSums::default();
        if so == 0.0 {
            out.add::<JET>(1.0, tanh_inner::<JET>(smooth_rule(self.inner, v), mu, si));
            return out;
        }
        if si > 0.0 {
            if let Some(s) = nested_tanh_lattice::<JET>(mu, v, d) {
                return s;
            }
        }
        let inner_rule = smooth_rule(self.inner, v);
        let outer_rule = smooth_rule(self.outer, d);
        let (nodes, weights) = (outer_rule.nodes, outer_rule.weights);
        if mu == 0.0 {
            // parity z → −z: A₀, A₂ odd, A₁, A₃, B even; the odd products integrate to 0
            let n = nodes.len();
            for i in n / 2..n {
                let w = if 2 * i + 1 == n {
                    weights[i]
                } else {
                    2.0 * weights[i]
                };
                out.add::<JET>(w, tanh_inner::<JET>(inner_rule, so * nodes[i], si));
            }
            out.aa1 = 0.0;
            out.ba = 0.0;
            out.a1a2 = 0.0;
        } else {
            for (z, w) in nodes.iter().zip(weights) {
                out.add::<JET>(*w, tanh_inner::<JET>(inner_rule, mu + so * z, si));
            }
        }
        out
    }

    /// E[f(x₁) g(x₂)], (x₁,x₂) bivariate normal with means μ₁, μ₂, variances Δ₁₁, Δ₂₂ and
    /// covariance Δ₁₂ of any sign (docs/theory §1.10 (3)).
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
    pub(crate) fn bivariate_tanh(
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

    /// C_φ = E[φ(x₁) φ(x₂)] (two-time DMFT source, docs/theory §1.8): erf closed form (arcsin/arctan at
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
        Ok(self.bivariate_phi(phi, false, mu1, mu2, d11, d22, d12))
    }

    /// E[φ′(x₁) φ′(x₂)] (DMFT response/stability): erf closed form
    /// det(1+πΣ/2)^{−1/2} exp(−(π/4) μ̄ᵀ(1+πΣ/2)^{−1} μ̄), linear 1, relu at zero means
    /// (π − ϑ)/(2π), tanh and the others by accuracy-controlled quadrature as in
    /// [`Gauss::c_phi`].
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
        Ok(self.bivariate_phi(phi, true, mu1, mu2, d11, d22, d12))
    }

    /// C_φ (or E[φ′φ′] when `derivative`) at checked arguments: the base's closed form in base
    /// coordinates y = a(x − θ), transformed by the affine form
    /// (C_φ = c² + cs(⟨f(y₁)⟩ + ⟨f(y₂)⟩) + s²C_f, E[φ′φ′] = s²a²E[f′f′]), else quadrature.
    #[allow(clippy::too_many_arguments)]
    fn bivariate_phi(
        &self,
        phi: Phi,
        derivative: bool,
        mu1: f64,
        mu2: f64,
        d11: f64,
        d22: f64,
        d12: f64,
    ) -> f64 {
        let (y1, e11) = phi.base_args(mu1, d11);
        let (y2, e22) = phi.base_args(mu2, d22);
        let e12 = phi.gain() * phi.gain() * d12;
        let closed = with_base!(phi.base_kind(), |f| if derivative {
            f.c_dphi(self, y1, y2, e11, e22, e12)
        } else {
            f.c_phi(self, y1, y2, e11, e22, e12)
        });
        match closed {
            Some(v) if phi.is_plain() => v,
            Some(v) => {
                let (a, s, c) = (phi.gain(), phi.scale(), phi.offset());
                if derivative {
                    s * s * a * a * v
                } else {
                    let base = phi.base();
                    let m1 = self.mean_and_gain_checked(base, y1, e11).0;
                    let m2 = self.mean_and_gain_checked(base, y2, e22).0;
                    c * c + c * s * (m1 + m2) + s * s * v
                }
            }
            None => crate::generic::bivariate(self, phi, derivative, mu1, mu2, d11, d22, d12),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// |a − b| ≤ tol·max(1, |b|).
    fn close(a: f64, b: f64, tol: f64, what: &str) {
        assert!(
            (a - b).abs() <= tol * b.abs().max(1.0),
            "{what}: {a} vs {b} (diff {:.2e})",
            (a - b).abs()
        );
    }

    #[test]
    fn stationary_jet_matches_central_differences() {
        // Central differences of the values with step h: truncation O(h²·|f‴|) ≈ 1e−8 and
        // rounding/quadrature noise ≈ 1e−14/h ≈ 1e−10 ⇒ 1e−6 relative is a safe, derived bound.
        // Cases cover the lattice path (both variances ≥ 1/4), the direct path (one variance
        // tiny), μ = 0 (parity), and both nonlinearities with derivatives; linear is exact.
        let g = Gauss::new(200);
        let h = 1e-4;
        for phi in [Phi::Tanh, Phi::Erf, Phi::Linear] {
            for &(mu, d0, d) in &[
                (0.37, 2.27, 1.39),
                (-1.1, 6.0, 2.0),
                (0.0, 3.0, 1.2),
                (0.5, 1.0, 0.998),
                (0.2, 0.8, 0.01),
                (0.9, 12.0, 11.0),
            ] {
                let j = g.stationary_jet(phi, mu, d0, d).unwrap();
                let s = |m: f64, a: f64, b: f64| g.stationary(phi, m, a, b).unwrap();
                let v = s(mu, d0, d);
                let ctx = format!("{phi} (μ, Δ0, Δ) = ({mu}, {d0}, {d})");
                close(j.c, v.c, 1e-15, &format!("{ctx} C"));
                close(j.f, v.f, 1e-15, &format!("{ctx} F"));
                close(j.dc, v.dc, 1e-15, &format!("{ctx} ∂C/∂Δ"));
                let dmu = |f: &dyn Fn(Stationary) -> f64| {
                    (f(s(mu + h, d0, d)) - f(s(mu - h, d0, d))) / (2.0 * h)
                };
                let dd0 = |f: &dyn Fn(Stationary) -> f64| {
                    (f(s(mu, d0 + h, d)) - f(s(mu, d0 - h, d))) / (2.0 * h)
                };
                let hd = h.min(0.5 * (d0 - d)).min(0.5 * d);
                let dd = |f: &dyn Fn(Stationary) -> f64| {
                    (f(s(mu, d0, d + hd)) - f(s(mu, d0, d - hd))) / (2.0 * hd)
                };
                let tol = 1e-6;
                close(j.c_mu, dmu(&|x| x.c), tol, &format!("{ctx} ∂C/∂μ"));
                close(j.c_delta0, dd0(&|x| x.c), tol, &format!("{ctx} ∂C/∂Δ0"));
                close(j.dc, dd(&|x| x.c), tol, &format!("{ctx} ∂C/∂Δ (Price)"));
                close(j.f_mu, dmu(&|x| x.f), tol, &format!("{ctx} ∂F/∂μ"));
                close(j.f_delta0, dd0(&|x| x.f), tol, &format!("{ctx} ∂F/∂Δ0"));
                close(j.c, dd(&|x| x.f), tol, &format!("{ctx} ∂F/∂Δ = C (Price)"));
                close(j.dc_mu, dmu(&|x| x.dc), tol, &format!("{ctx} ∂²C/∂Δ∂μ"));
                close(
                    j.dc_delta0,
                    dd0(&|x| x.dc),
                    tol,
                    &format!("{ctx} ∂²C/∂Δ∂Δ0"),
                );
                // the second Δ-derivative has a larger truncation error when hd is small
                let tol_dd = if hd < h { 1e-4 } else { tol };
                close(j.dc_delta, dd(&|x| x.dc), tol_dd, &format!("{ctx} ∂²C/∂Δ²"));
            }
        }
    }

    #[test]
    fn stationary_jet_at_equal_variances_is_single_moments() {
        // At Δ = Δ0 the inner averages are point values: C = ⟨φ²⟩, ∂C/∂μ = 2⟨φφ′⟩,
        // ∂C/∂Δ0 + ∂C/∂Δ = ∂_Δ⟨φ²⟩ = ⟨φ′²⟩ + ⟨φφ″⟩, F = ⟨Φ²⟩, and ∂F/∂Δ0 + C = ½∂²_μ⟨Φ²⟩
        // (checked by a central difference of ⟨Φ²⟩ in Δ). Independent of the nested code paths.
        let g = Gauss::new(200);
        let h = 1e-4;
        for phi in [Phi::Tanh, Phi::Erf] {
            for &(mu, d) in &[(0.4, 2.0), (0.0, 0.7), (-1.5, 9.0)] {
                let j = g.stationary_jet(phi, mu, d, d).unwrap();
                let m = g.moments(phi, mu, d).unwrap();
                let ctx = format!("{phi} μ = {mu}, Δ0 = Δ = {d}");
                close(j.c, m.phi2, 1e-12, &format!("{ctx} C"));
                close(j.f, m.prim2, 1e-11, &format!("{ctx} F"));
                close(j.c_mu, 2.0 * m.phi_dphi, 1e-11, &format!("{ctx} ∂C/∂μ"));
                close(
                    j.c_delta0 + j.dc,
                    m.dphi2 + m.phi_d2phi,
                    1e-11,
                    &format!("{ctx} d⟨φ²⟩/dΔ"),
                );
                let p2 = |dd: f64| g.moments(phi, mu, dd).unwrap().prim2;
                close(
                    j.f_delta0 + j.c,
                    (p2(d + h) - p2(d - h)) / (2.0 * h),
                    1e-6,
                    &format!("{ctx} d⟨Φ²⟩/dΔ"),
                );
            }
        }
    }

    #[test]
    fn lattice_and_direct_tensor_agree() {
        // The lattice evaluation (shared grid μ + kδ) and the direct tensor product of the
        // separately chosen rules are two quadratures of the same integrals (both accurate to
        // ~1e−12): they must agree to that level.
        let g = Gauss::new(200);
        for &(mu, d0, d) in &[
            (0.37, 2.27, 1.39),
            (0.0, 5.0, 4.0),
            (-1.3, 6.0, 2.0),
            (2.0, 30.0, 3.0),
        ] {
            let lat = nested_tanh_lattice::<true>(mu, d0 - d, d).expect("lattice applies");
            let (si, so) = ((d0 - d).sqrt(), d.sqrt());
            let (inner, outer) = (smooth_rule(g.inner, d0 - d), smooth_rule(g.outer, d));
            let mut dir = NestedSums::default();
            for (z, w) in outer.nodes.iter().zip(outer.weights) {
                dir.add::<true>(*w, tanh_inner::<true>(inner, mu + so * z, si));
            }
            let (a, b) = (lat.jet(), dir.jet());
            for (x, y, name) in [
                (a.c, b.c, "C"),
                (a.f, b.f, "F"),
                (a.dc, b.dc, "dC"),
                (a.c_mu, b.c_mu, "C_mu"),
                (a.c_delta0, b.c_delta0, "C_d0"),
                (a.f_mu, b.f_mu, "F_mu"),
                (a.f_delta0, b.f_delta0, "F_d0"),
                (a.dc_mu, b.dc_mu, "dC_mu"),
                (a.dc_delta0, b.dc_delta0, "dC_d0"),
                (a.dc_delta, b.dc_delta, "dC_d"),
            ] {
                close(x, y, 1e-11, &format!("({mu}, {d0}, {d}) {name}"));
            }
        }
    }

    #[test]
    fn tanh_progression_matches_pointwise() {
        // the recurrence for e^{−2|y|} (re-anchored) against tanh_parts at every node, across 0
        let (y0, dy, n) = (-7.3, 0.0371, 400);
        tanh_progression(y0, dy, n, |i, t, s, q, a| {
            let y = y0 + i as f64 * dy;
            let (t0, s0, lc0) = tanh_parts(y);
            assert!((t - t0).abs() < 1e-14, "tanh at {y}");
            assert!((s - s0).abs() < 1e-14, "sech² at {y}");
            assert!((lncosh_aq(a, q) - lc0).abs() < 1e-14, "ln cosh at {y}");
        });
        let mut w = vec![0.0; 2 * 80 + 1];
        trapezoid_weights(0.1, &mut w);
        for (j, wj) in w.iter().enumerate() {
            let z = (j as f64 - 80.0) * 0.1;
            let exact = 0.1 * (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
            // between anchors r accumulates ≤ 32 roundings and g sums them: ≤ (32²/2 + 32)·2ε
            assert!((wj - exact).abs() <= 2.5e-13 * exact, "weight {j}");
        }
    }

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
