//! End-to-end tests of `lowrank threshold`: every bundled scenario over a natural parameter, the
//! [MO] Fig. 1 numbers against the independent library routes, CSV output, and bad input.

mod common;

use common::{json, lowrank};
use lowrank::model::mo2018::RankOne;
use lowrank::theory::mo2018::{g_bb, g_c};
use lowrank::theory::solve::branches::SolveOptions;

/// Every bundled scenario with a natural parameter and interval (and the stimulus time for the
/// tasks): the command succeeds, and every reported threshold is converged, inside the range and
/// carries its report.
#[test]
fn every_bundled_scenario() {
    let cases: &[(&str, &str, &[&str])] = &[
        // 25 currents, 35 branches: a coarse scan keeps the test short
        (
            "cb2025-fig3-set1",
            "cb2025.symmetric.a.0=2.0:2.8",
            &["--grid", "3"],
        ),
        ("cb2025-fig4a-b2", "cb2025.g.0=0.5:2.5", &[]),
        ("cb2025-limit-cycle", "cb2025.t.4=0.2:2", &[]),
        ("cb2025-pure-chaos", "cb2025.g.0=0.5:2", &[]),
        ("mo2018-context", "mo2018.c_a=0:1", &["--time", "50"]),
        ("mo2018-detection", "mo2018.c=0:1.5", &["--time", "18"]),
        ("mo2018-fig1", "mo2018.mean_m=0.3:1.5", &[]),
        ("mo2018-fig2-bistable-input", "mo2018.sigma_ni=0.01:2", &[]),
        ("mo2018-gonogo", "mo2018.g=0.1:1.5", &["--time", "10"]),
        ("mo2018-ring", "mo2018.g=1.5:2.5", &[]),
        (
            "scenarios/two-populations.toml",
            "population.E.gain=0.5:2",
            &[],
        ),
    ];
    for (scenario, param, extra) in cases {
        let mut args = vec!["threshold", scenario, "--param", param, "--json"];
        args.extend_from_slice(extra);
        let out = lowrank(&args);
        let doc = json(&out);
        let range = doc["range"].as_array().expect("range");
        let (lo, hi) = (range[0].as_f64().unwrap(), range[1].as_f64().unwrap());
        assert!(doc["param"].is_string() && doc["branches"].as_u64().is_some());
        for t in doc["thresholds"].as_array().expect("thresholds") {
            let v = t["value"].as_f64().unwrap();
            assert!(v >= lo && v <= hi, "{scenario}: {t}");
            assert_eq!(t["converged"], true, "{scenario}: {t}");
            assert!(t["residual"].as_f64().unwrap() <= 1e-10, "{scenario}: {t}");
            assert!(t["iterations"].as_u64().is_some());
            let kind = t["kind"].as_str().unwrap();
            assert!(
                ["fold", "pitchfork", "branch-point", "chaos-onset", "hopf"].contains(&kind),
                "{kind}"
            );
            assert!(["stationary", "chaotic"].contains(&t["regime"].as_str().unwrap()));
            for field in ["kappa", "delta0", "delta_inf", "mu", "gain"] {
                assert!(t["state"][field].is_array(), "{scenario}: {field}");
            }
        }
    }
}

/// [MO] Fig. 1 over g: g_C and g_BB to 1e-6 against the library's independent routes; the text
/// table and the CSV file list them too.
#[test]
fn mo_fig1_numbers_json_table_csv() {
    let dir = std::env::temp_dir().join(format!("lowrank-threshold-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv_path = dir.join("thresholds.csv");
    let out = lowrank(&[
        "threshold",
        "mo2018-fig1",
        "--param",
        "mo2018.g=1.2:2.5",
        "--json",
        "--csv",
        csv_path.to_str().unwrap(),
    ]);
    let doc = json(&out);
    let opts = SolveOptions::default();
    let gc = g_c(&RankOne::default(), 0.5, &opts).unwrap();
    let gbb = g_bb(&RankOne::default(), &opts).unwrap().value;
    let ts = doc["thresholds"].as_array().unwrap();
    let pick = |kind: &str, regime: &str| -> Vec<f64> {
        ts.iter()
            .filter(|t| t["kind"] == kind && t["regime"] == regime)
            .map(|t| t["value"].as_f64().unwrap())
            .collect()
    };
    let onset = pick("chaos-onset", "stationary");
    assert!(
        onset.iter().any(|v| (v - gc).abs() <= 1e-6),
        "{onset:?} vs {gc}"
    );
    let pitch = pick("pitchfork", "chaotic");
    assert!(
        pitch.iter().any(|v| (v - gbb).abs() <= 1e-6),
        "{pitch:?} vs {gbb}"
    );
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("mo2018.g,kind,branch,regime,converged"));
    assert_eq!(lines.count(), ts.len());
    std::fs::remove_dir_all(&dir).ok();
    // text table
    let out = lowrank(&["threshold", "mo2018-fig1", "--param", "mo2018.g=1.2:2.5"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("chaos-onset") && text.contains("pitchfork"),
        "{text}"
    );
}

/// Bad input: a clear error naming the option, non-zero exit, nothing on stdout.
#[test]
fn bad_input_is_a_clear_error() {
    let cases: &[(&[&str], &str)] = &[
        (&["--param", "mo2018.g=2:1"], "LO < HI"),
        (&["--param", "mo2018.g"], "KEY=LO:HI"),
        (&["--param", "mo2018.g=1:x"], "HI"),
        (&["--param", "mo2018.nope=1:2"], "nope"),
        (&["--param", "mo2018.g=1:2", "--grid", "1"], "--grid"),
        (&["--param", "mo2018.sigma_m=-1:1"], "sigma_m"),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["threshold", "mo2018-fig1"];
        args.extend_from_slice(extra);
        let out = lowrank(&args);
        assert!(!out.status.success(), "{extra:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{extra:?}: {err}");
        assert!(out.stdout.is_empty(), "{extra:?}");
    }
}
