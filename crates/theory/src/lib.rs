//! Mean-field and dynamical mean-field theory of random + low-rank recurrent networks.
//!
//! Map of the crate (docs/theory/ section in brackets):
//! - [`error`]: [`TheoryError`], the one error type of the crate.
//! - [`convergence`]: [`Convergence`] and [`Termination`], the report every iterative result
//!   carries (flattened into it) and the typed reason a solver stopped.
//! - [`meanfield`]: the general model flattened for evaluation — means, loading–state covariances,
//!   structured variance, the Stein drive κ (§1.4–1.5). Every equation below is built from it.
//! - [`equations`]: residuals of the static (§1.6) and stationary chaotic (§1.7) equations and the
//!   per-population potential method.
//! - [`roots`]: bracketed scalar roots (argmin `BrentRoot`) with a convergence report.
//! - [`solve`]: Newton-type root finding (through `argmin`) with globalisation, multiple starts,
//!   deflation; every [`solve::Solution`] carries `converged`, `residual`, `iterations`.
//! - [`continuation`]: pseudo-arclength continuation with fold and bifurcation detection.
//! - [`stability`]: bulk radius, outliers of the mean-field Jacobian (§1.9), classification.
//! - [`threshold`]: every fold, pitchfork, chaos onset and Hopf point of every branch in a
//!   parameter interval, located by Newton on extended systems.
//! - [`phase`]: one- and two-parameter sweeps, phase diagrams (rayon).
//! - [`mo2018`]: the \[MO\] studies — branches, g_C, g_BB, λ0^BB, inputs, ring, tasks (§2).
//! - [`currents`]: the current ODE without disorder (§1.8 with G = 0, §3.1).
//! - [`autocorrelation`]: Δ_p(τ) of a stationary chaotic solution, the particle in the potential
//!   of §1.7 integrated from Δ₀ to Δ∞ (RK4 with step halving, separatrix form near Δ∞).
//! - [`dmft`]: the time-dependent two-time DMFT (§1.8, §3.11) and its classification (§3.8).
//! - [`cb2025`]: the \[CB\] studies — potential method, g_c, g*, symmetric interactions, phase
//!   diagram, polytope (§3).

#![warn(missing_docs)]
#![forbid(unsafe_code)]
pub mod autocorrelation;
pub mod cb2025;
pub mod continuation;
pub mod convergence;
pub mod currents;
pub mod dmft;
pub mod equations;
pub mod error;
pub mod meanfield;
pub mod mo2018;
pub mod numerics;
pub mod phase;
pub mod roots;
pub mod solve;
pub mod stability;
pub mod threshold;

pub use convergence::{Convergence, Termination};
pub use error::TheoryError;
