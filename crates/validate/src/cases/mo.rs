//! \[MO\] cases: Fig. 1 (spontaneous rank one at several g), Fig. 2 (input-driven bistability,
//! both branches), the ring attractor (rank two), Go/Nogo and noisy detection.

use super::common::{
    attractor, load, mean_abs_kappa, scenario, series_mean, simulate, Field, Pick, Plan,
};
use crate::case::{Case, Curve, FigurePoint, FigureSpec, Measurement, Observable};
use crate::error::ValidateError;
use crate::rule::Rule;
use lowrank_model::mo2018::RankOne;
use lowrank_sim::{AutocorrConfig, Init, Method};
use lowrank_theory::mo2018::{fig1_sweep, g_c, lambda0_bb};
use lowrank_theory::solve::branches::SolveOptions;

/// Sizes of the cases whose per-step cost is a dense N×N product *and* that need long
/// averaging windows (chaos, limit cycle, the context task's long stimulus): capped at 4000
/// to fit the time budget, starting at 125 so that they still span a factor 32.
pub const CHAOTIC_SIZES: [usize; 6] = [125, 250, 500, 1000, 2000, 4000];

fn opts() -> SolveOptions {
    SolveOptions::default()
}

fn obs_abs_kappa() -> Observable {
    Observable::new(
        "|kappa|",
        "overlap κ = n·φ(x)/N (§1.4), time-averaged after the burn-in, |·| per trial: without input the ± \
         heterogeneous states are symmetric and a trial lands on either (§2.1)",
    )
}

fn obs_delta0() -> Observable {
    Observable::new(
        "delta0",
        "total variance Δ₀ = (1/N)Σ(x_i − μ)², time-averaged (§1.6 static, §1.7 chaotic: static + temporal)",
    )
}

fn obs_delta_inf() -> Observable {
    Observable::new(
        "delta_inf",
        "static variance Δ∞ = lim Δ(τ) (§1.7; Δ₀ − Δ∞ is the temporal variance); simulation: mean of the \
         autocorrelation Δ(τ) about the population mean over lags 30–40, averaged over the window",
    )
}

/// \[MO\] Fig. 1 at disorder g: |κ|, Δ₀ (and Δ∞ when chaotic).
pub fn fig1(g: f64, chaotic: bool) -> Case {
    rank_one(2.0, g, chaotic)
}

