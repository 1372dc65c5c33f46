//! The order-parameter equations of the general model, written once (docs/theory §1.6–1.7).
//!
//! Unknowns are packed in one vector so that any root finder can be used:
//! - static (§1.6): `x = κ ‖ Δ` (K + P entries);
//! - stationary chaotic (§1.7): `x = κ ‖ Δ₀ ‖ Δ∞` (K + 2P entries).
//!
//! Residuals return `Err` (never NaN) when an iterate leaves the domain (negative variance,
//! Δ∞ > Δ₀), so that solvers can backtrack.

#![allow(clippy::needless_range_loop)] // index loops mirror the equations (J_ij, M_kl)

use crate::meanfield::MeanField;
use crate::roots::{brent, ScalarSolution};
use crate::TheoryError;
use lowrank_gauss::{Gauss, GaussLegendre, Moments, Phi, StationaryJet};
use nalgebra::DMatrix;

/// A system of equations r(x) = 0 with a fixed dimension; what every solver in this crate solves.
pub trait Residual {
    /// Number of unknowns (= number of equations).
    fn dim(&self) -> usize;
    /// Evaluate r(x) into `out`. `Err` when x is outside the domain of the equations.
    fn eval(&mut self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError>;
    /// Write the analytic Jacobian ∂r_i/∂x_j at `x` into `jac` (dim × dim) and return `Ok(true)`,
    /// or `Ok(false)` (the default) if the equations have none. Implementations reuse the
    /// Gaussian averages of the last [`Residual::eval`] when it was at the same `x`.
    fn jacobian(&mut self, x: &[f64], jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
        let _ = (x, jac);
        Ok(false)
    }
}

/// Per-population scratch space, allocated once per equation object, and the Gaussian averages
/// of the last evaluated point (reused by the Jacobian at the same point).
#[derive(Clone, Debug)]
struct Scratch {
    mu: Vec<f64>,
    moments: Vec<Moments>,
    phi_mean: Vec<f64>,
    gain: Vec<f64>,
    phi2: Vec<f64>,
    drive: Vec<f64>,
    /// Per population: force/energy residuals and their partials (chaotic equations only).
    chaotic: Vec<ChaoticJet>,
    /// The last point at which `fill` and the residual succeeded (valid if `have_last`).
    last_x: Vec<f64>,
    have_last: bool,
    /// Residual buffer for a Jacobian requested at a point other than the last one.
    res: Vec<f64>,
}

impl Scratch {
    fn new(mf: &MeanField, n: usize) -> Scratch {
        Scratch {
            mu: vec![0.0; mf.p],
            moments: vec![Moments::default(); mf.p],
            phi_mean: vec![0.0; mf.p],
            gain: vec![0.0; mf.p],
            phi2: vec![0.0; mf.p],
            drive: vec![0.0; mf.k],
            chaotic: vec![ChaoticJet::default(); mf.p],
            last_x: vec![0.0; n],
            have_last: false,
            res: vec![0.0; n],
        }
    }

    /// Means at κ, moments at the given variances, and the Stein drive. Moments are those of
    /// [`Gauss::moments_without_primitive`] (⟨Φ⟩, ⟨Φ²⟩ are not needed here and left 0).
    fn fill(
        &mut self,
        mf: &MeanField,
        kappa: &[f64],
        v: &[f64],
        delta: &[f64],
    ) -> Result<(), TheoryError> {
        self.have_last = false;
        for (p, (&d, mu)) in delta.iter().zip(self.mu.iter_mut()).enumerate().take(mf.p) {
            if d.is_nan() || d < 0.0 {
                return Err(TheoryError::InvalidParameter {
                    name: format!("delta0[{p}]"),
                    value: d,
                    reason: "variance must be ≥ 0".into(),
                });
            }
            *mu = mf.mean(p, kappa, v);
        }
        for p in 0..mf.p {
            let m = mf
                .gauss
                .moments_without_primitive(mf.phi, self.mu[p], delta[p])?;
            self.moments[p] = m;
            self.phi_mean[p] = m.phi;
            self.gain[p] = m.dphi;
            self.phi2[p] = m.phi2;
        }
        mf.drive(kappa, v, &self.phi_mean, &self.gain, &mut self.drive);
        Ok(())
    }

    /// Marks `x` as the last successfully evaluated point.
    fn remember(&mut self, x: &[f64]) {
        self.last_x.copy_from_slice(x);
        self.have_last = true;
    }

    fn is_last(&self, x: &[f64]) -> bool {
        self.have_last && self.last_x.as_slice() == x
    }
}

/// Equations that keep the Gaussian averages of their last evaluation in a [`Scratch`]: the
/// Jacobian and the fixed-point step reuse them when asked at the same point.
trait Cached: Residual {
    fn scratch_mut(&mut self) -> &mut Scratch;

