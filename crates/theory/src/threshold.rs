//! Every bifurcation of every mean-field branch in a parameter interval, each located by Newton on
//! an extended system (docs/theory.md, "Thresholds").
//!
//! For a one-parameter family of models p ↦ model(p) (any scalar of a scenario: g, M_m, Σ_nI, the
//! stimulus strength c, a \[CB\] interaction T^{μνρ}, ...) and an interval [lo, hi]:
//!
//! 1. **detection** — [`solve_all`] at a coarse grid of p finds the static (§1.6) and stationary
//!    chaotic (§1.7) solutions; each one not yet on a followed branch is continued through the whole
//!    interval by pseudo-arclength ([`crate::continuation::continue_branch`], which passes folds).
//!    Between consecutive branch points the scan watches the sign of the parameter component of the
//!    tangent (fold), of det J_x (branch point), of r − 1 (bulk radius, static branches only:
//!    onset of chaos) and of Re λ − 1 for the leading complex pair of outliers (Hopf);
//! 2. **location** — each bracketed event is solved for by Newton on an extended system, never by
//!    bisection:
//!    - fold / branch point: F(x, p) = 0, J_x(x, p) v = 0, c·v = 1 in (x, p, v) (2n + 1 unknowns;
//!      regular at a fold);
//!    - pitchfork of an odd-symmetric system (near κ = 0): the same system restricted to the
//!      symmetric subspace κ = 0 with v along κ (Werner–Spence), regular there while the full
//!      system is singular at a pitchfork;
//!    - chaos onset: F(x, p) = 0, r(x, p) = 1 in (x, p);
//!    - Hopf: F(x, p) = 0, Re λ_out(x, p) = 1 in (x, p), λ_out the leading complex pair of outliers
//!      (static: eigenvalues of 𝓜 outside the bulk; chaotic: of dκ/dS with adiabatic variances);
//! 3. **classification** — at a singular point, with w the left null vector of J_x: a fold when
//!    w·F_p ≠ 0, a branch point when w·F_p = 0 (F_p lies in the range of J_x), a pitchfork when in
//!    addition κ = 0 and the null vector points along κ (a ± pair is born from a κ = 0 branch).
//!
//! Every located threshold carries its [`Convergence`] (`converged`, `residual` — the max-norm
//! of the extended residual —, `iterations`, the typed [`Termination`]) and the Newton error
//! estimate; refinements that did not converge are not reported
//! as thresholds but counted in [`ThresholdReport::dropped`]. Continuous attractors (a Jacobian
//! with a zero mode along the whole branch: the \[MO\] ring, \[CB\] exchange-mode continua) are not
//! continued; they are counted in [`ThresholdReport::continua`].

#![allow(clippy::needless_range_loop)] // index loops mirror the equations (J_ij, v_j)

use crate::continuation::{continue_branch, Branch, ContinuationOptions, Equations, ParamSystem};
use crate::convergence::{Convergence, Termination};
use crate::meanfield::MeanField;
use crate::solve::branches::{
    solve_all, ChaoticSystem, MeanFieldSolution, SolveOptions, StaticSystem,
};
use crate::solve::System;
use crate::stability::{
    bulk_radius, eigenvalues, outlier_matrix, outliers, reduced_drive_jacobian, Eigenvalue,
};
use crate::TheoryError;
use lowrank_gauss::Moments;
use lowrank_model::Model;
use nalgebra::{DMatrix, DVector};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;

/// Kind of a located threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThresholdKind {
    /// Saddle-node: two branches meet and vanish (J_x singular, w·F_p ≠ 0).
    Fold,
    /// Symmetry-breaking pitchfork: a ± pair of κ ≠ 0 branches is born from a κ = 0 branch
    /// (J_x singular along κ, w·F_p = 0).
    Pitchfork,
    /// Any other branch point (transcritical, ...): J_x singular with w·F_p = 0.
    BranchPoint,
    /// The bulk radius of a static branch crosses 1 (§1.9): chaos sets in.
    ChaosOnset,
    /// A complex pair of outliers crosses Re λ = 1: oscillatory instability.
    Hopf,
}

impl ThresholdKind {
    /// Kebab-case name used in JSON, CSV and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            ThresholdKind::Fold => "fold",
            ThresholdKind::Pitchfork => "pitchfork",
            ThresholdKind::BranchPoint => "branch-point",
            ThresholdKind::ChaosOnset => "chaos-onset",
            ThresholdKind::Hopf => "hopf",
        }
    }
}

/// Order parameters at a threshold (JSON names of the CLI).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ThresholdState {
    /// Overlaps κ_k.
    pub kappa: Vec<f64>,
    /// Population means μ_p.
    pub mu: Vec<f64>,
    /// Total variances Δ₀_p.
    pub delta0: Vec<f64>,
    /// Long-lag variances Δ∞_p (= Δ₀ on static branches).
    pub delta_inf: Vec<f64>,
    /// Gains ψ_p = ⟨φ′⟩_p.
    pub gain: Vec<f64>,
    /// Bulk radius r = √ρ(G diag⟨φ′²⟩).
    pub bulk_radius: f64,
}

/// One located threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Threshold {
    /// Parameter value p*.
    pub value: f64,
    /// What happens there.
    pub kind: ThresholdKind,
    /// Branch label at p*: `trivial` (κ = 0, Δ = 0), `central` (κ = 0, Δ > 0), `heterogeneous`.
    pub branch: String,
    /// `stationary` (static equations, §1.6) or `chaotic` (stationary chaotic equations, §1.7).
    pub regime: String,
    /// The extended Newton's report at p*: max-norm residual of the extended system, Newton
    /// iterations, why it stopped (`converged` is always true for reported thresholds).
    #[serde(flatten)]
    pub convergence: Convergence,
    /// The a-posteriori Newton error estimate |δp| at p* (the next Newton step's parameter
    /// component; a regular root has it far below the tolerance).
    pub error_estimate: f64,
    /// Number of branch crossings that located this same point (e.g. 2 for a ± symmetric pair).
    pub detections: usize,
    /// Hopf: imaginary part of the critical pair (rate units of the neuron time constant).
    pub frequency: Option<f64>,
    /// Leading real part of the overlap matrix Ω at p* (the structure strength λ₀ = M_m M_n for
    /// \[MO\] rank one).
    pub omega: f64,
    /// The state at p*.
    pub state: ThresholdState,
}

/// Everything [`find_thresholds`] found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ThresholdReport {
    /// The parameter interval [lo, hi].
    pub range: [f64; 2],
    /// Located thresholds, sorted by value.
    pub thresholds: Vec<Threshold>,
    /// Detected sign changes whose extended Newton did not converge (not reported as thresholds).
    pub dropped: usize,
    /// Branches followed by continuation.
    pub branches: usize,
    /// Branches whose continuation stopped early (step too small / failed start).
    pub incomplete_branches: usize,
    /// Continuous attractors (zero mode along the branch) that were not continued.
    pub continua: usize,
    /// Grid points of the coarse scan.
    pub grid: usize,
    /// Grid points where the model could not be built or no solution converged.
    pub failed_grid_points: usize,
}

/// Options of [`find_thresholds`].
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdOptions {
    /// Quadrature orders, Newton options of the grid solves; `chaotic` enables chaotic branches.
    /// Its `inputs` field is ignored (see `input_time`).
    pub solve: SolveOptions,
    /// Inputs at this time of the model's schedule (e.g. during a stimulus); `None`: baselines.
    pub input_time: Option<f64>,
    /// Number of grid points of the coarse scan (≥ 2).
    pub grid: usize,
    /// Tolerance on the max-norm of the extended residual.
    pub tol: f64,
    /// Newton iterations allowed on an extended system.
    pub max_iter: usize,
    /// Largest continuation step, as a fraction of hi − lo (arclength in (x, p)).
    pub max_step: f64,
    /// Continuation steps allowed per branch and direction.
    pub max_steps: usize,
}

