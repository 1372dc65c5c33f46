//! Tests of the finite-N simulator against closed forms, mean-field theory and itself.

use lowrank_gauss::{Gauss, Phi};
use lowrank_model::{LoadingStats, Model, ModelParts, Population, Schedule, Term};
use lowrank_sim::testing::{rank_one_model, rank_one_with_input};
use lowrank_sim::{
    connectivity_spectrum, jacobian_spectrum, AutocorrConfig, Init, Method, Network, SimConfig,
    SimError, Simulator,
};
use nalgebra::{DMatrix, DVector};

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Linear rank-one network ẋ = −x + m (n·x)/N, x(0) = m + n. With Ω̂ = n·m/N, β = n·n/N and
/// x = m s + n e^{−t}: ṡ = (Ω̂ − 1) s + β e^{−t}, s(0) = 1, so
/// s(t) = e^{λt} + β (e^{λt} − e^{−t})/(λ + 1), λ = Ω̂ − 1, and κ = n·x/N = Ω̂ s + β e^{−t}.
fn linear_case(method: Method, dt: f64, t: f64) -> (f64, f64) {
    let model = rank_one_model(0.0, 1.0, 0.8, 1.0, 1.0, Phi::Linear).unwrap();
    let net = Network::sample(&model, 200, 11).unwrap();
    let (m, n) = (&net.vectors[0], &net.vectors[1]);
    let big_n = net.n0 as f64;
    let omega = dot(n, m) / big_n;
    let beta = dot(n, n) / big_n;
    let lam = omega - 1.0;
    let s = (lam * t).exp() + beta * ((lam * t).exp() - (-t).exp()) / (lam + 1.0);
    let exact = omega * s + beta * (-t).exp();
    let mut cfg = SimConfig::new(t, dt);
    cfg.method = method;
    cfg.init = Init::Vectors {
        coefficients: vec![(0, 1.0), (1, 1.0)],
        std: 0.0,
    };
    cfg.record_every = Some(t);
    let res = Simulator::<f64>::new(&net).run(&cfg).unwrap();
    let series = res.series.unwrap();
    assert_eq!(series.t.len(), 2);
    assert!((series.t[1] - t).abs() < 1e-12);
    (series.trials[0].kappa[1][0], exact)
}

#[test]
fn linear_network_matches_exact_solution() {
    let (sim, exact) = linear_case(Method::Rk4, 0.01, 2.0);
    // RK4 global error ~ C dt⁴ with C = O(1): 1e-8 leaves a factor 100.
    assert!(
        (sim - exact).abs() < 1e-8,
        "rk4 κ(2) = {sim}, exact {exact}"
    );
}

#[test]
fn integrator_orders() {
    for (method, order) in [
        (Method::Euler, 1.0),
        (Method::Heun, 2.0),
        (Method::Rk4, 4.0),
    ] {
        let (a, ex) = linear_case(method, 0.1, 2.0);
        let (b, _) = linear_case(method, 0.05, 2.0);
        let (e1, e2) = ((a - ex).abs(), (b - ex).abs());
        let observed = (e1 / e2).log2();
        eprintln!("{method:?}: observed order {observed}");
        // Halving dt divides the error by 2^order (asymptotically); allow ±0.3 in the exponent.
        assert!(
            (observed - order).abs() < 0.3,
            "{method:?}: observed order {observed} (errors {e1:e}, {e2:e})"
        );
    }
}

/// Scalar mean-field equations of [MO] rank one (docs/theory §2.4 without input):
/// κ = M_n⟨tanh⟩ + ⟨tanh′⟩σ_nm κ, Δ = σ_mm κ² + g²⟨tanh²⟩, averages at (M_m κ, Δ), solved by
/// damped iteration from `start`. An independent oracle for the simulator (no theory crate);
/// panics unless both equations hold to 1e-12.
fn rank_one_mean_field(
    g: f64,
    (m_m, m_n, s_mm, s_nm): (f64, f64, f64, f64),
    start: (f64, f64),
) -> (f64, f64) {
    let gauss = Gauss::new(100);
    let (mut kappa, mut delta) = start;
    let update = |kappa: f64, delta: f64| {
        let mom = gauss.moments(Phi::Tanh, m_m * kappa, delta).unwrap();
        let k_new = m_n * mom.phi + mom.dphi * s_nm * kappa;
        (k_new, s_mm * kappa * kappa + g * g * mom.phi2)
    };
    for _ in 0..3000 {
        let (k_new, d_new) = update(kappa, delta);
        kappa = 0.8 * kappa + 0.2 * k_new;
        delta = 0.8 * delta + 0.2 * d_new;
    }
    let (k_new, d_new) = update(kappa, delta);
    assert!(
        (k_new - kappa).abs() < 1e-12 && (d_new - delta).abs() < 1e-12,
        "mean field did not converge: κ {kappa} → {k_new}, Δ {delta} → {d_new}"
    );
    (kappa, delta)
}

