//! Network scenarios: the general random + low-rank model of THEORY.md §1.
//!
//! Map of the crate:
//! - [`network`]: the resolved [`Model`] that theory and simulation consume.

pub mod network;

pub use lowrank_gauss::Phi;
pub use network::{Input, LoadingStats, Model, Population, Pulse, Readout, Schedule, Term};
