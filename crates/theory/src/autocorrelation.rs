//! The autocorrelation Δ_p(τ) of a stationary chaotic solution (docs/theory §1.7).
//!
//! With stationary currents and within-population disorder, the two-time covariance of
//! population p depends only on the lag and obeys the Newtonian equation of docs/theory §1.7,
//!
//! Δ̈_p = Δ_p − G_pp C_p(Δ_p) − 𝒮_p = −V_p′(Δ_p),  Δ_p(0) = Δ₀_p,  Δ̇_p(0) = 0,
//!
//! C_p(Δ) = ∫Dz[∫Dx φ(μ_p + √(Δ₀_p − Δ) x + √Δ z)]² (docs/theory §1.10 (2)),
//!
//! whose solution falls monotonically from Δ₀ and comes to rest on the hilltop Δ∞ of V. This
//! module integrates it; [`autocorrelation`] is the entry point.
//!
//! **Method.**
//! 1. *Interpolation of C.* C_p and ∂C_p/∂Δ = ∫Dz[∫Dx φ′]² are evaluated by
//!    [`Gauss::stationary`] (the integrals of the chaotic equations) at Chebyshev–Lobatto nodes
//!    in s = √(Δ₀ − Δ) ∈ [0, √(Δ₀ − Δ∞)] and interpolated. In s both are analytic even for a φ
//!    with kinks (whose C has half-integer powers of Δ₀ − Δ), so the interpolant converges
//!    geometrically. The node count doubles (17, 33, …, 257 nodes) until the previous
//!    interpolant agrees with the integrals at the new nodes to 1e-11·max(1, Δ₀) (times G).
//!    The integrator then costs no quadrature and allocates nothing.
//! 2. *Leaving Δ₀ (phase A).* Classical RK4 on (Δ, Δ̇) until Δ − Δ∞ ≤ ½(Δ₀ − Δ∞).
//! 3. *Approaching Δ∞ (phase B).* Δ∞ is a hilltop of V (an unstable equilibrium), so an
//!    initial-value integration of the second-order equation drifts off the separatrix: an error
//!    δ grows like δ·e^{λ∞τ}, λ∞² = 1 − G ∂C/∂Δ(Δ∞). Instead, energy conservation on the
//!    separatrix, ½Δ̇² = V(Δ∞) − V(Δ), is written without cancellation (Taylor with integral
//!    remainder about Δ∞, force balance f(Δ∞) = 0): with x = Δ − Δ∞,
//!
//!    Δ̇ = −x·λ(x),  λ(x)² = 2∫₀¹(1 − t)[1 − G ∂C/∂Δ(Δ∞ + t x)] dt,
//!
//!    integrated by RK4 in y = ln x (ẏ = −λ(eʸ)), which is contracting: x stays positive and
//!    the exponential tail x ∝ e^{−λ∞τ} is exact. λ² is a Chebyshev interpolant in x built from
//!    32-point Gauss–Legendre integrals of the interpolated ∂C/∂Δ. The residuals of the solution
//!    (force balance at Δ∞, the energy law) enter only through this switch: phase B uses the
//!    separatrix of the solution's (μ, 𝒮, Δ∞) exactly; [`Autocorrelation::separatrix_mismatch`]
//!    reports |Δ̇_A − Δ̇_B| at the switch.
//!
//! **Accuracy.** Both phases are classical fourth-order Runge–Kutta (global error O(h⁴) in the
//! internal step h). The internal step starts at ≤ 0.01 (phase A) and ≤ 0.025 (phase B) and is
//! halved until two runs (steps h, h/2) differ by at most 15·tolerance at every lag (Richardson:
//! the error of the finer run is ≈ difference/15, reported as
//! [`Autocorrelation::error_estimate`]). The interpolation error is reported separately
//! ([`Autocorrelation::interpolation_error`]).

use crate::convergence::{Convergence, Termination};
use crate::solve::branches::MeanFieldSolution;
use crate::TheoryError;
use lowrank_gauss::{Gauss, GaussLegendre, Phi};
use lowrank_model::Model;
use serde::Serialize;

/// Default output step of the lags (τ = 0, h, 2h, …).
pub const DEFAULT_TAU_STEP: f64 = 0.05;
/// Default target of the integration error estimate (max over lags and populations).
pub const DEFAULT_TOLERANCE: f64 = 1e-8;
/// Default cap on the number of lags (per population).
pub const DEFAULT_MAX_POINTS: usize = 1_000_000;
/// Default cap on the internal RK4 steps of one run of one population.
pub const DEFAULT_MAX_STEPS: usize = 100_000_000;

