//! Seeded random sub-streams.
//!
//! Every random draw of the crate comes from a [`Xoshiro256PlusPlus`] generator seeded by
//! [`stream`]`(seed, component)`: the user's seed and a component tag are mixed with the
//! SplitMix64 finaliser into a 64-bit seed, which `rand::SeedableRng::seed_from_u64` expands
//! (again by SplitMix64) into the 256-bit xoshiro state. Each component (one band of
//! [`SAMPLE_ROWS`] rows of a random block (p,q), the loadings of one population, the initial
//! condition of one trial, the noise of one trial) therefore has its own stream: changing the
//! size of one population does not shift the draws of the others, trial b's initial condition
//! does not depend on how many trials run, and the bands of J^rand are drawn in parallel with
//! the same bits on any number of threads. Normal deviates use `rand_distr::StandardNormal`
//! (ziggurat).

use rand::SeedableRng;

/// Rows of J^rand per random stream: bands of this many rows are drawn independently (and in
/// parallel). Fixed, so that the network does not depend on the thread count.
pub const SAMPLE_ROWS: usize = 64;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Which part of the simulation a random stream feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component {
    /// Rows `band·SAMPLE_ROWS ..` (within population `p`, at most [`SAMPLE_ROWS`] of them) of
    /// the random connectivity block from population `q` (source) to `p` (target).
    RandomRows {
        /// Target population.
        p: usize,
        /// Source population.
        q: usize,
        /// Index of the band of [`SAMPLE_ROWS`] rows within population `p`.
        band: usize,
    },
    /// Loading vectors of the neurons of population `p`.
    Loadings {
        /// Population.
        p: usize,
    },
    /// Initial condition of one trial.
    Initial {
        /// Trial index.
        trial: usize,
    },
    /// Input noise ξ(t) of one trial.
    Noise {
        /// Trial index.
        trial: usize,
    },
}

impl Component {
    fn tag(self) -> u64 {
        match self {
            // the band index is mixed in after a first hash of (p, q), so that any band count fits
            Component::RandomRows { p, q, band } => {
                splitmix64((1 << 56) | ((p as u64) << 28) | q as u64) ^ band as u64
            }
            Component::Loadings { p } => (2 << 56) | p as u64,
            Component::Initial { trial } => (3 << 56) | trial as u64,
            Component::Noise { trial } => (4 << 56) | trial as u64,
        }
    }
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of one component under a user seed (see the module docs).
///
/// ```
/// use lowrank_sim::rng::{stream, Component};
/// use rand::Rng;
/// let a: u64 = stream(7, Component::Loadings { p: 0 }).random();
/// let b: u64 = stream(7, Component::Loadings { p: 0 }).random();
/// let c: u64 = stream(7, Component::Loadings { p: 1 }).random();
/// assert_eq!(a, b);
/// assert_ne!(a, c);
/// ```
pub fn stream(seed: u64, component: Component) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(splitmix64(splitmix64(seed) ^ component.tag()))
}
