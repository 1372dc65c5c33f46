//! `lowrank._lowrank`: the Python extension module. Thin wrappers around the Rust crates (no
//! second copy of any equation): scenarios are loaded and validated by `lowrank-model`, solved by
//! `lowrank-theory`, simulated by `lowrank-sim`. Results cross the boundary as the same JSON
//! documents the command line prints (`lowrank solve/simulate --json`), or, for the large arrays
//! of the two-time DMFT, as NumPy arrays that take over the Rust buffers without a copy. The
//! Python layer (`lowrank/__init__.py`) turns documents into objects with NumPy fields.

use lowrank::documents::{check_document, simulation_document, solve_document, threshold_document};
use lowrank::machine::{available_memory, DEFAULT_MAX_WORK};
use lowrank::model::{bundled, Interrupt, ModelError, Scenario};
use lowrank::progress::Progress;
use lowrank::sim::{Method, Simulator};
use lowrank::source::{LoadError, ScenarioSource};
use lowrank::sweep::{Grid, Param, SweepError, SweepOptions};
use lowrank::theory::autocorrelation::{autocorrelation, AutocorrelationOptions};
use lowrank::theory::dmft::{run as run_dmft, DmftOptions};
use lowrank::theory::solve::branches::{solve_all, SolveOptions};
use lowrank::theory::threshold::{find_thresholds, ThresholdOptions};
use lowrank::theory::TheoryError;
use numpy::{IntoPyArray, PyArray1, PyArrayMethods};
use pyo3::create_exception;
use pyo3::exceptions::{PyMemoryError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::mpsc;
use std::time::Duration;

create_exception!(
    _lowrank,
    ScenarioError,
    PyValueError,
    "Bad input: a scenario, an override or an option. `.field` names it (dotted path)."
);
create_exception!(
    _lowrank,
    ConvergenceError,
    PyRuntimeError,
    "A solver did not converge (the message says what and why). `.termination` names why it \
     stopped (`no_decrease`, `max_iterations`, `diverged`, ...; None for an eigensolver)."
);
create_exception!(
    _lowrank,
    NotFoundError,
    ConvergenceError,
    "What was sought (a bracket, a stable state, a crossing) does not exist where it was sought."
);

/// A `ConvergenceError` with its `.termination` attribute set (the snake_case name of the
/// solver's [`lowrank_theory::Termination`], as in the JSON).
fn convergence_error(py: Python<'_>, e: &TheoryError, message: String) -> PyErr {
    let termination = match e {
        TheoryError::NotConverged { convergence, .. } => {
            serde_json::to_value(convergence.termination)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
        }
        _ => None,
    };
    let err = ConvergenceError::new_err(message);
    let _ = err.value(py).setattr("termination", termination);
    err
}

/// A `NotFoundError` whose `.termination` is None, like every `ConvergenceError` without a
/// solver report, so `except ConvergenceError as e: e.termination` works for both.
fn not_found_error(py: Python<'_>, message: String) -> PyErr {
    let err = NotFoundError::new_err(message);
    let _ = err.value(py).setattr("termination", py.None());
    err
}

/// A `ScenarioError` with its `.field` attribute set.
fn scenario_error(py: Python<'_>, field: Option<&str>, message: String) -> PyErr {
    let err = ScenarioError::new_err(message);
    let _ = err.value(py).setattr("field", field);
    err
}

fn model_error(py: Python<'_>, e: &ModelError) -> PyErr {
    scenario_error(py, e.field(), e.to_string())
}

fn theory_error(py: Python<'_>, e: TheoryError) -> PyErr {
    match e {
        TheoryError::NotConverged { .. } | TheoryError::EigenStalled { .. } => {
            convergence_error(py, &e, e.to_string())
        }
        TheoryError::NotFound { .. } => not_found_error(py, e.to_string()),
        TheoryError::Model(ref m) => model_error(py, m),
        TheoryError::InvalidParameter { ref name, .. } => {
            let name = name.clone();
            scenario_error(py, Some(&name), e.to_string())
        }
        other => PyRuntimeError::new_err(other.to_string()),
    }
}

/// A validated scenario (a network model plus its simulation defaults).
#[pyclass(name = "Scenario", module = "lowrank", frozen)]
struct PyScenario {
    /// Where it came from: what `set` reloads with one more override.
    source: ScenarioSource,
    overrides: Vec<String>,
    inner: Scenario,
}

fn load_error(py: Python<'_>, e: &LoadError) -> PyErr {
    match e.model_error() {
        Some(m) => model_error(py, m),
        None => scenario_error(py, None, e.to_string()),
    }
}

fn load(py: Python<'_>, source: &ScenarioSource, overrides: &[String]) -> PyResult<Scenario> {
    source.load(overrides).map_err(|e| load_error(py, &e))
}

/// Run `work` on a worker thread with the GIL released, while this thread waits for it, checks
/// for Ctrl-C (raising `interrupt`, which the engines check between steps, then re-raising the
/// `KeyboardInterrupt` once the worker has stopped) and reports `progress` to a Python callable
/// `callback(done, total)`.
fn interruptible<T: Send>(
    py: Python<'_>,
    interrupt: &Interrupt,
    progress: Option<(&Progress, &Bound<'_, PyAny>)>,
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    std::thread::scope(|scope| {
        let (tx, mut rx) = mpsc::channel();
        scope.spawn(move || {
            let _ = tx.send(work());
        });
        let mut stop: Option<PyErr> = None;
        let mut last = (usize::MAX, usize::MAX);
        let out = loop {
            // the receiver is not Sync: move it through the GIL-free section and back
            let (got, back) = py.detach(move || (rx.recv_timeout(Duration::from_millis(50)), rx));
            rx = back;
            if let (Some((p, cb)), None) = (progress, &stop) {
                let now = (p.done(), p.total());
                if now != last {
                    last = now;
                    if let Err(e) = cb.call1(now) {
                        interrupt.raise();
                        stop = Some(e);
                    }
                }
            }
            match got {
                Ok(v) => break Some(v),
                Err(mpsc::RecvTimeoutError::Disconnected) => break None,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if stop.is_none() {
                if let Err(e) = py.check_signals() {
                    interrupt.raise();
                    stop = Some(e);
                }
            }
        };
        if let Some(e) = stop {
            return Err(e);
        }
        out.ok_or_else(|| PyRuntimeError::new_err("the computation stopped without a result"))
    })
}

#[pymethods]
impl PyScenario {
    /// A scenario file, or the name of a bundled scenario (e.g. "mo2018-fig1").
    #[new]
    fn new(py: Python<'_>, name_or_path: &str) -> PyResult<Self> {
        let source = ScenarioSource::resolve(name_or_path);
        let inner = load(py, &source, &[])?;
        Ok(PyScenario {
            source,
            overrides: Vec::new(),
            inner,
        })
    }

    /// A scenario from TOML text.
    #[staticmethod]
    fn from_toml(py: Python<'_>, text: &str) -> PyResult<Self> {
        let source = ScenarioSource::Toml(text.to_string());
        let inner = load(py, &source, &[])?;
        Ok(PyScenario {
            source,
            overrides: Vec::new(),
            inner,
        })
    }

    /// A new scenario with one more `KEY=VALUE` override (the CLI's `--set`), validated.
    fn with_override(&self, py: Python<'_>, assignment: &str) -> PyResult<Self> {
        let mut overrides = self.overrides.clone();
        overrides.push(assignment.to_string());
        let inner = load(py, &self.source, &overrides)?;
        Ok(PyScenario {
            source: self.source.clone(),
            overrides,
            inner,
        })
    }

    /// A scenario from a JSON object with the structure of the TOML format.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| scenario_error(py, None, format!("scenario dict: {e}")))?;
        let table = toml::Value::try_from(value)
            .map_err(|e| scenario_error(py, None, format!("scenario dict: {e}")))?;
        if !table.is_table() {
            return Err(scenario_error(
                py,
                None,
                "scenario dict: expected a dict of sections".into(),
            ));
        }
        let text = toml::to_string(&table)
            .map_err(|e| scenario_error(py, None, format!("scenario dict: {e}")))?;
        Self::from_toml(py, &text)
    }

    /// The scenario as TOML text, overrides applied.
    fn to_toml(&self, py: Python<'_>) -> PyResult<String> {
        self.source
            .resolved_toml(&self.overrides)
            .map_err(|e| load_error(py, &e))
    }

    /// The `lowrank check --json` document, as a JSON string.
    fn check_json(&self, py: Python<'_>) -> PyResult<String> {
        check_document(&self.inner)
            .map(|d| d.to_string())
            .map_err(|e| model_error(py, &e))
    }

    /// The scenario's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// Its description.
    #[getter]
    fn description(&self) -> String {
        self.inner.description.clone()
    }

    /// The overrides applied so far, as `KEY=VALUE` strings.
    #[getter]
    fn overrides(&self) -> Vec<String> {
        self.overrides.clone()
    }

    /// Names of the populations, loading vectors, rank-one terms, inputs and readouts, and the
    /// nonlinearity, as a dict.
    fn describe<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = &self.inner.model;
        let d = PyDict::new(py);
        let names = |v: Vec<String>| v;
        d.set_item(
            "populations",
            names(m.populations().iter().map(|p| p.name.clone()).collect()),
        )?;
        d.set_item(
            "weights",
            m.populations().iter().map(|p| p.weight).collect::<Vec<_>>(),
        )?;
        d.set_item("vectors", m.vectors().to_vec())?;
        d.set_item(
            "terms",
            names(m.terms().iter().map(|t| t.name.clone()).collect()),
        )?;
        d.set_item(
            "inputs",
            names(m.inputs().iter().map(|t| t.name.clone()).collect()),
        )?;
        d.set_item(
            "readouts",
            names(m.readouts().iter().map(|t| t.name.clone()).collect()),
        )?;
        d.set_item("nonlinearity", m.nonlinearity().to_string())?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "Scenario({:?}, overrides={:?})",
            self.inner.name, self.overrides
        )
    }
}