/// Largest initial internal step of phase A (leaving Δ₀).
const INITIAL_STEP_A: f64 = 0.01;
/// Largest initial internal step of phase B (approaching Δ∞, contracting).
const INITIAL_STEP_B: f64 = 0.025;
/// Phase B starts once Δ − Δ∞ ≤ SWITCH·(Δ₀ − Δ∞).
const SWITCH: f64 = 0.5;
/// Chebyshev–Lobatto interpolation: first and largest node counts minus one.
const CHEB_MIN: usize = 16;
const CHEB_MAX: usize = 256;
/// Interpolation target for G·C and G·∂C/∂Δ, relative to max(1, Δ₀). The integrals themselves
/// are accurate to about 1e-12 (docs/theory §4), which sets the floor.
const INTERP_TOL: f64 = 1e-11;
/// Interpolation target for λ² (a polynomial-smooth function of x once ∂C/∂Δ is interpolated).
const RATE_TOL: f64 = 1e-13;
/// Gauss–Legendre nodes of λ²(x).
const RATE_NODES: usize = 32;
/// A population with Δ₀ − Δ∞ ≤ STATIC_GAP·max(1, Δ₀) is static: Δ(τ) ≡ Δ₀.
const STATIC_GAP: f64 = 1e-12;
/// Force balance at Δ∞ and the deflated energy law must hold to this (relative to max(1, Δ₀)),
/// or the solution does not belong to the model.
const CONSISTENCY_TOL: f64 = 1e-6;

/// Options of [`autocorrelation`].
#[derive(Clone, Debug, PartialEq)]
pub struct AutocorrelationOptions {
    /// Largest lag τ_max (finite, > 0).
    pub tau_max: f64,
    /// Output step h of the lags τ = 0, h, 2h, … ≤ τ_max (0 < h ≤ τ_max). Default
    /// [`DEFAULT_TAU_STEP`].
    pub tau_step: f64,
    /// Target of the integration error estimate (max over lags and populations). Default
    /// [`DEFAULT_TOLERANCE`].
    pub tolerance: f64,
    /// Cap on the number of lags ⌊τ_max/h⌋ + 1, checked before anything is allocated.
    pub max_points: usize,
    /// Cap on the internal RK4 steps of one run of one population (the step halving stops
    /// there, with `converged = false`).
    pub max_steps: usize,
    /// Gauss–Hermite order of the outer rule of the nested integrals (as
    /// [`crate::solve::branches::SolveOptions::order`]).
    pub order: usize,
    /// Inner order of the nested integrals.
    pub inner_order: usize,
}

impl AutocorrelationOptions {
    /// Lags up to `tau_max` with the defaults: step [`DEFAULT_TAU_STEP`] (or `tau_max` if
    /// smaller), tolerance [`DEFAULT_TOLERANCE`], Gauss–Hermite orders 200.
    pub fn new(tau_max: f64) -> AutocorrelationOptions {
        AutocorrelationOptions {
            tau_max,
            tau_step: if tau_max > 0.0 {
                DEFAULT_TAU_STEP.min(tau_max)
            } else {
                DEFAULT_TAU_STEP
            },
            tolerance: DEFAULT_TOLERANCE,
            max_points: DEFAULT_MAX_POINTS,
            max_steps: DEFAULT_MAX_STEPS,
            order: 200,
            inner_order: 200,
        }
    }

    /// Number of lags ⌊τ_max/h⌋ + 1 (with a relative slack of 1e-12, so that 30/0.05 gives 601),
    /// after checking the options.
    pub fn points(&self) -> Result<usize, TheoryError> {
        let bad = |name: &str, value: f64, reason: &str| TheoryError::InvalidParameter {
            name: name.into(),
            value,
            reason: reason.into(),
        };
        let (t, h) = (self.tau_max, self.tau_step);
        if !(t.is_finite() && t > 0.0) {
            return Err(bad("tau_max", t, "must be finite and > 0"));
        }
        if !(h.is_finite() && h > 0.0) {
            return Err(bad("tau_step", h, "must be finite and > 0"));
        }
        if h > t {
            return Err(bad(
                "tau_step",
                h,
                &format!("must be ≤ tau_max = {t} (the lags are 0, h, 2h, … ≤ tau_max)"),
            ));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(bad("tolerance", self.tolerance, "must be finite and > 0"));
        }
        let points = (t / h * (1.0 + 1e-12)).floor() + 1.0;
        if points > self.max_points as f64 {
            return Err(bad(
                "tau_max / tau_step",
                points,
                &format!(
                    "gives {points:.0} lags, more than max_points = {}; use a larger tau_step or a \
                     smaller tau_max, or raise AutocorrelationOptions::max_points",
                    self.max_points
                ),
            ));
        }
        Ok(points as usize)
    }
}

