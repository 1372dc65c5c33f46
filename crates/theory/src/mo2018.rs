//! The \[MO\] studies (Mastrogiuseppe & Ostojic 2018; docs/theory §2) as functions of the
//! constructors in [`lowrank_model::mo2018`]. Nothing here re-derives an equation: every number is
//! a solve of the general equations ([`crate::equations`]) on a model built from basis vectors.
//!
//! - rank one, spontaneous: [`g_c`], [`g_bb`], [`lambda0_bb`], [`central_chaotic_delta0`],
//!   the Fig. 1 sweep [`fig1_sweep`] (§2.1–2.3);
//! - rank one with input: [`input_response`] (κ versus an input statistic) and
//!   [`bistability_loss`] (saddle-node of the lower branch in Σ_nI, §2.4);
//! - rank two: [`ring`] (the ring attractor as a continuum, static or chaotic, §2.5);
//! - tasks (§2.6): [`go_nogo`], [`detection_threshold`], [`context_discrimination`].

use crate::continuation::{
    continue_branch, ContinuationOptions, Equations, EventKind, ModelFamily,
};
use crate::phase::{self, central_chaos, track_heterogeneous, CentralChaos, RowPoint};
use crate::roots::ScalarSolution;
use crate::solve::branches::{solve_all, MeanFieldSolution, SolveOptions};
use crate::TheoryError;
use lowrank_gauss::Phi;
use lowrank_model::mo2018::{Context, Detection, GoNogo, RankOne, Ring, Stimulus};
use lowrank_model::Model;
use serde::Serialize;

/// The general model of a rank-one parameter set.
pub fn rank_one_model(p: &RankOne) -> Result<Model, TheoryError> {
    Ok(p.model()?)
}

/// Structure strength Ω = M_m M_n + σ_mn (= λ₀ canonically).
pub fn omega(p: &RankOne) -> f64 {
    p.mean_m * p.mean_n + p.sigma_mn
}

/// Central chaotic variance Δ₀(g) of §2.1: ½Δ₀² = g²(⟨Φ²⟩ − ⟨Φ⟩²) (Sompolinsky–Crisanti–Sommers).
///
/// ```
/// use lowrank_theory::mo2018::central_chaotic_delta0;
/// use lowrank_theory::solve::branches::SolveOptions;
/// let d = central_chaotic_delta0(2.0, &SolveOptions::default()).unwrap();
/// assert!((d - 1.9248).abs() < 5e-5); // docs/theory §5
/// ```
pub fn central_chaotic_delta0(g: f64, opts: &SolveOptions) -> Result<f64, TheoryError> {
    Ok(central_chaos(&opts.gauss(), Phi::Tanh, g)?.delta0)
}

/// λ₀^BB(g) = 1/⟨φ′⟩ at the central chaotic state (§2.3; independent of Σ_m).
pub fn lambda0_bb(g: f64, opts: &SolveOptions) -> Result<f64, TheoryError> {
    phase::lambda0_bb(&opts.gauss(), Phi::Tanh, g)
}

/// g_BB of a rank-one set: where the chaotic ± branch collapses onto κ = 0 (Ω ψ_ch(g) = 1, §2.3).
pub fn g_bb(p: &RankOne, opts: &SolveOptions) -> Result<ScalarSolution, TheoryError> {
    phase::g_bb(&opts.gauss(), Phi::Tanh, omega(p), 20.0)
}

/// g_C of a rank-one set: continuation of the heterogeneous fixed point in g from `g0` until the
/// bulk radius g√⟨φ′²⟩ reaches 1 (§2.3).
pub fn g_c(p: &RankOne, g0: f64, opts: &SolveOptions) -> Result<f64, TheoryError> {
    let base = p.clone();
    phase::g_c(
        move |g| rank_one_model(&RankOne { g, ..base.clone() }),
        g0,
        10.0,
        opts,
    )
}

/// The Fig. 1 computation: κ, Δ₀, Δ∞ of the heterogeneous branch (static, then chaotic beyond g_C,
/// then central chaos beyond g_BB) over the increasing grid `gs`, with continuation (§2.1).
pub fn fig1_sweep(
    p: &RankOne,
    gs: &[f64],
    opts: &SolveOptions,
) -> Result<Vec<RowPoint>, TheoryError> {
    let gauss = opts.gauss();
    let central: Vec<CentralChaos> = gs
        .iter()
        .map(|&g| central_chaos(&gauss, Phi::Tanh, g))
        .collect::<Result<_, _>>()?;
    let base = p.clone();
    track_heterogeneous(
        |g| rank_one_model(&RankOne { g, ..base.clone() }),
        gs,
        &central,
        omega(p),
        opts,
    )
}

