//! Integration of the network dynamics (docs/theory §1.1, time in units of τ = 1):
//!
//! ẋ = −x + J^rand φ(x) + (1/N₀) Σ_k m^k (n^k·φ(x)) + Σ_a I^a u_a(t)  [+ Σ_a σ_a(t) ξ_a(t) I^a]
//!
//! - The state of B trials (same network, different initial conditions / noise draws) is an
//!   N×B column-major matrix; J^rand is stored row-major. From 4 trials the random part is one
//!   `faer` GEMM per stored block and stage; below, a cache-tiled GEMV reads each tile of rows
//!   of J once for all trials, one fixed-order dot product per row and trial (none at all when
//!   every g = 0). The step is then bound by memory bandwidth (docs/performance.md).
//! - The low-rank part stays factored: κ = Nᵀφ(x)/N₀ (K dot products) then K axpys with the
//!   m^k — O(N·K) per trial and stage; the N×N low-rank matrix is never formed.
//! - Per stage, one pass over the state computes φ(x) (one dispatch per slice,
//!   [`lowrank_gauss::Phi::phi_in_place`]), the overlaps κ_k, the readouts and the population
//!   sums (blow-up check and recorders); a second pass assembles the derivative in place in the
//!   product's output.
//! - Methods: forward Euler (order 1), Heun (order 2), classical RK4 (order 4), all with a
//!   fixed step. Shared scalar white noise of the inputs (Euler–Maruyama): after the
//!   deterministic step each trial adds √dt·σ_a(t_n)·ξ·I^a, ξ ~ N(0,1) from the trial's noise
//!   stream (strong order 1 for this additive noise whatever the deterministic method).
//! - Recorders are streaming: only the running sums of the requested quantities are kept.

use crate::error::SimError;
use crate::network::{loadings, overlap_of, random_blocks, Network, RandomBlock};
use crate::result::{
    Autocorrelation, Series, SimulationResult, Traces, TrialAverages, TrialSeries,
};
use crate::rng::{stream, Component};
use crate::scalar::Real;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use lowrank_gauss::Phi;
use lowrank_model::{Model, Schedule};
use nalgebra::DMatrix;
use rand::Rng;
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

/// Mean |x| beyond which a trial counts as blown up (f32 overflows at 3.4e38 anyway).
const RUNAWAY: f64 = 1e30;
/// Fixed-step integration method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Forward Euler, x ← x + dt f(x, t); global error ∝ dt. The \[CB\] reference scheme.
    #[default]
    Euler,
    /// Heun (explicit trapezoid), global error ∝ dt².
    Heun,
    /// Classical fourth-order Runge–Kutta, global error ∝ dt⁴.
    Rk4,
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "euler" => Ok(Method::Euler),
            "heun" => Ok(Method::Heun),
            "rk4" => Ok(Method::Rk4),
            o => Err(format!("unknown method `{o}` (known: euler, heun, rk4)")),
        }
    }
}

/// Initial condition x(0) of every trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// x_i(0) = mean + std·z_i, z_i ~ N(0,1) i.i.d. from the trial's stream.
    Gaussian {
        /// Mean of every entry.
        mean: f64,
        /// Standard deviation of every entry.
        std: f64,
    },
    /// x(0) = Σ_c coef_c v^{c} + std·z: a combination of loading vectors (indices into
    /// `Model::vectors`), e.g. x(0) = −m − n in the \[MO\] detection task, plus i.i.d. noise.
    Vectors {
        /// (vector index, coefficient) pairs.
        coefficients: Vec<(usize, f64)>,
        /// Standard deviation of the added i.i.d. Gaussian noise (0 for none).
        std: f64,
    },
    /// The same explicit state (length N) for every trial.
    State(Vec<f64>),
}

impl Default for Init {
    fn default() -> Self {
        Init::Gaussian {
            mean: 0.0,
            std: 1.0,
        }
    }
}

/// Autocorrelation recorder settings: Δ_p(τ) for τ = 0, s, 2s, …, `max_lag`, s = `every`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AutocorrConfig {
    /// Largest lag τ_max (rounded to a multiple of `every`).
    pub max_lag: f64,
    /// Sampling interval s of the decimated states (rounded to a multiple of dt).
    pub every: f64,
}

/// What to integrate and what to record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Recorded duration T (≥ 0) after the burn-in: ⌈T/dt⌉ recorded steps.
    pub t: f64,
    /// Time step dt (> 0).
    pub dt: f64,
    /// Integration method.
    pub method: Method,
    /// Number of trials B (≥ 1), advanced together.
    pub trials: usize,
    /// Discarded transient (≥ 0) before t = 0, as in the scenario files: the network is
    /// integrated from t = −⌈burn_in/dt⌉·dt (input schedules evaluated at those negative
    /// times), and every average, series, trace and autocorrelation uses t_n ∈ [0, T].
    pub burn_in: f64,
    /// Initial condition.
    pub init: Init,
    /// Seed of the trials' initial-condition and noise streams.
    pub seed: u64,
    /// Trial b of this run uses the streams of trial index `trial_offset + b` (so trials
    /// can be split over several runs and a batch equals its trials run one by one).
    pub trial_offset: usize,
    /// Record time series of κ, S, z, μ, Δ₀ every this much time (None: averages only).
    pub record_every: Option<f64>,
    /// Units whose x_i(t) is traced (empty: none).
    pub trace_units: Vec<usize>,
    /// Sampling interval of the traces.
    pub trace_every: f64,
    /// Autocorrelation recorder (None: off).
    pub autocorr: Option<AutocorrConfig>,
    /// Return the final state of every trial in [`SimulationResult::final_state`].
    pub keep_final_state: bool,
    /// Stop request, checked once per step: when raised, [`Simulator::run`] returns
    /// [`SimError::Interrupted`].
    #[serde(skip)]
    pub interrupt: lowrank_model::Interrupt,
}

impl SimConfig {
    /// Defaults for everything but the horizon and step: Euler, one trial, no burn-in,
    /// x(0) ~ N(0, 1), seed 0, no series, traces or autocorrelation.
    pub fn new(t: f64, dt: f64) -> SimConfig {
        SimConfig {
            t,
            dt,
            method: Method::Euler,
            trials: 1,
            burn_in: 0.0,
            init: Init::default(),
            seed: 0,
            trial_offset: 0,
            record_every: None,
            trace_units: Vec::new(),
            trace_every: 1.0,
            autocorr: None,
            keep_final_state: false,
            interrupt: lowrank_model::Interrupt::default(),
        }
    }
}

