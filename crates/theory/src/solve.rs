//! Newton-type root finding for the mean-field equations (docs/architecture.md §3).
//!
//! The split mirrors `argmin`: a [`System`] is the *problem* (a square residual F(x) = 0, e.g.
//! the static equations of docs/theory §1.6 in the unknowns κ ‖ Δ), [`LevenbergMarquardt`] is the
//! *solver* (an `argmin` [`Solver`]: Newton steps regularised by a Levenberg–Marquardt damping λ,
//! accepted only when they decrease ‖F‖, with optional Farrell deflation of known roots), and
//! [`solve`] / [`find_roots`] are the *drivers* (executor, multiple starts, deduplication).
//!
//! Every result is a [`Solution`] carrying a [`Convergence`] (`converged`, the max-norm `residual`,
//! `iterations` and the typed [`Termination`]); [`Solution::into_result`] turns an unconverged one into
//! [`TheoryError::NotConverged`]. Scalar bracketing root finding is [`crate::roots::brent`]
//! (argmin's `BrentRoot`).
//!
//! [`branches`] applies all this to the general model: [`branches::solve_all`] returns every static
//! and stationary chaotic solution as a [`branches::MeanFieldSolution`].
//!
//! No allocation happens per residual call: the solver owns its work buffers (residual, trial
//! point, Jacobian, finite-difference column) and calls [`System::residual`] in place.

#![allow(clippy::needless_range_loop)] // index loops mirror the equations (J_ij, M_kl)

pub mod branches;
pub mod disorder;
pub mod pinned;
pub mod scan;

use crate::convergence::{Convergence, Termination};
use crate::TheoryError;
use argmin::core::{
    Error as ArgminError, Executor, IterState, Problem, Solver, State, TerminationReason, KV,
};
use nalgebra::DMatrix;
use serde::Serialize;

/// A square nonlinear system F(x) = 0 (the *problem* of the argmin split).
///
/// Implementors provide the residual in place; the Jacobian ∂F/∂x is optional (finite differences
/// otherwise).
///
/// ```
/// use lowrank_theory::solve::{solve, NewtonOptions, System};
/// use lowrank_theory::TheoryError;
/// struct Circle;
/// impl System for Circle {
///     fn dim(&self) -> usize { 2 }
///     fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
///         out[0] = x[0] * x[0] + x[1] * x[1] - 1.0; // on the unit circle
///         out[1] = x[0] - x[1];                     // on the diagonal
///         Ok(())
///     }
/// }
/// let s = solve(&Circle, &[1.0, 0.2], &NewtonOptions::default())?.into_result("circle")?;
/// assert!((s.x[0] - 0.5f64.sqrt()).abs() < 1e-12 && s.convergence.converged);
/// # Ok::<(), TheoryError>(())
/// ```
pub trait System {
    /// Number of unknowns (= number of equations).
    fn dim(&self) -> usize;
    /// Writes F(x) into `out` (length [`System::dim`]).
    fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError>;
    /// Writes the analytic Jacobian ∂F_i/∂x_j into `jac` and returns `Ok(true)`, or returns
    /// `Ok(false)` (the default) to request forward finite differences.
    fn jacobian(&self, x: &[f64], jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
        let _ = (x, jac);
        Ok(false)
    }
    /// Whether `x` lies in the domain of the equations (e.g. variances ≥ 0). Trial steps outside
    /// it are rejected like steps that increase ‖F‖.
    fn admissible(&self, x: &[f64]) -> bool {
        x.iter().all(|v| v.is_finite())
    }
    /// An optional self-consistency map x ↦ T(x) whose fixed points are the roots of F (for the
    /// mean-field equations: new order parameters from the Gaussian averages at the old ones,
    /// docs/theory §4). Writes T(x) into `out` and returns `Ok(true)`, or `Ok(false)` (the default)
    /// if there is none. The solver uses it only to bring a far start into range (see
    /// [`NewtonOptions::fixed_point_steps`]).
    fn fixed_point(&self, x: &[f64], out: &mut [f64]) -> Result<bool, TheoryError> {
        let _ = (x, out);
        Ok(false)
    }
}

impl<S: System + ?Sized> System for &S {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
        (**self).residual(x, out)
    }
    fn jacobian(&self, x: &[f64], jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
        (**self).jacobian(x, jac)
    }
    fn admissible(&self, x: &[f64]) -> bool {
        (**self).admissible(x)
    }
    fn fixed_point(&self, x: &[f64], out: &mut [f64]) -> Result<bool, TheoryError> {
        (**self).fixed_point(x, out)
    }
}

