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
