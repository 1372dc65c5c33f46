//! The error type of the theory crate.

use crate::convergence::Convergence;
use lowrank_gauss::GaussError;
use lowrank_model::ModelError;

/// Everything that can go wrong when solving the mean-field equations.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TheoryError {
    /// A Gaussian integral was asked for an invalid argument (negative variance, NaN, ...).
    #[error("Gaussian integral: {0}")]
    Gauss(#[from] GaussError),
    /// The scenario model is invalid (a constructor or the builder refused it).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// An iterative solver stopped without meeting its tolerance; the report says where and why.
    #[error("{what} did not converge: {convergence}")]
    NotConverged {
        /// What was being solved.
        what: String,
        /// The solver's report at the last iterate ([`Convergence::converged`] is false).
        convergence: Convergence,
    },
    /// A search over a stated domain found nothing: no bracket, no stable fixed point, no
    /// crossing in the interval. Not a solver failure: what was sought does not exist there.
    #[error("{what}: {detail}")]
    NotFound {
        /// What was sought.
        what: String,
        /// Where it was sought and what was found instead.
        detail: String,
    },
    /// A dense eigensolver (bounded real Schur, then the fallback) did not converge on an
    /// `n`×`n` matrix: a property of that matrix, so a caller drawing random matrices can redraw.
    #[error("eigenvalues of a {n}×{n} matrix did not converge ({reason})")]
    EigenStalled {
        /// Matrix size.
        n: usize,
        /// What the solver reported.
        reason: String,
    },
    /// A parameter is outside the domain where the equations hold.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Name of the parameter (scenario path or equation symbol).
        name: String,
        /// Offending value.
        value: f64,
        /// Why it is invalid.
        reason: String,
    },
    /// The model has a feature this solver does not support (e.g. the energy method with
    /// cross-population disorder).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The computation was stopped by its [`lowrank_model::Interrupt`] (e.g. Ctrl-C).
    #[error("{what} was interrupted at step {step}")]
    Interrupted {
        /// What was running.
        what: String,
        /// Step at which the stop request was seen.
        step: usize,
    },
}
