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

/// How the source C_φ(t,t′) = E[φ(x(t))φ(x(t′))] is evaluated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub enum SourceMethod {
    /// φ with an O(1) closed form ([`Phi::closed_form_source`]: erf, linear and their affine
    /// forms): the closed forms of `lowrank_gauss::erf::c_phi` (arctan at zero means,
    /// bivariate-normal CDF otherwise), linear exact. Every other φ (tanh, sigmoid, softplus,
    /// relu, hard-tanh, custom, …): the Mehler expansion C_φ = Σ_k a_k(t) b_k(t′) ρ^k
    /// (`lowrank_gauss::mehler`, docs/theory §1.8, §1.10 (3)) with the Hermite coefficients
    /// computed once per time point and population, each pair accepted only when its rigorous
    /// truncation bound is at most 10⁻¹⁰·√(⟨φ²⟩(t)⟨φ²⟩(t′)); the other pairs (|ρ| near 1 with
    /// slowly decaying coefficients) use the accuracy-controlled `Gauss::c_phi`
    /// ([`DmftResult::source_fallbacks`] counts them).
    #[default]
    Auto,
    /// Generic bivariate Gauss–Hermite tensor quadrature of φ(x₁)φ(x₂) with `order` nodes per
    /// dimension (any φ; an explicit cross-check of the closed forms and of the Mehler source,
    /// accurate only where a degree-2·order polynomial resolves φ: for tanh at variance Δ it needs
    /// order ≳ 300Δ for ~10⁻¹², see `lowrank_gauss::integrals::GH_TANH_NODES_PER_VARIANCE`).
    Quadrature {
        /// Nodes per dimension.
        order: usize,
    },
}

/// A per-dimension Gauss–Hermite order for [`SourceMethod::Quadrature`] cross-checks of the tanh
/// source (the order the tanh source used before the Mehler source; on the R = 2 test model of
/// the integration tests its Δ trajectories agree with order 80 to < 10⁻⁵). [`SourceMethod::Auto`]
/// no longer uses it.
pub const DEFAULT_TANH_ORDER: usize = 40;

/// Memory (bytes) the source of [`run`] keeps beyond the O(N_t) time series: the Mehler
/// coefficient sets of [`SourceMethod::Auto`] for a φ without closed form, for `populations`
/// populations and the last `times` = min(N_t, band + 1) time points (0 for a closed-form φ or
/// [`SourceMethod::Quadrature`]).
///
/// ```
/// use lowrank_gauss::Phi;
/// use lowrank_theory::dmft::{source_memory, SourceMethod};
/// assert_eq!(source_memory(Phi::Erf, SourceMethod::Auto, 2, 2500), 0.0);
/// assert!(source_memory(Phi::Tanh, SourceMethod::Auto, 2, 2500) < 5e7);
/// ```
pub fn source_memory(phi: Phi, source: SourceMethod, populations: usize, times: usize) -> f64 {
    match source {
        SourceMethod::Auto if !phi.closed_form_source() => {
            8.0 * mehler_source::values_per_time(phi) as f64 * populations as f64 * times as f64
        }
        _ => 0.0,
    }
}

