//! Project automation (`cargo xtask ...`, aliased in `.cargo/config.toml`).
//!
//! - `cargo xtask validate [--quick] [--case NAME] [--out DIR] [--seeds S] [--sizes N1,N2,..] [--list]`:
//!   runs the theory-vs-simulation cases of `lowrank-validate` over N and seeds, writes
//!   `report.md`, `report.json` and plots to DIR (default `target/validation`), and exits
//!   non-zero if any case fails (docs/validation.md).
//! - `cargo xtask validate ... --shard I/N|auto` runs one slice of the (case, N, seed)
//!   measurements into `DIR/shard-I-of-N.json`; `cargo xtask validate --merge FILES|DIR` joins
//!   the shard files into the unsharded report (docs/validation.md, "Sharding the validation").
//! - `cargo xtask bench [-- CRITERION ARGS]`: runs `cargo bench -p lowrank` and summarises
//!   criterion's `target/criterion/**/new/estimates.json` into `target/bench/summary.md`.
//! - `cargo xtask bench --vs-numpy [--python PY] [--reps K]`: times whole `lowrank` processes
//!   against the NumPy ports in `benches/numpy/` doing the same work, side by side in one
//!   invocation (best of K alternating runs; peak memory through GNU `time` when present), and
//!   writes the ratios to `target/bench/vs-numpy.md`.

use anyhow::{anyhow, bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lowrank_validate::case::Suite;
use lowrank_validate::runner::shard::{items, merge, run_shard, select, Shard, ShardFile};
use lowrank_validate::runner::{run_suite, Grid, Progress, SuiteResult};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage:
  cargo xtask validate [--quick] [--case NAME] [--out DIR] [--seeds S] [--sizes N1,N2,...] [--list]
  cargo xtask validate [GRID OPTIONS...] --shard I/N|auto [--out DIR]
      run only the I-th of N slices of the (case, N, seed) measurements; writes
      DIR/shard-I-of-N.json, no report (auto: Slurm or Grid Engine array task)
  cargo xtask validate --merge SHARD.json...|DIR [--out DIR]
      check the shard files of one run (every shard once) and write the report of the
      unsharded run, equal to it except wall times
  cargo xtask bench [--no-run] [-- CRITERION-ARGS...]
  cargo xtask bench --vs-numpy [--python PY] [--reps K]
      whole-process lowrank vs the NumPy ports of benches/numpy/ (same work, one run)";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("validate") => validate(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("-h") | Some("--help") | None => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => bail!("unknown command `{other}`\n{USAGE}"),
    }
}

