//! The floating-point type of a simulation: `f64` (reference) or `f32` (≈2× faster, the
//! dense step being memory bound).

use lowrank_gauss::Phi;

/// A real scalar the integrator can run in: `f32` or `f64`.
///
/// A [`crate::Network`] is sampled in `f64`; a simulator in `f32` holds the sampled values
/// rounded once (drawn straight into `f32` by [`crate::Simulator::sample`]). φ is evaluated in the scalar's own precision ([`Phi::phi_f32`] / [`Phi::phi`]).
pub trait Real:
    faer::traits::RealField
    + Copy
    + Send
    + Sync
    + std::fmt::Debug
    + std::ops::Neg<Output = Self>
    + 'static
{
    /// Round an `f64` to this type.
    fn of(x: f64) -> Self;
    /// Widen to `f64`.
    fn to_f64(self) -> f64;
    /// φ(x) in this precision.
    fn phi(self, phi: Phi) -> Self;
    /// φ′(x) in this precision.
    fn dphi(self, phi: Phi) -> Self;
    /// v_i ← φ(v_i) over a slice in this precision ([`Phi::phi_in_place`] /
    /// [`Phi::phi_in_place_f32`]: one dispatch, a vectorised kernel where the nonlinearity
    /// has one).
    fn phi_in_place(phi: Phi, v: &mut [Self]);
    /// `true` unless NaN or ±∞.
    fn finite(self) -> bool;
    /// Take a vector of `f64`: moved as is for `f64`, rounded entry by entry for `f32`.
    fn from_f64_vec(v: Vec<f64>) -> Vec<Self>;
    /// Name for reports (`"f32"`, `"f64"`).
    const NAME: &'static str;
}

impl Real for f64 {
    #[inline(always)]
    fn of(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn phi(self, phi: Phi) -> Self {
        phi.phi(self)
    }
    #[inline(always)]
    fn dphi(self, phi: Phi) -> Self {
        phi.dphi(self)
    }
    #[inline(always)]
    fn phi_in_place(phi: Phi, v: &mut [Self]) {
        phi.phi_in_place(v)
    }
    #[inline(always)]
    fn finite(self) -> bool {
        self.is_finite()
    }
    fn from_f64_vec(v: Vec<f64>) -> Vec<Self> {
        v
    }
    const NAME: &'static str = "f64";
}

impl Real for f32 {
    #[inline(always)]
    fn of(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn phi(self, phi: Phi) -> Self {
        phi.phi_f32(self)
    }
    #[inline(always)]
    fn dphi(self, phi: Phi) -> Self {
        phi.dphi_f32(self)
    }
    #[inline(always)]
    fn phi_in_place(phi: Phi, v: &mut [Self]) {
        phi.phi_in_place_f32(v)
    }
    #[inline(always)]
    fn finite(self) -> bool {
        self.is_finite()
    }
    fn from_f64_vec(v: Vec<f64>) -> Vec<Self> {
        // a new allocation (not an in-place collect, which would keep the f64 capacity)
        let out = v.iter().map(|&x| x as f32).collect();
        drop(v);
        out
    }
    const NAME: &'static str = "f32";
}
