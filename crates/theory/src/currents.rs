//! The current ODE without disorder (docs/theory §1.8 with G = 0; \[CB\] §3.1), its fixed points and
//! their stability, the symmetric-interaction predictions (§3.5) and the input-gain option of §3.10.
//!
//! With no random connectivity the mean-field state of population p is Gaussian with mean
//! μ_p(S) and variance Δ_p = 𝒮_p(S, v) (the structured variance, §1.4), and the currents obey
//!
//! Ṡ_k = −S_k + κ_k(S),  κ_k = Σ_p α_p [M^{(p)}_{n^k} ⟨φ⟩_p + ψ_p c^{(p)}_{n^k}]   (§1.5),
//!
//! with averages at (μ_p(S), 𝒮_p(S, v)). Everything is evaluated through
//! [`MeanField`](crate::meanfield::MeanField); for \[CB\] (erf, zero means, U = 𝟙) this is exactly
//! Ṡ^{μν} = −S^{μν} + Σ_ρ T^{μνρ} S^{νρ} / √(1 + (π/2) Σ_ρ (S^{νρ})²).

use crate::convergence::{Convergence, Termination};
use crate::meanfield::MeanField;
use crate::solve::{solve, NewtonOptions, System};
use crate::TheoryError;
use lowrank_gauss::{Gauss, Phi};
use lowrank_model::Model;
use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

/// How the input term enters the drive (docs/theory §3.10, §6).
///
/// Stein's lemma gives the input overlap σ_{n^k I^a} v_a multiplied by the gain ψ_p of the
/// population where n^k lives (`Stein`, γ = ψ, consistent with §1.5, the default); the \[CB\]
/// reference code multiplies it by 1 instead (`Reference`, γ = 1, reproduces the authors' figure).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum InputGain {
    /// γ^ν = ψ^ν (Stein's lemma; default).
    #[default]
    Stein,
    /// γ^ν = 1 (the \[CB\] reference implementation; \[UNVERIFIED\] in the paper).
    Reference,
}

impl std::str::FromStr for InputGain {
    type Err = TheoryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "stein" => Ok(InputGain::Stein),
            "reference" => Ok(InputGain::Reference),
            other => Err(TheoryError::InvalidParameter {
                name: format!("input_gain = {other}"),
                value: f64::NAN,
                reason: "expected `stein` or `reference`".into(),
            }),
        }
    }
}

/// Per-call scratch of the current ODE (allocated once, reused in loops).
#[derive(Clone, Debug)]
pub struct CurrentScratch {
    mu: Vec<f64>,
    delta: Vec<f64>,
    phi_mean: Vec<f64>,
    gain: Vec<f64>,
}

impl CurrentScratch {
    fn new(p: usize) -> CurrentScratch {
        CurrentScratch {
            mu: vec![0.0; p],
            delta: vec![0.0; p],
            phi_mean: vec![0.0; p],
            gain: vec![0.0; p],
        }
    }

    /// Gains ψ_p = ⟨φ′⟩_p at the last evaluation.
    pub fn gain(&self) -> &[f64] {
        &self.gain
    }

    /// Variances Δ_p = 𝒮_p(S, v) at the last evaluation.
    pub fn delta(&self) -> &[f64] {
        &self.delta
    }
}