/// Every mean-field solution (the CLI's `solve --json` document, as a JSON string).
#[pyfunction]
#[pyo3(signature = (scenario, chaos = true, time = None, autocorrelation_tmax = None, tau_step = None))]
fn solve_json(
    py: Python<'_>,
    scenario: &PyScenario,
    chaos: bool,
    time: Option<f64>,
    autocorrelation_tmax: Option<f64>,
    tau_step: Option<f64>,
) -> PyResult<String> {
    let model = &scenario.inner.model;
    if let Some(t) = time {
        if !t.is_finite() {
            return Err(scenario_error(
                py,
                Some("time"),
                format!("time ({t}) must be finite"),
            ));
        }
    }
    let acf_opts = match autocorrelation_tmax {
        None => {
            if tau_step.is_some() {
                return Err(scenario_error(
                    py,
                    Some("tau_step"),
                    "tau_step needs autocorrelation".into(),
                ));
            }
            None
        }
        Some(tmax) => {
            if !chaos {
                return Err(scenario_error(
                    py,
                    Some("autocorrelation"),
                    "the autocorrelation needs the chaotic solutions (chaos=True)".into(),
                ));
            }
            let mut o = AutocorrelationOptions::new(tmax);
            if let Some(h) = tau_step {
                o.tau_step = h;
            }
            // checks τ_max, the step and the number of lags before anything is allocated
            o.points().map_err(|e| theory_error(py, e))?;
            Some(o)
        }
    };
    let opts = SolveOptions {
        chaotic: chaos,
        inputs: time.map(|t| model.input_values(t)),
        ..Default::default()
    };
    let result = py.detach(|| -> Result<serde_json::Value, TheoryError> {
        let all = solve_all(model, &opts)?;
        let mut acfs = Vec::new();
        if let Some(o) = &acf_opts {
            for (i, s) in all.solutions.iter().enumerate() {
                if s.regime == "chaotic" {
                    acfs.push((i, autocorrelation(model, s, o)?));
                }
            }
        }
        Ok(
            solve_document(&scenario.inner.name, &scenario.overrides, &all, &acfs)
                .expect("solutions serialize"),
        )
    });
    let doc = result.map_err(|e| theory_error(py, e))?;
    Ok(doc.to_string())
}

