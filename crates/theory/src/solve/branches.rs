//! All mean-field solutions of a general model: static (docs/theory §1.6) and stationary chaotic
//! (§1.7) branches with their stability (§1.9).
//!
//! [`solve_all`] finds every branch \[MO\] discusses: the trivial state, the central (κ = 0,
//! Δ > 0) state, the ± heterogeneous states, under input the unstable middle branch (multiple
//! sign-symmetric starts + Farrell deflation), and stationary chaotic solutions seeded from every
//! static solution whose bulk radius exceeds 1. Each comes back as a [`MeanFieldSolution`] whose
//! serde field names are the CLI's JSON names (docs/architecture.md §2).

#![allow(clippy::needless_range_loop)] // index loops mirror the equations (J_ij, M_kl)

use super::disorder::{chaotic_variances, static_variances};
use super::pinned::Pinned;
use super::scan::{cell_starts, symmetric_axis, KappaGrid, NodeState};
use super::{find_roots, solve, NewtonOptions, RootSearch, Solution, System};
use crate::convergence::{Convergence, Termination};
use crate::equations::{ChaoticEquations, Residual, StaticEquations};
use crate::meanfield::MeanField;
use crate::stability::{
    bulk_radius, classify, outlier_matrix, reduced_drive_jacobian, without_neutral, Eigenvalue,
};
use crate::TheoryError;
use lowrank_gauss::{Gauss, Moments};
use lowrank_model::Model;
use nalgebra::DMatrix;
use serde::Serialize;
use std::cell::RefCell;

/// The static equations of §1.6 as a [`System`] in x = κ ‖ Δ, with the analytic Jacobian.
///
/// Residual: κ_k − Σ_p α_p[M_{n^k}⟨φ⟩_p + ⟨φ′⟩_p c_{n^k}] and Δ_p − 𝒮_p − Σ_q G_pq⟨φ²⟩_q
/// ([`crate::equations::StaticEquations`]). Jacobian from ∂_μ⟨f⟩ = ⟨f′⟩, ∂_Δ⟨f⟩ = ½⟨f″⟩:
/// ∂r_k/∂κ_l = δ_kl − Σ_p α_p[M_{n^k}M_{m^l}⟨φ′⟩ + M_{m^l}c_{n^k}⟨φ″⟩ + σ_{n^k m^l}⟨φ′⟩],
/// ∂r_k/∂Δ_p = −½α_p[M_{n^k}⟨φ″⟩ + c_{n^k}⟨φ‴⟩],
/// ∂r_{K+p}/∂κ_l = −2c^{(p)}_{m^l} − 2Σ_q G_pq M^{(q)}_{m^l}⟨φφ′⟩_q,
/// ∂r_{K+p}/∂Δ_q = δ_pq − G_pq(⟨φ′²⟩_q + ⟨φφ″⟩_q).
pub struct StaticSystem {
    eq: RefCell<StaticEquations>,
}

impl StaticSystem {
    /// Static system of `mf` at input amplitudes `v`.
    pub fn new(mf: MeanField, v: Vec<f64>) -> Self {
        StaticSystem {
            eq: RefCell::new(StaticEquations::new(mf, v)),
        }
    }

    /// The flattened model.
    pub fn meanfield(&self) -> std::cell::Ref<'_, StaticEquations> {
        self.eq.borrow()
    }
}

impl System for StaticSystem {
    fn dim(&self) -> usize {
        self.eq.borrow().dim()
    }
    fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
        self.eq.borrow_mut().eval(x, out)
    }
    fn jacobian(&self, x: &[f64], jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
        self.eq.borrow_mut().jacobian(x, jac)
    }
    fn fixed_point(&self, x: &[f64], out: &mut [f64]) -> Result<bool, TheoryError> {
        self.eq.borrow_mut().fixed_point_step(x, out)?;
        Ok(true)
    }
    fn admissible(&self, x: &[f64]) -> bool {
        let k = self.eq.borrow().mf.k;
        x.iter().all(|v| v.is_finite()) && x[k..].iter().all(|&d| d >= 0.0)
    }
}

/// The stationary chaotic equations of §1.7 as a [`System`] in x = κ ‖ Δ₀ ‖ Δ∞
/// ([`crate::equations::ChaoticEquations`], energy law in deflated form), with the analytic
/// Jacobian of [`crate::equations::chaotic_population_jet`] (one fused nested Gauss pass per
/// residual; the Jacobian at the last residual point is free).
pub struct ChaoticSystem {
    eq: RefCell<ChaoticEquations>,
}

impl ChaoticSystem {
    /// Chaotic system of `mf` at inputs `v`; `Err(Unsupported)` for cross-population disorder.
    pub fn new(mf: MeanField, v: Vec<f64>) -> Result<Self, TheoryError> {
        Ok(ChaoticSystem {
            eq: RefCell::new(ChaoticEquations::new(mf, v)?),
        })
    }
}

impl System for ChaoticSystem {
    fn dim(&self) -> usize {
        self.eq.borrow().dim()
    }
    fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
        self.eq.borrow_mut().eval(x, out)
    }
    fn jacobian(&self, x: &[f64], jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
        self.eq.borrow_mut().jacobian(x, jac)
    }
    fn admissible(&self, x: &[f64]) -> bool {
        let eq = self.eq.borrow();
        let (k, p) = (eq.mf.k, eq.mf.p);
        x.iter().all(|v| v.is_finite())
            && (0..p).all(|q| x[k + q] >= 0.0 && x[k + p + q] >= 0.0 && x[k + p + q] <= x[k + q])
    }
}

/// One mean-field solution with its stability and convergence report (JSON names of docs/architecture.md §2).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeanFieldSolution {
    /// Branch label: `"trivial"` (κ = 0 exactly, Δ = 0), `"central"` (κ = 0 exactly, Δ > 0),
    /// `"heterogeneous"` (κ ≠ 0 beyond the solver tolerance), `"continuum"` (one representative
    /// point of a manifold of solutions — the ring, a \[CB\] exchange-mode manifold; `zero_modes` is
    /// its dimension).
    pub branch: String,
    /// Overlaps κ_k (= currents S_k at the steady state), K entries.
    pub kappa: Vec<f64>,
    /// Population means μ_p.
    pub mu: Vec<f64>,
    /// Total variances Δ₀_p (static: Δ_p).
    pub delta0: Vec<f64>,
    /// Long-lag variances Δ∞_p (= Δ₀ for static solutions; Δ∞ < Δ₀ for chaos).
    pub delta_inf: Vec<f64>,
    /// Structured variances 𝒮_p (\[CB\]: A^μ) at κ.
    pub structured_variance: Vec<f64>,
    /// Readouts z_r = Σ_p α_p[M_{w^r}⟨φ⟩_p + ψ_p c_{w^r}].
    pub readouts: Vec<f64>,
    /// Gains ψ_p = ⟨φ′⟩_p at (μ_p, Δ₀_p).
    pub gain: Vec<f64>,
    /// `"stationary"` or `"chaotic"` (see [`crate::stability::classify`]).
    pub regime: String,
    /// Linear stability (see [`crate::stability::Classification`]); for a continuum, of the
    /// directions off the manifold (its `zero_modes` neutral eigenvalues, exactly 1 by symmetry,
    /// are set aside, never compared with 1 in floating point).
    pub stable: bool,
    /// The state is one point of a continuum of solutions of dimension `zero_modes` (verified by
    /// stepping along each null vector of the Jacobian and re-solving, see docs/theory.md,
    /// "Marginal attractors").
    pub marginal: bool,
    /// `"none"`, `"bulk"`, `"outlier"`, `"outlier-oscillatory"`.
    pub instability: String,
    /// Bulk radius r = √ρ(G diag⟨φ′²⟩) at (μ, Δ₀) (§1.9); r > 1 ⇒ a fixed point is unstable to chaos.
    pub bulk_radius: f64,
    /// Static: eigenvalues of 𝓜 outside the bulk (§1.9). Chaotic: eigenvalues of dκ/dS with
    /// adiabatic variances ([`reduced_drive_jacobian`]).
    pub outliers: Vec<Eigenvalue>,
    /// Dimension of the continuum through the state (`marginal`), else the number of
    /// (near-)zero singular values of the residual Jacobian (non-zero only at a bifurcation).
    pub zero_modes: usize,
    /// How the solution was found: `"pure-disorder"` (the complete κ = 0 analysis), `"scan"` (a
    /// kept cell of the κ scan), `"flow"` (an attractor of the current ODE, rank > 2 without
    /// disorder), `"seed"` (a seeded Newton run, the backstop).
    pub found_by: String,
    /// The Newton report: whether the max-norm residual met the tolerance, the residual, the
    /// Newton iterations and why Newton stopped.
    #[serde(flatten)]
    pub convergence: Convergence,
}

