//! Constructors for Mastrogiuseppe & Ostojic (2018) \[MO\] (docs/theory §1.3, §2): one
//! population of N neurons, φ = tanh, J = g χ + Σ_r m^{(r)} n^{(r)ᵀ}/N.
//!
//! Each constructor is a plain parameter struct (defaults = the paper's reference values
//! where docs/theory/ gives them) with a `model()` method that builds a general [`Model`]
//! through [`ModelBuilder`]; the tasks of §2.6 are declared as linear combinations of
//! independent Gaussian basis vectors, never as hand-coded equations. The same structs are
//! the `[mo2018]` section of a scenario file (`kind = "rank-one"`, `"ring"`, `"rank-two"`,
//! `"go-nogo"`, `"detection"`, `"context"`).
//!
//! Every model has one population named [`POPULATION`] with weight 1 and gain g.

use crate::builder::ModelBuilder;
use crate::error::{finite, non_negative, ModelError};
use crate::network::{Model, Pulse, Schedule};
use crate::validate::check_psd;
use lowrank_gauss::Phi;
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// Name of the single \[MO\] population.
pub const POPULATION: &str = "net";

fn field(name: &str) -> impl Fn() -> String + '_ {
    move || format!("mo2018.{name}")
}

fn one_population(name: &str, g: f64) -> Result<ModelBuilder, ModelError> {
    non_negative(field("g"), g).map_err(|e| match e {
        ModelError::Invalid { field, .. } if g < 0.0 => {
            ModelError::NegativeGain { field, value: g }
        }
        e => e,
    })?;
    crate::validate::check_gain_range("mo2018.g", g)?;
    let mut b = ModelBuilder::new(name, Phi::Tanh);
    b.population(POPULATION, 1.0)
        .gain(POPULATION, POPULATION, g);
    Ok(b)
}

fn pulse(start: f64, duration: f64, amplitude: f64) -> Pulse {
    Pulse {
        start,
        stop: start + duration,
        amplitude,
    }
}

fn check_window(onset: &str, duration: &str, o: f64, d: f64) -> Result<(), ModelError> {
    finite(field(onset), o)?;
    non_negative(field(duration), d)?;
    if d == 0.0 {
        return Err(ModelError::invalid(
            format!("mo2018.{duration}"),
            "duration must be > 0",
        ));
    }
    Ok(())
}

/// Rank one with optional input, canonical construction of docs/theory §1.3:
/// m = M_m + Σ_m x₁, n = M_n + Σ_n x₂, I = M_I + (Σ_mI/Σ_m) x₁ + (Σ_nI/Σ_n) x₂ + Σ⊥ h, plus an
/// overlap σ_mn "along a random direction". Declared by its exact statistics:
/// σ_mm = Σ_m², σ_nn = Σ_n², σ_mn, σ_mI = Σ_mI, σ_nI = Σ_nI,
/// σ_II = Σ_mI²/Σ_m² + Σ_nI²/Σ_n² + Σ⊥², so Ω = M_m M_n + σ_mn (λ₀ = M_m M_n when σ_mn = 0).
/// Vectors `m`, `n` and, if any input statistic is nonzero or `input` is given, `I` with an
/// input `I` (default schedule: constant amplitude 1); term `1`.
///
/// ```
/// use lowrank_model::mo2018::RankOne;
/// let m = RankOne { g: 1.5, mean_m: 1.1, mean_n: 2.0, ..Default::default() }.model().unwrap();
/// assert!((m.overlap_matrix()[(0, 0)] - 2.2).abs() < 1e-14); // λ₀ = M_m M_n
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RankOne {
    /// Disorder gain g.
    pub g: f64,
    /// M_m, mean of m.
    pub mean_m: f64,
    /// M_n, mean of n.
    pub mean_n: f64,
    /// Σ_m, standard deviation of m.
    pub sigma_m: f64,
    /// Σ_n, standard deviation of n.
    pub sigma_n: f64,
    /// σ_mn, covariance of m and n (overlap along a random direction; 0 canonically).
    pub sigma_mn: f64,
    /// M_I, mean of the input vector.
    pub mean_i: f64,
    /// Σ_mI = σ_mI, covariance of m and I.
    pub sigma_mi: f64,
    /// Σ_nI = σ_nI, covariance of n and I.
    pub sigma_ni: f64,
    /// Σ⊥, standard deviation of the part of I orthogonal to m and n.
    pub sigma_perp: f64,
    /// Time course of the input (None: constant 1 if any input statistic is nonzero).
    pub input: Option<Schedule>,
}