/// A root-finding result: the order parameters `x` and the convergence report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Solution {
    /// The unknowns at the last iterate (packed as the [`System`] defines them).
    pub x: Vec<f64>,
    /// Whether max_i |F_i(x)| ≤ the tolerance; the residual is max_i |F_i(x)| of the
    /// *undeflated* system at `x`; the iterations are Newton iterations.
    #[serde(flatten)]
    pub convergence: Convergence,
}

impl Solution {
    /// `Ok(self)` if converged, otherwise [`TheoryError::NotConverged`] naming `what`.
    pub fn into_result(self, what: &str) -> Result<Solution, TheoryError> {
        if self.convergence.converged {
            Ok(self)
        } else {
            Err(TheoryError::NotConverged {
                what: what.to_string(),
                convergence: self.convergence,
            })
        }
    }
}

/// Options of the Newton / Levenberg–Marquardt solver.
#[derive(Clone, Debug, PartialEq)]
pub struct NewtonOptions {
    /// Convergence when max_i |F_i| ≤ `tol`.
    pub tol: f64,
    /// Maximum number of iterations.
    pub max_iter: usize,
    /// Relative forward-difference step h_j = `fd_step`·max(1, |x_j|).
    pub fd_step: f64,
    /// Initial Levenberg–Marquardt damping (relative to the largest diagonal of JᵀJ); 0 = Newton first.
    pub lambda0: f64,
    /// Maximum number of damping increases per iteration before giving up.
    pub max_rejections: usize,
    /// Largest allowed step in max-norm (trust radius); steps are scaled down to it.
    pub max_step: f64,
    /// Quasi-Newton: after the first Jacobian, update it by Broyden's rank-one formula instead of
    /// recomputing it (recomputed whenever no damping decreases ‖F‖). Saves n residual calls per
    /// iteration for finite-difference Jacobians of expensive systems.
    pub broyden: bool,
    /// Globalisation for far starts: before the first Newton step, apply the system's
    /// self-consistency map ([`System::fixed_point`]) up to this many times, each accepted only
    /// if it shrinks the (deflated) residual norm at least tenfold — so it acts only far from any
    /// root (e.g. the reference start (μ, Δ₀) = (50, 50) of docs/theory §4, where the saturated
    /// averages make Newton crawl along the domain boundary), never near one. 0 disables it.
    pub fixed_point_steps: usize,
}

impl Default for NewtonOptions {
    fn default() -> Self {
        NewtonOptions {
            tol: 1e-10,
            max_iter: 100,
            fd_step: 1e-7,
            lambda0: 0.0,
            max_rejections: 30,
            max_step: 10.0,
            broyden: false,
            fixed_point_steps: 4,
        }
    }
}

/// Farrell deflation of known roots x*_i: the solver works on
/// G(x) = F(x) · Π_i (‖x − x*_i‖^{−p} + σ), whose only roots are the roots of F other than x*_i.
#[derive(Clone, Debug, PartialEq)]
pub struct Deflation {
    /// Known roots x*_i.
    pub roots: Vec<Vec<f64>>,
    /// Power p (2 is standard).
    pub power: f64,
    /// Shift σ (1 keeps G ≈ F far from known roots).
    pub shift: f64,
    /// Per-coordinate scales used in the distance ‖(x − x*)/scale‖ (empty = all 1).
    pub scales: Vec<f64>,
}

impl Default for Deflation {
    fn default() -> Self {
        Deflation {
            roots: Vec::new(),
            power: 2.0,
            shift: 1.0,
            scales: Vec::new(),
        }
    }
}

impl Deflation {
    fn scale(&self, j: usize) -> f64 {
        self.scales.get(j).copied().unwrap_or(1.0)
    }

    /// Distance ‖(x − y)/scale‖₂.
    pub fn distance(&self, x: &[f64], y: &[f64]) -> f64 {
        x.iter()
            .zip(y)
            .enumerate()
            .map(|(j, (a, b))| ((a - b) / self.scale(j)).powi(2))
            .sum::<f64>()
            .sqrt()
    }

