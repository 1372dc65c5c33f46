//! Δ(τ) of stationary chaotic solutions (docs/theory §1.7) against computations that share
//! nothing with the integrator of `lowrank_theory::autocorrelation`:
//!
//! - **energy conservation**: on the solution, ½Δ̇² + V(Δ) = V(Δ₀), so the time to fall from Δ₀
//!   to Δ is τ(Δ) = ∫_Δ^{Δ₀} dΔ′/√(2W(Δ′)), W = V(Δ₀) − V, with V(Δ) = −½Δ² + G F(Δ) + 𝒮Δ built
//!   from the *primitive* integrals F (not from C). τ(Δ_ℓ) is computed by Gauss–Legendre in
//!   u = √(Δ₀ − Δ′) (regular at the turning point) and compared with τ_ℓ; |Δ̇|·|τ(Δ_ℓ) − τ_ℓ| is
//!   the error in Δ. For erf at μ = 0 F is the closed form of docs/theory §1.10, so the check
//!   is independent of the `gauss` crate as well.
//! - **a plain fine-step RK4** of the second-order equation written here, with C evaluated
//!   directly (closed form for erf, `Gauss::stationary` for tanh: no interpolation), compared
//!   while Δ − Δ∞ ≥ 0.1(Δ₀ − Δ∞); further down an initial-value integration drifts off the
//!   separatrix (Δ∞ is a hilltop) by the solution's own residuals, which is why the library
//!   switches to the separatrix form there.
//! - the tail: Δ(τ) → Δ∞ with the log-slope −λ∞, λ∞² = 1 − G ∂C/∂Δ(Δ∞); monotone decay.
//!
//! Tolerance 1e-6 (the brief's bound; the integrator's own estimate is ≤ 1e-8 and the
//! quadrature of the check is accurate to ~1e-10 where it is applied, Δ − Δ∞ ≥ 1e-3, below
//! which the F differences lose digits to cancellation).

use lowrank_gauss::{Gauss, GaussLegendre, Phi};
use lowrank_model::{Model, ModelBuilder, Override};
use lowrank_theory::autocorrelation::{autocorrelation, AutocorrelationOptions, StopReason};
use lowrank_theory::solve::branches::{solve_all, MeanFieldSolution, SolveOptions};
use lowrank_theory::TheoryError;
use std::f64::consts::FRAC_2_PI;

const TOL: f64 = 1e-6;
/// Below this Δ − Δ∞ the energy check's F differences lose digits (cancellation).
const X_MIN: f64 = 1e-3;

fn gauss() -> Gauss {
    SolveOptions::default().gauss()
}

/// Every stationary chaotic solution of a bundled scenario with one override.
fn chaotic(name: &str, set: &str) -> (Model, Vec<MeanFieldSolution>) {
    let sc = lowrank_model::bundled::load(name, &[Override::parse(set).unwrap()])
        .unwrap()
        .unwrap();
    let all = solve_all(&sc.model, &SolveOptions::default()).unwrap();
    let chaos: Vec<_> = all
        .solutions
        .into_iter()
        .filter(|s| s.regime == "chaotic")
        .collect();
    assert!(!chaos.is_empty(), "{name} {set}: no chaotic solution");
    (sc.model, chaos)
}

/// Population p's (G, 𝒮, μ, Δ₀, Δ∞).
fn params(model: &Model, s: &MeanFieldSolution, p: usize) -> (f64, f64, f64, f64, f64) {
    (
        model.disorder_coupling()[(p, p)],
        s.structured_variance[p],
        s.mu[p],
        s.delta0[p],
        s.delta_inf[p],
    )
}

