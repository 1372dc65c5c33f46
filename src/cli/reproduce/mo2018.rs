//! \[MO\] panels (docs/theory/2-low-rank.md): the states of a rank-one network against g and
//! against the structure strength, Δ(τ) (Fig. 1), the (g, λ₀) phase diagram and the spectrum of J;
//! the input-driven bistability (Fig. 2), the tasks and the ring are in [`super::mo2018_tasks`].

use super::common::Ctx;
use super::{Kind, Panel, Paper};
use lowrank::plot::Series;

/// The \[MO\] panels.
pub fn panels() -> Vec<Panel> {
    let mut v = vec![
        Panel {
            paper: Paper::Mo2018,
            name: "mo-fig1-states",
            figure: "Fig. 1",
            shows:
                "Rank one, M_m = 1.1, M_n = 2, φ = tanh: |κ| and Δ₀ of the attractor against the \
                    disorder g — heterogeneous stationary state, then chaos — theory lines with \
                    simulated networks (points, 95 % intervals over seeds).",
            kind: Kind::Internal(|c| c.validation_figure("mo-fig1", true).map(|_| ())),
        },
        Panel {
            paper: Paper::Mo2018,
            name: "mo-fig1-branches",
            figure: "Fig. 1",
            shows: "Every mean-field branch (stable or not) of the same network against g: κ₁ per \
                    branch, static and chaotic (`lowrank sweep`).",
            kind: Kind::Command(|b| {
                sweep_args(&[], &format!("mo2018.g=0.1:3:{}", b.pick(30, 146)))
            }),
        },
        Panel {
            paper: Paper::Mo2018,
            name: "mo-fig1-structure",
            figure: "§2.1 (λ₀)",
            shows: "States against the structure strength λ₀ = M_m M_n (M_m = 1.1, M_n swept, \
                    g = 0.5): the homogeneous state gives way to two heterogeneous ones at λ₀ = 1.",
            kind: Kind::Command(|b| {
                sweep_args(
                    &["mo2018.g=0.5"],
                    &format!("mo2018.mean_n=0:3:{}", b.pick(31, 151)),
                )
            }),
        },
        Panel {
            paper: Paper::Mo2018,
            name: "mo-fig1-acf",
            figure: "Fig. 1 (Δ(τ))",
            shows:
                "Autocorrelation Δ(τ) of the chaotic state at g = 2.5: the theory's Δ(τ) against \
                    the simulated network's.",
            kind: Kind::Internal(|c| c.validation_figure("mo-fig1-acf", true).map(|_| ())),
        },
        Panel {
            paper: Paper::Mo2018,
            name: "mo-phase",
            figure: "§2.3 (phase diagram)",
            shows: "Phase diagram in (g, λ₀): homogeneous stationary, heterogeneous stationary, \
                    chaotic; the boundaries λ₀ = 1, g = 1, λ₀^BB(g) and g_C(λ₀).",
            kind: Kind::Internal(|c| c.validation_figure("mo-phase", false).map(|_| ())),
        },
        Panel {
            paper: Paper::Mo2018,
            name: "mo-fig1-spectrum",
            figure: "§2.2 (spectrum)",
            shows:
                "Eigenvalues of J = gχ + m nᵀ/N for one network (g = 0.5): the bulk in the disc \
                    of radius g and the outlier at λ₀ = M_m M_n = 2.2.",
            kind: Kind::Internal(spectrum),
        },
    ];
    v.extend(super::mo2018_tasks::panels());
    v
}

/// `sweep mo2018-fig1` with `--set` overrides and one `--param`, CSV and plot.
fn sweep_args(set: &[&str], param: &str) -> Vec<String> {
    let mut v = vec!["sweep".to_string(), "mo2018-fig1".into()];
    for s in set {
        v.extend(["--set".to_string(), s.to_string()]);
    }
    v.extend(
        [
            "--param",
            param,
            "--csv",
            "{stem}.csv",
            "--plot",
            "{stem}.png",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    v
}

fn spectrum(ctx: &Ctx) -> anyhow::Result<()> {
    let g = 0.5;
    let s = lowrank::model::bundled::load(
        "mo2018-fig1",
        &[lowrank::model::Override::parse(&format!("mo2018.g={g}"))?],
    )
    .ok_or_else(|| anyhow::anyhow!("bundled scenario mo2018-fig1 missing"))??;
    let n = ctx.budget.pick(1000, 3000);
    let r = lowrank::spectrum::compute(&s, n, 1, false, &ctx.interrupt)?;
    let eig: Vec<(f64, f64)> = r
        .spectrum
        .eigenvalues
        .iter()
        .map(|e| (e[0], e[1]))
        .collect();
    let circle: Vec<(f64, f64)> = (0..=200)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / 200.0;
            (r.predicted_bulk * a.cos(), r.predicted_bulk * a.sin())
        })
        .collect();
    let outliers: Vec<(f64, f64)> = r.omega.iter().map(|e| (e[0], e[1])).collect();
    ctx.lines(
        &format!("[MO] eigenvalues of J, g = {g}, N = {}", r.n),
        "Re λ",
        "Im λ",
        &[
            Series {
                name: format!("eigenvalues (N = {})", r.n),
                points: eig,
                markers: true,
            },
            Series {
                name: format!("bulk radius g = {:.3}", r.predicted_bulk),
                points: circle,
                markers: false,
            },
            Series {
                name: "predicted outlier λ₀".into(),
                points: outliers,
                markers: true,
            },
        ],
    )
}
