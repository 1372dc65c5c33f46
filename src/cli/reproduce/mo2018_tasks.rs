//! \[MO\] task panels (docs/theory/2-low-rank.md §2.4–2.6): the loss of bistability under an
//! input along n (Fig. 2), Go/Nogo, noisy detection, context-dependent discrimination (§2.6)
//! and the ring attractor (§2.5). Each draws the mean-field prediction together
//! with finite-N simulations run with the protocols of the validation cases
//! (`lowrank_validate::cases::mo`).
//!
//! The figures are drawn here rather than with `Ctx::lines` because they need what a
//! one-colour-per-series line plot cannot give: theory and simulation of one condition in
//! matching colours, dashed theory lines, error bars, several trials under one legend entry,
//! and equal axes for the ring.

use super::common::{csv_field, write_atomic, Ctx};
use super::{Kind, Panel, Paper};
use anyhow::Context as _;
use lowrank::model::mo2018::{Context, Detection, GoNogo, Mo2018, RankOne, Ring};
use lowrank::model::scenario::Source;
use lowrank::model::{Model, Scenario};
use lowrank::theory::mo2018::{
    bistability_loss, context_discrimination, detection_threshold, go_nogo, input_response,
    rank_one_model, ring,
};
use lowrank::theory::solve::branches::SolveOptions;
use lowrank_sim::{Init, Method};
use lowrank_validate::cases::common::{load, scenario, simulate, window, Field, Plan};
use plotters::element::DashedPathElement;
use plotters::prelude::{
    BitMapBackend, ChartBuilder, Circle, Color, DashedLineSeries, IntoDrawingArea, LineSeries,
    PathElement, RGBColor, SeriesLabelPosition, BLACK, WHITE,
};
use std::path::Path;

/// The \[MO\] task panels.
pub fn panels() -> Vec<Panel> {
    vec![
        Panel {
            paper: Paper::Mo2018,
            name: "mo-fig2-bistable",
            figure: "Fig. 2",
            shows: "Bistable rank one (M_m = 3.5, M_n = 1, g = 0.8) with a constant input along the \
                    part of n orthogonal to m: increasing the input–n overlap Σ_nI first biases the \
                    two states, then the lower one ends in a saddle-node with the unstable middle \
                    branch and bistability is lost. Drawn: κ of the three branches against Σ_nI \
                    (theory), the fold, and simulated networks started on each branch (past the \
                    fold, from the fold's κ).",
            kind: Kind::Internal(fig2_bistable),
        },
        Panel {
            paper: Paper::Mo2018,
            name: "mo-gonogo",
            figure: "§2.6 (Go/Nogo)",
            shows: "Go/Nogo (m = w, n = I_A, g = 0.1): the readout z(t) rises during a Go stimulus on \
                    [5, 15) and stays at zero for a Nogo stimulus, with no memory afterwards. Drawn: \
                    z(t) of simulated networks (one trial each) and the theory's stationary readout \
                    during the stimulus (dashed).",
            kind: Kind::Internal(gonogo),
        },
        Panel {
            paper: Paper::Mo2018,
            name: "mo-detection",
            figure: "§2.6 (detection)",
            shows: "Noisy detection (bistable rank one, stimulus noise σ = 0.4): a trial detects the \
                    stimulus when its readout z, averaged over the last time unit of the stimulus, \
                    is positive (\"Go\" = z > 0: the network left the lower branch, where z < 0). \
                    Drawn: the fraction of detecting trials against the stimulus strength c (a \
                    psychometric curve, ±1 binomial s.e.), noiseless simulations, and the \
                    noiseless theory's step at the threshold c* (saddle-node of the lower branch).",
            kind: Kind::Internal(detection),
        },
        Panel {
            paper: Paper::Mo2018,
            name: "mo-context",
            figure: "§2.6 (context)",
            shows: "Context-dependent discrimination (rank two): the same stimulus flips the readout z \
                    in the context where it is relevant and is ignored in the other. Drawn: z(t) for \
                    context A/B × stimulus A/B (stimulus on from t = 15, held until the state is \
                    stationary) in three simulated networks, with the theory's readouts for the \
                    context input alone and the relevant and irrelevant stimulus (dashed). At the \
                    quick budget's N some networks stay near the lower state under the relevant \
                    stimulus (docs/validation.md); at N = 7000 all of them flip.",
            kind: Kind::Internal(context),
        },
        Panel {
            paper: Paper::Mo2018,
            name: "mo-ring",
            figure: "§2.5 (ring)",
            shows: "Ring attractor (rank two, Σ = 2, ρ = 1.6, g = 2.1, chaotic): the overlaps \
                    (κ₁, κ₂) move onto a ring whose radius the theory fixes while the angle is \
                    marginal. Drawn: trajectories of simulated trials from x(0) ~ N(0, 1) in a few \
                    networks (end points marked), the predicted radius and the simulated \
                    time-averaged radius (dashed circles).",
            kind: Kind::Internal(ring_panel),
        },
    ]
}