    /// Evaluate at `x` unless the scratch already holds that point.
    fn evaluate_at(&mut self, x: &[f64]) -> Result<(), TheoryError> {
        if !self.scratch_mut().is_last(x) {
            let mut res = std::mem::take(&mut self.scratch_mut().res);
            let r = self.eval(x, &mut res);
            self.scratch_mut().res = res;
            r?;
        }
        Ok(())
    }
}

impl Cached for StaticEquations {
    fn scratch_mut(&mut self) -> &mut Scratch {
        &mut self.scratch
    }
}

impl Cached for ChaoticEquations {
    fn scratch_mut(&mut self) -> &mut Scratch {
        &mut self.scratch
    }
}

/// Jacobian rows of the κ equations r_k = κ_k − Σ_p α_p[M_{n^k}⟨φ⟩_p + ⟨φ′⟩_p c^{(p)}_{n^k}] with
/// the averages at (μ_p, Δ_p) (Δ_p the column block starting at `delta_col`), from
/// ∂_μ⟨f⟩ = ⟨f′⟩, ∂_Δ⟨f⟩ = ½⟨f″⟩ (docs/theory §1.5):
/// ∂r_k/∂κ_l = δ_kl − Σ_p α_p[M_{n^k}M_{m^l}⟨φ′⟩ + M_{m^l}c_{n^k}⟨φ″⟩ + σ_{n^k m^l}⟨φ′⟩],
/// ∂r_k/∂Δ_p = −½α_p[M_{n^k}⟨φ″⟩ + c_{n^k}⟨φ‴⟩].
fn drive_rows(
    mf: &MeanField,
    kappa: &[f64],
    v: &[f64],
    mo: &[Moments],
    delta_col: usize,
    jac: &mut DMatrix<f64>,
) {
    let (k, p) = (mf.k, mf.p);
    for kk in 0..k {
        for l in 0..k {
            let mut acc = if kk == l { 1.0 } else { 0.0 };
            for q in 0..p {
                let m = &mo[q];
                let (mn, mm) = (mf.mean_n(q, kk), mf.mean_m(q, l));
                let cn = mf.cov_n(q, kk, kappa, v);
                acc -= mf.alpha[q]
                    * (mn * mm * m.dphi + mm * cn * m.d2phi + mf.sigma_nm(q, kk, l) * m.dphi);
            }
            jac[(kk, l)] = acc;
        }
        for q in 0..p {
            let m = &mo[q];
            jac[(kk, delta_col + q)] = -0.5
                * mf.alpha[q]
                * (mf.mean_n(q, kk) * m.d2phi + mf.cov_n(q, kk, kappa, v) * m.d3phi);
        }
    }
}

/// Jacobian row `row` of the static variance equation r = Δ_p − 𝒮_p − Σ_q G_pq⟨φ²⟩_q (Δ_q the
/// column block at `delta_col`): ∂r/∂κ_l = −2c^{(p)}_{m^l} − 2Σ_q G_pq M^{(q)}_{m^l}⟨φφ′⟩_q,
/// ∂r/∂Δ_q = δ_pq − G_pq(⟨φ′²⟩_q + ⟨φφ″⟩_q).
#[allow(clippy::too_many_arguments)]
fn variance_row(
    mf: &MeanField,
    kappa: &[f64],
    v: &[f64],
    mo: &[Moments],
    pp: usize,
    row: usize,
    delta_col: usize,
    jac: &mut DMatrix<f64>,
) {
    let (k, p) = (mf.k, mf.p);
    for l in 0..k {
        let mut acc = -2.0 * mf.cov_m(pp, l, kappa, v);
        for q in 0..p {
            acc -= 2.0 * mf.coupling[(pp, q)] * mf.mean_m(q, l) * mo[q].phi_dphi;
        }
        jac[(row, l)] = acc;
    }
    for q in 0..p {
        let e = mo[q].dphi2 + mo[q].phi_d2phi;
        jac[(row, delta_col + q)] = if pp == q { 1.0 } else { 0.0 } - mf.coupling[(pp, q)] * e;
    }
}

/// Static mean-field equations (docs/theory §1.6) at input amplitudes `v`:
///
/// κ_k = Σ_p α_p [M_{n^k} ⟨φ⟩_p + ⟨φ′⟩_p c^{(p)}_{n^k}],   Δ_p = 𝒮_p + Σ_q G_pq ⟨φ²⟩_q,
///
/// averages at (μ_p, Δ_p). Residual: (κ − drive, Δ − 𝒮 − Δ^h).
///
/// ```
/// # use lowrank_gauss::{Gauss, Phi};
/// # use lowrank_model::{LoadingStats, Model, ModelParts, Population, Term};
/// # use lowrank_theory::{meanfield::MeanField, equations::{StaticEquations, Residual}};
/// # use nalgebra::{DMatrix, DVector};
/// # let model = Model::new(ModelParts { name: "x".into(), populations: vec![Population { name: "all".into(), weight: 1.0 }],
/// #     gain: DMatrix::from_element(1, 1, 0.5), vectors: vec!["m".into(), "n".into()],
/// #     stats: vec![LoadingStats { mean: DVector::from_vec(vec![1.1, 2.0]), cov: DMatrix::identity(2, 2) }],
/// #     terms: vec![Term { name: "1".into(), left: 0, right: 1 }], inputs: vec![], readouts: vec![], nonlinearity: Phi::Tanh }).unwrap();
/// let mut eq = StaticEquations::new(MeanField::new(&model, Gauss::new(64)), vec![]);
/// let mut r = [0.0; 2];
/// eq.eval(&[0.0, 0.0], &mut r).unwrap(); // the trivial state κ = Δ = 0 solves the equations
/// assert!(r.iter().all(|x| x.abs() < 1e-15));
/// ```
#[derive(Clone, Debug)]
pub struct StaticEquations {
    /// The model in evaluation form.
    pub mf: MeanField,
    /// Input amplitudes u_a.
    pub v: Vec<f64>,
    scratch: Scratch,
}

impl StaticEquations {
    /// Static equations of `mf` at inputs `v`.
    pub fn new(mf: MeanField, v: Vec<f64>) -> StaticEquations {
        let scratch = Scratch::new(&mf, mf.k + mf.p);
        StaticEquations { mf, v, scratch }
    }

    /// Per-population moments at the last evaluated point (μ_p, Δ_p), without ⟨Φ⟩, ⟨Φ²⟩ (0; see
    /// [`Gauss::moments_without_primitive`]).
    pub fn last_moments(&self) -> &[Moments] {
        &self.scratch.moments
    }

    /// Population means μ_p at the last evaluated point.
    pub fn last_mu(&self) -> &[f64] {
        &self.scratch.mu
    }

    /// One Gauss–Seidel step of the self-consistency map (the damped iteration of docs/theory §4
    /// with ε = 1): κ′_k = Σ_p α_p[M_{n^k}⟨φ⟩_p + ⟨φ′⟩_p c^{(p)}_{n^k}(κ)], then
    /// Δ′_p = 𝒮_p(κ′) + Σ_q G_pq⟨φ²⟩_q, averages at (μ_p(κ), Δ_p); written into `out`. Its fixed
    /// points are the roots of [`Residual::eval`]. The new variances are bounded for bounded φ
    /// (|tanh| ≤ 1), so one step maps a far start such as (μ, Δ) = (50, 50) into range.
    pub fn fixed_point_step(&mut self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
        self.evaluate_at(x)?;
        let (k, p) = (self.mf.k, self.mf.p);
        out[..k].copy_from_slice(&self.scratch.drive);
        let (kappa_new, delta_new) = out.split_at_mut(k);
        for q in 0..p {
            delta_new[q] = self.mf.structured_variance(q, kappa_new, &self.v)
                + self.mf.disorder_variance(q, &self.scratch.phi2);
        }
        Ok(())
    }
}

impl Residual for StaticEquations {
    fn dim(&self) -> usize {
        self.mf.k + self.mf.p
    }

    fn eval(&mut self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
        let (k, p) = (self.mf.k, self.mf.p);
        let (kappa, delta) = x.split_at(k);
        self.scratch.fill(&self.mf, kappa, &self.v, delta)?;
        for i in 0..k {
            out[i] = kappa[i] - self.scratch.drive[i];
        }
        for q in 0..p {
            out[k + q] = delta[q]
                - self.mf.structured_variance(q, kappa, &self.v)
                - self.mf.disorder_variance(q, &self.scratch.phi2);
        }
        self.scratch.remember(x);
        Ok(())
    }

