//! Finite-N simulation of random + low-rank recurrent networks (docs/theory §1.1, §3.12).
//!
//! Map of the crate:
//! - [`network`]: [`Network::sample`] draws a finite network (sizes N_p = round(α_p N₀), random
//!   blocks N(0, g_pq²/N₀), Gaussian loadings) from a [`lowrank_model::Model`] and a seed;
//!   empirical statistics of the drawn vectors.
//! - [`rng`]: the seeded sub-streams (xoshiro256++ per component) behind every draw.
//! - [`simulate`]: [`Simulator`] integrates ẋ = −x + J^rand φ(x) + (1/N₀) Σ m^k n^k·φ(x) + Σ I^a u_a(t)
//!   for B trials at once (Euler, Heun, RK4, Euler–Maruyama input noise), in `f64` or `f32`.
//! - [`result`]: [`SimulationResult`] with `kappa`, `currents`, `mu`, `delta0`, `delta_inf`,
//!   `readouts`, series, traces and the autocorrelation Δ_p(τ).
//! - [`spectrum`]: eigenvalues of J and of J·diag(φ′(x⁰)), bulk radius and outliers (§1.9).
//! - [`scalar`]: the [`Real`] trait (`f32`/`f64`).
//! - [`testing`]: small ready-made models for examples, tests and benches.
//! - [`error`]: the typed errors, [`SimError`].
//!
//! ```
//! use lowrank_sim::{testing::rank_one_model, Network, SimConfig, Simulator};
//! let model = rank_one_model(0.0, 1.0, 0.5, 1.0, 1.0, lowrank_gauss::Phi::Tanh).unwrap();
//! let net = Network::sample(&model, 200, 42).unwrap();
//! let res = Simulator::<f64>::new(&net).run(&SimConfig::new(30.0, 0.1)).unwrap();
//! assert!(res.kappa[0].abs() < 1e-3); // Ω = 0.5 < 1: activity decays to the trivial state
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]
pub mod error;
pub mod network;
pub mod result;
pub mod rng;
pub mod scalar;
pub mod simulate;
pub mod spectrum;
pub mod testing;

pub use error::SimError;
pub use network::{EmpiricalStats, Network, RandomBlock};
pub use result::{Autocorrelation, Series, SimulationResult, Traces, TrialAverages, TrialSeries};
pub use scalar::Real;
pub use simulate::{AutocorrConfig, Init, Method, SimConfig, Simulator, State};
pub use spectrum::{connectivity_spectrum, jacobian_spectrum, Spectrum};
