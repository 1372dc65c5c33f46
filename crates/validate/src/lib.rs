//! Validation of the mean-field theory against finite-N simulation: do simulated overlaps,
//! variances and currents converge to the theory as N grows? (docs/validation.md)
//!
//! Map of the crate:
//! - [`case`]: a [`case::Case`] pairs a theory prediction with a finite-N measurement
//!   (scenario, observables, rule); [`case::Suite`] collects cases and theory-curve figures.
//! - [`runner`]: runs cases over sizes N × seeds ([`runner::Grid`]), summarises errors per N;
//!   [`runner::shard`] runs a slice of the (case, N, seed) measurements and merges the slices
//!   into the unsharded result.
//! - [`stats`]: Student-t intervals over seeds and the log–log least-squares exponent.
//! - [`rule`]: the pass/fail rule, stated up front (decay exponent + calibrated N^{-1/2} bound).
//! - [`report`]: `report.md`, `report.json`; [`plot`]: PNG plots (embedded font).
//! - [`cases`]: the bundled cases (\[MO\] Fig. 1, input-driven bistability, ring, tasks;
//!   \[CB\] b-sweep, five-region symmetric set, limit cycle) — `cases::suite()`.
//! - [`error`]: the error type [`ValidateError`].

#![warn(missing_docs)]
#![forbid(unsafe_code)]
pub mod case;
pub mod cases;
pub mod error;
pub mod plot;
pub mod report;
pub mod rule;
pub mod runner;
pub mod stats;

pub use error::ValidateError;
