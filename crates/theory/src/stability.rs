//! Linear stability of mean-field solutions (docs/theory §1.9, §2.2).
//!
//! - [`bulk_radius`]: radius r = √ρ(G diag⟨φ′²⟩_q) of the disk of eigenvalues of J·diag(φ′(x⁰));
//!   r = 1 is the transition to chaos.
//! - [`outlier_matrix`]: the (K+P)×(K+P) matrix 𝓜 = [[L, R], [Q, W]] of §1.9 \[derived\] whose
//!   eigenvalues of modulus > r are the outliers of the Jacobian at a static fixed point. It
//!   reduces to diag(ψ)Ω at zero currents and means, and for \[MO\] rank one to the published
//!   closed form of §2.2 (tested).
//! - [`reduced_drive_jacobian`]: for stationary *chaotic* states, the slope dκ/dS of the drive
//!   when the variances (Δ₀, Δ∞) follow the currents adiabatically — the Schur complement of the
//!   chaotic residual's Jacobian. At κ = 0 it is exactly diag(ψ)Ω of §1.9 (the λ₀^BB
//!   criterion of §2.3); elsewhere it is a \[derived\] criterion (documented choice).
//! - [`Classification`]: regime (`"stationary"` / `"chaotic"`), stability and the reason.

#![allow(clippy::needless_range_loop)] // index loops mirror the equations (J_ij, M_kl)

use crate::error::TheoryError;
use crate::meanfield::MeanField;
use lowrank_gauss::Moments;
use nalgebra::{Complex, DMatrix};
use serde::Serialize;

/// An eigenvalue λ = re + i·im (of 𝓜 or of a reduced Jacobian).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Eigenvalue {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl Eigenvalue {
    /// Modulus |λ|.
    pub fn modulus(&self) -> f64 {
        self.re.hypot(self.im)
    }
}

impl From<Complex<f64>> for Eigenvalue {
    fn from(c: Complex<f64>) -> Self {
        Eigenvalue { re: c.re, im: c.im }
    }
}

/// Bulk radius r = √ρ(G diag⟨φ′²⟩_q) (docs/theory §1.9): the disk containing the bulk of the
/// eigenvalues of J diag(φ′(x⁰)). One population: r = g√⟨φ′²⟩. `dphi2[q]` = ⟨φ′²⟩_q.
///
/// ```
/// use lowrank_theory::stability::bulk_radius;
/// use nalgebra::DMatrix;
/// let g = DMatrix::from_element(1, 1, 1.5f64.powi(2)); // G = g² for \[MO\]
/// assert!((bulk_radius(&g, &[1.0]) - 1.5).abs() < 1e-15); // trivial state: ⟨φ′²⟩ = 1 ⇒ r = g
/// ```
pub fn bulk_radius(coupling: &DMatrix<f64>, dphi2: &[f64]) -> f64 {
    let p = coupling.nrows();
    if p == 1 {
        return (coupling[(0, 0)] * dphi2[0]).max(0.0).sqrt();
    }
    let m = DMatrix::from_fn(p, p, |a, b| coupling[(a, b)] * dphi2[b]);
    spectral_radius(&m).sqrt()
}

/// Spectral radius max|λ| of a real square matrix; NaN if the bounded eigen-decomposition
/// does not converge (use [`try_spectral_radius`] for a typed error).
pub fn spectral_radius(m: &DMatrix<f64>) -> f64 {
    try_spectral_radius(m).unwrap_or(f64::NAN)
}

/// Spectral radius max|λ| of a real square matrix by a bounded real Schur decomposition
/// ([`lowrank_model::linalg::try_complex_eigenvalues`]).
///
/// ```
/// use nalgebra::DMatrix;
/// let r = lowrank_theory::stability::try_spectral_radius(&DMatrix::from_row_slice(2, 2, &[0.0, -2.0, 2.0, 0.0])).unwrap();
/// assert!((r - 2.0).abs() < 1e-14);
/// ```
pub fn try_spectral_radius(m: &DMatrix<f64>) -> Result<f64, TheoryError> {
    Ok(try_eigenvalues(m)?
        .iter()
        .fold(0.0f64, |a, c| a.max(c.re.hypot(c.im))))
}

/// Eigenvalues of a real square matrix, sorted by decreasing real part; empty if the bounded
/// eigen-decomposition does not converge (use [`try_eigenvalues`] for a typed error).
pub fn eigenvalues(m: &DMatrix<f64>) -> Vec<Eigenvalue> {
    try_eigenvalues(m).unwrap_or_default()
}

