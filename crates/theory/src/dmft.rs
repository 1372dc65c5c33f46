//! Time-dependent two-time DMFT for the general model (docs/theory §1.8) with the Γ scheme of §3.11,
//! and the dynamics classification of §3.8.
//!
//! Order parameters on the grid t_j = j·dt: currents S_k(t), drives κ_k(t) (§1.5), gains
//! ψ_p(t) = ⟨φ′⟩ at (μ_p(t), Δ_p(t,t)), and per population the two-time covariance Δ_p(t,t′) obeying
//!
//! (1 + ∂_t)(1 + ∂_{t′}) Δ_p(t,t′) = Σ_q G_pq C_φ^{(q)}(t,t′) + 𝒜_p(t,t′),
//!
//! C_φ^{(q)} the bivariate average of φφ with means μ_q(t), μ_q(t′) (§1.10 (3)), 𝒜_p the structured
//! cross term of [`MeanField::structured_cross`] at (κ(t), u(t); κ(t′), u(t′)).
//!
//! **Scheme** (§3.11). With Γ ≡ (1 + ∂_{t′})Δ, two forward-Euler sweeps per column j:
//! Δ_{i,j} = (1−dt)Δ_{i,j−1} + dt Γ_{i,j−1} (i < j), then
//! Γ_{i,j} = (1−dt)Γ_{i−1,j} + dt·source(i,j) for i = 1..j (source at (i,j)), then
//! Δ_{jj} = (1−dt)Δ_{j−1,j} + dt Γ_{j−1,j}. Initial row: Γ_{0,j} = 𝒜_p(S0, v0; κ_j, u_j) (x(0) =
//! Σ m S0 + Σ I v0 + h(0) with h(0) independent), or 0 under the reference ordering. Only the previous and current columns are stored
//! (lag-indexed), so memory is O(N_t·P) for the full history of lags, O(b·P) with a band of b lags.
//! Cost O(N_t·min(N_t, b)·P).
//!
//! **Fast path** (chosen automatically). For φ = erf with zero means on the whole column
//! (μ_q(t_i) = 0 for every i in the band and μ_q(t_j) = 0), the source is the closed form
//! (2/π) arctan(Δ_ij/√(q_i q_j − Δ_ij²)), q = Δ + 2/π, evaluated per column as one branch-free
//! vectorised stream ([`lowrank_gauss::erf::c_phi_zero_mean_q`] with the ≤ 3ε arctan of
//! [`lowrank_gauss::fastmath`]; AVX-512/AVX2 chosen at run time, bit-identical results), the
//! structured term 𝒜 as a few fused streams, and the Γ recursion regrouped into 16 interleaved
//! chains (single-threaded: a rayon split over populations per column was measured slower on
//! 2 shared cores — 2500 fork/joins of ~20 µs of work each). Otherwise every source goes through the general kernels (closed form with means, or quadrature). The two paths
//! agree to round-off (tests: ≤ 1e−12 relative on whole trajectories).
//!
//! **Mehler source** (any φ without an O(1) closed form: tanh, sigmoid, softplus, relu,
//! hard-tanh, custom). C_φ(t_i, t_j) = Σ_k a_k(i) b_k(j) ρ_ij^k (`lowrank_gauss::mehler`): the
//! Hermite coefficients of φ at (μ_q(t), Δ_q(t,t)) are computed once per time point and
//! population, each column is a vectorised Horner recurrence in ρ_ij = Δ_ij/√(Δ_ii Δ_jj), and
//! every pair carries a rigorous truncation bound; pairs whose bound exceeds
//! 10⁻¹⁰·√(⟨φ²⟩_i⟨φ²⟩_j) (|ρ| near 1 with slowly decaying coefficients) use the
//! accuracy-controlled `Gauss::c_phi` ([`DmftResult::source_fallbacks`]). Column j uses, as every
//! kernel does, μ_q(t_j) with the provisional Δ_jj for time j and the final (μ_q(t_i), Δ_ii) for
//! i < j, so each time point's coefficients are computed twice (provisional, then final; the
//! final ones are kept for the later columns: ≈ 1100 values per time point and population for a
//! smooth φ, ≈ 280 for a kinked one, for the last min(N_t, b + 1) times). A variance beyond the
//! range of the expansion (Δ ≳ 1.5·10³·d², d φ's analytic strip; tanh Δ ≳ 4·10³) is an error. Tests: ≤ 1e−10 against per-pair quadrature on whole
//! trajectories (tanh, sigmoid, hard-tanh), at a cost of a few times the erf fast path
//! (`benches/dmft.rs`).
//!
//! **Orderings.** Default: S_j = (1−dt)S_{j−1} + dt κ_{j−1}, gain ψ_j at (μ_j, Δ_{j−1,j−1}) (the
//! only O(dt) lag, since Δ_jj is only known after the sweep), κ_j from (S_j, ψ_j). The reference
//! ordering ([`DmftOptions::reference_ordering`]) reproduces the reference implementation
//! step for step: κ_j from (S_{j−1}, ψ_{j−1}) (one more O(dt) lag); ψ_0 = 0 and κ_0 = 0 (H_0 = 0)
//! instead of their values at S_0, so S_1 = (1 − dt)S_0 and κ_1 = 0; Γ_{0,j} = 0; Δ00 = G_11
//! (g_1²) for every population; and the zero-mean erf source at the raw Δ_ij, with only the
//! square-root argument of its arctan form clipped at 10⁻²⁰ (the default clamps Δ_ij to the
//! Cauchy–Schwarz bound ±√(Δ_ii Δ_jj), which the O(dt) lag of the provisional diagonal can
//! overshoot in transients). Both orderings converge to the same equations as dt → 0
//! (docs/theory/3-multiregion.md §3.11).
//!
//! **Band.** With a band of b lags, Γ at lag b + 1 (needed to start the Γ sweep) is taken from the
//! previous column, Γ_{j−b−1,j} ≈ Γ_{j−b−1,j−1} — an approximation, exact when Δ has relaxed at
//! lag b. The classification row Δ(t0, t0+τ) is then known only for τ ≤ b·dt.

