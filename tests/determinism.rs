//! Same seed, same bits, whatever the thread count (docs/robustness.md): the dense product of
//! the simulator and the eigen-decomposition of `spectrum` must not depend on rayon's pool.

use std::process::Command;

fn run(threads: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_lowrank"))
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run lowrank");
    assert!(
        out.status.success(),
        "{args:?} ({threads} threads): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn same_bits(args: &[&str]) {
    let one = run("1", args);
    let two = run("2", args);
    let four = run("4", args);
    assert!(!one.is_empty());
    assert!(one == two, "{args:?}: 1 and 2 threads differ");
    assert!(one == four, "{args:?}: 1 and 4 threads differ");
}

#[test]
fn simulate_two_populations_is_thread_count_independent() {
    // N = 1300 > 2·ROW_CHUNK: the product is split. One trial (a GEMV: differed between 1
    // and 2 threads before the fixed row slices) and two trials (the parallel passes).
    same_bits(&[
        "simulate",
        "two-populations",
        "--n",
        "1300",
        "--t",
        "4",
        "--json",
    ]);
    same_bits(&[
        "simulate",
        "two-populations",
        "--n",
        "1300",
        "--t",
        "4",
        "--trials",
        "2",
        "--json",
    ]);
}

#[test]
fn simulate_pure_chaos_is_thread_count_independent() {
    same_bits(&[
        "simulate",
        "cb2025-pure-chaos",
        "--n",
        "1500",
        "--t",
        "4",
        "--burn-in",
        "1",
        "--max-lag",
        "2",
        "--json",
    ]);
}

#[test]
fn spectrum_is_thread_count_independent() {
    same_bits(&["spectrum", "two-populations", "--n", "700", "--json"]);
}
