//! The nonlinearities φ of the network: one file per nonlinearity, one trait, one value type.
//!
//! - [`Nonlinearity`]: what a nonlinearity is — pointwise φ, φ′, φ″, φ‴ and the primitive Φ
//!   (Φ′ = φ, Φ(0) = 0), its kinks, parity, range and analytic strip, plus *optional* closed
//!   forms of its Gaussian integrals. Every Gaussian integral of [`crate::Gauss`] falls back to
//!   accuracy-controlled, kink-aware quadrature when a closed form is absent, so implementing the
//!   five pointwise functions is enough for a user-defined φ to work in the theory and in
//!   simulations ([`Phi::custom`]).
//! - [`Phi`]: the value carried by models — a base nonlinearity f (built in or custom) and an
//!   affine form φ(x) = c + s·f(a(x − θ)) (gain a > 0, threshold θ, scale s ≠ 0, offset c).
//!   It is `Copy`; built-in bases dispatch statically (the simulator calls [`Phi::phi`] in its
//!   inner loop).
//!
//! Built in: `tanh`, `erf` (erf(√π x/2), unit slope at 0), `linear`, `relu` = max(0, x),
//! `softplus` = ln(1 + eˣ), `sigmoid` = 1/(1 + e^{−x}), `rect-tanh` = max(0, tanh x),
//! `hard-tanh` = clamp(x, −1, 1), `elu`. Adding one = one file implementing [`Nonlinearity`] plus its
//! registration: `mod`/`pub use` lines and one `registry!` line (variant, type, scenario name,
//! doc), which generates the `Phi::Name` constant, the name table and the static dispatch.
//!
//! ```
//! use lowrank_gauss::{Gauss, Phi};
//! let relu: Phi = "relu".parse().unwrap();
//! assert_eq!(relu.phi(-1.0), 0.0);
//! // positive rates 1 + tanh(x − 0.5), in the affine form of scenario files
//! let rate = Phi::Tanh.affine(1.0, 0.5, 1.0, 1.0).unwrap();
//! assert!((rate.phi(0.5) - 1.0).abs() < 1e-15);
//! assert!(!rate.is_odd());
//! // ⟨relu⟩ over N(0, 1) = 1/√(2π)
//! let m = Gauss::new(64).moments(relu, 0.0, 1.0).unwrap();
//! assert!((m.phi - 0.398_942_280_401_432_7).abs() < 1e-15);
//! ```

mod elu;
mod erf;
mod hard_tanh;
mod linear;
pub(crate) mod piecewise;
mod rect_tanh;
mod relu;
mod sigmoid;
mod softplus;
mod tanh;
pub(crate) mod truncated;

pub use elu::Elu;
pub use erf::{Erf, ERF_SCALE};
pub use hard_tanh::HardTanh;
pub use linear::Linear;
pub use rect_tanh::RectTanh;
pub use relu::Relu;
pub use sigmoid::Sigmoid;
pub use softplus::Softplus;
pub use tanh::Tanh;

use crate::integrals::{Gauss, Moments, StationaryJet};
use serde::{Deserialize, Serialize};

/// Symmetry of φ under x → −x.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parity {
    /// φ(−x) = −φ(x): the ± pairs of symmetric networks exist and κ = 0 is a state.
    Odd,
    /// φ(−x) = φ(x).
    Even,
    /// Neither.
    None,
}