/// The current ODE Ṡ = −S + κ(S) of a model without disorder (docs/theory §1.8 with G = 0, §3.1).
///
/// ```
/// use lowrank_gauss::{Gauss, Phi};
/// use lowrank_model::{LoadingStats, Model, ModelParts, Population, Term};
/// use lowrank_theory::currents::{CurrentOde, InputGain};
/// use nalgebra::{DMatrix, DVector};
/// // one region with a self loop a = 2 (\[CB\] R = 1, U = 1, T¹¹¹ = 2, σ_n² = 4)
/// let model = Model::new(ModelParts {
///     name: "self-loop".into(),
///     populations: vec![Population { name: "1".into(), weight: 1.0 }],
///     gain: DMatrix::zeros(1, 1),
///     vectors: vec!["m".into(), "n".into()],
///     stats: vec![LoadingStats { mean: DVector::zeros(2),
///         cov: DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 4.0]) }],
///     terms: vec![Term { name: "1->1".into(), left: 0, right: 1 }],
///     inputs: vec![], readouts: vec![], nonlinearity: Phi::Erf,
/// }).unwrap();
/// let ode = CurrentOde::new(&model, Gauss::new(32), vec![], InputGain::Stein).unwrap();
/// let mut ds = [0.0];
/// ode.rhs(&[1.0], &mut ds).unwrap();
/// let expect = -1.0 + 2.0 / (1.0 + std::f64::consts::PI / 2.0).sqrt();
/// assert!((ds[0] - expect).abs() < 1e-14);
/// ```
#[derive(Clone, Debug)]
pub struct CurrentOde {
    /// The model in evaluation form.
    pub mf: MeanField,
    /// Constant input amplitudes v_a (= u_a at a steady state).
    pub v: Vec<f64>,
    /// How the input enters the drive (γ of §3.10).
    pub input_gain: InputGain,
    /// c^{(p)}_{n^k}(S = 0, v): the input part of the loading–state covariance, [p*K + k].
    input_cov: Vec<f64>,
}

impl CurrentOde {
    /// The current ODE of `model` at constant inputs `v`.
    ///
    /// `Err(Unsupported)` if the model has disorder (some g_pq > 0): use
    /// [`CurrentOde::ignoring_disorder`] to drop it explicitly, or the DMFT ([`crate::dmft`]).
    pub fn new(
        model: &Model,
        gauss: Gauss,
        v: Vec<f64>,
        input_gain: InputGain,
    ) -> Result<CurrentOde, TheoryError> {
        if model.gain().iter().any(|&g| g != 0.0) {
            return Err(TheoryError::Unsupported(
                "the current ODE holds without disorder (all g_pq = 0); use CurrentOde::ignoring_disorder \
                 or the two-time DMFT"
                    .into(),
            ));
        }
        Self::ignoring_disorder(model, gauss, v, input_gain)
    }

    /// The current ODE of `model` with its disorder set to zero (g_pq → 0), at inputs `v`.
    pub fn ignoring_disorder(
        model: &Model,
        gauss: Gauss,
        v: Vec<f64>,
        input_gain: InputGain,
    ) -> Result<CurrentOde, TheoryError> {
        if v.len() != model.inputs().len() {
            return Err(TheoryError::InvalidParameter {
                name: "inputs (v)".into(),
                value: v.len() as f64,
                reason: format!("model has {} inputs", model.inputs().len()),
            });
        }
        if let Some((a, &x)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(TheoryError::InvalidParameter {
                name: format!("v[{a}]"),
                value: x,
                reason: "input amplitude must be finite".into(),
            });
        }
        let mf = MeanField::new(model, gauss);
        let zeros = vec![0.0; mf.k];
        let mut input_cov = vec![0.0; mf.p * mf.k];
        for p in 0..mf.p {
            for k in 0..mf.k {
                input_cov[p * mf.k + k] = mf.cov_n(p, k, &zeros, &v);
            }
        }
        Ok(CurrentOde {
            mf,
            v,
            input_gain,
            input_cov,
        })
    }

    /// Number of currents K.
    pub fn dim(&self) -> usize {
        self.mf.k
    }

    /// A scratch buffer for [`CurrentOde::drive_with`].
    pub fn scratch(&self) -> CurrentScratch {
        CurrentScratch::new(self.mf.p)
    }

