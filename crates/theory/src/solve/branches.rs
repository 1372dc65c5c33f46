//! All mean-field solutions of a general model: static (THEORY.md §1.6) and stationary chaotic
//! (§1.7) branches with their stability (§1.9).
//!
//! [`solve_all`] finds every branch \[MO\] discusses: the trivial state, the central (κ = 0,
//! Δ > 0) state, the ± heterogeneous states, under input the unstable middle branch (multiple
//! sign-symmetric starts + Farrell deflation), and stationary chaotic solutions seeded from every
//! static solution whose bulk radius exceeds 1. Each comes back as a [`MeanFieldSolution`] whose
//! serde field names are the CLI's JSON names (DESIGN.md §2).

#![allow(clippy::needless_range_loop)] // index loops mirror the equations (J_ij, M_kl)

use super::{find_roots, solve, NewtonOptions, RootSearch, Solution, System};
use crate::equations::{ChaoticEquations, Residual, StaticEquations};
use crate::meanfield::MeanField;
use crate::stability::{
    bulk_radius, classify, eigenvalues, outlier_matrix, outliers, reduced_drive_jacobian,
    Eigenvalue,
};
use crate::TheoryError;
use lowrank_gauss::{Gauss, Moments};
use lowrank_model::Model;
use nalgebra::DMatrix;
use serde::Serialize;
use std::cell::RefCell;

/// The static equations of §1.6 as a [`System`] in x = κ ‖ Δ, with the analytic Jacobian.
///
/// Residual: κ_k − Σ_p α_p[M_{n^k}⟨φ⟩_p + ⟨φ′⟩_p c_{n^k}] and Δ_p − 𝒮_p − Σ_q G_pq⟨φ²⟩_q
/// ([`crate::equations::StaticEquations`]). Jacobian from ∂_μ⟨f⟩ = ⟨f′⟩, ∂_Δ⟨f⟩ = ½⟨f″⟩:
/// ∂r_k/∂κ_l = δ_kl − Σ_p α_p[M_{n^k}M_{m^l}⟨φ′⟩ + M_{m^l}c_{n^k}⟨φ″⟩ + σ_{n^k m^l}⟨φ′⟩],
/// ∂r_k/∂Δ_p = −½α_p[M_{n^k}⟨φ″⟩ + c_{n^k}⟨φ‴⟩],
/// ∂r_{K+p}/∂κ_l = −2c^{(p)}_{m^l} − 2Σ_q G_pq M^{(q)}_{m^l}⟨φφ′⟩_q,
/// ∂r_{K+p}/∂Δ_q = δ_pq − G_pq(⟨φ′²⟩_q + ⟨φφ″⟩_q).
pub struct StaticSystem {
    eq: RefCell<StaticEquations>,
}

impl StaticSystem {
    /// Static system of `mf` at input amplitudes `v`.
    pub fn new(mf: MeanField, v: Vec<f64>) -> Self {
        StaticSystem {
            eq: RefCell::new(StaticEquations::new(mf, v)),
        }
    }

    /// The flattened model.
    pub fn meanfield(&self) -> std::cell::Ref<'_, StaticEquations> {
        self.eq.borrow()
    }
}

impl System for StaticSystem {
    fn dim(&self) -> usize {
        self.eq.borrow().dim()
    }
    fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
        self.eq.borrow_mut().eval(x, out)
    }
    fn jacobian(&self, x: &[f64], jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
        self.eq.borrow_mut().jacobian(x, jac)
    }
    fn fixed_point(&self, x: &[f64], out: &mut [f64]) -> Result<bool, TheoryError> {
        self.eq.borrow_mut().fixed_point_step(x, out)?;
        Ok(true)
    }
    fn admissible(&self, x: &[f64]) -> bool {
        let k = self.eq.borrow().mf.k;
        x.iter().all(|v| v.is_finite()) && x[k..].iter().all(|&d| d >= 0.0)
    }
}

