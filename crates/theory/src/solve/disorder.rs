//! Every variance solution of one population at a fixed mean μ and structured variance 𝒮: the
//! building block of the complete solution search (docs/theory.md, "Complete solution sets").
//!
//! With the overlaps κ held fixed, a population with within-population disorder G obeys
//! - static (§1.6 of docs/theory.md): Δ = 𝒮 + G⟨φ²⟩(μ, Δ), one scalar equation in Δ;
//! - stationary chaos (§1.7): force balance Δ∞ = G C(Δ∞; μ, Δ₀) + 𝒮 and the energy law.
//!
//! Both are solved *completely* on bounded domains: for bounded φ, Δ ≤ 𝒮 + G sup φ² (static) and
//! Δ₀ ≤ 2(𝒮 + G sup φ²) (the energy law with F(Δ₀) − F(Δ∞) = ∫C ≤ (Δ₀ − Δ∞) sup φ²). The force
//! balance is convex in Δ∞: by Mehler's expansion C(Δ) = Σ_k ⟨φ⁽ᵏ⁾⟩² Δᵏ/k! (averages at μ, Δ₀) has
//! non-negative coefficients, so u(Δ∞) = G C(Δ∞) + 𝒮 − Δ∞ is convex and has at most two roots,
//! located exactly from the minimiser of u (the root of the increasing u′ = G ∂C/∂Δ − 1).

use crate::equations::force_and_deflated_energy;
use crate::roots::{brent, scan_roots};
use crate::TheoryError;
use lowrank_gauss::{Gauss, Phi};

/// Largest variance scanned for an unbounded φ (no a-priori bound exists there); solutions beyond
/// it are outside the stated domain.
pub const UNBOUNDED_VARIANCE_CAP: f64 = 1e6;

/// Grid nodes of the static variance scan (geometric from 10⁻⁹·Δmax, plus a uniform grid).
const STATIC_NODES: usize = 32;
/// Grid nodes of the Δ₀ scan of the chaotic pairs (geometric from 10⁻⁶·Δ₀max).
const CHAOTIC_NODES: usize = 28;

/// The scan domain of a variance: [0, `max`], and whether `max` is a proven bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VarianceDomain {
    /// Largest variance scanned.
    pub max: f64,
    /// `true` when every solution provably lies below `max` (bounded φ).
    pub proven: bool,
}

/// The static domain Δ ∈ [0, 𝒮 + G sup φ²] (bounded φ) or [0, cap].
/// `coupling_g2` is the disorder coupling G = α g² of docs/theory §1.1 (G = g² in \[MO\]), not
/// the gain g.
pub fn static_domain(phi: Phi, coupling_g2: f64, s_var: f64) -> VarianceDomain {
    match phi.sup_abs() {
        Some(s) => VarianceDomain {
            max: (s_var + coupling_g2 * s * s) * (1.0 + 1e-9) + 1e-300,
            proven: true,
        },
        None => VarianceDomain {
            max: UNBOUNDED_VARIANCE_CAP * s_var.max(1.0),
            proven: false,
        },
    }
}

/// A grid on [0, max]: 0, a geometric part (resolves roots near 0) and a uniform part.
fn variance_grid(max: f64, nodes: usize, smallest: f64) -> Vec<f64> {
    let mut g = vec![0.0];
    let lmin = smallest.ln();
    for i in 0..nodes {
        g.push(max * (lmin * (1.0 - i as f64 / (nodes - 1) as f64)).exp());
    }
    for i in 1..nodes {
        g.push(max * i as f64 / nodes as f64);
    }
    g.sort_by(f64::total_cmp);
    g.dedup_by(|a, b| (*a - *b).abs() <= 1e-14 * max);
    g
}

