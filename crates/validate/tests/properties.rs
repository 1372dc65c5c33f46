//! Property tests (bounded case counts so `cargo test` stays quick).
//!
//! 1. Finite-size convergence: over random parameters where the theory has one stable
//!    solution, the simulated overlap at N = 1600 is closer to the theory than at N = 200, by
//!    the rule's calibrated bound (beyond seed noise).
//! 2. The theory is invariant under relabelling populations and under (m, n) → (−m, −n)
//!    (κ → −κ, everything else unchanged).
//! 3. Quadrature refinement: GH-64 → GH-128 changes the solution by less than the GH-64
//!    error estimate bound, and GH-128 → GH-200 by no more than GH-64 → GH-128.

use lowrank_gauss::Phi;
use lowrank_model::{Model, ModelBuilder, Schedule};
use lowrank_theory::solve::branches::{solve_all, MeanFieldSolution, SolveOptions};
use lowrank_validate::cases::common::{attractor, simulate, Pick, Plan};
use lowrank_validate::rule::Rule;
use lowrank_validate::runner::network_seed;
use lowrank_validate::stats::summarize;
use proptest::prelude::*;

/// Rank one, zero means, m = x₁ + a y, n = x₂ + b y + c h, input u along I = h.
/// σ_nm = ab < 1 and g < 1: one stable fixed point.
fn rank_one(g: f64, a: f64, b: f64, c: f64, u: f64) -> Model {
    let mut m = ModelBuilder::new("prop", Phi::Tanh);
    m.population("net", 1.0).gain("net", "net", g);
    for v in ["x1", "x2", "y", "h"] {
        m.basis(v, 1.0);
    }
    m.combination("m", &[("x1", 1.0), ("y", a)])
        .combination("n", &[("x2", 1.0), ("y", b), ("h", c)]);
    m.combination("I", &[("h", 1.0)]);
    m.term("1", "m", "n").input(
        "u",
        "I",
        Schedule {
            baseline: u,
            ..Default::default()
        },
    );
    m.build().expect("valid model")
}

/// Two populations with within- and cross-population disorder and one rank-one term whose
/// vectors have population-dependent means and covariances.
fn two_populations(g: [f64; 4], w0: f64, mean_m: [f64; 2], mean_n: [f64; 2], u: f64) -> Model {
    let mut b = ModelBuilder::new("prop2", Phi::Tanh);
    b.population("A", w0).population("B", 1.0 - w0);
    b.gain("A", "A", g[0])
        .gain("A", "B", g[1])
        .gain("B", "A", g[2])
        .gain("B", "B", g[3]);
    for v in ["x1", "x2", "y", "h"] {
        b.basis(v, 1.0);
    }
    b.combination("m", &[("x1", 1.0), ("y", 0.6)])
        .combination("n", &[("x2", 1.0), ("y", 0.5), ("h", 0.7)]);
    b.combination("I", &[("h", 1.0)]);
    b.term("1", "m", "n").input(
        "u",
        "I",
        Schedule {
            baseline: u,
            ..Default::default()
        },
    );
    let model = b.build().expect("valid model");
    let (im, in_) = (
        model.vector_index("m").unwrap(),
        model.vector_index("n").unwrap(),
    );
    let mut parts = model.into_parts();
    for p in 0..2 {
        parts.stats[p].mean[im] = mean_m[p];
        parts.stats[p].mean[in_] = mean_n[p];
    }
    Model::new(parts).expect("valid model")
}

/// The same model with its populations listed in reverse order.
fn relabelled(model: &Model) -> Model {
    let mut r = model.clone().into_parts();
    let p = model.n_populations();
    r.populations.reverse();
    r.stats.reverse();
    r.gain = nalgebra::DMatrix::from_fn(p, p, |a, b| model.gain()[(p - 1 - a, p - 1 - b)]);
    Model::new(r).expect("a relabelled valid model is valid")
}

/// (m, n) → (−m, −n): the loading space is reflected in the m and n coordinates.
fn flipped(model: &Model) -> Model {
    let mut r = model.clone().into_parts();
    let v = model.vectors().len();
    let s: Vec<f64> = (0..v)
        .map(|a| {
            if model.terms().iter().any(|t| t.left == a || t.right == a) {
                -1.0
            } else {
                1.0
            }
        })
        .collect();
    for st in &mut r.stats {
        for a in 0..v {
            st.mean[a] *= s[a];
            for b in 0..v {
                st.cov[(a, b)] *= s[a] * s[b];
            }
        }
    }
    Model::new(r).expect("a reflected valid model is valid")
}

