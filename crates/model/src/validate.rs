//! Validation of a resolved [`Model`] and the linear algebra it needs: the positive
//! semi-definiteness test of docs/theory §4 ("Sampling"), a sampling factor of σ^{(p)}, and the
//! spectrum of the overlap matrix Ω (§1.2).

use crate::error::{finite, ModelError};
use crate::linalg::{try_complex_eigenvalues, try_symmetric_eigen};
use crate::network::{LoadingStats, Model, Schedule};
use nalgebra::{Complex, DMatrix};

/// Relative semidefinite tolerance: an eigenvalue ≥ −`PSD_RTOL`·V·max(1, max|σ_aa|) counts as ≥ 0.
///
/// Covariances of basis combinations (docs/theory §2.6) are exactly rank-deficient; rounding in
/// A C Aᵀ leaves eigenvalues of order ε·V·‖C‖ of either sign, far below this tolerance.
pub const PSD_RTOL: f64 = 1e-10;

/// Largest population weight α_p (weights are relative sizes; N_p = round(α_p N₀)).
pub const MAX_WEIGHT: f64 = 1e6;

/// Largest disorder gain g_pq. The mean-field solvers' cost is bounded in the variance
/// (saturated Gaussian rules; `lowrank solve` ≈ 0.7 s at g = 100), but variances ∝ g² beyond
/// ~10⁶ leave the tested range of the integrals, so larger gains are refused at the boundary.
pub const MAX_GAIN: f64 = 1e3;

/// Largest magnitude of every other model scalar (loading means and covariances, input
/// baselines, amplitudes, noise, pulse times). The Gaussian integrals shift their nodes by the
/// means; beyond ~1e12 the shifted index arithmetic loses meaning.
pub const MAX_MAGNITUDE: f64 = 1e12;

/// Check a disorder gain against [`MAX_GAIN`], naming `field`.
pub fn check_gain_range(field: &str, g: f64) -> Result<(), ModelError> {
    bounded(|| field.to_string(), g, MAX_GAIN)
}

/// Check |value| ≤ `limit` (value already known finite).
fn bounded(field: impl FnOnce() -> String, value: f64, limit: f64) -> Result<(), ModelError> {
    if value.abs() > limit {
        return Err(ModelError::invalid(
            field(),
            format!("{value:e} is out of range: |value| must be ≤ {limit:e}"),
        ));
    }
    Ok(())
}

/// Semidefinite tolerance for a symmetric matrix (see [`PSD_RTOL`]).
pub fn psd_tolerance(cov: &DMatrix<f64>) -> f64 {
    let scale = cov.diagonal().iter().fold(1.0f64, |a, &d| a.max(d.abs()));
    PSD_RTOL * (cov.nrows().max(1) as f64) * scale
}

/// Smallest eigenvalue of a symmetric matrix and its eigenvector (`None` for a 0×0 matrix,
/// or if the bounded eigen-decomposition fails: use [`try_min_eigenpair`] to tell them apart).
pub fn min_eigenpair(cov: &DMatrix<f64>) -> Option<(f64, Vec<f64>)> {
    try_min_eigenpair(cov).ok().flatten()
}

/// Smallest eigenvalue of a symmetric matrix and its eigenvector (`Ok(None)` for 0×0), by a
/// bounded eigen-decomposition ([`crate::linalg::try_symmetric_eigen`]).
pub fn try_min_eigenpair(cov: &DMatrix<f64>) -> Result<Option<(f64, Vec<f64>)>, ModelError> {
    if cov.nrows() == 0 {
        return Ok(None);
    }
    let eig = try_symmetric_eigen(cov)?;
    Ok(eig
        .eigenvalues
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, &lambda)| (lambda, eig.eigenvectors.column(i).iter().copied().collect())))
}

