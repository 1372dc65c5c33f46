//! [CB] studies: attractor polytope vs current-ODE fixed points (§3.7), input-driven switches
//! (§3.10), the Fig. 5 sampler and a reduced phase diagram (§3.8), Fig. 6 selection (§3.9).

use lowrank_gauss::Gauss;
use lowrank_model::cb2025::{symmetric, Multiregion};
use lowrank_theory::cb2025::polytope::{
    attractor_polytope, fracture_draw_seed, fracture_statistics, fracture_statistics_of,
};
use lowrank_theory::cb2025::studies::*;
use lowrank_theory::currents::{CurrentOde, FixedPointOptions, InputGain};
use lowrank_theory::dmft::{DmftOptions, DynamicsClass};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

#[test]
fn polytope_vertices_solve_the_pinning_equalities_and_contain_ode_fixed_points() {
    let b = [1.6, 2.0, 2.3, 2.6];
    let r = b.len();
    let p = attractor_polytope(&b).unwrap();
    assert_eq!(p.pairs.len(), 6);
    assert_eq!(p.dimension, 2);
    assert!(!p.is_empty());
    let rhs = |mu: usize| std::f64::consts::FRAC_2_PI * (b[mu] * b[mu] - 1.0);
    let region_sum = |x: &[f64], mu: usize| -> f64 {
        p.pairs
            .iter()
            .enumerate()
            .map(|(j, &(m, n))| {
                if m == mu {
                    x[j]
                } else if n == mu {
                    b[n] / b[m] * x[j]
                } else {
                    0.0
                }
            })
            .sum()
    };
    for v in &p.vertices {
        assert!(v.iter().all(|&x| x >= 0.0));
        // a vertex of an (n − R)-dimensional polytope has at least n − R zeros... at most R nonzeros
        assert!(v.iter().filter(|&&x| x > 0.0).count() <= r);
        for mu in 0..r {
            assert!((region_sum(v, mu) - rhs(mu)).abs() < 1e-10);
        }
    }
    assert_eq!(p.components, 1u128 << p.fracture.len());
    // current-ODE fixed points of the all-exchange network (a = 0) lie on the polytope
    let a = vec![0.0; r];
    let t = symmetric(&a, &b, &[1.0, 1.0, -1.0, 1.0]).unwrap();
    let model = Multiregion::new(r, vec![0.0; r], t).build().unwrap().model;
    let ode = CurrentOde::new(&model, Gauss::new(32), vec![], InputGain::Stein).unwrap();
    let fps = ode
        .fixed_points(&FixedPointOptions {
            starts: 4,
            include_origin: false,
            t_max: 3000.0,
            seed: 11,
            ..Default::default()
        })
        .unwrap();
    assert!(!fps.is_empty());
    for f in fps.iter().filter(|f| {
        f.convergence.converged
            && !f
                .class
                .eq(&lowrank_theory::currents::FixedPointClass::Saddle)
    }) {
        let x: Vec<f64> = p
            .pairs
            .iter()
            .map(|&(m, n)| f.currents[m * r + n].powi(2))
            .collect();
        for mu in 0..r {
            assert!((region_sum(&x, mu) - rhs(mu)).abs() < 1e-7, "region {mu}");
            assert!((f.currents[mu * r + mu]).abs() < 1e-6);
        }
        for &j in &p.fracture {
            assert!(
                x[j] > 1e-8,
                "fracture variable {j} vanishes at an ODE fixed point"
            );
        }
    }
}

#[test]
fn fracture_statistics_counts_draws() {
    let s = fracture_statistics(5, 20, 1).unwrap();
    assert_eq!(s.counts.iter().sum::<usize>(), 20);
    // the vertex-count histogram of each f holds exactly that f's polytopes
    for (f, hist) in s.vertex_counts.iter().enumerate() {
        assert_eq!(hist.iter().map(|&(_, c)| c).sum::<usize>(), s.counts[f]);
    }
}

/// Any split of the draws into consecutive slices adds up to the whole run (the sharding
/// contract: each draw's stream depends only on the seed and its index).
#[test]
fn fracture_statistics_of_slices_add_up() {
    let whole = fracture_statistics(5, 23, 9).unwrap();
    for parts in [1usize, 3, 7] {
        let mut sum = fracture_statistics_of(5, 0..0, 9).unwrap();
        for k in 0..parts {
            let (lo, hi) = (23 * k / parts, 23 * (k + 1) / parts);
            sum.add(&fracture_statistics_of(5, lo..hi, 9).unwrap())
                .unwrap();
        }
        assert_eq!(sum, whole, "{parts} slices");
    }
    // another R does not add
    let mut four = fracture_statistics(4, 2, 9).unwrap();
    assert!(four.add(&whole).is_err());
}

