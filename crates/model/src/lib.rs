//! Network scenarios: the general random + low-rank model of docs/theory §1, its TOML schema,
//! validation, and the constructors of the two papers.
//!
//! Map of the crate:
//! - [`network`]: the resolved [`Model`] that theory and simulation consume (populations,
//!   gains g_pq, loading statistics M^{(p)}, σ^{(p)}, terms m nᵀ/N₀, inputs, readouts, φ).
//! - [`builder`]: [`ModelBuilder`], primitive and basis-combination vectors (§2.6) → [`Model`].
//! - [`validate`]: `Model::validate`, the PSD test (§4), sampling factors, spectrum of Ω.
//! - [`scenario`]: scenario files → [`Scenario`] (model + [`SimulationSpec`] + provenance).
//! - [`overrides`]: `--set KEY=VALUE` on the TOML tree ([`Override`]).
//! - [`mo2018`]: Mastrogiuseppe & Ostojic (2018) constructors (rank one, ring, rank two, tasks).
//! - [`cb2025`]: Clark & Beiran (2025) multiregion networks (T, U tensors, T̂, σ_n² rule).
//! - [`bundled`]: the scenario files shipped in `scenarios/`, embedded.
//! - [`linalg`]: eigen/SVD decompositions with an iteration cap and a typed error.
//! - [`error`]: [`ModelError`], one variant per failure, each naming the field.
//! - [`interrupt`]: [`Interrupt`], the stop request that long computations check between steps.
//!
//! ```
//! use lowrank_model::Scenario;
//! let s = Scenario::from_toml_str(lowrank_model::bundled::get("mo2018-ring").unwrap(), &[]).unwrap();
//! assert_eq!(s.model.rank(), 2);
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]
pub mod builder;
pub mod bundled;
pub mod cb2025;
pub mod error;
pub mod interrupt;
pub mod linalg;
pub mod mo2018;
pub mod network;
pub mod overrides;
pub mod scenario;
pub mod shard;
pub mod validate;

pub use builder::ModelBuilder;
pub use error::ModelError;
pub use interrupt::Interrupt;
pub use lowrank_gauss::Phi;
/// Re-export of the linear-algebra crate used in public types (`DMatrix`, `DVector`).
pub use nalgebra;
pub use network::{
    Input, LoadingStats, Model, ModelParts, Population, Pulse, Readout, Schedule, Term,
};
pub use overrides::Override;
pub use scenario::{Init, Integrator, Scenario, SimulationSpec, Source};
