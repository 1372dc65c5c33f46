//! End-to-end tests of `lowrank solve --autocorrelation TMAX [--tau-step H]
//! [--autocorrelation-csv FILE]` (the built binary): Δ_p(τ) of every stationary chaotic solution
//! (docs/theory §1.7) in the simulator's layout, the CSV file, and the refusals.

mod common;
use common::{json, lowrank};
use std::path::PathBuf;

/// A fresh empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lowrank-cli-acf-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// [MO] Fig. 1 at g = 2: the chaotic solutions (central, ± heterogeneous) carry `autocorrelation`
/// with `lags` and `delta[p][ℓ]` (the names of `lowrank simulate --max-lag --json`); the static
/// ones do not.
#[test]
fn json_adds_the_autocorrelation_to_every_chaotic_solution() {
    let v = json(&lowrank(&[
        "solve",
        "mo2018-fig1",
        "--set",
        "mo2018.g=2.0",
        "--autocorrelation",
        "5",
        "--tau-step",
        "0.1",
        "--json",
    ]));
    let sols = v["solutions"].as_array().unwrap();
    let mut chaotic = 0;
    for s in sols {
        let a = &s["autocorrelation"];
        if s["regime"] != "chaotic" {
            assert!(a.is_null(), "{s}");
            continue;
        }
        chaotic += 1;
        assert_eq!(a["converged"], true);
        assert!(a["error_estimate"].as_f64().unwrap() <= 1e-8);
        let lags = a["lags"].as_array().unwrap();
        assert_eq!(lags.len(), 51);
        assert!((lags[50].as_f64().unwrap() - 5.0).abs() < 1e-12);
        let delta = a["delta"].as_array().unwrap();
        assert_eq!(delta.len(), 1);
        let d: Vec<f64> = delta[0]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert_eq!(d.len(), 51);
        assert_eq!(d[0], s["delta0"][0].as_f64().unwrap());
        let d_inf = s["delta_inf"][0].as_f64().unwrap();
        assert!(d.windows(2).all(|w| w[1] < w[0]) && d[50] > d_inf);
        assert_eq!(a["delta_inf"][0].as_f64().unwrap(), d_inf);
    }
    assert_eq!(chaotic, 3);
}