impl Default for RankOne {
    /// The Fig. 1 set of docs/theory §5: g = 1.5, M_m = 1.1, M_n = 2, Σ_m = Σ_n = 1, no input.
    fn default() -> Self {
        RankOne {
            g: 1.5,
            mean_m: 1.1,
            mean_n: 2.0,
            sigma_m: 1.0,
            sigma_n: 1.0,
            sigma_mn: 0.0,
            mean_i: 0.0,
            sigma_mi: 0.0,
            sigma_ni: 0.0,
            sigma_perp: 0.0,
            input: None,
        }
    }
}

impl RankOne {
    /// Whether the input vector I is part of the model.
    pub fn has_input(&self) -> bool {
        self.input.is_some()
            || [self.mean_i, self.sigma_mi, self.sigma_ni, self.sigma_perp]
                .iter()
                .any(|&x| x != 0.0)
    }

    /// σ_II = Σ_mI²/Σ_m² + Σ_nI²/Σ_n² + Σ⊥² (docs/theory §1.3).
    pub fn sigma_ii(&self) -> Result<f64, ModelError> {
        let part = |c: f64, s: f64, name: &str| -> Result<f64, ModelError> {
            if c == 0.0 {
                Ok(0.0)
            } else if s == 0.0 {
                Err(ModelError::invalid(
                    format!("mo2018.{name}"),
                    "a nonzero input covariance needs a nonzero standard deviation of the vector",
                ))
            } else {
                Ok(c * c / (s * s))
            }
        };
        Ok(part(self.sigma_mi, self.sigma_m, "sigma_mi")?
            + part(self.sigma_ni, self.sigma_n, "sigma_ni")?
            + self.sigma_perp.powi(2))
    }

    /// Build the general model (named `mo2018-rank-one`).
    pub fn model(&self) -> Result<Model, ModelError> {
        for (n, v) in [
            ("mean_m", self.mean_m),
            ("mean_n", self.mean_n),
            ("sigma_mn", self.sigma_mn),
            ("mean_i", self.mean_i),
            ("sigma_mi", self.sigma_mi),
            ("sigma_ni", self.sigma_ni),
        ] {
            finite(field(n), v)?;
        }
        for (n, v) in [
            ("sigma_m", self.sigma_m),
            ("sigma_n", self.sigma_n),
            ("sigma_perp", self.sigma_perp),
        ] {
            non_negative(field(n), v)?;
        }
        let mut b = one_population("mo2018-rank-one", self.g)?;
        let with_input = self.has_input();
        let names: Vec<String> = if with_input {
            vec!["m".into(), "n".into(), "I".into()]
        } else {
            vec!["m".into(), "n".into()]
        };
        let mut cov = DMatrix::zeros(names.len(), names.len());
        cov[(0, 0)] = self.sigma_m.powi(2);
        cov[(1, 1)] = self.sigma_n.powi(2);
        cov[(0, 1)] = self.sigma_mn;
        cov[(1, 0)] = self.sigma_mn;
        if with_input {
            cov[(2, 2)] = self.sigma_ii()?;
            cov[(0, 2)] = self.sigma_mi;
            cov[(2, 0)] = self.sigma_mi;
            cov[(1, 2)] = self.sigma_ni;
            cov[(2, 1)] = self.sigma_ni;
        }
        check_psd(&cov, &names, "mo2018 (rank-one covariance of m, n, I)")?;
        let means = [self.mean_m, self.mean_n, self.mean_i];
        for (k, name) in names.iter().enumerate() {
            b.vector(name.as_str()).mean_everywhere(name, means[k]);
        }
        for a in 0..names.len() {
            for c in a..names.len() {
                if cov[(a, c)] != 0.0 {
                    b.covariance_everywhere(&names[a], &names[c], cov[(a, c)]);
                }
            }
        }
        b.term("1", "m", "n");
        if with_input {
            let schedule = self.input.clone().unwrap_or(Schedule {
                baseline: 1.0,
                ..Default::default()
            });
            schedule.validate("mo2018.input")?;
            b.input("I", "I", schedule);
        }
        b.build()
    }
}

