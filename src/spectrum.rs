//! The eigenvalues of one finite network's connectivity J (or of J·diag(φ′(x⁰)) at a simulated
//! end state) next to the large-N predictions (docs/theory §1.9): bulk radius √ρ(G) with
//! G_pq = α_q g_pq², outliers at the eigenvalues of the overlap matrix Ω and of the realised
//! Ω̂ = n·m/N₀. Used by `lowrank spectrum` and the Python package's `lowrank.spectrum`.

use crate::model::nalgebra::DMatrix;
use crate::model::{Interrupt, Model, ModelError, Scenario};
use crate::sim::{
    connectivity_spectrum, jacobian_spectrum, Init, Network, SimConfig, SimError, Simulator,
    Spectrum,
};
use serde_json::{json, Value};

/// Why a spectrum could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum SpectrumError {
    /// `n` is zero.
    #[error("--n must be ≥ 1")]
    ZeroSize,
    /// Sampling, simulating or the eigen-decomposition of the network failed.
    #[error("{what}")]
    Sim {
        /// Which step.
        what: &'static str,
        /// Why.
        #[source]
        source: SimError,
    },
    /// A small eigen-decomposition (G, Ω, Ω̂) or the initial condition failed.
    #[error("{what}")]
    Model {
        /// Which matrix.
        what: &'static str,
        /// Why.
        #[source]
        source: ModelError,
    },
}

/// Neurons N = Σ_p round(α_p N₀) and stored random entries (N², or the sum over nonzero blocks).
///
/// ```
/// let s = lowrank::model::bundled::load("mo2018-fig1", &[]).unwrap().unwrap();
/// assert_eq!(lowrank::spectrum::network_size(&s.model, 100), (100.0, 10_000.0));
/// ```
pub fn network_size(model: &Model, n0: usize) -> (f64, f64) {
    let sizes: Vec<f64> = model
        .populations()
        .iter()
        .map(|p| (p.weight * n0 as f64).round())
        .collect();
    let n: f64 = sizes.iter().sum();
    let mut dense = 0.0;
    for (p, np) in sizes.iter().enumerate() {
        for (q, nq) in sizes.iter().enumerate() {
            if model.gain()[(p, q)] > 0.0 {
                dense += np * nq;
            }
        }
    }
    (n, dense)
}

/// Estimated (bytes, operations) of the dense eigen-decomposition of a network of size `n0`.
pub fn cost(model: &Model, n0: usize) -> (f64, f64) {
    let (n, dense) = network_size(model, n0);
    (8.0 * dense + 5.0 * 8.0 * n * n, 30.0 * n * n * n)
}

/// One network's spectrum with the predictions.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectrumReport {
    /// Neurons N.
    pub n: usize,
    /// Normalising size N₀.
    pub n0: usize,
    /// Network seed.
    pub seed: u64,
    /// Whether the matrix is J·diag(φ′(x⁰)) rather than J.
    pub jacobian: bool,
    /// The finite network's spectrum.
    pub spectrum: Spectrum,
    /// Predicted bulk radius √ρ(G).
    pub predicted_bulk: f64,
    /// Eigenvalues of Ω (predicted outliers), by decreasing modulus.
    pub omega: Vec<[f64; 2]>,
    /// Eigenvalues of the realised Ω̂ = n·m/N₀.
    pub omega_hat: Vec<[f64; 2]>,
}

/// Eigenvalues by modulus (bounded real Schur: a typed error instead of an endless loop).
fn eigenvalues(m: &DMatrix<f64>, what: &'static str) -> Result<Vec<[f64; 2]>, SpectrumError> {
    let mut e: Vec<[f64; 2]> = crate::model::linalg::try_complex_eigenvalues(m)
        .map_err(|source| SpectrumError::Model { what, source })?
        .iter()
        .map(|c| [c.re, c.im])
        .collect();
    e.sort_by(|a, b| b[0].hypot(b[1]).total_cmp(&a[0].hypot(a[1])));
    Ok(e)
}

