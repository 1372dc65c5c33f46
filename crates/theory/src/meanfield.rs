//! The general model flattened for evaluating the mean-field equations (docs/theory §1.4–1.6).
//!
//! Everything the order-parameter equations need from a [`Model`] — population weights α_p, the
//! disorder coupling G_pq = α_q g_pq², and per population the means and covariances of the loading
//! vectors m^k, n^k, I^a, w^r — stored as flat arrays so that evaluating a residual touches only
//! contiguous memory and never allocates. Every equation of the theory (static, chaotic, DMFT,
//! current ODE, stability) is written in terms of the functions here; none re-derives them.

use crate::TheoryError;
use lowrank_gauss::{Gauss, Moments, Phi};
use lowrank_model::Model;
use nalgebra::DMatrix;

/// The general model in evaluation form.
///
/// Notation (docs/theory §1.4): for population p, currents s (= κ at a steady state) and input
/// amplitudes v,
/// μ_p = Σ_k M_{m^k} s_k + Σ_a M_{I^a} v_a,
/// c^{(p)}_{n^k} = Σ_l σ_{n^k m^l} s_l + Σ_a σ_{n^k I^a} v_a,
/// 𝒮_p = Σ_{kl} σ_{m^k m^l} s_k s_l + 2 Σ_{ka} σ_{m^k I^a} s_k v_a + Σ_{ab} σ_{I^a I^b} v_a v_b.
///
/// ```
/// use lowrank_gauss::{Gauss, Phi};
/// use lowrank_model::{LoadingStats, Model, ModelParts, Population, Term};
/// use lowrank_theory::meanfield::MeanField;
/// use nalgebra::{DMatrix, DVector};
/// // [MO] rank one: M_m = 1.1, M_n = 2, Σ_m = Σ_n = 1, g = 1.5
/// let model = Model::new(ModelParts {
///     name: "fig1".into(),
///     populations: vec![Population { name: "all".into(), weight: 1.0 }],
///     gain: DMatrix::from_element(1, 1, 1.5),
///     vectors: vec!["m".into(), "n".into()],
///     stats: vec![LoadingStats { mean: DVector::from_vec(vec![1.1, 2.0]), cov: DMatrix::identity(2, 2) }],
///     terms: vec![Term { name: "1".into(), left: 0, right: 1 }],
///     inputs: vec![], readouts: vec![], nonlinearity: Phi::Tanh,
/// }).unwrap();
/// let mf = MeanField::new(&model, Gauss::new(64));
/// assert!((mf.mean(0, &[0.5], &[]) - 0.55).abs() < 1e-15);          // μ = M_m κ
/// assert!((mf.structured_variance(0, &[0.5], &[]) - 0.25).abs() < 1e-15); // 𝒮 = Σ_m² κ²
/// ```
#[derive(Clone, Debug)]
pub struct MeanField {
    /// Number of populations P.
    pub p: usize,
    /// Number of rank-one terms K.
    pub k: usize,
    /// Number of inputs.
    pub a: usize,
    /// Number of readouts.
    pub r: usize,
    /// Population weights α_p = N_p / N₀.
    pub alpha: Vec<f64>,
    /// Disorder coupling G_pq = α_q g_pq² (docs/theory §1.1).
    pub coupling: DMatrix<f64>,
    /// The nonlinearity φ.
    pub phi: Phi,
    /// Gaussian integrator used for every average.
    pub gauss: Gauss,
    m_mean: Vec<f64>, // [p*K + k]
    n_mean: Vec<f64>, // [p*K + k]
    i_mean: Vec<f64>, // [p*A + a]
    w_mean: Vec<f64>, // [p*R + r]
    s_nm: Vec<f64>,   // [(p*K + k)*K + l]
    s_nn: Vec<f64>,   // [p*K + k] (variances of n^k only)
    s_ni: Vec<f64>,   // [(p*K + k)*A + a]
    s_mm: Vec<f64>,   // [(p*K + k)*K + l]
    s_mi: Vec<f64>,   // [(p*K + k)*A + a]
    s_ii: Vec<f64>,   // [(p*A + a)*A + b]
    s_wm: Vec<f64>,   // [(p*R + r)*K + l]
    s_wi: Vec<f64>,   // [(p*R + r)*A + a]
}