    /// Drive κ(S) (docs/theory §1.5 at Δ_p = 𝒮_p(S, v), §3.10 γ option) into `out`, reusing `w`.
    pub fn drive_with(
        &self,
        s: &[f64],
        w: &mut CurrentScratch,
        out: &mut [f64],
    ) -> Result<(), TheoryError> {
        let mf = &self.mf;
        for p in 0..mf.p {
            w.mu[p] = mf.mean(p, s, &self.v);
            w.delta[p] = mf.structured_variance(p, s, &self.v).max(0.0);
        }
        for p in 0..mf.p {
            (w.phi_mean[p], w.gain[p]) = mean_and_gain(&mf.gauss, mf.phi, w.mu[p], w.delta[p])?;
        }
        mf.drive(s, &self.v, &w.phi_mean, &w.gain, out);
        if self.input_gain == InputGain::Reference {
            for (k, o) in out.iter_mut().enumerate().take(mf.k) {
                for p in 0..mf.p {
                    *o += mf.alpha[p] * (1.0 - w.gain[p]) * self.input_cov[p * mf.k + k];
                }
            }
        }
        Ok(())
    }

    /// Right-hand side Ṡ = −S + κ(S) into `out` (allocates a scratch; use
    /// [`CurrentOde::drive_with`] in loops).
    pub fn rhs(&self, s: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
        let mut w = self.scratch();
        self.drive_with(s, &mut w, out)?;
        for (o, x) in out.iter_mut().zip(s) {
            *o -= x;
        }
        Ok(())
    }

    /// Forward-Euler integration S ← S + dt(−S + κ(S)) for `steps` steps, in place (§3.1).
    pub fn integrate(&self, s: &mut [f64], dt: f64, steps: usize) -> Result<(), TheoryError> {
        check_positive("dt", dt)?;
        let mut w = self.scratch();
        let mut kappa = vec![0.0; self.mf.k];
        for _ in 0..steps {
            self.drive_with(s, &mut w, &mut kappa)?;
            for (x, kk) in s.iter_mut().zip(&kappa) {
                *x += dt * (kk - *x);
            }
            if s.iter().any(|x| !x.is_finite()) {
                return Err(TheoryError::NotConverged {
                    what: "current ODE integration".into(),
                    convergence: Convergence::stopped(f64::INFINITY, steps, Termination::Diverged),
                });
            }
        }
        Ok(())
    }

    /// Jacobian ∂Ṡ/∂S = −𝟙 + ∂κ/∂S by central differences (step h·max(1,|S_l|)).
    pub fn jacobian(&self, s: &[f64], h: f64) -> Result<DMatrix<f64>, TheoryError> {
        let k = self.mf.k;
        let mut w = self.scratch();
        let mut x = s.to_vec();
        let (mut kp, mut km) = (vec![0.0; k], vec![0.0; k]);
        let mut jac = DMatrix::zeros(k, k);
        for l in 0..k {
            let step = h * s[l].abs().max(1.0);
            x[l] = s[l] + step;
            self.drive_with(&x, &mut w, &mut kp)?;
            x[l] = s[l] - step;
            self.drive_with(&x, &mut w, &mut km)?;
            x[l] = s[l];
            for i in 0..k {
                jac[(i, l)] = (kp[i] - km[i]) / (2.0 * step) - if i == l { 1.0 } else { 0.0 };
            }
        }
        Ok(jac)
    }