/// Ring attractor (docs/theory §1.3, §2.5), rank two from independent standard normal
/// x₁..x₄, y₁, y₂: m^{(r)} = √(Σ²−ρ²) x + ρ y_r, n^{(r)} = √(Σ²−ρ²) x' + ρ y_r, so
/// σ_{m_r m_s} = σ_{n_r n_s} = Σ² δ_rs and σ_{n_r m_s} = ρ² δ_rs (Ω = ρ² 𝟙). Vectors
/// `x1`..`x4`, `y1`, `y2`, `m1`, `n1`, `m2`, `n2`; terms `1`, `2`. Requires ρ² ≤ Σ².
///
/// ```
/// use lowrank_model::mo2018::Ring;
/// let m = Ring::default().model().unwrap(); // Σ = 2, ρ = 1.6, g = 2.1
/// assert!((m.overlap_matrix()[(1, 1)] - 2.56).abs() < 1e-12);
/// assert!(m.overlap_matrix()[(0, 1)].abs() < 1e-12);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ring {
    /// Disorder gain g.
    pub g: f64,
    /// Σ, standard deviation of every m and n.
    pub sigma: f64,
    /// ρ, the shared-direction coefficient: σ_{n_r m_r} = ρ².
    pub rho: f64,
}

impl Default for Ring {
    /// Reference set of docs/theory §2.5: Σ = 2, ρ = 1.6, g = 2.1.
    fn default() -> Self {
        Ring {
            g: 2.1,
            sigma: 2.0,
            rho: 1.6,
        }
    }
}

impl Ring {
    /// Build the general model (named `mo2018-ring`).
    pub fn model(&self) -> Result<Model, ModelError> {
        non_negative(field("sigma"), self.sigma)?;
        finite(field("rho"), self.rho)?;
        let rest = self.sigma.powi(2) - self.rho.powi(2);
        if rest < 0.0 {
            return Err(ModelError::invalid(
                "mo2018.rho",
                format!(
                    "ρ² = {} exceeds Σ² = {}",
                    self.rho.powi(2),
                    self.sigma.powi(2)
                ),
            ));
        }
        let a = rest.sqrt();
        let mut b = one_population("mo2018-ring", self.g)?;
        for v in ["x1", "x2", "x3", "x4", "y1", "y2"] {
            b.basis(v, 1.0);
        }
        b.combination("m1", &[("x1", a), ("y1", self.rho)])
            .combination("n1", &[("x2", a), ("y1", self.rho)])
            .combination("m2", &[("x3", a), ("y2", self.rho)])
            .combination("n2", &[("x4", a), ("y2", self.rho)])
            .term("1", "m1", "n1")
            .term("2", "m2", "n2");
        b.build()
    }
}

