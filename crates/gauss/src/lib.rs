//! Gaussian integrals for the mean-field theory of random + low-rank networks.
//!
//! Map of the crate:
//! - [`phi`]: the nonlinearities φ (tanh, erf(√π x/2), linear) with φ′, φ″, φ‴ and Φ.
//! - [`hermite`]: probabilists' Gauss–Hermite rules of any order, built once and cached.
//! - [`integrals`]: ⟨f(μ+√Δ z)⟩, the [`Moments`] bundle, nested and bivariate expectations;
//!   closed forms for erf where they exist.
//!
//! This crate knows nothing about networks.

pub mod phi;

pub use phi::{Phi, UnknownNonlinearity};