    /// Analytic Jacobian (docs/theory §1.6, from ∂_μ⟨f⟩ = ⟨f′⟩, ∂_Δ⟨f⟩ = ½⟨f″⟩):
    /// ∂r_k/∂κ_l = δ_kl − Σ_p α_p[M_{n^k}M_{m^l}⟨φ′⟩ + M_{m^l}c_{n^k}⟨φ″⟩ + σ_{n^k m^l}⟨φ′⟩],
    /// ∂r_k/∂Δ_p = −½α_p[M_{n^k}⟨φ″⟩ + c_{n^k}⟨φ‴⟩],
    /// ∂r_{K+p}/∂κ_l = −2c^{(p)}_{m^l} − 2Σ_q G_pq M^{(q)}_{m^l}⟨φφ′⟩_q,
    /// ∂r_{K+p}/∂Δ_q = δ_pq − G_pq(⟨φ′²⟩_q + ⟨φφ″⟩_q).
    /// Reuses the moments of the last [`Residual::eval`] if it was at `x`.
    fn jacobian(&mut self, x: &[f64], jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
        self.evaluate_at(x)?;
        let (k, p) = (self.mf.k, self.mf.p);
        let kappa = &x[..k];
        let mo = &self.scratch.moments;
        drive_rows(&self.mf, kappa, &self.v, mo, k, jac);
        for pp in 0..p {
            variance_row(&self.mf, kappa, &self.v, mo, pp, k + pp, k, jac);
        }
        Ok(true)
    }
}

/// Stationary chaotic equations (docs/theory §1.7) at inputs `v`, for within-population disorder
/// (G diagonal). Unknowns κ ‖ Δ₀ ‖ Δ∞; per chaotic population p, with 𝒮_p at κ and μ_p:
///
/// - force balance: Δ∞ = G_pp C_p(Δ∞) + 𝒮_p;
/// - energy conservation V(Δ₀) = V(Δ∞), V(Δ) = −½Δ² + G_pp F_p(Δ) + 𝒮_p Δ, used in the
///   **deflated** form of [`deflated_energy_residual`], which removes the static branch
///   Δ∞ = Δ₀ (a double root of the raw energy law) except where the bulk radius is exactly 1;
///
/// and the κ equation of §1.6 at the total variance Δ₀. Populations marked static (no disorder,
/// or chosen static) obey Δ₀ = G_pp⟨φ²⟩ + 𝒮_p and Δ∞ = Δ₀.
#[derive(Clone, Debug)]
pub struct ChaoticEquations {
    /// The model in evaluation form.
    pub mf: MeanField,
    /// Input amplitudes u_a.
    pub v: Vec<f64>,
    /// Which populations are chaotic (Δ∞ < Δ₀); the others are static.
    pub chaotic: Vec<bool>,
    scratch: Scratch,
}

impl ChaoticEquations {
    /// Chaotic equations of `mf` at inputs `v`; every population with disorder is taken chaotic.
    ///
    /// `Err(Unsupported)` for cross-population disorder, which has no energy law (§1.7).
    pub fn new(mf: MeanField, v: Vec<f64>) -> Result<ChaoticEquations, TheoryError> {
        if !mf.diagonal_disorder() {
            return Err(TheoryError::Unsupported(
                "stationary chaotic equations need within-population disorder only (G diagonal); \
                 use the two-time DMFT for cross-population disorder"
                    .into(),
            ));
        }
        let chaotic = (0..mf.p).map(|p| mf.coupling[(p, p)] > 0.0).collect();
        let scratch = Scratch::new(&mf, mf.k + 2 * mf.p);
        Ok(ChaoticEquations {
            mf,
            v,
            chaotic,
            scratch,
        })
    }

    /// Per-population moments at the last evaluated point (μ_p, Δ₀_p).
    pub fn last_moments(&self) -> &[Moments] {
        &self.scratch.moments
    }
}

impl Residual for ChaoticEquations {
    fn dim(&self) -> usize {
        self.mf.k + 2 * self.mf.p
    }

    fn eval(&mut self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
        let (k, p) = (self.mf.k, self.mf.p);
        let kappa = &x[..k];
        let delta0 = &x[k..k + p];
        let delta_inf = &x[k + p..k + 2 * p];
        self.scratch.fill(&self.mf, kappa, &self.v, delta0)?;
        for i in 0..k {
            out[i] = kappa[i] - self.scratch.drive[i];
        }
        for q in 0..p {
            let g = self.mf.coupling[(q, q)];
            let s_var = self.mf.structured_variance(q, kappa, &self.v);
            let (r_force, r_energy) = if self.chaotic[q] {
                let mu = self.scratch.mu[q];
                let jet = chaotic_population_jet(
                    &self.mf.gauss,
                    self.mf.phi,
                    g,
                    s_var,
                    mu,
                    delta0[q],
                    delta_inf[q],
                )?;
                self.scratch.chaotic[q] = jet;
                (jet.force, jet.energy)
            } else {
                (
                    delta0[q] - g * self.scratch.phi2[q] - s_var,
                    delta_inf[q] - delta0[q],
                )
            };
            out[k + q] = r_energy;
            out[k + p + q] = r_force;
        }
        self.scratch.remember(x);
        Ok(())
    }

