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

/// `--over KEY2=START:STOP:COUNT`: point i's rows are the thresholds of the one-parameter search
/// with `--set KEY2=value_i` (same rows, prefixed by `point,value`); a point without threshold
/// is one `none` row; N ∈ {1, 3, 7} shards (7 > the 4 points: empty shards too) merge into the
/// unsharded CSV byte for byte, and a missing shard is named.
#[test]
fn over_a_grid_is_the_one_parameter_search_per_point_and_shards() {
    let dir = std::env::temp_dir().join(format!("lowrank-threshold-over-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let base = [
        "threshold",
        "mo2018-fig1",
        "--param",
        "mo2018.g=0.3:2.5",
        "--no-chaos",
        "--grid",
        "5",
    ];
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        let o = lowrank(&a);
        assert!(
            o.status.success(),
            "{a:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let over = ["--over", "mo2018.mean_m=0.5:2:4"];
    run(&[over[0], over[1], "--csv", &p("all.csv")]);
    let all = std::fs::read_to_string(p("all.csv")).unwrap();
    let lines: Vec<&str> = all.lines().collect();
    assert!(lines[0].starts_with("point,mo2018.mean_m,mo2018.g,kind,"));
    assert!(lines[lines.len() - 1].starts_with("# lowrank threshold shard=all; points=4;"));
    for (i, m) in ["0.5", "1", "1.5", "2"].iter().enumerate() {
        let one = p(&format!("one{i}.csv"));
        run(&["--set", &format!("mo2018.mean_m={m}"), "--csv", &one]);
        let want: Vec<String> = std::fs::read_to_string(&one)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| format!("{i},{m},{l}"))
            .collect();
        let got: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| l.starts_with(&format!("{i},")))
            .collect();
        if want.is_empty() {
            assert_eq!(got.len(), 1, "point {i}");
            assert!(got[0].starts_with(&format!("{i},{m},,none,")), "{}", got[0]);
            assert_eq!(got[0].split(',').count(), lines[0].split(',').count());
        } else {
            assert_eq!(got, want, "point {i}");
        }
    }
    // the phase boundary itself: the chaos onset g_C of the heterogeneous state at each M_m
    // against the library's independent continuation route, to 1e-6
    let mut onsets = 0;
    for l in &lines[1..lines.len() - 1] {
        let f: Vec<&str> = l.split(',').collect();
        if f[3] == "chaos-onset" && f[4] == "heterogeneous" {
            let m: f64 = f[1].parse().unwrap();
            let value: f64 = f[2].parse().unwrap();
            let set = RankOne {
                mean_m: m,
                ..RankOne::default()
            };
            let gc = g_c(&set, 0.5, &SolveOptions::default()).unwrap();
            assert!(
                (value - gc).abs() <= 1e-6,
                "M_m = {m}: {value} vs g_C = {gc}"
            );
            onsets += 1;
        }
    }
    assert!(
        onsets >= 2,
        "{onsets} onsets on the grid (M_m = 1 and 1.5 have one in range)"
    );
    for n in [1, 3, 7] {
        let out = p(&format!("m{n}.csv"));
        let mut args = vec!["merge".to_string(), out.clone()];
        for i in 0..n {
            let f = p(&format!("s{i}-{n}.csv"));
            run(&[
                over[0],
                over[1],
                "--shard",
                &format!("{i}/{n}"),
                "--csv",
                &f,
            ]);
            args.push(f);
        }
        let o = lowrank(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), all, "{n} shards");
    }
    let o = lowrank(&["merge", &p("bad.csv"), &p("s0-3.csv"), &p("s1-3.csv")]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("2/3 missing"));
}
