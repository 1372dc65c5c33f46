//! Every mean-field state of a network, with its stability and its convergence report: the
//! \[MO\] rank-one network with structure strength Ω = M_m M_n = 2.2 and disorder g = 2.0, where
//! two stable heterogeneous chaotic states (±κ) coexist with five unstable ones (docs/theory §1.6–1.7, §2).
//! Run with
//! `cargo run --release -p lowrank-theory --example solution_set`.

use lowrank_model::mo2018::RankOne;
use lowrank_theory::mo2018::rank_one_model;
use lowrank_theory::solve::branches::{solve_all, SolveOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let model = rank_one_model(&RankOne {
        g: 2.0,
        mean_m: 1.1,
        mean_n: 2.0,
        ..Default::default()
    })?;
    let all = solve_all(&model, &SolveOptions::default())?;
    let search = &all.search;
    println!(
        "{} state(s); search complete in the κ box {:?} (proven bound: {}): {}",
        all.solutions.len(),
        search.kappa_box,
        search.box_proven,
        search.complete
    );
    for s in &all.solutions {
        let c = &s.convergence;
        println!(
            "{:<13} {:<10} stable = {:<5} κ = {:+.6}  Δ0 = {:.6}  Δ∞ = {:.6}  \
             (residual {:.1e} after {} iterations: {})",
            s.branch,
            s.regime,
            s.stable,
            s.kappa[0],
            s.delta0[0],
            s.delta_inf[0],
            c.residual,
            c.iterations,
            c.termination
        );
        assert!(c.converged, "solve_all reports converged states only");
    }
    Ok(())
}
