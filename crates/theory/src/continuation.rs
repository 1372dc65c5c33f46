//! Pseudo-arclength continuation of a solution branch in one parameter (docs/architecture.md §3).
//!
//! A [`ParamSystem`] is F(x, p) = 0 with x ∈ ℝⁿ (order parameters, e.g. κ ‖ Δ of docs/theory §1.6)
//! and a scalar parameter p (any scalar of the model: g, M_m, Σ_nI, the input amplitude c, ...).
//! [`continue_branch`] follows the curve y(s) = (x(s), p(s)) by arclength s:
//!
//! - tangent t: the null vector of [J_x | J_p], oriented like the previous tangent;
//! - predictor y₀ + h t; corrector: Newton on {F(y) = 0, t·(y − y₀) = h} (so folds are passed);
//! - step control: h grows ×1.5 after fast corrections, halves on failure, within [h_min, h_max];
//! - events, each refined by a scalar root find (Brent, [`crate::roots::brent`]) in arclength:
//!   **fold** (saddle-node: the p-component of t changes sign), **branch point** (pitchfork or
//!   transcritical: det J_x changes sign without a fold), and a user **monitor** g(x, p) crossing
//!   zero (e.g. the bulk radius r − 1 = 0, the chaos boundary of §1.9).
//!
//! [`ModelFamily`] turns a closure `Fn(f64) -> Model` (any scalar of the model, e.g. a `--set`
//! key path) into a [`ParamSystem`] for the static or chaotic equations.

#![allow(clippy::needless_range_loop)] // index loops mirror the equations (J_ij, M_kl)

use crate::convergence::{Convergence, Termination};
use crate::meanfield::MeanField;
use crate::roots::brent;
use crate::solve::branches::{ChaoticSystem, StaticSystem};
use crate::solve::{solve, NewtonOptions, Solution, System};
use crate::TheoryError;
use lowrank_gauss::Gauss;
use lowrank_model::Model;
use nalgebra::{DMatrix, DVector};
use serde::Serialize;
use std::cell::RefCell;

/// A parametrised square system F(x, p) = 0.
pub trait ParamSystem {
    /// Number of unknowns n (= number of equations).
    fn dim(&self) -> usize;
    /// Writes F(x, p) into `out`.
    fn residual(&self, x: &[f64], p: f64, out: &mut [f64]) -> Result<(), TheoryError>;
    /// Analytic ∂F/∂x at (x, p) into `jac`, `Ok(false)` for finite differences (the default).
    fn jacobian_x(&self, x: &[f64], p: f64, jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
        let _ = (x, p, jac);
        Ok(false)
    }
    /// Domain of x (e.g. variances ≥ 0).
    fn admissible(&self, x: &[f64]) -> bool {
        x.iter().all(|v| v.is_finite())
    }
}

impl<S: ParamSystem + ?Sized> ParamSystem for &S {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn residual(&self, x: &[f64], p: f64, out: &mut [f64]) -> Result<(), TheoryError> {
        (**self).residual(x, p, out)
    }
    fn jacobian_x(&self, x: &[f64], p: f64, jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
        (**self).jacobian_x(x, p, jac)
    }
    fn admissible(&self, x: &[f64]) -> bool {
        (**self).admissible(x)
    }
}

/// The system x ↦ F(x, p) at a fixed parameter, as a [`System`] for [`crate::solve`].
pub struct AtParam<'a, S: ?Sized> {
    /// The parametrised system.
    pub system: &'a S,
    /// The fixed parameter value.
    pub param: f64,
}

impl<S: ParamSystem + ?Sized> System for AtParam<'_, S> {
    fn dim(&self) -> usize {
        self.system.dim()
    }
    fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
        self.system.residual(x, self.param, out)
    }
    fn jacobian(&self, x: &[f64], jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
        self.system.jacobian_x(x, self.param, jac)
    }
    fn admissible(&self, x: &[f64]) -> bool {
        self.system.admissible(x)
    }
}