/// One finite-N simulation (the CLI's `simulate --json` document, as a JSON string).
#[pyfunction]
#[pyo3(signature = (scenario, n = None, seed = None, trials = None, t = None, dt = None,
    burn_in = None, method = None, f32 = false, max_lag = None, lag_step = None,
    record_every = None))]
#[allow(clippy::too_many_arguments)]
fn simulate_json(
    py: Python<'_>,
    scenario: &PyScenario,
    n: Option<usize>,
    seed: Option<u64>,
    trials: Option<usize>,
    t: Option<f64>,
    dt: Option<f64>,
    burn_in: Option<f64>,
    method: Option<&str>,
    f32: bool,
    max_lag: Option<f64>,
    lag_step: Option<f64>,
    record_every: Option<f64>,
) -> PyResult<String> {
    let s = &scenario.inner;
    let method = match method {
        None => None,
        Some("euler") => Some(Method::Euler),
        Some("heun") => Some(Method::Heun),
        Some("rk4") => Some(Method::Rk4),
        Some(other) => {
            return Err(scenario_error(
                py,
                Some("method"),
                format!("method `{other}`: must be euler, heun or rk4"),
            ))
        }
    };
    let options = lowrank::simulation::RunOptions {
        n,
        seed,
        trials,
        t,
        dt,
        burn_in,
        method,
        max_lag,
        lag_step,
        record_every,
    };
    let (n0, mut cfg) = options.config(s).map_err(|e| {
        let field = e.option.replace('-', "_");
        // the command line's `--name` spelled as the keyword argument
        let mut message = format!("{field} {}", e.reason);
        for name in ["t", "dt", "max-lag", "lag-step", "burn-in"] {
            message = message.replace(&format!("--{name}"), &name.replace('-', "_"));
        }
        scenario_error(py, Some(&field), message)
    })?;
    // the dense random part dominates: N² entries in f64 plus the simulator's copy
    let n_total: f64 = s
        .model
        .populations()
        .iter()
        .map(|p| (p.weight * n0 as f64).round())
        .sum();
    let word = if f32 { 4.0 } else { 8.0 };
    let memory = (8.0 + word) * n_total * n_total
        + 8.0 * 8.0 * n_total * cfg.trials as f64
        + cfg
            .autocorr
            .as_ref()
            .map_or(0.0, |_| 808.0 * n_total * cfg.trials as f64);
    let limit = available_memory();
    if memory.is_nan() || memory > limit {
        return Err(PyMemoryError::new_err(format!(
            "simulating N = {n_total:.0} neurons needs an estimated {:.3e} bytes, over the {:.3e} \
             bytes available; use a smaller n or fewer trials (or f32=True to halve the \
             simulator's copy of J)",
            memory, limit
        )));
    }
    let stages = match cfg.method {
        Method::Euler => 1.0,
        Method::Heun => 2.0,
        Method::Rk4 => 4.0,
    };
    let steps = ((cfg.burn_in + cfg.t) / cfg.dt).ceil();
    let work = steps * cfg.trials as f64 * stages * 2.0 * n_total * n_total;
    if work.is_nan() || work > DEFAULT_MAX_WORK {
        return Err(scenario_error(
            py,
            Some("t"),
            format!(
                "simulating N = {n_total:.0} neurons for {steps:.3e} steps × {} trial(s) is an \
                 estimated {work:.3e} operations, over the limit of {DEFAULT_MAX_WORK:.0e} (≈ an \
                 hour); use a smaller n, t or burn_in, a larger dt, or fewer trials",
                cfg.trials
            ),
        ));
    }
    let interrupt = Interrupt::default();
    cfg.interrupt = interrupt.clone();
    let doc = interruptible(
        py,
        &interrupt,
        None,
        || -> Result<serde_json::Value, String> {
            let (res, overlap) = if f32 {
                let sim =
                    Simulator::<f32>::sample(&s.model, n0, cfg.seed).map_err(|e| e.to_string())?;
                (sim.run(&cfg), sim.empirical_overlap().clone())
            } else {
                let sim =
                    Simulator::<f64>::sample(&s.model, n0, cfg.seed).map_err(|e| e.to_string())?;
                (sim.run(&cfg), sim.empirical_overlap().clone())
            };
            let res = res.map_err(|e| e.to_string())?;
            let doc =
                simulation_document(s, cfg.seed, &overlap, &res).map_err(|e| e.to_string())?;
            Ok(doc)
        },
    )?;
    doc.map(|d| d.to_string())
        .map_err(|e| PyRuntimeError::new_err(format!("simulation: {e}")))
    // (sampling and integration errors — a blow-up, too few neurons for a population — are
    // runtime errors; every option was checked above)
}

