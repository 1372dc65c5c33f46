//! The order-parameter equations of the general model, written once (THEORY.md §1.6–1.7).
//!
//! Unknowns are packed in one vector so that any root finder can be used:
//! - static (§1.6): `x = κ ‖ Δ` (K + P entries);
//! - stationary chaotic (§1.7): `x = κ ‖ Δ₀ ‖ Δ∞` (K + 2P entries).
//!
//! Residuals return `Err` (never NaN) when an iterate leaves the domain (negative variance,
//! Δ∞ > Δ₀), so that solvers can backtrack.

use crate::meanfield::MeanField;
use crate::roots::{brent, ScalarSolution};
use crate::TheoryError;
use lowrank_gauss::{Gauss, GaussLegendre, Moments, Phi};

/// A system of equations r(x) = 0 with a fixed dimension; what every solver in this crate solves.
pub trait Residual {
    /// Number of unknowns (= number of equations).
    fn dim(&self) -> usize;
    /// Evaluate r(x) into `out`. `Err` when x is outside the domain of the equations.
    fn eval(&mut self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError>;
}

/// Per-population scratch space, allocated once per equation object.
#[derive(Clone, Debug)]
struct Scratch {
    mu: Vec<f64>,
    moments: Vec<Moments>,
    phi_mean: Vec<f64>,
    gain: Vec<f64>,
    phi2: Vec<f64>,
    drive: Vec<f64>,
}

impl Scratch {
    fn new(mf: &MeanField) -> Scratch {
        Scratch {
            mu: vec![0.0; mf.p],
            moments: vec![Moments::default(); mf.p],
            phi_mean: vec![0.0; mf.p],
            gain: vec![0.0; mf.p],
            phi2: vec![0.0; mf.p],
            drive: vec![0.0; mf.k],
        }
    }

    /// Means at κ, moments at the given variances, and the Stein drive.
    fn fill(
        &mut self,
        mf: &MeanField,
        kappa: &[f64],
        v: &[f64],
        delta: &[f64],
    ) -> Result<(), TheoryError> {
        for (p, (&d, mu)) in delta.iter().zip(self.mu.iter_mut()).enumerate().take(mf.p) {
            if d.is_nan() || d < 0.0 {
                return Err(TheoryError::InvalidParameter {
                    name: format!("delta0[{p}]"),
                    value: d,
                    reason: "variance must be ≥ 0".into(),
                });
            }
            *mu = mf.mean(p, kappa, v);
        }
        mf.moments(&self.mu, delta, &mut self.moments)?;
        for p in 0..mf.p {
            self.phi_mean[p] = self.moments[p].phi;
            self.gain[p] = self.moments[p].dphi;
            self.phi2[p] = self.moments[p].phi2;
        }
        mf.drive(kappa, v, &self.phi_mean, &self.gain, &mut self.drive);
        Ok(())
    }
}

/// Static mean-field equations (THEORY.md §1.6) at input amplitudes `v`:
///
/// κ_k = Σ_p α_p [M_{n^k} ⟨φ⟩_p + ⟨φ′⟩_p c^{(p)}_{n^k}],   Δ_p = 𝒮_p + Σ_q G_pq ⟨φ²⟩_q,
///
/// averages at (μ_p, Δ_p). Residual: (κ − drive, Δ − 𝒮 − Δ^h).
///
/// ```
/// # use lowrank_gauss::{Gauss, Phi};
/// # use lowrank_model::{LoadingStats, Model, Population, Term};
/// # use lowrank_theory::{meanfield::MeanField, equations::{StaticEquations, Residual}};
/// # use nalgebra::{DMatrix, DVector};
/// # let model = Model { name: "x".into(), populations: vec![Population { name: "all".into(), weight: 1.0 }],
/// #     gain: DMatrix::from_element(1, 1, 0.5), vectors: vec!["m".into(), "n".into()],
/// #     stats: vec![LoadingStats { mean: DVector::from_vec(vec![1.1, 2.0]), cov: DMatrix::identity(2, 2) }],
/// #     terms: vec![Term { name: "1".into(), left: 0, right: 1 }], inputs: vec![], readouts: vec![], nonlinearity: Phi::Tanh };
/// let mut eq = StaticEquations::new(MeanField::new(&model, Gauss::new(64)), vec![]);
/// let mut r = [0.0; 2];
/// eq.eval(&[0.0, 0.0], &mut r).unwrap(); // the trivial state κ = Δ = 0 solves the equations
/// assert!(r.iter().all(|x| x.abs() < 1e-15));
/// ```
#[derive(Clone, Debug)]
pub struct StaticEquations {
    /// The model in evaluation form.
    pub mf: MeanField,
    /// Input amplitudes u_a.
    pub v: Vec<f64>,
    scratch: Scratch,
}

impl StaticEquations {
    /// Static equations of `mf` at inputs `v`.
    pub fn new(mf: MeanField, v: Vec<f64>) -> StaticEquations {
        let scratch = Scratch::new(&mf);
        StaticEquations { mf, v, scratch }
    }