/// Options of [`solve_all`] and of the single solves.
#[derive(Clone, Debug, PartialEq)]
pub struct SolveOptions {
    /// Gauss–Hermite order of the single integrals (docs/theory §4: 200).
    pub order: usize,
    /// Inner order of the nested integrals of the chaotic equations (outer = `order`).
    pub inner_order: usize,
    /// Newton options.
    pub newton: NewtonOptions,
    /// Look for stationary chaotic solutions where a static one has bulk radius > 1.
    pub chaotic: bool,
    /// Input amplitudes u_a (None: the model's baselines).
    pub inputs: Option<Vec<f64>>,
    /// Extra initial guesses for the static equations (κ ‖ Δ).
    pub extra_starts: Vec<Vec<f64>>,
    /// Extra initial guesses for the chaotic equations (κ ‖ Δ₀ ‖ Δ∞), e.g. the previous point of
    /// a sweep.
    pub extra_chaotic_starts: Vec<Vec<f64>>,
    /// Use Broyden updates of the Jacobian for the chaotic equations (see
    /// [`NewtonOptions::broyden`]). Default `false`: the chaotic equations have an analytic
    /// Jacobian that comes free with each residual ([`ChaoticSystem`]), so exact Newton steps
    /// cost nothing extra and converge quadratically.
    pub chaotic_broyden: bool,
    /// Half the number of κ-grid nodes per axis of the scan for rank one (2n + 1 nodes).
    pub scan_nodes_1d: usize,
    /// Half the number of κ-grid nodes per axis for rank two ((2n + 1)² nodes).
    pub scan_nodes_2d: usize,
    /// The κ box [−b, b] scanned when φ is unbounded (no proven bound exists; bounded φ use
    /// the Cauchy–Schwarz bound, [`MeanField::kappa_bound`]).
    pub kappa_box: f64,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            order: 200,
            inner_order: 200,
            newton: NewtonOptions::default(),
            chaotic: true,
            inputs: None,
            extra_starts: Vec::new(),
            extra_chaotic_starts: Vec::new(),
            chaotic_broyden: false,
            scan_nodes_1d: 60,
            scan_nodes_2d: 12,
            kappa_box: 10.0,
        }
    }
}

impl SolveOptions {
    /// The integrator these options describe.
    pub fn gauss(&self) -> Gauss {
        Gauss::with_orders(self.order, self.inner_order)
    }

    /// Newton options for the chaotic equations.
    pub fn chaotic_newton(&self) -> NewtonOptions {
        NewtonOptions {
            broyden: self.chaotic_broyden,
            ..self.newton.clone()
        }
    }

    fn inputs(&self, model: &Model) -> Vec<f64> {
        self.inputs
            .clone()
            .unwrap_or_else(|| model.baseline_inputs())
    }
}

/// Everything [`solve_all`] found: every solution (stable or not) and the failures encountered.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AllSolutions {
    /// Distinct converged solutions: static first (by decreasing κ₁), then chaotic.
    pub solutions: Vec<MeanFieldSolution>,
    /// Newton runs, refinements and starts that did not converge (never reported as solutions).
    pub failed_starts: usize,
    /// How the search ran and where its completeness claim holds.
    pub search: SearchReport,
}

fn check_inputs(model: &Model, v: &[f64]) -> Result<(), TheoryError> {
    if v.len() != model.inputs().len() {
        return Err(TheoryError::InvalidParameter {
            name: "inputs".into(),
            value: v.len() as f64,
            reason: format!("model has {} inputs", model.inputs().len()),
        });
    }
    if let Some((i, x)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(TheoryError::InvalidParameter {
            name: format!("inputs[{i}]"),
            value: *x,
            reason: "must be finite".into(),
        });
    }
    Ok(())
}

/// Solves the static equations (§1.6) from `x0 = κ ‖ Δ` and returns the classified solution, or
/// `Err(NotConverged)` with the solver's [`Convergence`] (why it stopped: its `termination`).
///
/// ```
/// use lowrank_model::{ModelBuilder, Phi};
/// use lowrank_theory::solve::branches::{solve_static, SolveOptions};
/// // linear network, rank one with Ω = 0.5 and an input along n: κ = σ_nI/(1 − Ω) exactly
/// let mut b = ModelBuilder::new("lin", Phi::Linear);
/// b.population("net", 1.0).gain("net", "net", 0.5);
/// for v in ["x1", "x2", "y", "h"] { b.basis(v, 1.0); }
/// b.combination("m", &[("x1", 1.0), ("y", 0.5)]).combination("n", &[("x2", 1.0), ("y", 1.0), ("h", 0.3)]);
/// b.combination("I", &[("h", 1.0)]);
/// b.term("1", "m", "n").input("u", "I", lowrank_model::Schedule { baseline: 1.0, ..Default::default() });
/// let model = b.build().unwrap();
/// let s = solve_static(&model, &[0.0, 1.0], &SolveOptions::default()).unwrap();
/// assert!((s.kappa[0] - 0.3 / (1.0 - 0.5)).abs() < 1e-10 && s.convergence.converged);
/// ```
pub fn solve_static(
    model: &Model,
    x0: &[f64],
    opts: &SolveOptions,
) -> Result<MeanFieldSolution, TheoryError> {
    let v = opts.inputs(model);
    check_inputs(model, &v)?;
    let sys = StaticSystem::new(MeanField::new(model, opts.gauss()), v.clone());
    let s = solve(&sys, x0, &opts.newton)?.into_result("static mean-field equations")?;
    static_solution(&sys, &v, s, &opts.newton)
}

/// Solves the stationary chaotic equations (§1.7) from `x0 = κ ‖ Δ₀ ‖ Δ∞`; `Err(NotConverged)` if
/// Newton fails, and `Err(NotConverged)` as well if it lands on the static branch (Δ∞ = Δ₀).
pub fn solve_chaotic(
    model: &Model,
    x0: &[f64],
    opts: &SolveOptions,
) -> Result<MeanFieldSolution, TheoryError> {
    let v = opts.inputs(model);
    check_inputs(model, &v)?;
    let sys = ChaoticSystem::new(MeanField::new(model, opts.gauss()), v.clone())?;
    let s = solve(&sys, x0, &opts.chaotic_newton())?.into_result("chaotic mean-field equations")?;
    chaotic_solution(&sys, &v, s, &opts.chaotic_newton())
}

/// Per-population moments at (μ_p, Δ_p) and μ.
fn moments_at(
    mf: &MeanField,
    kappa: &[f64],
    v: &[f64],
    delta: &[f64],
) -> Result<(Vec<f64>, Vec<Moments>), TheoryError> {
    let mu: Vec<f64> = (0..mf.p).map(|p| mf.mean(p, kappa, v)).collect();
    let mut mo = vec![Moments::default(); mf.p];
    mf.moments(&mu, delta, &mut mo)?;
    Ok((mu, mo))
}