/// General rank two (docs/theory §2.5): two pairs (m^{(1)}, n^{(1)}), (m^{(2)}, n^{(2)}) and an
/// optional input I, declared by means and covariances of the ordered vectors
/// (`m1`, `n1`, `m2`, `n2`, `I`). The covariance must be symmetric and PSD. I is included if
/// its mean or covariance row is nonzero or `input` is given (default schedule: constant 1).
///
/// ```
/// use lowrank_model::mo2018::RankTwo;
/// let mut p = RankTwo::default();
/// p.cov[0][3] = 0.5; p.cov[3][0] = 0.5; // σ_{m1 n2}
/// let m = p.model().unwrap();
/// assert!((m.overlap_matrix()[(1, 0)] - 0.5).abs() < 1e-14); // Ω_21 = n2·m1/N
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RankTwo {
    /// Disorder gain g.
    pub g: f64,
    /// Means of (m1, n1, m2, n2, I).
    pub mean: [f64; 5],
    /// Covariance of (m1, n1, m2, n2, I), row-major, symmetric.
    pub cov: [[f64; 5]; 5],
    /// Time course of the input (None: constant 1 if I is present).
    pub input: Option<Schedule>,
}

impl Default for RankTwo {
    /// g = 0.8, zero means, unit variances, no covariances, no input.
    fn default() -> Self {
        let mut cov = [[0.0; 5]; 5];
        for (k, row) in cov.iter_mut().enumerate().take(4) {
            row[k] = 1.0;
        }
        RankTwo {
            g: 0.8,
            mean: [0.0; 5],
            cov,
            input: None,
        }
    }
}

impl RankTwo {
    /// Names of the five vectors, in the order of `mean` and `cov`.
    pub const VECTORS: [&'static str; 5] = ["m1", "n1", "m2", "n2", "I"];

    /// Whether the input vector I is part of the model.
    pub fn has_input(&self) -> bool {
        self.input.is_some() || self.mean[4] != 0.0 || self.cov[4].iter().any(|&x| x != 0.0)
    }

    /// Build the general model (named `mo2018-rank-two`).
    pub fn model(&self) -> Result<Model, ModelError> {
        let nv = if self.has_input() { 5 } else { 4 };
        for a in 0..5 {
            finite(|| format!("mo2018.mean.{a}"), self.mean[a])?;
            for c in 0..5 {
                finite(|| format!("mo2018.cov.{a}.{c}"), self.cov[a][c])?;
                if self.cov[a][c] != self.cov[c][a] {
                    return Err(ModelError::invalid(
                        format!("mo2018.cov.{a}.{c}"),
                        format!(
                            "not symmetric: cov.{a}.{c} = {} but cov.{c}.{a} = {}",
                            self.cov[a][c], self.cov[c][a]
                        ),
                    ));
                }
            }
        }
        let names: Vec<String> = Self::VECTORS[..nv].iter().map(|s| s.to_string()).collect();
        let cov = DMatrix::from_fn(nv, nv, |a, c| self.cov[a][c]);
        check_psd(&cov, &names, "mo2018.cov")?;
        let mut b = one_population("mo2018-rank-two", self.g)?;
        for (k, name) in names.iter().enumerate() {
            b.vector(name.as_str()).mean_everywhere(name, self.mean[k]);
        }
        for a in 0..nv {
            for c in a..nv {
                if cov[(a, c)] != 0.0 {
                    b.covariance_everywhere(&names[a], &names[c], cov[(a, c)]);
                }
            }
        }
        b.term("1", "m1", "n1").term("2", "m2", "n2");
        if nv == 5 {
            let schedule = self.input.clone().unwrap_or(Schedule {
                baseline: 1.0,
                ..Default::default()
            });
            schedule.validate("mo2018.input")?;
            b.input("I", "I", schedule);
        }
        b.build()
    }
}

/// Which input of the Go–Nogo task carries the stimulus pulse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stimulus {
    /// The Go input I^A (= n).
    Go,
    /// The Nogo input I^B ⊥ I^A.
    Nogo,
}