/// Rank one without input (the Fig. 1 statistics M_m = 1.1, Σ_m = Σ_n = 1, with mean M_n) at
/// disorder g: |κ|, Δ₀ (and Δ∞ when chaotic). M_n = 2 is \[MO\] Fig. 1 (`mo-fig1-g…`);
/// another M_n moves the point in the (g, λ₀ = 1.1 M_n) phase plane (`mo-rank1-mn…-g…`).
pub fn rank_one(mean_n: f64, g: f64, chaotic: bool) -> Case {
    let fig1 = mean_n == 2.0;
    let sref = if fig1 {
        scenario("mo2018-fig1", &[("mo2018.g", format!("{g}"))])
    } else {
        scenario(
            "mo2018-fig1",
            &[
                ("mo2018.g", format!("{g}")),
                ("mo2018.mean_n", format!("{mean_n}")),
            ],
        )
    };
    let name = if fig1 {
        format!("mo-fig1-g{g}")
    } else {
        format!("mo-rank1-mn{mean_n}-g{g}")
    };
    let lambda0 = 1.1 * mean_n;
    let mut observables = vec![obs_abs_kappa(), obs_delta0()];
    if chaotic {
        observables.push(obs_delta_inf());
    }
    let (s1, s2) = (sref.clone(), sref.clone());
    let n1 = name.clone();
    let theory = Box::new(move || -> Result<Vec<f64>, ValidateError> {
        let sc = load(&s1)?;
        let sol = attractor(&sc.model, &opts(), Pick::LargestKappa, &n1)?;
        let mut v = vec![sol.kappa[0].abs(), sol.delta0[0]];
        if chaotic {
            if sol.regime != "chaotic" {
                return Err(ValidateError::Case {
                    case: n1.clone(),
                    reason: format!("expected a chaotic attractor, got {}", sol.regime),
                });
            }
            v.push(sol.delta_inf[0]);
        }
        Ok(v)
    });
    let simulate_fn =
        Box::new(
            move |r: &crate::case::SimRequest| -> Result<Measurement, ValidateError> {
                let sc = load(&s2)?;
                if chaotic {
                    let mut plan = Plan::new(100.0, 30.0, 0.1).with_effort(r.effort);
                    plan.method = Method::Heun;
                    plan.trials = 2;
                    plan.record_every = Some(0.5);
                    plan.autocorr = Some(AutocorrConfig {
                        max_lag: 40.0,
                        every: 0.5,
                    });
                    let res = simulate(&sc.model, r.n, r.seed, &plan)?;
                    // |κ(t)| averaged over time: robust to rare hops between the ± states near g_BB.
                    let k = series_mean(&res, Field::Kappa, |v| v[0].abs())?;
                    let dinf = res.delta_inf.as_ref().map(|d| d[0]).ok_or_else(|| {
                        ValidateError::Case {
                            case: "mo-fig1".into(),
                            reason: "no autocorrelation recorded".into(),
                        }
                    })?;
                    Ok(Measurement {
                        values: vec![k, res.delta0[0], dinf],
                        reference: None,
                    })
                } else {
                    let mut plan = Plan::new(45.0, 35.0, 0.1).with_effort(r.effort);
                    plan.trials = 2;
                    let res = simulate(&sc.model, r.n, r.seed, &plan)?;
                    Ok(Measurement {
                        values: vec![mean_abs_kappa(&res, 0), res.delta0[0]],
                        reference: None,
                    })
                }
            },
        );
    Case {
        name,
        source: if fig1 { "[MO] Fig. 1".into() } else { "[MO] §2.3 phase diagram (rank one, λ₀ = 3.3)".into() },
        description: format!(
            "Rank one without input, M_m = 1.1, M_n = {mean_n} (λ₀ = {lambda0:.1}), Σ_m = Σ_n = 1, g = {g} ({}). {}",
            match (chaotic, fig1) {
                (false, _) => "heterogeneous stationary: g < g_C",
                (true, true) if g > 2.136 => "central chaos (κ = 0, Δ∞ = 0): g > g_BB = 2.136",
                (true, true) => "heterogeneous chaotic: g_C = 1.796 < g < g_BB = 2.136",
                (true, false) => "heterogeneous chaotic, deep in the window g_C(λ₀) < g < g_BB(λ₀), where the κ mode is stiff enough \
                                  (outlier 0.739, relaxation rate ≈ 0.26) that the ± states rarely hop at N ≥ 2000",
            },
            if chaotic {
                "Heun dt = 0.1, T = 100 with burn-in 30, 2 trials from x(0) ~ N(0,1); |κ(t)| averaged over the window."
            } else {
                "Euler dt = 0.1 (fixed points of the Euler map are those of the ODE), T = 45 with burn-in 35, 2 trials from x(0) ~ N(0,1)."
            }
        ),
        scenario: sref,
        observables,
        theory,
        simulate: simulate_fn,
        rule: Rule::default(),
        sizes: if chaotic {
            Some(CHAOTIC_SIZES.to_vec())
        } else {
            None
        },
        seed_factor: 1,
        figure_points: {
            let mut v = vec![FigurePoint {
                figure: "mo-phase".into(),
                series: "simulated case".into(),
                x: g,
                observable: 0,
                y: Some(lambda0),
            }];
            if fig1 {
                v.push(FigurePoint {
                    figure: "mo-fig1".into(),
                    series: "|kappa| simulation".into(),
                    x: g,
                    observable: 0,
                    y: None,
                });
                v.push(FigurePoint {
                    figure: "mo-fig1".into(),
                    series: "delta0 simulation".into(),
                    x: g,
                    observable: 1,
                    y: None,
                });
            }
            v
        },
    }
}

