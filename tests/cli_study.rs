//! End-to-end tests of `lowrank study fig4|fig5|fig6|switch|polytope` (the built binary), with small
//! budgets. Physical checks use closed forms of docs/theory §3 and the numbers of §5.

use std::path::PathBuf;

mod common;
use common::{json, lowrank};

fn tmpdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lowrank-cli-study-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const CLASSES: [&str; 6] = ["FP", "FP+chaos", "LC", "LC+chaos", "chaos", "invalid"];

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Pure-chaos gains ψ₀(g) of docs/theory §5 (erf network): g = 1.5 → 0.6569, g = 3 → 0.3185.
const PSI0_1_5: f64 = 0.6569;
const PSI0_3_0: f64 = 0.3185;

/// Fig. 5 on a 2 × 2 grid: CSV columns, valid class labels, a PNG, and the analytic part of the
/// diagram — at Re λ = 1 < 1/ψ₀(1.5) ≈ 1.522 the zero-current state is stable (§3.4), the
/// currents decay and every region is pure chaos.
#[test]
fn fig5_small_grid_csv_plot_and_zero_current_region() {
    let dir = tmpdir("fig5");
    let csv = dir.join("fig5.csv");
    let png = dir.join("fig5.png");
    let out = lowrank(&[
        "study",
        "fig5",
        "--grid",
        "2",
        "--samples",
        "2",
        "--t",
        "40",
        "--seed",
        "3",
        "--csv",
        csv.to_str().unwrap(),
        "--png",
        png.to_str().unwrap(),
        "--json",
    ]);
    let v = json(&out);
    // CSV: header and one row per cell
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "re,im,modal,entropy_bits,count_FP,count_FP+chaos,count_LC,count_LC+chaos,count_chaos,count_invalid,redraws"
    );
    let rows: Vec<Vec<&str>> = lines
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 4);
    // the last line is the run's trailer (what `merge` checks)
    assert!(text
        .lines()
        .last()
        .unwrap()
        .starts_with("# lowrank study fig5 shard=all; cells=4; grid=2;"));
    for r in &rows {
        assert_eq!(r.len(), 11);
        assert!(CLASSES.contains(&r[2]), "bad class {}", r[2]);
        let counts: Vec<usize> = r[4..10].iter().map(|c| c.parse().unwrap()).collect();
        assert_eq!(counts.iter().sum::<usize>(), 2 * 2, "samples × regions");
        let h: f64 = r[3].parse().unwrap();
        assert!(
            (0.0..=2.0 + 1e-12).contains(&h),
            "entropy of 4 samples ≤ 2 bits: {h}"
        );
        // the modal class has the largest count
        let modal = CLASSES.iter().position(|c| *c == r[2]).unwrap();
        assert_eq!(counts[modal], *counts.iter().max().unwrap());
    }
    // PNG exists, is non-empty and is a PNG
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.len() > 1000 && bytes.starts_with(b"\x89PNG"));
    // JSON: documented fields; the analytic boundary 1/ψ₀(1.5) of §3.4 with ψ₀ from §5
    assert!((f(&v["psi0"]) - PSI0_1_5).abs() < 5e-5);
    assert!((f(&v["re_boundary"]) - 1.0 / PSI0_1_5).abs() < 1e-3);
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 4);
    for c in cells {
        assert!(CLASSES.contains(&c["modal"].as_str().unwrap()));
        if f(&c["re"]) < f(&v["re_boundary"]) {
            assert_eq!(c["counts"]["chaos"], 4, "zero-current state stable: {c}");
        }
    }
    assert!(cells.iter().any(|c| f(&c["re"]) == 1.0));
}

