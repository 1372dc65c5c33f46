//! The potential method for one region with static currents and stationary fluctuations
//! (docs/theory §3.2–3.3, §3.6; §1.7 with μ = 0, G = g², 𝒮 = A).
//!
//! A region carrying currents is gain-pinned, ⟨φ′⟩(0, Δ0) = 1/b, which fixes its total variance
//! Δ0 (erf: (2/π)(b² − 1)). Its fluctuations obey Δ̈ = −V′(Δ), V = −½Δ² + g²F(Δ; Δ0) + AΔ, and
//! the structured variance A follows from force balance A = Δ∞ − g²C(Δ∞) and energy conservation
//! V(Δ0) = V(Δ∞). Three branches:
//!
//! - **static** (Δ∞ = Δ0): A_fp = Δ0 − g²⟨φ²⟩, stable iff g²⟨φ′²⟩ < 1;
//! - **chaotic with currents** (0 < Δ∞ < Δ0, A > 0);
//! - **pure chaos** (A = Δ∞ = 0, Δ0 from ½Δ0² = g²[F(Δ0) − F(0)]).
//!
//! The energy law has a double root at Δ∞ = Δ0 (docs/theory §4); the chaotic root is found with the
//! deflated residual [`deflated_energy_residual`], bracketed strictly below Δ0.

use crate::convergence::Convergence;
use crate::currents::pinned_variance;
use crate::equations::{deflated_energy_residual, force_residual, pure_chaos_delta0};
use crate::roots::brent;
use crate::TheoryError;
use lowrank_gauss::{Gauss, Phi};
use serde::Serialize;

/// Branch of the potential method (docs/theory §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Branch {
    /// Δ∞ = Δ0: static currents, static disorder ("chaos suppressed").
    Static,
    /// 0 < Δ∞ < Δ0, A > 0: static currents on top of chaotic fluctuations.
    Chaotic,
    /// A = Δ∞ = 0: the region only generates chaos (no currents).
    PureChaos,
}

/// One region's solution of the potential method.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RegionSolution {
    /// Which branch.
    pub branch: Branch,
    /// Disorder gain g of the region (G = g²).
    pub g: f64,
    /// Total variance Δ0 = Δ(0).
    pub delta0: f64,
    /// Long-lag covariance Δ∞ = Δ(τ → ∞).
    pub delta_inf: f64,
    /// Structured variance A (the squared norm of the incoming currents for U = 𝟙).
    pub structured_variance: f64,
    /// Gain ψ = ⟨φ′⟩(0, Δ0).
    pub gain: f64,
    /// Linear stability against chaos, asked of the static branch only: `Some(g²⟨φ′²⟩ < 1)`
    /// there (the bulk radius below 1, docs/theory §3.3), `None` on the other branches.
    pub chaos_stable: Option<bool>,
    /// A ≥ 0: the branch can be realised (its structured variance is a squared norm).
    pub realisable: bool,
    /// The root finder's report: |residual| of the solved equation and its iterations
    /// ([`crate::convergence::Termination::ClosedForm`] with residual 0 for the closed forms).
    #[serde(flatten)]
    pub convergence: Convergence,
}

fn check_g(g: f64) -> Result<(), TheoryError> {
    if g >= 0.0 && g.is_finite() {
        Ok(())
    } else {
        Err(TheoryError::InvalidParameter {
            name: "g".into(),
            value: g,
            reason: "disorder gain must be finite and ≥ 0".into(),
        })
    }
}

fn check_delta0(d0: f64) -> Result<(), TheoryError> {
    if d0 > 0.0 && d0.is_finite() {
        Ok(())
    } else {
        Err(TheoryError::InvalidParameter {
            name: "delta0".into(),
            value: d0,
            reason: "total variance must be finite and > 0".into(),
        })
    }
}

/// Pinned total variance of a region transmitting through interaction `b`: ⟨φ′⟩(0, Δ0) = 1/b
/// (docs/theory §3.2 (3); erf: Δ0 = (2/π)(b² − 1)).
///
/// ```
/// use lowrank_gauss::{Gauss, Phi};
/// use lowrank_theory::cb2025::potential::pinned_delta0;
/// let d0 = pinned_delta0(&Gauss::new(32), Phi::Erf, 2.0).unwrap();
/// assert!((d0 - 1.9099).abs() < 5e-5); // docs/theory §5, Fig. 4a
/// ```
pub fn pinned_delta0(gauss: &Gauss, phi: Phi, b: f64) -> Result<f64, TheoryError> {
    if !(b > 1.0 && b.is_finite()) {
        return Err(TheoryError::InvalidParameter {
            name: "b".into(),
            value: b,
            reason: "a pinned region needs b > 1".into(),
        });
    }
    pinned_variance(gauss, phi, 1.0 / b)
}