/// Options of [`run`].
#[derive(Clone, Debug, PartialEq)]
pub struct DmftOptions {
    /// Time step dt (reference 0.05).
    pub dt: f64,
    /// Number of grid points N_t (reference 2500 or 3000).
    pub nt: usize,
    /// Initial currents S(0); `None` draws S_k(0) ~ U[0, 1) from `seed` (reference).
    pub s0: Option<Vec<f64>>,
    /// Seed of the initial currents.
    pub seed: u64,
    /// Initial total variances Δ_p(0,0); `None`: per population Σ_q G_pq + 𝒮_p(S0, u(0)) (the
    /// variance of x(0) = Σ_k m^k S_k(0) + Σ_a I^a u_a(0) + h(0) with Var h(0) = Σ_q G_pq), or G_11
    /// for every population under `reference_ordering`.
    pub delta00: Option<Vec<f64>>,
    /// Reproduce the reference implementation's scheme step for step (§3.11, §6): its lag order,
    /// ψ_0 = κ_0 = 0, Γ_{0,j} = 0, Δ00 = G_11 for every population and the unclamped zero-mean
    /// erf source (module docs, "Orderings").
    pub reference_ordering: bool,
    /// Keep only the `b` most recent lags (O(N_t·b) cost); `None` = all lags.
    pub band: Option<usize>,
    /// Source evaluation.
    pub source: SourceMethod,
    /// Grid index t0 of the classification row Δ(t0, t0+τ); `None` = N_t/3 (833 for N_t = 2500).
    pub t0: Option<usize>,
    /// Keep the whole two-time matrix Δ_p(t_i, t_j) in [`DmftResult::matrix`] (8·P·N_t² bytes;
    /// check the size first with [`matrix_memory`]).
    pub keep_matrix: bool,
    /// Rules that classify Δ̂(t0, t0+τ) ([`DmftResult::classify`]).
    pub classifier: Classifier,
    /// Stop request, checked once per time step: when raised, [`run`] returns
    /// [`TheoryError::Interrupted`].
    pub interrupt: lowrank_model::Interrupt,
}

/// Bytes of the two-time matrix kept with [`DmftOptions::keep_matrix`]: 8·P·N_t².
///
/// ```
/// assert_eq!(lowrank_theory::dmft::matrix_memory(2, 1000), 16.0e6);
/// ```
pub fn matrix_memory(populations: usize, nt: usize) -> f64 {
    8.0 * populations as f64 * (nt as f64) * (nt as f64)
}

impl Default for DmftOptions {
    fn default() -> Self {
        DmftOptions {
            dt: 0.05,
            nt: 2500,
            s0: None,
            seed: 0,
            delta00: None,
            reference_ordering: false,
            band: None,
            source: SourceMethod::Auto,
            t0: None,
            keep_matrix: false,
            classifier: Classifier::Default,
            interrupt: lowrank_model::Interrupt::default(),
        }
    }
}

/// Dynamics class of one population (docs/theory §3.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum DynamicsClass {
    /// Fixed point ("FP").
    #[serde(rename = "FP")]
    FixedPoint,
    /// Chaos about a static baseline ("FP+chaos").
    #[serde(rename = "FP+chaos")]
    FixedPointChaos,
    /// Limit cycle ("LC").
    #[serde(rename = "LC")]
    LimitCycle,
    /// Chaos about a limit cycle ("LC+chaos").
    #[serde(rename = "LC+chaos")]
    LimitCycleChaos,
    /// Chaos without structure ("chaos").
    #[serde(rename = "chaos")]
    Chaos,
    /// The rules do not apply (all-zero or non-finite autocorrelation).
    #[serde(rename = "invalid")]
    Invalid,
}

impl DynamicsClass {
    /// Short label used by the paper and the CLI.
    pub fn label(self) -> &'static str {
        match self {
            DynamicsClass::FixedPoint => "FP",
            DynamicsClass::FixedPointChaos => "FP+chaos",
            DynamicsClass::LimitCycle => "LC",
            DynamicsClass::LimitCycleChaos => "LC+chaos",
            DynamicsClass::Chaos => "chaos",
            DynamicsClass::Invalid => "invalid",
        }
    }

    /// All classes (for histograms).
    pub const ALL: [DynamicsClass; 6] = [
        DynamicsClass::FixedPoint,
        DynamicsClass::FixedPointChaos,
        DynamicsClass::LimitCycle,
        DynamicsClass::LimitCycleChaos,
        DynamicsClass::Chaos,
        DynamicsClass::Invalid,
    ];
}

