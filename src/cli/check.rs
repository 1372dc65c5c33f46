//! `lowrank check SCENARIO [--set KEY=VALUE]... [--json]`: load, override and validate a
//! scenario and print what the theory will see — populations (weights α_p, gains g_pq),
//! vectors, per-population means M^{(p)} and covariances σ^{(p)}, the overlap matrix Ω and
//! its eigenvalues (docs/theory §1.2), the disorder coupling G_pq = α_q g_pq² (§1.1), inputs,
//! readouts, simulation defaults and, for [CB] scenarios, the σ_n² inflation report (§4).

use super::ScenarioArgs;
use lowrank::model::nalgebra::DMatrix;
use lowrank::model::{Scenario, Source};
use serde_json::{json, Value};

/// Arguments of `lowrank check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Scenario and overrides.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Print one JSON document on stdout instead of the text summary.
    #[arg(long)]
    pub json: bool,
}

/// Run `lowrank check`.
pub fn run(args: &CheckArgs) -> anyhow::Result<()> {
    let s = args.scenario.load()?;
    if args.json {
        let doc = report(&s)?;
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        out!("{}", text(&s)?);
    }
    Ok(())
}

fn matrix(m: &DMatrix<f64>) -> Value {
    Value::Array(
        (0..m.nrows())
            .map(|r| json!(m.row(r).iter().copied().collect::<Vec<f64>>()))
            .collect(),
    )
}

/// The JSON document of `check --json` (field names documented in docs/scenarios.md).
pub fn report(s: &Scenario) -> anyhow::Result<Value> {
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

fn text(s: &Scenario) -> anyhow::Result<String> {
    use std::fmt::Write;
    let m = &s.model;
    let mut out = String::new();
    let _ = writeln!(out, "scenario {} — {}", s.name, s.description);
    let _ = writeln!(out, "nonlinearity: {}", m.nonlinearity());
    for (p, pop) in m.populations().iter().enumerate() {
        let gains: Vec<String> = m
            .populations()
            .iter()
            .enumerate()
            .map(|(q, src)| format!("g<-{}={}", src.name, m.gain()[(p, q)]))
            .collect();
        let _ = writeln!(
            out,
            "population {}: weight {} {}",
            pop.name,
            pop.weight,
            gains.join(" ")
        );
    }
    let _ = writeln!(
        out,
        "vectors ({}): {}",
        m.vectors().len(),
        m.vectors().join(", ")
    );
    let terms: Vec<String> = m
        .terms()
        .iter()
        .map(|t| {
            format!(
                "{} = {}·{}ᵀ",
                t.name,
                m.vectors()[t.left],
                m.vectors()[t.right]
            )
        })
        .collect();
    let _ = writeln!(out, "terms (K = {}): {}", m.rank(), terms.join(", "));
    let _ = writeln!(out, "overlap matrix Ω:{}", m.overlap_matrix());
    let eig: Vec<String> = m
        .overlap_eigenvalues()?
        .iter()
        .map(|z| format!("{:.6}{:+.6}i", z.re, z.im))
        .collect();
    let _ = writeln!(out, "eigenvalues of Ω: {}", eig.join(", "));
    let _ = writeln!(out, "disorder coupling G:{}", m.disorder_coupling());
    for i in m.inputs() {
        let _ = writeln!(
            out,
            "input {} along {}: baseline {}, {} pulse(s), noise {}",
            i.name,
            m.vectors()[i.vector],
            i.schedule.baseline,
            i.schedule.pulses.len(),
            i.schedule.noise
        );
    }
    for r in m.readouts() {
        let _ = writeln!(out, "readout {} along {}", r.name, m.vectors()[r.vector]);
    }
    if let Source::Cb2025 { inflation, .. } = &s.source {
        let _ = writeln!(
            out,
            "σ_n² = {} (start {}, {} ×1.05 steps{})",
            inflation.sigma_n2,
            inflation.start,
            inflation.steps,
            if inflation.warning {
                ", WARNING: > 10"
            } else {
                ""
            }
        );
    }
    for n in &s.notes {
        let _ = writeln!(out, "note: {n}");
    }
    Ok(out)
}

/// The scenario form of φ: its name when plain, else the affine table
/// `{ kind, gain, threshold, scale, offset }` (docs/scenarios.md), so the output can be pasted back.
fn nonlinearity_json(phi: lowrank::gauss::Phi) -> serde_json::Value {
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
