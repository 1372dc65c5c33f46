//! Sampling a finite network from a [`Model`] (docs/theory §1.1–1.2, §4 "Sampling").
//!
//! - Population sizes N_p = round(α_p N₀), neurons of population p occupying the contiguous
//!   index range `offsets[p]..offsets[p+1]`.
//! - Random part: for i ∈ p, j ∈ q, J^rand_ij = (g_pq/√N₀)·z, z ~ N(0,1) i.i.d. (diagonal kept).
//!   Blocks with g_pq = 0 are exactly zero and are not stored: when every g_pq > 0 the random
//!   part is one dense N×N matrix, otherwise one dense matrix per nonzero block (e.g. the
//!   block-diagonal disorder of \[CB\] stores P blocks of N_p² entries). Blocks are stored
//!   row by row, so that the dense step J^rand φ(x) streams each row once (the single-trial
//!   step is bound by memory bandwidth). Each band of [`crate::rng::SAMPLE_ROWS`] rows of a
//!   block draws row by row from its own stream ([`crate::rng`]); the bands are drawn in
//!   parallel, with the same bits on any number of threads.
//! - Loadings: for neuron i of population p the stacked entries ξ_i = M^{(p)} + A^{(p)} z_i,
//!   z_i ~ N(0, 1), with A^{(p)} = Q √Λ from the symmetric eigen-decomposition
//!   σ^{(p)} = Q Λ Qᵀ restricted to the components of nonzero variance, so semi-definite
//!   covariances work and a component of zero variance is exactly its mean (exactly 0 outside
//!   the region where a vector lives).

use crate::error::SimError;
use crate::rng::{stream, Component, SAMPLE_ROWS};
use crate::scalar::Real;
use lowrank_model::Model;
use nalgebra::{DMatrix, SymmetricEigen};
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;

/// One stored block of the random connectivity J^rand: rows `row_start..row_start+rows`,
/// columns `col_start..col_start+cols`, row-major `data` in precision `T` (`f64` in a
/// [`Network`]; a simulator in `f32` draws its blocks straight into `f32`).
#[derive(Clone, Debug, PartialEq)]
pub struct RandomBlock<T = f64> {
    /// First target neuron.
    pub row_start: usize,
    /// Number of target neurons.
    pub rows: usize,
    /// First source neuron.
    pub col_start: usize,
    /// Number of source neurons.
    pub cols: usize,
    /// Entries J^rand_ij, row-major (`data[(i - row_start) * cols + (j - col_start)]`).
    pub data: Vec<T>,
}

/// A sampled finite network: sizes, random blocks, loading vectors (all in `f64`).
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    /// The model it was drawn from.
    pub model: Model,
    /// The normalisation size N₀ (docs/theory §1.1).
    pub n0: usize,
    /// The seed it was drawn with.
    pub seed: u64,
    /// N_p = round(α_p N₀) per population.
    pub sizes: Vec<usize>,
    /// Prefix sums of `sizes` (P+1 entries): population p is `offsets[p]..offsets[p+1]`.
    pub offsets: Vec<usize>,
    /// Stored nonzero blocks of J^rand (empty when every g_pq = 0).
    pub random: Vec<RandomBlock>,
    /// Loading vectors, indexed like [`Model::vectors`], each of length N.
    pub vectors: Vec<Vec<f64>>,
}

/// Empirical statistics of the drawn loading vectors, in the shape of the model's
/// statistics (used to evaluate the theory with the realised finite-N statistics).
#[derive(Clone, Debug, PartialEq)]
pub struct EmpiricalStats {
    /// Per population p: empirical mean (1/N_p) Σ_{i∈p} ξ_i of every vector.
    pub mean: Vec<Vec<f64>>,
    /// Per population p: empirical covariance (1/N_p) Σ_{i∈p} (ξ_i − mean)(ξ_i − mean)ᵀ (V×V).
    pub cov: Vec<DMatrix<f64>>,
    /// Empirical overlap matrix Ω̂_kl = n^k·m^l / N₀ (the finite-N version of §1.2's Ω).
    pub overlap: DMatrix<f64>,
}

/// Largest network size N accepted by [`Network::sample`] (N² entries of J^rand must be
/// addressable; the memory budget of the caller is checked separately).
pub const MAX_NEURONS: usize = 1 << 28;