#[test]
fn stable_fixed_point_matches_mean_field() {
    let (g, m_m, m_n, sigma_m) = (0.5, 2f64.sqrt(), 2f64.sqrt(), 1.0);
    let (kappa_mf, delta_mf) =
        rank_one_mean_field(g, (m_m, m_n, sigma_m * sigma_m, 0.0), (1.0, 1.0));
    let n0 = 1000;
    let model = rank_one_model(g, m_m, m_n, sigma_m, 1.0, Phi::Tanh).unwrap();
    let net = Network::sample(&model, n0, 5).unwrap();
    let sim = Simulator::<f64>::new(&net);
    let mut cfg = SimConfig::new(10.0, 0.1);
    cfg.burn_in = 30.0;
    cfg.init = Init::Vectors {
        coefficients: vec![(0, 1.0)],
        std: 0.0,
    };
    cfg.record_every = Some(1.0);
    cfg.keep_final_state = true;
    let res = sim.run(&cfg).unwrap();
    // κ has stopped moving: its last recorded values agree to 1e-8.
    let ks = &res.series.as_ref().unwrap().trials[0].kappa;
    let last = ks[ks.len() - 1][0];
    assert!((ks[ks.len() - 11][0] - last).abs() < 1e-8);
    // x has stopped moving: 10 more time units change no entry by more than 1e-8.
    let mut longer = cfg.clone();
    longer.t = 20.0;
    let res2 = sim.run(&longer).unwrap();
    let (x1, x2) = (
        &res.final_state.as_ref().unwrap()[0],
        &res2.final_state.as_ref().unwrap()[0],
    );
    let moved = x1
        .iter()
        .zip(x2)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(moved < 1e-8, "x still moves by {moved}");
    // Finite-N deviation: κ and Δ₀ are averages over N neurons, O(1/√N); c = 4 for κ.
    let tol = 4.0 / (n0 as f64).sqrt();
    eprintln!(
        "fixed point: κ sim {last} mf {kappa_mf}; Δ0 sim {} mf {delta_mf}; tol {tol}",
        res.delta0[0]
    );
    assert!(
        (last - kappa_mf).abs() < tol * kappa_mf.abs().max(1.0),
        "κ sim {last} vs mean field {kappa_mf}"
    );
    // Δ₀ = σ_mm κ² + g²⟨φ²⟩ moves with κ² to leading order: its deviation is ≈ 2κ times
    // that of κ (over seeds 1–12 at this N: κ spread ≈ 1.9/√N, Δ₀ spread ≈ 2.8/√N).
    assert!(
        (res.delta0[0] - delta_mf).abs() < 2.0 * kappa_mf.abs() * tol * delta_mf.max(1.0),
        "Δ0 sim {} vs mean field {delta_mf}",
        res.delta0[0]
    );
    assert!((res.mu[0] - m_m * kappa_mf).abs() < tol * m_m * kappa_mf.abs().max(1.0));
    // With the realised statistics of the drawn vectors (docs/theory §4 "Pitfalls") the
    // mean field κ = M̂_n⟨φ⟩ + ⟨φ′⟩σ̂_nm κ, Δ = σ̂_mm κ² + g²⟨φ²⟩ removes the O(1/√N) loading
    // noise; what remains is the random part's finite-N effect, tolerance 2/√N.
    let e = net.empirical_stats();
    let (mm, mn, smm, snm) = (
        e.mean[0][0],
        e.mean[0][1],
        e.cov[0][(0, 0)],
        e.cov[0][(1, 0)],
    );
    let (k, d) = rank_one_mean_field(g, (mm, mn, smm, snm), (kappa_mf, delta_mf));
    eprintln!("fixed point, empirical-statistics mean field: κ {k}, Δ0 {d}");
    let tol_e = 2.0 / (n0 as f64).sqrt();
    assert!(
        (last - k).abs() < tol_e * k.abs().max(1.0),
        "κ sim {last} vs empirical mean field {k}"
    );
    assert!(
        (res.delta0[0] - d).abs() < tol_e * d.max(1.0),
        "Δ0 sim {} vs empirical mean field {d}",
        res.delta0[0]
    );
    // The fixed point is linearly stable: every eigenvalue of J·D has real part < 1.
    let spec = jacobian_spectrum(&net, x1).unwrap();
    assert!(spec.max_real < 1.0, "max Re eig(JD) = {}", spec.max_real);
}