/// Option `classifier`: "default" or "reference" (`lowrank dmft --classifier`).
fn parse_classifier(py: Python<'_>, name: &str) -> PyResult<lowrank::theory::dmft::Classifier> {
    match name {
        "default" => Ok(lowrank::theory::dmft::Classifier::Default),
        "reference" => Ok(lowrank::theory::dmft::Classifier::Reference),
        other => Err(scenario_error(
            py,
            Some("classifier"),
            format!("classifier `{other}` is not one of \"default\", \"reference\""),
        )),
    }
}

/// The two-time DMFT: a dict of NumPy arrays (time series N_t × K or N_t × P, the slice
/// Δ_p(t0, t0 + τ) and its normalised form) plus the classification and the frequency.
#[pyfunction]
#[pyo3(signature = (scenario, t = 125.0, dt = None, seed = None, band = None, slice_t0 = None, matrix = false, s0 = None, reference_ordering = false, classifier = "default"))]
#[allow(clippy::too_many_arguments)]
fn dmft<'py>(
    py: Python<'py>,
    scenario: &PyScenario,
    t: f64,
    dt: Option<f64>,
    seed: Option<u64>,
    band: Option<usize>,
    slice_t0: Option<f64>,
    matrix: bool,
    s0: Option<Vec<f64>>,
    reference_ordering: bool,
    classifier: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let s = &scenario.inner;
    let classifier = parse_classifier(py, classifier)?;
    if let Some(v) = &s0 {
        if v.len() != s.model.rank() {
            return Err(scenario_error(
                py,
                Some("s0"),
                format!(
                    "s0 has {} values, but the model has {} currents",
                    v.len(),
                    s.model.rank()
                ),
            ));
        }
        if let Some(x) = v.iter().find(|x| !x.is_finite()) {
            return Err(scenario_error(
                py,
                Some("s0"),
                format!("s0 value {x} is not finite"),
            ));
        }
    }
    let dt = dt.unwrap_or(s.simulation.dt);
    if !(dt.is_finite() && dt > 0.0) {
        return Err(scenario_error(
            py,
            Some("dt"),
            format!("dt ({dt}) must be positive and finite"),
        ));
    }
    if !(t.is_finite() && t > dt) {
        return Err(scenario_error(
            py,
            Some("t"),
            format!("t ({t}) must be finite and larger than dt ({dt})"),
        ));
    }
    if band == Some(0) {
        return Err(scenario_error(py, Some("band"), "band must be ≥ 1".into()));
    }
    let nt = (t / dt).round();
    let lags = band.map_or(nt, |b| (b as f64).min(nt));
    let (np, nk) = (s.model.n_populations() as f64, s.model.rank() as f64);
    let matrix_bytes = if matrix {
        lowrank::theory::dmft::matrix_memory(s.model.n_populations(), nt as usize)
    } else {
        0.0
    };
    // the Mehler source keeps coefficient sets of the last min(N_t, band + 1) times
    let source_bytes = lowrank::theory::dmft::source_memory(
        s.model.nonlinearity(),
        lowrank::theory::dmft::SourceMethod::Auto,
        s.model.n_populations(),
        (lags + 1.0).min(nt) as usize,
    );
    let memory = 8.0 * nt * (4.0 * nk + 8.0 * np + 2.0 * nk * nk + 4.0)
        + 48.0 * np * lags
        + matrix_bytes
        + source_bytes;
    let work = nt * lags * np * 20.0;
    if work > DEFAULT_MAX_WORK {
        return Err(scenario_error(
            py,
            Some("t"),
            format!(
                "the two-time DMFT with N_t = {nt:.0} and {lags:.0} lags is an estimated \
                 {work:.3e} operations, over the limit of {DEFAULT_MAX_WORK:.0e}; keep fewer lags \
                 with band, or use a larger dt or a shorter t"
            ),
        ));
    }
    if memory.is_nan() || memory > available_memory() {
        return Err(PyMemoryError::new_err(format!(
            "the two-time DMFT with N_t = {nt:.0} and {lags:.0} lags needs an estimated {memory:.3e} \
             bytes; use a larger dt, a shorter t or a band"
        )));
    }
    if let Some(t0) = slice_t0 {
        if !(t0.is_finite() && t0 >= 0.0 && t0 < t) {
            return Err(scenario_error(
                py,
                Some("slice_t0"),
                format!("slice_t0 ({t0}) must be finite, ≥ 0 and < t ({t})"),
            ));
        }
    }
    let opts = DmftOptions {
        dt,
        nt: nt as usize,
        seed: seed.unwrap_or(s.simulation.seed),
        band,
        t0: slice_t0.map(|t0| ((t0 / dt).round() as usize).min(nt as usize - 1)),
        keep_matrix: matrix,
        s0,
        reference_ordering,
        classifier,
        ..Default::default()
    };
    let model = &s.model;
    let interrupt = opts.interrupt.clone();
    let res = interruptible(py, &interrupt, None, || {
        run_dmft(model, lowrank::gauss::Gauss::new(64), &opts)
    })?
    .map_err(|e| theory_error(py, e))?;
    let d = PyDict::new(py);
    let (nt, k, p) = (res.nt, res.k, res.p);
    let shaped = |v: Vec<f64>, cols: usize| -> PyResult<Bound<'py, PyAny>> {
        Ok(v.into_pyarray(py).reshape([nt, cols])?.into_any())
    };
    d.set_item("dt", res.dt)?;
    d.set_item("nt", nt)?;
    d.set_item(
        "t",
        PyArray1::from_iter(py, (0..nt).map(|j| j as f64 * res.dt)),
    )?;
    d.set_item(
        "regime",
        res.classes().iter().map(|c| c.label()).collect::<Vec<_>>(),
    )?;
    d.set_item("frequency", res.dominant_frequency())?;
    d.set_item("t0", res.t0 as f64 * res.dt)?;
    let lags: Vec<f64> = (0..res.row_len).map(|l| l as f64 * res.dt).collect();
    let row: Vec<f64> = (0..p).flat_map(|q| res.row(q).to_vec()).collect();
    let hat: Vec<f64> = (0..p).flat_map(|q| res.normalized_row(q)).collect();
    let row_len = res.row_len;
    d.set_item("lags", lags.into_pyarray(py))?;
    d.set_item("slice", row.into_pyarray(py).reshape([p, row_len])?)?;
    d.set_item("slice_hat", hat.into_pyarray(py).reshape([p, row_len])?)?;
    d.set_item("clipped_variances", res.clipped_variances)?;
    if let Some(m) = res.matrix {
        d.set_item("delta", m.into_pyarray(py).reshape([p, nt, nt])?)?;
    }
    d.set_item("currents", shaped(res.currents, k)?)?;
    d.set_item("kappa", shaped(res.drives, k)?)?;
    d.set_item("gain", shaped(res.gains, p)?)?;
    d.set_item("mu", shaped(res.means, p)?)?;
    d.set_item("delta0", shaped(res.delta_diag, p)?)?;
    Ok(d)
}