/// Workspace root: the parent of this crate's manifest directory.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn validate(args: &[String]) -> Result<ExitCode> {
    let mut grid = Grid::standard();
    let mut case: Option<String> = None;
    let mut out = target_dir().join("validation");
    let mut list = false;
    let mut shard: Option<Shard> = None;
    let mut merge: Option<Vec<PathBuf>> = None;
    // options that choose the grid or the cases: a merge takes both from the shard files
    let mut grid_options: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        let mut value = |name: &str| {
            let v = args
                .get(i)
                .cloned()
                .ok_or_else(|| anyhow!("{name} needs a value"));
            i += 1;
            v
        };
        match a {
            "--quick" => {
                let q = Grid::quick();
                grid.sizes = q.sizes;
                grid.seeds = q.seeds;
                grid.effort = q.effort;
                grid_options.push("--quick");
            }
            "--case" => {
                case = Some(value("--case")?);
                grid_options.push("--case");
            }
            "--out" => out = PathBuf::from(value("--out")?),
            "--seeds" => {
                grid.seeds = value("--seeds")?
                    .parse()
                    .context("--seeds must be a positive integer")?;
                grid_options.push("--seeds");
            }
            "--sizes" => {
                grid.sizes = value("--sizes")?
                    .split(',')
                    .map(|s| {
                        s.trim()
                            .parse::<usize>()
                            .with_context(|| format!("--sizes: `{s}` is not a size"))
                    })
                    .collect::<Result<_>>()?;
                grid_options.push("--sizes");
            }
            "--shard" => shard = Some(Shard::parse(&value("--shard")?)?),
            "--merge" => {
                let files = merge.get_or_insert_with(Vec::new);
                while let Some(f) = args.get(i).filter(|f| !f.starts_with("--")) {
                    files.push(PathBuf::from(f));
                    i += 1;
                }
            }
            "--list" => list = true,
            other => bail!("unknown option `{other}`\n{USAGE}"),
        }
    }
    if let Some(files) = merge {
        if shard.is_some() {
            bail!("--merge and --shard exclude each other: run the shards first, then merge");
        }
        if !grid_options.is_empty() {
            bail!(
                "--merge takes the grid and the cases from the shard files; drop {}",
                grid_options.join(", ")
            );
        }
        return merge_shards(&files, &out);
    }
    if grid.seeds < 2 {
        bail!("--seeds must be ≥ 2 (the rule needs a spread over seeds)");
    }
    if grid.sizes.len() < 2 || grid.sizes.windows(2).any(|w| w[0] >= w[1]) || grid.sizes[0] == 0 {
        bail!("--sizes must list at least two strictly increasing positive sizes");
    }
    let mut suite = lowrank_validate::cases::suite();
    if list {
        for c in &suite.cases {
            println!("{:<28} {}", c.name, c.source);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(p) = &case {
        suite = suite.filter(p)?;
    }
    let all = items(&suite, &grid).len();
    let total = shard.map_or(all, |s| s.range(all).len());
    let bar = progress_bar(total as u64)?;
    let quiet = bar.is_hidden();
    let mut progress = |p: Progress| match p {
        Progress::CaseStarted { name, .. } => bar.set_message(name),
        Progress::Measured { name, n, seed } => {
            bar.set_message(format!("{name} N={n} seed={seed}"));
            bar.inc(1);
        }
        Progress::CaseFinished { name, passed } => {
            let line = format!("{} {name}", if passed { "pass" } else { "FAIL" });
            if quiet {
                eprintln!("{line}");
            } else {
                bar.println(line);
            }
        }
    };
    if let Some(shard) = shard {
        let file = run_shard(&suite, &grid, shard, &mut progress);
        bar.finish_and_clear();
        let path = file.write(&out)?;
        let touched: Vec<&str> = file.theories.iter().map(|t| t.case.as_str()).collect();
        println!(
            "shard {}: {} of {all} items ({} cases: {}) in {:.0} s, {} failed; wrote {} \
             (merge the {} shards with `cargo xtask validate --merge {}`)",
            shard.label(),
            file.items.len(),
            touched.len(),
            touched.join(", "),
            file.seconds.0,
            file.failures(),
            path.display(),
            shard.count(),
            out.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let result = run_suite(&suite, &grid, &mut progress);
    bar.finish_and_clear();
    report(&suite, &result, &out)
}

fn progress_bar(total: u64) -> Result<ProgressBar> {
    Ok(if std::io::stderr().is_terminal() {
        let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
                .map_err(|e| anyhow!("progress template: {e}"))?
                .progress_chars("=> "),
        );
        b
    } else {
        ProgressBar::hidden()
    })
}

/// `--merge`: read the shard files (a directory stands for its `shard-*-of-*.json`), rebuild
/// the suite they ran, merge and report as the unsharded run does.
fn merge_shards(paths: &[PathBuf], out: &Path) -> Result<ExitCode> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading {}", p.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|f| {
                    f.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".json"))
                })
                .collect();
            if found.is_empty() {
                bail!("--merge: no shard-*-of-*.json in {}", p.display());
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    if files.is_empty() {
        bail!("--merge needs shard files (shard-I-of-N.json) or a directory holding them\n{USAGE}");
    }
    let mut shards = Vec::with_capacity(files.len());
    for f in &files {
        shards.push((f.display().to_string(), ShardFile::read(f)?));
    }
    let suite = select(lowrank_validate::cases::suite(), &shards[0].1.cases)?;
    let result = merge(&suite, &shards)?;
    report(&suite, &result, out)
}