    /// Analytic Jacobian in x = κ ‖ Δ₀ ‖ Δ∞. κ rows as for the static equations at Δ₀ (no Δ∞
    /// dependence). Chaotic population q: the partials of [`ChaoticJet`] in (μ, 𝒮, Δ₀, Δ∞)
    /// chained with ∂μ_q/∂κ_l = M^{(q)}_{m^l}, ∂𝒮_q/∂κ_l = 2c^{(q)}_{m^l}. Static population q:
    /// the static variance row (at Δ₀) and ∂(Δ∞ − Δ₀) = (−1, +1). Reuses the Gaussian averages of
    /// the last [`Residual::eval`] if it was at `x`.
    fn jacobian(&mut self, x: &[f64], jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
        self.evaluate_at(x)?;
        let (k, p) = (self.mf.k, self.mf.p);
        let (mf, v) = (&self.mf, &self.v);
        let kappa = &x[..k];
        let mo = &self.scratch.moments;
        jac.fill(0.0);
        drive_rows(mf, kappa, v, mo, k, jac);
        for q in 0..p {
            let (re, rf) = (k + q, k + p + q);
            if self.chaotic[q] {
                let jet = &self.scratch.chaotic[q];
                for l in 0..k {
                    let (dmu, ds) = (mf.mean_m(q, l), 2.0 * mf.cov_m(q, l, kappa, v));
                    jac[(re, l)] = jet.d_energy[0] * dmu + jet.d_energy[1] * ds;
                    jac[(rf, l)] = jet.d_force[0] * dmu + jet.d_force[1] * ds;
                }
                jac[(re, k + q)] = jet.d_energy[2];
                jac[(re, k + p + q)] = jet.d_energy[3];
                jac[(rf, k + q)] = jet.d_force[2];
                jac[(rf, k + p + q)] = jet.d_force[3];
            } else {
                variance_row(mf, kappa, v, mo, q, rf, k, jac);
                jac[(re, k + q)] = -1.0;
                jac[(re, k + p + q)] = 1.0;
            }
        }
        Ok(true)
    }
}

fn check_pair(delta0: f64, delta_inf: f64) -> Result<(), TheoryError> {
    if delta_inf.is_nan() || delta_inf < 0.0 {
        return Err(TheoryError::InvalidParameter {
            name: "delta_inf".into(),
            value: delta_inf,
            reason: "must be ≥ 0".into(),
        });
    }
    if delta_inf > delta0 {
        return Err(TheoryError::InvalidParameter {
            name: "delta_inf".into(),
            value: delta_inf,
            reason: format!("must be ≤ delta0 = {delta0}"),
        });
    }
    Ok(())
}

/// Force balance of the potential method (docs/theory §1.7): Δ∞ − G C(Δ∞; Δ₀) − 𝒮, with
/// C(Δ) = ∫Dz[∫Dx φ(μ + √(Δ₀−Δ) x + √Δ z)]².
/// `coupling_g2` is the disorder coupling G = α g² of docs/theory §1.1 (G = g² in \[MO\]), not
/// the gain g.
pub fn force_residual(
    gauss: &Gauss,
    phi: Phi,
    coupling_g2: f64,
    s_var: f64,
    mu: f64,
    delta0: f64,
    delta_inf: f64,
) -> Result<f64, TheoryError> {
    check_pair(delta0, delta_inf)?;
    let st = gauss.stationary(phi, mu, delta0, delta_inf)?;
    Ok(delta_inf - coupling_g2 * st.c - s_var)
}

/// E = ½(Δ₀² − Δ∞²) − G[F(Δ₀) − F(Δ∞)] − 𝒮(Δ₀ − Δ∞) = V(Δ∞) − V(Δ₀), given F(Δ₀) and F(Δ∞):
/// the one place the energy law of docs/theory §1.7 is written.
fn energy_law(
    coupling_g2: f64,
    s_var: f64,
    delta0: f64,
    delta_inf: f64,
    f0: f64,
    f_inf: f64,
) -> f64 {
    0.5 * (delta0 * delta0 - delta_inf * delta_inf)
        - coupling_g2 * (f0 - f_inf)
        - s_var * (delta0 - delta_inf)
}

/// Raw energy law of the potential method (docs/theory §1.7):
/// ½(Δ₀² − Δ∞²) − G[F(Δ₀) − F(Δ∞)] − 𝒮(Δ₀ − Δ∞) = V(Δ∞) − V(Δ₀).
///
/// It vanishes identically on the static branch Δ∞ = Δ₀; prefer [`deflated_energy_residual`]
/// in root finding.
/// `coupling_g2` is the disorder coupling G = α g² of docs/theory §1.1 (G = g² in \[MO\]), not
/// the gain g.
pub fn energy_residual(
    gauss: &Gauss,
    phi: Phi,
    coupling_g2: f64,
    s_var: f64,
    mu: f64,
    delta0: f64,
    delta_inf: f64,
) -> Result<f64, TheoryError> {
    check_pair(delta0, delta_inf)?;
    let f0 = gauss.stationary(phi, mu, delta0, delta0)?.f;
    let f_inf = gauss.stationary(phi, mu, delta0, delta_inf)?.f;
    Ok(energy_law(coupling_g2, s_var, delta0, delta_inf, f0, f_inf))
}

/// Energy law with the static branch divided out:
///
/// e = [f·(Δ₀−Δ∞) − E] / (Δ₀−Δ∞)²,  f = Δ∞ − G C(Δ∞) − 𝒮 (force residual), E = raw energy residual.
///
/// Since E = f·gap − ½V″(Δ∞) gap² + O(gap³) (Taylor about Δ∞, V′ = −f), e → ½(G ∂C/∂Δ(Δ∞) − 1)
/// as gap → 0: on the static branch it vanishes only where the bulk radius G⟨φ′²⟩ = 1, the chaos
/// onset, and {f = 0, e = 0, gap > 0} ⟺ {f = 0, E = 0, gap > 0}.
///
/// **Small gaps** (gap ≤ 0.1·max(1, Δ₀)): the quotient loses ~ε·|F|/gap² to cancellation
/// (≈ 1e−9 at gap ≈ 1e−3, just above the chaos onset — a floor above the solver tolerance).
/// There the exact cancellation-free form is used: with ∂F/∂Δ = C and ∂C/∂Δ = ∫Dz[∫Dx φ′]²
/// (Price), E = gap·[½(Δ₀+Δ∞) − G·C̄ − 𝒮] with C̄ the mean of C over [Δ∞, Δ₀], so
/// f·gap − E = gap·[G(C̄ − C(Δ∞)) − ½gap], and integrating by parts
///
/// e = G ∫₀¹ (1 − t) ∂C/∂Δ(Δ∞ + t·gap) dt − ½,
///
/// by 6-point Gauss–Legendre in t (→ ½(G ∂C/∂Δ − 1) at gap = 0, continuously).
/// `coupling_g2` is the disorder coupling G = α g² of docs/theory §1.1 (G = g² in \[MO\]), not
/// the gain g.
pub fn deflated_energy_residual(
    gauss: &Gauss,
    phi: Phi,
    coupling_g2: f64,
    s_var: f64,
    mu: f64,
    delta0: f64,
    delta_inf: f64,
) -> Result<f64, TheoryError> {
    Ok(force_and_deflated_energy(gauss, phi, coupling_g2, s_var, mu, delta0, delta_inf)?.1)
}

/// [`force_residual`] and [`deflated_energy_residual`] together, sharing one nested pass for
/// C, F, ∂C/∂Δ at Δ∞ (half the cost of calling both).
///
/// Rationale: speed of the chaotic solves; same formulas as the two functions above.
/// `coupling_g2` is the disorder coupling G = α g² of docs/theory §1.1 (G = g² in \[MO\]), not
/// the gain g.
pub fn force_and_deflated_energy(
    gauss: &Gauss,
    phi: Phi,
    coupling_g2: f64,
    s_var: f64,
    mu: f64,
    delta0: f64,
    delta_inf: f64,
) -> Result<(f64, f64), TheoryError> {
    let j = population_jet::<false>(gauss, phi, coupling_g2, s_var, mu, delta0, delta_inf)?;
    Ok((j.force, j.energy))
}

/// Force balance f = Δ∞ − G C(Δ∞) − 𝒮 and deflated energy e ([`deflated_energy_residual`]) of one
/// chaotic population, with their partial derivatives in (μ, 𝒮, Δ₀, Δ∞) (docs/theory §1.7).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ChaoticJet {
    /// f = Δ∞ − G C(Δ∞; μ, Δ₀) − 𝒮.
    pub force: f64,
    /// e = [f·(Δ₀−Δ∞) − E]/(Δ₀−Δ∞)² (for small gaps its integral form, see
    /// [`deflated_energy_residual`]).
    pub energy: f64,
    /// ∂f/∂(μ, 𝒮, Δ₀, Δ∞).
    pub d_force: [f64; 4],
    /// ∂e/∂(μ, 𝒮, Δ₀, Δ∞).
    pub d_energy: [f64; 4],
}

