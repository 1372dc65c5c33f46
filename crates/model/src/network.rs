//! The resolved general model of docs/theory §1: what theory and simulation consume.
//!
//! Populations p = 1..P with weights α_p = N_p/N₀; disorder gains g_pq; named loading
//! vectors whose entries, for a neuron of population p, are jointly Gaussian with mean
//! `stats[p].mean` and covariance `stats[p].cov`; rank-one terms m^k n^kᵀ/N₀; inputs
//! I^a u_a(t); readouts w^r; one nonlinearity φ.

use lowrank_gauss::Phi;
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

/// One population (a "region" in \[CB\]).
#[derive(Clone, Debug, PartialEq)]
pub struct Population {
    /// Name used in scenario files and `--set` paths.
    pub name: String,
    /// Weight α_p = N_p / N₀ (a fraction of N when populations are fractions; 1 for \[CB\] regions).
    pub weight: f64,
}

/// Gaussian statistics of the stacked loading entries ξ_i for neurons of one population.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadingStats {
    /// M^{(p)}: mean of each loading vector's entries (indexed like [`Model::vectors`]).
    pub mean: DVector<f64>,
    /// σ^{(p)}: covariance of the entries (V×V, symmetric positive semi-definite).
    pub cov: DMatrix<f64>,
}

/// A rank-one structure term m nᵀ / N₀ (indices into [`Model::vectors`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    /// Name of the term (e.g. `"1"`, or `"1<-2"` for the \[CB\] block from region 2 to region 1).
    pub name: String,
    /// Output vector m^k (left factor).
    pub left: usize,
    /// Selection vector n^k (right factor).
    pub right: usize,
}

/// One rectangular pulse of an input schedule: `amplitude` is added on `start ≤ t < stop`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pulse {
    /// Onset time.
    pub start: f64,
    /// Offset time (exclusive).
    pub stop: f64,
    /// Amplitude added while on.
    pub amplitude: f64,
}

/// Time course u_a(t) of an input: baseline + pulses + shared white noise σ ξ(t).
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Schedule {
    /// Constant part (the value the static theory uses by default).
    pub baseline: f64,
    /// Rectangular pulses added to the baseline.
    pub pulses: Vec<Pulse>,
    /// Amplitude σ of a scalar white noise ξ(t) shared by all neurons (Euler–Maruyama).
    pub noise: f64,
    /// The noise is on only while a pulse is on (the \[MO\] detection task); otherwise always.
    pub noise_during_pulses_only: bool,
}

impl Schedule {
    /// Deterministic part of u(t): baseline plus every active pulse.
    ///
    /// ```
    /// use lowrank_model::{Pulse, Schedule};
    /// let s = Schedule { baseline: 0.5, pulses: vec![Pulse { start: 1.0, stop: 2.0, amplitude: 1.0 }], ..Default::default() };
    /// assert_eq!(s.value(0.0), 0.5);
    /// assert_eq!(s.value(1.5), 1.5);
    /// ```
    pub fn value(&self, t: f64) -> f64 {
        self.baseline
            + self
                .pulses
                .iter()
                .filter(|p| p.start <= t && t < p.stop)
                .map(|p| p.amplitude)
                .sum::<f64>()
    }

    /// Noise amplitude σ at time t.
    pub fn noise_at(&self, t: f64) -> f64 {
        if !self.noise_during_pulses_only || self.pulses.iter().any(|p| p.start <= t && t < p.stop)
        {
            self.noise
        } else {
            0.0
        }
    }
}

/// An input term I^a u_a(t).
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// Name of the input.
    pub name: String,
    /// Input vector I^a (index into [`Model::vectors`]).
    pub vector: usize,
    /// Time course u_a(t).
    pub schedule: Schedule,
}

/// A readout z_r = (1/N₀) Σ_i w^r_i φ(x_i).
#[derive(Clone, Debug, PartialEq)]
pub struct Readout {
    /// Name of the readout.
    pub name: String,
    /// Readout vector w^r (index into [`Model::vectors`]).
    pub vector: usize,
}