/// Eigenvalues of a real square matrix, sorted by decreasing real part, by a bounded real Schur
/// decomposition: [`TheoryError::EigenStalled`] instead of an endless loop.
pub fn try_eigenvalues(m: &DMatrix<f64>) -> Result<Vec<Eigenvalue>, TheoryError> {
    let n = m.nrows();
    let mut ev: Vec<Eigenvalue> = lowrank_model::linalg::try_complex_eigenvalues(m)
        .map_err(|e| TheoryError::EigenStalled {
            n,
            reason: format!(
                "{e} after {} sweeps",
                lowrank_model::linalg::MAX_SWEEPS_PER_DIM * n
            ),
        })?
        .into_iter()
        .map(Eigenvalue::from)
        .collect();
    ev.sort_by(|a, b| b.re.total_cmp(&a.re).then(b.im.total_cmp(&a.im)));
    Ok(ev)
}

/// The outlier matrix 𝓜 of docs/theory §1.9 at a static fixed point \[derived\].
///
/// Rows/columns: δκ_1..δκ_K, then y_p for the populations with individual variance
/// Δ^h_p = Σ_q G_pq⟨φ²⟩_q > 0 (y_p ≡ 0 elsewhere — no disorder, or the trivial state — and those
/// rows are dropped). With averages at (μ_q, Δ_q) and E_q = ⟨φ′²⟩ + ⟨φφ″⟩:
///
/// L_kl = Σ_q α_q[(M_{n^k}M_{m^l} + σ_{n^k m^l})⟨φ′⟩ + (M_{n^k}c_{m^l} + M_{m^l}c_{n^k})⟨φ″⟩ + c_{n^k}c_{m^l}⟨φ‴⟩],
/// R_kq = α_q[M_{n^k}⟨φ″⟩_q + c_{n^k}⟨φ‴⟩_q],  Q_pl = Σ_q G_pq[M_{m^l}⟨φφ′⟩_q + c_{m^l}E_q],  W_pq = G_pq E_q.
///
/// `kappa` = κ (= S at the fixed point), `v` the input amplitudes, `moments[q]` the moments at (μ_q, Δ_q).
pub fn outlier_matrix(
    mf: &MeanField,
    kappa: &[f64],
    v: &[f64],
    moments: &[Moments],
) -> DMatrix<f64> {
    let (k, p) = (mf.k, mf.p);
    // y_p ≡ 0 where there is no individual variance Δ^h_p = Σ_q G_pq⟨φ²⟩_q (no disorder, or the
    // trivial state): the ansatz δh = (y/Δ^h) h is void there and its row would be spurious
    let active: Vec<usize> = (0..p)
        .filter(|&a| (0..p).any(|b| mf.coupling[(a, b)] * moments[b].phi2 > 0.0))
        .collect();
    let na = active.len();
    let mut m = DMatrix::zeros(k + na, k + na);
    for kk in 0..k {
        for l in 0..k {
            let mut acc = 0.0;
            for q in 0..p {
                let mo = &moments[q];
                let (mn, mm) = (mf.mean_n(q, kk), mf.mean_m(q, l));
                let (cn, cm) = (mf.cov_n(q, kk, kappa, v), mf.cov_m(q, l, kappa, v));
                acc += mf.alpha[q]
                    * ((mn * mm + mf.sigma_nm(q, kk, l)) * mo.dphi
                        + (mn * cm + mm * cn) * mo.d2phi
                        + cn * cm * mo.d3phi);
            }
            m[(kk, l)] = acc;
        }
        for (j, &q) in active.iter().enumerate() {
            let mo = &moments[q];
            m[(kk, k + j)] =
                mf.alpha[q] * (mf.mean_n(q, kk) * mo.d2phi + mf.cov_n(q, kk, kappa, v) * mo.d3phi);
        }
    }
    for (i, &pp) in active.iter().enumerate() {
        for l in 0..k {
            m[(k + i, l)] = (0..p)
                .map(|q| {
                    let mo = &moments[q];
                    let e = mo.dphi2 + mo.phi_d2phi;
                    mf.coupling[(pp, q)]
                        * (mf.mean_m(q, l) * mo.phi_dphi + mf.cov_m(q, l, kappa, v) * e)
                })
                .sum();
        }
        for (j, &q) in active.iter().enumerate() {
            let mo = &moments[q];
            m[(k + i, k + j)] = mf.coupling[(pp, q)] * (mo.dphi2 + mo.phi_d2phi);
        }
    }
    m
}

