//! The bundled validation cases (docs/validation.md lists each with its observable and why).
//!
//! - [`mo`]: \[MO\] Fig. 1 at g = 0.5, 1.5 (stationary) and 2.0 (chaotic); Fig. 2 bistable
//!   with input (both branches); the ring attractor; Go/Nogo; detection below/above c*.
//! - [`cb`]: \[CB\] Fig. 4a (b = 2) at g = 0, 1.2 (static) and 1.8 (chaotic branch); Fig. 3
//!   set 1 (five regions, exchange mode); a two-region limit cycle.
//! - [`common`]: scenario loading, attractor selection, batched simulation helpers.

pub mod cb;
pub mod common;
pub mod mo;

use crate::case::Suite;

/// Every bundled case and figure, cheapest first.
pub fn suite() -> Suite {
    Suite {
        cases: vec![
            cb::fig4a(0.0),
            cb::fig3_set1(),
            cb::limit_cycle(),
            mo::gonogo(true),
            mo::gonogo(false),
            mo::fig1(0.5, false),
            mo::fig1(1.5, false),
            mo::bistable_input(),
            mo::detection(0.2, true),
            mo::detection(0.9, false),
            cb::fig4a(1.2),
            mo::fig1(2.0, true),
            mo::ring(),
            cb::fig4a(1.8),
        ],
        figures: vec![mo::fig1_figure(), mo::phase_figure(), cb::fig4a_figure()],
    }
}
