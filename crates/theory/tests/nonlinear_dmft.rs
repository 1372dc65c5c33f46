//! The two-time DMFT (docs/theory §1.8) with kinked nonlinearities against the static theory of
//! the same network (docs/theory §1.6–1.7): the DMFT's late-time Δ(t, t), Δ(t, t − τ) at large τ
//! and currents must approach the stationary-chaos solution as dt → 0, at the first order of the
//! Euler scheme.

use lowrank_gauss::Gauss;
use lowrank_model::Scenario;
use lowrank_theory::dmft::{run, DmftOptions};
use lowrank_theory::solve::branches::{solve_all, SolveOptions};

fn model(name: &str) -> lowrank_model::Model {
    let path = format!("{}/../../scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    Scenario::from_path(path, &[]).unwrap().model
}

/// (Δ(t_end, t_end), Δ(t_end, t_end − τ_max), S(t_end)) of a DMFT run over `t` time units with
/// lags up to `tau` at step `dt`.
fn dmft_state(model: &lowrank_model::Model, dt: f64, t: f64, tau: f64) -> (f64, f64, f64) {
    let nt = (t / dt).round() as usize;
    let band = (tau / dt).round() as usize;
    let res = run(
        model,
        Gauss::default(),
        &DmftOptions {
            dt,
            nt,
            band: Some(band),
            seed: 1,
            ..Default::default()
        },
    )
    .unwrap();
    let col = res.last_column(0);
    (
        res.delta_at(nt - 1)[0],
        col[col.len() - 1],
        res.currents_at(nt - 1)[0],
    )
}

#[test]
fn hard_tanh_dmft_converges_to_the_static_chaotic_solution() {
    let m = model("hard-tanh-chaos");
    let sols = solve_all(&m, &SolveOptions::default()).unwrap().solutions;
    let chaos = sols
        .iter()
        .find(|s| s.regime == "chaotic" && s.stable)
        .expect("a stable chaotic state");
    let (d0, dinf) = (chaos.delta0[0], chaos.delta_inf[0]);
    let mut errors = Vec::new();
    let mut values = Vec::new();
    for dt in [0.1, 0.05] {
        let (dd, dtau, s) = dmft_state(&m, dt, 150.0, 40.0);
        eprintln!("dt = {dt}: Δ0 {dd} (static {d0}), Δ(τ = 40) {dtau} (Δ∞ {dinf}), S {s}");
        errors.push((dd - d0).abs());
        values.push(dd);
        assert!(
            s.abs() < 1e-6,
            "dt = {dt}: current {s} should decay to κ = 0"
        );
        assert!(
            (dtau - dinf).abs() < 2e-3 * d0,
            "dt = {dt}: Δ(τ = 40) = {dtau} vs Δ∞ = {dinf}"
        );
    }
    // first order in dt: halving dt halves the error (measured 0.1216 → 0.0599), and the
    // Richardson extrapolation 2Δ(dt/2) − Δ(dt) removes it to the next order (measured 0.0019)
    let ratio = errors[0] / errors[1];
    assert!(
        (1.7..2.3).contains(&ratio),
        "error ratio {ratio} (errors {errors:?})"
    );
    let extrapolated = 2.0 * values[1] - values[0];
    assert!(
        (extrapolated - d0).abs() < 0.1 * errors[1],
        "Richardson {extrapolated} vs static {d0} (errors {errors:?})"
    );
}