/// A network ready to integrate in precision `T` (`f64` or `f32`).
///
/// ```
/// use lowrank_sim::{testing::rank_one_model, Network, SimConfig, Simulator};
/// let model = rank_one_model(0.5, 1.2, 1.2, 1.0, 0.0, lowrank_gauss::Phi::Tanh).unwrap();
/// let net = Network::sample(&model, 300, 1).unwrap();
/// let sim = Simulator::<f64>::new(&net);
/// let mut cfg = SimConfig::new(5.0, 0.1);
/// cfg.burn_in = 15.0;
/// cfg.t = 5.0;
/// cfg.init = lowrank_sim::Init::Vectors { coefficients: vec![(0, 1.0)], std: 0.0 };
/// let res = sim.run(&cfg).unwrap();
/// assert!(res.kappa[0] > 0.3); // the positive fixed point of M_m M_n = 1.44 > 1
/// ```
#[derive(Clone, Debug)]
pub struct Simulator<T: Real> {
    n: usize,
    n0: usize,
    offsets: Vec<usize>,
    phi: Phi,
    /// Stored blocks of J^rand, row-major, in precision `T`.
    blocks: Vec<RandomBlock<T>>,
    /// m^k (output vectors), one per term.
    m: Vec<Vec<T>>,
    /// n^k / N₀ (selection vectors, pre-scaled), one per term.
    n_scaled: Vec<Vec<T>>,
    /// I^a, one per input.
    inputs: Vec<Vec<T>>,
    schedules: Vec<Schedule>,
    /// w^r / N₀, one per readout.
    w_scaled: Vec<Vec<T>>,
    /// Loading vectors in f64 (for initial conditions).
    vectors: Vec<Vec<f64>>,
    /// Empirical overlap n^k·m^l / N₀ of the drawn vectors.
    overlap: DMatrix<f64>,
    par: Par,
}

/// The state of B trials plus every work buffer of a step (allocated once).
#[derive(Clone, Debug)]
pub struct State<T: Real> {
    /// x, N×B column-major (trial b is `x[b*N..(b+1)*N]`).
    pub x: Vec<T>,
    /// Number of trials B.
    pub trials: usize,
    r: Vec<T>,
    h: Vec<T>,
    /// Row-major rows × B output of the tiled GEMV (few trials).
    tiles: Vec<T>,
    xs: Vec<T>,
    acc: Vec<T>,
    /// Observation of the last observed state x(t_n).
    obs: Obs,
    u: Vec<f64>,
    noise: Vec<Xoshiro256PlusPlus>,
    /// Scratch observation of the later stages (not recorded).
    stage: Obs,
}

/// What pass 1 computes from a state, per trial.
#[derive(Clone, Debug)]
struct Obs {
    /// κ_k per trial (K×B, trial-major).
    kappa: Vec<f64>,
    /// z_r per trial (R×B).
    readout: Vec<f64>,
    /// Per population and trial: Σ x (P×B).
    sum: Vec<f64>,
    /// Per population and trial: Σ x² (P×B; only when moments are asked for).
    sumsq: Vec<f64>,
}

/// Mutable view of a range of trials of an [`Obs`].
struct ObsMut<'a> {
    kappa: &'a mut [f64],
    readout: &'a mut [f64],
    sum: &'a mut [f64],
    sumsq: &'a mut [f64],
}

impl<'a> ObsMut<'a> {
    /// Split after `mid` trials (strides K, R, P per trial).
    fn split(self, mid: usize, k: usize, r: usize, p: usize) -> (ObsMut<'a>, ObsMut<'a>) {
        let (ka, kb) = self.kappa.split_at_mut(mid * k);
        let (ra, rb) = self.readout.split_at_mut(mid * r);
        let (sa, sb) = self.sum.split_at_mut(mid * p);
        let (qa, qb) = self.sumsq.split_at_mut(mid * p);
        (
            ObsMut {
                kappa: ka,
                readout: ra,
                sum: sa,
                sumsq: qa,
            },
            ObsMut {
                kappa: kb,
                readout: rb,
                sum: sb,
                sumsq: qb,
            },
        )
    }
}

/// Element count (N·trials) from which the elementwise passes run on two halves in parallel.
const PARALLEL_MIN: usize = 16_384;

/// Rows per task of the dense product J^rand φ(x). Each entry of the product is one row's
/// sum in a fixed order whatever the split, so the bits do not depend on the thread count;
/// the constant only sets the task size.
pub const ROW_CHUNK: usize = 256;

/// Trials from which the dense product is one GEMM per block; below, each trial streams the
/// rows of J^rand through [`dot_lanes`] (the step is then bound by memory bandwidth, and a
/// row-by-row dot product reads J once at full bandwidth).
const GEMM_MIN_TRIALS: usize = 4;

/// dst (+)= lhs · rhs (lhs row-major) by fixed slices of [`ROW_CHUNK`] rows, each a
/// sequential product; the slices are split in halves on rayon's pool when `parallel`.
fn product_rows<T: Real>(
    dst: MatMut<'_, T>,
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
    accum: Accum,
    parallel: bool,
) {
    let rows = dst.nrows();
    let chunks = rows.div_ceil(ROW_CHUNK);
    if chunks <= 1 {
        matmul(dst, accum, lhs, rhs, T::of(1.0), Par::Seq);
        return;
    }
    let mid = (chunks / 2) * ROW_CHUNK;
    let (top, bottom) = dst.split_at_row_mut(mid);
    let (lt, lb) = lhs.split_at_row(mid);
    if parallel {
        rayon::join(
            || product_rows(top, lt, rhs, accum, parallel),
            || product_rows(bottom, lb, rhs, accum, parallel),
        );
    } else {
        product_rows(top, lt, rhs, accum, parallel);
        product_rows(bottom, lb, rhs, accum, parallel);
    }
}

/// ht ← J_blk r for the `trials` columns of r (N×B column-major, this block's columns from
/// `col_start`), into `ht`, the block's rows × B **row-major** (so that halves of rows are
/// disjoint slices). Tiles of [`TILE_ROWS`] rows are read from memory once and reused from
/// cache for every trial; each entry is exactly one [`dot_lanes`] of a row with a trial's r,
/// so a batch gives the same bits as its trials one by one and any thread count the same
/// bits. Halves of at least [`ROW_CHUNK`] rows run in parallel.
fn gemv_tiles<T: Real>(
    ht: &mut [T],
    data: &[T],
    cols: usize,
    r: &[T],
    (n, col_start, trials): (usize, usize, usize),
    parallel: bool,
) {
    let rows = ht.len() / trials;
    let chunks = rows.div_ceil(ROW_CHUNK);
    if parallel && chunks > 1 {
        let mid = (chunks / 2) * ROW_CHUNK;
        let (ht_top, ht_bottom) = ht.split_at_mut(mid * trials);
        let (d_top, d_bottom) = data.split_at(mid * cols);
        rayon::join(
            || gemv_tiles(ht_top, d_top, cols, r, (n, col_start, trials), parallel),
            || {
                gemv_tiles(
                    ht_bottom,
                    d_bottom,
                    cols,
                    r,
                    (n, col_start, trials),
                    parallel,
                )
            },
        );
        return;
    }
    gemv_leaf(ht, data, cols, r, (n, col_start, trials));
}