/// \[MO\] Fig. 2 bistable case with input: the upper and the lower branch, each reached from an
/// initial condition on it (x(0) = κ* m + u I with κ* the branch's theory value).
pub fn bistable_input() -> Case {
    let sref = scenario("mo2018-fig2-bistable-input", &[]);
    let name = "mo-fig2-bistable-input".to_string();
    let (s1, s2) = (sref.clone(), sref.clone());
    let n1 = name.clone();
    let branches =
        move |s: &crate::case::ScenarioRef, case: &str| -> Result<(f64, f64), ValidateError> {
            let sc = load(s)?;
            let up = attractor(&sc.model, &opts(), Pick::Upper, case)?;
            let lo = attractor(&sc.model, &opts(), Pick::Lower, case)?;
            if up.kappa[0] - lo.kappa[0] < 1e-3 {
                return Err(ValidateError::Case {
                    case: case.into(),
                    reason: "theory has a single stable state: not bistable".into(),
                });
            }
            Ok((up.kappa[0], lo.kappa[0]))
        };
    let theory = Box::new(move || -> Result<Vec<f64>, ValidateError> {
        let (u, l) = branches(&s1, &n1)?;
        Ok(vec![u, l])
    });
    let simulate_fn = Box::new(
        move |r: &crate::case::SimRequest| -> Result<Measurement, ValidateError> {
            let sc = load(&s2)?;
            let (u, l) = branches(&s2, "mo-fig2-bistable-input")?;
            let m = sc
                .model
                .vector_index("m")
                .ok_or_else(|| ValidateError::Case {
                    case: "mo-fig2".into(),
                    reason: "no vector m".into(),
                })?;
            let i = sc.model.inputs().first().map(|x| x.vector);
            let mut out = Vec::new();
            for kappa in [u, l] {
                let mut plan = Plan::new(50.0, 30.0, 0.1).with_effort(r.effort);
                let mut coefficients = vec![(m, kappa)];
                if let Some(i) = i {
                    coefficients.push((i, sc.model.inputs()[0].schedule.baseline));
                }
                plan.init = Init::Vectors {
                    coefficients,
                    std: 0.0,
                };
                let res = simulate(&sc.model, r.n, r.seed, &plan)?;
                out.push(res.kappa[0]);
            }
            Ok(Measurement {
                values: out,
                reference: None,
            })
        },
    );
    Case {
        name,
        source: "[MO] Fig. 2".into(),
        description: "Rank one, M_m = 3.5, M_n = 1, g = 0.8, constant input along the part of n orthogonal to m \
                      (Σ_nI = 0.5, Σ⊥ = 1): two stable states. Each branch is simulated from x(0) = κ*m + uI on it; \
                      Euler dt = 0.1, T = 50, burn-in 30. Signed κ (the input breaks the ± symmetry)."
            .into(),
        scenario: sref,
        observables: vec![
            Observable::new("kappa upper", "κ on the upper branch (§2.4)"),
            Observable::new("kappa lower", "κ on the lower branch (§2.4)"),
        ],
        theory,
        simulate: simulate_fn,
        rule: Rule::default(),
        sizes: None,
        seed_factor: 1,
        figure_points: vec![],
    }
}

