//! Autocorrelation functions: the theory's Δ(τ) of a stationary chaotic state (the energy
//! equation Δ̈ = −V′(Δ) with Δ(0) = Δ₀, Δ̇(0) = 0, docs/theory §1.7;
//! [`lowrank_theory::autocorrelation`]) against the simulator's measured autocorrelation about
//! the population mean, at a ladder of lags — \[MO\] Fig. 1 (central chaos, Δ(τ) → 0) and
//! \[CB\] Fig. 4b (the chaotic branch with currents, Δ(τ) → Δ∞ > 0). Each case also places its
//! points on a figure over the theory's curve, so the overlay is drawn by every report.

use super::common::{attractor, load, scenario, simulate, Pick, Plan};
use super::mo::CHAOTIC_SIZES;
use crate::case::{
    Case, Curve, FigurePoint, FigureSpec, Measurement, Observable, ScenarioRef, SimRequest,
};
use crate::error::ValidateError;
use crate::rule::Rule;
use lowrank_sim::{AutocorrConfig, Method};
use lowrank_theory::autocorrelation::{autocorrelation, AutocorrelationOptions};
use lowrank_theory::solve::branches::SolveOptions;

/// Lags compared (multiples of the simulator's lag step [`SIM_LAG_STEP`]).
const LAGS: [f64; 8] = [0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0];
/// Lag step of the simulator's autocorrelation (and of the theory at the compared lags).
const SIM_LAG_STEP: f64 = 0.5;
/// Largest lag of the figures' theory curves.
const CURVE_TAU_MAX: f64 = 20.0;

/// The theory's Δ(τ) of the chaotic attractor of `sref` (population 0) on the lags 0, h, 2h, …
/// ≤ `tau_max`.
fn theory_acf(
    sref: &ScenarioRef,
    case: &str,
    tau_max: f64,
    step: f64,
) -> Result<(Vec<f64>, Vec<f64>), ValidateError> {
    let sc = load(sref)?;
    let sol = attractor(
        &sc.model,
        &SolveOptions::default(),
        Pick::LargestKappa,
        case,
    )?;
    if sol.regime != "chaotic" {
        return Err(ValidateError::Case {
            case: case.into(),
            reason: format!("expected a chaotic attractor, got {}", sol.regime),
        });
    }
    let mut opts = AutocorrelationOptions::new(tau_max);
    opts.tau_step = step;
    let acf = autocorrelation(&sc.model, &sol, &opts)?.into_result()?;
    Ok((acf.lags, acf.delta[0].clone()))
}

/// Index of lag τ on a grid of step h.
fn lag_index(tau: f64, h: f64) -> usize {
    (tau / h).round() as usize
}

/// Values of `delta` (step h) at [`LAGS`], or an error naming what is missing.
fn at_lags(delta: &[f64], h: f64, case: &str, what: &str) -> Result<Vec<f64>, ValidateError> {
    LAGS.iter()
        .map(|&tau| {
            delta
                .get(lag_index(tau, h))
                .copied()
                .ok_or_else(|| ValidateError::Case {
                    case: case.into(),
                    reason: format!("{what}: no lag τ = {tau} (only {} lags)", delta.len()),
                })
        })
        .collect()
}

fn observables() -> Vec<Observable> {
    LAGS.iter()
        .map(|tau| {
            Observable::new(
                &format!("delta(tau={tau})"),
                "autocorrelation Δ(τ) = (1/N)Σ⟨δx_i(t)δx_i(t+τ)⟩ about the population mean, \
                 averaged over the window and the trials; theory: the energy equation of §1.7",
            )
        })
        .collect()
}

