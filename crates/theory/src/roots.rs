//! Bracketed scalar root finding through `argmin`'s `BrentRoot`, with the convergence report every
//! solver result carries.

use crate::TheoryError;
use argmin::core::{CostFunction, Error as ArgminError, Executor, State};
use argmin::solver::brent::BrentRoot;
use serde::Serialize;

/// A scalar root with its convergence report.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ScalarSolution {
    /// The root.
    pub value: f64,
    /// Whether |f(value)| ≤ the tolerance was reached.
    pub converged: bool,
    /// |f(value)|.
    pub residual: f64,
    /// Iterations used.
    pub iterations: usize,
}

struct Scalar<F>(F);

impl<F: Fn(f64) -> Result<f64, TheoryError>> CostFunction for Scalar<F> {
    type Param = f64;
    type Output = f64;
    fn cost(&self, x: &f64) -> Result<f64, ArgminError> {
        (self.0)(*x).map_err(|e| ArgminError::msg(e.to_string()))
    }
}

/// Root of `f` in the bracket [lo, hi] (f(lo) and f(hi) of opposite signs) by Brent's method.
///
/// `what` names the equation in errors. Returns `Err(NotConverged)` if the bracket is invalid or
/// the tolerance `tol` on |f| is not met in 200 iterations.
///
/// ```
/// use lowrank_theory::roots::brent;
/// let s = brent("x² = 2", |x| Ok(x * x - 2.0), 0.0, 2.0, 1e-14).unwrap();
/// assert!(s.converged && (s.value - 2f64.sqrt()).abs() < 1e-12);
/// ```
pub fn brent<F>(what: &str, f: F, lo: f64, hi: f64, tol: f64) -> Result<ScalarSolution, TheoryError>
where
    F: Fn(f64) -> Result<f64, TheoryError>,
{
    let (flo, fhi) = (f(lo)?, f(hi)?);
    if flo == 0.0 {
        return Ok(ScalarSolution {
            value: lo,
            converged: true,
            residual: 0.0,
            iterations: 0,
        });
    }
    if fhi == 0.0 {
        return Ok(ScalarSolution {
            value: hi,
            converged: true,
            residual: 0.0,
            iterations: 0,
        });
    }
    if flo.signum() == fhi.signum() {
        return Err(TheoryError::NotConverged {
            what: what.to_string(),
            residual: flo.abs().min(fhi.abs()),
            iterations: 0,
            reason: format!("no sign change on the bracket [{lo}, {hi}]"),
        });
    }
    // BrentRoot's tolerance is on x; iterate until |f| ≤ tol or x stops moving.
    let solver = BrentRoot::new(
        lo,
        hi,
        4.0 * f64::EPSILON * lo.abs().max(hi.abs()).max(1e-300),
    );
    let res = Executor::new(Scalar(&f), solver)
        .configure(|s| s.param(0.5 * (lo + hi)).max_iters(200))
        .run()
        .map_err(|e| TheoryError::NotConverged {
            what: what.to_string(),
            residual: f64::INFINITY,
            iterations: 0,
            reason: e.to_string(),
        })?;
    let state = res.state();
    let value = *state.get_best_param().unwrap_or(&f64::NAN);
    let residual = f(value)?.abs();
    let iterations = state.get_iter() as usize;
    if !value.is_finite() || residual > tol {
        return Err(TheoryError::NotConverged {
            what: what.to_string(),
            residual,
            iterations,
            reason: "Brent stopped above tolerance".into(),
        });
    }
    Ok(ScalarSolution {
        value,
        converged: true,
        residual,
        iterations,
    })
}