    /// Fixed points of the current ODE from many seeded random starts (docs/theory §3.1): Euler
    /// runs, Newton/Levenberg–Marquardt polish ([`crate::solve::solve`]), deduplication, and the
    /// stability of each from the eigenvalues of the Jacobian.
    pub fn fixed_points(
        &self,
        opts: &FixedPointOptions,
    ) -> Result<Vec<CurrentFixedPoint>, TheoryError> {
        check_positive("dt", opts.dt)?;
        check_positive("t_max", opts.t_max)?;
        if opts.box_hi.partial_cmp(&opts.box_lo) != Some(std::cmp::Ordering::Greater) {
            return Err(TheoryError::InvalidParameter {
                name: "box_hi".into(),
                value: opts.box_hi,
                reason: format!("must exceed box_lo = {}", opts.box_lo),
            });
        }
        let k = self.mf.k;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(opts.seed);
        let steps = (opts.t_max / opts.dt).ceil() as usize;
        let mut found: Vec<CurrentFixedPoint> = Vec::new();
        let mut candidates: Vec<Vec<f64>> = Vec::new();
        if opts.include_origin {
            candidates.push(vec![0.0; k]);
        }
        for _ in 0..opts.starts {
            let mut s: Vec<f64> = (0..k)
                .map(|_| rng.random_range(opts.box_lo..opts.box_hi))
                .collect();
            // Euler in chunks of 100 steps, stopping early once max|Ṡ| ≤ settle_tol
            let mut done = 0;
            let mut diverged = false;
            let mut r = vec![0.0; k];
            while done < steps {
                let chunk = 100.min(steps - done);
                match self.integrate(&mut s, opts.dt, chunk) {
                    Ok(()) => {}
                    Err(TheoryError::NotConverged { .. }) => {
                        diverged = true;
                        break;
                    }
                    Err(e) => return Err(e),
                }
                done += chunk;
                self.rhs(&s, &mut r)?;
                if max_abs(&r) <= opts.settle_tol {
                    break;
                }
            }
            if !diverged {
                candidates.push(s);
            }
        }
        for s in candidates {
            let sol = solve(self, &s, &opts.newton)?;
            let x = if sol.convergence.converged {
                sol.x.clone()
            } else {
                s.clone()
            };
            let mut r = vec![0.0; k];
            self.rhs(&x, &mut r)?;
            let residual = r.iter().fold(0.0f64, |a, b| a.max(b.abs()));
            if let Some(prev) = found
                .iter_mut()
                .find(|f| max_dist(&f.currents, &x) <= opts.same_tol * (1.0 + max_abs(&x)))
            {
                prev.count += 1;
                continue;
            }
            // the report of the point kept (the start itself when the polish failed)
            let termination = match sol.convergence.termination {
                _ if residual <= opts.newton.tol => Termination::Converged,
                // the polish's x was not kept: its verdict does not describe this point
                t if t.is_success() => Termination::NoDecrease,
                t => t,
            };
            found.push(self.fixed_point_at(
                &x,
                Convergence::stopped(residual, sol.convergence.iterations, termination),
                opts,
            )?);
        }
        Ok(found)
    }

    /// The fixed-point record (gains, variances, eigenvalues, class) at currents `s`.
    pub fn fixed_point_at(
        &self,
        s: &[f64],
        convergence: Convergence,
        opts: &FixedPointOptions,
    ) -> Result<CurrentFixedPoint, TheoryError> {
        let mut w = self.scratch();
        let mut kappa = vec![0.0; self.mf.k];
        self.drive_with(s, &mut w, &mut kappa)?;
        let jac = self.jacobian(s, opts.fd_step)?;
        let eig = eigenvalues(&jac)?;
        let class = FixedPointClass::from_eigenvalues(&eig, opts.marginal_tol);
        Ok(CurrentFixedPoint {
            currents: s.to_vec(),
            drive: kappa,
            gain: w.gain.clone(),
            delta: w.delta.clone(),
            eigenvalues: eig,
            stable: matches!(
                class,
                FixedPointClass::StableNode | FixedPointClass::StableFocus
            ),
            class,
            convergence,
            count: 1,
        })
    }
}

impl System for CurrentOde {
    fn dim(&self) -> usize {
        self.mf.k
    }
    fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
        self.rhs(x, out)
    }
}

