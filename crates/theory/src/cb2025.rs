//! The \[CB\] studies (Clark & Beiran 2025, docs/theory §3), built on the general equations
//! ([`crate::meanfield`], [`crate::equations`], [`crate::currents`], [`crate::dmft`]).
//!
//! - [`potential`]: the potential method for one region — static / chaotic-with-currents / pure
//!   chaos branches, g_c(b), the grid-detected onset, g*(b), Fig. 4a curves, Δ(τ) (§3.2–3.3, §3.6).
//! - [`polytope`]: the attractor manifold of exchange-mode networks, exact vertex enumeration,
//!   fracture variables and 2^f components (§3.7).
//! - [`studies`]: the Fig. 5 phase diagram (§3.8), shaping by disorder in one region (Fig. 6,
//!   §3.9), input-driven switches (§3.10).
//!
//! The symmetric-interaction predictions (self-loop vs exchange mode, A^μ) are
//! [`crate::currents::symmetric_prediction`].

pub(crate) mod abscissa;
pub mod polytope;
pub mod potential;
pub mod studies;