/// Fig. 6 with T = 0: no currents (the leading eigenvalue of diag(ψ)T̂ is 0, no frequency); region
/// 1 is pure chaos with gain ψ₀(g¹) (§3.2, numbers of §5) up to the O(dt) error of the Euler scheme
/// (bounded by 0.1·dt, and halving-ish with dt); region 2 (g = 0, no input) has x → 0 and gain Ψ(0) = 1.
#[test]
fn fig6_zero_tensor_is_pure_chaos_in_region_one() {
    let zeros = ["0"; 8].join(",");
    let run = |dt: &str| {
        json(&lowrank(&[
            "study",
            "fig6",
            "--regions",
            "2",
            "--tensor",
            &zeros,
            "--g1",
            "1.5,3.0",
            "--t",
            "100",
            "--dt",
            dt,
            "--json",
        ]))
    };
    let coarse = run("0.05");
    let fine = run("0.025");
    assert_eq!(coarse["tensor_draws"], 0);
    for (v, dt) in [(&coarse, 0.05), (&fine, 0.025)] {
        let rows = v["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        for (row, psi0) in rows.iter().zip([PSI0_1_5, PSI0_3_0]) {
            assert_eq!(row["classes"][0], "chaos", "{row}");
            assert!(
                row["classes"][1] == "FP" || row["classes"][1] == "invalid",
                "{row}"
            );
            assert!(row["frequency"].is_null());
            assert_eq!(f(&row["mean_leading"][0]), 0.0);
            assert_eq!(f(&row["mean_leading"][1]), 0.0);
            assert!((f(&row["mean_gain"][1]) - 1.0).abs() < 1e-12);
            let err = (f(&row["mean_gain"][0]) - psi0).abs();
            assert!(
                err < 0.1 * dt,
                "ψ¹ = {} vs ψ₀ = {psi0} (dt = {dt})",
                row["mean_gain"][0]
            );
        }
    }
    // first order: halving dt shrinks the error
    for i in 0..2 {
        let psi0 = [PSI0_1_5, PSI0_3_0][i];
        let e1 = (f(&coarse["rows"][i]["mean_gain"][0]) - psi0).abs();
        let e2 = (f(&fine["rows"][i]["mean_gain"][0]) - psi0).abs();
        assert!(e2 < 0.75 * e1, "dt convergence: {e1} → {e2}");
    }
}