/// Options of [`CurrentOde::fixed_points`].
#[derive(Clone, Debug, PartialEq)]
pub struct FixedPointOptions {
    /// Number of random starts S(0) ~ U[box_lo, box_hi)^K.
    pub starts: usize,
    /// Seed of the starts.
    pub seed: u64,
    /// Lower edge of the start box.
    pub box_lo: f64,
    /// Upper edge of the start box.
    pub box_hi: f64,
    /// Euler step (reference: 0.1).
    pub dt: f64,
    /// Longest Euler run before polishing (runs stop earlier once max|Ṡ| ≤ `settle_tol`).
    pub t_max: f64,
    /// Euler runs stop when max|Ṡ| ≤ settle_tol (near-marginal attractors are approached slowly,
    /// and polishing an unsettled state can land on a nearby saddle).
    pub settle_tol: f64,
    /// Newton polish options (tolerance = convergence criterion on max|Ṡ|).
    pub newton: NewtonOptions,
    /// Two fixed points are the same when max|S − S′| ≤ same_tol·(1 + max|S|).
    pub same_tol: f64,
    /// Eigenvalues with |Re| ≤ marginal_tol count as marginal.
    pub marginal_tol: f64,
    /// Central-difference step of the Jacobian.
    pub fd_step: f64,
    /// Also polish from S = 0 (the trivial fixed point for odd φ and no input).
    pub include_origin: bool,
}

impl Default for FixedPointOptions {
    fn default() -> Self {
        FixedPointOptions {
            starts: 20,
            seed: 0,
            box_lo: -1.0,
            box_hi: 1.0,
            dt: 0.1,
            t_max: 500.0,
            settle_tol: 1e-9,
            newton: NewtonOptions {
                tol: 1e-11,
                ..NewtonOptions::default()
            },
            same_tol: 1e-6,
            marginal_tol: 1e-5,
            fd_step: 1e-6,
            include_origin: true,
        }
    }
}

/// Linear-stability class of a fixed point from the Jacobian eigenvalues λ (sorted by Re, largest first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum FixedPointClass {
    /// All Re λ < 0, leading λ real.
    StableNode,
    /// All Re λ < 0, leading λ complex.
    StableFocus,
    /// Max Re λ ≈ 0 (within tolerance), none positive: a marginal direction (e.g. a continuum attractor).
    Marginal,
    /// Some Re λ > 0 and some < 0.
    Saddle,
    /// All Re λ > 0 (or ≥ 0), leading real.
    UnstableNode,
    /// All Re λ > 0 (or ≥ 0), leading complex.
    UnstableFocus,
}

impl FixedPointClass {
    /// Classify from eigenvalues `[re, im]` sorted by decreasing real part; |Re| ≤ `tol` is marginal.
    pub fn from_eigenvalues(eig: &[[f64; 2]], tol: f64) -> FixedPointClass {
        let Some(lead) = eig.first() else {
            return FixedPointClass::StableNode;
        };
        let complex = lead[1].abs() > tol;
        if lead[0] < -tol {
            if complex {
                FixedPointClass::StableFocus
            } else {
                FixedPointClass::StableNode
            }
        } else if lead[0] <= tol {
            FixedPointClass::Marginal
        } else if eig.iter().any(|e| e[0] < -tol) {
            FixedPointClass::Saddle
        } else if complex {
            FixedPointClass::UnstableFocus
        } else {
            FixedPointClass::UnstableNode
        }
    }
}

/// A fixed point S* = κ(S*) of the current ODE with its stability.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CurrentFixedPoint {
    /// Currents S_k (= drives κ_k at the fixed point).
    pub currents: Vec<f64>,
    /// Drives κ_k(S*) (equal to the currents up to `residual`).
    pub drive: Vec<f64>,
    /// Gains ψ_p = ⟨φ′⟩_p.
    pub gain: Vec<f64>,
    /// Variances Δ_p = 𝒮_p (the structured variance; \[CB\] A^μ).
    pub delta: Vec<f64>,
    /// Jacobian eigenvalues [Re, Im], largest real part first.
    pub eigenvalues: Vec<[f64; 2]>,
    /// Linear-stability class.
    pub class: FixedPointClass,
    /// Strictly stable (all Re λ < −tol).
    pub stable: bool,
    /// The polish's report: max|−S + κ(S)| ≤ tolerance, the residual max|−S + κ(S)| at the
    /// currents, Newton iterations of the polish.
    #[serde(flatten)]
    pub convergence: Convergence,
    /// How many starts ended at this fixed point.
    pub count: usize,
}

