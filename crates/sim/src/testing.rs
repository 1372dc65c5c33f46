//! Small ready-made models for examples, tests and benchmarks (one population).
//!
//! Paper conveniences live in the theory crate; these only build plain [`Model`]s.

use lowrank_gauss::Phi;
use lowrank_model::{
    Input, LoadingStats, Model, ModelError, ModelParts, Population, Readout, Schedule, Term,
};
use nalgebra::{DMatrix, DVector};

/// \[MO\] rank one, one population: vectors `m`, `n` with means (M_m, M_n), independent
/// fluctuations of standard deviations (Σ_m, Σ_n), disorder g, nonlinearity φ;
/// Ω = M_m M_n (docs/theory §1.3). A readout `z` along `m` is included.
///
/// ```
/// let model = lowrank_sim::testing::rank_one_model(0.5, 1.0, 2.0, 1.0, 1.0, lowrank_gauss::Phi::Tanh).unwrap();
/// assert_eq!(model.rank(), 1);
/// assert!((model.overlap_matrix()[(0, 0)] - 2.0).abs() < 1e-15);
/// ```
///
/// # Errors
/// A parameter the model rejects (e.g. g < 0 or non-finite), naming it.
pub fn rank_one_model(
    g: f64,
    m_m: f64,
    m_n: f64,
    sigma_m: f64,
    sigma_n: f64,
    phi: Phi,
) -> Result<Model, ModelError> {
    Model::new(ModelParts {
        name: "rank-one".into(),
        populations: vec![Population {
            name: "A".into(),
            weight: 1.0,
        }],
        gain: DMatrix::from_element(1, 1, g),
        vectors: vec!["m".into(), "n".into()],
        stats: vec![LoadingStats {
            mean: DVector::from_vec(vec![m_m, m_n]),
            cov: DMatrix::from_diagonal(&DVector::from_vec(vec![
                sigma_m * sigma_m,
                sigma_n * sigma_n,
            ])),
        }],
        terms: vec![Term {
            name: "1".into(),
            left: 0,
            right: 1,
        }],
        inputs: Vec::new(),
        readouts: vec![Readout {
            name: "z".into(),
            vector: 0,
        }],
        nonlinearity: phi,
    })
}

/// [`rank_one_model`] plus an input vector `I` (mean 0, standard deviation Σ_I, independent
/// of m and n) with schedule `schedule`.
pub fn rank_one_with_input(
    g: f64,
    m_m: f64,
    m_n: f64,
    sigma_i: f64,
    schedule: Schedule,
    phi: Phi,
) -> Result<Model, ModelError> {
    let mut model = rank_one_model(g, m_m, m_n, 1.0, 1.0, phi)?.into_parts();
    model.vectors.push("I".into());
    model.stats[0].mean = DVector::from_vec(vec![m_m, m_n, 0.0]);
    model.stats[0].cov =
        DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, 1.0, sigma_i * sigma_i]));
    model.inputs.push(Input {
        name: "I".into(),
        vector: 2,
        schedule,
    });
    Model::new(model)
}