const C_BLUE: RGBColor = RGBColor(31, 119, 180);
const C_RED: RGBColor = RGBColor(214, 39, 40);
const C_GREEN: RGBColor = RGBColor(44, 160, 44);
const C_ORANGE: RGBColor = RGBColor(255, 127, 14);
const C_PURPLE: RGBColor = RGBColor(148, 103, 189);
const C_BROWN: RGBColor = RGBColor(140, 86, 75);
const C_GREY: RGBColor = RGBColor(110, 110, 110);
const TRIAL_COLORS: [RGBColor; 6] = [C_BLUE, C_RED, C_GREEN, C_ORANGE, C_PURPLE, C_BROWN];

/// How a curve is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Look {
    /// Solid line.
    Line,
    /// Dashed line (theory).
    Dashed,
    /// Filled circles.
    Dots,
    /// Open circles (visible on top of filled ones).
    Rings,
}

/// One named curve of a task figure. Its parts (trials, networks, error bars) share the colour
/// and the legend entry; in the CSV each part is its own series `NAME [k]`.
struct Curve {
    name: String,
    parts: Vec<Vec<(f64, f64)>>,
    color: RGBColor,
    look: Look,
    listed: bool,
}

impl Curve {
    /// A curve of one part.
    fn new(name: impl Into<String>, color: RGBColor, look: Look, points: Vec<(f64, f64)>) -> Self {
        Self::parts(name, color, look, vec![points])
    }

    /// A curve of several parts.
    fn parts(
        name: impl Into<String>,
        color: RGBColor,
        look: Look,
        parts: Vec<Vec<(f64, f64)>>,
    ) -> Self {
        Curve {
            name: name.into(),
            parts,
            color,
            look,
            listed: true,
        }
    }

    /// Leave the curve out of the legend (markers that decorate another curve).
    fn unlisted(mut self) -> Self {
        self.listed = false;
        self
    }
}

/// A task figure: caption, axis labels, curves; `square` draws equal axes symmetric about 0.
struct Figure {
    title: String,
    xlabel: String,
    ylabel: String,
    curves: Vec<Curve>,
    legend: SeriesLabelPosition,
    square: bool,
}

/// A plotters error as an anyhow error.
fn draw_err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("drawing: {e}")
}

impl Figure {
    /// Write `NAME.csv` (`series,x,y`, one series per part) and draw `NAME.png`.
    fn write(&self, ctx: &Ctx) -> anyhow::Result<()> {
        let mut csv = String::from("series,x,y\n");
        for c in &self.curves {
            for (k, part) in c.parts.iter().enumerate() {
                let name = if c.parts.len() > 1 {
                    format!("{} [{}]", c.name, k + 1)
                } else {
                    c.name.clone()
                };
                for (x, y) in part.iter().filter(|p| p.0.is_finite() && p.1.is_finite()) {
                    csv.push_str(&format!("{},{x},{y}\n", csv_field(&name)));
                }
            }
        }
        write_atomic(&ctx.path("csv"), csv.as_bytes())?;
        ctx.plot(|path| self.draw(path))
    }