/// Static branch at total variance Δ0 (docs/theory §3.2): A_fp = Δ0 − g²⟨φ²⟩(0, Δ0), stable iff the
/// bulk radius g²⟨φ′²⟩ < 1 (§3.3).
pub fn static_branch(
    gauss: &Gauss,
    phi: Phi,
    g: f64,
    delta0: f64,
) -> Result<RegionSolution, TheoryError> {
    check_g(g)?;
    check_delta0(delta0)?;
    let m = gauss.moments(phi, 0.0, delta0)?;
    Ok(RegionSolution {
        branch: Branch::Static,
        g,
        delta0,
        delta_inf: delta0,
        structured_variance: delta0 - g * g * m.phi2,
        gain: m.dphi,
        chaos_stable: Some(g * g * m.dphi2 < 1.0),
        realisable: delta0 - g * g * m.phi2 >= 0.0,
        convergence: Convergence::closed_form(),
    })
}

/// Chaotic branch with currents at total variance Δ0 (docs/theory §3.2): the root Δ∞ ∈ (0, Δ0) of the
/// deflated energy law with A(Δ∞) = Δ∞ − g²C(Δ∞; Δ0) eliminated; then A = A(Δ∞).
///
/// Returns `Ok(None)` when the energy law has no root strictly below Δ0 (below the chaos onset).
/// The root is bracketed on a grid of `scan` points in (0, Δ0); the largest root is returned
/// (the one that leaves the static branch at g_c). `realisable` reports A ≥ 0.
pub fn chaotic_branch(
    gauss: &Gauss,
    phi: Phi,
    g: f64,
    delta0: f64,
) -> Result<Option<RegionSolution>, TheoryError> {
    check_g(g)?;
    check_delta0(delta0)?;
    let gg = g * g;
    let a_of = |d: f64| force_residual(gauss, phi, gg, 0.0, 0.0, delta0, d);
    let e_of = |d: f64| -> Result<f64, TheoryError> {
        let a = a_of(d)?;
        deflated_energy_residual(gauss, phi, gg, a, 0.0, delta0, d)
    };
    const SCAN: usize = 400;
    // grid strictly inside (0, Δ0), denser towards Δ0 where the branch is born
    let point =
        |i: usize| delta0 * (1.0 - ((SCAN - i) as f64 / SCAN as f64).powi(2)) * (1.0 - 1e-9);
    let mut hi = point(SCAN);
    let mut fhi = e_of(hi)?;
    for i in (0..SCAN).rev() {
        let lo = point(i).max(delta0 * 1e-12);
        let flo = e_of(lo)?;
        if flo == 0.0 || flo.signum() != fhi.signum() {
            // the deflated residual carries round-off ~ ε·Δ0²/gap² (cancellation in E/gap²)
            let gap = (delta0 - hi).max(f64::MIN_POSITIVE);
            let tol = (1e-15 * (delta0 / gap).powi(2)).max(1e-12);
            let sol = brent("chaotic delta_inf", e_of, lo, hi, tol)?;
            let a = a_of(sol.value)?;
            return Ok(Some(RegionSolution {
                branch: Branch::Chaotic,
                g,
                delta0,
                delta_inf: sol.value,
                structured_variance: a,
                gain: gauss.moments(phi, 0.0, delta0)?.dphi,
                chaos_stable: None,
                realisable: a >= 0.0,
                convergence: sol.convergence,
            }));
        }
        hi = lo;
        fhi = flo;
    }
    Ok(None)
}

/// Pure chaos (docs/theory §3.2): A = Δ∞ = 0, Δ0 from ½Δ0² = g²[F(Δ0) − F(0)] (via the
/// [`pure_chaos_delta0`]); gain ψ0(g) = ⟨φ′⟩(0, Δ0), 1 for g ≤ 1.
///
/// ```
/// use lowrank_gauss::{Gauss, Phi};
/// use lowrank_theory::cb2025::potential::pure_chaos;
/// let s = pure_chaos(&Gauss::new(32), Phi::Erf, 3.0).unwrap();
/// assert!((s.delta0 - 5.6374).abs() < 5e-5 && (s.gain - 0.3185).abs() < 5e-5); // docs/theory §5
/// ```
pub fn pure_chaos(gauss: &Gauss, phi: Phi, g: f64) -> Result<RegionSolution, TheoryError> {
    check_g(g)?;
    let s = pure_chaos_delta0(gauss, phi, g * g)?;
    Ok(RegionSolution {
        branch: Branch::PureChaos,
        g,
        delta0: s.value,
        delta_inf: 0.0,
        structured_variance: 0.0,
        gain: gauss.moments(phi, 0.0, s.value)?.dphi,
        chaos_stable: None,
        realisable: true,
        convergence: s.convergence,
    })
}