/// The sequential part of [`gemv_tiles`], compiled for AVX-512F or AVX2 when the CPU has them
/// (run-time detection), else for the baseline. The kernel uses plain `*` and `+` (never
/// fused) in a fixed lane structure, so every build gives the same bits; only the vector width
/// differs (the single-trial step issues half the instructions per byte of J with AVX2, which
/// is what lets it keep up with the memory bandwidth).
fn gemv_leaf<T: Real>(
    ht: &mut [T],
    data: &[T],
    cols: usize,
    r: &[T],
    shape: (usize, usize, usize),
) {
    lowrank_gauss::dispatch_simd!(
        gemv_leaf_body<T: Real>,
        (ht: &mut [T], data: &[T], cols: usize, r: &[T], shape: (usize, usize, usize))
    )
}

#[inline(always)]
fn gemv_leaf_body<T: Real>(
    ht: &mut [T],
    data: &[T],
    cols: usize,
    r: &[T],
    (n, col_start, trials): (usize, usize, usize),
) {
    for (tile_h, tile) in ht
        .chunks_mut(TILE_ROWS * trials)
        .zip(data.chunks(TILE_ROWS * cols))
    {
        for b in 0..trials {
            let rb = &r[b * n + col_start..b * n + col_start + cols];
            let mut quads = tile.chunks_exact(ROWS_AT_ONCE * cols);
            let mut i = 0;
            for quad in &mut quads {
                for d in dot_rows(quad, cols, rb) {
                    tile_h[i * trials + b] = d;
                    i += 1;
                }
            }
            for row in quads.remainder().chunks_exact(cols) {
                tile_h[i * trials + b] = dot_lanes(row, rb);
                i += 1;
            }
        }
    }
}

/// Rows of J^rand per cache tile of [`gemv_tiles`] (a multiple of [`ROWS_AT_ONCE`]; 8 rows of
/// N = 4000 in f64 are 256 KiB, well inside L2).
const TILE_ROWS: usize = 8;

/// Rows per pass of [`dot_rows`].
const ROWS_AT_ONCE: usize = 4;

/// [`dot_lanes`] of [`ROWS_AT_ONCE`] consecutive rows (`cols` entries each) with `r`, in one
/// pass over `r`; bit for bit the same sums as one [`dot_lanes`] per row.
#[inline(always)]
fn dot_rows<T: Real>(rows: &[T], cols: usize, r: &[T]) -> [T; ROWS_AT_ONCE] {
    let zero = T::of(0.0);
    let mut s = [[zero; LANES]; ROWS_AT_ONCE];
    let body = cols - cols % LANES;
    let (r0, r1, r2, r3) = (
        &rows[..body],
        &rows[cols..cols + body],
        &rows[2 * cols..2 * cols + body],
        &rows[3 * cols..3 * cols + body],
    );
    let [s0, s1, s2, s3] = &mut s;
    for ((((y, a), b), c), d) in r[..body]
        .chunks_exact(LANES)
        .zip(r0.chunks_exact(LANES))
        .zip(r1.chunks_exact(LANES))
        .zip(r2.chunks_exact(LANES))
        .zip(r3.chunks_exact(LANES))
    {
        // one contiguous loop per row keeps each row's lanes in its own vector registers
        lanes_fma(s0, a, y);
        lanes_fma(s1, b, y);
        lanes_fma(s2, c, y);
        lanes_fma(s3, d, y);
    }
    let mut out = [zero; ROWS_AT_ONCE];
    for (q, sq) in s.iter_mut().enumerate() {
        let mut width = LANES / 2;
        while width > 0 {
            for l in 0..width {
                sq[l] += sq[l + width];
            }
            width /= 2;
        }
        let mut tail = zero;
        for (&x, &y) in rows[q * cols + body..(q + 1) * cols].iter().zip(&r[body..]) {
            tail += x * y;
        }
        out[q] = sq[0] + tail;
    }
    out
}

/// Σ_i a_i b_i in the precision `T`, over [`LANES`] independent partial sums combined
/// pairwise (a fixed order: the same bits on any machine), so that the compiler keeps the
/// loop in vector registers.
#[inline(always)]
fn dot_lanes<T: Real>(a: &[T], b: &[T]) -> T {
    let mut s = [T::of(0.0); LANES];
    let ca = a.chunks_exact(LANES);
    let cb = b.chunks_exact(LANES);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            s[l] += x[l] * y[l];
        }
    }
    let mut width = LANES / 2;
    while width > 0 {
        for l in 0..width {
            s[l] += s[l + width];
        }
        width /= 2;
    }
    let mut tail = T::of(0.0);
    for (&x, &y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    s[0] + tail
}

/// s_l += a_l y_l for the [`LANES`] lanes (a multiply, then an add: no fused multiply-add,
/// so the bits do not depend on the CPU).
#[inline(always)]
fn lanes_fma<T: Real>(s: &mut [T; LANES], a: &[T], y: &[T]) {
    for l in 0..LANES {
        s[l] += a[l] * y[l];
    }
}

/// Partial sums of [`dot_lanes`].
const LANES: usize = 8;

impl Obs {
    fn new(k: usize, r: usize, p: usize, trials: usize) -> Obs {
        Obs {
            kappa: vec![0.0; k * trials],
            readout: vec![0.0; r * trials],
            sum: vec![0.0; p * trials],
            sumsq: vec![0.0; p * trials],
        }
    }
}

impl<T: Real> Simulator<T> {
    /// Convert a sampled network to precision `T`, copying J^rand (the network stays
    /// usable). [`Simulator::from_network`] moves it instead and [`Simulator::sample`] draws
    /// straight into the simulator: prefer those for large N.
    pub fn new(net: &Network) -> Simulator<T> {
        let blocks = net
            .random
            .iter()
            .map(|b| RandomBlock {
                row_start: b.row_start,
                rows: b.rows,
                col_start: b.col_start,
                cols: b.cols,
                data: b.data.iter().map(|&v| T::of(v)).collect(),
            })
            .collect();
        Simulator::assemble(
            &net.model,
            net.n0,
            net.offsets.clone(),
            blocks,
            net.vectors.clone(),
        )
    }

    /// Take a sampled network: in `f64` its J^rand is moved, not copied, so the run holds
    /// one copy of the matrix; in `f32` each block is rounded and its `f64` original freed.
    pub fn from_network(net: Network) -> Simulator<T> {
        let Network {
            model,
            n0,
            offsets,
            random,
            vectors,
            ..
        } = net;
        let blocks = random
            .into_iter()
            .map(|b| RandomBlock {
                row_start: b.row_start,
                rows: b.rows,
                col_start: b.col_start,
                cols: b.cols,
                data: T::from_f64_vec(b.data),
            })
            .collect();
        Simulator::assemble(&model, n0, offsets, blocks, vectors)
    }