/// max over lags with Δ − Δ∞ ≥ X_MIN of √(2W(Δ_ℓ))·|τ(Δ_ℓ) − τ_ℓ| (see the file header);
/// `prim` is F(Δ) (any additive constant).
fn energy_error(
    prim: impl Fn(f64) -> f64,
    (g, s_var, d0, d_inf): (f64, f64, f64, f64),
    lags: &[f64],
    delta: &[f64],
) -> (f64, usize) {
    let v = |d: f64| -0.5 * d * d + g * prim(d) + s_var * d;
    let v0 = v(d0);
    let w = |d: f64| v0 - v(d);
    let rule = GaussLegendre::new(12);
    let (mut tau, mut u_prev, mut worst, mut checked) = (0.0, 0.0, 0.0f64, 0);
    for (&t, &d) in lags.iter().zip(delta).skip(1) {
        if d - d_inf < X_MIN {
            break;
        }
        let u = (d0 - d).sqrt();
        let (c, h) = (0.5 * (u + u_prev), 0.5 * (u - u_prev));
        for (z, wt) in rule.nodes.iter().zip(&rule.weights) {
            let uu = c + h * z;
            tau += wt * h * 2.0 * uu / (2.0 * w(d0 - uu * uu)).sqrt();
        }
        u_prev = u;
        let err = (2.0 * w(d)).sqrt() * (tau - t).abs();
        assert!(err.is_finite(), "τ = {t}: W = {}, x = {}", w(d), d - d_inf);
        worst = worst.max(err);
        checked += 1;
    }
    (worst, checked)
}

/// Plain RK4 of Δ̈ = Δ − G C(Δ) − 𝒮 from (Δ₀, 0) with `sub` steps per lag, compared with `delta`
/// while Δ − Δ∞ ≥ 0.1(Δ₀ − Δ∞). Returns (max difference, lags compared).
fn rk4_error(
    c: impl Fn(f64) -> f64,
    (g, s_var, d0, d_inf): (f64, f64, f64, f64),
    h: f64,
    sub: usize,
    delta: &[f64],
) -> (f64, usize) {
    let a = |d: f64| d - g * c(d.min(d0)) - s_var;
    let dt = h / sub as f64;
    let (mut d, mut v) = (d0, 0.0);
    let (mut worst, mut n) = (0.0f64, 0);
    for &target in &delta[1..] {
        for _ in 0..sub {
            let (k1d, k1v) = (v, a(d));
            let (k2d, k2v) = (v + 0.5 * dt * k1v, a(d + 0.5 * dt * k1d));
            let (k3d, k3v) = (v + 0.5 * dt * k2v, a(d + 0.5 * dt * k2d));
            let (k4d, k4v) = (v + dt * k3v, a(d + dt * k3d));
            d += dt / 6.0 * (k1d + 2.0 * k2d + 2.0 * k3d + k4d);
            v += dt / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
        }
        if d - d_inf < 0.1 * (d0 - d_inf) {
            break;
        }
        worst = worst.max((d - target).abs());
        n += 1;
    }
    (worst, n)
}

/// Monotone decay from Δ₀ and the exponential tail: Δ(τ_max) ≈ Δ∞ and the log-slope of
/// Δ − Δ∞ over the last lags is −λ∞, λ∞² = 1 − G ∂C/∂Δ(Δ∞).
fn check_tail(model: &Model, s: &MeanFieldSolution, p: usize) {
    let (g, _, mu, d0, d_inf) = params(model, s, p);
    // long lags, coarse output: the tail of slow decays (λ∞ ≈ 0.26 at [MO] g = 2.5)
    let mut o = AutocorrelationOptions::new(250.0);
    o.tau_step = 0.5;
    let a = autocorrelation(model, s, &o).unwrap();
    assert!(a.converged && a.error_estimate <= 1e-8, "{a:?}");
    let d = &a.delta[p];
    assert_eq!(d[0], d0);
    assert!(d.windows(2).all(|w| w[1] <= w[0]), "not monotone");
    assert!(d.iter().all(|&x| x >= d_inf));
    let last = *d.last().unwrap();
    assert!(last - d_inf < 1e-12, "Δ(250) − Δ∞ = {}", last - d_inf);
    let lam = (1.0
        - g * gauss()
            .stationary(model.nonlinearity(), mu, d0, d_inf)
            .unwrap()
            .dc)
        .sqrt();
    // where x = Δ − Δ∞ is ~1e-6: far enough for the tail to be exponential, x ≫ rounding of Δ∞
    let i = d
        .iter()
        .position(|&x| x - d_inf < 1e-6)
        .expect("tail reached");
    let slope = ((d[i + 1] - d_inf).ln() - (d[i] - d_inf).ln()) / o.tau_step;
    assert!(
        (slope + lam).abs() < 1e-5 * lam.max(1.0),
        "tail slope {slope} vs −λ∞ = {}",
        -lam
    );
}

