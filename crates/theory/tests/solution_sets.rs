//! Complete solution sets (docs/theory.md, "Complete solution sets" and "Marginal attractors"):
//! states that a seeded search used to miss, continua reported once and stable, labels that match
//! the state, and completeness against independent dynamics (damped iteration of the
//! self-consistency map) on random rank-one models.

use lowrank_gauss::{Gauss, Phi};
use lowrank_model::mo2018::{RankOne, Ring};
use lowrank_model::{Model, Override, Scenario};
use lowrank_theory::equations::{pure_chaos_delta0, StaticEquations};
use lowrank_theory::meanfield::MeanField;
use lowrank_theory::mo2018::rank_one_model;
use lowrank_theory::solve::branches::{solve_all, AllSolutions, MeanFieldSolution, SolveOptions};
use proptest::prelude::*;

fn fig1(p: RankOne) -> Model {
    rank_one_model(&p).unwrap()
}

fn scenario(name: &str, sets: &[&str]) -> Model {
    let path = format!("{}/../../scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let ov: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    Scenario::from_path(path, &ov).unwrap().model
}

fn stable(all: &AllSolutions) -> Vec<&MeanFieldSolution> {
    all.solutions.iter().filter(|s| s.stable).collect()
}

/// Homogeneous chaos at larger g (it used to be missing: only unstable stationary states were
/// listed). Δ₀ must equal the independent scalar solution of ½Δ₀² = G[F(Δ₀) − F(0)] (Brent on the
/// Sompolinsky–Crisanti–Sommers equation), and the state must be the stable one.
#[test]
fn central_chaos_at_large_g_is_found_and_stable() {
    for g in [2.0f64, 3.0, 5.0] {
        let all = solve_all(
            &fig1(RankOne {
                g,
                ..Default::default()
            }),
            &SolveOptions::default(),
        )
        .unwrap();
        assert!(
            all.search.complete && all.search.box_proven,
            "{:?}",
            all.search
        );
        let c = all
            .solutions
            .iter()
            .find(|s| s.regime == "chaotic" && s.branch == "central")
            .unwrap_or_else(|| panic!("g = {g}: no central chaos in {:?}", all.solutions));
        let scs = pure_chaos_delta0(&Gauss::default(), Phi::Tanh, g * g).unwrap();
        assert!(
            (c.delta0[0] - scs.value).abs() < 1e-8,
            "g = {g}: {} vs {}",
            c.delta0[0],
            scs.value
        );
        assert_eq!(c.delta_inf[0], 0.0);
        assert_eq!(c.kappa[0], 0.0, "central means κ = 0 exactly");
        if g >= 3.0 {
            // λ₀ = 2.2 < λ₀^BB(g): homogeneous chaos is the only stable state
            assert_eq!(stable(&all).len(), 1, "g = {g}: {:?}", all.solutions);
            assert!(c.stable);
        }
    }
    // the published central chaotic variance at g = 2 (docs/theory §5, the checkable numbers: 1.9248)
    let all = solve_all(
        &fig1(RankOne {
            g: 2.0,
            ..Default::default()
        }),
        &SolveOptions::default(),
    )
    .unwrap();
    let c = all
        .solutions
        .iter()
        .find(|s| s.regime == "chaotic" && s.branch == "central")
        .unwrap();
    assert!((c.delta0[0] - 1.9248).abs() < 5e-5);
}

/// Heterogeneous chaos where it is the only stable state (M_m = 0.75, Σ_m = 1.5, g = 1.42: used to
/// return "nothing stable"). The ± pair must exist, be stable, and solve the chaotic equations
/// evaluated by plain Gauss–Hermite tensor products (independent of the solver's integrals).
#[test]
fn heterogeneous_chaos_is_found_where_it_is_the_only_stable_state() {
    let p = RankOne {
        mean_m: 0.75,
        sigma_m: 1.5,
        g: 1.42,
        ..Default::default()
    };
    let all = solve_all(&fig1(p.clone()), &SolveOptions::default()).unwrap();
    let st = stable(&all);
    assert_eq!(st.len(), 2, "{:?}", all.solutions);
    for s in &st {
        assert_eq!(
            (s.regime.as_str(), s.branch.as_str()),
            ("chaotic", "heterogeneous")
        );
        assert!((s.kappa[0].abs() - 0.126).abs() < 1e-3, "{s:?}");
        let (kappa, d0, di) = (s.kappa[0], s.delta0[0], s.delta_inf[0]);
        let gh = Gauss::new(200);
        let mu = p.mean_m * kappa;
        let lc = |x: f64| Phi::Tanh.primitive(x);
        let g2 = p.g * p.g;
        let phi_mean = gh.expect(|x| x.tanh(), mu, d0).unwrap();
        assert!((kappa - p.mean_n * phi_mean).abs() < 1e-9, "κ equation");
        let s_var = p.sigma_m * p.sigma_m * kappa * kappa;
        let c = gh.nested(|x| x.tanh(), mu, d0, di).unwrap();
        assert!((di - g2 * c - s_var).abs() < 1e-9, "force balance");
        let f0 = gh.expect(|x| lc(x) * lc(x), mu, d0).unwrap();
        let f_inf = gh.nested(lc, mu, d0, di).unwrap();
        let energy = 0.5 * (d0 * d0 - di * di) - g2 * (f0 - f_inf) - s_var * (d0 - di);
        assert!(energy.abs() < 1e-9, "energy law {energy}");
    }
    assert!((st[0].kappa[0] + st[1].kappa[0]).abs() < 1e-9, "± pair");
}

/// The ring attractor is one marginal, stable solution (not dozens of points, not "unstable" by a
/// float compare of its neutral eigenvalue with 1), static at g = 0.8 and chaotic at g = 2.1.
/// Static ring radius against the closed form: ρ²⟨φ′⟩(0, Δ₀) = 1 pins Δ₀, and the variance
/// equation gives R² = (Δ₀ − g²⟨φ²⟩)/Σ² (plain GH-200, Brent).
#[test]
fn ring_is_one_stable_marginal_continuum() {
    let opts = SolveOptions::default();
    let r = Ring {
        g: 0.8,
        ..Default::default()
    };
    let all = solve_all(&r.model().unwrap(), &opts).unwrap();
    let rings: Vec<_> = all.solutions.iter().filter(|s| s.marginal).collect();
    assert_eq!(rings.len(), 1, "{:?}", all.solutions);
    let ring = rings[0];
    assert!(
        ring.stable && ring.branch == "continuum" && ring.zero_modes == 1,
        "{ring:?}"
    );
    assert_eq!(
        stable(&all).len(),
        1,
        "the ring is the only attractor: {:?}",
        all.solutions
    );
    let gh = Gauss::new(200);
    let pin =
        |d: f64| Ok(r.rho * r.rho * gh.expect(|x| 1.0 - x.tanh().powi(2), 0.0, d).unwrap() - 1.0);
    let d0 = lowrank_theory::roots::brent("pin", pin, 0.01, 20.0, 1e-14)
        .unwrap()
        .value;
    let phi2 = gh.expect(|x| x.tanh().powi(2), 0.0, d0).unwrap();
    let radius2 = (d0 - r.g * r.g * phi2) / (r.sigma * r.sigma);
    let got: f64 = ring.kappa.iter().map(|k| k * k).sum();
    // GH-200 on tanh at Δ ≈ 3.4 is accurate to ≈ 10² e^{−π√(200/3.4)} ≈ 4e−9 (the solver's own
    // integrals are accuracy-controlled to 1e−12): tolerances 25× that error
    assert!(
        (ring.delta0[0] - d0).abs() < 1e-7 && (got - radius2).abs() < 1e-7,
        "{got} vs {radius2}"
    );

    let all = solve_all(&Ring::default().model().unwrap(), &opts).unwrap();
    let rings: Vec<_> = all.solutions.iter().filter(|s| s.marginal).collect();
    let chaotic: Vec<_> = rings.iter().filter(|s| s.regime == "chaotic").collect();
    assert_eq!(chaotic.len(), 1, "{:?}", all.solutions);
    assert!(chaotic[0].stable && chaotic[0].zero_modes == 1);
    assert!(
        (chaotic[0].delta0[0] - d0).abs() < 1e-7,
        "gain pinning fixes Δ₀ in chaos too"
    );
}

/// [CB] Fig. 3 set 1 (g = 0, all regions in exchange mode): the stable exchange-mode manifold is
/// one marginal solution of dimension R(R−1)/2 − R = 5 with √A^μ = √(2/π((b^μ)² − 1)) (closed
/// form; published to 3 decimals: 1.794, 1.861, 1.823, 1.825, 1.842).
#[test]
fn cb_fig3_set1_exchange_manifold_is_one_stable_marginal_solution() {
    let all = solve_all(&scenario("cb2025-fig3-set1", &[]), &SolveOptions::default()).unwrap();
    let st = stable(&all);
    assert_eq!(st.len(), 1, "{:?}", st);
    let s = st[0];
    assert!(s.marginal && s.zero_modes == 5, "{s:?}");
    let b = [2.4609, 2.5380, 2.4939, 2.4959, 2.5164];
    let published = [1.794, 1.861, 1.823, 1.825, 1.842];
    for mu in 0..5 {
        let sqrt_a = s.structured_variance[mu].sqrt();
        let closed = (std::f64::consts::FRAC_2_PI * (b[mu] * b[mu] - 1.0)).sqrt();
        assert!(
            (sqrt_a - closed).abs() < 1e-8,
            "region {mu}: {sqrt_a} vs {closed}"
        );
        assert!((sqrt_a - published[mu]).abs() < 1e-3);
    }
    assert!(
        !all.search.complete,
        "rank 25 is beyond the scan: the report must say so"
    );
}

/// Labels: a "heterogeneous" state has κ distinguishable from 0; "central" means κ = 0 exactly.
/// Checked around g_BB = 2.135792 where the chaotic ± pair merges with central chaos.
#[test]
fn labels_match_the_state_near_the_merging_point() {
    for g in [2.13, 2.1355, 2.1358, 2.1362, 2.14] {
        let all = solve_all(
            &fig1(RankOne {
                g,
                ..Default::default()
            }),
            &SolveOptions::default(),
        )
        .unwrap();
        for s in &all.solutions {
            match s.branch.as_str() {
                "central" | "trivial" => assert_eq!(s.kappa[0], 0.0),
                "heterogeneous" => assert!(s.kappa[0].abs() > 1e-5, "g = {g}: {s:?}"),
                _ => {}
            }
        }
        let het_chaos = all
            .solutions
            .iter()
            .filter(|s| s.regime == "chaotic" && s.branch == "heterogeneous")
            .count();
        // below g_BB the ± chaotic pair exists (and is found), above it does not
        assert_eq!(
            het_chaos,
            if g < 2.135792 { 2 } else { 0 },
            "g = {g}: {:?}",
            all.solutions
        );
    }
}

/// No point of a coarse (g, λ₀) grid of the Fig. 1 set is left without a stable state.
#[test]
fn every_point_of_a_coarse_phase_grid_has_a_stable_state() {
    for g in [0.3, 0.9, 1.3, 1.8, 2.4, 3.2] {
        for mean_m in [0.2, 0.45, 0.7, 1.1, 1.8] {
            let all = solve_all(
                &fig1(RankOne {
                    g,
                    mean_m,
                    ..Default::default()
                }),
                &SolveOptions::default(),
            )
            .unwrap();
            assert!(
                !stable(&all).is_empty(),
                "g = {g}, M_m = {mean_m}: {:?}",
                all.solutions
            );
        }
    }
}

/// Damped iteration y ← (1 − ε)y + εT(y) of the static self-consistency map (the reference
/// solver of the papers), from `start`; Some(fixed point) if it settles.
fn damped_static(model: &Model, start: &[f64]) -> Option<Vec<f64>> {
    let mut eq = StaticEquations::new(
        MeanField::new(model, Gauss::default()),
        model.baseline_inputs(),
    );
    let mut y = start.to_vec();
    let mut t = vec![0.0; y.len()];
    for _ in 0..20000 {
        eq.fixed_point_step(&y, &mut t).ok()?;
        let step = y
            .iter()
            .zip(&t)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        for (a, b) in y.iter_mut().zip(&t) {
            *a = 0.8 * *a + 0.2 * b;
        }
        if step < 1e-13 {
            return Some(y);
        }
    }
    None
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    /// Every state the damped iteration settles in (from both signs of a far start) is in the
    /// `solve_all` list, for random rank-one parameters, tanh and erf, with and without input.
    #[test]
    fn every_state_the_damped_iteration_settles_in_is_listed(
        g in 0.2f64..0.95,
        mean_m in 0.2f64..2.5,
        mean_n in 0.5f64..2.5,
        sigma_m in 0.3f64..1.5,
        sigma_ni in 0.0f64..0.8,
        erf in any::<bool>(),
        input in any::<bool>(),
    ) {
        let p = RankOne {
            g,
            mean_m,
            mean_n,
            sigma_m,
            sigma_ni: if input { sigma_ni } else { 0.0 },
            ..Default::default()
        };
        let mut model = fig1(p);
        if erf {
            model = model.with_nonlinearity(Phi::Erf);
        }
        let all = solve_all(&model, &SolveOptions::default()).unwrap();
        for start in [[3.0, 4.0], [-3.0, 4.0], [0.05, 0.5]] {
            if let Some(y) = damped_static(&model, &start) {
                let listed = all.solutions.iter().any(|s| {
                    s.regime == "stationary"
                        && (s.kappa[0] - y[0]).abs() < 1e-6
                        && (s.delta0[0] - y[1]).abs() < 1e-6
                });
                prop_assert!(listed, "damped iteration settled at {:?}, not in {:?}", y, all.solutions);
            }
        }
    }
}
