//! The dynamics classification of docs/theory §3.8 from the normalised autocorrelation Δ̂(τ)
//! ([`Classifier`]: ours and the reference implementation's rules).

use super::*;

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
pub(super) fn classify_flat(x: &[f64]) -> Option<DynamicsClass> {
    if x.is_empty() || x.iter().any(|v| !v.is_finite()) || x.iter().all(|&v| v == 0.0) {
        return Some(DynamicsClass::Invalid);
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    (sd < 1e-2).then_some(DynamicsClass::FixedPoint)
}

/// Interior local maxima x_k > x_{k−1}, x_k ≥ x_{k+1}.
pub(super) fn interior_maxima(x: &[f64]) -> impl Iterator<Item = usize> + '_ {
    (1..x.len().saturating_sub(1)).filter(|&k| x[k] > x[k - 1] && x[k] >= x[k + 1])
}

/// Rules 3–6 of §3.8 on a non-empty peak list.
pub(super) fn classify_peaks(x: &[f64], peaks: &[usize]) -> DynamicsClass {
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
pub(super) fn prominence(x: &[f64], k: usize) -> f64 {
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
