//! The resolved general model of docs/theory §1: what theory and simulation consume.
//!
//! Populations p = 1..P with weights α_p = N_p/N₀; disorder gains g_pq; named loading
//! vectors whose entries, for a neuron of population p, are jointly Gaussian with mean
//! `stats[p].mean` and covariance `stats[p].cov`; rank-one terms m^k n^kᵀ/N₀; inputs
//! I^a u_a(t); readouts w^r; one nonlinearity φ.

use crate::ModelError;
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

/// The parts of a [`Model`], all public: build or edit them freely, then [`Model::new`] checks
/// them (the only way to a `Model` from outside this crate, so that every model that reaches
/// the solvers and the simulator has been validated).
///
/// ```
/// use lowrank_model::{LoadingStats, Model, ModelParts, Population};
/// use nalgebra::{DMatrix, DVector};
/// let parts = ModelParts {
///     name: "pure disorder".into(),
///     populations: vec![Population { name: "A".into(), weight: 1.0 }],
///     gain: DMatrix::from_element(1, 1, 1.5),
///     vectors: vec![],
///     stats: vec![LoadingStats { mean: DVector::zeros(0), cov: DMatrix::zeros(0, 0) }],
///     terms: vec![],
///     inputs: vec![],
///     readouts: vec![],
///     nonlinearity: lowrank_gauss::Phi::Tanh,
/// };
/// let model = Model::new(parts.clone()).unwrap();
/// assert_eq!(model.gain()[(0, 0)], 1.5);
/// // a negative disorder gain is refused, naming the entry
/// let mut bad = parts;
/// bad.gain[(0, 0)] = -1.0;
/// assert!(Model::new(bad).unwrap_err().to_string().contains("gain"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ModelParts {
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

/// The general model: everything theory and simulation need, validated. Built by
/// [`ModelBuilder`](crate::ModelBuilder), a scenario file, or [`Model::new`] from
/// [`ModelParts`]; read through its accessors; edited by taking it apart
/// ([`Model::into_parts`]) and building it again.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub(crate) name: String,
    pub(crate) populations: Vec<Population>,
    pub(crate) gain: DMatrix<f64>,
    pub(crate) vectors: Vec<String>,
    pub(crate) stats: Vec<LoadingStats>,
    pub(crate) terms: Vec<Term>,
    pub(crate) inputs: Vec<Input>,
    pub(crate) readouts: Vec<Readout>,
    pub(crate) nonlinearity: Phi,
}

impl Model {
    /// The model of `parts`, after `Model::validate`.
    ///
    /// # Errors
    /// The first violated rule of `Model::validate`, naming the field.
    pub fn new(parts: ModelParts) -> Result<Model, ModelError> {
        let model = Model {
            name: parts.name,
            populations: parts.populations,
            gain: parts.gain,
            vectors: parts.vectors,
            stats: parts.stats,
            terms: parts.terms,
            inputs: parts.inputs,
            readouts: parts.readouts,
            nonlinearity: parts.nonlinearity,
        };
        model.validate()?;
        Ok(model)
    }

    /// The parts of the model, to edit and rebuild with [`Model::new`].
    pub fn into_parts(self) -> ModelParts {
        ModelParts {
            name: self.name,
            populations: self.populations,
            gain: self.gain,
            vectors: self.vectors,
            stats: self.stats,
            terms: self.terms,
            inputs: self.inputs,
            readouts: self.readouts,
            nonlinearity: self.nonlinearity,
        }
    }

    /// The same model with another nonlinearity (every φ is valid with every model).
    pub fn with_nonlinearity(mut self, phi: Phi) -> Model {
        self.nonlinearity = phi;
        self
    }

    /// Scenario name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Populations (P ≥ 1).
    pub fn populations(&self) -> &[Population] {
        &self.populations
    }

    /// Disorder gains g_pq (P×P, entries ≥ 0): J^rand_ij ~ N(0, g_pq²/N₀) for i ∈ p, j ∈ q.
    pub fn gain(&self) -> &DMatrix<f64> {
        &self.gain
    }

    /// Names of the loading vectors (V of them).
    pub fn vectors(&self) -> &[String] {
        &self.vectors
    }

    /// Loading statistics per population (P entries).
    pub fn stats(&self) -> &[LoadingStats] {
        &self.stats
    }

    /// Rank-one structure terms (K of them).
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// Inputs.
    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    /// Readouts.
    pub fn readouts(&self) -> &[Readout] {
        &self.readouts
    }

    /// Nonlinearity φ.
    pub fn nonlinearity(&self) -> Phi {
        self.nonlinearity
    }
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
    /// # let m = Model::new(ModelParts { name: "x".into(), populations: vec![Population { name: "A".into(), weight: 1.0 }],
    /// #   gain: DMatrix::from_element(1, 1, 1.5), vectors: vec![], stats: vec![LoadingStats { mean: DVector::zeros(0), cov: DMatrix::zeros(0, 0) }],
    /// #   terms: vec![], inputs: vec![], readouts: vec![], nonlinearity: lowrank_gauss::Phi::Tanh }).unwrap();
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