impl MeanField {
    /// Flatten a validated [`Model`] for evaluation with the integrator `gauss`.
    pub fn new(model: &Model, gauss: Gauss) -> MeanField {
        let (p, k, a, r) = (
            model.n_populations(),
            model.rank(),
            model.inputs().len(),
            model.readouts().len(),
        );
        let ms: Vec<usize> = model.terms().iter().map(|t| t.left).collect();
        let ns: Vec<usize> = model.terms().iter().map(|t| t.right).collect();
        let is: Vec<usize> = model.inputs().iter().map(|i| i.vector).collect();
        let ws: Vec<usize> = model.readouts().iter().map(|w| w.vector).collect();
        let mean = |idx: &[usize]| -> Vec<f64> {
            (0..p)
                .flat_map(|q| idx.iter().map(move |&v| model.stats()[q].mean[v]))
                .collect()
        };
        let cov = |rows: &[usize], cols: &[usize]| -> Vec<f64> {
            let mut out = Vec::with_capacity(p * rows.len() * cols.len());
            for q in 0..p {
                for &i in rows {
                    for &j in cols {
                        out.push(model.stats()[q].cov[(i, j)]);
                    }
                }
            }
            out
        };
        MeanField {
            p,
            k,
            a,
            r,
            alpha: model.populations().iter().map(|x| x.weight).collect(),
            coupling: model.disorder_coupling(),
            phi: model.nonlinearity(),
            gauss,
            m_mean: mean(&ms),
            n_mean: mean(&ns),
            i_mean: mean(&is),
            w_mean: mean(&ws),
            s_nm: cov(&ns, &ms),
            s_nn: (0..p)
                .flat_map(|q| ns.iter().map(move |&v| model.stats()[q].cov[(v, v)]))
                .collect(),
            s_ni: cov(&ns, &is),
            s_mm: cov(&ms, &ms),
            s_mi: cov(&ms, &is),
            s_ii: cov(&is, &is),
            s_wm: cov(&ws, &ms),
            s_wi: cov(&ws, &is),
        }
    }

    /// Whether the disorder coupling G is diagonal (within-population disorder only), the case in
    /// which the stationary chaotic equations have an energy law (docs/theory §1.7).
    pub fn diagonal_disorder(&self) -> bool {
        (0..self.p).all(|i| (0..self.p).all(|j| i == j || self.coupling[(i, j)] == 0.0))
    }

    /// M^{(p)}_{m^k}: mean of the output vector m^k in population p.
    pub fn mean_m(&self, p: usize, k: usize) -> f64 {
        self.m_mean[p * self.k + k]
    }

    /// M^{(p)}_{n^k}: mean of the selection vector n^k in population p.
    pub fn mean_n(&self, p: usize, k: usize) -> f64 {
        self.n_mean[p * self.k + k]
    }

    /// M^{(p)}_{w^r}: mean of the readout vector w^r in population p.
    pub fn mean_w(&self, p: usize, r: usize) -> f64 {
        self.w_mean[p * self.r + r]
    }

    /// σ^{(p)}_{n^k m^l}.
    pub fn sigma_nm(&self, p: usize, k: usize, l: usize) -> f64 {
        self.s_nm[(p * self.k + k) * self.k + l]
    }

    /// Second moment ⟨(n^k)²⟩_p = (M^{(p)}_{n^k})² + σ^{(p)}_{n^k n^k} of the selection vector n^k.
    pub fn n_second_moment(&self, p: usize, k: usize) -> f64 {
        let m = self.mean_n(p, k);
        m * m + self.s_nn[p * self.k + k]
    }

    /// A bound on |κ_k| valid at every solution, static or chaotic, when φ is bounded:
    /// κ_k = Σ_p α_p⟨n^k φ(x)⟩_p and Cauchy–Schwarz give |κ_k| ≤ sup|φ|·Σ_p α_p √⟨(n^k)²⟩_p
    /// (docs/theory.md, "Complete solution sets"). `None` for an unbounded φ.
    pub fn kappa_bound(&self, k: usize) -> Option<f64> {
        let s = self.phi.sup_abs()?;
        Some(
            s * (0..self.p)
                .map(|p| self.alpha[p] * self.n_second_moment(p, k).sqrt())
                .sum::<f64>(),
        )
    }

    /// σ^{(p)}_{m^k m^l}.
    pub fn sigma_mm(&self, p: usize, k: usize, l: usize) -> f64 {
        self.s_mm[(p * self.k + k) * self.k + l]
    }

    /// Population mean μ_p = Σ_k M^{(p)}_{m^k} s_k + Σ_a M^{(p)}_{I^a} v_a (docs/theory §1.4).
    #[inline]
    pub fn mean(&self, p: usize, s: &[f64], v: &[f64]) -> f64 {
        dot(&self.m_mean[p * self.k..(p + 1) * self.k], s)
            + dot(&self.i_mean[p * self.a..(p + 1) * self.a], v)
    }

    /// Loading–state covariance c^{(p)}_{n^k} = Σ_l σ_{n^k m^l} s_l + Σ_a σ_{n^k I^a} v_a.
    #[inline]
    pub fn cov_n(&self, p: usize, k: usize, s: &[f64], v: &[f64]) -> f64 {
        let row = p * self.k + k;
        dot(&self.s_nm[row * self.k..(row + 1) * self.k], s)
            + dot(&self.s_ni[row * self.a..(row + 1) * self.a], v)
    }

