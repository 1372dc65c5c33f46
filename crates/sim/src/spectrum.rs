//! Eigenvalues of J and of the Jacobian factor J·diag(φ′(x⁰)) at a fixed point
//! (docs/theory §1.9), by dense eigen-decomposition (`faer`, O(N³): N up to a few thousand).
//!
//! **Bulk radius estimator.** For a circular-law disk of radius r the fraction of
//! eigenvalues with modulus ≤ s is (s/r)². The estimator is r̂ = |λ|_{(q)}/√q with |λ|_{(q)} the
//! empirical q-quantile of the moduli, q = 0.9: the K ≪ 0.1 N outliers do not move it, and its
//! relative standard deviation is ≈ ½√((1−q)/(qN)) ≈ 0.17/√N for independent points (smaller
//! for the repelling eigenvalues). It assumes a *uniform* disk: exact for J with one
//! population (radius g); for several populations of different gains, or for J·D with a
//! non-constant D, the density is not uniform and r̂ is only indicative — use `bulk_edge`.
//!
//! **Outliers** are the eigenvalues of modulus > r̂·(1 + 3/√N) (the finite-N edge of the
//! circular law sits at r(1 + O(√(log N / N)))), sorted by decreasing modulus; `bulk_edge` is
//! the largest modulus below that threshold. Outliers closer to the bulk than the threshold
//! are not detected (near a bifurcation inspect `eigenvalues` directly).

use crate::error::SimError;
use crate::network::Network;
use faer::Mat;
use serde::{Deserialize, Serialize};

/// Quantile used by the bulk-radius estimator.
pub const BULK_QUANTILE: f64 = 0.9;

/// The spectrum of a dense N×N matrix with its bulk/outlier split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spectrum {
    /// All eigenvalues as [re, im], sorted by decreasing modulus.
    pub eigenvalues: Vec<[f64; 2]>,
    /// Quantile estimate r̂ of the bulk radius (module docs).
    pub bulk_radius: f64,
    /// Largest modulus of a non-outlier eigenvalue.
    pub bulk_edge: f64,
    /// Modulus threshold r̂(1 + 3/√N) above which an eigenvalue is an outlier.
    pub outlier_threshold: f64,
    /// Eigenvalues of modulus above the threshold, [re, im], by decreasing modulus.
    pub outliers: Vec<[f64; 2]>,
    /// Largest real part of all eigenvalues (for J·D: the fixed point is stable iff < 1).
    pub max_real: f64,
}

impl Spectrum {
    /// Eigenvalues of a dense column-major N×N matrix and their bulk/outlier split.
    pub fn of_matrix(data: &[f64], n: usize) -> Result<Spectrum, SimError> {
        if data.len() != n * n {
            return Err(SimError::WrongLength {
                name: "matrix",
                got: data.len(),
                expected: n * n,
            });
        }
        if n == 0 {
            return Err(SimError::InvalidArgument {
                name: "n",
                value: 0.0,
                reason: "empty matrix",
            });
        }
        let mat = Mat::from_fn(n, n, |i, j| data[j * n + i]);
        // Sequential: faer's parallel reductions depend on the thread count, and a seed must
        // give the same eigenvalues (to the bit) on any machine (docs/robustness.md).
        let previous = faer::get_global_parallelism();
        faer::set_global_parallelism(faer::Par::Seq);
        let ev = mat.eigenvalues();
        faer::set_global_parallelism(previous);
        let ev = ev.map_err(|_| SimError::Eigen { n })?;
        let mut eig: Vec<[f64; 2]> = ev.iter().map(|c| [c.re, c.im]).collect();
        if eig.iter().any(|e| !(e[0].is_finite() && e[1].is_finite())) {
            return Err(SimError::Eigen { n });
        }
        let modulus = |e: &[f64; 2]| e[0].hypot(e[1]);
        eig.sort_by(|a, b| modulus(b).total_cmp(&modulus(a)));
        // q-quantile of the moduli (ascending order index).
        let idx = ((BULK_QUANTILE * n as f64).ceil() as usize).clamp(1, n) - 1;
        let bulk_radius = modulus(&eig[n - 1 - idx]) / BULK_QUANTILE.sqrt();
        let outlier_threshold = bulk_radius * (1.0 + 3.0 / (n as f64).sqrt());
        let outliers: Vec<[f64; 2]> = eig
            .iter()
            .filter(|e| modulus(e) > outlier_threshold)
            .cloned()
            .collect();
        let bulk_edge = eig
            .iter()
            .map(modulus)
            .find(|&m| m <= outlier_threshold)
            .unwrap_or(0.0);
        let max_real = eig.iter().map(|e| e[0]).fold(f64::NEG_INFINITY, f64::max);
        Ok(Spectrum {
            eigenvalues: eig,
            bulk_radius,
            bulk_edge,
            outlier_threshold,
            outliers,
            max_real,
        })
    }
}

/// Dense connectivity J = J^rand + (1/N₀) Σ_k m^k n^kᵀ (column-major N×N). For spectra only:
/// the simulator never forms it.
pub fn dense_connectivity(net: &Network) -> Vec<f64> {
    let n = net.n();
    let mut j = net.dense_random();
    let inv = 1.0 / net.n0 as f64;
    for t in net.model.terms() {
        let (m, nv) = (&net.vectors[t.left], &net.vectors[t.right]);
        for c in 0..n {
            let s = nv[c] * inv;
            if s != 0.0 {
                for (jr, mr) in j[c * n..(c + 1) * n].iter_mut().zip(m) {
                    *jr += mr * s;
                }
            }
        }
    }
    j
}

/// Spectrum of the connectivity J (docs/theory §1.9: bulk radius g for one population,
/// outliers at the eigenvalues of the empirical overlap n^k·m^l/N₀).
///
/// ```
/// use lowrank_sim::{spectrum::connectivity_spectrum, testing::rank_one_model, Network};
/// let net = Network::sample(&rank_one_model(0.5, 1.0, 2.0, 0.5, 0.5, lowrank_gauss::Phi::Tanh).unwrap(), 300, 2).unwrap();
/// let s = connectivity_spectrum(&net).unwrap();
/// assert_eq!(s.outliers.len(), 1);
/// assert!((s.outliers[0][0] - 2.0).abs() < 0.3);
/// ```
pub fn connectivity_spectrum(net: &Network) -> Result<Spectrum, SimError> {
    Spectrum::of_matrix(&dense_connectivity(net), net.n())
}

/// Spectrum of J·diag(φ′(x⁰)) at a state x⁰ (length N). The Jacobian of the dynamics is
/// −1 + J D, so x⁰ (a fixed point) is linearly stable iff `max_real` < 1 (§1.9).
pub fn jacobian_spectrum(net: &Network, x0: &[f64]) -> Result<Spectrum, SimError> {
    let n = net.n();
    if x0.len() != n {
        return Err(SimError::WrongLength {
            name: "x0",
            got: x0.len(),
            expected: n,
        });
    }
    let mut j = dense_connectivity(net);
    let phi = net.model.nonlinearity();
    for (c, &x) in x0.iter().enumerate() {
        let d = phi.dphi(x);
        j[c * n..(c + 1) * n].iter_mut().for_each(|v| *v *= d);
    }
    Spectrum::of_matrix(&j, n)
}