/// Outliers: eigenvalues of `matrix` with modulus > `radius` (those inside the bulk are spurious,
/// §1.9), sorted by decreasing real part.
pub fn outliers(matrix: &DMatrix<f64>, radius: f64) -> Vec<Eigenvalue> {
    eigenvalues(matrix)
        .into_iter()
        .filter(|e| e.modulus() > radius * (1.0 + 1e-12))
        .collect()
}

/// dκ/dS for a stationary chaotic state, from the Jacobian `jac` of the chaotic residual
/// (unknowns κ ‖ Δ₀ ‖ Δ∞, residual κ − drive ‖ variance equations) \[derived\]: with
/// jac = [[𝟙 − A, −B], [C, E]], the variances relax adiabatically (δD = −E⁻¹C δS) and
/// dκ/dS = A − B E⁻¹ C = 𝟙 − (Schur complement of E). `None` if E is singular.
pub fn reduced_drive_jacobian(jac: &DMatrix<f64>, k: usize) -> Option<DMatrix<f64>> {
    let n = jac.nrows();
    let a = jac.view((0, 0), (k, k)).into_owned();
    let b = jac.view((0, k), (k, n - k)).into_owned();
    let c = jac.view((k, 0), (n - k, k)).into_owned();
    let e = jac.view((k, k), (n - k, n - k)).into_owned();
    let einv_c = e.lu().solve(&c)?;
    let schur = a - b * einv_c;
    Some(DMatrix::identity(k, k) - schur)
}

/// `eigen` without the `neutral` eigenvalues closest to 1 + 0i: the directions along a continuum
/// of solutions, whose eigenvalue is exactly 1 by symmetry (docs/theory.md, "Marginal
/// attractors"). Stability is decided on the rest.
///
/// ```
/// use lowrank_theory::stability::{without_neutral, Eigenvalue};
/// let ev = [Eigenvalue { re: 1.0 + 2e-16, im: 0.0 }, Eigenvalue { re: 0.4, im: 0.0 }];
/// assert_eq!(without_neutral(&ev, 1), vec![Eigenvalue { re: 0.4, im: 0.0 }]);
/// ```
pub fn without_neutral(eigen: &[Eigenvalue], neutral: usize) -> Vec<Eigenvalue> {
    let mut idx: Vec<usize> = (0..eigen.len()).collect();
    let d = |e: &Eigenvalue| (e.re - 1.0).hypot(e.im);
    idx.sort_by(|&a, &b| d(&eigen[a]).total_cmp(&d(&eigen[b])));
    let drop: Vec<usize> = idx.into_iter().take(neutral).collect();
    eigen
        .iter()
        .enumerate()
        .filter(|(i, _)| !drop.contains(i))
        .map(|(_, e)| *e)
        .collect()
}

/// Stability classification of one solution.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Classification {
    /// `"stationary"` (a fixed point, Δ∞ = Δ₀) or `"chaotic"` (stationary chaos, Δ∞ < Δ₀).
    pub regime: &'static str,
    /// Linearly stable: stationary ⇒ r < 1 and every outlier has Re λ < 1; chaotic ⇒ every
    /// eigenvalue of dκ/dS (see [`reduced_drive_jacobian`]) has Re λ < 1.
    pub stable: bool,
    /// `"none"`, `"bulk"` (r > 1: the fixed point is unstable to chaos), `"outlier"` (a real
    /// outlier crosses 1: static bifurcation), `"outlier-oscillatory"` (a complex pair: Hopf).
    pub instability: &'static str,
}

