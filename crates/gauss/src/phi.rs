//! Pointwise nonlinearities φ with derivatives up to φ‴ and the primitive Φ (Φ′ = φ).

use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// A nonlinearity of the network, `φ`.
///
/// The enum is closed for speed (the simulator calls [`Phi::phi`] in its inner loop and a
/// `match` on a `Copy` enum inlines), and open for extension: add a variant, its five
/// pointwise functions and, if they exist, closed-form Gaussian moments.
///
/// ```
/// use lowrank_gauss::Phi;
/// assert!((Phi::Tanh.phi(0.5) - 0.5f64.tanh()).abs() < 1e-15);
/// assert!((Phi::Erf.dphi(0.0) - 1.0).abs() < 1e-15); // erf(√π x/2) has unit slope at 0
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phi {
    /// φ(x) = tanh x, Φ(x) = ln cosh x (\[MO\]).
    Tanh,
    /// φ(x) = erf(√π x / 2), φ′(0) = 1 (\[CB\]); Gaussian integrals in closed form.
    Erf,
    /// φ(x) = x; the network is linear and every mean-field quantity is exact.
    Linear,
}

/// Error for a nonlinearity name that is not known.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unknown nonlinearity `{0}` (known: tanh, erf, linear)")]
pub struct UnknownNonlinearity(pub String);

impl std::str::FromStr for Phi {
    type Err = UnknownNonlinearity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "tanh" => Ok(Phi::Tanh),
            "erf" => Ok(Phi::Erf),
            "linear" => Ok(Phi::Linear),
            other => Err(UnknownNonlinearity(other.to_string())),
        }
    }
}

impl std::fmt::Display for Phi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// √π / 2, the argument scale of the erf nonlinearity.
const ERF_SCALE: f64 = 0.886_226_925_452_758;

impl Phi {
    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Phi::Tanh => "tanh",
            Phi::Erf => "erf",
            Phi::Linear => "linear",
        }
    }

    /// φ(x).
    #[inline(always)]
    pub fn phi(self, x: f64) -> f64 {
        match self {
            Phi::Tanh => x.tanh(),
            Phi::Erf => libm::erf(ERF_SCALE * x),
            Phi::Linear => x,
        }
    }

    /// φ′(x).
    #[inline(always)]
    pub fn dphi(self, x: f64) -> f64 {
        match self {
            Phi::Tanh => {
                let t = x.tanh();
                1.0 - t * t
            }
            Phi::Erf => (-PI * x * x / 4.0).exp(),
            Phi::Linear => 1.0,
        }
    }

    /// φ″(x).
    #[inline(always)]
    pub fn d2phi(self, x: f64) -> f64 {
        match self {
            Phi::Tanh => {
                let t = x.tanh();
                -2.0 * t * (1.0 - t * t)
            }
            Phi::Erf => -PI * x / 2.0 * (-PI * x * x / 4.0).exp(),
            Phi::Linear => 0.0,
        }
    }

    /// φ‴(x).
    #[inline(always)]
    pub fn d3phi(self, x: f64) -> f64 {
        match self {
            Phi::Tanh => {
                let t = x.tanh();
                -2.0 * (1.0 - t * t) * (1.0 - 3.0 * t * t)
            }
            Phi::Erf => PI / 2.0 * (PI * x * x / 2.0 - 1.0) * (-PI * x * x / 4.0).exp(),
            Phi::Linear => 0.0,
        }
    }

    /// sup_x |φ(x)| when φ is bounded (`None` for an unbounded φ). Bounds every Gaussian average
    /// of φ and so the order parameters: |⟨nφ(x)⟩| ≤ √⟨n²⟩·sup|φ| (Cauchy–Schwarz), which is
    /// what makes a finite search box for the overlaps κ possible.
    ///
    /// ```
    /// use lowrank_gauss::Phi;
    /// assert_eq!(Phi::Tanh.sup_abs(), Some(1.0));
    /// assert_eq!(Phi::Linear.sup_abs(), None);
    /// ```
    pub fn sup_abs(self) -> Option<f64> {
        match self {
            Phi::Tanh | Phi::Erf => Some(1.0),
            Phi::Linear => None,
        }
    }

    /// The primitive Φ with Φ′ = φ and Φ(0) = 0.
    ///
    /// For tanh, ln cosh x = |x| + ln(1 + e^{−2|x|}) − ln 2, which never overflows.
    /// For erf, Φ(x) = x φ(x) + (2/π)(e^{−πx²/4} − 1).
    #[inline(always)]
    pub fn primitive(self, x: f64) -> f64 {
        match self {
            Phi::Tanh => {
                let a = x.abs();
                a + (-2.0 * a).exp().ln_1p() - std::f64::consts::LN_2
            }
            Phi::Erf => x * self.phi(x) + 2.0 / PI * ((-PI * x * x / 4.0).exp() - 1.0),
            Phi::Linear => 0.5 * x * x,
        }
    }
}
