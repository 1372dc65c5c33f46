//! Shared plumbing of the bundled cases: scenario loading, choosing the attractor among the
//! mean-field solutions, and running a batched simulation with a time-averaging window.

use crate::case::ScenarioRef;
use crate::error::ValidateError;
use lowrank_model::{Model, Override, Scenario};
use lowrank_sim::{AutocorrConfig, Init, Method, SimConfig, SimulationResult, Simulator};
use lowrank_theory::solve::branches::{solve_all, MeanFieldSolution, SolveOptions};

/// Load a bundled scenario (embedded `scenarios/NAME.toml`) with `KEY=VALUE` overrides.
pub fn load(scenario: &ScenarioRef) -> Result<Scenario, ValidateError> {
    let err = |reason: String| ValidateError::Scenario {
        path: scenario.path.clone(),
        reason,
    };
    let stem = scenario
        .path
        .trim_start_matches("scenarios/")
        .trim_end_matches(".toml")
        .to_string();
    let overrides: Vec<Override> = scenario
        .overrides
        .iter()
        .map(|(k, v)| Override::parse(&format!("{k}={v}")).map_err(|e| err(e.to_string())))
        .collect::<Result<_, _>>()?;
    match lowrank_model::bundled::load(&stem, &overrides) {
        Some(r) => r.map_err(|e| err(e.to_string())),
        None => Err(err("not a bundled scenario".into())),
    }
}

/// A scenario reference `scenarios/NAME.toml` with overrides.
pub fn scenario(name: &str, overrides: &[(&str, String)]) -> ScenarioRef {
    ScenarioRef {
        path: format!("scenarios/{name}.toml"),
        overrides: overrides
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

/// Which mean-field solution the simulation is expected to settle on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pick {
    /// The stable solution of largest |κ| (static or chaotic).
    LargestKappa,
    /// The stable solution of largest κ₁ (signed: the upper branch).
    Upper,
    /// The stable solution of smallest κ₁ (the lower branch).
    Lower,
}

/// Solve every branch (docs/theory §1.6–1.7) and pick the attractor: stable solutions only;
/// when none is flagged stable, chaotic solutions (stationary chaos is the attractor once the
/// static states are unstable to the bulk).
pub fn attractor(
    model: &Model,
    opts: &SolveOptions,
    pick: Pick,
    case: &str,
) -> Result<MeanFieldSolution, ValidateError> {
    let all = solve_all(model, opts)?;
    let mut cands: Vec<&MeanFieldSolution> = all
        .solutions
        .iter()
        .filter(|s| s.convergence.converged && s.stable)
        .collect();
    if cands.is_empty() {
        cands = all
            .solutions
            .iter()
            .filter(|s| s.convergence.converged && s.regime == "chaotic")
            .collect();
    }
    let norm = |s: &MeanFieldSolution| s.kappa.iter().map(|k| k * k).sum::<f64>();
    let best = match pick {
        Pick::LargestKappa => cands.into_iter().max_by(|a, b| norm(a).total_cmp(&norm(b))),
        Pick::Upper => cands
            .into_iter()
            .max_by(|a, b| a.kappa[0].total_cmp(&b.kappa[0])),
        Pick::Lower => cands
            .into_iter()
            .min_by(|a, b| a.kappa[0].total_cmp(&b.kappa[0])),
    };
    best.cloned().ok_or_else(|| ValidateError::Case {
        case: case.to_string(),
        reason: format!(
            "no converged stable or chaotic mean-field solution among {}",
            all.solutions.len()
        ),
    })
}

/// How to simulate one measurement, on *the case's clock*: input schedules are evaluated at
/// this clock's time, the network starts at t = −`pre` and time averages (and recorded
/// series) cover [`burn_in`, `t`].
///
/// The simulator's own convention (records [0, T] after a discarded pre-window, schedules
/// evaluated on the same clock) is reached by shifting every input pulse by −`burn_in`:
/// the simulator is run with pre-window `pre + burn_in` and T = `t − burn_in`.
#[derive(Clone, Debug)]
pub struct Plan {
    /// End of the averaging window.
    pub t: f64,
    /// Start of the averaging window.
    pub burn_in: f64,
    /// Integration starts at −`pre` (e.g. the \[MO\] protocols' "discard 10").
    pub pre: f64,
    /// Step.
    pub dt: f64,
    /// Integrator.
    pub method: Method,
    /// Trials per network.
    pub trials: usize,
    /// Initial condition.
    pub init: Init,
    /// Record κ, S, z series every this much time (needed for |κ(t)|, radii, frequencies).
    pub record_every: Option<f64>,
    /// Autocorrelation (for Δ∞).
    pub autocorr: Option<AutocorrConfig>,
}

impl Plan {
    /// A plan with Euler, one trial, x(0) ~ N(0, 1), no pre-window, nothing recorded beyond
    /// averages.
    pub fn new(t: f64, burn_in: f64, dt: f64) -> Plan {
        Plan {
            t,
            burn_in,
            pre: 0.0,
            dt,
            method: Method::Euler,
            trials: 1,
            init: Init::Gaussian {
                mean: 0.0,
                std: 1.0,
            },
            record_every: None,
            autocorr: None,
        }
    }

    /// Scale the averaging window (t − burn_in) by `effort` (clamped to [0.25, 4]).
    pub fn with_effort(mut self, effort: f64) -> Plan {
        let window = (self.t - self.burn_in) * effort.clamp(0.25, 4.0);
        self.t = self.burn_in + window;
        self
    }
}

/// Draw the network of size `n` with `seed` and run `plan` in single precision (f32: the
/// rounding error, ~1e-6 relative, is far below the 1/√N effects measured here, and halves
/// the memory traffic of the dense random part).
pub fn simulate(
    model: &Model,
    n: usize,
    seed: u64,
    plan: &Plan,
) -> Result<SimulationResult, ValidateError> {
    // shift the schedules so that the simulator's recorded window [0, T] is [burn_in, t] here
    let mut parts = model.clone().into_parts();
    for input in &mut parts.inputs {
        for p in &mut input.schedule.pulses {
            p.start -= plan.burn_in;
            p.stop -= plan.burn_in;
        }
    }
    let shifted = Model::new(parts).map_err(|e| ValidateError::Case {
        case: model.name().to_string(),
        reason: format!(
            "the input schedules shifted by the burn-in {}: {e}",
            plan.burn_in
        ),
    })?;
    // the draw does not depend on the schedules: the same network as `model`'s
    let sim = Simulator::<f32>::sample(&shifted, n, seed)?;
    let cfg = SimConfig {
        method: plan.method,
        trials: plan.trials,
        burn_in: plan.pre + plan.burn_in,
        init: plan.init.clone(),
        seed: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(17),
        record_every: plan.record_every,
        autocorr: plan.autocorr.clone(),
        ..SimConfig::new(plan.t - plan.burn_in, plan.dt)
    };
    Ok(sim.run(&cfg)?)
}

/// Which recorded series to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// Overlaps κ_k(t).
    Kappa,
    /// Currents S_k(t).
    Currents,
    /// Readouts z_r(t).
    Readouts,
}