impl std::fmt::Display for DynamicsClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Classify a normalised autocorrelation Δ̂(t0, t0+τ), τ = 0, dt, … (docs/theory §3.8), rules in order:
///
/// 1. all zero (or non-finite): invalid; standard deviation < 10⁻²: FP;
/// 2. peaks = interior local maxima (prominence > [`PEAK_PROMINENCE`]); if the first is at index < 10 it is replaced by index 0,
///    otherwise index 0 (the maximum Δ̂(0) = 1) is prepended — a documented choice so that a
///    monotone decay (one peak, at τ = 0) is classified rather than invalid;
/// 3. exactly one peak and last value > 0.05: FP+chaos;
/// 4. ≥ 2 peaks with the 2nd > 0.98, or ≥ 3 with the 2nd and 3rd > 0.97: LC;
/// 5. one peak, two peaks, or ≥ 3 with second-to-last > 1.05 × last: chaos;
/// 6. otherwise LC+chaos.
///
/// ```
/// use lowrank_theory::dmft::{classify_autocorrelation, DynamicsClass};
/// let cos: Vec<f64> = (0..2000).map(|i| (i as f64 * 0.05).cos()).collect();
/// assert_eq!(classify_autocorrelation(&cos), DynamicsClass::LimitCycle);
/// let decay: Vec<f64> = (0..2000).map(|i| (-(i as f64) * 0.05).exp()).collect();
/// assert_eq!(classify_autocorrelation(&decay), DynamicsClass::Chaos);
/// assert_eq!(classify_autocorrelation(&vec![1.0; 100]), DynamicsClass::FixedPoint);
/// ```
pub fn classify_autocorrelation(x: &[f64]) -> DynamicsClass {
    if let Some(class) = classify_flat(x) {
        return class;
    }
    let mut peaks: Vec<usize> = interior_maxima(x)
        .filter(|&k| prominence(x, k) > PEAK_PROMINENCE)
        .collect();
    match peaks.first() {
        Some(&p) if p < 10 => peaks[0] = 0,
        _ => peaks.insert(0, 0),
    }
    classify_peaks(x, &peaks)
}

/// The reference implementation's classifier of Δ̂(t0, t0+τ) (docs/theory §3.8), rules verbatim:
///
/// 1. all zero: invalid; standard deviation < 10⁻²: FP;
/// 2. peaks = every interior local maximum (x_k > x_{k−1}, x_k ≥ x_{k+1}); none: invalid; if the
///    first is at index < 10 it is replaced by index 0, otherwise the list is kept;
/// 3. to 6. as rules 3–6 of [`classify_autocorrelation`].
///
/// It differs from [`classify_autocorrelation`] in two ways, both of which matter only near
/// ties: (a) a ripple of round-off size on a plateau counts as a peak here (so a static
/// baseline with 10⁻¹⁶ noise can become LC or LC+chaos), and (b) a monotone decay (no interior
/// maximum) is invalid here, and a first peak at index ≥ 10 is compared as the "first" peak
/// instead of Δ̂(0) = 1. [`Classifier`] selects one for a DMFT run.
///
/// ```
/// use lowrank_theory::dmft::{classify_autocorrelation_reference, DynamicsClass};
/// let cos: Vec<f64> = (0..2000).map(|i| (i as f64 * 0.05).cos()).collect();
/// assert_eq!(classify_autocorrelation_reference(&cos), DynamicsClass::LimitCycle);
/// // a monotone decay has no interior maximum: invalid for the reference rules
/// let decay: Vec<f64> = (0..2000).map(|i| (-(i as f64) * 0.05).exp()).collect();
/// assert_eq!(classify_autocorrelation_reference(&decay), DynamicsClass::Invalid);
/// ```
pub fn classify_autocorrelation_reference(x: &[f64]) -> DynamicsClass {
    if let Some(class) = classify_flat(x) {
        return class;
    }
    let mut peaks: Vec<usize> = interior_maxima(x).collect();
    match peaks.first() {
        None => return DynamicsClass::Invalid,
        Some(&p) if p < 10 => peaks[0] = 0,
        Some(_) => {}
    }
    classify_peaks(x, &peaks)
}