/// The realised state of a region pinned by interaction `b` at disorder g (docs/theory §3.5):
/// the static branch for g < g_c(b), the chaotic branch with A > 0 for g_c < g < g*, pure chaos
/// beyond (the reference maps a missing or negative-A chaotic root to A = 0).
pub fn region_state(
    gauss: &Gauss,
    phi: Phi,
    g: f64,
    b: f64,
) -> Result<RegionSolution, TheoryError> {
    let d0 = pinned_delta0(gauss, phi, b)?;
    let st = static_branch(gauss, phi, g, d0)?;
    if st.chaos_stable == Some(true) && st.realisable {
        return Ok(st);
    }
    if let Some(ch) = chaotic_branch(gauss, phi, g, d0)? {
        if ch.structured_variance > 0.0 {
            return Ok(ch);
        }
    }
    pure_chaos(gauss, phi, g)
}

/// Exact chaos-suppression onset for a region pinned at ψ = 1/b, erf: g_c(b) = (2b² − 1)^{1/4}
/// (docs/theory §3.3, from g²(1 + πΔ0)^{−1/2} = 1).
///
/// ```
/// use lowrank_theory::cb2025::potential::onset_exact;
/// assert!((onset_exact(2.0) - 7f64.powf(0.25)).abs() < 1e-15);
/// ```
pub fn onset_exact(b: f64) -> f64 {
    (2.0 * b * b - 1.0).powf(0.25)
}

/// Chaos-suppression onset for any φ: g_c = ⟨φ′²⟩(0, Δ0)^{−1/2} at the pinned Δ0 (§3.3).
pub fn onset(gauss: &Gauss, phi: Phi, b: f64) -> Result<f64, TheoryError> {
    let d0 = pinned_delta0(gauss, phi, b)?;
    Ok(1.0 / gauss.moments(phi, 0.0, d0)?.dphi2.sqrt())
}

/// The reference figure's *detected* onset (docs/theory §3.3): the first g of `grid` with
/// 10⁻³ < Δ0 − Δ∞ < 10⁻¹ on the chaotic branch; `None` if no grid point qualifies.
/// The reference grid is 2500 points on [0, 4] ([`reference_onset_grid`]).
pub fn onset_detected(
    gauss: &Gauss,
    phi: Phi,
    b: f64,
    grid: &[f64],
) -> Result<Option<f64>, TheoryError> {
    let d0 = pinned_delta0(gauss, phi, b)?;
    for &g in grid {
        let st = static_branch(gauss, phi, g, d0)?;
        if st.chaos_stable == Some(true) {
            continue; // no chaotic root below the exact onset (Δ0 − Δ∞ = 0)
        }
        if let Some(ch) = chaotic_branch(gauss, phi, g, d0)? {
            let gap = d0 - ch.delta_inf;
            if gap > 1e-3 && gap < 1e-1 {
                return Ok(Some(g));
            }
        }
    }
    Ok(None)
}

/// The reference onset grid: 2500 equally spaced points on [0, 4] (endpoints included).
pub fn reference_onset_grid() -> Vec<f64> {
    (0..2500).map(|i| 4.0 * i as f64 / 2499.0).collect()
}

/// Generator–transmitter point g*(b) (docs/theory §3.6): ψ0(g*) = 1/b, i.e.
/// Δ0^chaos(g*) = Δ0 pinned; beyond it the region only generates. Bracketed Brent in g.
///
/// ```
/// use lowrank_gauss::{Gauss, Phi};
/// use lowrank_theory::cb2025::potential::generator_transmitter_point;
/// let s = generator_transmitter_point(&Gauss::new(32), Phi::Erf, 2.0).unwrap();
/// assert!((s.value - 1.945).abs() < 5e-4); // docs/theory §5
/// ```
pub fn generator_transmitter_point(
    gauss: &Gauss,
    phi: Phi,
    b: f64,
) -> Result<crate::roots::ScalarSolution, TheoryError> {
    let d0 = pinned_delta0(gauss, phi, b)?;
    let f = |g: f64| -> Result<f64, TheoryError> {
        Ok(pure_chaos_delta0(gauss, phi, g * g)?.value - d0)
    };
    // pure chaos starts at g = 1 (Δ0^chaos(1) = 0 < Δ0); stay off g = 1 where the SCS root is degenerate
    let mut lo = 1.05;
    let mut n = 0;
    while f(lo)? >= 0.0 {
        lo = 1.0 + 0.25 * (lo - 1.0);
        n += 1;
        if n > 20 {
            return Err(TheoryError::NotFound {
                what: "g*".into(),
                detail: format!("no bracket above g = 1 after {n} halvings"),
            });
        }
    }
    let mut hi = 2.0;
    while f(hi)? <= 0.0 {
        hi *= 2.0;
        n += 1;
        if n > 40 {
            return Err(TheoryError::NotFound {
                what: "g*".into(),
                detail: format!("no bracket after {n} doublings"),
            });
        }
    }
    brent(
        "generator-transmitter point g*",
        f,
        lo,
        hi,
        1e-11 * d0.max(1.0),
    )
}