/// Why [`autocorrelation`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// Integrated to τ_max; the error estimate met the tolerance.
    ToleranceMet,
    /// Every population is static (Δ∞ = Δ₀): Δ(τ) ≡ Δ₀, nothing to integrate.
    Static,
    /// The internal step could not be halved further within
    /// [`AutocorrelationOptions::max_steps`]; the error estimate is above the tolerance.
    StepLimit,
    /// The interpolant of C did not reach its tolerance with 257 nodes.
    InterpolationLimit,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StopReason::ToleranceMet => "tolerance met",
            StopReason::Static => "static solution: Δ(τ) ≡ Δ₀",
            StopReason::StepLimit => "step limit (max_steps) reached above the tolerance",
            StopReason::InterpolationLimit => "interpolation of C did not reach its tolerance",
        })
    }
}

/// Δ_p(τ) of a mean-field solution, in the layout of the simulator's measured autocorrelation
/// (`lowrank_sim::Autocorrelation`: `lags`, `delta[p][ℓ]`, `delta_inf`), so that theory and
/// simulation overlay directly.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Autocorrelation {
    /// Lags τ_ℓ = ℓh, ℓ = 0 … ⌊τ_max/h⌋.
    pub lags: Vec<f64>,
    /// `delta[p][ℓ]` = Δ_p(τ_ℓ); `delta[p][0]` = Δ₀_p exactly.
    pub delta: Vec<Vec<f64>>,
    /// Δ∞_p of the solution (the limit of `delta[p]`).
    pub delta_inf: Vec<f64>,
    /// Error estimate ≤ tolerance and every interpolant within its tolerance.
    pub converged: bool,
    /// Integration error estimate: max over lags and populations of |Δ_h − Δ_{h/2}|/15 for the
    /// returned run (step h/2). 0 for a static solution.
    pub error_estimate: f64,
    /// Largest a-posteriori interpolation error: of G·C and G·∂C/∂Δ (at the nodes added by the
    /// last doubling), and of λ² (interpolation and Gauss–Legendre order). 0 for a static
    /// solution.
    pub interpolation_error: f64,
    /// |Δ̇ of phase A − Δ̇ of the separatrix| where phase B takes over (max over populations): how
    /// well the solution satisfies the energy law, a diagnostic of the solution rather than of
    /// the integration.
    pub separatrix_mismatch: f64,
    /// Internal RK4 steps per lag in phase A of the returned run (max over populations).
    pub substeps: usize,
    /// Nested Gaussian integrals evaluated.
    pub nested_integrals: usize,
    /// Why the integration stopped.
    pub reason: StopReason,
}

impl Autocorrelation {
    /// `Ok(self)` if converged, else `Err(NotConverged)` with the estimate and the reason.
    pub fn into_result(self) -> Result<Autocorrelation, TheoryError> {
        if self.converged {
            Ok(self)
        } else {
            let termination = match self.reason {
                StopReason::StepLimit => Termination::MaxIterations,
                StopReason::InterpolationLimit => Termination::InterpolationLimit,
                // a converged run never gets here; kept total for the match
                StopReason::ToleranceMet | StopReason::Static => Termination::Converged,
            };
            Err(TheoryError::NotConverged {
                what: format!("autocorrelation Δ(τ) ({})", self.reason),
                convergence: Convergence {
                    converged: false,
                    residual: self.error_estimate.max(self.interpolation_error),
                    iterations: self.substeps,
                    termination,
                },
            })
        }
    }
}