/// Fig. 6 tensor selection and the no-disorder end: the drawn tensor meets the §3.9 criterion
/// (intact leading eigenvalue real > 1, silenced complex with Re > 1); at g¹ = 0 the currents sit
/// at a fixed point S = diag(ψ)T̂S, so every region is FP and the leading eigenvalue of diag(ψ)T̂
/// is 1 (the paper's "Re = 1" diagnostic); CSV and both plots are written.
#[test]
fn fig6_drawn_tensor_fixed_point_without_disorder() {
    let dir = tmpdir("fig6");
    let csv = dir.join("fig6.csv");
    let png = dir.join("fig6.png");
    let v = json(&lowrank(&[
        "study",
        "fig6",
        "--g1",
        "0:1:2",
        "--t",
        "100",
        "--csv",
        csv.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(v["regions"], 3);
    assert_eq!(v["tensor"].as_array().unwrap().len(), 27);
    assert!(v["tensor_draws"].as_u64().unwrap() >= 1);
    assert!(f(&v["intact_leading"][0]) > 1.0 && f(&v["intact_leading"][1]) == 0.0);
    assert!(f(&v["silenced_leading"][0]) > 1.0 && f(&v["silenced_leading"][1]).abs() > 0.0);
    let row = &v["rows"][0];
    assert_eq!(f(&row["g1"]), 0.0);
    for c in row["classes"].as_array().unwrap() {
        assert_eq!(c, "FP");
    }
    assert!((f(&row["mean_leading"][0]) - 1.0).abs() < 1e-4, "{row}");
    assert!(f(&row["mean_leading"][1]).abs() < 1e-9);
    for c in v["rows"][1]["classes"].as_array().unwrap() {
        assert!(CLASSES.contains(&c.as_str().unwrap()));
    }
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        "g1,class_1,class_2,class_3,frequency,gain_1,gain_2,gain_3,lead_re,lead_im"
    );
    assert_eq!(text.lines().count(), 4, "header, two rows, trailer");
    assert!(text
        .lines()
        .last()
        .unwrap()
        .starts_with("# lowrank study fig6 shard=all; rows=2;"));
    for p in [png.clone(), dir.join("fig6-classes.png")] {
        assert!(
            std::fs::metadata(&p).unwrap().len() > 1000,
            "{}",
            p.display()
        );
    }
}

/// Input switch with two self-loop regions (a > b, §3.5): without input each region is pinned,
/// Σ_ρ (S^{μρ})² = (2/π)(a² − 1); an input I = 2 into region 1 caps its gain at
/// Ψ(I²) = (1 + πI²/2)^{−1/2}, and a¹Ψ(I²) = 2.5/√(1 + 2π) < 1 kills its self current
/// (Ṡ¹¹ = (−1 + ψ¹a¹)S¹¹), while region 2 stays pinned.
#[test]
fn switch_knocks_a_self_loop_region_out() {
    let dir = tmpdir("switch");
    let csv = dir.join("switch.csv");
    let v = json(&lowrank(&[
        "study",
        "switch",
        "--a",
        "2.5,2.2",
        "--b",
        "2,2",
        "--t",
        "500",
        "--csv",
        csv.to_str().unwrap(),
        "--json",
    ]));
    let pinned = |a: f64| 2.0 / std::f64::consts::PI * (a * a - 1.0);
    let off = &v["phases"][0];
    let on = &v["phases"][1];
    assert_eq!(f(&off["input"]), 0.0);
    assert_eq!(f(&on["input"]), 2.0);
    for (m, a) in [2.5, 2.2].into_iter().enumerate() {
        assert!((f(&off["current_norm2"][m]) - pinned(a)).abs() < 1e-9);
        assert!((f(&off["gain"][m]) - 1.0 / a).abs() < 1e-9);
    }
    assert!(2.5 / (1.0 + 2.0 * std::f64::consts::PI).sqrt() < 1.0);
    assert!(
        f(&on["currents"][0]).abs() < 1e-9,
        "S¹¹ = {}",
        on["currents"][0]
    );
    assert!((f(&on["current_norm2"][1]) - pinned(2.2)).abs() < 1e-9);
    assert_eq!(v["prediction"]["mode"][0], "SelfLoop");
    // time series: header, both phases, starts at t = 0 and ends at 2T
    let text = std::fs::read_to_string(&csv).unwrap();
    let header = text.lines().next().unwrap();
    assert_eq!(
        header,
        "t,input,S_1_1,S_1_2,S_2_1,S_2_2,norm2_1,norm2_2,gain_1,gain_2"
    );
    let last: Vec<f64> = text
        .lines()
        .last()
        .unwrap()
        .split(',')
        .map(|x| x.parse().unwrap())
        .collect();
    assert!((last[0] - 1000.0).abs() < 1e-6 && last[1] == 2.0);
    assert!(text.lines().nth(1).unwrap().starts_with("0,0,"));
}

/// Polytope vertices derived by hand (§3.7, equal b, c = (2/π)(b² − 1)): R = 3 — a single point
/// x_{μν} = c/2, every pair a fracture variable, 2³ components; R = 4 — the constraint "the pairs
/// at each region sum to c" on K₄ has the three perfect matchings (value c) as vertices, no pair
/// is nonzero at all of them, one component, dimension 6 − 4 = 2.
#[test]
fn polytope_equal_b_closed_forms() {
    let c = 2.0 / std::f64::consts::PI * (2.0f64 * 2.0 - 1.0);
    let v = json(&lowrank(&["study", "polytope", "--b", "2,2,2", "--json"]));
    let p = &v["polytope"];
    assert_eq!(p["dimension"], 0);
    assert_eq!(p["components"], 8);
    assert_eq!(p["fracture"].as_array().unwrap().len(), 3);
    let verts = p["vertices"].as_array().unwrap();
    assert_eq!(verts.len(), 1);
    for x in verts[0].as_array().unwrap() {
        assert!((f(x) - c / 2.0).abs() < 1e-12);
    }

    let v = json(&lowrank(&["study", "polytope", "--b", "2,2,2,2", "--json"]));
    let p = &v["polytope"];
    assert_eq!(p["dimension"], 2);
    assert_eq!(p["components"], 1);
    assert!(p["fracture"].as_array().unwrap().is_empty());
    let pairs: Vec<[u64; 2]> = p["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| [q[0].as_u64().unwrap(), q[1].as_u64().unwrap()])
        .collect();
    let mut matchings: Vec<Vec<[u64; 2]>> = p["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let x = x.as_array().unwrap();
            let support: Vec<[u64; 2]> = x
                .iter()
                .zip(&pairs)
                .filter(|(v, _)| f(v) > 1e-12)
                .map(|(v, q)| {
                    assert!((f(v) - c).abs() < 1e-12);
                    *q
                })
                .collect();
            support
        })
        .collect();
    matchings.sort();
    assert_eq!(
        matchings,
        vec![
            vec![[1, 2], [3, 4]],
            vec![[1, 3], [2, 4]],
            vec![[1, 4], [2, 3]]
        ]
    );
}

/// R = 3: a non-empty polytope is a single point with (almost surely) every pair nonzero, so all
/// draws have f = 3.
#[test]
fn fracture_statistics_for_three_regions() {
    let v = json(&lowrank(&[
        "study",
        "polytope",
        "--fracture-draws",
        "40",
        "--regions",
        "3",
        "--json",
    ]));
    let counts: Vec<u64> = v["fracture_statistics"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    assert_eq!(counts, vec![0, 0, 0, 40]);
    // a point: one vertex each
    let rows = v["fracture_statistics"]["vertices"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["f"], 3);
    assert_eq!(rows[0]["mean"], 1.0);
    assert_eq!(rows[0]["histogram"], serde_json::json!([[1, 40]]));
}

/// R = 4: the polytope {x ≥ 0, A x = c} in ℝ⁶ has dimension 6 − 4 = 2 — a polygon, so every
/// non-empty one has ≥ 3 vertices unless it degenerates to an edge or a point (measure zero);
/// and the CSV and the plot of the vertex statistics are written.
#[test]
fn fracture_vertex_counts_for_four_regions() {
    let dir = tmpdir("vertex-counts");
    let csv = dir.join("f.csv");
    let png = dir.join("f.png");
    let v = json(&lowrank(&[
        "study",
        "polytope",
        "--fracture-draws",
        "60",
        "--regions",
        "4",
        "--csv",
        csv.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
        "--json",
    ]));
    let stats = &v["fracture_statistics"];
    let rows = stats["vertices"].as_array().unwrap();
    let mut total = 0;
    for r in rows {
        let n = r["polytopes"].as_u64().unwrap();
        assert_eq!(n, stats["counts"][r["f"].as_u64().unwrap() as usize]);
        assert!(r["min"].as_u64().unwrap() >= 3, "{r}");
        let hist_total: u64 = r["histogram"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[1].as_u64().unwrap())
            .sum();
        assert_eq!(hist_total, n);
        total += n;
    }
    assert_eq!(total, 60);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("f,polytopes,mean_vertices,min_vertices,max_vertices\n"));
    assert_eq!(text.lines().count(), rows.len() + 1);
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);
}

/// Bad arguments: non-zero exit, nothing on stdout, and a message naming the option.
#[test]
fn bad_arguments_name_the_option() {
    let cases: [(&[&str], &str); 8] = [
        (&["study", "fig5", "--grid", "0"], "--grid"),
        (&["study", "fig5", "--re", "abc"], "--re"),
        (&["study", "fig5", "--dt", "-1"], "--dt"),
        (&["study", "fig6", "--g1", "1:2"], "--g1"),
        (&["study", "fig6", "--tensor", "1,2,3"], "--tensor"),
        (&["study", "switch", "--region", "9"], "--region"),
        (&["study", "polytope", "--b", "2,0.5"], "--b"),
        (&["study", "fig5", "--bogus"], "--bogus"),
    ];
    for (args, name) in cases {
        let out = lowrank(args);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(name),
            "{args:?}: stderr does not name {name}: {err}"
        );
    }
}