/// Go–Nogo task (docs/theory §2.6), rank one from basis vectors w (std Σ_w), I_A, I_B
/// (std Σ_I): m = w, n = I_A; inputs `go` (along `I_A`) and `nogo` (along `I_B`), the
/// chosen one pulsed with `amplitude` on [onset, onset + duration); readout `z` along w.
/// Mean field: Go ⇒ κ = Σ_I²⟨φ′⟩, Nogo ⇒ κ = 0; Ω = σ_{wI_A} = 0 (no memory).
///
/// ```
/// use lowrank_model::mo2018::{go_nogo, GoNogo};
/// let m = go_nogo(&GoNogo::default()).unwrap();
/// assert!(m.overlap_matrix()[(0, 0)].abs() < 1e-14);
/// let (n, i) = (m.vector_index("n").unwrap(), m.vector_index("I_A").unwrap());
/// assert!((m.stats()[0].cov[(n, i)] - 4.0).abs() < 1e-12); // σ_{n I_A} = Σ_I²
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoNogo {
    /// Disorder gain g.
    pub g: f64,
    /// Σ_I, standard deviation of I_A and I_B.
    pub sigma_i: f64,
    /// Σ_w, standard deviation of the readout w (= m).
    pub sigma_w: f64,
    /// Which input is pulsed.
    pub stimulus: Stimulus,
    /// Pulse amplitude.
    pub amplitude: f64,
    /// Pulse onset (time after burn-in).
    pub onset: f64,
    /// Pulse duration.
    pub duration: f64,
}

impl Default for GoNogo {
    /// Reference protocol of §2.6: g = 0.1, Σ_I = Σ_w = 2, Go stimulus of amplitude 1 on [5, 15).
    fn default() -> Self {
        GoNogo {
            g: 0.1,
            sigma_i: 2.0,
            sigma_w: 2.0,
            stimulus: Stimulus::Go,
            amplitude: 1.0,
            onset: 5.0,
            duration: 10.0,
        }
    }
}

impl GoNogo {
    /// Build the general model (named `mo2018-go-nogo`).
    pub fn model(&self) -> Result<Model, ModelError> {
        non_negative(field("sigma_i"), self.sigma_i)?;
        non_negative(field("sigma_w"), self.sigma_w)?;
        finite(field("amplitude"), self.amplitude)?;
        check_window("onset", "duration", self.onset, self.duration)?;
        let mut b = one_population("mo2018-go-nogo", self.g)?;
        b.basis("w", self.sigma_w.powi(2))
            .basis("I_A", self.sigma_i.powi(2))
            .basis("I_B", self.sigma_i.powi(2));
        b.combination("m", &[("w", 1.0)])
            .combination("n", &[("I_A", 1.0)])
            .term("1", "m", "n");
        let on = Schedule {
            pulses: vec![pulse(self.onset, self.duration, self.amplitude)],
            ..Default::default()
        };
        let (go, nogo) = match self.stimulus {
            Stimulus::Go => (on, Schedule::default()),
            Stimulus::Nogo => (Schedule::default(), on),
        };
        b.input("go", "I_A", go)
            .input("nogo", "I_B", nogo)
            .readout("z", "w");
        b.build()
    }
}

/// Go–Nogo task model (docs/theory §2.6); see [`GoNogo`].
pub fn go_nogo(p: &GoNogo) -> Result<Model, ModelError> {
    p.model()
}

