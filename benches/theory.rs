//! Mean-field solver benchmarks ([MO] Fig. 1 set, docs/theory §2.1–2.3), to compare with the NumPy
//! reference `benches/numpy/mo_meanfield.py` (same equations, 200-node Gauss–Hermite, damped
//! iteration of docs/theory §4):
//!
//! - `static_solve`: heterogeneous fixed point at g = 1.5 from the reference's initial guess
//!   (μ, Δ₀) = (50, 50), i.e. κ = 50/M_m (bare Newton solve; and with the full classification),
//!   and from the near start (μ, Δ₀) = (0.55, 2.0);
//! - `chaotic_solve`: heterogeneous stationary chaos at g = 2 from (κ_s, 1.2Δ_s, 0.9Δ_s) of the
//!   static solution (the reference's entry into the chaotic solver);
//! - `g_sweep_200`: the Fig. 1 computation over 200 values of g with continuation;
//! - `phase_diagram_100x100`: the (g, λ₀) phase diagram on a 100 × 100 grid (rayon over rows);
//! - `solve_all/g=1.5|10|100`: the complete solution set (`lowrank solve`: pure-disorder family,
//!   κ scan, classification) of the Fig. 1 set — its cost must not grow with g;
//! - `solve_all_grid_6x6`: a 2-D (g, M_m) sweep of complete solution sets (6 × 6 points).
//!
//! Run: `cargo bench --bench theory` (criterion, no plots).

use criterion::{criterion_group, criterion_main, Criterion};
use lowrank::model::mo2018::RankOne;
use lowrank::theory::meanfield::MeanField;
use lowrank::theory::mo2018::{fig1_sweep, rank_one_model};
use lowrank::theory::phase::{linspace, phase_diagram, PhaseOptions};
use lowrank::theory::solve::branches::{
    solve_all, solve_static, ChaoticSystem, SolveOptions, StaticSystem,
};
use lowrank::theory::solve::{solve, NewtonOptions};
use std::hint::black_box;
use std::time::Duration;

fn benches(c: &mut Criterion) {
    let opts = SolveOptions::default();
    let p15 = RankOne {
        g: 1.5,
        ..Default::default()
    };
    let m15 = rank_one_model(&p15).unwrap();
    let x0 = [50.0 / p15.mean_m, 50.0];
    let sys = StaticSystem::new(MeanField::new(&m15, opts.gauss()), vec![]);
    let check = solve(&sys, &x0, &opts.newton).unwrap();
    assert!(check.convergence.converged && check.x[0] > 0.0, "{check:?}");
    c.bench_function("static_solve", |b| {
        b.iter(|| solve(&sys, black_box(&x0), &opts.newton))
    });
    let near = [0.5, 2.0]; // (μ, Δ₀) = (0.55, 2.0), the NumPy script's second start
    c.bench_function("static_solve_near", |b| {
        b.iter(|| solve(&sys, black_box(&near), &opts.newton))
    });
    c.bench_function("static_solve_classified", |b| {
        b.iter(|| solve_static(&m15, black_box(&x0), &opts).unwrap())
    });

    let m2 = rank_one_model(&RankOne {
        g: 2.0,
        ..Default::default()
    })
    .unwrap();
    let s = solve_static(&m2, &[1.0, 2.0], &opts).unwrap();
    let seed = [s.kappa[0], 1.2 * s.delta0[0], 0.9 * s.delta0[0]];
    let csys = ChaoticSystem::new(MeanField::new(&m2, opts.gauss()), vec![]).unwrap();
    let cn: NewtonOptions = opts.chaotic_newton();
    let check = solve(&csys, &seed, &cn).unwrap();
    assert!(
        check.convergence.converged && check.x[2] < check.x[1],
        "{check:?}"
    );
    let mut g = c.benchmark_group("slow");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("chaotic_solve", |b| {
        b.iter(|| solve(&csys, black_box(&seed), &cn))
    });
    let gs = linspace(0.5, 3.0, 200);
    g.bench_function("g_sweep_200", |b| {
        b.iter(|| fig1_sweep(&RankOne::default(), black_box(&gs), &opts).unwrap())
    });
    let popts = PhaseOptions {
        g: (0.5, 3.0, 100),
        lambda0: (0.5, 3.0, 100),
        ..Default::default()
    };
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("phase_diagram_100x100", |b| {
        b.iter(|| phase_diagram(&RankOne::default(), black_box(&popts)).unwrap())
    });
    g.measurement_time(Duration::from_secs(10));
    for gg in [1.5, 10.0, 100.0] {
        let m = rank_one_model(&RankOne {
            g: gg,
            ..Default::default()
        })
        .unwrap();
        g.bench_function(format!("solve_all/g={gg}"), |b| {
            b.iter(|| solve_all(black_box(&m), &opts).unwrap())
        });
    }
    let grid: Vec<_> = linspace(0.3, 3.0, 6)
        .into_iter()
        .flat_map(|gg| {
            linspace(0.2, 2.0, 6).into_iter().map(move |mm| {
                rank_one_model(&RankOne {
                    g: gg,
                    mean_m: mm,
                    ..Default::default()
                })
                .unwrap()
            })
        })
        .collect();
    g.bench_function("solve_all_grid_6x6", |b| {
        b.iter(|| {
            grid.iter()
                .map(|m| solve_all(m, &opts).unwrap().solutions.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(theory, benches);
criterion_main!(theory);
