//! Fuzz `--set KEY=VALUE` on the bundled scenarios: an error or a validated scenario.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lowrank_model::{bundled, Override, Scenario};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(arg) = std::str::from_utf8(rest) else {
        return;
    };
    let (_, text) = bundled::ALL[which as usize % bundled::ALL.len()];
    if let Ok(o) = Override::parse(arg) {
        if let Ok(s) = Scenario::from_toml_str(text, &[o]) {
            assert!(s.model.overlap_matrix().iter().all(|x| x.is_finite()));
            assert!(s.model.disorder_coupling().iter().all(|x| x.is_finite()));
        }
    }
});
