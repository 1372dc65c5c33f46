//! The (g, λ₀) phase diagram of [MO] rank one (docs/theory §2.3): each grid point's regime agrees
//! with the boundaries computed independently — λ₀ = 1 and g = 1, g_C(λ₀) by continuation of the
//! fixed point, g_BB(λ₀) where Ω ψ_ch(g) = 1, λ₀^BB(g) = 1/ψ_ch(g).

use lowrank_gauss::Phi;
use lowrank_model::mo2018::RankOne;
use lowrank_theory::mo2018::rank_one_model;
use lowrank_theory::phase::{
    g_bb, g_c, lambda0_bb, phase_diagram, with_g_lambda0, PhaseOptions, Regime, Split,
};
use lowrank_theory::solve::branches::SolveOptions;

#[test]
fn regimes_agree_with_independent_boundaries() {
    let base = RankOne::default();
    let opts = PhaseOptions {
        g: (0.6, 2.8, 12),
        lambda0: (0.6, 2.8, 9),
        split: Split::MeanM,
        solve: SolveOptions::default(),
    };
    let d = phase_diagram(&base, &opts).unwrap();
    let gauss = opts.solve.gauss();
    let margin = 0.03;
    let mut seen = std::collections::HashSet::new();
    for (i, &l) in d.lambda0.iter().enumerate() {
        let (gc, gbb) = if l > 1.0 + margin {
            let b = base.clone();
            let gc = g_c(
                move |g| {
                    rank_one_model(&with_g_lambda0(&b, g, l, Split::MeanM).unwrap())
                        .map_err(|e| lowrank_theory::TheoryError::Unsupported(e.to_string()))
                },
                0.5,
                10.0,
                &opts.solve,
            )
            .unwrap();
            (gc, g_bb(&gauss, Phi::Tanh, l, 20.0).unwrap().value)
        } else {
            (f64::NAN, f64::NAN)
        };
        for (j, &g) in d.g.iter().enumerate() {
            let r = d.regimes[i][j];
            let lbb = lambda0_bb(&gauss, Phi::Tanh, g).unwrap();
            let near = |a: f64, b: f64| (a - b).abs() < margin;
            if near(g, 1.0) || near(l, 1.0) || near(g, gc) || near(g, gbb) || near(l, lbb) {
                continue;
            }
            let expected = if g < 1.0 && l < 1.0 {
                Regime::HomogeneousStationary
            } else if l > 1.0 && g < gc {
                Regime::HeterogeneousStationary
            } else if l > 1.0 && g < gbb {
                Regime::HeterogeneousChaotic
            } else {
                Regime::HomogeneousChaotic
            };
            assert_eq!(
                r, expected,
                "g = {g}, λ₀ = {l} (g_C = {gc}, g_BB = {gbb}, λ₀^BB = {lbb})"
            );
            seen.insert(r);
        }
    }
    assert_eq!(seen.len(), 4, "all four regimes appear: {seen:?}");
}
