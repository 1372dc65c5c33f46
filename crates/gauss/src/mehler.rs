//! Mehler (Hermite) expansion of the bivariate source C_φ = E[φ(x₁)φ(x₂)] of the two-time DMFT
//! (docs/theory §1.8, §1.10 (3)), with a rigorous truncation bound, for any nonlinearity.
//!
//! **Coefficients.** Write x = μ + √Δ z with z standard normal and expand φ in the normalised
//! probabilists' Hermite polynomials h_k = He_k/√k!, orthonormal under the standard normal
//! density (h₀ = 1, h₁ = z, h_{k+1} = (z h_k − √k h_{k−1})/√(k+1)):
//!
//! φ(μ + √Δ z) = Σ_{k≥0} b_k h_k(z),  b_k(μ, Δ) = E[φ(μ + √Δ z) h_k(z)],  Σ_k b_k² = ⟨φ²⟩.
//!
//! **Mehler's formula.** For (x₁, x₂) bivariate normal with means μ₁, μ₂, variances Δ₁₁, Δ₂₂ and
//! correlation ρ = Δ₁₂/√(Δ₁₁Δ₂₂), E[h_k(z₁)h_l(z₂)] = δ_kl ρ^k, so with a_k = b_k(μ₁, Δ₁₁) and
//! b_k = b_k(μ₂, Δ₂₂)
//!
//! C_φ = Σ_{k≥0} a_k b_k ρ^k .
//!
//! The coefficients depend on one time point only, so in a DMFT they are computed once per time
//! and population, and each pair of times costs a polynomial of degree K in ρ (Horner).
//!
//! **Truncation bound.** With the remainders R₁ = ⟨φ²⟩₁ − Σ_{k≤K} a_k² and
//! R₂ = ⟨φ²⟩₂ − Σ_{k≤K} b_k² (Parseval), Cauchy–Schwarz gives
//!
//! |C_φ − Σ_{k≤K} a_k b_k ρ^k| ≤ |ρ|^{K+1} √(R₁R₂),
//!
//! to which [`allowance`]·√(⟨φ²⟩₁⟨φ²⟩₂) is added for the quadrature and rounding errors of the
//! coefficients and of the sum; R, a difference of two nearly equal numbers once the
//! coefficients have decayed, carries the same relative allowance. The bound is small unless
//! |ρ| is close to 1 and the b_k decay slowly: a smooth φ with analytic strip |Im x| < d has
//! |b_k| ≲ e^{−(d/√Δ)√k}, a φ with a kink only |b_k| ~ k^{−5/4}. Where the bound exceeds a
//! tolerance the caller must use an accurate method instead ([`crate::Gauss::c_phi`]).
//!
//! **Quadrature of the coefficients** (all k ≤ K at once, by the recurrence, on one node set;
//! z ∈ [−12.5, 12.5], since h_k(z)𝖿(z) decays only like e^{−z²/4} up to the turning point 2√k).
//! Smooth φ: the trapezoid rule z_i = i·h, whose error for an integrand analytic in the strip
//! |Im z| < a is ~e^{−2πa/h}·e^{√(K+½)a + a²/2} (the Hermite polynomials grow like
//! e^{√(k+½)|Im z|} and the density like e^{(Im z)²/2}); with a = 0.8·d/√Δ (at most √76, where
//! the density dominates) h is chosen for e^{−38} and rounded down to a cached ladder
//! h_j = 0.5·2^{−j/8}. The nodes are symmetric, so the even and odd coefficients are sums over
//! z ≥ 0 of φ(μ + √Δ z) ± φ(μ − √Δ z), with φ evaluated on the two progressions μ ± i·√Δh
//! ([`Phi::phi_progression`]); when φ(μ + √Δ z) − φ(μ) is odd only the odd coefficients are
//! computed, by the recurrence in z² ([`MehlerTail::odd`]). φ with kinks: composite 12-point
//! Gauss–Legendre panels split at the kinks (the kink-aware nodes of `generic`), panel
//! half-width min(¼, 3.4/√(K + 36.5), 0.45·d/√Δ). ⟨φ²⟩ is computed on the same nodes. The
//! recurrence stops early once R has converged ([`MehlerTail::order`]). The cost is O(K·N) for N
//! nodes (N ≈ 130 on z ≥ 0 for tanh at Δ = 2, where K = 192 suffices), bounded by
//! [`MAX_NODES`]; beyond it (Δ ≳ 1.5·10³·d², d the analytic strip: tanh Δ ≳ 4·10³) the set is
//! *unresolved*: its coefficients are not computed and every pair involving it has an infinite
//! bound.
//!
//! # Examples
//! ```
//! use lowrank_gauss::mehler::Mehler;
//! use lowrank_gauss::{Gauss, Phi};
//! let (mu1, mu2, d11, d22) = (0.3, -0.2, 1.5, 0.8);
//! let a = Mehler::new(Phi::Tanh, mu1, d11, 96).unwrap();
//! let b = Mehler::new(Phi::Tanh, mu2, d22, 96).unwrap();
//! let d12 = 0.7 * (d11 * d22).sqrt(); // ρ = 0.7
//! let c = a.c_phi(&b, d12).unwrap();
//! let exact = Gauss::new(64).c_phi(Phi::Tanh, mu1, mu2, d11, d22, d12).unwrap();
//! assert!(c.bound < 1e-12 && (c.value - exact).abs() < 1e-11);
//! // with a tolerance: the value when the bound is below 1e-10·√(⟨φ²⟩₁⟨φ²⟩₂)
//! assert!(a.c_phi_within(&b, d12, 1e-10).unwrap().is_some());
//! ```