/// A case comparing Δ(τ) at [`LAGS`] on the chaotic attractor of `sref`, simulated with Heun
/// dt = 0.1, T = 100, burn-in 30, 2 trials, and placed on the figure `figure`.
fn acf_case(name: &str, source: &str, description: &str, sref: ScenarioRef, figure: &str) -> Case {
    let (s1, s2, n1, n2) = (
        sref.clone(),
        sref.clone(),
        name.to_string(),
        name.to_string(),
    );
    let theory = Box::new(move || -> Result<Vec<f64>, ValidateError> {
        let (_, delta) = theory_acf(&s1, &n1, LAGS[LAGS.len() - 1], SIM_LAG_STEP)?;
        at_lags(&delta, SIM_LAG_STEP, &n1, "theory")
    });
    let simulate_fn = Box::new(
        move |r: &SimRequest| -> Result<Measurement, ValidateError> {
            let sc = load(&s2)?;
            let mut plan = Plan::new(100.0, 30.0, 0.1).with_effort(r.effort);
            plan.method = Method::Heun;
            plan.trials = 2;
            plan.autocorr = Some(AutocorrConfig {
                max_lag: LAGS[LAGS.len() - 1],
                every: SIM_LAG_STEP,
            });
            let res = simulate(&sc.model, r.n, r.seed, &plan)?;
            let acf = res
                .autocorrelation
                .as_ref()
                .ok_or_else(|| ValidateError::Case {
                    case: n2.clone(),
                    reason: "no autocorrelation recorded".into(),
                })?;
            Ok(Measurement {
                values: at_lags(&acf.delta[0], SIM_LAG_STEP, &n2, "simulation")?,
                reference: None,
            })
        },
    );
    Case {
        name: name.into(),
        source: source.into(),
        description: format!(
            "{description} Δ(τ) at τ = {LAGS:?}; simulation: Heun dt = 0.1, T = 100 with burn-in \
             30, 2 trials from x(0) ~ N(0, 1), autocorrelation with lag step {SIM_LAG_STEP}."
        ),
        scenario: sref,
        observables: observables(),
        theory,
        simulate: simulate_fn,
        rule: Rule::default(),
        sizes: Some(CHAOTIC_SIZES.to_vec()),
        seed_factor: 1,
        figure_points: LAGS
            .iter()
            .enumerate()
            .map(|(i, &tau)| FigurePoint {
                figure: figure.into(),
                series: "Δ(τ) sim".into(),
                x: tau,
                observable: i,
                y: None,
            })
            .collect(),
    }
}

/// The figure of a case: the theory's Δ(τ) on [0, [`CURVE_TAU_MAX`]] (step 0.05).
fn acf_figure(name: &str, title: &str, sref: ScenarioRef) -> FigureSpec {
    let case = name.to_string();
    FigureSpec {
        name: name.into(),
        title: title.into(),
        x_label: "τ".into(),
        y_label: "Δ(τ)".into(),
        curves: Box::new(move || {
            let (lags, delta) = theory_acf(&sref, &case, CURVE_TAU_MAX, 0.05)?;
            Ok(vec![Curve {
                label: "Δ(τ) theory".into(),
                points: lags.into_iter().zip(delta).collect(),
                dashed: false,
            }])
        }),
    }
}

fn mo_ref() -> ScenarioRef {
    scenario("mo2018-fig1", &[("mo2018.g", "2.5".to_string())])
}

fn cb_ref() -> ScenarioRef {
    scenario(
        "cb2025-fig4a-b2",
        &[
            ("cb2025.g", "2.4".to_string()),
            ("cb2025.t.0", "3".to_string()),
        ],
    )
}

/// \[MO\] Fig. 1 at g = 2.5: central chaos (κ = 0), Δ(τ) decays from Δ₀ to 0.
pub fn mo_fig1() -> Case {
    acf_case(
        "mo-fig1-acf-g2.5",
        "[MO] Fig. 1 (autocorrelation)",
        "Rank one, M_m = 1.1, M_n = 2, g = 2.5, no input: central chaos.",
        mo_ref(),
        "mo-fig1-acf",
    )
}

/// \[CB\] Fig. 4b: one region, b = 3, g = 2.4, on the chaotic branch with currents:
/// Δ(τ) decays from Δ₀ to Δ∞ > 0.
pub fn cb_fig4b() -> Case {
    acf_case(
        "cb-fig4b-acf-b3-g2.4",
        "[CB] Fig. 4b (autocorrelation)",
        "One region, self-loop b = 3, φ = erf(√πx/2), g = 2.4: the chaotic branch with currents.",
        cb_ref(),
        "cb-fig4b-acf",
    )
}

/// The overlay figure of [`mo_fig1`].
pub fn mo_fig1_figure() -> FigureSpec {
    acf_figure(
        "mo-fig1-acf",
        "[MO] Fig. 1, g = 2.5: Δ(τ) theory and simulation",
        mo_ref(),
    )
}

/// The overlay figure of [`cb_fig4b`].
pub fn cb_fig4b_figure() -> FigureSpec {
    acf_figure(
        "cb-fig4b-acf",
        "[CB] Fig. 4b, b = 3, g = 2.4: Δ(τ) theory and simulation",
        cb_ref(),
    )
}