    /// Draw the network of normalisation size `n0` from `model` with `seed` straight into
    /// precision `T`: the same bits as `Simulator::new(&Network::sample(model, n0, seed)?)`
    /// without the `f64` copy of J^rand (an `f32` run needs half the memory).
    ///
    /// # Errors
    /// As [`Network::sample`].
    ///
    /// # Examples
    /// ```
    /// use lowrank_sim::{testing::rank_one_model, Network, SimConfig, Simulator};
    /// let model = rank_one_model(0.8, 1.2, 1.2, 1.0, 0.0, lowrank_gauss::Phi::Tanh).unwrap();
    /// let cfg = SimConfig::new(2.0, 0.1);
    /// let direct = Simulator::<f32>::sample(&model, 200, 5).unwrap().run(&cfg).unwrap();
    /// let net = Network::sample(&model, 200, 5).unwrap();
    /// let copied = Simulator::<f32>::new(&net).run(&cfg).unwrap();
    /// assert_eq!(direct.kappa, copied.kappa); // same network, same bits
    /// ```
    pub fn sample(model: &Model, n0: usize, seed: u64) -> Result<Simulator<T>, SimError> {
        let (sizes, offsets) = Network::layout(model, n0)?;
        let vectors = loadings(model, &sizes, &offsets, seed)?;
        let blocks = random_blocks::<T>(model, n0, &sizes, &offsets, seed);
        Ok(Simulator::assemble(model, n0, offsets, blocks, vectors))
    }

    fn assemble(
        model: &Model,
        n0: usize,
        offsets: Vec<usize>,
        blocks: Vec<RandomBlock<T>>,
        vectors: Vec<Vec<f64>>,
    ) -> Simulator<T> {
        let scale = 1.0 / n0 as f64;
        let conv = |v: &[f64], s: f64| v.iter().map(|&x| T::of(x * s)).collect::<Vec<T>>();
        Simulator {
            n: *offsets.last().unwrap_or(&0),
            n0,
            offsets,
            phi: model.nonlinearity(),
            blocks,
            m: model
                .terms()
                .iter()
                .map(|t| conv(&vectors[t.left], 1.0))
                .collect(),
            n_scaled: model
                .terms()
                .iter()
                .map(|t| conv(&vectors[t.right], scale))
                .collect(),
            inputs: model
                .inputs()
                .iter()
                .map(|i| conv(&vectors[i.vector], 1.0))
                .collect(),
            schedules: model.inputs().iter().map(|i| i.schedule.clone()).collect(),
            w_scaled: model
                .readouts()
                .iter()
                .map(|r| conv(&vectors[r.vector], scale))
                .collect(),
            overlap: overlap_of(model, &vectors, n0),
            vectors,
            par: Par::rayon(0),
        }
    }

    /// The empirical overlap n^k·m^l / N₀ (K×K) of the network's drawn vectors, as
    /// [`Network::empirical_overlap`].
    pub fn empirical_overlap(&self) -> &DMatrix<f64> {
        &self.overlap
    }

    /// Use `threads` threads for the dense products (0: all of rayon's; 1: sequential).
    pub fn with_threads(mut self, threads: usize) -> Simulator<T> {
        self.par = if threads == 1 {
            Par::Seq
        } else {
            Par::rayon(threads)
        };
        self
    }

    /// Number of neurons N.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Rank K of the structure.
    pub fn rank(&self) -> usize {
        self.m.len()
    }

    /// Allocate the state of `trials` trials with initial condition `init`; trial b draws
    /// from the streams (seed, Initial{trial_offset+b}) and (seed, Noise{trial_offset+b}) so
    /// that a batch equals the same trials run one by one.
    pub fn init_state(
        &self,
        init: &Init,
        trials: usize,
        seed: u64,
        trial_offset: usize,
    ) -> Result<State<T>, SimError> {
        if trials == 0 {
            return Err(SimError::InvalidArgument {
                name: "trials",
                value: 0.0,
                reason: "must be ≥ 1",
            });
        }
        let n = self.n;
        let mut x = vec![T::of(0.0); n * trials];
        for b in 0..trials {
            let col = &mut x[b * n..(b + 1) * n];
            let mut rng = stream(
                seed,
                Component::Initial {
                    trial: trial_offset + b,
                },
            );
            match init {
                Init::Gaussian { mean, std } => {
                    check_std(*std)?;
                    check_finite("init.mean", *mean)?;
                    for v in col.iter_mut() {
                        *v = T::of(mean + std * rng.sample::<f64, _>(StandardNormal));
                    }
                }
                Init::Vectors { coefficients, std } => {
                    check_std(*std)?;
                    for (i, v) in col.iter_mut().enumerate() {
                        let mut s = 0.0;
                        for &(c, coef) in coefficients {
                            let vec = self.vectors.get(c).ok_or(SimError::InvalidArgument {
                                name: "init.vectors",
                                value: c as f64,
                                reason: "vector index out of range",
                            })?;
                            s += coef * vec[i];
                        }
                        if *std > 0.0 {
                            s += std * rng.sample::<f64, _>(StandardNormal);
                        }
                        *v = T::of(s);
                    }
                }
                Init::State(s) => {
                    if s.len() != n {
                        return Err(SimError::WrongLength {
                            name: "init.state",
                            got: s.len(),
                            expected: n,
                        });
                    }
                    for (v, &s) in col.iter_mut().zip(s) {
                        check_finite("init.state", s)?;
                        *v = T::of(s);
                    }
                }
            }
        }
        let (k, r, p, a) = (
            self.m.len(),
            self.w_scaled.len(),
            self.offsets.len() - 1,
            self.inputs.len(),
        );
        Ok(State {
            x,
            trials,
            r: vec![T::of(0.0); n * trials],
            h: vec![T::of(0.0); n * trials],
            tiles: if trials < GEMM_MIN_TRIALS {
                vec![T::of(0.0); n * trials]
            } else {
                Vec::new()
            },
            xs: Vec::new(),
            acc: Vec::new(),
            obs: Obs::new(k, r, p, trials),
            u: vec![0.0; a],
            noise: (0..trials)
                .map(|b| {
                    stream(
                        seed,
                        Component::Noise {
                            trial: trial_offset + b,
                        },
                    )
                })
                .collect(),
            stage: Obs::new(k, r, p, trials),
        })
    }

    /// Pass 1 over a state `x` (N×B): r = φ(x), κ, readouts, population sums (and sums of
    /// squares when `moments`). Returns the first trial whose population sum is not finite.
    fn pass1(&self, x: &[T], r: &mut [T], obs: &mut Obs, moments: bool) -> Option<usize> {
        let view = ObsMut {
            kappa: &mut obs.kappa,
            readout: &mut obs.readout,
            sum: &mut obs.sum,
            sumsq: &mut obs.sumsq,
        };
        self.pass1_split(x, r, view, moments)
    }