#[test]
fn spectrum_outlier_and_bulk() {
    let (g, m_m, m_n, s_m, s_n) = (0.5, 1.0, 2.0, 0.5, 0.5);
    let n0 = 1200;
    let big_n = n0 as f64;
    let net = Network::sample(
        &rank_one_model(g, m_m, m_n, s_m, s_n, Phi::Tanh).unwrap(),
        n0,
        9,
    )
    .unwrap();
    let spec = connectivity_spectrum(&net).unwrap();
    assert_eq!(spec.outliers.len(), 1, "outliers: {:?}", spec.outliers);
    let out = spec.outliers[0];
    assert!(out[1].abs() < 1e-8, "real outlier expected, got {out:?}");
    // λ − Ω̂ ≈ nᵀJ^rand m/(λN) + …, std g√(E[m²]E[n²]/N)/(|Ω| − g).
    let (em2, en2) = (m_m * m_m + s_m * s_m, m_n * m_n + s_n * s_n);
    let omega = m_m * m_n;
    let random_shift = g * (em2 * en2 / big_n).sqrt() / (omega - g);
    let omega_hat = net.empirical_overlap()[(0, 0)];
    eprintln!(
        "spectrum: outlier {out:?}, Ω̂ {omega_hat}, shift tol {}, bulk {} (g {g}, tol {})",
        5.0 * random_shift,
        spec.bulk_radius,
        2.0 * g / big_n.sqrt()
    );
    assert!(
        (out[0] - omega_hat).abs() < 5.0 * random_shift,
        "outlier {} vs empirical overlap {omega_hat}",
        out[0]
    );
    // Against the large-N overlap M_m M_n: add the fluctuation of n·m/N, std √(Var(m_i n_i)/N).
    let var_mn = em2 * en2 - omega * omega;
    assert!((out[0] - omega).abs() < 5.0 * ((var_mn / big_n).sqrt() + random_shift));
    // Bulk radius g: the quantile estimator's relative error is ≈ 0.17/√N; the edge region
    // of the finite-N circular law has width O(1/√N). Tolerance 2g/√N.
    assert!(
        (spec.bulk_radius - g).abs() < 2.0 * g / big_n.sqrt(),
        "bulk radius {} vs g = {g}",
        spec.bulk_radius
    );
    assert!(spec.bulk_edge < g * (1.0 + 3.0 / big_n.sqrt()) * 1.1);
}

#[test]
fn reproducible_and_batched() {
    let model = rank_one_model(1.2, 1.0, 1.5, 1.0, 1.0, Phi::Tanh).unwrap();
    let a = Network::sample(&model, 150, 77).unwrap();
    let b = Network::sample(&model, 150, 77).unwrap();
    let c = Network::sample(&model, 150, 78).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.random, c.random);
    assert_ne!(a.vectors, c.vectors);
    let sim = Simulator::<f64>::new(&a);
    let mut cfg = SimConfig::new(10.0, 0.05);
    cfg.trials = 3;
    cfg.seed = 4;
    cfg.keep_final_state = true;
    cfg.record_every = Some(0.5);
    let r1 = sim.run(&cfg).unwrap();
    let r2 = Simulator::<f64>::new(&b).run(&cfg).unwrap();
    assert_eq!(r1, r2, "same seeds must give identical bits");
    // Batch of 3 equals the 3 trials run one by one, bit for bit: below 4 trials the dense
    // product is one row-by-row dot product per trial and entry, whatever the batch.
    for t in 0..3 {
        let mut single = cfg.clone();
        single.trials = 1;
        single.trial_offset = t;
        let s = sim.run(&single).unwrap();
        let (xb, xs) = (
            &r1.final_state.as_ref().unwrap()[t],
            &s.final_state.as_ref().unwrap()[0],
        );
        let diff = xb
            .iter()
            .zip(xs)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f64::max);
        assert!(diff == 0.0, "trial {t}: batched vs single differ by {diff}");
        assert_eq!(r1.per_trial[t], s.per_trial[0]);
    }
    // Different trials really differ.
    assert_ne!(
        r1.final_state.as_ref().unwrap()[0],
        r1.final_state.as_ref().unwrap()[1]
    );
}