/// All static variances of one population: the roots of h(Δ) = 𝒮 + G⟨φ²⟩(μ, Δ) − Δ on its
/// [`static_domain`], by [`scan_roots`]. Returns the roots (increasing) and the number of
/// refinements that failed.
///
/// `coupling_g2` is the disorder coupling G = α g² of docs/theory §1.1 (G = g² in \[MO\]), not
/// the gain g.
///
/// ```
/// use lowrank_gauss::{Gauss, Phi};
/// use lowrank_theory::solve::disorder::static_variances;
/// // pure disorder, g = 2 (G = 4): the trivial Δ = 0 and the central static state
/// let (roots, failed) = static_variances(&Gauss::default(), Phi::Tanh, 4.0, 0.0, 0.0).unwrap();
/// assert_eq!((roots.len(), failed), (2, 0));
/// assert_eq!(roots[0], 0.0);
/// ```
///
/// # Errors
/// A Gaussian-integral error at a grid node (non-finite arguments).
pub fn static_variances(
    gauss: &Gauss,
    phi: Phi,
    coupling_g2: f64,
    s_var: f64,
    mu: f64,
) -> Result<(Vec<f64>, usize), TheoryError> {
    let dom = static_domain(phi, coupling_g2, s_var);
    let h = |d: f64| -> Result<f64, TheoryError> {
        Ok(s_var + coupling_g2 * gauss.moments(phi, mu, d)?.phi2 - d)
    };
    let grid = variance_grid(dom.max, STATIC_NODES, 1e-9);
    scan_roots(h, &grid, 1e-13 * dom.max.max(1.0))
}

/// u(Δ∞) = G C(Δ∞) + 𝒮 − Δ∞ and u′(Δ∞) = G ∂C/∂Δ − 1 at (μ, Δ₀).
fn force_u(
    gauss: &Gauss,
    phi: Phi,
    coupling_g2: f64,
    s_var: f64,
    mu: f64,
    d0: f64,
    d: f64,
) -> Result<(f64, f64), TheoryError> {
    let st = gauss.stationary(phi, mu, d0, d)?;
    Ok((coupling_g2 * st.c + s_var - d, coupling_g2 * st.dc - 1.0))
}

/// The (at most two) force-balance roots Δ∞ ∈ [0, Δ₀) at total variance Δ₀: `[lower, upper]`,
/// each `None` where it does not exist.
fn force_roots(
    gauss: &Gauss,
    phi: Phi,
    coupling_g2: f64,
    s_var: f64,
    mu: f64,
    d0: f64,
) -> Result<[Option<f64>; 2], TheoryError> {
    let tol = 1e-14 * d0.max(1.0);
    let u = |d: f64| force_u(gauss, phi, coupling_g2, s_var, mu, d0, d).map(|x| x.0);
    let (u0, du0) = force_u(gauss, phi, coupling_g2, s_var, mu, d0, 0.0)?;
    let (u1, du1) = force_u(gauss, phi, coupling_g2, s_var, mu, d0, d0)?;
    // minimiser of the convex u: where the increasing u′ changes sign
    let m = if du0 >= 0.0 {
        0.0
    } else if du1 <= 0.0 {
        d0
    } else {
        let (mut a, mut b) = (0.0, d0);
        for _ in 0..60 {
            let c = 0.5 * (a + b);
            if force_u(gauss, phi, coupling_g2, s_var, mu, d0, c)?.1 < 0.0 {
                a = c;
            } else {
                b = c;
            }
            if b - a <= 1e-12 * d0 {
                break;
            }
        }
        0.5 * (a + b)
    };
    let um = if m == 0.0 {
        u0
    } else if m == d0 {
        u1
    } else {
        u(m)?
    };
    // u is a sum of squares plus 𝒮 − Δ∞: values within rounding of 0 are 0 (e.g. u(0) = G⟨φ⟩²
    // ≈ 1e−32 at zero mean for odd φ, where Δ∞ = 0 is an exact root)
    let ftol = 1e-13 * (coupling_g2 + s_var + d0).max(1.0);
    let mut out = [None, None];
    if um > ftol {
        return Ok(out);
    }
    if um >= -ftol {
        // tangency (double root) at the minimiser, or the minimiser is the root at 0
        out[0] = (m < d0).then_some(m);
        return Ok(out);
    }
    if u0.abs() <= ftol {
        out[0] = Some(0.0);
    } else if u0 > 0.0 {
        out[0] = brent("force balance", u, 0.0, m, tol)
            .ok()
            .filter(|s| s.convergence.converged)
            .map(|s| s.value);
    }
    if u1 > ftol {
        out[1] = brent("force balance", u, m, d0, tol)
            .ok()
            .filter(|s| s.convergence.converged)
            .map(|s| s.value)
            .filter(|&r| r < d0);
    }
    Ok(out)
}