/// A pointwise nonlinearity f and what is known in closed form about its Gaussian integrals.
///
/// Contract:
/// - f is continuous; φ′ may jump at the points listed by [`Nonlinearity::kinks`] (sorted,
///   finite), and f is analytic between them. At a kink, `dphi`, `d2phi`, `d3phi` may return
///   either one-sided value; the integrals add the jump terms of the distributional derivatives
///   themselves (e.g. ⟨φ″⟩ of relu is the Gaussian density at 0).
/// - The closed-form hooks receive **checked** arguments (finite means, variances ≥ 0,
///   |Δ₁₂| ≤ √(Δ₁₁Δ₂₂)) and return `None` when they have no closed form there; then the
///   integrator uses quadrature. A hook must be accurate to ≲ 1e−12.
///
/// # Examples
/// A user-defined φ(x) = x/(1 + |x|) ("softsign"), which then works in every Gaussian integral
/// (quadrature) and in simulations:
/// ```
/// use lowrank_gauss::{Gauss, Nonlinearity, Parity, Phi};
/// #[derive(Debug)]
/// struct Softsign;
/// impl Nonlinearity for Softsign {
///     fn name(&self) -> &'static str { "softsign" }
///     fn phi(&self, x: f64) -> f64 { x / (1.0 + x.abs()) }
///     fn dphi(&self, x: f64) -> f64 { 1.0 / (1.0 + x.abs()).powi(2) }
///     fn d2phi(&self, x: f64) -> f64 { -2.0 * x.signum() / (1.0 + x.abs()).powi(3) }
///     fn d3phi(&self, x: f64) -> f64 { 6.0 / (1.0 + x.abs()).powi(4) }
///     fn primitive(&self, x: f64) -> f64 { x.abs() - (1.0 + x.abs()).ln() }
///     // φ″ jumps at 0 (φ and φ′ are continuous there)
///     fn kinks(&self) -> &'static [f64] { &[0.0] }
///     fn parity(&self) -> Parity { Parity::Odd }
///     fn range(&self) -> (f64, f64) { (-1.0, 1.0) }
///     fn analytic_strip(&self) -> f64 { 1.0 }
/// }
/// static SOFTSIGN: Softsign = Softsign;
/// let phi = Phi::custom(&SOFTSIGN);
/// let m = Gauss::new(64).moments(phi, 0.3, 2.0).unwrap();
/// assert!(m.phi > 0.0 && m.phi < 1.0 && m.dphi > 0.0);
/// ```
pub trait Nonlinearity: Send + Sync + std::fmt::Debug + 'static {
    /// Name used in scenario files and outputs.
    fn name(&self) -> &'static str;
    /// φ(x).
    fn phi(&self, x: f64) -> f64;
    /// φ′(x) (pointwise; either one-sided value at a kink).
    fn dphi(&self, x: f64) -> f64;
    /// φ″(x) (pointwise, away from kinks).
    fn d2phi(&self, x: f64) -> f64;
    /// φ‴(x) (pointwise, away from kinks).
    fn d3phi(&self, x: f64) -> f64;
    /// The primitive Φ with Φ′ = φ and Φ(0) = 0.
    fn primitive(&self, x: f64) -> f64;
    /// [φ, φ′, φ″, φ‴, Φ] at x (Φ only when `primitive`, else 0): one call for quadrature nodes,
    /// where the five values can share work (softplus: one exponential for all of them).
    /// Default: the separate methods.
    #[inline(always)]
    fn jet(&self, x: f64, primitive: bool) -> [f64; 5] {
        [
            self.phi(x),
            self.dphi(x),
            self.d2phi(x),
            self.d3phi(x),
            if primitive { self.primitive(x) } else { 0.0 },
        ]
    }
    /// φ on the arithmetic progression x_i = x₀ + i·dx, i < `out.len()`, each value to an
    /// absolute error of at most 8ε·max(1, |φ(x_i)|) (for quadrature on equispaced nodes, where a
    /// recurrence can replace a transcendental function per node, see [`exp_progression`]).
    /// Default: [`Nonlinearity::phi`] at every node.
    fn phi_progression(&self, x0: f64, dx: f64, out: &mut [f64]) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = self.phi(x0 + i as f64 * dx);
        }
    }
    /// φ in single precision (the simulator's f32 path); by default through f64.
    #[inline(always)]
    fn phi_f32(&self, x: f32) -> f32 {
        self.phi(x as f64) as f32
    }
    /// φ′ in single precision; by default through f64.
    #[inline(always)]
    fn dphi_f32(&self, x: f32) -> f32 {
        self.dphi(x as f64) as f32
    }
    /// v_i ← φ(v_i) over a slice (the simulator's N×B states); by default [`Nonlinearity::phi`]
    /// per element. Override with a branch-free kernel the compiler can vectorise; it must
    /// stay within a few ulp of `phi`.
    #[inline(always)]
    fn phi_in_place(&self, v: &mut [f64]) {
        for x in v {
            *x = self.phi(*x);
        }
    }
    /// [`Nonlinearity::phi_in_place`] in single precision; by default
    /// [`Nonlinearity::phi_f32`] per element.
    #[inline(always)]
    fn phi_in_place_f32(&self, v: &mut [f32]) {
        for x in v {
            *x = self.phi_f32(*x);
        }
    }
    /// Points where a derivative of φ jumps (sorted ascending); empty for smooth φ.
    fn kinks(&self) -> &'static [f64] {
        &[]
    }
    /// Symmetry under x → −x.
    fn parity(&self) -> Parity {
        Parity::None
    }
    /// (inf φ, sup φ) over the real line (infinite ends for unbounded φ).
    fn range(&self) -> (f64, f64) {
        (f64::NEG_INFINITY, f64::INFINITY)
    }
    /// Half-width of a strip |Im x| < d around the real axis (between kinks) in which φ is
    /// analytic; sets the quadrature step (tanh: π/2, its poles at ±iπ/2). Smaller is safer.
    fn analytic_strip(&self) -> f64 {
        std::f64::consts::FRAC_PI_2
    }
    /// The points around which φ bends, if known: `Some(points)` promises that away from them
    /// and from the kinks φ is smooth on the scale of the distance to the nearest one — every
    /// complex singularity of (each piece of) φ has its real part at one of these points, and
    /// between them φ is close to its asymptotes (linear, constant or exponentially approached),
    /// with variations on a scale ≥ [`Nonlinearity::analytic_strip`] only near them (tanh and
    /// softplus: `Some(&[0.0])`, their poles and branch points all lie on Re x = 0). Quadrature
    /// at a large variance σ² then grades its panels geometrically from these points (and the
    /// kinks), ~12(18 + 2 log₂ σ) nodes, instead of the strip-width step everywhere (~70σ
    /// nodes). `None` (default): nothing is known; the strip-width step is used everywhere.
    fn bends(&self) -> Option<&'static [f64]> {
        None
    }
    /// Closed form (or specialised rule) of all [`Moments`] over x ~ N(μ, Δ); when `primitive`
    /// is false, ⟨Φ⟩ and ⟨Φ²⟩ may be returned as 0.
    fn moments(&self, _gauss: &Gauss, _mu: f64, _delta: f64, _primitive: bool) -> Option<Moments> {
        None
    }
    /// Closed form of (⟨φ⟩, ⟨φ′⟩) over x ~ N(μ, Δ).
    fn mean_and_gain(&self, _mu: f64, _delta: f64) -> Option<(f64, f64)> {
        None
    }
    /// Closed form (or specialised rule) of the nested integrals of [`StationaryJet`] at
    /// (μ, Δ₀, Δ), 0 ≤ Δ ≤ Δ₀; only `c`, `f`, `dc` are read unless `jet`.
    fn stationary(
        &self,
        _gauss: &Gauss,
        _mu: f64,
        _delta0: f64,
        _delta: f64,
        _jet: bool,
    ) -> Option<StationaryJet> {
        None
    }
    /// Closed form (or specialised rule) of C_φ = E[φ(x₁)φ(x₂)].
    #[allow(clippy::too_many_arguments)]
    fn c_phi(
        &self,
        _gauss: &Gauss,
        _mu1: f64,
        _mu2: f64,
        _d11: f64,
        _d22: f64,
        _d12: f64,
    ) -> Option<f64> {
        None
    }
    /// Closed form (or specialised rule) of E[φ′(x₁)φ′(x₂)].
    #[allow(clippy::too_many_arguments)]
    fn c_dphi(
        &self,
        _gauss: &Gauss,
        _mu1: f64,
        _mu2: f64,
        _d11: f64,
        _d22: f64,
        _d12: f64,
    ) -> Option<f64> {
        None
    }
    /// Closed form of the variance Δ at which the zero-mean gain ⟨φ′⟩(0, Δ) equals ψ.
    fn gain_inverse(&self, _psi: f64) -> Option<f64> {
        None
    }
    /// Whether [`Nonlinearity::c_phi`] is an O(1) closed form at every argument (means and
    /// variances), so that a two-time DMFT may call it once per pair of times.
    fn closed_form_source(&self) -> bool {
        false
    }
}

