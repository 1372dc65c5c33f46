//! Sweeps and phase diagrams (docs/theory §2.3): 1-D sweeps of every branch with continuation, the
//! 2-D (g, λ₀ = mᵀn/N) phase diagram of \[MO\] rank one with its four regimes, and the boundaries
//! g_C(λ₀), g_BB(λ₀), λ₀^BB(g).
//!
//! Row tracking ([`track_heterogeneous`]): along g at fixed λ₀ the heterogeneous (κ > 0) static
//! fixed point is continued (each solution seeds the next, docs/theory §4) until its bulk radius
//! exceeds 1, where the stationary chaotic heterogeneous state is entered from
//! (κ, 1.2Δ, 0.9Δ) and continued until it collapses onto κ = 0 (g_BB). The central chaotic state
//! depends on g only (pure chaos, [`crate::equations::pure_chaos_delta0`]) and is shared by all rows.

use crate::equations::pure_chaos_delta0;
use crate::meanfield::MeanField;
/// Kept here for existing callers; the grid lives in [`crate::numerics`].
pub use crate::numerics::linspace;
use crate::roots::{brent, ScalarSolution};
use crate::solve::branches::{solve_all, AllSolutions, ChaoticSystem, SolveOptions, StaticSystem};
use crate::solve::solve;
use crate::stability::bulk_radius;
use crate::TheoryError;
use lowrank_gauss::{Gauss, Moments, Phi};
use lowrank_model::mo2018::RankOne;
use lowrank_model::Model;
use rayon::prelude::*;
use serde::Serialize;

/// The four regimes of the \[MO\] rank-one phase diagram (docs/theory §2.3; names are our wording).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Regime {
    /// x = 0 stable: g < 1, λ₀ < 1.
    HomogeneousStationary,
    /// The ± heterogeneous fixed points are stable (bulk radius < 1): bistable.
    HeterogeneousStationary,
    /// The ± heterogeneous stationary chaotic states exist (κ ≠ 0, Δ∞ < Δ₀): bistable chaos.
    HeterogeneousChaotic,
    /// Chaos with κ = 0, stable (λ₀ ψ_ch(g) < 1, i.e. λ₀ < λ₀^BB(g)).
    HomogeneousChaotic,
    /// None of the above could be established (no converged stable solution).
    Unresolved,
}

impl Regime {
    /// Kebab-case name used in CSV files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Regime::HomogeneousStationary => "homogeneous-stationary",
            Regime::HeterogeneousStationary => "heterogeneous-stationary",
            Regime::HeterogeneousChaotic => "heterogeneous-chaotic",
            Regime::HomogeneousChaotic => "homogeneous-chaotic",
            Regime::Unresolved => "unresolved",
        }
    }

    /// Small integer code (0–4, in the order above) for compact grids and plots.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// How λ₀ = M_m M_n is varied in the (g, λ₀) plane (\[UNVERIFIED\] in the paper, §6: an option).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Split {
    /// M_m = λ₀ / M_n at fixed M_n, Σ_m (default).
    #[default]
    MeanM,
    /// M_n = λ₀ / M_m at fixed M_m.
    MeanN,
    /// M_m = M_n = √λ₀ (keeping the signs of the base parameters).
    Symmetric,
}

impl std::str::FromStr for Split {
    type Err = TheoryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "mean-m" | "mean_m" => Ok(Split::MeanM),
            "mean-n" | "mean_n" => Ok(Split::MeanN),
            "symmetric" => Ok(Split::Symmetric),
            other => Err(TheoryError::InvalidParameter {
                name: format!("split `{other}`"),
                value: f64::NAN,
                reason: "expected mean-m, mean-n or symmetric".into(),
            }),
        }
    }
}