use crate::erf::normal_pdf;
use crate::generic::for_each_node_within;
use crate::hermite::GaussHermite;
use crate::integrals::{check_bivariate, check_finite, check_variance, GaussError};
use crate::nonlinearity::Phi;
use std::cell::RefCell;
use std::sync::OnceLock;

/// Default (largest) expansion order K for a smooth φ, whose coefficients decay like
/// e^{−(d/√Δ)√k}: the two-time DMFT computes every set up to it, or up to the order at which its
/// remainder has converged ([`MehlerTail::order`]); for tanh this covers ρ → 1 up to Δ ≈ 10.
pub const DEFAULT_ORDER: usize = 1024;

/// Default expansion order for a φ with kinks: its coefficients decay only like k^{−5/4}, so a
/// higher order would buy little (the |ρ| accepted at 10⁻¹⁰ grows from ≈ 0.95 at K = 256 to
/// ≈ 0.985 at K = 1024) at 8 times the cost.
pub const KINKED_ORDER: usize = 256;

/// [`DEFAULT_ORDER`] for a smooth φ, [`KINKED_ORDER`] for a φ with kinks.
///
/// ```
/// use lowrank_gauss::mehler::default_order;
/// use lowrank_gauss::Phi;
/// assert_eq!((default_order(Phi::Tanh), default_order(Phi::Relu)), (1024, 256));
/// ```
pub fn default_order(phi: Phi) -> usize {
    if phi.is_smooth() {
        DEFAULT_ORDER
    } else {
        KINKED_ORDER
    }
}

/// Largest expansion order accepted.
pub const MAX_ORDER: usize = 1024;

/// Default tolerance of an accepted pair: bound ≤ 10⁻¹⁰·√(⟨φ²⟩₁⟨φ²⟩₂).
pub const DEFAULT_TOLERANCE: f64 = 1e-10;

/// Most quadrature nodes of one coefficient set; a set that would need more is unresolved.
pub const MAX_NODES: usize = 1 << 13;

/// The coefficient recurrence checks at every multiple of this order whether the remainder has
/// reached its floor, and stops there ([`MehlerTail::order`]).
pub const STOP_STRIDE: usize = 16;

/// Half-width of the z interval of the coefficient quadrature (e^{−12.5²/4} ≈ 10⁻¹⁷).
const Z_HALF_WIDTH: f64 = 12.5;

/// Exponent of the aimed-at trapezoid error e^{−38} ≈ 3·10⁻¹⁷.
const TARGET_EXPONENT: f64 = 38.0;

/// Relative error allowed for the coefficient quadrature (checked by the tests against rules
/// with half the step and against independent adaptive quadrature).
const QUADRATURE_ALLOWANCE: f64 = 1e-14;

/// Relative allowance of a sum of order K for quadrature and rounding errors, in units of
/// √(⟨φ²⟩₁⟨φ²⟩₂): 8(K + 2)ε + 10⁻¹⁴ (Horner's rounding is ≤ 2(K + 1)ε·Σ|a_k b_k| and
/// Σ|a_k b_k| ≤ √(⟨φ²⟩₁⟨φ²⟩₂)). Also the floor of R/⟨φ²⟩.
///
/// ```
/// use lowrank_gauss::mehler::allowance;
/// assert!(allowance(256) < 1e-12);
/// ```
pub fn allowance(order: usize) -> f64 {
    8.0 * (order as f64 + 2.0) * f64::EPSILON + QUADRATURE_ALLOWANCE
}

/// ⟨φ²⟩, the order actually computed and the remainder R = ⟨φ²⟩ − Σ_{k≤K} b_k² of one
/// coefficient set.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MehlerTail {
    /// ⟨φ²⟩ over x ~ N(μ, Δ) (for an unresolved set only an estimate, by the plain 200-point
    /// Gauss–Hermite rule).
    pub phi2: f64,
    /// R = max(⟨φ²⟩ − Σ_{k≤K} b_k², 0) + [`allowance`]`(K)`·⟨φ²⟩ at K = [`MehlerTail::order`]
    /// (0 when Δ = 0, where the expansion is exact); +∞ for an unresolved set.
    pub remainder: f64,
    /// The order K up to which the coefficients were computed: the requested one, or the first
    /// multiple of [`STOP_STRIDE`] at which R reached its rounding floor (more terms cannot lower
    /// the bound) or the target of [`coefficients_to_remainder`]; the coefficients beyond are
    /// stored as 0.
    pub order: usize,
    /// φ(μ + √Δ z) − φ(μ) is odd in z (to rounding, e.g. tanh or sigmoid at μ = 0): the even
    /// coefficients b_{2m}, m ≥ 1, are stored as 0 (their energy is at rounding level and lies in
    /// the allowance) and a sum over a pair of odd sets needs only the odd powers of ρ.
    pub odd: bool,
}