/// Calls `f(i, x_i, q_i)` for x_i = x₀ + i·dx, i < n, with q_i = e^{−c|x_i|} (c > 0) from one
/// multiplication per node: q_{i+1} = q_i·e^{∓c|dx|} (− moving away from 0, + towards it), with
/// an exact `exp` every 8 nodes, at a change of sign, after an underflow, and at every node when
/// c|dx| > 1 (so q has at most 8 roundings: relative error ≤ 9ε). For
/// [`Nonlinearity::phi_progression`] of the logistic family (tanh: c = 2, sigmoid: c = 1).
///
/// ```
/// use lowrank_gauss::nonlinearity::exp_progression;
/// exp_progression(-1.0, 0.05, 60, 2.0, |_, x, q| {
///     assert!((q - (-2.0 * x.abs()).exp()).abs() <= 9.0 * f64::EPSILON * q);
/// });
/// ```
pub fn exp_progression(x0: f64, dx: f64, n: usize, c: f64, mut f: impl FnMut(usize, f64, f64)) {
    let step = c * dx.abs();
    let exact = step.is_nan() || step > 1.0;
    let (away, toward) = ((-step).exp(), step.exp());
    let mut q = 0.0;
    let mut side = true;
    for i in 0..n {
        let x = x0 + i as f64 * dx;
        let pos = x >= 0.0;
        if exact || i % 8 == 0 || pos != side || q == 0.0 {
            q = (-c * x.abs()).exp();
        } else if pos == (dx > 0.0) {
            q *= away;
        } else {
            q *= toward;
        }
        side = pos;
        f(i, x, q);
    }
}

/// Declares the built-in bases: the `Base` enum, static dispatch over it and the name table.
/// A new built-in nonlinearity adds one line here (and its file and `mod` line above); the line
/// also generates its `Phi` constant and documents it. The leading `$` is
/// passed in so that the generated `with_base!` macro can have metavariables of its own.
macro_rules! registry {
    ($d:tt $($variant:ident => $ty:ident, $name:literal, $doc:literal;)*) => {
        /// The base nonlinearity f of a [`Phi`]: a built-in (static dispatch) or a custom one.
        #[derive(Clone, Copy, Debug)]
        pub(crate) enum Base {
            $($variant,)*
            Custom(&'static dyn Nonlinearity),
        }

        /// Names of the built-in nonlinearities, as in scenario files.
        pub const BUILTIN_NAMES: &[&str] = &[$($name),*];

        #[allow(non_upper_case_globals)]
        impl Phi {
            $(
                #[doc = $doc]
                pub const $variant: Phi = Phi::builtin(Base::$variant);
            )*
        }

        impl Base {
            fn from_name(name: &str) -> Option<Base> {
                match name {
                    $($name => Some(Base::$variant),)*
                    _ => None,
                }
            }
        }

        /// Runs the body with the identifier bound to the base's [`Nonlinearity`] (statically
        /// typed for the built-ins, so their pointwise functions inline).
        macro_rules! with_base {
            ($d base:expr, |$d f:ident| $d body:expr) => {{
                #[allow(unused_imports)]
                use $crate::nonlinearity::Nonlinearity as _;
                match $d base {
                    $($crate::nonlinearity::Base::$variant => {
                        let $d f = &$crate::nonlinearity::$ty;
                        $d body
                    })*
                    $crate::nonlinearity::Base::Custom($d f) => $d body,
                }
            }};
        }
    };
}

registry! { $
    Tanh => Tanh, "tanh", "φ(x) = tanh x, Φ(x) = ln cosh x.";
    Erf => Erf, "erf", "φ(x) = erf(√π x / 2), φ′(0) = 1; Gaussian integrals in closed form.";
    Linear => Linear, "linear", "φ(x) = x; the network is linear and every mean-field quantity is exact.";
    Relu => Relu, "relu", "φ(x) = max(0, x); Gaussian integrals in closed form (normal CDFs).";
    Softplus => Softplus, "softplus", "φ(x) = ln(1 + eˣ).";
    Sigmoid => Sigmoid, "sigmoid", "φ(x) = 1/(1 + e^{−x}) = (1 + tanh(x/2))/2.";
    RectTanh => RectTanh, "rect-tanh", "φ(x) = max(0, tanh x).";
    HardTanh => HardTanh, "hard-tanh", "φ(x) = clamp(x, −1, 1); Gaussian integrals in closed form.";
    Elu => Elu, "elu", "φ(x) = x for x > 0, eˣ − 1 for x ≤ 0 (exponential linear unit).";
}

pub(crate) use with_base;

impl Base {
    fn name(self) -> &'static str {
        with_base!(self, |f| f.name())
    }
}