fn stable(sols: &[MeanFieldSolution]) -> Vec<&MeanFieldSolution> {
    sols.iter()
        .filter(|s| s.convergence.converged && s.stable)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, failure_persistence: None, ..ProptestConfig::default() })]

    /// Larger N is closer to the theory beyond seed noise: ē(1600) ≤ 2·ē⁺(200)·√(200/1600)
    /// (the rule's bound) and ē(1600) < ē(200).
    #[test]
    fn larger_networks_are_closer_to_theory(g in 0.2f64..0.8, a in 0.3f64..1.0, b in 0.2f64..0.7, c in 0.6f64..1.4, u in 0.5f64..1.5) {
        let model = rank_one(g, a, b, c, u);
        let all = solve_all(&model, &SolveOptions::default()).unwrap();
        prop_assume!(stable(&all.solutions).len() == 1);
        let theory = attractor(&model, &SolveOptions::default(), Pick::LargestKappa, "prop").unwrap().kappa[0];
        let plan = Plan::new(30.0, 20.0, 0.1);
        let errors = |n: usize| -> Vec<f64> {
            (0..5).map(|s| (simulate(&model, n, network_seed(7, n, s), &plan).unwrap().kappa[0] - theory).abs()).collect()
        };
        let (small, large) = (summarize(&errors(200), 0.95).unwrap(), summarize(&errors(1600), 0.95).unwrap());
        let bound = Rule::default().slack * small.upper * (200.0f64 / 1600.0).sqrt();
        prop_assert!(large.mean < small.mean, "ē(1600) = {} ≥ ē(200) = {}", large.mean, small.mean);
        prop_assert!(large.mean <= bound, "ē(1600) = {} > bound {}", large.mean, bound);
    }

    /// Relabelling populations permutes Δ_p and leaves κ unchanged, for every stable solution.
    #[test]
    fn theory_is_invariant_under_relabelling(g in proptest::array::uniform4(0.2f64..0.7), w0 in 0.3f64..0.7,
                                             mm in proptest::array::uniform2(-0.8f64..0.8), mn in proptest::array::uniform2(-0.8f64..0.8),
                                             u in 0.2f64..1.2) {
        let model = two_populations(g, w0, mm, mn, u);
        let a = solve_all(&model, &SolveOptions::default()).unwrap();
        let b = solve_all(&relabelled(&model), &SolveOptions::default()).unwrap();
        let (sa, sb) = (stable(&a.solutions), stable(&b.solutions));
        prop_assert!(!sa.is_empty());
        prop_assert_eq!(sa.len(), sb.len());
        for x in &sa {
            let found = sb.iter().any(|y| {
                (x.kappa[0] - y.kappa[0]).abs() < 1e-7
                    && (x.delta0[0] - y.delta0[1]).abs() < 1e-7
                    && (x.delta0[1] - y.delta0[0]).abs() < 1e-7
            });
            prop_assert!(found, "no relabelled counterpart of κ = {:?}, Δ = {:?}", x.kappa, x.delta0);
        }
    }

    /// (m, n) → (−m, −n) leaves J unchanged: κ → −κ, Δ and μ unchanged.
    #[test]
    fn theory_is_invariant_under_sign_flip(g in proptest::array::uniform4(0.2f64..0.7), w0 in 0.3f64..0.7,
                                           mm in proptest::array::uniform2(-0.8f64..0.8), mn in proptest::array::uniform2(-0.8f64..0.8),
                                           u in 0.2f64..1.2) {
        let model = two_populations(g, w0, mm, mn, u);
        let a = solve_all(&model, &SolveOptions::default()).unwrap();
        let b = solve_all(&flipped(&model), &SolveOptions::default()).unwrap();
        let (sa, sb) = (stable(&a.solutions), stable(&b.solutions));
        prop_assert!(!sa.is_empty());
        prop_assert_eq!(sa.len(), sb.len());
        for x in &sa {
            let found = sb.iter().any(|y| {
                (x.kappa[0] + y.kappa[0]).abs() < 1e-7
                    && (0..2).all(|p| (x.delta0[p] - y.delta0[p]).abs() < 1e-7 && (x.mu[p] - y.mu[p]).abs() < 1e-7)
            });
            prop_assert!(found, "no flipped counterpart of κ = {:?}, Δ = {:?}", x.kappa, x.delta0);
        }
    }

    /// Gauss–Hermite refinement: |x₆₄ − x₁₂₈| ≤ 1e-6 (the GH-64 error for these smooth
    /// integrands at Δ ≲ 10 is far smaller) and |x₁₂₈ − x₂₀₀| ≤ max(|x₆₄ − x₁₂₈|, 1e-10).
    #[test]
    fn quadrature_refinement_converges(g in 0.2f64..0.8, a in 0.3f64..1.0, b in 0.2f64..0.7, c in 0.6f64..1.4, u in 0.5f64..1.5) {
        let model = rank_one(g, a, b, c, u);
        let sol = |order: usize| {
            let o = SolveOptions { order, inner_order: order, ..SolveOptions::default() };
            let s = attractor(&model, &o, Pick::LargestKappa, "prop").unwrap();
            [s.kappa[0], s.delta0[0]]
        };
        let (x64, x128, x200) = (sol(64), sol(128), sol(200));
        for i in 0..2 {
            let d1 = (x64[i] - x128[i]).abs();
            let d2 = (x128[i] - x200[i]).abs();
            prop_assert!(d1 <= 1e-6 * (1.0 + x128[i].abs()), "GH-64 vs GH-128: {d1:e}");
            prop_assert!(d2 <= d1.max(1e-10), "GH-128 vs GH-200 ({d2:e}) > GH-64 vs GH-128 ({d1:e})");
        }
    }
}