impl Network {
    /// Draw a network of normalisation size `n0` from `model` with `seed`.
    ///
    /// Errors: [`SimError::TooFewNeurons`] when some N_p = 0 (in particular n0 < P),
    /// [`SimError::InvalidModel`] for shapes or non-finite/negative entries,
    /// [`SimError::NotPsd`] for a covariance with a clearly negative eigenvalue
    /// (below −1e-10·max(1, largest eigenvalue); smaller negative rounding is set to 0).
    ///
    /// ```
    /// use lowrank_sim::testing::rank_one_model;
    /// use lowrank_sim::Network;
    /// let model = rank_one_model(0.5, 1.0, 2.0, 1.0, 1.0, lowrank_gauss::Phi::Tanh).unwrap();
    /// let a = Network::sample(&model, 200, 3).unwrap();
    /// let b = Network::sample(&model, 200, 3).unwrap();
    /// assert_eq!(a, b); // same seed, same bits
    /// assert_eq!(a.n(), 200);
    /// ```
    pub fn sample(model: &Model, n0: usize, seed: u64) -> Result<Network, SimError> {
        let (sizes, offsets) = Network::layout(model, n0)?;
        let random = random_blocks::<f64>(model, n0, &sizes, &offsets, seed);
        let vectors = loadings(model, &sizes, &offsets, seed)?;
        Ok(Network {
            model: model.clone(),
            n0,
            seed,
            sizes,
            offsets,
            random,
            vectors,
        })
    }

    /// Sizes N_p and offsets (P+1 prefix sums) of a network of normalisation size `n0`.
    ///
    /// Errors: as [`Network::sample`] for the sizes (`TooFewNeurons`, too large).
    pub(crate) fn layout(model: &Model, n0: usize) -> Result<(Vec<usize>, Vec<usize>), SimError> {
        let p_count = model.n_populations();
        check_model(model)?;
        let mut sizes = Vec::with_capacity(p_count);
        for pop in model.populations() {
            let n_p = (pop.weight * n0 as f64).round();
            if n_p < 1.0 || n0 < p_count {
                return Err(SimError::TooFewNeurons {
                    n0,
                    population: pop.name.clone(),
                    weight: pop.weight,
                    populations: p_count,
                });
            }
            if n_p > MAX_NEURONS as f64 {
                return Err(SimError::InvalidArgument {
                    name: "n0",
                    value: n0 as f64,
                    reason: "network too large: some population would exceed MAX_NEURONS neurons",
                });
            }
            sizes.push(n_p as usize);
        }
        if sizes.iter().sum::<usize>() > MAX_NEURONS {
            return Err(SimError::InvalidArgument {
                name: "n0",
                value: n0 as f64,
                reason: "network too large: N exceeds MAX_NEURONS neurons",
            });
        }
        let mut offsets = vec![0usize; p_count + 1];
        for p in 0..p_count {
            offsets[p + 1] = offsets[p] + sizes[p];
        }
        Ok((sizes, offsets))
    }

    /// Total number of neurons N = Σ_p N_p.
    pub fn n(&self) -> usize {
        *self.offsets.last().unwrap_or(&0)
    }

    /// Population of neuron `i`.
    pub fn population_of(&self, i: usize) -> usize {
        self.offsets.partition_point(|&o| o <= i) - 1
    }

    /// Empirical overlap n^k·m^l / N₀ (K×K), the finite-N overlap matrix Ω̂ whose
    /// eigenvalues are the nonzero eigenvalues of J^LR (docs/theory §1.2).
    pub fn empirical_overlap(&self) -> DMatrix<f64> {
        overlap_of(&self.model, &self.vectors, self.n0)
    }

    /// Empirical per-population means and covariances of every loading vector plus the
    /// empirical overlap (docs/theory §4 "Pitfalls": near bifurcations evaluate the theory
    /// with the realised statistics).
    pub fn empirical_stats(&self) -> EmpiricalStats {
        let v = self.vectors.len();
        let mut mean = Vec::new();
        let mut cov = Vec::new();
        for p in 0..self.sizes.len() {
            let r = self.offsets[p]..self.offsets[p + 1];
            let np = self.sizes[p] as f64;
            let m: Vec<f64> = (0..v)
                .map(|a| self.vectors[a][r.clone()].iter().sum::<f64>() / np)
                .collect();
            let c = DMatrix::from_fn(v, v, |a, b| {
                self.vectors[a][r.clone()]
                    .iter()
                    .zip(&self.vectors[b][r.clone()])
                    .map(|(x, y)| (x - m[a]) * (y - m[b]))
                    .sum::<f64>()
                    / np
            });
            mean.push(m);
            cov.push(c);
        }
        EmpiricalStats {
            mean,
            cov,
            overlap: self.empirical_overlap(),
        }
    }