/// One point of the Fig. 4a curves (docs/theory §3.6).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Fig4aPoint {
    /// Disorder gain g.
    pub g: f64,
    /// √A_fp of the static branch (NaN-free: `None` if A_fp < 0).
    pub sqrt_a_static: Option<f64>,
    /// Whether the static branch is stable (g < g_c).
    pub static_stable: bool,
    /// √A on the chaotic branch with currents, if it exists with A ≥ 0.
    pub sqrt_a_chaotic: Option<f64>,
    /// √A of the realised state ([`region_state`]).
    pub sqrt_a: f64,
    /// Branch of the realised state.
    pub branch: Branch,
}

/// √A versus g for a region pinned by `b` (Fig. 4a; the paper uses b ∈ {1.5, 2, 2.5}): the static
/// branch (stable and its unstable continuation), the chaotic branch, and the realised value.
pub fn fig4a_curve(
    gauss: &Gauss,
    phi: Phi,
    b: f64,
    gs: &[f64],
) -> Result<Vec<Fig4aPoint>, TheoryError> {
    let d0 = pinned_delta0(gauss, phi, b)?;
    gs.iter()
        .map(|&g| {
            let st = static_branch(gauss, phi, g, d0)?;
            let ch = if st.chaos_stable == Some(true) {
                None
            } else {
                chaotic_branch(gauss, phi, g, d0)?
            };
            let real = region_state(gauss, phi, g, b)?;
            Ok(Fig4aPoint {
                g,
                sqrt_a_static: (st.structured_variance >= 0.0)
                    .then(|| st.structured_variance.sqrt()),
                static_stable: st.chaos_stable == Some(true),
                sqrt_a_chaotic: ch
                    .filter(|c| c.structured_variance >= 0.0)
                    .map(|c| c.structured_variance.sqrt()),
                sqrt_a: real.structured_variance.max(0.0).sqrt(),
                branch: real.branch,
            })
        })
        .collect()
}

/// Autocorrelation Δ(τ) of a region (Fig. 4b): RK4 integration of Δ̈ = Δ − g²C(Δ; Δ0) − A
/// (= −V′(Δ), docs/theory §1.7) from Δ(0) = Δ0, Δ̇(0) = 0, step `dtau`, until `tau_max` or until Δ
/// leaves [0, Δ0] (the orbit approaches the unstable equilibrium Δ∞ and round-off eventually
/// pushes it off; the returned samples stop there). Returns (τ, Δ) pairs.
pub fn autocorrelation(
    gauss: &Gauss,
    phi: Phi,
    g: f64,
    structured_variance: f64,
    delta0: f64,
    dtau: f64,
    tau_max: f64,
) -> Result<Vec<(f64, f64)>, TheoryError> {
    check_g(g)?;
    check_delta0(delta0)?;
    if !(dtau > 0.0 && tau_max > 0.0) {
        return Err(TheoryError::InvalidParameter {
            name: "dtau".into(),
            value: dtau,
            reason: "dtau and tau_max must be > 0".into(),
        });
    }
    let gg = g * g;
    let acc = |d: f64| -> Result<f64, TheoryError> {
        Ok(d - gg * gauss.stationary(phi, 0.0, delta0, d)?.c - structured_variance)
    };
    let inside = |d: f64| (0.0..=delta0).contains(&d);
    let steps = (tau_max / dtau).ceil() as usize;
    let mut out = Vec::with_capacity(steps + 1);
    let (mut x, mut v) = (delta0, 0.0);
    out.push((0.0, x));
    for n in 1..=steps {
        let k1x = v;
        let k1v = acc(x)?;
        let x2 = x + 0.5 * dtau * k1x;
        if !inside(x2) {
            break;
        }
        let k2x = v + 0.5 * dtau * k1v;
        let k2v = acc(x2)?;
        let x3 = x + 0.5 * dtau * k2x;
        if !inside(x3) {
            break;
        }
        let k3x = v + 0.5 * dtau * k2v;
        let k3v = acc(x3)?;
        let x4 = x + dtau * k3x;
        if !inside(x4) {
            break;
        }
        let k4x = v + dtau * k3v;
        let k4v = acc(x4)?;
        let xn = x + dtau / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x);
        if !inside(xn) {
            break;
        }
        v += dtau / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
        x = xn;
        out.push((n as f64 * dtau, x));
    }
    Ok(out)
}
