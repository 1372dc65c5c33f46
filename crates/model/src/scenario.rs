//! Scenario files: the TOML schema (docs/scenarios.md), `--set` overrides, resolution into
//! a validated [`Model`] plus simulation defaults.
//!
//! A scenario is either the *general form* (`[[population]]`, `[[vector]]`, `[[term]]`,
//! `[[input]]`, `[[readout]]`) or one *paper section* (`[mo2018]` or `[cb2025]`) that
//! replaces the general sections and builds the model through [`crate::mo2018`] or
//! [`crate::cb2025`]. `[simulation]` is optional in both.

use crate::builder::ModelBuilder;
use crate::cb2025::{Inflation, Multiregion, RegionInput};
use crate::error::{finite, non_negative, ModelError};
use crate::mo2018::Mo2018;
use crate::network::{Model, Pulse, Schedule};
use crate::overrides::{apply_all, Override};
use lowrank_gauss::Phi;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Tolerance on Σ_p α_p = 1 for populations given as fractions.
pub const FRACTION_TOLERANCE: f64 = 1e-9;

/// Time integrator of the finite-N simulation (docs/theory §3.12, §2.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Integrator {
    /// Forward Euler (Euler–Maruyama with noise); the reference scheme of both papers.
    #[default]
    Euler,
    /// Heun (explicit trapezoid), second order.
    Heun,
    /// Classical fourth-order Runge–Kutta.
    Rk4,
}

/// Initial condition x(0) of every trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Init {
    /// x_i(0) ~ N(0, std²) i.i.d. (`{ kind = "gaussian", std = 1.0 }`).
    Gaussian {
        /// Standard deviation.
        std: f64,
    },
    /// x(0) = Σ_v c_v v, a fixed combination of loading vectors
    /// (`{ kind = "vectors", combination = { m = -1, n = -1 } }` gives x(0) = −m − n).
    Vectors {
        /// Coefficient of each named vector.
        combination: BTreeMap<String, f64>,
    },
}

impl Default for Init {
    fn default() -> Self {
        Init::Gaussian { std: 1.0 }
    }
}

impl Init {
    /// For `Vectors`: (vector index, coefficient) pairs resolved against `model`; empty for
    /// `Gaussian`.
    pub fn vector_coefficients(&self, model: &Model) -> Result<Vec<(usize, f64)>, ModelError> {
        match self {
            Init::Gaussian { .. } => Ok(Vec::new()),
            Init::Vectors { combination } => combination
                .iter()
                .map(|(name, &c)| {
                    let field = format!("simulation.init.combination.{name}");
                    let k = model
                        .vector_index(name)
                        .ok_or_else(|| ModelError::UnknownVector {
                            field: field.clone(),
                            name: name.clone(),
                        })?;
                    Ok((k, finite(|| field.clone(), c)?))
                })
                .collect(),
        }
    }
}

/// Simulation defaults of a scenario (`[simulation]`); the `simulate` command's flags
/// override them. Time t = 0 is the end of the burn-in: the network is integrated on
/// [−burn_in, 0) with the input schedules evaluated at those (negative) times, then
/// recorded on [0, t).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulationSpec {
    /// N₀, the normalising size (population p has round(α_p N₀) neurons). Default 1000.
    pub n: usize,
    /// Recorded duration after the burn-in. Default 100.
    pub t: f64,
    /// Time step. Default 0.05.
    pub dt: f64,
    /// Discarded transient before t = 0. Default 0.
    pub burn_in: f64,
    /// Number of trials (independent initial conditions / noise on one network). Default 1.
    pub trials: usize,
    /// Seed of every random draw (network, initial conditions, noise). Default 0.
    pub seed: u64,
    /// Integrator. Default `euler`.
    pub integrator: Integrator,
    /// Initial condition. Default `{ kind = "gaussian", std = 1.0 }`.
    pub init: Init,
    /// Recording interval (None: every step).
    pub record_every: Option<f64>,
}

impl Default for SimulationSpec {
    fn default() -> Self {
        SimulationSpec {
            n: 1000,
            t: 100.0,
            dt: 0.05,
            burn_in: 0.0,
            trials: 1,
            seed: 0,
            integrator: Integrator::Euler,
            init: Init::default(),
            record_every: None,
        }
    }
}

