//! \[CB\] panels (docs/theory/3-multiregion.md): current time courses (Fig. 3), √A against g and
//! Δ(τ) (Fig. 4), the dynamics phase diagram (Fig. 5), disorder in one region (Fig. 6), the
//! input-driven switch (Section 7), the attractor polytopes (A.6), and a limit cycle's orbit.

use super::common::Ctx;
use super::{Kind, Panel, Paper};
use anyhow::Context;
use lowrank::plot::{Series, Style};
use lowrank_validate::cases::common::{load, scenario, simulate, window, Field, Plan};

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The \[CB\] panels.
pub fn panels() -> Vec<Panel> {
    vec![
        Panel {
            paper: Paper::Cb2025,
            name: "cb-fig3-currents",
            figure: "Fig. 3",
            shows: "Five regions with symmetric interactions, all in exchange mode (parameter set 1): \
                    the structured variance √A^μ(t) = √(Σ_ν (S^{μν})²) of each region in a simulated \
                    network settles on the theory's √((2/π)(max(a,b)² − 1)) (dashed).",
            kind: Kind::Internal(fig3_currents),
        },
        Panel {
            paper: Paper::Cb2025,
            name: "cb-fig4a",
            figure: "Fig. 4",
            shows: "One region with self-loop b = 2 and 3: √A of the static and chaotic branches \
                    against the disorder g (theory lines), with simulated networks (points).",
            kind: Kind::Internal(|c| c.validation_figure("cb-fig4a", true).map(|_| ())),
        },
        Panel {
            paper: Paper::Cb2025,
            name: "cb-fig4b-acf",
            figure: "Fig. 4 (Δ(τ))",
            shows: "Autocorrelation Δ(τ) of the chaotic state with currents (b = 3, g = 2.4): the \
                    theory's Δ(τ) against the simulated network's.",
            kind: Kind::Internal(|c| c.validation_figure("cb-fig4b-acf", true).map(|_| ())),
        },
        Panel {
            paper: Paper::Cb2025,
            name: "cb-fig4-branches",
            figure: "Fig. 4",
            shows: "b = 2: √A of the static, chaotic and realised branches against g with the chaos \
                    onset g_c(b) and the generator–transmitter point g*(b); Δ(τ) panels at \
                    g = 1 and 2 in `cb-fig4-branches-acf.png`.",
            kind: Kind::Command(|b| {
                let g = b.pick("0:3:31", "0:3:121");
                args(&[
                    "study", "fig4", "--b", "2", "--g", g, "--acf", "1,2", "--csv",
                    "{stem}.csv", "--plot", "{stem}.png",
                ])
            }),
        },
        Panel {
            paper: Paper::Cb2025,
            name: "cb-fig5",
            figure: "Fig. 5",
            shows: "Two regions, g = 1.5: the modal dynamics class (fixed point, chaos, limit cycle, \
                    and chaos about either) over the leading eigenvalue λ of T̂, lightened by the \
                    class entropy, with the zero-current instability Re λ = 1/ψ₀(g).",
            kind: Kind::Command(|b| {
                let (grid, samples) = b.pick(("8", "4"), ("40", "50"));
                args(&[
                    "study", "fig5", "--grid", grid, "--samples", samples, "--csv",
                    "{stem}.csv", "--plot", "{stem}.png",
                ])
            }),
        },
        Panel {
            paper: Paper::Cb2025,
            name: "cb-fig6",
            figure: "Fig. 6",
            shows: "Three regions, disorder in region 1 only: raising g¹ lowers ψ¹ and moves the \
                    leading eigenvalue of diag(ψ)T̂, switching the currents from a fixed point to \
                    a limit cycle; classes in `cb-fig6-classes.png`.",
            kind: Kind::Command(|_| {
                args(&["study", "fig6", "--csv", "{stem}.csv", "--plot", "{stem}.png"])
            }),
        },
        Panel {
            paper: Paper::Cb2025,
            name: "cb-switch",
            figure: "§3.10 (switch)",
            shows: "Five regions, region 1 in self-loop mode: an input into region 1 raises its \
                    variance, lowers its gain and moves the currents to another attractor (routing \
                    by exciting a pattern): S^{μν}, Σ_ρ(S^{μρ})² and ψ^μ over the two phases.",
            kind: Kind::Command(|_| {
                args(&["study", "switch", "--csv", "{stem}.csv", "--plot", "{stem}.png"])
            }),
        },
        Panel {
            paper: Paper::Cb2025,
            name: "cb-polytope-r5",
            figure: "§3.7 (polytopes)",
            shows: "R = 5 regions in exchange mode, sorted b ~ U[1, 3]: the number of vertices of the \
                    attractor polytope against the number f of fracture variables (2^f disconnected \
                    components).",
            kind: Kind::Command(|b| polytope_args("5", b.pick("500", "10000"))),
        },
        Panel {
            paper: Paper::Cb2025,
            name: "cb-polytope-r6",
            figure: "§3.7 (polytopes)",
            shows: "As `cb-polytope-r5` with R = 6.",
            kind: Kind::Command(|b| polytope_args("6", b.pick("200", "10000"))),
        },
        Panel {
            paper: Paper::Cb2025,
            name: "cb-limit-cycle",
            figure: "§3.4 (limit cycle)",
            shows: "Two regions whose T̂ has a complex leading eigenvalue (g = 0.8): the limit cycle \
                    of the currents in the (S^{11}, S^{21}) plane from the two-time DMFT and from a \
                    simulated network (the orbits, phase-free).",
            kind: Kind::Internal(limit_cycle),
        },
    ]
}

