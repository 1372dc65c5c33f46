//! End-to-end tests of `lowrank solve`, `lowrank sweep` and `lowrank merge` (the built binary).

mod common;
use common::{json, lowrank};

/// Fig. 1 set at g = 2 (between g_C = 1.796 and g_BB = 2.136, docs/theory §5): the stable states are
/// the ± heterogeneous chaotic ones; every branch carries its convergence report.
#[test]
fn solve_reports_all_branches_with_stability() {
    let v = json(&lowrank(&[
        "solve",
        "mo2018-fig1",
        "--set",
        "mo2018.g=2.0",
        "--json",
    ]));
    let sols = v["solutions"].as_array().unwrap();
    let has = |branch: &str, regime: &str| {
        sols.iter()
            .any(|s| s["branch"] == branch && s["regime"] == regime)
    };
    assert!(
        has("trivial", "stationary")
            && has("central", "stationary")
            && has("heterogeneous", "stationary")
    );
    assert!(has("central", "chaotic") && has("heterogeneous", "chaotic"));
    for s in sols {
        assert_eq!(s["converged"], true);
        assert!(s["residual"].as_f64().unwrap() < 1e-9);
        for key in [
            "kappa",
            "mu",
            "delta0",
            "delta_inf",
            "gain",
            "bulk_radius",
            "outliers",
            "iterations",
            "stable",
            "regime",
        ] {
            assert!(!s[key].is_null(), "missing {key}");
        }
        let stable = s["stable"].as_bool().unwrap();
        let het_chaos = s["branch"] == "heterogeneous" && s["regime"] == "chaotic";
        assert_eq!(stable, het_chaos, "{s}");
    }
    // the central chaotic variance is the Sompolinsky value 1.9248 (docs/theory §5)
    let central = sols
        .iter()
        .find(|s| s["branch"] == "central" && s["regime"] == "chaotic")
        .unwrap();
    assert!((central["delta0"][0].as_f64().unwrap() - 1.9248).abs() < 5e-5);
}

/// A linear network with g > 1 and an input has no solution: clear error, non-zero exit, no number.
#[test]
fn solve_without_solution_fails_clearly() {
    let dir = std::env::temp_dir().join(format!("lowrank-cli-solve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("linear.toml");
    std::fs::write(
        &path,
        r#"
name = "linear-unstable"
nonlinearity = "linear"
[[population]]
name = "net"
fraction = 1.0
gain = 1.5
[[vector]]
name = "m"
std = 1.0
[[vector]]
name = "n"
std = 1.0
[[vector]]
name = "h"
std = 1.0
[[term]]
name = "1"
left = "m"
right = "n"
[[input]]
name = "u"
vector = "h"
baseline = 1.0
"#,
    )
    .unwrap();
    let out = lowrank(&["solve", path.to_str().unwrap(), "--no-chaos", "--json"]);
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "no number on stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no mean-field solution converged"), "{err}");
}

/// A sharded sweep merged equals the unsharded one; the CSV has the documented columns; a plot is drawn.
#[test]
fn sweep_shards_merge_and_plot() {
    let dir = std::env::temp_dir().join(format!("lowrank-cli-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let base = [
        "sweep",
        "mo2018-fig1",
        "--param",
        "mo2018.g=0.5:1.5:5",
        "--no-chaos",
    ];
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend(extra);
        let out = lowrank(&a);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["--csv", &p("all.csv"), "--plot", &p("all.svg")]);
    run(&["--csv", &p("s0.csv"), "--shard", "0/2"]);
    run(&["--csv", &p("s1.csv"), "--shard", "1/2"]);
    let out = lowrank(&["merge", &p("merged.csv"), &p("s0.csv"), &p("s1.csv")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = std::fs::read_to_string(p("all.csv")).unwrap();
    let merged = std::fs::read_to_string(p("merged.csv")).unwrap();
    let head = all.lines().next().unwrap();
    assert!(head.starts_with("point,mo2018.g,solution,branch,regime,stable,instability,kappa_1,mu_1,delta0_1,delta_inf_1,gain_1"));
    let key = |t: &str| {
        t.lines()
            .map(|l| l.split(',').take(7).collect::<Vec<_>>().join(","))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&all), key(&merged));
    // g = 0.5 (first point): the ± heterogeneous states are stable, the trivial one is not
    let first: Vec<&str> = all
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("0,"))
        .collect();
    assert_eq!(first.len(), 3);
    assert!(std::fs::metadata(p("all.svg")).unwrap().len() > 1000);
}

/// A 2-D sweep as N ∈ {1, 3, 7} shards (separate processes) merged: the unsharded CSV byte for
/// byte (every point's solutions depend only on the point).
#[test]
fn sweep_2d_shards_merge_byte_for_byte() {
    let dir = std::env::temp_dir().join(format!("lowrank-cli-sweep2d-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let base = [
        "sweep",
        "mo2018-fig1",
        "--param",
        "mo2018.g=0.5:1.5:4",
        "--param",
        "mo2018.mean_m=0:1:3",
        "--no-chaos",
    ];
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend(extra);
        let out = lowrank(&a);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["--csv", &p("all.csv")]);
    let all = std::fs::read(p("all.csv")).unwrap();
    for n in [1, 3, 7] {
        let out = p(&format!("m{n}.csv"));
        let mut args = vec!["merge".to_string(), out.clone()];
        for i in 0..n {
            let f = p(&format!("s{i}-{n}.csv"));
            run(&["--csv", &f, "--shard", &format!("{i}/{n}")]);
            args.push(f);
        }
        let o = lowrank(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            std::fs::read(&out).unwrap() == all,
            "{n} shards differ from the unsharded CSV"
        );
    }
    let o = lowrank(&["merge", &p("bad.csv"), &p("s0-3.csv"), &p("s2-3.csv")]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("1/3"));
}

#[test]
fn sweep_rejects_bad_param() {
    let out = lowrank(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1.5"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("KEY=START:STOP:COUNT"));
}

/// `--order` used to be accepted and ignored (order 3 and 200 gave identical output): it is now an
/// error that names the option and says why.
#[test]
fn solve_rejects_the_removed_order_option() {
    for cmd in [
        vec!["solve", "mo2018-fig1", "--order", "3"],
        vec![
            "sweep",
            "mo2018-fig1",
            "--param",
            "mo2018.g=1:2:3",
            "--order",
            "200",
        ],
    ] {
        let out = lowrank(&cmd);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--order") && err.contains("accuracy-controlled"),
            "{err}"
        );
    }
}

/// The issue's regression cases from the command line: homogeneous chaos at g = 3 is listed and
/// is the only stable state; the JSON carries `marginal`, `found_by` and the `search` report.
#[test]
fn solve_lists_homogeneous_chaos_at_large_g_with_its_search_report() {
    let v = json(&lowrank(&[
        "solve",
        "mo2018-fig1",
        "--set",
        "mo2018.g=3.0",
        "--json",
    ]));
    let sols = v["solutions"].as_array().unwrap();
    let stable: Vec<_> = sols.iter().filter(|s| s["stable"] == true).collect();
    assert_eq!(stable.len(), 1, "{sols:?}");
    assert_eq!(stable[0]["branch"], "central");
    assert_eq!(stable[0]["regime"], "chaotic");
    assert!((stable[0]["delta0"][0].as_f64().unwrap() - 5.446).abs() < 1e-3);
    assert_eq!(stable[0]["found_by"], "pure-disorder");
    assert_eq!(stable[0]["marginal"], false);
    assert_eq!(v["search"]["complete"], true);
    assert_eq!(v["search"]["box_proven"], true);
}