/// The recorded samples of trial `b` (the averaging window; time-major vectors).
pub fn window(res: &SimulationResult, field: Field, b: usize) -> Vec<(f64, &[f64])> {
    match &res.series {
        Some(s) => {
            let tr = &s.trials[b];
            let data = match field {
                Field::Kappa => &tr.kappa,
                Field::Currents => &tr.currents,
                Field::Readouts => &tr.readouts,
            };
            s.t.iter()
                .zip(data)
                .map(|(t, v)| (*t, v.as_slice()))
                .collect()
        }
        None => Vec::new(),
    }
}

/// Mean over the averaging window and over trials of f(vector at time t), e.g. the ring
/// radius √(κ₁² + κ₂²) whose time average is meaningful while the angle drifts.
pub fn series_mean(
    res: &SimulationResult,
    field: Field,
    f: impl Fn(&[f64]) -> f64,
) -> Result<f64, ValidateError> {
    let mut sum = 0.0;
    let mut count = 0usize;
    for b in 0..res.trials {
        for (_, v) in window(res, field, b) {
            sum += f(v);
            count += 1;
        }
    }
    if count == 0 {
        return Err(ValidateError::Case {
            case: "series".into(),
            reason: "no recorded samples in the averaging window".into(),
        });
    }
    Ok(sum / count as f64)
}

/// Mean over trials of |κ_k| (time-averaged per trial): the right statistic when the sign of
/// a bistable state is random across trials.
pub fn mean_abs_kappa(res: &SimulationResult, k: usize) -> f64 {
    res.per_trial.iter().map(|t| t.kappa[k].abs()).sum::<f64>() / res.per_trial.len().max(1) as f64
}