    /// Multiplier m(x) = Π_i (‖x − x*_i‖^{−p} + σ) and its gradient (written into `grad`).
    fn multiplier(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut m = 1.0;
        for r in &self.roots {
            let d = self.distance(x, r).max(1e-300);
            let dp = d.powf(-self.power);
            let factor = dp + self.shift;
            m *= factor;
            // ∂ log(factor)/∂x_j = −p d^{−p−2} (x_j − r_j)/s_j² / factor
            for (j, g) in grad.iter_mut().enumerate() {
                let s = self.scale(j);
                *g += -self.power * dp / (d * d) * (x[j] - r[j]) / (s * s) / factor;
            }
        }
        grad.iter_mut().for_each(|g| *g *= m);
        m
    }
}

/// Levenberg–Marquardt with Newton first (an `argmin` [`Solver`]).
///
/// Each iteration forms J (analytic via [`System::jacobian`] or forward differences), tries the
/// step δ solving (JᵀJ + λ·(diag JᵀJ + ε))δ = −JᵀF, starting from the current λ (0 ⇒ the pure
/// Newton step J δ = −F by LU), and accepts it only if it is admissible and decreases ‖G‖₂ (G = F,
/// or the deflated residual); otherwise λ grows ×10. Accepted steps shrink λ ×1/10. Converges when
/// max|F| ≤ `tol`; stops with `converged = false` when no damping decreases ‖G‖ or `max_iter` is hit.
pub struct LevenbergMarquardt {
    opts: NewtonOptions,
    deflation: Option<Deflation>,
    n: usize,
    lambda: f64,
    x: Vec<f64>,
    f: Vec<f64>,
    g: Vec<f64>,
    trial: Vec<f64>,
    ftrial: Vec<f64>,
    fcol: Vec<f64>,
    dgrad: Vec<f64>,
    jac: DMatrix<f64>,
    /// Row-major n×n work matrix and right-hand side of the linear step (no allocation per step).
    work: Vec<f64>,
    rhs: Vec<f64>,
    have_jac: bool,
    jac_fresh: bool,
    xold: Vec<f64>,
    gold: Vec<f64>,
    norm2: f64,
    fmax: f64,
    stop: Option<Termination>,
}

impl LevenbergMarquardt {
    /// A solver for an `n`-dimensional system, starting at `x0`.
    pub fn new(x0: &[f64], opts: NewtonOptions, deflation: Option<Deflation>) -> Self {
        let n = x0.len();
        LevenbergMarquardt {
            lambda: opts.lambda0,
            opts,
            deflation: deflation.filter(|d| !d.roots.is_empty()),
            n,
            x: x0.to_vec(),
            f: vec![0.0; n],
            g: vec![0.0; n],
            trial: vec![0.0; n],
            ftrial: vec![0.0; n],
            fcol: vec![0.0; n],
            dgrad: vec![0.0; n],
            jac: DMatrix::zeros(n, n),
            work: vec![0.0; n * n],
            rhs: vec![0.0; n],
            have_jac: false,
            jac_fresh: false,
            xold: vec![0.0; n],
            gold: vec![0.0; n],
            norm2: f64::INFINITY,
            fmax: f64::INFINITY,
            stop: None,
        }
    }

    /// Deflated residual G = m F at `x` from F (in place), returns m.
    fn deflate(&mut self, use_trial: bool) -> f64 {
        let Some(d) = &self.deflation else {
            if !use_trial {
                self.g.copy_from_slice(&self.f);
            }
            return 1.0;
        };
        let (x, f) = if use_trial {
            (&self.trial, &self.ftrial)
        } else {
            (&self.x, &self.f)
        };
        let m = d.multiplier(x, &mut self.dgrad);
        if !use_trial {
            for (g, fi) in self.g.iter_mut().zip(f) {
                *g = m * fi;
            }
        }
        m
    }

    fn eval<S: System>(
        problem: &mut Problem<S>,
        x: &[f64],
        out: &mut [f64],
    ) -> Result<bool, ArgminError> {
        let r = problem.problem("residual_count", |s| {
            if !s.admissible(x) {
                return Ok(Err(()));
            }
            match s.residual(x, out) {
                Ok(()) => Ok(Ok(())),
                Err(TheoryError::Gauss(_)) | Err(TheoryError::InvalidParameter { .. }) => {
                    Ok(Err(()))
                }
                Err(e) => Err(ArgminError::new(e)),
            }
        })?;
        Ok(r.is_ok() && out.iter().all(|v| v.is_finite()))
    }