/// The stationary chaotic equations of §1.7 as a [`System`] in x = κ ‖ Δ₀ ‖ Δ∞
/// ([`crate::equations::ChaoticEquations`], energy law in deflated form), with the analytic
/// Jacobian of [`crate::equations::chaotic_population_jet`] (one fused nested Gauss pass per
/// residual; the Jacobian at the last residual point is free).
pub struct ChaoticSystem {
    eq: RefCell<ChaoticEquations>,
}

impl ChaoticSystem {
    /// Chaotic system of `mf` at inputs `v`; `Err(Unsupported)` for cross-population disorder.
    pub fn new(mf: MeanField, v: Vec<f64>) -> Result<Self, TheoryError> {
        Ok(ChaoticSystem {
            eq: RefCell::new(ChaoticEquations::new(mf, v)?),
        })
    }
}

impl System for ChaoticSystem {
    fn dim(&self) -> usize {
        self.eq.borrow().dim()
    }
    fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
        self.eq.borrow_mut().eval(x, out)
    }
    fn jacobian(&self, x: &[f64], jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
        self.eq.borrow_mut().jacobian(x, jac)
    }
    fn admissible(&self, x: &[f64]) -> bool {
        let eq = self.eq.borrow();
        let (k, p) = (eq.mf.k, eq.mf.p);
        x.iter().all(|v| v.is_finite())
            && (0..p).all(|q| x[k + q] >= 0.0 && x[k + p + q] >= 0.0 && x[k + p + q] <= x[k + q])
    }
}

/// One mean-field solution with its stability and convergence report (JSON names of DESIGN.md §2).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeanFieldSolution {
    /// Branch label: `"trivial"` (κ = 0, Δ = 0), `"central"` (κ = 0, Δ > 0), `"heterogeneous"`
    /// (κ ≠ 0), `"ring"` (κ ≠ 0 on a continuum: the Jacobian has a zero mode).
    pub branch: String,
    /// Overlaps κ_k (= currents S_k at the steady state), K entries.
    pub kappa: Vec<f64>,
    /// Population means μ_p.
    pub mu: Vec<f64>,
    /// Total variances Δ₀_p (static: Δ_p).
    pub delta0: Vec<f64>,
    /// Long-lag variances Δ∞_p (= Δ₀ for static solutions; Δ∞ < Δ₀ for chaos).
    pub delta_inf: Vec<f64>,
    /// Readouts z_r = Σ_p α_p[M_{w^r}⟨φ⟩_p + ψ_p c_{w^r}].
    pub readouts: Vec<f64>,
    /// Gains ψ_p = ⟨φ′⟩_p at (μ_p, Δ₀_p).
    pub gain: Vec<f64>,
    /// `"stationary"` or `"chaotic"` (see [`crate::stability::classify`]).
    pub regime: String,
    /// Linear stability (see [`crate::stability::Classification`]).
    pub stable: bool,
    /// `"none"`, `"bulk"`, `"outlier"`, `"outlier-oscillatory"`.
    pub instability: String,
    /// Bulk radius r = √ρ(G diag⟨φ′²⟩) at (μ, Δ₀) (§1.9); r > 1 ⇒ a fixed point is unstable to chaos.
    pub bulk_radius: f64,
    /// Static: eigenvalues of 𝓜 outside the bulk (§1.9). Chaotic: eigenvalues of dκ/dS with
    /// adiabatic variances ([`reduced_drive_jacobian`]).
    pub outliers: Vec<Eigenvalue>,
    /// Number of (near-)zero singular values of the residual Jacobian: 1 on a ring of fixed points.
    pub zero_modes: usize,
    /// Whether the residual met the tolerance.
    pub converged: bool,
    /// max-norm residual.
    pub residual: f64,
    /// Newton iterations.
    pub iterations: usize,
}

