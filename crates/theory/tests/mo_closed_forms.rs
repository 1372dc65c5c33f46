//! Closed-form cross-checks of the general solvers (docs/theory §1.6–1.7, §1.10, §2.1–2.2, §2.5):
//! linear φ (exact), erf φ (closed-form gains), the Sompolinsky κ = 0 limit, the onsets g = 1 and
//! M_m M_n = 1, and bad input.

use lowrank_gauss::{erf, Gauss, Phi};
use lowrank_model::mo2018::RankOne;
use lowrank_model::{Model, ModelBuilder, Schedule};
use lowrank_theory::continuation::{
    continue_branch, ContinuationOptions, Equations, EventKind, ModelFamily,
};
use lowrank_theory::mo2018::rank_one_model;
use lowrank_theory::solve::branches::{solve_all, solve_static, SolveOptions};
use lowrank_theory::TheoryError;

/// Rank one with input: m = M_m + x1 + a y, n = M_n + x2 + b y + c h, I = M_I + h (unit variances).
#[allow(clippy::too_many_arguments)]
fn rank_one_input(
    phi: Phi,
    g: f64,
    mm: f64,
    mn: f64,
    a: f64,
    b: f64,
    c: f64,
    mi: f64,
    u: f64,
) -> Model {
    let mut bld = ModelBuilder::new("r1-input", phi);
    bld.population("net", 1.0).gain("net", "net", g);
    for v in ["x1", "x2", "y", "h"] {
        bld.basis(v, 1.0);
    }
    bld.combination("m", &[("x1", 1.0), ("y", a)])
        .combination("n", &[("x2", 1.0), ("y", b), ("h", c)])
        .combination("I", &[("h", 1.0)]);
    bld.mean_everywhere("m", mm)
        .mean_everywhere("n", mn)
        .mean_everywhere("I", mi);
    bld.term("1", "m", "n").input(
        "u",
        "I",
        Schedule {
            baseline: u,
            ..Default::default()
        },
    );
    bld.build().unwrap()
}

/// Linear φ: κ(1 − M_nM_m − σ_nm) = (M_n M_I + σ_nI) u, μ = M_mκ + M_I u,
/// Δ = [g²μ² + 𝒮]/(1 − g²) with 𝒮 = σ_mm κ² + 2σ_mI κu + σ_II u² (exact: no quadrature involved).
#[test]
fn linear_static_solution_is_exact() {
    let (g, mm, mn, a, b, c, mi, u) = (0.6, 0.3, 0.8, 0.5, 0.4, 0.7, 0.2, 1.3);
    let model = rank_one_input(Phi::Linear, g, mm, mn, a, b, c, mi, u);
    let (s_nm, s_ni, s_mm, s_mi, s_ii) = (a * b, c, 1.0 + a * a, 0.0, 1.0);
    let kappa = (mn * mi + s_ni) * u / (1.0 - mn * mm - s_nm);
    let mu = mm * kappa + mi * u;
    let s = s_mm * kappa * kappa + 2.0 * s_mi * kappa * u + s_ii * u * u;
    let delta = (g * g * mu * mu + s) / (1.0 - g * g);
    let sol = solve_static(&model, &[0.0, 1.0], &SolveOptions::default()).unwrap();
    assert!(
        (sol.kappa[0] - kappa).abs() < 1e-12,
        "{} vs {kappa}",
        sol.kappa[0]
    );
    assert!(
        (sol.mu[0] - mu).abs() < 1e-12 && (sol.delta0[0] - delta).abs() < 1e-11,
        "{sol:?}"
    );
    // linear network: bulk radius g, the κ-outlier Ω = M_mM_n + σ_nm (the y-mode is g²)
    assert!((sol.bulk_radius - g).abs() < 1e-14);
    assert!(sol.stable);
    let all = solve_all(&model, &SolveOptions::default()).unwrap();
    assert_eq!(
        all.solutions.len(),
        1,
        "a linear network has one fixed point: {:?}",
        all.solutions
    );
}