/// Write the report and print the PASS/FAIL summary; exit code 1 if a case failed.
fn report(suite: &Suite, result: &SuiteResult, out: &Path) -> Result<ExitCode> {
    let written = lowrank_validate::report::write_report(suite, result, out)?;
    for (p, e) in &written.plot_failures {
        eprintln!("warning: plot {} not drawn: {e}", p.display());
    }
    let passed = result.cases.iter().filter(|c| c.passed).count();
    println!(
        "{}: {passed}/{} cases passed in {:.0} s; report {}",
        if result.passed { "PASS" } else { "FAIL" },
        result.cases.len(),
        result.seconds,
        written.markdown.display()
    );
    for c in result.cases.iter().filter(|c| !c.passed) {
        println!(
            "  failed: {} {}",
            c.name,
            c.failure.as_deref().unwrap_or("")
        );
    }
    Ok(if result.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn bench(args: &[String]) -> Result<ExitCode> {
    if args.iter().any(|a| a == "--vs-numpy") {
        return vs_numpy(args);
    }
    let no_run = args.iter().any(|a| a == "--no-run");
    let extra: Vec<&String> = args.iter().skip_while(|a| *a != "--").skip(1).collect();
    if !no_run {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(root()).args(["bench", "-p", "lowrank"]);
        if !extra.is_empty() {
            cmd.arg("--").args(extra);
        }
        let status = cmd.status().context("running cargo bench")?;
        if !status.success() {
            bail!("cargo bench failed ({status})");
        }
    }
    let criterion = target_dir().join("criterion");
    let mut rows = Vec::new();
    collect_estimates(&criterion, &mut rows)?;
    if rows.is_empty() {
        bail!("no criterion results under {}", criterion.display());
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let out_dir = target_dir().join("bench");
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let mut md = String::from("# Benchmark summary\n\nFrom criterion's `new/estimates.json` (mean with its 95 % confidence interval).\n\n");
    md.push_str("| benchmark | mean | 95 % CI | throughput |\n|---|---|---|---|\n");
    for (id, mean, lo, hi, thr) in &rows {
        md.push_str(&format!(
            "| {id} | {} | [{}, {}] | {} |\n",
            time(*mean),
            time(*lo),
            time(*hi),
            thr
        ));
    }
    let path = out_dir.join("summary.md");
    std::fs::write(&path, &md).with_context(|| format!("writing {}", path.display()))?;
    println!("{md}\nwritten to {}", path.display());
    Ok(ExitCode::SUCCESS)
}

type Row = (String, f64, f64, f64, String);

/// Recursively find `<bench>/new/estimates.json` and read the mean (ns) and its interval, plus
/// the benchmark id and throughput from the sibling `benchmark.json`.
fn collect_estimates(dir: &Path, rows: &mut Vec<Row>) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let p = e.path();
        if !p.is_dir() {
            continue;
        }
        if p.file_name().is_some_and(|n| n == "new") {
            let est = p.join("estimates.json");
            if let Ok(text) = std::fs::read_to_string(&est) {
                let v: serde_json::Value = serde_json::from_str(&text)
                    .with_context(|| format!("parsing {}", est.display()))?;
                let mean = &v["mean"];
                let point = mean["point_estimate"].as_f64().unwrap_or(f64::NAN);
                let lo = mean["confidence_interval"]["lower_bound"]
                    .as_f64()
                    .unwrap_or(f64::NAN);
                let hi = mean["confidence_interval"]["upper_bound"]
                    .as_f64()
                    .unwrap_or(f64::NAN);
                let (id, thr) = match std::fs::read_to_string(p.join("benchmark.json")) {
                    Ok(b) => {
                        let b: serde_json::Value = serde_json::from_str(&b).unwrap_or_default();
                        let id = b["full_id"]
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| p.display().to_string());
                        (id, throughput(&b["throughput"], point))
                    }
                    Err(_) => (
                        p.parent()
                            .map(|q| q.display().to_string())
                            .unwrap_or_default(),
                        String::new(),
                    ),
                };
                rows.push((id, point, lo, hi, thr));
            }
        } else {
            collect_estimates(&p, rows)?;
        }
    }
    Ok(())
}

fn throughput(t: &serde_json::Value, ns: f64) -> String {
    let per_s = |x: f64| x / (ns * 1e-9);
    if let Some(b) = t["Bytes"].as_f64().or_else(|| t["BytesDecimal"].as_f64()) {
        format!("{:.2} GB/s", per_s(b) / 1e9)
    } else if let Some(e) = t["Elements"].as_f64() {
        format!("{:.3e} elem/s", per_s(e))
    } else {
        String::new()
    }
}