/// Test σ for positive semi-definiteness (eigen-decomposition, tolerance [`psd_tolerance`]).
///
/// `names` label the rows for the error message; `field` names the covariance.
///
/// ```
/// use lowrank_model::validate::check_psd;
/// use nalgebra::DMatrix;
/// let names = vec!["m".to_string(), "n".to_string()];
/// // rank-deficient (m = n) is allowed
/// assert!(check_psd(&DMatrix::from_element(2, 2, 1.0), &names, "cov").is_ok());
/// // |σ_mn| > σ_m σ_n is not
/// let bad = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 1.0]);
/// assert!(check_psd(&bad, &names, "cov").is_err());
/// ```
pub fn check_psd(cov: &DMatrix<f64>, names: &[String], field: &str) -> Result<(), ModelError> {
    for (k, &v) in cov.iter().enumerate() {
        finite(
            || format!("{field}[{},{}]", k % cov.nrows(), k / cov.nrows()),
            v,
        )?;
    }
    let tolerance = psd_tolerance(cov);
    let pair = try_min_eigenpair(cov).map_err(|e| ModelError::invalid(field, e.to_string()))?;
    if let Some((lambda, vector)) = pair {
        if lambda < -tolerance {
            let direction = vector
                .iter()
                .zip(names)
                .filter(|(c, _)| c.abs() > 0.1)
                .map(|(c, n)| format!("{n}: {c:.3}"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ModelError::NotPsd {
                field: field.to_string(),
                min_eigenvalue: lambda,
                tolerance,
                direction: format!("({direction})"),
            });
        }
    }
    Ok(())
}

impl Schedule {
    /// Check the schedule: finite baseline and amplitudes, noise σ ≥ 0, pulses with
    /// finite `start < stop`. `field` prefixes the error path (e.g. `input.I`).
    pub fn validate(&self, field: &str) -> Result<(), ModelError> {
        finite(|| format!("{field}.baseline"), self.baseline)?;
        bounded(|| format!("{field}.baseline"), self.baseline, MAX_MAGNITUDE)?;
        crate::error::non_negative(|| format!("{field}.noise"), self.noise)?;
        bounded(|| format!("{field}.noise"), self.noise, MAX_MAGNITUDE)?;
        for (k, p) in self.pulses.iter().enumerate() {
            finite(|| format!("{field}.pulses.{k}.start"), p.start)?;
            finite(|| format!("{field}.pulses.{k}.stop"), p.stop)?;
            finite(|| format!("{field}.pulses.{k}.amplitude"), p.amplitude)?;
            bounded(
                || format!("{field}.pulses.{k}.start"),
                p.start,
                MAX_MAGNITUDE,
            )?;
            bounded(|| format!("{field}.pulses.{k}.stop"), p.stop, MAX_MAGNITUDE)?;
            bounded(
                || format!("{field}.pulses.{k}.amplitude"),
                p.amplitude,
                MAX_MAGNITUDE,
            )?;
            if p.start >= p.stop {
                return Err(ModelError::invalid(
                    format!("{field}.pulses.{k}"),
                    format!("start {} must be before stop {}", p.start, p.stop),
                ));
            }
        }
        Ok(())
    }
}

impl LoadingStats {
    /// A sampling factor L (V×r) with L Lᵀ = σ^{(p)}: the loadings of one neuron are
    /// ξ = M^{(p)} + L z with z ~ N(0, 1_r) (docs/theory §4 "Sampling").
    ///
    /// Built from the symmetric eigen-decomposition σ = Q Λ Qᵀ, keeping the r eigenvalues
    /// above the semidefinite tolerance ([`psd_tolerance`]) — unlike a Cholesky factor it
    /// handles the exactly rank-deficient covariances of basis combinations. Columns are
    /// ordered by decreasing eigenvalue; the sign of each column is fixed (largest-magnitude
    /// entry positive) so the factor is deterministic.
    ///
    /// ```
    /// use lowrank_model::LoadingStats;
    /// use nalgebra::{DMatrix, DVector};
    /// let s = LoadingStats { mean: DVector::zeros(2), cov: DMatrix::from_element(2, 2, 4.0) };
    /// let l = s.factor();
    /// assert_eq!(l.ncols(), 1); // m = n: rank one
    /// assert!((&l * l.transpose() - &s.cov).abs().max() < 1e-12);
    /// ```
    pub fn factor(&self) -> DMatrix<f64> {
        let v = self.cov.nrows();
        if v == 0 {
            return DMatrix::zeros(0, 0);
        }
        let tol = psd_tolerance(&self.cov);
        // Bounded; a validated model's covariances passed the same decomposition in
        // `check_psd`, so this cannot fail for them (an empty factor otherwise).
        let Ok(eig) = try_symmetric_eigen(&self.cov) else {
            return DMatrix::zeros(v, 0);
        };
        let mut order: Vec<usize> = (0..v).filter(|&i| eig.eigenvalues[i] > tol).collect();
        order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
        DMatrix::from_fn(v, order.len(), |row, col| {
            let i = order[col];
            let column = eig.eigenvectors.column(i);
            let pivot = column
                .iter()
                .fold(0.0f64, |a, &c| if c.abs() > a.abs() { c } else { a });
            let sign = if pivot < 0.0 { -1.0 } else { 1.0 };
            sign * column[row] * eig.eigenvalues[i].sqrt()
        })
    }
}

impl Model {
    /// Eigenvalues of the overlap matrix Ω (docs/theory §1.2) — the nonzero eigenvalues of the
    /// low-rank part J^LR as N₀ → ∞ (for \[CB\] models Ω = T̂, whose leading eigenvalue decides
    /// the zero-current instability of §3.4). Sorted by decreasing real part.
    ///
    /// Bounded real Schur decomposition ([`crate::linalg::try_complex_eigenvalues`]):
    /// [`ModelError::NotConverged`] instead of an endless loop.
    pub fn overlap_eigenvalues(&self) -> Result<Vec<Complex<f64>>, ModelError> {
        let omega = self.overlap_matrix();
        let mut ev = try_complex_eigenvalues(&omega)?;
        ev.sort_by(|a, b| b.re.total_cmp(&a.re).then(b.im.total_cmp(&a.im)));
        Ok(ev)
    }

    /// Validate a resolved model: consistent dimensions, unique names, weights α_p > 0,
    /// finite gains g_pq ≥ 0, finite symmetric PSD covariances σ^{(p)} (docs/theory §1.1–1.2),
    /// term/input/readout indices in range, valid schedules.
    ///
    /// Every [`Model`] has passed this check ([`Model::new`] and every constructor of this
    /// crate call it); the solvers may rely on it.
    pub(crate) fn validate(&self) -> Result<(), ModelError> {
        let p = self.populations.len();
        let v = self.vectors.len();
        if p == 0 {
            return Err(ModelError::NoPopulations);
        }
        unique(
            self.populations.iter().map(|x| x.name.as_str()),
            "population",
        )?;
        unique(self.vectors.iter().map(|x| x.as_str()), "vector")?;
        unique(self.terms.iter().map(|x| x.name.as_str()), "term")?;
        unique(self.inputs.iter().map(|x| x.name.as_str()), "input")?;
        unique(self.readouts.iter().map(|x| x.name.as_str()), "readout")?;
        for pop in &self.populations {
            let w = finite(|| format!("population.{}.weight", pop.name), pop.weight)?;
            if w <= 0.0 || w > MAX_WEIGHT {
                return Err(ModelError::invalid(
                    format!("population.{}.weight", pop.name),
                    format!("weight {w} must be in (0, {MAX_WEIGHT:e}]"),
                ));
            }
        }
        if self.gain.shape() != (p, p) {
            return Err(ModelError::invalid(
                "gain",
                format!("shape {:?} is not P×P = {p}×{p}", self.gain.shape()),
            ));
        }
        for a in 0..p {
            for b in 0..p {
                let field =
                    || gain_field(&self.populations[a].name, &self.populations[b].name, a == b);
                let g = finite(field, self.gain[(a, b)])?;
                if g < 0.0 {
                    return Err(ModelError::NegativeGain {
                        field: field(),
                        value: g,
                    });
                }
                bounded(field, g, MAX_GAIN)?;
            }
        }
        if self.stats.len() != p {
            return Err(ModelError::invalid(
                "stats",
                format!("{} entries for {p} populations", self.stats.len()),
            ));
        }
        for (pop, s) in self.populations.iter().zip(&self.stats) {
            let field = format!("population.{}.covariance", pop.name);
            if s.mean.len() != v || s.cov.shape() != (v, v) {
                return Err(ModelError::invalid(
                    field,
                    format!("statistics are not sized for V = {v} vectors"),
                ));
            }
            for (k, &m) in s.mean.iter().enumerate() {
                let f = || format!("vector.{}.population.{}.mean", self.vectors[k], pop.name);
                finite(f, m)?;
                bounded(f, m, MAX_MAGNITUDE)?;
            }
            for a in 0..v {
                for b in 0..=a {
                    let f = || {
                        format!(
                            "vector.{}.population.{}.cov.{}",
                            self.vectors[a], pop.name, self.vectors[b]
                        )
                    };
                    finite(f, s.cov[(a, b)])?;
                    bounded(f, s.cov[(a, b)], MAX_MAGNITUDE)?;
                }
            }
            let tol = psd_tolerance(&s.cov);
            for a in 0..v {
                for b in 0..a {
                    if (s.cov[(a, b)] - s.cov[(b, a)]).abs() > tol {
                        return Err(ModelError::invalid(
                            format!(
                                "vector.{}.population.{}.cov.{}",
                                self.vectors[a], pop.name, self.vectors[b]
                            ),
                            "covariance is not symmetric",
                        ));
                    }
                }
            }
            check_psd(&s.cov, &self.vectors, &field)?;
        }
        // derived quantities: G_pq = α_q g_pq² and Ω must be finite
        if let Some(x) = self.disorder_coupling().iter().find(|x| !x.is_finite()) {
            return Err(ModelError::NonFinite {
                field: "disorder coupling G_pq = weight_q · gain_pq²".into(),
                value: *x,
            });
        }
        for t in &self.terms {
            for (side, idx) in [("left", t.left), ("right", t.right)] {
                if idx >= v {
                    return Err(ModelError::invalid(
                        format!("term.{}.{side}", t.name),
                        format!("vector index {idx} out of range (V = {v})"),
                    ));
                }
            }
        }
        for i in &self.inputs {
            if i.vector >= v {
                return Err(ModelError::invalid(
                    format!("input.{}.vector", i.name),
                    format!("vector index {} out of range (V = {v})", i.vector),
                ));
            }
            i.schedule.validate(&format!("input.{}", i.name))?;
        }
        for r in &self.readouts {
            if r.vector >= v {
                return Err(ModelError::invalid(
                    format!("readout.{}.vector", r.name),
                    format!("vector index {} out of range (V = {v})", r.vector),
                ));
            }
        }
        if let Some(x) = self.overlap_matrix().iter().find(|x| !x.is_finite()) {
            return Err(ModelError::NonFinite {
                field: "overlap matrix Ω (products of loading means and covariances)".into(),
                value: *x,
            });
        }
        Ok(())
    }
}

/// Dotted path of a gain g_pq in the general schema.
pub(crate) fn gain_field(target: &str, source: &str, diagonal: bool) -> String {
    if diagonal {
        format!("population.{target}.gain")
    } else {
        format!("population.{target}.gain_from.{source}")
    }
}

fn unique<'a>(names: impl Iterator<Item = &'a str>, field: &str) -> Result<(), ModelError> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(ModelError::DuplicateName {
                field: field.to_string(),
                name: n.to_string(),
            });
        }
    }
    Ok(())
}