fn sweep_error(py: Python<'_>, e: SweepError) -> PyErr {
    match e {
        SweepError::Base(l) | SweepError::Scenario { source: l, .. } => load_error(py, &l),
        SweepError::Param { ref param, .. } => {
            let field = param.clone();
            scenario_error(py, Some(&field), e.to_string())
        }
        SweepError::Time(_) => scenario_error(py, Some("time"), e.to_string()),
        SweepError::Solve { source, .. } => theory_error(py, source),
        other => PyRuntimeError::new_err(other.to_string()),
    }
}

/// The mean-field solutions on the grid of `keys` × `values` (the first key is the outer loop):
/// the column names and the rows of `lowrank sweep`'s CSV (cells as text, numbers in shortest
/// round-trip form).
#[pyfunction]
#[pyo3(signature = (scenario, keys, values, chaos = true, time = None, progress = None, shard = None))]
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn sweep_table(
    py: Python<'_>,
    scenario: &PyScenario,
    keys: Vec<String>,
    values: Vec<Vec<f64>>,
    chaos: bool,
    time: Option<f64>,
    progress: Option<Bound<'_, PyAny>>,
    shard: Option<(usize, usize)>,
) -> PyResult<(Vec<String>, Vec<Vec<String>>, usize)> {
    let shard = shard
        .map(|(i, n)| lowrank::shard::Shard::new(i, n))
        .transpose()
        .map_err(|e| scenario_error(py, Some("shard"), e.to_string()))?;
    if keys.len() != values.len() {
        return Err(scenario_error(
            py,
            None,
            "sweep: one array of values per key".into(),
        ));
    }
    let params = keys
        .iter()
        .zip(values)
        .map(|(k, v)| Param::new(k, v))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| sweep_error(py, e))?;
    let grid = Grid::new(params).map_err(|e| sweep_error(py, e))?;
    let work = grid.len() as f64 * lowrank::sweep::SOLVE_WORK;
    if work > DEFAULT_MAX_WORK {
        return Err(scenario_error(
            py,
            None,
            format!(
                "the sweep of {} grid points is an estimated {work:.3e} operations, over the \
                 limit of {DEFAULT_MAX_WORK:.0e}; use fewer points (or split the grid into \
                 several calls)",
                grid.len()
            ),
        ));
    }
    let opts = SweepOptions {
        chaos,
        time,
        keep_solutions: false,
    };
    let state = Progress::default();
    let interrupt = state.interrupt().clone();
    let table = interruptible(
        py,
        &interrupt,
        progress.as_ref().map(|cb| (&state, cb)),
        || {
            lowrank::sweep::run(
                &scenario.source,
                &scenario.overrides,
                &grid,
                shard.map_or(0..grid.len(), |s| s.range(grid.len())),
                &opts,
                &state,
            )
        },
    )?
    .map_err(|e| sweep_error(py, e))?;
    Ok((table.header, table.rows, table.failures))
}