/// \[MO\] ring attractor (rank two, g = 2.1, chaotic): the radius √(κ₁² + κ₂²) and Δ₀.
pub fn ring() -> Case {
    let sref = scenario("mo2018-ring", &[]);
    let name = "mo-ring".to_string();
    let (s1, s2) = (sref.clone(), sref.clone());
    let n1 = name.clone();
    let theory = Box::new(move || -> Result<Vec<f64>, ValidateError> {
        let sc = load(&s1)?;
        let sol = attractor(&sc.model, &opts(), Pick::LargestKappa, &n1)?;
        let r = sol.kappa.iter().map(|k| k * k).sum::<f64>().sqrt();
        Ok(vec![r, sol.delta0[0]])
    });
    let simulate_fn = Box::new(
        move |r: &crate::case::SimRequest| -> Result<Measurement, ValidateError> {
            let sc = load(&s2)?;
            let mut plan = Plan::new(100.0, 30.0, 0.1).with_effort(r.effort);
            plan.method = Method::Heun;
            plan.trials = 2;
            plan.record_every = Some(0.5);
            let res = simulate(&sc.model, r.n, r.seed, &plan)?;
            let radius = series_mean(&res, Field::Kappa, |v| (v[0] * v[0] + v[1] * v[1]).sqrt())?;
            Ok(Measurement {
                values: vec![radius, res.delta0[0]],
                reference: None,
            })
        },
    );
    Case {
        name,
        source: "[MO] ring attractor (docs/theory §2.5)".into(),
        description: "Rank two, Σ = 2, ρ = 1.6 (σ_{n_r m_s} = ρ²δ_rs), g = 2.1: a chaotic ring. The angle drifts \
                      (marginal direction), so the observable is the radius √(κ₁²+κ₂²)(t) averaged over time, not κ_r; \
                      Δ₀ is pinned by ρ²⟨φ′⟩ = 1 (§2.5). Heun dt = 0.1, T = 100, burn-in 30, 2 trials."
            .into(),
        scenario: sref,
        observables: vec![
            Observable::new("ring radius", "√(κ₁² + κ₂²): fixed by the variance equation; the angle is marginal (§2.5)"),
            obs_delta0(),
        ],
        theory,
        simulate: simulate_fn,
        rule: Rule::default(),
        sizes: Some(CHAOTIC_SIZES.to_vec()),
        seed_factor: 1,
        figure_points: vec![],
    }
}

/// \[MO\] Go/Nogo: κ and the readout z during the stimulus (Go), |κ| and |z| (Nogo, theory 0).
pub fn gonogo(go: bool) -> Case {
    let stim = if go { "go" } else { "nogo" };
    let sref = scenario("mo2018-gonogo", &[("mo2018.stimulus", stim.to_string())]);
    let name = format!("mo-gonogo-{stim}");
    let (s1, s2) = (sref.clone(), sref.clone());
    let n1 = name.clone();
    // stimulus on [5, 15) on the simulation clock; steady state read on [11, 15)
    let (t_end, t_avg) = (15.0, 11.0);
    let theory = Box::new(move || -> Result<Vec<f64>, ValidateError> {
        let sc = load(&s1)?;
        let o = SolveOptions {
            inputs: Some(sc.model.input_values(0.5 * (t_avg + t_end))),
            ..opts()
        };
        let sol = attractor(&sc.model, &o, Pick::LargestKappa, &n1)?;
        Ok(if go {
            vec![sol.kappa[0], sol.readouts[0]]
        } else {
            vec![sol.kappa[0].abs(), sol.readouts[0].abs()]
        })
    });
    let simulate_fn = Box::new(
        move |r: &crate::case::SimRequest| -> Result<Measurement, ValidateError> {
            let sc = load(&s2)?;
            let mut plan = Plan::new(t_end, t_avg, 0.1);
            plan.init = Init::Gaussian {
                mean: 0.0,
                std: 0.1,
            };
            let res = simulate(&sc.model, r.n, r.seed, &plan)?;
            Ok(Measurement {
                values: if go {
                    vec![res.kappa[0], res.readouts[0]]
                } else {
                    vec![res.kappa[0].abs(), res.readouts[0].abs()]
                },
                reference: None,
            })
        },
    );
    Case {
        name,
        source: "[MO] Go/Nogo task (docs/theory §2.6)".into(),
        description: format!(
            "Go/Nogo, g = 0.1, Σ_I = Σ_w = 2, m = w, n = I_A; {} trial: stimulus of amplitude 1 on [5, 15), x(−10) ~ N(0, 0.1²), \
             Euler dt = 0.1, averages over [11, 15) (steady state during the stimulus); 3× the grid's seeds (cheap, error dominated by the quenched \
             realisation of Σ_I², so more networks sharpen the exponent). {}",
            stim,
            if go { "Theory: κ = Σ_I²⟨φ′⟩, z = Σ_w²κ⟨φ′⟩ (§2.6)." } else { "Theory: κ = z = 0; the simulation's residue is O(Σ_I²/√N)." }
        ),
        scenario: sref,
        observables: if go {
            vec![Observable::new("kappa", "κ during the Go stimulus"), Observable::new("z", "readout z = w·φ(x)/N during the stimulus")]
        } else {
            vec![
                Observable::new("|kappa|", "|κ| during the Nogo stimulus (theory 0)"),
                Observable::new("|z|", "|z| during the Nogo stimulus (theory 0)"),
            ]
        },
        theory,
        simulate: simulate_fn,
        rule: Rule::default(),
        sizes: None,
        // quenched-noise dominated and cheap (g = 0.1, T = 25): 3× seeds for a sharper exponent
        seed_factor: 3,
        figure_points: vec![],
    }
}