    /// The model with its loading statistics replaced by the empirical ones and its
    /// weights by the realised α̂_p = N_p/N₀ (feed this to the theory to compare with one
    /// finite network near a bifurcation).
    ///
    /// # Errors
    /// The rebuilt model fails validation (a sample covariance that is not PSD beyond rounding,
    /// possible only with non-finite loadings).
    pub fn empirical_model(&self) -> Result<Model, lowrank_model::ModelError> {
        let e = self.empirical_stats();
        let mut parts = self.model.clone().into_parts();
        for (p, stats) in parts.stats.iter_mut().enumerate() {
            stats.mean = nalgebra::DVector::from_vec(e.mean[p].clone());
            stats.cov = e.cov[p].clone();
        }
        for (p, pop) in parts.populations.iter_mut().enumerate() {
            pop.weight = self.sizes[p] as f64 / self.n0 as f64;
        }
        Model::new(parts)
    }

    /// Dense random matrix J^rand (N×N, column-major), zeros where no block is stored.
    /// Costs N² memory: for spectra and tests, not for dynamics.
    pub fn dense_random(&self) -> Vec<f64> {
        let n = self.n();
        let mut j = vec![0.0; n * n];
        for b in &self.random {
            for (r, row) in b.data.chunks_exact(b.cols).enumerate() {
                for (c, &v) in row.iter().enumerate() {
                    j[(b.col_start + c) * n + b.row_start + r] = v;
                }
            }
        }
        j
    }
}

fn check_model(model: &Model) -> Result<(), SimError> {
    let p = model.n_populations();
    let v = model.vectors().len();
    let bad = |field: String, reason: &str| {
        Err(SimError::InvalidModel {
            field,
            reason: reason.into(),
        })
    };
    if p == 0 {
        return bad("populations".into(), "no population");
    }
    if model.gain().nrows() != p || model.gain().ncols() != p {
        return bad("gain".into(), "must be P×P");
    }
    if model.gain().iter().any(|g| !g.is_finite() || *g < 0.0) {
        return bad("gain".into(), "entries must be finite and ≥ 0");
    }
    if model.stats().len() != p {
        return bad("stats".into(), "one entry per population required");
    }
    for (i, pop) in model.populations().iter().enumerate() {
        if !pop.weight.is_finite() || pop.weight <= 0.0 {
            return bad(
                format!("population.{}.weight", pop.name),
                "must be finite and > 0",
            );
        }
        let s = &model.stats()[i];
        if s.mean.len() != v || s.cov.nrows() != v || s.cov.ncols() != v {
            return bad(
                format!("population.{}.stats", pop.name),
                "mean/cov shape does not match the vector list",
            );
        }
        if s.mean.iter().chain(s.cov.iter()).any(|x| !x.is_finite()) {
            return bad(format!("population.{}.stats", pop.name), "non-finite entry");
        }
    }
    for (k, t) in model.terms().iter().enumerate() {
        if t.left >= v || t.right >= v {
            return bad(format!("terms[{k}]"), "vector index out of range");
        }
    }
    for inp in model.inputs() {
        if inp.vector >= v {
            return bad(
                format!("input.{}.vector", inp.name),
                "vector index out of range",
            );
        }
    }
    for r in model.readouts() {
        if r.vector >= v {
            return bad(
                format!("readout.{}.vector", r.name),
                "vector index out of range",
            );
        }
    }
    Ok(())
}

/// A = Q √Λ for the covariance restricted to `active` (d×d), with rounding-level negative
/// eigenvalues set to zero.
fn psd_factor(
    cov: &DMatrix<f64>,
    active: &[usize],
    population: &str,
) -> Result<DMatrix<f64>, SimError> {
    let d = active.len();
    if d == 0 {
        return Ok(DMatrix::zeros(0, 0));
    }
    let sub = DMatrix::from_fn(d, d, |r, c| {
        0.5 * (cov[(active[r], active[c])] + cov[(active[c], active[r])])
    });
    let eig = SymmetricEigen::new(sub);
    let max = eig.eigenvalues.iter().cloned().fold(0.0f64, f64::max);
    let min = eig
        .eigenvalues
        .iter()
        .cloned()
        .fold(f64::INFINITY, f64::min);
    if min < -1e-10 * max.max(1.0) {
        return Err(SimError::NotPsd {
            population: population.to_string(),
            min_eigenvalue: min,
        });
    }
    let mut a = eig.eigenvectors;
    for (c, &lam) in eig.eigenvalues.iter().enumerate() {
        let s = lam.max(0.0).sqrt();
        for r in 0..d {
            a[(r, c)] *= s;
        }
    }
    Ok(a)
}