/// The autocorrelation Δ_p(τ) = cov(x_i(t), x_i(t + τ)), i ∈ p, of a stationary mean-field
/// solution of `model`, on the lags τ = 0, h, 2h, … ≤ τ_max (docs/theory §1.7).
///
/// For every population p with Δ∞_p < Δ₀_p it integrates
///
/// Δ̈_p = Δ_p − Σ_q G_pq C_q(Δ_q; Δ₀_q, μ_q) − 𝒮_p,  Δ_p(0) = Δ₀_p,  Δ̇_p(0) = 0,
///
/// with C_q(Δ) = ∫Dz[∫Dx φ(μ_q + √(Δ₀_q − Δ) x + √Δ z)]² and the structured variance 𝒮_p of
/// the solution; the equation of docs/theory §1.7 for the stationary chaotic state (the static
/// part 𝒮_p is constant, so it enters as a constant force). Stationary chaotic solutions exist
/// only for within-population disorder (G diagonal), where the sum is G_pp C_p(Δ_p) and each
/// population is a particle in its own potential V_p. The method (RK4 with step halving,
/// separatrix form near Δ∞) is described in the [module documentation](self).
///
/// - **Static solutions** (Δ∞ = Δ₀ in every population, e.g. `regime = "stationary"`) are not an
///   error: Δ(τ) ≡ Δ₀ is returned, with [`StopReason::Static`], `converged = true` and zero
///   error. Within a chaotic solution a population without disorder is constant too.
/// - The result is monotonically non-increasing from Δ₀ and tends to Δ∞.
///
/// # Errors
///
/// [`TheoryError::InvalidParameter`] for bad options (τ_max not finite or ≤ 0, a step ≤ 0 or
/// larger than τ_max, too many lags: checked before anything is allocated), for a solution that does not
/// fit the model (lengths, negative or non-finite variances, Δ∞ > Δ₀, force balance at Δ∞ or
/// the energy law violated by more than 1e-6, no monotone path from Δ₀ to Δ∞), and
/// [`TheoryError::Unsupported`] for a chaotic population with cross-population disorder (no
/// energy law, docs/theory §1.7). An unconverged integration is returned with
/// `converged = false` ([`Autocorrelation::into_result`] turns it into an error).
///
/// ```
/// use lowrank_theory::autocorrelation::{autocorrelation, AutocorrelationOptions};
/// use lowrank_theory::solve::branches::{solve_all, SolveOptions};
/// // [CB] pure chaos at g = 1.5 (erf): Δ₀ = 0.8388, Δ∞ = 0 (docs/theory §5)
/// let scenario = lowrank_model::bundled::load("cb2025-pure-chaos", &[]).unwrap().unwrap();
/// let all = solve_all(&scenario.model, &SolveOptions::default()).unwrap();
/// let chaos = all.solutions.iter().find(|s| s.regime == "chaotic").unwrap();
/// let acf = autocorrelation(&scenario.model, chaos, &AutocorrelationOptions::new(20.0)).unwrap();
/// assert!(acf.converged && acf.error_estimate <= 1e-8);
/// let d = &acf.delta[0];
/// assert_eq!(acf.lags.len(), 401);
/// assert_eq!(d[0], chaos.delta0[0]);
/// assert!(d.windows(2).all(|w| w[1] <= w[0])); // monotone decay ...
/// assert!(d[400] < 0.1 * d[0]); // ... towards Δ∞ = 0 (slowly: λ∞ ≈ 0.17 here)
/// ```
pub fn autocorrelation(
    model: &Model,
    solution: &MeanFieldSolution,
    options: &AutocorrelationOptions,
) -> Result<Autocorrelation, TheoryError> {
    let points = options.points()?;
    let p = model.n_populations();
    for (name, v) in [
        ("mu", &solution.mu),
        ("delta0", &solution.delta0),
        ("delta_inf", &solution.delta_inf),
        ("structured_variance", &solution.structured_variance),
    ] {
        if v.len() != p {
            return Err(TheoryError::InvalidParameter {
                name: format!("solution.{name}"),
                value: v.len() as f64,
                reason: format!("has the wrong length: the model has {p} population(s)"),
            });
        }
        if let Some((i, x)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(TheoryError::InvalidParameter {
                name: format!("solution.{name}[{i}]"),
                value: *x,
                reason: "must be finite".into(),
            });
        }
    }
    let coupling = model.disorder_coupling();
    let mut chaotic = vec![false; p];
    for q in 0..p {
        let (d0, di) = (solution.delta0[q], solution.delta_inf[q]);
        let scale = d0.max(1.0);
        if d0 < 0.0 || di < 0.0 {
            return Err(TheoryError::InvalidParameter {
                name: format!("solution.delta{}[{q}]", if d0 < 0.0 { "0" } else { "_inf" }),
                value: d0.min(di),
                reason: "a variance must be ≥ 0".into(),
            });
        }
        if di > d0 + STATIC_GAP * scale {
            return Err(TheoryError::InvalidParameter {
                name: format!("solution.delta_inf[{q}]"),
                value: di,
                reason: format!("must be ≤ delta0 = {d0}"),
            });
        }
        chaotic[q] = d0 - di > STATIC_GAP * scale;
        if chaotic[q] {
            if coupling[(q, q)] <= 0.0 {
                return Err(TheoryError::InvalidParameter {
                    name: format!("solution.delta_inf[{q}]"),
                    value: di,
                    reason: format!(
                        "below delta0 = {d0} in population `{}`, which has no disorder: not a \
                         solution of this model",
                        model.populations()[q].name
                    ),
                });
            }
            if (0..p).any(|r| r != q && (coupling[(q, r)] != 0.0 || coupling[(r, q)] != 0.0)) {
                return Err(TheoryError::Unsupported(format!(
                    "autocorrelation of a chaotic population (`{}`) with cross-population \
                     disorder: the equation has no energy law (docs/theory §1.7); use the \
                     two-time DMFT",
                    model.populations()[q].name
                )));
            }
        }
    }
    if !chaotic.iter().any(|&c| c) {
        return Ok(Autocorrelation {
            lags: lags(points, options.tau_step),
            delta: solution.delta0.iter().map(|&d| vec![d; points]).collect(),
            delta_inf: solution.delta_inf.clone(),
            converged: true,
            error_estimate: 0.0,
            interpolation_error: 0.0,
            separatrix_mismatch: 0.0,
            substeps: 0,
            nested_integrals: 0,
            reason: StopReason::Static,
        });
    }
    let gauss = Gauss::with_orders(options.order, options.inner_order);
    let mut out = Autocorrelation {
        lags: Vec::new(),
        delta: Vec::with_capacity(p),
        delta_inf: solution.delta_inf.clone(),
        converged: true,
        error_estimate: 0.0,
        interpolation_error: 0.0,
        separatrix_mismatch: 0.0,
        substeps: 0,
        nested_integrals: 0,
        reason: StopReason::ToleranceMet,
    };
    // the work check needs only the initial substeps: before any allocation
    let h = options.tau_step;
    let (na0, nb0) = initial_substeps(h);
    if (points as f64) * (na0.max(nb0) as f64) > options.max_steps as f64 {
        return Err(TheoryError::InvalidParameter {
            name: "tau_max / tau_step".into(),
            value: points as f64,
            reason: format!(
                "{points} lags × {} internal steps per lag exceed max_steps = {}; use a smaller \
                 tau_max or raise AutocorrelationOptions::max_steps",
                na0.max(nb0),
                options.max_steps
            ),
        });
    }
    for q in 0..p {
        if !chaotic[q] {
            out.delta.push(vec![solution.delta0[q]; points]);
            continue;
        }
        let particle = Particle::new(
            &gauss,
            model.nonlinearity(),
            coupling[(q, q)],
            solution.structured_variance[q],
            solution.mu[q],
            solution.delta0[q],
            solution.delta_inf[q],
            q,
        )?;
        out.nested_integrals += particle.evaluations;
        out.interpolation_error = out.interpolation_error.max(particle.interpolation_error);
        if !particle.interpolated {
            out.converged = false;
            out.reason = StopReason::InterpolationLimit;
        }
        let r = particle.integrate(points, h, options, q)?;
        out.error_estimate = out.error_estimate.max(r.error_estimate);
        out.separatrix_mismatch = out.separatrix_mismatch.max(r.mismatch);
        out.substeps = out.substeps.max(r.substeps);
        if !r.converged {
            out.converged = false;
            if out.reason == StopReason::ToleranceMet {
                out.reason = StopReason::StepLimit;
            }
        }
        out.delta.push(r.delta);
    }
    out.lags = lags(points, h);
    Ok(out)
}