fn readouts(mf: &MeanField, kappa: &[f64], v: &[f64], mo: &[Moments]) -> Vec<f64> {
    let pm: Vec<f64> = mo.iter().map(|m| m.phi).collect();
    let gain: Vec<f64> = mo.iter().map(|m| m.dphi).collect();
    let mut z = vec![0.0; mf.r];
    mf.readout(kappa, v, &pm, &gain, &mut z);
    z
}

/// Relative size below which a singular value of the residual Jacobian counts as zero.
const NULL_TOLERANCE: f64 = 1e-7;

/// Null vectors of `jac` (singular values below [`NULL_TOLERANCE`]·σ_max).
fn null_vectors(jac: &DMatrix<f64>) -> Vec<Vec<f64>> {
    // bounded SVD: a non-converging decomposition reports no null space (no continuum claimed)
    let Ok(svd) = lowrank_model::linalg::try_svd(jac, false, true) else {
        return Vec::new();
    };
    let Some(vt) = svd.v_t else {
        return Vec::new();
    };
    let smax = svd
        .singular_values
        .iter()
        .fold(0.0f64, |a, b| a.max(*b))
        .max(1.0);
    svd.singular_values
        .iter()
        .enumerate()
        .filter(|(_, s)| **s < NULL_TOLERANCE * smax)
        .map(|(i, _)| vt.row(i).iter().copied().collect())
        .collect()
}

/// Dimension of the manifold of solutions through the root `x`: the null space of the residual
/// Jacobian, counted only where it is *tangent to a continuum* (docs/theory.md, "Marginal
/// attractors"). For each null vector v, Newton from x + εv must converge to a root y at distance
/// ≈ ε from x (on a continuum the residual there is O(ε²) and the correction O(ε²); at an isolated
/// singular root — a bifurcation — it is not a root at all or the nullity drops) whose Jacobian
/// has the same nullity. Returns 0 for an isolated root.
fn continuum_dimension<S: System>(sys: &S, x: &[f64], newton: &NewtonOptions) -> usize {
    let n = x.len();
    let mut jac = DMatrix::zeros(n, n);
    if !matches!(sys.jacobian(x, &mut jac), Ok(true)) {
        return 0;
    }
    let null = null_vectors(&jac);
    let d = null.len();
    if d == 0 {
        return 0;
    }
    let scale = x.iter().fold(1.0f64, |a, b| a.max(b.abs()));
    let eps = 1e-3 * scale;
    for v in &null {
        let y0: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + eps * b).collect();
        let Some(y) = min_norm_newton(sys, &y0, newton.tol) else {
            return 0;
        };
        let dist: f64 = y
            .iter()
            .zip(x)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
        if !(0.5 * eps..=2.0 * eps).contains(&dist) {
            return 0;
        }
        let mut jy = DMatrix::zeros(n, n);
        if !matches!(sys.jacobian(&y, &mut jy), Ok(true)) || null_vectors(&jy).len() != d {
            return 0;
        }
    }
    d
}

/// Gauss–Newton with minimum-norm steps y ← y − J⁺F(y) (pseudo-inverse cut at
/// [`NULL_TOLERANCE`]): on a continuum the correction is orthogonal to the manifold, so the point
/// found is the nearest one on it. `None` unless max|F| ≤ `tol` within 30 steps.
fn min_norm_newton<S: System>(sys: &S, y0: &[f64], tol: f64) -> Option<Vec<f64>> {
    let n = y0.len();
    let mut y = y0.to_vec();
    let mut r = vec![0.0; n];
    let mut jac = DMatrix::zeros(n, n);
    for _ in 0..30 {
        if !sys.admissible(&y) {
            return None;
        }
        sys.residual(&y, &mut r).ok()?;
        if r.iter().fold(0.0f64, |a, b| a.max(b.abs())) <= tol {
            return Some(y);
        }
        if !matches!(sys.jacobian(&y, &mut jac), Ok(true)) {
            return None;
        }
        let svd = lowrank_model::linalg::try_svd(&jac, true, true).ok()?;
        let smax = svd.singular_values.iter().fold(0.0f64, |a, b| a.max(*b));
        let step = svd
            .solve(
                &nalgebra::DVector::from_column_slice(&r),
                NULL_TOLERANCE * smax,
            )
            .ok()?;
        for i in 0..n {
            y[i] -= step[i];
        }
    }
    None
}

/// Eigenvalues by a bounded real Schur decomposition with an independent fallback
/// ([`crate::currents::eigenvalues`]); `Err(NotConverged)` rather than a hang or an empty list
/// (an empty list would read as "no unstable direction").
fn bounded_eigenvalues(m: &DMatrix<f64>) -> Result<Vec<Eigenvalue>, TheoryError> {
    Ok(crate::currents::eigenvalues(m)?
        .into_iter()
        .map(|[re, im]| Eigenvalue { re, im })
        .collect())
}

/// The bulk radius, `Err(NotConverged)` if its bounded eigen-decomposition failed (a NaN radius
/// would otherwise read as "no bulk instability").
fn checked_bulk_radius(coupling: &DMatrix<f64>, dphi2: &[f64]) -> Result<f64, TheoryError> {
    let r = bulk_radius(coupling, dphi2);
    if r.is_finite() {
        Ok(r)
    } else {
        Err(TheoryError::NotConverged {
            what: "bulk radius (bounded eigen-decomposition of G diag⟨φ′²⟩)".into(),
            convergence: Convergence::stopped(f64::INFINITY, 0, Termination::DecompositionFailed),
        })
    }
}

/// Largest |κ_k|.
fn kappa_norm(kappa: &[f64]) -> f64 {
    kappa.iter().fold(0.0f64, |a, b| a.max(b.abs()))
}

/// Branch label from the state: `"trivial"` (κ = 0, Δ = 0), `"central"` (κ = 0, Δ > 0),
/// `"continuum"` (one point of a manifold of solutions), `"heterogeneous"` otherwise. κ = 0 means
/// exactly 0: states with κ indistinguishable from 0 at the solver tolerance are replaced by the
/// exact κ = 0 state before labelling ([`solve_all`]).
fn branch_label(kappa: &[f64], delta: &[f64], continuum: usize) -> String {
    let dn = delta.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    if kappa_norm(kappa) == 0.0 {
        if dn == 0.0 {
            "trivial"
        } else {
            "central"
        }
    } else if continuum > 0 {
        "continuum"
    } else {
        "heterogeneous"
    }
    .to_string()
}

fn static_solution(
    sys: &StaticSystem,
    v: &[f64],
    s: Solution,
    newton: &NewtonOptions,
) -> Result<MeanFieldSolution, TheoryError> {
    let continuum = continuum_dimension(sys, &s.x, newton);
    let eq = sys.meanfield();
    let mf = &eq.mf;
    let k = mf.k;
    let (kappa, delta) = s.x.split_at(k);
    let (mu, mo) = moments_at(mf, kappa, v, delta)?;
    let mut jac = DMatrix::zeros(s.x.len(), s.x.len());
    drop(eq);
    sys.jacobian(&s.x, &mut jac)?;
    let eq = sys.meanfield();
    let mf = &eq.mf;
    let nullity = null_vectors(&jac).len();
    let dphi2: Vec<f64> = mo.iter().map(|m| m.dphi2).collect();
    let r = checked_bulk_radius(&mf.coupling, &dphi2)?;
    let out: Vec<Eigenvalue> = bounded_eigenvalues(&outlier_matrix(mf, kappa, v, &mo))?
        .into_iter()
        .filter(|e| e.modulus() > r)
        .collect();
    let class = classify(false, r, &without_neutral(&out, continuum));
    Ok(MeanFieldSolution {
        branch: branch_label(kappa, delta, continuum),
        kappa: kappa.to_vec(),
        mu,
        delta0: delta.to_vec(),
        delta_inf: delta.to_vec(),
        structured_variance: (0..mf.p)
            .map(|q| mf.structured_variance(q, kappa, v))
            .collect(),
        readouts: readouts(mf, kappa, v, &mo),
        gain: mo.iter().map(|m| m.dphi).collect(),
        regime: class.regime.into(),
        stable: class.stable,
        marginal: continuum > 0,
        instability: class.instability.into(),
        bulk_radius: r,
        outliers: out,
        zero_modes: if continuum > 0 { continuum } else { nullity },
        found_by: String::new(),
        convergence: s.convergence,
    })
}