/// Text line and CSV (`solution,tau,delta_<population>`), written atomically.
#[test]
fn csv_and_text_output() {
    let dir = scratch("csv");
    let csv = dir.join("acf.csv");
    let out = lowrank(&[
        "solve",
        "cb2025-pure-chaos",
        "--autocorrelation",
        "3",
        "--autocorrelation-csv",
        csv.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("autocorrelation: delta(0) = [0.838753]"),
        "{text}"
    );
    let body = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = body.lines().collect();
    // [CB] regions are named 1, 2, …
    assert_eq!(lines[0], "solution,tau,delta_1");
    assert_eq!(lines.len(), 1 + 61);
    let first: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(first[1], "0");
    assert!((first[2].parse::<f64>().unwrap() - 0.838753).abs() < 1e-6);
    let last: Vec<&str> = lines[61].split(',').collect();
    assert_eq!(last[1].parse::<f64>().unwrap(), 3.0);
    // nothing but the target is left in the directory
    let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(entries.len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Bad values: non-zero exit, the error names the option, no file left behind.
#[test]
fn bad_values_name_the_option_and_leave_nothing() {
    let dir = scratch("bad");
    let csv = dir.join("acf.csv");
    let csv = csv.to_str().unwrap();
    for (args, option) in [
        (vec!["--autocorrelation", "0"], "--autocorrelation"),
        (vec!["--autocorrelation", "-2"], "--autocorrelation"),
        (vec!["--autocorrelation", "nan"], "--autocorrelation"),
        (vec!["--autocorrelation", "inf"], "--autocorrelation"),
        (
            vec!["--autocorrelation", "5", "--tau-step", "0"],
            "--tau-step",
        ),
        (
            vec!["--autocorrelation", "5", "--tau-step", "-0.1"],
            "--tau-step",
        ),
        (
            vec!["--autocorrelation", "5", "--tau-step", "6"],
            "--tau-step",
        ),
        (vec!["--tau-step", "0.1"], "--tau-step"),
        (vec!["--autocorrelation-csv", csv], "--autocorrelation-csv"),
        (vec!["--autocorrelation", "5", "--no-chaos"], "--no-chaos"),
        (
            vec!["--autocorrelation", "1e9", "--tau-step", "1e-3"],
            "--tau-step",
        ),
        (
            vec!["--autocorrelation", "100", "--max-memory", "1K"],
            "--max-memory",
        ),
    ] {
        let mut all = vec!["solve", "cb2025-pure-chaos"];
        all.extend(&args);
        if !args.contains(&"--autocorrelation-csv") {
            all.extend(["--autocorrelation-csv", csv]);
        }
        let out = lowrank(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(err.contains(option), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} printed a result");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }
    // an output path that cannot be written is refused before any computation
    let out = lowrank(&[
        "solve",
        "cb2025-pure-chaos",
        "--autocorrelation",
        "5",
        "--autocorrelation-csv",
        dir.join("no/such/dir/acf.csv").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--autocorrelation-csv"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `lowrank simulate --max-lag --autocorrelation-csv`: the measured Δ_p(τ) under the names of
/// `solve --autocorrelation-csv` (`tau,delta_<population>`), so the two overlay column by
/// column; the lags follow `--lag-step`.
#[test]
fn simulate_writes_the_measured_autocorrelation_under_the_same_names() {
    let dir = scratch("sim");
    let (sim_csv, theory_csv) = (dir.join("sim.csv"), dir.join("theory.csv"));
    let out = lowrank(&[
        "simulate",
        "cb2025-pure-chaos",
        "--n",
        "300",
        "--t",
        "20",
        "--burn-in",
        "10",
        "--max-lag",
        "3",
        "--lag-step",
        "0.5",
        "--autocorrelation-csv",
        sim_csv.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = lowrank(&[
        "solve",
        "cb2025-pure-chaos",
        "--autocorrelation",
        "3",
        "--tau-step",
        "0.5",
        "--autocorrelation-csv",
        theory_csv.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let sim = std::fs::read_to_string(&sim_csv).unwrap();
    let theory = std::fs::read_to_string(&theory_csv).unwrap();
    let (sim, theory): (Vec<&str>, Vec<&str>) = (sim.lines().collect(), theory.lines().collect());
    assert_eq!(sim[0], "tau,delta_1");
    assert_eq!(theory[0], format!("solution,{}", sim[0]));
    assert_eq!(sim.len(), theory.len(), "same lags 0, 0.5, …, 3");
    for (s, t) in sim[1..].iter().zip(&theory[1..]) {
        let s: Vec<f64> = s.split(',').map(|v| v.parse().unwrap()).collect();
        let t: Vec<f64> = t.split(',').map(|v| v.parse().unwrap()).collect();
        assert_eq!(s[0], t[1], "lag");
        // a positive, finite autocorrelation below its value at τ = 0
        assert!(s[1].is_finite() && s[1] > 0.0, "{s:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The simulator's autocorrelation options are checked before anything runs or is written.
#[test]
fn simulate_autocorrelation_options_are_checked() {
    let dir = scratch("simbad");
    let csv = dir.join("acf.csv");
    let csv = csv.to_str().unwrap();
    for (args, option) in [
        (vec!["--lag-step", "0.5"], "--lag-step"),
        (vec!["--autocorrelation-csv", csv], "--autocorrelation-csv"),
        (vec!["--max-lag", "2", "--lag-step", "3"], "--lag-step"),
        (vec!["--max-lag", "2", "--lag-step", "0"], "--lag-step"),
        (vec!["--max-lag", "2", "--lag-step", "nan"], "--lag-step"),
        // the scenario's dt is 0.05: 0.07 is not on the integration grid
        (vec!["--max-lag", "2", "--lag-step", "0.07"], "--lag-step"),
    ] {
        let mut all = vec!["simulate", "cb2025-pure-chaos", "--n", "50", "--t", "5"];
        all.extend(&args);
        let out = lowrank(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(err.contains(option), "{args:?}: {err}");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `lowrank dmft --slice T0 --slice-csv`: Δ_p(t0, t0 + τ) and Δ̂ (= 1 at τ = 0) in the JSON field
/// `slice` and in a CSV with the `delta_<population>` names; a bad T0 names the option.
#[test]
fn dmft_exports_the_autocorrelation_slice() {
    let dir = scratch("dmft");
    let csv = dir.join("slice.csv");
    let v = json(&lowrank(&[
        "dmft",
        "cb2025-pure-chaos",
        "--t",
        "12",
        "--dt",
        "0.05",
        "--slice",
        "6",
        "--slice-csv",
        csv.to_str().unwrap(),
        "--json",
    ]));
    let s = &v["slice"];
    assert!((s["t0"].as_f64().unwrap() - 6.0).abs() < 1e-12, "{s}");
    let lags = s["lags"].as_array().unwrap();
    let delta = s["delta"][0].as_array().unwrap();
    let hat = s["delta_hat"][0].as_array().unwrap();
    assert_eq!(lags.len(), delta.len());
    assert!((lags[1].as_f64().unwrap() - 0.05).abs() < 1e-15);
    assert!((hat[0].as_f64().unwrap() - 1.0).abs() < 1e-12);
    let body = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "tau,delta_1,delta_hat_1");
    assert_eq!(lines.len(), 1 + lags.len());
    let first: Vec<f64> = lines[1].split(',').map(|x| x.parse().unwrap()).collect();
    assert_eq!(first[1], delta[0].as_f64().unwrap());
    for bad in ["-1", "12", "nan"] {
        let out = lowrank(&["dmft", "cb2025-pure-chaos", "--t", "12", "--slice", bad]);
        assert!(!out.status.success(), "--slice {bad} succeeded");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--slice"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `lowrank dmft --delta-npy`: the whole two-time matrix as a NumPy file (float64,
/// P × N_t × N_t) whose row at t0 is the JSON slice.
#[test]
fn dmft_writes_the_two_time_matrix_as_npy() {
    let dir = scratch("npy");
    let npy = dir.join("delta.npy");
    let v = json(&lowrank(&[
        "dmft",
        "cb2025-pure-chaos",
        "--t",
        "5",
        "--dt",
        "0.05",
        "--slice",
        "2",
        "--delta-npy",
        npy.to_str().unwrap(),
        "--json",
    ]));
    let bytes = std::fs::read(&npy).unwrap();
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
    let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    assert_eq!((10 + hlen) % 64, 0, "header aligned");
    let header = std::str::from_utf8(&bytes[10..10 + hlen]).unwrap();
    assert!(header.contains("'descr': '<f8'") && header.contains("'shape': (1, 100, 100,)"));
    let data: Vec<f64> = bytes[10 + hlen..]
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(data.len(), 100 * 100);
    let slice = v["slice"]["delta"][0].as_array().unwrap();
    for (l, d) in slice.iter().enumerate() {
        // serde_json's default float parser may be off by an ulp; the file is exact
        let d = d.as_f64().unwrap();
        assert!(
            (data[40 * 100 + 40 + l] - d).abs() <= 4.0 * f64::EPSILON * d.abs(),
            "lag {l}"
        );
    }
    // a wrong extension is refused before any computation
    let out = lowrank(&[
        "dmft",
        "cb2025-pure-chaos",
        "--t",
        "5",
        "--delta-npy",
        "x.csv",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--delta-npy"));
    std::fs::remove_dir_all(&dir).unwrap();
}