fn solve_opts_static(opts: &SolveOptions) -> SolveOptions {
    SolveOptions {
        chaotic: false,
        ..opts.clone()
    }
}

/// The stable fixed point with the lowest Σ_k κ_k (the "rest" / lower state); `index` < K only
/// checks the shape.
fn lowest_stable(sols: &[MeanFieldSolution], index: usize) -> Option<&MeanFieldSolution> {
    let sum = |s: &MeanFieldSolution| s.kappa.iter().sum::<f64>();
    sols.iter()
        .filter(|s| s.stable && s.regime == "stationary" && index < s.kappa.len())
        .min_by(|a, b| sum(a).total_cmp(&sum(b)))
}

/// A saddle-node found by continuation: the parameter value and the state there.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SaddleNode {
    /// Parameter at the fold.
    pub param: f64,
    /// κ at the fold.
    pub kappa: Vec<f64>,
    /// Δ₀ at the fold.
    pub delta0: Vec<f64>,
    /// Whether the fold was refined by a converged root find.
    pub refined: bool,
}

/// Continues the lowest stable static state of `build(p0)` (minimal Σκ) in p ∈ [p0, p_max]
/// and returns the first saddle-node (fold), if any (`Ok(None)`: the branch reaches p_max).
pub fn lower_branch_fold<F>(
    build: F,
    p0: f64,
    p_max: f64,
    index: usize,
    input_time: Option<f64>,
    opts: &SolveOptions,
) -> Result<Option<SaddleNode>, TheoryError>
where
    F: Fn(f64) -> Result<Model, TheoryError>,
{
    let model0 = build(p0)?;
    let sopts = SolveOptions {
        inputs: input_time.map(|t| model0.input_values(t)),
        ..solve_opts_static(opts)
    };
    let all = solve_all(&model0, &sopts)?;
    let start = lowest_stable(&all.solutions, index).ok_or_else(|| TheoryError::NotFound {
        what: "lower branch".into(),
        detail: format!("no stable fixed point at parameter {p0}"),
    })?;
    let k = model0.rank();
    let mut x0 = start.kappa.clone();
    x0.extend(&start.delta0);
    let fam = ModelFamily::new(build, Equations::Static, opts.gauss(), input_time, p0)?;
    let copts = ContinuationOptions {
        p_min: p0.min(p_max),
        p_max: p0.max(p_max),
        direction: (p_max - p0).signum(),
        h0: 0.02,
        h_max: 0.05,
        ..Default::default()
    };
    let b = continue_branch(
        &fam,
        &x0,
        p0,
        &copts,
        None::<&dyn Fn(&[f64], f64) -> Result<f64, TheoryError>>,
    )?;
    Ok(b.events
        .iter()
        .find(|e| e.kind == EventKind::Fold)
        .map(|e| SaddleNode {
            param: e.param,
            kappa: e.x[..k].to_vec(),
            delta0: e.x[k..].to_vec(),
            refined: e.refined,
        }))
}

/// Loss of bistability under input (§2.4, Fig. 2): the lower (κ < 0) fixed point of `base`
/// continued in Σ_nI from 0 ends in a saddle-node with the unstable middle branch; returns it.
/// Reference configuration: [`fig2_bistable`].
pub fn bistability_loss(
    base: &RankOne,
    sigma_ni_max: f64,
    opts: &SolveOptions,
) -> Result<Option<SaddleNode>, TheoryError> {
    let b = base.clone();
    lower_branch_fold(
        move |s| {
            rank_one_model(&RankOne {
                sigma_ni: s,
                ..b.clone()
            })
        },
        0.0,
        sigma_ni_max,
        0,
        None,
        opts,
    )
}

/// The §2.4 reference configuration for the loss of bistability: M_m = 3.5, M_n = 1, M_I = 0,
/// Σ_m = Σ_n = Σ⊥ = 1, g = 0.8 (Σ_nI is the swept parameter).
pub fn fig2_bistable(sigma_ni: f64) -> RankOne {
    RankOne {
        g: 0.8,
        mean_m: 3.5,
        mean_n: 1.0,
        sigma_m: 1.0,
        sigma_n: 1.0,
        sigma_perp: 1.0,
        sigma_ni,
        ..Default::default()
    }
}

