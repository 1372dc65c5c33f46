//! The input-driven switch of the currents (docs/theory §3.10, current ODE at g = 0): no input,
//! then a constant input into one region; the end state of each phase, and on request the time
//! series of the currents S^{μν}, the gains ψ^μ and Σ_ρ (S^{μρ})².

use super::{option, time_steps, StudyError};
use crate::gauss::Gauss;
use crate::model::cb2025::symmetric;
use crate::theory::cb2025::studies::{
    input_switch, switch_initial_currents, switch_model, SwitchOptions, SwitchState,
};
use crate::theory::currents::{symmetric_prediction, CurrentOde, InputGain, SymmetricPrediction};
use crate::theory::TheoryError;
use serde_json::{json, Value};

/// Options of the switch study (defaults: the command line's, the paper's protocol).
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchStudyOptions {
    /// Self-couplings a^μ of the symmetric interaction (§3.5), one per region.
    pub a: Vec<f64>,
    /// Exchange couplings b^μ, one per region.
    pub b: Vec<f64>,
    /// Signs (±1) of the exchange terms (`None`: all +1).
    pub signs: Option<Vec<f64>>,
    /// A general tensor T^{μνρ} (R³ values) instead of a, b, signs.
    pub tensor: Option<Vec<f64>>,
    /// Region receiving the input, numbered from 1.
    pub region: usize,
    /// Input amplitude when on.
    pub amplitude: f64,
    /// Overlap V of the input with every n^{μν}, μ ≠ ν.
    pub overlap: f64,
    /// γ option.
    pub input_gain: InputGain,
    /// Euler step.
    pub dt: f64,
    /// Duration of each phase.
    pub t: f64,
    /// Seed of S(0).
    pub seed: u64,
    /// Record the time series every this many steps (`None`: ≈ 1000 rows per phase).
    pub every: Option<usize>,
    /// Record the time series ([`SwitchResult::series`]).
    pub series: bool,
}

impl Default for SwitchStudyOptions {
    fn default() -> Self {
        SwitchStudyOptions {
            a: vec![2.5, 2.0, 2.0, 2.0, 2.0],
            b: vec![2.0, 2.5, 2.5, 2.5, 2.5],
            signs: None,
            tensor: None,
            region: 1,
            amplitude: 2.0,
            overlap: 0.1,
            input_gain: InputGain::Stein,
            dt: 0.1,
            t: 2000.0,
            seed: 0,
            every: None,
            series: false,
        }
    }
}

fn finite_list(name: &'static str, v: &[f64]) -> Result<(), StudyError> {
    if v.is_empty() {
        return Err(option(name, "empty list".into()));
    }
    if let Some(x) = v.iter().find(|x| !x.is_finite()) {
        return Err(option(name, format!("`{x}` is not finite")));
    }
    Ok(())
}

