//! Bracketed scalar root finding through `argmin`'s `BrentRoot`, with the convergence report every
//! solver result carries.

use crate::convergence::{Convergence, Termination};
use crate::TheoryError;
use argmin::core::{CostFunction, Error as ArgminError, Executor, State};
use argmin::solver::brent::BrentRoot;
use serde::Serialize;

/// A scalar root with its convergence report.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ScalarSolution {
    /// The root.
    pub value: f64,
    /// Whether |f(value)| ≤ the tolerance was reached; the residual is |f(value)|.
    #[serde(flatten)]
    pub convergence: Convergence,
}

/// Brent iterations before giving up.
const MAX_ITERS: u64 = 200;

struct Scalar<F>(F);

impl<F: Fn(f64) -> Result<f64, TheoryError>> CostFunction for Scalar<F> {
    type Param = f64;
    type Output = f64;
    fn cost(&self, x: &f64) -> Result<f64, ArgminError> {
        // kept typed: `brent` hands the function's own error back to its caller
        (self.0)(*x).map_err(ArgminError::new)
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
/// assert!(s.convergence.converged && (s.value - 2f64.sqrt()).abs() < 1e-12);
/// ```
pub fn brent<F>(what: &str, f: F, lo: f64, hi: f64, tol: f64) -> Result<ScalarSolution, TheoryError>
where
    F: Fn(f64) -> Result<f64, TheoryError>,
{
    let (flo, fhi) = (f(lo)?, f(hi)?);
    if flo == 0.0 {
        return Ok(ScalarSolution {
            value: lo,
            convergence: Convergence::converged(0.0, 0),
        });
    }
    if fhi == 0.0 {
        return Ok(ScalarSolution {
            value: hi,
            convergence: Convergence::converged(0.0, 0),
        });
    }
    if flo.signum() == fhi.signum() {
        return Err(TheoryError::NotConverged {
            what: format!("{what} on [{lo}, {hi}]"),
            convergence: Convergence::stopped(
                flo.abs().min(fhi.abs()),
                0,
                Termination::NoSignChange,
            ),
        });
    }
    // BrentRoot's tolerance is on x; iterate until |f| ≤ tol or x stops moving.
    let solver = BrentRoot::new(
        lo,
        hi,
        4.0 * f64::EPSILON * lo.abs().max(hi.abs()).max(1e-300),
    );
    let res = Executor::new(Scalar(&f), solver)
        .configure(|s| s.param(0.5 * (lo + hi)).max_iters(MAX_ITERS))
        .run()
        .map_err(|e| match e.downcast::<TheoryError>() {
            Ok(theory) => theory,
            // argmin refuses the bracket itself (it was checked above, so this is round-off)
            Err(_) => TheoryError::NotConverged {
                what: format!("{what} on [{lo}, {hi}]"),
                convergence: Convergence::stopped(f64::INFINITY, 0, Termination::NoSignChange),
            },
        })?;
    let state = res.state();
    let value = *state.get_best_param().unwrap_or(&f64::NAN);
    let residual = f(value)?.abs();
    let iterations = state.get_iter() as usize;
    if !value.is_finite() || residual > tol {
        let termination = if !value.is_finite() {
            Termination::NonFinite
        } else if iterations >= MAX_ITERS as usize {
            Termination::MaxIterations
        } else {
            // the bracket shrank to round-off with |f| still above the tolerance
            Termination::StepBelowMinimum
        };
        return Err(TheoryError::NotConverged {
            what: what.to_string(),
            convergence: Convergence::stopped(residual, iterations, termination),
        });
    }
    Ok(ScalarSolution {
        value,
        convergence: Convergence::converged(residual, iterations),
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
            Ok(s) if s.convergence.converged => roots.push(s.value),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminations_are_typed() {
        match brent("x² + 1", |x| Ok(x * x + 1.0), -1.0, 1.0, 1e-12) {
            Err(TheoryError::NotConverged { convergence, .. }) => {
                assert_eq!(convergence.termination, Termination::NoSignChange);
                assert!(!convergence.converged);
            }
            other => panic!("expected NotConverged, got {other:?}"),
        }
        // a tolerance below the round-off of f: the bracket shrinks to nothing first
        match brent("x − 0.1", |x| Ok((x - 0.1) * 1e20), 0.0, 1.0, 1e-30) {
            Err(TheoryError::NotConverged { convergence, .. }) => {
                assert_eq!(convergence.termination, Termination::StepBelowMinimum);
            }
            other => panic!("expected NotConverged, got {other:?}"),
        }
    }

    #[test]
    fn an_error_of_the_function_reaches_the_caller_unchanged() {
        // the function fails inside the bracket only, so the error comes out of Brent's loop
        let f = |x: f64| {
            if (x - 0.5).abs() < 0.4 {
                Err(TheoryError::Interrupted {
                    what: "f".into(),
                    step: 3,
                })
            } else {
                Ok(x - 0.5)
            }
        };
        match brent("f", f, 0.0, 1.0, 1e-12) {
            Err(TheoryError::Interrupted { step: 3, .. }) => {}
            other => panic!("expected the function's own error, got {other:?}"),
        }
    }
}