impl MehlerTail {
    /// Whether the coefficients were computed ([`MAX_NODES`]).
    pub fn is_resolved(&self) -> bool {
        self.remainder.is_finite()
    }

    /// Acceptance factor e = (R/⟨φ²⟩)^{−1/(2(K+1))} ∈ [1, ∞] of a set of order K (∞ when
    /// R = 0, 0 when unresolved): a pair of sets of order K is within tolerance `tol`
    /// (bound ≤ tol·√(⟨φ²⟩₁⟨φ²⟩₂)) when |ρ| < [`rho_scale`]`(K, tol)`·e₁·e₂ — one
    /// multiplication and one comparison per pair. (A product 0·∞ is NaN and compares false.)
    ///
    /// ```
    /// use lowrank_gauss::mehler::{rho_scale, Mehler};
    /// use lowrank_gauss::Phi;
    /// let (a, b) = (Mehler::new(Phi::Tanh, 0.2, 3.0, 64).unwrap(), Mehler::new(Phi::Tanh, 0.0, 5.0, 64).unwrap());
    /// let (ta, tb) = (a.tail(), b.tail());
    /// let lim = rho_scale(64, 1e-10) * ta.acceptance_factor(64) * tb.acceptance_factor(64);
    /// let d12 = 0.99 * lim * 15f64.sqrt(); // just inside the limit
    /// assert!(a.c_phi_within(&b, d12, 1e-10).unwrap().is_some());
    /// ```
    pub fn acceptance_factor(&self, order: usize) -> f64 {
        if !self.is_resolved() {
            return 0.0;
        }
        if self.remainder == 0.0 {
            return f64::INFINITY;
        }
        let u = (self.remainder / self.phi2).min(1.0);
        u.powf(-0.5 / (order as f64 + 1.0))
    }
}

/// The scale T(K, tol) = (tol − `allowance(K)`)^{1/(K+1)} of [`MehlerTail::acceptance_factor`]
/// (lowered by 10⁻¹² relative for the rounding of the test itself); 0 when tol is not above the
/// allowance (nothing but exact pairs is accepted then) or not a number.
///
/// ```
/// use lowrank_gauss::mehler::rho_scale;
/// assert!(rho_scale(64, 1e-10) > 0.7 && rho_scale(64, 0.0) == 0.0);
/// ```
pub fn rho_scale(order: usize, tol: f64) -> f64 {
    let t = tol - allowance(order);
    if t > 0.0 {
        t.powf(1.0 / (order as f64 + 1.0)) * (1.0 - 1e-12)
    } else {
        0.0
    }
}

/// A Mehler value with its error bound: |C_φ − value| ≤ bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MehlerValue {
    /// Σ_{k≤K} a_k b_k ρ^k.
    pub value: f64,
    /// |ρ|^{K+1}√(R₁R₂) + [`allowance`]`(K)`·√(⟨φ²⟩₁⟨φ²⟩₂) (+∞ for an unresolved set).
    pub bound: f64,
}

/// The Hermite coefficients b₀..b_K of one (φ, μ, Δ), with ⟨φ²⟩ and the remainder R.
#[derive(Clone, Debug, PartialEq)]
pub struct Mehler {
    phi: Phi,
    mu: f64,
    delta: f64,
    coeffs: Vec<f64>,
    tail: MehlerTail,
}

impl Mehler {
    /// Coefficients b_k = E[φ(μ + √Δ z) h_k(z)], k = 0..=`order`, of φ over x ~ N(μ, Δ).
    ///
    /// # Errors
    /// [`GaussError`] for a non-finite μ, a negative or non-finite Δ, or an order above
    /// [`MAX_ORDER`].
    ///
    /// # Examples
    /// ```
    /// use lowrank_gauss::mehler::Mehler;
    /// use lowrank_gauss::Phi;
    /// // linear φ: b₀ = μ, b₁ = √Δ, nothing else
    /// let m = Mehler::new(Phi::Linear, 0.5, 4.0, 8).unwrap();
    /// assert!((m.coefficients()[0] - 0.5).abs() < 1e-14 && (m.coefficients()[1] - 2.0).abs() < 1e-14);
    /// assert!(m.coefficients()[2..].iter().all(|b| b.abs() < 1e-14));
    /// ```
    pub fn new(phi: Phi, mu: f64, delta: f64, order: usize) -> Result<Mehler, GaussError> {
        if order > MAX_ORDER {
            return Err(GaussError::InvalidOrder {
                order,
                max: MAX_ORDER,
            });
        }
        let mut coeffs = vec![0.0; order + 1];
        let tail = coefficients_into(phi, mu, delta, &mut coeffs)?;
        Ok(Mehler {
            phi,
            mu,
            delta: delta.max(0.0),
            coeffs,
            tail,
        })
    }

    /// The nonlinearity.
    pub fn phi(&self) -> Phi {
        self.phi
    }
    /// The mean μ.
    pub fn mu(&self) -> f64 {
        self.mu
    }
    /// The variance Δ (after the rounding clip of negative values).
    pub fn delta(&self) -> f64 {
        self.delta
    }
    /// The order K actually computed ([`MehlerTail::order`]: the requested one, or less where the
    /// remainder converged first).
    pub fn order(&self) -> usize {
        self.tail.order
    }
    /// b₀..b_K (all 0 for an unresolved set).
    pub fn coefficients(&self) -> &[f64] {
        &self.coeffs
    }
    /// ⟨φ²⟩ and the remainder R.
    pub fn tail(&self) -> MehlerTail {
        self.tail
    }