/// Fig. 4 against the closed forms of docs/theory §3.2–§3.6 and the published g*(2) = 1.945:
/// Δ₀ pinned at (2/π)(b² − 1) on every current-carrying state, the static branch stable exactly
/// below g_c(b) = (2b² − 1)^{1/4}, pure chaos (A = 0) beyond g*, the zero-current state stable
/// exactly beyond g*, and Δ(τ) panels that start at Δ₀ and stay above Δ∞.
#[test]
fn fig4_closed_forms_plot_and_panels() {
    let dir = tmpdir("fig4");
    let png = dir.join("fig4.png");
    let csv = dir.join("fig4.csv");
    for b in [1.5f64, 2.0, 2.5] {
        let bs = b.to_string();
        let mut args = vec![
            "study",
            "fig4",
            "--b",
            &bs,
            "--g",
            "0:3.2:33",
            "--acf",
            "0.5,1.8,2.8",
            "--tau-max",
            "10",
            "--json",
        ];
        let (png_s, csv_s) = (png.display().to_string(), csv.display().to_string());
        if b == 2.0 {
            args.extend(["--plot", &png_s, "--csv", &csv_s]);
        }
        let doc = json(&lowrank(&args));
        let d0 = 2.0 / std::f64::consts::PI * (b * b - 1.0);
        assert!((f(&doc["delta0_pinned"]) - d0).abs() < 1e-10, "b = {b}");
        let g_c = (2.0 * b * b - 1.0).powf(0.25);
        assert!((f(&doc["onset"]) - g_c).abs() < 1e-9, "b = {b}");
        assert!((f(&doc["onset_exact"]) - g_c).abs() < 1e-15);
        let g_star = f(&doc["g_star"]["value"]);
        assert!(doc["g_star"]["converged"].as_bool().unwrap());
        assert!(g_star > g_c, "b = {b}: g* = {g_star} ≤ g_c = {g_c}");
        if b == 2.0 {
            assert!((g_star - 1.945).abs() < 5e-4, "g*(2) = {g_star}");
        }
        for r in doc["rows"].as_array().unwrap() {
            let g = f(&r["g"]);
            let branch = r["branch"].as_str().unwrap();
            assert!(
                r["converged"].as_bool().unwrap(),
                "b = {b}, g = {g}: a root did not converge"
            );
            if (g - g_c).abs() > 1e-9 {
                assert_eq!(
                    r["static_stable"].as_bool().unwrap(),
                    g < g_c,
                    "b = {b}, g = {g}"
                );
            }
            if (g - g_star).abs() > 1e-6 {
                assert_eq!(
                    r["pure_chaos_stable"].as_bool().unwrap(),
                    g > g_star,
                    "g = {g}"
                );
                let expected = if g < g_c {
                    "static"
                } else if g < g_star {
                    "chaotic"
                } else {
                    "pure-chaos"
                };
                assert_eq!(branch, expected, "b = {b}, g = {g}");
            }
            if branch == "pure-chaos" {
                assert_eq!(f(&r["sqrt_a"]), 0.0);
                assert_eq!(f(&r["delta_inf"]), 0.0);
            } else {
                assert!((f(&r["delta0"]) - d0).abs() < 1e-10, "b = {b}, g = {g}");
                assert!(f(&r["sqrt_a"]) > 0.0);
            }
            if branch == "chaotic" {
                assert!(f(&r["delta_inf"]) < d0 && f(&r["delta_inf"]) > 0.0);
            }
        }
        for p in doc["autocorrelation"].as_array().unwrap() {
            let g = f(&p["g"]);
            let delta: Vec<f64> = p["delta"].as_array().unwrap().iter().map(f).collect();
            let row = doc["rows"]
                .as_array()
                .unwrap()
                .iter()
                .min_by(|x, y| (f(&x["g"]) - g).abs().total_cmp(&(f(&y["g"]) - g).abs()))
                .unwrap();
            let (delta0, delta_inf) = if (f(&row["g"]) - g).abs() < 1e-12 {
                (f(&row["delta0"]), f(&row["delta_inf"]))
            } else {
                (delta[0], delta[0].min(*delta.last().unwrap()))
            };
            assert!((delta[0] - delta0).abs() < 1e-12, "Δ(0) = Δ₀ at g = {g}");
            assert!(delta
                .iter()
                .all(|&d| d >= delta_inf - 1e-6 && d <= delta0 + 1e-12));
            if p["branch"] == "static" {
                assert!(
                    delta.iter().all(|&d| (d - delta0).abs() < 1e-9),
                    "static: Δ(τ) = Δ₀"
                );
            }
        }
    }
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);
    assert!(std::fs::metadata(dir.join("fig4-acf.png")).unwrap().len() > 1000);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), 34);
    assert!(text.starts_with("g,static_sqrt_a,static_stable,"));
    // a bad option is named
    let out = lowrank(&["study", "fig4", "--b", "0.9"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--b"), "{err}");
}

/// `lowrank reproduce`: the named panels are written (PNG, CSV, the command's text report) with
/// an index naming each panel's standalone command and run time, and a standalone command
/// panel equals its own command's output byte for byte.
#[test]
fn reproduce_writes_panels_and_an_index() {
    let dir = tmpdir("reproduce");
    let out = lowrank(&[
        "reproduce",
        "cb2025",
        "--panel",
        "cb-polytope-r5",
        "--panel",
        "cb-fig4a",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "cb-polytope-r5.png",
        "cb-polytope-r5.csv",
        "cb-polytope-r5.txt",
        "cb-fig4a.png",
        "cb-fig4a.csv",
    ] {
        assert!(dir.join(f).metadata().unwrap().len() > 50, "{f}");
    }
    let index = std::fs::read_to_string(dir.join("index-cb-fig4a+cb-polytope-r5.md")).unwrap();
    assert!(index.contains("lowrank study polytope --fracture-draws 500 --regions 5"));
    assert!(index.contains("lowrank reproduce cb2025 --panel cb-fig4a"));
    assert!(index.contains("run time:"));
    // the Fig. 4a figure carries theory curves and simulation points
    let csv = std::fs::read_to_string(dir.join("cb-fig4a.csv")).unwrap();
    assert!(csv.lines().any(|l| l.starts_with("theory,")));
    assert!(csv.lines().any(|l| l.starts_with("simulation,")));
    // the command panel's CSV is what the command writes alone
    let alone = dir.join("alone.csv");
    let o = lowrank(&[
        "study",
        "polytope",
        "--fracture-draws",
        "500",
        "--regions",
        "5",
        "--csv",
        alone.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert_eq!(
        std::fs::read(&alone).unwrap(),
        std::fs::read(dir.join("cb-polytope-r5.csv")).unwrap()
    );
}

/// `reproduce --shard I/N` into one directory, merged: the index of the unsharded run (up to
/// the run times), for N ∈ {1, 3, 7} (more shards than the 2 panels: empty shards); a missing
/// and a duplicated shard are named.
#[test]
fn reproduce_shards_merge_into_the_index() {
    let dir = tmpdir("reproduce-shards");
    let d = dir.to_str().unwrap();
    let base = [
        "reproduce",
        "all",
        "--panel",
        "cb-polytope-r5",
        "--panel",
        "mo-fig1-spectrum",
        "--out",
        d,
    ];
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        let o = lowrank(&a);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&[]);
    let times = |t: &str| -> String {
        t.lines()
            .map(|l| {
                if l.starts_with("- run time:") {
                    "- run time: T".to_string()
                } else if let Some(i) = l.find(" panels in ") {
                    l[..i].to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let unsharded = times(
        &std::fs::read_to_string(dir.join("index-mo-fig1-spectrum+cb-polytope-r5.md")).unwrap(),
    );
    assert!(
        unsharded.contains("### `cb-polytope-r5`") && unsharded.contains("### `mo-fig1-spectrum`")
    );
    for n in [1, 3, 7] {
        let mut args = vec![
            "merge".to_string(),
            dir.join(format!("index{n}.md")).display().to_string(),
        ];
        for i in 0..n {
            run(&["--shard", &format!("{i}/{n}")]);
            args.push(
                dir.join(format!("shard-{i}-of-{n}.json"))
                    .display()
                    .to_string(),
            );
        }
        ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let merged = times(&std::fs::read_to_string(dir.join(format!("index{n}.md"))).unwrap());
        assert_eq!(merged, unsharded, "{n} shards");
    }
    let s = |i: usize| {
        dir.join(format!("shard-{i}-of-3.json"))
            .display()
            .to_string()
    };
    fails(
        &[
            "merge",
            &dir.join("bad.md").display().to_string(),
            &s(0),
            &s(2),
        ],
        "1/3 missing",
    );
    fails(
        &[
            "merge",
            &dir.join("bad.md").display().to_string(),
            &s(0),
            &s(1),
            &s(1),
            &s(2),
        ],
        "given twice",
    );
    assert!(!dir.join("bad.md").exists());
}

/// `reproduce --list` names every panel of both papers; a wrong panel or output is an error
/// naming the option.
#[test]
fn reproduce_lists_panels_and_rejects_bad_options() {
    let out = lowrank(&["reproduce", "all", "--out", "unused", "--list"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "mo-fig1-states",
        "mo-phase",
        "cb-fig5",
        "cb-switch",
        "cb-polytope-r6",
    ] {
        assert!(text.contains(name), "{name} missing from --list");
    }
    let bad = lowrank(&["reproduce", "all", "--out", "x", "--panel", "nope"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--panel `nope`"));
    let wrong_paper = lowrank(&["reproduce", "mo2018", "--out", "x", "--panel", "cb-fig5"]);
    assert!(!wrong_paper.status.success());
    assert!(String::from_utf8_lossy(&wrong_paper.stderr).contains("--panel"));
    let file = tmpdir("reproduce-file").join("f");
    std::fs::write(&file, "x").unwrap();
    let not_dir = lowrank(&["reproduce", "cb2025", "--out", file.to_str().unwrap()]);
    assert!(!not_dir.status.success());
    assert!(String::from_utf8_lossy(&not_dir.stderr).contains("--out"));
}

/// `study fig5 --shard I/N` for N ∈ {1, 3, 7}, each shard a separate process, merged: the
/// unsharded CSV byte for byte; a missing, a duplicated and a foreign shard are errors that say
/// which; `--shard auto` reads a Slurm array task.
#[test]
fn fig5_shards_merge_to_the_unsharded_csv() {
    let dir = tmpdir("fig5-shards");
    let p = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let base = [
        "study",
        "fig5",
        "--grid",
        "4",
        "--samples",
        "1",
        "--t",
        "10",
    ];
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        let o = lowrank(&a);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&["--csv", &p("all.csv"), "--plot", &p("all.png")]);
    let all = std::fs::read(dir.join("all.csv")).unwrap();
    let all_png = std::fs::read(dir.join("all.png")).unwrap();
    for n in [1, 3, 7] {
        let mut files = Vec::new();
        for i in 0..n {
            let f = p(&format!("s{i}-{n}.csv"));
            run(&["--shard", &format!("{i}/{n}"), "--csv", &f]);
            files.push(f);
        }
        let (out, png) = (p(&format!("merged-{n}.csv")), p(&format!("merged-{n}.png")));
        let mut args = vec!["merge", out.as_str(), "--plot", png.as_str()];
        args.extend(files.iter().map(String::as_str));
        let o = lowrank(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(std::fs::read(&out).unwrap(), all, "{n} shards");
        assert!(
            std::fs::read(&png).unwrap() == all_png,
            "{n} shards: the figure differs"
        );
    }
    let fails = |args: &[&str], needle: &str| {
        let o = lowrank(args);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "`{err}` lacks `{needle}`");
    };
    let (s0, s1, s2) = (p("s0-3.csv"), p("s1-3.csv"), p("s2-3.csv"));
    let bad = p("bad.csv");
    fails(&["merge", &bad, &s0, &s2], "shard(s) 1/3 missing");
    fails(&["merge", &bad, &s0, &s1, &s1, &s2], "given twice");
    run(&["--seed", "9", "--shard", "1/3", "--csv", &p("seed9.csv")]);
    fails(
        &["merge", &bad, &s0, &p("seed9.csv"), &s2],
        "run parameters differ",
    );
    fails(&["merge", &bad, &s0, &p("all.csv")], "unsharded");
    assert!(!dir.join("bad.csv").exists());
    // --shard auto in a Slurm array task 2 of 3 is shard 2/3
    let mut a: Vec<&str> = base.to_vec();
    let auto = p("auto.csv");
    a.extend_from_slice(&["--shard", "auto", "--csv", &auto]);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_lowrank"))
        .args(&a)
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&auto).unwrap(), std::fs::read(&s2).unwrap());
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_lowrank"))
        .args(&a)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("SGE_TASK_ID")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--shard auto"));
}

/// Run `lowrank` and fail the test with its stderr unless it succeeds.
fn ok(args: &[&str]) {
    let o = lowrank(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Run `lowrank`, expect a failure whose stderr contains `needle`.
fn fails(args: &[&str], needle: &str) {
    let o = lowrank(args);
    assert!(!o.status.success(), "{args:?} succeeded");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(needle), "`{err}` lacks `{needle}`");
}

/// `study fig6 --shard I/N` for N ∈ {1, 3, 7} (separate processes) merged: the unsharded CSV
/// and both figures byte for byte; the merged CSV reads back; a missing and a duplicated shard
/// are named; a shard refuses `--plot`.
#[test]
fn fig6_shards_merge_to_the_unsharded_csv_and_figure() {
    let dir = tmpdir("fig6-shards");
    let p = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let base = [
        "study",
        "fig6",
        "--g1",
        "0.3:2.4:8",
        "--t",
        "8",
        "--dt",
        "0.1",
    ];
    let with = |extra: &[&str]| {
        let mut a: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&str]| {
        let a = with(extra);
        ok(&a.iter().map(String::as_str).collect::<Vec<_>>());
    };
    run(&["--csv", &p("all.csv"), "--plot", &p("all.png")]);
    let all = std::fs::read(dir.join("all.csv")).unwrap();
    assert!(String::from_utf8_lossy(&all)
        .lines()
        .last()
        .unwrap()
        .starts_with("# lowrank study fig6 shard=all; rows=8; regions=3;"));
    for n in [1, 3, 7] {
        let mut args = vec![
            "merge".to_string(),
            p(&format!("m{n}.csv")),
            "--plot".into(),
            p(&format!("m{n}.png")),
        ];
        for i in 0..n {
            let f = p(&format!("s{i}-{n}.csv"));
            run(&["--shard", &format!("{i}/{n}"), "--csv", &f]);
            args.push(f);
        }
        ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            std::fs::read(p(&format!("m{n}.csv"))).unwrap(),
            all,
            "{n} shards"
        );
        for (a, b) in [
            ("all.png", format!("m{n}.png")),
            ("all-classes.png", format!("m{n}-classes.png")),
        ] {
            assert!(
                std::fs::read(p(a)).unwrap() == std::fs::read(p(&b)).unwrap(),
                "{n} shards: {b} differs from {a}"
            );
        }
    }
    // the --json documents of 3 shards merge into the unsharded document
    let json_of = |extra: &[&str]| {
        let mut a = with(extra);
        a.push("--json".into());
        let o = lowrank(&a.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    std::fs::write(p("all.json"), json_of(&[])).unwrap();
    let mut args = vec!["merge".to_string(), p("mj.json")];
    for i in 0..3 {
        let f = p(&format!("j{i}.json"));
        std::fs::write(&f, json_of(&["--shard", &format!("{i}/3")])).unwrap();
        args.push(f);
    }
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(std::fs::read(p("all.json")).unwrap() == std::fs::read(p("mj.json")).unwrap());
    fails(
        &["merge", &p("bad.json"), &p("j0.json"), &p("j2.json")],
        "1/3 missing",
    );
    let (s0, s1, s2) = (p("s0-3.csv"), p("s1-3.csv"), p("s2-3.csv"));
    fails(&["merge", &p("bad.csv"), &s0, &s1], "shard(s) 2/3 missing");
    fails(&["merge", &p("bad.csv"), &s0, &s1, &s0, &s2], "given twice");
    assert!(!dir.join("bad.csv").exists());
    let a = with(&[
        "--shard",
        "0/2",
        "--csv",
        &p("x.csv"),
        "--plot",
        &p("x.png"),
    ]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    fails(&a, "--plot");
}

/// `study polytope --fracture-draws --shard I/N --json` for N ∈ {1, 3, 7} merged: the unsharded
/// JSON, CSV and figure byte for byte; the counts add up to the draws; missing and duplicated
/// shards are named; a shard refuses `--csv` and wants `--json`.
#[test]
fn polytope_shards_merge_to_the_unsharded_statistics() {
    let dir = tmpdir("polytope-shards");
    let p = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let base = [
        "study",
        "polytope",
        "--fracture-draws",
        "40",
        "--regions",
        "4",
        "--seed",
        "3",
    ];
    let run = |extra: &[&str]| -> std::process::Output {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        let o = lowrank(&a);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o
    };
    std::fs::write(p("all.json"), run(&["--json"]).stdout).unwrap();
    run(&["--csv", &p("all.csv"), "--plot", &p("all.png")]);
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p("all.json")).unwrap()).unwrap();
    let counts: u64 = doc["fracture_statistics"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .sum();
    assert_eq!(counts, 40);
    for n in [1, 3, 7] {
        let (out, csv, png) = (
            p(&format!("m{n}.json")),
            p(&format!("m{n}.csv")),
            p(&format!("m{n}.png")),
        );
        let mut args = vec![
            "merge".to_string(),
            out.clone(),
            "--csv".into(),
            csv.clone(),
            "--plot".into(),
            png.clone(),
        ];
        for i in 0..n {
            let f = p(&format!("s{i}-{n}.json"));
            std::fs::write(&f, run(&["--shard", &format!("{i}/{n}"), "--json"]).stdout).unwrap();
            args.push(f);
        }
        ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        for (a, b) in [("all.json", &out), ("all.csv", &csv), ("all.png", &png)] {
            assert!(
                std::fs::read(p(a)).unwrap() == std::fs::read(b).unwrap(),
                "{n} shards: {b} differs from {a}"
            );
        }
    }
    // with a polytope of b too: its coordinates cross the JSON bit for bit
    let b = ["--b", "2.1,2.35,2.7", "--json"];
    std::fs::write(p("b.json"), run(&b).stdout).unwrap();
    let mut args = vec!["merge".to_string(), p("bm.json")];
    for i in 0..3 {
        let f = p(&format!("b{i}.json"));
        let mut a = b.to_vec();
        let shard = format!("{i}/3");
        a.extend_from_slice(&["--shard", &shard]);
        std::fs::write(&f, run(&a).stdout).unwrap();
        args.push(f);
    }
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(std::fs::read(p("b.json")).unwrap() == std::fs::read(p("bm.json")).unwrap());
    let (s0, s1, s2) = (p("s0-3.json"), p("s1-3.json"), p("s2-3.json"));
    fails(&["merge", &p("bad.json"), &s1, &s2], "shard(s) 0/3 missing");
    fails(
        &["merge", &p("bad.json"), &s0, &s1, &s2, &s2],
        "given twice",
    );
    fails(
        &["merge", &p("bad.json"), &s0, &s1, &p("all.json")],
        "unsharded",
    );
    // hostile shard files: an absurd R is refused before anything is sized by it, and a
    // recorded `auto` shard is not read from this process's environment
    let s0_text = std::fs::read_to_string(&s0).unwrap();
    let huge = s0_text.replacen("\"regions\": 4", "\"regions\": 1000000000", 1);
    assert_ne!(huge, s0_text);
    std::fs::write(p("huge.json"), huge).unwrap();
    fails(
        &["merge", &p("bad.json"), &p("huge.json"), &s1, &s2],
        "regions",
    );
    let auto = s0_text.replacen("\"shard\": \"0/3\"", "\"shard\": \"auto\"", 1);
    assert_ne!(auto, s0_text);
    std::fs::write(p("auto.json"), auto).unwrap();
    fails(
        &["merge", &p("bad.json"), &p("auto.json"), &s1, &s2],
        "auto",
    );
    assert!(!dir.join("bad.json").exists());
    let mut a: Vec<&str> = base.to_vec();
    a.extend_from_slice(&["--shard", "1/3", "--csv", "x.csv"]);
    fails(&a, "--csv");
    a.truncate(base.len() + 2);
    fails(&a, "--json");
}