/// Which rule set classifies a DMFT run's Δ̂(t0, t0+τ) (docs/theory §3.8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum Classifier {
    /// [`classify_autocorrelation`]: peaks need a prominence above [`PEAK_PROMINENCE`], and
    /// τ = 0 always counts as the first peak.
    #[default]
    #[serde(rename = "default")]
    Default,
    /// [`classify_autocorrelation_reference`]: the reference implementation's rules verbatim.
    #[serde(rename = "reference")]
    Reference,
}

impl Classifier {
    /// Class of one normalised autocorrelation under these rules.
    pub fn classify(self, x: &[f64]) -> DynamicsClass {
        match self {
            Classifier::Default => classify_autocorrelation(x),
            Classifier::Reference => classify_autocorrelation_reference(x),
        }
    }

    /// `"default"` or `"reference"`.
    pub fn label(self) -> &'static str {
        match self {
            Classifier::Default => "default",
            Classifier::Reference => "reference",
        }
    }
}

/// Rule 1 of §3.8: invalid (empty, non-finite or all zero) or FP (standard deviation < 10⁻²).
fn classify_flat(x: &[f64]) -> Option<DynamicsClass> {
    if x.is_empty() || x.iter().any(|v| !v.is_finite()) || x.iter().all(|&v| v == 0.0) {
        return Some(DynamicsClass::Invalid);
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    (sd < 1e-2).then_some(DynamicsClass::FixedPoint)
}

/// Interior local maxima x_k > x_{k−1}, x_k ≥ x_{k+1}.
fn interior_maxima(x: &[f64]) -> impl Iterator<Item = usize> + '_ {
    (1..x.len().saturating_sub(1)).filter(|&k| x[k] > x[k - 1] && x[k] >= x[k + 1])
}

/// Rules 3–6 of §3.8 on a non-empty peak list.
fn classify_peaks(x: &[f64], peaks: &[usize]) -> DynamicsClass {
    let last = x[x.len() - 1];
    let np = peaks.len();
    if np == 1 && last > 0.05 {
        return DynamicsClass::FixedPointChaos;
    }
    if (np >= 2 && x[peaks[1]] > 0.98) || (np >= 3 && x[peaks[1]] > 0.97 && x[peaks[2]] > 0.97) {
        return DynamicsClass::LimitCycle;
    }
    if np <= 2 || x[peaks[np - 2]] > 1.05 * x[peaks[np - 1]] {
        return DynamicsClass::Chaos;
    }
    DynamicsClass::LimitCycleChaos
}

/// Minimal prominence of a peak in [`classify_autocorrelation`]: ripples of round-off size on a
/// plateau (a static baseline Δ∞) are not peaks.
pub const PEAK_PROMINENCE: f64 = 1e-6;

/// Topographic prominence of the local maximum at k: its height above the higher of the two
/// lowest points separating it from a higher point (or the ends) on either side.
fn prominence(x: &[f64], k: usize) -> f64 {
    let h = x[k];
    let mut left = h;
    for &v in x[..k].iter().rev() {
        if v > h {
            break;
        }
        left = left.min(v);
    }
    let mut right = h;
    for &v in &x[k + 1..] {
        if v > h {
            break;
        }
        right = right.min(v);
    }
    h - left.max(right)
}

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

/// Low-rank factorisation of the structured cross term: 𝒜_p(w, w′) = Σ_r λ_r (v_r·w)(v_r·w′),
/// w = (κ, u), from the eigen-decomposition of the quadratic form built with
/// [`MeanField::structured_cross`].
struct StructuredFactor {
    /// Per population: eigenvectors (rows of length K + A) and eigenvalues kept.
    vecs: Vec<Vec<Vec<f64>>>,
    vals: Vec<Vec<f64>>,
}

