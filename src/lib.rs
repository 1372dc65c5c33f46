//! `lowrank`: mean-field theory and simulation of random + low-rank recurrent networks
//! (Mastrogiuseppe & Ostojic 2018; Clark & Beiran 2025). The science is in docs/theory/, the
//! architecture in docs/architecture.md.
//!
//! Map of the workspace, re-exported here:
//! - [`model`] (`lowrank-model`): what a network is — scenario files, validation, paper constructors.
//! - [`gauss`] (`lowrank-gauss`): Gaussian integrals and nonlinearities φ.
//! - [`theory`] (`lowrank-theory`): mean-field, DMFT, stability, continuation.
//! - [`sim`] (`lowrank-sim`): finite-N networks.
//! - [`plot`]: line plots and regime maps (`plotters`, embedded DejaVu Sans font).
//! - [`documents`]: the JSON documents of `solve --json` and `simulate --json` (shared by the
//!   command line and the Python package); [`machine`]: available memory for the budgets.
//! - [`source`]: loading a scenario (file, bundled, text) with overrides; [`sweep`]: grids of
//!   mean-field solutions; [`spectrum`]: one network's eigenvalues against the
//!   predictions; [`study`]: the multiregion studies; [`progress`]: items done and the stop request of long computations.
//!
//! The command-line interface (`lowrank check|...`) lives in the binary (`src/main.rs`,
//! `src/cli/`).
//!
//! ```
//! let s = lowrank::model::bundled::load("mo2018-fig1", &[]).unwrap().unwrap();
//! assert!((s.model.overlap_matrix()[(0, 0)] - 2.2).abs() < 1e-12); // λ₀ = M_m M_n
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]
pub use lowrank_gauss as gauss;
pub use lowrank_model as model;
pub use lowrank_sim as sim;
pub use lowrank_theory as theory;

pub mod documents;
pub mod machine;
pub mod plot;
pub mod progress;
pub mod shard;
pub mod simulation;
pub mod source;
pub mod spectrum;
pub mod study;
pub mod sweep;
