//! Cases beyond the papers' nonlinearities (docs/scenarios.md, "Nonlinearities"): a ReLU network
//! driven by a constant input, non-odd bounded rates in chaos, and a kinked bounded φ in chaos.
//! The theory is the same general mean-field theory (docs/theory §1.6–1.7); only φ changes.

use super::common::{attractor, load, scenario, series_mean, simulate, Field, Pick, Plan};
use super::mo::CHAOTIC_SIZES;
use crate::case::{Case, Measurement, Observable, ScenarioRef, SimRequest};
use crate::error::ValidateError;
use crate::rule::Rule;
use lowrank_sim::{AutocorrConfig, Method};
use lowrank_theory::solve::branches::SolveOptions;

fn obs_kappa() -> Observable {
    Observable::new(
        "kappa",
        "overlap κ = n·φ(x)/N (§1.4), time-averaged after the burn-in, signed: φ is not odd, so κ has \
         one sign (no ± pair of states)",
    )
}

fn obs_abs_kappa() -> Observable {
    Observable::new(
        "|kappa|",
        "overlap κ = n·φ(x)/N (§1.4), |κ(t)| averaged over the window (theory κ = 0: the central state)",
    )
}

fn obs_delta0() -> Observable {
    Observable::new(
        "delta0",
        "total variance Δ₀ = (1/N)Σ(x_i − μ)², time-averaged (§1.6 static, §1.7 chaotic)",
    )
}

fn obs_delta_inf() -> Observable {
    Observable::new(
        "delta_inf",
        "static variance Δ∞ (§1.7); simulation: the autocorrelation Δ(τ) about the population mean over \
         lags 30–40, averaged over the window",
    )
}

/// The stable mean-field state of `sref` (largest |κ|), with its regime checked.
fn theory_state(
    sref: &ScenarioRef,
    case: &str,
    regime: &str,
) -> Result<lowrank_theory::solve::branches::MeanFieldSolution, ValidateError> {
    let sc = load(sref)?;
    let sol = attractor(
        &sc.model,
        &SolveOptions::default(),
        Pick::LargestKappa,
        case,
    )?;
    if sol.regime != regime {
        return Err(ValidateError::Case {
            case: case.into(),
            reason: format!("expected a {regime} attractor, got {}", sol.regime),
        });
    }
    Ok(sol)
}

/// A chaotic run: Heun dt = 0.1, T = 100 with burn-in 30, 2 trials, Δ(τ) to lag 40.
fn chaotic_plan(effort: f64) -> Plan {
    let mut plan = Plan::new(100.0, 30.0, 0.1).with_effort(effort);
    plan.method = Method::Heun;
    plan.trials = 2;
    plan.record_every = Some(0.5);
    plan.autocorr = Some(AutocorrConfig {
        max_lag: 40.0,
        every: 0.5,
    });
    plan
}

fn delta_inf(res: &lowrank_sim::SimulationResult, case: &str) -> Result<f64, ValidateError> {
    res.delta_inf
        .as_ref()
        .map(|d| d[0])
        .ok_or_else(|| ValidateError::Case {
            case: case.into(),
            reason: "no autocorrelation recorded".into(),
        })
}

/// ReLU rank one with a constant input (`scenarios/relu-input.toml`): κ and Δ₀ of the stable
/// stationary state.
pub fn relu_input() -> Case {
    let sref = scenario("relu-input", &[]);
    let name = "relu-input".to_string();
    let (s1, s2, n1) = (sref.clone(), sref.clone(), name.clone());
    let theory = Box::new(move || -> Result<Vec<f64>, ValidateError> {
        let sol = theory_state(&s1, &n1, "stationary")?;
        Ok(vec![sol.kappa[0], sol.delta0[0]])
    });
    let simulate_fn = Box::new(
        move |r: &SimRequest| -> Result<Measurement, ValidateError> {
            let sc = load(&s2)?;
            let mut plan = Plan::new(45.0, 35.0, 0.1).with_effort(r.effort);
            plan.trials = 2;
            let res = simulate(&sc.model, r.n, r.seed, &plan)?;
            Ok(Measurement {
                values: vec![res.kappa[0], res.delta0[0]],
                reference: None,
            })
        },
    );
    Case {
        name,
        source: "beyond the papers: φ = ReLU".into(),
        description: "ReLU rank one, g = 0.8, M_m = 1, M_n = 0.3, Σ_m = Σ_n = 1, constant input of \
                      amplitude 1 along I with M_I = 0.3, Σ_nI = 0.5, Σ⊥ = 1: one stable stationary \
                      state with κ > 0 (the positive mean rate feeds the overlap). Euler dt = 0.1, \
                      T = 45 with burn-in 35, 2 trials from x(0) ~ N(0, 1)."
            .into(),
        scenario: sref,
        observables: vec![obs_kappa(), obs_delta0()],
        theory,
        simulate: simulate_fn,
        rule: Rule::default(),
        sizes: None,
        seed_factor: 1,
        figure_points: vec![],
    }
}

