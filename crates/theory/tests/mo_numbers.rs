//! docs/theory §5 [MO] numbers, to the digits given.

use lowrank_model::mo2018::RankOne;
use lowrank_theory::mo2018::{central_chaotic_delta0, g_bb, g_c, lambda0_bb};
use lowrank_theory::solve::branches::SolveOptions;

fn opts() -> SolveOptions {
    SolveOptions::default()
}

#[test]
fn central_chaotic_delta0_at_g2() {
    let d = central_chaotic_delta0(2.0, &opts()).unwrap();
    assert!((d - 1.9248).abs() < 5e-5, "{d}");
}

#[test]
fn lambda0_bb_values() {
    let a = lambda0_bb(1.5, &opts()).unwrap();
    let b = lambda0_bb(2.0, &opts()).unwrap();
    assert!((a - 1.520).abs() < 5e-4, "{a}");
    assert!((b - 2.054).abs() < 5e-4, "{b}");
}

#[test]
fn g_bb_fig1() {
    let s = g_bb(&RankOne::default(), &opts()).unwrap();
    assert!((s.value - 2.136).abs() < 5e-4, "{s:?}");
}

#[test]
fn g_c_fig1() {
    let g = g_c(&RankOne::default(), 0.5, &opts()).unwrap();
    assert!((g - 1.796).abs() < 5e-4, "{g}");
}