fn chaotic_solution(
    sys: &ChaoticSystem,
    v: &[f64],
    s: Solution,
    newton: &NewtonOptions,
) -> Result<MeanFieldSolution, TheoryError> {
    let (k, p) = {
        let eq = sys.eq.borrow();
        (eq.mf.k, eq.mf.p)
    };
    let kappa = &s.x[..k];
    let delta0 = &s.x[k..k + p];
    let delta_inf = &s.x[k + p..];
    let gap = (0..p)
        .map(|q| delta0[q] - delta_inf[q])
        .fold(0.0f64, f64::max);
    if gap <= 1e-7 * delta0.iter().fold(1.0f64, |a, b| a.max(*b)) {
        // converged, but onto the static branch (Δ∞ = Δ₀)
        return Err(TheoryError::NotConverged {
            what: "chaotic mean-field equations".into(),
            convergence: Convergence::stopped(
                s.convergence.residual,
                s.convergence.iterations,
                Termination::OtherBranch,
            ),
        });
    }
    let continuum = continuum_dimension(sys, &s.x, newton);
    // analytic Jacobian of the chaotic residual, for dκ/dS
    let n = s.x.len();
    let mut jac = DMatrix::zeros(n, n);
    sys.jacobian(&s.x, &mut jac)?;
    let nullity = null_vectors(&jac).len();
    let eq = sys.eq.borrow();
    let mf = &eq.mf;
    let (mu, mo) = moments_at(mf, kappa, v, delta0)?;
    let dphi2: Vec<f64> = mo.iter().map(|m| m.dphi2).collect();
    let r = checked_bulk_radius(&mf.coupling, &dphi2)?;
    // A singular variance block leaves the stability undetermined: say so rather than report
    // "no outliers" (which would read as stable).
    let eig = bounded_eigenvalues(&reduced_drive_jacobian(&jac, k).ok_or_else(|| {
        TheoryError::NotConverged {
            what: "stability of the chaotic state (variance block of the Jacobian; at a \
                   bifurcation?)"
                .into(),
            convergence: Convergence::stopped(f64::INFINITY, 0, Termination::SingularJacobian),
        }
    })?)?;
    let class = classify(true, r, &without_neutral(&eig, continuum));
    Ok(MeanFieldSolution {
        branch: branch_label(kappa, delta0, continuum),
        kappa: kappa.to_vec(),
        mu,
        delta0: delta0.to_vec(),
        delta_inf: delta_inf.to_vec(),
        structured_variance: (0..mf.p)
            .map(|q| mf.structured_variance(q, kappa, v))
            .collect(),
        readouts: readouts(mf, kappa, v, &mo),
        gain: mo.iter().map(|m| m.dphi).collect(),
        regime: class.regime.into(),
        stable: class.stable,
        marginal: continuum > 0,
        instability: class.instability.into(),
        bulk_radius: r,
        outliers: eig,
        zero_modes: if continuum > 0 { continuum } else { nullity },
        found_by: String::new(),
        convergence: s.convergence,
    })
}

/// Same solution? κ and variances within `tol`; or two points of one continuum (same dimension,
/// regime, variances, structured variances and means: a continuum is reported once).
fn same(a: &MeanFieldSolution, b: &MeanFieldSolution, tol: f64) -> bool {
    if a.regime != b.regime {
        return false;
    }
    let close = |x: &[f64], y: &[f64]| {
        x.iter()
            .zip(y)
            .all(|(u, w)| (u - w).abs() <= tol * (1.0 + u.abs()))
    };
    if !close(&a.delta0, &b.delta0) || !close(&a.delta_inf, &b.delta_inf) {
        return false;
    }
    if close(&a.kappa, &b.kappa) {
        return true;
    }
    a.marginal
        && b.marginal
        && a.zero_modes == b.zero_modes
        && close(&a.structured_variance, &b.structured_variance)
        && close(&a.mu, &b.mu)
}

/// How [`solve_all`] searched, and where its completeness claim holds (docs/theory.md, "Complete
/// solution sets").
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SearchReport {
    /// `true` when every solution in `kappa_box` was searched for by construction (pure-disorder
    /// family solved completely, κ box scanned with the cell test, variance domains proven);
    /// `false` when a part relied on seeded Newton runs only (see `notes`).
    pub complete: bool,
    /// The scanned κ box, [−b_k, b_k] per overlap (empty when no scan ran).
    pub kappa_box: Vec<[f64; 2]>,
    /// Whether the box is a proven bound on every solution (bounded φ: |κ_k| ≤ sup|φ|·Σ_p α_p√⟨(n^k)²⟩_p).
    pub box_proven: bool,
    /// Nodes of the κ grid (0 without a scan).
    pub grid_nodes: usize,
    /// Cells kept by the cell test (Newton starts of the scan).
    pub cells_kept: usize,
    /// Refinements or Newton runs from kept cells that did not converge (never reported as solutions).
    pub failed_refinements: usize,
    /// Where the claim stops, in words.
    pub notes: Vec<String>,
}

/// Largest rank K for which [`solve_all`] scans the κ box (the grid has n^K nodes).
pub const MAX_SCANNED_RANK: usize = 2;

/// Does κ = 0 solve the κ equations at every variance (no input along n, means zero where φ has
/// ⟨φ⟩ ≠ 0…)? Checked on the equations themselves, not on properties of φ.
fn kappa_zero_family(sys: &StaticSystem, k: usize, p: usize) -> bool {
    let mut out = vec![0.0; k + p];
    [0.05, 0.7, 4.0].iter().all(|&d| {
        let mut x = vec![0.0; k];
        x.extend(std::iter::repeat_n(d, p));
        sys.residual(&x, &mut out).is_ok() && out[..k].iter().all(|r| r.abs() <= 1e-14)
    })
}

/// Cartesian product of per-population choices (bounded by `cap` combinations; `None` beyond).
fn product<T: Clone>(choices: &[Vec<T>], cap: usize) -> Option<Vec<Vec<T>>> {
    let total: usize = choices
        .iter()
        .map(Vec::len)
        .try_fold(1usize, |a, b| a.checked_mul(b))?;
    if total > cap {
        return None;
    }
    let mut out: Vec<Vec<T>> = vec![Vec::new()];
    for c in choices {
        out = out
            .into_iter()
            .flat_map(|pre| {
                c.iter().map(move |x| {
                    let mut v = pre.clone();
                    v.push(x.clone());
                    v
                })
            })
            .collect();
    }
    Some(out)
}

/// Most variance combinations tried at one κ (product over populations).
const MAX_COMBINATIONS: usize = 64;

/// Every static variance state at fixed κ (within-population disorder: per-population scans and
/// their product); `None` when the variances couple across populations (no complete scan).
fn static_states_at(
    mf: &MeanField,
    kappa: &[f64],
    v: &[f64],
    failed: &mut usize,
) -> Result<Option<Vec<Vec<f64>>>, TheoryError> {
    if !mf.diagonal_disorder() {
        return Ok(None);
    }
    let mut choices = Vec::with_capacity(mf.p);
    for q in 0..mf.p {
        let (roots, f) = static_variances(
            &mf.gauss,
            mf.phi,
            mf.coupling[(q, q)],
            mf.structured_variance(q, kappa, v),
            mf.mean(q, kappa, v),
        )?;
        *failed += f;
        choices.push(roots);
    }
    Ok(product(&choices, MAX_COMBINATIONS))
}

