//! The JSON documents of `lowrank check|solve|simulate|threshold --json`, built in one place
//! so that the command line and the Python package return the same fields and the same bits.

use crate::model::nalgebra::DMatrix;
use crate::model::{Scenario, Source};
use crate::sim::SimulationResult;
use crate::theory::autocorrelation::Autocorrelation;
use crate::theory::solve::branches::AllSolutions;
use crate::theory::threshold::ThresholdReport;
use serde_json::{json, Value};

/// The `solve --json` document: `scenario`, `overrides`, `solutions` (each with its
/// `autocorrelation` when one is given for its index), `failed_starts`, `search`.
///
/// # Errors
/// A value that does not serialize (never for finite results).
pub fn solve_document(
    scenario: &str,
    overrides: &[String],
    all: &AllSolutions,
    autocorrelations: &[(usize, Autocorrelation)],
) -> serde_json::Result<Value> {
    let mut solutions = Vec::with_capacity(all.solutions.len());
    for (i, s) in all.solutions.iter().enumerate() {
        let mut v = serde_json::to_value(s)?;
        let acf = autocorrelations.iter().find(|(j, _)| *j == i);
        if let (Some((_, a)), Some(obj)) = (acf, v.as_object_mut()) {
            obj.insert("autocorrelation".into(), serde_json::to_value(a)?);
        }
        solutions.push(v);
    }
    Ok(json!({
        "scenario": scenario,
        "overrides": overrides,
        "solutions": solutions,
        "failed_starts": all.failed_starts,
        "search": all.search,
    }))
}

/// The `simulate --json` document: the [`SimulationResult`] fields plus `scenario`, `seed`, the
/// names of the `terms`, `populations` and readouts (`readout_names`), and the network's
/// `empirical_overlap` n^k·m^l/N₀ ([`crate::sim::Simulator::empirical_overlap`]).
///
/// # Errors
/// A value that does not serialize (never for finite results).
pub fn simulation_document(
    s: &Scenario,
    seed: u64,
    overlap: &DMatrix<f64>,
    res: &SimulationResult,
) -> serde_json::Result<Value> {
    let overlap: Vec<Vec<f64>> = (0..overlap.nrows())
        .map(|r| overlap.row(r).iter().copied().collect())
        .collect();
    let names = |v: Vec<String>| json!(v);
    let mut doc = serde_json::to_value(res)?;
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("scenario".into(), json!(s.name));
        obj.insert("seed".into(), json!(seed));
        obj.insert(
            "terms".into(),
            names(s.model.terms().iter().map(|t| t.name.clone()).collect()),
        );
        obj.insert(
            "populations".into(),
            names(
                s.model
                    .populations()
                    .iter()
                    .map(|p| p.name.clone())
                    .collect(),
            ),
        );
        obj.insert(
            "readout_names".into(),
            names(s.model.readouts().iter().map(|r| r.name.clone()).collect()),
        );
        obj.insert("empirical_overlap".into(), json!(overlap));
    }
    Ok(doc)
}

fn matrix(m: &DMatrix<f64>) -> Value {
    Value::Array(
        (0..m.nrows())
            .map(|r| json!(m.row(r).iter().copied().collect::<Vec<f64>>()))
            .collect(),
    )
}

