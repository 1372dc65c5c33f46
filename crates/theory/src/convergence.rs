//! The convergence report every iterative result of the crate carries: whether the tolerance was
//! met, the residual, the iterations, and why the iteration stopped as a [`Termination`] a caller
//! can match on (never a string to parse).

use serde::Serialize;
use std::fmt;

/// Why an iterative solver stopped.
///
/// Serialised in `snake_case` (`"converged"`, `"no_decrease"`, ...); [`fmt::Display`] gives the
/// sentence the command line prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// Exact: the result is a closed form, nothing was iterated (residual 0, 0 iterations).
    ClosedForm,
    /// The residual met the tolerance (and, where the solver checks them, the step and the
    /// a-posteriori error estimate did too).
    Converged,
    /// No step decreases the residual any more, and the residual already meets the tolerance:
    /// the iterate sits at the round-off floor of the equations.
    ResidualFloor,
    /// The iteration cap was reached above the tolerance.
    MaxIterations,
    /// No damped or shortened step decreases the residual (a local minimum of |F| or a fold).
    NoDecrease,
    /// The (extended or augmented) Jacobian is singular, so no Newton step exists.
    SingularJacobian,
    /// The residual met the tolerance but the Newton error estimate at the point is too large:
    /// a degenerate point, where a small residual does not mean a small error.
    Degenerate,
    /// A step or an iterate was not finite.
    NonFinite,
    /// The equations are undefined at the start (outside their domain, e.g. a negative variance).
    StartOutsideDomain,
    /// An iterate left the domain of the equations and no shorter step is tried.
    LeftDomain,
    /// The start has the wrong number of unknowns for the system.
    WrongDimension,
    /// The bracket handed to a scalar root finder has no sign change.
    NoSignChange,
    /// The step length fell below its minimum (continuation corrector, adaptive integration).
    StepBelowMinimum,
    /// A continuation reached its cap on the number of steps.
    StepCap,
    /// A continuation left its parameter interval: the normal end of a branch.
    LeftInterval,
    /// An interpolant did not reach its tolerance with the largest node set allowed.
    InterpolationLimit,
    /// The iteration ran away (currents or variances grew without bound or became negative).
    Diverged,
    /// A dense decomposition (SVD, eigen-decomposition) inside the solver did not converge.
    DecompositionFailed,
    /// The optimisation framework the solver runs on reported an error of its own (not one of
    /// the equations'); the message is in the error's `what`.
    SolverFailure,
    /// The iteration converged, but onto a solution of another kind than the one asked for
    /// (e.g. the static branch when the chaotic one was sought).
    OtherBranch,
}

impl Termination {
    /// Whether this termination is a success (the tolerance is met).
    ///
    /// ```
    /// use lowrank_theory::convergence::Termination;
    /// assert!(Termination::ResidualFloor.is_success());
    /// assert!(!Termination::NoDecrease.is_success());
    /// ```
    pub fn is_success(self) -> bool {
        matches!(
            self,
            Termination::ClosedForm | Termination::Converged | Termination::ResidualFloor
        )
    }
}

impl fmt::Display for Termination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Termination::ClosedForm => "closed form",
            Termination::Converged => "tolerance met",
            Termination::ResidualFloor => "residual at its round-off floor, below the tolerance",
            Termination::MaxIterations => "iteration cap reached",
            Termination::NoDecrease => {
                "no step decreases the residual (local minimum of |F| or fold)"
            }
            Termination::SingularJacobian => "singular Jacobian",
            Termination::Degenerate => {
                "residual below the tolerance, but the Newton error estimate is too large \
                 (degenerate point)"
            }
            Termination::NonFinite => "non-finite step or iterate",
            Termination::StartOutsideDomain => "start outside the domain of the equations",
            Termination::LeftDomain => "an iterate left the domain of the equations",
            Termination::WrongDimension => "start has the wrong number of unknowns",
            Termination::NoSignChange => "no sign change on the bracket",
            Termination::StepBelowMinimum => "step below its minimum",
            Termination::StepCap => "step cap reached",
            Termination::LeftInterval => "left the parameter interval",
            Termination::InterpolationLimit => "interpolant did not reach its tolerance",
            Termination::Diverged => "diverged",
            Termination::DecompositionFailed => "a matrix decomposition did not converge",
            Termination::SolverFailure => "the solver framework reported an error",
            Termination::OtherBranch => "converged onto another branch than the one sought",
        })
    }
}

/// The convergence report of one iterative solve, flattened into every result that carries one
/// (its fields appear at the top level of the result's JSON).
///
/// `converged` is the solver's verdict; it implies [`Termination::is_success`], and an
/// unconverged result is never returned as a solution by the `into_result` methods.
///
/// ```
/// use lowrank_theory::convergence::{Convergence, Termination};
/// let c = Convergence::stopped(3.0e-2, 40, Termination::NoDecrease);
/// assert!(!c.converged);
/// assert_eq!(c.to_string(), "residual 3.000e-2 after 40 iterations (no step decreases the residual (local minimum of |F| or fold))");
/// let json = serde_json::to_value(c).unwrap();
/// assert_eq!(json["termination"], "no_decrease");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Convergence {
    /// Whether the solver met its tolerance.
    pub converged: bool,
    /// The solver's residual at the returned iterate (a max-norm unless the result says
    /// otherwise).
    pub residual: f64,
    /// Iterations performed.
    pub iterations: usize,
    /// Why the solver stopped.
    pub termination: Termination,
}

impl Convergence {
    /// A converged report (`termination` = [`Termination::Converged`]).
    pub fn converged(residual: f64, iterations: usize) -> Convergence {
        Convergence {
            converged: true,
            residual,
            iterations,
            termination: Termination::Converged,
        }
    }

    /// The report of a closed form: converged, residual 0, no iterations.
    pub fn closed_form() -> Convergence {
        Convergence {
            converged: true,
            residual: 0.0,
            iterations: 0,
            termination: Termination::ClosedForm,
        }
    }

    /// A report that ends with `termination`; converged exactly when the termination is a
    /// success.
    pub fn stopped(residual: f64, iterations: usize, termination: Termination) -> Convergence {
        Convergence {
            converged: termination.is_success(),
            residual,
            iterations,
            termination,
        }
    }
}

impl fmt::Display for Convergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "residual {:.3e} after {} iterations ({})",
            self.residual, self.iterations, self.termination
        )
    }
}