/// Error for a nonlinearity name that is not known.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unknown nonlinearity `{0}` (known: {known})", known = BUILTIN_NAMES.join(", "))]
pub struct UnknownNonlinearity(pub String);

/// Error for an invalid affine form; names the offending key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AffineError {
    /// `gain` must be finite and > 0.
    #[error("nonlinearity.gain = {0}: must be finite and > 0")]
    Gain(f64),
    /// `scale` must be finite and ≠ 0.
    #[error("nonlinearity.scale = {0}: must be finite and non-zero")]
    Scale(f64),
    /// `threshold` must be finite.
    #[error("nonlinearity.threshold = {0}: must be finite")]
    Threshold(f64),
    /// `offset` must be finite.
    #[error("nonlinearity.offset = {0}: must be finite")]
    Offset(f64),
    /// The composed form overflows (|gain|, |scale|, |threshold| or |offset| above 10¹²).
    #[error("nonlinearity: the composed affine form is out of range (|value| > 1e12)")]
    OutOfRange,
}

/// Largest magnitude accepted for the affine parameters (keeps every derived quantity finite).
const AFFINE_LIMIT: f64 = 1e12;

/// A nonlinearity of the network: φ(x) = c + s·f(a(x − θ)) for a base f.
///
/// Fields are private so that every value is valid (a > 0, s ≠ 0, all finite); build with the
/// constants ([`Phi::Tanh`] …), [`str::parse`], [`Phi::custom`] and [`Phi::affine`].
///
/// ```
/// use lowrank_gauss::Phi;
/// assert!((Phi::Tanh.phi(0.5) - 0.5f64.tanh()).abs() < 1e-15);
/// assert!((Phi::Erf.dphi(0.0) - 1.0).abs() < 1e-15); // erf(√π x/2) has unit slope at 0
/// let p = Phi::Relu.affine(2.0, 1.0, 0.5, 0.1).unwrap(); // 0.1 + 0.5·relu(2(x − 1))
/// assert!((p.phi(3.0) - 2.1).abs() < 1e-15);
/// assert_eq!(p.to_string(), "0.1 + 0.5·relu(2·(x − 1))");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Phi {
    base: Base,
    gain: f64,
    threshold: f64,
    scale: f64,
    offset: f64,
    identity: bool,
}

#[allow(non_upper_case_globals)]
impl Phi {
    const fn builtin(base: Base) -> Phi {
        Phi {
            base,
            gain: 1.0,
            threshold: 0.0,
            scale: 1.0,
            offset: 0.0,
            identity: true,
        }
    }

    /// A user-defined nonlinearity (identity affine form). Gaussian integrals use its closed-form
    /// hooks where it provides them and kink-aware quadrature otherwise.
    pub fn custom(f: &'static dyn Nonlinearity) -> Phi {
        Phi::builtin(Base::Custom(f))
    }