/// Noisy detection task (docs/theory §1.3, §2.6), rank one and bistable, from basis vectors
/// w (std Σ_w), I (std Σ_I), y (std 1), h (std Σ⊥): m = w + ρ_m y, n = I + ρ_n y
/// (σ_mn = ρ_m ρ_n). Inputs: `stimulus` along I with amplitude c and shared white noise σ,
/// on only during the stimulus window; `h` along h with amplitude 1 during the same window.
/// Readout `z` along w. Mean field: κ = ⟨φ′⟩(ρ_mρ_n κ + cΣ_I²).
///
/// ```
/// use lowrank_model::mo2018::{detection, Detection};
/// let m = detection(&Detection::default()).unwrap();
/// assert!((m.overlap_matrix()[(0, 0)] - 4.0).abs() < 1e-12); // ρ_m ρ_n = 2·2
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Detection {
    /// Disorder gain g.
    pub g: f64,
    /// Σ_w, standard deviation of the readout w.
    pub sigma_w: f64,
    /// Σ_I, standard deviation of the stimulus vector I.
    pub sigma_i: f64,
    /// ρ_m, coefficient of the shared direction y in m.
    pub rho_m: f64,
    /// ρ_n, coefficient of the shared direction y in n.
    pub rho_n: f64,
    /// Σ⊥, standard deviation of the orthogonal input h.
    pub sigma_perp: f64,
    /// Stimulus strength c.
    pub c: f64,
    /// Noise amplitude σ of the shared white noise on the stimulus.
    pub noise: f64,
    /// Stimulus onset (time after burn-in).
    pub onset: f64,
    /// Stimulus duration.
    pub duration: f64,
}

impl Default for Detection {
    /// Reference set of §2.6: g = 0.8, Σ_w = Σ_I = 1.2, ρ_m = ρ_n = 2, Σ⊥ = 1, σ = 0.4,
    /// c = 0.6, stimulus on [7, 29).
    fn default() -> Self {
        Detection {
            g: 0.8,
            sigma_w: 1.2,
            sigma_i: 1.2,
            rho_m: 2.0,
            rho_n: 2.0,
            sigma_perp: 1.0,
            c: 0.6,
            noise: 0.4,
            onset: 7.0,
            duration: 22.0,
        }
    }
}

impl Detection {
    /// Build the general model (named `mo2018-detection`).
    pub fn model(&self) -> Result<Model, ModelError> {
        for (n, v) in [
            ("sigma_w", self.sigma_w),
            ("sigma_i", self.sigma_i),
            ("sigma_perp", self.sigma_perp),
            ("noise", self.noise),
        ] {
            non_negative(field(n), v)?;
        }
        for (n, v) in [("rho_m", self.rho_m), ("rho_n", self.rho_n), ("c", self.c)] {
            finite(field(n), v)?;
        }
        check_window("onset", "duration", self.onset, self.duration)?;
        let mut b = one_population("mo2018-detection", self.g)?;
        b.basis("w", self.sigma_w.powi(2))
            .basis("I", self.sigma_i.powi(2))
            .basis("y", 1.0)
            .basis("h", self.sigma_perp.powi(2));
        b.combination("m", &[("w", 1.0), ("y", self.rho_m)])
            .combination("n", &[("I", 1.0), ("y", self.rho_n)])
            .term("1", "m", "n");
        let stim = Schedule {
            pulses: vec![pulse(self.onset, self.duration, self.c)],
            noise: self.noise,
            noise_during_pulses_only: true,
            ..Default::default()
        };
        let h = Schedule {
            pulses: vec![pulse(self.onset, self.duration, 1.0)],
            ..Default::default()
        };
        b.input("stimulus", "I", stim)
            .input("h", "h", h)
            .readout("z", "w");
        b.build()
    }
}

/// Noisy detection task model (docs/theory §2.6); see [`Detection`].
pub fn detection(p: &Detection) -> Result<Model, ModelError> {
    p.model()
}