/// Bad input: a linear network with g > 1 and an input has no solution (Δ = […]/(1 − g²) < 0):
/// the solvers report it, never a number.
#[test]
fn no_solution_is_an_error() {
    let model = rank_one_input(Phi::Linear, 1.5, 0.3, 0.8, 0.5, 0.4, 0.7, 0.2, 1.3);
    let err = solve_static(&model, &[0.0, 1.0], &SolveOptions::default()).unwrap_err();
    assert!(matches!(err, TheoryError::NotConverged { .. }), "{err}");
    let all = solve_all(
        &model,
        &SolveOptions {
            chaotic: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(all.solutions.is_empty(), "{:?}", all.solutions);
}

/// Wrong number of inputs is a typed error naming the field.
#[test]
fn wrong_inputs_are_rejected() {
    let model = rank_one_model(&RankOne::default()).unwrap();
    let err = solve_all(
        &model,
        &SolveOptions {
            inputs: Some(vec![1.0]),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, TheoryError::InvalidParameter { ref name, .. } if name == "inputs"),
        "{err}"
    );
}

/// erf ring (§2.5 with φ = erf(√πx/2)): gain pinning ρ²Ψ(Δ₀) = 1 gives Δ₀ = Ψ⁻¹(1/ρ²) in closed
/// form, and the radius² = (Δ₀ − g²⟨φ²⟩)/Σ² with ⟨φ²⟩ = (2/π) arcsin(Δ₀/(Δ₀ + 2/π)).
#[test]
fn erf_ring_matches_closed_form() {
    let (g, sigma, rho): (f64, f64, f64) = (0.5, 2.0, 1.6);
    let mut b = ModelBuilder::new("erf-ring", Phi::Erf);
    b.population("net", 1.0).gain("net", "net", g);
    let r = (sigma * sigma - rho * rho).sqrt();
    for v in ["x1", "x2", "x3", "x4", "y1", "y2"] {
        b.basis(v, 1.0);
    }
    b.combination("m1", &[("x1", r), ("y1", rho)])
        .combination("n1", &[("x2", r), ("y1", rho)]);
    b.combination("m2", &[("x3", r), ("y2", rho)])
        .combination("n2", &[("x4", r), ("y2", rho)]);
    b.term("1", "m1", "n1").term("2", "m2", "n2");
    let model = b.build().unwrap();
    let delta0 = erf::erf_gain_inverse(1.0 / (rho * rho));
    let phi2 = 2.0 / std::f64::consts::PI * (delta0 / (delta0 + 2.0 / std::f64::consts::PI)).asin();
    let radius = ((delta0 - g * g * phi2) / (sigma * sigma)).sqrt();
    let all = solve_all(&model, &SolveOptions::default()).unwrap();
    let ring: Vec<_> = all
        .solutions
        .iter()
        .filter(|s| s.branch == "continuum")
        .collect();
    assert_eq!(
        ring.len(),
        1,
        "one ring (points merged): {:?}",
        all.solutions
    );
    let s = ring[0];
    let rad = s.kappa.iter().map(|x| x * x).sum::<f64>().sqrt();
    assert!(
        (s.delta0[0] - delta0).abs() < 1e-9,
        "{} vs {delta0}",
        s.delta0[0]
    );
    assert!((rad - radius).abs() < 1e-9, "{rad} vs {radius}");
    assert_eq!(s.zero_modes, 1);
    assert!(s.bulk_radius < 1.0 && s.regime == "stationary");
}

/// Sompolinsky limit κ = 0: with zero structure means and no overlap, the chaotic solution found
/// by the general chaotic solver is pure chaos — Δ₀ = 1.9248 for tanh at g = 2 and 0.8388 for
/// erf at g = 1.5 (docs/theory §5), Δ∞ = 0.
#[test]
fn sompolinsky_limit() {
    for (phi, g, expected) in [(Phi::Tanh, 2.0, 1.9248), (Phi::Erf, 1.5, 0.8388)] {
        let mut b = ModelBuilder::new("chaos", phi);
        b.population("net", 1.0).gain("net", "net", g);
        b.basis("m", 1.0).basis("n", 1.0).term("1", "m", "n");
        let model = b.build().unwrap();
        let all = solve_all(&model, &SolveOptions::default()).unwrap();
        let ch: Vec<_> = all
            .solutions
            .iter()
            .filter(|s| s.regime == "chaotic")
            .collect();
        assert_eq!(ch.len(), 1, "{phi}: {:?}", all.solutions);
        assert!(
            (ch[0].delta0[0] - expected).abs() < 5e-5,
            "{phi}: {}",
            ch[0].delta0[0]
        );
        assert!(ch[0].delta_inf[0].abs() < 1e-8 && ch[0].kappa[0].abs() < 1e-8);
        assert!(ch[0].stable, "no structure: pure chaos is stable");
    }
}

/// Onsets (docs/theory §5): the trivial state loses stability to chaos at g = 1 (bulk radius = g)
/// and to the ± heterogeneous states at M_mM_n = 1 (outlier = λ₀), where continuation of the
/// trivial branch in M_m finds a branch point (pitchfork).
#[test]
fn onsets_g1_and_lambda0_1() {
    let opts = SolveOptions::default();
    let trivial = |g: f64, mm: f64| {
        let m = rank_one_model(&RankOne {
            g,
            mean_m: mm,
            mean_n: 1.0,
            ..Default::default()
        })
        .unwrap();
        solve_all(&m, &opts)
            .unwrap()
            .solutions
            .into_iter()
            .find(|s| s.branch == "trivial")
            .unwrap()
    };
    for (g, mm, stable) in [(0.99, 0.99, true), (1.01, 0.99, false), (0.99, 1.01, false)] {
        let t = trivial(g, mm);
        assert_eq!(t.stable, stable, "g = {g}, λ₀ = {mm}: {t:?}");
        assert!((t.bulk_radius - g).abs() < 1e-14);
    }
    // pitchfork at λ₀ = 1 on the trivial branch (g = 0.5), detected as a branch point
    let fam = ModelFamily::new(
        |mm: f64| {
            rank_one_model(&RankOne {
                g: 0.5,
                mean_m: mm,
                mean_n: 1.0,
                ..Default::default()
            })
            .map_err(|e| TheoryError::Unsupported(e.to_string()))
        },
        Equations::Static,
        Gauss::new(200),
        None,
        0.5,
    )
    .unwrap();
    let b = continue_branch(
        &fam,
        &[0.0, 0.0],
        0.5,
        &ContinuationOptions {
            p_min: 0.5,
            p_max: 1.5,
            ..Default::default()
        },
        None::<&dyn Fn(&[f64], f64) -> Result<f64, TheoryError>>,
    )
    .unwrap();
    let bp: Vec<_> = b
        .events
        .iter()
        .filter(|e| e.kind == EventKind::BranchPoint)
        .collect();
    assert_eq!(bp.len(), 1, "{:?}", b.events);
    assert!((bp[0].param - 1.0).abs() < 1e-8, "{:?}", bp[0]);
}

/// The error kinds a caller matches on: an invalid model is `Model` (naming the field), a search
/// that finds nothing is `NotFound`, a solver that stops short is `NotConverged` with a typed
/// termination — none of them decided by the text of a message.
#[test]
fn error_kinds_are_typed() {
    use lowrank_theory::Termination;
    let bad = RankOne {
        g: -1.0,
        ..Default::default()
    };
    match rank_one_model(&bad) {
        Err(TheoryError::Model(e)) => assert!(e.to_string().contains('g'), "{e}"),
        other => panic!("expected a model error, got {other:?}"),
    }
    // a linear φ has no finite pure-chaos variance: the energy law has no root to bracket
    match lowrank_theory::equations::pure_chaos_delta0(&Gauss::new(32), Phi::Linear, 4.0) {
        Err(TheoryError::NotFound { what, .. }) => assert_eq!(what, "pure-chaos delta0"),
        other => panic!("expected NotFound, got {other:?}"),
    }
    let model = rank_one_input(Phi::Linear, 1.5, 0.3, 0.8, 0.5, 0.4, 0.7, 0.2, 1.3);
    match solve_static(&model, &[0.0, 1.0], &SolveOptions::default()) {
        Err(TheoryError::NotConverged { convergence, .. }) => {
            assert!(!convergence.converged);
            assert_ne!(convergence.termination, Termination::Converged);
        }
        other => panic!("expected NotConverged, got {other:?}"),
    }
}