use crate::convergence::{Convergence, Termination};
use crate::currents::mean_and_gain;
use crate::meanfield::MeanField;
use crate::TheoryError;
use lowrank_gauss::{Gauss, Phi};
use lowrank_model::Model;
use nalgebra::{DMatrix, SymmetricEigen};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;
use std::f64::consts::FRAC_2_PI;

mod classify;
mod options;
mod result;

pub use classify::*;
use kernels::*;
pub use options::*;
pub use result::*;

/// Gain-weighted overlap matrix at zero means, M_kl = Σ_p α_p ψ_p σ^{(p)}_{n^k m^l} (docs/theory §1.9;
/// \[CB\]: diag_{(μν)}(ψ^ν) T̂), whose eigenvalues are the zero-current outliers; with the
/// instantaneous gains ψ(t) of a DMFT run it is the Fig. 6 diagnostic (§3.9).
pub fn gain_weighted_overlap(mf: &MeanField, gains: &[f64]) -> DMatrix<f64> {
    let k = mf.k;
    let zeros_v = vec![0.0; mf.a];
    let mut e = vec![0.0; k];
    let mut m = DMatrix::zeros(k, k);
    for l in 0..k {
        e[l] = 1.0;
        for kk in 0..k {
            m[(kk, l)] = (0..mf.p)
                .map(|p| mf.alpha[p] * gains[p] * mf.cov_n(p, kk, &e, &zeros_v))
                .sum();
        }
        e[l] = 0.0;
    }
    m
}

/// Eigenvalues [Re, Im] of [`gain_weighted_overlap`], largest real part first.
pub fn instantaneous_spectrum(mf: &MeanField, gains: &[f64]) -> Result<Vec<[f64; 2]>, TheoryError> {
    crate::currents::eigenvalues(&gain_weighted_overlap(mf, gains))
}

use lowrank_gauss::dispatch_simd;

pub mod frequency;
mod kernels;
mod mehler_source;

/// Run the two-time DMFT of `model` (docs/theory §1.8, §3.11). Inputs follow the model's schedules
/// (deterministic part); the filtered inputs obey v̇ = −v + u with v(0) = u(0).
///
/// Errors: invalid options (dt ≤ 0, N_t < 2, wrong lengths, negative Δ00), a non-finite state
/// (the run diverged), or a Gaussian-integral failure.
///
/// ```
/// use lowrank_gauss::{Gauss, Phi};
/// use lowrank_model::{LoadingStats, Model, ModelParts, Population};
/// use lowrank_theory::dmft::{run, DmftOptions};
/// use nalgebra::{DMatrix, DVector};
/// // one population, no structure, g = 1.5: classical chaos
/// let model = Model::new(ModelParts { name: "chaos".into(),
///     populations: vec![Population { name: "1".into(), weight: 1.0 }],
///     gain: DMatrix::from_element(1, 1, 1.5), vectors: vec![],
///     stats: vec![LoadingStats { mean: DVector::zeros(0), cov: DMatrix::zeros(0, 0) }],
///     terms: vec![], inputs: vec![], readouts: vec![], nonlinearity: Phi::Erf }).unwrap();
/// let res = run(&model, Gauss::new(32), &DmftOptions { nt: 1200, dt: 0.1, ..Default::default() }).unwrap();
/// let d0 = res.delta_at(res.nt - 1)[0];
/// assert!((d0 - 0.8388).abs() < 0.05); // pure-chaos Δ0 (potential method) up to O(dt)
/// ```
pub fn run(model: &Model, gauss: Gauss, opts: &DmftOptions) -> Result<DmftResult, TheoryError> {
    run_impl(model, gauss, opts, true, false)
}