impl StructuredFactor {
    fn new(mf: &MeanField) -> StructuredFactor {
        let (k, a) = (mf.k, mf.a);
        let n = k + a;
        let mut vecs = Vec::with_capacity(mf.p);
        let mut vals = Vec::with_capacity(mf.p);
        let unit = |i: usize| -> (Vec<f64>, Vec<f64>) {
            let mut s = vec![0.0; k];
            let mut v = vec![0.0; a];
            if i < k {
                s[i] = 1.0;
            } else {
                v[i - k] = 1.0;
            }
            (s, v)
        };
        for p in 0..mf.p {
            let mut q = DMatrix::zeros(n, n);
            for i in 0..n {
                let (s1, v1) = unit(i);
                for j in 0..n {
                    let (s2, v2) = unit(j);
                    q[(i, j)] = mf.structured_cross(p, &s1, &v1, &s2, &v2);
                }
            }
            let q = 0.5 * (&q + q.transpose());
            let (mut pv, mut pl) = (Vec::new(), Vec::new());
            if n > 0 {
                let eig = SymmetricEigen::new(q);
                let top = eig.eigenvalues.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                for r in 0..n {
                    let l = eig.eigenvalues[r];
                    if l.abs() > 1e-12 * top && l.abs() > 1e-300 {
                        pv.push(eig.eigenvectors.column(r).iter().copied().collect());
                        pl.push(l);
                    }
                }
            }
            vecs.push(pv);
            vals.push(pl);
        }
        StructuredFactor { vecs, vals }
    }

    fn rank(&self, p: usize) -> usize {
        self.vals[p].len()
    }
}

/// Source kernel C_φ(x₁, x₂) for the Γ sweep.
#[derive(Clone, Copy)]
enum Kernel {
    /// `Gauss::c_phi` per pair: the nonlinearity's O(1) closed form where
    /// [`Phi::closed_form_source`], else accuracy-controlled quadrature (the tests' reference).
    Closed(Gauss, Phi),
    /// Bivariate Gauss–Hermite tensor rule.
    Quadrature(Gauss, Phi),
    /// The Mehler expansion ([`mehler_source`]); per element (unused by the column path) the
    /// accuracy-controlled `Gauss::c_phi`.
    Mehler(Gauss, Phi),
}

impl Kernel {
    #[inline(always)]
    fn eval(&self, mu1: f64, mu2: f64, d11: f64, d22: f64, d12: f64) -> Result<f64, TheoryError> {
        // In transients the provisional diagonal lags by O(dt), so the scheme can overshoot the
        // Cauchy–Schwarz bound |Δ12| ≤ √(Δ11Δ22) by O(dt); every kernel evaluates the source on the
        // bound (continuous there), so closed forms and quadrature see the same arguments.
        let lim = (d11 * d22).sqrt();
        let d12 = d12.clamp(-lim, lim);
        match *self {
            Kernel::Closed(g, phi) | Kernel::Mehler(g, phi) => {
                Ok(g.c_phi(phi, mu1, mu2, d11, d22, d12)?)
            }
            Kernel::Quadrature(g, phi) => {
                Ok(g.bivariate(|x| phi.phi(x), |x| phi.phi(x), mu1, mu2, d11, d22, d12)?)
            }
        }
    }
}

/// Calls `$body(args)` compiled for AVX-512F or AVX2 when the CPU has them (run-time detection),
/// else the baseline build. The bodies use plain `*`/`+` (never fused), so all builds give
/// bit-identical results; only the vector width differs.
macro_rules! dispatch_simd {
    ($body:ident, ($($arg:ident : $ty:ty),*)) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx512f")]
            fn with_avx512($($arg: $ty),*) {
                $body($($arg),*)
            }
            #[target_feature(enable = "avx2")]
            fn with_avx2($($arg: $ty),*) {
                $body($($arg),*)
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (detected at run time just above).
                return unsafe { with_avx512($($arg),*) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (detected at run time just above).
                return unsafe { with_avx2($($arg),*) };
            }
        }
        $body($($arg),*)
    }};
}

pub mod frequency;
mod mehler_source;