/// \[MO\] noisy detection without noise (σ = 0): the readout z at the end of the stimulus for
/// a stimulus strength `c` below (network stays on the lower branch) or above the threshold
/// c* (the lower branch has vanished; the network jumps up).
pub fn detection(c: f64, below: bool) -> Case {
    let sref = scenario(
        "mo2018-detection",
        &[("mo2018.c", format!("{c}")), ("mo2018.noise", "0.0".into())],
    );
    let name = format!("mo-detection-c{c}");
    let (s1, s2) = (sref.clone(), sref.clone());
    let n1 = name.clone();
    let (t_end, t_avg) = (29.0, 24.0);
    let theory = Box::new(move || -> Result<Vec<f64>, ValidateError> {
        let sc = load(&s1)?;
        let o = SolveOptions {
            inputs: Some(sc.model.input_values(0.5 * (t_avg + t_end))),
            ..opts()
        };
        let all = lowrank_theory::solve::branches::solve_all(&sc.model, &o)?;
        let stable = all
            .solutions
            .iter()
            .filter(|s| s.convergence.converged && s.stable)
            .count();
        if below && stable < 2 {
            return Err(ValidateError::Case {
                case: n1.clone(),
                reason: format!("c = {c} is not below c*: {stable} stable state(s)"),
            });
        }
        if !below && stable != 1 {
            return Err(ValidateError::Case {
                case: n1.clone(),
                reason: format!("c = {c} is not above c*: {stable} stable states"),
            });
        }
        let sol = attractor(
            &sc.model,
            &o,
            if below { Pick::Lower } else { Pick::Upper },
            &n1,
        )?;
        Ok(vec![sol.readouts[0], sol.kappa[0]])
    });
    let simulate_fn = Box::new(
        move |r: &crate::case::SimRequest| -> Result<Measurement, ValidateError> {
            let sc = load(&s2)?;
            let m = sc.model.vector_index("m");
            let n = sc.model.vector_index("n");
            let (Some(m), Some(n)) = (m, n) else {
                return Err(ValidateError::Case {
                    case: "mo-detection".into(),
                    reason: "vectors m, n missing".into(),
                });
            };
            let mut plan = Plan::new(t_end, t_avg, 0.1);
            plan.init = Init::Vectors {
                coefficients: vec![(m, -1.0), (n, -1.0)],
                std: 0.0,
            };
            let res = simulate(&sc.model, r.n, r.seed, &plan)?;
            Ok(Measurement {
                values: vec![res.readouts[0], res.kappa[0]],
                reference: None,
            })
        },
    );
    Case {
        name,
        source: "[MO] detection task (docs/theory §2.6)".into(),
        description: format!(
            "Detection task, g = 0.8, Σ_w = Σ_I = 1.2, ρ_m = ρ_n = 2, Σ⊥ = 1, noise switched off (σ = 0) so the theory is \
             deterministic; c = {c}, {} the threshold c* (saddle-node of the lower branch). x(−10) = −m − n (lower state), \
             stimulus on [7, 29), Euler dt = 0.1, z and κ averaged over [24, 29).",
            if below { "below" } else { "above" }
        ),
        scenario: sref,
        observables: vec![
            Observable::new("z", "readout z = w·φ(x)/N at the end of the stimulus (§2.6)"),
            Observable::new("kappa", "κ at the end of the stimulus"),
        ],
        theory,
        simulate: simulate_fn,
        rule: Rule::default(),
        sizes: None,
        seed_factor: 1,
        figure_points: vec![],
    }
}