/// [`force_and_deflated_energy`] with the analytic partial derivatives (for the Jacobian of
/// [`ChaoticEquations`]); one fused nested pass ([`Gauss::stationary_jet`]) at (μ, Δ₀, Δ∞) and
/// one single pass at Δ = Δ₀ for F(Δ₀) = ⟨Φ²⟩.
///
/// With gap = Δ₀ − Δ∞ and the raw energy law E = ½(Δ₀² − Δ∞²) − G[F(Δ₀) − F(Δ∞)] − 𝒮·gap:
///
/// - ∂f = (−G ∂C/∂μ, −1, −G ∂C/∂Δ₀, 1 − G ∂C/∂Δ);
/// - ∂E = (−G[∂_μF(Δ₀) − ∂_μF(Δ∞)], −gap, Δ₀ − G[dF(Δ₀)/dΔ₀ − ∂F(Δ∞)/∂Δ₀] − 𝒮, −f), using
///   ∂F/∂Δ = C (Price) and dF(Δ₀)/dΔ₀ = ⟨Φφ′⟩ + ⟨φ²⟩;
/// - ∂e = (∂f·gap + f·∂gap − ∂E − 2e·gap·∂gap)/gap², ∂gap = (0, 0, 1, −1);
/// - for small gaps, e = G∫₀¹(1−t)D(Δ∞ + t·gap)dt − ½ with D = ∂C/∂Δ, so
///   ∂e = G∫₀¹(1−t)(∂_μD, 0, ∂_Δ₀D + t∂_ΔD, (1−t)∂_ΔD)dt (same Gauss–Legendre rule).
///
/// `coupling_g2` is the disorder coupling G = α g² of docs/theory §1.1 (G = g² in \[MO\]), not
/// the gain g.
///
/// ```
/// use lowrank_gauss::{Gauss, Phi};
/// use lowrank_theory::equations::{chaotic_population_jet, force_and_deflated_energy};
/// let g = Gauss::new(200);
/// let (gg, s, mu, d0, di, h) = (4.0, 0.3, 0.4, 2.3, 1.4, 1e-5);
/// let j = chaotic_population_jet(&g, Phi::Tanh, gg, s, mu, d0, di).unwrap();
/// let e = |d: f64| force_and_deflated_energy(&g, Phi::Tanh, gg, s, mu, d, di).unwrap().1;
/// assert!((j.d_energy[2] - (e(d0 + h) - e(d0 - h)) / (2.0 * h)).abs() < 1e-7);
/// ```
pub fn chaotic_population_jet(
    gauss: &Gauss,
    phi: Phi,
    coupling_g2: f64,
    s_var: f64,
    mu: f64,
    delta0: f64,
    delta_inf: f64,
) -> Result<ChaoticJet, TheoryError> {
    population_jet::<true>(gauss, phi, coupling_g2, s_var, mu, delta0, delta_inf)
}

/// Below this relative gap (Δ₀ − Δ∞)/max(1, Δ₀) the deflated energy is evaluated in its
/// cancellation-free integral form (see [`deflated_energy_residual`]).
const SMALL_GAP: f64 = 0.1;
/// Gauss–Legendre nodes of the integral form (error ≲ (gap/2)^{12}·(relative derivative scale)).
const SMALL_GAP_NODES: usize = 6;

/// The one implementation of force balance and deflated energy (values; partials if `D`).
fn population_jet<const D: bool>(
    gauss: &Gauss,
    phi: Phi,
    coupling_g2: f64,
    s_var: f64,
    mu: f64,
    delta0: f64,
    delta_inf: f64,
) -> Result<ChaoticJet, TheoryError> {
    check_pair(delta0, delta_inf)?;
    let gap = delta0 - delta_inf;
    let inf = if D {
        gauss.stationary_jet(phi, mu, delta0, delta_inf)?
    } else {
        let s = gauss.stationary(phi, mu, delta0, delta_inf)?;
        StationaryJet {
            c: s.c,
            f: s.f,
            dc: s.dc,
            ..Default::default()
        }
    };
    let force = delta_inf - coupling_g2 * inf.c - s_var;
    let mut out = ChaoticJet {
        force,
        ..Default::default()
    };
    if D {
        out.d_force = [
            -coupling_g2 * inf.c_mu,
            -1.0,
            -coupling_g2 * inf.c_delta0,
            1.0 - coupling_g2 * inf.dc,
        ];
    }
    if gap <= SMALL_GAP * delta0.max(1.0) {
        // e = G ∫₀¹ (1 − t) ∂C/∂Δ(Δ∞ + t·gap) dt − ½: no cancellation as gap → 0
        let (weights, nodes): (&[f64], &[f64]) = if gap == 0.0 {
            (&[1.0], &[0.0])
        } else {
            let rule = GaussLegendre::cached(SMALL_GAP_NODES);
            (&rule.weights, &rule.nodes)
        };
        let mut acc = [0.0; 4];
        for (w, x) in weights.iter().zip(nodes) {
            let t = 0.5 * (1.0 + x);
            // the gap = 0 "rule" is the single node t = ½ with exact weights below
            let wk = if gap == 0.0 { 0.5 } else { 0.5 * w * (1.0 - t) };
            let jt = if gap == 0.0 {
                inf
            } else if D {
                gauss.stationary_jet(phi, mu, delta0, delta_inf + t * gap)?
            } else {
                let s = gauss.stationary(phi, mu, delta0, delta_inf + t * gap)?;
                StationaryJet {
                    dc: s.dc,
                    ..Default::default()
                }
            };
            acc[0] += wk * jt.dc;
            if D {
                // ∫(1−t)·{∂_μ, ∂_Δ₀ + t∂_Δ, (1−t)∂_Δ} ∂C/∂Δ; at gap = 0 the t-moments
                // ∫(1−t) = ½, ∫(1−t)t = 1/6, ∫(1−t)² = 1/3 are exact
                let (m1, m2) = if gap == 0.0 {
                    (1.0 / 6.0, 1.0 / 3.0)
                } else {
                    (wk * t, wk * (1.0 - t))
                };
                acc[1] += wk * jt.dc_mu;
                acc[2] += wk * jt.dc_delta0 + m1 * jt.dc_delta;
                acc[3] += m2 * jt.dc_delta;
            }
        }
        out.energy = coupling_g2 * acc[0] - 0.5;
        if D {
            out.d_energy = [
                coupling_g2 * acc[1],
                0.0,
                coupling_g2 * acc[2],
                coupling_g2 * acc[3],
            ];
        }
        return Ok(out);
    }
    let top = if D {
        gauss.stationary_jet(phi, mu, delta0, delta0)?
    } else {
        let s = gauss.stationary(phi, mu, delta0, delta0)?;
        StationaryJet {
            f: s.f,
            ..Default::default()
        }
    };
    let energy = energy_law(coupling_g2, s_var, delta0, delta_inf, top.f, inf.f);
    let e = (force * gap - energy) / (gap * gap);
    out.energy = e;
    if D {
        let d_raw = [
            -coupling_g2 * (top.f_mu - inf.f_mu),
            -gap,
            delta0 - coupling_g2 * (top.f_delta0 + top.c - inf.f_delta0) - s_var,
            -force,
        ];
        let d_gap = [0.0, 0.0, 1.0, -1.0];
        for i in 0..4 {
            out.d_energy[i] =
                (out.d_force[i] * gap + force * d_gap[i] - d_raw[i] - 2.0 * e * gap * d_gap[i])
                    / (gap * gap);
        }
    }
    Ok(out)
}

/// F(Δ₀) − F(0) at μ = 0, the energy released by pure chaos.
///
/// Above Δ₀ = 0.05 this is the difference of the two nested integrals. Below it, the difference of
/// two O(Δ₀²) numbers carries the quadrature's absolute error (~1e-12) divided by Δ₀² in the
/// deflated law, so Price's theorem ∂F/∂Δ = C is used instead: ∫₀^Δ₀ C(Δ) dΔ by 24-point
/// Gauss–Legendre (C is smooth on [0, Δ₀]), whose error is relative to C itself.
fn potential_drop(gauss: &Gauss, phi: Phi, d0: f64) -> Result<f64, TheoryError> {
    if d0 >= 0.05 {
        let f0 = gauss.stationary(phi, 0.0, d0, d0)?.f;
        let fz = gauss.stationary(phi, 0.0, d0, 0.0)?.f;
        return Ok(f0 - fz);
    }
    let rule = GaussLegendre::cached(24);
    let (c, h) = (0.5 * d0, 0.5 * d0);
    let mut acc = 0.0;
    for (x, w) in rule.nodes.iter().zip(&rule.weights) {
        acc += w * gauss
            .stationary(phi, 0.0, d0, (c + h * x).clamp(0.0, d0))?
            .c;
    }
    Ok(acc * h)
}