/// `base` with g and λ₀ = M_m M_n set (σ_mn kept, so Ω = λ₀ + σ_mn).
pub fn with_g_lambda0(
    base: &RankOne,
    g: f64,
    lambda0: f64,
    split: Split,
) -> Result<RankOne, TheoryError> {
    let mut p = base.clone();
    p.g = g;
    let bad = |name: &str, v: f64| TheoryError::InvalidParameter {
        name: name.into(),
        value: v,
        reason: "cannot split λ₀ with a zero mean".into(),
    };
    match split {
        Split::MeanM => {
            if base.mean_n == 0.0 {
                return Err(bad("mean_n", 0.0));
            }
            p.mean_m = lambda0 / base.mean_n;
        }
        Split::MeanN => {
            if base.mean_m == 0.0 {
                return Err(bad("mean_m", 0.0));
            }
            p.mean_n = lambda0 / base.mean_m;
        }
        Split::Symmetric => {
            if lambda0 < 0.0 {
                return Err(bad("lambda0", lambda0));
            }
            let r = lambda0.sqrt();
            p.mean_m = r * if base.mean_m < 0.0 { -1.0 } else { 1.0 };
            p.mean_n = r * if base.mean_n < 0.0 { -1.0 } else { 1.0 };
        }
    }
    Ok(p)
}

fn model_of(p: &RankOne) -> Result<Model, TheoryError> {
    Ok(p.model()?)
}

/// Central chaotic state of one population with G = g² (docs/theory §2.1): Δ₀^ch(g) from the
/// Sompolinsky–Crisanti–Sommers law and the gain ψ_ch = ⟨φ′⟩ at (0, Δ₀^ch). Δ₀ = 0, ψ = φ′(0) for g ≤ 1.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CentralChaos {
    /// Disorder gain g.
    pub g: f64,
    /// Total variance Δ₀^ch.
    pub delta0: f64,
    /// Gain ψ_ch = ⟨φ′⟩_{0, Δ₀^ch}.
    pub gain: f64,
}

/// [`CentralChaos`] at gain `g` for nonlinearity `phi`.
///
/// ```
/// use lowrank_gauss::{Gauss, Phi};
/// use lowrank_theory::phase::central_chaos;
/// let c = central_chaos(&Gauss::new(200), Phi::Tanh, 2.0).unwrap();
/// assert!((c.delta0 - 1.9248).abs() < 5e-5); // docs/theory §5
/// ```
pub fn central_chaos(gauss: &Gauss, phi: Phi, g: f64) -> Result<CentralChaos, TheoryError> {
    let d = pure_chaos_delta0(gauss, phi, g * g)?;
    let gain = gauss.moments(phi, 0.0, d.value)?.dphi;
    Ok(CentralChaos {
        g,
        delta0: d.value,
        gain,
    })
}

/// λ₀^BB(g) = 1/⟨φ′⟩_{0, Δ₀^ch(g)} (docs/theory §2.3): below it the central chaotic state is stable.
pub fn lambda0_bb(gauss: &Gauss, phi: Phi, g: f64) -> Result<f64, TheoryError> {
    Ok(1.0 / central_chaos(gauss, phi, g)?.gain)
}

/// g_BB(Ω): the gain where the chaotic ± branch collapses onto κ = 0, i.e. where the central
/// chaotic outlier Ω ψ_ch(g) crosses 1 (a pitchfork of chaotic branches; κ ∝ (g_BB − g)^{1/2}).
/// Brent on g ∈ (1, g_max]. `omega` = M_m M_n + σ_mn.
pub fn g_bb(
    gauss: &Gauss,
    phi: Phi,
    omega: f64,
    g_max: f64,
) -> Result<ScalarSolution, TheoryError> {
    if omega.is_nan() || omega <= 1.0 {
        return Err(TheoryError::InvalidParameter {
            name: "lambda0".into(),
            value: omega,
            reason: "g_BB exists only for structure strength Ω > 1".into(),
        });
    }
    brent(
        "g_BB (Ω ψ_ch(g) = 1)",
        |g| Ok(omega * central_chaos(gauss, phi, g)?.gain - 1.0),
        1.0 + 1e-9,
        g_max,
        1e-12,
    )
}

