//! The error type of the validation crate.

use lowrank_sim::error::SimError;
use lowrank_theory::TheoryError;

/// Everything that can go wrong while validating theory against simulation.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// An argument is out of range (names the argument).
    #[error("invalid argument `{name}` = {value}: {reason}")]
    InvalidArgument {
        /// Argument name.
        name: &'static str,
        /// Offending value (as f64).
        value: f64,
        /// What the argument must satisfy.
        reason: &'static str,
    },
    /// The mean-field theory failed (solver not converged, invalid parameter, ...).
    #[error("theory: {0}")]
    Theory(#[from] TheoryError),
    /// The finite-N simulation failed (sampling, blow-up, ...).
    #[error("simulation: {0}")]
    Simulation(#[from] SimError),
    /// A scenario file could not be loaded or an override did not apply.
    #[error("scenario `{path}`: {reason}")]
    Scenario {
        /// Scenario path.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// A case produced a result of the wrong shape or an impossible value.
    #[error("case `{case}`: {reason}")]
    Case {
        /// Case name.
        case: String,
        /// What went wrong.
        reason: String,
    },
    /// No case of that name exists.
    #[error("unknown case `{0}` (run `cargo xtask validate --list`)")]
    UnknownCase(String),
    /// Writing the report failed.
    #[error("i/o on `{path}`: {source}")]
    Io {
        /// File or directory.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// JSON serialisation failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// Drawing a plot failed.
    #[error("plot `{path}`: {reason}")]
    Plot {
        /// Output file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}
