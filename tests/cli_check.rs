//! End-to-end tests of `lowrank check` (the built binary).

mod common;
use common::{json, lowrank};

#[test]
fn check_bundled_scenario_reports_the_overlap() {
    let v = json(&lowrank(&["check", "scenarios/mo2018-fig1.toml", "--json"]));
    assert_eq!(v["name"], "mo2018-fig1");
    assert_eq!(v["nonlinearity"], "tanh");
    assert_eq!(v["source"], "mo2018.rank-one");
    let omega = v["overlap_matrix"][0][0].as_f64().unwrap();
    assert!((omega - 1.1 * 2.0).abs() < 1e-12); // λ₀ = M_m M_n
    assert!((v["disorder_coupling"][0][0].as_f64().unwrap() - 2.25).abs() < 1e-12); // G = g²
    assert_eq!(v["vectors"], serde_json::json!(["m", "n"]));
    // overrides and the bundled-name lookup
    let v = json(&lowrank(&[
        "check",
        "mo2018-fig1",
        "--set",
        "mo2018.mean_n=1.0",
        "--set",
        "mo2018.g=1.8",
        "--json",
    ]));
    assert!((v["overlap_matrix"][0][0].as_f64().unwrap() - 1.1).abs() < 1e-12);
    assert!((v["populations"][0]["gain"]["net"].as_f64().unwrap() - 1.8).abs() < 1e-12);
}

#[test]
fn check_cb2025_reports_t_hat_and_inflation() {
    let v = json(&lowrank(&[
        "check",
        "scenarios/cb2025-limit-cycle.toml",
        "--json",
    ]));
    let ev = v["overlap_eigenvalues"][0].clone();
    assert!((ev["re"].as_f64().unwrap() - 2f64.sqrt()).abs() < 1e-9);
    assert!((ev["im"].as_f64().unwrap().abs() - 2f64.sqrt()).abs() < 1e-9);
    assert!((v["sigma_n2_inflation"]["sigma_n2"].as_f64().unwrap() - 4.0).abs() < 1e-9);
    assert_eq!(v["sigma_n2_inflation"]["warning"], false);
    // text mode works too
    let out = lowrank(&["check", "scenarios/two-populations.toml"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("overlap matrix"));
}

fn fails_naming(args: &[&str], needle: &str) {
    let out = lowrank(args);
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(needle),
        "{args:?}: stderr `{err}` lacks `{needle}`"
    );
}

#[test]
fn check_errors_exit_nonzero_and_name_the_field() {
    let dir = std::env::temp_dir().join(format!("lowrank-cli-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let malformed = dir.join("malformed.toml");
    std::fs::write(
        &malformed,
        "name = \"x\"\n[[population]]\nname = \"A\"\ngain = = 1\n",
    )
    .unwrap();
    fails_naming(&["check", malformed.to_str().unwrap()], "line 4, column 8");
    let phi = dir.join("phi.toml");
    std::fs::write(
        &phi,
        "name = \"x\"\nnonlinearity = \"relux\"\n[[population]]\nname = \"A\"\ngain = 1.0\n",
    )
    .unwrap();
    fails_naming(
        &["check", phi.to_str().unwrap()],
        "nonlinearity: unknown nonlinearity `relux`",
    );
    fails_naming(
        &[
            "check",
            "scenarios/two-populations.toml",
            "--set",
            "population.E.gian=1",
        ],
        "population.E.gian",
    );
    fails_naming(
        &[
            "check",
            "scenarios/two-populations.toml",
            "--set",
            "population.E.gain=-2",
        ],
        "population.E.gain",
    );
    fails_naming(&["check", "no-such-scenario"], "not a bundled scenario");
    std::fs::remove_dir_all(&dir).ok();
}