    /// Per-population moments at the last evaluated point (μ_p, Δ_p).
    pub fn last_moments(&self) -> &[Moments] {
        &self.scratch.moments
    }

    /// Population means μ_p at the last evaluated point.
    pub fn last_mu(&self) -> &[f64] {
        &self.scratch.mu
    }
}

impl Residual for StaticEquations {
    fn dim(&self) -> usize {
        self.mf.k + self.mf.p
    }

    fn eval(&mut self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
        let (k, p) = (self.mf.k, self.mf.p);
        let (kappa, delta) = x.split_at(k);
        self.scratch.fill(&self.mf, kappa, &self.v, delta)?;
        for i in 0..k {
            out[i] = kappa[i] - self.scratch.drive[i];
        }
        for q in 0..p {
            out[k + q] = delta[q]
                - self.mf.structured_variance(q, kappa, &self.v)
                - self.mf.disorder_variance(q, &self.scratch.phi2);
        }
        Ok(())
    }
}

/// Stationary chaotic equations (THEORY.md §1.7) at inputs `v`, for within-population disorder
/// (G diagonal). Unknowns κ ‖ Δ₀ ‖ Δ∞; per chaotic population p, with 𝒮_p at κ and μ_p:
///
/// - force balance: Δ∞ = G_pp C_p(Δ∞) + 𝒮_p;
/// - energy conservation V(Δ₀) = V(Δ∞), V(Δ) = −½Δ² + G_pp F_p(Δ) + 𝒮_p Δ, used in the
///   **deflated** form of [`deflated_energy_residual`], which removes the static branch
///   Δ∞ = Δ₀ (a double root of the raw energy law) except where the bulk radius is exactly 1;
///
/// and the κ equation of §1.6 at the total variance Δ₀. Populations marked static (no disorder,
/// or chosen static) obey Δ₀ = G_pp⟨φ²⟩ + 𝒮_p and Δ∞ = Δ₀.
#[derive(Clone, Debug)]
pub struct ChaoticEquations {
    /// The model in evaluation form.
    pub mf: MeanField,
    /// Input amplitudes u_a.
    pub v: Vec<f64>,
    /// Which populations are chaotic (Δ∞ < Δ₀); the others are static.
    pub chaotic: Vec<bool>,
    scratch: Scratch,
}

impl ChaoticEquations {
    /// Chaotic equations of `mf` at inputs `v`; every population with disorder is taken chaotic.
    ///
    /// `Err(Unsupported)` for cross-population disorder, which has no energy law (§1.7).
    pub fn new(mf: MeanField, v: Vec<f64>) -> Result<ChaoticEquations, TheoryError> {
        if !mf.diagonal_disorder() {
            return Err(TheoryError::Unsupported(
                "stationary chaotic equations need within-population disorder only (G diagonal); \
                 use the two-time DMFT for cross-population disorder"
                    .into(),
            ));
        }
        let chaotic = (0..mf.p).map(|p| mf.coupling[(p, p)] > 0.0).collect();
        let scratch = Scratch::new(&mf);
        Ok(ChaoticEquations {
            mf,
            v,
            chaotic,
            scratch,
        })
    }

    /// Per-population moments at the last evaluated point (μ_p, Δ₀_p).
    pub fn last_moments(&self) -> &[Moments] {
        &self.scratch.moments
    }
}

impl Residual for ChaoticEquations {
    fn dim(&self) -> usize {
        self.mf.k + 2 * self.mf.p
    }

