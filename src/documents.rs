//! The JSON documents of `lowrank solve --json` and `lowrank simulate --json`, built in one place
//! so that the command line and the Python package return the same fields and the same bits.

use crate::model::Scenario;
use crate::sim::{Network, SimulationResult};
use crate::theory::autocorrelation::Autocorrelation;
use crate::theory::solve::branches::AllSolutions;
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
/// `empirical_overlap` n^k·m^l/N₀.
///
/// # Errors
/// A value that does not serialize (never for finite results).
pub fn simulation_document(
    s: &Scenario,
    seed: u64,
    net: &Network,
    res: &SimulationResult,
) -> serde_json::Result<Value> {
    let overlap = net.empirical_overlap();
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
