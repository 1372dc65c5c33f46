//! The options of a finite-network run on top of a scenario's `[simulation]` settings, checked
//! in one place for `lowrank simulate` and the Python package's `lowrank.simulate`: every option
//! left `None` keeps the scenario's value, and a bad value is an [`OptionError`] naming the
//! option.

use crate::model::{Init as ScenarioInit, Integrator, Scenario};
use crate::sim::{AutocorrConfig, Init, Method, SimConfig};

/// Run options (each `None`: the scenario's value).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunOptions {
    /// Normalising size N₀.
    pub n: Option<usize>,
    /// Seed of every draw.
    pub seed: Option<u64>,
    /// Trials on the same network.
    pub trials: Option<usize>,
    /// Recorded duration after the burn-in.
    pub t: Option<f64>,
    /// Time step.
    pub dt: Option<f64>,
    /// Discarded transient.
    pub burn_in: Option<f64>,
    /// Integration method.
    pub method: Option<Method>,
    /// Measure the autocorrelation Δ_p(τ) up to this lag.
    pub max_lag: Option<f64>,
    /// Lag step of the autocorrelation (a multiple of dt; default max-lag/100, at least dt).
    pub lag_step: Option<f64>,
    /// Record the order parameters every this much time (default: the scenario's, else none).
    pub record_every: Option<f64>,
}

/// A run option out of its domain: the option (named as on the command line, without `--`)
/// and why.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("--{option} {reason}")]
pub struct OptionError {
    /// The option, e.g. `lag-step`.
    pub option: &'static str,
    /// What is wrong, e.g. `(0) must be positive and finite`.
    pub reason: String,
}

fn bad(option: &'static str, reason: String) -> OptionError {
    OptionError { option, reason }
}

impl RunOptions {
    /// The checks that need no scenario: positive finite durations and steps, a burn-in ≥ 0,
    /// at least one neuron and one trial, a lag step only with a maximum lag and not above it.
    ///
    /// # Errors
    /// [`OptionError`] naming the first bad option.
    ///
    /// ```
    /// use lowrank::simulation::RunOptions;
    /// let o = RunOptions { dt: Some(0.0), ..Default::default() };
    /// assert_eq!(o.check().unwrap_err().to_string(), "--dt (0) must be positive and finite");
    /// ```
    pub fn check(&self) -> Result<(), OptionError> {
        for (name, v) in [
            ("t", self.t),
            ("dt", self.dt),
            ("max-lag", self.max_lag),
            ("lag-step", self.lag_step),
            ("record-every", self.record_every),
        ] {
            if let Some(v) = v {
                if !(v.is_finite() && v > 0.0) {
                    return Err(bad(name, format!("({v}) must be positive and finite")));
                }
            }
        }
        if self.max_lag.is_none() && self.lag_step.is_some() {
            return Err(bad("lag-step", "needs --max-lag TAU".into()));
        }
        if let (Some(lag), Some(h)) = (self.max_lag, self.lag_step) {
            if h > lag {
                return Err(bad(
                    "lag-step",
                    format!("({h}) must be ≤ --max-lag ({lag})"),
                ));
            }
        }
        if let Some(b) = self.burn_in {
            if !(b.is_finite() && b >= 0.0) {
                return Err(bad("burn-in", format!("({b}) must be finite and ≥ 0")));
            }
        }
        if self.n == Some(0) {
            return Err(bad("n", "must be ≥ 1".into()));
        }
        if self.trials == Some(0) {
            return Err(bad("trials", "must be ≥ 1".into()));
        }
        Ok(())
    }

    /// The normalising size N₀ and the simulator configuration of `scenario` with these options
    /// applied, after [`RunOptions::check`] and the checks against the scenario's values: dt ≤
    /// t, max-lag ≤ t, a lag step on the integration grid.
    ///
    /// # Errors
    /// [`OptionError`] naming the first bad option (`init` when the scenario's initial
    /// condition does not fit its model).
    ///
    /// ```
    /// use lowrank::model::bundled;
    /// use lowrank::simulation::RunOptions;
    /// let sc = bundled::load("mo2018-fig1", &[]).unwrap().unwrap();
    /// let (n0, cfg) = RunOptions { n: Some(500), max_lag: Some(10.0), ..Default::default() }
    ///     .config(&sc)
    ///     .unwrap();
    /// assert_eq!(n0, 500);
    /// assert!(cfg.autocorr.is_some());
    /// let long = RunOptions { max_lag: Some(1e9), ..Default::default() };
    /// assert_eq!(long.config(&sc).unwrap_err().option, "max-lag");
    /// ```
    pub fn config(&self, scenario: &Scenario) -> Result<(usize, SimConfig), OptionError> {
        self.check()?;
        let spec = &scenario.simulation;
        let mut cfg = SimConfig::new(self.t.unwrap_or(spec.t), self.dt.unwrap_or(spec.dt));
        if cfg.dt > cfg.t {
            return Err(bad(
                "dt",
                format!("({}) exceeds the recorded duration --t ({})", cfg.dt, cfg.t),
            ));
        }
        cfg.trials = self.trials.unwrap_or(spec.trials);
        cfg.burn_in = self.burn_in.unwrap_or(spec.burn_in);
        cfg.seed = self.seed.unwrap_or(spec.seed);
        cfg.method = self.method.unwrap_or(match spec.integrator {
            Integrator::Euler => Method::Euler,
            Integrator::Heun => Method::Heun,
            Integrator::Rk4 => Method::Rk4,
        });
        cfg.init = match &spec.init {
            ScenarioInit::Gaussian { std } => Init::Gaussian {
                mean: 0.0,
                std: *std,
            },
            ScenarioInit::Vectors { .. } => Init::Vectors {
                coefficients: spec
                    .init
                    .vector_coefficients(&scenario.model)
                    .map_err(|e| bad("init", e.to_string()))?,
                std: 0.0,
            },
        };
        cfg.record_every = self.record_every.or(spec.record_every);
        if let Some(lag) = self.max_lag {
            if lag > cfg.t {
                return Err(bad(
                    "max-lag",
                    format!(
                        "({lag}) exceeds the recorded duration --t ({}): Δ(τ) needs τ ≤ t",
                        cfg.t
                    ),
                ));
            }
            if let Some(h) = self.lag_step {
                let k = (h / cfg.dt).round();
                if k < 1.0 || (h - k * cfg.dt).abs() > 1e-9 * h {
                    return Err(bad(
                        "lag-step",
                        format!(
                            "({h}) must be a multiple of the time step --dt ({}): the \
                             autocorrelation is sampled on the integration grid",
                            cfg.dt
                        ),
                    ));
                }
            }
            cfg.autocorr = Some(AutocorrConfig {
                max_lag: lag,
                every: self.lag_step.unwrap_or((lag / 100.0).max(cfg.dt)),
            });
        }
        Ok((self.n.unwrap_or(spec.n), cfg))
    }
}