/// One point of a tracked heterogeneous branch (static or chaotic).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RowPoint {
    /// Disorder gain g.
    pub g: f64,
    /// Regime at this point.
    pub regime: Regime,
    /// κ of the heterogeneous state (0 if none).
    pub kappa: f64,
    /// Δ₀ of the state shown (heterogeneous if it exists, else central chaotic / trivial).
    pub delta0: f64,
    /// Δ∞ (= Δ₀ for static states).
    pub delta_inf: f64,
    /// Bulk radius of the heterogeneous fixed point (NaN if none).
    pub bulk_radius: f64,
    /// Whether every solve used at this point converged.
    pub converged: bool,
}

/// Tracks the heterogeneous (κ > 0) state of `build(g)` over the increasing grid `gs` (see the
/// module doc), classifying every point. `central` holds [`CentralChaos`] for each g (shared
/// between rows); `omega` is the structure strength λ₀ (+σ_mn).
pub fn track_heterogeneous<F>(
    build: F,
    gs: &[f64],
    central: &[CentralChaos],
    omega: f64,
    opts: &SolveOptions,
) -> Result<Vec<RowPoint>, TheoryError>
where
    F: Fn(f64) -> Result<Model, TheoryError>,
{
    let mut out = Vec::with_capacity(gs.len());
    let mut seed_static: Option<Vec<f64>> = None;
    let mut seed_chaotic: Option<Vec<f64>> = None;
    let newton = &opts.newton;
    for (i, &g) in gs.iter().enumerate() {
        let model = build(g)?;
        let v = model.baseline_inputs();
        let mf = MeanField::new(&model, opts.gauss());
        let k = mf.k;
        let ssys = StaticSystem::new(mf.clone(), v.clone());
        // heterogeneous static: from the previous point, else from κ = ±M_n-scale starts
        let mut starts: Vec<Vec<f64>> = Vec::new();
        if let Some(s) = &seed_static {
            starts.push(s.clone());
        }
        if seed_static.is_none() || i == 0 {
            for a in [4.0, 1.0, 0.3] {
                let kap = vec![a; k];
                let d = mf.structured_variance(0, &kap, &v) + mf.coupling[(0, 0)];
                starts.push(kap.into_iter().chain(std::iter::once(d)).collect());
            }
        }
        let mut het = None;
        for s in &starts {
            let sol = solve(&ssys, s, newton)?;
            if sol.convergence.converged && sol.x[0] > 1e-7 {
                het = Some(sol);
                break;
            }
        }
        let mut het_radius = f64::NAN;
        if let Some(h) = &het {
            let (kappa, delta) = h.x.split_at(k);
            let mu = mf.mean(0, kappa, &v);
            let mo: Moments = mf.gauss.moments(mf.phi, mu, delta[0])?;
            het_radius = bulk_radius(&mf.coupling, &[mo.dphi2]);
            seed_static = Some(h.x.clone());
        } else {
            seed_static = None;
        }
        let c = central[i];
        if g < 1.0 && omega < 1.0 {
            out.push(RowPoint {
                g,
                regime: Regime::HomogeneousStationary,
                kappa: 0.0,
                delta0: 0.0,
                delta_inf: 0.0,
                bulk_radius: g,
                converged: true,
            });
            seed_chaotic = None;
            continue;
        }
        if let Some(h) = &het {
            if het_radius < 1.0 {
                out.push(RowPoint {
                    g,
                    regime: Regime::HeterogeneousStationary,
                    kappa: h.x[0],
                    delta0: h.x[k],
                    delta_inf: h.x[k],
                    bulk_radius: het_radius,
                    converged: true,
                });
                seed_chaotic = None;
                continue;
            }
        }
        // heterogeneous chaotic
        let mut chaotic = None;
        if g > 1.0 && mf.diagonal_disorder() {
            let csys = ChaoticSystem::new(mf.clone(), v.clone())?;
            let mut cstarts: Vec<Vec<f64>> = Vec::new();
            if let Some(s) = &seed_chaotic {
                cstarts.push(s.clone());
            }
            if let Some(h) = &het {
                let d = h.x[k];
                let mut x = h.x[..k].to_vec();
                x.push(1.2 * d);
                x.push(0.9 * d);
                cstarts.push(x);
            }
            for s in &cstarts {
                let sol = solve(&csys, s, &opts.chaotic_newton())?;
                if sol.convergence.converged && sol.x[0] > 1e-6 && sol.x[k] - sol.x[k + 1] > 1e-9 {
                    chaotic = Some(sol);
                    break;
                }
            }
        }
        if let Some(ch) = chaotic {
            out.push(RowPoint {
                g,
                regime: Regime::HeterogeneousChaotic,
                kappa: ch.x[0],
                delta0: ch.x[k],
                delta_inf: ch.x[k + 1],
                bulk_radius: het_radius,
                converged: true,
            });
            seed_chaotic = Some(ch.x);
            continue;
        }
        seed_chaotic = None;
        let regime = if g > 1.0 && omega * c.gain < 1.0 {
            Regime::HomogeneousChaotic
        } else if g <= 1.0 && omega < 1.0 {
            Regime::HomogeneousStationary
        } else {
            Regime::Unresolved
        };
        out.push(RowPoint {
            g,
            regime,
            kappa: 0.0,
            delta0: c.delta0,
            delta_inf: 0.0,
            bulk_radius: het_radius,
            converged: regime != Regime::Unresolved,
        });
    }
    Ok(out)
}

