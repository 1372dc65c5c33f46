//! Typed errors of the simulator: every variant names the offending argument or field.

/// Everything that can go wrong when sampling, integrating or diagonalising a finite network.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// N₀ is too small for the model: some population would get N_p = round(α_p N₀) = 0
    /// neurons (in particular whenever N₀ < P).
    #[error("n = {n0} is too small: population `{population}` (weight {weight}) would have round(weight·n) = 0 neurons (need n ≥ number of populations = {populations})")]
    TooFewNeurons {
        /// The requested N₀.
        n0: usize,
        /// Name of the first empty population.
        population: String,
        /// Its weight α_p.
        weight: f64,
        /// Number of populations P.
        populations: usize,
    },
    /// A model field is not usable for sampling (non-finite, negative gain, wrong shape, ...).
    #[error("invalid model field `{field}`: {reason}")]
    InvalidModel {
        /// Dotted name of the field.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A loading covariance σ^{(p)} has an eigenvalue clearly below zero (not PSD).
    #[error("covariance of population `{population}` is not positive semi-definite (smallest eigenvalue {min_eigenvalue:e})")]
    NotPsd {
        /// Population name.
        population: String,
        /// Smallest eigenvalue found.
        min_eigenvalue: f64,
    },
    /// An integration or recording argument is out of range (dt ≤ 0 or NaN, t < 0, ...).
    #[error("invalid argument `{name}` = {value}: {reason}")]
    InvalidArgument {
        /// Argument name (`dt`, `t`, `burn_in`, `trials`, ...).
        name: &'static str,
        /// The offending value (as f64; NaN stays NaN).
        value: f64,
        /// What the argument must satisfy.
        reason: &'static str,
    },
    /// A vector / state argument has the wrong length.
    #[error("`{name}` has length {got}, expected {expected}")]
    WrongLength {
        /// Argument name.
        name: &'static str,
        /// Length given.
        got: usize,
        /// Length required.
        expected: usize,
    },
    /// The state became non-finite (NaN or ±∞) or ran away (population mean |x| > 1e30): the
    /// dynamics diverge (e.g. an unbounded φ with a structure or disorder gain above 1) or dt is
    /// too large.
    #[error("state blew up (non-finite or |x| > 1e30) in trial {trial} at step {step} (t = {time}): the dynamics diverge (unbounded φ with too strong a structure or disorder?) or dt is too large")]
    BlowUp {
        /// Step index n at which the non-finite value was detected (the state x(t_n)).
        step: usize,
        /// Time t_n = n·dt.
        time: f64,
        /// Trial index.
        trial: usize,
    },
    /// The run was stopped by its [`lowrank_model::Interrupt`] (e.g. Ctrl-C).
    #[error("interrupted at step {step} (t = {time})")]
    Interrupted {
        /// Step index at which the stop request was seen.
        step: usize,
        /// Time t_n of that step.
        time: f64,
    },
    /// The dense eigen-decomposition failed to converge.
    #[error("eigen-decomposition of the {n}×{n} matrix did not converge")]
    Eigen {
        /// Matrix size.
        n: usize,
    },
}