/// Every stationary chaotic variance pair (Δ₀, Δ∞), Δ∞ < Δ₀, of one population at fixed μ and 𝒮:
/// for each Δ₀ of a grid on (0, 2(𝒮 + G sup φ²)] both force-balance roots (convexity, module
/// docs), then the roots in Δ₀ of the deflated energy law along each root branch, by
/// [`scan_roots`] on every run of grid nodes where the branch exists. Returns the pairs and the
/// number of failed refinements. Empty for an unbounded φ (no stationary chaos is bounded there;
/// the caller reports the domain as unproven).
///
/// `coupling_g2` is the disorder coupling G = α g² of docs/theory §1.1 (G = g² in \[MO\]), not
/// the gain g.
///
/// ```
/// use lowrank_gauss::{Gauss, Phi};
/// use lowrank_theory::solve::disorder::chaotic_variances;
/// // [CB] pure chaos at g = 1.5 (G = 2.25), erf: Δ₀ = 0.8388, Δ∞ = 0 (published value)
/// let (pairs, failed) = chaotic_variances(&Gauss::default(), Phi::Erf, 2.25, 0.0, 0.0).unwrap();
/// assert_eq!((pairs.len(), failed), (1, 0));
/// assert!((pairs[0].0 - 0.8388).abs() < 5e-5 && pairs[0].1.abs() < 1e-12);
/// ```
///
/// # Errors
/// A Gaussian-integral error at a grid node.
pub fn chaotic_variances(
    gauss: &Gauss,
    phi: Phi,
    coupling_g2: f64,
    s_var: f64,
    mu: f64,
) -> Result<(Vec<(f64, f64)>, usize), TheoryError> {
    let Some(s) = phi.sup_abs() else {
        return Ok((Vec::new(), 0));
    };
    if coupling_g2 <= 0.0 {
        return Ok((Vec::new(), 0));
    }
    let max = 2.0 * (s_var + coupling_g2 * s * s);
    let grid: Vec<f64> = variance_grid(max, CHAOTIC_NODES, 1e-6)
        .into_iter()
        .filter(|&d| d > 0.0)
        .collect();
    let roots: Vec<[Option<f64>; 2]> = grid
        .iter()
        .map(|&d0| force_roots(gauss, phi, coupling_g2, s_var, mu, d0))
        .collect::<Result<_, _>>()?;
    let mut pairs = Vec::new();
    let mut failed = 0;
    for branch in 0..2 {
        let energy = |d0: f64| -> Result<f64, TheoryError> {
            let r =
                force_roots(gauss, phi, coupling_g2, s_var, mu, d0)?[branch].ok_or_else(|| {
                    TheoryError::Unsupported("force-balance branch ends inside the cell".into())
                })?;
            Ok(force_and_deflated_energy(gauss, phi, coupling_g2, s_var, mu, d0, r)?.1)
        };
        let mut i = 0;
        while i < grid.len() {
            if roots[i][branch].is_none() {
                i += 1;
                continue;
            }
            let start = i;
            while i < grid.len() && roots[i][branch].is_some() {
                i += 1;
            }
            let run = &grid[start..i];
            if run.len() == 1 {
                continue;
            }
            match scan_roots(energy, run, 1e-12) {
                Ok((ds, f)) => {
                    failed += f;
                    for d0 in ds {
                        if let Some(dinf) =
                            force_roots(gauss, phi, coupling_g2, s_var, mu, d0)?[branch]
                        {
                            pairs.push((d0, dinf));
                        }
                    }
                }
                Err(_) => failed += 1,
            }
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    pairs.dedup_by(|a, b| {
        (a.0 - b.0).abs() <= 1e-9 * a.0.max(1.0) && (a.1 - b.1).abs() <= 1e-9 * a.0.max(1.0)
    });
    Ok((pairs, failed))
}