    fn jacobian<S: System>(&mut self, problem: &mut Problem<S>) -> Result<(), ArgminError> {
        let analytic = problem.problem("jacobian_count", |s| {
            s.jacobian(&self.x, &mut self.jac).map_err(ArgminError::new)
        })?;
        if !analytic {
            for j in 0..self.n {
                let h = self.opts.fd_step * self.x[j].abs().max(1.0);
                self.trial.copy_from_slice(&self.x);
                // step away from the domain boundary if the forward point is inadmissible
                let mut step = h;
                self.trial[j] = self.x[j] + step;
                let mut ok = Self::eval(problem, &self.trial, &mut self.fcol)?;
                if !ok {
                    step = -h;
                    self.trial[j] = self.x[j] + step;
                    ok = Self::eval(problem, &self.trial, &mut self.fcol)?;
                }
                if !ok {
                    return Err(ArgminError::new(TheoryError::InvalidParameter {
                        name: format!("x[{j}]"),
                        value: self.x[j],
                        reason: "finite-difference Jacobian: both neighbours outside the domain"
                            .into(),
                    }));
                }
                for i in 0..self.n {
                    self.jac[(i, j)] = (self.fcol[i] - self.f[i]) / step;
                }
            }
        }
        // deflated Jacobian: ∂(mF)/∂x = m J + F ∇mᵀ
        if let Some(d) = &self.deflation {
            let m = d.multiplier(&self.x, &mut self.dgrad);
            for j in 0..self.n {
                for i in 0..self.n {
                    self.jac[(i, j)] = m * self.jac[(i, j)] + self.f[i] * self.dgrad[j];
                }
            }
        }
        Ok(())
    }

    fn norm2(v: &[f64]) -> f64 {
        v.iter().map(|a| a * a).sum()
    }

    fn max_abs(v: &[f64]) -> f64 {
        v.iter().fold(0.0f64, |a, b| a.max(b.abs()))
    }

    /// Step δ for damping λ into `self.trial` (as x + δ); false if the linear solve fails.
    ///
    /// λ = 0: J δ = −G; else (JᵀJ + λ(diag JᵀJ + 10⁻¹²·max diag))δ = −JᵀG; both by Gaussian
    /// elimination with partial pivoting in the preallocated work matrix.
    fn step(&mut self, lambda: f64) -> bool {
        let n = self.n;
        let (work, rhs, jac) = (&mut self.work, &mut self.rhs, &self.jac);
        if lambda == 0.0 {
            for i in 0..n {
                for j in 0..n {
                    work[i * n + j] = jac[(i, j)];
                }
                rhs[i] = -self.g[i];
            }
        } else {
            for i in 0..n {
                for j in 0..n {
                    work[i * n + j] = (0..n).map(|r| jac[(r, i)] * jac[(r, j)]).sum();
                }
                rhs[i] = -(0..n).map(|r| jac[(r, i)] * self.g[r]).sum::<f64>();
            }
            let dmax = (0..n)
                .map(|i| work[i * n + i])
                .fold(0.0f64, f64::max)
                .max(1e-300);
            for i in 0..n {
                work[i * n + i] += lambda * (work[i * n + i] + 1e-12 * dmax);
            }
        }
        if !solve_in_place(work, rhs, n) {
            return false;
        }
        let dn = rhs.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        if !dn.is_finite() {
            return false;
        }
        let scale = if dn > self.opts.max_step {
            self.opts.max_step / dn
        } else {
            1.0
        };
        for i in 0..n {
            self.trial[i] = self.x[i] + scale * rhs[i];
        }
        true
    }

    /// Far-start globalisation ([`NewtonOptions::fixed_point_steps`]): x ← T(x) while that
    /// shrinks ‖G‖₂ at least tenfold.
    fn fixed_point_steps<S: System>(
        &mut self,
        problem: &mut Problem<S>,
    ) -> Result<(), ArgminError> {
        for _ in 0..self.opts.fixed_point_steps {
            let mut trial = std::mem::take(&mut self.trial);
            let x = &self.x;
            let has = problem.problem("fixed_point_count", |s| {
                Ok(s.fixed_point(x, &mut trial).unwrap_or(false))
            })?;
            let ok = has && Self::eval(problem, &trial, &mut self.ftrial)?;
            self.trial = trial;
            if !ok {
                return Ok(());
            }
            let m = self.deflate(true);
            let n2: f64 = self.ftrial.iter().map(|f| (m * f).powi(2)).sum();
            if !(n2.is_finite() && n2 <= 1e-2 * self.norm2) {
                return Ok(());
            }
            std::mem::swap(&mut self.x, &mut self.trial);
            std::mem::swap(&mut self.f, &mut self.ftrial);
            self.deflate(false);
            self.norm2 = Self::norm2(&self.g);
            self.fmax = Self::max_abs(&self.f);
        }
        Ok(())
    }
}