    /// C_φ = E[φ(x₁)φ(x₂)] for x₁ ~ this set, x₂ ~ `other`, covariance Δ₁₂, with its bound
    /// (order min(K₁, K₂); the remainder of the longer set then includes its extra terms).
    /// For identical sets (same φ, μ, Δ) at ρ = 1 it is ⟨φ²⟩ (x₁ = x₂).
    ///
    /// # Errors
    /// [`GaussError`] for a non-finite Δ₁₂ or |Δ₁₂| > √(Δ₁₁Δ₂₂) beyond rounding.
    ///
    /// # Examples
    /// ```
    /// use lowrank_gauss::mehler::Mehler;
    /// use lowrank_gauss::Phi;
    /// // relu at zero means: the arc-cosine kernel σ₁σ₂(sin ϑ + (π − ϑ)cos ϑ)/(2π), ϑ = arccos ρ
    /// let (a, b) = (Mehler::new(Phi::Relu, 0.0, 1.0, 128).unwrap(), Mehler::new(Phi::Relu, 0.0, 4.0, 128).unwrap());
    /// let rho: f64 = 0.5;
    /// let th = rho.acos();
    /// let exact = 2.0 * (th.sin() + (std::f64::consts::PI - th) * rho) / (2.0 * std::f64::consts::PI);
    /// let c = a.c_phi(&b, rho * 2.0).unwrap();
    /// assert!((c.value - exact).abs() <= c.bound && c.bound < 1e-12);
    /// ```
    pub fn c_phi(&self, other: &Mehler, d12: f64) -> Result<MehlerValue, GaussError> {
        let (_, _, d11, d22, d12) =
            check_bivariate(self.mu, other.mu, self.delta, other.delta, d12)?;
        let lim = (d11 * d22).sqrt();
        let rho = if lim > 0.0 {
            (d12 / lim).clamp(-1.0, 1.0)
        } else {
            0.0
        };
        Ok(self.at_rho(other, rho))
    }

    /// [`Mehler::c_phi`] when its bound is at most `tol`·√(⟨φ²⟩₁⟨φ²⟩₂) (the Cauchy–Schwarz
    /// bound of |C_φ|), else `None` (also for a `tol` that is not a number).
    ///
    /// # Errors
    /// As [`Mehler::c_phi`].
    pub fn c_phi_within(
        &self,
        other: &Mehler,
        d12: f64,
        tol: f64,
    ) -> Result<Option<MehlerValue>, GaussError> {
        let v = self.c_phi(other, d12)?;
        let scale = (self.tail.phi2 * other.tail.phi2).sqrt();
        Ok((v.bound.is_finite() && v.bound <= tol * scale).then_some(v))
    }

    /// The sum and bound at a correlation ρ ∈ [−1, 1].
    fn at_rho(&self, other: &Mehler, rho: f64) -> MehlerValue {
        let (p1, p2) = (self.tail.phi2, other.tail.phi2);
        let scale = (p1 * p2).sqrt();
        if !(self.tail.is_resolved() && other.tail.is_resolved()) {
            return MehlerValue {
                value: 0.0,
                bound: f64::INFINITY,
            };
        }
        let m = self.tail.order.min(other.tail.order);
        if rho == 1.0 && self.phi == other.phi && self.mu == other.mu && self.delta == other.delta {
            return MehlerValue {
                value: p1,
                bound: allowance(m) * p1,
            };
        }
        let (a, b) = (&self.coeffs[..=m], &other.coeffs[..=m]);
        let value = horner(a, b, rho);
        let r1 = self.tail.remainder + self.coeffs[m + 1..].iter().map(|x| x * x).sum::<f64>();
        let r2 = other.tail.remainder + other.coeffs[m + 1..].iter().map(|x| x * x).sum::<f64>();
        let bound = rho.abs().powi(m as i32 + 1) * (r1 * r2).sqrt() + allowance(m) * scale;
        MehlerValue { value, bound }
    }
}

/// Σ_k a_k b_k ρ^k by Horner's rule (over the common length).
///
/// ```
/// use lowrank_gauss::mehler::horner;
/// assert_eq!(horner(&[1.0, 2.0], &[3.0, 0.5], 0.5), 3.0 + 1.0 * 0.5);
/// ```
pub fn horner(a: &[f64], b: &[f64], rho: f64) -> f64 {
    a.iter()
        .zip(b)
        .rev()
        .fold(0.0, |acc, (x, y)| acc * rho + x * y)
}

thread_local! {
    /// Work space of [`coefficients_into`] (grows to the largest node set seen; never shrinks).
    static WORK: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
    /// The kinks of φ in z (breakpoints of the kink-aware rule).
    static BREAKS: RefCell<Vec<(f64, f64)>> = const { RefCell::new(Vec::new()) };
}