    /// Draw the figure as a PNG into `path`.
    fn draw(&self, path: &Path) -> anyhow::Result<()> {
        lowrank::plot::ensure_font()?;
        let points = || {
            self.curves
                .iter()
                .flat_map(|c| c.parts.iter().flatten().copied())
        };
        // the plotting area is square for a square image with these label areas
        let (size, (x0, x1), (y0, y1)) = if self.square {
            let r = 1.05
                * points()
                    .map(|p| p.0.abs().max(p.1.abs()))
                    .fold(0.0, f64::max);
            let r = if r > 0.0 && r.is_finite() { r } else { 1.0 };
            ((820, 840), (-r, r), (-r, r))
        } else {
            (
                (900, 600),
                lowrank::plot::bounds(points().map(|p| p.0)),
                lowrank::plot::bounds(points().map(|p| p.1)),
            )
        };
        let root = BitMapBackend::new(path, size).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.title, ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(45)
            .y_label_area_size(65)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(self.xlabel.as_str())
            .y_desc(self.ylabel.as_str())
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 16))
            .light_line_style(RGBColor(238, 238, 238).stroke_width(1))
            .bold_line_style(RGBColor(205, 205, 205).stroke_width(1))
            .draw()
            .map_err(draw_err)?;
        for c in &self.curves {
            let color = c.color;
            let mut labelled = !c.listed;
            for part in &c.parts {
                let pts: Vec<(f64, f64)> = part
                    .iter()
                    .copied()
                    .filter(|p| p.0.is_finite() && p.1.is_finite())
                    .collect();
                if pts.is_empty() {
                    continue;
                }
                let anno = match c.look {
                    Look::Line => chart
                        .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                        .map_err(draw_err)?,
                    Look::Dashed => chart
                        .draw_series(DashedLineSeries::new(pts, 9, 6, color.stroke_width(2)))
                        .map_err(draw_err)?,
                    Look::Dots => chart
                        .draw_series(pts.into_iter().map(|p| Circle::new(p, 4, color.filled())))
                        .map_err(draw_err)?,
                    Look::Rings => chart
                        .draw_series(
                            pts.into_iter()
                                .map(|p| Circle::new(p, 6, color.stroke_width(2))),
                        )
                        .map_err(draw_err)?,
                };
                if labelled {
                    continue;
                }
                labelled = true;
                let anno = anno.label(c.name.as_str());
                match c.look {
                    Look::Line => anno.legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 22, y)], color.stroke_width(2))
                    }),
                    Look::Dashed => anno.legend(move |(x, y)| {
                        DashedPathElement::new(
                            vec![(x, y), (x + 22, y)],
                            6,
                            4,
                            color.stroke_width(2),
                        )
                    }),
                    Look::Dots => {
                        anno.legend(move |(x, y)| Circle::new((x + 11, y), 4, color.filled()))
                    }
                    Look::Rings => anno
                        .legend(move |(x, y)| Circle::new((x + 11, y), 6, color.stroke_width(2))),
                };
            }
        }
        chart
            .configure_series_labels()
            .position(self.legend.clone())
            .label_font(("sans-serif", 14))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
        Ok(())
    }
}

/// Mean-field solver options shared by the panels (the validation cases' defaults).
fn opts() -> SolveOptions {
    SolveOptions::default()
}

/// The `[mo2018]` parameters of a loaded bundled scenario.
fn mo_params(sc: &Scenario) -> anyhow::Result<&Mo2018> {
    match &sc.source {
        Source::Mo2018(p) => Ok(p),
        _ => anyhow::bail!("scenario `{}` has no [mo2018] section", sc.name),
    }
}

/// Index of a named loading vector, as an error naming the model when absent.
fn vector(model: &Model, name: &str) -> anyhow::Result<usize> {
    model
        .vector_index(name)
        .with_context(|| format!("model `{}` has no vector `{name}`", model.name()))
}

