//! Benchmarks of the finite-N simulator (crate `lowrank-sim`) against the machine limits.
//!
//! Run: `cargo bench -p lowrank --bench sim` (`-- machine` skips the per-size criterion groups
//! and prints only the summary table).
//!
//! Criterion times one forward-Euler step (tanh, rank one, dense g > 0) for a single trial
//! and for batches of 8, 32, 64 trials at N ∈ {1000, 2000, 4000}, in f64 and f32, plus the
//! two machine limits: memory bandwidth (sum of a 256 MiB array; copy of 128 MiB) and the
//! f64 GEMM peak (faer 2000×2000·2000). After criterion, a summary table (own timing: best
//! of several repetitions) states each step as a fraction of its limit:
//! - single trial (GEMV, memory bound): bytes of J read per step / time, over the bandwidth;
//! - batched (GEMM, compute bound): 2N²B FLOP per step / time, over the GEMM peak.
//!
//! Why faer (measured on the 2-core project machine, idle, 2026-11-22): at N = 4000 one whole
//! fused Euler step here takes 2.84 ms (f64, one trial) and 17.6 ms (64 trials), while nalgebra
//! 0.34's bare `gemv` takes 6.85 ms and its `gemm` with 64 columns 27.7 ms. At small batches the
//! step is memory bound (arithmetic intensity 2B/8 FLOP per byte of J), so B = 8 cannot reach
//! 50% of the GEMM peak on this machine: its roofline is 2·8/8 × bandwidth ≈ 37% of peak.

use criterion::Criterion;
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use lowrank_gauss::Phi;
use lowrank_sim::testing::rank_one_model;
use lowrank_sim::{Init, Method, Network, Real, Simulator};
use std::hint::black_box;
use std::time::{Duration, Instant};

const SIZES: [usize; 3] = [1000, 2000, 4000];
const BATCHES: [usize; 4] = [1, 8, 32, 64];

fn network(n: usize) -> Network {
    Network::sample(
        &rank_one_model(0.8, 1.0, 1.5, 1.0, 1.0, Phi::Tanh).unwrap(),
        n,
        1,
    )
    .unwrap()
}

fn bench_steps<T: Real>(c: &mut Criterion, net: &Network) {
    let sim = Simulator::<T>::new(net);
    let n = net.n();
    let mut group = c.benchmark_group(format!("euler_step_{}", T::NAME));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for b in BATCHES {
        let mut st = sim.init_state(&Init::default(), b, 0, 0).unwrap();
        group.bench_function(format!("N={n} B={b}"), |bench| {
            bench.iter(|| {
                sim.step(black_box(&mut st), Method::Euler, 0, 0.0, 0.01, false)
                    .unwrap()
            })
        });
    }
    group.finish();
}