/// Options of [`solve_all`] and of the single solves.
#[derive(Clone, Debug, PartialEq)]
pub struct SolveOptions {
    /// Gauss–Hermite order of the single integrals (THEORY.md §4: 200).
    pub order: usize,
    /// Inner order of the nested integrals of the chaotic equations (outer = `order`).
    pub inner_order: usize,
    /// Newton options.
    pub newton: NewtonOptions,
    /// Look for stationary chaotic solutions where a static one has bulk radius > 1.
    pub chaotic: bool,
    /// Input amplitudes u_a (None: the model's baselines).
    pub inputs: Option<Vec<f64>>,
    /// Extra initial guesses for the static equations (κ ‖ Δ).
    pub extra_starts: Vec<Vec<f64>>,
    /// Extra initial guesses for the chaotic equations (κ ‖ Δ₀ ‖ Δ∞), e.g. the previous point of
    /// a sweep.
    pub extra_chaotic_starts: Vec<Vec<f64>>,
    /// Use Broyden updates of the Jacobian for the chaotic equations (see
    /// [`NewtonOptions::broyden`]). Default `false`: the chaotic equations have an analytic
    /// Jacobian that comes free with each residual ([`ChaoticSystem`]), so exact Newton steps
    /// cost nothing extra and converge quadratically.
    pub chaotic_broyden: bool,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            order: 200,
            inner_order: 200,
            newton: NewtonOptions::default(),
            chaotic: true,
            inputs: None,
            extra_starts: Vec::new(),
            extra_chaotic_starts: Vec::new(),
            chaotic_broyden: false,
        }
    }
}

impl SolveOptions {
    /// The integrator these options describe.
    pub fn gauss(&self) -> Gauss {
        Gauss::with_orders(self.order, self.inner_order)
    }

    /// Newton options for the chaotic equations.
    pub fn chaotic_newton(&self) -> NewtonOptions {
        NewtonOptions {
            broyden: self.chaotic_broyden,
            ..self.newton.clone()
        }
    }

    fn inputs(&self, model: &Model) -> Vec<f64> {
        self.inputs
            .clone()
            .unwrap_or_else(|| model.baseline_inputs())
    }
}

/// Everything [`solve_all`] found: every solution (stable or not) and the failures encountered.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AllSolutions {
    /// Distinct converged solutions: static first (by decreasing κ₁), then chaotic.
    pub solutions: Vec<MeanFieldSolution>,
    /// Number of static starts that yielded no new converged root (failed, or found a known one).
    pub failed_starts: usize,
}

fn check_inputs(model: &Model, v: &[f64]) -> Result<(), TheoryError> {
    if v.len() != model.inputs.len() {
        return Err(TheoryError::InvalidParameter {
            name: "inputs".into(),
            value: v.len() as f64,
            reason: format!("model has {} inputs", model.inputs.len()),
        });
    }
    if let Some((i, x)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(TheoryError::InvalidParameter {
            name: format!("inputs[{i}]"),
            value: *x,
            reason: "must be finite".into(),
        });
    }
    Ok(())
}

/// Solves the static equations (§1.6) from `x0 = κ ‖ Δ` and returns the classified solution, or
/// `Err(NotConverged)`.
///
/// ```
/// use lowrank_model::{ModelBuilder, Phi};
/// use lowrank_theory::solve::branches::{solve_static, SolveOptions};
/// // linear network, rank one with Ω = 0.5 and an input along n: κ = σ_nI/(1 − Ω) exactly
/// let mut b = ModelBuilder::new("lin", Phi::Linear);
/// b.population("net", 1.0).gain("net", "net", 0.5);
/// for v in ["x1", "x2", "y", "h"] { b.basis(v, 1.0); }
/// b.combination("m", &[("x1", 1.0), ("y", 0.5)]).combination("n", &[("x2", 1.0), ("y", 1.0), ("h", 0.3)]);
/// b.combination("I", &[("h", 1.0)]);
/// b.term("1", "m", "n").input("u", "I", lowrank_model::Schedule { baseline: 1.0, ..Default::default() });
/// let model = b.build().unwrap();
/// let s = solve_static(&model, &[0.0, 1.0], &SolveOptions::default()).unwrap();
/// assert!((s.kappa[0] - 0.3 / (1.0 - 0.5)).abs() < 1e-10 && s.converged);
/// ```
pub fn solve_static(
    model: &Model,
    x0: &[f64],
    opts: &SolveOptions,
) -> Result<MeanFieldSolution, TheoryError> {
    let v = opts.inputs(model);
    check_inputs(model, &v)?;
    let sys = StaticSystem::new(MeanField::new(model, opts.gauss()), v.clone());
    let s = solve(&sys, x0, &opts.newton).into_result("static mean-field equations")?;
    static_solution(model, &sys, &v, s)
}