/// Circle of radius `r` about the origin as a closed polyline.
fn circle(r: f64) -> Vec<(f64, f64)> {
    (0..=240)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / 240.0;
            (r * a.cos(), r * a.sin())
        })
        .collect()
}

/// The readout z(t) of trial `b` of a simulation with recorded series.
fn readout_trace(res: &lowrank_sim::SimulationResult, b: usize) -> Vec<(f64, f64)> {
    window(res, Field::Readouts, b)
        .iter()
        .filter_map(|(t, v)| v.first().map(|z| (*t, *z)))
        .collect()
}

/// \[MO\] Fig. 2: upper, lower and middle branches of κ against Σ_nI, the fold of the lower
/// branch, and simulations started on each branch.
fn fig2_bistable(ctx: &Ctx) -> anyhow::Result<()> {
    let name = "mo2018-fig2-bistable-input";
    let sc = load(&scenario(name, &[]))?;
    let base: RankOne = match mo_params(&sc)? {
        Mo2018::RankOne(p) => p.clone(),
        _ => anyhow::bail!("{name} is not a rank-one scenario"),
    };
    let o = opts();
    let s_max = 2.0;
    let fold = bistability_loss(&base, s_max, &o)?.with_context(|| {
        format!("theory: the lower branch of {name} survives up to Σ_nI = {s_max}")
    })?;
    // the simulated Σ_nI are grid points (their starting κ is read off the branches), and extra
    // points just before the fold resolve the steep end of the lower and middle branches
    let sim_grid = lowrank::theory::numerics::linspace(0.0, s_max, ctx.budget.pick(9, 21));
    let mut grid = lowrank::theory::numerics::linspace(0.0, s_max, ctx.budget.pick(41, 101));
    grid.extend(&sim_grid);
    grid.extend(
        [0.03, 0.015, 0.006, 0.002]
            .iter()
            .map(|d| fold.param - d)
            .filter(|s| *s > 0.0),
    );
    grid.sort_by(f64::total_cmp);
    grid.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    let b = base.clone();
    let rows = input_response(
        move |s| {
            rank_one_model(&RankOne {
                sigma_ni: s,
                ..b.clone()
            })
        },
        &grid,
        &o,
    )?;
    let fold_kappa = *fold.kappa.first().context("fold without κ")?;
    // Before the fold the stable states of smallest and largest κ are the lower and upper
    // branches and the unstable state between them is the middle one; past it only the upper
    // branch is left.
    let mut upper = Vec::new();
    let mut lower = Vec::new();
    let mut middle = Vec::new();
    for (s, sols) in &rows {
        let mut stable: Vec<f64> = sols
            .iter()
            .filter(|x| x.convergence.converged && x.stable)
            .map(|x| x.kappa[0])
            .collect();
        stable.sort_by(f64::total_cmp);
        let (Some(&lo), Some(&up)) = (stable.first(), stable.last()) else {
            continue;
        };
        upper.push((*s, up));
        if *s < fold.param && stable.len() >= 2 {
            lower.push((*s, lo));
            if let Some(mid) = sols
                .iter()
                .filter(|x| {
                    x.convergence.converged && !x.stable && x.kappa[0] > lo && x.kappa[0] < up
                })
                .map(|x| x.kappa[0])
                .next()
            {
                middle.push((*s, mid));
            }
        }
    }
    // the lower and middle branches meet at the fold
    lower.push((fold.param, fold_kappa));
    middle.push((fold.param, fold_kappa));

    let n = ctx.budget.pick(2000, 6000);
    let m_idx = vector(&sc.model, "m")?;
    let input = sc
        .model
        .inputs()
        .first()
        .with_context(|| format!("{name} has no input"))?;
    let (i_idx, u) = (input.vector, input.schedule.baseline);
    let mut sim_upper = Vec::new();
    let mut sim_lower = Vec::new();
    for s in &sim_grid {
        let Some(up) = upper.iter().find(|p| (p.0 - s).abs() < 1e-9).map(|p| p.1) else {
            continue;
        };
        // past the fold there is no lower state to start on; starting where it vanished shows
        // the network leaving for the upper branch
        let from_lower = lower
            .iter()
            .find(|p| (p.0 - s).abs() < 1e-9)
            .map_or(fold_kappa, |p| p.1);
        let model = load(&scenario(name, &[("mo2018.sigma_ni", format!("{s}"))]))?.model;
        for (start, out) in [(up, &mut sim_upper), (from_lower, &mut sim_lower)] {
            let mut plan = Plan::new(50.0, 30.0, 0.1);
            plan.init = Init::Vectors {
                coefficients: vec![(m_idx, start), (i_idx, u)],
                std: 0.0,
            };
            // the same network at every Σ_nI: only the input vector's n-component changes
            let res = simulate(&model, n, 1, &plan)?;
            out.push((*s, res.kappa[0]));
        }
    }
    let y = lowrank::plot::bounds(
        upper
            .iter()
            .chain(&lower)
            .chain(&sim_upper)
            .chain(&sim_lower)
            .map(|p| p.1),
    );
    Figure {
        title: format!("[MO] Fig. 2: κ against Σ_nI (M_m = 3.5, M_n = 1, g = 0.8), N = {n}"),
        xlabel: "Σ_nI (overlap of the input with n)".into(),
        ylabel: "κ".into(),
        curves: vec![
            Curve::new("upper branch (theory)", C_BLUE, Look::Line, upper),
            Curve::new("lower branch (theory)", C_RED, Look::Line, lower),
            Curve::new(
                "unstable middle branch (theory)",
                C_GREY,
                Look::Dashed,
                middle,
            ),
            Curve::new(
                format!("saddle-node Σ_nI* = {:.3}", fold.param),
                BLACK,
                Look::Dashed,
                vec![(fold.param, y.0), (fold.param, y.1)],
            ),
            Curve::new(
                "simulation started on the upper branch",
                C_BLUE,
                Look::Dots,
                sim_upper,
            ),
            Curve::new(
                "simulation started on the lower branch",
                C_RED,
                Look::Rings,
                sim_lower,
            ),
        ],
        legend: SeriesLabelPosition::MiddleRight,
        square: false,
    }
    .write(ctx)
}

