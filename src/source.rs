//! Where a scenario comes from — a file, a bundled scenario, or TOML text — and loading it with
//! `--set` overrides. One place for the command line, the sweeps and the Python package.

use crate::model::{bundled, ModelError, Override, Scenario};
use std::path::{Path, PathBuf};

/// The text a scenario is read from.
///
/// # Examples
/// ```
/// use lowrank::source::ScenarioSource;
/// let src = ScenarioSource::resolve("mo2018-fig1");
/// let s = src.load(&["mo2018.g=1.5".to_string()]).unwrap();
/// assert_eq!(s.name, "mo2018-fig1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioSource {
    /// A bundled scenario by name (`lowrank::model::bundled`).
    Bundled(String),
    /// A scenario file.
    Path(PathBuf),
    /// TOML text.
    Toml(String),
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Neither an existing file nor a bundled scenario.
    #[error("scenario `{name}`: no such file, and not a bundled scenario (bundled: {known})")]
    Unknown {
        /// The name or path given.
        name: String,
        /// The bundled scenarios, comma-separated.
        known: String,
    },
    /// A `KEY=VALUE` override that does not parse.
    #[error(transparent)]
    Override(ModelError),
    /// The scenario text, an override or the resulting model is invalid.
    #[error("{context}")]
    Model {
        /// Which scenario (`scenario `PATH``, `bundled scenario `NAME``, `scenario text`).
        context: String,
        /// The model's error, naming the field.
        #[source]
        source: ModelError,
    },
}

impl LoadError {
    /// The model error underneath, if any (it names the offending field).
    pub fn model_error(&self) -> Option<&ModelError> {
        match self {
            LoadError::Unknown { .. } => None,
            LoadError::Override(e) | LoadError::Model { source: e, .. } => Some(e),
        }
    }
}

impl ScenarioSource {
    /// A file if `name_or_path` exists, else a bundled scenario of that name.
    pub fn resolve(name_or_path: impl AsRef<Path>) -> ScenarioSource {
        let path = name_or_path.as_ref();
        if path.exists() {
            ScenarioSource::Path(path.to_path_buf())
        } else {
            ScenarioSource::Bundled(path.to_string_lossy().into_owned())
        }
    }

    /// How the source is named in messages and run metadata (the path, name, or `<toml>`).
    pub fn label(&self) -> String {
        match self {
            ScenarioSource::Bundled(n) => n.clone(),
            ScenarioSource::Path(p) => p.display().to_string(),
            ScenarioSource::Toml(_) => "<toml>".into(),
        }
    }

    fn context(&self) -> String {
        match self {
            ScenarioSource::Bundled(n) => format!("bundled scenario `{n}`"),
            ScenarioSource::Path(p) => format!("scenario `{}`", p.display()),
            ScenarioSource::Toml(_) => "scenario text".into(),
        }
    }

    fn unknown(name: &str) -> LoadError {
        let known: Vec<&str> = bundled::ALL.iter().map(|(n, _)| *n).collect();
        LoadError::Unknown {
            name: name.into(),
            known: known.join(", "),
        }
    }

    fn wrap(&self, source: ModelError) -> LoadError {
        LoadError::Model {
            context: self.context(),
            source,
        }
    }

    /// Parse, override (`KEY=VALUE`, the CLI's `--set`) and validate the scenario.
    ///
    /// # Errors
    /// [`LoadError::Unknown`] for a name that is neither a file nor bundled,
    /// [`LoadError::Override`] for an override that does not parse, [`LoadError::Model`] for an
    /// invalid scenario (the model error names the field).
    pub fn load(&self, overrides: &[String]) -> Result<Scenario, LoadError> {
        let parsed = parse_overrides(overrides)?;
        match self {
            ScenarioSource::Bundled(name) => bundled::load(name, &parsed)
                .ok_or_else(|| Self::unknown(name))?
                .map_err(|e| self.wrap(e)),
            ScenarioSource::Path(p) => Scenario::from_path(p, &parsed).map_err(|e| self.wrap(e)),
            ScenarioSource::Toml(text) => {
                Scenario::from_toml_str(text, &parsed).map_err(|e| self.wrap(e))
            }
        }
    }

    /// The scenario's TOML text with the overrides applied (and its `name` written in when the
    /// text had none), such that loading it gives the same scenario.
    ///
    /// # Errors
    /// As [`ScenarioSource::load`]; reading the file.
    ///
    /// # Examples
    /// ```
    /// use lowrank::source::ScenarioSource;
    /// let src = ScenarioSource::resolve("mo2018-fig1");
    /// let text = src.resolved_toml(&["mo2018.g=1.5".to_string()]).unwrap();
    /// let again = ScenarioSource::Toml(text).load(&[]).unwrap();
    /// assert_eq!(again.model.gain(), src.load(&["mo2018.g=1.5".to_string()]).unwrap().model.gain());
    /// ```
    pub fn resolved_toml(&self, overrides: &[String]) -> Result<String, LoadError> {
        let scenario = self.load(overrides)?;
        let parsed = parse_overrides(overrides)?;
        let text = match self {
            ScenarioSource::Bundled(name) => bundled::get(name)
                .ok_or_else(|| Self::unknown(name))?
                .to_string(),
            ScenarioSource::Path(p) => std::fs::read_to_string(p).map_err(|e| {
                self.wrap(ModelError::Io {
                    path: p.display().to_string(),
                    message: e.to_string(),
                })
            })?,
            ScenarioSource::Toml(t) => t.clone(),
        };
        crate::model::scenario::resolved_toml(&text, &parsed, &scenario.name)
            .map_err(|e| self.wrap(e))
    }
}

fn parse_overrides(overrides: &[String]) -> Result<Vec<Override>, LoadError> {
    overrides
        .iter()
        .map(|s| Override::parse(s).map_err(LoadError::Override))
        .collect()
}
