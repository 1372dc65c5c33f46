//! Shared helpers of the end-to-end CLI tests: run the built `lowrank` binary from the
//! workspace root and parse its `--json` output.

use std::process::{Command, Output};

/// Run `lowrank ARGS…` (the binary cargo built for this test) in the workspace root.
pub fn lowrank(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lowrank"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run lowrank")
}

/// The JSON document on stdout of a successful run (panics with stderr otherwise).
pub fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON on stdout")
}