/// [MO] Fig. 1 at g = 2.5: central chaos (Δ∞ = 0); at g = 2.0 heterogeneous chaos (μ ≠ 0,
/// 𝒮 > 0, Δ∞ > 0) and the (unstable) central chaos. tanh: F and C from `Gauss::stationary`.
#[test]
fn mo_fig1_central_and_heterogeneous_chaos() {
    let gs = gauss();
    for set in ["mo2018.g=2.5", "mo2018.g=2.0"] {
        let (model, sols) = chaotic("mo2018-fig1", set);
        for s in &sols {
            let (g, s_var, mu, d0, d_inf) = params(&model, s, 0);
            let o = AutocorrelationOptions::new(30.0);
            let a = autocorrelation(&model, s, &o).unwrap();
            assert!(a.converged && a.error_estimate <= 1e-8, "{set}: {a:?}");
            assert_eq!(a.lags.len(), 601);
            assert_eq!(a.reason, StopReason::ToleranceMet);
            let d = &a.delta[0];
            assert!(d.windows(2).all(|w| w[1] < w[0]), "{set}: not decreasing");
            let prim = |x: f64| gs.stationary(Phi::Tanh, mu, d0, x).unwrap().f;
            let (e, n) = energy_error(prim, (g, s_var, d0, d_inf), &a.lags, d);
            println!("{set} {} energy check: {e:.2e} over {n} lags", s.branch);
            assert!(
                e < TOL && n > 100,
                "{set} {}: energy {e:.2e} ({n})",
                s.branch
            );
            let c = |x: f64| gs.stationary(Phi::Tanh, mu, d0, x).unwrap().c;
            let (e, n) = rk4_error(c, (g, s_var, d0, d_inf), o.tau_step, 10, d);
            println!("{set} {} plain RK4: {e:.2e} over {n} lags", s.branch);
            assert!(e < TOL && n > 20, "{set} {}: RK4 {e:.2e} ({n})", s.branch);
        }
        if set == "mo2018.g=2.0" {
            assert!(sols
                .iter()
                .any(|s| s.branch == "heterogeneous" && s.delta_inf[0] > 1.0));
        }
        let central = sols.iter().find(|s| s.branch == "central").unwrap();
        check_tail(&model, central, 0);
        if let Some(h) = sols.iter().find(|s| s.branch == "heterogeneous") {
            check_tail(&model, h, 0);
        }
    }
}

/// [CB] erf at μ = 0: closed forms C(Δ) = (2/π) arcsin(Δ/K), F(Δ) = (2/π)[√(K² − Δ²) +
/// Δ arcsin(Δ/K)], K = Δ₀ + 2/π (docs/theory §1.10), so both checks are independent of the
/// `gauss` crate. Fig. 4a (b = 2) at g = 1.8: chaos on top of static currents (𝒮 = A > 0,
/// Δ∞ > 0) and central chaos; pure chaos at g = 1.5.
#[test]
fn cb_chaos_with_currents_and_pure_chaos() {
    for (name, set) in [
        ("cb2025-fig4a-b2", "cb2025.g=[1.8]"),
        ("cb2025-pure-chaos", "cb2025.g=[1.5]"),
    ] {
        let (model, sols) = chaotic(name, set);
        for s in &sols {
            let (g, s_var, mu, d0, d_inf) = params(&model, s, 0);
            assert_eq!(mu.abs(), 0.0, "closed forms need μ = 0");
            let k = d0 + FRAC_2_PI;
            let c = |x: f64| FRAC_2_PI * (x / k).asin();
            let prim = |x: f64| FRAC_2_PI * ((k * k - x * x).sqrt() + x * (x / k).asin());
            let o = AutocorrelationOptions::new(30.0);
            let a = autocorrelation(&model, s, &o).unwrap();
            assert!(a.converged && a.error_estimate <= 1e-8, "{set}: {a:?}");
            let d = &a.delta[0];
            assert!(d.windows(2).all(|w| w[1] < w[0]), "{set}: not decreasing");
            let (e, n) = energy_error(prim, (g, s_var, d0, d_inf), &a.lags, d);
            println!("{name} {} energy check: {e:.2e} over {n} lags", s.branch);
            assert!(e < TOL && n > 100, "{name} {}: energy {e:.2e}", s.branch);
            let (e, n) = rk4_error(c, (g, s_var, d0, d_inf), o.tau_step, 50, d);
            println!("{name} {} plain RK4: {e:.2e} over {n} lags", s.branch);
            assert!(e < TOL && n > 20, "{name} {}: RK4 {e:.2e} ({n})", s.branch);
            check_tail(&model, s, 0);
        }
        if name == "cb2025-fig4a-b2" {
            let h = sols.iter().find(|s| s.branch == "heterogeneous").unwrap();
            assert!(
                h.structured_variance[0] > 0.1 && h.delta_inf[0] > 1.0,
                "{h:?}"
            );
        }
    }
}

