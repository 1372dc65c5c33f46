//! End-to-end tests of `lowrank simulate` and `lowrank spectrum` (the built binary).

mod common;
use common::{json, lowrank};

const FIG1: &str = "scenarios/mo2018-fig1.toml";

#[test]
fn simulate_is_reproducible_and_uses_theory_field_names() {
    let args = [
        "simulate", FIG1, "--n", "200", "--seed", "5", "--t", "5", "--trials", "2", "--json",
    ];
    let a = lowrank(&args);
    let b = lowrank(&args);
    let va = json(&a);
    assert_eq!(a.stdout, b.stdout, "same seed must give the same output");
    for field in ["kappa", "mu", "delta0", "currents", "readouts"] {
        assert!(va.get(field).is_some(), "missing field {field}");
    }
    let kappa = va["kappa"][0].as_f64().unwrap();
    assert!(kappa.is_finite());
    let mut other = args;
    other[5] = "6";
    let c = json(&lowrank(&other));
    assert_ne!(
        va["kappa"], c["kappa"],
        "a different seed must give a different network"
    );
}

#[test]
fn spectrum_outlier_sits_at_the_overlap() {
    // Fig. 1 set: M_m = 1.1, M_n = 2, Σ_m = Σ_n = 1, g = 1.5 ⇒ Ω = 2.2, bulk radius g.
    // n·m/N fluctuates with std √((Σ_m²Σ_n² + Σ_m²M_n² + M_m²Σ_n²)/N) ≈ 0.125 at N = 400;
    // allow 4 std for the outlier, and 3/√N relative for the bulk edge estimate.
    let n = 400.0f64;
    let v = json(&lowrank(&[
        "spectrum", FIG1, "--n", "400", "--seed", "3", "--json",
    ]));
    let std = ((1.0 + 4.0 + 1.21) / n).sqrt();
    let outlier = v["outlier"][0][0].as_f64().unwrap();
    assert!((outlier - 2.2).abs() < 4.0 * std, "outlier {outlier}");
    let bulk = v["bulk_radius"].as_f64().unwrap();
    assert!(
        (bulk - 1.5).abs() < 1.5 * 3.0 / n.sqrt(),
        "bulk radius {bulk}"
    );
}

#[test]
fn simulate_rejects_bad_time_step() {
    let out = lowrank(&["simulate", FIG1, "--n", "100", "--dt", "0"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dt"), "stderr should name dt: {err}");
    let out = lowrank(&["simulate", FIG1, "--n", "0"]);
    assert!(!out.status.success());
}
