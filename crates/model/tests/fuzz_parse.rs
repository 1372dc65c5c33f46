//! Property-based stand-in for the `cargo fuzz` targets in `fuzz/` (docs/robustness.md): the
//! scenario parser and `--set` overrides must never panic, whatever the text, and what they
//! accept must be a validated model (finite overlap matrix and disorder coupling).

use lowrank_model::{bundled, Override, Scenario};
use proptest::prelude::*;

/// Characters TOML and the `--set` syntax care about, plus arbitrary ones.
fn toml_ish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("[[population]]\n".to_string()),
            Just("[[vector]]\n".to_string()),
            Just("[[term]]\n".to_string()),
            Just("[mo2018]\n".to_string()),
            Just("[cb2025]\n".to_string()),
            Just("[simulation]\n".to_string()),
            Just("name = \"A\"\n".to_string()),
            Just("gain = ".to_string()),
            Just("regions = ".to_string()),
            Just("kind = \"rank-one\"\n".to_string()),
            Just("mean = ".to_string()),
            Just("std = ".to_string()),
            Just("left = \"m\"\n".to_string()),
            Just("right = \"m\"\n".to_string()),
            Just("t = [".to_string()),
            "-?[0-9]{1,12}(\\.[0-9]{0,4})?(e-?[0-9]{1,3})?\n".prop_map(|s| s),
            Just("nan\n".to_string()),
            Just("inf\n".to_string()),
            "[ -~]{0,12}".prop_map(|s| s),
            any::<char>().prop_map(|c| c.to_string()),
        ],
        0..24,
    )
    .prop_map(|v| v.concat())
}

fn check_accepted(s: &Scenario) {
    let m = &s.model;
    assert!(m.overlap_matrix().iter().all(|x| x.is_finite()));
    assert!(m.disorder_coupling().iter().all(|x| x.is_finite()));
    assert!(m.overlap_eigenvalues().is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Arbitrary text: an error or a valid scenario, never a panic.
    #[test]
    fn parser_never_panics(text in toml_ish()) {
        if let Ok(s) = Scenario::from_toml_str(&text, &[]) {
            check_accepted(&s);
        }
    }

    /// Arbitrary `--set KEY=VALUE` on every bundled scenario: an error or a valid scenario.
    #[test]
    fn overrides_never_panic(
        which in 0usize..bundled::ALL.len(),
        key in prop_oneof![
            Just("mo2018.g".to_string()),
            Just("mo2018.mean_m".to_string()),
            Just("mo2018.sigma_mn".to_string()),
            Just("cb2025.regions".to_string()),
            Just("cb2025.g".to_string()),
            Just("cb2025.t".to_string()),
            Just("population.E.gain".to_string()),
            Just("population.0.weight".to_string()),
            Just("vector.m.population.E.cov.x".to_string()),
            Just("simulation.n".to_string()),
            Just("simulation.dt".to_string()),
            "[a-z_.0-9]{1,24}".prop_map(|s| s),
        ],
        value in prop_oneof![
            "-?[0-9]{1,20}(\\.[0-9]{0,6})?(e-?[0-9]{1,3})?".prop_map(|s| s),
            Just("nan".to_string()),
            Just("-inf".to_string()),
            Just("[1.0, -2.0, 1e300]".to_string()),
            Just("\"tanh\"".to_string()),
            "[ -~]{0,16}".prop_map(|s| s),
        ],
    ) {
        let (_, text) = bundled::ALL[which];
        if let Ok(o) = Override::parse(&format!("{key}={value}")) {
            if let Ok(s) = Scenario::from_toml_str(text, &[o]) {
                check_accepted(&s);
            }
        }
    }
}