/// Every bifurcation of every mean-field branch as `key` moves through [lo, hi] (the CLI's
/// `threshold --json` document, as a JSON string).
#[pyfunction]
#[pyo3(signature = (scenario, key, lo, hi, grid = 9, time = None, tol = 1e-10, chaos = true))]
#[allow(clippy::too_many_arguments)]
fn threshold_json(
    py: Python<'_>,
    scenario: &PyScenario,
    key: &str,
    lo: f64,
    hi: f64,
    grid: usize,
    time: Option<f64>,
    tol: f64,
    chaos: bool,
) -> PyResult<String> {
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(scenario_error(
            py,
            Some("range"),
            format!("range ({lo}, {hi}): need finite lo < hi"),
        ));
    }
    if grid < 2 {
        return Err(scenario_error(
            py,
            Some("grid"),
            format!("grid {grid}: the coarse scan needs at least 2 points"),
        ));
    }
    if !(tol.is_finite() && tol > 0.0) {
        return Err(scenario_error(
            py,
            Some("tol"),
            format!("tol {tol}: must be a positive number"),
        ));
    }
    if time.is_some_and(|t| !t.is_finite()) {
        return Err(scenario_error(
            py,
            Some("time"),
            "time must be finite".into(),
        ));
    }
    let with = |p: f64| {
        let mut set = scenario.overrides.clone();
        set.push(format!("{key}={p:?}"));
        set
    };
    // the parameter path must exist and give a valid model at both ends
    for end in [lo, hi] {
        load(py, &scenario.source, &with(end))?;
    }
    let build = |p: f64| {
        scenario
            .source
            .load(&with(p))
            .map(|sc| sc.model)
            .map_err(|e| TheoryError::InvalidParameter {
                name: key.to_string(),
                value: p,
                reason: match e.model_error() {
                    Some(m) => m.to_string(),
                    None => e.to_string(),
                },
            })
    };
    let opts = ThresholdOptions {
        solve: SolveOptions {
            chaotic: chaos,
            ..Default::default()
        },
        input_time: time,
        grid,
        tol,
        ..Default::default()
    };
    let interrupt = Interrupt::default();
    let report = interruptible(py, &interrupt, None, || {
        find_thresholds(build, lo, hi, &opts)
    })?
    .map_err(|e| theory_error(py, e))?;
    Ok(threshold_document(&scenario.inner.name, key, &scenario.overrides, &report).to_string())
}

/// The eigenvalues of one sampled network's J (or J·diag(φ′(x⁰))) with the predictions: the
/// eigenvalues as a complex array, and the CLI's `spectrum --json` document (JSON string).
#[pyfunction]
#[pyo3(signature = (scenario, n = None, seed = None, jacobian = false))]
fn spectrum<'py>(
    py: Python<'py>,
    scenario: &PyScenario,
    n: Option<usize>,
    seed: Option<u64>,
    jacobian: bool,
) -> PyResult<(Bound<'py, PyAny>, String)> {
    let s = &scenario.inner;
    if n == Some(0) {
        return Err(scenario_error(py, Some("n"), "n must be ≥ 1".into()));
    }
    let n0 = n.unwrap_or(s.simulation.n);
    let seed = seed.unwrap_or(s.simulation.seed);
    let (memory, work) = lowrank::spectrum::cost(&s.model, n0);
    let (size, _) = lowrank::spectrum::network_size(&s.model, n0);
    if memory.is_nan() || memory > available_memory() {
        return Err(PyMemoryError::new_err(format!(
            "the dense eigen-decomposition of the {size:.0}×{size:.0} matrix needs an estimated \
             {memory:.3e} bytes, over the {:.3e} available; use a smaller n",
            available_memory()
        )));
    }
    if work > DEFAULT_MAX_WORK {
        return Err(scenario_error(
            py,
            Some("n"),
            format!(
                "the dense eigen-decomposition of the {size:.0}×{size:.0} matrix is an estimated \
                 {work:.3e} operations, over the limit of {DEFAULT_MAX_WORK:.0e}; use a smaller n"
            ),
        ));
    }
    let interrupt = Interrupt::default();
    let report = interruptible(py, &interrupt, None, || {
        lowrank::spectrum::compute(s, n0, seed, jacobian, &interrupt)
    })?
    .map_err(|e| PyRuntimeError::new_err(format!("spectrum: {e}")))?;
    let doc = report.to_json(&s.name).to_string();
    let eig: Vec<numpy::Complex64> = report
        .spectrum
        .eigenvalues
        .iter()
        .map(|e| numpy::Complex64::new(e[0], e[1]))
        .collect();
    Ok((eig.into_pyarray(py).into_any(), doc))
}

/// The [CB] Fig. 5 phase diagram (`lowrank study fig5 --json`, as a JSON string).
#[pyfunction]
#[pyo3(signature = (grid = 10, re = (1.0, 2.5), im = (0.0, 1.5), samples = 6, regions = 2,
    g = 1.5, window = 0.01875, max_tries = 1_000_000, seed = 0, t = 125.0, dt = 0.05,
    band = None, reference_ordering = false, classifier = "default", progress = None,
    shard = None))]
#[allow(clippy::too_many_arguments)]
fn study_fig5_json(
    py: Python<'_>,
    grid: usize,
    re: (f64, f64),
    im: (f64, f64),
    samples: usize,
    regions: usize,
    g: f64,
    window: f64,
    max_tries: usize,
    seed: u64,
    t: f64,
    dt: f64,
    band: Option<usize>,
    reference_ordering: bool,
    classifier: &str,
    progress: Option<Bound<'_, PyAny>>,
    shard: Option<(usize, usize)>,
) -> PyResult<String> {
    let classifier = parse_classifier(py, classifier)?;
    let shard = shard_of(py, shard)?;
    let opts = lowrank::study::Fig5Options {
        grid,
        re,
        im,
        samples,
        regions,
        g,
        window,
        max_tries,
        seed,
        t,
        dt,
        band,
        reference_ordering,
        classifier,
        shard,
    };
    let nt = opts.check().map_err(|e| study_error(py, e))?;
    let (memory, work) = opts.cost(nt);
    refuse(py, "the Fig. 5 study", memory, work, "grid")?;
    let state = Progress::default();
    let interrupt = state.interrupt().clone();
    let result = interruptible(
        py,
        &interrupt,
        progress.as_ref().map(|cb| (&state, cb)),
        || lowrank::study::fig5(&opts, &state),
    )?
    .map_err(|e| study_error(py, e))?;
    Ok(result.to_json().to_string())
}

