//! Gaussian integrals for the mean-field theory of random + low-rank networks.
//!
//! Map of the crate:
//! - [`nonlinearity`]: the nonlinearities φ — the [`Nonlinearity`] trait (one file per built-in:
//!   tanh, erf(√π x/2), linear, relu, softplus, sigmoid, rect-tanh, hard-tanh, elu) and the value type
//!   [`Phi`] (a base and an affine form c + s·f(a(x − θ))), with φ′, φ″, φ‴, Φ, kinks, parity.
//! - `generic` (internal): kink-aware accuracy-controlled quadrature, the fallback of every
//!   Gaussian integral for a φ without closed forms.
//! - [`hermite`]: probabilists' Gauss–Hermite rules of any order, Gauss–Legendre, and
//!   Gaussian-weighted trapezoid rules (for large-variance tanh integrals), built once and cached
//!   process-wide.
//! - [`integrals`]: [`Gauss`], the integrator: ⟨f(μ+√Δ z)⟩, the [`Moments`] bundle, nested
//!   ∫Dz[∫Dx f]² and the [`Stationary`] bundle (C, F, ∂C/∂Δ; with first derivatives in
//!   (μ, Δ0, Δ): [`StationaryJet`]), bivariate E[f(x₁)g(x₂)], C_φ,
//!   E[φ′φ′]; typed [`GaussError`]s.
//! - `saturated` (internal): bounded-cost rules for tanh integrals at large variance — closed-form
//!   Gaussian tails where tanh has saturated (|x| > 18) plus composite Gauss–Legendre on the core,
//!   used by [`Gauss::moments`], [`Gauss::stationary`], [`Gauss::stationary_jet`] above
//!   [`integrals::SATURATED_MIN_VARIANCE`] where cheaper.
//! - [`mehler`]: the Mehler (Hermite) expansion of C_φ for any φ — per-(μ, Δ) coefficients
//!   ([`Mehler`]) and pair values with a rigorous truncation bound (the two-time DMFT source).
//! - [`erf`]: closed forms for φ = erf(√π x/2) (docs/theory §1.10), unchecked.
//! - [`fastmath`]: branch-free (vectorisable) arctan for the zero-mean erf source C_φ in hot loops.
//! - `reference` (cargo feature `reference`): slow independent adaptive (double-exponential)
//!   quadrature for tests in this and other crates.
//!
//! This crate knows nothing about networks.

#![warn(missing_docs)]
pub mod erf;
pub mod fastmath;
mod generic;
pub mod hermite;
pub mod integrals;
pub mod mehler;
pub mod nonlinearity;
#[cfg(feature = "reference")]
pub mod reference;
mod saturated;
pub mod simd;

pub use hermite::{GaussHermite, GaussLegendre, TrapezoidRule};
pub use integrals::{Gauss, GaussError, Moments, Stationary, StationaryJet};
pub use mehler::{Mehler, MehlerTail, MehlerValue};
pub use nonlinearity::{AffineError, Nonlinearity, Parity, Phi, UnknownNonlinearity};