/// Solves A y = b for the row-major n×n `a` in place (y overwrites `b`) by Gaussian elimination
/// with partial pivoting; false if a pivot is 0 or not finite (singular system).
fn solve_in_place(a: &mut [f64], b: &mut [f64], n: usize) -> bool {
    for c in 0..n {
        let (mut piv, mut best) = (c, a[c * n + c].abs());
        for r in c + 1..n {
            let v = a[r * n + c].abs();
            if v > best {
                (piv, best) = (r, v);
            }
        }
        if best == 0.0 || !best.is_finite() {
            return false;
        }
        if piv != c {
            for j in 0..n {
                a.swap(c * n + j, piv * n + j);
            }
            b.swap(c, piv);
        }
        let d = a[c * n + c];
        for r in c + 1..n {
            let f = a[r * n + c] / d;
            if f != 0.0 {
                for j in c + 1..n {
                    a[r * n + j] -= f * a[c * n + j];
                }
                b[r] -= f * b[c];
            }
        }
    }
    for c in (0..n).rev() {
        let mut acc = b[c];
        for j in c + 1..n {
            acc -= a[c * n + j] * b[j];
        }
        b[c] = acc / a[c * n + c];
    }
    true
}

impl LevenbergMarquardt {
    /// Tries damped steps with growing λ; on success x, f, g are updated (old values kept in
    /// xold, gold) and the accepted λ is returned.
    fn try_steps<S: System>(
        &mut self,
        problem: &mut Problem<S>,
    ) -> Result<Option<f64>, ArgminError> {
        let mut lambda = self.lambda;
        for _ in 0..=self.opts.max_rejections {
            if self.step(lambda) {
                let trial = std::mem::take(&mut self.trial);
                let ok = Self::eval(problem, &trial, &mut self.ftrial)?;
                self.trial = trial;
                if ok {
                    let m = self.deflate(true);
                    let n2: f64 = self.ftrial.iter().map(|f| (m * f).powi(2)).sum();
                    if n2.is_finite() && n2 < self.norm2 {
                        self.xold.copy_from_slice(&self.x);
                        self.gold.copy_from_slice(&self.g);
                        std::mem::swap(&mut self.x, &mut self.trial);
                        std::mem::swap(&mut self.f, &mut self.ftrial);
                        self.deflate(false);
                        self.norm2 = Self::norm2(&self.g);
                        self.fmax = Self::max_abs(&self.f);
                        return Ok(Some(lambda));
                    }
                }
            }
            lambda = if lambda == 0.0 { 1e-6 } else { lambda * 10.0 };
        }
        Ok(None)
    }
}

type LmState = IterState<Vec<f64>, (), (), (), (), f64>;

impl<S: System> Solver<S, LmState> for LevenbergMarquardt {
    fn name(&self) -> &str {
        "Levenberg-Marquardt (Newton first, deflated)"
    }