/// Every chaotic variance state (Δ₀ ‖ Δ∞) at fixed κ, complete per population (populations without
/// disorder are static: Δ∞ = Δ₀ = 𝒮); `None` if there are too many combinations.
fn chaotic_states_at(
    mf: &MeanField,
    kappa: &[f64],
    v: &[f64],
    failed: &mut usize,
) -> Result<Option<Vec<Vec<f64>>>, TheoryError> {
    let mut choices: Vec<Vec<(f64, f64)>> = Vec::with_capacity(mf.p);
    for q in 0..mf.p {
        let g = mf.coupling[(q, q)];
        let s_var = mf.structured_variance(q, kappa, v);
        if g > 0.0 {
            let (pairs, f) = chaotic_variances(&mf.gauss, mf.phi, g, s_var, mf.mean(q, kappa, v))?;
            *failed += f;
            choices.push(pairs);
        } else {
            choices.push(vec![(s_var, s_var)]);
        }
    }
    Ok(product(&choices, MAX_COMBINATIONS).map(|combos| {
        combos
            .into_iter()
            .map(|c| {
                let mut x: Vec<f64> = c.iter().map(|pr| pr.0).collect();
                x.extend(c.iter().map(|pr| pr.1));
                x
            })
            .collect()
    }))
}

/// Variance states at one κ node for the static scan, as [`NodeState`]s.
fn static_node<S: System>(
    sys: &S,
    mf: &MeanField,
    kappa: &[f64],
    v: &[f64],
    failed: &mut usize,
) -> Result<Option<Vec<NodeState>>, TheoryError> {
    let Some(states) = static_states_at(mf, kappa, v, failed)? else {
        return Ok(None);
    };
    Ok(Some(node_states(sys, kappa, states)))
}

fn node_states<S: System>(sys: &S, kappa: &[f64], states: Vec<Vec<f64>>) -> Vec<NodeState> {
    let n = sys.dim();
    let mut res = vec![0.0; n];
    let mut jac = DMatrix::zeros(n, n);
    states
        .into_iter()
        .filter_map(|free| {
            let mut x = kappa.to_vec();
            x.extend(free);
            sys.residual(&x, &mut res).ok()?;
            if !res.iter().all(|r| r.is_finite()) {
                return None;
            }
            let has_jac = matches!(sys.jacobian(&x, &mut jac), Ok(true));
            let st = NodeState::new(x, &res, &jac, kappa.len());
            Some(if has_jac {
                st
            } else {
                NodeState { grad: None, ..st }
            })
        })
        .collect()
}

/// Chaotic variance states at every node of `grid`: complete at κ = 0 (per population,
/// [`chaotic_variances`]) and continued node to node (Newton on the variance rows at fixed κ,
/// seeded from the neighbour already solved, breadth-first from the grid centre) — plus, where a
/// static variance state at the node is unstable (bulk radius > 1), near-onset seeds. Returns the
/// states per node.
fn chaotic_scan_states(
    csys: &ChaoticSystem,
    mf: &MeanField,
    v: &[f64],
    grid: &KappaGrid,
    centre_states: Vec<Vec<f64>>,
    newton: &NewtonOptions,
    failed: &mut usize,
) -> Result<Vec<Vec<NodeState>>, TheoryError> {
    let k = grid.axes.len();
    let n_nodes = grid.len();
    let mut free: Vec<Option<Vec<Vec<f64>>>> = vec![None; n_nodes];
    let centre: Vec<usize> = grid
        .axes
        .iter()
        .map(|ax| {
            ax.iter()
                .enumerate()
                .min_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .map(|x| x.0)
                .unwrap_or(0)
        })
        .collect();
    let c0 = grid.flat(&centre);
    free[c0] = Some(centre_states);
    let mut queue = std::collections::VecDeque::from([c0]);
    let p = mf.p;
    while let Some(node) = queue.pop_front() {
        let here = grid.index(node);
        let seeds = free[node].clone().unwrap_or_default();
        for a in 0..k {
            for step in [-1isize, 1] {
                let j = here[a] as isize + step;
                if j < 0 || j as usize >= grid.axes[a].len() {
                    continue;
                }
                let mut nb = here.clone();
                nb[a] = j as usize;
                let nbi = grid.flat(&nb);
                if free[nbi].is_some() {
                    continue;
                }
                let kappa = grid.point(nbi);
                let pinned = Pinned::new(csys, kappa.clone());
                let mut found: Vec<Vec<f64>> = Vec::new();
                let mut try_seed = |seed: &[f64], found: &mut Vec<Vec<f64>>| {
                    let s = solve(&pinned, seed, newton)?;
                    let chaotic = (0..p).any(|q| s.x[q] - s.x[p + q] > 1e-7 * s.x[q].max(1.0));
                    if s.convergence.converged && chaotic {
                        if !found.iter().any(|f| {
                            f.iter()
                                .zip(&s.x)
                                .all(|(a, b)| (a - b).abs() <= 1e-8 * a.abs().max(1.0))
                        }) {
                            found.push(s.x);
                        }
                    } else if !s.convergence.converged {
                        *failed += 1;
                    }
                    Ok::<(), TheoryError>(())
                };
                for sd in &seeds {
                    try_seed(sd, &mut found)?;
                }
                if found.is_empty() {
                    // chaos may appear away from κ = 0: seed from unstable static variance states
                    let mut f2 = 0;
                    if let Ok(Some(stat)) = static_states_at(mf, &kappa, v, &mut f2) {
                        for d in stat {
                            let mo: Vec<f64> = (0..p)
                                .map(|q| {
                                    mf.gauss
                                        .moments(mf.phi, mf.mean(q, &kappa, v), d[q])
                                        .map(|m| m.dphi2)
                                        .unwrap_or(0.0)
                                })
                                .collect();
                            let r = bulk_radius(&mf.coupling, &mo);
                            if r > 1.0 {
                                let ex = (r * r - 1.0).min(0.9);
                                for c in [0.5, 1.0] {
                                    let mut x = d.clone();
                                    x.extend(d.iter().map(|dd| dd * (1.0 - c * ex)));
                                    try_seed(&x, &mut found)?;
                                }
                            }
                        }
                    }
                }
                free[nbi] = Some(found);
                queue.push_back(nbi);
            }
        }
    }
    Ok(free
        .into_iter()
        .enumerate()
        .map(|(i, f)| node_states(csys, &grid.point(i), f.unwrap_or_default()))
        .collect())
}

/// One found root: its unknowns, whether chaotic, and the method that found it.
struct Candidate {
    x: Vec<f64>,
    chaotic: bool,
    found_by: &'static str,
}