fn lags(points: usize, h: f64) -> Vec<f64> {
    (0..points).map(|i| i as f64 * h).collect()
}

/// Initial internal substeps per lag of phases A and B.
fn initial_substeps(h: f64) -> (usize, usize) {
    let n = |step: f64| ((h / step) * (1.0 - 1e-12)).ceil().max(1.0) as usize;
    (n(INITIAL_STEP_A), n(INITIAL_STEP_B))
}

/// A Chebyshev series Σ c_k T_k(u) on [lo, hi] (u = (2x − lo − hi)/(hi − lo)).
#[derive(Clone, Debug)]
struct Chebyshev {
    lo: f64,
    hi: f64,
    coef: Vec<f64>,
}

impl Chebyshev {
    /// Interpolant through values at the Chebyshev–Lobatto nodes x_j = mid + half·cos(πj/n),
    /// j = 0..n (DCT-I, with the end terms halved).
    fn from_lobatto(lo: f64, hi: f64, values: &[f64]) -> Chebyshev {
        let n = values.len() - 1;
        let table: Vec<f64> = (0..2 * n)
            .map(|m| (std::f64::consts::PI * m as f64 / n as f64).cos())
            .collect();
        let mut coef = vec![0.0; n + 1];
        for (k, c) in coef.iter_mut().enumerate() {
            let mut acc = 0.0;
            for (j, v) in values.iter().enumerate() {
                let w = if j == 0 || j == n { 0.5 } else { 1.0 };
                acc += w * v * table[(j * k) % (2 * n)];
            }
            *c = 2.0 / n as f64 * acc;
        }
        coef[0] *= 0.5;
        coef[n] *= 0.5;
        Chebyshev { lo, hi, coef }
    }

    /// Node j of n + 1 Lobatto nodes on [lo, hi].
    fn node(lo: f64, hi: f64, j: usize, n: usize) -> f64 {
        let (mid, half) = (0.5 * (lo + hi), 0.5 * (hi - lo));
        (mid + half * (std::f64::consts::PI * j as f64 / n as f64).cos()).clamp(lo, hi)
    }

    /// Clenshaw evaluation (x clamped to [lo, hi]); no allocation.
    #[inline]
    fn eval(&self, x: f64) -> f64 {
        let u = ((2.0 * x - self.lo - self.hi) / (self.hi - self.lo)).clamp(-1.0, 1.0);
        let (mut b1, mut b2) = (0.0, 0.0);
        for &c in self.coef[1..].iter().rev() {
            let b0 = c + 2.0 * u * b1 - b2;
            b2 = b1;
            b1 = b0;
        }
        self.coef[0] + u * b1 - b2
    }
}