/// Pure chaos (Sompolinsky–Crisanti–Sommers, docs/theory §1.7): the total variance Δ₀ solving
/// ½Δ₀² = G[F(Δ₀) − F(0)] at μ = 𝒮 = Δ∞ = 0, for an odd φ.
///
/// Needs an odd φ: otherwise ⟨φ⟩ ≠ 0 feeds a quenched field (Δ∞ = G⟨φ⟩² > 0 at μ = 0) and this
/// state does not exist; such a φ is an `InvalidParameter` error (use
/// [`crate::solve::branches::solve_all`], which makes no parity assumption).
///
/// Solved in the deflated form h(Δ₀) = ½ − G[F(Δ₀) − F(0)]/Δ₀² (Δ₀ = 0 divided out) by Brent on a
/// bracket found by doubling. For G ≤ 1 there is no chaos: Δ₀ = 0 is returned (exact, 0 iterations).
///
/// `coupling_g2` is the disorder coupling G = α g² of docs/theory §1.1 (G = g² in \[MO\]), not
/// the gain g.
///
/// ```
/// use lowrank_gauss::{Gauss, Phi};
/// use lowrank_theory::equations::pure_chaos_delta0;
/// // [CB] pure chaos at g = 1.5 with erf: Δ₀ = 0.8388 (docs/theory §5)
/// let s = pure_chaos_delta0(&Gauss::new(64), Phi::Erf, 1.5f64.powi(2)).unwrap();
/// assert!((s.value - 0.8388).abs() < 5e-5);
/// ```
pub fn pure_chaos_delta0(
    gauss: &Gauss,
    phi: Phi,
    coupling_g2: f64,
) -> Result<ScalarSolution, TheoryError> {
    if !coupling_g2.is_finite() || coupling_g2 < 0.0 {
        return Err(TheoryError::InvalidParameter {
            name: "G".into(),
            value: coupling_g2,
            reason: "disorder coupling must be finite and ≥ 0".into(),
        });
    }
    if !phi.is_odd() {
        return Err(TheoryError::InvalidParameter {
            name: "nonlinearity".into(),
            value: f64::NAN,
            reason: format!(
                "pure chaos (κ = 0, Δ∞ = 0) needs an odd φ; {phi} is not odd (its mean rate \
                 makes Δ∞ > 0): solve the full model instead"
            ),
        });
    }
    if coupling_g2 <= 1.0 {
        return Ok(ScalarSolution {
            value: 0.0,
            convergence: crate::convergence::Convergence::closed_form(),
        });
    }
    let h = |d0: f64| -> Result<f64, TheoryError> {
        Ok(0.5 - coupling_g2 * potential_drop(gauss, phi, d0)? / (d0 * d0))
    };
    // h(0+) = ½(1 − G⟨φ′(0)⟩²) < 0 for G > 1 and unit-slope φ; find the upper end by doubling.
    let mut lo = 1e-3 * (coupling_g2 - 1.0).min(1.0);
    while h(lo)? >= 0.0 {
        lo *= 0.1;
        if lo < 1e-12 {
            return Err(TheoryError::NotFound {
                what: "pure-chaos delta0".into(),
                detail: format!("no bracket near 0 (φ′(0) < 1?; |h| = {:e})", h(lo)?.abs()),
            });
        }
    }
    let mut hi = coupling_g2.max(1.0);
    let mut doublings = 0;
    while h(hi)? <= 0.0 {
        hi *= 2.0;
        doublings += 1;
        if doublings > 60 {
            return Err(TheoryError::NotFound {
                what: "pure-chaos delta0".into(),
                detail: format!(
                    "the energy law has no finite root after {doublings} doublings (unbounded φ?)"
                ),
            });
        }
    }
    // tolerance 1e-11 because |h| has a rounding floor ~1e-13 (F(Δ₀) − F(0) over Δ₀²); 1e-13 failed at g ≈ 1.9
    let mut sol = brent("pure-chaos delta0", h, lo, hi, 1e-11)?;
    sol.convergence.iterations += doublings;
    Ok(sol)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lowrank_model::{Input, LoadingStats, Model, ModelParts, Population, Schedule, Term};
    use nalgebra::{DMatrix, DVector};

    /// Rank one with an input: vectors (m, n, I), one population.
    fn rank_one(phi: Phi, g: f64, mean: [f64; 3], cov: [[f64; 3]; 3], u: f64) -> Model {
        Model::new(ModelParts {
            name: "test".into(),
            populations: vec![Population {
                name: "all".into(),
                weight: 1.0,
            }],
            gain: DMatrix::from_element(1, 1, g),
            vectors: vec!["m".into(), "n".into(), "I".into()],
            stats: vec![LoadingStats {
                mean: DVector::from_row_slice(&mean),
                cov: DMatrix::from_fn(3, 3, |i, j| cov[i][j]),
            }],
            terms: vec![Term {
                name: "1".into(),
                left: 0,
                right: 1,
            }],
            inputs: vec![Input {
                name: "u".into(),
                vector: 2,
                schedule: Schedule {
                    baseline: u,
                    ..Default::default()
                },
            }],
            readouts: vec![],
            nonlinearity: phi,
        })
        .unwrap()
    }

    #[test]
    fn linear_network_static_solution_is_exact() {
        // φ = x: κ = (M_n M_I + σ_nI) u / (1 − Ω), Ω = M_m M_n + σ_mn, and
        // Δ = 𝒮 + g²(μ² + Δ) ⇒ Δ = (𝒮 + g² μ²)/(1 − g²): closed forms, independent of the code.
        let (mm, mn, mi) = (0.7, 0.9, 0.3);
        let cov = [[1.0, 0.2, 0.1], [0.2, 1.5, 0.4], [0.1, 0.4, 0.8]];
        let (g, u) = (0.6, 1.3);
        let model = rank_one(Phi::Linear, g, [mm, mn, mi], cov, u);
        let omega = mm * mn + cov[0][1];
        let kappa = (mn * mi + cov[1][2]) * u / (1.0 - omega);
        let mu = mm * kappa + mi * u;
        let s_var = cov[0][0] * kappa * kappa + 2.0 * cov[0][2] * kappa * u + cov[2][2] * u * u;
        let delta = (s_var + g * g * mu * mu) / (1.0 - g * g);
        let mut eq = StaticEquations::new(MeanField::new(&model, Gauss::new(32)), vec![u]);
        let mut r = [0.0; 2];
        eq.eval(&[kappa, delta], &mut r).unwrap();
        assert!(r.iter().all(|x| x.abs() < 1e-12), "{r:?}");
        // and a perturbed point is not a solution
        eq.eval(&[kappa * 1.01, delta], &mut r).unwrap();
        assert!(r[0].abs() > 1e-4);
    }

    #[test]
    fn static_residual_rejects_negative_variance() {
        let model = rank_one(
            Phi::Tanh,
            0.5,
            [1.0, 1.0, 0.0],
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            0.0,
        );
        let mut eq = StaticEquations::new(MeanField::new(&model, Gauss::new(32)), vec![0.0]);
        let mut r = [0.0; 2];
        assert!(matches!(
            eq.eval(&[0.1, -0.5], &mut r),
            Err(TheoryError::InvalidParameter { .. })
        ));
        assert!(matches!(
            eq.eval(&[0.1, f64::NAN], &mut r),
            Err(TheoryError::InvalidParameter { .. })
        ));
    }

    #[test]
    fn pure_chaos_matches_published_values() {
        // docs/theory §5 [CB] (erf): g = 1.5 → Δ₀ = 0.8388, ψ₀ = 0.6569; g = 3 → 5.6374, 0.3185.
        // [MO] (tanh): central chaotic Δ₀ at g = 2 is 1.9248.
        let gauss = Gauss::new(100);
        for (phi, g, d0, psi0) in [
            (Phi::Erf, 1.5, 0.8388, Some(0.6569)),
            (Phi::Erf, 3.0, 5.6374, Some(0.3185)),
            (Phi::Tanh, 2.0, 1.9248, None),
        ] {
            let s = pure_chaos_delta0(&gauss, phi, g * g).unwrap();
            assert!(s.convergence.converged);
            assert!(
                (s.value - d0).abs() < 5e-5,
                "{phi:?} g={g}: {} vs {d0}",
                s.value
            );
            if let Some(psi0) = psi0 {
                let psi = gauss.moments(phi, 0.0, s.value).unwrap().dphi;
                assert!((psi - psi0).abs() < 5e-5, "ψ0 {psi} vs {psi0}");
            }
        }
        // just above the onset Δ₀ is small but must still be found, and grow with G
        let near: Vec<f64> = [1.0005, 1.002, 1.01]
            .iter()
            .map(|&gg| pure_chaos_delta0(&gauss, Phi::Tanh, gg).unwrap().value)
            .collect();
        assert!(
            near[0] > 0.0 && near[0] < near[1] && near[1] < near[2],
            "{near:?}"
        );
        // no chaos below g = 1
        assert_eq!(
            pure_chaos_delta0(&gauss, Phi::Tanh, 0.81).unwrap().value,
            0.0
        );
        // a linear network has no finite chaotic state
        assert!(pure_chaos_delta0(&gauss, Phi::Linear, 2.0).is_err());
        // non-odd φ: the κ = 0, Δ∞ = 0 state does not exist, and the error says why
        let e = pure_chaos_delta0(&gauss, Phi::Sigmoid, 4.0).unwrap_err();
        assert!(e.to_string().contains("odd"), "{e}");
        assert!(
            pure_chaos_delta0(&gauss, Phi::Tanh.affine(1.0, 0.5, 1.0, 0.0).unwrap(), 4.0).is_err()
        );
    }

    #[test]
    fn deflated_energy_is_continuous_at_the_static_branch() {
        // e(gap) → ½(G ∂C/∂Δ(Δ∞) − 1) as gap → 0; the quotient form at a small gap must agree with
        // the limit to O(gap).
        let gauss = Gauss::new(100);
        let (g, s_var, mu, d0) = (2.5, 0.3, 0.4, 1.7);
        for gap in [1e-2, 1e-3] {
            let d_inf = d0 - gap;
            let e = deflated_energy_residual(&gauss, Phi::Tanh, g, s_var, mu, d0, d_inf).unwrap();
            let limit = 0.5 * (g * gauss.stationary(Phi::Tanh, mu, d0, d_inf).unwrap().dc - 1.0);
            assert!((e - limit).abs() < 5.0 * gap, "gap {gap}: {e} vs {limit}");
        }
        // and the deflated residual is zero where the raw law and force balance both are
        // (pure chaos: Δ∞ = 0, μ = 𝒮 = 0)
        let d0 = pure_chaos_delta0(&gauss, Phi::Tanh, 4.0).unwrap().value;
        let e = deflated_energy_residual(&gauss, Phi::Tanh, 4.0, 0.0, 0.0, d0, 0.0).unwrap();
        let raw = energy_residual(&gauss, Phi::Tanh, 4.0, 0.0, 0.0, d0, 0.0).unwrap();
        assert!(e.abs() < 1e-10 && raw.abs() < 1e-10, "{e} {raw}");
    }

    /// Two populations (weights ½, ½) with the rank-one statistics of `rank_one` in both and the
    /// gain matrix `gain` (row-major 2×2).
    fn two_populations(phi: Phi, gain: [f64; 4], u: f64) -> Model {
        let cov = [[1.0, 0.3, 0.2], [0.3, 1.2, 0.4], [0.2, 0.4, 0.9]];
        let mut model = rank_one(phi, 1.0, [1.1, 2.0, 0.3], cov, u).into_parts();
        model.populations = vec![
            Population {
                name: "A".into(),
                weight: 0.5,
            },
            Population {
                name: "B".into(),
                weight: 0.5,
            },
        ];
        let mut other = model.stats[0].clone();
        other.mean[0] = 0.7; // different M_m in B
        model.stats = vec![model.stats[0].clone(), other];
        model.gain = DMatrix::from_row_slice(2, 2, &gain);
        Model::new(model).unwrap()
    }

    /// max_ij |J_ij − (r_i(x + h e_j) − r_i(x − h e_j))/2h| / max(1, |J_ij|) for the analytic
    /// Jacobian of `eq` at `x`.
    fn jacobian_error<R: Residual>(eq: &mut R, x: &[f64], h: f64) -> f64 {
        let n = eq.dim();
        let mut jac = DMatrix::zeros(n, n);
        assert!(eq.jacobian(x, &mut jac).unwrap());
        let (mut fp, mut fm) = (vec![0.0; n], vec![0.0; n]);
        let mut worst = 0.0f64;
        for j in 0..n {
            let hj = h * x[j].abs().max(1.0);
            let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
            xp[j] += hj;
            xm[j] -= hj;
            eq.eval(&xp, &mut fp).unwrap();
            eq.eval(&xm, &mut fm).unwrap();
            for i in 0..n {
                let fd = (fp[i] - fm[i]) / (2.0 * hj);
                worst = worst.max((jac[(i, j)] - fd).abs() / jac[(i, j)].abs().max(1.0));
            }
        }
        worst
    }

    // Tolerance of the Jacobian checks: central differences with h = 1e−5 have truncation error
    // O(h²) ≈ 1e−10 and rounding/quadrature noise ≈ 1e−13/(gap²·h) ≲ 1e−7 for gaps ≥ 0.3, so
    // 1e−6 (relative to max(1, |J|)) is derived from the step, with margin.
    const JAC_TOL: f64 = 1e-6;
    const FD_STEP: f64 = 1e-5;

    #[test]
    fn static_jacobian_matches_central_differences() {
        let cov = [[1.0, 0.2, 0.1], [0.2, 1.5, 0.4], [0.1, 0.4, 0.8]];
        for phi in [Phi::Tanh, Phi::Erf] {
            for u in [0.0, 0.7] {
                let model = rank_one(phi, 1.3, [1.1, 2.0, 0.3], cov, u);
                let mut eq = StaticEquations::new(MeanField::new(&model, Gauss::new(200)), vec![u]);
                for x in [[0.6, 2.1], [0.0, 1.3], [-1.2, 4.0]] {
                    let err = jacobian_error(&mut eq, &x, FD_STEP);
                    assert!(err < JAC_TOL, "{phi} u = {u} x = {x:?}: {err:.2e}");
                }
            }
            // two populations with cross-population disorder
            let model = two_populations(phi, [1.3, 0.4, 0.6, 1.1], 0.5);
            let mut eq = StaticEquations::new(MeanField::new(&model, Gauss::new(200)), vec![0.5]);
            let err = jacobian_error(&mut eq, &[0.5, 1.8, 2.4], FD_STEP);
            assert!(err < JAC_TOL, "{phi} two populations: {err:.2e}");
        }
    }

    #[test]
    fn chaotic_jacobian_matches_central_differences() {
        // tanh and erf, with and without κ (and so μ, 𝒮), with an input (𝒮 and c_m get input
        // terms), and a static (disorder-free) second population.
        let cov = [[1.0, 0.2, 0.1], [0.2, 1.5, 0.4], [0.1, 0.4, 0.8]];
        for phi in [Phi::Tanh, Phi::Erf] {
            for u in [0.0, 0.7] {
                let model = rank_one(phi, 2.0, [1.1, 2.0, 0.3], cov, u);
                let mf = MeanField::new(&model, Gauss::new(200));
                let mut eq = ChaoticEquations::new(mf, vec![u]).unwrap();
                for x in [
                    [0.33, 2.3, 1.4],
                    [0.0, 1.9, 0.05],
                    [0.0, 2.2, 0.9],
                    [-0.8, 3.5, 2.9],
                ] {
                    let err = jacobian_error(&mut eq, &x, FD_STEP);
                    assert!(err < JAC_TOL, "{phi} u = {u} x = {x:?}: {err:.2e}");
                }
            }
            let model = two_populations(phi, [2.0, 0.0, 0.0, 0.0], 0.5);
            let mf = MeanField::new(&model, Gauss::new(200));
            let mut eq = ChaoticEquations::new(mf, vec![0.5]).unwrap();
            assert_eq!(eq.chaotic, vec![true, false]);
            let err = jacobian_error(&mut eq, &[0.4, 2.5, 1.1, 1.6, 1.1], FD_STEP);
            assert!(
                err < JAC_TOL,
                "{phi} chaotic + static population: {err:.2e}"
            );
        }
    }

    #[test]
    fn deflated_energy_small_gap_form() {
        // (1) Partials of the integral form by central differences (exact formula, smooth in
        //     every argument; noise ≈ 1e−15/h): at a tiny gap, at gap = 0 (one-sided in Δ∞ is not
        //     possible, so only μ and Δ₀ there), and just below the switch to the quotient form.
        // (2) The integral form equals the quotient [f·gap − E]/gap² where the latter is accurate
        //     (gap ≈ 0.1–0.2: cancellation ≈ 1e−15/gap² ≈ 1e−13): Price's theorem, independently
        //     of the code path. (3) Continuity across the switch at gap = 0.1·max(1, Δ₀).
        let gauss = Gauss::new(200);
        let (g, s_var, mu, d0) = (2.5, 0.3, 0.4, 1.7);
        for gap in [8e-7, 0.05, 0.16] {
            let d_inf = d0 - gap;
            let j = chaotic_population_jet(&gauss, Phi::Tanh, g, s_var, mu, d0, d_inf).unwrap();
            let e = |m: f64, a: f64, b: f64| {
                chaotic_population_jet(&gauss, Phi::Tanh, g, s_var, m, a, b)
                    .unwrap()
                    .energy
            };
            let h = (gap / 4.0).min(1e-5);
            let fd = [
                (e(mu + h, d0, d_inf) - e(mu - h, d0, d_inf)) / (2.0 * h),
                (e(mu, d0 + h, d_inf) - e(mu, d0 - h, d_inf)) / (2.0 * h),
                (e(mu, d0, d_inf + h) - e(mu, d0, d_inf - h)) / (2.0 * h),
            ];
            let an = [j.d_energy[0], j.d_energy[2], j.d_energy[3]];
            for (a, f) in an.iter().zip(fd) {
                assert!(
                    (a - f).abs() < 1e-6 * a.abs().max(1.0),
                    "gap {gap}: {an:?} vs {fd:?}"
                );
            }
            assert_eq!(j.d_energy[1], 0.0);
        }
        let j0 = chaotic_population_jet(&gauss, Phi::Tanh, g, s_var, mu, d0, d0).unwrap();
        let st = gauss.stationary(Phi::Tanh, mu, d0, d0).unwrap();
        assert!((j0.energy - 0.5 * (g * st.dc - 1.0)).abs() < 1e-14);
        let h = 1e-6;
        let e0 = |m: f64, a: f64| {
            chaotic_population_jet(&gauss, Phi::Tanh, g, s_var, m, a, d0.min(a))
                .unwrap()
                .energy
        };
        let fd_mu = (e0(mu + h, d0) - e0(mu - h, d0)) / (2.0 * h);
        assert!((j0.d_energy[0] - fd_mu).abs() < 1e-6, "{j0:?} {fd_mu}");
        // (2) integral form vs the quotient with F differences
        let quotient = |gap: f64| {
            let di = d0 - gap;
            let force = force_residual(&gauss, Phi::Tanh, g, s_var, mu, d0, di).unwrap();
            let raw = energy_residual(&gauss, Phi::Tanh, g, s_var, mu, d0, di).unwrap();
            (force * gap - raw) / (gap * gap)
        };
        for gap in [0.1, 0.15] {
            let e = chaotic_population_jet(&gauss, Phi::Tanh, g, s_var, mu, d0, d0 - 0.999 * gap)
                .unwrap()
                .energy;
            let q = quotient(0.999 * gap);
            assert!((e - q).abs() < 1e-10, "gap {gap}: {e} vs {q}");
        }
        // (3) both sides of the switch (0.1·Δ₀ = 0.17)
        let below = chaotic_population_jet(&gauss, Phi::Tanh, g, s_var, mu, d0, d0 - 0.17 + 1e-12)
            .unwrap()
            .energy;
        let above = chaotic_population_jet(&gauss, Phi::Tanh, g, s_var, mu, d0, d0 - 0.17 - 1e-12)
            .unwrap()
            .energy;
        assert!((below - above).abs() < 1e-11, "{below} vs {above}");
    }

    #[test]
    fn chaotic_equations_reject_cross_population_disorder() {
        let mut model = rank_one(
            Phi::Tanh,
            1.5,
            [1.0, 1.0, 0.0],
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            0.0,
        )
        .into_parts();
        model.populations = vec![
            Population {
                name: "A".into(),
                weight: 0.5,
            },
            Population {
                name: "B".into(),
                weight: 0.5,
            },
        ];
        model.stats = vec![model.stats[0].clone(), model.stats[0].clone()];
        model.gain = DMatrix::from_row_slice(2, 2, &[1.5, 0.3, 0.0, 1.5]);
        let model = Model::new(model).unwrap();
        let mf = MeanField::new(&model, Gauss::new(32));
        assert!(matches!(
            ChaoticEquations::new(mf, vec![0.0]),
            Err(TheoryError::Unsupported(_))
        ));
    }
}