#[test]
fn f32_path_tracks_f64() {
    let model = rank_one_model(0.5, 1.3, 1.3, 1.0, 1.0, Phi::Tanh).unwrap();
    let net = Network::sample(&model, 300, 2).unwrap();
    let mut cfg = SimConfig::new(10.0, 0.05);
    cfg.burn_in = 10.0;
    let r64 = Simulator::<f64>::new(&net).run(&cfg).unwrap();
    let r32 = Simulator::<f32>::new(&net).run(&cfg).unwrap();
    assert_eq!(r32.precision, "f32");
    // A contracting trajectory: rounding errors ~1e-7 per step stay ~1e-5 after 400 steps.
    assert!(
        (r64.kappa[0] - r32.kappa[0]).abs() < 1e-4,
        "{} vs {}",
        r64.kappa[0],
        r32.kappa[0]
    );
    assert!((r64.delta0[0] - r32.delta0[0]).abs() < 1e-4);
}

fn two_region_model() -> Model {
    // m lives in region A, n in region B; block-diagonal disorder ([CB] style).
    let cov_a = DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, 0.0]));
    let cov_b = DMatrix::from_diagonal(&DVector::from_vec(vec![0.0, 2.0]));
    Model::new(ModelParts {
        name: "two".into(),
        populations: vec![
            Population {
                name: "A".into(),
                weight: 1.0,
            },
            Population {
                name: "B".into(),
                weight: 1.0,
            },
        ],
        gain: DMatrix::from_row_slice(2, 2, &[1.5, 0.0, 0.0, 0.8]),
        vectors: vec!["m".into(), "n".into()],
        stats: vec![
            LoadingStats {
                mean: DVector::zeros(2),
                cov: cov_a,
            },
            LoadingStats {
                mean: DVector::zeros(2),
                cov: cov_b,
            },
        ],
        terms: vec![Term {
            name: "B->A".into(),
            left: 0,
            right: 1,
        }],
        inputs: vec![],
        readouts: vec![],
        nonlinearity: Phi::Erf,
    })
    .unwrap()
}

/// One Euler step with dt = 1 from x₀ is x₁ = J^rand φ(x₀) + Σ_k m^k (n^k·φ(x₀))/N₀: checked
/// against the dense column-major J^rand of [`Network::dense_random`] for a full matrix, a
/// block-diagonal one and one with an off-diagonal block, in f64 and f32, for 1 and 3 trials
/// (row-by-row dot products) and 6 trials (one GEMM per block).
#[test]
fn dense_step_is_j_times_phi_for_every_block_layout() {
    let mut off = two_region_model().into_parts();
    off.gain = DMatrix::from_row_slice(2, 2, &[1.5, 0.7, 0.0, 0.8]);
    let models = [
        rank_one_model(1.3, 1.0, 1.5, 1.0, 1.0, Phi::Tanh).unwrap(),
        two_region_model(),
        Model::new(off).unwrap(),
    ];
    for (which, model) in models.iter().enumerate() {
        let net = Network::sample(model, 300, 9).unwrap();
        assert_eq!(net.random.len(), [1, 2, 3][which]);
        let n = net.n();
        let j = net.dense_random();
        let phi = model.nonlinearity();
        for trials in [1, 3, 6] {
            let sim = Simulator::<f64>::new(&net);
            let init = Init::Gaussian {
                mean: 0.2,
                std: 1.0,
            };
            let mut st = sim.init_state(&init, trials, 5, 0).unwrap();
            let x0 = st.x.clone();
            sim.step(&mut st, Method::Euler, 0, 0.0, 1.0, false)
                .unwrap();
            let sim32 = Simulator::<f32>::new(&net);
            let mut st32 = sim32.init_state(&init, trials, 5, 0).unwrap();
            let x0_32 = st32.x.clone();
            sim32
                .step(&mut st32, Method::Euler, 0, 0.0, 1.0, false)
                .unwrap();
            for b in 0..trials {
                let r: Vec<f64> = x0[b * n..(b + 1) * n].iter().map(|&x| phi.phi(x)).collect();
                let r32: Vec<f64> = x0_32[b * n..(b + 1) * n]
                    .iter()
                    .map(|&x| phi.phi(x as f64))
                    .collect();
                let low_rank = |r: &[f64], i: usize| -> f64 {
                    model
                        .terms()
                        .iter()
                        .map(|t| net.vectors[t.left][i] * dot(&net.vectors[t.right], r) / 300.0)
                        .sum()
                };
                for i in 0..n {
                    let want = (0..n).map(|c| j[c * n + i] * r[c]).sum::<f64>() + low_rank(&r, i);
                    let got = st.x[b * n + i];
                    assert!(
                        (got - want).abs() < 1e-12 * (1.0 + want.abs()),
                        "model {which}, {trials} trials, trial {b}, row {i}: {got} vs {want}"
                    );
                    let want32 =
                        (0..n).map(|c| j[c * n + i] * r32[c]).sum::<f64>() + low_rank(&r32, i);
                    let got32 = st32.x[b * n + i] as f64;
                    // f32 sums of 300 terms of size ~0.1: a few 1e-6
                    assert!(
                        (got32 - want32).abs() < 2e-5 * (1.0 + want32.abs()),
                        "f32 model {which}, {trials} trials, trial {b}, row {i}: {got32} vs {want32}"
                    );
                }
            }
        }
    }
}