    /// Loading–state covariance c^{(p)}_{m^l} = Σ_j σ_{m^l m^j} s_j + Σ_a σ_{m^l I^a} v_a.
    #[inline]
    pub fn cov_m(&self, p: usize, l: usize, s: &[f64], v: &[f64]) -> f64 {
        let row = p * self.k + l;
        dot(&self.s_mm[row * self.k..(row + 1) * self.k], s)
            + dot(&self.s_mi[row * self.a..(row + 1) * self.a], v)
    }

    /// Readout–state covariance c^{(p)}_{w^r} = Σ_l σ_{w^r m^l} s_l + Σ_a σ_{w^r I^a} v_a.
    #[inline]
    pub fn cov_w(&self, p: usize, r: usize, s: &[f64], v: &[f64]) -> f64 {
        let row = p * self.r + r;
        dot(&self.s_wm[row * self.k..(row + 1) * self.k], s)
            + dot(&self.s_wi[row * self.a..(row + 1) * self.a], v)
    }

    /// Structured two-time term 𝒜_p(s₁,v₁; s₂,v₂) = Σ_{kl} σ_{m^k m^l} s₁_k s₂_l
    /// + Σ_{ka} σ_{m^k I^a} (s₁_k v₂_a + v₁_a s₂_k) + Σ_{ab} σ_{I^a I^b} v₁_a v₂_b (docs/theory §1.8).
    pub fn structured_cross(
        &self,
        p: usize,
        s1: &[f64],
        v1: &[f64],
        s2: &[f64],
        v2: &[f64],
    ) -> f64 {
        let (k, a) = (self.k, self.a);
        let mut acc = 0.0;
        for i in 0..k {
            let row = p * k + i;
            acc += s1[i] * dot(&self.s_mm[row * k..(row + 1) * k], s2);
            let mi = &self.s_mi[row * a..(row + 1) * a];
            acc += s1[i] * dot(mi, v2) + s2[i] * dot(mi, v1);
        }
        for (b, v1b) in v1.iter().enumerate().take(a) {
            let row = p * a + b;
            acc += v1b * dot(&self.s_ii[row * a..(row + 1) * a], v2);
        }
        acc
    }

    /// Structured variance 𝒮_p = 𝒜_p(s,v; s,v) (docs/theory §1.4; \[CB\]: A^μ).
    pub fn structured_variance(&self, p: usize, s: &[f64], v: &[f64]) -> f64 {
        self.structured_cross(p, s, v, s, v)
    }

    /// Stein drive κ_k = Σ_p α_p [M^{(p)}_{n^k} ⟨φ⟩_p + ψ_p c^{(p)}_{n^k}] (docs/theory §1.5),
    /// written into `out` (length K), given per-population `phi_mean` = ⟨φ⟩_p and `gain` = ψ_p.
    pub fn drive(&self, s: &[f64], v: &[f64], phi_mean: &[f64], gain: &[f64], out: &mut [f64]) {
        for (k, o) in out.iter_mut().enumerate().take(self.k) {
            *o = (0..self.p)
                .map(|p| {
                    self.alpha[p]
                        * (self.mean_n(p, k) * phi_mean[p] + gain[p] * self.cov_n(p, k, s, v))
                })
                .sum();
        }
    }

    /// Readouts z_r = Σ_p α_p [M^{(p)}_{w^r} ⟨φ⟩_p + ψ_p c^{(p)}_{w^r}] (docs/theory §2.6), into `out`.
    pub fn readout(&self, s: &[f64], v: &[f64], phi_mean: &[f64], gain: &[f64], out: &mut [f64]) {
        for (r, o) in out.iter_mut().enumerate().take(self.r) {
            *o = (0..self.p)
                .map(|p| {
                    self.alpha[p]
                        * (self.mean_w(p, r) * phi_mean[p] + gain[p] * self.cov_w(p, r, s, v))
                })
                .sum();
        }
    }

    /// Individual (disorder) variance Δ^h_p = Σ_q G_pq ⟨φ²⟩_q (docs/theory §1.6).
    pub fn disorder_variance(&self, p: usize, phi2: &[f64]) -> f64 {
        (0..self.p).map(|q| self.coupling[(p, q)] * phi2[q]).sum()
    }

    /// Per-population Gaussian moments of φ at (μ_p, Δ_p), into `out` (length P).
    pub fn moments(
        &self,
        mu: &[f64],
        delta: &[f64],
        out: &mut [Moments],
    ) -> Result<(), TheoryError> {
        for p in 0..self.p {
            out[p] = self.gauss.moments(self.phi, mu[p], delta[p])?;
        }
        Ok(())
    }
}

#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