/// K functions interpolated together on [lo, hi].
struct Fit<const K: usize> {
    parts: [Chebyshev; K],
    /// Max over the check nodes of scale_k·|interpolant − value|.
    error: f64,
    evaluations: usize,
    converged: bool,
}

/// Chebyshev–Lobatto interpolation of K functions computed together by `f`, doubling the node
/// count from [`CHEB_MIN`] until the previous interpolant agrees with `f` at the new nodes to
/// `tol` (weighted by `scale`), or [`CHEB_MAX`] is reached (`converged = false`).
fn fit<const K: usize>(
    lo: f64,
    hi: f64,
    scale: [f64; K],
    tol: f64,
    mut f: impl FnMut(f64) -> Result<[f64; K], TheoryError>,
) -> Result<Fit<K>, TheoryError> {
    let build = |vals: &[[f64; K]]| -> [Chebyshev; K] {
        std::array::from_fn(|k| {
            let v: Vec<f64> = vals.iter().map(|x| x[k]).collect();
            Chebyshev::from_lobatto(lo, hi, &v)
        })
    };
    let mut n = CHEB_MIN;
    let mut vals = (0..=n)
        .map(|j| f(Chebyshev::node(lo, hi, j, n)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut evaluations = n + 1;
    loop {
        let parts = build(&vals);
        let mut next = Vec::with_capacity(2 * n + 1);
        let mut error = 0.0f64;
        for j in 0..=2 * n {
            if j % 2 == 0 {
                next.push(vals[j / 2]);
            } else {
                let x = Chebyshev::node(lo, hi, j, 2 * n);
                let v = f(x)?;
                evaluations += 1;
                for k in 0..K {
                    error = error.max(scale[k] * (parts[k].eval(x) - v[k]).abs());
                }
                next.push(v);
            }
        }
        vals = next;
        n *= 2;
        if !error.is_finite() {
            return Err(TheoryError::NotConverged {
                what: "interpolation of the nested integrals".into(),
                convergence: Convergence::stopped(error, n, Termination::NonFinite),
            });
        }
        if error <= tol || n >= CHEB_MAX {
            return Ok(Fit {
                parts: build(&vals),
                error,
                evaluations,
                converged: error <= tol,
            });
        }
    }
}

/// One chaotic population: the particle of docs/theory §1.7 in its potential.
struct Particle {
    /// The disorder coupling G = α g² (docs/theory §1.1).
    coupling_g2: f64,
    s_var: f64,
    delta0: f64,
    delta_inf: f64,
    /// √(Δ₀ − Δ∞), the end of the s-interval.
    s_max: f64,
    /// Phase B starts at x = Δ − Δ∞ ≤ x_switch.
    x_switch: f64,
    /// C(Δ₀ − s²) on s ∈ [0, s_max].
    c: Chebyshev,
    /// λ²(x) on x ∈ [0, x_switch].
    rate: Chebyshev,
    evaluations: usize,
    interpolation_error: f64,
    interpolated: bool,
}

/// Result of integrating one population.
struct Integrated {
    delta: Vec<f64>,
    error_estimate: f64,
    mismatch: f64,
    substeps: usize,
    converged: bool,
}

impl Particle {
    #[allow(clippy::too_many_arguments)]
    fn new(
        gauss: &Gauss,
        phi: Phi,
        coupling_g2: f64,
        s_var: f64,
        mu: f64,
        delta0: f64,
        delta_inf: f64,
        q: usize,
    ) -> Result<Particle, TheoryError> {
        let gap = delta0 - delta_inf;
        let s_max = gap.sqrt();
        let scale = delta0.max(1.0);
        let cfit = fit(
            0.0,
            s_max,
            [coupling_g2, coupling_g2],
            INTERP_TOL * scale,
            |s| {
                let d = (delta0 - s * s).clamp(0.0, delta0);
                let st = gauss.stationary(phi, mu, delta0, d)?;
                Ok([st.c, st.dc])
            },
        )?;
        let [c, dc] = cfit.parts;
        let accel0 = delta0 - coupling_g2 * c.eval(0.0) - s_var;
        if accel0.is_nan() || accel0 >= 0.0 {
            return Err(TheoryError::InvalidParameter {
                name: format!("solution.delta0[{q}]"),
                value: delta0,
                reason: format!(
                    "Δ̈(0) = Δ₀ − G C(Δ₀) − 𝒮 = {accel0:.3e} ≥ 0: Δ₀ is not the top of a \
                     descent (not a stationary chaotic solution of this model)"
                ),
            });
        }
        let force = delta_inf - coupling_g2 * c.eval(s_max) - s_var;
        if force.is_nan() || force.abs() > CONSISTENCY_TOL * scale {
            return Err(TheoryError::InvalidParameter {
                name: format!("solution.delta_inf[{q}]"),
                value: delta_inf,
                reason: format!(
                    "force balance Δ∞ = G C(Δ∞) + 𝒮 fails by {force:.3e} (docs/theory §1.7): not \
                     a stationary chaotic solution of this model"
                ),
            });
        }
        // λ²(x) = 2∫₀¹(1 − t)[1 − G ∂C/∂Δ(Δ∞ + t x)] dt by Gauss–Legendre
        let rate2 = |x: f64, nodes: usize| -> f64 {
            let rule = GaussLegendre::cached(nodes);
            let mut acc = 0.0;
            for (u, w) in rule.nodes.iter().zip(&rule.weights) {
                let t = 0.5 * (1.0 + u);
                let s = (gap - t * x).max(0.0).sqrt();
                acc += w * (1.0 - t) * (1.0 - coupling_g2 * dc.eval(s));
            }
            acc // = 2 · ½ Σ w (1 − t)(…)
        };
        // deflated energy law: e = −½λ²(Δ₀ − Δ∞) = [f·gap − E]/gap² ≈ 0 at a solution
        let energy = -0.5 * rate2(gap, 2 * RATE_NODES);
        if energy.is_nan() || energy.abs() > CONSISTENCY_TOL * scale {
            return Err(TheoryError::InvalidParameter {
                name: format!("solution.delta0[{q}]"),
                value: delta0,
                reason: format!(
                    "energy law V(Δ₀) = V(Δ∞) fails (deflated residual {energy:.3e}, docs/theory \
                     §1.7): not a stationary chaotic solution of this model"
                ),
            });
        }
        let x_switch = SWITCH * gap;
        let rfit = fit(0.0, x_switch, [1.0], RATE_TOL, |x| {
            Ok([rate2(x, RATE_NODES)])
        })?;
        let quadrature = (rate2(x_switch, RATE_NODES) - rate2(x_switch, 2 * RATE_NODES)).abs();
        let [rate] = rfit.parts;
        for j in 0..=32 {
            let x = Chebyshev::node(0.0, x_switch, j, 32);
            let r = rate.eval(x);
            if r.is_nan() || r <= 0.0 {
                return Err(TheoryError::InvalidParameter {
                    name: format!("solution.delta_inf[{q}]"),
                    value: delta_inf,
                    reason: format!(
                        "V has no descent onto Δ∞: λ² = {r:.3e} ≤ 0 at Δ = {:.6} (Δ∞ is not a \
                         hilltop of the potential)",
                        delta_inf + x
                    ),
                });
            }
        }
        Ok(Particle {
            coupling_g2,
            s_var,
            delta0,
            delta_inf,
            s_max,
            x_switch,
            c,
            rate,
            evaluations: cfit.evaluations,
            interpolation_error: cfit.error.max(rfit.error).max(quadrature),
            interpolated: cfit.converged && rfit.converged,
        })
    }

    /// Δ̈ = Δ − G C(Δ) − 𝒮 (phase A).
    #[inline]
    fn accel(&self, d: f64) -> f64 {
        let s = (self.delta0 - d).max(0.0).sqrt().min(self.s_max);
        d - self.coupling_g2 * self.c.eval(s) - self.s_var
    }

    /// λ(x) of the separatrix Δ̇ = −xλ(x) (phase B).
    #[inline]
    fn lambda(&self, x: f64) -> f64 {
        self.rate.eval(x.min(self.x_switch)).max(0.0).sqrt()
    }

    /// One classical RK4 step of (Δ, Δ̇).
    #[inline]
    fn step_a(&self, d: &mut f64, v: &mut f64, h: f64) {
        let (d1, v1) = (*d, *v);
        let a1 = self.accel(d1);
        let (d2, v2) = (d1 + 0.5 * h * v1, v1 + 0.5 * h * a1);
        let a2 = self.accel(d2);
        let (d3, v3) = (d1 + 0.5 * h * v2, v1 + 0.5 * h * a2);
        let a3 = self.accel(d3);
        let (d4, v4) = (d1 + h * v3, v1 + h * a3);
        let a4 = self.accel(d4);
        *d = d1 + h / 6.0 * (v1 + 2.0 * v2 + 2.0 * v3 + v4);
        *v = v1 + h / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4);
    }

    /// One classical RK4 step of y = ln(Δ − Δ∞), ẏ = −λ(eʸ).
    #[inline]
    fn step_b(&self, y: &mut f64, h: f64) {
        let f = |y: f64| -self.lambda(y.exp());
        let k1 = f(*y);
        let k2 = f(*y + 0.5 * h * k1);
        let k3 = f(*y + 0.5 * h * k2);
        let k4 = f(*y + h * k3);
        *y += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
    }

    /// One run with `na` (phase A) and `nb` (phase B) internal steps per lag, into `out`; returns
    /// |Δ̇_A + xλ(x)| at the switch (0 if phase B is never reached). Allocation-free.
    fn run(
        &self,
        h: f64,
        na: usize,
        nb: usize,
        out: &mut [f64],
        q: usize,
    ) -> Result<f64, TheoryError> {
        let (ha, hb) = (h / na as f64, h / nb as f64);
        let (mut d, mut v, mut y) = (self.delta0, 0.0, 0.0);
        let mut phase_b = false;
        let mut mismatch = 0.0;
        out[0] = self.delta0;
        for (i, slot) in out.iter_mut().enumerate().skip(1) {
            let mut remaining = h;
            if !phase_b {
                let mut k = 0;
                while k < na {
                    self.step_a(&mut d, &mut v, ha);
                    k += 1;
                    let x = d - self.delta_inf;
                    if v.is_nan() || v >= 0.0 || x.is_nan() || x <= 0.0 {
                        return Err(TheoryError::InvalidParameter {
                            name: format!("solution.delta0[{q}]"),
                            value: self.delta0,
                            reason: format!(
                                "no monotone descent from Δ₀ to Δ∞: the particle {} at \
                                 τ ≈ {:.4}, Δ = {d:.6} (not a stationary chaotic solution)",
                                if x > 0.0 {
                                    "turns back"
                                } else {
                                    "overshoots Δ∞"
                                },
                                (i - 1) as f64 * h + k as f64 * ha
                            ),
                        });
                    }
                    if x <= self.x_switch {
                        phase_b = true;
                        y = x.ln();
                        mismatch = (v + x * self.lambda(x)).abs();
                        break;
                    }
                }
                remaining = (na - k) as f64 * ha;
            }
            if phase_b && remaining > 0.0 {
                let m = (remaining / hb * (1.0 - 1e-12)).ceil().max(1.0) as usize;
                let hm = remaining / m as f64;
                for _ in 0..m {
                    self.step_b(&mut y, hm);
                }
            }
            *slot = if phase_b { self.delta_inf + y.exp() } else { d };
        }
        Ok(mismatch)
    }

    /// Runs with halved internal steps until two successive runs differ by ≤ 15·tolerance.
    fn integrate(
        &self,
        points: usize,
        h: f64,
        options: &AutocorrelationOptions,
        q: usize,
    ) -> Result<Integrated, TheoryError> {
        let (mut na, mut nb) = initial_substeps(h);
        let mut coarse = vec![0.0; points];
        let mut fine = vec![0.0; points];
        let mut mismatch = self.run(h, na, nb, &mut coarse, q)?;
        let mut error_estimate = f64::INFINITY;
        let limit = options.max_steps as f64;
        loop {
            if (points as f64) * (2 * na.max(nb)) as f64 > limit {
                return Ok(Integrated {
                    delta: coarse,
                    error_estimate,
                    mismatch,
                    substeps: na,
                    converged: false,
                });
            }
            mismatch = self.run(h, 2 * na, 2 * nb, &mut fine, q)?;
            error_estimate = coarse
                .iter()
                .zip(&fine)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f64, f64::max)
                / 15.0;
            na *= 2;
            nb *= 2;
            std::mem::swap(&mut coarse, &mut fine);
            if error_estimate <= options.tolerance {
                // monotone by construction: Δ̇ < 0 is checked at every phase-A step and y
                // decreases strictly in phase B
                return Ok(Integrated {
                    delta: coarse,
                    error_estimate,
                    mismatch,
                    substeps: na,
                    converged: true,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chebyshev_interpolates_smooth_functions() {
        let f = fit(0.0, 2.0, [1.0, 1.0], 1e-13, |x| {
            Ok([x.exp(), (3.0 * x).sin()])
        })
        .unwrap();
        assert!(f.converged);
        for i in 0..50 {
            let x = 2.0 * i as f64 / 49.0;
            assert!((f.parts[0].eval(x) - x.exp()).abs() < 1e-12);
            assert!((f.parts[1].eval(x) - (3.0 * x).sin()).abs() < 1e-12);
        }
    }

    #[test]
    fn options_are_checked_before_allocation() {
        let mut o = AutocorrelationOptions::new(30.0);
        assert_eq!(o.points().unwrap(), 601);
        for (t, h, name) in [
            (f64::NAN, 0.05, "tau_max"),
            (-1.0, 0.05, "tau_max"),
            (f64::INFINITY, 0.05, "tau_max"),
            (1.0, 0.0, "tau_step"),
            (1.0, -0.1, "tau_step"),
            (1.0, f64::NAN, "tau_step"),
            (1.0, 2.0, "tau_step"),
        ] {
            o.tau_max = t;
            o.tau_step = h;
            match o.points() {
                Err(TheoryError::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
                r => panic!("{t} {h}: {r:?}"),
            }
        }
        o.tau_max = 1e12;
        o.tau_step = 1e-3;
        match o.points() {
            Err(TheoryError::InvalidParameter { reason, .. }) => {
                assert!(reason.contains("max_points"), "{reason}")
            }
            r => panic!("{r:?}"),
        }
    }
}