/// κ response to an input statistic (§2.4): all static solutions (upper, lower and the unstable
/// middle branch where they exist) of `build(p)` at each p of `grid`.
pub fn input_response<F>(
    build: F,
    grid: &[f64],
    opts: &SolveOptions,
) -> Result<Vec<(f64, Vec<MeanFieldSolution>)>, TheoryError>
where
    F: Fn(f64) -> Result<Model, TheoryError>,
{
    let sopts = solve_opts_static(opts);
    let mut seeds: Vec<Vec<f64>> = Vec::new();
    let mut out = Vec::with_capacity(grid.len());
    for &p in grid {
        let m = build(p)?;
        let all = solve_all(
            &m,
            &SolveOptions {
                extra_starts: seeds.clone(),
                ..sopts.clone()
            },
        )?;
        seeds = all
            .solutions
            .iter()
            .map(|s| s.kappa.iter().chain(&s.delta0).copied().collect())
            .collect();
        out.push((p, all.solutions));
    }
    Ok(out)
}

/// The ring attractor of §2.5: one point of the continuum and its description.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RingState {
    /// Radius √(κ₁² + κ₂²) of the ring.
    pub radius: f64,
    /// `"stationary"` (a ring of fixed points) or `"chaotic"` (chaos at the pinned Δ₀).
    pub regime: String,
    /// Δ₀ (pinned by ρ²⟨φ′⟩ = 1) and Δ∞.
    pub delta0: f64,
    /// Δ∞ (= Δ₀ for the static ring).
    pub delta_inf: f64,
    /// Zero modes of the Jacobian (1 along the ring).
    pub zero_modes: usize,
    /// The solution found (one point of the ring).
    pub solution: MeanFieldSolution,
}

/// The ring attractor of `p` (§2.5): [`solve_all`] finds the nonzero states; a state with a zero
/// mode and κ ≠ 0 is the ring. The static ring is reported if stable (bulk radius < 1), else the
/// chaotic one. `Err(NotFound)` if no ring is found.
pub fn ring(p: &Ring, opts: &SolveOptions) -> Result<RingState, TheoryError> {
    let model = p.model()?;
    let all = solve_all(&model, opts)?;
    let rings: Vec<&MeanFieldSolution> = all
        .solutions
        .iter()
        .filter(|s| s.branch == "continuum")
        .collect();
    let pick = rings
        .iter()
        .find(|s| s.regime == "stationary" && s.bulk_radius < 1.0)
        .or_else(|| rings.iter().find(|s| s.regime == "chaotic"))
        .or_else(|| rings.first())
        .ok_or_else(|| TheoryError::NotFound {
            what: "ring attractor".into(),
            detail: "no solution with κ ≠ 0 and a zero mode".into(),
        })?;
    Ok(RingState {
        radius: pick.kappa.iter().map(|x| x * x).sum::<f64>().sqrt(),
        regime: pick.regime.clone(),
        delta0: pick.delta0[0],
        delta_inf: pick.delta_inf[0],
        zero_modes: pick.zero_modes,
        solution: (*pick).clone(),
    })
}

/// Mean-field prediction of the Go–Nogo task (§2.6) during the stimulus.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GoNogoPrediction {
    /// κ and readout z for the Go stimulus.
    pub go_kappa: f64,
    /// Readout z = Σ_w²κ⟨φ′⟩ for Go (> 0).
    pub go_readout: f64,
    /// κ for the Nogo stimulus (0).
    pub nogo_kappa: f64,
    /// Readout for Nogo (0).
    pub nogo_readout: f64,
}

fn stimulus_state(
    model: &Model,
    t: f64,
    opts: &SolveOptions,
) -> Result<MeanFieldSolution, TheoryError> {
    let all = solve_all(
        model,
        &SolveOptions {
            inputs: Some(model.input_values(t)),
            ..solve_opts_static(opts)
        },
    )?;
    all.solutions
        .into_iter()
        .filter(|s| s.stable)
        .max_by(|a, b| a.kappa[0].abs().total_cmp(&b.kappa[0].abs()))
        .ok_or_else(|| TheoryError::NotFound {
            what: "task state".into(),
            detail: "no stable fixed point during the stimulus".into(),
        })
}

/// Go–Nogo (§2.6): stable state during the stimulus for each stimulus of `p`.
pub fn go_nogo(p: &GoNogo, opts: &SolveOptions) -> Result<GoNogoPrediction, TheoryError> {
    let t = p.onset + 0.5 * p.duration;
    let go = stimulus_state(
        &GoNogo {
            stimulus: Stimulus::Go,
            ..p.clone()
        }
        .model()?,
        t,
        opts,
    )?;
    let nogo = stimulus_state(
        &GoNogo {
            stimulus: Stimulus::Nogo,
            ..p.clone()
        }
        .model()?,
        t,
        opts,
    )?;
    Ok(GoNogoPrediction {
        go_kappa: go.kappa[0],
        go_readout: go.readouts[0],
        nogo_kappa: nogo.kappa[0],
        nogo_readout: nogo.readouts[0],
    })
}

