//! Dense eigen/SVD decompositions with a bounded number of iterations.
//!
//! nalgebra's `symmetric_eigen`, `complex_eigenvalues`, `svd` and `singular_values` iterate
//! until convergence with no cap, which can loop forever on some inputs (defective or
//! nearly degenerate eigenvalues, huge dynamic range). These wrappers call the `try_new`
//! constructors with [`MAX_SWEEPS_PER_DIM`]·n iterations and return
//! [`ModelError::NotConverged`] when the cap is reached, never an unconverged answer.

use crate::error::ModelError;
use nalgebra::{Complex, DMatrix, Schur, SymmetricEigen, SVD};

/// QR sweeps per matrix dimension allowed before giving up (typical use: 2–4 per eigenvalue).
pub const MAX_SWEEPS_PER_DIM: usize = 1000;

fn cap(n: usize) -> usize {
    MAX_SWEEPS_PER_DIM * n.max(1)
}

fn not_converged(what: &str, n: usize) -> ModelError {
    ModelError::NotConverged {
        what: format!("{what} of a {n}×{n} matrix"),
        iterations: cap(n),
    }
}

fn check_finite(m: &DMatrix<f64>, what: &str) -> Result<(), ModelError> {
    if m.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(ModelError::NonFinite {
            field: format!("{what}: matrix entry"),
            value: m
                .iter()
                .copied()
                .find(|x| !x.is_finite())
                .unwrap_or(f64::NAN),
        })
    }
}

/// Symmetric eigen-decomposition σ = Q Λ Qᵀ with at most [`MAX_SWEEPS_PER_DIM`]·n sweeps.
///
/// ```
/// use lowrank_model::linalg::try_symmetric_eigen;
/// use nalgebra::DMatrix;
/// let e = try_symmetric_eigen(&DMatrix::from_row_slice(2, 2, &[2.0, 1.0, 1.0, 2.0])).unwrap();
/// let mut l: Vec<f64> = e.eigenvalues.iter().copied().collect();
/// l.sort_by(f64::total_cmp);
/// assert!((l[0] - 1.0).abs() < 1e-14 && (l[1] - 3.0).abs() < 1e-14);
/// ```
pub fn try_symmetric_eigen(
    m: &DMatrix<f64>,
) -> Result<SymmetricEigen<f64, nalgebra::Dyn>, ModelError> {
    check_finite(m, "symmetric eigen-decomposition")?;
    let n = m.nrows();
    SymmetricEigen::try_new(m.clone(), f64::EPSILON, cap(n))
        .ok_or_else(|| not_converged("symmetric eigen-decomposition", n))
}

/// Eigenvalues of a real square matrix by a real Schur decomposition with at most
/// [`MAX_SWEEPS_PER_DIM`]·n QR sweeps; the convergence threshold is relaxed from 10⁻¹⁵ to 10⁻¹⁰
/// (relative) if the strict one is not reached (a defective eigenvalue then moves by at most
/// ~√threshold). Unsorted.
///
/// ```
/// use lowrank_model::linalg::try_complex_eigenvalues;
/// use nalgebra::DMatrix;
/// // rotation by 90°: eigenvalues ±i
/// let ev = try_complex_eigenvalues(&DMatrix::from_row_slice(2, 2, &[0.0, -1.0, 1.0, 0.0])).unwrap();
/// assert!(ev.iter().all(|z| z.re.abs() < 1e-14 && (z.im.abs() - 1.0).abs() < 1e-14));
/// ```
pub fn try_complex_eigenvalues(m: &DMatrix<f64>) -> Result<Vec<Complex<f64>>, ModelError> {
    check_finite(m, "eigenvalues")?;
    let n = m.nrows();
    if n == 0 {
        return Ok(Vec::new());
    }
    for eps in [1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10] {
        if let Some(schur) = Schur::try_new(m.clone(), eps, cap(n)) {
            let ev: Vec<Complex<f64>> = schur.complex_eigenvalues().iter().copied().collect();
            if ev.iter().all(|z| z.re.is_finite() && z.im.is_finite()) {
                return Ok(ev);
            }
        }
    }
    Err(not_converged("eigenvalues (real Schur)", n))
}

/// Singular value decomposition with at most [`MAX_SWEEPS_PER_DIM`]·n sweeps.
///
/// ```
/// use lowrank_model::linalg::try_svd;
/// use nalgebra::DMatrix;
/// let s = try_svd(&DMatrix::from_row_slice(2, 2, &[3.0, 0.0, 0.0, -2.0]), false, false).unwrap();
/// assert!((s.singular_values.max() - 3.0).abs() < 1e-14);
/// ```
pub fn try_svd(
    m: &DMatrix<f64>,
    compute_u: bool,
    compute_v: bool,
) -> Result<SVD<f64, nalgebra::Dyn, nalgebra::Dyn>, ModelError> {
    check_finite(m, "singular value decomposition")?;
    let n = m.nrows().max(m.ncols());
    SVD::try_new(m.clone(), compute_u, compute_v, f64::EPSILON, cap(n))
        .ok_or_else(|| not_converged("singular value decomposition", n))
}

/// Largest singular value (spectral norm) with a bounded SVD.
pub fn try_spectral_norm(m: &DMatrix<f64>) -> Result<f64, ModelError> {
    if m.is_empty() {
        return Ok(0.0);
    }
    Ok(try_svd(m, false, false)?.singular_values.max())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A defective 2×2 Jordan block: eigenvalue 1 twice (closed form), within √ε·scale.
    #[test]
    fn jordan_block_converges_to_its_double_eigenvalue() {
        let m = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 0.0, 1.0]);
        let ev = try_complex_eigenvalues(&m).unwrap();
        for z in ev {
            assert!((z.re - 1.0).abs() < 1e-7 && z.im.abs() < 1e-7, "{z}");
        }
    }

    #[test]
    fn non_finite_input_is_an_error_not_a_hang() {
        let m = DMatrix::from_row_slice(2, 2, &[f64::NAN, 0.0, 0.0, 1.0]);
        assert!(matches!(
            try_complex_eigenvalues(&m),
            Err(ModelError::NonFinite { .. })
        ));
        assert!(try_symmetric_eigen(&m).is_err());
        assert!(try_svd(&m, false, false).is_err());
    }

    /// Eigenvalues of a companion matrix of (x−1)(x−2)(x−3) are its roots (closed form).
    #[test]
    fn companion_matrix_roots() {
        // x³ − 6x² + 11x − 6
        let m = DMatrix::from_row_slice(3, 3, &[6.0, -11.0, 6.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
        let mut re: Vec<f64> = try_complex_eigenvalues(&m)
            .unwrap()
            .iter()
            .map(|z| z.re)
            .collect();
        re.sort_by(f64::total_cmp);
        for (r, want) in re.iter().zip([1.0, 2.0, 3.0]) {
            assert!((r - want).abs() < 1e-12, "{r} vs {want}");
        }
    }
}