/// Positive rates φ = 1 + tanh(x − 0.5) in chaos (`scenarios/rates-chaos.toml`): signed κ,
/// Δ₀ and Δ∞ > 0 of the stationary chaotic state.
pub fn rates_chaos() -> Case {
    let sref = scenario("rates-chaos", &[]);
    let name = "rates-chaos".to_string();
    let (s1, s2, n1) = (sref.clone(), sref.clone(), name.clone());
    let theory = Box::new(move || -> Result<Vec<f64>, ValidateError> {
        let sol = theory_state(&s1, &n1, "chaotic")?;
        Ok(vec![sol.kappa[0], sol.delta0[0], sol.delta_inf[0]])
    });
    let simulate_fn = Box::new(
        move |r: &SimRequest| -> Result<Measurement, ValidateError> {
            let sc = load(&s2)?;
            let res = simulate(&sc.model, r.n, r.seed, &chaotic_plan(r.effort))?;
            let dinf = delta_inf(&res, "rates-chaos")?;
            Ok(Measurement {
                values: vec![res.kappa[0], res.delta0[0], dinf],
                reference: None,
            })
        },
    );
    Case {
        name,
        source: "beyond the papers: non-odd φ".into(),
        description: "Rank one with positive rates φ(x) = 1 + tanh(x − 0.5), g = 4, M_m = 1, M_n = 0.4, \
                      Σ_m = Σ_n = 1, no input: heterogeneous chaos with κ ≠ 0 and a quenched field \
                      Δ∞ > 0 although nothing breaks a symmetry. Heun dt = 0.1, T = 100 with burn-in \
                      30, 2 trials from x(0) ~ N(0, 1)."
            .into(),
        scenario: sref,
        observables: vec![obs_kappa(), obs_delta0(), obs_delta_inf()],
        theory,
        simulate: simulate_fn,
        rule: Rule::default(),
        sizes: Some(CHAOTIC_SIZES.to_vec()),
        seed_factor: 1,
        figure_points: vec![],
    }
}

/// Hard tanh (kinks at ±1) in central chaos (`scenarios/hard-tanh-chaos.toml`): |κ| → 0, Δ₀
/// and Δ∞ = 0.
pub fn hard_tanh_chaos() -> Case {
    let sref = scenario("hard-tanh-chaos", &[]);
    let name = "hard-tanh-chaos".to_string();
    let (s1, s2, n1) = (sref.clone(), sref.clone(), name.clone());
    let theory = Box::new(move || -> Result<Vec<f64>, ValidateError> {
        let sol = theory_state(&s1, &n1, "chaotic")?;
        Ok(vec![sol.kappa[0].abs(), sol.delta0[0], sol.delta_inf[0]])
    });
    let simulate_fn = Box::new(
        move |r: &SimRequest| -> Result<Measurement, ValidateError> {
            let sc = load(&s2)?;
            let res = simulate(&sc.model, r.n, r.seed, &chaotic_plan(r.effort))?;
            let k = series_mean(&res, Field::Kappa, |v| v[0].abs())?;
            let dinf = delta_inf(&res, "hard-tanh-chaos")?;
            Ok(Measurement {
                values: vec![k, res.delta0[0], dinf],
                reference: None,
            })
        },
    );
    Case {
        name,
        source: "beyond the papers: kinked φ".into(),
        description: "Rank one with φ = clamp(x, −1, 1), g = 2.5, M_m = 1.1, M_n = 2, Σ_m = Σ_n = 1, no \
                      input: central chaos (κ = 0, Δ∞ = 0). Heun dt = 0.1, T = 100 with burn-in 30, \
                      2 trials from x(0) ~ N(0, 1); |κ(t)| averaged over the window."
            .into(),
        scenario: sref,
        observables: vec![obs_abs_kappa(), obs_delta0(), obs_delta_inf()],
        theory,
        simulate: simulate_fn,
        rule: Rule::default(),
        sizes: Some(CHAOTIC_SIZES.to_vec()),
        seed_factor: 1,
        figure_points: vec![],
    }
}
