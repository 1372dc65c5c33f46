//! What a DMFT run returns ([`DmftResult`]): the trajectories, the classes, the frequency.

use super::*;

/// Result of a two-time DMFT run (row-major time series, time index first).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DmftResult {
    /// Time step.
    pub dt: f64,
    /// Number of grid points.
    pub nt: usize,
    /// Number of currents K.
    pub k: usize,
    /// Number of populations P.
    pub p: usize,
    /// Currents S_k(t_j) at [j*K + k].
    pub currents: Vec<f64>,
    /// Drives κ_k(t_j) (\[CB\] H) at [j*K + k].
    pub drives: Vec<f64>,
    /// Gains ψ_p(t_j) at [j*P + p].
    pub gains: Vec<f64>,
    /// Means μ_p(t_j) at [j*P + p].
    pub means: Vec<f64>,
    /// Equal-time variances Δ_p(t_j, t_j) at [j*P + p].
    pub delta_diag: Vec<f64>,
    /// Index t0 of the classification row.
    pub t0: usize,
    /// Δ_p(t0, t0 + l·dt) at [p*row_len + l] (l ≤ band).
    pub row: Vec<f64>,
    /// Length of each population's row.
    pub row_len: usize,
    /// With [`DmftOptions::keep_matrix`]: Δ_p(t_i, t_j) at [(p·N_t + i)·N_t + j], symmetric;
    /// NaN beyond the band (|i − j| > b).
    pub matrix: Option<Vec<f64>>,
    /// Δ_p(t_end − l·dt, t_end) at [p*lags + l]: the last column.
    pub last_column: Vec<f64>,
    /// Number of lags in the last column.
    pub lags: usize,
    /// How many times an equal-time variance came out slightly negative (above −dt·max Δ, the
    /// O(dt) Euler overshoot when the true variance touches 0) and was set to 0. Larger
    /// excursions are errors.
    pub clipped_variances: usize,
    /// Pairs (t_i, t_j), i < j, whose source was evaluated by the Mehler expansion or its
    /// fallback, summed over populations ([`SourceMethod::Auto`] for a φ without closed form;
    /// 0 otherwise).
    pub source_pairs: usize,
    /// Of those, the pairs whose Mehler bound exceeded the tolerance, evaluated by the
    /// accuracy-controlled quadrature `Gauss::c_phi` instead.
    pub source_fallbacks: usize,
    /// Rules of [`DmftResult::classify`] ([`DmftOptions::classifier`]).
    pub classifier: Classifier,
}

impl DmftResult {
    /// Currents at grid index j.
    pub fn currents_at(&self, j: usize) -> &[f64] {
        &self.currents[j * self.k..(j + 1) * self.k]
    }

    /// Gains at grid index j.
    pub fn gains_at(&self, j: usize) -> &[f64] {
        &self.gains[j * self.p..(j + 1) * self.p]
    }

    /// Equal-time variances Δ_p(t_j, t_j) at grid index j.
    pub fn delta_at(&self, j: usize) -> &[f64] {
        &self.delta_diag[j * self.p..(j + 1) * self.p]
    }

    /// Δ_p(t0, t0 + l·dt) for l = 0..row_len.
    pub fn row(&self, p: usize) -> &[f64] {
        &self.row[p * self.row_len..(p + 1) * self.row_len]
    }

    /// Δ_p(t_end − l·dt, t_end) for l = 0..lags.
    pub fn last_column(&self, p: usize) -> &[f64] {
        &self.last_column[p * self.lags..(p + 1) * self.lags]
    }

    /// Normalised Δ̂_p(t0, t0+τ) = Δ/√(Δ(t0,t0)Δ(t0+τ,t0+τ)) (docs/theory §3.8); 0 where a variance is 0.
    pub fn normalized_row(&self, p: usize) -> Vec<f64> {
        let d0 = self.delta_diag[self.t0 * self.p + p];
        self.row(p)
            .iter()
            .enumerate()
            .map(|(l, &d)| {
                let dd = self.delta_diag[(self.t0 + l) * self.p + p];
                let den = (d0 * dd).sqrt();
                if den > 0.0 {
                    d / den
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Dynamics class of population p from its normalised row (§3.8), by the rules of
    /// [`DmftResult::classifier`].
    pub fn classify(&self, p: usize) -> DynamicsClass {
        self.classifier.classify(&self.normalized_row(p))
    }

    /// Dynamics class of every population.
    pub fn classes(&self) -> Vec<DynamicsClass> {
        (0..self.p).map(|p| self.classify(p)).collect()
    }

    /// Dominant frequency (cycles per unit time) of the currents on t ≥ t0, refined well below
    /// the periodogram's bin 1/((N_t − t0)·dt) ([`frequency::dominant_frequency`]). `None` for
    /// a fixed point (every population classified FP), for constant currents, for fewer than 4
    /// samples, or when fewer than [`frequency::MIN_PERIODS`] periods fit in the window.
    pub fn dominant_frequency(&self) -> Option<f64> {
        if self
            .classes()
            .iter()
            .all(|c| *c == DynamicsClass::FixedPoint)
        {
            return None;
        }
        let n = self.nt - self.t0;
        let k = self.k;
        let mut series = vec![0.0; n * k];
        for c in 0..k {
            for j in 0..n {
                series[c * n + j] = self.currents[(self.t0 + j) * k + c];
            }
        }
        frequency::dominant_frequency(&series, k, n, self.dt)
    }
}