/// The [CB] Fig. 4 study (`lowrank study fig4 --json`, as a JSON string).
#[pyfunction]
#[pyo3(signature = (b = None, g = None, acf = None, tau_max = None, tau_step = None,
    progress = None))]
fn study_fig4_json(
    py: Python<'_>,
    b: Option<f64>,
    g: Option<(f64, f64, usize)>,
    acf: Option<Vec<f64>>,
    tau_max: Option<f64>,
    tau_step: Option<f64>,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<String> {
    let d = lowrank::study::Fig4Options::default();
    let opts = lowrank::study::Fig4Options {
        b: b.unwrap_or(d.b),
        g: g.unwrap_or(d.g),
        acf_g: acf.unwrap_or_default(),
        tau_max: tau_max.unwrap_or(d.tau_max),
        tau_step: tau_step.unwrap_or(d.tau_step),
    };
    opts.check().map_err(|e| study_error(py, e))?;
    let state = Progress::default();
    let interrupt = state.interrupt().clone();
    let result = interruptible(
        py,
        &interrupt,
        progress.as_ref().map(|cb| (&state, cb)),
        || lowrank::study::fig4(&opts, &state),
    )?
    .map_err(|e| study_error(py, e))?;
    Ok(result.to_json().to_string())
}

/// The [CB] Fig. 6 study (`lowrank study fig6 --json`, as a JSON string).
#[pyfunction]
#[pyo3(signature = (regions = None, tensor = None, g1 = None, seed = None, max_tries = None,
    t = None, dt = None, band = None, progress = None, shard = None))]
#[allow(clippy::too_many_arguments)]
fn study_fig6_json(
    py: Python<'_>,
    regions: Option<usize>,
    tensor: Option<Vec<f64>>,
    g1: Option<Vec<f64>>,
    seed: Option<u64>,
    max_tries: Option<usize>,
    t: Option<f64>,
    dt: Option<f64>,
    band: Option<usize>,
    progress: Option<Bound<'_, PyAny>>,
    shard: Option<(usize, usize)>,
) -> PyResult<String> {
    let d = lowrank::study::Fig6Options::default();
    let shard = shard_of(py, shard)?;
    let opts = lowrank::study::Fig6Options {
        regions: regions.unwrap_or(d.regions),
        tensor,
        g1: g1.unwrap_or(d.g1),
        seed: seed.unwrap_or(d.seed),
        max_tries: max_tries.unwrap_or(d.max_tries),
        t: t.unwrap_or(d.t),
        dt: dt.unwrap_or(d.dt),
        band,
        shard,
    };
    let nt = opts.check().map_err(|e| study_error(py, e))?;
    let (memory, work) = opts.cost(nt);
    refuse(py, "the Fig. 6 study", memory, work, "g1")?;
    let state = Progress::default();
    let interrupt = state.interrupt().clone();
    let result = interruptible(
        py,
        &interrupt,
        progress.as_ref().map(|cb| (&state, cb)),
        || lowrank::study::fig6(&opts, &state),
    )?
    .map_err(|e| study_error(py, e))?;
    Ok(result.to_json().to_string())
}

/// The input-driven switch (`lowrank study switch --json`, as a JSON string), and with `series`
/// the time series (column names, rows).
#[pyfunction]
#[pyo3(signature = (a = None, b = None, signs = None, tensor = None, region = None,
    amplitude = None, overlap = None, input_gain = None, dt = None, t = None, seed = None,
    every = None, series = false))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn study_switch_json(
    py: Python<'_>,
    a: Option<Vec<f64>>,
    b: Option<Vec<f64>>,
    signs: Option<Vec<f64>>,
    tensor: Option<Vec<f64>>,
    region: Option<usize>,
    amplitude: Option<f64>,
    overlap: Option<f64>,
    input_gain: Option<&str>,
    dt: Option<f64>,
    t: Option<f64>,
    seed: Option<u64>,
    every: Option<usize>,
    series: bool,
) -> PyResult<(String, Option<(Vec<String>, Vec<Vec<f64>>)>)> {
    let d = lowrank::study::SwitchStudyOptions::default();
    let input_gain = match input_gain {
        None => d.input_gain,
        Some(text) => text.parse().map_err(|_| {
            scenario_error(
                py,
                Some("input_gain"),
                format!("input_gain `{text}`: expected `stein` or `reference`"),
            )
        })?,
    };
    let opts = lowrank::study::SwitchStudyOptions {
        a: a.unwrap_or(d.a),
        b: b.unwrap_or(d.b),
        signs,
        tensor,
        region: region.unwrap_or(d.region),
        amplitude: amplitude.unwrap_or(d.amplitude),
        overlap: overlap.unwrap_or(d.overlap),
        input_gain,
        dt: dt.unwrap_or(d.dt),
        t: t.unwrap_or(d.t),
        seed: seed.unwrap_or(d.seed),
        every,
        series,
    };
    let (regions, _, _, steps, every) = opts.check().map_err(|e| study_error(py, e))?;
    let (memory, work) = opts.cost(regions, steps, every);
    refuse(py, "the input switch", memory, work, "t")?;
    let interrupt = Interrupt::default();
    let result = interruptible(py, &interrupt, None, || lowrank::study::switch(&opts))?
        .map_err(|e| study_error(py, e))?;
    let table = result
        .series
        .clone()
        .map(|rows| (result.series_header(), rows));
    Ok((result.to_json().to_string(), table))
}