/// Solves the stationary chaotic equations (§1.7) from `x0 = κ ‖ Δ₀ ‖ Δ∞`; `Err(NotConverged)` if
/// Newton fails, and `Err(NotConverged)` as well if it lands on the static branch (Δ∞ = Δ₀).
pub fn solve_chaotic(
    model: &Model,
    x0: &[f64],
    opts: &SolveOptions,
) -> Result<MeanFieldSolution, TheoryError> {
    let v = opts.inputs(model);
    check_inputs(model, &v)?;
    let sys = ChaoticSystem::new(MeanField::new(model, opts.gauss()), v.clone())?;
    let s = solve(&sys, x0, &opts.chaotic_newton()).into_result("chaotic mean-field equations")?;
    chaotic_solution(model, &sys, &v, s)
}

/// Per-population moments at (μ_p, Δ_p) and μ.
fn moments_at(
    mf: &MeanField,
    kappa: &[f64],
    v: &[f64],
    delta: &[f64],
) -> Result<(Vec<f64>, Vec<Moments>), TheoryError> {
    let mu: Vec<f64> = (0..mf.p).map(|p| mf.mean(p, kappa, v)).collect();
    let mut mo = vec![Moments::default(); mf.p];
    mf.moments(&mu, delta, &mut mo)?;
    Ok((mu, mo))
}

fn readouts(mf: &MeanField, kappa: &[f64], v: &[f64], mo: &[Moments]) -> Vec<f64> {
    let pm: Vec<f64> = mo.iter().map(|m| m.phi).collect();
    let gain: Vec<f64> = mo.iter().map(|m| m.dphi).collect();
    let mut z = vec![0.0; mf.r];
    mf.readout(kappa, v, &pm, &gain, &mut z);
    z
}

fn zero_modes(jac: &DMatrix<f64>) -> usize {
    let sv = jac.clone().singular_values();
    let smax = sv.iter().fold(0.0f64, |a, b| a.max(*b)).max(1.0);
    sv.iter().filter(|s| **s < 1e-7 * smax).count()
}

fn branch_label(kappa: &[f64], delta: &[f64], zero: usize) -> String {
    let kn = kappa.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    let dn = delta.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    if kn < 1e-7 {
        if dn < 1e-9 {
            "trivial"
        } else {
            "central"
        }
    } else if zero > 0 {
        "ring"
    } else {
        "heterogeneous"
    }
    .to_string()
}

fn static_solution(
    model: &Model,
    sys: &StaticSystem,
    v: &[f64],
    s: Solution,
) -> Result<MeanFieldSolution, TheoryError> {
    let eq = sys.meanfield();
    let mf = &eq.mf;
    let k = mf.k;
    let (kappa, delta) = s.x.split_at(k);
    let (mu, mo) = moments_at(mf, kappa, v, delta)?;
    drop(eq);
    let mut jac = DMatrix::zeros(s.x.len(), s.x.len());
    sys.jacobian(&s.x, &mut jac)?;
    let zero = zero_modes(&jac);
    let eq = sys.meanfield();
    let mf = &eq.mf;
    let dphi2: Vec<f64> = mo.iter().map(|m| m.dphi2).collect();
    let r = bulk_radius(&mf.coupling, &dphi2);
    let out = outliers(&outlier_matrix(mf, kappa, v, &mo), r);
    let class = classify(false, r, &out);
    let _ = model;
    Ok(MeanFieldSolution {
        branch: branch_label(kappa, delta, zero),
        kappa: kappa.to_vec(),
        mu,
        delta0: delta.to_vec(),
        delta_inf: delta.to_vec(),
        readouts: readouts(mf, kappa, v, &mo),
        gain: mo.iter().map(|m| m.dphi).collect(),
        regime: class.regime.into(),
        stable: class.stable,
        instability: class.instability.into(),
        bulk_radius: r,
        outliers: out,
        zero_modes: zero,
        converged: s.converged,
        residual: s.residual,
        iterations: s.iterations,
    })
}