/// \[MO\] Go/Nogo (§2.6): readout z(t) of Go and Nogo trials with the theory's readout during the
/// stimulus.
fn gonogo(ctx: &Ctx) -> anyhow::Result<()> {
    let name = "mo2018-gonogo";
    let sc = load(&scenario(name, &[]))?;
    let p: GoNogo = match mo_params(&sc)? {
        Mo2018::GoNogo(p) => p.clone(),
        _ => anyhow::bail!("{name} is not a go-nogo scenario"),
    };
    let pred = go_nogo(&p, &opts())?;
    let n = ctx.budget.pick(2500, 8000);
    let networks = ctx.budget.pick(3, 5);
    let t_end = p.onset + p.duration + 15.0;
    let mut traces = [Vec::new(), Vec::new()];
    for (k, stim) in ["go", "nogo"].iter().enumerate() {
        let model = load(&scenario(name, &[("mo2018.stimulus", stim.to_string())]))?.model;
        for seed in 1..=networks as u64 {
            // the reference protocol: x ~ N(0, 0.1²) at t = −10, rest until the stimulus
            let mut plan = Plan::new(t_end, 0.0, 0.1);
            plan.pre = 10.0;
            plan.init = Init::Gaussian {
                mean: 0.0,
                std: 0.1,
            };
            plan.record_every = Some(0.1);
            let res = simulate(&model, n, seed, &plan)?;
            traces[k].push(readout_trace(&res, 0));
        }
    }
    let [go, nogo] = traces;
    let on = (p.onset, p.onset + p.duration);
    Figure {
        title: format!(
            "[MO] Go/Nogo readout z(t), stimulus on [{}, {}), N = {n}",
            on.0, on.1
        ),
        xlabel: "t".into(),
        ylabel: "readout z".into(),
        curves: vec![
            Curve::parts(
                format!("Go, {networks} networks (simulation)"),
                C_BLUE,
                Look::Line,
                go,
            ),
            Curve::parts(
                format!("Nogo, {networks} networks (simulation)"),
                C_RED,
                Look::Line,
                nogo,
            ),
            Curve::new(
                format!("Go theory z = {:.3}", pred.go_readout),
                BLACK,
                Look::Dashed,
                vec![(on.0, pred.go_readout), (on.1, pred.go_readout)],
            ),
            Curve::new(
                format!("Nogo theory z = {:.3}", pred.nogo_readout),
                C_GREY,
                Look::Dashed,
                vec![(on.0, pred.nogo_readout), (on.1, pred.nogo_readout)],
            ),
        ],
        legend: SeriesLabelPosition::UpperRight,
        square: false,
    }
    .write(ctx)
}