    /// The affine form x ↦ c + s·φ(a(x − θ)) of this φ (`gain` a > 0, `threshold` θ, `scale`
    /// s ≠ 0, `offset` c); composes with an existing affine form.
    ///
    /// # Errors
    /// [`AffineError`] naming the invalid key (non-finite, a ≤ 0, s = 0, or out of range).
    ///
    /// # Examples
    /// ```
    /// use lowrank_gauss::Phi;
    /// let sig = Phi::Tanh.affine(0.5, 0.0, 0.5, 0.5).unwrap(); // (1 + tanh(x/2))/2
    /// assert!((sig.phi(0.7) - Phi::Sigmoid.phi(0.7)).abs() < 1e-15);
    /// assert!(Phi::Tanh.affine(0.0, 0.0, 1.0, 0.0).is_err());
    /// ```
    pub fn affine(
        self,
        gain: f64,
        threshold: f64,
        scale: f64,
        offset: f64,
    ) -> Result<Phi, AffineError> {
        if !(gain.is_finite() && gain > 0.0) {
            return Err(AffineError::Gain(gain));
        }
        if !(scale.is_finite() && scale != 0.0) {
            return Err(AffineError::Scale(scale));
        }
        if !threshold.is_finite() {
            return Err(AffineError::Threshold(threshold));
        }
        if !offset.is_finite() {
            return Err(AffineError::Offset(offset));
        }
        // c' + s'(c + s f(a(a'(x − θ') − θ))) = (c' + s'c) + s's f(a a'(x − θ' − θ/a'))
        let out_gain = self.gain * gain;
        let out_threshold = threshold + self.threshold / gain;
        let out_scale = self.scale * scale;
        let out_offset = offset + scale * self.offset;
        let ok = |x: f64| x.is_finite() && x.abs() <= AFFINE_LIMIT;
        if !(ok(out_gain)
            && ok(1.0 / out_gain)
            && ok(out_threshold)
            && ok(out_scale)
            && ok(1.0 / out_scale)
            && ok(out_offset))
        {
            return Err(AffineError::OutOfRange);
        }
        Ok(Phi {
            base: self.base,
            gain: out_gain,
            threshold: out_threshold,
            scale: out_scale,
            offset: out_offset,
            identity: out_gain == 1.0
                && out_threshold == 0.0
                && out_scale == 1.0
                && out_offset == 0.0,
        })
    }

    /// The base nonlinearity without the affine form.
    pub fn base(self) -> Phi {
        Phi::builtin(self.base)
    }