impl SwitchStudyOptions {
    /// Check every option and build the tensor: (R, T, (a, b) when symmetric, steps per phase,
    /// recording interval).
    ///
    /// # Errors
    /// [`StudyError::Option`] naming the first bad option.
    #[allow(clippy::type_complexity)]
    pub fn check(
        &self,
    ) -> Result<(usize, Vec<f64>, Option<(Vec<f64>, Vec<f64>)>, usize, usize), StudyError> {
        let steps = time_steps(self.t, self.dt)?;
        if !self.amplitude.is_finite() {
            return Err(option("amplitude", "must be finite".into()));
        }
        if !self.overlap.is_finite() {
            return Err(option("overlap", "must be finite".into()));
        }
        let (r, t, sym) = match &self.tensor {
            Some(t) => {
                finite_list("tensor", t)?;
                let r = (t.len() as f64).cbrt().round() as usize;
                if r * r * r != t.len() {
                    return Err(option(
                        "tensor",
                        format!("{} values is not R³ for any R", t.len()),
                    ));
                }
                (r, t.clone(), None)
            }
            None => {
                finite_list("a", &self.a)?;
                finite_list("b", &self.b)?;
                let r = self.a.len();
                if self.b.len() != r {
                    return Err(option(
                        "b",
                        format!("has {} values but --a has {r}", self.b.len()),
                    ));
                }
                let signs = self.signs.clone().unwrap_or_else(|| vec![1.0; r]);
                if signs.len() != r {
                    return Err(option(
                        "signs",
                        format!("has {} values but --a has {r}", signs.len()),
                    ));
                }
                if let Some(s) = signs.iter().find(|s| **s != 1.0 && **s != -1.0) {
                    return Err(option("signs", format!("{s} is not +1 or -1")));
                }
                let t = symmetric(&self.a, &self.b, &signs)
                    .map_err(|e| option("a", format!("--a/--b/--signs: {e}")))?;
                (r, t, Some((self.a.clone(), self.b.clone())))
            }
        };
        let max = crate::model::cb2025::MAX_REGIONS;
        if r > max {
            return Err(option("a", format!("R = {r} regions, at most {max}")));
        }
        if self.region == 0 || self.region > r {
            return Err(option(
                "region",
                format!("({}) must be in 1..={r}", self.region),
            ));
        }
        let every = self.every.unwrap_or((steps / 1000).max(1));
        if every == 0 {
            return Err(option("every", "must be ≥ 1".into()));
        }
        Ok((r, t, sym, steps, every))
    }

    /// Estimated (bytes of the series, operations) for R = `regions`, `steps` per phase recorded
    /// every `every`: a series row holds t, the input, R² currents, R norms and R gains.
    pub fn cost(&self, regions: usize, steps: usize, every: usize) -> (f64, f64) {
        let rows = (2 * steps / every.max(1) + 4) as f64;
        let r = regions as f64;
        let width = 2.0 + r * r + 2.0 * r;
        let memory = if self.series {
            8.0 * rows * (width + 3.0)
        } else {
            0.0
        };
        (memory, 2.0 * steps as f64 * 64.0 * 64.0 * 30.0)
    }
}

/// The switch study.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchResult {
    /// The options it ran with.
    pub options: SwitchStudyOptions,
    /// Regions R.
    pub regions: usize,
    /// The tensor.
    pub tensor: Vec<f64>,
    /// The §3.5 prediction without input (symmetric interactions only).
    pub prediction: Option<SymmetricPrediction>,
    /// End state of each phase (no input, input).
    pub phases: [SwitchState; 2],
    /// With [`SwitchStudyOptions::series`]: rows `t, input, S (R²), Σ_ρ (S^{μρ})² (R), ψ (R)`.
    pub series: Option<Vec<Vec<f64>>>,
}

impl SwitchResult {
    /// Column names of [`SwitchResult::series`] (the `--csv` header).
    pub fn series_header(&self) -> Vec<String> {
        let r = self.regions;
        let mut header = vec!["t".to_string(), "input".into()];
        for mu in 1..=r {
            header.extend((1..=r).map(|nu| format!("S_{mu}_{nu}")));
        }
        header.extend((1..=r).map(|m| format!("norm2_{m}")));
        header.extend((1..=r).map(|m| format!("gain_{m}")));
        header
    }

    /// The `lowrank study switch --json` document.
    pub fn to_json(&self) -> Value {
        let o = &self.options;
        let phases: Vec<Value> = self
            .phases
            .iter()
            .map(|e| {
                json!({
                    "input": e.input,
                    "currents": e.currents,
                    "current_norm2": e.current_norm2,
                    "gain": e.gain,
                    "residual": e.residual,
                })
            })
            .collect();
        json!({
            "study": "switch",
            "regions": self.regions,
            "region": o.region,
            "amplitude": o.amplitude,
            "overlap": o.overlap,
            "input_gain": match o.input_gain {
                InputGain::Stein => "stein",
                InputGain::Reference => "reference",
            },
            "dt": o.dt,
            "t": o.t,
            "seed": o.seed,
            "tensor": self.tensor,
            "prediction": self.prediction,
            "phases": phases,
        })
    }
}