impl Default for ThresholdOptions {
    fn default() -> Self {
        ThresholdOptions {
            solve: SolveOptions::default(),
            input_time: None,
            grid: 9,
            tol: 1e-10,
            max_iter: 40,
            max_step: 0.025,
            max_steps: 600,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The family p ↦ model(p) with its static or chaotic equations and diagnostics.

struct Member {
    mf: MeanField,
    v: Vec<f64>,
    sys: MemberSystem,
    omega: f64,
}

enum MemberSystem {
    Static(StaticSystem),
    Chaotic(ChaoticSystem),
}

impl Member {
    fn system(&self) -> &dyn System {
        match &self.sys {
            MemberSystem::Static(s) => s,
            MemberSystem::Chaotic(c) => c,
        }
    }
}

/// Stability diagnostics at a point of a branch.
#[derive(Clone, Debug)]
struct Diagnostics {
    mu: Vec<f64>,
    gain: Vec<f64>,
    radius: f64,
    /// Static: outliers of 𝓜; chaotic: eigenvalues of dκ/dS (empty if undetermined).
    eigen: Vec<Eigenvalue>,
}

/// p ↦ model(p) as a [`ParamSystem`] (static or chaotic equations), caching the flattened model
/// of the last few parameter values (Newton alternates between p and p + h).
struct Family<F> {
    build: F,
    kind: Equations,
    opts: SolveOptions,
    input_time: Option<f64>,
    k: usize,
    p: usize,
    cache: RefCell<Vec<(f64, Rc<Member>)>>,
    scratch: RefCell<Vec<f64>>,
}

impl<F: Fn(f64) -> Result<Model, TheoryError>> Family<F> {
    fn new(
        build: F,
        kind: Equations,
        opts: &SolveOptions,
        input_time: Option<f64>,
        model: &Model,
    ) -> Self {
        Family {
            build,
            kind,
            opts: opts.clone(),
            input_time,
            k: model.rank(),
            p: model.n_populations(),
            cache: RefCell::new(Vec::with_capacity(4)),
            scratch: RefCell::new(Vec::new()),
        }
    }

    fn member(&self, param: f64) -> Result<Rc<Member>, TheoryError> {
        if let Some((_, m)) = self.cache.borrow().iter().find(|(q, _)| *q == param) {
            return Ok(m.clone());
        }
        let model = (self.build)(param)?;
        if model.rank() != self.k || model.n_populations() != self.p {
            return Err(TheoryError::InvalidParameter {
                name: "threshold parameter".into(),
                value: param,
                reason: "the model's shape (rank, populations) changes with the parameter".into(),
            });
        }
        let v = match self.input_time {
            Some(t) => model.input_values(t),
            None => model.baseline_inputs(),
        };
        let mf = MeanField::new(&model, self.opts.gauss());
        let sys = match self.kind {
            Equations::Static => MemberSystem::Static(StaticSystem::new(mf.clone(), v.clone())),
            Equations::Chaotic => MemberSystem::Chaotic(ChaoticSystem::new(mf.clone(), v.clone())?),
        };
        let omega = eigenvalues(&model.overlap_matrix())
            .first()
            .map(|e| e.re)
            .unwrap_or(0.0);
        let m = Rc::new(Member { mf, v, sys, omega });
        let mut cache = self.cache.borrow_mut();
        if cache.len() >= 4 {
            cache.remove(0);
        }
        cache.push((param, m.clone()));
        Ok(m)
    }

    fn chaotic(&self) -> bool {
        self.kind == Equations::Chaotic
    }

    /// Projects x onto the domain of the equations (variances ≥ 0, 0 ≤ Δ∞ ≤ Δ₀): Newton iterates
    /// of states on the boundary (trivial state, pure chaos with Δ∞ = 0) may round past it.
    fn project(&self, x: &mut [f64]) {
        let (k, p) = (self.k, self.p);
        for q in 0..p {
            x[k + q] = x[k + q].max(0.0);
            if self.chaotic() {
                x[k + p + q] = x[k + p + q].clamp(0.0, x[k + q]);
            }
        }
    }

    fn diagnostics(&self, x: &[f64], param: f64) -> Result<Diagnostics, TheoryError> {
        let mut x = x.to_vec();
        self.project(&mut x);
        let x = &x[..];
        let m = self.member(param)?;
        let (k, p) = (self.k, self.p);
        let kappa = &x[..k];
        let delta0 = &x[k..k + p];
        let mf = &m.mf;
        let mu: Vec<f64> = (0..p).map(|q| mf.mean(q, kappa, &m.v)).collect();
        let mut mo = vec![Moments::default(); p];
        mf.moments(&mu, delta0, &mut mo)?;
        let dphi2: Vec<f64> = mo.iter().map(|a| a.dphi2).collect();
        let radius = bulk_radius(&mf.coupling, &dphi2);
        let eigen = if self.chaotic() {
            let n = x.len();
            let mut jac = DMatrix::zeros(n, n);
            m.system().jacobian(x, &mut jac)?;
            reduced_drive_jacobian(&jac, k)
                .map(|d| eigenvalues(&d))
                .unwrap_or_default()
        } else {
            outliers(&outlier_matrix(mf, kappa, &m.v, &mo), radius)
        };
        Ok(Diagnostics {
            mu,
            gain: mo.iter().map(|a| a.dphi).collect(),
            radius,
            eigen,
        })
    }
}

/// Round-off slack of the domain: states on its boundary (the trivial state Δ = 0, pure chaos
/// Δ∞ = 0) are continued and refined, and their predictor/Newton iterates may round past it by a
/// few ulps; within this slack the point is projected onto the domain before evaluation.
const DOMAIN_SLACK: f64 = 1e-10;

impl<F: Fn(f64) -> Result<Model, TheoryError>> Family<F> {
    /// `x` projected onto the domain if it lies within [`DOMAIN_SLACK`] of it (else unchanged).
    fn with_projected<T>(&self, x: &[f64], f: impl FnOnce(&[f64]) -> T) -> T {
        let mut buf = self.scratch.borrow_mut();
        buf.clear();
        buf.extend_from_slice(x);
        self.project(&mut buf);
        f(&buf)
    }

    fn dim_of(&self) -> usize {
        match self.kind {
            Equations::Static => self.k + self.p,
            Equations::Chaotic => self.k + 2 * self.p,
        }
    }
}

impl<F: Fn(f64) -> Result<Model, TheoryError>> ParamSystem for Family<F> {
    fn dim(&self) -> usize {
        self.dim_of()
    }
    fn residual(&self, x: &[f64], param: f64, out: &mut [f64]) -> Result<(), TheoryError> {
        let m = self.member(param)?;
        self.with_projected(x, |y| m.system().residual(y, out))
    }
    fn jacobian_x(
        &self,
        x: &[f64],
        param: f64,
        jac: &mut DMatrix<f64>,
    ) -> Result<bool, TheoryError> {
        let m = self.member(param)?;
        self.with_projected(x, |y| m.system().jacobian(y, jac))
    }
    fn admissible(&self, x: &[f64]) -> bool {
        let (k, p) = (self.k, self.p);
        let tol = |d: f64| DOMAIN_SLACK * (1.0 + d.abs());
        x.len() == self.dim()
            && x.iter().all(|v| v.is_finite())
            && (0..p).all(|q| {
                let d0 = x[k + q];
                d0 >= -tol(0.0)
                    && (!self.chaotic()
                        || (x[k + p + q] >= -tol(0.0) && x[k + p + q] <= d0 + tol(d0)))
            })
    }
}

/// Hopf test function: Re λ − 1 for the complex eigenvalue pair with the largest real part
/// (`None` if every eigenvalue is real).
fn hopf_test(eigen: &[Eigenvalue]) -> Option<(f64, f64)> {
    eigen
        .iter()
        .filter(|e| e.im.abs() > 1e-8 * (1.0 + e.re.abs()))
        .max_by(|a, b| a.re.total_cmp(&b.re))
        .map(|e| (e.re - 1.0, e.im.abs()))
}

// ---------------------------------------------------------------------------------------------
// Newton on extended systems.

/// Result of Newton on an extended system: the critical point (x*, p*) with its report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Located {
    /// Parameter p* at the critical point.
    pub param: f64,
    /// Unknowns x* of the mean-field system at p*.
    pub x: Vec<f64>,
    /// Right null vector v of J_x (fold / branch point systems; normalised c·v = 1).
    pub null_vector: Option<Vec<f64>>,
    /// Converged when max|G| ≤ tol, the last Newton step in p was below 1e-11·max(1, |p|) and the
    /// a-posteriori Newton error estimate |J⁻¹G|_p at the root is below 1e-10·max(1, |p|)
    /// ([`Termination::Degenerate`] when only the estimate fails); the residual is the max-norm
    /// of the extended residual G at the last iterate.
    #[serde(flatten)]
    pub convergence: Convergence,
    /// The Newton error estimate |J⁻¹G|_p at the last iterate (∞ when Newton stopped before
    /// the residual met the tolerance, or the Jacobian there is singular).
    pub error_estimate: f64,
}

/// Options of the extended Newton solvers [`locate_singular`] and [`locate_zero`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LocateOptions {
    /// Tolerance on the max-norm of the extended residual.
    pub tol: f64,
    /// Iteration cap.
    pub max_iter: usize,
    /// Relative finite-difference step for second derivatives (J_x v)_x, (J_x v)_p and F_p.
    pub fd_step: f64,
}

impl Default for LocateOptions {
    fn default() -> Self {
        LocateOptions {
            tol: 1e-10,
            max_iter: 40,
            fd_step: 1e-6,
        }
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

/// What [`newton_extended`] returns: the last iterate, its report and the Newton error estimate.
struct Extended {
    y: Vec<f64>,
    convergence: Convergence,
    error_estimate: f64,
}

impl Extended {
    fn stopped(y: Vec<f64>, residual: f64, iterations: usize, termination: Termination) -> Self {
        Extended {
            y,
            convergence: Convergence::stopped(residual, iterations, termination),
            error_estimate: f64::INFINITY,
        }
    }
}

/// Damped Newton on G(y) = 0 with a caller-built Jacobian. `eval` returns `Ok(false)` outside
/// the domain; `project` maps a trial point onto the domain before it is evaluated; the last
/// component of the unknowns listed by `param_index` is the parameter (for the step criterion).
fn newton_extended<E, J, P>(
    y0: &[f64],
    param_index: usize,
    eval: E,
    jacobian: J,
    project: P,
    opts: &LocateOptions,
) -> Result<Extended, TheoryError>
where
    E: Fn(&[f64], &mut [f64]) -> Result<bool, TheoryError>,
    J: Fn(&[f64], &[f64], &mut DMatrix<f64>) -> Result<(), TheoryError>,
    P: Fn(&mut [f64]),
{
    let m = y0.len();
    let mut y = y0.to_vec();
    project(&mut y);
    let mut g = vec![0.0; m];
    let mut gt = vec![0.0; m];
    let mut trial = vec![0.0; m];
    let mut jac = DMatrix::zeros(m, m);
    if !eval(&y, &mut g)? {
        return Ok(Extended::stopped(
            y,
            f64::INFINITY,
            0,
            Termination::StartOutsideDomain,
        ));
    }
    let mut last_dp = f64::INFINITY;
    // a-posteriori check at a root: the next Newton step estimates the remaining error of a
    // regular root; a singular or ill-conditioned extended Jacobian (a degenerate point, where a
    // small residual does not mean a small error) is not reported as converged
    let verify = |y: &[f64], g: &[f64], it: usize, res: f64, success: Termination| {
        let mut jac = DMatrix::zeros(m, m);
        let p = y[param_index];
        let est = match jacobian(y, g, &mut jac) {
            Ok(()) => jac
                .lu()
                .solve(&DVector::from_column_slice(g))
                .map(|d| d[param_index].abs())
                .unwrap_or(f64::INFINITY),
            Err(_) => f64::INFINITY,
        };
        let ok = est.is_finite() && est <= 1e-10 * p.abs().max(1.0);
        let termination = if ok { success } else { Termination::Degenerate };
        Extended {
            y: y.to_vec(),
            convergence: Convergence::stopped(res, it, termination),
            error_estimate: est,
        }
    };
    for it in 0..=opts.max_iter {
        let res = max_abs(&g);
        let p = y[param_index];
        if res <= opts.tol && last_dp <= 1e-11 * p.abs().max(1.0) {
            return Ok(verify(&y, &g, it, res, Termination::Converged));
        }
        if it == opts.max_iter {
            return Ok(Extended::stopped(y, res, it, Termination::MaxIterations));
        }
        jacobian(&y, &g, &mut jac)?;
        let rhs = DVector::from_iterator(m, g.iter().map(|v| -v));
        let Some(d) = jac.clone().lu().solve(&rhs) else {
            return Ok(Extended::stopped(y, res, it, Termination::SingularJacobian));
        };
        if !d.iter().all(|v| v.is_finite()) {
            return Ok(Extended::stopped(y, res, it, Termination::NonFinite));
        }
        let norm2 = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>();
        let g2 = norm2(&g);
        let mut alpha = 1.0;
        let mut accepted = false;
        for _ in 0..30 {
            for j in 0..m {
                trial[j] = y[j] + alpha * d[j];
            }
            project(&mut trial);
            if eval(&trial, &mut gt)? && norm2(&gt) < g2.max(1e-300) {
                accepted = true;
                break;
            }
            alpha *= 0.5;
        }
        if !accepted {
            // no decrease: at the noise floor of the residual if it already meets the tolerance
            if res <= opts.tol {
                return Ok(verify(&y, &g, it + 1, res, Termination::ResidualFloor));
            }
            return Ok(Extended::stopped(y, res, it + 1, Termination::NoDecrease));
        }
        last_dp = (trial[param_index] - y[param_index]).abs();
        y.copy_from_slice(&trial);
        g.copy_from_slice(&gt);
    }
    unreachable!("the loop returns at it == max_iter")
}

/// Evaluates F at (x, p) into `out`; `Ok(false)` outside the domain.
fn eval_f<S: ParamSystem + ?Sized>(
    sys: &S,
    x: &[f64],
    p: f64,
    out: &mut [f64],
) -> Result<bool, TheoryError> {
    if !sys.admissible(x) || !p.is_finite() {
        return Ok(false);
    }
    match sys.residual(x, p, out) {
        Ok(()) => Ok(out.iter().all(|v| v.is_finite())),
        Err(TheoryError::Gauss(_)) | Err(TheoryError::InvalidParameter { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// J_x at (x, p): analytic if the system has it, forward differences otherwise.
fn jac_x<S: ParamSystem + ?Sized>(
    sys: &S,
    x: &[f64],
    p: f64,
    fd: f64,
    jac: &mut DMatrix<f64>,
) -> Result<bool, TheoryError> {
    let n = x.len();
    if !sys.admissible(x) {
        return Ok(false);
    }
    match sys.jacobian_x(x, p, jac) {
        Ok(true) => return Ok(jac.iter().all(|v| v.is_finite())),
        Ok(false) => {}
        Err(TheoryError::Gauss(_)) | Err(TheoryError::InvalidParameter { .. }) => return Ok(false),
        Err(e) => return Err(e),
    }
    let mut f0 = vec![0.0; n];
    let mut f1 = vec![0.0; n];
    if !eval_f(sys, x, p, &mut f0)? {
        return Ok(false);
    }
    let mut xs = x.to_vec();
    for j in 0..n {
        let h = fd * x[j].abs().max(1.0);
        let mut step = h;
        xs[j] = x[j] + step;
        let mut ok = eval_f(sys, &xs, p, &mut f1)?;
        if !ok {
            step = -h;
            xs[j] = x[j] + step;
            ok = eval_f(sys, &xs, p, &mut f1)?;
        }
        xs[j] = x[j];
        if !ok {
            return Ok(false);
        }
        for i in 0..n {
            jac[(i, j)] = (f1[i] - f0[i]) / step;
        }
    }
    Ok(true)
}

/// A one-sided difference quotient of `f` along coordinate `j` of `y` (forward, or backward
/// where the forward point is outside the domain): (f(y + s e_j) − f0)/s into `out`.
fn directional<G>(
    y: &[f64],
    j: usize,
    h: f64,
    f0: &[f64],
    f: G,
    out: &mut [f64],
) -> Result<bool, TheoryError>
where
    G: Fn(&[f64], &mut [f64]) -> Result<bool, TheoryError>,
{
    let mut ys = y.to_vec();
    for step in [h, -h] {
        ys[j] = y[j] + step;
        if f(&ys, out)? {
            for i in 0..out.len() {
                out[i] = (out[i] - f0[i]) / step;
            }
            return Ok(true);
        }
    }
    Ok(false)
}

/// Smallest right singular vector of `a` (unit norm) and the smallest singular value.
fn null_vector(a: &DMatrix<f64>) -> Option<(Vec<f64>, f64)> {
    let svd = a.clone().svd(false, true);
    let vt = svd.v_t?;
    let (i, s) = svd
        .singular_values
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))?;
    Some((vt.row(i).iter().copied().collect(), *s))
}

/// Smallest left singular vector of `a` (unit norm).
fn left_null_vector(a: &DMatrix<f64>) -> Option<Vec<f64>> {
    null_vector(&a.transpose()).map(|(w, _)| w)
}

/// Locates a fold or branch point near (x0, p0) by Newton on the extended system
///
/// F(x, p) = 0,  J_x(x, p) v = 0,  c·v = 1
///
/// in the 2n + 1 unknowns (x, p, v), with c the unit null-vector estimate of J_x at (x0, p0). The
/// derivative blocks ∂(J_x v)/∂x, ∂(J_x v)/∂p and F_p are difference quotients of the (analytic,
/// if the system has one) J_x and of F; they only steer Newton — the converged point satisfies
/// the exact equations to `opts.tol`.
///
/// ```
/// use lowrank_theory::continuation::ParamSystem;
/// use lowrank_theory::threshold::{locate_singular, LocateOptions};
/// use lowrank_theory::TheoryError;
/// // x³ − x + p = 0 folds at x = 1/√3, p = 2/(3√3)
/// struct S;
/// impl ParamSystem for S {
///     fn dim(&self) -> usize { 1 }
///     fn residual(&self, x: &[f64], p: f64, out: &mut [f64]) -> Result<(), TheoryError> {
///         out[0] = x[0].powi(3) - x[0] + p;
///         Ok(())
///     }
/// }
/// let f = locate_singular(&S, &[0.5], 0.3, &LocateOptions::default()).unwrap();
/// assert!(f.convergence.converged && (f.param - 2.0 / (3.0 * 3f64.sqrt())).abs() < 1e-12);
/// ```
pub fn locate_singular<S: ParamSystem + ?Sized>(
    sys: &S,
    x0: &[f64],
    p0: f64,
    opts: &LocateOptions,
) -> Result<Located, TheoryError> {
    locate_singular_projected(sys, x0, p0, opts, |_| {})
}

fn locate_singular_projected<S, P>(
    sys: &S,
    x0: &[f64],
    p0: f64,
    opts: &LocateOptions,
    project: P,
) -> Result<Located, TheoryError>
where
    S: ParamSystem + ?Sized,
    P: Fn(&mut [f64]),
{
    let n = sys.dim();
    check_start(n, x0, p0)?;
    let mut j0 = DMatrix::zeros(n, n);
    if !jac_x(sys, x0, p0, opts.fd_step, &mut j0)? {
        return Err(TheoryError::InvalidParameter {
            name: "threshold start".into(),
            value: p0,
            reason: "J_x cannot be evaluated at the start (outside the domain)".into(),
        });
    }
    let (c, _) = null_vector(&j0).ok_or_else(|| TheoryError::NotConverged {
        what: "null vector of J_x (SVD)".into(),
        convergence: Convergence::stopped(f64::INFINITY, 0, Termination::DecompositionFailed),
    })?;
    let mut y0 = x0.to_vec();
    y0.push(p0);
    y0.extend(&c);
    let m = 2 * n + 1;
    let jv = |x: &[f64], p: f64, v: &[f64], out: &mut [f64]| -> Result<bool, TheoryError> {
        let mut j = DMatrix::zeros(n, n);
        if !jac_x(sys, x, p, opts.fd_step, &mut j)? {
            return Ok(false);
        }
        let r = &j * DVector::from_column_slice(v);
        out.copy_from_slice(r.as_slice());
        Ok(true)
    };
    let eval = |y: &[f64], out: &mut [f64]| -> Result<bool, TheoryError> {
        let (x, rest) = y.split_at(n);
        let (p, v) = (rest[0], &rest[1..]);
        if !eval_f(sys, x, p, &mut out[..n])? {
            return Ok(false);
        }
        if !jv(x, p, v, &mut out[n..2 * n])? {
            return Ok(false);
        }
        out[2 * n] = c.iter().zip(v).map(|(a, b)| a * b).sum::<f64>() - 1.0;
        Ok(true)
    };
    let jacobian = |y: &[f64], g: &[f64], jac: &mut DMatrix<f64>| -> Result<(), TheoryError> {
        jac.fill(0.0);
        let (x, rest) = y.split_at(n);
        let (p, v) = (rest[0], &rest[1..]);
        let mut j = DMatrix::zeros(n, n);
        if !jac_x(sys, x, p, opts.fd_step, &mut j)? {
            return Err(not_evaluable(p));
        }
        for i in 0..n {
            for l in 0..n {
                jac[(i, l)] = j[(i, l)];
                jac[(n + i, n + 1 + l)] = j[(i, l)];
            }
        }
        for l in 0..n {
            jac[(2 * n, n + 1 + l)] = c[l];
        }
        // columns x_l and p of (F, J_x v) by difference quotients
        let mut col = vec![0.0; 2 * n];
        for l in 0..=n {
            let h = opts.fd_step * y[l].abs().max(1.0);
            let f = |ys: &[f64], out: &mut [f64]| -> Result<bool, TheoryError> {
                let (xs, rs) = ys.split_at(n);
                Ok(eval_f(sys, xs, rs[0], &mut out[..n])? && jv(xs, rs[0], v, &mut out[n..])?)
            };
            let ok = directional(&y[..=n], l, h, &g[..2 * n], f, &mut col)?;
            if !ok {
                return Err(not_evaluable(p));
            }
            for i in 0..2 * n {
                jac[(i, l)] = col[i];
            }
        }
        Ok(())
    };
    let proj = |y: &mut [f64]| project(&mut y[..n]);
    let Extended {
        y,
        convergence,
        error_estimate,
    } = newton_extended(&y0, n, eval, jacobian, proj, opts)?;
    debug_assert_eq!(y.len(), m);
    Ok(Located {
        param: y[n],
        x: y[..n].to_vec(),
        null_vector: Some(y[n + 1..].to_vec()),
        convergence,
        error_estimate,
    })
}

/// Locates a zero of a scalar test function τ(x, p) on the solution curve near (x0, p0) by Newton
/// on the extended system F(x, p) = 0, τ(x, p) = 0 in the n + 1 unknowns (x, p) (e.g. the chaos
/// onset τ = r − 1, or a Hopf point τ = Re λ − 1). ∇τ and F_p are difference quotients.
///
/// ```
/// use lowrank_theory::continuation::ParamSystem;
/// use lowrank_theory::threshold::{locate_zero, LocateOptions};
/// use lowrank_theory::TheoryError;
/// // on x³ − x + p = 0, where is x = 0.5? At p = x − x³ = 0.375.
/// struct S;
/// impl ParamSystem for S {
///     fn dim(&self) -> usize { 1 }
///     fn residual(&self, x: &[f64], p: f64, out: &mut [f64]) -> Result<(), TheoryError> {
///         out[0] = x[0].powi(3) - x[0] + p;
///         Ok(())
///     }
/// }
/// let tau = |x: &[f64], _p: f64| Ok(Some(x[0] - 0.5));
/// let z = locate_zero(&S, tau, &[0.45], 0.36, &LocateOptions::default()).unwrap();
/// assert!(z.convergence.converged && (z.param - 0.375).abs() < 1e-12);
/// ```
pub fn locate_zero<S, T>(
    sys: &S,
    tau: T,
    x0: &[f64],
    p0: f64,
    opts: &LocateOptions,
) -> Result<Located, TheoryError>
where
    S: ParamSystem + ?Sized,
    T: Fn(&[f64], f64) -> Result<Option<f64>, TheoryError>,
{
    locate_zero_projected(sys, tau, x0, p0, opts, |_| {})
}

fn locate_zero_projected<S, T, P>(
    sys: &S,
    tau: T,
    x0: &[f64],
    p0: f64,
    opts: &LocateOptions,
    project: P,
) -> Result<Located, TheoryError>
where
    S: ParamSystem + ?Sized,
    T: Fn(&[f64], f64) -> Result<Option<f64>, TheoryError>,
    P: Fn(&mut [f64]),
{
    let n = sys.dim();
    check_start(n, x0, p0)?;
    let eval = |y: &[f64], out: &mut [f64]| -> Result<bool, TheoryError> {
        let (x, p) = (&y[..n], y[n]);
        if !eval_f(sys, x, p, &mut out[..n])? {
            return Ok(false);
        }
        match tau(x, p) {
            Ok(Some(t)) if t.is_finite() => {
                out[n] = t;
                Ok(true)
            }
            Ok(_) | Err(TheoryError::Gauss(_)) | Err(TheoryError::InvalidParameter { .. }) => {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    };
    let jacobian = |y: &[f64], g: &[f64], jac: &mut DMatrix<f64>| -> Result<(), TheoryError> {
        let mut col = vec![0.0; n + 1];
        let mut j = DMatrix::zeros(n, n);
        let analytic = jac_x(sys, &y[..n], y[n], opts.fd_step, &mut j)?;
        for l in 0..=n {
            let h = 1e-7 * y[l].abs().max(1.0);
            let ok = directional(y, l, h, g, eval, &mut col)?;
            if !ok {
                return Err(not_evaluable(y[n]));
            }
            for i in 0..=n {
                jac[(i, l)] = col[i];
            }
            if analytic && l < n {
                for i in 0..n {
                    jac[(i, l)] = j[(i, l)];
                }
            }
        }
        Ok(())
    };
    let mut y0 = x0.to_vec();
    y0.push(p0);
    let proj = |y: &mut [f64]| project(&mut y[..n]);
    let Extended {
        y,
        convergence,
        error_estimate,
    } = newton_extended(&y0, n, eval, jacobian, proj, opts)?;
    Ok(Located {
        param: y[n],
        x: y[..n].to_vec(),
        null_vector: None,
        convergence,
        error_estimate,
    })
}

/// Symmetry-breaking pitchfork of an odd-symmetric system (F(−κ, Δ) = (−F_κ, F_Δ)) on its κ = 0
/// subspace, by Newton on the restricted (Werner–Spence) system in (Δ, p, w):
///
/// F_Δ(0, Δ, p) = 0,  [J_x(0, Δ, p)]_κκ w = 0,  c·w = 1,
///
/// the κ-block of J_x singular with null vector w (c: its estimate at the start). Unlike the full
/// fold system, whose Jacobian is singular at a pitchfork along δκ (F_κκ = 0 by symmetry), this
/// one is regular, so Newton converges quadratically and κ = 0 exactly. The reported residual is
/// the max-norm of the *full* fold system (F, J_x v, c·v − 1) at (κ = 0, Δ, p, v = (w, 0)), so a
/// system that is not symmetric there is not reported as converged. The first `k` unknowns are κ.
fn locate_pitchfork<S, P>(
    sys: &S,
    k: usize,
    x0: &[f64],
    p0: f64,
    opts: &LocateOptions,
    project: P,
) -> Result<Located, TheoryError>
where
    S: ParamSystem + ?Sized,
    P: Fn(&mut [f64]),
{
    let n = sys.dim();
    check_start(n, x0, p0)?;
    let m = n - k;
    let mut j0 = DMatrix::zeros(n, n);
    if !jac_x(sys, x0, p0, opts.fd_step, &mut j0)? {
        return Err(not_evaluable(p0));
    }
    let block = j0.view((0, 0), (k, k)).into_owned();
    let (c, _) = null_vector(&block).ok_or_else(|| not_evaluable(p0))?;
    let full = |z: &[f64]| -> Vec<f64> {
        let mut x = vec![0.0; n];
        x[k..].copy_from_slice(&z[..m]);
        x
    };
    let eval = |z: &[f64], out: &mut [f64]| -> Result<bool, TheoryError> {
        let x = full(z);
        let p = z[m];
        let w = &z[m + 1..];
        let mut f = vec![0.0; n];
        if !eval_f(sys, &x, p, &mut f)? {
            return Ok(false);
        }
        let mut j = DMatrix::zeros(n, n);
        if !jac_x(sys, &x, p, opts.fd_step, &mut j)? {
            return Ok(false);
        }
        out[..m].copy_from_slice(&f[k..]);
        for i in 0..k {
            out[m + i] = (0..k).map(|l| j[(i, l)] * w[l]).sum();
        }
        out[m + k] = c.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() - 1.0;
        Ok(true)
    };
    let jacobian = |z: &[f64], g: &[f64], jac: &mut DMatrix<f64>| -> Result<(), TheoryError> {
        let mut col = vec![0.0; n + 1];
        for l in 0..=n {
            let h = opts.fd_step * z[l].abs().max(1.0);
            if !directional(z, l, h, g, eval, &mut col)? {
                return Err(not_evaluable(z[m]));
            }
            for i in 0..=n {
                jac[(i, l)] = col[i];
            }
        }
        Ok(())
    };
    let mut z0 = x0[k..].to_vec();
    z0.push(p0);
    z0.extend(&c);
    let proj = |z: &mut [f64]| {
        let mut x = full(z);
        project(&mut x);
        z[..m].copy_from_slice(&x[k..]);
    };
    let Extended {
        y: z,
        convergence: restricted,
        error_estimate,
    } = newton_extended(&z0, m, eval, jacobian, proj, opts)?;
    // the honest residual: the full fold system at the restricted solution
    let x = full(&z);
    let p = z[m];
    let mut v = z[m + 1..].to_vec();
    v.resize(n, 0.0);
    let mut f = vec![0.0; n];
    let mut j = DMatrix::zeros(n, n);
    let ok = eval_f(sys, &x, p, &mut f)? && jac_x(sys, &x, p, opts.fd_step, &mut j)?;
    let jv = &j * DVector::from_column_slice(&v);
    let norm = c.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>() - 1.0;
    let residual = if ok {
        max_abs(&f).max(max_abs(jv.as_slice())).max(norm.abs())
    } else {
        f64::INFINITY
    };
    Ok(Located {
        param: p,
        x,
        null_vector: Some(v),
        // the restricted Newton's verdict, checked once more on the full fold system
        convergence: if restricted.converged && residual > opts.tol {
            Convergence::stopped(residual, restricted.iterations, Termination::Degenerate)
        } else {
            Convergence {
                residual,
                ..restricted
            }
        },
        error_estimate,
    })
}

fn check_start(n: usize, x0: &[f64], p0: f64) -> Result<(), TheoryError> {
    if x0.len() != n {
        return Err(TheoryError::InvalidParameter {
            name: "x0".into(),
            value: x0.len() as f64,
            reason: format!("start has {} entries, system has {n}", x0.len()),
        });
    }
    if !p0.is_finite() || !x0.iter().all(|v| v.is_finite()) {
        return Err(TheoryError::InvalidParameter {
            name: "threshold start".into(),
            value: p0,
            reason: "must be finite".into(),
        });
    }
    Ok(())
}

fn not_evaluable(p: f64) -> TheoryError {
    TheoryError::InvalidParameter {
        name: "extended Jacobian".into(),
        value: p,
        reason: "difference quotients leave the domain of the equations on both sides".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Driver.

/// A bracketed event on a followed branch, before location.
#[derive(Clone, Debug)]
enum Candidate {
    Singular {
        guess: Vec<f64>,
        p: f64,
    },
    ChaosOnset {
        guess: Vec<f64>,
        p: f64,
    },
    Hopf {
        guess: Vec<f64>,
        p: f64,
    },
    /// The end of a branch that stopped inside the interval (probed, not a sign change).
    End {
        guess: Vec<f64>,
        p: f64,
    },
}

struct Followed {
    regime: Equations,
    branch: Branch,
    diag: Vec<Option<Diagnostics>>,
}

fn interpolate(a: &[f64], b: &[f64], s: f64) -> Vec<f64> {
    a.iter().zip(b).map(|(u, w)| u + s * (w - u)).collect()
}

/// Linear-interpolation weight of the zero of a function with values fa, fb of opposite signs.
fn zero_weight(fa: f64, fb: f64) -> f64 {
    let s = fa / (fa - fb);
    if s.is_finite() {
        s.clamp(0.0, 1.0)
    } else {
        0.5
    }
}

fn candidates(f: &Followed, lo: f64, hi: f64) -> Vec<(Candidate, Vec<f64>, Vec<f64>)> {
    let pts = &f.branch.points;
    let n = pts.first().map(|q| q.x.len()).unwrap_or(0);
    let mut out = Vec::new();
    // a branch whose continuation stopped inside the interval ends at a singular point or at the
    // boundary of the domain (e.g. a chaotic ± branch running into its pitchfork, where Δ∞ → 0):
    // probe the end with the singular system, bracketed by the last step
    if !f.branch.complete && pts.len() >= 2 {
        let (a, b) = (&pts[pts.len() - 2], &pts[pts.len() - 1]);
        if b.param > lo && b.param < hi {
            let ya: Vec<f64> = a.x.iter().copied().chain([a.param]).collect();
            let yb: Vec<f64> = b.x.iter().copied().chain([b.param]).collect();
            out.push((
                Candidate::End {
                    guess: b.x.clone(),
                    p: b.param,
                },
                ya,
                yb,
            ));
        }
    }
    for i in 1..pts.len() {
        let (a, b) = (&pts[i - 1], &pts[i]);
        let ya: Vec<f64> = a.x.iter().copied().chain([a.param]).collect();
        let yb: Vec<f64> = b.x.iter().copied().chain([b.param]).collect();
        let at = |s: f64| {
            let y = interpolate(&ya, &yb, s);
            (y[..n].to_vec(), y[n])
        };
        let fold = a.tangent[n] * b.tangent[n] < 0.0;
        if fold || a.det_sign * b.det_sign < 0.0 {
            let s = if fold {
                zero_weight(a.tangent[n], b.tangent[n])
            } else {
                0.5
            };
            let (guess, p) = at(s);
            out.push((Candidate::Singular { guess, p }, ya.clone(), yb.clone()));
        }
        let (Some(da), Some(db)) = (&f.diag[i - 1], &f.diag[i]) else {
            continue;
        };
        if f.regime == Equations::Static {
            let (ra, rb) = (da.radius - 1.0, db.radius - 1.0);
            if ra * rb < 0.0 {
                let (guess, p) = at(zero_weight(ra, rb));
                out.push((Candidate::ChaosOnset { guess, p }, ya.clone(), yb.clone()));
            }
        }
        if let (Some((ha, _)), Some((hb, _))) = (hopf_test(&da.eigen), hopf_test(&db.eigen)) {
            if ha * hb < 0.0 {
                let (guess, p) = at(zero_weight(ha, hb));
                out.push((Candidate::Hopf { guess, p }, ya.clone(), yb.clone()));
            }
        }
    }
    out
}

fn branch_label(kappa: &[f64], delta0: &[f64]) -> &'static str {
    let kn = max_abs(kappa);
    if kn < 1e-7 {
        if max_abs(delta0) < 1e-9 {
            "trivial"
        } else {
            "central"
        }
    } else {
        "heterogeneous"
    }
}

/// Whether (x, p) lies on the followed branch `f` (interpolated between its points).
fn on_branch(f: &Followed, x: &[f64], p: f64) -> bool {
    let pts = &f.branch.points;
    let scale = 1.0 + max_abs(x);
    let close = |y: &[f64]| y.iter().zip(x).all(|(a, b)| (a - b).abs() <= 2e-3 * scale);
    if pts
        .iter()
        .any(|q| (q.param - p).abs() < 1e-12 && close(&q.x))
    {
        return true;
    }
    pts.windows(2).any(|w| {
        let (a, b) = (&w[0], &w[1]);
        let (lo, hi) = (a.param.min(b.param), a.param.max(b.param));
        if p < lo || p > hi || hi == lo {
            return false;
        }
        let s = (p - a.param) / (b.param - a.param);
        close(&interpolate(&a.x, &b.x, s))
    })
}

fn continue_both<F>(
    fam: &Family<F>,
    x0: &[f64],
    p0: f64,
    lo: f64,
    hi: f64,
    opts: &ThresholdOptions,
) -> (Vec<Branch>, usize)
where
    F: Fn(f64) -> Result<Model, TheoryError>,
{
    let width = hi - lo;
    let mut out = Vec::new();
    let mut incomplete = 0;
    for direction in [1.0, -1.0] {
        if (direction > 0.0 && p0 >= hi) || (direction < 0.0 && p0 <= lo) {
            continue;
        }
        let copts = ContinuationOptions {
            p_min: lo,
            p_max: hi,
            direction,
            h0: 0.2 * opts.max_step * width,
            h_min: 1e-7 * opts.max_step * width,
            h_max: opts.max_step * width,
            max_steps: opts.max_steps,
            tol: 1e-10,
            refine_events: false,
            ..Default::default()
        };
        match continue_branch(
            fam,
            x0,
            p0,
            &copts,
            None::<&dyn Fn(&[f64], f64) -> Result<f64, TheoryError>>,
        ) {
            Ok(b) => {
                if !b.complete {
                    incomplete += 1;
                }
                out.push(b);
            }
            Err(_) => incomplete += 1,
        }
    }
    (out, incomplete)
}

/// Every fold, branch point (pitchfork), chaos onset and Hopf point of every static and stationary
/// chaotic branch of `build(p)` for p ∈ [lo, hi] (module doc). `Err` only for invalid input: an
/// empty or non-finite interval, or a model that cannot be built at lo or hi.
pub fn find_thresholds<F>(
    build: F,
    lo: f64,
    hi: f64,
    opts: &ThresholdOptions,
) -> Result<ThresholdReport, TheoryError>
where
    F: Fn(f64) -> Result<Model, TheoryError> + Clone,
{
    if !lo.is_finite() || !hi.is_finite() || lo >= hi {
        return Err(TheoryError::InvalidParameter {
            name: "range".into(),
            value: lo,
            reason: format!("need finite LO < HI, got [{lo}, {hi}]"),
        });
    }
    if opts.grid < 2 {
        return Err(TheoryError::InvalidParameter {
            name: "grid".into(),
            value: opts.grid as f64,
            reason: "the coarse scan needs at least 2 points".into(),
        });
    }
    let m_lo = build(lo)?;
    let m_hi = build(hi)?;
    if (m_lo.rank(), m_lo.n_populations()) != (m_hi.rank(), m_hi.n_populations()) {
        return Err(TheoryError::InvalidParameter {
            name: "range".into(),
            value: hi,
            reason: "the model's shape (rank, populations) changes over the range".into(),
        });
    }
    let stat = Family::new(
        build.clone(),
        Equations::Static,
        &opts.solve,
        opts.input_time,
        &m_lo,
    );
    let chaotic_ok =
        opts.solve.chaotic && MeanField::new(&m_lo, opts.solve.gauss()).diagonal_disorder();
    let chao = Family::new(
        build.clone(),
        Equations::Chaotic,
        &opts.solve,
        opts.input_time,
        &m_lo,
    );
    let grid: Vec<f64> = (0..opts.grid)
        .map(|i| lo + (hi - lo) * i as f64 / (opts.grid - 1) as f64)
        .collect();
    let mut followed: Vec<Followed> = Vec::new();
    let mut report = ThresholdReport {
        range: [lo, hi],
        thresholds: Vec::new(),
        dropped: 0,
        branches: 0,
        incomplete_branches: 0,
        continua: 0,
        grid: grid.len(),
        failed_grid_points: 0,
    };
    let mut continua: Vec<(f64, MeanFieldSolution)> = Vec::new();
    for &p in &grid {
        let Ok(model) = build(p) else {
            report.failed_grid_points += 1;
            continue;
        };
        let sopts = SolveOptions {
            inputs: opts.input_time.map(|t| model.input_values(t)),
            chaotic: chaotic_ok,
            ..opts.solve.clone()
        };
        let sols = match solve_all(&model, &sopts) {
            Ok(a) if !a.solutions.is_empty() => a.solutions,
            _ => {
                report.failed_grid_points += 1;
                continue;
            }
        };
        // pure chaos (κ = 0, Δ∞ = 0) lies on the boundary of the chaotic domain, where a Newton
        // start may not reach it: seed it from every symmetric static state with r > 1
        let mut extra: Vec<Vec<f64>> = Vec::new();
        if chaotic_ok {
            for s in sols.iter().filter(|s| {
                s.regime == "stationary" && s.bulk_radius > 1.0 && max_abs(&s.kappa) < 1e-7
            }) {
                if let Some(x) = pure_chaos_seed(&chao, p, &s.delta0, opts.tol) {
                    extra.push(x);
                }
            }
        }
        let mut entries: Vec<(Equations, Vec<f64>, Option<MeanFieldSolution>)> = extra
            .into_iter()
            .map(|x| (Equations::Chaotic, x, None))
            .collect();
        for s in sols {
            let (kind, x): (Equations, Vec<f64>) = if s.regime == "chaotic" {
                let x = s
                    .kappa
                    .iter()
                    .chain(&s.delta0)
                    .chain(&s.delta_inf)
                    .copied()
                    .collect();
                (Equations::Chaotic, x)
            } else {
                (
                    Equations::Static,
                    s.kappa.iter().chain(&s.delta0).copied().collect(),
                )
            };
            entries.push((kind, x, Some(s)));
        }
        for (kind, x, sol) in entries {
            if let Some(s) = sol.filter(|s| s.zero_modes > 0) {
                // a continuum: count each distinct one once
                let known = continua.iter().any(|(_, c)| {
                    c.regime == s.regime
                        && c.delta0
                            .iter()
                            .zip(&s.delta0)
                            .all(|(a, b)| (a - b).abs() < 1e-3 * (1.0 + a.abs()))
                });
                if !known {
                    continua.push((p, s));
                }
                continue;
            }
            if followed
                .iter()
                .any(|f| f.regime == kind && on_branch(f, &x, p))
            {
                continue;
            }
            let fam: &dyn FollowFamily = if kind == Equations::Static {
                &stat
            } else {
                &chao
            };
            let (branches, incomplete) = fam.follow(&x, p, lo, hi, opts);
            report.incomplete_branches += incomplete;
            for b in branches {
                let diag = b
                    .points
                    .iter()
                    .map(|q| fam.diag(&q.x, q.param).ok())
                    .collect();
                report.branches += 1;
                followed.push(Followed {
                    regime: kind,
                    branch: b,
                    diag,
                });
            }
        }
    }
    report.continua = continua.len();
    // locate every bracketed event
    let lopts = LocateOptions {
        tol: opts.tol,
        max_iter: opts.max_iter,
        ..Default::default()
    };
    let mut found: Vec<Threshold> = Vec::new();
    for f in &followed {
        let fam: &dyn FollowFamily = if f.regime == Equations::Static {
            &stat
        } else {
            &chao
        };
        for (cand, ya, yb) in candidates(f, lo, hi) {
            let probe = matches!(cand, Candidate::End { .. });
            let located = match &cand {
                Candidate::Singular { guess, p } | Candidate::End { guess, p } => {
                    fam.singular(guess, *p, &lopts)
                }
                Candidate::ChaosOnset { guess, p } => fam.onset(guess, *p, &lopts),
                Candidate::Hopf { guess, p } => fam.hopf(guess, *p, &lopts),
            };
            let loc = match located {
                Ok(l) if l.convergence.converged => l,
                _ => {
                    // a probe of a branch end that finds no singular point is not a detection
                    report.dropped += usize::from(!probe);
                    continue;
                }
            };
            // the located point must belong to this bracket: within two step lengths of it
            let mut y: Vec<f64> = loc.x.clone();
            y.push(loc.param);
            let step = ya
                .iter()
                .zip(&yb)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f64, f64::max);
            let mid = interpolate(&ya, &yb, 0.5);
            let dist = y
                .iter()
                .zip(&mid)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f64, f64::max);
            if dist > 2.0 * step + 1e-6 {
                report.dropped += usize::from(!probe);
                continue;
            }
            if loc.param < lo - 1e-12 * (1.0 + lo.abs())
                || loc.param > hi + 1e-12 * (1.0 + hi.abs())
            {
                continue;
            }
            let kind = match &cand {
                Candidate::Singular { .. } | Candidate::End { .. } => match fam.classify(&loc) {
                    Ok(k) => k,
                    Err(_) => {
                        report.dropped += 1;
                        continue;
                    }
                },
                Candidate::ChaosOnset { .. } => ThresholdKind::ChaosOnset,
                Candidate::Hopf { .. } => ThresholdKind::Hopf,
            };
            let Ok(t) = fam.threshold(&loc, kind) else {
                report.dropped += 1;
                continue;
            };
            match found.iter_mut().find(|o| same_threshold(o, &t)) {
                Some(o) => o.detections += 1,
                None => found.push(t),
            }
        }
    }
    found.sort_by(|a, b| a.value.total_cmp(&b.value));
    report.thresholds = found;
    Ok(report)
}

/// Pure chaos of the chaotic family at `param`: κ = 0, Δ∞ = 0 and Δ₀ from the energy law alone
/// (Newton on the P energy rows in Δ₀, from Δ₀ = max(1.2 Δ_static, G_pp)). Returned only if the
/// *full* chaotic residual there is ≤ `tol` (i.e. κ = 0, Δ∞ = 0 solve the drive and force rows:
/// odd φ and symmetric statistics) and Δ₀ > 0 in some population.
fn pure_chaos_seed<F>(fam: &Family<F>, param: f64, delta: &[f64], tol: f64) -> Option<Vec<f64>>
where
    F: Fn(f64) -> Result<Model, TheoryError>,
{
    let (k, p) = (fam.k, fam.p);
    let member = fam.member(param).ok()?;
    let n = k + 2 * p;
    let full = |d0: &[f64]| -> Vec<f64> {
        let mut x = vec![0.0; n];
        x[k..k + p].copy_from_slice(d0);
        x
    };
    let eval = |d0: &[f64], out: &mut [f64]| -> Result<bool, TheoryError> {
        let mut f = vec![0.0; n];
        if !eval_f(fam, &full(d0), param, &mut f)? {
            return Ok(false);
        }
        out.copy_from_slice(&f[k..k + p]);
        Ok(true)
    };
    let jacobian = |y: &[f64], g: &[f64], jac: &mut DMatrix<f64>| -> Result<(), TheoryError> {
        let mut col = vec![0.0; p];
        for l in 0..p {
            if !directional(y, l, 1e-7 * y[l].abs().max(1.0), g, eval, &mut col)? {
                return Err(not_evaluable(param));
            }
            for i in 0..p {
                jac[(i, l)] = col[i];
            }
        }
        Ok(())
    };
    let start: Vec<f64> = (0..p)
        .map(|q| (1.2 * delta[q]).max(member.mf.coupling[(q, q)]))
        .collect();
    let lopts = LocateOptions {
        tol,
        max_iter: 60,
        ..Default::default()
    };
    let project = |d: &mut [f64]| d.iter_mut().for_each(|v| *v = v.max(0.0));
    // the "parameter" index of newton_extended only gates its step criterion: use Δ₀ of population 0
    let Extended {
        y: d0, convergence, ..
    } = newton_extended(&start, 0, eval, jacobian, project, &lopts).ok()?;
    let converged = convergence.converged;
    if !converged || max_abs(&d0) <= 1e-8 {
        return None;
    }
    let x = full(&d0);
    let mut f = vec![0.0; n];
    (eval_f(fam, &x, param, &mut f).ok()? && max_abs(&f) <= tol).then_some(x)
}

/// Same critical point (up to the κ → −κ mirror symmetry)?
fn same_threshold(a: &Threshold, b: &Threshold) -> bool {
    let close = |u: f64, w: f64, tol: f64| (u - w).abs() <= tol * (1.0 + u.abs());
    a.kind == b.kind
        && a.regime == b.regime
        && close(a.value, b.value, 1e-7)
        && a.state
            .kappa
            .iter()
            .zip(&b.state.kappa)
            .all(|(u, w)| close(u.abs(), w.abs(), 1e-5))
        && a.state
            .delta0
            .iter()
            .zip(&b.state.delta0)
            .all(|(u, w)| close(*u, *w, 1e-5))
        && a.state
            .delta_inf
            .iter()
            .zip(&b.state.delta_inf)
            .all(|(u, w)| close(*u, *w, 1e-5))
}

/// The operations of the driver on a static or chaotic family (object-safe).
trait FollowFamily {
    fn follow(
        &self,
        x0: &[f64],
        p0: f64,
        lo: f64,
        hi: f64,
        opts: &ThresholdOptions,
    ) -> (Vec<Branch>, usize);
    fn diag(&self, x: &[f64], p: f64) -> Result<Diagnostics, TheoryError>;
    fn singular(&self, x: &[f64], p: f64, o: &LocateOptions) -> Result<Located, TheoryError>;
    fn onset(&self, x: &[f64], p: f64, o: &LocateOptions) -> Result<Located, TheoryError>;
    fn hopf(&self, x: &[f64], p: f64, o: &LocateOptions) -> Result<Located, TheoryError>;
    fn classify(&self, loc: &Located) -> Result<ThresholdKind, TheoryError>;
    fn threshold(&self, loc: &Located, kind: ThresholdKind) -> Result<Threshold, TheoryError>;
}

impl<F: Fn(f64) -> Result<Model, TheoryError>> FollowFamily for Family<F> {
    fn follow(
        &self,
        x0: &[f64],
        p0: f64,
        lo: f64,
        hi: f64,
        opts: &ThresholdOptions,
    ) -> (Vec<Branch>, usize) {
        continue_both(self, x0, p0, lo, hi, opts)
    }

    fn diag(&self, x: &[f64], p: f64) -> Result<Diagnostics, TheoryError> {
        self.diagnostics(x, p)
    }

    /// The fold system; near κ = 0 (a symmetric state) also the symmetry-restricted pitchfork
    /// system ([`locate_pitchfork`]), which is regular where the full one is not.
    fn singular(&self, x: &[f64], p: f64, o: &LocateOptions) -> Result<Located, TheoryError> {
        let general = locate_singular_projected(self, x, p, o, |x| self.project(x));
        let (start_x, start_p) = match &general {
            Ok(l) if l.x.iter().all(|v| v.is_finite()) => (l.x.clone(), l.param),
            _ => (x.to_vec(), p),
        };
        let k = self.k;
        if k > 0 && max_abs(&start_x[..k]) <= 1e-3 * (1.0 + max_abs(&start_x)) {
            let mut xs = start_x.clone();
            xs[..k].iter_mut().for_each(|v| *v = 0.0);
            if let Ok(r) = locate_pitchfork(self, k, &xs, start_p, o, |x| self.project(x)) {
                if r.convergence.converged {
                    return Ok(r);
                }
            }
        }
        general
    }

    fn onset(&self, x: &[f64], p: f64, o: &LocateOptions) -> Result<Located, TheoryError> {
        let tau = |x: &[f64], p: f64| Ok(Some(self.diagnostics(x, p)?.radius - 1.0));
        locate_zero_projected(self, tau, x, p, o, |x| self.project(x))
    }

    fn hopf(&self, x: &[f64], p: f64, o: &LocateOptions) -> Result<Located, TheoryError> {
        let tau = |x: &[f64], p: f64| Ok(hopf_test(&self.diagnostics(x, p)?.eigen).map(|h| h.0));
        locate_zero_projected(self, tau, x, p, o, |x| self.project(x))
    }

    /// Fold if the left null vector w of J_x sees F_p (w·F_p ≠ 0), else a branch point; a
    /// pitchfork if moreover κ = 0 and the right null vector points along κ.
    fn classify(&self, loc: &Located) -> Result<ThresholdKind, TheoryError> {
        let n = loc.x.len();
        let p = loc.param;
        let mut j = DMatrix::zeros(n, n);
        if !jac_x(self, &loc.x, p, 1e-7, &mut j)? {
            return Err(not_evaluable(p));
        }
        let h = 1e-5 * p.abs().max(1.0);
        let (mut fp, mut fm) = (vec![0.0; n], vec![0.0; n]);
        let ok = eval_f(self, &loc.x, p + h, &mut fp)? && eval_f(self, &loc.x, p - h, &mut fm)?;
        if !ok {
            return Err(not_evaluable(p));
        }
        let f_p: Vec<f64> = fp
            .iter()
            .zip(&fm)
            .map(|(a, b)| (a - b) / (2.0 * h))
            .collect();
        let w = left_null_vector(&j).ok_or_else(|| TheoryError::NotConverged {
            what: "left null vector of J_x (SVD)".into(),
            convergence: Convergence::stopped(f64::INFINITY, 0, Termination::DecompositionFailed),
        })?;
        let norm = f_p.iter().map(|a| a * a).sum::<f64>().sqrt();
        let seen = w.iter().zip(&f_p).map(|(a, b)| a * b).sum::<f64>().abs();
        if norm > 1e-9 && seen > 1e-5 * norm {
            return Ok(ThresholdKind::Fold);
        }
        let k = self.k;
        let v = loc.null_vector.clone().unwrap_or_default();
        let vn = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        let vk = v[..k.min(v.len())]
            .iter()
            .map(|a| a * a)
            .sum::<f64>()
            .sqrt();
        let symmetric = max_abs(&loc.x[..k]) <= 1e-6 * (1.0 + max_abs(&loc.x));
        Ok(if symmetric && vn > 0.0 && vk >= 0.9 * vn {
            ThresholdKind::Pitchfork
        } else {
            ThresholdKind::BranchPoint
        })
    }

    fn threshold(&self, loc: &Located, kind: ThresholdKind) -> Result<Threshold, TheoryError> {
        let (k, p) = (self.k, self.p);
        let d = self.diagnostics(&loc.x, loc.param)?;
        let kappa = loc.x[..k].to_vec();
        let delta0 = loc.x[k..k + p].to_vec();
        let delta_inf = if self.chaotic() {
            loc.x[k + p..k + 2 * p].to_vec()
        } else {
            delta0.clone()
        };
        let frequency = if kind == ThresholdKind::Hopf {
            hopf_test(&d.eigen).map(|h| h.1)
        } else {
            None
        };
        let omega = self.member(loc.param)?.omega;
        Ok(Threshold {
            value: loc.param,
            kind,
            branch: branch_label(&kappa, &delta0).into(),
            regime: if self.chaotic() {
                "chaotic"
            } else {
                "stationary"
            }
            .into(),
            convergence: loc.convergence,
            error_estimate: loc.error_estimate,
            detections: 1,
            frequency,
            omega,
            state: ThresholdState {
                kappa,
                mu: d.mu,
                delta0,
                delta_inf,
                gain: d.gain,
                bulk_radius: d.radius,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pitchfork normal form x(p − 0.3 − x²) = 0: a branch point at p = 0.3 on x = 0.
    struct Pitchfork;
    impl ParamSystem for Pitchfork {
        fn dim(&self) -> usize {
            1
        }
        fn residual(&self, x: &[f64], p: f64, out: &mut [f64]) -> Result<(), TheoryError> {
            out[0] = x[0] * (p - 0.3 - x[0] * x[0]);
            Ok(())
        }
    }

    #[test]
    fn pitchfork_restricted_system_is_regular() {
        let o = LocateOptions::default();
        // Werner–Spence: on the symmetric subspace x = 0 the system is regular — quadratic
        // convergence from a start off the critical point, and the error estimate passes
        let l = locate_pitchfork(&Pitchfork, 1, &[0.0], 0.1, &o, |_| {}).unwrap();
        assert!(l.convergence.converged, "{l:?}");
        assert!((l.param - 0.3).abs() < 1e-12 && l.x[0] == 0.0, "{l:?}");
        assert!(l.convergence.iterations <= 6, "{l:?}");
    }

    #[test]
    fn no_singular_point_is_reported_as_unconverged() {
        // x + p = 0 has J = 1 everywhere: the singular system has no root
        struct Lin;
        impl ParamSystem for Lin {
            fn dim(&self) -> usize {
                1
            }
            fn residual(&self, x: &[f64], p: f64, out: &mut [f64]) -> Result<(), TheoryError> {
                out[0] = x[0] + p;
                Ok(())
            }
        }
        let l = locate_singular(&Lin, &[0.0], 0.0, &LocateOptions::default()).unwrap();
        assert!(!l.convergence.converged, "{l:?}");
    }

    #[test]
    fn hopf_test_picks_the_leading_complex_pair() {
        let e = [
            Eigenvalue { re: 2.0, im: 0.0 },
            Eigenvalue { re: 1.2, im: 0.5 },
            Eigenvalue { re: 1.2, im: -0.5 },
            Eigenvalue { re: 0.3, im: 0.9 },
        ];
        let (h, w) = hopf_test(&e).unwrap();
        assert!((h - 0.2).abs() < 1e-15 && (w - 0.5).abs() < 1e-15);
        assert!(hopf_test(&e[..1]).is_none());
    }
}