    fn eval(&mut self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
        let (k, p) = (self.mf.k, self.mf.p);
        let kappa = &x[..k];
        let delta0 = &x[k..k + p];
        let delta_inf = &x[k + p..k + 2 * p];
        self.scratch.fill(&self.mf, kappa, &self.v, delta0)?;
        for i in 0..k {
            out[i] = kappa[i] - self.scratch.drive[i];
        }
        for q in 0..p {
            let g = self.mf.coupling[(q, q)];
            let s_var = self.mf.structured_variance(q, kappa, &self.v);
            let (r_force, r_energy) = if self.chaotic[q] {
                let mu = self.scratch.mu[q];
                force_and_deflated_energy(
                    &self.mf.gauss,
                    self.mf.phi,
                    g,
                    s_var,
                    mu,
                    delta0[q],
                    delta_inf[q],
                )?
            } else {
                (
                    delta0[q] - g * self.scratch.phi2[q] - s_var,
                    delta_inf[q] - delta0[q],
                )
            };
            out[k + q] = r_energy;
            out[k + p + q] = r_force;
        }
        Ok(())
    }
}

fn check_pair(delta0: f64, delta_inf: f64) -> Result<(), TheoryError> {
    if delta_inf.is_nan() || delta_inf < 0.0 {
        return Err(TheoryError::InvalidParameter {
            name: "delta_inf".into(),
            value: delta_inf,
            reason: "must be ≥ 0".into(),
        });
    }
    if delta_inf > delta0 {
        return Err(TheoryError::InvalidParameter {
            name: "delta_inf".into(),
            value: delta_inf,
            reason: format!("must be ≤ delta0 = {delta0}"),
        });
    }
    Ok(())
}

/// Force balance of the potential method (THEORY.md §1.7): Δ∞ − G C(Δ∞; Δ₀) − 𝒮, with
/// C(Δ) = ∫Dz[∫Dx φ(μ + √(Δ₀−Δ) x + √Δ z)]².
pub fn force_residual(
    gauss: &Gauss,
    phi: Phi,
    g: f64,
    s_var: f64,
    mu: f64,
    delta0: f64,
    delta_inf: f64,
) -> Result<f64, TheoryError> {
    check_pair(delta0, delta_inf)?;
    let st = gauss.stationary(phi, mu, delta0, delta_inf)?;
    Ok(delta_inf - g * st.c - s_var)
}

/// E = ½(Δ₀² − Δ∞²) − G[F(Δ₀) − F(Δ∞)] − 𝒮(Δ₀ − Δ∞) = V(Δ∞) − V(Δ₀), given F(Δ₀) and F(Δ∞):
/// the one place the energy law of THEORY.md §1.7 is written.
fn energy_law(g: f64, s_var: f64, delta0: f64, delta_inf: f64, f0: f64, f_inf: f64) -> f64 {
    0.5 * (delta0 * delta0 - delta_inf * delta_inf)
        - g * (f0 - f_inf)
        - s_var * (delta0 - delta_inf)
}

/// Raw energy law of the potential method (THEORY.md §1.7):
/// ½(Δ₀² − Δ∞²) − G[F(Δ₀) − F(Δ∞)] − 𝒮(Δ₀ − Δ∞) = V(Δ∞) − V(Δ₀).
///
/// It vanishes identically on the static branch Δ∞ = Δ₀; prefer [`deflated_energy_residual`]
/// in root finding.
pub fn energy_residual(
    gauss: &Gauss,
    phi: Phi,
    g: f64,
    s_var: f64,
    mu: f64,
    delta0: f64,
    delta_inf: f64,
) -> Result<f64, TheoryError> {
    check_pair(delta0, delta_inf)?;
    let f0 = gauss.stationary(phi, mu, delta0, delta0)?.f;
    let f_inf = gauss.stationary(phi, mu, delta0, delta_inf)?.f;
    Ok(energy_law(g, s_var, delta0, delta_inf, f0, f_inf))
}

/// Energy law with the static branch divided out:
///
/// e = [f·(Δ₀−Δ∞) − E] / (Δ₀−Δ∞)²,  f = Δ∞ − G C(Δ∞) − 𝒮 (force residual), E = raw energy residual.
///
/// Since E = f·gap − ½V″(Δ∞) gap² + O(gap³) (Taylor about Δ∞, V′ = −f), e → ½(G ∂C/∂Δ(Δ∞) − 1)
/// as gap → 0: on the static branch it vanishes only where the bulk radius G⟨φ′²⟩ = 1, the chaos
/// onset, and {f = 0, e = 0, gap > 0} ⟺ {f = 0, E = 0, gap > 0}. For gap below 10⁻⁶·max(1, Δ₀)
/// the limit is used (error O(gap)), avoiding cancellation.
pub fn deflated_energy_residual(
    gauss: &Gauss,
    phi: Phi,
    g: f64,
    s_var: f64,
    mu: f64,
    delta0: f64,
    delta_inf: f64,
) -> Result<f64, TheoryError> {
    Ok(force_and_deflated_energy(gauss, phi, g, s_var, mu, delta0, delta_inf)?.1)
}

/// [`force_residual`] and [`deflated_energy_residual`] together, sharing one nested pass for
/// C, F, ∂C/∂Δ at Δ∞ (half the cost of calling both; used by [`ChaoticEquations`]).
///
/// added by theory-mo (speed of the chaotic solves; same formulas as the two functions above).
pub fn force_and_deflated_energy(
    gauss: &Gauss,
    phi: Phi,
    g: f64,
    s_var: f64,
    mu: f64,
    delta0: f64,
    delta_inf: f64,
) -> Result<(f64, f64), TheoryError> {
    check_pair(delta0, delta_inf)?;
    let gap = delta0 - delta_inf;
    let st_inf = gauss.stationary(phi, mu, delta0, delta_inf)?;
    let force = delta_inf - g * st_inf.c - s_var;
    if gap <= 1e-6 * delta0.max(1.0) {
        return Ok((force, 0.5 * (g * st_inf.dc - 1.0)));
    }
    let f0 = gauss.stationary(phi, mu, delta0, delta0)?.f;
    let energy = energy_law(g, s_var, delta0, delta_inf, f0, st_inf.f);
    Ok((force, (force * gap - energy) / (gap * gap)))
}

/// F(Δ₀) − F(0) at μ = 0, the energy released by pure chaos.
///
/// Above Δ₀ = 0.05 this is the difference of the two nested integrals. Below it, the difference of
/// two O(Δ₀²) numbers carries the quadrature's absolute error (~1e-12) divided by Δ₀² in the
/// deflated law, so Price's theorem ∂F/∂Δ = C is used instead: ∫₀^Δ₀ C(Δ) dΔ by 24-point
/// Gauss–Legendre (C is smooth on [0, Δ₀]), whose error is relative to C itself.
fn potential_drop(gauss: &Gauss, phi: Phi, d0: f64) -> Result<f64, TheoryError> {
    if d0 >= 0.05 {
        let f0 = gauss.stationary(phi, 0.0, d0, d0)?.f;
        let fz = gauss.stationary(phi, 0.0, d0, 0.0)?.f;
        return Ok(f0 - fz);
    }
    let rule = GaussLegendre::cached(24);
    let (c, h) = (0.5 * d0, 0.5 * d0);
    let mut acc = 0.0;
    for (x, w) in rule.nodes.iter().zip(&rule.weights) {
        acc += w * gauss
            .stationary(phi, 0.0, d0, (c + h * x).clamp(0.0, d0))?
            .c;
    }
    Ok(acc * h)
}

/// Pure chaos (Sompolinsky–Crisanti–Sommers, THEORY.md §1.7): the total variance Δ₀ solving
/// ½Δ₀² = G[F(Δ₀) − F(0)] at μ = 𝒮 = Δ∞ = 0, for an odd φ.
///
/// Solved in the deflated form h(Δ₀) = ½ − G[F(Δ₀) − F(0)]/Δ₀² (Δ₀ = 0 divided out) by Brent on a
/// bracket found by doubling. For G ≤ 1 there is no chaos: Δ₀ = 0 is returned (exact, 0 iterations).
///
/// ```
/// use lowrank_gauss::{Gauss, Phi};
/// use lowrank_theory::equations::pure_chaos_delta0;
/// // [CB] pure chaos at g = 1.5 with erf: Δ₀ = 0.8388 (THEORY.md §5)
/// let s = pure_chaos_delta0(&Gauss::new(64), Phi::Erf, 1.5f64.powi(2)).unwrap();
/// assert!((s.value - 0.8388).abs() < 5e-5);
/// ```
pub fn pure_chaos_delta0(gauss: &Gauss, phi: Phi, g: f64) -> Result<ScalarSolution, TheoryError> {
    if !g.is_finite() || g < 0.0 {
        return Err(TheoryError::InvalidParameter {
            name: "G".into(),
            value: g,
            reason: "disorder coupling must be finite and ≥ 0".into(),
        });
    }
    if g <= 1.0 {
        return Ok(ScalarSolution {
            value: 0.0,
            converged: true,
            residual: 0.0,
            iterations: 0,
        });
    }
    let h = |d0: f64| -> Result<f64, TheoryError> {
        Ok(0.5 - g * potential_drop(gauss, phi, d0)? / (d0 * d0))
    };
    // h(0+) = ½(1 − G⟨φ′(0)⟩²) < 0 for G > 1 and unit-slope φ; find the upper end by doubling.
    let mut lo = 1e-3 * (g - 1.0).min(1.0);
    while h(lo)? >= 0.0 {
        lo *= 0.1;
        if lo < 1e-12 {
            return Err(TheoryError::NotConverged {
                what: "pure-chaos delta0".into(),
                residual: h(lo)?.abs(),
                iterations: 0,
                reason: "no bracket near 0 (φ′(0) < 1?)".into(),
            });
        }
    }
    let mut hi = g.max(1.0);
    let mut doublings = 0;
    while h(hi)? <= 0.0 {
        hi *= 2.0;
        doublings += 1;
        if doublings > 60 {
            return Err(TheoryError::NotConverged {
                what: "pure-chaos delta0".into(),
                residual: h(hi)?.abs(),
                iterations: doublings,
                reason: "energy law has no finite root (unbounded φ?)".into(),
            });
        }
    }
    // changed by theory-mo: |h| has a rounding floor ~1e-13 (F(Δ₀) − F(0) over Δ₀²); 1e-13 failed at g ≈ 1.9
    let sol = brent("pure-chaos delta0", h, lo, hi, 1e-11)?;
    Ok(ScalarSolution {
        iterations: sol.iterations + doublings,
        ..sol
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lowrank_model::{Input, LoadingStats, Model, Population, Schedule, Term};
    use nalgebra::{DMatrix, DVector};

    /// Rank one with an input: vectors (m, n, I), one population.
    fn rank_one(phi: Phi, g: f64, mean: [f64; 3], cov: [[f64; 3]; 3], u: f64) -> Model {
        Model {
            name: "test".into(),
            populations: vec![Population {
                name: "all".into(),
                weight: 1.0,
            }],
            gain: DMatrix::from_element(1, 1, g),
            vectors: vec!["m".into(), "n".into(), "I".into()],
            stats: vec![LoadingStats {
                mean: DVector::from_row_slice(&mean),
                cov: DMatrix::from_fn(3, 3, |i, j| cov[i][j]),
            }],
            terms: vec![Term {
                name: "1".into(),
                left: 0,
                right: 1,
            }],
            inputs: vec![Input {
                name: "u".into(),
                vector: 2,
                schedule: Schedule {
                    baseline: u,
                    ..Default::default()
                },
            }],
            readouts: vec![],
            nonlinearity: phi,
        }
    }

    #[test]
    fn linear_network_static_solution_is_exact() {
        // φ = x: κ = (M_n M_I + σ_nI) u / (1 − Ω), Ω = M_m M_n + σ_mn, and
        // Δ = 𝒮 + g²(μ² + Δ) ⇒ Δ = (𝒮 + g² μ²)/(1 − g²): closed forms, independent of the code.
        let (mm, mn, mi) = (0.7, 0.9, 0.3);
        let cov = [[1.0, 0.2, 0.1], [0.2, 1.5, 0.4], [0.1, 0.4, 0.8]];
        let (g, u) = (0.6, 1.3);
        let model = rank_one(Phi::Linear, g, [mm, mn, mi], cov, u);
        let omega = mm * mn + cov[0][1];
        let kappa = (mn * mi + cov[1][2]) * u / (1.0 - omega);
        let mu = mm * kappa + mi * u;
        let s_var = cov[0][0] * kappa * kappa + 2.0 * cov[0][2] * kappa * u + cov[2][2] * u * u;
        let delta = (s_var + g * g * mu * mu) / (1.0 - g * g);
        let mut eq = StaticEquations::new(MeanField::new(&model, Gauss::new(32)), vec![u]);
        let mut r = [0.0; 2];
        eq.eval(&[kappa, delta], &mut r).unwrap();
        assert!(r.iter().all(|x| x.abs() < 1e-12), "{r:?}");
        // and a perturbed point is not a solution
        eq.eval(&[kappa * 1.01, delta], &mut r).unwrap();
        assert!(r[0].abs() > 1e-4);
    }

    #[test]
    fn static_residual_rejects_negative_variance() {
        let model = rank_one(
            Phi::Tanh,
            0.5,
            [1.0, 1.0, 0.0],
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            0.0,
        );
        let mut eq = StaticEquations::new(MeanField::new(&model, Gauss::new(32)), vec![0.0]);
        let mut r = [0.0; 2];
        assert!(matches!(
            eq.eval(&[0.1, -0.5], &mut r),
            Err(TheoryError::InvalidParameter { .. })
        ));
        assert!(matches!(
            eq.eval(&[0.1, f64::NAN], &mut r),
            Err(TheoryError::InvalidParameter { .. })
        ));
    }

    #[test]
    fn pure_chaos_matches_published_values() {
        // THEORY.md §5 [CB] (erf): g = 1.5 → Δ₀ = 0.8388, ψ₀ = 0.6569; g = 3 → 5.6374, 0.3185.
        // [MO] (tanh): central chaotic Δ₀ at g = 2 is 1.9248.
        let gauss = Gauss::new(100);
        for (phi, g, d0, psi0) in [
            (Phi::Erf, 1.5, 0.8388, Some(0.6569)),
            (Phi::Erf, 3.0, 5.6374, Some(0.3185)),
            (Phi::Tanh, 2.0, 1.9248, None),
        ] {
            let s = pure_chaos_delta0(&gauss, phi, g * g).unwrap();
            assert!(s.converged);
            assert!(
                (s.value - d0).abs() < 5e-5,
                "{phi:?} g={g}: {} vs {d0}",
                s.value
            );
            if let Some(psi0) = psi0 {
                let psi = gauss.moments(phi, 0.0, s.value).unwrap().dphi;
                assert!((psi - psi0).abs() < 5e-5, "ψ0 {psi} vs {psi0}");
            }
        }
        // just above the onset Δ₀ is small but must still be found, and grow with G
        let near: Vec<f64> = [1.0005, 1.002, 1.01]
            .iter()
            .map(|&gg| pure_chaos_delta0(&gauss, Phi::Tanh, gg).unwrap().value)
            .collect();
        assert!(
            near[0] > 0.0 && near[0] < near[1] && near[1] < near[2],
            "{near:?}"
        );
        // no chaos below g = 1
        assert_eq!(
            pure_chaos_delta0(&gauss, Phi::Tanh, 0.81).unwrap().value,
            0.0
        );
        // a linear network has no finite chaotic state
        assert!(pure_chaos_delta0(&gauss, Phi::Linear, 2.0).is_err());
    }

    #[test]
    fn deflated_energy_is_continuous_at_the_static_branch() {
        // e(gap) → ½(G ∂C/∂Δ(Δ∞) − 1) as gap → 0; the quotient form at a small gap must agree with
        // the limit to O(gap).
        let gauss = Gauss::new(100);
        let (g, s_var, mu, d0) = (2.5, 0.3, 0.4, 1.7);
        for gap in [1e-2, 1e-3] {
            let d_inf = d0 - gap;
            let e = deflated_energy_residual(&gauss, Phi::Tanh, g, s_var, mu, d0, d_inf).unwrap();
            let limit = 0.5 * (g * gauss.stationary(Phi::Tanh, mu, d0, d_inf).unwrap().dc - 1.0);
            assert!((e - limit).abs() < 5.0 * gap, "gap {gap}: {e} vs {limit}");
        }
        // and the deflated residual is zero where the raw law and force balance both are
        // (pure chaos: Δ∞ = 0, μ = 𝒮 = 0)
        let d0 = pure_chaos_delta0(&gauss, Phi::Tanh, 4.0).unwrap().value;
        let e = deflated_energy_residual(&gauss, Phi::Tanh, 4.0, 0.0, 0.0, d0, 0.0).unwrap();
        let raw = energy_residual(&gauss, Phi::Tanh, 4.0, 0.0, 0.0, d0, 0.0).unwrap();
        assert!(e.abs() < 1e-10 && raw.abs() < 1e-10, "{e} {raw}");
    }

    #[test]
    fn chaotic_equations_reject_cross_population_disorder() {
        let mut model = rank_one(
            Phi::Tanh,
            1.5,
            [1.0, 1.0, 0.0],
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            0.0,
        );
        model.populations = vec![
            Population {
                name: "A".into(),
                weight: 0.5,
            },
            Population {
                name: "B".into(),
                weight: 0.5,
            },
        ];
        model.stats = vec![model.stats[0].clone(), model.stats[0].clone()];
        model.gain = DMatrix::from_row_slice(2, 2, &[1.5, 0.3, 0.0, 1.5]);
        let mf = MeanField::new(&model, Gauss::new(32));
        assert!(matches!(
            ChaoticEquations::new(mf, vec![0.0]),
            Err(TheoryError::Unsupported(_))
        ));
    }
}
