//! \[CB\] Fig. 4: the generator–transmitter tension of one region with self-loop b
//! (docs/theory §3.2–§3.6). A region that transmits currents is pinned at gain ψ = 1/b, so its
//! total variance is fixed, Δ₀ = Ψ⁻¹(1/b) (= (2/π)(b² − 1) for erf); disorder g uses up part of
//! it. Against g: the static branch (A_fp = Δ₀ − g²⟨φ²⟩, stable below the chaos onset g_c(b)),
//! the chaotic branch with currents (0 < Δ∞ < Δ₀, A > 0), the pure-chaos state (A = Δ∞ = 0,
//! zero-current stable iff ψ₀(g)·b < 1), the realised state, g_c(b) and the
//! generator–transmitter point g*(b) (ψ₀(g*) = 1/b); and the autocorrelation panels Δ(τ).

use super::{option, StudyError};
use crate::gauss::{Gauss, Phi};
use crate::progress::Progress;
use crate::theory::cb2025::potential::{
    autocorrelation, chaotic_branch, generator_transmitter_point, onset, onset_exact,
    pinned_delta0, pure_chaos, region_state, static_branch, Branch,
};
use crate::theory::roots::ScalarSolution;
use crate::theory::TheoryError;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

/// Options of the Fig. 4 study (the paper plots b ∈ {1.5, 2, 2.5}).
#[derive(Debug, Clone, PartialEq)]
pub struct Fig4Options {
    /// Self-loop b (> 1) of the region.
    pub b: f64,
    /// The grid of g: (start, stop, count), both ends included.
    pub g: (f64, f64, usize),
    /// Disorder gains of the Δ(τ) panels (the realised state at each).
    pub acf_g: Vec<f64>,
    /// Largest lag of the panels.
    pub tau_max: f64,
    /// Lag step of the panels.
    pub tau_step: f64,
}

impl Default for Fig4Options {
    fn default() -> Self {
        Fig4Options {
            b: 2.0,
            g: (0.0, 3.0, 121),
            acf_g: Vec::new(),
            tau_max: 20.0,
            tau_step: 0.05,
        }
    }
}

/// Largest number of lags per Δ(τ) panel.
pub const MAX_POINTS: usize = 1_000_000;

/// Largest number of Δ(τ) panels (their lags are held in memory: ≤ 16 bytes × MAX_POINTS each).
pub const MAX_PANELS: usize = 100;

impl Fig4Options {
    /// Check every option.
    ///
    /// # Errors
    /// [`StudyError::Option`] naming the first bad option.
    pub fn check(&self) -> Result<(), StudyError> {
        if !(self.b > 1.0 && self.b.is_finite()) {
            return Err(option(
                "b",
                format!("({}) must be finite and > 1 (a pinned region)", self.b),
            ));
        }
        let (a, z, n) = self.g;
        if !(a.is_finite() && z.is_finite() && a >= 0.0 && z >= 0.0) {
            return Err(option(
                "g",
                format!("`{a}:{z}:{n}`: START and STOP must be finite and ≥ 0"),
            ));
        }
        if n == 0 || n > 100_000 {
            return Err(option(
                "g",
                format!("`{a}:{z}:{n}`: COUNT must be in 1..=100000"),
            ));
        }
        if self.acf_g.len() > MAX_PANELS {
            return Err(option(
                "acf",
                format!("{} panels, at most {MAX_PANELS}", self.acf_g.len()),
            ));
        }
        if let Some(g) = self.acf_g.iter().find(|g| !(g.is_finite() && **g >= 0.0)) {
            return Err(option("acf", format!("g = {g} must be finite and ≥ 0")));
        }
        if !(self.tau_max.is_finite() && self.tau_max > 0.0) {
            return Err(option(
                "tau-max",
                format!("({}) must be finite and > 0", self.tau_max),
            ));
        }
        if !(self.tau_step.is_finite() && self.tau_step > 0.0)
            || self.tau_max / self.tau_step > MAX_POINTS as f64
        {
            return Err(option(
                "tau-step",
                format!(
                    "({}) must be > 0 with at most {MAX_POINTS} lags up to --tau-max",
                    self.tau_step
                ),
            ));
        }
        Ok(())
    }

    /// The g values.
    pub fn g_values(&self) -> Vec<f64> {
        crate::theory::phase::linspace(self.g.0, self.g.1, self.g.2)
    }
}