/// \[MO\] detection (§2.6): fraction of noisy trials detecting the stimulus against c, with the threshold
/// c* of the noiseless theory.
fn detection(ctx: &Ctx) -> anyhow::Result<()> {
    let name = "mo2018-detection";
    let sc = load(&scenario(name, &[]))?;
    let p: Detection = match mo_params(&sc)? {
        Mo2018::Detection(p) => p.clone(),
        _ => anyhow::bail!("{name} is not a detection scenario"),
    };
    let c_star = detection_threshold(
        &Detection {
            noise: 0.0,
            ..p.clone()
        },
        3.0,
        &opts(),
    )?
    .param;
    let n = ctx.budget.pick(1500, 2500);
    let trials = ctx.budget.pick(24, 48);
    let cs = lowrank::theory::numerics::linspace(0.0, 1.2, ctx.budget.pick(13, 25));
    let t_end = p.onset + p.duration;
    let mut noisy = Vec::new();
    let mut bars = Vec::new();
    let mut noiseless = Vec::new();
    for &c in &cs {
        for (noise, reps) in [(p.noise, trials), (0.0, 1)] {
            let model = load(&scenario(
                name,
                &[
                    ("mo2018.c", format!("{c}")),
                    ("mo2018.noise", format!("{noise}")),
                ],
            ))?
            .model;
            let (m, nv) = (vector(&model, "m")?, vector(&model, "n")?);
            // x(−10) = −m − n (the rest state); z averaged over the last time unit of the stimulus
            let mut plan = Plan::new(t_end, t_end - 1.0, 0.1);
            plan.pre = 10.0;
            plan.trials = reps;
            plan.init = Init::Vectors {
                coefficients: vec![(m, -1.0), (nv, -1.0)],
                std: 0.0,
            };
            // one network for every c: trials differ only in their noise draws
            let res = simulate(&model, n, 1, &plan)?;
            let hits = res
                .per_trial
                .iter()
                .filter(|t| t.readouts.first().is_some_and(|z| *z > 0.0))
                .count();
            let f = hits as f64 / reps as f64;
            if reps > 1 {
                let se = (f * (1.0 - f) / reps as f64).sqrt();
                noisy.push((c, f));
                bars.push(vec![(c, f - se), (c, f + se)]);
            } else {
                noiseless.push((c, f));
            }
        }
    }
    let c_max = cs.last().copied().unwrap_or(1.0);
    Figure {
        title: format!(
            "[MO] detection, σ = {}, N = {n}, {trials} noisy trials per c",
            p.noise
        ),
        xlabel: "stimulus strength c".into(),
        ylabel: "fraction of trials detecting (z > 0)".into(),
        curves: vec![
            Curve::new(
                format!("simulation σ = {}", p.noise),
                C_BLUE,
                Look::Dots,
                noisy,
            ),
            Curve::parts("±1 s.e. (binomial)", C_BLUE, Look::Line, bars),
            Curve::new("simulation σ = 0", C_RED, Look::Rings, noiseless),
            Curve::new(
                format!("theory σ = 0: step at c* = {c_star:.3} (saddle-node)"),
                BLACK,
                Look::Dashed,
                vec![(0.0, 0.0), (c_star, 0.0), (c_star, 1.0), (c_max, 1.0)],
            ),
        ],
        legend: SeriesLabelPosition::MiddleRight,
        square: false,
    }
    .write(ctx)
}