/// Drawing straight into the simulator ([`Simulator::sample`]) and moving a network
/// ([`Simulator::from_network`]) give the same bits as copying a sampled network.
#[test]
fn sample_and_from_network_equal_the_copied_network() {
    let mut off = two_region_model().into_parts();
    off.gain = DMatrix::from_row_slice(2, 2, &[1.5, 0.7, 0.0, 0.8]);
    let model = Model::new(off).unwrap();
    let mut cfg = SimConfig::new(3.0, 0.1);
    cfg.trials = 2;
    cfg.keep_final_state = true;
    let net = Network::sample(&model, 250, 4).unwrap();
    let copied = Simulator::<f64>::new(&net).run(&cfg).unwrap();
    let drawn = Simulator::<f64>::sample(&model, 250, 4).unwrap();
    assert_eq!(drawn.empirical_overlap(), &net.empirical_overlap());
    assert_eq!(drawn.run(&cfg).unwrap(), copied);
    let moved = Simulator::<f64>::from_network(net.clone())
        .run(&cfg)
        .unwrap();
    assert_eq!(moved, copied);
    let copied32 = Simulator::<f32>::new(&net).run(&cfg).unwrap();
    assert_eq!(
        Simulator::<f32>::sample(&model, 250, 4)
            .unwrap()
            .run(&cfg)
            .unwrap(),
        copied32
    );
    assert_eq!(
        Simulator::<f32>::from_network(net).run(&cfg).unwrap(),
        copied32
    );
}

#[test]
fn regions_and_block_structure() {
    let model = two_region_model();
    let net = Network::sample(&model, 400, 3).unwrap();
    assert_eq!(net.sizes, vec![400, 400]);
    // Vectors are exactly zero outside their region.
    assert!(net.vectors[0][400..].iter().all(|&v| v == 0.0));
    assert!(net.vectors[1][..400].iter().all(|&v| v == 0.0));
    assert!(net.vectors[0][..400].iter().all(|&v| v != 0.0));
    // Only the two diagonal blocks are stored.
    assert_eq!(net.random.len(), 2);
    assert!(net
        .random
        .iter()
        .all(|b| b.row_start == b.col_start && b.rows == 400));
    // Empirical variances within 5 standard errors (var of a sample variance: 2σ⁴/N).
    let e = net.empirical_stats();
    assert!((e.cov[0][(0, 0)] - 1.0).abs() < 5.0 * (2.0f64 / 400.0).sqrt());
    assert!((e.cov[1][(1, 1)] - 2.0).abs() < 5.0 * 2.0 * (2.0f64 / 400.0).sqrt());
    // Random block variance g²/N₀ within 5 standard errors.
    let blk = &net.random[0];
    let var = blk.data.iter().map(|v| v * v).sum::<f64>() / blk.data.len() as f64;
    let expect = 1.5f64.powi(2) / 400.0;
    assert!((var - expect).abs() < 5.0 * expect * (2.0 / blk.data.len() as f64).sqrt());
    // Changing the size of nothing else: same seed, same region-A loadings if B's weight changes.
    let mut parts = model.clone().into_parts();
    parts.populations[1].weight = 0.5;
    let model2 = Model::new(parts).unwrap();
    let net2 = Network::sample(&model2, 400, 3).unwrap();
    assert_eq!(net.vectors[0][..400], net2.vectors[0][..400]);
    assert_eq!(net.random[0], net2.random[0]);
    // The simulation runs (block GEMMs) and the per-region moments have the right length.
    let res = Simulator::<f64>::new(&net)
        .run(&SimConfig::new(2.0, 0.1))
        .unwrap();
    assert_eq!(res.mu.len(), 2);
}