/// The `check --json` document (field names documented in docs/scenarios.md): populations
/// (weights α_p, gains g_pq), vectors, loading statistics, terms, the overlap matrix Ω and its
/// eigenvalues (docs/theory §1.2), the disorder coupling G_pq = α_q g_pq² (§1.1), inputs, readouts,
/// simulation defaults and, for multiregion scenarios, the σ_n² inflation report.
///
/// # Errors
/// The eigen-decomposition of Ω does not converge.
///
/// # Examples
/// ```
/// let s = lowrank::model::bundled::load("mo2018-fig1", &[]).unwrap().unwrap();
/// let doc = lowrank::documents::check_document(&s).unwrap();
/// assert_eq!(doc["overlap_matrix"][0][0], 2.2);
/// ```
pub fn check_document(s: &Scenario) -> Result<Value, crate::model::ModelError> {
    let m = &s.model;
    let populations: Vec<Value> = m
        .populations()
        .iter()
        .enumerate()
        .map(|(p, pop)| {
            let gains: serde_json::Map<String, Value> = m
                .populations()
                .iter()
                .enumerate()
                .map(|(q, src)| (src.name.clone(), json!(m.gain()[(p, q)])))
                .collect();
            json!({ "name": pop.name, "weight": pop.weight, "gain": gains })
        })
        .collect();
    let stats: Vec<Value> = m
        .populations()
        .iter()
        .zip(m.stats())
        .map(|(pop, st)| {
            let mean: serde_json::Map<String, Value> = m
                .vectors()
                .iter()
                .zip(st.mean.iter())
                .map(|(v, &x)| (v.clone(), json!(x)))
                .collect();
            json!({ "population": pop.name, "mean": mean, "covariance": matrix(&st.cov) })
        })
        .collect();
    let eig: Vec<Value> = m
        .overlap_eigenvalues()?
        .iter()
        .map(|z| json!({ "re": z.re, "im": z.im }))
        .collect();
    let terms: Vec<Value> = m
        .terms()
        .iter()
        .map(|t| json!({ "name": t.name, "left": m.vectors()[t.left], "right": m.vectors()[t.right] }))
        .collect();
    let inputs: Vec<Value> = m
        .inputs()
        .iter()
        .map(|i| {
            json!({
                "name": i.name, "vector": m.vectors()[i.vector], "baseline": i.schedule.baseline,
                "pulses": i.schedule.pulses, "noise": i.schedule.noise,
                "noise_during_pulses_only": i.schedule.noise_during_pulses_only,
            })
        })
        .collect();
    let readouts: Vec<Value> = m
        .readouts()
        .iter()
        .map(|r| json!({ "name": r.name, "vector": m.vectors()[r.vector] }))
        .collect();
    let (source, params, inflation) = match &s.source {
        Source::General => ("general".to_string(), Value::Null, Value::Null),
        Source::Mo2018(p) => (format!("mo2018.{}", p.kind()), json!(p), Value::Null),
        Source::Cb2025 { spec, inflation } => ("cb2025".to_string(), json!(spec), json!(inflation)),
    };
    Ok(json!({
        "name": s.name,
        "description": s.description,
        "source": source,
        "parameters": params,
        "nonlinearity": nonlinearity_json(m.nonlinearity()),
        "populations": populations,
        "vectors": m.vectors(),
        "loading_statistics": stats,
        "terms": terms,
        "overlap_matrix": matrix(&m.overlap_matrix()),
        "overlap_eigenvalues": eig,
        "disorder_coupling": matrix(&m.disorder_coupling()),
        "inputs": inputs,
        "readouts": readouts,
        "simulation": s.simulation,
        "sigma_n2_inflation": inflation,
        "notes": s.notes,
    }))
}

/// The scenario form of φ: its name when plain, else the affine table
/// `{ kind, gain, threshold, scale, offset }` (docs/scenarios.md), so the output can be pasted back.
fn nonlinearity_json(phi: crate::gauss::Phi) -> serde_json::Value {
    if phi.is_plain() {
        json!(phi.name())
    } else {
        json!({
            "kind": phi.name(),
            "gain": phi.gain(),
            "threshold": phi.threshold(),
            "scale": phi.scale(),
            "offset": phi.offset(),
        })
    }
}

/// The `threshold --json` document: `scenario`, `param`, `range`, `overrides`, the located
/// `thresholds` (each with `converged`, `residual`, `iterations`, `termination`,
/// `error_estimate`), `dropped` (sign changes that
/// could not be located), `branches`, `incomplete_branches`, `continua`, `grid`,
/// `failed_grid_points`.
pub fn threshold_document(
    scenario: &str,
    param: &str,
    overrides: &[String],
    report: &ThresholdReport,
) -> Value {
    json!({
        "scenario": scenario,
        "param": param,
        "range": report.range,
        "overrides": overrides,
        "thresholds": report.thresholds,
        "dropped": report.dropped,
        "branches": report.branches,
        "incomplete_branches": report.incomplete_branches,
        "continua": report.continua,
        "grid": report.grid,
        "failed_grid_points": report.failed_grid_points,
    })
}