/// Context-dependent discrimination task (docs/theory §2.6), rank two from basis vectors
/// y₁, y₂, I_A, I_B (std Σ_I) and w, ctx_A, ctx_B (std 1):
/// m^{(1)} = y₁ + ρ_m ctx_A + β_m w, n^{(1)} = I_A + ρ_n ctx_A + β_n w, and (2, B) alike.
/// Inputs `ctx_a`, `ctx_b` (amplitudes γ_A, γ_B from `context_onset`), `stim_a`, `stim_b`
/// (amplitudes c_A, c_B from `stimulus_onset`), all until `stop`; readout `z` along w.
/// Ω = [[ρ_mρ_n + β_mβ_n, β_mβ_n], [β_mβ_n, ρ_mρ_n + β_mβ_n]].
///
/// `stimulus_noise` > 0 adds shared white noise to the stimuli — the context-dependent
/// *evidence-integration* variant, which is **not validated against \[MO\]** (docs/theory §6);
/// the discrimination task (noise 0) is.
///
/// ```
/// use lowrank_model::mo2018::{context, Context};
/// let p = Context::default();
/// let m = context(&p).unwrap();
/// let b = p.beta_m * p.beta_n;
/// assert!((m.overlap_matrix()[(0, 0)] - (p.rho_m * p.rho_n + b)).abs() < 1e-12);
/// assert!((m.overlap_matrix()[(0, 1)] - b).abs() < 1e-12);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Context {
    /// Disorder gain g.
    pub g: f64,
    /// Σ_I, standard deviation of y₁, y₂, I_A, I_B.
    pub sigma_i: f64,
    /// ρ_m, coefficient of the context vector in m^{(r)}.
    pub rho_m: f64,
    /// ρ_n, coefficient of the context vector in n^{(r)}.
    pub rho_n: f64,
    /// β_m, coefficient of the readout w in m^{(r)}.
    pub beta_m: f64,
    /// β_n, coefficient of the readout w in n^{(r)}.
    pub beta_n: f64,
    /// γ_A, amplitude of context input A.
    pub gamma_a: f64,
    /// γ_B, amplitude of context input B.
    pub gamma_b: f64,
    /// c_A, amplitude of stimulus A.
    pub c_a: f64,
    /// c_B, amplitude of stimulus B.
    pub c_b: f64,
    /// Onset of the context inputs.
    pub context_onset: f64,
    /// Onset of the stimuli.
    pub stimulus_onset: f64,
    /// End of all inputs.
    pub stop: f64,
    /// Shared white-noise amplitude on the stimuli (evidence integration; NOT validated against \[MO\]).
    pub stimulus_noise: f64,
}

impl Default for Context {
    /// Reference set of §2.6, context A, stimulus A: g = 0.8, Σ_I = 1.2, ρ_m = 1.6, ρ_n = 3,
    /// β_m = 0.6, β_n = 1, γ_A = 0.08, γ_B = −0.14, c_A = 1, c_B = 0; context alone on
    /// [0, 15), context plus stimulus on [15, 100).
    fn default() -> Self {
        Context {
            g: 0.8,
            sigma_i: 1.2,
            rho_m: 1.6,
            rho_n: 3.0,
            beta_m: 0.6,
            beta_n: 1.0,
            gamma_a: 0.08,
            gamma_b: -0.14,
            c_a: 1.0,
            c_b: 0.0,
            context_onset: 0.0,
            stimulus_onset: 15.0,
            stop: 100.0,
            stimulus_noise: 0.0,
        }
    }
}

impl Context {
    /// Note attached to the evidence-integration variant (`stimulus_noise` > 0).
    pub const NOT_VALIDATED: &'static str =
        "context-dependent evidence integration (stimulus_noise > 0) is not validated against [MO] (docs/theory §6)";