#[test]
fn low_rank_only_network_has_no_dense_part() {
    let net = Network::sample(
        &rank_one_model(0.0, 1.0, 1.0, 1.0, 1.0, Phi::Tanh).unwrap(),
        100,
        1,
    )
    .unwrap();
    assert!(net.random.is_empty());
}

#[test]
fn autocorrelation_of_chaos() {
    // Pure chaos g = 2 (no structure mean): Δ(0) = Δ₀, Δ decays; Δ∞ = 0 in the large-N theory.
    let model = rank_one_model(2.0, 0.0, 0.0, 0.5, 0.5, Phi::Tanh).unwrap();
    let n0 = 400;
    let net = Network::sample(&model, n0, 8).unwrap();
    let mut cfg = SimConfig::new(100.0, 0.1);
    cfg.burn_in = 20.0;
    cfg.autocorr = Some(AutocorrConfig {
        max_lag: 30.0,
        every: 0.5,
    });
    let res = Simulator::<f64>::new(&net).run(&cfg).unwrap();
    let ac = res.autocorrelation.as_ref().unwrap();
    assert_eq!(ac.lags.len(), 61);
    let d0 = ac.delta[0][0];
    // Same estimator at lag 0, decimated: agrees with the every-step average to the
    // sampling error of a time average (a few %).
    assert!(
        (d0 - res.delta0[0]).abs() < 0.05 * res.delta0[0],
        "Δ(0) {d0} vs Δ0 {}",
        res.delta0[0]
    );
    // Decays to a small tail: |Δ∞| ≪ Δ₀ (finite-N, finite-time residue O(Δ₀/√N)·few).
    let dinf = res.delta_inf.as_ref().unwrap()[0];
    eprintln!("chaos: Δ(0) {d0}, Δ0 {}, Δ∞ {dinf}", res.delta0[0]);
    assert!(
        dinf.abs() < 5.0 * d0 / (n0 as f64).sqrt(),
        "Δ∞ = {dinf}, Δ0 = {d0}"
    );
    assert!(ac.delta[0][1] < d0);
}

