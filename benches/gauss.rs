//! Criterion benchmarks of the Gaussian-integral kernels (crate `lowrank-gauss`).
//!
//! Run: `CARGO_TARGET_DIR=/work/target-gauss cargo bench -p lowrank --bench gauss`.

use criterion::{criterion_group, criterion_main, Criterion};
use lowrank_gauss::{Gauss, Phi};
use std::hint::black_box;

fn single(c: &mut Criterion) {
    for order in [64, 200] {
        let g = Gauss::new(order);
        c.bench_function(&format!("expect tanh GH-{order}"), |b| {
            b.iter(|| g.expect(f64::tanh, black_box(0.3), black_box(1.5)).unwrap())
        });
        c.bench_function(
            &format!("moments tanh Gauss::new({order}) delta=1.5"),
            |b| {
                b.iter(|| {
                    g.moments(Phi::Tanh, black_box(0.3), black_box(1.5))
                        .unwrap()
                })
            },
        );
    }
    let g = Gauss::new(200);
    // accuracy-controlled rule: trapezoid with ≈ max(37, 72√Δ) nodes
    for delta in [0.1, 5.0, 20.0] {
        c.bench_function(&format!("moments tanh delta={delta}"), |b| {
            b.iter(|| {
                g.moments(Phi::Tanh, black_box(0.3), black_box(delta))
                    .unwrap()
            })
        });
    }
    // plain GH-16 where it is accurate (Δ ≤ 16/300) and cheaper than the trapezoid
    let g16 = Gauss::new(16);
    c.bench_function("moments tanh GH-16 delta=0.05", |b| {
        b.iter(|| {
            g16.moments(Phi::Tanh, black_box(0.3), black_box(0.05))
                .unwrap()
        })
    });
    c.bench_function("moments erf (closed forms) delta=1.5", |b| {
        b.iter(|| g.moments(Phi::Erf, black_box(0.3), black_box(1.5)).unwrap())
    });
}

fn pairs(c: &mut Criterion) {
    let g = Gauss::new(64);
    c.bench_function("nested tanh GH-64^2", |b| {
        b.iter(|| {
            g.nested(f64::tanh, black_box(0.3), black_box(0.2), black_box(0.1))
                .unwrap()
        })
    });
    c.bench_function("stationary tanh Gauss::new(64) (mu=0, delta0=0.2)", |b| {
        b.iter(|| {
            g.stationary(Phi::Tanh, black_box(0.0), black_box(0.2), black_box(0.1))
                .unwrap()
        })
    });
    c.bench_function("stationary tanh Gauss::new(64) (mu=0.3, delta0=0.2)", |b| {
        b.iter(|| {
            g.stationary(Phi::Tanh, black_box(0.3), black_box(0.2), black_box(0.1))
                .unwrap()
        })
    });
    c.bench_function(
        "stationary tanh (mu=0, delta0=5, delta=3; trapezoid)",
        |b| {
            b.iter(|| {
                g.stationary(Phi::Tanh, black_box(0.0), black_box(5.0), black_box(3.0))
                    .unwrap()
            })
        },
    );
    c.bench_function("stationary erf closed form (mu=0)", |b| {
        b.iter(|| {
            g.stationary(Phi::Erf, black_box(0.0), black_box(5.0), black_box(3.0))
                .unwrap()
        })
    });
    c.bench_function("c_phi erf zero means", |b| {
        b.iter(|| {
            g.c_phi(
                Phi::Erf,
                black_box(0.0),
                black_box(0.0),
                2.0,
                1.0,
                black_box(0.7),
            )
            .unwrap()
        })
    });
    c.bench_function("c_phi erf nonzero means", |b| {
        b.iter(|| {
            g.c_phi(
                Phi::Erf,
                black_box(0.4),
                black_box(-0.2),
                2.0,
                1.0,
                black_box(0.7),
            )
            .unwrap()
        })
    });
    c.bench_function("c_phi erf nonzero means, rho=0.999", |b| {
        b.iter(|| {
            g.c_phi(
                Phi::Erf,
                black_box(0.4),
                black_box(-0.2),
                2.0,
                2.0,
                black_box(1.998),
            )
            .unwrap()
        })
    });
    c.bench_function("c_phi tanh (d11=2, d22=1, d12=0.7)", |b| {
        b.iter(|| {
            g.c_phi(
                Phi::Tanh,
                black_box(0.4),
                black_box(-0.2),
                2.0,
                1.0,
                black_box(0.7),
            )
            .unwrap()
        })
    });
    c.bench_function("c_dphi erf", |b| {
        b.iter(|| {
            g.c_dphi(
                Phi::Erf,
                black_box(0.4),
                black_box(-0.2),
                2.0,
                1.0,
                black_box(0.7),
            )
            .unwrap()
        })
    });
}

/// tanh integrals at large variance: the nested stationary jet (what the chaotic solver calls)
/// and the single moments, at Δ0 = 2 (the papers' range), 100 and 1e4 (g ≈ 100).
fn large_variance(c: &mut Criterion) {
    let g = Gauss::new(200);
    for d0 in [2.0, 100.0, 1e4] {
        c.bench_function(
            &format!("stationary_jet tanh (mu=0.5, delta0={d0}, delta=0.4 delta0)"),
            |b| {
                b.iter(|| {
                    g.stationary_jet(
                        Phi::Tanh,
                        black_box(0.5),
                        black_box(d0),
                        black_box(0.4 * d0),
                    )
                    .unwrap()
                })
            },
        );
    }
    c.bench_function(
        "stationary_jet tanh (mu=0, delta0=1e4, delta=0.99 delta0)",
        |b| {
            b.iter(|| {
                g.stationary_jet(Phi::Tanh, black_box(0.0), black_box(1e4), black_box(9900.0))
                    .unwrap()
            })
        },
    );
    for delta in [100.0, 1e4] {
        c.bench_function(&format!("moments tanh delta={delta}"), |b| {
            b.iter(|| {
                g.moments(Phi::Tanh, black_box(0.3), black_box(delta))
                    .unwrap()
            })
        });
    }
}

/// φ without their own rules at large variance (the rules graded from kinks and bends): what the
/// complete chaotic search of an unbounded φ calls, at Δ0 = 1e2, 1e4, 1e6.
fn graded(c: &mut Criterion) {
    let g = Gauss::new(64);
    for phi in [Phi::Softplus, Phi::Elu, Phi::RectTanh] {
        for d0 in [1e2, 1e4, 1e6] {
            c.bench_function(
                &format!("stationary {phi} (mu=0.3, delta0={d0}, delta=0.5 delta0)"),
                |b| {
                    b.iter(|| {
                        g.stationary(phi, black_box(0.3), black_box(d0), black_box(0.5 * d0))
                            .unwrap()
                    })
                },
            );
        }
    }
}

criterion_group!(benches, single, pairs, large_variance, graded);
criterion_main!(benches);
