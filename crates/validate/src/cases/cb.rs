//! \[CB\] cases: one region with a self-loop (√A against g: static, disordered-static and
//! chaotic branches), the five-region symmetric set 1 (exchange mode), and a limit cycle.

use super::common::{load, scenario, series_mean, simulate, window, Field, Plan};
use super::mo::CHAOTIC_SIZES;
use crate::case::{Case, Curve, FigurePoint, FigureSpec, Measurement, Observable, SimRequest};
use crate::error::ValidateError;
use crate::rule::Rule;
use lowrank_gauss::{Gauss, Phi};
use lowrank_model::scenario::Source;
use lowrank_model::Scenario;
use lowrank_sim::{AutocorrConfig, Method};
use lowrank_theory::cb2025::potential::{fig4a_curve, region_state, Branch};
use lowrank_theory::currents::{symmetric_prediction, CurrentOde, InputGain};

fn gauss() -> Gauss {
    Gauss::new(200)
}

fn spec(sc: &Scenario, case: &str) -> Result<lowrank_model::cb2025::Multiregion, ValidateError> {
    match &sc.source {
        Source::Cb2025 { spec, .. } => Ok(spec.clone()),
        _ => Err(ValidateError::Case {
            case: case.into(),
            reason: "not a [cb2025] scenario".into(),
        }),
    }
}

/// Index of the term S^{μν} (current from region ν into μ) in the model.
fn term_index(sc: &Scenario, mu: usize, nu: usize) -> Result<usize, ValidateError> {
    let name = lowrank_model::cb2025::term_name(mu, nu);
    sc.model
        .terms
        .iter()
        .position(|t| t.name == name)
        .ok_or_else(|| ValidateError::Case {
            case: sc.name.clone(),
            reason: format!("no term `{name}`"),
        })
}

/// \[CB\] Fig. 4a: one region, self-loop b = 2, disorder g: √A = |S|, Δ₀ (and Δ₀ − Δ∞ on the
/// chaotic branch).
pub fn fig4a(g: f64) -> Case {
    let sref = scenario("cb2025-fig4a-b2", &[("cb2025.g", format!("{g}"))]);
    let name = format!("cb-fig4a-b2-g{g}");
    let (s1, s2) = (sref.clone(), sref.clone());
    let n1 = name.clone();
    // Branch decided once from the theory (cheap closed forms).
    let branch = spec_branch(g);
    let chaotic = branch == Some(Branch::Chaotic);
    let theory = Box::new(move || -> Result<Vec<f64>, ValidateError> {
        let sc = load(&s1)?;
        let b = spec(&sc, &n1)?.t[0];
        let st = region_state(&gauss(), Phi::Erf, g, b)?;
        if st.branch == Branch::PureChaos {
            return Err(ValidateError::Case {
                case: n1.clone(),
                reason: "g beyond g*: no currents to compare".into(),
            });
        }
        let mut v = vec![st.structured_variance.sqrt(), st.delta0];
        if chaotic {
            v.push(st.delta0 - st.delta_inf);
        }
        Ok(v)
    });
    let simulate_fn =
        Box::new(
            move |r: &SimRequest| -> Result<Measurement, ValidateError> {
                let sc = load(&s2)?;
                let mut plan = if chaotic {
                    Plan::new(100.0, 30.0, 0.1)
                } else {
                    Plan::new(60.0, 45.0, 0.1)
                }
                .with_effort(r.effort);
                plan.trials = 2;
                plan.method = if chaotic { Method::Heun } else { Method::Euler };
                plan.record_every = Some(0.5);
                if chaotic {
                    plan.autocorr = Some(AutocorrConfig {
                        max_lag: 40.0,
                        every: 0.5,
                    });
                }
                let res = simulate(&sc.model, r.n, r.seed, &plan)?;
                // |S(t)| averaged over the window: the sign of the current is random across trials.
                let s = series_mean(&res, Field::Currents, |v| v[0].abs())?;
                let mut v = vec![s, res.delta0[0]];
                if chaotic {
                    let dinf = res.delta_inf.as_ref().map(|d| d[0]).ok_or_else(|| {
                        ValidateError::Case {
                            case: "cb-fig4a-b2 (chaotic)".into(),
                            reason: "the simulation recorded no delta_inf (autocorrelation off)"
                                .into(),
                        }
                    })?;
                    v.push(res.delta0[0] - dinf);
                }
                Ok(Measurement {
                    values: v,
                    reference: None,
                })
            },
        );
    let mut observables = vec![
        Observable::new("sqrt(A)", "√A = |S|, the norm of the incoming current (U = 1, §3.2); |S(t)| averaged (sign random)"),
        Observable::new("delta0", "total variance Δ₀, pinned at (2/π)(b² − 1) = 1.9099 by the gain ψ = 1/b (§3.2)"),
    ];
    if chaotic {
        observables.push(Observable::new(
            "delta0-delta_inf",
            "temporal variance Δ₀ − Δ∞ on the chaotic branch (§3.2)",
        ));
    }
    Case {
        name,
        source: "[CB] Fig. 4a".into(),
        description: format!(
            "One region, self-loop T¹¹¹ = b = 2, φ = erf(√πx/2), g = {g} ({}; g_c = 7^¼ = 1.627, g* = 1.945). {} \
             2 trials from x(0) ~ N(0, 1).",
            match branch {
                Some(Branch::Static) => "static branch",
                Some(Branch::Chaotic) => "chaotic branch with currents",
                _ => "pure chaos",
            },
            if chaotic { "Heun dt = 0.1, T = 100, burn-in 30." } else { "Euler dt = 0.1, T = 60, burn-in 45." }
        ),
        scenario: sref,
        observables,
        theory,
        simulate: simulate_fn,
        rule: Rule::default(),
        sizes: if chaotic { Some(CHAOTIC_SIZES.to_vec()) } else { None },
        figure_points: vec![FigurePoint { figure: "cb-fig4a".into(), series: "√A simulation".into(), x: g, observable: 0 }],
    }
}

