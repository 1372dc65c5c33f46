//! The attractor manifold of all-exchange-mode symmetric interactions and its fracture variables
//! (docs/theory §3.7, \[CB\] A.5–A.6).
//!
//! Variables x_{μν} = (S^{μν})² ≥ 0 for μ < ν (n = R(R−1)/2 of them), one equality per region
//! (gain pinning ψ^μ = 1/b^μ, A^μ = Δ0^μ):
//!
//! Σ_{ν>μ} x_{μν} + Σ_{ν<μ} (b^μ/b^ν) x_{νμ} = (2/π)((b^μ)² − 1).
//!
//! The fixed-point set is the polytope {x ≥ 0, A x = c}. Its vertices are its basic feasible
//! solutions: for every choice of R columns forming a nonsingular basis B, x_B = B⁻¹c, the other
//! entries 0, kept when x_B ≥ 0. Enumerating all C(n, R) bases is exact (R = 7: 116 280 bases).
//! **Fracture variables** are nonzero at every vertex; with f of them the manifold in S-space has
//! 2^f disconnected components (one sign per such pair).

use crate::convergence::{Convergence, Termination};
use crate::TheoryError;
use nalgebra::{DMatrix, DVector};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

/// The attractor polytope of docs/theory §3.7.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Polytope {
    /// Number of regions R.
    pub r: usize,
    /// The pair (μ, ν), μ < ν, of each variable (0-based regions).
    pub pairs: Vec<(usize, usize)>,
    /// Vertices x ∈ ℝⁿ (x_{μν} = (S^{μν})²), deduplicated.
    pub vertices: Vec<Vec<f64>>,
    /// Indices (into `pairs`) of the fracture variables (nonzero at every vertex).
    pub fracture: Vec<usize>,
    /// Number of disconnected components in S-space, 2^f (0 for an empty polytope).
    pub components: u128,
    /// Generic dimension n − rank(A) of the polytope.
    pub dimension: usize,
}

impl Polytope {
    /// Whether the polytope is empty (no fixed point with every region pinned in exchange mode).
    pub fn is_empty(&self) -> bool {
        self.vertices.is_empty()
    }
}

/// Vertices and fracture variables of the attractor polytope for exchange-mode interactions `b`
/// (docs/theory §3.7), by exact enumeration of the bases of the equality system.
///
/// ```
/// use lowrank_theory::cb2025::polytope::attractor_polytope;
/// // R = 3: three variables, three equalities: a single point (dimension 0)
/// let p = attractor_polytope(&[2.0, 2.2, 2.4]).unwrap();
/// assert_eq!(p.dimension, 0);
/// assert!(p.vertices.len() <= 1);
/// ```
pub fn attractor_polytope(b: &[f64]) -> Result<Polytope, TheoryError> {
    let r = b.len();
    if r < 2 {
        return Err(TheoryError::InvalidParameter {
            name: "b".into(),
            value: r as f64,
            reason: "need at least 2 regions".into(),
        });
    }
    if let Some((i, &x)) = b
        .iter()
        .enumerate()
        .find(|(_, x)| !(**x > 1.0 && x.is_finite()))
    {
        return Err(TheoryError::InvalidParameter {
            name: format!("b[{i}]"),
            value: x,
            reason: "exchange-mode interactions need b > 1".into(),
        });
    }
    let pairs: Vec<(usize, usize)> = (0..r)
        .flat_map(|m| (m + 1..r).map(move |n| (m, n)))
        .collect();
    let n = pairs.len();
    let mut a = DMatrix::zeros(r, n);
    for (j, &(m, nu)) in pairs.iter().enumerate() {
        a[(m, j)] = 1.0; // region μ = m: Σ_{ν>μ} x_{μν}
        a[(nu, j)] = b[nu] / b[m]; // region ν: (b^ν/b^μ) x_{μν}
    }
    let c = DVector::from_iterator(
        r,
        b.iter()
            // A^μ = Ψ⁻¹(1/b^μ) = (2/π)((b^μ)² − 1), the pinned variance of §3.7
            .map(|&bb| lowrank_gauss::erf::erf_gain_inverse(1.0 / bb)),
    );
    let rank = lowrank_model::linalg::try_svd(&a, false, false)
        .map_err(|e| TheoryError::NotConverged {
            what: format!("rank of the polytope constraint matrix (SVD: {e})"),
            convergence: Convergence::stopped(
                f64::INFINITY,
                lowrank_model::linalg::MAX_SWEEPS_PER_DIM * a.nrows().max(a.ncols()),
                Termination::DecompositionFailed,
            ),
        })?
        .rank(1e-10 * a.amax());
    let scale = c.amax().max(1.0);
    let mut vertices: Vec<Vec<f64>> = Vec::new();
    if rank == r && n >= r {
        let mut idx: Vec<usize> = (0..r).collect();
        let mut basis = DMatrix::zeros(r, r);
        loop {
            for (col, &j) in idx.iter().enumerate() {
                basis.set_column(col, &a.column(j));
            }
            if let Some(lu) = Some(basis.clone().lu()).filter(|lu| lu.determinant().abs() > 1e-12) {
                if let Some(xb) = lu.solve(&c) {
                    if xb.iter().all(|&v| v >= -1e-10 * scale) {
                        let mut x = vec![0.0; n];
                        for (col, &j) in idx.iter().enumerate() {
                            // a basic variable within round-off of 0 is a degenerate zero
                            x[j] = if xb[col].abs() <= 1e-10 * scale {
                                0.0
                            } else {
                                xb[col]
                            };
                        }
                        if !vertices
                            .iter()
                            .any(|v| v.iter().zip(&x).all(|(p, q)| (p - q).abs() <= 1e-9 * scale))
                        {
                            vertices.push(x);
                        }
                    }
                }
            }
            if !next_combination(&mut idx, n) {
                break;
            }
        }
    }
    let fracture: Vec<usize> = if vertices.is_empty() {
        vec![]
    } else {
        (0..n)
            .filter(|&j| vertices.iter().all(|v| v[j] > 0.0))
            .collect()
    };
    let components = if vertices.is_empty() {
        0
    } else {
        1u128 << fracture.len()
    };
    Ok(Polytope {
        r,
        pairs,
        vertices,
        fracture,
        components,
        dimension: n - rank,
    })
}