    fn init(
        &mut self,
        problem: &mut Problem<S>,
        state: LmState,
    ) -> Result<(LmState, Option<KV>), ArgminError> {
        let x = self.x.clone();
        let ok = Self::eval(problem, &x, &mut self.f)?;
        if !ok {
            return Err(ArgminError::new(StartOutsideDomain));
        }
        self.deflate(false);
        self.norm2 = Self::norm2(&self.g);
        self.fmax = Self::max_abs(&self.f);
        if self.fmax > self.opts.tol {
            self.fixed_point_steps(problem)?;
        }
        Ok((state.param(self.x.clone()).cost(self.fmax), None))
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<S>,
        state: LmState,
    ) -> Result<(LmState, Option<KV>), ArgminError> {
        if self.fmax <= self.opts.tol {
            return Ok((
                state.terminate_with(TerminationReason::SolverConverged),
                None,
            ));
        }
        if !self.have_jac || !self.opts.broyden {
            self.jacobian(problem)?;
            self.have_jac = true;
            self.jac_fresh = true;
        }
        let mut result = self.try_steps(problem)?;
        if result.is_none() && !self.jac_fresh {
            // the quasi-Newton Jacobian went stale: recompute and retry
            self.jacobian(problem)?;
            self.jac_fresh = true;
            result = self.try_steps(problem)?;
        }
        let Some(lambda) = result else {
            self.stop = Some(Termination::NoDecrease);
            return Ok((
                state.terminate_with(TerminationReason::SolverExit(
                    Termination::NoDecrease.to_string(),
                )),
                None,
            ));
        };
        if self.opts.broyden {
            // J ← J + (Δg − J δ) δᵀ / δᵀδ
            let n = self.n;
            let delta = &mut self.fcol;
            for i in 0..n {
                delta[i] = self.x[i] - self.xold[i];
            }
            let dd: f64 = delta.iter().map(|d| d * d).sum();
            if dd > 0.0 {
                for i in 0..n {
                    let jd: f64 = (0..n).map(|j| self.jac[(i, j)] * delta[j]).sum();
                    let u = (self.g[i] - self.gold[i] - jd) / dd;
                    for j in 0..n {
                        self.jac[(i, j)] += u * delta[j];
                    }
                }
            }
            self.jac_fresh = false;
        }
        self.lambda = if lambda <= 1e-6 { 0.0 } else { lambda / 10.0 };
        let st = state.param(self.x.clone()).cost(self.fmax);
        if self.fmax <= self.opts.tol {
            return Ok((st.terminate_with(TerminationReason::SolverConverged), None));
        }
        Ok((st, None))
    }
}

/// Solves F(x) = 0 from `x0` by [`LevenbergMarquardt`] (no deflation). Never panics; inspect
/// `converged` or call [`Solution::into_result`].
///
/// # Errors
/// Only an error of the system itself that is not "outside the domain" (a Gaussian-integral or
/// invalid-parameter error of a trial point is a rejected step): e.g.
/// [`TheoryError::Interrupted`]. A run that stops short of the tolerance is an `Ok` [`Solution`]
/// whose [`Convergence`] says why.
pub fn solve<S: System>(
    system: S,
    x0: &[f64],
    opts: &NewtonOptions,
) -> Result<Solution, TheoryError> {
    solve_deflated(system, x0, opts, None)
}

/// The residual is undefined at the start: the solver's marker error, read back by
/// [`solve_deflated`] as [`Termination::StartOutsideDomain`].
#[derive(Debug)]
struct StartOutsideDomain;

impl std::fmt::Display for StartOutsideDomain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("residual undefined at the start")
    }
}

impl std::error::Error for StartOutsideDomain {}

/// Like [`solve`], with Farrell deflation of the roots in `deflation`.
///
/// # Errors
/// As [`solve`].
pub fn solve_deflated<S: System>(
    system: S,
    x0: &[f64],
    opts: &NewtonOptions,
    deflation: Option<&Deflation>,
) -> Result<Solution, TheoryError> {
    let n = system.dim();
    if x0.len() != n {
        return Ok(Solution {
            x: x0.to_vec(),
            convergence: Convergence::stopped(f64::INFINITY, 0, Termination::WrongDimension),
        });
    }
    let solver = LevenbergMarquardt::new(x0, opts.clone(), deflation.cloned());
    let run = Executor::new(system, solver)
        .configure(|s| s.max_iters(opts.max_iter as u64))
        .timer(false)
        .run();
    match run {
        Ok(res) => {
            let state = res.state();
            let lm = &res.solver;
            let finite = lm.fmax.is_finite() && lm.x.iter().all(|v| v.is_finite());
            let termination = if !finite {
                Termination::NonFinite
            } else if lm.fmax <= opts.tol {
                Termination::Converged
            } else if let Some(stop) = lm.stop {
                stop
            } else {
                // the only other way out of the executor is its iteration cap
                Termination::MaxIterations
            };
            Ok(Solution {
                x: lm.x.clone(),
                convergence: Convergence::stopped(lm.fmax, state.get_iter() as usize, termination),
            })
        }
        Err(e) if e.is::<StartOutsideDomain>() => Ok(Solution {
            x: x0.to_vec(),
            convergence: Convergence::stopped(f64::INFINITY, 0, Termination::StartOutsideDomain),
        }),
        // an error of the system itself (not a step outside the domain): the caller's to see
        Err(e) => Err(match e.downcast::<TheoryError>() {
            Ok(theory) => theory,
            Err(other) => TheoryError::NotConverged {
                what: format!("Newton solver ({other})"),
                convergence: Convergence::stopped(f64::INFINITY, 0, Termination::SolverFailure),
            },
        }),
    }
}