fn spec_branch(g: f64) -> Option<Branch> {
    region_state(&gauss(), Phi::Erf, g, 2.0)
        .ok()
        .map(|s| s.branch)
}

/// \[CB\] Fig. 3 set 1: five regions in exchange mode at g = 0; √(Σ_ν (S^{μν})²) against √A^μ.
pub fn fig3_set1() -> Case {
    let sref = scenario("cb2025-fig3-set1", &[]);
    let name = "cb-fig3-set1".to_string();
    let (s1, s2) = (sref.clone(), sref.clone());
    let n1 = name.clone();
    let theory = Box::new(move || -> Result<Vec<f64>, ValidateError> {
        let sc = load(&s1)?;
        let r = spec(&sc, &n1)?.regions;
        // a^μ = T^{μμμ}, b^μ from the off-diagonal c^{μν} = s_μ s_ν √(b^μ b^ν): read them from the scenario file
        let (a, b) = symmetric_ab(&sc, r, &n1)?;
        let p = symmetric_prediction(&a, &b)?;
        Ok(p.structured_variance.iter().map(|x| x.sqrt()).collect())
    });
    let simulate_fn = Box::new(
        move |req: &SimRequest| -> Result<Measurement, ValidateError> {
            let sc = load(&s2)?;
            let r = spec(&sc, "cb-fig3-set1")?.regions;
            let idx: Vec<Vec<usize>> = (0..r)
                .map(|mu| {
                    (0..r)
                        .map(|nu| term_index(&sc, mu, nu))
                        .collect::<Result<_, _>>()
                })
                .collect::<Result<_, _>>()?;
            let mut plan = Plan::new(200.0, 120.0, 0.1).with_effort(req.effort);
            plan.method = Method::Heun;
            plan.record_every = Some(1.0);
            let res = simulate(&sc.model, req.n, req.seed, &plan)?;
            let mut out = Vec::new();
            for row in &idx {
                out.push(series_mean(&res, Field::Currents, |v| {
                    row.iter().map(|&k| v[k] * v[k]).sum::<f64>().sqrt()
                })?);
            }
            Ok(Measurement {
                values: out,
                reference: None,
            })
        },
    );
    Case {
        name,
        source: "[CB] Fig. 3 (set 1)".into(),
        description: "Five regions, symmetric effective interactions, b^μ > a^μ in every region (all exchange mode), g = 0. \
                      The attractor is a continuum (marginal directions between exchange pairs), so individual currents drift; \
                      the observable is each region's incoming current norm √(Σ_ν (S^{μν})²) = √A^μ, fixed by gain pinning \
                      ψ^μ = 1/b^μ (§3.5). Heun dt = 0.1, T = 200, burn-in 120, x(0) ~ N(0, 1)."
            .into(),
        scenario: sref,
        observables: (1..=5)
            .map(|mu| Observable::new(&format!("sqrt(A^{mu})"), &format!("√(Σ_ν (S^{{{mu}ν}})²) of region {mu}")))
            .collect(),
        theory,
        simulate: simulate_fn,
        rule: Rule::default(),
        sizes: None,
        figure_points: vec![],
    }
}