fn chaotic_solution(
    model: &Model,
    sys: &ChaoticSystem,
    v: &[f64],
    s: Solution,
) -> Result<MeanFieldSolution, TheoryError> {
    let (k, p) = {
        let eq = sys.eq.borrow();
        (eq.mf.k, eq.mf.p)
    };
    let kappa = &s.x[..k];
    let delta0 = &s.x[k..k + p];
    let delta_inf = &s.x[k + p..];
    let gap = (0..p)
        .map(|q| delta0[q] - delta_inf[q])
        .fold(0.0f64, f64::max);
    if gap <= 1e-7 * delta0.iter().fold(1.0f64, |a, b| a.max(*b)) {
        return Err(TheoryError::NotConverged {
            what: "chaotic mean-field equations".into(),
            residual: s.residual,
            iterations: s.iterations,
            reason: "converged onto the static branch (Δ∞ = Δ₀)".into(),
        });
    }
    // analytic Jacobian of the chaotic residual, for dκ/dS
    let n = s.x.len();
    let mut jac = DMatrix::zeros(n, n);
    sys.jacobian(&s.x, &mut jac)?;
    let eq = sys.eq.borrow();
    let mf = &eq.mf;
    let (mu, mo) = moments_at(mf, kappa, v, delta0)?;
    let dphi2: Vec<f64> = mo.iter().map(|m| m.dphi2).collect();
    let r = bulk_radius(&mf.coupling, &dphi2);
    // A singular variance block leaves the stability undetermined: say so rather than report
    // "no outliers" (which would read as stable).
    let eig =
        eigenvalues(
            &reduced_drive_jacobian(&jac, k).ok_or_else(|| TheoryError::NotConverged {
                what: "stability of the chaotic state".into(),
                residual: f64::INFINITY,
                iterations: 0,
                reason: "the variance block of the Jacobian is singular (at a bifurcation?)".into(),
            })?,
        );
    let class = classify(true, r, &eig);
    let zero = zero_modes(&jac);
    let _ = model;
    Ok(MeanFieldSolution {
        branch: branch_label(kappa, delta0, zero),
        kappa: kappa.to_vec(),
        mu,
        delta0: delta0.to_vec(),
        delta_inf: delta_inf.to_vec(),
        readouts: readouts(mf, kappa, v, &mo),
        gain: mo.iter().map(|m| m.dphi).collect(),
        regime: class.regime.into(),
        stable: class.stable,
        instability: class.instability.into(),
        bulk_radius: r,
        outliers: eig,
        zero_modes: zero,
        converged: s.converged,
        residual: s.residual,
        iterations: s.iterations,
    })
}

/// Same solution? (κ and variances within `tol`, or the same ring: equal |κ| and Δ with zero modes)
fn same(a: &MeanFieldSolution, b: &MeanFieldSolution, tol: f64) -> bool {
    if a.regime != b.regime {
        return false;
    }
    let close = |x: &[f64], y: &[f64]| {
        x.iter()
            .zip(y)
            .all(|(u, w)| (u - w).abs() <= tol * (1.0 + u.abs()))
    };
    if !close(&a.delta0, &b.delta0) || !close(&a.delta_inf, &b.delta_inf) {
        return false;
    }
    if close(&a.kappa, &b.kappa) {
        return true;
    }
    if a.zero_modes > 0 && b.zero_modes > 0 {
        let na: f64 = a.kappa.iter().map(|x| x * x).sum::<f64>().sqrt();
        let nb: f64 = b.kappa.iter().map(|x| x * x).sum::<f64>().sqrt();
        return (na - nb).abs() <= tol * (1.0 + na);
    }
    false
}