    /// Pass 1 over a range of trials, split in halves on rayon's pool while each half
    /// still has at least [`PARALLEL_MIN`] entries (no allocation: disjoint sub-slices).
    fn pass1_split(&self, x: &[T], r: &mut [T], obs: ObsMut<'_>, moments: bool) -> Option<usize> {
        let n = self.n;
        let trials = x.len() / n;
        if trials >= 2 && x.len() >= 2 * PARALLEL_MIN && !matches!(self.par, Par::Seq) {
            let mid = trials / 2;
            let (xl, xr) = x.split_at(mid * n);
            let (rl, rr) = r.split_at_mut(mid * n);
            let (ol, or) = obs.split(
                mid,
                self.m.len(),
                self.w_scaled.len(),
                self.offsets.len() - 1,
            );
            let (bl, br) = rayon::join(
                || self.pass1_split(xl, rl, ol, moments),
                || self.pass1_split(xr, rr, or, moments),
            );
            return bl.or(br.map(|b| b + mid));
        }
        let (k, nr, np) = (self.m.len(), self.w_scaled.len(), self.offsets.len() - 1);
        let mut bad = None;
        for b in 0..trials {
            let xc = &x[b * n..(b + 1) * n];
            let rc = &mut r[b * n..(b + 1) * n];
            for p in 0..np {
                let (lo, hi) = (self.offsets[p], self.offsets[p + 1]);
                let mut s = 0.0f64;
                let mut s2 = 0.0f64;
                rc[lo..hi].copy_from_slice(&xc[lo..hi]);
                T::phi_in_place(self.phi, &mut rc[lo..hi]);
                if moments {
                    for &xi in &xc[lo..hi] {
                        let xf = xi.to_f64();
                        s += xf;
                        s2 += xf * xf;
                    }
                } else {
                    for &xi in &xc[lo..hi] {
                        s += xi.to_f64();
                    }
                }
                obs.sum[b * np + p] = s;
                obs.sumsq[b * np + p] = s2;
                // non-finite, or beyond any physical scale (|x| ~ 1e30 on average): an unbounded
                // φ can grow exponentially without ever overflowing within the run
                if (s.is_nan() || s.abs() > RUNAWAY * (hi - lo) as f64) && bad.is_none() {
                    bad = Some(b);
                }
            }
            for kk in 0..k {
                obs.kappa[b * k + kk] = dot(&self.n_scaled[kk], rc);
            }
            for rr in 0..nr {
                obs.readout[b * nr + rr] = dot(&self.w_scaled[rr], rc);
            }
        }
        bad
    }

    /// h ← J^rand r for all B columns: one GEMM per stored block from
    /// [`GEMM_MIN_TRIALS`] trials on, else a row-by-row GEMV per trial.
    ///
    /// Each entry of h is the same sum in the same order whatever the number of threads (the
    /// GEMM is cut into fixed slices of [`ROW_CHUNK`] rows, each multiplied sequentially; the
    /// GEMV sums each row on its own): a seed gives the same bits on any machine
    /// (docs/robustness.md).
    fn random_product(&self, r: &[T], h: &mut [T], tiles: &mut [T], trials: usize) {
        let n = self.n;
        let full = self.blocks.len() == 1 && self.blocks[0].rows == n && self.blocks[0].cols == n;
        if !full {
            h.iter_mut().for_each(|v| *v = T::of(0.0));
        }
        let parallel = !matches!(self.par, Par::Seq);
        for blk in &self.blocks {
            if trials < GEMM_MIN_TRIALS {
                let ht = &mut tiles[..blk.rows * trials];
                let shape = (n, blk.col_start, trials);
                gemv_tiles(ht, &blk.data, blk.cols, r, shape, parallel);
                for (i, row) in ht.chunks_exact(trials).enumerate() {
                    for (b, &v) in row.iter().enumerate() {
                        let hi = &mut h[b * n + blk.row_start + i];
                        *hi = if full { v } else { *hi + v };
                    }
                }
                continue;
            }
            let lhs = MatRef::from_row_major_slice(&blk.data, blk.rows, blk.cols);
            let rhs = MatRef::from_column_major_slice_with_stride(
                &r[blk.col_start..],
                blk.cols,
                trials,
                n,
            );
            let dst = MatMut::from_column_major_slice_with_stride_mut(
                &mut h[blk.row_start..],
                blk.rows,
                trials,
                n,
            );
            let accum = if full { Accum::Replace } else { Accum::Add };
            product_rows(dst, lhs, rhs, accum, parallel);
        }
    }

    /// Pass 2: h ← −x + h + Σ_k m^k κ_k + Σ_a I^a u_a, column by column (h holds J^rand φ(x)).
    fn pass2(&self, x: &[T], h: &mut [T], kappa: &[f64], u: &[f64]) {
        let n = self.n;
        let k = self.m.len();
        let trials = x.len() / n;
        if trials >= 2 && x.len() >= 2 * PARALLEL_MIN && !matches!(self.par, Par::Seq) {
            let mid = trials / 2;
            let (xl, xr) = x.split_at(mid * n);
            let (hl, hr) = h.split_at_mut(mid * n);
            let (kl, kr) = kappa.split_at(mid * k);
            rayon::join(|| self.pass2(xl, hl, kl, u), || self.pass2(xr, hr, kr, u));
            return;
        }
        for b in 0..trials {
            let xc = &x[b * n..(b + 1) * n];
            let hc = &mut h[b * n..(b + 1) * n];
            if self.blocks.is_empty() {
                for (hi, &xi) in hc.iter_mut().zip(xc) {
                    *hi = -xi;
                }
            } else {
                for (hi, &xi) in hc.iter_mut().zip(xc) {
                    *hi -= xi;
                }
            }
            for kk in 0..k {
                axpy(hc, T::of(kappa[b * k + kk]), &self.m[kk]);
            }
            for (a, &ua) in u.iter().enumerate() {
                if ua != 0.0 {
                    axpy(hc, T::of(ua), &self.inputs[a]);
                }
            }
        }
    }

    /// f(x, t) for a stage state `xs` into `h` (uses `r` and the stage κ as scratch).
    fn eval_stage(
        &self,
        xs: &[T],
        work: (&mut [T], &mut [T]),
        h: &mut [T],
        obs: &mut Obs,
        u: &mut [f64],
        t: f64,
    ) {
        let (r, tiles) = work;
        self.pass1(xs, r, obs, false);
        self.random_product(r, h, tiles, xs.len() / self.n);
        for (a, s) in self.schedules.iter().enumerate() {
            u[a] = s.value(t);
        }
        self.pass2(xs, h, &obs.kappa, u);
    }

    /// Observe the current state x(t_n) (φ, κ, readouts, population moments) without
    /// stepping; errors with [`SimError::BlowUp`] if it is not finite.
    pub fn observe(&self, st: &mut State<T>, step: usize, t: f64) -> Result<(), SimError> {
        let State { x, r, obs, .. } = st;
        match self.pass1(x, r, obs, true) {
            Some(trial) => Err(SimError::BlowUp {
                step,
                time: t,
                trial,
            }),
            None => Ok(()),
        }
    }