/// The coefficients b₀..b_K (K = `out.len()` − 1) of φ over x ~ N(μ, Δ) written into `out`, with
/// ⟨φ²⟩ and the remainder R (see the module documentation for the rule). The recurrence stops
/// early, at the first multiple of [`STOP_STRIDE`] where R has reached its rounding floor
/// ([`MehlerTail::order`]; the coefficients beyond are 0). Does not allocate once its
/// thread-local work space has grown to the largest node set used.
///
/// # Errors
/// [`GaussError`] for a non-finite μ, a negative or non-finite Δ, an empty `out` or one longer
/// than [`MAX_ORDER`] + 1.
///
/// # Examples
/// ```
/// use lowrank_gauss::mehler::coefficients_into;
/// use lowrank_gauss::Phi;
/// let mut b = [0.0; 33];
/// let tail = coefficients_into(Phi::Tanh, 0.0, 1.0, &mut b).unwrap();
/// // tanh is odd: the even coefficients vanish at μ = 0
/// assert!(tail.odd && b.iter().step_by(2).all(|&x| x == 0.0));
/// assert!(tail.remainder < 1e-6 * tail.phi2);
/// ```
pub fn coefficients_into(
    phi: Phi,
    mu: f64,
    delta: f64,
    out: &mut [f64],
) -> Result<MehlerTail, GaussError> {
    coefficients_to_remainder(phi, mu, delta, out, 0.0)
}

/// [`coefficients_into`] stopping already at the first multiple of [`STOP_STRIDE`] where
/// R ≤ `target`·⟨φ²⟩ (a caller that accepts pairs with bound ≤ tol·√(⟨φ²⟩₁⟨φ²⟩₂) needs no more
/// than R/⟨φ²⟩ ≤ tol/8, say, on both sides even at ρ = 1).
///
/// # Errors
/// As [`coefficients_into`].
pub fn coefficients_to_remainder(
    phi: Phi,
    mu: f64,
    delta: f64,
    out: &mut [f64],
    target: f64,
) -> Result<MehlerTail, GaussError> {
    let mu = check_finite("mu", mu)?;
    let delta = check_variance("delta", delta, 1.0)?;
    if out.is_empty() || out.len() > MAX_ORDER + 1 {
        return Err(GaussError::InvalidOrder {
            order: out.len().wrapping_sub(1),
            max: MAX_ORDER,
        });
    }
    let target = if target.is_finite() {
        target.max(0.0)
    } else {
        0.0
    };
    Ok(coefficients_checked(phi, mu, delta, out, target))
}

/// Number of cached trapezoid steps h_j = 0.5·2^{−j/8} ([`trapezoid_nodes`]; those with more than
/// [`MAX_NODES`] nodes on [−12.5, 12.5] are never built).
const MESH_LEVELS: usize = 74;

/// Trapezoid nodes z_i = i·h, i = 0..=m (m = ⌊12.5/h⌋), zero-padded to whole [`NODE_BLOCK`]s:
/// z_i, z_i² and w_i = h·𝖿(z_i) (0 on the padding).
struct NodeSet {
    h: f64,
    m: usize,
    z: Vec<f64>,
    z2: Vec<f64>,
    w: Vec<f64>,
}

/// The cached node set with the largest step h_j = 0.5·2^{−j/8} ≤ `h`, or `None` below the
/// finest level (the set is then unresolved).
fn trapezoid_nodes(h: f64) -> Option<&'static NodeSet> {
    static LEVELS: [OnceLock<NodeSet>; MESH_LEVELS] = [const { OnceLock::new() }; MESH_LEVELS];
    let j = (8.0 * (0.5 / h).log2()).ceil().max(0.0);
    // also for a NaN step
    if j.is_nan() || j >= MESH_LEVELS as f64 {
        return None;
    }
    let j = j as usize;
    let h = 0.5 * (-(j as f64) / 8.0).exp2();
    if 2 * (Z_HALF_WIDTH / h).floor() as usize + 1 > MAX_NODES {
        return None;
    }
    Some(LEVELS[j].get_or_init(|| {
        let h = 0.5 * (-(j as f64) / 8.0).exp2();
        let m = (Z_HALF_WIDTH / h).floor() as usize;
        let n = (m + 1).div_ceil(NODE_BLOCK) * NODE_BLOCK;
        let z: Vec<f64> = (0..n).map(|i| i as f64 * h).collect();
        let z2 = z.iter().map(|x| x * x).collect();
        let w = (0..n)
            .map(|i| if i <= m { h * normal_pdf(z[i]) } else { 0.0 })
            .collect();
        NodeSet { h, m, z, z2, w }
    }))
}

/// Trapezoid step for a smooth φ with analytic strip `strip` (in z) and order K.
fn trapezoid_step(strip: f64, order: usize) -> f64 {
    let a = (0.8 * strip).min((2.0 * TARGET_EXPONENT).sqrt());
    let h = std::f64::consts::TAU * a
        / (TARGET_EXPONENT + (order as f64 + 0.5).sqrt() * a + 0.5 * a * a);
    h.min(0.5)
}

/// Gauss–Legendre panel width for a kinked φ with analytic strip `strip` (in z) and order K.
fn panel_width(strip: f64, order: usize) -> f64 {
    2.0 * 0.25f64
        .min(3.4 / (order as f64 + 36.5).sqrt())
        .min(0.45 * strip)
}