#[test]
fn input_noise_is_an_ou_process() {
    // g = 0, no recurrent overlap (M_n = 0, Σ_n = 0 would be degenerate; use n ⟂ everything
    // with tiny mean), input I with shared white noise σ: the projection y = I·x/|I|² obeys
    // dy = −y dt + σ dW, stationary variance σ²/2. Average over 64 trials × time.
    let sched = Schedule {
        baseline: 0.0,
        pulses: vec![],
        noise: 0.6,
        noise_during_pulses_only: false,
    };
    let mut parts = rank_one_with_input(0.0, 0.0, 0.0, 1.0, sched, Phi::Linear)
        .unwrap()
        .into_parts();
    parts.terms.clear();
    let model = Model::new(parts).unwrap();
    let net = Network::sample(&model, 50, 1).unwrap();
    let i_vec = net.vectors[2].clone();
    let mut cfg = SimConfig::new(20.0, 0.01);
    cfg.trials = 64;
    cfg.init = Init::Gaussian {
        mean: 0.0,
        std: 0.0,
    };
    cfg.keep_final_state = true;
    let res = Simulator::<f64>::new(&net).run(&cfg).unwrap();
    let norm = dot(&i_vec, &i_vec);
    let ys: Vec<f64> = res
        .final_state
        .unwrap()
        .iter()
        .map(|x| dot(x, &i_vec) / norm)
        .collect();
    let var = ys.iter().map(|y| y * y).sum::<f64>() / ys.len() as f64;
    // Exact EM variance of y after many steps: σ² dt / (1 − (1−dt)²) ≈ σ²/2 (1 + dt/2).
    let expect = 0.36 * 0.01 / (1.0 - 0.99f64.powi(2));
    // Sample variance of 64 Gaussians: relative std √(2/64) = 0.18; allow 4 of them.
    assert!(
        (var - expect).abs() < 4.0 * 0.18 * expect,
        "var {var} vs {expect}"
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    // N₀ smaller than the number of populations.
    let err = Network::sample(&two_region_model(), 1, 0).unwrap_err();
    assert!(
        matches!(err, SimError::TooFewNeurons { n0: 1, .. }),
        "{err}"
    );
    let net = Network::sample(
        &rank_one_model(0.5, 1.0, 1.0, 1.0, 1.0, Phi::Tanh).unwrap(),
        50,
        0,
    )
    .unwrap();
    let sim = Simulator::<f64>::new(&net);
    for dt in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        let err = sim.run(&SimConfig::new(1.0, dt)).unwrap_err();
        assert!(
            matches!(err, SimError::InvalidArgument { name: "dt", .. }),
            "{err}"
        );
    }
    let err = sim.run(&SimConfig::new(-1.0, 0.1)).unwrap_err();
    assert!(
        matches!(err, SimError::InvalidArgument { name: "t", .. }),
        "{err}"
    );
    let mut cfg = SimConfig::new(1.0, 0.1);
    cfg.burn_in = -2.0;
    assert!(matches!(
        sim.run(&cfg).unwrap_err(),
        SimError::InvalidArgument {
            name: "burn_in",
            ..
        }
    ));
    cfg.burn_in = 0.0;
    cfg.trials = 0;
    assert!(matches!(
        sim.run(&cfg).unwrap_err(),
        SimError::InvalidArgument { name: "trials", .. }
    ));
    cfg.trials = 1;
    cfg.init = Init::State(vec![0.0; 3]);
    assert!(matches!(
        sim.run(&cfg).unwrap_err(),
        SimError::WrongLength {
            name: "init.state",
            ..
        }
    ));
    // Blow-up: linear network with Ω ≈ 5 grows like e^{4t}: it overflows f64 near t ≈ 180 but is
    // reported as a runaway (mean |x| > 1e30) near t ≈ 20.
    let lin = Network::sample(
        &rank_one_model(0.0, 2.5, 2.0, 0.1, 0.1, Phi::Linear).unwrap(),
        50,
        0,
    )
    .unwrap();
    let err = Simulator::<f64>::new(&lin)
        .run(&SimConfig::new(400.0, 0.1))
        .unwrap_err();
    match err {
        SimError::BlowUp { step, time, trial } => {
            assert_eq!(trial, 0);
            assert!(
                step > 100 && step < 400 && (time - step as f64 * 0.1).abs() < 1e-9,
                "step {step}, time {time}"
            );
        }
        other => panic!("expected BlowUp, got {other}"),
    }
}

#[test]
fn result_serializes_with_theory_names() {
    let net = Network::sample(
        &rank_one_model(0.5, 1.0, 1.0, 1.0, 1.0, Phi::Tanh).unwrap(),
        50,
        0,
    )
    .unwrap();
    let res = Simulator::<f64>::new(&net)
        .run(&SimConfig::new(1.0, 0.1))
        .unwrap();
    let json = serde_json::to_value(&res).unwrap();
    for key in [
        "kappa",
        "currents",
        "mu",
        "delta0",
        "delta_inf",
        "readouts",
        "per_trial",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    let back: lowrank_sim::SimulationResult = serde_json::from_value(json).unwrap();
    assert_eq!(back, res);
}

#[test]
fn parallel_elementwise_passes_match_single_trials() {
    // N·B above the parallel threshold (low-rank only, so no N² memory): the split
    // elementwise passes must give exactly the same bits as the trials run one by one.
    let model = rank_one_model(0.0, 1.0, 1.6, 1.0, 1.0, Phi::Tanh).unwrap();
    let net = Network::sample(&model, 20_000, 3).unwrap();
    let sim = Simulator::<f64>::new(&net);
    let mut cfg = SimConfig::new(2.0, 0.1);
    cfg.trials = 4;
    cfg.keep_final_state = true;
    let batch = sim.run(&cfg).unwrap();
    for t in [0, 3] {
        let mut single = cfg.clone();
        single.trials = 1;
        single.trial_offset = t;
        let s = sim.run(&single).unwrap();
        assert_eq!(
            batch.final_state.as_ref().unwrap()[t],
            s.final_state.as_ref().unwrap()[0]
        );
        assert_eq!(batch.per_trial[t], s.per_trial[0]);
    }
}
