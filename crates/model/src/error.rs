//! Typed errors of scenario loading and model validation; every variant names the offending field.

/// Error raised while parsing, overriding, resolving or validating a scenario.
///
/// `field` strings use the dotted paths of the scenario schema (docs/scenarios.md), e.g.
/// `population.A.gain` or `vector.m.population.A.cov.n`, so the same path can be fixed in the
/// file or overridden with `--set`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// The scenario text is not valid TOML, or does not match the schema (unknown key, wrong
    /// type, missing field). `line`/`column` are 1-based; 0 when the position is unknown.
    #[error("malformed scenario at line {line}, column {column}: {message}")]
    Toml {
        /// 1-based line (0 if unknown).
        line: usize,
        /// 1-based column (0 if unknown).
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The scenario file could not be read.
    #[error("cannot read scenario file `{path}`: {message}")]
    Io {
        /// Path that was read.
        path: String,
        /// Operating-system message.
        message: String,
    },
    /// The nonlinearity name is not a built-in one.
    #[error("{field}: unknown nonlinearity `{name}` (known: {known})", known = lowrank_gauss::nonlinearity::BUILTIN_NAMES.join(", "))]
    UnknownNonlinearity {
        /// Field holding the name.
        field: String,
        /// The unknown name.
        name: String,
    },
    /// A term, input, readout, combination, covariance or initial condition names a vector
    /// that is not declared.
    #[error("{field}: unknown vector `{name}`")]
    UnknownVector {
        /// Field holding the name.
        field: String,
        /// The unknown name.
        name: String,
    },
    /// A gain, statistic or other reference names a population that is not declared.
    #[error("{field}: unknown population `{name}`")]
    UnknownPopulation {
        /// Field holding the name.
        field: String,
        /// The unknown name.
        name: String,
    },
    /// Two items of one kind share a name.
    #[error("{field}: duplicate name `{name}`")]
    DuplicateName {
        /// The list in which the duplicate occurs.
        field: String,
        /// The repeated name.
        name: String,
    },
    /// The model has no population.
    #[error("population: at least one [[population]] is required")]
    NoPopulations,
    /// Population fractions α_p do not sum to 1 (tolerance 1e-9).
    #[error("population.*.fraction: fractions sum to {sum}, not 1 (tolerance 1e-9)")]
    FractionsDoNotSumToOne {
        /// The sum Σ_p α_p.
        sum: f64,
    },
    /// A disorder gain g_pq is negative.
    #[error("{field}: gain {value} is negative (g_pq must be ≥ 0)")]
    NegativeGain {
        /// The gain field.
        field: String,
        /// Its value.
        value: f64,
    },
    /// A number is NaN or infinite.
    #[error("{field}: value {value} is not finite")]
    NonFinite {
        /// The field.
        field: String,
        /// Its value.
        value: f64,
    },
    /// A per-population covariance σ^{(p)} is not positive semi-definite.
    #[error(
        "{field}: covariance is not positive semi-definite: smallest eigenvalue {min_eigenvalue:e} \
         (tolerance {tolerance:e}) along {direction}"
    )]
    NotPsd {
        /// The covariance, e.g. `population.A.covariance` or `mo2018.cov`.
        field: String,
        /// Smallest eigenvalue found.
        min_eigenvalue: f64,
        /// Semidefinite tolerance used.
        tolerance: f64,
        /// The offending eigenvector, as `name: component` pairs above 0.1.
        direction: String,
    },
    /// A value is out of its allowed range or inconsistent with another field.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A `--set KEY=VALUE` argument is not of that form.
    #[error("--set `{text}`: {message}")]
    MalformedOverride {
        /// The argument as given.
        text: String,
        /// What is wrong.
        message: String,
    },
    /// A `--set` key does not address a field of the scenario schema.
    #[error("--set {key}: unknown key ({reason})")]
    UnknownOverrideKey {
        /// The dotted key.
        key: String,
        /// Why it does not resolve.
        reason: String,
    },
    /// A dense decomposition (eigenvalues, SVD) reached its iteration cap without converging.
    #[error("{what}: did not converge within {iterations} iterations")]
    NotConverged {
        /// What was being decomposed.
        what: String,
        /// The iteration cap.
        iterations: usize,
    },
    /// A `--set` value has the wrong type for its field.
    #[error("--set {key}: {message}")]
    InvalidOverride {
        /// The dotted key(s) involved.
        key: String,
        /// The schema's complaint.
        message: String,
    },
}

impl ModelError {
    /// The scenario field (dotted path) or `--set` key the error is about, when it names one:
    /// `population.*.fraction` for fractions that do not sum to 1, `population` when there is
    /// none, the file path for an unreadable file; `None` for malformed TOML (see its line) and
    /// for a decomposition that did not converge.
    ///
    /// ```
    /// let e = lowrank_model::Scenario::from_toml_str(
    ///     "[mo2018]\nkind = \"rank-one\"\ng = -1.0\n", &[]).unwrap_err();
    /// assert_eq!(e.field(), Some("mo2018.g"));
    /// ```
    pub fn field(&self) -> Option<&str> {
        match self {
            ModelError::UnknownNonlinearity { field, .. }
            | ModelError::UnknownVector { field, .. }
            | ModelError::UnknownPopulation { field, .. }
            | ModelError::DuplicateName { field, .. }
            | ModelError::NegativeGain { field, .. }
            | ModelError::NonFinite { field, .. }
            | ModelError::NotPsd { field, .. }
            | ModelError::Invalid { field, .. } => Some(field),
            ModelError::Io { path, .. } => Some(path),
            ModelError::NoPopulations => Some("population"),
            ModelError::FractionsDoNotSumToOne { .. } => Some("population.*.fraction"),
            ModelError::MalformedOverride { text, .. } => Some(text),
            ModelError::UnknownOverrideKey { key, .. }
            | ModelError::InvalidOverride { key, .. } => Some(key),
            ModelError::Toml { .. } | ModelError::NotConverged { .. } => None,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ModelError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Check that `value` is finite and within ±[`crate::validate::MAX_MAGNITUDE`], naming `field`
/// otherwise.
pub(crate) fn finite(field: impl FnOnce() -> String, value: f64) -> Result<f64, ModelError> {
    if !value.is_finite() {
        Err(ModelError::NonFinite {
            field: field(),
            value,
        })
    } else if value.abs() > crate::validate::MAX_MAGNITUDE {
        Err(ModelError::invalid(
            field(),
            format!(
                "{value:e} is out of range: |value| must be ≤ {:e}",
                crate::validate::MAX_MAGNITUDE
            ),
        ))
    } else {
        Ok(value)
    }
}

/// Check that `value` is finite and ≥ 0.
pub(crate) fn non_negative(field: impl Fn() -> String, value: f64) -> Result<f64, ModelError> {
    finite(&field, value)?;
    if value < 0.0 {
        return Err(ModelError::invalid(field(), format!("{value} must be ≥ 0")));
    }
    Ok(value)
}