/// Options of [`find_roots`].
#[derive(Clone, Debug, PartialEq)]
pub struct RootSearch {
    /// Newton options for each run.
    pub newton: NewtonOptions,
    /// Deflation power p and shift σ (roots are filled in as they are found).
    pub deflation: Deflation,
    /// Two roots are the same when their scaled distance is below this.
    pub same_root: f64,
    /// How many deflated restarts from one start point (each may find one new root).
    pub max_per_start: usize,
}

impl Default for RootSearch {
    fn default() -> Self {
        RootSearch {
            newton: NewtonOptions::default(),
            deflation: Deflation::default(),
            same_root: 1e-6,
            max_per_start: 3,
        }
    }
}

/// All distinct roots reachable from `starts`: from each start, solve repeatedly with every root
/// found so far deflated, until a run fails or `max_per_start` is reached. Unconverged runs are
/// discarded (only converged roots are returned), in order of discovery.
///
/// ```
/// use lowrank_theory::solve::{find_roots, RootSearch, System};
/// use lowrank_theory::TheoryError;
/// struct Cubic; // x³ − x = 0: roots −1, 0, 1
/// impl System for Cubic {
///     fn dim(&self) -> usize { 1 }
///     fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
///         out[0] = x[0] * x[0] * x[0] - x[0];
///         Ok(())
///     }
/// }
/// let roots = find_roots(&Cubic, &[vec![2.0]], &RootSearch::default()).unwrap();
/// assert_eq!(roots.len(), 3);
/// ```
///
/// # Errors
/// An error of the system itself, as [`solve`].
pub fn find_roots<S: System>(
    system: S,
    starts: &[Vec<f64>],
    search: &RootSearch,
) -> Result<Vec<Solution>, TheoryError> {
    let mut defl = search.deflation.clone();
    defl.roots.clear();
    let mut found: Vec<Solution> = Vec::new();
    for start in starts {
        for _ in 0..search.max_per_start.max(1) {
            let s = solve_deflated(&system, start, &search.newton, Some(&defl))?;
            if !s.convergence.converged {
                break;
            }
            if defl
                .roots
                .iter()
                .any(|r| defl.distance(r, &s.x) < search.same_root)
            {
                break;
            }
            // polish on the undeflated system (deflation slows the final quadratic phase)
            let mut polished = solve(&system, &s.x, &search.newton)?;
            let s = if polished.convergence.converged && defl.distance(&polished.x, &s.x) < 1e-3 {
                polished.convergence.iterations += s.convergence.iterations;
                polished
            } else {
                s
            };
            if defl
                .roots
                .iter()
                .any(|r| defl.distance(r, &s.x) < search.same_root)
            {
                break;
            }
            defl.roots.push(s.x.clone());
            found.push(s);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rosen;
    impl System for Rosen {
        fn dim(&self) -> usize {
            2
        }
        fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
            out[0] = 10.0 * (x[1] - x[0] * x[0]);
            out[1] = 1.0 - x[0];
            Ok(())
        }
    }

    #[test]
    fn rosenbrock_residual_converges_quadratically() {
        let s = solve(Rosen, &[-1.2, 1.0], &NewtonOptions::default()).unwrap();
        assert!(s.convergence.converged, "{s:?}");
        assert_eq!(s.convergence.termination, Termination::Converged);
        assert!((s.x[0] - 1.0).abs() < 1e-10 && (s.x[1] - 1.0).abs() < 1e-10);
        assert!(s.convergence.iterations < 40, "{s:?}");
    }

    struct NoRoot;
    impl System for NoRoot {
        fn dim(&self) -> usize {
            1
        }
        fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
            out[0] = x[0] * x[0] + 1.0;
            Ok(())
        }
    }

    #[test]
    fn no_root_is_reported_not_converged() {
        let s = solve(NoRoot, &[0.3], &NewtonOptions::default()).unwrap();
        assert!(!s.convergence.converged);
        assert_eq!(s.convergence.termination, Termination::NoDecrease);
        assert!(s.convergence.residual >= 1.0 - 1e-12);
        match s.into_result("x²+1") {
            Err(TheoryError::NotConverged { what, convergence }) => {
                assert_eq!(what, "x²+1");
                assert_eq!(convergence.termination, Termination::NoDecrease);
            }
            other => panic!("expected NotConverged, got {other:?}"),
        }
    }

    /// x − 3 = 0 on the domain x < 0 (no root there), started outside the domain.
    struct Negative;
    impl System for Negative {
        fn dim(&self) -> usize {
            1
        }
        fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
            out[0] = x[0] - 3.0;
            Ok(())
        }
        fn admissible(&self, x: &[f64]) -> bool {
            x[0] < 0.0
        }
    }

    #[test]
    fn start_outside_the_domain_and_wrong_dimension_are_typed_terminations() {
        let s = solve(Negative, &[1.0], &NewtonOptions::default()).unwrap();
        assert_eq!(
            s.convergence.termination,
            Termination::StartOutsideDomain,
            "{s:?}"
        );
        assert!(!s.convergence.converged && s.convergence.iterations == 0);
        let s = solve(Negative, &[1.0, 2.0], &NewtonOptions::default()).unwrap();
        assert_eq!(s.convergence.termination, Termination::WrongDimension);
        let s = solve(
            Rosen,
            &[-1.2, 1.0],
            &NewtonOptions {
                max_iter: 2,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            s.convergence.termination,
            Termination::MaxIterations,
            "{s:?}"
        );
    }

    /// A residual that fails for a reason other than the domain (here: a stop request).
    struct Stopped;
    impl System for Stopped {
        fn dim(&self) -> usize {
            1
        }
        fn residual(&self, _: &[f64], _: &mut [f64]) -> Result<(), TheoryError> {
            Err(TheoryError::Interrupted {
                what: "test".into(),
                step: 7,
            })
        }
    }

    #[test]
    fn an_error_of_the_system_reaches_the_caller() {
        // previously such errors were folded into "did not converge"
        match solve(Stopped, &[0.0], &NewtonOptions::default()) {
            Err(TheoryError::Interrupted { step: 7, .. }) => {}
            other => panic!("expected the system's own error, got {other:?}"),
        }
    }

    #[test]
    fn the_report_is_flattened_into_the_json() {
        let s = solve(Rosen, &[-1.2, 1.0], &NewtonOptions::default()).unwrap();
        let v = serde_json::to_value(&s).unwrap();
        let obj = v.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["converged", "iterations", "residual", "termination", "x"]
        );
        assert_eq!(obj["termination"], "converged");
        assert_eq!(obj["iterations"], s.convergence.iterations);
    }

    /// Two circles meet in two points; deflation must find both from one start.
    struct TwoCircles;
    impl System for TwoCircles {
        fn dim(&self) -> usize {
            2
        }
        fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
            out[0] = x[0] * x[0] + x[1] * x[1] - 4.0;
            out[1] = (x[0] - 1.0).powi(2) + x[1] * x[1] - 4.0;
            Ok(())
        }
    }

    #[test]
    fn deflation_finds_both_intersections() {
        let roots = find_roots(TwoCircles, &[vec![0.4, 1.0]], &RootSearch::default()).unwrap();
        assert_eq!(roots.len(), 2, "{roots:?}");
        let y = (4.0f64 - 0.25).sqrt();
        let mut ys: Vec<f64> = roots.iter().map(|r| r.x[1]).collect();
        ys.sort_by(f64::total_cmp);
        assert!((ys[0] + y).abs() < 1e-9 && (ys[1] - y).abs() < 1e-9);
        assert!(roots.iter().all(|r| (r.x[0] - 0.5).abs() < 1e-9));
    }

    /// Domain restriction: sqrt(x) − 2 = 0 from a start where the full Newton step overshoots
    /// below 0 must be damped back into the domain.
    struct Sqrt;
    impl System for Sqrt {
        fn dim(&self) -> usize {
            1
        }
        fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
            out[0] = x[0].sqrt() - 2.0;
            Ok(())
        }
        fn admissible(&self, x: &[f64]) -> bool {
            x[0] >= 0.0
        }
        fn jacobian(&self, x: &[f64], jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
            jac[(0, 0)] = 0.5 / x[0].sqrt();
            Ok(true)
        }
    }

    #[test]
    fn inadmissible_steps_are_rejected() {
        let s = solve(
            Sqrt,
            &[100.0],
            &NewtonOptions {
                max_step: 1e3,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(s.convergence.converged, "{s:?}");
        assert!((s.x[0] - 4.0).abs() < 1e-9);
    }
}