/// Mode of a region under symmetric effective interactions (docs/theory §3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SymmetricMode {
    /// a^μ > b^μ: only the self current S^{μμ} is active; the region is isolated.
    SelfLoop,
    /// b^μ > a^μ: currents exchanged with the other exchange-mode regions (a continuum attractor).
    Exchange,
    /// max(a^μ, b^μ) ≤ 1: no current can be sustained (A^μ = 0).
    Inactive,
}

/// Predictions of docs/theory §3.5 for symmetric interactions c = uuᵀ + diag(a − b) at g = 0 (erf).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SymmetricPrediction {
    /// Mode of each region.
    pub mode: Vec<SymmetricMode>,
    /// Pinned gain ψ^μ = 1/max(a^μ, b^μ) (1 for inactive regions).
    pub gain: Vec<f64>,
    /// Total variance Δ0^μ = Ψ⁻¹(ψ^μ) = (2/π)(max(a^μ,b^μ)² − 1) (0 for inactive regions).
    pub delta0: Vec<f64>,
    /// Structured variance A^μ = Σ_ν (S^{μν})² at g = 0, equal to Δ0^μ.
    pub structured_variance: Vec<f64>,
}

/// Self-loop vs exchange-mode prediction of docs/theory §3.5 for φ = erf(√π x/2), g = 0:
/// region μ is pinned at ψ^μ = 1/max(a^μ, b^μ) and A^μ = (2/π)(max(a^μ, b^μ)² − 1).
///
/// The exchange-mode value assumes at least two exchange-mode regions to exchange with.
///
/// ```
/// use lowrank_theory::currents::{symmetric_prediction, SymmetricMode};
/// let p = symmetric_prediction(&[2.0706], &[2.4609]).unwrap();
/// assert_eq!(p.mode[0], SymmetricMode::Exchange);
/// assert!((p.structured_variance[0].sqrt() - 1.794).abs() < 5e-4); // docs/theory §5, Fig. 3 set 1
/// ```
pub fn symmetric_prediction(a: &[f64], b: &[f64]) -> Result<SymmetricPrediction, TheoryError> {
    if a.len() != b.len() {
        return Err(TheoryError::InvalidParameter {
            name: "b".into(),
            value: b.len() as f64,
            reason: format!("length must equal that of a ({})", a.len()),
        });
    }
    let mut out = SymmetricPrediction {
        mode: vec![],
        gain: vec![],
        delta0: vec![],
        structured_variance: vec![],
    };
    for (mu, (&am, &bm)) in a.iter().zip(b).enumerate() {
        for (name, x) in [("a", am), ("b", bm)] {
            if !x.is_finite() {
                return Err(TheoryError::InvalidParameter {
                    name: format!("{name}[{mu}]"),
                    value: x,
                    reason: "must be finite".into(),
                });
            }
        }
        let top = am.max(bm);
        let (mode, psi) = if top <= 1.0 {
            (SymmetricMode::Inactive, 1.0)
        } else if am > bm {
            (SymmetricMode::SelfLoop, 1.0 / top)
        } else {
            (SymmetricMode::Exchange, 1.0 / top)
        };
        let d0 = lowrank_gauss::erf::erf_gain_inverse(psi);
        out.mode.push(mode);
        out.gain.push(psi);
        out.delta0.push(d0);
        out.structured_variance.push(d0);
    }
    Ok(out)
}