/// Sum of `v` on `threads` threads (scoped), the read-bandwidth probe.
fn sum_threads(v: &[f64], threads: usize) -> f64 {
    let chunk = v.len().div_ceil(threads);
    std::thread::scope(|s| {
        let hs: Vec<_> = v
            .chunks(chunk)
            .map(|c| s.spawn(move || sum_array(c)))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// Sum of `v` with 16 independent lanes, compiled for the widest SIMD the CPU has (the same
/// run-time dispatch as the simulator's kernels), so that its additions are not what limits it.
/// It reads one stream per thread; the simulator's GEMV reads 8 rows at once and can exceed it
/// (docs/performance.md).
fn sum_array(v: &[f64]) -> f64 {
    #[inline(always)]
    fn body(v: &[f64]) -> f64 {
        let mut s = [0.0f64; 16];
        for c in v.chunks_exact(16) {
            for l in 0..16 {
                s[l] += c[l];
            }
        }
        s.iter().sum()
    }
    lowrank_gauss::dispatch_simd!(body, (v: &[f64]) -> f64)
}

/// Best-of-`reps` wall time of `f`.
fn best(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn gemm_once(a: &Mat<f64>, b: &Mat<f64>, c: &mut Mat<f64>) {
    matmul(
        c.as_mut(),
        Accum::Replace,
        a.as_ref(),
        b.as_ref(),
        1.0,
        Par::rayon(0),
    );
}

fn limits(c: &mut Criterion) {
    let big = vec![1.0f64; 32 << 20]; // 256 MiB
    let src = vec![1.0f64; 16 << 20];
    let mut dst = vec![0.0f64; 16 << 20];
    let a = Mat::<f64>::from_fn(2000, 2000, |i, j| ((i * 7 + j * 3) % 11) as f64);
    let b = a.clone();
    let mut out = Mat::<f64>::zeros(2000, 2000);
    let mut g = c.benchmark_group("machine");
    g.sample_size(10).measurement_time(Duration::from_secs(2));
    g.bench_function("sum 256 MiB f64", |bench| {
        bench.iter(|| sum_array(black_box(&big)))
    });
    g.bench_function("copy 128 MiB f64", |bench| {
        bench.iter(|| dst.copy_from_slice(black_box(&src)))
    });
    g.bench_function("faer gemm f64 2000^3", |bench| {
        bench.iter(|| gemm_once(&a, &b, &mut out))
    });
    g.finish();
}

fn summary() {
    let big = vec![1.0f64; 32 << 20];
    let t_sum1 = best(5, || {
        black_box(sum_array(black_box(&big)));
    });
    let threads = std::thread::available_parallelism()
        .map(|t| t.get())
        .unwrap_or(1);
    let t_sum = best(5, || {
        black_box(sum_threads(black_box(&big), threads));
    });
    let bandwidth = (big.len() * 8) as f64 / t_sum;
    let bandwidth1 = (big.len() * 8) as f64 / t_sum1;
    let src = vec![1.0f64; 16 << 20];
    let mut dst = vec![0.0f64; 16 << 20];
    let t_copy = best(5, || {
        black_box(&mut dst).copy_from_slice(black_box(&src));
        black_box(&dst);
    });
    let copy_bw = (2 * src.len() * 8) as f64 / t_copy;
    drop(big);
    let a = Mat::<f64>::from_fn(2000, 2000, |i, j| ((i * 7 + j * 3) % 11) as f64);
    let bm = a.clone();
    let mut out = Mat::<f64>::zeros(2000, 2000);
    let t_gemm = best(5, || gemm_once(&a, &bm, &mut out));
    let peak = 2.0 * 2000f64.powi(3) / t_gemm;
    println!("\n== machine limits ==");
    println!(
        "read bandwidth (sum 256 MiB): {:.1} GB/s on {threads} threads ({:.1} GB/s on one); copy (read+write, one thread): {:.1} GB/s",
        bandwidth / 1e9,
        bandwidth1 / 1e9,
        copy_bw / 1e9
    );
    println!("(a fraction of bandwidth means something only when J exceeds the last-level cache: N = 4000)");
    println!(
        "f64 GEMM peak (faer 2000^3, all threads): {:.1} GFLOP/s",
        peak / 1e9
    );
    println!("\n== Euler step (tanh, rank one), best of 5 ==");
    println!(
        "{:>5} {:>4} {:>3} {:>10} {:>12} {:>14}",
        "N", "prec", "B", "ms/step", "GB/s (J)", "fraction"
    );
    for n in SIZES {
        let net = network(n);
        row::<f64>(&net, bandwidth, peak);
        row::<f32>(&net, bandwidth, peak);
    }
}

fn row<T: Real>(net: &Network, bandwidth: f64, peak: f64) {
    let sim = Simulator::<T>::new(net);
    let n = net.n();
    for b in BATCHES {
        let mut st = sim.init_state(&Init::default(), b, 0, 0).unwrap();
        let reps = if n * n * b > 200_000_000 { 5 } else { 20 };
        let t = best(reps, || {
            sim.step(&mut st, Method::Euler, 0, 0.0, 0.01, false)
                .unwrap()
        });
        let bytes = (n * n * std::mem::size_of::<T>()) as f64;
        let (rate, frac) = if b == 1 {
            (
                bytes / t / 1e9,
                format!("{:.0}% of bandwidth", 100.0 * bytes / t / bandwidth),
            )
        } else {
            let flops = 2.0 * (n * n * b) as f64 / t;
            (
                bytes / t / 1e9,
                format!(
                    "{:.1} GFLOP/s = {:.0}% of f64 GEMM peak",
                    flops / 1e9,
                    100.0 * flops / peak
                ),
            )
        };
        println!(
            "{n:>5} {:>4} {b:>3} {:>10.3} {rate:>12.1} {frac}",
            T::NAME,
            t * 1e3
        );
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    limits(&mut c);
    for n in SIZES {
        let net = network(n);
        bench_steps::<f64>(&mut c, &net);
        bench_steps::<f32>(&mut c, &net);
    }
    c.final_summary();
    summary();
}