/// Every static and stationary chaotic solution of `model` (docs/theory.md §1.6–1.7), with its
/// stability, marginality, convergence report and the method that found it, plus a
/// [`SearchReport`] saying where the set is complete.
///
/// **Method** (docs/theory.md, "Complete solution sets"):
/// 1. *Pure-disorder family.* If κ = 0 solves the κ equations at every variance (checked on the
///    equations), the κ = 0 states — trivial, central static, central (pure) chaos — are found
///    completely: per population, every root of the static variance equation and every chaotic
///    (Δ₀, Δ∞) pair on their proven domains ([`crate::solve::disorder`]).
/// 2. *κ scan* (rank K ≤ [`MAX_SCANNED_RANK`]). A grid over the κ box (proven for bounded φ by
///    Cauchy–Schwarz), at every node every static variance state (complete per population) and the
///    chaotic states (complete at κ = 0, continued across the grid), and the cell test of
///    [`crate::solve::scan`]; every cell it keeps is a Newton start.
/// 3. *Seeds* (backstop, every rank): Newton with deflation from sign-symmetric starts and from
///    every static state unstable to chaos, as before.
///
/// Every root is polished by Newton on the full system; κ that cannot be told from 0 at the
/// solver tolerance is replaced by the exact κ = 0 state; a continuum of solutions (ring, \[CB\]
/// exchange-mode manifold) is reported once with `marginal = true` and `zero_modes` = its
/// dimension, stable when its non-neutral spectrum is. Unconverged runs are counted, never
/// returned.
///
/// # Errors
/// Invalid input (wrong number or non-finite inputs); a Gaussian-integral error at a scan node.
/// An empty `solutions` list means nothing converged, which callers must treat as a failure.
pub fn solve_all(model: &Model, opts: &SolveOptions) -> Result<AllSolutions, TheoryError> {
    let v = opts.inputs(model);
    check_inputs(model, &v)?;
    let mf = MeanField::new(model, opts.gauss());
    let (k, p) = (mf.k, mf.p);
    let sys = StaticSystem::new(mf.clone(), v.clone());
    let any_disorder = (0..p).any(|q| mf.coupling[(q, q)] > 0.0);
    let csys = if opts.chaotic && mf.diagonal_disorder() && any_disorder {
        Some(ChaoticSystem::new(mf.clone(), v.clone())?)
    } else {
        None
    };
    let cnewton = opts.chaotic_newton();
    let mut report = SearchReport {
        complete: true,
        box_proven: mf.phi.sup_abs().is_some(),
        ..Default::default()
    };
    let mut cands: Vec<Candidate> = Vec::new();
    let mut failed = 0usize;

    // 1. the pure-disorder family
    let family = kappa_zero_family(&sys, k, p);
    let zero = vec![0.0; k];
    let mut centre_chaotic: Vec<Vec<f64>> = Vec::new();
    if family {
        match static_states_at(&mf, &zero, &v, &mut failed)? {
            Some(states) => cands.extend(states.into_iter().map(|d| Candidate {
                x: zero.iter().copied().chain(d).collect(),
                chaotic: false,
                found_by: "pure-disorder",
            })),
            None => {
                report.complete = false;
                report
                    .notes
                    .push("variances couple across populations: κ = 0 states seeded only".into());
            }
        }
        if csys.is_some() {
            match chaotic_states_at(&mf, &zero, &v, &mut failed)? {
                Some(states) => {
                    centre_chaotic = states.clone();
                    cands.extend(states.into_iter().map(|d| Candidate {
                        x: zero.iter().copied().chain(d).collect(),
                        chaotic: true,
                        found_by: "pure-disorder",
                    }));
                }
                None => report.complete = false,
            }
        }
    }
    // 2. the κ scan
    if k == 0 {
        // no structure: the pure-disorder family is everything
    } else if k <= MAX_SCANNED_RANK && mf.diagonal_disorder() {
        let bounds: Vec<f64> = (0..k)
            .map(|kk| mf.kappa_bound(kk).unwrap_or(opts.kappa_box))
            .collect();
        if !report.box_proven {
            report.complete = false;
            report.notes.push(format!(
                "φ is unbounded: κ scanned on the stated box only (|κ_k| ≤ {}; option kappa_box)",
                opts.kappa_box
            ));
        }
        let half = if k == 1 {
            opts.scan_nodes_1d
        } else {
            opts.scan_nodes_2d
        };
        let grid = KappaGrid {
            axes: bounds
                .iter()
                .map(|&b| symmetric_axis(b.max(1e-12), half, k == 1))
                .collect(),
        };
        report.kappa_box = bounds.iter().map(|&b| [-b, b]).collect();
        report.grid_nodes = grid.len();
        let mut states = Vec::with_capacity(grid.len());
        for i in 0..grid.len() {
            let kappa = grid.point(i);
            states.push(static_node(&sys, &mf, &kappa, &v, &mut failed)?.unwrap_or_default());
        }
        let starts = cell_starts(&grid, &states);
        report.cells_kept += starts.len();
        cands.extend(starts.into_iter().map(|x| Candidate {
            x,
            chaotic: false,
            found_by: "scan",
        }));
        if let Some(cs) = &csys {
            // the chaotic states are continued node to node (a Newton solve per node): a grid of
            // half the static resolution per axis
            let grid = KappaGrid {
                axes: bounds
                    .iter()
                    .map(|&b| symmetric_axis(b.max(1e-12), (half / 2).max(2), k == 1))
                    .collect(),
            };
            report.grid_nodes += grid.len();
            let centre = if family {
                centre_chaotic.clone()
            } else {
                let c = vec![0.0; k];
                chaotic_states_at(&mf, &c, &v, &mut failed)?.unwrap_or_default()
            };
            // continuation steps start close to the answer: a short iteration budget
            let step_newton = NewtonOptions {
                max_iter: cnewton.max_iter.min(25),
                ..cnewton.clone()
            };
            let cstates =
                chaotic_scan_states(cs, &mf, &v, &grid, centre, &step_newton, &mut failed)?;
            let starts = cell_starts(&grid, &cstates);
            report.cells_kept += starts.len();
            cands.extend(starts.into_iter().map(|x| Candidate {
                x,
                chaotic: true,
                found_by: "scan",
            }));
            report.notes.push(
                "chaotic variances: complete at κ = 0, continued across the κ grid elsewhere"
                    .into(),
            );
        }
    } else {
        report.complete = false;
        report.notes.push(if k > MAX_SCANNED_RANK {
            format!(
                "rank {k} > {MAX_SCANNED_RANK}: no κ scan; solutions found by seeded Newton runs only"
            )
        } else {
            "cross-population disorder: no κ scan; seeded Newton runs only".into()
        });
    }

    // 3. seeds: the full seeded search where the scan is not complete; otherwise only the caller's
    // starts (e.g. a sweep's previous point), which cannot add anything the scan misses but cost
    // little
    let seeded = if report.complete {
        (user_starts(&mf, opts), 0)
    } else {
        seeded_roots(&sys, csys.as_ref(), &mf, &v, opts)?
    };
    failed += seeded.1;
    cands.extend(seeded.0);
    // 4. attractors of the mean-field flow where no scan ran and there is no disorder: the current
    // ODE Ṡ = −S + κ(S) from random starts in the κ box ends on every attractor it reaches —
    // finds stable states (and continua) that seeded Newton misses at high rank
    if !report.complete && !any_disorder && k > 0 {
        let (found, note) = flow_candidates(model, &mf, &v, opts);
        cands.extend(found);
        report.notes.push(note);
    }

    // polish, classify, merge
    let mut out: Vec<MeanFieldSolution> = Vec::new();
    for c in cands {
        let sol = if c.chaotic {
            let Some(cs) = &csys else { continue };
            let s = solve(cs, &c.x, &cnewton)?;
            if !s.convergence.converged {
                failed += 1;
                continue;
            }
            let s = snap_to_family(cs, s, k, family, &cnewton)?;
            chaotic_solution(cs, &v, s, &cnewton)
        } else {
            let s = solve(&sys, &c.x, &opts.newton)?;
            if !s.convergence.converged {
                failed += 1;
                continue;
            }
            let s = snap_to_family(&sys, s, k, family, &opts.newton)?;
            static_solution(&sys, &v, s, &opts.newton)
        };
        match sol {
            Ok(mut sol) => {
                sol.found_by = c.found_by.to_string();
                if let Some(o) = out.iter_mut().find(|o| same(o, &sol, 1e-6)) {
                    // keep the most systematic method and the smallest residual
                    if method_rank(&sol.found_by) < method_rank(&o.found_by) {
                        o.found_by = sol.found_by.clone();
                    }
                } else {
                    out.push(sol);
                }
            }
            Err(_) => failed += 1,
        }
    }
    report.failed_refinements = failed;
    out.sort_by(|a, b| {
        (a.regime == "chaotic").cmp(&(b.regime == "chaotic")).then(
            b.kappa
                .first()
                .unwrap_or(&0.0)
                .total_cmp(a.kappa.first().unwrap_or(&0.0)),
        )
    });
    Ok(AllSolutions {
        solutions: out,
        failed_starts: failed,
        search: report,
    })
}

