//! Sharding the validation (docs/validation.md, "Sharding the validation"): every shard of a
//! run of toy cases, written to JSON and read back, merges into the unsharded `run_suite`
//! result except wall times, for 1, 3 and 7 shards; failures land on the same case with the
//! same message; missing, duplicated and foreign shard files are reported.

use lowrank_validate::case::{Case, Measurement, Observable, ScenarioRef, Suite};
use lowrank_validate::rule::Rule;
use lowrank_validate::runner::shard::{
    items, merge, run_shard, MergeError, Outcome, Shard, ShardError, ShardFile,
};
use lowrank_validate::runner::{run_suite, Grid, SuiteResult};
use lowrank_validate::ValidateError;

/// A uniform number in [0, 1) from a seed (SplitMix64 finaliser): full 53-bit mantissas, so
/// the values exercise the bit-exact number format of the shard files.
fn unit(seed: u64, k: u64) -> f64 {
    let mut z = seed.wrapping_add(k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

fn toy(name: &str, observables: usize) -> Case {
    Case {
        name: name.into(),
        source: "test".into(),
        description: "toy".into(),
        scenario: ScenarioRef {
            path: "-".into(),
            overrides: vec![],
        },
        observables: (0..observables)
            .map(|o| Observable::new(&format!("x{o}"), "toy"))
            .collect(),
        theory: Box::new(move || Ok((0..observables).map(|o| 1.0 + o as f64 / 3.0).collect())),
        simulate: Box::new(move |r| {
            Ok(Measurement {
                values: (0..observables)
                    .map(|o| {
                        1.0 + o as f64 / 3.0 + (0.5 + unit(r.seed, o as u64)) / (r.n as f64).sqrt()
                    })
                    .collect(),
                reference: None,
            })
        }),
        rule: Rule::default(),
        sizes: None,
        seed_factor: 1,
        figure_points: vec![],
    }
}

fn grid() -> Grid {
    Grid {
        sizes: vec![100, 400, 1600],
        seeds: 3,
        base_seed: 7,
        effort: 0.5,
    }
}

/// Four toy cases: plain; with its own sizes (one above the grid's largest N), a per-network
/// reference and twice the seeds; a simulation failing at (N = 400, s = 1); a failing theory.
fn toy_suite() -> Suite {
    let plain = toy("toy-plain", 1);
    let mut own = toy("toy-own-sizes", 2);
    own.sizes = Some(vec![100, 200, 400, 800, 3200]);
    own.seed_factor = 2;
    own.simulate = Box::new(|r| {
        let noise = |o: u64| (0.5 + unit(r.seed, o)) / (r.n as f64).sqrt();
        Ok(Measurement {
            values: vec![0.7 + noise(0), -2.0 - noise(1)],
            reference: Some(vec![
                0.7 + 0.1 * (noise(2) - 1.0 / (r.n as f64).sqrt()),
                -2.0,
            ]),
        })
    });
    let mut failing = toy("toy-failing-sim", 1);
    let base = grid().base_seed;
    failing.simulate = Box::new(move |r| {
        if r.n == 400 && r.seed == lowrank_validate::runner::network_seed(base, 400, 1) {
            return Err(ValidateError::Case {
                case: "toy-failing-sim".into(),
                reason: "blew up".into(),
            });
        }
        Ok(Measurement {
            values: vec![1.0 + unit(r.seed, 0) / (r.n as f64).sqrt()],
            reference: None,
        })
    });
    let mut no_theory = toy("toy-failing-theory", 1);
    no_theory.theory = Box::new(|| {
        Err(ValidateError::Case {
            case: "toy-failing-theory".into(),
            reason: "no fixed point".into(),
        })
    });
    Suite {
        cases: vec![plain, own, failing, no_theory],
        figures: vec![],
    }
}

/// Every shard of `count`, each through its JSON text, named `shard-I-of-N.json`.
fn shards(suite: &Suite, count: usize) -> Vec<(String, ShardFile)> {
    (0..count)
        .map(|i| {
            let shard = Shard::new(i, count).unwrap();
            let file = run_shard(suite, &grid(), shard, &mut |_| {});
            let text = file.to_json().unwrap();
            let back = ShardFile::from_json(&text, &shard.file_name()).unwrap();
            assert_eq!(back, file, "shard {i}/{count} changed through JSON");
            (shard.file_name(), back)
        })
        .collect()
}

fn unsharded(suite: &Suite) -> SuiteResult {
    run_suite(suite, &grid(), &mut |_| {}).without_seconds()
}

#[test]
fn every_shard_merged_equals_the_unsharded_run() {
    let suite = toy_suite();
    let want = unsharded(&suite);
    // the toy suite covers a pass, a failed simulation and a failed theory
    assert!(want.cases[0].passed && want.cases[1].passed, "{want:#?}");
    assert_eq!(want.cases[1].sizes, vec![100, 200, 400, 800]);
    assert!(want.cases[2]
        .failure
        .as_deref()
        .unwrap()
        .contains("blew up"));
    assert!(want.cases[3]
        .failure
        .as_deref()
        .unwrap()
        .contains("no fixed point"));
    let total = items(&suite, &grid()).len();
    assert_eq!(total, 9 + 4 * 6 + 9 + 9);
    for count in [1, 3, 7] {
        let mut files = shards(&suite, count);
        assert_eq!(
            files.iter().map(|(_, f)| f.items.len()).sum::<usize>(),
            total
        );
        files.reverse(); // the order of the files does not matter
        let got = merge(&suite, &files).unwrap();
        assert_eq!(got.without_seconds(), want, "{count} shards");
        assert!(!got.passed);
    }
}

#[test]
fn a_failing_simulation_fails_the_merged_case_with_the_same_message() {
    let suite = Suite {
        cases: toy_suite().cases.into_iter().skip(2).take(1).collect(),
        figures: vec![],
    };
    let want = unsharded(&suite);
    let failure = want.cases[0].failure.clone().unwrap();
    assert!(
        failure.starts_with("simulation at N = 400, seed "),
        "{failure}"
    );
    // the items before the failure (all of N = 100, then s = 0 at N = 400) are kept
    assert_eq!(want.cases[0].points.len(), 4);
    for count in [1, 3, 7] {
        let files = shards(&suite, count);
        // the shard of the failure skips the case's later items; later shards still measure
        let skipped = files
            .iter()
            .flat_map(|(_, f)| &f.items)
            .filter(|i| matches!(i.outcome, Outcome::Skipped))
            .count();
        assert!(skipped <= 4, "{skipped}");
        let got = merge(&suite, &files).unwrap().without_seconds();
        assert_eq!(got.cases[0].failure.as_deref(), Some(failure.as_str()));
        assert_eq!(got, want, "{count} shards");
    }
}

#[test]
fn shard_files_are_written_whole_and_read_back() {
    let suite = toy_suite();
    let dir = std::env::temp_dir().join(format!("lowrank-validate-shard-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut files = Vec::new();
    for i in 0..3 {
        let shard = Shard::new(i, 3).unwrap();
        let path = run_shard(&suite, &grid(), shard, &mut |_| {})
            .write(&dir)
            .unwrap();
        assert_eq!(path, dir.join(format!("shard-{i}-of-3.json")));
        files.push((path.display().to_string(), ShardFile::read(&path).unwrap()));
    }
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "temporary files left: {names:?}");
    assert_eq!(
        merge(&suite, &files).unwrap().without_seconds(),
        unsharded(&suite)
    );
    // a truncated file is an error naming it
    let path = dir.join("shard-0-of-3.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    let err = ShardFile::read(&path).unwrap_err().to_string();
    assert!(
        err.contains("shard-0-of-3.json") && err.contains("not JSON"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_shard_is_listed() {
    let suite = toy_suite();
    let files: Vec<_> = shards(&suite, 7)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != 2 && *i != 5)
        .map(|(_, f)| f)
        .collect();
    let err = merge(&suite, &files).unwrap_err();
    assert!(
        matches!(err, ShardError::Merge(MergeError::Missing(_))),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("2/7, 5/7") && text.contains("--shard"),
        "{text}"
    );
    assert!(matches!(
        merge(&suite, &[]),
        Err(ShardError::Merge(MergeError::Empty))
    ));
}

#[test]
fn a_duplicated_shard_names_both_files() {
    let suite = toy_suite();
    let mut files = shards(&suite, 7);
    let mut again = files[3].clone();
    again.0 = "elsewhere/copy.json".into();
    files.push(again);
    let text = merge(&suite, &files).unwrap_err().to_string();
    assert!(
        text.contains("3/7")
            && text.contains("shard-3-of-7.json")
            && text.contains("elsewhere/copy.json"),
        "{text}"
    );
}

#[test]
fn shards_of_another_run_or_tampered_files_are_rejected() {
    let suite = toy_suite();
    // another shard count
    let mut files = shards(&suite, 3);
    files[1] = shards(&suite, 7).swap_remove(1);
    let text = merge(&suite, &files).unwrap_err().to_string();
    assert!(text.contains("of 3 shards"), "{text}");
    // another grid
    let mut files = shards(&suite, 3);
    files[2].1.grid.base_seed += 1;
    let text = merge(&suite, &files).unwrap_err().to_string();
    assert!(
        text.contains("grid differs") && text.contains("shard-2-of-3.json"),
        "{text}"
    );
    // another case list (e.g. another --case)
    let mut files = shards(&suite, 3);
    files[0].1.cases.pop();
    let text = merge(&suite, &files).unwrap_err().to_string();
    assert!(text.contains("case list differs"), "{text}");
    // an item moved
    let mut files = shards(&suite, 3);
    files[1].1.items[0].s += 1;
    let text = merge(&suite, &files).unwrap_err().to_string();
    assert!(
        text.contains("shard-1-of-3.json") && text.contains("where the run has"),
        "{text}"
    );
    // an item dropped
    let mut files = shards(&suite, 3);
    files[2].1.items.pop();
    let text = merge(&suite, &files).unwrap_err().to_string();
    assert!(text.contains("expected"), "{text}");
    // a different suite
    let files = shards(&suite, 3);
    let other = Suite {
        cases: toy_suite().cases.into_iter().take(2).collect(),
        figures: vec![],
    };
    assert!(matches!(merge(&other, &files), Err(ShardError::Suite(_))));
    // another format
    let text = shards(&suite, 1)[0]
        .1
        .to_json()
        .unwrap()
        .replace("lowrank-validate-shard/1", "lowrank-validate-shard/0");
    let err = ShardFile::from_json(&text, "old.json")
        .unwrap_err()
        .to_string();
    assert!(err.contains("old.json") && err.contains("format"), "{err}");
}

#[test]
fn bad_shard_text_is_an_error_naming_the_option() {
    for bad in [
        "", "3", "3/3", "0/0", "x/2", "1/y", "-1/2", "1.5/4", "1/2/3", " / ",
    ] {
        let err = Shard::parse(bad).unwrap_err().to_string();
        assert!(err.contains("--shard"), "`{bad}`: {err}");
    }
    assert_eq!(Shard::parse(" 2/5 ").unwrap(), Shard::new(2, 5).unwrap());
    let slurm = |k: &str| match k {
        "SLURM_ARRAY_TASK_ID" => Some("12".to_string()),
        "SLURM_ARRAY_TASK_MIN" => Some("10".to_string()),
        "SLURM_ARRAY_TASK_COUNT" => Some("4".to_string()),
        _ => None,
    };
    assert_eq!(Shard::from_env(slurm).unwrap(), Shard::new(2, 4).unwrap());
    let past = |k: &str| match k {
        "SLURM_ARRAY_TASK_ID" => Some("4".to_string()),
        "SLURM_ARRAY_TASK_COUNT" => Some("4".to_string()),
        _ => None,
    };
    assert!(Shard::from_env(past).is_err());
    let err = Shard::from_env(|_| None).unwrap_err().to_string();
    assert!(err.contains("--shard"), "{err}");
}