    /// Name of the base nonlinearity (`"tanh"`, …, or the custom name).
    pub fn name(self) -> &'static str {
        self.base.name()
    }

    /// Gain a of the affine form.
    pub fn gain(self) -> f64 {
        self.gain
    }
    /// Threshold θ of the affine form.
    pub fn threshold(self) -> f64 {
        self.threshold
    }
    /// Scale s of the affine form.
    pub fn scale(self) -> f64 {
        self.scale
    }
    /// Offset c of the affine form.
    pub fn offset(self) -> f64 {
        self.offset
    }
    /// Whether the affine form is the identity (a = 1, θ = 0, s = 1, c = 0).
    pub fn is_plain(self) -> bool {
        self.identity
    }

    /// Argument of the base: y = a(x − θ).
    #[inline(always)]
    pub(crate) fn inner_arg(self, x: f64) -> f64 {
        self.gain * (x - self.threshold)
    }

    pub(crate) fn base_kind(self) -> Base {
        self.base
    }

    /// φ(x).
    #[inline(always)]
    pub fn phi(self, x: f64) -> f64 {
        if self.identity {
            with_base!(self.base, |f| f.phi(x))
        } else {
            let y = self.inner_arg(x);
            self.offset + self.scale * with_base!(self.base, |f| f.phi(y))
        }
    }

    /// φ′(x).
    #[inline(always)]
    pub fn dphi(self, x: f64) -> f64 {
        if self.identity {
            with_base!(self.base, |f| f.dphi(x))
        } else {
            let y = self.inner_arg(x);
            self.scale * self.gain * with_base!(self.base, |f| f.dphi(y))
        }
    }

    /// φ″(x) (pointwise, away from kinks).
    #[inline(always)]
    pub fn d2phi(self, x: f64) -> f64 {
        if self.identity {
            with_base!(self.base, |f| f.d2phi(x))
        } else {
            let y = self.inner_arg(x);
            self.scale * self.gain * self.gain * with_base!(self.base, |f| f.d2phi(y))
        }
    }

    /// φ‴(x) (pointwise, away from kinks).
    #[inline(always)]
    pub fn d3phi(self, x: f64) -> f64 {
        if self.identity {
            with_base!(self.base, |f| f.d3phi(x))
        } else {
            let y = self.inner_arg(x);
            let a = self.gain;
            self.scale * a * a * a * with_base!(self.base, |f| f.d3phi(y))
        }
    }

    /// The primitive Φ with Φ′ = φ and Φ(0) = 0:
    /// Φ(x) = c·x + (s/a)(F(a(x − θ)) − F(−aθ)) for the base primitive F.
    ///
    /// For tanh, ln cosh x = |x| + ln(1 + e^{−2|x|}) − ln 2, which never overflows.
    #[inline(always)]
    pub fn primitive(self, x: f64) -> f64 {
        if self.identity {
            with_base!(self.base, |f| f.primitive(x))
        } else {
            let y = self.inner_arg(x);
            let y0 = self.inner_arg(0.0);
            let (fy, f0) = with_base!(self.base, |f| (f.primitive(y), f.primitive(y0)));
            self.offset * x + self.scale / self.gain * (fy - f0)
        }
    }

    /// [φ, φ′, φ″, φ‴, Φ] at x (Φ only when `primitive`, else 0) in one call
    /// ([`Nonlinearity::jet`] of the base, then the affine form).
    ///
    /// ```
    /// use lowrank_gauss::Phi;
    /// let phi = Phi::Softplus.affine(2.0, 0.5, 1.5, -1.0).unwrap();
    /// let j = phi.jet(0.3, true);
    /// assert!((j[0] - phi.phi(0.3)).abs() < 1e-15 && (j[4] - phi.primitive(0.3)).abs() < 1e-14);
    /// ```
    #[inline(always)]
    pub fn jet(self, x: f64, primitive: bool) -> [f64; 5] {
        if self.identity {
            return with_base!(self.base, |f| f.jet(x, primitive));
        }
        let y = self.inner_arg(x);
        let [p, d1, d2, d3, q] = with_base!(self.base, |f| f.jet(y, primitive));
        let (a, s) = (self.gain, self.scale);
        let prim = if primitive {
            let f0 = with_base!(self.base, |f| f.primitive(self.inner_arg(0.0)));
            self.offset * x + s / a * (q - f0)
        } else {
            0.0
        };
        [
            self.offset + s * p,
            s * a * d1,
            s * a * a * d2,
            s * a * a * a * d3,
            prim,
        ]
    }

    /// φ on the progression x_i = x₀ + i·dx, i < `out.len()`: [`Nonlinearity::phi_progression`]
    /// of the base at y_i = a(x₀ − θ) + i·a·dx (positions exact to a few ε·(|a(x₀ − θ)| +
    /// i|a·dx|)), then the affine form; values to an absolute error of about 8ε·max(1, |φ|)·(1 +
    /// |s| + |c|).
    ///
    /// ```
    /// use lowrank_gauss::Phi;
    /// let mut v = [0.0; 50];
    /// Phi::Tanh.phi_progression(-2.0, 0.1, &mut v);
    /// for (i, t) in v.iter().enumerate() {
    ///     assert!((t - (-2.0 + i as f64 * 0.1).tanh()).abs() < 1e-15);
    /// }
    /// ```
    pub fn phi_progression(self, x0: f64, dx: f64, out: &mut [f64]) {
        if self.identity {
            with_base!(self.base, |f| f.phi_progression(x0, dx, out))
        } else {
            let (y0, dy) = (self.inner_arg(x0), self.gain * dx);
            with_base!(self.base, |f| f.phi_progression(y0, dy, out));
            for o in out.iter_mut() {
                *o = self.offset + self.scale * *o;
            }
        }
    }

    /// v_i ← φ(v_i) for every entry (one dispatch on the base for the whole slice, so the
    /// loop runs the base's own, possibly vectorised, [`Nonlinearity::phi_in_place`]).
    ///
    /// # Examples
    /// ```
    /// use lowrank_gauss::Phi;
    /// let mut v = [-1.0, 0.0, 0.5];
    /// Phi::Tanh.phi_in_place(&mut v);
    /// for (t, x) in v.iter().zip([-1.0f64, 0.0, 0.5]) {
    ///     assert!((t - x.tanh()).abs() <= 4.0 * f64::EPSILON);
    /// }
    /// ```
    pub fn phi_in_place(self, v: &mut [f64]) {
        if self.identity {
            with_base!(self.base, |f| f.phi_in_place(v))
        } else {
            for x in v.iter_mut() {
                *x = self.inner_arg(*x);
            }
            with_base!(self.base, |f| f.phi_in_place(v));
            for x in v.iter_mut() {
                *x = self.offset + self.scale * *x;
            }
        }
    }

    /// [`Phi::phi_in_place`] in single precision (the simulator's f32 path), with the affine
    /// parameters rounded to f32 as in [`Phi::phi_f32`].
    pub fn phi_in_place_f32(self, v: &mut [f32]) {
        if self.identity {
            with_base!(self.base, |f| f.phi_in_place_f32(v))
        } else {
            let (gain, threshold) = (self.gain as f32, self.threshold as f32);
            for x in v.iter_mut() {
                *x = gain * (*x - threshold);
            }
            with_base!(self.base, |f| f.phi_in_place_f32(v));
            let (offset, scale) = (self.offset as f32, self.scale as f32);
            for x in v.iter_mut() {
                *x = offset + scale * *x;
            }
        }
    }

    /// φ in single precision (simulator f32 path).
    #[inline(always)]
    pub fn phi_f32(self, x: f32) -> f32 {
        if self.identity {
            with_base!(self.base, |f| f.phi_f32(x))
        } else {
            let y = self.gain as f32 * (x - self.threshold as f32);
            self.offset as f32 + self.scale as f32 * with_base!(self.base, |f| f.phi_f32(y))
        }
    }

    /// φ′ in single precision (simulator f32 path).
    #[inline(always)]
    pub fn dphi_f32(self, x: f32) -> f32 {
        if self.identity {
            with_base!(self.base, |f| f.dphi_f32(x))
        } else {
            let y = self.gain as f32 * (x - self.threshold as f32);
            (self.scale * self.gain) as f32 * with_base!(self.base, |f| f.dphi_f32(y))
        }
    }

    /// Kinks of φ (points where a derivative jumps), ascending: θ + k/a for the base kinks k.
    ///
    /// ```
    /// use lowrank_gauss::Phi;
    /// assert_eq!(Phi::HardTanh.kinks().collect::<Vec<_>>(), vec![-1.0, 1.0]);
    /// assert_eq!(Phi::Tanh.kinks().count(), 0);
    /// ```
    pub fn kinks(self) -> impl Iterator<Item = f64> {
        let (a, t) = (self.gain, self.threshold);
        let identity = self.identity;
        with_base!(self.base, |f| f.kinks())
            .iter()
            .map(move |k| if identity { *k } else { t + k / a })
    }

    /// The points around which φ bends ([`Nonlinearity::bends`]), θ + b/a for the base's, or
    /// `None` when the base does not say.
    ///
    /// ```
    /// use lowrank_gauss::Phi;
    /// assert_eq!(Phi::Softplus.bends().unwrap().collect::<Vec<_>>(), vec![0.0]);
    /// ```
    pub fn bends(self) -> Option<impl Iterator<Item = f64>> {
        let (a, t) = (self.gain, self.threshold);
        let identity = self.identity;
        with_base!(self.base, |f| f.bends())
            .map(move |b| b.iter().map(move |x| if identity { *x } else { t + x / a }))
    }

    /// Whether φ has kinks.
    pub fn is_smooth(self) -> bool {
        with_base!(self.base, |f| f.kinks()).is_empty()
    }

    /// Parity of φ under x → −x (the affine form keeps oddness only with θ = 0 and c = 0).
    pub fn parity(self) -> Parity {
        let p = with_base!(self.base, |f| f.parity());
        match p {
            Parity::Odd if self.threshold == 0.0 && self.offset == 0.0 => Parity::Odd,
            Parity::Even if self.threshold == 0.0 => Parity::Even,
            _ => Parity::None,
        }
    }

    /// φ is odd: the results that need oddness (± pairs, κ = 0 states, mirrored seeds) check this.
    ///
    /// ```
    /// use lowrank_gauss::Phi;
    /// assert!(Phi::Tanh.is_odd() && Phi::HardTanh.is_odd());
    /// assert!(!Phi::Relu.is_odd() && !Phi::Sigmoid.is_odd());
    /// ```
    pub fn is_odd(self) -> bool {
        self.parity() == Parity::Odd
    }

    /// (inf φ, sup φ) over the real line.
    pub fn range(self) -> (f64, f64) {
        let (lo, hi) = with_base!(self.base, |f| f.range());
        let (a, b) = (self.offset + self.scale * lo, self.offset + self.scale * hi);
        if self.scale > 0.0 {
            (a, b)
        } else {
            (b, a)
        }
    }

    /// sup_x |φ(x)| when φ is bounded (`None` for an unbounded φ). Bounds every Gaussian average
    /// of φ and so the order parameters: |⟨nφ(x)⟩| ≤ √⟨n²⟩·sup|φ| (Cauchy–Schwarz), which is
    /// what makes a finite search box for the overlaps κ possible.
    ///
    /// ```
    /// use lowrank_gauss::Phi;
    /// assert_eq!(Phi::Tanh.sup_abs(), Some(1.0));
    /// assert_eq!(Phi::Sigmoid.sup_abs(), Some(1.0));
    /// assert_eq!(Phi::Linear.sup_abs(), None);
    /// assert_eq!(Phi::Relu.sup_abs(), None);
    /// ```
    pub fn sup_abs(self) -> Option<f64> {
        let (lo, hi) = self.range();
        let s = lo.abs().max(hi.abs());
        s.is_finite().then_some(s)
    }

    /// Half-width of the analytic strip of φ (between kinks), in units of x.
    pub fn analytic_strip(self) -> f64 {
        with_base!(self.base, |f| f.analytic_strip()) / self.gain
    }

    /// Closed form of the variance Δ whose zero-mean gain ⟨φ′⟩(0, Δ) is ψ, where the base has
    /// one and the affine form keeps the base argument centred (θ = 0, s·a > 0):
    /// ⟨φ′⟩(0, Δ) = s·a·⟨f′⟩(0, a²Δ). `None` otherwise (solve numerically).
    ///
    /// ```
    /// use lowrank_gauss::Phi;
    /// // erf: Δ = (2/π)(1/ψ² − 1)
    /// let d = Phi::Erf.gain_inverse(0.5).unwrap();
    /// assert!((d - 6.0 / std::f64::consts::PI).abs() < 1e-14);
    /// assert!(Phi::Tanh.gain_inverse(0.5).is_none());
    /// ```
    pub fn gain_inverse(self, psi: f64) -> Option<f64> {
        let sa = self.scale * self.gain;
        if self.threshold != 0.0 || sa.is_nan() || sa <= 0.0 {
            return None;
        }
        with_base!(self.base, |f| f.gain_inverse(psi / sa)).map(|d| d / (self.gain * self.gain))
    }

    /// Whether C_φ = E[φ(x₁)φ(x₂)] ([`crate::Gauss::c_phi`]) is an O(1) closed form at every
    /// non-degenerate argument (erf, linear, relu, hard-tanh and their affine forms; relu and
    /// hard-tanh by bivariate-normal CDFs, with the kink-aware quadrature at σ = 0 or |ρ| = 1).
    pub fn closed_form_source(self) -> bool {
        with_base!(self.base, |f| f.closed_form_source())
    }
}