/// Number of random starts of the flow search (step 4 of [`solve_all`]).
const FLOW_STARTS: usize = 12;

/// Static candidates from the attractors of the current ODE (no disorder), with a note.
fn flow_candidates(
    model: &Model,
    mf: &MeanField,
    v: &[f64],
    opts: &SolveOptions,
) -> (Vec<Candidate>, String) {
    let b = (0..mf.k)
        .map(|kk| mf.kappa_bound(kk).unwrap_or(opts.kappa_box))
        .fold(0.0f64, f64::max)
        .max(1e-6);
    let ode = match crate::currents::CurrentOde::new(
        model,
        opts.gauss(),
        v.to_vec(),
        crate::currents::InputGain::Stein,
    ) {
        Ok(o) => o,
        Err(e) => return (Vec::new(), format!("flow search not run: {e}")),
    };
    let fo = crate::currents::FixedPointOptions {
        starts: FLOW_STARTS,
        seed: 0,
        box_lo: -b,
        box_hi: b,
        t_max: 200.0,
        include_origin: false,
        ..Default::default()
    };
    match ode.fixed_points(&fo) {
        Ok(fps) => {
            let out: Vec<Candidate> = fps
                .into_iter()
                .filter(|f| f.convergence.converged)
                .map(|f| {
                    let mut x = f.currents.clone();
                    x.extend((0..mf.p).map(|q| mf.structured_variance(q, &f.currents, v)));
                    Candidate {
                        x,
                        chaotic: false,
                        found_by: "flow",
                    }
                })
                .collect();
            (
                out,
                format!(
                    "attractors of the current ODE from {FLOW_STARTS} random starts in [−{b:.3}, {b:.3}]^K added (stable states reached by the flow)"
                ),
            )
        }
        Err(e) => (Vec::new(), format!("flow search failed: {e}")),
    }
}

/// The caller's extra starts as candidates (static and chaotic).
fn user_starts(mf: &MeanField, opts: &SolveOptions) -> Vec<Candidate> {
    let (k, p) = (mf.k, mf.p);
    let st = opts
        .extra_starts
        .iter()
        .filter(|s| s.len() == k + p)
        .map(|x| Candidate {
            x: x.clone(),
            chaotic: false,
            found_by: "seed",
        });
    let ch = opts
        .extra_chaotic_starts
        .iter()
        .filter(|s| s.len() == k + 2 * p)
        .map(|x| Candidate {
            x: x.clone(),
            chaotic: true,
            found_by: "seed",
        });
    st.chain(ch).collect()
}

fn method_rank(m: &str) -> u8 {
    match m {
        "pure-disorder" => 0,
        "scan" => 1,
        "flow" => 2,
        _ => 3,
    }
}

/// A root whose κ cannot be told from 0 at the solver tolerance is the κ = 0 state: if pinning
/// κ = 0 and re-solving the variances from the root's gives a root within 10⁻⁶ of it (or within
/// 10⁻³ when the root does not survive a polish to 10⁻³ of the tolerance), that exact κ = 0 root is
/// returned instead (so a label never says "heterogeneous" for a state that is
/// central within the accuracy of the equations).
fn snap_to_family<S: System>(
    sys: &S,
    s: Solution,
    k: usize,
    family: bool,
    newton: &NewtonOptions,
) -> Result<Solution, TheoryError> {
    if !family || kappa_norm(&s.x[..k]) == 0.0 {
        return Ok(s);
    }
    let pinned = Pinned::new(sys, vec![0.0; k]);
    let t = solve(&pinned, &s.x[k..], newton)?;
    if !t.convergence.converged {
        return Ok(s);
    }
    let y = pinned.full(&t.x);
    let dist = y
        .iter()
        .zip(&s.x)
        .map(|(a, b)| (a - b).abs() / (1.0 + b.abs()))
        .fold(0.0f64, f64::max);
    let mut r = vec![0.0; y.len()];
    // near a pitchfork the residual is flat in κ (cubic), so Newton can stop at a small κ that
    // only satisfies the tolerance: such a root must survive a polish to 10⁻³ of the tolerance
    // with κ still resolved from 0, else it is the κ = 0 state
    let tight = NewtonOptions {
        tol: 1e-3 * newton.tol,
        ..newton.clone()
    };
    let spurious = dist <= 1e-3 && {
        let p = solve(sys, &s.x, &tight)?;
        !p.convergence.converged || kappa_norm(&p.x[..k]) <= 1e-6
    };
    if (dist <= 1e-6 || spurious) && sys.residual(&y, &mut r).is_ok() {
        let res = r.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        if res <= newton.tol {
            return Ok(Solution {
                x: y,
                convergence: Convergence {
                    residual: res,
                    iterations: s.convergence.iterations + t.convergence.iterations,
                    ..s.convergence
                },
            });
        }
    }
    Ok(s)
}