/// Total variance Δ0 at which the zero-mean gain is pinned, ⟨φ′⟩(0, Δ0) = ψ (gain pinning, §1.6):
/// the nonlinearity's closed form where it has one (erf: (2/π)(1/ψ² − 1)), else a bracketed
/// root of Δ ↦ ⟨φ′⟩(0, Δ) − ψ starting from Δ = 0 (the bracket doubles up to Δ = 10¹²).
///
/// # Errors
/// `InvalidParameter { name: "psi" }` if ψ is not finite and > 0 or no Δ ≤ 10¹² reaches it
/// (e.g. a linear φ, whose gain is 1 at every variance, or relu, whose zero-mean gain is ½).
pub fn pinned_variance(gauss: &Gauss, phi: Phi, psi: f64) -> Result<f64, TheoryError> {
    if !(psi > 0.0 && psi.is_finite()) {
        return Err(TheoryError::InvalidParameter {
            name: "psi".into(),
            value: psi,
            reason: "a pinned gain must be finite and > 0".into(),
        });
    }
    if let Some(d) = phi.gain_inverse(psi) {
        return Ok(d);
    }
    let f = |d: f64| -> Result<f64, TheoryError> { Ok(gauss.mean_and_gain(phi, 0.0, d)?.1 - psi) };
    let f0 = f(0.0)?;
    if f0 == 0.0 {
        return Ok(0.0);
    }
    let mut hi = 1.0;
    while f(hi)?.signum() == f0.signum() {
        hi *= 2.0;
        if hi > 1e12 {
            return Err(TheoryError::InvalidParameter {
                name: "psi".into(),
                value: psi,
                reason: format!(
                    "the zero-mean gain ⟨φ′⟩(0, Δ) of {phi} does not reach this value for any \
                     variance Δ ≤ 1e12"
                ),
            });
        }
    }
    Ok(crate::roots::brent("pinned variance", f, 0.0, hi, 1e-13)?.value)
}

fn check_positive(name: &str, x: f64) -> Result<(), TheoryError> {
    if x > 0.0 && x.is_finite() {
        Ok(())
    } else {
        Err(TheoryError::InvalidParameter {
            name: name.into(),
            value: x,
            reason: "must be finite and > 0".into(),
        })
    }
}

fn max_abs(x: &[f64]) -> f64 {
    x.iter().fold(0.0f64, |a, b| a.max(b.abs()))
}

fn max_dist(x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .zip(y)
        .fold(0.0f64, |a, (u, v)| a.max((u - v).abs()))
}

/// ⟨φ⟩ and the gain ψ = ⟨φ′⟩ over x ~ N(μ, Δ) (docs/theory §1.5): the two averages the drive
/// needs, from [`Gauss::mean_and_gain`] (closed forms where the nonlinearity has them).
pub fn mean_and_gain(
    gauss: &Gauss,
    phi: Phi,
    mu: f64,
    delta: f64,
) -> Result<(f64, f64), TheoryError> {
    Ok(gauss.mean_and_gain(phi, mu, delta)?)
}

/// Eigenvalues [Re, Im] of a real square matrix, largest real part first (ties: larger |Im| first).
///
/// Real Schur decomposition with a bounded number of QR sweeps. nalgebra's unbounded
/// `complex_eigenvalues` can loop forever on matrices with degenerate/defective eigenvalues (the
/// marginal attractors of §3.5 produce exactly such Jacobians); here the convergence threshold is
/// relaxed from 10⁻¹⁵ to 10⁻¹⁰ (relative) until the iteration converges, which perturbs a defective
/// eigenvalue by at most ~√threshold. `Err(NotConverged)` if none converges.
pub fn eigenvalues(m: &DMatrix<f64>) -> Result<Vec<[f64; 2]>, TheoryError> {
    let n = m.nrows();
    if n == 0 {
        return Ok(vec![]);
    }
    for eps in [1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10] {
        if let Some(schur) = nalgebra::Schur::try_new(m.clone(), eps, 1000 * n) {
            let mut eig: Vec<[f64; 2]> = schur
                .complex_eigenvalues()
                .iter()
                .map(|z| [z.re, z.im])
                .collect();
            eig.sort_by(|a, b| {
                b[0].total_cmp(&a[0])
                    .then(b[1].abs().total_cmp(&a[1].abs()))
            });
            return Ok(eig);
        }
    }
    // nalgebra's bounded Schur occasionally stalls on drawn Jacobians/T̂ (observed for 4×4
    // T̂ in the Fig. 5 sampler); faer's Hessenberg–QR eigensolver is an independent fallback.
    eigenvalues_faer(m).ok_or_else(|| TheoryError::EigenStalled {
        n,
        reason: format!(
            "real Schur ({} sweeps) and faer's QR iteration did not converge",
            1000 * n
        ),
    })
}