/// [`coefficients_into`] at checked arguments.
pub(crate) fn coefficients_checked(
    phi: Phi,
    mu: f64,
    delta: f64,
    out: &mut [f64],
    target: f64,
) -> MehlerTail {
    let order = out.len() - 1;
    let sd = delta.sqrt();
    if sd == 0.0 {
        let v = phi.phi(mu);
        out.fill(0.0);
        out[0] = v;
        return MehlerTail {
            phi2: v * v,
            remainder: 0.0,
            order,
            odd: false,
        };
    }
    let strip = phi.analytic_strip() / sd;
    // the nodes resolve the Hermite polynomials up to the order they are chosen for: a first
    // pass for the order the set probably needs (coarser nodes), a second one for the full
    // order only if the first did not converge
    let first = first_pass_order(strip, order);
    let mut done = coefficient_pass(phi, mu, sd, strip, first, &mut out[..=first], target);
    if first < order && matches!(done, Some((_, _, _, false))) {
        done = coefficient_pass(phi, mu, sd, strip, order, out, target);
    }
    match done {
        Some((p2, used, odd, _)) => {
            out[used + 1..].fill(0.0);
            let sum: f64 = out[..=used].iter().map(|b| b * b).sum();
            MehlerTail {
                phi2: p2,
                remainder: (p2 - sum).max(0.0) + allowance(used) * p2,
                order: used,
                odd,
            }
        }
        None => {
            out.fill(0.0);
            // only a scale here: the plain 200-point Gauss–Hermite rule (bounded cost, where an
            // accuracy-controlled rule would need as many nodes as the coefficients)
            let p2 = GaussHermite::cached(200).sum(|x| phi.phi(x).powi(2), mu, sd);
            let p2 = if p2.is_finite() { p2 } else { f64::MAX };
            MehlerTail {
                phi2: p2,
                remainder: f64::INFINITY,
                order,
                odd: false,
            }
        }
    }
}

/// The order for which the first pass of [`coefficients_checked`] chooses its nodes (at most
/// `order`): 1.5 times an empirical estimate of the order at which the remainder of a tanh-like
/// φ with analytic strip `strip` (in z) falls to ~10⁻¹¹·⟨φ²⟩, K ≈ 63 + 119/strip² (measured
/// for tanh at Δ = 1…10), at least 128 and a multiple of [`STOP_STRIDE`]. Only the cost
/// depends on it: a set that has not converged by then is recomputed on nodes for `order`.
fn first_pass_order(strip: f64, order: usize) -> usize {
    let estimate = 1.5 * (63.0 + 119.0 / (strip * strip));
    let k = if estimate < order as f64 {
        (estimate as usize).max(128).next_multiple_of(STOP_STRIDE)
    } else {
        order
    };
    k.min(order)
}

/// One quadrature pass for the coefficients b₀..b_K, K = `out.len()` − 1 (on nodes chosen for
/// that order; σ = √Δ > 0, `strip` = analytic strip / σ): (⟨φ²⟩, the order reached, odd,
/// whether the recurrence converged), or `None` when the nodes would exceed [`MAX_NODES`].
fn coefficient_pass(
    phi: Phi,
    mu: f64,
    sd: f64,
    strip: f64,
    order: usize,
    out: &mut [f64],
    target: f64,
) -> Option<(f64, usize, bool, bool)> {
    WORK.with(|cell| {
        let mut buf = cell.borrow_mut();
        if phi.is_smooth() {
            let nodes = trapezoid_nodes(trapezoid_step(strip, order))?;
            let (h, m, n) = (nodes.h, nodes.m, nodes.z.len());
            if buf.len() < 6 * n {
                buf.resize(6 * n, 0.0);
            }
            let (fe, rest) = buf.split_at_mut(n);
            let (fo, rest) = rest.split_at_mut(n);
            let (hp, rest) = rest.split_at_mut(n);
            let (hc, rest) = rest.split_at_mut(n);
            let (up, rest) = rest.split_at_mut(m + 1);
            let dn = &mut rest[..m + 1];
            // φ(μ ± √Δ z_i) on the two progressions (exactly symmetric offsets i·√Δh)
            phi.phi_progression(mu, sd * h, up);
            phi.phi_progression(mu, -(sd * h), dn);
            let c = up[0];
            let w = &nodes.w;
            let mut p2 = w[0] * c * c;
            let mut odd = true;
            fe[0] = w[0] * c;
            fo[0] = 0.0;
            for i in 1..=m {
                let (a, b) = (up[i], dn[i]);
                let even = a + b;
                odd &= (even - 2.0 * c).abs()
                    <= 4.0 * f64::EPSILON * (a.abs() + b.abs() + 2.0 * c.abs());
                fe[i] = w[i] * even;
                fo[i] = w[i] * (a - b);
                p2 += w[i] * (a * a + b * b);
            }
            fe[m + 1..].fill(0.0);
            fo[m + 1..].fill(0.0);
            let x = if odd { &nodes.z2 } else { &nodes.z };
            let (used, conv) = project(x, fe, fo, hp, hc, out, p2, odd, target);
            Some((p2, used, odd, conv))
        } else {
            let width = panel_width(strip, order);
            BREAKS.with(|cell| {
                let mut breaks = cell.borrow_mut();
                breaks.clear();
                breaks.extend(phi.kinks().map(|k| ((k - mu) / sd, width)));
                // (in floating point first: a zero or tiny strip of a custom φ must not overflow)
                let panels = (2.0 * Z_HALF_WIDTH / width).ceil() + breaks.len() as f64 + 1.0;
                if panels.is_nan() || 12.0 * panels > MAX_NODES as f64 {
                    return None;
                }
                let n = (12 * panels as usize).div_ceil(NODE_BLOCK) * NODE_BLOCK;
                if buf.len() < 4 * n {
                    buf.resize(4 * n, 0.0);
                }
                let (z, rest) = buf.split_at_mut(n);
                let (f, rest) = rest.split_at_mut(n);
                let (hp, rest) = rest.split_at_mut(n);
                let hc = &mut rest[..n];
                let mut used = 0;
                let mut p2 = 0.0;
                for_each_node_within(&breaks, width, Z_HALF_WIDTH, |zi, w| {
                    if used < n {
                        let a = phi.phi(mu + sd * zi);
                        z[used] = zi;
                        f[used] = w * a;
                        p2 += w * a * a;
                        used += 1;
                    }
                });
                let padded = used.div_ceil(NODE_BLOCK) * NODE_BLOCK;
                z[used..padded].fill(0.0);
                f[used..padded].fill(0.0);
                let (z, f) = (&z[..padded], &f[..padded]);
                let (hp, hc) = (&mut hp[..padded], &mut hc[..padded]);
                let (k, conv) = project(z, f, f, hp, hc, out, p2, false, target);
                Some((p2, k, false, conv))
            })
        }
    })
}