/// Run the switch protocol (and record its time series on request).
///
/// # Errors
/// [`StudyError::Option`]; [`StudyError::Theory`] when the model or the ODE fails.
///
/// # Examples
/// ```
/// use lowrank::study::{switch, SwitchStudyOptions};
/// let o = SwitchStudyOptions { t: 50.0, ..Default::default() };
/// let r = switch(&o).unwrap();
/// assert_eq!(r.phases[1].input, 2.0);
/// ```
pub fn switch(opts: &SwitchStudyOptions) -> Result<SwitchResult, StudyError> {
    let (r, t, sym, steps, every) = opts.check()?;
    let theory = |context: &str| {
        let context = context.to_string();
        move |source| StudyError::Theory { context, source }
    };
    let lib = SwitchOptions {
        region: opts.region - 1,
        amplitude: opts.amplitude,
        overlap: opts.overlap,
        input_gain: opts.input_gain,
        dt: opts.dt,
        t_max: opts.t,
        seed: opts.seed,
    };
    let gauss = Gauss::new(64);
    let phases = input_switch(gauss, r, &t, &lib).map_err(theory("input switch"))?;
    let prediction = match &sym {
        Some((a, b)) => Some(symmetric_prediction(a, b).map_err(theory("§3.5 prediction"))?),
        None => None,
    };
    let series = if opts.series {
        Some(
            switch_series(gauss, r, &t, &lib, steps, every, &phases)
                .map_err(theory("switch time series"))?,
        )
    } else {
        None
    };
    Ok(SwitchResult {
        options: opts.clone(),
        regions: r,
        tensor: t,
        prediction,
        phases,
        series,
    })
}

/// Time series of the switch protocol, built like [`input_switch`] (same model, same S(0), same
/// Euler steps, recorded every `every` steps): rows `t, input, S (R²), Σ_ρ (S^{μρ})² (R), ψ (R)`.
/// The end of each phase is checked against the library's end states.
fn switch_series(
    gauss: Gauss,
    r: usize,
    t: &[f64],
    opts: &SwitchOptions,
    steps: usize,
    every: usize,
    ends: &[SwitchState; 2],
) -> Result<Vec<Vec<f64>>, TheoryError> {
    let model = switch_model(r, t, opts)?;
    let mut s = switch_initial_currents(r, opts.seed);
    let mut rows = Vec::with_capacity(2 * steps / every + 4);
    let mut done = 0usize;
    for (phase, amp) in [0.0, opts.amplitude].into_iter().enumerate() {
        let ode = CurrentOde::new(&model, gauss, vec![amp], opts.input_gain)?;
        let mut w = ode.scratch();
        let mut kappa = vec![0.0; r * r];
        let mut k = 0;
        loop {
            ode.drive_with(&s, &mut w, &mut kappa)?;
            let mut row = vec![done as f64 * opts.dt, amp];
            row.extend_from_slice(&s);
            row.extend((0..r).map(|mu| (0..r).map(|rho| s[mu * r + rho].powi(2)).sum::<f64>()));
            row.extend_from_slice(w.gain());
            rows.push(row);
            if k == steps {
                break;
            }
            let n = every.min(steps - k);
            ode.integrate(&mut s, opts.dt, n)?;
            k += n;
            done += n;
        }
        let diff = s
            .iter()
            .zip(&ends[phase].currents)
            .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
        if diff > 1e-9 {
            return Err(TheoryError::NotFound {
                what: "the recorded switch trajectory".into(),
                detail: format!(
                    "departs from the library's end state by {diff:e} after {steps} steps \
                     (internal error)"
                ),
            });
        }
    }
    Ok(rows)
}