impl PartialEq for Phi {
    fn eq(&self, other: &Phi) -> bool {
        let same_base = match (self.base, other.base) {
            (Base::Custom(a), Base::Custom(b)) => {
                std::ptr::addr_eq(a as *const dyn Nonlinearity, b as *const dyn Nonlinearity)
            }
            (Base::Custom(_), _) | (_, Base::Custom(_)) => false,
            (a, b) => std::mem::discriminant(&a) == std::mem::discriminant(&b),
        };
        same_base
            && self.gain == other.gain
            && self.threshold == other.threshold
            && self.scale == other.scale
            && self.offset == other.offset
    }
}

impl std::str::FromStr for Phi {
    type Err = UnknownNonlinearity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Base::from_name(s)
            .map(Phi::builtin)
            .ok_or_else(|| UnknownNonlinearity(s.to_string()))
    }
}

impl std::fmt::Display for Phi {
    /// The name for a plain φ; `c + s·f(a·(x − θ))` (terms at their defaults omitted) otherwise.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.identity {
            return f.write_str(self.name());
        }
        if self.offset != 0.0 {
            write!(f, "{} + ", self.offset)?;
        }
        if self.scale != 1.0 {
            write!(f, "{}·", self.scale)?;
        }
        let arg = match (self.gain != 1.0, self.threshold != 0.0) {
            (false, false) => "x".to_string(),
            (true, false) => format!("{}·x", self.gain),
            (false, true) => format!("x − {}", self.threshold),
            (true, true) => format!("{}·(x − {})", self.gain, self.threshold),
        };
        write!(f, "{}({arg})", self.name())
    }
}