/// Options of [`continue_branch`].
#[derive(Clone, Debug, PartialEq)]
pub struct ContinuationOptions {
    /// Parameter interval; continuation stops when p leaves it (the last point is clipped to it).
    pub p_min: f64,
    /// Upper end of the parameter interval.
    pub p_max: f64,
    /// Initial direction of the parameter: +1 or −1.
    pub direction: f64,
    /// Initial arclength step.
    pub h0: f64,
    /// Smallest step before giving up.
    pub h_min: f64,
    /// Largest step.
    pub h_max: f64,
    /// Maximum number of continuation steps.
    pub max_steps: usize,
    /// Corrector tolerance on max|F| and its iteration cap.
    pub tol: f64,
    /// Corrector iterations allowed per step.
    pub max_corrector: usize,
    /// Relative finite-difference step for J_x (when not analytic) and J_p.
    pub fd_step: f64,
    /// Refine fold / branch-point / monitor events by a root find in arclength.
    pub refine_events: bool,
}

impl Default for ContinuationOptions {
    fn default() -> Self {
        ContinuationOptions {
            p_min: f64::NEG_INFINITY,
            p_max: f64::INFINITY,
            direction: 1.0,
            h0: 0.02,
            h_min: 1e-8,
            h_max: 0.2,
            max_steps: 2000,
            tol: 1e-10,
            max_corrector: 12,
            fd_step: 1e-7,
            refine_events: true,
        }
    }
}

/// One converged point of a branch.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BranchPoint {
    /// Parameter value p.
    pub param: f64,
    /// Unknowns x at p.
    pub x: Vec<f64>,
    /// Unit tangent (x-part then p-part) of the branch at this point.
    pub tangent: Vec<f64>,
    /// Sign of det J_x (−1, 0, +1).
    pub det_sign: f64,
    /// Value of the monitor function (NaN if none).
    pub monitor: f64,
    /// The corrector's report at the point: max|F|, corrector iterations (a point is kept only
    /// when its corrector converged, so `converged` is always true here).
    #[serde(flatten)]
    pub convergence: Convergence,
}

/// Kind of a detected event along a branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Saddle-node (fold): the parameter component of the tangent changes sign.
    Fold,
    /// Branch point (pitchfork / transcritical): det J_x changes sign without a fold.
    BranchPoint,
    /// The user monitor g(x, p) crosses zero (e.g. bulk radius r = 1: onset of chaos).
    Monitor,
}

/// A detected event, refined to the tolerance of the scalar root find when possible.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// Parameter value at the event.
    pub param: f64,
    /// Unknowns at the event.
    pub x: Vec<f64>,
    /// Whether the location was refined by a converged root find (else: linear interpolation).
    pub refined: bool,
}

/// A continued branch: its points in arclength order, detected events and why it stopped.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Branch {
    /// Converged points, first = the start.
    pub points: Vec<BranchPoint>,
    /// Folds, branch points and monitor crossings, in order along the branch.
    pub events: Vec<Event>,
    /// Why continuation stopped: [`Termination::LeftInterval`] or [`Termination::StepCap`] for
    /// a complete branch, [`Termination::StepBelowMinimum`] (the corrector failed down to
    /// `h_min`) or [`Termination::SingularJacobian`] for an incomplete one.
    pub termination: Termination,
    /// Whether the branch reached the end of the parameter interval (or the step cap) without failure.
    pub complete: bool,
}

/// Work buffers of the continuation (no allocation per residual call).
struct Work {
    n: usize,
    f: Vec<f64>,
    fcol: Vec<f64>,
    y: Vec<f64>,
    jx: DMatrix<f64>,
    jp: Vec<f64>,
}

impl Work {
    fn new(n: usize) -> Self {
        Work {
            n,
            f: vec![0.0; n],
            fcol: vec![0.0; n],
            y: vec![0.0; n + 1],
            jx: DMatrix::zeros(n, n),
            jp: vec![0.0; n],
        }
    }