/// Sample the network of size `n0` with `seed` and compute its spectrum (with `jacobian`, first
/// simulate it with the scenario's `[simulation]` settings and take trial 0's end state x⁰).
/// Check [`cost`] against the machine first: the decomposition is dense, O(N³).
///
/// # Errors
/// [`SpectrumError::ZeroSize`]; sampling, simulation ([`SimError::Interrupted`] when
/// `interrupt` is raised) and decomposition failures.
///
/// # Examples
/// ```
/// let s = lowrank::model::bundled::load("mo2018-fig1", &[]).unwrap().unwrap();
/// let r = lowrank::spectrum::compute(&s, 300, 1, false, &Default::default()).unwrap();
/// assert_eq!(r.spectrum.eigenvalues.len(), 300);
/// assert!((r.omega[0][0] - 2.2).abs() < 1e-12); // λ₀ = M_m M_n
/// ```
pub fn compute(
    s: &Scenario,
    n0: usize,
    seed: u64,
    jacobian: bool,
    interrupt: &Interrupt,
) -> Result<SpectrumReport, SpectrumError> {
    if n0 == 0 {
        return Err(SpectrumError::ZeroSize);
    }
    let sim_err = |what| move |source| SpectrumError::Sim { what, source };
    let net = Network::sample(&s.model, n0, seed).map_err(sim_err("sampling the network"))?;
    let spectrum = if jacobian {
        let sim = &s.simulation;
        let mut cfg = SimConfig::new(sim.t, sim.dt);
        cfg.burn_in = sim.burn_in;
        cfg.seed = seed;
        cfg.keep_final_state = true;
        cfg.interrupt = interrupt.clone();
        cfg.init = match &sim.init {
            crate::model::Init::Gaussian { std } => Init::Gaussian {
                mean: 0.0,
                std: *std,
            },
            crate::model::Init::Vectors { .. } => Init::Vectors {
                coefficients: sim.init.vector_coefficients(&s.model).map_err(|source| {
                    SpectrumError::Model {
                        what: "the initial condition",
                        source,
                    }
                })?,
                std: 0.0,
            },
        };
        let res = Simulator::<f64>::new(&net)
            .run(&cfg)
            .map_err(sim_err("simulation to the fixed point"))?;
        let x0 = res
            .final_state
            .as_ref()
            .and_then(|f| f.first())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        jacobian_spectrum(&net, x0).map_err(sim_err("the Jacobian's spectrum"))?
    } else {
        connectivity_spectrum(&net).map_err(sim_err("the connectivity's spectrum"))?
    };
    let g = s.model.disorder_coupling();
    let predicted_bulk = eigenvalues(&g, "disorder coupling G")?
        .first()
        .map(|e| e[0].hypot(e[1]).sqrt())
        .unwrap_or(0.0);
    Ok(SpectrumReport {
        n: net.n(),
        n0,
        seed,
        jacobian,
        spectrum,
        predicted_bulk,
        omega: eigenvalues(&s.model.overlap_matrix(), "overlap matrix Ω")?,
        omega_hat: eigenvalues(&net.empirical_overlap(), "empirical overlap matrix")?,
    })
}

impl SpectrumReport {
    /// The `lowrank spectrum --json` document of scenario `name`.
    pub fn to_json(&self, name: &str) -> Value {
        let spec = &self.spectrum;
        json!({
            "scenario": name,
            "n": self.n,
            "n0": self.n0,
            "seed": self.seed,
            "matrix": if self.jacobian { "J diag(phi'(x0))" } else { "J" },
            "bulk_radius": spec.bulk_radius,
            "bulk_edge": spec.bulk_edge,
            "outlier_threshold": spec.outlier_threshold,
            "outlier": spec.outliers,
            "max_real": spec.max_real,
            "predicted": {
                "bulk_radius": self.predicted_bulk,
                "outlier": self.omega,
                "note": if self.jacobian { "large-N predictions are for J (gains not applied)" } else { "" },
            },
            "empirical_overlap_eigenvalues": self.omega_hat,
            "eigenvalues": spec.eigenvalues,
        })
    }
}