/// a^μ and b^μ of a symmetric \[CB\] scenario from its T tensor: a^μ = T^{μμμ}, and
/// b^μ = |T^{μνμ}|·|T^{νμν}|/… recovered from c^{μν}c^{νμ} = b^μ b^ν and one ratio; here
/// directly b^μ = (c^{μν})² / b^ν summed consistently: with three regions μ, ν, ρ,
/// b^μ = |c^{μν} c^{μρ} / c^{νρ}|.
fn symmetric_ab(
    sc: &Scenario,
    r: usize,
    case: &str,
) -> Result<(Vec<f64>, Vec<f64>), ValidateError> {
    let t = spec(sc, case)?.t;
    let c = |mu: usize, nu: usize| t[(mu * r + nu) * r + mu]; // T^{μνμ} = c^{μν}
    if r < 3 {
        return Err(ValidateError::Case {
            case: case.into(),
            reason: "need ≥ 3 regions to recover b^μ".into(),
        });
    }
    let mut a = Vec::new();
    let mut b = Vec::new();
    for mu in 0..r {
        let (nu, rho) = ((mu + 1) % r, (mu + 2) % r);
        a.push(c(mu, mu));
        let den = c(nu, rho);
        if den == 0.0 {
            return Err(ValidateError::Case {
                case: case.into(),
                reason: "zero off-diagonal c: not the symmetric family".into(),
            });
        }
        b.push((c(mu, nu) * c(mu, rho) / den).abs());
    }
    Ok((a, b))
}

/// Mean period of a (centred) signal from its upward mean crossings, linearly interpolated.
fn period(times: &[f64], y: &[f64]) -> Option<f64> {
    let n = y.len();
    if n < 4 {
        return None;
    }
    let mean = y.iter().sum::<f64>() / n as f64;
    let mut crossings = Vec::new();
    for j in 1..n {
        let (a, b) = (y[j - 1] - mean, y[j] - mean);
        if a < 0.0 && b >= 0.0 {
            let f = a / (a - b);
            crossings.push(times[j - 1] + f * (times[j] - times[j - 1]));
        }
    }
    if crossings.len() < 3 {
        return None;
    }
    Some((crossings[crossings.len() - 1] - crossings[0]) / (crossings.len() - 1) as f64)
}

/// (angular frequency 2π/period averaged over currents, RMS amplitude √(mean_k var_t S_k)).
fn cycle_stats(times: &[f64], series: &[Vec<f64>], k: usize) -> Option<(f64, f64)> {
    let mut omega = 0.0;
    let mut var = 0.0;
    for c in 0..k {
        let y: Vec<f64> = series.iter().map(|v| v[c]).collect();
        omega += 2.0 * std::f64::consts::PI / period(times, &y)?;
        let m = y.iter().sum::<f64>() / y.len() as f64;
        var += y.iter().map(|v| (v - m).powi(2)).sum::<f64>() / y.len() as f64;
    }
    Some((omega / k as f64, (var / k as f64).sqrt()))
}