    /// F at y = (x, p) into self.f; false if outside the domain / integral error.
    fn eval<S: ParamSystem + ?Sized>(&mut self, sys: &S, y: &[f64]) -> Result<bool, TheoryError> {
        let n = self.n;
        if !sys.admissible(&y[..n]) || !y[n].is_finite() {
            return Ok(false);
        }
        match sys.residual(&y[..n], y[n], &mut self.f) {
            Ok(()) => Ok(self.f.iter().all(|v| v.is_finite())),
            Err(TheoryError::Gauss(_)) | Err(TheoryError::InvalidParameter { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// J_x and J_p at y (self.f must hold F(y)).
    fn jacobians<S: ParamSystem + ?Sized>(
        &mut self,
        sys: &S,
        y: &[f64],
        fd: f64,
    ) -> Result<(), TheoryError> {
        let n = self.n;
        let analytic = sys.jacobian_x(&y[..n], y[n], &mut self.jx)?;
        let f0 = self.f.clone();
        let cols: Vec<usize> = if analytic { vec![n] } else { (0..=n).collect() };
        for j in cols {
            self.y.copy_from_slice(y);
            let h = fd * y[j].abs().max(1.0);
            let mut step = h;
            self.y[j] = y[j] + step;
            let mut ok = self.eval_into_col(sys)?;
            if !ok {
                step = -h;
                self.y[j] = y[j] + step;
                ok = self.eval_into_col(sys)?;
            }
            if !ok {
                return Err(TheoryError::InvalidParameter {
                    name: if j == n {
                        "continuation parameter".into()
                    } else {
                        format!("x[{j}]")
                    },
                    value: y[j],
                    reason: "finite-difference Jacobian: both neighbours outside the domain".into(),
                });
            }
            for i in 0..n {
                let d = (self.fcol[i] - f0[i]) / step;
                if j == n {
                    self.jp[i] = d;
                } else {
                    self.jx[(i, j)] = d;
                }
            }
        }
        self.f.copy_from_slice(&f0);
        Ok(())
    }

    fn eval_into_col<S: ParamSystem + ?Sized>(&mut self, sys: &S) -> Result<bool, TheoryError> {
        let n = self.n;
        if !sys.admissible(&self.y[..n]) {
            return Ok(false);
        }
        match sys.residual(&self.y[..n], self.y[n], &mut self.fcol) {
            Ok(()) => Ok(self.fcol.iter().all(|v| v.is_finite())),
            Err(TheoryError::Gauss(_)) | Err(TheoryError::InvalidParameter { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Unit tangent of [J_x | J_p] oriented along `prev` (needs jacobians at the point).
    fn tangent(&self, prev: &[f64]) -> Option<Vec<f64>> {
        let n = self.n;
        let mut a = DMatrix::zeros(n + 1, n + 1);
        for i in 0..n {
            for j in 0..n {
                a[(i, j)] = self.jx[(i, j)];
            }
            a[(i, n)] = self.jp[i];
        }
        for j in 0..=n {
            a[(n, j)] = prev[j];
        }
        let mut rhs = DVector::zeros(n + 1);
        rhs[n] = 1.0;
        let t = a.lu().solve(&rhs)?;
        let norm = t.norm();
        if !norm.is_finite() || norm == 0.0 {
            return None;
        }
        Some(t.iter().map(|v| v / norm).collect())
    }

    fn det_sign(&self) -> f64 {
        let d = self.jx.clone().lu().determinant();
        if d > 0.0 {
            1.0
        } else if d < 0.0 {
            -1.0
        } else {
            0.0
        }
    }
}

/// Result of one corrector: the corrected point with its residual and iterations.
struct Corrected {
    y: Vec<f64>,
    residual: f64,
    iterations: usize,
}

/// Newton on {F(y) = 0, t·(y − y0) = s} starting at y0 + s t.
fn corrector<S: ParamSystem + ?Sized>(
    sys: &S,
    work: &mut Work,
    y0: &[f64],
    t: &[f64],
    s: f64,
    opts: &ContinuationOptions,
) -> Result<Result<Corrected, (Termination, usize)>, TheoryError> {
    let n = work.n;
    let mut y: Vec<f64> = y0.iter().zip(t).map(|(a, b)| a + s * b).collect();
    for it in 0..=opts.max_corrector {
        if !work.eval(sys, &y)? {
            return Ok(Err((Termination::LeftDomain, it)));
        }
        let arc: f64 = y
            .iter()
            .zip(y0)
            .zip(t)
            .map(|((a, b), c)| (a - b) * c)
            .sum::<f64>()
            - s;
        let fmax = work.f.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if fmax <= opts.tol && arc.abs() <= 1e3 * opts.tol.max(1e-14) {
            return Ok(Ok(Corrected {
                y,
                residual: fmax,
                iterations: it,
            }));
        }
        if it == opts.max_corrector {
            break;
        }
        work.jacobians(sys, &y, opts.fd_step)?;
        let mut a = DMatrix::zeros(n + 1, n + 1);
        let mut rhs = DVector::zeros(n + 1);
        for i in 0..n {
            for j in 0..n {
                a[(i, j)] = work.jx[(i, j)];
            }
            a[(i, n)] = work.jp[i];
            rhs[i] = -work.f[i];
        }
        for j in 0..=n {
            a[(n, j)] = t[j];
        }
        rhs[n] = -arc;
        let Some(d) = a.lu().solve(&rhs) else {
            return Ok(Err((Termination::SingularJacobian, it)));
        };
        if !d.iter().all(|v| v.is_finite()) {
            return Ok(Err((Termination::NonFinite, it)));
        }
        for j in 0..=n {
            y[j] += d[j];
        }
    }
    Ok(Err((Termination::MaxIterations, opts.max_corrector)))
}

/// Continues the branch through the solution `x0` at `p0` of `sys` (x0 is first corrected at fixed
/// p0). `monitor` (optional) is a scalar g(x, p) whose zero crossings are reported as
/// [`EventKind::Monitor`] events (e.g. bulk radius − 1).
///
/// ```
/// use lowrank_theory::continuation::{continue_branch, ContinuationOptions, EventKind, ParamSystem};
/// use lowrank_theory::TheoryError;
/// // x² + p = 0: a fold at p = 0 (x = ±√−p); continue from (x, p) = (−1, −1) rightwards.
/// struct Fold;
/// impl ParamSystem for Fold {
///     fn dim(&self) -> usize { 1 }
///     fn residual(&self, x: &[f64], p: f64, out: &mut [f64]) -> Result<(), TheoryError> {
///         out[0] = x[0] * x[0] + p;
///         Ok(())
///     }
/// }
/// let opts = ContinuationOptions { p_min: -1.0, p_max: 1.0, ..Default::default() };
/// let b = continue_branch(&Fold, &[-1.0], -1.0, &opts, None::<&dyn Fn(&[f64], f64) -> Result<f64, TheoryError>>).unwrap();
/// let fold = b.events.iter().find(|e| e.kind == EventKind::Fold).unwrap();
/// assert!(fold.param.abs() < 1e-8);
/// assert!(b.points.last().unwrap().x[0] > 0.9); // came back on the upper half
/// ```
pub fn continue_branch<S, M>(
    sys: &S,
    x0: &[f64],
    p0: f64,
    opts: &ContinuationOptions,
    monitor: Option<&M>,
) -> Result<Branch, TheoryError>
where
    S: ParamSystem + ?Sized,
    M: Fn(&[f64], f64) -> Result<f64, TheoryError> + ?Sized,
{
    let n = sys.dim();
    if x0.len() != n {
        return Err(TheoryError::InvalidParameter {
            name: "x0".into(),
            value: x0.len() as f64,
            reason: format!("start has {} entries, system has {n}", x0.len()),
        });
    }
    let start: Solution = solve(
        AtParam {
            system: sys,
            param: p0,
        },
        x0,
        &NewtonOptions {
            tol: opts.tol,
            fd_step: opts.fd_step,
            ..Default::default()
        },
    )?
    .into_result("continuation start")?;
    let mut work = Work::new(n);
    let mut y0: Vec<f64> = start.x.clone();
    y0.push(p0);
    work.eval(sys, &y0)?;
    work.jacobians(sys, &y0, opts.fd_step)?;
    let mut guess = vec![0.0; n + 1];
    guess[n] = opts.direction.signum();
    let mut t0 = work
        .tangent(&guess)
        .ok_or_else(|| TheoryError::NotConverged {
            what: "continuation tangent at the start".into(),
            convergence: Convergence::stopped(
                start.convergence.residual,
                0,
                Termination::SingularJacobian,
            ),
        })?;
    if t0[n] * opts.direction < 0.0 {
        t0.iter_mut().for_each(|v| *v = -*v);
    }
    let mon = |y: &[f64]| -> Result<f64, TheoryError> {
        match monitor {
            Some(m) => m(&y[..n], y[n]),
            None => Ok(f64::NAN),
        }
    };
    let mut points = vec![BranchPoint {
        param: p0,
        x: start.x.clone(),
        tangent: t0.clone(),
        det_sign: work.det_sign(),
        monitor: mon(&y0)?,
        convergence: start.convergence,
    }];
    let mut events = Vec::new();
    let mut h = opts.h0;
    let mut termination = Termination::StepCap;
    let mut complete = true;
    let inside = |p: f64| p >= opts.p_min && p <= opts.p_max;
    for _ in 0..opts.max_steps {
        let c = match corrector(sys, &mut work, &y0, &t0, h, opts)? {
            Ok(c) => c,
            Err(_) => {
                h *= 0.5;
                if h < opts.h_min {
                    termination = Termination::StepBelowMinimum;
                    complete = false;
                    break;
                }
                continue;
            }
        };
        work.eval(sys, &c.y)?;
        work.jacobians(sys, &c.y, opts.fd_step)?;
        let Some(t1) = work.tangent(&t0) else {
            h *= 0.5;
            if h < opts.h_min {
                termination = Termination::SingularJacobian;
                complete = false;
                break;
            }
            continue;
        };
        // reject steps that turn the tangent too sharply (jumped branches)
        let cos: f64 = t0.iter().zip(&t1).map(|(a, b)| a * b).sum();
        if cos < 0.8 && h > opts.h_min * 4.0 {
            h *= 0.5;
            continue;
        }
        let det1 = work.det_sign();
        let m1 = mon(&c.y)?;
        let prev = points.last().unwrap().clone();
        let mut y1 = c.y.clone();
        let left = !inside(y1[n]);
        // events between y0 and y1 (arclength 0..h)
        let fold = prev.tangent[n] * t1[n] < 0.0;
        if fold {
            events.push(refine(
                sys,
                &y0,
                &t0,
                h,
                opts,
                EventKind::Fold,
                |w, _y, _t| Ok(w),
            ));
        } else if prev.det_sign * det1 < 0.0 {
            events.push(refine(
                sys,
                &y0,
                &t0,
                h,
                opts,
                EventKind::BranchPoint,
                |_w, _y, d| Ok(d),
            ));
        }
        if prev.monitor.is_finite() && m1.is_finite() && prev.monitor * m1 < 0.0 {
            let monitor_fn = |_w: f64, y: &[f64], _d: f64| mon(y);
            let e = refine(sys, &y0, &t0, h, opts, EventKind::Monitor, monitor_fn);
            if inside(e.param) {
                events.push(e);
            }
        }
        if left {
            // clip: land exactly on the interval end by solving at fixed p
            let pend = if y1[n] > opts.p_max {
                opts.p_max
            } else {
                opts.p_min
            };
            let s = solve(
                AtParam {
                    system: sys,
                    param: pend,
                },
                &y1[..n],
                &NewtonOptions {
                    tol: opts.tol,
                    fd_step: opts.fd_step,
                    ..Default::default()
                },
            )?;
            if s.convergence.converged {
                y1[..n].copy_from_slice(&s.x);
                y1[n] = pend;
                points.push(BranchPoint {
                    param: pend,
                    x: s.x.clone(),
                    tangent: t1.clone(),
                    det_sign: det1,
                    monitor: mon(&y1)?,
                    convergence: s.convergence,
                });
            }
            termination = Termination::LeftInterval;
            break;
        }
        points.push(BranchPoint {
            param: y1[n],
            x: y1[..n].to_vec(),
            tangent: t1.clone(),
            det_sign: det1,
            monitor: m1,
            convergence: Convergence::converged(c.residual, c.iterations),
        });
        y0 = y1;
        t0 = t1;
        h = if c.iterations <= 3 {
            (h * 1.5).min(opts.h_max)
        } else if c.iterations >= 8 {
            h * 0.5
        } else {
            h
        };
        h = h.max(opts.h_min);
    }
    Ok(Branch {
        points,
        events,
        termination,
        complete,
    })
}

/// Locates an event between y0 (arclength 0) and arclength h along t0 by Brent on
/// s ↦ event(t_p(s), y(s), det(s)), where y(s) is the corrected point at arclength s.
fn refine<S, E>(
    sys: &S,
    y0: &[f64],
    t0: &[f64],
    h: f64,
    opts: &ContinuationOptions,
    kind: EventKind,
    event: E,
) -> Event
where
    S: ParamSystem + ?Sized,
    E: Fn(f64, &[f64], f64) -> Result<f64, TheoryError>,
{
    let n = sys.dim();
    let work = RefCell::new(Work::new(n));
    let last = RefCell::new(None::<Vec<f64>>);
    let g = |s: f64| -> Result<f64, TheoryError> {
        let mut w = work.borrow_mut();
        let c = corrector(sys, &mut w, y0, t0, s, opts)?.map_err(|(termination, iterations)| {
            TheoryError::NotConverged {
                what: format!("event refinement corrector at arclength {s}"),
                convergence: Convergence::stopped(f64::INFINITY, iterations, termination),
            }
        })?;
        w.eval(sys, &c.y)?;
        w.jacobians(sys, &c.y, opts.fd_step)?;
        let t = w.tangent(t0).ok_or_else(|| TheoryError::NotConverged {
            what: "event refinement tangent".into(),
            convergence: Convergence::stopped(c.residual, 0, Termination::SingularJacobian),
        })?;
        let det = w.jx.clone().lu().determinant();
        drop(w);
        let v = event(t[n], &c.y, det)?;
        *last.borrow_mut() = Some(c.y);
        Ok(v)
    };
    if opts.refine_events {
        // Brent (argmin) on the event function in arclength; bisection if Brent cannot meet |g| ≤ 1e-10
        let s = match brent("continuation event", g, 0.0, h, 1e-10) {
            Ok(r) => Some(r.value),
            Err(_) => refine_bisect(&g, 0.0, h),
        };
        if let Some(s) = s {
            if g(s).is_ok() {
                if let Some(y) = last.borrow().clone() {
                    return Event {
                        kind,
                        param: y[n],
                        x: y[..n].to_vec(),
                        refined: true,
                    };
                }
            }
        }
    }
    // fall back: midpoint of the step (interpolated)
    let y: Vec<f64> = y0.iter().zip(t0).map(|(a, b)| a + 0.5 * h * b).collect();
    Event {
        kind,
        param: y[n],
        x: y[..n].to_vec(),
        refined: false,
    }
}

/// Root of g on [lo, hi] by bisection to arclength precision ~1e-13·(1+h); None if g has no sign
/// change or cannot be evaluated.
fn refine_bisect<G: Fn(f64) -> Result<f64, TheoryError>>(g: &G, lo: f64, hi: f64) -> Option<f64> {
    let (mut a, mut b) = (lo, hi);
    let (mut ga, gb) = (g(a).ok()?, g(b).ok()?);
    if ga * gb > 0.0 {
        return None;
    }
    let width = (hi - lo).abs();
    for _ in 0..200 {
        if (b - a).abs() <= 1e-13 * (1.0 + width) {
            break;
        }
        let m = 0.5 * (a + b);
        let gm = g(m).ok()?;
        if gm == 0.0 {
            return Some(m);
        }
        if ga * gm < 0.0 {
            b = m;
        } else {
            a = m;
            ga = gm;
        }
    }
    Some(0.5 * (a + b))
}

/// Which equations a [`ModelFamily`] continues.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Equations {
    /// Static equations (§1.6), x = κ ‖ Δ.
    Static,
    /// Stationary chaotic equations (§1.7), x = κ ‖ Δ₀ ‖ Δ∞.
    Chaotic,
}

/// A one-parameter family of models p ↦ model(p) as a [`ParamSystem`] (e.g. p = g, or any
/// `--set` key path of a scenario). The flattened [`MeanField`] is rebuilt only when p changes
/// (cached), so residual calls at a fixed p do not allocate.
pub struct ModelFamily<F> {
    build: F,
    kind: Equations,
    gauss: Gauss,
    input_time: Option<f64>,
    dim: usize,
    cache: RefCell<Option<(f64, FamilyMember)>>,
}

enum FamilyMember {
    Static(StaticSystem),
    Chaotic(ChaoticSystem),
}

impl FamilyMember {
    fn system(&self) -> &dyn System {
        match self {
            FamilyMember::Static(s) => s,
            FamilyMember::Chaotic(c) => c,
        }
    }
}

impl<F: Fn(f64) -> Result<Model, TheoryError>> ModelFamily<F> {
    /// Family `build(p)` solved with `kind` equations and the integrator `gauss`; the inputs are
    /// the model's baselines, or its deterministic inputs at time `input_time` if given (e.g. during
    /// a stimulus). `p0` is a parameter value used to size the system.
    pub fn new(
        build: F,
        kind: Equations,
        gauss: Gauss,
        input_time: Option<f64>,
        p0: f64,
    ) -> Result<Self, TheoryError> {
        let m = build(p0)?;
        let dim = match kind {
            Equations::Static => m.rank() + m.n_populations(),
            Equations::Chaotic => m.rank() + 2 * m.n_populations(),
        };
        Ok(ModelFamily {
            build,
            kind,
            gauss,
            input_time,
            dim,
            cache: RefCell::new(None),
        })
    }

    fn with_member<T>(
        &self,
        p: f64,
        f: impl FnOnce(&dyn System) -> Result<T, TheoryError>,
    ) -> Result<T, TheoryError> {
        let mut cache = self.cache.borrow_mut();
        let fresh = !matches!(&*cache, Some((q, _)) if *q == p);
        if fresh {
            let model = (self.build)(p)?;
            let v = match self.input_time {
                Some(t) => model.input_values(t),
                None => model.baseline_inputs(),
            };
            let mf = MeanField::new(&model, self.gauss);
            let member = match self.kind {
                Equations::Static => FamilyMember::Static(StaticSystem::new(mf, v)),
                Equations::Chaotic => FamilyMember::Chaotic(ChaoticSystem::new(mf, v)?),
            };
            if member.system().dim() != self.dim {
                return Err(TheoryError::InvalidParameter {
                    name: "continuation parameter".into(),
                    value: p,
                    reason: "the model's shape (rank, populations) changes with the parameter"
                        .into(),
                });
            }
            *cache = Some((p, member));
        }
        let (_, member) = cache.as_ref().expect("filled above");
        f(member.system())
    }
}

impl<F: Fn(f64) -> Result<Model, TheoryError>> ParamSystem for ModelFamily<F> {
    fn dim(&self) -> usize {
        self.dim
    }
    fn residual(&self, x: &[f64], p: f64, out: &mut [f64]) -> Result<(), TheoryError> {
        self.with_member(p, |s| s.residual(x, out))
    }
    fn jacobian_x(&self, x: &[f64], p: f64, jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
        self.with_member(p, |s| s.jacobian(x, jac))
    }
    fn admissible(&self, x: &[f64]) -> bool {
        // the domain (variances ≥ 0, Δ∞ ≤ Δ₀) does not depend on p: ask any cached member
        match &*self.cache.borrow() {
            Some((_, m)) => m.system().admissible(x),
            None => x.len() == self.dim && x.iter().all(|v| v.is_finite()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pitchfork normal form x(p − x²) = 0: branch point at p = 0 on the trivial branch x = 0.
    struct Pitchfork;
    impl ParamSystem for Pitchfork {
        fn dim(&self) -> usize {
            1
        }
        fn residual(&self, x: &[f64], p: f64, out: &mut [f64]) -> Result<(), TheoryError> {
            out[0] = x[0] * (p - x[0] * x[0]);
            Ok(())
        }
    }

    type NoMon = dyn Fn(&[f64], f64) -> Result<f64, TheoryError>;

    #[test]
    fn pitchfork_is_a_branch_point_not_a_fold() {
        let opts = ContinuationOptions {
            p_min: -1.0,
            p_max: 1.0,
            h0: 0.05,
            ..Default::default()
        };
        let b = continue_branch(&Pitchfork, &[0.0], -1.0, &opts, None::<&NoMon>).unwrap();
        assert!(b.complete, "{}", b.termination);
        let bps: Vec<_> = b
            .events
            .iter()
            .filter(|e| e.kind == EventKind::BranchPoint)
            .collect();
        assert_eq!(bps.len(), 1, "{:?}", b.events);
        assert!(bps[0].param.abs() < 1e-9, "{:?}", bps[0]);
        assert!(b.events.iter().all(|e| e.kind != EventKind::Fold));
    }

    /// S-shaped curve x³ − x + p = 0: two folds at p = ±2/(3√3); continue from the lower branch.
    struct S;
    impl ParamSystem for S {
        fn dim(&self) -> usize {
            1
        }
        fn residual(&self, x: &[f64], p: f64, out: &mut [f64]) -> Result<(), TheoryError> {
            out[0] = x[0].powi(3) - x[0] + p;
            Ok(())
        }
    }

    #[test]
    fn s_curve_folds_and_monitor() {
        let opts = ContinuationOptions {
            p_min: -1.0,
            p_max: 1.0,
            direction: -1.0,
            ..Default::default()
        };
        // start on the upper branch at p = 1 (x ≈ −1.3247 is the only real root at p = 1)
        let x0 = -1.324_717_957_244_746;
        let mon = |x: &[f64], _p: f64| Ok(x[0] - 0.5);
        let b = continue_branch(&S, &[x0], 1.0, &opts, Some(&mon)).unwrap();
        let pf = 2.0 / (3.0 * 3f64.sqrt());
        let folds: Vec<f64> = b
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Fold)
            .map(|e| e.param)
            .collect();
        assert_eq!(folds.len(), 2, "{:?}", b.events);
        assert!(
            (folds[0] + pf).abs() < 1e-8 && (folds[1] - pf).abs() < 1e-8,
            "{folds:?}"
        );
        // x = 0.5 ⇒ p = x − x³ = 0.375
        let m: Vec<&Event> = b
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Monitor)
            .collect();
        assert_eq!(m.len(), 1);
        assert!((m[0].param - 0.375).abs() < 1e-8);
        assert!((b.points.last().unwrap().param + 1.0).abs() < 1e-12);
    }
}
