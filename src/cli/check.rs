//! `lowrank check SCENARIO [--set KEY=VALUE]... [--json]`: load, override and validate a
//! scenario and print what the theory will see — populations (weights α_p, gains g_pq),
//! vectors, per-population means M^{(p)} and covariances σ^{(p)}, the overlap matrix Ω and
//! its eigenvalues (docs/theory §1.2), the disorder coupling G_pq = α_q g_pq² (§1.1), inputs,
//! readouts, simulation defaults and, for [CB] scenarios, the σ_n² inflation report (§4).

use super::ScenarioArgs;
use lowrank::model::{Scenario, Source};

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
        let doc = lowrank::documents::check_document(&s)?;
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        out!("{}", text(&s)?);
    }
    Ok(())
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
