//! The two-time matrix of the DMFT (`DmftOptions::keep_matrix`): symmetric, its diagonal and the
//! classification row and last column are the ones reported separately, NaN beyond a band, and
//! — the physics — time-translation invariant once the pure-chaos state is stationary.

use lowrank_gauss::Gauss;
use lowrank_theory::dmft::{matrix_memory, run, DmftOptions};

fn model() -> lowrank_model::Model {
    lowrank_model::bundled::load("cb2025-pure-chaos", &[])
        .unwrap()
        .unwrap()
        .model
}

#[test]
fn matrix_agrees_with_the_reported_slices_and_is_stationary_late() {
    let nt = 1500;
    let opts = DmftOptions {
        dt: 0.1,
        nt,
        keep_matrix: true,
        t0: Some(200),
        ..Default::default()
    };
    let res = run(&model(), Gauss::new(32), &opts).unwrap();
    let m = res.matrix.as_ref().expect("matrix kept");
    assert_eq!(m.len() as f64 * 8.0, matrix_memory(1, nt));
    let at = |i: usize, j: usize| m[i * nt + j];
    for i in 0..nt {
        assert_eq!(at(i, i), res.delta_at(i)[0], "diagonal at {i}");
        for j in 0..nt {
            assert_eq!(at(i, j), at(j, i), "symmetry at ({i}, {j})");
            assert!(at(i, j).is_finite());
        }
    }
    for (l, v) in res.row(0).iter().enumerate() {
        assert_eq!(at(200, 200 + l), *v, "row at lag {l}");
    }
    for (l, v) in res.last_column(0).iter().enumerate() {
        assert_eq!(at(nt - 1 - l, nt - 1), *v, "last column at lag {l}");
    }
    // towards stationary chaos Δ(t, t + τ) stops depending on t: the drift over 14 time units
    // shrinks from early (t = 40) to late (t = 130) times
    for l in [0, 5, 20, 50] {
        let drift = |i: usize| (at(i, i + l) - at(i + 140, i + 140 + l)).abs();
        let (early, late) = (drift(400), drift(1300));
        eprintln!("lag {l}: drift early {early:e}, late {late:e}");
        assert!(
            late < 0.2 * early && late < 1e-3,
            "lag {l}: {early:e} → {late:e}"
        );
    }
}

#[test]
fn banded_matrix_is_nan_beyond_the_band() {
    let nt = 200;
    let opts = DmftOptions {
        dt: 0.1,
        nt,
        band: Some(30),
        keep_matrix: true,
        ..Default::default()
    };
    let res = run(&model(), Gauss::new(32), &opts).unwrap();
    let m = res.matrix.unwrap();
    for i in 0..nt {
        for j in 0..nt {
            let v = m[i * nt + j];
            assert_eq!(v.is_finite(), i.abs_diff(j) <= 30, "({i}, {j}) = {v}");
        }
    }
}