/// One g of the Fig. 4 study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fig4Row {
    /// Disorder gain g.
    pub g: f64,
    /// √A_fp of the static branch (`None` where A_fp < 0).
    pub static_sqrt_a: Option<f64>,
    /// Whether the static branch is stable (g²⟨φ′²⟩ < 1, i.e. g < g_c).
    pub static_stable: bool,
    /// √A of the chaotic branch with currents (`None` where it does not exist with A ≥ 0).
    pub chaotic_sqrt_a: Option<f64>,
    /// Its Δ∞.
    pub chaotic_delta_inf: Option<f64>,
    /// Δ₀ of the pure-chaos state.
    pub pure_chaos_delta0: f64,
    /// Its gain ψ₀(g).
    pub pure_chaos_gain: f64,
    /// Whether the zero-current state is stable, ψ₀(g)·b < 1 (g > g*).
    pub pure_chaos_stable: bool,
    /// The realised state's branch (`static`, `chaotic`, `pure-chaos`).
    pub branch: &'static str,
    /// √A, Δ₀, Δ∞ of the realised state.
    pub sqrt_a: f64,
    /// Δ₀ of the realised state.
    pub delta0: f64,
    /// Δ∞ of the realised state.
    pub delta_inf: f64,
    /// Every root behind the row converged (the chaotic Δ∞ and the pure-chaos Δ₀; the static
    /// branch is a closed form).
    pub converged: bool,
    /// Largest residual of those roots.
    pub residual: f64,
}

/// One Δ(τ) panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fig4Panel {
    /// Disorder gain g.
    pub g: f64,
    /// Branch of the realised state.
    pub branch: &'static str,
    /// Lags τ.
    pub tau: Vec<f64>,
    /// Δ(τ) (it stops early where the orbit leaves [0, Δ₀], see the autocorrelation solver).
    pub delta: Vec<f64>,
}

/// The Fig. 4 study.
#[derive(Debug, Clone, PartialEq)]
pub struct Fig4Result {
    /// The options it ran with.
    pub options: Fig4Options,
    /// Δ₀ = Ψ⁻¹(1/b), the variance of a current-carrying region.
    pub delta0_pinned: f64,
    /// Chaos onset g_c(b) = ⟨φ′²⟩(0, Δ₀)^{−1/2}.
    pub onset: f64,
    /// The closed form (2b² − 1)^{1/4} (erf).
    pub onset_exact: f64,
    /// g*(b): ψ₀(g*) = 1/b.
    pub g_star: ScalarSolution,
    /// One row per g.
    pub rows: Vec<Fig4Row>,
    /// The Δ(τ) panels.
    pub panels: Vec<Fig4Panel>,
}

fn branch_name(b: Branch) -> &'static str {
    match b {
        Branch::Static => "static",
        Branch::Chaotic => "chaotic",
        Branch::PureChaos => "pure-chaos",
    }
}

impl Fig4Result {
    /// The `lowrank study fig4 --json` document.
    pub fn to_json(&self) -> Value {
        json!({
            "study": "fig4",
            "b": self.options.b,
            "delta0_pinned": self.delta0_pinned,
            "onset": self.onset,
            "onset_exact": self.onset_exact,
            "g_star": {
                "value": self.g_star.value,
                "converged": self.g_star.convergence.converged,
                "residual": self.g_star.convergence.residual,
                "iterations": self.g_star.convergence.iterations,
            },
            "rows": self.rows,
            "autocorrelation": self.panels,
        })
    }

    /// The CSV of `--csv`: one row per g.
    pub fn to_csv(&self) -> String {
        let opt = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x}"));
        let mut out = String::from(
            "g,static_sqrt_a,static_stable,chaotic_sqrt_a,chaotic_delta_inf,pure_chaos_delta0,\
             pure_chaos_gain,pure_chaos_stable,branch,sqrt_a,delta0,delta_inf,converged,residual\n",
        );
        for r in &self.rows {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{:e}\n",
                r.g,
                opt(r.static_sqrt_a),
                r.static_stable,
                opt(r.chaotic_sqrt_a),
                opt(r.chaotic_delta_inf),
                r.pure_chaos_delta0,
                r.pure_chaos_gain,
                r.pure_chaos_stable,
                r.branch,
                r.sqrt_a,
                r.delta0,
                r.delta_inf,
                r.converged,
                r.residual
            ));
        }
        out
    }
}