/// Detection threshold c* (§2.6): the saddle-node where the lower branch (rest state, z < 0)
/// vanishes as the stimulus strength c grows (continuation in c during the stimulus, σ = 0).
pub fn detection_threshold(
    p: &Detection,
    c_max: f64,
    opts: &SolveOptions,
) -> Result<SaddleNode, TheoryError> {
    let t = p.onset + 0.5 * p.duration;
    let base = p.clone();
    lower_branch_fold(
        move |c| {
            Detection { c, ..base.clone() }
                .model()
                .map_err(TheoryError::from)
        },
        0.0,
        c_max,
        0,
        Some(t),
        opts,
    )?
    .ok_or_else(|| TheoryError::NotFound {
        what: "detection threshold".into(),
        detail: format!("the lower branch survives up to c = {c_max}"),
    })
}

/// Context-dependent discrimination (§2.6): readouts in one context for a stimulus on the
/// relevant and on the irrelevant input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContextPrediction {
    /// Readout z before the stimulus (context input only, lower state).
    pub rest_readout: f64,
    /// Stimulus strength at which the relevant unit's lower state vanishes (None: it survives).
    pub relevant_fold: Option<f64>,
    /// Readout at full stimulus on the relevant input.
    pub relevant_readout: f64,
    /// Fold on the irrelevant input (None expected).
    pub irrelevant_fold: Option<f64>,
    /// Readout at full stimulus on the irrelevant input.
    pub irrelevant_readout: f64,
}

/// Context-dependent discrimination in context A of `p` (γ_A = γ_ON, γ_B = γ_OFF): stimulus
/// strength continued from 0 to `p.c_a` on input A (relevant: κ₁'s lower state folds, z flips)
/// and on input B (irrelevant: it survives, z stays near rest). \[derived\] mean-field prediction.
pub fn context_discrimination(
    p: &Context,
    opts: &SolveOptions,
) -> Result<ContextPrediction, TheoryError> {
    let strength = if p.c_a != 0.0 { p.c_a } else { 1.0 };
    let t = 0.5 * (p.stimulus_onset + p.stop);
    let rest_model = Context {
        c_a: 0.0,
        c_b: 0.0,
        ..p.clone()
    }
    .model()?;
    let rest_all = solve_all(
        &rest_model,
        &SolveOptions {
            inputs: Some(rest_model.input_values(t)),
            ..solve_opts_static(opts)
        },
    )?;
    let rest = lowest_stable(&rest_all.solutions, 0).ok_or_else(|| TheoryError::NotFound {
        what: "context rest state".into(),
        detail: "no stable fixed point with the context input alone".into(),
    })?;
    let end = |relevant: bool| -> Result<(Option<f64>, f64), TheoryError> {
        let base = p.clone();
        let build = move |c: f64| {
            let q = if relevant {
                Context {
                    c_a: c,
                    c_b: 0.0,
                    ..base.clone()
                }
            } else {
                Context {
                    c_a: 0.0,
                    c_b: c,
                    ..base.clone()
                }
            };
            q.model().map_err(TheoryError::from)
        };
        let fold = lower_branch_fold(&build, 0.0, strength, 0, Some(t), opts)?.map(|f| f.param);
        let m = build(strength)?;
        let all = solve_all(
            &m,
            &SolveOptions {
                inputs: Some(m.input_values(t)),
                ..solve_opts_static(opts)
            },
        )?;
        let stable: Vec<&MeanFieldSolution> = all
            .solutions
            .iter()
            .filter(|s| s.stable && s.regime == "stationary")
            .collect();
        // without a fold the network stays on the continued lower branch (lowest κ₁); after a
        // fold it jumps to the remaining stable state with the largest κ₁
        let pick = if fold.is_some() {
            stable
                .iter()
                .max_by(|a, b| a.kappa[0].total_cmp(&b.kappa[0]))
        } else {
            stable
                .iter()
                .min_by(|a, b| a.kappa[0].total_cmp(&b.kappa[0]))
        };
        let z = pick
            .map(|s| s.readouts[0])
            .ok_or_else(|| TheoryError::NotFound {
                what: "context end state".into(),
                detail: "no stable fixed point at full stimulus".into(),
            })?;
        Ok((fold, z))
    };
    let (relevant_fold, relevant_readout) = end(true)?;
    let (irrelevant_fold, irrelevant_readout) = end(false)?;
    Ok(ContextPrediction {
        rest_readout: rest.readouts[0],
        relevant_fold,
        relevant_readout,
        irrelevant_fold,
        irrelevant_readout,
    })
}
