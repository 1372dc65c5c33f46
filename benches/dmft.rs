//! [CB] theory benchmarks (docs/theory §3), to compare with the NumPy reference
//! `benches/numpy/cb_dmft.py` (same two-time DMFT scheme, vectorised):
//!
//! - `potential_method_b2_g1.8`: one region's chaotic branch with currents (§3.2), b = 2, g = 1.8;
//! - `current_ode_fixed_point_r5`: Euler settle + Newton polish + Jacobian spectrum of one
//!   current-ODE fixed point, Fig. 3 set 1 (R = 5, K = 25);
//! - `dmft_r2_nt2500` / `dmft_r5_nt2500`: the two-time DMFT, erf, N_t = 2500, dt = 0.05, all lags.
//!
//! Source kernels on the same model and grid (group `dmft_source`): one population, no
//! structure, g = 2 (chaos for erf and tanh; for sigmoid, slope 1/4, a static state with
//! ρ ≈ 1 between almost all pairs), T = 60, dt = 0.05 (N_t = 1200), all lags:
//!
//! - `dmft_g2_t60_erf`: the zero-mean erf closed form (vectorised arctan column);
//! - `dmft_g2_t60_tanh`, `dmft_g2_t60_sigmoid`: the Mehler source of `SourceMethod::Auto`;
//! - `dmft_g2_t60_tanh_quadrature40`: the tensor Gauss–Hermite source of order 40 (what tanh
//!   used before the Mehler source; ~15 s per run, so 10 samples take minutes);
//! - `dmft_r2_t60_{erf,tanh,sigmoid}`: the same on the R = 2 model of `dmft_r2_nt2500`.
//!
//! Run: `cargo bench --bench dmft` (criterion, no plots); the source comparison alone:
//! `cargo bench --bench dmft -- dmft_g2_t60`.

use criterion::{criterion_group, criterion_main, Criterion};
use lowrank::model::cb2025::{symmetric, Multiregion};
use lowrank::theory::cb2025::potential::{chaotic_branch, pinned_delta0};
use lowrank::theory::currents::{CurrentOde, FixedPointOptions, InputGain};
use lowrank::theory::dmft::{run, DmftOptions, SourceMethod};
use lowrank_gauss::{Gauss, Phi};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use std::time::Duration;

fn random_tensor(r: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let n = Normal::new(0.0, 2.0 / (r as f64).sqrt()).unwrap();
    let _ = rng.random::<u64>();
    (0..r * r * r).map(|_| n.sample(&mut rng)).collect()
}

fn benches(c: &mut Criterion) {
    let gauss = Gauss::new(64);
    let d0 = pinned_delta0(&gauss, Phi::Erf, 2.0).unwrap();
    c.bench_function("potential_method_b2_g1.8", |b| {
        b.iter(|| {
            chaotic_branch(&gauss, Phi::Erf, black_box(1.8), d0)
                .unwrap()
                .unwrap()
        })
    });

    let a = [2.0706, 2.0160, 2.0391, 2.0896, 2.0747];
    let bb = [2.4609, 2.5380, 2.4939, 2.4959, 2.5164];
    let t = symmetric(&a, &bb, &[1.0, -1.0, 1.0, 1.0, -1.0]).unwrap();
    let model = Multiregion::new(5, vec![0.0; 5], t).build().unwrap().model;
    let ode = CurrentOde::new(&model, Gauss::new(32), vec![], InputGain::Stein).unwrap();
    let fpo = FixedPointOptions {
        starts: 1,
        include_origin: false,
        t_max: 3000.0,
        seed: 3,
        ..Default::default()
    };
    c.bench_function("current_ode_fixed_point_r5", |b| {
        b.iter(|| ode.fixed_points(black_box(&fpo)).unwrap())
    });

    let mut group = c.benchmark_group("dmft");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for r in [2usize, 5] {
        let model = Multiregion::new(r, vec![1.2; r], random_tensor(r, 0))
            .build()
            .unwrap()
            .model;
        let opts = DmftOptions {
            dt: 0.05,
            nt: 2500,
            seed: 0,
            ..Default::default()
        };
        group.bench_function(format!("dmft_r{r}_nt2500"), |b| {
            b.iter(|| run(&model, Gauss::new(32), black_box(&opts)).unwrap())
        });
    }
    group.finish();

    let mut group = c.benchmark_group("dmft_source");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    let g2 = Multiregion::new(1, vec![2.0], vec![0.0])
        .build()
        .unwrap()
        .model;
    let r2 = Multiregion::new(2, vec![1.2; 2], random_tensor(2, 0))
        .build()
        .unwrap()
        .model;
    let opts = |source| DmftOptions {
        dt: 0.05,
        nt: 1200,
        seed: 0,
        source,
        ..Default::default()
    };
    let cases = [
        ("g2", &g2, Phi::Erf, SourceMethod::Auto, ""),
        ("g2", &g2, Phi::Tanh, SourceMethod::Auto, ""),
        ("g2", &g2, Phi::Sigmoid, SourceMethod::Auto, ""),
        (
            "g2",
            &g2,
            Phi::Tanh,
            SourceMethod::Quadrature { order: 40 },
            "_quadrature40",
        ),
        ("r2", &r2, Phi::Erf, SourceMethod::Auto, ""),
        ("r2", &r2, Phi::Tanh, SourceMethod::Auto, ""),
        ("r2", &r2, Phi::Sigmoid, SourceMethod::Auto, ""),
    ];
    for (name, model, phi, source, suffix) in cases {
        let model = model.clone().with_nonlinearity(phi);
        let o = opts(source);
        if source == SourceMethod::Auto {
            // the fallback statistics of the Mehler source (printed once, outside the timing)
            let res = run(&model, Gauss::new(32), &o).unwrap();
            eprintln!(
                "dmft_{name}_t60_{phi}{suffix}: {} of {} source pairs by quadrature",
                res.source_fallbacks, res.source_pairs
            );
        }
        group.bench_function(format!("dmft_{name}_t60_{phi}{suffix}"), |b| {
            b.iter(|| run(&model, Gauss::new(32), black_box(&o)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(dmft_benches, benches);
criterion_main!(dmft_benches);