/// Advance `idx` (strictly increasing, values < n) to the next k-combination; false at the end.
fn next_combination(idx: &mut [usize], n: usize) -> bool {
    let k = idx.len();
    let mut i = k;
    while i > 0 {
        i -= 1;
        if idx[i] < n - k + i {
            idx[i] += 1;
            for j in i + 1..k {
                idx[j] = idx[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

/// Fracture statistics over random exchange-mode networks ([`fracture_statistics`]).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct FractureStatistics {
    /// Non-empty polytopes counted by their number f of fracture variables (index f).
    pub counts: Vec<usize>,
    /// For each f (index), `(vertices, polytopes)`: how many of those polytopes have each vertex
    /// count, in increasing vertex count.
    pub vertex_counts: Vec<Vec<(usize, usize)>>,
}

impl FractureStatistics {
    /// No polytope yet, for R regions (f runs over 0..=R(R−1)/2).
    pub fn empty(r: usize) -> FractureStatistics {
        let n = r * r.saturating_sub(1) / 2;
        FractureStatistics {
            counts: vec![0; n + 1],
            vertex_counts: vec![Vec::new(); n + 1],
        }
    }

    /// Count `polytopes` more polytopes with f fracture variables and `vertices` vertices.
    ///
    /// # Errors
    /// [`TheoryError::InvalidParameter`] naming `f` when f exceeds R(R−1)/2 of
    /// [`FractureStatistics::empty`] (no polytope has more).
    pub fn count(
        &mut self,
        f: usize,
        vertices: usize,
        polytopes: usize,
    ) -> Result<(), TheoryError> {
        let max = self.counts.len().saturating_sub(1);
        if f > max {
            return Err(TheoryError::InvalidParameter {
                name: "f".into(),
                value: f as f64,
                reason: format!("at most R(R−1)/2 = {max} fracture variables"),
            });
        }
        // saturating: counts read from a file can be absurd; the caller compares the total
        // with the draws and refuses it
        self.counts[f] = self.counts[f].saturating_add(polytopes);
        let hist = &mut self.vertex_counts[f];
        match hist.binary_search_by_key(&vertices, |&(v, _)| v) {
            Ok(i) => hist[i].1 = hist[i].1.saturating_add(polytopes),
            Err(i) => hist.insert(i, (vertices, polytopes)),
        }
        Ok(())
    }

    /// Add the statistics of other draws of the same R (e.g. another shard's).
    ///
    /// # Errors
    /// [`TheoryError::InvalidParameter`] when `other` is of another R (its f range differs).
    pub fn add(&mut self, other: &FractureStatistics) -> Result<(), TheoryError> {
        if self.counts.len() != other.counts.len()
            || other.vertex_counts.len() != other.counts.len()
        {
            return Err(TheoryError::InvalidParameter {
                name: "fracture statistics".into(),
                value: other.counts.len() as f64,
                reason: format!(
                    "f ranges over {} values here, {} in the statistics added (another R)",
                    self.counts.len(),
                    other.counts.len()
                ),
            });
        }
        for (f, hist) in other.vertex_counts.iter().enumerate() {
            for &(v, c) in hist {
                self.count(f, v, c)?;
            }
        }
        Ok(())
    }

    /// Mean number of vertices of the polytopes with f fracture variables (`None` if there are
    /// none).
    ///
    /// ```
    /// use lowrank_theory::cb2025::polytope::fracture_statistics;
    /// // R = 3: every non-empty polytope is one point with its three pairs nonzero
    /// let s = fracture_statistics(3, 10, 1).unwrap();
    /// assert_eq!(s.counts, vec![0, 0, 0, 10]);
    /// assert_eq!(s.mean_vertices(3), Some(1.0));
    /// assert_eq!(s.mean_vertices(0), None);
    /// ```
    pub fn mean_vertices(&self, f: usize) -> Option<f64> {
        let hist = self.vertex_counts.get(f)?;
        let n: usize = hist.iter().map(|&(_, c)| c).sum();
        (n > 0).then(|| hist.iter().map(|&(v, c)| (v * c) as f64).sum::<f64>() / n as f64)
    }
}

/// Attempts per fracture draw before it fails: an attempt is rejected only when its polytope is
/// empty, which at R ≤ 7 happens to well under half of the sorted b ~ U[1, 3]^R.
pub const FRACTURE_TRIES_PER_DRAW: usize = 1000;

/// The seed of fracture draw `index` of a run with master `seed`: each draw has its own stream,
/// so any slice of the draws (a shard) makes exactly the draws of the whole run.
///
/// ```
/// use lowrank_theory::cb2025::polytope::fracture_draw_seed;
/// assert_ne!(fracture_draw_seed(1, 0), fracture_draw_seed(1, 1));
/// assert_ne!(fracture_draw_seed(1, 0), fracture_draw_seed(2, 0));
/// ```
pub fn fracture_draw_seed(seed: u64, index: usize) -> u64 {
    // SplitMix64 finaliser: neighbouring (seed, index) pairs give unrelated streams
    let mut z = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(
        (index as u64)
            .wrapping_add(1)
            .wrapping_mul(0xD1B5_4A32_D192_ED03),
    );
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Fracture draw `index`: sorted b ~ U[1, 3]^R from the stream [`fracture_draw_seed`]`(seed,
/// index)`, redrawn while the polytope is empty (at most [`FRACTURE_TRIES_PER_DRAW`] attempts);
/// returns (f, vertices): the number of fracture variables and of vertices of the first
/// non-empty polytope.
///
/// # Errors
/// [`TheoryError::NotConverged`] when every attempt gave an empty polytope; the enumeration's
/// errors.
pub fn fracture_draw(r: usize, seed: u64, index: usize) -> Result<(usize, usize), TheoryError> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(fracture_draw_seed(seed, index));
    for _ in 0..FRACTURE_TRIES_PER_DRAW {
        let mut b: Vec<f64> = (0..r).map(|_| rng.random_range(1.0..3.0)).collect();
        b.sort_by(f64::total_cmp);
        let p = attractor_polytope(&b)?;
        if !p.is_empty() {
            return Ok((p.fracture.len(), p.vertices.len()));
        }
    }
    Err(TheoryError::NotFound {
        what: "fracture statistics".into(),
        detail: format!(
            "draw {index}: every one of {FRACTURE_TRIES_PER_DRAW} sorted b gave an empty polytope"
        ),
    })
}

/// Statistics of fracture variables over random exchange-mode networks (the \[CB\] A.6 experiment):
/// `draws` non-empty polytopes ([`fracture_draw`] 0..draws); counts by the number f of fracture
/// variables, and for each f the distribution of the number of vertices.
///
/// # Errors
/// As [`fracture_draw`].
pub fn fracture_statistics(
    r: usize,
    draws: usize,
    seed: u64,
) -> Result<FractureStatistics, TheoryError> {
    fracture_statistics_of(r, 0..draws, seed)
}

/// [`fracture_statistics`] of the draws `range` only (in parallel; the statistics do not depend
/// on the number of threads). The statistics of consecutive ranges [`FractureStatistics::add`]
/// up to those of their union.
///
/// # Errors
/// As [`fracture_draw`].
///
/// ```
/// use lowrank_theory::cb2025::polytope::{fracture_statistics, fracture_statistics_of};
/// let mut a = fracture_statistics_of(4, 0..3, 7).unwrap();
/// a.add(&fracture_statistics_of(4, 3..8, 7).unwrap()).unwrap();
/// assert_eq!(a, fracture_statistics(4, 8, 7).unwrap());
/// ```
pub fn fracture_statistics_of(
    r: usize,
    range: std::ops::Range<usize>,
    seed: u64,
) -> Result<FractureStatistics, TheoryError> {
    use rayon::prelude::*;
    let draws: Vec<(usize, usize)> = range
        .into_par_iter()
        .map(|i| fracture_draw(r, seed, i))
        .collect::<Result<_, _>>()?;
    let mut stats = FractureStatistics::empty(r);
    for (f, v) in draws {
        stats.count(f, v, 1)?;
    }
    Ok(stats)
}