/// Eigenvalues by faer's dense eigensolver, sorted like [`eigenvalues`]; `None` on failure
/// or a non-finite result.
fn eigenvalues_faer(m: &DMatrix<f64>) -> Option<Vec<[f64; 2]>> {
    let n = m.nrows();
    let a = faer::Mat::<f64>::from_fn(n, n, |i, j| m[(i, j)]);
    let ev = a.eigenvalues().ok()?;
    let mut eig: Vec<[f64; 2]> = ev.iter().map(|z| [z.re, z.im]).collect();
    if eig.iter().flatten().any(|x| !x.is_finite()) {
        return None;
    }
    eig.sort_by(|a, b| {
        b[0].total_cmp(&a[0])
            .then(b[1].abs().total_cmp(&a[1].abs()))
    });
    Some(eig)
}

#[cfg(test)]
mod eigen_tests {
    use super::{eigenvalues, eigenvalues_faer};
    use nalgebra::DMatrix;

    /// Companion matrix of (x − 1)(x + 2)(x² + 2x + 5) = x⁴ + 3x³ + 5x² + x − 10: eigenvalues
    /// 1, −1 ± 2i, −2 (sorted by real part, then |imaginary part|).
    fn companion() -> DMatrix<f64> {
        let c = [-10.0, 1.0, 5.0, 3.0]; // x⁴ = −(c0 + c1 x + c2 x² + c3 x³)
        DMatrix::from_fn(4, 4, |i, j| {
            if j == 3 {
                -c[i]
            } else if i == j + 1 {
                1.0
            } else {
                0.0
            }
        })
    }

    #[test]
    fn faer_fallback_matches_closed_form_and_schur_path() {
        let expect = [[1.0, 0.0], [-1.0, 2.0], [-1.0, -2.0], [-2.0, 0.0]];
        let f = eigenvalues_faer(&companion()).unwrap();
        let s = eigenvalues(&companion()).unwrap();
        for (got, want) in f.iter().zip(&expect) {
            assert!(
                (got[0] - want[0]).abs() < 1e-10 && (got[1].abs() - want[1].abs()).abs() < 1e-10,
                "{got:?} vs {want:?}"
            );
        }
        for (a, b) in f.iter().zip(&s) {
            assert!((a[0] - b[0]).abs() < 1e-10 && (a[1].abs() - b[1].abs()).abs() < 1e-10);
        }
    }

    #[test]
    fn faer_fallback_on_a_defective_block() {
        // 3×3 Jordan block of eigenvalue 0.5 (defective): rounding perturbs the eigenvalues by
        // O(ε^{1/3}) ≈ 6e-6.
        let m = DMatrix::from_row_slice(3, 3, &[0.5, 1.0, 0.0, 0.0, 0.5, 1.0, 0.0, 0.0, 0.5]);
        let f = eigenvalues_faer(&m).unwrap();
        assert!(
            f.iter()
                .all(|z| (z[0] - 0.5).abs() < 1e-4 && z[1].abs() < 1e-4),
            "{f:?}"
        );
    }
}