    /// Advance every trial by one step from t to t + dt. The first stage observes x(t)
    /// (κ, readouts, population sums of the state before the step; with squares when
    /// `moments`), and the step fails with [`SimError::BlowUp`] (naming `step` and t) if
    /// that state is not finite. Adds the shared input noise (Euler–Maruyama) after the
    /// deterministic update.
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &self,
        st: &mut State<T>,
        method: Method,
        step: usize,
        t: f64,
        dt: f64,
        moments: bool,
    ) -> Result<(), SimError> {
        let n = self.n;
        let trials = st.trials;
        let State {
            x,
            r,
            h,
            tiles,
            xs,
            acc,
            obs,
            u,
            noise,
            stage,
            ..
        } = st;
        if let Some(trial) = self.pass1(x, r, obs, moments) {
            return Err(SimError::BlowUp {
                step,
                time: t,
                trial,
            });
        }
        self.random_product(r, h, tiles, trials);
        for (a, s) in self.schedules.iter().enumerate() {
            u[a] = s.value(t);
        }
        self.pass2(x, h, &obs.kappa, u);
        let dtt = T::of(dt);
        match method {
            Method::Euler => axpy(x, dtt, h),
            Method::Heun => {
                xs.resize(n * trials, T::of(0.0));
                acc.resize(n * trials, T::of(0.0));
                for ((s, &xi), (a, &hi)) in xs
                    .iter_mut()
                    .zip(x.iter())
                    .zip(acc.iter_mut().zip(h.iter()))
                {
                    *s = xi + dtt * hi;
                    *a = hi;
                }
                self.eval_stage(xs, (r, tiles), h, stage, u, t + dt);
                let half = T::of(0.5 * dt);
                for ((xi, &a), &hi) in x.iter_mut().zip(acc.iter()).zip(h.iter()) {
                    *xi += half * (a + hi);
                }
            }
            Method::Rk4 => {
                xs.resize(n * trials, T::of(0.0));
                acc.resize(n * trials, T::of(0.0));
                let half = T::of(0.5 * dt);
                let two = T::of(2.0);
                // k1 in h.
                for ((s, &xi), (a, &hi)) in xs
                    .iter_mut()
                    .zip(x.iter())
                    .zip(acc.iter_mut().zip(h.iter()))
                {
                    *s = xi + half * hi;
                    *a = hi;
                }
                self.eval_stage(xs, (r, tiles), h, stage, u, t + 0.5 * dt); // k2
                for ((s, &xi), (a, &hi)) in xs
                    .iter_mut()
                    .zip(x.iter())
                    .zip(acc.iter_mut().zip(h.iter()))
                {
                    *s = xi + half * hi;
                    *a += two * hi;
                }
                self.eval_stage(xs, (r, tiles), h, stage, u, t + 0.5 * dt); // k3
                for ((s, &xi), (a, &hi)) in xs
                    .iter_mut()
                    .zip(x.iter())
                    .zip(acc.iter_mut().zip(h.iter()))
                {
                    *s = xi + dtt * hi;
                    *a += two * hi;
                }
                self.eval_stage(xs, (r, tiles), h, stage, u, t + dt); // k4
                let sixth = T::of(dt / 6.0);
                for ((xi, &a), &hi) in x.iter_mut().zip(acc.iter()).zip(h.iter()) {
                    *xi += sixth * (a + hi);
                }
            }
        }
        // Shared white noise of the inputs, sampled at the start of the step.
        let sq = dt.sqrt();
        for (a, s) in self.schedules.iter().enumerate() {
            let sigma = s.noise_at(t);
            if sigma == 0.0 {
                continue;
            }
            for (b, rng) in noise.iter_mut().enumerate() {
                let xi: f64 = rng.sample(StandardNormal);
                axpy(
                    &mut x[b * n..(b + 1) * n],
                    T::of(sq * sigma * xi),
                    &self.inputs[a],
                );
            }
        }
        Ok(())
    }

    /// Integrate `config.trials` trials to `config.t` and return the recorded order
    /// parameters (see [`SimulationResult`]).
    ///
    /// Errors: [`SimError::InvalidArgument`] for dt ≤ 0 or not finite, t < 0 or not finite,
    /// burn_in < 0 or not finite, trials = 0, non-positive sampling intervals;
    /// [`SimError::WrongLength`]/[`SimError::InvalidArgument`] for bad initial conditions or
    /// trace units; [`SimError::BlowUp`] when the state becomes non-finite;
    /// [`SimError::Interrupted`] when [`SimConfig::interrupt`] is raised.
    pub fn run(&self, cfg: &SimConfig) -> Result<SimulationResult, SimError> {
        let dt = cfg.dt;
        if !(dt.is_finite() && dt > 0.0) {
            return Err(SimError::InvalidArgument {
                name: "dt",
                value: dt,
                reason: "must be finite and > 0",
            });
        }
        if !(cfg.t.is_finite() && cfg.t >= 0.0) {
            return Err(SimError::InvalidArgument {
                name: "t",
                value: cfg.t,
                reason: "must be finite and ≥ 0",
            });
        }
        if !(cfg.burn_in.is_finite() && cfg.burn_in >= 0.0) {
            return Err(SimError::InvalidArgument {
                name: "burn_in",
                value: cfg.burn_in,
                reason: "must be finite and ≥ 0",
            });
        }
        let steps_of = |name: &'static str, v: f64| -> Result<usize, SimError> {
            if !(v.is_finite() && v > 0.0) {
                return Err(SimError::InvalidArgument {
                    name,
                    value: v,
                    reason: "must be finite and > 0",
                });
            }
            Ok(((v / dt).round() as usize).max(1))
        };
        let n_burn = (cfg.burn_in / dt - 1e-9).ceil().max(0.0) as usize;
        let n_steps = n_burn + (cfg.t / dt - 1e-9).ceil().max(0.0) as usize;
        let rec_every = cfg
            .record_every
            .map(|v| steps_of("record_every", v))
            .transpose()?;
        let trace_every = if cfg.trace_units.is_empty() {
            1
        } else {
            steps_of("trace_every", cfg.trace_every)?
        };
        if let Some(&u) = cfg.trace_units.iter().find(|&&u| u >= self.n) {
            return Err(SimError::InvalidArgument {
                name: "trace_units",
                value: u as f64,
                reason: "unit index ≥ N",
            });
        }
        let ac = match &cfg.autocorr {
            Some(a) => {
                let every = steps_of("autocorr.every", a.every)?;
                if !(a.max_lag.is_finite() && a.max_lag >= 0.0) {
                    return Err(SimError::InvalidArgument {
                        name: "autocorr.max_lag",
                        value: a.max_lag,
                        reason: "must be finite and ≥ 0",
                    });
                }
                let lags = (a.max_lag / (every as f64 * dt)).round() as usize;
                Some(AutoRec::new(
                    self.n,
                    cfg.trials,
                    self.offsets.len() - 1,
                    every,
                    lags,
                ))
            }
            None => None,
        };
        let mut ac = ac;
        let mut st = self.init_state(&cfg.init, cfg.trials, cfg.seed, cfg.trial_offset)?;
        let (b, k, nr, np) = (
            cfg.trials,
            self.m.len(),
            self.w_scaled.len(),
            self.offsets.len() - 1,
        );
        let mut rec = Recorder::new(b, k, nr, np, &self.offsets);
        let mut series = rec_every.map(|_| Series {
            t: Vec::new(),
            trials: vec![TrialSeries::default(); b],
        });
        let mut traces = (!cfg.trace_units.is_empty()).then(|| Traces {
            t: Vec::new(),
            units: cfg.trace_units.clone(),
            x: vec![Vec::new(); b],
        });
        let decay = 1.0 - (-dt).exp();
        for step in 0..=n_steps {
            let t = (step as f64 - n_burn as f64) * dt;
            let averaging = step >= n_burn;
            let since = step.saturating_sub(n_burn);
            let in_series = averaging && rec_every.is_some_and(|e| since % e == 0);
            // Observe x(t_n): in the first stage of the step, or a final observation.
            if step == 0 || step == n_steps {
                self.observe(&mut st, step, t)?;
            }
            if step == 0 {
                rec.start(&st.obs.kappa);
            }
            // Traces and autocorrelation read x(t_n) before the step overwrites it.
            if let Some(tr) = traces.as_mut() {
                if averaging && since % trace_every == 0 {
                    tr.push(t, &st.x, self.n);
                }
            }
            if let Some(a) = ac.as_mut() {
                if averaging && since % a.every == 0 {
                    a.push(&st.x, &self.offsets);
                }
            }
            if cfg.interrupt.is_raised() {
                return Err(SimError::Interrupted { step, time: t });
            }
            if step < n_steps {
                self.step(&mut st, cfg.method, step, t, dt, averaging)?;
            }
            rec.record(&st, averaging);
            if let (Some(s), true) = (series.as_mut(), in_series) {
                s.t.push(t);
                rec.push_series(&st, s);
            }
            rec.advance_currents(&st.obs.kappa, decay);
        }
        let autocorrelation = ac.map(|a| a.finish(dt));
        let final_state = cfg.keep_final_state.then(|| {
            (0..b)
                .map(|bb| {
                    st.x[bb * self.n..(bb + 1) * self.n]
                        .iter()
                        .map(|v| v.to_f64())
                        .collect()
                })
                .collect()
        });
        Ok(rec.finish(
            cfg,
            n_steps,
            n_burn,
            self.n,
            self.n0,
            T::NAME,
            series,
            traces,
            autocorrelation,
            final_state,
        ))
    }
}