/// Zero-mean erf source on one column (docs/theory §1.10, §3.11), in time order: for
/// k = 0..n, `c[k] = C_φ(0, 0; Δ_ii, Δ_jj, Δ_ij)` at i = j − n + 1 + k, with Δ_ij =
/// `dc[n − 1 − k]` (`dc` is lag-ordered), with `clamp` clamped to ±√(Δ_ii Δ_jj) as in
/// [`Kernel::eval`]; `q[k]`/`sd[k]` hold Δ_ii + 2/π and √Δ_ii, `qj`/`sdj` the same at t_j.
/// Branch-free per element (vectorises); it differs from `lowrank_gauss::erf::c_phi` only by the
/// ≤ 3ε arctan error and the rounding of the clamp bound √Δ_ii·√Δ_jj (vs √(Δ_ii Δ_jj)).
fn erf_zero_mean_column(
    c: &mut [f64],
    dc: &[f64],
    q: &[f64],
    sd: &[f64],
    qj: f64,
    sdj: f64,
    clamp: bool,
) {
    #[inline(always)]
    fn body(c: &mut [f64], dc: &[f64], q: &[f64], sd: &[f64], qj: f64, sdj: f64) {
        for ((cl, &d), (&qi, &si)) in c.iter_mut().zip(dc.iter().rev()).zip(q.iter().zip(sd)) {
            let lim = si * sdj;
            let d = if d > lim {
                lim
            } else if d < -lim {
                -lim
            } else {
                d
            };
            *cl = lowrank_gauss::erf::c_phi_zero_mean_q(qi * qj, d);
        }
    }
    #[inline(always)]
    fn raw(c: &mut [f64], dc: &[f64], q: &[f64], qj: f64) {
        for ((cl, &d), &qi) in c.iter_mut().zip(dc.iter().rev()).zip(q) {
            *cl = lowrank_gauss::erf::c_phi_zero_mean_q(qi * qj, d);
        }
    }
    if clamp {
        dispatch_simd!(body, (c: &mut [f64], dc: &[f64], q: &[f64], sd: &[f64], qj: f64, sdj: f64))
    } else {
        dispatch_simd!(raw, (c: &mut [f64], dc: &[f64], q: &[f64], qj: f64))
    }
}

/// Adds the structured cross term 𝒜_p(t_i, t_j) = Σ_r λ_r y_r(t_i) y_r(t_j) (docs/theory §1.8) to a
/// time-ordered source column: `src[k] += Σ_r yl[r·nt + ilo + k] · yj[r]`, the ranks in order,
/// four per pass over `src`.
fn add_structured(src: &mut [f64], yl: &[f64], nt: usize, ilo: usize, yj: &[f64]) {
    #[inline(always)]
    fn body(src: &mut [f64], yl: &[f64], nt: usize, ilo: usize, yj: &[f64]) {
        let n = src.len();
        let row = |r: usize| &yl[r * nt + ilo..r * nt + ilo + n];
        let mut r = 0;
        while r < yj.len() {
            match yj.len() - r {
                1 => {
                    let (y0, c0) = (row(r), yj[r]);
                    for (s, &a0) in src.iter_mut().zip(y0) {
                        *s += a0 * c0;
                    }
                    r += 1;
                }
                2 => {
                    let (y0, y1, c0, c1) = (row(r), row(r + 1), yj[r], yj[r + 1]);
                    for ((s, &a0), &a1) in src.iter_mut().zip(y0).zip(y1) {
                        *s = *s + a0 * c0 + a1 * c1;
                    }
                    r += 2;
                }
                3 => {
                    let (y0, y1, y2) = (row(r), row(r + 1), row(r + 2));
                    let (c0, c1, c2) = (yj[r], yj[r + 1], yj[r + 2]);
                    for (((s, &a0), &a1), &a2) in src.iter_mut().zip(y0).zip(y1).zip(y2) {
                        *s = *s + a0 * c0 + a1 * c1 + a2 * c2;
                    }
                    r += 3;
                }
                _ => {
                    let (y0, y1, y2, y3) = (row(r), row(r + 1), row(r + 2), row(r + 3));
                    let (c0, c1, c2, c3) = (yj[r], yj[r + 1], yj[r + 2], yj[r + 3]);
                    for ((((s, &a0), &a1), &a2), &a3) in
                        src.iter_mut().zip(y0).zip(y1).zip(y2).zip(y3)
                    {
                        *s = *s + a0 * c0 + a1 * c1 + a2 * c2 + a3 * c3;
                    }
                    r += 4;
                }
            }
        }
    }
    dispatch_simd!(body, (src: &mut [f64], yl: &[f64], nt: usize, ilo: usize, yj: &[f64]))
}