    /// Build the general model (named `mo2018-context`).
    pub fn model(&self) -> Result<Model, ModelError> {
        non_negative(field("sigma_i"), self.sigma_i)?;
        non_negative(field("stimulus_noise"), self.stimulus_noise)?;
        for (n, v) in [
            ("rho_m", self.rho_m),
            ("rho_n", self.rho_n),
            ("beta_m", self.beta_m),
            ("beta_n", self.beta_n),
            ("gamma_a", self.gamma_a),
            ("gamma_b", self.gamma_b),
            ("c_a", self.c_a),
            ("c_b", self.c_b),
        ] {
            finite(field(n), v)?;
        }
        check_window(
            "context_onset",
            "stop",
            self.context_onset,
            self.stop - self.context_onset,
        )?;
        check_window(
            "stimulus_onset",
            "stop",
            self.stimulus_onset,
            self.stop - self.stimulus_onset,
        )?;
        let mut b = one_population("mo2018-context", self.g)?;
        let vi = self.sigma_i.powi(2);
        b.basis("y1", vi)
            .basis("y2", vi)
            .basis("I_A", vi)
            .basis("I_B", vi)
            .basis("w", 1.0)
            .basis("ctx_A", 1.0)
            .basis("ctx_B", 1.0);
        b.combination(
            "m1",
            &[("y1", 1.0), ("ctx_A", self.rho_m), ("w", self.beta_m)],
        )
        .combination(
            "n1",
            &[("I_A", 1.0), ("ctx_A", self.rho_n), ("w", self.beta_n)],
        )
        .combination(
            "m2",
            &[("y2", 1.0), ("ctx_B", self.rho_m), ("w", self.beta_m)],
        )
        .combination(
            "n2",
            &[("I_B", 1.0), ("ctx_B", self.rho_n), ("w", self.beta_n)],
        )
        .term("1", "m1", "n1")
        .term("2", "m2", "n2");
        let ctx = |amp: f64| Schedule {
            pulses: vec![Pulse {
                start: self.context_onset,
                stop: self.stop,
                amplitude: amp,
            }],
            ..Default::default()
        };
        let stim = |amp: f64| Schedule {
            pulses: vec![Pulse {
                start: self.stimulus_onset,
                stop: self.stop,
                amplitude: amp,
            }],
            noise: self.stimulus_noise,
            noise_during_pulses_only: true,
            ..Default::default()
        };
        b.input("ctx_a", "ctx_A", ctx(self.gamma_a))
            .input("ctx_b", "ctx_B", ctx(self.gamma_b))
            .input("stim_a", "I_A", stim(self.c_a))
            .input("stim_b", "I_B", stim(self.c_b))
            .readout("z", "w");
        b.build()
    }
}

/// Context-dependent discrimination task model (docs/theory §2.6); see [`Context`].
pub fn context(p: &Context) -> Result<Model, ModelError> {
    p.model()
}

/// Any \[MO\] constructor: the `[mo2018]` section of a scenario file, selected by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Mo2018 {
    /// `kind = "rank-one"`.
    RankOne(RankOne),
    /// `kind = "ring"`.
    Ring(Ring),
    /// `kind = "rank-two"`.
    RankTwo(RankTwo),
    /// `kind = "go-nogo"`.
    GoNogo(GoNogo),
    /// `kind = "detection"`.
    Detection(Detection),
    /// `kind = "context"`.
    Context(Context),
}

impl Mo2018 {
    /// Build the general model.
    pub fn model(&self) -> Result<Model, ModelError> {
        match self {
            Mo2018::RankOne(p) => p.model(),
            Mo2018::Ring(p) => p.model(),
            Mo2018::RankTwo(p) => p.model(),
            Mo2018::GoNogo(p) => p.model(),
            Mo2018::Detection(p) => p.model(),
            Mo2018::Context(p) => p.model(),
        }
    }

    /// The `kind` string.
    pub fn kind(&self) -> &'static str {
        match self {
            Mo2018::RankOne(_) => "rank-one",
            Mo2018::Ring(_) => "ring",
            Mo2018::RankTwo(_) => "rank-two",
            Mo2018::GoNogo(_) => "go-nogo",
            Mo2018::Detection(_) => "detection",
            Mo2018::Context(_) => "context",
        }
    }

    /// Caveats to report with the model (e.g. unvalidated variants).
    pub fn notes(&self) -> Vec<String> {
        match self {
            Mo2018::Context(c) if c.stimulus_noise > 0.0 => {
                vec![Context::NOT_VALIDATED.to_string()]
            }
            _ => Vec::new(),
        }
    }
}
