//! The bundled validation cases (docs/validation.md lists each with its observable and why).
//!
//! - [`mo`]: \[MO\] Fig. 1 at g = 0.5, 1.5 (stationary) and 2.5 (central chaos); heterogeneous
//!   chaos at λ₀ = 3.3, g = 2.6; Fig. 2 bistable with input (both branches); the ring attractor;
//!   Go/Nogo; detection below/above c*; context-dependent discrimination.
//! - [`cb`]: \[CB\] Fig. 4a, b = 2 at g = 0, 1.2 (static) and 1.8 (chaotic branch), b = 3 at g = 0
//!   and 2.4 (chaotic branch, with Δ∞); Fig. 3 set 1 (five regions, exchange mode); a two-region
//!   limit cycle with disorder against the two-time DMFT.
//! - [`nonlinear`]: beyond the papers' φ: a ReLU network with a constant input, non-odd positive
//!   rates 1 + tanh(x − 0.5) in chaos, the kinked hard tanh in chaos.
//! - [`autocorrelation`]: the theory's Δ(τ) against the measured autocorrelation, \[MO\] Fig. 1
//!   at g = 2.5 and \[CB\] Fig. 4b (b = 3, g = 2.4), each with an overlay figure.
//! - [`common`]: scenario loading, attractor selection, batched simulation helpers.

pub mod autocorrelation;
pub mod cb;
pub mod common;
pub mod mo;
pub mod nonlinear;

use crate::case::Suite;

/// Every bundled case and figure, cheapest first.
pub fn suite() -> Suite {
    Suite {
        cases: vec![
            cb::fig4a(2.0, 0.0, true),
            cb::fig4a(3.0, 0.0, true),
            cb::fig3_set1(),
            mo::gonogo(true),
            mo::gonogo(false),
            mo::fig1(0.5, false),
            mo::fig1(1.5, false),
            mo::bistable_input(),
            mo::detection(0.2, true),
            mo::detection(0.9, false),
            mo::context(),
            nonlinear::relu_input(),
            cb::fig4a(2.0, 1.2, true),
            mo::fig1(2.5, true),
            mo::rank_one(3.0, 2.6, true),
            mo::ring(),
            cb::fig4a(2.0, 1.8, false),
            cb::fig4a(3.0, 2.4, true),
            cb::limit_cycle(),
            nonlinear::rates_chaos(),
            nonlinear::hard_tanh_chaos(),
            autocorrelation::mo_fig1(),
            autocorrelation::cb_fig4b(),
        ],
        figures: vec![
            mo::fig1_figure(),
            mo::phase_figure(),
            cb::fig4a_figure(),
            autocorrelation::mo_fig1_figure(),
            autocorrelation::cb_fig4b_figure(),
        ],
    }
}