/// Γ recursion along one column (docs/theory §3.11): g_k = (1 − dt)·g_{k−1} + dt·s_k for
/// k = 0..n in time order (i = j − n + 1 + k) with g_{−1} = `start`, stored lag-ordered:
/// `out[n − 1 − k] = g_k` (n = `s.len()`; `s` is overwritten).
///
/// After the first 16 serial steps it runs as 16 interleaved chains (held in registers),
/// g_k = a¹⁶ g_{k−16} + dt w_k with the window sums w_k = Σ_{m<16} aᵐ s_{k−m} (a = 1 − dt) built
/// by doubling (w₂ = s_k + a s_{k−1}, w₄ = w₂(k) + a² w₂(k−2), …): the same recursion regrouped
/// (round-off level differences), every pass a vectorisable stream instead of one serial chain.
fn gamma_sweep(s: &mut [f64], out: &mut [f64], start: f64, a: f64, dt: f64) {
    #[inline(always)]
    fn body(s: &mut [f64], out: &mut [f64], start: f64, a: f64, dt: f64) {
        const L: usize = 16;
        let n = s.len();
        let out = &mut out[..n];
        let mut c = [0.0f64; L];
        let mut g = start;
        for k in 0..n.min(L) {
            g = a * g + dt * s[k];
            c[k] = g;
            out[n - 1 - k] = g;
        }
        if n <= L {
            return;
        }
        let head = c;
        // window sums by doubling, ping-pong between `out` (as scratch) and `s`
        let mut ap = a;
        for (w, from_s) in [(1usize, true), (2, false), (4, true), (8, false)] {
            let (src, dst): (&[f64], &mut [f64]) = if from_s {
                (&*s, &mut *out)
            } else {
                (&*out, &mut *s)
            };
            // dst[k] = src[k] + aʷ src[k − w] for 2w − 1 ≤ k < n (where the 2w-window is
            // complete; n > 16 ≥ 2w − 1)
            let lo = 2 * w - 1;
            let (srcl, srcr) = (&src[lo - w..n - w], &src[lo..n]);
            for ((d, &x), &xm) in dst[lo..n].iter_mut().zip(srcr).zip(srcl) {
                *d = x + ap * xm;
            }
            ap *= ap;
        }
        // now s[k] = w₁₆(k) for k ≥ 15 and ap = a¹⁶
        let mut k = L;
        while k + L <= n {
            for (cm, &w) in c.iter_mut().zip(&s[k..k + L]) {
                *cm = ap * *cm + dt * w;
            }
            for (o, &cm) in out[n - k - L..n - k].iter_mut().rev().zip(&c) {
                *o = cm;
            }
            k += L;
        }
        for (m, kk) in (k..n).enumerate() {
            c[m] = ap * c[m] + dt * s[kk];
            out[n - 1 - kk] = c[m];
        }
        for (o, &h) in out[n - L..].iter_mut().rev().zip(&head) {
            *o = h;
        }
    }
    dispatch_simd!(body, (s: &mut [f64], out: &mut [f64], start: f64, a: f64, dt: f64))
}

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
                what: "two-time DMFT".into(),
                residual: f64::INFINITY,
                iterations: j,
                reason: "currents diverged".into(),
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
                    what: "two-time DMFT".into(),
                    residual: djj,
                    iterations: j,
                    reason: format!("variance of population {p} became {djj} (dt too large?)"),
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
            Err(TheoryError::NotConverged { iterations, .. }) => assert_eq!(iterations, 0),
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