impl SimulationSpec {
    /// Check ranges (n ≥ 1, t > 0, 0 < dt ≤ t, burn_in ≥ 0, trials ≥ 1, std ≥ 0,
    /// record_every ≥ dt) and resolve the initial condition against `model`.
    pub fn validate(&self, model: &Model) -> Result<(), ModelError> {
        let pos = |name: &str, v: f64| -> Result<(), ModelError> {
            finite(|| format!("simulation.{name}"), v)?;
            if v <= 0.0 {
                return Err(ModelError::invalid(
                    format!("simulation.{name}"),
                    format!("{v} must be > 0"),
                ));
            }
            Ok(())
        };
        if self.n == 0 {
            return Err(ModelError::invalid("simulation.n", "must be ≥ 1"));
        }
        if self.trials == 0 {
            return Err(ModelError::invalid("simulation.trials", "must be ≥ 1"));
        }
        pos("t", self.t)?;
        pos("dt", self.dt)?;
        if self.dt > self.t {
            return Err(ModelError::invalid(
                "simulation.dt",
                format!("dt = {} exceeds t = {}", self.dt, self.t),
            ));
        }
        non_negative(|| "simulation.burn_in".into(), self.burn_in)?;
        if let Some(r) = self.record_every {
            pos("record_every", r)?;
            if r < self.dt {
                return Err(ModelError::invalid(
                    "simulation.record_every",
                    format!("{r} is below dt = {}", self.dt),
                ));
            }
        }
        if let Init::Gaussian { std } = self.init {
            non_negative(|| "simulation.init.std".into(), std)?;
        }
        self.init.vector_coefficients(model)?;
        Ok(())
    }
}

/// Where the model came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// General form (`[[population]]`, `[[vector]]`, ...).
    General,
    /// `[mo2018]` section: the constructor and its parameters.
    Mo2018(Mo2018),
    /// `[cb2025]` section: the multiregion parameters and the σ_n² inflation report.
    Cb2025 {
        /// The constructor's parameters (T, U, gains, inputs).
        spec: Multiregion,
        /// How σ_n² was chosen (docs/theory §4).
        inflation: Inflation,
    },
}

/// A resolved scenario: the validated model, simulation defaults, provenance.
///
/// ```
/// use lowrank_model::{Override, Scenario};
/// let text = r#"
///     name = "demo"
///     [mo2018]
///     kind = "rank-one"
///     g = 1.5
///     mean_m = 1.1
///     mean_n = 2.0
/// "#;
/// let s = Scenario::from_toml_str(text, &[Override::parse("mo2018.mean_n=1.0").unwrap()]).unwrap();
/// assert!((s.model.overlap_matrix()[(0, 0)] - 1.1).abs() < 1e-14); // Ω = M_m M_n
/// assert_eq!(s.model.gain()[(0, 0)], 1.5);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Scenario name (also `model.name()`).
    pub name: String,
    /// Free-text description.
    pub description: String,
    /// The validated general model.
    pub model: Model,
    /// Simulation defaults.
    pub simulation: SimulationSpec,
    /// Provenance (general form or paper constructor).
    pub source: Source,
    /// Caveats (unvalidated variants, σ_n² warning).
    pub notes: Vec<String>,
}