/// The general model: everything theory and simulation need, already validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Scenario name.
    pub name: String,
    /// Populations (P ≥ 1).
    pub populations: Vec<Population>,
    /// Disorder gains g_pq (P×P, entries ≥ 0): J^rand_ij ~ N(0, g_pq²/N₀) for i ∈ p, j ∈ q.
    pub gain: DMatrix<f64>,
    /// Names of the loading vectors (V of them).
    pub vectors: Vec<String>,
    /// Loading statistics per population (P entries).
    pub stats: Vec<LoadingStats>,
    /// Rank-one structure terms (K of them).
    pub terms: Vec<Term>,
    /// Inputs.
    pub inputs: Vec<Input>,
    /// Readouts.
    pub readouts: Vec<Readout>,
    /// Nonlinearity φ.
    pub nonlinearity: Phi,
}

impl Model {
    /// Number of populations P.
    pub fn n_populations(&self) -> usize {
        self.populations.len()
    }

    /// Number of rank-one terms K.
    pub fn rank(&self) -> usize {
        self.terms.len()
    }

    /// Index of a loading vector by name.
    pub fn vector_index(&self, name: &str) -> Option<usize> {
        self.vectors.iter().position(|v| v == name)
    }

    /// Index of a population by name.
    pub fn population_index(&self, name: &str) -> Option<usize> {
        self.populations.iter().position(|p| p.name == name)
    }

    /// Disorder-coupling matrix G_pq = α_q g_pq² (docs/theory §1.1).
    ///
    /// ```
    /// # use lowrank_model::*;
    /// # use nalgebra::{DMatrix, DVector};
    /// # let m = Model { name: "x".into(), populations: vec![Population { name: "A".into(), weight: 1.0 }],
    /// #   gain: DMatrix::from_element(1, 1, 1.5), vectors: vec![], stats: vec![LoadingStats { mean: DVector::zeros(0), cov: DMatrix::zeros(0, 0) }],
    /// #   terms: vec![], inputs: vec![], readouts: vec![], nonlinearity: lowrank_gauss::Phi::Tanh };
    /// assert!((m.disorder_coupling()[(0, 0)] - 2.25).abs() < 1e-15);
    /// ```
    pub fn disorder_coupling(&self) -> DMatrix<f64> {
        let p = self.n_populations();
        DMatrix::from_fn(p, p, |a, b| {
            self.populations[b].weight * self.gain[(a, b)].powi(2)
        })
    }

    /// Second moment of two loading vectors in population p: σ^{(p)}_{ab} + M_a M_b.
    pub fn second_moment(&self, p: usize, a: usize, b: usize) -> f64 {
        let s = &self.stats[p];
        s.cov[(a, b)] + s.mean[a] * s.mean[b]
    }

    /// Overlap matrix Ω_kl = Σ_p α_p (σ^{(p)}_{n^k m^l} + M^{(p)}_{n^k} M^{(p)}_{m^l}) (docs/theory §1.2):
    /// the large-N limit of n^k·m^l / N₀, whose eigenvalues are those of the low-rank part.
    pub fn overlap_matrix(&self) -> DMatrix<f64> {
        let k = self.rank();
        DMatrix::from_fn(k, k, |a, b| {
            let (n, m) = (self.terms[a].right, self.terms[b].left);
            self.populations
                .iter()
                .enumerate()
                .map(|(p, pop)| pop.weight * self.second_moment(p, n, m))
                .sum()
        })
    }

    /// Static input amplitudes u_a at time t (deterministic part).
    pub fn input_values(&self, t: f64) -> Vec<f64> {
        self.inputs.iter().map(|i| i.schedule.value(t)).collect()
    }

    /// Baseline input amplitudes u_a (what the static theory uses unless told otherwise).
    pub fn baseline_inputs(&self) -> Vec<f64> {
        self.inputs.iter().map(|i| i.schedule.baseline).collect()
    }
}