/// A φ with kinks (docs/theory §1.10): hard tanh, whose C has half-integer powers of Δ₀ − Δ
/// (the interpolation in s = √(Δ₀ − Δ) absorbs them). Energy check with F from
/// `Gauss::stationary`, monotone decay, exponential tail.
#[test]
fn kinked_nonlinearity() {
    let gs = gauss();
    let sc = lowrank_model::bundled::load("hard-tanh-chaos", &[])
        .unwrap()
        .unwrap();
    let all = solve_all(&sc.model, &SolveOptions::default()).unwrap();
    let s = all
        .solutions
        .iter()
        .find(|s| s.regime == "chaotic")
        .unwrap();
    let (g, s_var, mu, d0, d_inf) = params(&sc.model, s, 0);
    let a = autocorrelation(&sc.model, s, &AutocorrelationOptions::new(30.0)).unwrap();
    assert!(a.converged && a.error_estimate <= 1e-8, "{a:?}");
    let d = &a.delta[0];
    assert!(d.windows(2).all(|w| w[1] < w[0]), "not decreasing");
    let phi = sc.model.nonlinearity();
    let prim = |x: f64| gs.stationary(phi, mu, d0, x).unwrap().f;
    let (e, n) = energy_error(prim, (g, s_var, d0, d_inf), &a.lags, d);
    println!("hard tanh energy check: {e:.2e} over {n} lags");
    assert!(e < TOL && n > 50, "energy {e:.2e} ({n})");
    check_tail(&sc.model, s, 0);
}

/// Two populations with their own disorder (G_pp = α_p g_pp², diagonal): each population is
/// its own particle; both pass the energy check with their own G.
fn two_populations(cross: f64) -> Model {
    let mut b = ModelBuilder::new("two", Phi::Tanh);
    b.population("A", 0.5)
        .population("B", 0.5)
        .gain("A", "A", 3.0)
        .gain("B", "B", 2.5);
    if cross > 0.0 {
        b.gain("A", "B", cross);
    }
    b.basis("x", 1.0).basis("y", 1.0);
    b.combination("m", &[("x", 1.0)])
        .combination("n", &[("y", 1.0)]);
    b.term("1", "m", "n");
    b.build().unwrap()
}

#[test]
fn several_populations_integrate_independently() {
    let model = two_populations(0.0);
    let all = solve_all(&model, &SolveOptions::default()).unwrap();
    let s = all
        .solutions
        .iter()
        .find(|s| s.regime == "chaotic")
        .unwrap();
    let a = autocorrelation(&model, s, &AutocorrelationOptions::new(15.0)).unwrap();
    assert!(a.converged);
    assert_eq!(a.delta.len(), 2);
    let gs = gauss();
    for p in 0..2 {
        let (g, s_var, mu, d0, d_inf) = params(&model, s, p);
        assert!((g - 0.5 * [9.0, 6.25][p]).abs() < 1e-15);
        let prim = |x: f64| gs.stationary(Phi::Tanh, mu, d0, x).unwrap().f;
        let (e, n) = energy_error(prim, (g, s_var, d0, d_inf), &a.lags, &a.delta[p]);
        assert!(e < TOL && n > 50, "population {p}: {e:.2e} ({n})");
    }
    assert!(a.delta[0][20] != a.delta[1][20]);
    // cross-population disorder has no energy law: unsupported, said so
    let crossed = two_populations(0.5);
    match autocorrelation(&crossed, s, &AutocorrelationOptions::new(5.0)) {
        Err(TheoryError::Unsupported(m)) => assert!(m.contains("cross-population"), "{m}"),
        r => panic!("{r:?}"),
    }
}