/// The table form of a nonlinearity in scenario files and JSON outputs.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AffineTable {
    kind: String,
    #[serde(default = "one")]
    gain: f64,
    #[serde(default)]
    threshold: f64,
    #[serde(default = "one")]
    scale: f64,
    #[serde(default)]
    offset: f64,
}

fn one() -> f64 {
    1.0
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PhiRepr {
    Name(String),
    Table(AffineTable),
}

impl Serialize for Phi {
    /// The plain name for a plain φ, else the table `{kind, gain, threshold, scale, offset}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.identity {
            s.serialize_str(self.name())
        } else {
            AffineTable {
                kind: self.name().to_string(),
                gain: self.gain,
                threshold: self.threshold,
                scale: self.scale,
                offset: self.offset,
            }
            .serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Phi {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match PhiRepr::deserialize(d)? {
            PhiRepr::Name(n) => n.parse().map_err(D::Error::custom),
            PhiRepr::Table(t) => {
                let base: Phi = t.kind.parse().map_err(D::Error::custom)?;
                base.affine(t.gain, t.threshold, t.scale, t.offset)
                    .map_err(D::Error::custom)
            }
        }
    }
}

/// ⟨F(y) − F(y₀)⟩-type bookkeeping for the affine transform of Gaussian moments (see
/// [`transform_moments`]).
impl Phi {
    /// Base-coordinate mean and variance of y = a(x − θ) for x ~ N(μ, Δ).
    #[inline(always)]
    pub(crate) fn base_args(self, mu: f64, delta: f64) -> (f64, f64) {
        (self.inner_arg(mu), self.gain * self.gain * delta)
    }
}

/// Moments of φ = c + s·f(a(x − θ)) over x ~ N(μ, Δ) from the moments `m` of f over
/// y ~ N(a(μ − θ), a²Δ):
/// ⟨φ⟩ = c + s⟨f⟩, ⟨φ⁽ⁿ⁾⟩ = s aⁿ⟨f⁽ⁿ⁾⟩, ⟨φ²⟩ = c² + 2cs⟨f⟩ + s²⟨f²⟩, ⟨φ′²⟩ = s²a²⟨f′²⟩,
/// ⟨φφ′⟩ = csa⟨f′⟩ + s²a⟨ff′⟩, ⟨φφ″⟩ = csa²⟨f″⟩ + s²a²⟨ff″⟩, and with Φ = cx + r(F(y) − F₀),
/// r = s/a, F₀ = F(−aθ): ⟨Φ⟩ = cμ + r(⟨F⟩ − F₀),
/// ⟨Φ²⟩ = c²(μ² + Δ) + 2cr(μ(⟨F⟩ − F₀) + aΔ⟨f⟩) + r²(⟨F²⟩ − 2F₀⟨F⟩ + F₀²)
/// (Stein: E[(x − μ)G(x)] = ΔE[G′(x)]).
pub(crate) fn transform_moments(
    phi: Phi,
    m: Moments,
    mu: f64,
    delta: f64,
    primitive: bool,
) -> Moments {
    let (a, c, s) = (phi.gain, phi.offset, phi.scale);
    let mut out = Moments {
        phi: c + s * m.phi,
        dphi: s * a * m.dphi,
        d2phi: s * a * a * m.d2phi,
        d3phi: s * a * a * a * m.d3phi,
        phi2: c * c + 2.0 * c * s * m.phi + s * s * m.phi2,
        dphi2: s * s * a * a * m.dphi2,
        phi_dphi: c * s * a * m.dphi + s * s * a * m.phi_dphi,
        phi_d2phi: c * s * a * a * m.d2phi + s * s * a * a * m.phi_d2phi,
        prim: 0.0,
        prim2: 0.0,
    };
    if primitive {
        let r = s / a;
        let f0 = with_base!(phi.base, |f| f.primitive(phi.inner_arg(0.0)));
        let p = m.prim - f0;
        out.prim = c * mu + r * p;
        out.prim2 = c * c * (mu * mu + delta)
            + 2.0 * c * r * (mu * p + a * delta * m.phi)
            + r * r * (m.prim2 - 2.0 * f0 * m.prim + f0 * f0);
    }
    out
}
