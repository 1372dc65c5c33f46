//! Fuzz the scenario parser: any bytes → an error or a validated scenario, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lowrank_model::Scenario;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(s) = Scenario::from_toml_str(text, &[]) {
            assert!(s.model.overlap_matrix().iter().all(|x| x.is_finite()));
            assert!(s.model.disorder_coupling().iter().all(|x| x.is_finite()));
            let _ = s.model.overlap_eigenvalues();
        }
    }
});