/// Slice I of N of a study's items, from `(I, N)`.
fn shard_of(
    py: Python<'_>,
    shard: Option<(usize, usize)>,
) -> PyResult<Option<lowrank::shard::Shard>> {
    shard
        .map(|(i, n)| lowrank::shard::Shard::new(i, n))
        .transpose()
        .map_err(|e| scenario_error(py, Some("shard"), e.to_string()))
}

/// Join the `study_polytope_json(shard=...)` documents of every shard into the unsharded
/// study's document (the fracture statistics add up).
#[pyfunction]
fn study_polytope_merge(py: Python<'_>, docs: Vec<String>) -> PyResult<String> {
    let parts = docs
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let doc: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| scenario_error(py, Some("shard"), format!("shard {i}: {e}")))?;
            let r =
                lowrank::study::PolytopeResult::from_json(&doc).map_err(|e| study_error(py, e))?;
            Ok((format!("shard {i}"), r))
        })
        .collect::<PyResult<Vec<_>>>()?;
    let merged = lowrank::study::polytope::merge(&parts)
        .map_err(|e| scenario_error(py, Some("shard"), e.to_string()))?;
    Ok(merged.to_json().to_string())
}

/// The attractor polytope and/or the fracture statistics (`lowrank study polytope --json`).
#[pyfunction]
#[pyo3(signature = (b = None, fracture_draws = None, regions = None, seed = None, shard = None))]
fn study_polytope_json(
    py: Python<'_>,
    b: Option<Vec<f64>>,
    fracture_draws: Option<usize>,
    regions: Option<usize>,
    seed: Option<u64>,
    shard: Option<(usize, usize)>,
) -> PyResult<String> {
    let shard = shard_of(py, shard)?;
    let d = lowrank::study::PolytopeOptions::default();
    let opts = lowrank::study::PolytopeOptions {
        b,
        fracture_draws,
        regions: regions.unwrap_or(d.regions),
        seed: seed.unwrap_or(d.seed),
        shard,
    };
    let work = opts.check().map_err(|e| study_error(py, e))?;
    refuse(py, "the polytope study", 0.0, work, "fracture_draws")?;
    let interrupt = Interrupt::default();
    let result = interruptible(py, &interrupt, None, || lowrank::study::polytope(&opts))?
        .map_err(|e| study_error(py, e))?;
    Ok(result.to_json().to_string())
}

/// Refuse a study beyond the machine's memory (`MemoryError`) or the work limit
/// (`ScenarioError` naming `field`).
fn refuse(py: Python<'_>, what: &str, memory: f64, work: f64, field: &str) -> PyResult<()> {
    if memory.is_nan() || memory > available_memory() {
        return Err(PyMemoryError::new_err(format!(
            "{what} needs an estimated {memory:.3e} bytes, over the {:.3e} available",
            available_memory()
        )));
    }
    if work.is_nan() || work > DEFAULT_MAX_WORK {
        return Err(scenario_error(
            py,
            Some(field),
            format!(
                "{what} is an estimated {work:.3e} operations, over the limit of \
                 {DEFAULT_MAX_WORK:.0e} (≈ an hour); make it smaller (the command line has \
                 --max-work)"
            ),
        ));
    }
    Ok(())
}

fn study_error(py: Python<'_>, e: lowrank::study::StudyError) -> PyErr {
    use lowrank::study::StudyError;
    match e {
        StudyError::Option { option, .. } => {
            let field = option.replace('-', "_");
            scenario_error(py, Some(&field), e.to_string())
        }
        StudyError::Theory { source, context } => match source {
            TheoryError::NotConverged { .. } | TheoryError::EigenStalled { .. } => {
                convergence_error(py, &source, format!("{context}: {source}"))
            }
            TheoryError::NotFound { .. } => not_found_error(py, format!("{context}: {source}")),
            TheoryError::Model(ref m) => model_error(py, m),
            other => PyRuntimeError::new_err(format!("{context}: {other}")),
        },
        StudyError::Interrupted => PyRuntimeError::new_err(e.to_string()),
        StudyError::Format(_) => scenario_error(py, Some("shard"), e.to_string()),
    }
}

/// Names of the bundled scenarios.
#[pyfunction]
fn bundled_scenarios() -> Vec<&'static str> {
    bundled::ALL.iter().map(|(n, _)| *n).collect()
}

#[pymodule]
fn _lowrank(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyScenario>()?;
    m.add_function(wrap_pyfunction!(solve_json, m)?)?;
    m.add_function(wrap_pyfunction!(simulate_json, m)?)?;
    m.add_function(wrap_pyfunction!(dmft, m)?)?;
    m.add_function(wrap_pyfunction!(sweep_table, m)?)?;
    m.add_function(wrap_pyfunction!(threshold_json, m)?)?;
    m.add_function(wrap_pyfunction!(spectrum, m)?)?;
    m.add_function(wrap_pyfunction!(study_fig4_json, m)?)?;
    m.add_function(wrap_pyfunction!(study_fig5_json, m)?)?;
    m.add_function(wrap_pyfunction!(study_fig6_json, m)?)?;
    m.add_function(wrap_pyfunction!(study_switch_json, m)?)?;
    m.add_function(wrap_pyfunction!(study_polytope_json, m)?)?;
    m.add_function(wrap_pyfunction!(study_polytope_merge, m)?)?;
    m.add_function(wrap_pyfunction!(bundled_scenarios, m)?)?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add("ConvergenceError", m.py().get_type::<ConvergenceError>())?;
    m.add("NotFoundError", m.py().get_type::<NotFoundError>())?;
    Ok(())
}