/// \[MO\] context (§2.6): readout z(t) in contexts A and B for stimuli A and B, with the theory's rest,
/// relevant and irrelevant readouts.
fn context(ctx: &Ctx) -> anyhow::Result<()> {
    let name = "mo2018-context";
    let sc = load(&scenario(name, &[]))?;
    let p: Context = match mo_params(&sc)? {
        Mo2018::Context(p) => p.clone(),
        _ => anyhow::bail!("{name} is not a context scenario"),
    };
    let (on, off) = (p.gamma_a, p.gamma_b);
    // Context B with stimulus B is context A with stimulus A under the exchange 1 ↔ 2 of the
    // construction, and z = β_m(κ₁ + κ₂)⟨φ′⟩ is symmetric, so context A's prediction serves both.
    let pred = context_discrimination(
        &Context {
            c_a: 1.0,
            c_b: 0.0,
            ..p.clone()
        },
        &opts(),
    )?;
    let n = ctx.budget.pick(2000, 7000);
    let networks = 3;
    // the escape from the ghost of the folded lower state can take ~80 time units at these N,
    // longer than the paper's 85-unit stimulus leaves to settle
    let stop = 150.0;
    let conditions = [
        ("A", on, off, "A", 1.0, 0.0, C_BLUE),
        ("B", off, on, "B", 0.0, 1.0, C_GREEN),
        ("A", on, off, "B", 0.0, 1.0, C_ORANGE),
        ("B", off, on, "A", 1.0, 0.0, C_RED),
    ];
    let mut curves = Vec::new();
    for (context_name, g_a, g_b, stim, c_a, c_b, color) in conditions {
        let model = load(&scenario(
            name,
            &[
                ("mo2018.gamma_a", format!("{g_a}")),
                ("mo2018.gamma_b", format!("{g_b}")),
                ("mo2018.c_a", format!("{c_a}")),
                ("mo2018.c_b", format!("{c_b}")),
                ("mo2018.stop", format!("{stop}")),
            ],
        ))?
        .model;
        let mut coefficients = Vec::new();
        for v in ["m1", "n1", "m2", "n2"] {
            coefficients.push((vector(&model, v)?, -1.0));
        }
        let mut parts = Vec::new();
        for seed in 1..=networks as u64 {
            let mut plan = Plan::new(stop, 0.0, 0.1);
            plan.pre = 10.0;
            plan.init = Init::Vectors {
                coefficients: coefficients.clone(),
                std: 0.0,
            };
            plan.record_every = Some(0.5);
            // one seed is one network in all four conditions
            let res = simulate(&model, n, seed, &plan)?;
            parts.push(readout_trace(&res, 0));
        }
        let relevant = context_name == stim;
        curves.push(Curve::parts(
            format!(
                "context {context_name}, stimulus {stim} ({})",
                if relevant { "relevant" } else { "irrelevant" }
            ),
            color,
            Look::Line,
            parts,
        ));
    }
    let s0 = p.stimulus_onset;
    curves.push(Curve::new(
        format!("theory: relevant stimulus z = {:.3}", pred.relevant_readout),
        BLACK,
        Look::Dashed,
        vec![(s0, pred.relevant_readout), (stop, pred.relevant_readout)],
    ));
    curves.push(Curve::new(
        format!(
            "theory: irrelevant stimulus z = {:.3}",
            pred.irrelevant_readout
        ),
        C_GREY,
        Look::Dashed,
        vec![
            (s0, pred.irrelevant_readout),
            (stop, pred.irrelevant_readout),
        ],
    ));
    curves.push(Curve::new(
        format!("theory: context input alone z = {:.3}", pred.rest_readout),
        C_BROWN,
        Look::Dashed,
        vec![
            (p.context_onset, pred.rest_readout),
            (s0, pred.rest_readout),
        ],
    ));
    Figure {
        title: format!("[MO] context-dependent discrimination, z(t), N = {n}, {networks} networks"),
        xlabel: "t".into(),
        ylabel: "readout z".into(),
        curves,
        legend: SeriesLabelPosition::MiddleRight,
        square: false,
    }
    .write(ctx)
}