/// Lanes of the vectorised node loops.
const LANES: usize = 8;

/// Σ of the lanes, pairwise.
#[inline(always)]
fn fold(acc: [f64; LANES]) -> f64 {
    ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
}

/// Whether the remainder after the coefficients `sum_sq` = Σ_{k≤K} b_k² has reached its floor,
/// or `target`·⟨φ²⟩, at an order K that is a positive multiple of [`STOP_STRIDE`].
#[inline(always)]
fn converged(k: usize, p2: f64, sum_sq: f64, target: f64) -> bool {
    k > 0 && k.is_multiple_of(STOP_STRIDE) && p2 - sum_sq <= allowance(k).max(target) * p2
}

/// Nodes per register block of [`project`] (4 × [`LANES`]).
const NODE_BLOCK: usize = 4 * LANES;

/// Recurrence steps per pass over the nodes (the node state stays in registers meanwhile).
const STEP_CHUNK: usize = STOP_STRIDE;

/// The Hermite projections b_k = Σ_i f_i h_k(z_i), k = 0..=K (K = `out.len()` − 1), by the
/// three-term recurrence, stopping at the first converged order ([`converged`] with `target`;
/// `out` beyond it is left as it was): returns that order (or K) and whether it converged. `x`, `fe`, `fo` have a length that is
/// a multiple of [`NODE_BLOCK`] (zero-padded), `hp`, `hc` are work space of that length.
///
/// Plain (`odd` false): x = z, f = `fe` for even k and `fo` for odd k,
/// h_{k+1} = (z h_k − √k h_{k−1})/√(k+1). Odd: x = z², b₀ = Σ fe, the even b_k (k ≥ 2) are 0 and
/// the odd ones come from `fo` by the recurrence in z² of the odd polynomials,
/// h_{k+2} = ((z² − 2k − 1)h_k − √(k(k−1)) h_{k−2})/√((k+1)(k+2)) (He_{k+2} = zHe_{k+1} −
/// (k+1)He_k applied twice).
///
/// Blocks of [`NODE_BLOCK`] nodes run [`STEP_CHUNK`] recurrence steps with their state in
/// registers, accumulating per-lane partial sums of every coefficient; the convergence test runs
/// after each chunk. Compiled for AVX-512F or AVX2 with fused multiply-adds when the CPU has
/// them (run-time detection; the coefficients then differ from the baseline build's in the last
/// bits).
#[allow(clippy::too_many_arguments)]
fn project(
    x: &[f64],
    fe: &[f64],
    fo: &[f64],
    hp: &mut [f64],
    hc: &mut [f64],
    out: &mut [f64],
    p2: f64,
    odd: bool,
    target: f64,
) -> (usize, bool) {
    /// a·b + c, fused (one rounding) when `F`.
    #[inline(always)]
    fn madd<const F: bool>(a: f64, b: f64, c: f64) -> f64 {
        if F {
            a.mul_add(b, c)
        } else {
            a * b + c
        }
    }
    /// One recurrence step of a block: acc += Σ f·c (per lane), (p, c) ← (c, c(αx − β) − γp).
    #[inline(always)]
    fn advance<const F: bool>(
        f: &[f64; NODE_BLOCK],
        xv: &[f64; NODE_BLOCK],
        pv: &mut [f64; NODE_BLOCK],
        cv: &mut [f64; NODE_BLOCK],
        acc: &mut [f64; LANES],
        (al, be, ga): (f64, f64, f64),
    ) {
        for l in 0..LANES {
            let a = madd::<F>(f[l + LANES], cv[l + LANES], f[l] * cv[l]);
            let c = madd::<F>(
                f[l + 3 * LANES],
                cv[l + 3 * LANES],
                f[l + 2 * LANES] * cv[l + 2 * LANES],
            );
            acc[l] += a + c;
        }
        for l in 0..NODE_BLOCK {
            let c = cv[l];
            let next = madd::<F>(c, madd::<F>(al, xv[l], -be), -(ga * pv[l]));
            pv[l] = c;
            cv[l] = next;
        }
    }
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn body<const F: bool>(
        x: &[f64],
        fe: &[f64],
        fo: &[f64],
        hp: &mut [f64],
        hc: &mut [f64],
        out: &mut [f64],
        p2: f64,
        odd: bool,
        target: f64,
    ) -> (usize, bool) {
        const B: usize = NODE_BLOCK;
        let n = x.len();
        let last = out.len() - 1;
        let mut sum_sq = 0.0;
        // step t computes b_{k(t)}: k = t (plain) or 2t + 1 (odd)
        let steps = if odd {
            out[0] = fe[..n].iter().sum();
            sum_sq = out[0] * out[0];
            hp[..n].fill(0.0);
            for (c, &q) in hc[..n].iter_mut().zip(x) {
                *c = q.sqrt();
            }
            last.div_ceil(2)
        } else {
            hp[..n].fill(0.0);
            hc[..n].fill(1.0);
            last + 1
        };
        let mut t0 = 0;
        while t0 < steps {
            let nt = STEP_CHUNK.min(steps - t0);
            // recurrence constants of the chunk: next = c·(αx − β) − γp (the multiplication by
            // c last, so that the dependency chain through c is one product and one difference)
            let mut cst = [(0.0, 0.0, 0.0); STEP_CHUNK];
            for (dt, c) in cst.iter_mut().enumerate().take(nt) {
                let t = t0 + dt;
                let (s, r, inv) = if odd {
                    let k = 2 * t + 1;
                    (
                        2.0 * k as f64 + 1.0,
                        ((k * (k - 1)) as f64).sqrt(),
                        1.0 / (((k + 1) * (k + 2)) as f64).sqrt(),
                    )
                } else {
                    (0.0, (t as f64).sqrt(), 1.0 / ((t + 1) as f64).sqrt())
                };
                *c = (inv, s * inv, r * inv);
            }
            let mut part = [[0.0f64; LANES]; STEP_CHUNK];
            for b0 in (0..n).step_by(B) {
                let mut xv = [0.0; B];
                let mut ev = [0.0; B];
                let mut ov = [0.0; B];
                let mut pv = [0.0; B];
                let mut cv = [0.0; B];
                xv.copy_from_slice(&x[b0..b0 + B]);
                ev.copy_from_slice(&fe[b0..b0 + B]);
                ov.copy_from_slice(&fo[b0..b0 + B]);
                pv.copy_from_slice(&hp[b0..b0 + B]);
                cv.copy_from_slice(&hc[b0..b0 + B]);
                if odd {
                    for (&cs, acc) in cst.iter().zip(part.iter_mut()).take(nt) {
                        advance::<F>(&ov, &xv, &mut pv, &mut cv, acc, cs);
                    }
                } else {
                    // chunks start at even t: even steps use the even part, odd steps the odd one
                    let mut dt = 0;
                    while dt < nt {
                        let f = if dt % 2 == 0 { &ev } else { &ov };
                        advance::<F>(f, &xv, &mut pv, &mut cv, &mut part[dt], cst[dt]);
                        dt += 1;
                    }
                }
                hp[b0..b0 + B].copy_from_slice(&pv);
                hc[b0..b0 + B].copy_from_slice(&cv);
            }
            for (dt, acc) in part.iter().enumerate().take(nt) {
                let b = fold(*acc);
                let t = t0 + dt;
                let (k, order) = if odd {
                    (2 * t + 1, (2 * t + 2).min(last))
                } else {
                    (t, t)
                };
                out[k] = b;
                if odd && k < last {
                    out[k + 1] = 0.0;
                }
                sum_sq += b * b;
                let done = converged(order, p2, sum_sq, target);
                if order == last || done {
                    return (order, done);
                }
            }
            t0 += nt;
        }
        (last, false)
    }
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f,fma")]
        #[allow(clippy::too_many_arguments)]
        fn with_avx512(
            x: &[f64],
            fe: &[f64],
            fo: &[f64],
            hp: &mut [f64],
            hc: &mut [f64],
            out: &mut [f64],
            p2: f64,
            odd: bool,
            target: f64,
        ) -> (usize, bool) {
            body::<true>(x, fe, fo, hp, hc, out, p2, odd, target)
        }
        #[target_feature(enable = "avx2,fma")]
        #[allow(clippy::too_many_arguments)]
        fn with_avx2(
            x: &[f64],
            fe: &[f64],
            fo: &[f64],
            hp: &mut [f64],
            hc: &mut [f64],
            out: &mut [f64],
            p2: f64,
            odd: bool,
            target: f64,
        ) -> (usize, bool) {
            body::<true>(x, fe, fo, hp, hc, out, p2, odd, target)
        }
        if std::arch::is_x86_feature_detected!("fma") {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F and FMA (detected at run time just above).
                return unsafe { with_avx512(x, fe, fo, hp, hc, out, p2, odd, target) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 and FMA (detected at run time just above).
                return unsafe { with_avx2(x, fe, fo, hp, hc, out, p2, odd, target) };
            }
        }
    }
    body::<false>(x, fe, fo, hp, hc, out, p2, odd, target)
}