/// The dense random part J^rand in precision `T`, row-major (docs/theory §1.1): one N×N
/// block when every g_pq > 0, else one block per nonzero g_pq. Band c of
/// [`SAMPLE_ROWS`] rows of block (p, q) draws row by row from the stream
/// (seed, RandomRows{p, q, c}); the bands run in parallel on rayon's pool. Each value is formed
/// in `f64` and then rounded to `T`, so an `f32` simulator holds exactly the rounded `f64`
/// network.
pub(crate) fn random_blocks<T: Real>(
    model: &Model,
    n0: usize,
    sizes: &[usize],
    offsets: &[usize],
    seed: u64,
) -> Vec<RandomBlock<T>> {
    let p_count = sizes.len();
    let n = offsets[p_count];
    let scale = 1.0 / (n0 as f64).sqrt();
    // Fill the rows of population p in `rows` (row stride `stride`), the sources q at columns
    // `col0(q)..col0(q) + sizes[q]` for every q in `sources`.
    let fill_band = |rows: &mut [T], stride: usize, p: usize, sources: &[(usize, usize)]| {
        rows.par_chunks_mut(SAMPLE_ROWS * stride)
            .enumerate()
            .for_each(|(band, chunk)| {
                for &(q, col0) in sources {
                    let g = model.gain()[(p, q)] * scale;
                    let mut rng = stream(seed, Component::RandomRows { p, q, band });
                    for row in chunk.chunks_exact_mut(stride) {
                        for v in &mut row[col0..col0 + sizes[q]] {
                            *v = T::of(g * rng.sample::<f64, _>(StandardNormal));
                        }
                    }
                }
            });
    };
    if model.gain().iter().all(|&g| g > 0.0) {
        let mut data = vec![T::of(0.0); n * n];
        let sources: Vec<(usize, usize)> = (0..p_count).map(|q| (q, offsets[q])).collect();
        for p in 0..p_count {
            fill_band(
                &mut data[offsets[p] * n..offsets[p + 1] * n],
                n,
                p,
                &sources,
            );
        }
        return vec![RandomBlock {
            row_start: 0,
            rows: n,
            col_start: 0,
            cols: n,
            data,
        }];
    }
    let mut random = Vec::new();
    for p in 0..p_count {
        for q in 0..p_count {
            if model.gain()[(p, q)] == 0.0 {
                continue;
            }
            let mut data = vec![T::of(0.0); sizes[p] * sizes[q]];
            fill_band(&mut data, sizes[q], p, &[(q, 0)]);
            random.push(RandomBlock {
                row_start: offsets[p],
                rows: sizes[p],
                col_start: offsets[q],
                cols: sizes[q],
                data,
            });
        }
    }
    random
}

/// The loading vectors (docs/theory §1.1): per population p, ξ_i = M^{(p)} + A^{(p)} z_i
/// from the stream (seed, Loadings{p}).
pub(crate) fn loadings(
    model: &Model,
    sizes: &[usize],
    offsets: &[usize],
    seed: u64,
) -> Result<Vec<Vec<f64>>, SimError> {
    let p_count = sizes.len();
    let n = offsets[p_count];
    let v_count = model.vectors().len();
    // one pass per population
    let mut vectors = vec![vec![0.0; n]; v_count];
    for p in 0..p_count {
        let stats = &model.stats()[p];
        let active: Vec<usize> = (0..v_count).filter(|&a| stats.cov[(a, a)] != 0.0).collect();
        // A zero-variance component must have zero covariance with everything (PSD).
        for a in (0..v_count).filter(|a| !active.contains(a)) {
            let worst = (0..v_count)
                .map(|b| stats.cov[(a, b)].abs())
                .fold(0.0, f64::max);
            if worst != 0.0 {
                return Err(SimError::NotPsd {
                    population: model.populations()[p].name.clone(),
                    min_eigenvalue: -worst,
                });
            }
        }
        let factor = psd_factor(&stats.cov, &active, &model.populations()[p].name)?;
        let d = active.len();
        let mut rng = stream(seed, Component::Loadings { p });
        let mut z = vec![0.0; d];
        for i in offsets[p]..offsets[p + 1] {
            for zj in z.iter_mut() {
                *zj = rng.sample(StandardNormal);
            }
            for (a, vec) in vectors.iter_mut().enumerate() {
                vec[i] = stats.mean[a];
            }
            for (r, &a) in active.iter().enumerate() {
                let mut s = 0.0;
                for (c, zc) in z.iter().enumerate() {
                    s += factor[(r, c)] * zc;
                }
                vectors[a][i] += s;
            }
        }
    }
    Ok(vectors)
}

/// Empirical overlap n^k·m^l / N₀ (K×K) of loading vectors drawn for `model`.
pub(crate) fn overlap_of(model: &Model, vectors: &[Vec<f64>], n0: usize) -> DMatrix<f64> {
    let k = model.rank();
    DMatrix::from_fn(k, k, |a, b| {
        let n = &vectors[model.terms()[a].right];
        let m = &vectors[model.terms()[b].left];
        n.iter().zip(m).map(|(x, y)| x * y).sum::<f64>() / n0 as f64
    })
}