/// \[MO\] context-dependent discrimination (§2.6) in context A: the readout z in the rest state
/// (context input only) and its stationary value under a full stimulus on the irrelevant
/// input B (the lower state survives the stimulus: the network ignores it).
///
/// The relevant-stimulus outcome is not a case: at N ≤ 4000 the network often does not end on
/// the theory's upper state after the fold (c* = 0.67), see docs/validation.md.
pub fn context() -> Case {
    let with = |c_b: f64| {
        scenario(
            "mo2018-context",
            &[
                ("mo2018.c_a", "0.0".into()),
                ("mo2018.c_b", format!("{c_b}")),
                ("mo2018.stop", "260".into()),
            ],
        )
    };
    let (rest, irrelevant) = (with(0.0), with(1.0));
    let name = "mo-context".to_string();
    let (s1, s2, s3) = (irrelevant.clone(), rest.clone(), irrelevant.clone());
    let n1 = name.clone();
    // stimulus from t = 15 on; stationary states read on [200, 250)
    let (t_end, t_avg) = (250.0, 200.0);
    let theory = Box::new(move || -> Result<Vec<f64>, ValidateError> {
        let sc = load(&s1)?;
        let p = match &sc.source {
            lowrank_model::scenario::Source::Mo2018(lowrank_model::mo2018::Mo2018::Context(p)) => {
                p.clone()
            }
            _ => {
                return Err(ValidateError::Case {
                    case: n1.clone(),
                    reason: "mo2018-context is not a context scenario".into(),
                })
            }
        };
        // context A with the relevant strength c_a = 1 (the continuation also runs on B)
        let p = lowrank_model::mo2018::Context { c_a: 1.0, ..p };
        let pred = lowrank_theory::mo2018::context_discrimination(&p, &opts())?;
        if pred.irrelevant_fold.is_some() {
            return Err(ValidateError::Case {
                case: n1.clone(),
                reason: format!(
                    "theory: the irrelevant stimulus folds at {:?}",
                    pred.irrelevant_fold
                ),
            });
        }
        Ok(vec![pred.rest_readout, pred.irrelevant_readout])
    });
    let simulate_fn = Box::new(
        move |r: &crate::case::SimRequest| -> Result<Measurement, ValidateError> {
            let mut out = Vec::new();
            for s in [&s2, &s3] {
                let sc = load(s)?;
                let mut coefficients = Vec::new();
                for v in ["m1", "n1", "m2", "n2"] {
                    let i = sc
                        .model
                        .vector_index(v)
                        .ok_or_else(|| ValidateError::Case {
                            case: "mo-context".into(),
                            reason: format!("no vector {v}"),
                        })?;
                    coefficients.push((i, -1.0));
                }
                let mut plan = Plan::new(t_end, t_avg, 0.1);
                plan.pre = 10.0;
                plan.init = Init::Vectors {
                    coefficients,
                    std: 0.0,
                };
                // same seed: both protocols run on the same network
                let res = simulate(&sc.model, r.n, r.seed, &plan)?;
                out.push(res.readouts[0]);
            }
            Ok(Measurement {
                values: out,
                reference: None,
            })
        },
    );
    Case {
        name,
        source: "[MO] context-dependent discrimination (docs/theory §2.6)".into(),
        description: "Context task, context A (γ_A = γ_ON = 0.08, γ_B = γ_OFF = −0.14), g = 0.8, Σ_I = 1.2, ρ_m = 1.6, \
                      ρ_n = 3, β_m = 0.6, β_n = 1, no stimulus noise. The same network is run with the context input only \
                      (rest) and with a full stimulus (c = 1) on the irrelevant input B from t = 15 on; x(−10) = −m₁ − n₁ − \
                      m₂ − n₂ (rest state), context input from t = 0, Euler dt = 0.1, z averaged over [200, 250). Theory: \
                      the rest state, and the lower branch continued in c from 0 to 1 on input B (no saddle-node: the \
                      network ignores the irrelevant stimulus)."
            .into(),
        scenario: irrelevant,
        observables: vec![
            Observable::new("z rest", "readout z = w·φ(x)/N with the context input only (lower state)"),
            Observable::new("z irrelevant", "readout z under a full stimulus on the irrelevant input (continued lower state)"),
        ],
        theory,
        simulate: simulate_fn,
        rule: Rule::default(),
        sizes: Some(CHAOTIC_SIZES.to_vec()),
        seed_factor: 1,
        figure_points: vec![],
    }
}