// ---------------------------------------------------------------- raw schema

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Option<String>,
    #[serde(default)]
    description: String,
    nonlinearity: Option<toml::Value>,
    #[serde(default)]
    population: Vec<RawPopulation>,
    #[serde(default)]
    vector: Vec<RawVector>,
    #[serde(default)]
    term: Vec<RawTerm>,
    #[serde(default)]
    input: Vec<RawInput>,
    #[serde(default)]
    readout: Vec<RawReadout>,
    simulation: Option<SimulationSpec>,
    mo2018: Option<Mo2018>,
    cb2025: Option<RawCb2025>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPopulation {
    name: String,
    fraction: Option<f64>,
    weight: Option<f64>,
    gain: f64,
    #[serde(default)]
    gain_from: BTreeMap<String, f64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStats {
    mean: Option<f64>,
    variance: Option<f64>,
    std: Option<f64>,
    #[serde(default)]
    cov: BTreeMap<String, f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVector {
    name: String,
    mean: Option<f64>,
    variance: Option<f64>,
    std: Option<f64>,
    #[serde(default)]
    cov: BTreeMap<String, f64>,
    combination: Option<BTreeMap<String, f64>>,
    population: Option<BTreeMap<String, RawStats>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    name: Option<String>,
    left: String,
    right: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    name: Option<String>,
    vector: String,
    #[serde(default)]
    baseline: f64,
    #[serde(default)]
    pulses: Vec<Pulse>,
    #[serde(default)]
    noise: f64,
    #[serde(default)]
    noise_during_pulses_only: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReadout {
    name: Option<String>,
    vector: String,
}

/// `g = 1.5` (every region) or `g = [g1, g2, ...]`.
enum OneOrMany {
    One(f64),
    Many(Vec<f64>),
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number or an array of numbers")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v as f64))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OneOrMany, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = seq.next_element::<f64>()? {
                    out.push(x);
                }
                Ok(OneOrMany::Many(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSymmetric {
    a: Vec<f64>,
    b: Vec<f64>,
    signs: Option<Vec<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegionInput {
    region: usize,
    v: Vec<f64>,
    #[serde(default)]
    baseline: f64,
    #[serde(default)]
    pulses: Vec<Pulse>,
    #[serde(default)]
    noise: f64,
    #[serde(default)]
    noise_during_pulses_only: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCb2025 {
    regions: usize,
    g: Option<OneOrMany>,
    t: Option<Vec<f64>>,
    symmetric: Option<RawSymmetric>,
    u: Option<Vec<f64>>,
    sigma_n2: Option<f64>,
    cross_gain: Option<Vec<f64>>,
    #[serde(default)]
    input: Vec<RawRegionInput>,
}

// ---------------------------------------------------------------- parsing

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn toml_error(text: &str, e: &toml::de::Error) -> ModelError {
    let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
    ModelError::Toml {
        line,
        column,
        message: e.message().trim().to_string(),
    }
}

/// The scenario text with `--set` overrides applied to its TOML tree, and `name` written in when
/// the text has none, as TOML text (loading it gives the same scenario).
///
/// # Errors
/// [`ModelError::Toml`] for malformed text; the override errors of [`Override::apply`].
///
/// # Examples
/// ```
/// use lowrank_model::{scenario::resolved_toml, Override, Scenario};
/// let text = lowrank_model::bundled::get("mo2018-fig1").unwrap();
/// let set = [Override::parse("mo2018.g=1.5").unwrap()];
/// let out = resolved_toml(text, &set, "mo2018-fig1").unwrap();
/// let a = Scenario::from_toml_str(&out, &[]).unwrap();
/// let b = Scenario::from_toml_str(text, &set).unwrap();
/// assert_eq!(a.model.gain(), b.model.gain());
/// ```
pub fn resolved_toml(text: &str, overrides: &[Override], name: &str) -> Result<String, ModelError> {
    let mut table: toml::Table = text.parse().map_err(|e| toml_error(text, &e))?;
    apply_all(&mut table, overrides)?;
    if !table.contains_key("name") {
        table.insert("name".into(), toml::Value::String(name.into()));
    }
    toml::to_string(&table).map_err(|e| ModelError::Toml {
        line: 0,
        column: 0,
        message: e.to_string(),
    })
}

impl Scenario {
    /// Parse scenario text, apply `--set` overrides to the TOML tree, resolve and validate.
    ///
    /// Errors: [`ModelError::Toml`] (with line/column) for malformed TOML or schema
    /// mismatches in the file; [`ModelError::UnknownOverrideKey`] /
    /// [`ModelError::InvalidOverride`] for bad overrides; field-naming variants for
    /// semantic problems (non-PSD covariance, negative gain, unknown vector, ...).
    pub fn from_toml_str(text: &str, overrides: &[Override]) -> Result<Scenario, ModelError> {
        Self::parse(text, overrides, None)
    }

    /// Read and parse a scenario file (the name defaults to the file stem).
    pub fn from_path(
        path: impl AsRef<Path>,
        overrides: &[Override],
    ) -> Result<Scenario, ModelError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ModelError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        Self::parse(&text, overrides, stem)
    }

    fn parse(
        text: &str,
        overrides: &[Override],
        default_name: Option<String>,
    ) -> Result<Scenario, ModelError> {
        let mut table: toml::Table = text.parse().map_err(|e| toml_error(text, &e))?;
        // a `nonlinearity` key inside [mo2018] / [cb2025] is read here, not by the sections
        let file_has_section_phi = section_nonlinearity(&mut table.clone()).is_some();
        let mut section_phi = None;
        let raw: RawScenario = if overrides.is_empty() && !file_has_section_phi {
            toml::from_str(text).map_err(|e| toml_error(text, &e))?
        } else {
            apply_all(&mut table, overrides)?;
            section_phi = section_nonlinearity(&mut table);
            match table.try_into::<RawScenario>() {
                Ok(raw) => raw,
                Err(e) => {
                    // a file that is itself broken is reported with its line/column
                    if !file_has_section_phi {
                        if let Err(e0) = toml::from_str::<RawScenario>(text) {
                            return Err(toml_error(text, &e0));
                        }
                    }
                    // otherwise pinpoint the override: apply each alone to the file
                    for o in overrides {
                        let mut alone: toml::Table =
                            text.parse().map_err(|e| toml_error(text, &e))?;
                        let created = o.apply(&mut alone)?;
                        section_nonlinearity(&mut alone);
                        if let Err(e1) = alone.try_into::<RawScenario>() {
                            let msg = e1.message().trim().to_string();
                            let unknown = created
                                && (msg.contains("unknown field")
                                    || msg.contains("invalid type: map"));
                            return Err(if unknown {
                                ModelError::UnknownOverrideKey {
                                    key: o.key.clone(),
                                    reason: msg,
                                }
                            } else {
                                ModelError::InvalidOverride {
                                    key: o.key.clone(),
                                    message: msg,
                                }
                            });
                        }
                    }
                    let keys = overrides
                        .iter()
                        .map(|o| o.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(ModelError::InvalidOverride {
                        key: keys,
                        message: e.message().trim().to_string(),
                    });
                }
            }
        };
        resolve(raw, section_phi, default_name)
    }
}

/// Removes `nonlinearity` from the [mo2018] or [cb2025] table, returning it with its field name.
fn section_nonlinearity(table: &mut toml::Table) -> Option<(&'static str, toml::Value)> {
    for (section, field) in [
        ("mo2018", "mo2018.nonlinearity"),
        ("cb2025", "cb2025.nonlinearity"),
    ] {
        if let Some(toml::Value::Table(t)) = table.get_mut(section) {
            if let Some(v) = t.remove("nonlinearity") {
                return Some((field, v));
            }
        }
    }
    None
}

/// A nonlinearity value of a scenario: a name (`"relu"`) or an affine table
/// `{ kind, gain, threshold, scale, offset }` meaning φ(x) = offset + scale·f(gain·(x − threshold)).
fn parse_nonlinearity(field: &str, value: &toml::Value) -> Result<Phi, ModelError> {
    let by_name = |name: &str, at: String| {
        name.parse::<Phi>()
            .map_err(|e| ModelError::UnknownNonlinearity {
                field: at,
                name: e.0,
            })
    };
    match value {
        toml::Value::String(name) => by_name(name, field.to_string()),
        toml::Value::Table(t) => {
            let base = match t.get("kind") {
                Some(toml::Value::String(k)) => by_name(k, format!("{field}.kind"))?,
                Some(other) => {
                    return Err(ModelError::invalid(
                        format!("{field}.kind"),
                        format!("must be a nonlinearity name, not {}", other.type_str()),
                    ))
                }
                None => {
                    return Err(ModelError::invalid(
                        format!("{field}.kind"),
                        "missing: an affine nonlinearity needs its base, e.g. kind = \"tanh\"",
                    ))
                }
            };
            let mut params = [1.0, 0.0, 1.0, 0.0];
            for (key, v) in t {
                let slot = match key.as_str() {
                    "kind" => continue,
                    "gain" => 0,
                    "threshold" => 1,
                    "scale" => 2,
                    "offset" => 3,
                    _ => {
                        return Err(ModelError::invalid(
                            format!("{field}.{key}"),
                            "unknown key (expected kind, gain, threshold, scale, offset)",
                        ))
                    }
                };
                params[slot] = match v {
                    toml::Value::Float(x) => *x,
                    toml::Value::Integer(i) => *i as f64,
                    other => {
                        return Err(ModelError::invalid(
                            format!("{field}.{key}"),
                            format!("must be a number, not {}", other.type_str()),
                        ))
                    }
                };
            }
            let [gain, threshold, scale, offset] = params;
            base.affine(gain, threshold, scale, offset).map_err(|e| {
                let key = match e {
                    lowrank_gauss::AffineError::Gain(_) => "gain",
                    lowrank_gauss::AffineError::Scale(_) => "scale",
                    lowrank_gauss::AffineError::Threshold(_) => "threshold",
                    lowrank_gauss::AffineError::Offset(_) => "offset",
                    lowrank_gauss::AffineError::OutOfRange => "kind",
                };
                ModelError::invalid(format!("{field}.{key}"), e.to_string())
            })
        }
        other => Err(ModelError::invalid(
            field,
            format!(
                "must be a name (\"tanh\") or a table {{ kind, gain, threshold, scale, offset }}, not {}",
                other.type_str()
            ),
        )),
    }
}

fn resolve(
    raw: RawScenario,
    section_phi: Option<(&'static str, toml::Value)>,
    default_name: Option<String>,
) -> Result<Scenario, ModelError> {
    let name = raw
        .name
        .clone()
        .or(default_name)
        .unwrap_or_else(|| "scenario".into());
    let nonlinearity = match (&raw.nonlinearity, &section_phi) {
        (Some(_), Some((field, _))) => {
            return Err(ModelError::invalid(
                *field,
                "the nonlinearity is given twice (top level and section); keep one",
            ))
        }
        (Some(v), None) => Some(parse_nonlinearity("nonlinearity", v)?),
        (None, Some((field, v))) => Some(parse_nonlinearity(field, v)?),
        (None, None) => None,
    };
    let general = !(raw.population.is_empty()
        && raw.vector.is_empty()
        && raw.term.is_empty()
        && raw.input.is_empty()
        && raw.readout.is_empty());
    let section = match (&raw.mo2018, &raw.cb2025) {
        (Some(_), Some(_)) => {
            return Err(ModelError::invalid(
                "mo2018",
                "a scenario has at most one of [mo2018] and [cb2025]",
            ))
        }
        (Some(_), None) => Some("mo2018"),
        (None, Some(_)) => Some("cb2025"),
        (None, None) => None,
    };
    if let (Some(sec), true) = (section, general) {
        return Err(ModelError::invalid(
            sec,
            format!("[{sec}] replaces [[population]], [[vector]], [[term]], [[input]] and [[readout]]; remove them or the section"),
        ));
    }
    let mut notes = Vec::new();
    let (mut model, source) = if let Some(m) = raw.mo2018 {
        notes.extend(m.notes());
        (m.model()?, Source::Mo2018(m))
    } else if let Some(c) = raw.cb2025 {
        let spec = cb2025_spec(c)?;
        let built = spec.build()?;
        if built.inflation.warning {
            notes.push(format!(
                "σ_n² = {:.4} > {}: finite-N noise is large (docs/theory §4)",
                built.inflation.sigma_n2,
                crate::cb2025::INFLATION_WARNING
            ));
        }
        (
            built.model,
            Source::Cb2025 {
                spec,
                inflation: built.inflation,
            },
        )
    } else {
        (
            general_model(&name, nonlinearity.unwrap_or(Phi::Tanh), &raw)?,
            Source::General,
        )
    };
    if let Some(phi) = nonlinearity {
        model.nonlinearity = phi;
    }
    model.name = name.clone();
    let simulation = raw.simulation.unwrap_or_default();
    simulation.validate(&model)?;
    Ok(Scenario {
        name,
        description: raw.description,
        model,
        simulation,
        source,
        notes,
    })
}

fn cb2025_spec(c: RawCb2025) -> Result<Multiregion, ModelError> {
    let r = c.regions;
    crate::cb2025::check_regions(r)?;
    let gain = match c.g {
        None => vec![0.0; r],
        Some(OneOrMany::One(g)) => vec![g; r],
        Some(OneOrMany::Many(v)) => v,
    };
    let t = match (c.t, c.symmetric) {
        (Some(_), Some(_)) => {
            return Err(ModelError::invalid(
                "cb2025.symmetric",
                "give either `t` or `symmetric`, not both",
            ))
        }
        (Some(t), None) => t,
        (None, Some(s)) => {
            let signs = s.signs.unwrap_or_else(|| vec![1.0; s.a.len()]);
            let t = crate::cb2025::symmetric(&s.a, &s.b, &signs)?;
            if s.a.len() != r {
                return Err(ModelError::invalid(
                    "cb2025.symmetric.a",
                    format!("length {} ≠ regions = {r}", s.a.len()),
                ));
            }
            t
        }
        (None, None) => vec![0.0; r * r * r],
    };
    let mut inputs = Vec::new();
    for (k, i) in c.input.into_iter().enumerate() {
        if i.region == 0 || i.region > r {
            return Err(ModelError::invalid(
                format!("cb2025.input.{k}.region"),
                format!("region {} out of 1..={r} (1-based)", i.region),
            ));
        }
        inputs.push(RegionInput {
            region: i.region - 1,
            v: i.v,
            schedule: Schedule {
                baseline: i.baseline,
                pulses: i.pulses,
                noise: i.noise,
                noise_during_pulses_only: i.noise_during_pulses_only,
            },
        });
    }
    Ok(Multiregion {
        regions: r,
        gain,
        t,
        u: c.u,
        sigma_n2: c.sigma_n2,
        cross_gain: c.cross_gain,
        inputs,
    })
}

fn stats_into(
    b: &mut ModelBuilder,
    vector: &str,
    population: Option<&str>,
    s: &RawStats,
    prefix: &str,
) -> Result<(), ModelError> {
    if let Some(m) = s.mean {
        b.mean_in(vector, population, m, format!("{prefix}.mean"));
    }
    let variance = match (s.variance, s.std) {
        (Some(_), Some(_)) => {
            return Err(ModelError::invalid(
                format!("{prefix}.std"),
                "give either `variance` or `std`, not both",
            ))
        }
        (Some(v), None) => Some((v, format!("{prefix}.variance"))),
        (None, Some(sd)) => {
            non_negative(|| format!("{prefix}.std"), sd)?;
            Some((sd * sd, format!("{prefix}.std")))
        }
        (None, None) => None,
    };
    if let Some((v, field)) = variance {
        b.covariance_in(vector, vector, population, v, field);
    }
    for (other, &c) in &s.cov {
        if other == vector {
            return Err(ModelError::invalid(
                format!("{prefix}.cov.{other}"),
                "use `variance` or `std` for a vector with itself",
            ));
        }
        b.covariance_in(
            vector,
            other,
            population,
            c,
            format!("{prefix}.cov.{other}"),
        );
    }
    Ok(())
}

fn general_model(name: &str, phi: Phi, raw: &RawScenario) -> Result<Model, ModelError> {
    if raw.population.is_empty() {
        return Err(ModelError::NoPopulations);
    }
    let mut b = ModelBuilder::new(name, phi);
    // weights: all fractions, all weights, or none (weight 1)
    let n_frac = raw
        .population
        .iter()
        .filter(|p| p.fraction.is_some())
        .count();
    let n_weight = raw.population.iter().filter(|p| p.weight.is_some()).count();
    let names: Vec<&str> = raw.population.iter().map(|p| p.name.as_str()).collect();
    for (k, n) in names.iter().enumerate() {
        if names[..k].contains(n) {
            return Err(ModelError::DuplicateName {
                field: "population".into(),
                name: n.to_string(),
            });
        }
    }
    for p in &raw.population {
        let f = |k: &str| format!("population.{}.{k}", p.name);
        if p.fraction.is_some() && p.weight.is_some() {
            return Err(ModelError::invalid(
                f("weight"),
                "give either `fraction` or `weight`, not both",
            ));
        }
        if n_frac > 0 && p.fraction.is_none() {
            return Err(ModelError::invalid(
                f("fraction"),
                "missing: when one population has a fraction, all must",
            ));
        }
        if n_weight > 0 && p.weight.is_none() {
            return Err(ModelError::invalid(
                f("weight"),
                "missing: when one population has a weight, all must",
            ));
        }
        let (w, key) = match (p.fraction, p.weight) {
            (Some(x), _) => (x, "fraction"),
            (None, Some(x)) => (x, "weight"),
            (None, None) => (1.0, "weight"),
        };
        finite(|| f(key), w)?;
        if w <= 0.0 || (key == "fraction" && w > 1.0) {
            let range = if key == "fraction" {
                "in (0, 1]"
            } else {
                "> 0"
            };
            return Err(ModelError::invalid(f(key), format!("{w} must be {range}")));
        }
        b.population(p.name.as_str(), w);
        b.gain(&p.name, &p.name, p.gain);
        for (src, &g) in &p.gain_from {
            if src == &p.name {
                return Err(ModelError::invalid(
                    f(&format!("gain_from.{src}")),
                    "use `gain` for a population onto itself",
                ));
            }
            if !names.contains(&src.as_str()) {
                return Err(ModelError::UnknownPopulation {
                    field: f(&format!("gain_from.{src}")),
                    name: src.clone(),
                });
            }
            b.gain(&p.name, src, g);
        }
    }
    if n_frac > 0 {
        let sum: f64 = raw.population.iter().filter_map(|p| p.fraction).sum();
        if (sum - 1.0).abs() > FRACTION_TOLERANCE {
            return Err(ModelError::FractionsDoNotSumToOne { sum });
        }
    }
    for v in &raw.vector {
        let prefix = format!("vector.{}", v.name);
        let top = RawStats {
            mean: v.mean,
            variance: v.variance,
            std: v.std,
            cov: v.cov.clone(),
        };
        let has_top =
            v.mean.is_some() || v.variance.is_some() || v.std.is_some() || !v.cov.is_empty();
        if let Some(comb) = &v.combination {
            if v.variance.is_some() || v.std.is_some() || !v.cov.is_empty() {
                return Err(ModelError::invalid(
                    format!("{prefix}.combination"),
                    "a combination vector takes only `mean` (an offset): its variance and covariances follow from the coefficients",
                ));
            }
            let coefs: Vec<(&str, f64)> = comb.iter().map(|(k, &c)| (k.as_str(), c)).collect();
            if coefs.is_empty() {
                return Err(ModelError::invalid(
                    format!("{prefix}.combination"),
                    "empty combination",
                ));
            }
            b.combination(&v.name, &coefs);
        } else {
            b.vector(v.name.as_str());
        }
        match &v.population {
            Some(per) => {
                if has_top {
                    return Err(ModelError::invalid(
                        format!("{prefix}.population"),
                        "give statistics either for every population (top level) or per population, not both",
                    ));
                }
                for (pop, s) in per {
                    if !names.contains(&pop.as_str()) {
                        return Err(ModelError::UnknownPopulation {
                            field: format!("{prefix}.population.{pop}"),
                            name: pop.clone(),
                        });
                    }
                    let pp = format!("{prefix}.population.{pop}");
                    if v.combination.is_some()
                        && (s.variance.is_some() || s.std.is_some() || !s.cov.is_empty())
                    {
                        return Err(ModelError::invalid(
                            pp,
                            "a combination vector takes only `mean` per population",
                        ));
                    }
                    stats_into(&mut b, &v.name, Some(pop), s, &pp)?;
                }
            }
            None => stats_into(&mut b, &v.name, None, &top, &prefix)?,
        }
    }
    for (k, t) in raw.term.iter().enumerate() {
        let n = t.name.clone().unwrap_or_else(|| (k + 1).to_string());
        b.term(&n, &t.left, &t.right);
    }
    for i in &raw.input {
        let n = i.name.clone().unwrap_or_else(|| i.vector.clone());
        let s = Schedule {
            baseline: i.baseline,
            pulses: i.pulses.clone(),
            noise: i.noise,
            noise_during_pulses_only: i.noise_during_pulses_only,
        };
        b.input(&n, &i.vector, s);
    }
    for r in &raw.readout {
        let n = r.name.clone().unwrap_or_else(|| r.vector.clone());
        b.readout(&n, &r.vector);
    }
    b.build()
}