fn row(gauss: &Gauss, g: f64, b: f64, d0: f64) -> Result<Fig4Row, TheoryError> {
    let phi = Phi::Erf;
    let st = static_branch(gauss, phi, g, d0)?;
    let ch = if st.chaos_stable == Some(true) {
        None
    } else {
        chaotic_branch(gauss, phi, g, d0)?.filter(|c| c.structured_variance >= 0.0)
    };
    let pc = pure_chaos(gauss, phi, g)?;
    let real = region_state(gauss, phi, g, b)?;
    let roots = [Some(pc), ch, Some(real)];
    let converged = roots.iter().flatten().all(|r| r.convergence.converged);
    let residual = roots
        .iter()
        .flatten()
        .fold(0.0f64, |m, r| m.max(r.convergence.residual));
    Ok(Fig4Row {
        g,
        static_sqrt_a: (st.structured_variance >= 0.0).then(|| st.structured_variance.sqrt()),
        static_stable: st.chaos_stable == Some(true),
        chaotic_sqrt_a: ch.map(|c| c.structured_variance.sqrt()),
        chaotic_delta_inf: ch.map(|c| c.delta_inf),
        pure_chaos_delta0: pc.delta0,
        pure_chaos_gain: pc.gain,
        pure_chaos_stable: pc.gain * b < 1.0,
        branch: branch_name(real.branch),
        sqrt_a: real.structured_variance.max(0.0).sqrt(),
        delta0: real.delta0,
        delta_inf: real.delta_inf,
        converged,
        residual,
    })
}

/// Run the Fig. 4 study for one b (erf, as in the paper). The g values run in parallel;
/// `progress` counts them and is checked before each.
///
/// # Errors
/// [`StudyError::Option`]; [`StudyError::Theory`] when a branch or g* fails;
/// [`StudyError::Interrupted`].
///
/// # Examples
/// ```
/// use lowrank::study::{fig4, Fig4Options};
/// let r = fig4(&Fig4Options { b: 2.0, g: (0.0, 3.0, 7), ..Default::default() }, &Default::default()).unwrap();
/// assert!((r.onset - 7f64.powf(0.25)).abs() < 1e-9);          // g_c(2) = 7^{1/4}
/// assert!((r.g_star.value - 1.945).abs() < 5e-4);              // docs/theory §5
/// assert_eq!(r.rows[0].branch, "static");
/// assert_eq!(r.rows[6].branch, "pure-chaos");                  // g = 3 > g*
/// ```
pub fn fig4(opts: &Fig4Options, progress: &Progress) -> Result<Fig4Result, StudyError> {
    opts.check()?;
    let gauss = Gauss::new(64);
    let b = opts.b;
    let theory = |context: String| move |source| StudyError::Theory { context, source };
    let d0 = pinned_delta0(&gauss, Phi::Erf, b).map_err(theory("pinned Δ₀".into()))?;
    let g_c = onset(&gauss, Phi::Erf, b).map_err(theory("chaos onset g_c".into()))?;
    let g_star = generator_transmitter_point(&gauss, Phi::Erf, b).map_err(theory("g*".into()))?;
    let gs = opts.g_values();
    progress.set_total(gs.len() + opts.acf_g.len());
    let rows: Vec<Fig4Row> = gs
        .par_iter()
        .map(|&g| {
            if progress.interrupt().is_raised() {
                return Err(StudyError::Interrupted);
            }
            let r = row(&gauss, g, b, d0).map_err(theory(format!("g = {g}")))?;
            progress.advance(1);
            Ok(r)
        })
        .collect::<Result<_, _>>()?;
    let panels = opts
        .acf_g
        .iter()
        .map(|&g| {
            if progress.interrupt().is_raised() {
                return Err(StudyError::Interrupted);
            }
            let real =
                region_state(&gauss, Phi::Erf, g, b).map_err(theory(format!("Δ(τ) at g = {g}")))?;
            let pts = autocorrelation(
                &gauss,
                Phi::Erf,
                g,
                real.structured_variance.max(0.0),
                real.delta0,
                opts.tau_step,
                opts.tau_max,
            )
            .map_err(theory(format!("Δ(τ) at g = {g}")))?;
            progress.advance(1);
            Ok(Fig4Panel {
                g,
                branch: branch_name(real.branch),
                tau: pts.iter().map(|p| p.0).collect(),
                delta: pts.iter().map(|p| p.1).collect(),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Fig4Result {
        options: opts.clone(),
        delta0_pinned: d0,
        onset: g_c,
        onset_exact: onset_exact(b),
        g_star,
        rows,
        panels,
    })
}