/// Every root of a continuous scalar `f` on the grid's span, by a scan (the numerics behind the
/// complete solution sets, docs/theory.md "Complete solution sets").
///
/// `grid` must be increasing. A root is reported for
/// - every grid node where f = 0 exactly (e.g. Δ = 0 of the trivial state);
/// - every sign change between neighbouring nodes (refined by [`brent`] to |f| ≤ `tol`);
/// - every *hidden pair*: at a node where f has a local extremum of the same sign as both
///   neighbours and |f| there is no larger than the variation to them, the extremum is located by
///   golden-section search on the two adjacent cells, and if it crosses zero both roots are
///   bracketed and refined.
///
/// So a root can be missed only if f has two extrema of opposite sign within two grid cells —
/// a resolution statement, made in the result of every caller. Refinements that do not converge
/// are counted in the second return value (never reported as roots).
///
/// ```
/// use lowrank_theory::roots::scan_roots;
/// // x² − 0.0001 has two roots 0.02 apart, both inside one cell of a grid of step 0.25
/// let grid: Vec<f64> = (0..=8).map(|i| -1.0 + 0.25 * i as f64).collect();
/// let (roots, failed) = scan_roots(|x| Ok(x * x - 1e-4), &grid, 1e-14).unwrap();
/// assert_eq!((roots.len(), failed), (2, 0));
/// assert!((roots[0] + 0.01).abs() < 1e-12 && (roots[1] - 0.01).abs() < 1e-12);
/// ```
///
/// # Errors
/// Any error of `f` at a grid node (a refinement error only counts as a failed refinement).
pub fn scan_roots<F>(f: F, grid: &[f64], tol: f64) -> Result<(Vec<f64>, usize), TheoryError>
where
    F: Fn(f64) -> Result<f64, TheoryError>,
{
    let vals: Vec<f64> = grid.iter().map(|&x| f(x)).collect::<Result<_, _>>()?;
    let mut roots = Vec::new();
    let mut failed = 0;
    let mut bracket =
        |lo: f64, hi: f64, roots: &mut Vec<f64>| match brent("scan root", &f, lo, hi, tol) {
            Ok(s) if s.converged => roots.push(s.value),
            _ => failed += 1,
        };
    for i in 0..grid.len() {
        if vals[i] == 0.0 {
            roots.push(grid[i]);
        }
        if i + 1 < grid.len() && vals[i] * vals[i + 1] < 0.0 {
            bracket(grid[i], grid[i + 1], &mut roots);
        }
        if i > 0 && i + 1 < grid.len() {
            let (a, b, c) = (vals[i - 1], vals[i], vals[i + 1]);
            let s = b.signum();
            let extremum = s * (a - b) > 0.0 && s * (c - b) > 0.0;
            if b != 0.0 && extremum && a * b > 0.0 && c * b > 0.0 {
                // minimise s·f over [x_{i−1}, x_{i+1}]: a pair of roots hides there iff it dips below 0
                let (xm, fm) = golden_min(|x| f(x).map(|v| s * v), grid[i - 1], grid[i + 1], 60);
                if let Some((xm, fm)) = xm.zip(fm) {
                    if fm < 0.0 {
                        bracket(grid[i - 1], xm, &mut roots);
                        bracket(xm, grid[i + 1], &mut roots);
                    }
                }
            }
        }
    }
    roots.sort_by(f64::total_cmp);
    roots.dedup_by(|a, b| (*a - *b).abs() <= 1e-12 * a.abs().max(1.0));
    Ok((roots, failed))
}

/// Golden-section minimum of `h` on [a, b] (`iters` steps); (None, None) if `h` fails.
fn golden_min<H>(h: H, mut a: f64, mut b: f64, iters: usize) -> (Option<f64>, Option<f64>)
where
    H: Fn(f64) -> Result<f64, TheoryError>,
{
    let r = 0.5 * (5f64.sqrt() - 1.0);
    let (mut c, mut d) = (b - r * (b - a), a + r * (b - a));
    let (Ok(mut fc), Ok(mut fd)) = (h(c), h(d)) else {
        return (None, None);
    };
    for _ in 0..iters {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - r * (b - a);
            match h(c) {
                Ok(v) => fc = v,
                Err(_) => return (None, None),
            }
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + r * (b - a);
            match h(d) {
                Ok(v) => fd = v,
                Err(_) => return (None, None),
            }
        }
        if fc.min(fd) < 0.0 {
            break;
        }
    }
    if fc < fd {
        (Some(c), Some(fc))
    } else {
        (Some(d), Some(fd))
    }
}