fn check_std(std: f64) -> Result<(), SimError> {
    if !(std.is_finite() && std >= 0.0) {
        return Err(SimError::InvalidArgument {
            name: "init.std",
            value: std,
            reason: "must be finite and ≥ 0",
        });
    }
    Ok(())
}

fn check_finite(name: &'static str, v: f64) -> Result<(), SimError> {
    if !v.is_finite() {
        return Err(SimError::InvalidArgument {
            name,
            value: v,
            reason: "must be finite",
        });
    }
    Ok(())
}

/// Σ_i a_i b_i accumulated in f64 (4 independent partial sums).
#[inline]
fn dot<T: Real>(a: &[T], b: &[T]) -> f64 {
    let mut s = [0.0f64; 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            s[l] += x[l].to_f64() * y[l].to_f64();
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x.to_f64() * y.to_f64();
    }
    (s[0] + s[1]) + (s[2] + s[3]) + tail
}

/// y ← y + a·x.
#[inline]
fn axpy<T: Real>(y: &mut [T], a: T, x: &[T]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// Streaming accumulators of the order parameters.
struct Recorder {
    b: usize,
    k: usize,
    nr: usize,
    np: usize,
    sizes: Vec<f64>,
    currents: Vec<f64>,
    count: usize,
    sum_kappa: Vec<f64>,
    sum_currents: Vec<f64>,
    sum_mu: Vec<f64>,
    sum_delta0: Vec<f64>,
    sum_readout: Vec<f64>,
}

impl Recorder {
    fn new(b: usize, k: usize, nr: usize, np: usize, offsets: &[usize]) -> Recorder {
        Recorder {
            b,
            k,
            nr,
            np,
            sizes: offsets.windows(2).map(|w| (w[1] - w[0]) as f64).collect(),
            currents: vec![0.0; k * b],
            count: 0,
            sum_kappa: vec![0.0; k * b],
            sum_currents: vec![0.0; k * b],
            sum_mu: vec![0.0; np * b],
            sum_delta0: vec![0.0; np * b],
            sum_readout: vec![0.0; nr * b],
        }
    }

    /// S(0) = κ(0) (\[CB\]).
    fn start(&mut self, kappa: &[f64]) {
        self.currents.copy_from_slice(kappa);
    }

    fn moments<T: Real>(&self, st: &State<T>, b: usize, p: usize) -> (f64, f64) {
        let np = self.sizes[p];
        let mu = st.obs.sum[b * self.np + p] / np;
        (mu, (st.obs.sumsq[b * self.np + p] / np - mu * mu).max(0.0))
    }

    fn record<T: Real>(&mut self, st: &State<T>, averaging: bool) {
        if !averaging {
            return;
        }
        self.count += 1;
        add(&mut self.sum_kappa, &st.obs.kappa);
        add(&mut self.sum_currents, &self.currents);
        add(&mut self.sum_readout, &st.obs.readout);
        for b in 0..self.b {
            for p in 0..self.np {
                let (mu, var) = self.moments(st, b, p);
                self.sum_mu[b * self.np + p] += mu;
                self.sum_delta0[b * self.np + p] += var;
            }
        }
    }

    fn push_series<T: Real>(&self, st: &State<T>, s: &mut Series) {
        for b in 0..self.b {
            let ts = &mut s.trials[b];
            ts.kappa
                .push(st.obs.kappa[b * self.k..(b + 1) * self.k].to_vec());
            ts.currents
                .push(self.currents[b * self.k..(b + 1) * self.k].to_vec());
            ts.readouts
                .push(st.obs.readout[b * self.nr..(b + 1) * self.nr].to_vec());
            let (mut mu, mut d0) = (Vec::new(), Vec::new());
            for p in 0..self.np {
                let (m, v) = self.moments(st, b, p);
                mu.push(m);
                d0.push(v);
            }
            ts.mu.push(mu);
            ts.delta0.push(d0);
        }
    }

    /// S_{n+1} = S_n + (1 − e^{−dt})(κ_n − S_n): exact for κ constant over the step.
    fn advance_currents(&mut self, kappa: &[f64], decay: f64) {
        for (s, &k) in self.currents.iter_mut().zip(kappa) {
            *s += decay * (k - *s);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        self,
        cfg: &SimConfig,
        n_steps: usize,
        n_burn: usize,
        n: usize,
        n0: usize,
        precision: &str,
        series: Option<Series>,
        traces: Option<Traces>,
        autocorrelation: Option<Autocorrelation>,
        final_state: Option<Vec<Vec<f64>>>,
    ) -> SimulationResult {
        let c = self.count.max(1) as f64;
        let per = |v: &[f64], w: usize, b: usize| {
            v[b * w..(b + 1) * w]
                .iter()
                .map(|x| x / c)
                .collect::<Vec<f64>>()
        };
        let per_trial: Vec<TrialAverages> = (0..self.b)
            .map(|b| TrialAverages {
                kappa: per(&self.sum_kappa, self.k, b),
                currents: per(&self.sum_currents, self.k, b),
                mu: per(&self.sum_mu, self.np, b),
                delta0: per(&self.sum_delta0, self.np, b),
                readouts: per(&self.sum_readout, self.nr, b),
                delta_inf: autocorrelation
                    .as_ref()
                    .map(|a| a.trials[b].delta_inf.clone()),
            })
            .collect();
        let avg = |f: &dyn Fn(&TrialAverages) -> &Vec<f64>| -> Vec<f64> {
            let w = f(&per_trial[0]).len();
            (0..w)
                .map(|i| per_trial.iter().map(|t| f(t)[i]).sum::<f64>() / self.b as f64)
                .collect()
        };
        SimulationResult {
            n,
            n0,
            sizes: self.sizes.iter().map(|&s| s as usize).collect(),
            trials: self.b,
            dt: cfg.dt,
            t_start: -(n_burn as f64) * cfg.dt,
            t_final: (n_steps - n_burn) as f64 * cfg.dt,
            steps: n_steps,
            burn_in: cfg.burn_in,
            samples: self.count,
            method: cfg.method,
            precision: precision.to_string(),
            kappa: avg(&|t| &t.kappa),
            currents: avg(&|t| &t.currents),
            mu: avg(&|t| &t.mu),
            delta0: avg(&|t| &t.delta0),
            readouts: avg(&|t| &t.readouts),
            delta_inf: autocorrelation.as_ref().map(|a| a.delta_inf.clone()),
            per_trial,
            autocorrelation,
            series,
            traces,
            final_state,
        }
    }
}

fn add(acc: &mut [f64], v: &[f64]) {
    for (a, x) in acc.iter_mut().zip(v) {
        *a += x;
    }
}

/// Ring buffer of decimated states for Δ_p(τ) (see [`Autocorrelation`]).
struct AutoRec {
    n: usize,
    b: usize,
    np: usize,
    every: usize,
    lags: usize,
    samples: usize,
    ring: Vec<f64>,
    ring_mean: Vec<f64>,
    /// acc[(b·P + p)·(L+1) + ℓ]
    acc: Vec<f64>,
    count: Vec<usize>,
}

impl AutoRec {
    fn new(n: usize, b: usize, np: usize, every: usize, lags: usize) -> AutoRec {
        AutoRec {
            n,
            b,
            np,
            every,
            lags,
            samples: 0,
            ring: vec![0.0; (lags + 1) * n * b],
            ring_mean: vec![0.0; (lags + 1) * np * b],
            acc: vec![0.0; b * np * (lags + 1)],
            count: vec![0; lags + 1],
        }
    }

    fn push<T: Real>(&mut self, x: &[T], offsets: &[usize]) {
        let (n, b, np, l1) = (self.n, self.b, self.np, self.lags + 1);
        let slot = self.samples % l1;
        let base = slot * n * b;
        for (d, s) in self.ring[base..base + n * b].iter_mut().zip(x) {
            *d = s.to_f64();
        }
        for bb in 0..b {
            for p in 0..np {
                let (lo, hi) = (offsets[p], offsets[p + 1]);
                let s: f64 = self.ring[base + bb * n + lo..base + bb * n + hi]
                    .iter()
                    .sum();
                self.ring_mean[(slot * b + bb) * np + p] = s / (hi - lo) as f64;
            }
        }
        let max_l = self.lags.min(self.samples);
        for l in 0..=max_l {
            let other = (self.samples - l) % l1;
            let ob = other * n * b;
            for bb in 0..b {
                for p in 0..np {
                    let (lo, hi) = (offsets[p], offsets[p + 1]);
                    let cur = &self.ring[base + bb * n + lo..base + bb * n + hi];
                    let old = &self.ring[ob + bb * n + lo..ob + bb * n + hi];
                    let prod: f64 =
                        cur.iter().zip(old).map(|(a, c)| a * c).sum::<f64>() / (hi - lo) as f64;
                    let mm = self.ring_mean[(slot * b + bb) * np + p]
                        * self.ring_mean[(other * b + bb) * np + p];
                    self.acc[(bb * np + p) * l1 + l] += prod - mm;
                }
            }
            self.count[l] += 1;
        }
        self.samples += 1;
    }

    fn finish(self, dt: f64) -> Autocorrelation {
        let l1 = self.lags + 1;
        let lag_step = self.every as f64 * dt;
        let used: Vec<usize> = (0..l1).filter(|&l| self.count[l] > 0).collect();
        let tail_from = (3 * self.lags).div_ceil(4);
        let trials: Vec<crate::result::TrialAutocorrelation> = (0..self.b)
            .map(|bb| {
                let delta: Vec<Vec<f64>> = (0..self.np)
                    .map(|p| {
                        used.iter()
                            .map(|&l| self.acc[(bb * self.np + p) * l1 + l] / self.count[l] as f64)
                            .collect()
                    })
                    .collect();
                let delta_inf = delta
                    .iter()
                    .map(|d| {
                        let tail: Vec<f64> = used
                            .iter()
                            .zip(d)
                            .filter(|(&l, _)| l >= tail_from)
                            .map(|(_, v)| *v)
                            .collect();
                        if tail.is_empty() {
                            // Too few samples to reach the tail: the longest lag available.
                            *d.last().unwrap_or(&0.0)
                        } else {
                            tail.iter().sum::<f64>() / tail.len() as f64
                        }
                    })
                    .collect();
                crate::result::TrialAutocorrelation { delta, delta_inf }
            })
            .collect();
        let np = self.np;
        let nl = used.len();
        let delta = (0..np)
            .map(|p| {
                (0..nl)
                    .map(|l| trials.iter().map(|t| t.delta[p][l]).sum::<f64>() / self.b as f64)
                    .collect()
            })
            .collect();
        let delta_inf = (0..np)
            .map(|p| trials.iter().map(|t| t.delta_inf[p]).sum::<f64>() / self.b as f64)
            .collect();
        Autocorrelation {
            lags: used.iter().map(|&l| l as f64 * lag_step).collect(),
            delta,
            delta_inf,
            trials,
        }
    }
}