/// The vertex counts per f against an independent recount: the same seeded draws of sorted
/// b ~ U[1, 3]^R (R = 5), each polytope enumerated again here, its vertices counted and its
/// fracture variables found from the vertices themselves.
#[test]
fn fracture_vertex_counts_match_a_recount() {
    use rand::{Rng, SeedableRng};
    let (r, draws, seed) = (5, 30, 4);
    let s = fracture_statistics(r, draws, seed).unwrap();
    let mut want = std::collections::BTreeMap::<(usize, usize), usize>::new();
    for draw in 0..draws {
        // each draw's own stream; empty polytopes are redrawn from it
        let mut rng =
            rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(fracture_draw_seed(seed, draw));
        let p = loop {
            let mut b: Vec<f64> = (0..r).map(|_| rng.random_range(1.0..3.0)).collect();
            b.sort_by(f64::total_cmp);
            let p = attractor_polytope(&b).unwrap();
            if !p.vertices.is_empty() {
                break p;
            }
        };
        let n = p.pairs.len();
        let f = (0..n)
            .filter(|&j| p.vertices.iter().all(|v| v[j] > 1e-9))
            .count();
        *want.entry((f, p.vertices.len())).or_insert(0) += 1;
    }
    let have: std::collections::BTreeMap<(usize, usize), usize> = s
        .vertex_counts
        .iter()
        .enumerate()
        .flat_map(|(f, h)| h.iter().map(move |&(v, c)| ((f, v), c)))
        .collect();
    assert_eq!(have, want);
    // R = 5 polytopes have dimension 10 − 5 = 5: more than one vertex
    assert!(want.keys().any(|&(_, v)| v > 1));
}

#[test]
fn input_switch_knocks_a_self_loop_region_out() {
    // region 1 in self-loop mode (a = 2.5 > b = 2), regions 2..5 in exchange mode
    let a = [2.5, 2.0160, 2.0391, 2.0896, 2.0747];
    let b = [2.0, 2.5380, 2.4939, 2.4959, 2.5164];
    let t = symmetric(&a, &b, &[1.0, -1.0, 1.0, 1.0, -1.0]).unwrap();
    let r = 5;
    let stein = input_switch(
        Gauss::new(32),
        r,
        &t,
        &SwitchOptions {
            t_max: 1500.0,
            ..Default::default()
        },
    )
    .unwrap();
    let refg = input_switch(
        Gauss::new(32),
        r,
        &t,
        &SwitchOptions {
            t_max: 1500.0,
            input_gain: InputGain::Reference,
            ..Default::default()
        },
    )
    .unwrap();
    let before = &stein[0];
    let a_self = std::f64::consts::FRAC_2_PI * (2.5f64 * 2.5 - 1.0);
    assert!(
        (before.currents[0].powi(2) - a_self).abs() < 1e-6,
        "S^11² = {}",
        before.currents[0].powi(2)
    );
    // the input variance I² = 4 exceeds the pinned budget (2/π)(a² − 1) = 3.34: the self loop dies
    let after = &stein[1];
    assert!(
        after.currents[0].abs() < 1e-3,
        "S^11 = {}",
        after.currents[0]
    );
    assert!(after.gain[0] < 1.0 / 2.5);
    // γ only matters with the input on
    assert_eq!(refg[0].currents, stein[0].currents);
    let d = refg[1]
        .currents
        .iter()
        .zip(&stein[1].currents)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    assert!(d > 1e-6);
}

#[test]
fn rejection_sampler_hits_the_window() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let (t, _) = sample_tensor(2, [1.8, 0.6], 0.01875, &mut rng, 1_000_000).unwrap();
    let lead = leading_eigenvalue(2, &t).unwrap();
    assert!((lead[0] - 1.8).abs() <= 0.01875 && (lead[1].abs() - 0.6).abs() <= 0.01875);
}

#[test]
fn reduced_phase_diagram_runs_and_reports_entropy() {
    let (m, h) = modal_and_entropy(&[1, 1, 0, 0, 0, 0]);
    assert_eq!(m, DynamicsClass::FixedPoint);
    assert!((h - 1.0).abs() < 1e-15);
    let opts = PhaseDiagramOptions {
        re: (1.2, 2.2, 2),
        im: (0.0, 0.8, 1),
        tensors: 2,
        dmft: DmftOptions {
            dt: 0.1,
            nt: 500,
            ..Default::default()
        },
        ..Default::default()
    };
    let cells = phase_diagram(Gauss::new(32), &opts).unwrap();
    assert_eq!(cells.len(), 2);
    for c in &cells {
        assert_eq!(c.counts.iter().sum::<usize>(), 4);
        assert!(c.entropy_bits >= 0.0 && c.entropy_bits <= 2.0 + 1e-12);
    }
}

#[test]
fn fig6_tensor_and_disorder_lowers_the_gain_of_region_one() {
    let (t, _) = fig6_tensor(3, 2, 1_000_000).unwrap();
    let intact = leading_eigenvalue(3, &t).unwrap();
    assert!(intact[0] > 1.0 && intact[1].abs() < 1e-12);
    let rows = fig6_study(
        Gauss::new(32),
        3,
        &t,
        &[0.3, 2.4],
        &DmftOptions {
            dt: 0.1,
            nt: 600,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows[1].mean_gain[0] < rows[0].mean_gain[0]);
}