/// \[CB\] limit cycle: two regions, T̂ a signed 4-cycle with complex leading eigenvalue
/// √2(1 ± i), g = 0 (the DMFT reduces exactly to the current ODE, §1.8): angular frequency and
/// RMS amplitude of the oscillating currents.
pub fn limit_cycle() -> Case {
    let sref = scenario("cb2025-limit-cycle", &[]);
    let name = "cb-limit-cycle".to_string();
    let (s1, s2) = (sref.clone(), sref.clone());
    let n1 = name.clone();
    let theory = Box::new(move || -> Result<Vec<f64>, ValidateError> {
        let sc = load(&s1)?;
        let ode = CurrentOde::new(&sc.model, gauss(), vec![], InputGain::Stein)?;
        let k = ode.dim();
        // integrate the current ODE (= DMFT at G = 0) with a fine Euler step; discard 200
        let dt = 1e-3;
        let mut s: Vec<f64> = (0..k).map(|i| 0.3 + 0.1 * i as f64).collect();
        ode.integrate(&mut s, dt, 200_000)?;
        let (mut times, mut series) = (Vec::new(), Vec::new());
        for j in 0..20_000 {
            ode.integrate(&mut s, dt, 10)?;
            times.push(j as f64 * 10.0 * dt);
            series.push(s.clone());
        }
        let (w, a) = cycle_stats(&times, &series, k).ok_or_else(|| ValidateError::Case {
            case: n1.clone(),
            reason: "the current ODE does not oscillate".into(),
        })?;
        Ok(vec![w, a])
    });
    let simulate_fn = Box::new(
        move |r: &SimRequest| -> Result<Measurement, ValidateError> {
            let sc = load(&s2)?;
            let k = sc.model.rank();
            let mut plan = Plan::new(250.0, 100.0, 0.05).with_effort(r.effort);
            plan.method = Method::Rk4;
            plan.record_every = Some(0.05);
            let res = simulate(&sc.model, r.n, r.seed, &plan)?;
            let w = window(&res, Field::Currents, 0);
            let times: Vec<f64> = w.iter().map(|(t, _)| *t).collect();
            let series: Vec<Vec<f64>> = w.iter().map(|(_, v)| v.to_vec()).collect();
            let (om, amp) = cycle_stats(&times, &series, k).ok_or_else(|| ValidateError::Case {
                case: "cb-limit-cycle".into(),
                reason: format!("the simulated currents do not oscillate at N = {}", r.n),
            })?;
            Ok(Measurement {
                values: vec![om, amp],
                reference: None,
            })
        },
    );
    Case {
        name,
        source: "[CB] limit cycle (THEORY §3.4, §3.8)".into(),
        description: "Two regions, g = 0, T̂ a signed cycle S¹¹→S²¹→S²²→S¹²→S¹¹ of weight 2 (eigenvalues √2(±1 ± i)): \
                      the zero-current state loses stability through a Hopf bifurcation and the currents oscillate. \
                      Theory: the DMFT, which at g = 0 is exactly the current ODE (§1.8), integrated with Euler dt = 1e-3. \
                      Simulation: RK4 dt = 0.05, T = 250, burn-in 100. Observables are phase-free: angular frequency from \
                      mean-crossing intervals and RMS amplitude of the currents."
            .into(),
        scenario: sref,
        observables: vec![
            Observable::new("omega", "angular frequency 2π/period of the currents, averaged over the four active currents"),
            Observable::new("amplitude", "RMS amplitude √(mean_k Var_t S_k) of the currents"),
        ],
        theory,
        simulate: simulate_fn,
        rule: Rule::default(),
        sizes: None,
        figure_points: vec![],
    }
}

/// Theory curves of \[CB\] Fig. 4a (b = 2): realised √A against g and the static branch.
pub fn fig4a_figure() -> FigureSpec {
    FigureSpec {
        name: "cb-fig4a".into(),
        title: "[CB] Fig. 4a: √A vs g, b = 2".into(),
        x_label: "g".into(),
        y_label: "√A".into(),
        curves: Box::new(|| {
            let gs: Vec<f64> = (0..=100).map(|i| 2.2 * i as f64 / 100.0).collect();
            let pts = fig4a_curve(&gauss(), Phi::Erf, 2.0, &gs)?;
            let stat: Vec<(f64, f64)> = pts
                .iter()
                .filter_map(|p| p.sqrt_a_static.map(|a| (p.g, a)))
                .collect();
            Ok(vec![
                Curve {
                    label: "√A realised (static / chaotic / 0)".into(),
                    points: pts.iter().map(|p| (p.g, p.sqrt_a)).collect(),
                    dashed: false,
                },
                Curve {
                    label: "√A_fp static branch (incl. unstable)".into(),
                    points: stat,
                    dashed: true,
                },
            ])
        }),
    }
}