fn time(ns: f64) -> String {
    if !ns.is_finite() {
        "—".into()
    } else if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// One side-by-side case of `bench --vs-numpy`: the `lowrank` arguments and the NumPy script
/// with its arguments, doing the same work.
struct VsCase {
    label: &'static str,
    lowrank: Vec<String>,
    numpy: Vec<String>,
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// Wall time (s) and peak resident memory (MB, when GNU `time` is present) of one process.
fn timed(program: &Path, args: &[String]) -> Result<(f64, Option<f64>)> {
    let gnu_time = Path::new("/usr/bin/time");
    let rss_file = target_dir().join("bench").join("rss.txt");
    let mut cmd = if gnu_time.exists() {
        let mut c = Command::new(gnu_time);
        c.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args).stdout(std::process::Stdio::null());
    let start = std::time::Instant::now();
    let status = cmd
        .status()
        .with_context(|| format!("running {}", program.display()))?;
    let wall = start.elapsed().as_secs_f64();
    if !status.success() {
        bail!("{} {} failed ({status})", program.display(), args.join(" "));
    }
    let rss = if gnu_time.exists() {
        std::fs::read_to_string(&rss_file)
            .ok()
            .and_then(|t| t.trim().lines().last()?.trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    } else {
        None
    };
    Ok((wall, rss))
}

fn vs_numpy(args: &[String]) -> Result<ExitCode> {
    // every word is an option or the value of --python / --reps: a typo is an error, not ignored
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--vs-numpy" => {}
            "--python" | "--reps" => {
                rest.next();
            }
            other => {
                bail!("bench --vs-numpy: unknown option `{other}` (options: --python PY, --reps K)")
            }
        }
    }
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| {
                args.get(i + 1)
                    .cloned()
                    .ok_or_else(|| anyhow!("{name} needs a value"))
            })
            .transpose()
    };
    let python = PathBuf::from(value("--python")?.unwrap_or_else(|| "python3".into()));
    let reps: usize = match value("--reps")? {
        Some(r) => r
            .parse()
            .ok()
            .filter(|&r| r >= 1)
            .ok_or_else(|| anyhow!("--reps: `{r}` is not a whole number ≥ 1"))?,
        None => 3,
    };
    let probe = Command::new(&python)
        .args(["-c", "import numpy"])
        .status()
        .with_context(|| format!("--python: cannot run `{}`", python.display()))?;
    if !probe.success() {
        bail!(
            "--python: `{}` cannot import numpy (install it, or pass --python PATH)",
            python.display()
        );
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root())
        .args(["build", "--release", "-p", "lowrank", "--bin", "lowrank"])
        .status()
        .context("building lowrank")?;
    if !status.success() {
        bail!("cargo build failed ({status})");
    }
    let lowrank = target_dir().join("release").join("lowrank");
    let out_dir = target_dir().join("bench");
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let numpy = |script: &str, rest: &str| {
        let mut v = vec![root()
            .join("benches/numpy")
            .join(script)
            .display()
            .to_string()];
        v.extend(words(rest));
        v
    };
    let sim = "simulate mo2018-fig1 --n 4000 --dt 0.1 --burn-in 0 --json";
    let g12 = (0..5)
        .map(|k| format!("--set cb2025.g.{k}=1.2"))
        .collect::<Vec<_>>()
        .join(" ");
    let cases = vec![
        VsCase {
            label: "simulate N=4000, 1 trial, 400 Euler steps, f64",
            lowrank: words(&format!("{sim} --trials 1 --t 40")),
            numpy: numpy("sim.py", "4000 1 400"),
        },
        VsCase {
            label: "simulate N=4000, 1 trial, 400 Euler steps, f32",
            lowrank: words(&format!("{sim} --trials 1 --t 40 --f32")),
            numpy: numpy("sim.py", "4000 1 400 f32"),
        },
        VsCase {
            label: "simulate N=4000, 64 trials, 40 Euler steps, f64",
            lowrank: words(&format!("{sim} --trials 64 --t 4")),
            numpy: numpy("sim.py", "4000 64 40"),
        },
        VsCase {
            label: "simulate N=4000, 64 trials, 40 Euler steps, f32",
            lowrank: words(&format!("{sim} --trials 64 --t 4 --f32")),
            numpy: numpy("sim.py", "4000 64 40 f32"),
        },
        VsCase {
            label: "two-time DMFT R=5, N_t=2500 (erf, g=1.2)",
            lowrank: words(&format!("dmft cb2025-fig3-set1 {g12} --t 125 --json")),
            numpy: numpy("cb_dmft.py", "5 2500 0.05 1"),
        },
    ];
    let mut md = format!(
        "# lowrank vs NumPy, whole processes\n\nBest of {reps} alternating runs each (wall time \
         of the whole process, start-up and sampling included); peak resident memory from GNU \
         `time`. NumPy: `{}`.\n\n| case | lowrank | NumPy | speed-up | lowrank peak | NumPy peak |\n|---|---|---|---|---|---|\n",
        python.display()
    );
    let mb = |m: Option<f64>| m.map_or("—".to_string(), |m| format!("{m:.0} MB"));
    for case in &cases {
        let (mut best_l, mut best_n) = ((f64::INFINITY, None), (f64::INFINITY, None));
        for _ in 0..reps {
            let l = timed(&lowrank, &case.lowrank)?;
            let n = timed(&python, &case.numpy)?;
            if l.0 < best_l.0 {
                best_l = l;
            }
            if n.0 < best_n.0 {
                best_n = n;
            }
        }
        let row = format!(
            "| {} | {:.3} s | {:.3} s | {:.2}× | {} | {} |\n",
            case.label,
            best_l.0,
            best_n.0,
            best_n.0 / best_l.0,
            mb(best_l.1),
            mb(best_n.1)
        );
        print!("{row}");
        md.push_str(&row);
    }
    md.push_str("\nCommands: `lowrank ");
    md.push_str(
        &cases
            .iter()
            .map(|c| c.lowrank.join(" "))
            .collect::<Vec<_>>()
            .join("`; `lowrank "),
    );
    md.push_str("`; NumPy: `python3 benches/numpy/sim.py N B STEPS [f32]`, `python3 benches/numpy/cb_dmft.py 5 2500 0.05 1`.\n");
    let path = out_dir.join("vs-numpy.md");
    std::fs::write(&path, &md).with_context(|| format!("writing {}", path.display()))?;
    println!("\nwritten to {}", path.display());
    Ok(ExitCode::SUCCESS)
}