/// Theory curves of \[MO\] Fig. 1: |κ| and Δ₀ of the heterogeneous branch against g.
pub fn fig1_figure() -> FigureSpec {
    FigureSpec {
        name: "mo-fig1".into(),
        title: "[MO] Fig. 1: |κ| and Δ₀ vs g (M_m=1.1, M_n=2)".into(),
        x_label: "g".into(),
        y_label: "|κ|, Δ₀".into(),
        curves: Box::new(|| {
            let gs: Vec<f64> = (0..=50).map(|i| 0.3 + 2.2 * i as f64 / 50.0).collect();
            // a point where no branch was resolved (right at g_C the chaotic solution starts
            // from the static one and can be missed) is left out, not drawn as κ = 0
            let rows: Vec<_> = fig1_sweep(&RankOne::default(), &gs, &opts())?
                .into_iter()
                .filter(|r| r.converged)
                .collect();
            Ok(vec![
                Curve {
                    label: "|κ| theory".into(),
                    points: rows.iter().map(|r| (r.g, r.kappa.abs())).collect(),
                    dashed: false,
                },
                Curve {
                    label: "Δ₀ theory".into(),
                    points: rows.iter().map(|r| (r.g, r.delta0)).collect(),
                    dashed: false,
                },
                Curve {
                    label: "Δ∞ theory".into(),
                    points: rows.iter().map(|r| (r.g, r.delta_inf)).collect(),
                    dashed: true,
                },
            ])
        }),
    }
}

/// The \[MO\] phase diagram in the (g, λ₀) plane (§2.3): λ₀ = 1 (g < 1), g = 1 (λ₀ < 1),
/// λ₀^BB(g) (g > 1), and g_C(λ₀) (varying M_m at M_n = 2, Σ_m = 1).
pub fn phase_figure() -> FigureSpec {
    FigureSpec {
        name: "mo-phase".into(),
        title: "[MO] phase diagram (g, λ₀): λ₀=1, g=1, λ₀^BB(g), g_C(λ₀)".into(),
        x_label: "g".into(),
        y_label: "λ₀ = M_m M_n".into(),
        curves: Box::new(|| {
            let o = opts();
            let bb: Vec<(f64, f64)> = (0..=30)
                .map(|i| 1.0 + 2.0 * i as f64 / 30.0)
                .map(|g| lambda0_bb(g, &o).map(|l| (g, l)))
                .collect::<Result<_, _>>()?;
            let mut gc = Vec::new();
            for i in 0..=16 {
                let lambda0 = 1.05 + 2.45 * i as f64 / 16.0;
                let p = RankOne {
                    mean_m: lambda0 / 2.0,
                    mean_n: 2.0,
                    g: 0.5,
                    ..RankOne::default()
                };
                if let Ok(g) = g_c(&p, 0.5, &o) {
                    gc.push((g, lambda0));
                }
            }
            Ok(vec![
                Curve {
                    label: "λ₀ = 1 (pitchfork, g < 1)".into(),
                    points: vec![(0.0, 1.0), (1.0, 1.0)],
                    dashed: false,
                },
                Curve {
                    label: "g = 1 (chaos, λ₀ < 1)".into(),
                    points: vec![(1.0, 0.0), (1.0, 1.0)],
                    dashed: false,
                },
                Curve {
                    label: "λ₀^BB(g)".into(),
                    points: bb,
                    dashed: false,
                },
                Curve {
                    label: "g_C(λ₀)".into(),
                    points: gc,
                    dashed: true,
                },
            ])
        }),
    }
}