/// Every static and stationary chaotic solution of `model` (THEORY.md §1.6–1.7, §2.1–2.5).
///
/// Static: Newton from sign-symmetric starts κ = ±a e_k (a ∈ {0.5, 2, 5}), κ = 0 with Δ small
/// and large, the user's `extra_starts`, and from the mirror image (−κ, Δ) of every root found,
/// each with the roots found so far deflated. Chaotic (diagonal disorder only): from
/// (κ, 1.2Δ, 0.9Δ) of every static solution with bulk radius r > 1 (κ = 0, Δ₀ = G, Δ∞ = 0 for the
/// trivial state) and, just above the onset (r² − 1 < ½, where the chaotic state branches off
/// with Δ₀ − Δ∞ ∝ r² − 1), from (κ, Δ, Δ(1 − c(r² − 1))), c ∈ {½, 2}; deflated, plus mirror
/// images. Duplicates (and additional points of the same
/// ring) are merged. Unconverged starts are counted in `failed_starts`, never returned.
///
/// `Err` only for invalid input (wrong number of inputs) — an empty `solutions` list means no
/// start converged, which callers must treat as a failure (the CLI does).
pub fn solve_all(model: &Model, opts: &SolveOptions) -> Result<AllSolutions, TheoryError> {
    let v = opts.inputs(model);
    check_inputs(model, &v)?;
    let mf = MeanField::new(model, opts.gauss());
    let (k, p) = (mf.k, mf.p);
    let gsum: Vec<f64> = (0..p)
        .map(|a| (0..p).map(|b| mf.coupling[(a, b)]).sum())
        .collect();
    let sys = StaticSystem::new(mf.clone(), v.clone());
    let delta_guess = |kappa: &[f64], scale: f64| -> Vec<f64> {
        (0..p)
            .map(|q| mf.structured_variance(q, kappa, &v) + scale * gsum[q])
            .collect()
    };
    let mut starts: Vec<Vec<f64>> = Vec::new();
    let zero = vec![0.0; k];
    for scale in [0.0, 1.0, 5.0] {
        let mut x = zero.clone();
        x.extend(delta_guess(&zero, scale));
        starts.push(x);
    }
    for a in [0.5, 2.0, 5.0] {
        for kk in 0..k {
            for sign in [1.0, -1.0] {
                let mut kappa = zero.clone();
                kappa[kk] = sign * a;
                let mut x = kappa.clone();
                x.extend(delta_guess(&kappa, 1.0));
                starts.push(x);
            }
        }
    }
    starts.extend(
        opts.extra_starts
            .iter()
            .filter(|s| s.len() == k + p)
            .cloned(),
    );
    let mut search = RootSearch {
        newton: opts.newton.clone(),
        max_per_start: 2,
        ..Default::default()
    };
    search.deflation.scales = vec![1.0; k + p];
    let mut roots = find_roots(&sys, &starts, &search);
    // mirror images (odd φ, symmetric statistics: the ± pair)
    let mirrors: Vec<Vec<f64>> = roots
        .iter()
        .map(|r| {
            r.x.iter()
                .enumerate()
                .map(|(i, x)| if i < k { -x } else { *x })
                .collect()
        })
        .collect();
    for m in mirrors {
        if roots
            .iter()
            .all(|r| search.deflation.distance(&r.x, &m) > search.same_root)
        {
            let s = solve(&sys, &m, &opts.newton);
            if s.converged
                && roots
                    .iter()
                    .all(|r| search.deflation.distance(&r.x, &s.x) > search.same_root)
            {
                roots.push(s);
            }
        }
    }
    let mut out: Vec<MeanFieldSolution> = Vec::new();
    let mut failed = starts.len().saturating_sub(roots.len().min(starts.len()));
    for r in roots {
        match static_solution(model, &sys, &v, r) {
            Ok(sol) if !out.iter().any(|o| same(o, &sol, 1e-6)) => out.push(sol),
            Ok(_) => {}
            Err(_) => failed += 1,
        }
    }
    out.sort_by(|a, b| {
        b.kappa
            .first()
            .unwrap_or(&0.0)
            .total_cmp(a.kappa.first().unwrap_or(&0.0))
    });
    if opts.chaotic && mf.diagonal_disorder() && gsum.iter().any(|&g| g > 0.0) {
        let csys = ChaoticSystem::new(mf.clone(), v.clone())?;
        let mut seeds: Vec<Vec<f64>> = opts
            .extra_chaotic_starts
            .iter()
            .filter(|s| s.len() == k + 2 * p)
            .cloned()
            .collect();
        let unstable: Vec<&MeanFieldSolution> =
            out.iter().filter(|s| s.bulk_radius > 1.0).collect();
        for s in &unstable {
            // just above the onset (bulk radius r ≳ 1) the chaotic state branches off the static
            // one with a temporal variance Δ₀ − Δ∞ that grows from 0 like r² − 1 (the deflated
            // energy starts at ½(r² − 1) > 0 on the static branch): seed gaps c·(r² − 1)·Δ
            let excess = s.bulk_radius * s.bulk_radius - 1.0;
            if excess < 0.5 {
                for c in [0.5, 2.0] {
                    let mut x = s.kappa.clone();
                    x.extend(&s.delta0);
                    x.extend(s.delta0.iter().map(|d| d * (1.0 - c * excess)));
                    seeds.push(x);
                }
            }
            // close to the onset the chaotic state is near the static one; further away, not
            for (up, down) in [(1.05, 0.95), (1.2, 0.9)] {
                let mut x = s.kappa.clone();
                let d0: Vec<f64> = (0..p).map(|q| (up * s.delta0[q]).max(gsum[q])).collect();
                x.extend(&d0);
                x.extend(
                    s.delta0
                        .iter()
                        .zip(&d0)
                        .map(|(a, b)| (down * a).min(down * b)),
                );
                seeds.push(x);
            }
        }
        // heterogeneous chaotic states need not have a static partner (beyond its existence
        // range): seed κ = ±a e_k at the variance of the most unstable static state
        if let Some(base) = unstable
            .iter()
            .max_by(|a, b| a.bulk_radius.total_cmp(&b.bulk_radius))
        {
            for a in [0.3, 1.0] {
                for kk in 0..k {
                    for sign in [1.0, -1.0] {
                        let mut x = vec![0.0; k];
                        x[kk] = sign * a;
                        let d0: Vec<f64> = (0..p)
                            .map(|q| (1.2 * base.delta0[q]).max(gsum[q]))
                            .collect();
                        x.extend(&d0);
                        x.extend(d0.iter().map(|d| 0.5 * d));
                        seeds.push(x);
                    }
                }
            }
        }
        let mut csearch = search.clone();
        csearch.deflation.scales = vec![1.0; k + 2 * p];
        csearch.max_per_start = 1;
        csearch.newton = opts.chaotic_newton();
        let croots = find_roots(&csys, &seeds, &csearch);
        let mut chaotic: Vec<MeanFieldSolution> = Vec::new();
        let consider = |x: Solution, chaotic: &mut Vec<MeanFieldSolution>| {
            if let Ok(sol) = chaotic_solution(model, &csys, &v, x) {
                if !chaotic.iter().any(|o| same(o, &sol, 1e-6)) {
                    chaotic.push(sol);
                }
            }
        };
        for r in croots {
            consider(r, &mut chaotic);
        }
        let mirrors: Vec<Vec<f64>> = chaotic
            .iter()
            .map(|c| {
                c.kappa
                    .iter()
                    .map(|x| -x)
                    .chain(c.delta0.iter().copied())
                    .chain(c.delta_inf.iter().copied())
                    .collect()
            })
            .collect();
        for m in mirrors {
            let s = solve(&csys, &m, &opts.chaotic_newton());
            if s.converged {
                consider(s, &mut chaotic);
            }
        }
        chaotic.sort_by(|a, b| {
            b.kappa
                .first()
                .unwrap_or(&0.0)
                .total_cmp(a.kappa.first().unwrap_or(&0.0))
        });
        out.extend(chaotic);
    }
    Ok(AllSolutions {
        solutions: out,
        failed_starts: failed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lowrank_gauss::Phi;
    use lowrank_model::mo2018::RankOne;

    fn fig1(g: f64) -> Model {
        crate::mo2018::rank_one_model(&RankOne {
            g,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn heterogeneous_chaos_is_found_just_above_g_c() {
        // [MO] Fig. 1 set: just above g_C (THEORY.md §5: 1.796) the ± heterogeneous chaotic
        // states branch off the static ones with a tiny temporal variance Δ₀ − Δ∞. g_C comes from
        // the continuation of the static branch (independent of the chaotic solver).
        let opts = SolveOptions::default();
        let g_c = crate::mo2018::g_c(&RankOne::default(), 0.5, &opts).unwrap();
        let mut last_gap = 0.0;
        for g in [g_c + 3e-4, 1.8, 1.9] {
            let all = solve_all(&fig1(g), &opts).unwrap();
            let stat: Vec<_> = all
                .solutions
                .iter()
                .filter(|s| s.regime == "stationary" && s.branch == "heterogeneous")
                .collect();
            assert_eq!(stat.len(), 2, "g = {g}");
            assert!(stat.iter().all(|s| s.bulk_radius > 1.0), "g = {g} > g_C");
            let ch: Vec<_> = all
                .solutions
                .iter()
                .filter(|s| s.regime == "chaotic" && s.branch == "heterogeneous")
                .collect();
            assert_eq!(ch.len(), 2, "g = {g}: {ch:?}");
            assert!(ch
                .iter()
                .all(|s| s.converged && s.residual <= opts.newton.tol));
            let (a, b) = (&ch[0], &ch[1]);
            assert!(a.kappa[0] * b.kappa[0] < 0.0, "opposite signs: {a:?} {b:?}");
            // odd φ, sign-symmetric statistics: the pair is exactly symmetric
            assert!((a.kappa[0] + b.kappa[0]).abs() < 1e-8);
            assert!((a.delta_inf[0] - b.delta_inf[0]).abs() < 1e-7);
            let gap = a.delta0[0] - a.delta_inf[0];
            assert!(
                gap > last_gap,
                "temporal variance grows with g: {gap} at {g}"
            );
            last_gap = gap;
            // continuity at the onset: near g_C the chaotic κ is close to the static one
            if g < 1.8 {
                assert!((a.kappa[0].abs() - stat[0].kappa[0].abs()).abs() < 1e-3);
            }
        }
    }

    #[test]
    fn chaotic_root_solves_the_equations_with_independent_quadrature() {
        // The chaotic solution at g = 2 (the bench case) must satisfy the §2.1 equations evaluated
        // with plain Gauss–Hermite tensor products (Gauss::nested / Gauss::expect, GH-200, error
        // ≈ 10² e^{−π√(200/Δ)} ≈ 2e−11 at Δ ≈ 2.3), not the accuracy-controlled lattice used by
        // the solver: κ = M_n⟨φ⟩, Δ∞ = g²C(Δ∞) + Σ_m²κ², energy conservation.
        let p = RankOne {
            g: 2.0,
            ..Default::default()
        };
        let model = fig1(2.0);
        let opts = SolveOptions::default();
        let st = solve_static(&model, &[1.0, 2.0], &opts).unwrap();
        let seed = [st.kappa[0], 1.2 * st.delta0[0], 0.9 * st.delta0[0]];
        let ch = solve_chaotic(&model, &seed, &opts).unwrap();
        assert!(ch.converged && ch.iterations < 10, "{ch:?}");
        let (kappa, d0, di) = (ch.kappa[0], ch.delta0[0], ch.delta_inf[0]);
        let gh = Gauss::new(200);
        let mu = p.mean_m * kappa;
        let lc = |x: f64| Phi::Tanh.primitive(x);
        let phi_mean = gh.expect(|x| x.tanh(), mu, d0).unwrap();
        assert!((kappa - p.mean_n * phi_mean).abs() < 1e-9);
        let s_var = p.sigma_m * p.sigma_m * kappa * kappa;
        let c = gh.nested(|x| x.tanh(), mu, d0, di).unwrap();
        assert!((di - 4.0 * c - s_var).abs() < 1e-9, "force balance");
        let f0 = gh.expect(|x| lc(x) * lc(x), mu, d0).unwrap();
        let f_inf = gh.nested(lc, mu, d0, di).unwrap();
        let energy = 0.5 * (d0 * d0 - di * di) - 4.0 * (f0 - f_inf) - s_var * (d0 - di);
        assert!(energy.abs() < 1e-9, "energy law {energy}");
        assert!(di < d0 - 0.5, "genuinely chaotic");
    }
}