#[test]
fn static_solutions_are_constant() {
    let sc =
        lowrank_model::bundled::load("mo2018-fig1", &[Override::parse("mo2018.g=2.0").unwrap()])
            .unwrap()
            .unwrap();
    let all = solve_all(&sc.model, &SolveOptions::default()).unwrap();
    let st = all
        .solutions
        .iter()
        .find(|s| s.regime == "stationary" && s.delta0[0] > 0.0)
        .unwrap();
    let a = autocorrelation(&sc.model, st, &AutocorrelationOptions::new(2.0)).unwrap();
    assert_eq!(a.reason, StopReason::Static);
    assert!(a.converged && a.error_estimate == 0.0);
    assert_eq!(a.lags.len(), 41);
    assert!(a.delta[0].iter().all(|&x| x == st.delta0[0]));
}

#[test]
fn bad_arguments_are_typed_errors() {
    let (model, sols) = chaotic("cb2025-pure-chaos", "cb2025.g=[1.5]");
    let s = &sols[0];
    let name_of = |o: &AutocorrelationOptions| match autocorrelation(&model, s, o) {
        Err(TheoryError::InvalidParameter { name, .. }) => name,
        r => panic!("{r:?}"),
    };
    for (t, h, name) in [
        (0.0, 0.05, "tau_max"),
        (f64::NAN, 0.05, "tau_max"),
        (f64::INFINITY, 0.05, "tau_max"),
        (10.0, 0.0, "tau_step"),
        (10.0, -1.0, "tau_step"),
        (10.0, 11.0, "tau_step"),
        (1e300, 1e-300, "tau_max / tau_step"),
    ] {
        let mut o = AutocorrelationOptions::new(10.0);
        o.tau_max = t;
        o.tau_step = h;
        assert_eq!(name_of(&o), name, "{t} {h}");
    }
    // a solution that is not one of this model: energy law / force balance violated
    let mut wrong = s.clone();
    wrong.delta0[0] *= 1.01;
    match autocorrelation(&model, &wrong, &AutocorrelationOptions::new(5.0)) {
        Err(TheoryError::InvalidParameter { reason, .. }) => {
            assert!(
                reason.contains("not a stationary chaotic solution"),
                "{reason}"
            )
        }
        r => panic!("{r:?}"),
    }
    let mut wrong = s.clone();
    wrong.delta_inf[0] = 0.3;
    assert!(matches!(
        autocorrelation(&model, &wrong, &AutocorrelationOptions::new(5.0)),
        Err(TheoryError::InvalidParameter { .. })
    ));
    let mut wrong = s.clone();
    wrong.delta0 = vec![];
    assert!(matches!(
        autocorrelation(&model, &wrong, &AutocorrelationOptions::new(5.0)),
        Err(TheoryError::InvalidParameter { .. })
    ));
    let mut wrong = s.clone();
    wrong.mu[0] = f64::NAN;
    assert!(matches!(
        autocorrelation(&model, &wrong, &AutocorrelationOptions::new(5.0)),
        Err(TheoryError::InvalidParameter { .. })
    ));
    // the cap on internal steps is checked before allocating, and says how to raise it
    let mut o = AutocorrelationOptions::new(1e4);
    o.max_steps = 1000;
    match autocorrelation(&model, s, &o) {
        Err(TheoryError::InvalidParameter { reason, .. }) => {
            assert!(reason.contains("max_steps"), "{reason}")
        }
        r => panic!("{r:?}"),
    }
}