/// Classifies a solution from its regime, bulk radius and outliers (or reduced eigenvalues).
///
/// ```
/// use lowrank_theory::stability::{classify, Eigenvalue};
/// let c = classify(false, 0.8, &[Eigenvalue { re: 1.2, im: 0.0 }]);
/// assert_eq!((c.regime, c.stable, c.instability), ("stationary", false, "outlier"));
/// ```
pub fn classify(chaotic: bool, bulk_radius: f64, eigen: &[Eigenvalue]) -> Classification {
    let regime = if chaotic { "chaotic" } else { "stationary" };
    let worst = eigen
        .iter()
        .filter(|e| e.re >= 1.0)
        .max_by(|a, b| a.re.total_cmp(&b.re));
    if !chaotic && bulk_radius >= 1.0 {
        return Classification {
            regime,
            stable: false,
            instability: "bulk",
        };
    }
    match worst {
        Some(e) if e.im.abs() > 1e-12 => Classification {
            regime,
            stable: false,
            instability: "outlier-oscillatory",
        },
        Some(_) => Classification {
            regime,
            stable: false,
            instability: "outlier",
        },
        None => Classification {
            regime,
            stable: true,
            instability: "none",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lowrank_gauss::{Gauss, Phi};
    use lowrank_model::{LoadingStats, Model, ModelParts, Population, Term};
    use nalgebra::DVector;

    fn rank_one(mm: f64, mn: f64, sm: f64, sn: f64, smn: f64, g: f64) -> Model {
        let cov = DMatrix::from_row_slice(2, 2, &[sm * sm, smn, smn, sn * sn]);
        Model::new(ModelParts {
            name: "r1".into(),
            populations: vec![Population {
                name: "all".into(),
                weight: 1.0,
            }],
            gain: DMatrix::from_element(1, 1, g),
            vectors: vec!["m".into(), "n".into()],
            stats: vec![LoadingStats {
                mean: DVector::from_vec(vec![mm, mn]),
                cov,
            }],
            terms: vec![Term {
                name: "1".into(),
                left: 0,
                right: 1,
            }],
            inputs: vec![],
            readouts: vec![],
            nonlinearity: Phi::Tanh,
        })
        .unwrap()
    }

    /// §2.2 closed form λ_out = ½[T + √(T² − 4D)] at an arbitrary (κ, μ, Δ) — an algebraic identity,
    /// so it must hold at any point, not only at solutions.
    #[test]
    fn rank_one_outlier_matches_published_closed_form() {
        let (mm, mn, sm, g) = (1.1, 2.0, 1.0, 1.3);
        let model = rank_one(mm, mn, sm, 1.0, 0.0, g);
        let mf = MeanField::new(&model, Gauss::new(120));
        for &(kappa, delta) in &[(0.7, 1.3), (-0.4, 0.5), (1.5, 2.5)] {
            let mu = mm * kappa;
            let mo = mf.gauss.moments(Phi::Tanh, mu, delta).unwrap();
            let m = outlier_matrix(&mf, &[kappa], &[], &[mo]);
            let a = mm * mn * mo.dphi;
            let b = g * g * (mo.dphi2 + mo.phi_d2phi);
            let c = mn * sm * sm * kappa * mo.d2phi;
            let d = mm * mn * g * g * mo.d2phi * mo.phi_dphi;
            let (t, det) = (a + b + c, a * b - d);
            let disc = t * t - 4.0 * det;
            let ev = eigenvalues(&m);
            if disc >= 0.0 {
                let lam = 0.5 * (t + disc.sqrt());
                assert!(
                    (ev[0].re - lam).abs() < 1e-12 * lam.abs().max(1.0),
                    "{ev:?} vs {lam}"
                );
            } else {
                assert!((ev[0].re - 0.5 * t).abs() < 1e-12);
            }
            assert!((m.trace() - t).abs() < 1e-12 && (m.determinant() - det).abs() < 1e-12);
        }
    }

    /// At κ = 0, μ = 0 the outlier block reduces to diag(ψ)Ω and decouples from y (odd φ ⇒ ⟨φ″⟩ = 0).
    #[test]
    fn zero_currents_reduce_to_gain_times_overlap() {
        let model = rank_one(1.1, 2.0, 1.0, 1.0, 0.3, 1.5);
        let mf = MeanField::new(&model, Gauss::new(120));
        let delta = 1.7;
        let mo = mf.gauss.moments(Phi::Tanh, 0.0, delta).unwrap();
        let m = outlier_matrix(&mf, &[0.0], &[], &[mo]);
        let omega = model.overlap_matrix()[(0, 0)];
        assert!((omega - (2.2 + 0.3)).abs() < 1e-15);
        assert!((m[(0, 0)] - mo.dphi * omega).abs() < 1e-14);
        assert!(m[(0, 1)].abs() < 1e-14 && m[(1, 0)].abs() < 1e-14);
    }

    #[test]
    fn bulk_radius_of_block_coupling() {
        // G = [[1, 2], [0.5, 1]] with ⟨φ′²⟩ = (1, 1): eigenvalues 1 ± 1 ⇒ ρ = 2, r = √2
        let g = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 0.5, 1.0]);
        assert!((bulk_radius(&g, &[1.0, 1.0]) - 2f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn reduced_jacobian_is_schur_complement() {
        // jac = [[1 − a, −b], [c, e]] ⇒ dκ/dS = a − b c / e
        let (a, b, c, e) = (0.3, 0.5, 0.2, 2.0);
        let jac = DMatrix::from_row_slice(2, 2, &[1.0 - a, -b, c, e]);
        let r = reduced_drive_jacobian(&jac, 1).unwrap();
        assert!((r[(0, 0)] - (a - b * c / e)).abs() < 1e-15);
    }
}