/// Options of [`phase_diagram`].
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseOptions {
    /// g grid: start, stop, count.
    pub g: (f64, f64, usize),
    /// λ₀ grid: start, stop, count.
    pub lambda0: (f64, f64, usize),
    /// How λ₀ is split between M_m and M_n.
    pub split: Split,
    /// Solver options (quadrature orders, Newton).
    pub solve: SolveOptions,
}

impl Default for PhaseOptions {
    fn default() -> Self {
        PhaseOptions {
            g: (0.5, 3.0, 100),
            lambda0: (0.5, 3.0, 100),
            split: Split::MeanM,
            solve: SolveOptions::default(),
        }
    }
}

/// A (g, λ₀) phase diagram: `regimes[i][j]` at λ₀ = `lambda0[i]`, g = `g[j]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhaseDiagram {
    /// g grid.
    pub g: Vec<f64>,
    /// λ₀ grid.
    pub lambda0: Vec<f64>,
    /// Regime per point (rows = λ₀).
    pub regimes: Vec<Vec<Regime>>,
    /// κ of the heterogeneous state per point (0 where none).
    pub kappa: Vec<Vec<f64>>,
}

/// The \[MO\] rank-one phase diagram in (g, λ₀) around `base` (docs/theory §2.3), rows in parallel
/// (rayon), each row tracked along g by [`track_heterogeneous`].
pub fn phase_diagram(base: &RankOne, opts: &PhaseOptions) -> Result<PhaseDiagram, TheoryError> {
    let gs = linspace(opts.g.0, opts.g.1, opts.g.2);
    if gs.windows(2).any(|w| w[1] <= w[0]) {
        return Err(TheoryError::InvalidParameter {
            name: "g grid".into(),
            value: opts.g.1,
            reason: "must increase".into(),
        });
    }
    let ls = linspace(opts.lambda0.0, opts.lambda0.1, opts.lambda0.2);
    let gauss = opts.solve.gauss();
    let central: Vec<CentralChaos> = gs
        .par_iter()
        .map(|&g| central_chaos(&gauss, Phi::Tanh, g))
        .collect::<Result<_, _>>()?;
    let rows: Vec<Vec<RowPoint>> = ls
        .par_iter()
        .map(|&l| {
            let omega = l + base.sigma_mn;
            track_heterogeneous(
                |g| model_of(&with_g_lambda0(base, g, l, opts.split)?),
                &gs,
                &central,
                omega,
                &opts.solve,
            )
        })
        .collect::<Result<_, _>>()?;
    Ok(PhaseDiagram {
        regimes: rows
            .iter()
            .map(|r| r.iter().map(|p| p.regime).collect())
            .collect(),
        kappa: rows
            .iter()
            .map(|r| r.iter().map(|p| p.kappa).collect())
            .collect(),
        g: gs,
        lambda0: ls,
    })
}