/// [`run`] with the zero-mean erf fast path ([`erf_zero_mean_column`]) allowed or not (`fast =
/// false` evaluates every source through [`Kernel::eval`], for the equivalence tests), and with
/// `direct_source` the source of [`SourceMethod::Auto`] taken from `Gauss::c_phi` for every pair
/// (accuracy-controlled quadrature for a φ without closed form: the tests' reference for the
/// Mehler source).
fn run_impl(
    model: &Model,
    gauss: Gauss,
    opts: &DmftOptions,
    fast: bool,
    direct_source: bool,
) -> Result<DmftResult, TheoryError> {
    let mf = MeanField::new(model, gauss);
    let dt = opts.dt;
    if !(dt > 0.0 && dt < 1.0) {
        return Err(TheoryError::InvalidParameter {
            name: "dt".into(),
            value: dt,
            reason: "must lie in (0, 1)".into(),
        });
    }
    let nt = opts.nt;
    if nt < 2 {
        return Err(TheoryError::InvalidParameter {
            name: "nt".into(),
            value: nt as f64,
            reason: "need at least 2 grid points".into(),
        });
    }
    let (np, nk, na) = (mf.p, mf.k, mf.a);
    let band = opts.band.unwrap_or(nt).min(nt);
    if band < 1 {
        return Err(TheoryError::InvalidParameter {
            name: "band".into(),
            value: 0.0,
            reason: "must be ≥ 1".into(),
        });
    }
    let t0 = opts.t0.unwrap_or(nt / 3);
    if t0 >= nt {
        return Err(TheoryError::InvalidParameter {
            name: "t0".into(),
            value: t0 as f64,
            reason: format!("must be < nt = {nt}"),
        });
    }
    let kernel = match (opts.source, mf.phi) {
        (SourceMethod::Auto, phi) if phi.closed_form_source() || direct_source => {
            Kernel::Closed(mf.gauss, phi)
        }
        (SourceMethod::Auto, phi) => Kernel::Mehler(mf.gauss, phi),
        (SourceMethod::Quadrature { order }, phi) => {
            if order < 2 {
                return Err(TheoryError::InvalidParameter {
                    name: "source.order".into(),
                    value: order as f64,
                    reason: "need ≥ 2 nodes".into(),
                });
            }
            Kernel::Quadrature(Gauss::new(order), phi)
        }
    };
    let coupling = mf.coupling.clone();
    let diagonal = mf.diagonal_disorder();

    // ---- initial state
    let s0 = match &opts.s0 {
        Some(s) => {
            if s.len() != nk {
                return Err(TheoryError::InvalidParameter {
                    name: "s0".into(),
                    value: s.len() as f64,
                    reason: format!("need {nk} currents"),
                });
            }
            if let Some((i, &x)) = s.iter().enumerate().find(|(_, x)| !x.is_finite()) {
                return Err(TheoryError::InvalidParameter {
                    name: format!("s0[{i}]"),
                    value: x,
                    reason: "must be finite".into(),
                });
            }
            s.clone()
        }
        None => {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(opts.seed);
            (0..nk).map(|_| rng.random::<f64>()).collect()
        }
    };
    let u_at = |t: f64, out: &mut [f64]| {
        for (o, inp) in out.iter_mut().zip(model.inputs()) {
            *o = inp.schedule.value(t);
        }
    };
    let mut u_cur = vec![0.0; na];
    u_at(0.0, &mut u_cur);
    let mut v_cur = u_cur.clone();
    let delta00: Vec<f64> = match &opts.delta00 {
        Some(d) => {
            if d.len() != np {
                return Err(TheoryError::InvalidParameter {
                    name: "delta00".into(),
                    value: d.len() as f64,
                    reason: format!("need {np} values"),
                });
            }
            if let Some((i, &x)) = d
                .iter()
                .enumerate()
                .find(|(_, x)| !(**x >= 0.0 && x.is_finite()))
            {
                return Err(TheoryError::InvalidParameter {
                    name: format!("delta00[{i}]"),
                    value: x,
                    reason: "must be finite and ≥ 0".into(),
                });
            }
            d.clone()
        }
        None if opts.reference_ordering => vec![coupling[(0, 0)]; np],
        None => (0..np)
            .map(|p| {
                (0..np).map(|q| coupling[(p, q)]).sum::<f64>()
                    + mf.structured_variance(p, &s0, &v_cur).max(0.0)
            })
            .collect(),
    };

    // ---- storage
    let factor = StructuredFactor::new(&mf);
    let ranks: Vec<usize> = (0..np).map(|p| factor.rank(p)).collect();
    // y[p][j*r + r'] = v_r·w_j ; yl[p][r'*nt + j] = λ_r y (structure of arrays: contiguous in time)
    let mut y: Vec<Vec<f64>> = ranks.iter().map(|&r| vec![0.0; nt * r]).collect();
    let mut yl: Vec<Vec<f64>> = ranks.iter().map(|&r| vec![0.0; nt * r]).collect();
    let mut currents = vec![0.0; nt * nk];
    let mut drives = vec![0.0; nt * nk];
    let mut gains = vec![0.0; nt * np];
    let mut means = vec![0.0; nt * np];
    let mut diag = vec![0.0; nt * np]; // [j*P + p]
    let row_len = (nt - t0).min(band + 1);
    let mut row = vec![0.0; np * row_len];
    let lagw = band + 1;
    let mut dprev = vec![0.0; np * lagw];
    let mut gprev = vec![0.0; np * lagw];
    let mut dcur = vec![0.0; np * lagw];
    let mut gcur = vec![0.0; np * lagw];
    let mut moments = vec![(0.0, 0.0); np];
    let mut mu = vec![0.0; np];
    let mut dvec = vec![0.0; np];
    let mut phi_mean = vec![0.0; np];
    let mut gain = vec![0.0; np];
    let mut w = vec![0.0; nk + na];
    let mut s_cur = s0.clone();
    let mut s_next = vec![0.0; nk];
    let mut kappa = vec![0.0; nk];
    // per population, contiguous in time: q = Δ_ii + 2/π and √Δ_ii (zero-mean erf fast path)
    let mut qt = vec![0.0; np * nt];
    let mut sdt = vec![0.0; np * nt];
    // per column: kernel values C_q at each lag, and the source of each population
    let mut cbuf = vec![0.0; np * lagw];
    let mut srcbuf = vec![0.0; np * lagw];
    // last grid index with a nonzero mean μ_q (the closed-form zero-mean path needs μ = 0 on the
    // whole column)
    let mut last_nonzero_mean: Vec<Option<usize>> = vec![None; np];
    let needed: Vec<bool> = (0..np)
        .map(|q| (0..np).any(|p| coupling[(p, q)] != 0.0))
        .collect();
    // the branch-free arcsine column is specific to the plain erf (its zero-mean C_φ)
    let erf_kernel = matches!(kernel, Kernel::Closed(_, phi) if phi == Phi::Erf);
    // the reference ordering evaluates the zero-mean erf source at the raw Δ_ij (no
    // Cauchy–Schwarz clamp), as the reference implementation does
    let raw_erf = opts.reference_ordering && erf_kernel;
    // Mehler source: coefficient sets of the last `lagw` (at most N_t) times per needed
    // population, [`mehler_source::VALUES_PER_TIME`] values each
    let mut mehler = match kernel {
        Kernel::Mehler(g, phi) => Some(mehler_source::MehlerSource::new(
            phi,
            g,
            &needed,
            lagw.min(nt),
            lagw,
        )),
        _ => None,
    };
    // per population: the (G_pq, q) with G_pq ≠ 0 entering its source (only q = p when the
    // coupling is diagonal)
    let source_terms: Vec<Vec<(f64, usize)>> = (0..np)
        .map(|p| {
            (0..np)
                .filter(|&q| coupling[(p, q)] != 0.0 && (!diagonal || q == p))
                .map(|q| (coupling[(p, q)], q))
                .collect()
        })
        .collect();

    // state at j: moments at (μ(S_j, v_j), Δ_{j−1,j−1}) → gains; drive
    let eval_moments = |s: &[f64],
                        v: &[f64],
                        dd: &[f64],
                        mu: &mut [f64],
                        moments: &mut [(f64, f64)]|
     -> Result<(), TheoryError> {
        for p in 0..np {
            mu[p] = mf.mean(p, s, v);
            moments[p] = mean_and_gain(&mf.gauss, mf.phi, mu[p], dd[p])?;
        }
        Ok(())
    };
    let store_factor = |j: usize,
                        kap: &[f64],
                        u: &[f64],
                        w: &mut [f64],
                        y: &mut [Vec<f64>],
                        yl: &mut [Vec<f64>]| {
        w[..nk].copy_from_slice(kap);
        w[nk..].copy_from_slice(u);
        for p in 0..np {
            let r = ranks[p];
            for (rr, (vec, lam)) in factor.vecs[p].iter().zip(&factor.vals[p]).enumerate() {
                let proj: f64 = vec.iter().zip(w.iter()).map(|(a, b)| a * b).sum();
                y[p][j * r + rr] = proj;
                yl[p][rr * nt + j] = lam * proj;
            }
        }
    };

    // j = 0
    eval_moments(&s_cur, &v_cur, &delta00, &mut mu, &mut moments)?;
    for p in 0..np {
        phi_mean[p] = moments[p].0;
        gain[p] = moments[p].1;
        diag[p] = delta00[p];
        gains[p] = gain[p];
        means[p] = mu[p];
        dprev[p * lagw] = delta00[p];
        gprev[p * lagw] = 0.0;
        qt[p * nt] = delta00[p] + FRAC_2_PI;
        sdt[p * nt] = delta00[p].sqrt();
        if mu[p] != 0.0 {
            last_nonzero_mean[p] = Some(0);
        }
    }
    if let Some(ms) = mehler.as_mut() {
        for q in 0..np {
            ms.store_final(q, 0, mu[q], delta00[q])?;
        }
    }
    if opts.reference_ordering {
        // the reference implementation starts from ψ_0 = 0 and H_0 = 0 (not from S_0), so
        // S_1 = (1 − dt)S_0 and H_1 = 0
        phi_mean.fill(0.0);
        gain.fill(0.0);
        gains[..np].fill(0.0);
        kappa.fill(0.0);
    } else {
        mf.drive(&s_cur, &v_cur, &phi_mean, &gain, &mut kappa);
    }
    currents[..nk].copy_from_slice(&s_cur);
    drives[..nk].copy_from_slice(&kappa);
    store_factor(0, &kappa, &u_cur, &mut w, &mut y, &mut yl);
    // Γ_{0,j} = (1 + ∂_{t′})Δ(0, t′): with x(0) = Σ m S0 + Σ I v0 + h(0), h(0) independent of the
    // rest, Γ_{0,j} = 𝒜_p(S0, v0; κ_j, u_j) = Σ_r λ_r (v_r·w0)(v_r·w_j), w0 = (S0, v0); the reference
    // ordering uses Γ_{0,j} = 0.
    let gamma0_factor: Vec<Vec<f64>> = (0..np)
        .map(|p| {
            factor.vecs[p]
                .iter()
                .zip(&factor.vals[p])
                .map(|(vec, lam)| {
                    if opts.reference_ordering {
                        0.0
                    } else {
                        lam * (vec[..nk].iter().zip(&s0).map(|(a, b)| a * b).sum::<f64>()
                            + vec[nk..]
                                .iter()
                                .zip(&v_cur)
                                .map(|(a, b)| a * b)
                                .sum::<f64>())
                    }
                })
                .collect()
        })
        .collect();
    if t0 == 0 {
        for p in 0..np {
            row[p * row_len] = delta00[p];
        }
    }
    let mut matrix = if opts.keep_matrix {
        let len = np
            .checked_mul(nt)
            .and_then(|x| x.checked_mul(nt))
            .ok_or_else(|| TheoryError::InvalidParameter {
                name: "keep_matrix".into(),
                value: nt as f64,
                reason: "P·N_t² overflows".into(),
            })?;
        // a failed allocation is an error, not an abort (the size comes from the caller's N_t)
        let mut m = Vec::new();
        m.try_reserve_exact(len)
            .map_err(|_| TheoryError::InvalidParameter {
                name: "keep_matrix".into(),
                value: matrix_memory(np, nt),
                reason: "the two-time matrix (8·P·N_t² bytes) cannot be allocated".into(),
            })?;
        m.resize(len, f64::NAN);
        for p in 0..np {
            m[p * nt * nt] = delta00[p];
        }
        Some(m)
    } else {
        None
    };

    let a = 1.0 - dt;
    let mut clipped = 0usize;
    let mut var_scale: Vec<f64> = delta00.iter().map(|d| d.max(1e-300)).collect();
    for j in 1..nt {
        if opts.interrupt.is_raised() {
            return Err(TheoryError::Interrupted {
                what: "the two-time DMFT".into(),
                step: j,
            });
        }
        // filtered inputs and currents (forward Euler from j − 1)
        for (vv, uu) in v_cur.iter_mut().zip(&u_cur) {
            *vv = a * *vv + dt * uu;
        }
        for c in 0..nk {
            s_next[c] = a * s_cur[c] + dt * drives[(j - 1) * nk + c];
        }
        u_at(j as f64 * dt, &mut u_cur);
        for p in 0..np {
            dvec[p] = diag[(j - 1) * np + p];
        }
        eval_moments(&s_next, &v_cur, &dvec, &mut mu, &mut moments)?;
        if opts.reference_ordering {
            // H_j from ψ_{j−1}, S_{j−1} (the reference lag order)
            mf.drive(&s_cur, &v_cur, &phi_mean, &gain, &mut kappa);
            for p in 0..np {
                phi_mean[p] = moments[p].0;
                gain[p] = moments[p].1;
            }
        } else {
            for p in 0..np {
                phi_mean[p] = moments[p].0;
                gain[p] = moments[p].1;
            }
            mf.drive(&s_next, &v_cur, &phi_mean, &gain, &mut kappa);
        }
        std::mem::swap(&mut s_cur, &mut s_next);
        if s_cur.iter().chain(kappa.iter()).any(|x| !x.is_finite()) {
            return Err(TheoryError::NotConverged {
                what: "two-time DMFT (the currents)".into(),
                convergence: Convergence::stopped(f64::INFINITY, j, Termination::Diverged),
            });
        }
        currents[j * nk..(j + 1) * nk].copy_from_slice(&s_cur);
        drives[j * nk..(j + 1) * nk].copy_from_slice(&kappa);
        for p in 0..np {
            gains[j * np + p] = gain[p];
            means[j * np + p] = mu[p];
            // provisional Δ_jj
            diag[j * np + p] = dvec[p];
            qt[p * nt + j] = dvec[p] + FRAC_2_PI;
            sdt[p * nt + j] = dvec[p].sqrt();
            if mu[p] != 0.0 {
                last_nonzero_mean[p] = Some(j);
            }
        }
        store_factor(j, &kappa, &u_cur, &mut w, &mut y, &mut yl);

        // Δ column update for lags l = 1..=lmax from the previous column
        let lmax = j.min(band);
        for p in 0..np {
            let (dp, gp) = (
                &dprev[p * lagw..(p + 1) * lagw],
                &gprev[p * lagw..(p + 1) * lagw],
            );
            let dc = &mut dcur[p * lagw..(p + 1) * lagw];
            for ((d, &pd), &pg) in dc[1..=lmax].iter_mut().zip(&dp[..lmax]).zip(&gp[..lmax]) {
                *d = a * pd + dt * pg;
            }
            dc[0] = dvec[p];
        }
        // Γ sweep along i = j − l, l from lstart down to 0
        let lstart = if j <= band { j - 1 } else { band };
        let n = lstart + 1;
        let ilo = j - lstart;
        // kernel values C_q(t_i, t_j) in time order, c[k] at i = ilo + k (lag l = j − i)
        let fill_kernel = |q: usize, c: &mut [f64]| -> Result<(), TheoryError> {
            let dc = &dcur[q * lagw..q * lagw + n];
            let zero_mean = mu[q] == 0.0 && last_nonzero_mean[q].is_none_or(|t| t < ilo);
            if fast && erf_kernel && zero_mean {
                let col = q * nt + ilo..q * nt + j + 1;
                erf_zero_mean_column(
                    c,
                    dc,
                    &qt[col.clone()],
                    &sdt[col],
                    qt[q * nt + j],
                    sdt[q * nt + j],
                    !raw_erf,
                );
            } else {
                let djj = diag[j * np + q];
                for (k, (cl, &d)) in c.iter_mut().zip(dc.iter().rev()).enumerate() {
                    let i = ilo + k;
                    let mi = means[i * np + q];
                    *cl = if raw_erf && mi == 0.0 && mu[q] == 0.0 {
                        // arctan form with the clipped square root: defined for any Δ_ij
                        lowrank_gauss::erf::c_phi(0.0, 0.0, diag[i * np + q], djj, d)
                    } else {
                        kernel.eval(mi, mu[q], diag[i * np + q], djj, d)?
                    };
                }
            }
            Ok(())
        };
        // source of population p in time order, src[k] at i = ilo + k: Σ_q G_pq C_q over
        // `terms` = (G_pq, column of `cb` at stride `stride`), + 𝒜_p; then the Γ sweep into gc
        let source_and_sweep = |p: usize,
                                cb: &[f64],
                                stride: usize,
                                terms: &[(f64, usize)],
                                src: &mut [f64],
                                gc: &mut [f64]| {
            let src = &mut src[..n];
            match terms.split_first() {
                Some((&(g0, q0), rest)) => {
                    for (sl, &cl) in src.iter_mut().zip(&cb[q0 * stride..q0 * stride + n]) {
                        *sl = g0 * cl;
                    }
                    for &(gpq, q) in rest {
                        for (sl, &cl) in src.iter_mut().zip(&cb[q * stride..q * stride + n]) {
                            *sl += gpq * cl;
                        }
                    }
                }
                None => src.fill(0.0),
            }
            // + 𝒜_p(t_i, t_j) = Σ_r λ_r y_r(t_i) y_r(t_j)
            let r = ranks[p];
            let yj = &y[p][j * r..(j + 1) * r];
            add_structured(src, &yl[p], nt, ilo, yj);
            let g_start = if j <= band {
                let g0: f64 = gamma0_factor[p].iter().zip(yj).map(|(a, b)| a * b).sum();
                gc[j] = g0; // Γ_{0,j} (initial condition)
                g0
            } else {
                gprev[p * lagw + band]
            };
            gamma_sweep(src, &mut gc[..n], g_start, a, dt);
        };
        for q in (0..np).filter(|&q| needed[q]) {
            let c = &mut cbuf[q * lagw..q * lagw + n];
            match mehler.as_mut() {
                Some(ms) => {
                    // time j: μ(t_j) and the provisional Δ_jj; times i < j: the final sets
                    let djj = diag[j * np + q];
                    ms.store_provisional(q, j, mu[q], djj)?;
                    let dc = &dcur[q * lagw..q * lagw + n];
                    ms.column(q, c, dc, ilo, &means, &diag, np, mu[q], djj)?;
                }
                None => fill_kernel(q, c)?,
            }
        }
        for (p, (src, gc)) in srcbuf
            .chunks_mut(lagw)
            .zip(gcur.chunks_mut(lagw))
            .enumerate()
        {
            source_and_sweep(p, &cbuf, lagw, &source_terms[p], src, gc);
        }
        // final Δ_jj from Δ_{j−1,j} and Γ_{j−1,j}
        for p in 0..np {
            let base = p * lagw;
            let mut djj = a * dcur[base + 1] + dt * gcur[base + 1];
            if djj < 0.0 && djj > -dt * var_scale[p] {
                // the true variance touched 0 (e.g. g = 0 and a current through zero); the O(dt)
                // Euler error overshot: record and set to the bound
                djj = 0.0;
                clipped += 1;
            }
            if !(djj.is_finite() && djj >= 0.0) {
                return Err(TheoryError::NotConverged {
                    what: format!(
                        "two-time DMFT (the variance of population {p} became {djj}; dt too \
                         large?)"
                    ),
                    convergence: Convergence::stopped(djj, j, Termination::Diverged),
                });
            }
            dcur[base] = djj;
            diag[j * np + p] = djj;
            if let Some(ms) = mehler.as_mut() {
                ms.store_final(p, j, mu[p], djj)?;
            }
            qt[p * nt + j] = djj + FRAC_2_PI;
            sdt[p * nt + j] = djj.sqrt();
            var_scale[p] = var_scale[p].max(djj);
            if j >= t0 && j - t0 <= lmax && j - t0 < row_len {
                row[p * row_len + (j - t0)] = dcur[base + (j - t0)];
            }
        }
        if let Some(m) = matrix.as_mut() {
            // column j holds Δ(t_j, t_{j−l}) at lag l
            for p in 0..np {
                for l in 0..=j.min(band) {
                    let v = dcur[p * lagw + l];
                    m[(p * nt + j) * nt + j - l] = v;
                    m[(p * nt + j - l) * nt + j] = v;
                }
            }
        }
        std::mem::swap(&mut dprev, &mut dcur);
        std::mem::swap(&mut gprev, &mut gcur);
    }
    let lags = (nt - 1).min(band) + 1;
    let mut last_column = vec![0.0; np * lags];
    for p in 0..np {
        last_column[p * lags..(p + 1) * lags].copy_from_slice(&dprev[p * lagw..p * lagw + lags]);
    }
    Ok(DmftResult {
        dt,
        nt,
        k: nk,
        p: np,
        currents,
        drives,
        gains,
        means,
        delta_diag: diag,
        t0,
        row,
        row_len,
        matrix,
        last_column,
        lags,
        clipped_variances: clipped,
        source_pairs: mehler.as_ref().map_or(0, |m| m.pairs),
        source_fallbacks: mehler.as_ref().map_or(0, |m| m.fallbacks),
        classifier: opts.classifier,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lowrank_model::builder::ModelBuilder;
    use lowrank_model::cb2025::Multiregion;
    use rand::Rng;

    /// max |a − b| / max |a| over a series.
    fn max_rel(a: &[f64], b: &[f64]) -> f64 {
        assert_eq!(a.len(), b.len());
        let scale = a.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-300);
        a.iter()
            .zip(b)
            .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
            / scale
    }

    /// The fast path (zero-mean erf closed form through the branch-free arctan, regrouped Γ
    /// recursion) and the general per-element path agree to round-off: every source value
    /// differs by ≤ a few ε, so after N_t ≤ 400 Euler steps of a contracting recursion the
    /// trajectories differ by ≤ N_t·few ε·(growth) ≪ 1e−12 (relative to the largest value).
    fn assert_fast_matches_general(model: &Model, opts: &DmftOptions) {
        let fast = run_impl(model, Gauss::new(16), opts, true, false).unwrap();
        let general = run_impl(model, Gauss::new(16), opts, false, false).unwrap();
        for (name, x, y) in [
            ("delta_diag", &fast.delta_diag, &general.delta_diag),
            ("last_column", &fast.last_column, &general.last_column),
            ("row", &fast.row, &general.row),
            ("currents", &fast.currents, &general.currents),
            ("gains", &fast.gains, &general.gains),
        ] {
            let e = max_rel(y, x);
            assert!(e <= 1e-12, "{name}: fast vs general differ by {e:e}");
        }
        assert_eq!(fast.classes(), general.classes());
    }

    fn cb_model(r: usize, seed: u64) -> Model {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let t: Vec<f64> = (0..r * r * r)
            .map(|_| 2.0 * (rng.random::<f64>() - 0.5) * 3.0 / (r as f64).sqrt())
            .collect();
        Multiregion::new(r, vec![1.2; r], t).build().unwrap().model
    }

    #[test]
    fn fast_path_matches_general_path_all_lags() {
        let model = cb_model(3, 1);
        let opts = DmftOptions {
            dt: 0.05,
            nt: 400,
            ..Default::default()
        };
        assert_fast_matches_general(&model, &opts);
    }

    /// A longer run (N_t = 1500, all lags): round-off differences do not grow beyond 1e−12.
    #[test]
    fn fast_path_matches_general_path_long_run() {
        let model = cb_model(3, 3);
        let nt = 1500;
        let opts = DmftOptions {
            dt: 0.05,
            nt,
            ..Default::default()
        };
        assert_fast_matches_general(&model, &opts);
    }

    #[test]
    fn fast_path_matches_general_path_banded_reference_ordering() {
        let model = cb_model(2, 2);
        let opts = DmftOptions {
            dt: 0.05,
            nt: 300,
            band: Some(37),
            reference_ordering: true,
            t0: Some(50),
            ..Default::default()
        };
        assert_fast_matches_general(&model, &opts);
    }

    /// Two populations with cross couplings (non-diagonal G); population A has nonzero means
    /// (general closed form), B zero means (fast path) — both kinds in one column sum.
    #[test]
    fn fast_path_matches_general_path_with_means_and_cross_coupling() {
        let mut b = ModelBuilder::new("mixed", Phi::Erf);
        b.population("A", 0.5).population("B", 0.5);
        b.gain("A", "A", 1.1)
            .gain("A", "B", 0.6)
            .gain("B", "A", 0.9)
            .gain("B", "B", 1.4);
        b.basis("m", 1.0).basis("n", 1.0);
        b.mean("m", "A", 0.8).mean("n", "A", 1.5);
        b.term("1", "m", "n");
        let model = b.build().unwrap();
        let opts = DmftOptions {
            dt: 0.1,
            nt: 150,
            s0: Some(vec![0.4]),
            ..Default::default()
        };
        let res = run(&model, Gauss::new(16), &opts).unwrap();
        assert!(res.means.iter().step_by(2).any(|m| m.abs() > 0.1));
        assert!(res.means.iter().skip(1).step_by(2).all(|&m| m == 0.0));
        assert_fast_matches_general(&model, &opts);
    }

    /// Largest |difference| of Δ(t, s) (equal-time variances, last column, classification row)
    /// and of the currents between the Mehler source ([`SourceMethod::Auto`]) and the
    /// accuracy-controlled `Gauss::c_phi` for every pair, with the Mehler run.
    fn mehler_vs_direct(model: &Model, opts: &DmftOptions) -> (f64, DmftResult) {
        let mehler = run_impl(model, Gauss::new(32), opts, true, false).unwrap();
        let direct = run_impl(model, Gauss::new(32), opts, true, true).unwrap();
        assert_eq!(direct.source_pairs, 0);
        let maxdiff = |a: &[f64], b: &[f64]| {
            assert_eq!(a.len(), b.len());
            a.iter()
                .zip(b)
                .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        };
        let d = [
            maxdiff(&mehler.delta_diag, &direct.delta_diag),
            maxdiff(&mehler.last_column, &direct.last_column),
            maxdiff(&mehler.row, &direct.row),
            maxdiff(&mehler.currents, &direct.currents),
        ]
        .into_iter()
        .fold(0.0, f64::max);
        (d, mehler)
    }

    /// Two populations with cross couplings, means in population A only (non-odd coefficient
    /// sets there, odd ones in B), nonlinearity `phi`.
    fn mixed_model(phi: Phi) -> Model {
        let mut b = ModelBuilder::new("mixed", phi);
        b.population("A", 0.5).population("B", 0.5);
        b.gain("A", "A", 1.1)
            .gain("A", "B", 0.6)
            .gain("B", "A", 0.9)
            .gain("B", "B", 1.4);
        b.basis("m", 1.0).basis("n", 1.0);
        b.mean("m", "A", 0.8).mean("n", "A", 1.5);
        b.term("1", "m", "n");
        b.build().unwrap()
    }

    /// tanh and sigmoid through the Mehler source agree with per-pair accuracy-controlled
    /// quadrature to ≤ 1e−8 in Δ(t, s): the [CB] R = 2 model (zero means, all lags) and the mixed
    /// model with means and cross couplings under a band and the reference ordering (the ring of
    /// coefficient sets wraps).
    #[test]
    fn dmft_mehler_source_matches_direct_quadrature_smooth() {
        let cb = cb_model(2, 2).with_nonlinearity(Phi::Tanh);
        let all = DmftOptions {
            dt: 0.1,
            nt: 120,
            ..Default::default()
        };
        let (d, res) = mehler_vs_direct(&cb, &all);
        eprintln!(
            "tanh R = 2: max |ΔΔ| = {d:e}, {} of {} pairs by quadrature",
            res.source_fallbacks, res.source_pairs
        );
        assert!(d <= 1e-8, "tanh R = 2: Mehler vs direct {d:e}");
        // columns j = 1..N_t − 1 hold the pairs i = 1..j − 1 off the diagonal (i = 0 enters
        // through Γ_{0,j}), for each of the two populations
        assert_eq!(res.source_pairs, 2 * 118 * 119 / 2);
        for phi in [Phi::Tanh, Phi::Sigmoid] {
            let model = mixed_model(phi);
            let banded = DmftOptions {
                dt: 0.1,
                nt: 110,
                s0: Some(vec![0.4]),
                band: Some(23),
                reference_ordering: true,
                t0: Some(30),
                ..Default::default()
            };
            let (d, res) = mehler_vs_direct(&model, &banded);
            eprintln!(
                "{phi} mixed, banded: max |ΔΔ| = {d:e}, {} of {} pairs by quadrature",
                res.source_fallbacks, res.source_pairs
            );
            assert!(res.means.iter().step_by(2).any(|m| m.abs() > 0.1));
            assert!(d <= 1e-8, "{phi} mixed banded: Mehler vs direct {d:e}");
        }
    }

    /// Kinked φ without a closed-form source (rect-tanh, plain and shifted; with means): slowly
    /// decaying coefficients (pairs near the diagonal may fall back to quadrature); the runs
    /// still agree with the direct ones to ≤ 1e−8. (relu and hard-tanh use their exact C_φ.)
    #[test]
    fn dmft_mehler_source_matches_direct_quadrature_kinked() {
        let shifted = Phi::RectTanh.affine(1.0, 0.3, 1.0, 0.0).unwrap();
        for (phi, nt) in [(Phi::RectTanh, 80), (shifted, 50)] {
            let model = mixed_model(phi);
            let opts = DmftOptions {
                dt: 0.1,
                nt,
                s0: Some(vec![0.4]),
                ..Default::default()
            };
            let (d, res) = mehler_vs_direct(&model, &opts);
            eprintln!(
                "{phi}: max |ΔΔ| = {d:e}, {} of {} pairs by quadrature",
                res.source_fallbacks, res.source_pairs
            );
            assert!(d <= 1e-8, "{phi}: Mehler vs direct {d:e}");
            // the Mehler sums carried most pairs (near-diagonal ones may fall back)
            assert!(res.source_pairs > 0 && res.source_fallbacks < res.source_pairs);
        }
    }

    /// A variance beyond the range of the Mehler source is a typed error at once (not a run of
    /// unbounded cost); the tensor cross-check still runs.
    #[test]
    fn dmft_mehler_source_refuses_unresolvable_variance() {
        let model = cb_model(1, 4).with_nonlinearity(Phi::Tanh);
        let opts = DmftOptions {
            dt: 0.1,
            nt: 20,
            delta00: Some(vec![1e6]),
            ..Default::default()
        };
        match run(&model, Gauss::new(16), &opts) {
            Err(TheoryError::NotConverged { convergence, .. }) => {
                assert_eq!(convergence.iterations, 0);
                assert_eq!(convergence.termination, Termination::InterpolationLimit);
            }
            other => panic!("expected NotConverged, got {other:?}"),
        }
        let quad = DmftOptions {
            source: SourceMethod::Quadrature { order: 8 },
            ..opts
        };
        assert!(run(&model, Gauss::new(16), &quad).is_ok());
    }

    /// The regrouped Γ recursion equals the serial one g_k = a g_{k−1} + dt s_k to round-off.
    #[test]
    fn gamma_sweep_matches_serial_recursion() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for n in (0..70).chain([200, 1001]) {
            let s: Vec<f64> = (0..n).map(|_| rng.random::<f64>() - 0.5).collect();
            let (a, dt) = (0.95, 0.05);
            let start = rng.random::<f64>();
            let mut out = vec![f64::NAN; n + 3];
            let mut s_work = s.clone();
            gamma_sweep(&mut s_work, &mut out, start, a, dt);
            let mut g = start;
            for k in 0..n {
                g = a * g + dt * s[k];
                let got = out[n - 1 - k];
                assert!(
                    (got - g).abs() <= 1e-15 * (1.0 + g.abs()),
                    "n={n} k={k}: {got} vs {g}"
                );
            }
            assert!(out[n..].iter().all(|x| x.is_nan()), "wrote past n");
        }
    }

    /// The reference ordering's first steps, in closed form: ψ_0 = H_0 = 0, so S_1 = (1 − dt)S_0
    /// and H_1 = 0; S_2 = (1 − dt)S_1; ψ_1 = Ψ(Δ00) with Δ00 = g_1² in every region
    /// (Ψ(Δ) = 1/√(1 + πΔ/2) for the erf). The default ordering has H_0 ≠ 0.
    #[test]
    fn reference_ordering_starts_from_zero_gain_and_drive() {
        let model = Multiregion::new(
            2,
            vec![0.7, 1.3],
            vec![0.9, -1.1, 0.4, 2.0, -0.3, 1.7, 0.6, -1.4],
        )
        .build()
        .unwrap()
        .model;
        let s0 = vec![0.1, -0.2, 0.3, 0.4];
        let dt = 0.05;
        let opts = DmftOptions {
            dt,
            nt: 10,
            s0: Some(s0.clone()),
            reference_ordering: true,
            ..Default::default()
        };
        let r = run(&model, Gauss::new(16), &opts).unwrap();
        let psi = |d: f64| 1.0 / (1.0 + std::f64::consts::PI * d / 2.0).sqrt();
        for (k, &s) in s0.iter().enumerate() {
            assert_eq!(r.currents_at(0)[k], s);
            assert!((r.currents_at(1)[k] - (1.0 - dt) * s).abs() < 1e-15);
            assert!((r.currents_at(2)[k] - (1.0 - dt).powi(2) * s).abs() < 1e-15);
            assert_eq!(r.drives[k], 0.0);
            assert_eq!(r.drives[4 + k], 0.0);
        }
        assert_eq!(r.gains_at(0), &[0.0, 0.0]);
        for p in 0..2 {
            assert_eq!(r.delta_at(0)[p], 0.7 * 0.7);
            assert!((r.gains_at(1)[p] - psi(0.7 * 0.7)).abs() < 1e-15);
        }
        let default = run(
            &model,
            Gauss::new(16),
            &DmftOptions {
                reference_ordering: false,
                ..opts
            },
        )
        .unwrap();
        assert!(default.drives[..4].iter().any(|&h| h.abs() > 1e-3));
    }

    /// The two classifiers on the cases where they differ (docs/theory §3.11).
    #[test]
    fn reference_classifier_differences() {
        // a monotone decay: chaos by default, invalid for the reference rules
        let decay: Vec<f64> = (0..1000).map(|i| (-(i as f64) * 0.02).exp()).collect();
        assert_eq!(classify_autocorrelation(&decay), DynamicsClass::Chaos);
        assert_eq!(
            classify_autocorrelation_reference(&decay),
            DynamicsClass::Invalid
        );
        // the same decay with a ripple of 1e−9 on its tail: the ripple is a peak for the
        // reference rules only
        let mut rippled = decay.clone();
        rippled[900] = rippled[899] + 1e-9;
        assert_eq!(classify_autocorrelation(&rippled), DynamicsClass::Chaos);
        assert_ne!(
            classify_autocorrelation_reference(&rippled),
            DynamicsClass::Invalid
        );
        // identical on a clean oscillation and on a flat state
        let cos: Vec<f64> = (0..2000).map(|i| (i as f64 * 0.05).cos()).collect();
        for c in [Classifier::Default, Classifier::Reference] {
            assert_eq!(c.classify(&cos), DynamicsClass::LimitCycle);
            assert_eq!(c.classify(&[0.5; 50]), DynamicsClass::FixedPoint);
        }
    }

    /// The vectorised zero-mean column equals the erf closed-form kernel (i.e. `erf::c_phi` with the clamp
    /// to the Cauchy–Schwarz bound) element by element to a few ε, including Δ_ij beyond
    /// ±√(Δ_ii Δ_jj).
    #[test]
    fn erf_zero_mean_column_matches_closed_form() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let n = 517;
        let dii: Vec<f64> = (0..n).map(|_| 5.0 * rng.random::<f64>().powi(2)).collect();
        let djj = 1.7;
        let dc: Vec<f64> = (0..n)
            .map(|l| {
                let lim = (dii[n - 1 - l] * djj).sqrt();
                lim * 2.4 * (rng.random::<f64>() - 0.5)
            })
            .collect();
        let q: Vec<f64> = dii.iter().map(|d| d + FRAC_2_PI).collect();
        let sd: Vec<f64> = dii.iter().map(|d| d.sqrt()).collect();
        let mut c = vec![0.0; n];
        for clamp in [true, false] {
            erf_zero_mean_column(&mut c, &dc, &q, &sd, djj + FRAC_2_PI, djj.sqrt(), clamp);
            for k in 0..n {
                let d = dc[n - 1 - k];
                let want = if clamp {
                    Kernel::Closed(Gauss::new(2), Phi::Erf)
                        .eval(0.0, 0.0, dii[k], djj, d)
                        .unwrap()
                } else {
                    // independent: (2/π) arctan(Δ12/√max(q_i q_j − Δ12², 1e−20))
                    let v = ((dii[k] + FRAC_2_PI) * (djj + FRAC_2_PI) - d * d).max(1e-20);
                    FRAC_2_PI * (d / v.sqrt()).atan()
                };
                assert!(
                    (c[k] - want).abs() <= 2e-15 * want.abs().max(1e-3),
                    "clamp={clamp} k={k}: {} vs {want}",
                    c[k]
                );
            }
        }
    }
}