/// The seeded Newton runs of the backstop (step 3 of [`solve_all`]): static starts κ = ±a e_k
/// (a ∈ {0.5, 2, 5}) and κ = 0 with small and large Δ, the user's `extra_starts`, mirror images,
/// deflated; chaotic starts from every static root with bulk radius > 1 (near-onset gaps
/// ∝ r² − 1 and far ones) and κ = ±a e_k at the variance of the most unstable static root.
fn seeded_roots(
    sys: &StaticSystem,
    csys: Option<&ChaoticSystem>,
    mf: &MeanField,
    v: &[f64],
    opts: &SolveOptions,
) -> Result<(Vec<Candidate>, usize), TheoryError> {
    let (k, p) = (mf.k, mf.p);
    let gsum: Vec<f64> = (0..p)
        .map(|a| (0..p).map(|b| mf.coupling[(a, b)]).sum())
        .collect();
    let delta_guess = |kappa: &[f64], scale: f64| -> Vec<f64> {
        (0..p)
            .map(|q| mf.structured_variance(q, kappa, v) + scale * gsum[q])
            .collect()
    };
    let mut starts: Vec<Vec<f64>> = Vec::new();
    let zero = vec![0.0; k];
    for scale in [0.0, 1.0, 5.0] {
        let mut x = zero.clone();
        x.extend(delta_guess(&zero, scale));
        starts.push(x);
    }
    for a in [0.5, 2.0, 5.0] {
        for kk in 0..k {
            for sign in [1.0, -1.0] {
                let mut kappa = zero.clone();
                kappa[kk] = sign * a;
                let mut x = kappa.clone();
                x.extend(delta_guess(&kappa, 1.0));
                starts.push(x);
            }
        }
    }
    starts.extend(
        opts.extra_starts
            .iter()
            .filter(|s| s.len() == k + p)
            .cloned(),
    );
    let mut search = RootSearch {
        newton: opts.newton.clone(),
        max_per_start: 2,
        ..Default::default()
    };
    search.deflation.scales = vec![1.0; k + p];
    let mut roots = find_roots(sys, &starts, &search)?;
    let mirrors: Vec<Vec<f64>> = roots
        .iter()
        .map(|r| {
            r.x.iter()
                .enumerate()
                .map(|(i, x)| if i < k { -x } else { *x })
                .collect()
        })
        .collect();
    for m in mirrors {
        let s = solve(sys, &m, &opts.newton)?;
        if s.convergence.converged {
            roots.push(s);
        }
    }
    let failed = starts.len().saturating_sub(roots.len().min(starts.len()));
    let mut out: Vec<Candidate> = roots
        .iter()
        .map(|r| Candidate {
            x: r.x.clone(),
            chaotic: false,
            found_by: "seed",
        })
        .collect();
    let Some(csys) = csys else {
        return Ok((out, failed));
    };
    let mut seeds: Vec<Vec<f64>> = opts
        .extra_chaotic_starts
        .iter()
        .filter(|s| s.len() == k + 2 * p)
        .cloned()
        .collect();
    let mut unstable: Vec<(f64, Vec<f64>, Vec<f64>)> = Vec::new(); // (r, κ, Δ)
    for r in &roots {
        let (kappa, delta) = r.x.split_at(k);
        let Ok((_, mo)) = moments_at(mf, kappa, v, delta) else {
            continue;
        };
        let dphi2: Vec<f64> = mo.iter().map(|m| m.dphi2).collect();
        let rb = bulk_radius(&mf.coupling, &dphi2);
        if rb > 1.0 {
            unstable.push((rb, kappa.to_vec(), delta.to_vec()));
        }
    }
    for (rb, kappa, delta) in &unstable {
        // just above the onset the chaotic state branches off the static one with a temporal
        // variance Δ₀ − Δ∞ that grows from 0 like r² − 1
        let excess = rb * rb - 1.0;
        if excess < 0.5 {
            for c in [0.5, 2.0] {
                let mut x = kappa.clone();
                x.extend(delta);
                x.extend(delta.iter().map(|d| d * (1.0 - c * excess)));
                seeds.push(x);
            }
        }
        for (up, down) in [(1.05, 0.95), (1.2, 0.9)] {
            let mut x = kappa.clone();
            let d0: Vec<f64> = (0..p).map(|q| (up * delta[q]).max(gsum[q])).collect();
            x.extend(&d0);
            x.extend(delta.iter().zip(&d0).map(|(a, b)| (down * a).min(down * b)));
            seeds.push(x);
        }
    }
    if let Some((_, _, delta)) = unstable.iter().max_by(|a, b| a.0.total_cmp(&b.0)) {
        for a in [0.3, 1.0] {
            for kk in 0..k {
                for sign in [1.0, -1.0] {
                    let mut x = vec![0.0; k];
                    x[kk] = sign * a;
                    let d0: Vec<f64> = (0..p).map(|q| (1.2 * delta[q]).max(gsum[q])).collect();
                    x.extend(&d0);
                    x.extend(d0.iter().map(|d| 0.5 * d));
                    seeds.push(x);
                }
            }
        }
    }
    let mut csearch = search.clone();
    csearch.deflation.scales = vec![1.0; k + 2 * p];
    csearch.max_per_start = 1;
    csearch.newton = opts.chaotic_newton();
    let croots = find_roots(csys, &seeds, &csearch)?;
    for r in croots {
        let mirror: Vec<f64> =
            r.x.iter()
                .enumerate()
                .map(|(i, x)| if i < k { -x } else { *x })
                .collect();
        out.push(Candidate {
            x: r.x,
            chaotic: true,
            found_by: "seed",
        });
        out.push(Candidate {
            x: mirror,
            chaotic: true,
            found_by: "seed",
        });
    }
    Ok((out, failed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lowrank_gauss::Phi;
    use lowrank_model::mo2018::RankOne;

    fn fig1(g: f64) -> Model {
        crate::mo2018::rank_one_model(&RankOne {
            g,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn heterogeneous_chaos_is_found_just_above_g_c() {
        // [MO] Fig. 1 set: just above g_C (docs/theory §5: 1.796) the ± heterogeneous chaotic
        // states branch off the static ones with a tiny temporal variance Δ₀ − Δ∞. g_C comes from
        // the continuation of the static branch (independent of the chaotic solver).
        let opts = SolveOptions::default();
        let g_c = crate::mo2018::g_c(&RankOne::default(), 0.5, &opts).unwrap();
        let mut last_gap = 0.0;
        for g in [g_c + 3e-4, 1.8, 1.9] {
            let all = solve_all(&fig1(g), &opts).unwrap();
            let stat: Vec<_> = all
                .solutions
                .iter()
                .filter(|s| s.regime == "stationary" && s.branch == "heterogeneous")
                .collect();
            assert_eq!(stat.len(), 2, "g = {g}");
            assert!(stat.iter().all(|s| s.bulk_radius > 1.0), "g = {g} > g_C");
            let ch: Vec<_> = all
                .solutions
                .iter()
                .filter(|s| s.regime == "chaotic" && s.branch == "heterogeneous")
                .collect();
            assert_eq!(ch.len(), 2, "g = {g}: {ch:?}");
            assert!(ch
                .iter()
                .all(|s| s.convergence.converged && s.convergence.residual <= opts.newton.tol));
            let (a, b) = (&ch[0], &ch[1]);
            assert!(a.kappa[0] * b.kappa[0] < 0.0, "opposite signs: {a:?} {b:?}");
            // odd φ, sign-symmetric statistics: the pair is exactly symmetric
            assert!((a.kappa[0] + b.kappa[0]).abs() < 1e-8);
            assert!((a.delta_inf[0] - b.delta_inf[0]).abs() < 1e-7);
            let gap = a.delta0[0] - a.delta_inf[0];
            assert!(
                gap > last_gap,
                "temporal variance grows with g: {gap} at {g}"
            );
            last_gap = gap;
            // continuity at the onset: near g_C the chaotic κ is close to the static one
            if g < 1.8 {
                assert!((a.kappa[0].abs() - stat[0].kappa[0].abs()).abs() < 1e-3);
            }
        }
    }

    #[test]
    fn chaotic_root_solves_the_equations_with_independent_quadrature() {
        // The chaotic solution at g = 2 (the bench case) must satisfy the §2.1 equations evaluated
        // with plain Gauss–Hermite tensor products (Gauss::nested / Gauss::expect, GH-200, error
        // ≈ 10² e^{−π√(200/Δ)} ≈ 2e−11 at Δ ≈ 2.3), not the accuracy-controlled lattice used by
        // the solver: κ = M_n⟨φ⟩, Δ∞ = g²C(Δ∞) + Σ_m²κ², energy conservation.
        let p = RankOne {
            g: 2.0,
            ..Default::default()
        };
        let model = fig1(2.0);
        let opts = SolveOptions::default();
        let st = solve_static(&model, &[1.0, 2.0], &opts).unwrap();
        let seed = [st.kappa[0], 1.2 * st.delta0[0], 0.9 * st.delta0[0]];
        let ch = solve_chaotic(&model, &seed, &opts).unwrap();
        assert!(
            ch.convergence.converged && ch.convergence.iterations < 10,
            "{ch:?}"
        );
        let (kappa, d0, di) = (ch.kappa[0], ch.delta0[0], ch.delta_inf[0]);
        let gh = Gauss::new(200);
        let mu = p.mean_m * kappa;
        let lc = |x: f64| Phi::Tanh.primitive(x);
        let phi_mean = gh.expect(|x| x.tanh(), mu, d0).unwrap();
        assert!((kappa - p.mean_n * phi_mean).abs() < 1e-9);
        let s_var = p.sigma_m * p.sigma_m * kappa * kappa;
        let c = gh.nested(|x| x.tanh(), mu, d0, di).unwrap();
        assert!((di - 4.0 * c - s_var).abs() < 1e-9, "force balance");
        let f0 = gh.expect(|x| lc(x) * lc(x), mu, d0).unwrap();
        let f_inf = gh.nested(lc, mu, d0, di).unwrap();
        let energy = 0.5 * (d0 * d0 - di * di) - 4.0 * (f0 - f_inf) - s_var * (d0 - di);
        assert!(energy.abs() < 1e-9, "energy law {energy}");
        assert!(di < d0 - 0.5, "genuinely chaotic");
    }
}
