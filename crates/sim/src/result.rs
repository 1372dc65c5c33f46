//! What a simulation returns: time-averaged order parameters with the names of docs/theory/
//! (`kappa`, `currents`, `mu`, `delta0`, `delta_inf`, `readouts`), per trial and averaged over
//! trials, plus the optional time series, traces and autocorrelation.

use crate::scalar::Real;
use crate::simulate::Method;
use serde::{Deserialize, Serialize};

/// Time averages of one trial over the recorded times t_n ∈ [0, t_final] (after the burn-in).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct TrialAverages {
    /// Overlaps κ_k = n^k·φ(x)/N₀ (§1.4), one per term.
    pub kappa: Vec<f64>,
    /// Currents S_k, Ṡ = −S + κ, S(0) = κ(0) (\[CB\]), one per term.
    pub currents: Vec<f64>,
    /// Population means μ_p = (1/N_p) Σ_{i∈p} x_i.
    pub mu: Vec<f64>,
    /// Population variances Δ₀,p = (1/N_p) Σ_{i∈p} (x_i − μ_p)² (equal-time Δ_p of §1.4).
    pub delta0: Vec<f64>,
    /// Readouts z_r = w^r·φ(x)/N₀.
    pub readouts: Vec<f64>,
    /// Δ∞,p from the tail of the autocorrelation (when recorded).
    pub delta_inf: Option<Vec<f64>>,
}

/// Time series of one trial at the recording interval (time-major: `kappa[n][k]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct TrialSeries {
    /// κ_k(t_n).
    pub kappa: Vec<Vec<f64>>,
    /// S_k(t_n).
    pub currents: Vec<Vec<f64>>,
    /// z_r(t_n).
    pub readouts: Vec<Vec<f64>>,
    /// μ_p(t_n) (population mean of x).
    pub mu: Vec<Vec<f64>>,
    /// Population variance of x at t_n.
    pub delta0: Vec<Vec<f64>>,
}

/// Recorded time series: the common time grid and one [`TrialSeries`] per trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Times t_n.
    pub t: Vec<f64>,
    /// One entry per trial.
    pub trials: Vec<TrialSeries>,
}

/// Traces x_i(t) of chosen units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Traces {
    /// Sampling times.
    pub t: Vec<f64>,
    /// Traced unit indices.
    pub units: Vec<usize>,
    /// `x[trial][time][unit]`.
    pub x: Vec<Vec<Vec<f64>>>,
}

impl Traces {
    pub(crate) fn push<T: Real>(&mut self, t: f64, x: &[T], n: usize) {
        self.t.push(t);
        for (b, tr) in self.x.iter_mut().enumerate() {
            tr.push(self.units.iter().map(|&u| x[b * n + u].to_f64()).collect());
        }
    }
}

/// Autocorrelation of one trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialAutocorrelation {
    /// `delta[p][ℓ]` = Δ_p(τ_ℓ).
    pub delta: Vec<Vec<f64>>,
    /// Δ∞,p: mean of Δ_p(τ) over the last quarter of the lags.
    pub delta_inf: Vec<f64>,
}

/// Two-time covariance Δ_p(τ) of x about the population mean (docs/theory §1.4, §1.7).
///
/// Estimator: from states decimated every s = `every` (after the burn-in), kept in a ring
/// buffer of L+1 states,
/// Δ̂_p(ℓs) = ⟨ (1/N_p) Σ_{i∈p} x_i(t) x_i(t−ℓs) − x̄_p(t) x̄_p(t−ℓs) ⟩_t,
/// the time average running over every sample pair inside the averaging window (so lag ℓ
/// uses fewer pairs than lag 0). x̄_p is the population mean at that time; in a stationary
/// state with constant μ_p this is the theory's covariance about μ_p, including the static
/// (quenched) part, so Δ̂_p(0) = Δ₀,p and the tail gives Δ∞,p. `delta_inf` averages the lags
/// ℓ ≥ 3L/4 and is meaningful only when `max_lag` is several correlation times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Autocorrelation {
    /// Lags τ_ℓ = ℓ s.
    pub lags: Vec<f64>,
    /// Trial-averaged `delta[p][ℓ]`.
    pub delta: Vec<Vec<f64>>,
    /// Trial-averaged Δ∞,p.
    pub delta_inf: Vec<f64>,
    /// Per trial.
    pub trials: Vec<TrialAutocorrelation>,
}

/// The result of [`crate::Simulator::run`]. Field names follow docs/theory/ and the CLI's
/// `--json` output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimulationResult {
    /// Number of neurons N.
    pub n: usize,
    /// Normalisation size N₀.
    pub n0: usize,
    /// Population sizes N_p.
    pub sizes: Vec<usize>,
    /// Number of trials B.
    pub trials: usize,
    /// Time step.
    pub dt: f64,
    /// Start of the integration, −⌈burn_in/dt⌉·dt (t = 0 ends the burn-in).
    pub t_start: f64,
    /// Final time ⌈T/dt⌉·dt.
    pub t_final: f64,
    /// Number of steps taken (burn-in included).
    pub steps: usize,
    /// Burn-in duration requested.
    pub burn_in: f64,
    /// Number of recorded times averaged (per trial).
    pub samples: usize,
    /// Integration method.
    pub method: Method,
    /// `"f64"` or `"f32"`.
    pub precision: String,
    /// Trial-averaged κ_k.
    pub kappa: Vec<f64>,
    /// Trial-averaged currents S_k.
    pub currents: Vec<f64>,
    /// Trial-averaged μ_p.
    pub mu: Vec<f64>,
    /// Trial-averaged Δ₀,p.
    pub delta0: Vec<f64>,
    /// Trial-averaged readouts z_r.
    pub readouts: Vec<f64>,
    /// Trial-averaged Δ∞,p (when the autocorrelation was recorded).
    pub delta_inf: Option<Vec<f64>>,
    /// Per-trial averages.
    pub per_trial: Vec<TrialAverages>,
    /// Δ_p(τ) (when requested).
    pub autocorrelation: Option<Autocorrelation>,
    /// Time series (when requested).
    pub series: Option<Series>,
    /// Unit traces (when requested).
    pub traces: Option<Traces>,
    /// Final state of every trial (when requested).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub final_state: Option<Vec<Vec<f64>>>,
}