/// \[MO\] ring attractor: simulated (κ₁, κ₂) trajectories with the predicted ring radius.
fn ring_panel(ctx: &Ctx) -> anyhow::Result<()> {
    let name = "mo2018-ring";
    let sc = load(&scenario(name, &[]))?;
    let p: Ring = match mo_params(&sc)? {
        Mo2018::Ring(p) => p.clone(),
        _ => anyhow::bail!("{name} is not a ring scenario"),
    };
    let theory = ring(&p, &opts())?;
    let n = ctx.budget.pick(2000, 4000);
    let t_end = ctx.budget.pick(150.0, 200.0);
    let networks = 3;
    let trials = ctx.budget.pick(2, 3);
    // the mean radius is taken after the approach to the ring from x(0) ~ N(0, 1)
    let settle = 30.0;
    let (mut sum, mut count) = (0.0, 0usize);
    let mut curves = Vec::new();
    let mut ends = Vec::new();
    for seed in 1..=networks as u64 {
        let mut plan = Plan::new(t_end, 0.0, 0.1);
        plan.method = Method::Heun;
        plan.trials = trials;
        plan.record_every = Some(0.5);
        let res = simulate(&sc.model, n, seed, &plan)?;
        let color = TRIAL_COLORS[(seed as usize - 1) % TRIAL_COLORS.len()];
        let mut parts = Vec::new();
        for b in 0..res.trials {
            let w: Vec<(f64, f64, f64)> = window(&res, Field::Kappa, b)
                .iter()
                .filter_map(|(t, v)| Some((*t, *v.first()?, *v.get(1)?)))
                .collect();
            for (t, k1, k2) in &w {
                if *t >= settle {
                    sum += k1.hypot(*k2);
                    count += 1;
                }
            }
            if let Some(&(_, k1, k2)) = w.last() {
                ends.push(((k1, k2), color));
            }
            parts.push(w.iter().map(|(_, k1, k2)| (*k1, *k2)).collect());
        }
        curves.push(Curve::parts(
            format!("network {seed}: {trials} trials (simulation)"),
            color,
            Look::Line,
            parts,
        ));
    }
    anyhow::ensure!(count > 0, "ring: no recorded samples after t = {settle}");
    let mean_r = sum / count as f64;
    for (k, (end, color)) in ends.into_iter().enumerate() {
        curves.push(
            Curve::new(format!("end point {}", k + 1), color, Look::Dots, vec![end]).unlisted(),
        );
    }
    curves.push(Curve::new(
        format!(
            "theory: radius {:.3} ({} ring)",
            theory.radius, theory.regime
        ),
        BLACK,
        Look::Dashed,
        circle(theory.radius),
    ));
    curves.push(Curve::new(
        format!("simulation: mean radius {mean_r:.3} (t ≥ {settle})"),
        C_GREY,
        Look::Dashed,
        circle(mean_r),
    ));
    Figure {
        title: format!(
            "[MO] ring attractor (Σ = {}, ρ = {}, g = {}): (κ₁, κ₂), N = {n}, T = {t_end}",
            p.sigma, p.rho, p.g
        ),
        xlabel: "κ₁".into(),
        ylabel: "κ₂".into(),
        curves,
        legend: SeriesLabelPosition::UpperRight,
        square: true,
    }
    .write(ctx)
}