/// `study polytope` with `draws` fracture draws at R = `regions`, CSV and plot.
fn polytope_args(regions: &str, draws: &str) -> Vec<String> {
    args(&[
        "study",
        "polytope",
        "--fracture-draws",
        draws,
        "--regions",
        regions,
        "--csv",
        "{stem}.csv",
        "--plot",
        "{stem}.png",
    ])
}

fn term_index(sc: &lowrank::model::Scenario, mu: usize, nu: usize) -> anyhow::Result<usize> {
    let name = lowrank::model::cb2025::term_name(mu, nu);
    sc.model
        .terms()
        .iter()
        .position(|t| t.name == name)
        .with_context(|| format!("no term `{name}` in `{}`", sc.name))
}

fn fig3_currents(ctx: &Ctx) -> anyhow::Result<()> {
    let case = lowrank_validate::cases::cb::fig3_set1();
    let theory = (case.theory)()?;
    let sref = scenario("cb2025-fig3-set1", &[]);
    let sc = load(&sref)?;
    let r = theory.len();
    // g = 0: no random block, the cost per step is O(N·R²), so N can be large
    let n = ctx.budget.pick(5000, 50_000);
    let mut plan = Plan::new(200.0, 0.0, 0.1);
    plan.method = lowrank_sim::Method::Heun;
    plan.record_every = Some(0.5);
    let res = simulate(&sc.model, n, 1, &plan)?;
    let w = window(&res, Field::Currents, 0);
    let mut series = Vec::new();
    let mut styles = Vec::new();
    for (mu, th) in theory.iter().enumerate() {
        styles.push(Style {
            color: Some(mu),
            dashed: false,
        });
        styles.push(Style {
            color: Some(mu),
            dashed: true,
        });
        let idx: Vec<usize> = (0..r)
            .map(|nu| term_index(&sc, mu, nu))
            .collect::<anyhow::Result<_>>()?;
        series.push(Series {
            name: format!("√A^{} simulation", mu + 1),
            points: w
                .iter()
                .map(|(t, v)| (*t, idx.iter().map(|&k| v[k] * v[k]).sum::<f64>().sqrt()))
                .collect(),
            markers: false,
        });
        series.push(Series {
            name: format!("√A^{} theory", mu + 1),
            points: vec![(0.0, *th), (200.0, *th)],
            markers: false,
        });
    }
    ctx.lines_styled(
        &format!(
            "[CB] Fig. 3 set 1: √A^μ(t), simulation N = {n} per region (solid), theory (dashed)"
        ),
        "t",
        "sqrt(A)",
        &series,
        &styles,
    )
}

fn limit_cycle(ctx: &Ctx) -> anyhow::Result<()> {
    let g = "0.8";
    let sref = scenario(
        "cb2025-limit-cycle",
        &[("cb2025.g.0", g.into()), ("cb2025.g.1", g.into())],
    );
    let sc = load(&sref)?;
    let (i11, i21) = (term_index(&sc, 0, 0)?, term_index(&sc, 1, 0)?);
    let dt = 0.02;
    let opts = lowrank::theory::dmft::DmftOptions {
        dt,
        nt: (150.0 / dt) as usize,
        t0: Some((100.0 / dt) as usize),
        ..Default::default()
    };
    let d = lowrank::theory::dmft::run(&sc.model, lowrank::gauss::Gauss::new(64), &opts)?;
    let theory: Vec<(f64, f64)> = (d.t0..d.nt)
        .map(|j| {
            let s = d.currents_at(j);
            (s[i11], s[i21])
        })
        .collect();
    let n = ctx.budget.pick(1000, 8000);
    let mut plan = Plan::new(150.0, 100.0, 0.1);
    plan.method = lowrank_sim::Method::Rk4;
    plan.record_every = Some(0.1);
    let res = simulate(&sc.model, n, 1, &plan)?;
    let sim: Vec<(f64, f64)> = window(&res, Field::Currents, 0)
        .iter()
        .map(|(_, v)| (v[i11], v[i21]))
        .collect();
    ctx.lines(
        &format!(
            "[CB] limit cycle, g = {g}: (S¹¹, S²¹) orbit, DMFT (dt = {dt}) and simulation (N = {n})"
        ),
        "S^11",
        "S^21",
        &[
            Series {
                name: "two-time DMFT".into(),
                points: theory,
                markers: false,
            },
            Series {
                name: format!("simulation N = {n}"),
                points: sim,
                markers: true,
            },
        ],
    )
}