/// g_C: the gain where the heterogeneous fixed point of `build(g)` loses stability to chaos
/// (bulk radius g²⟨φ′²⟩ = 1, docs/theory §2.3). The branch is continued in g by pseudo-arclength
/// from its solution at `g0` (found by [`solve_all`]: the κ₁ > 0 heterogeneous fixed point), with
/// r − 1 as the monitor; the crossing is refined by Brent in arclength.
pub fn g_c<F>(build: F, g0: f64, g_max: f64, opts: &SolveOptions) -> Result<f64, TheoryError>
where
    F: Fn(f64) -> Result<Model, TheoryError> + Clone,
{
    let all: AllSolutions = solve_all(
        &build(g0)?,
        &SolveOptions {
            chaotic: false,
            ..opts.clone()
        },
    )?;
    let start = all
        .solutions
        .iter()
        .find(|s| s.branch == "heterogeneous" && s.kappa[0] > 0.0)
        .ok_or_else(|| TheoryError::NotFound {
            what: "g_C start".into(),
            detail: format!("no heterogeneous fixed point at g = {g0}"),
        })?;
    let mut x0 = start.kappa.clone();
    x0.extend(&start.delta0);
    chaos_onset(build, &x0, g0, g_max, opts)
}

/// First point where the bulk radius of the static branch through (x0, p0) of `build(p)` crosses 1
/// when p increases to `p_max` (pseudo-arclength continuation with the monitor r − 1).
pub fn chaos_onset<F>(
    build: F,
    x0: &[f64],
    p0: f64,
    p_max: f64,
    opts: &SolveOptions,
) -> Result<f64, TheoryError>
where
    F: Fn(f64) -> Result<Model, TheoryError> + Clone,
{
    use crate::continuation::{
        continue_branch, ContinuationOptions, Equations, EventKind, ModelFamily,
    };
    let gauss = opts.gauss();
    let fam = ModelFamily::new(build.clone(), Equations::Static, gauss, None, p0)?;
    let monitor = |x: &[f64], p: f64| -> Result<f64, TheoryError> {
        let model = build(p)?;
        let mf = MeanField::new(&model, gauss);
        let v = model.baseline_inputs();
        let (kappa, delta) = x.split_at(mf.k);
        let mu: Vec<f64> = (0..mf.p).map(|q| mf.mean(q, kappa, &v)).collect();
        let mut mo = vec![Moments::default(); mf.p];
        mf.moments(&mu, delta, &mut mo)?;
        let d2: Vec<f64> = mo.iter().map(|m| m.dphi2).collect();
        Ok(bulk_radius(&mf.coupling, &d2) - 1.0)
    };
    let copts = ContinuationOptions {
        p_min: p0.min(p_max),
        p_max,
        h0: 0.05,
        h_max: 0.1,
        ..Default::default()
    };
    let b = continue_branch(&fam, x0, p0, &copts, Some(&monitor))?;
    b.events
        .iter()
        .find(|e| e.kind == EventKind::Monitor)
        .map(|e| e.param)
        .ok_or_else(|| TheoryError::NotFound {
            what: "chaos onset (bulk radius = 1)".into(),
            detail: format!(
                "no crossing of r = 1 on [{p0}, {p_max}] along {} branch points ({})",
                b.points.len(),
                b.termination
            ),
        })
}
