//! `lowrank study <NAME> [options]`: the Clark & Beiran (2025) numerical studies of docs/theory §3
//! (library: `lowrank::theory::cb2025::{studies, polytope}`), with CSV, JSON and plots.
//!
//! - `fig5`: the R = 2 dynamics phase diagram over the leading eigenvalue λ of T̂ (§3.8): a grid of
//!   target λ in the complex plane, rejection-sampled tensors per cell, one two-time DMFT per tensor,
//!   every region classified (FP, FP+chaos, LC, LC+chaos, chaos, invalid); per cell the modal class
//!   and the Shannon entropy (bits) of the class distribution. The analytic boundary is the
//!   zero-current instability Re λ = 1/ψ₀(g) (§3.4).
//! - `fig6`: disorder in region 1 only, swept over g¹, with a tensor whose intact leading eigenvalue
//!   is real > 1 and complex with real part > 1 with region 1 silenced (§3.9): classes, dominant
//!   frequency, time-averaged gains ψ^μ and the leading eigenvalue of diag(ψ(t)) T̂.
//! - `switch`: the input-driven switch of §3.10 (current ODE, g = 0): no input, then a constant
//!   input into one region; time series of the currents S^{μν}, gains ψ^μ and Σ_ρ (S^{μρ})².
//! - `polytope`: the attractor polytope of exchange-mode symmetric interactions (§3.7): vertices,
//!   fracture variables, 2^f components; `--fracture-draws N` for the A.6 statistics.
//!
//! Regions are numbered from 1 on the command line and in every output (the paper's numbering);
//! currents S^{μν} are listed in the order μR + ν.
//!
//! Every study takes `--json` (one JSON document on stdout; field names in the doc comment of each
//! `*Args`), and the long ones show a progress bar on a terminal only.

use super::common::{parse_list, parse_tensor};
use super::output::{Outputs, PLOT_EXTENSIONS};
use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use lowrank::plot::{category_map, line_plot, shaded_category_map, Series, ShadedMap};
use lowrank::progress::Progress;
use lowrank::study::polytope::pair_name;
use lowrank::study::{Fig4Options, Fig5Options, Fig6Options, PolytopeOptions, SwitchStudyOptions};
use lowrank::theory::currents::InputGain;
use lowrank::theory::dmft::DynamicsClass;
use serde_json::Value;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `lowrank study`.
#[derive(Debug, Clone, clap::Args)]
pub struct StudyArgs {
    /// Which study.
    #[command(subcommand)]
    pub study: Study,
}

/// The studies.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Study {
    /// Fig. 4: one region with self-loop b — √A, Δ₀, Δ∞ of the static, chaotic and pure-chaos
    /// branches against g, the chaos onset g_c(b), the generator–transmitter point g*(b) and
    /// the Δ(τ) panels (docs/theory §3.2–§3.6).
    ///
    /// JSON: `b`, `delta0_pinned`, `onset`, `onset_exact`, `g_star` (`value`, `converged`,
    /// `residual`, `iterations`), `rows` (per g: `static_sqrt_a`, `static_stable`,
    /// `chaotic_sqrt_a`, `chaotic_delta_inf`, `pure_chaos_delta0`, `pure_chaos_gain`,
    /// `pure_chaos_stable`, `branch`, `sqrt_a`, `delta0`, `delta_inf`), `autocorrelation`
    /// (per `--acf` g: `g`, `branch`, `tau`, `delta`).
    Fig4(Fig4Args),
    /// Fig. 5: R = 2 dynamics phase diagram over the leading eigenvalue of T̂ (docs/theory §3.8).
    ///
    /// Defaults: 10 × 10 cells × 6 tensors at the paper's N_t = 2500 (600 DMFT runs, under a
    /// minute on 2 cores). The paper's budget is `--grid 40 --samples 50` (80 000 runs at ≈ 0.045
    /// CPU-s each: ≈ 1 CPU-hour, about 30 minutes on 2 idle cores).
    Fig5(Fig5Args),
    /// Fig. 6: disorder in region 1 shaping the currents (fixed point → limit cycle, §3.9).
    Fig6(Fig6Args),
    /// Input-driven switch of the currents (current ODE without disorder, §3.10).
    Switch(SwitchArgs),
    /// Attractor polytope of exchange-mode symmetric interactions; fracture statistics (§3.7).
    Polytope(PolytopeArgs),
}

/// Arguments of `lowrank study fig4`.
#[derive(Debug, Clone, clap::Args)]
pub struct Fig4Args {
    /// Self-loop b (> 1) of the region; the paper plots 1.5, 2 and 2.5.
    #[arg(long, default_value_t = 2.0, allow_hyphen_values = true)]
    pub b: f64,
    /// Grid of the disorder gain g.
    #[arg(
        long,
        default_value = "0:3:121",
        value_name = "START:STOP:COUNT",
        allow_hyphen_values = true
    )]
    pub g: String,
    /// Disorder gains of the Δ(τ) panels (the realised state at each), e.g. `1.2,1.8,2.4`.
    #[arg(long, value_name = "G,G,...", allow_hyphen_values = true)]
    pub acf: Option<String>,
    /// Largest lag of the panels.
    #[arg(long, default_value_t = 20.0, allow_hyphen_values = true)]
    pub tau_max: f64,
    /// Lag step of the panels.
    #[arg(long, default_value_t = 0.05, allow_hyphen_values = true)]
    pub tau_step: f64,
    /// Outputs (`--plot FILE` draws √A against g, and with `--acf` the panels in FILE-acf).
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Outputs shared by the studies.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Print one JSON document on stdout instead of the text report.
    #[arg(long)]
    pub json: bool,
    /// Write the study's table to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Draw the study's figure (PNG, or SVG if FILE ends in `.svg`); `--png`/`--svg` are aliases.
    #[arg(long, value_name = "FILE", visible_aliases = ["png", "svg"])]
    pub plot: Option<PathBuf>,
}

/// `lowrank study fig5`: the Fig. 5 phase diagram (docs/theory §3.8).
///
/// Paper budget: `--grid 40 --samples 50 --t 125 --dt 0.05` (40 × 40 cells, 50 tensors, N_t =
/// 2500): 80 000 DMFT runs at ≈ 0.045 CPU-s each (measured, R = 2), ≈ 1 CPU-hour.
///
/// JSON fields: `study` ("fig5"), `regions`, `g`, `samples`, `window`, `dt`, `nt`, `seed`,
/// `re`, `im` (grid values), `psi0` (pure-chaos gain ψ₀(g)), `re_boundary` (1/ψ₀(g)),
/// `classes` (label order of the counts), `cells`: [{`re`, `im`, `modal`, `entropy_bits`,
/// `counts`: {label: count}}] (Im outer, Re inner).
///
/// CSV columns: `re,im,modal,entropy_bits,count_FP,count_FP+chaos,count_LC,count_LC+chaos,
/// count_chaos,count_invalid`. Plot: modal class per cell, mixed towards white by the entropy
/// (white = log₂ of the number of possible classes), with the line Re λ = 1/ψ₀(g).
#[derive(Debug, Clone, clap::Args)]
pub struct Fig5Args {
    /// Cells per axis (the paper: 40).
    #[arg(long, default_value_t = 10)]
    pub grid: usize,
    /// Range of Re λ, `START:STOP` (endpoints are cell centres).
    #[arg(
        long,
        default_value = "1:2.5",
        value_name = "START:STOP",
        allow_hyphen_values = true
    )]
    pub re: String,
    /// Range of Im λ, `START:STOP`.
    #[arg(
        long,
        default_value = "0:1.5",
        value_name = "START:STOP",
        allow_hyphen_values = true
    )]
    pub im: String,
    /// Rejection-sampled tensors per cell (the paper: 50).
    #[arg(long, default_value_t = 6)]
    pub samples: usize,
    /// Number of regions R (the paper: 2).
    #[arg(long, default_value_t = 2)]
    pub regions: usize,
    /// Disorder gain g of every region (the paper: 1.5).
    #[arg(long, default_value_t = 1.5, allow_hyphen_values = true)]
    pub g: f64,
    /// Rejection window half-width on Re λ and |Im λ| (the paper: 0.01875).
    #[arg(long, default_value_t = 0.01875, allow_hyphen_values = true)]
    pub window: f64,
    /// Maximum tensor draws per sample before giving up.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_tries: usize,
    /// Master seed (each cell's stream is derived from it and the cell index).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Duration T of each DMFT run (the paper: 125, i.e. N_t = 2500 at dt = 0.05).
    #[arg(long, default_value_t = 125.0, allow_hyphen_values = true)]
    pub t: f64,
    /// DMFT time step (the paper: 0.05).
    #[arg(long, default_value_t = 0.05, allow_hyphen_values = true)]
    pub dt: f64,
    /// Keep only this many recent lags in the DMFT (O(N_t·b) cost).
    #[arg(long)]
    pub band: Option<usize>,
    /// Run each DMFT with the reference implementation's scheme step for step (as `lowrank dmft
    /// --reference-ordering`).
    #[arg(long)]
    pub reference_ordering: bool,
    /// Classification rules (as `lowrank dmft --classifier`).
    #[arg(long, value_enum, default_value_t = super::dmft::ClassifierArg::Default)]
    pub classifier: super::dmft::ClassifierArg,
    /// Only slice I of N of the cells (0-based, e.g. `--shard 3/8`), or `auto` from a Slurm or
    /// Grid Engine array job; join the CSVs with `lowrank merge` (docs/cluster.md).
    #[arg(long, value_name = "I/N|auto")]
    pub shard: Option<String>,
    /// Outputs.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `lowrank study fig6`: shaping dynamics with disorder in region 1 (docs/theory §3.9).
///
/// JSON fields: `study` ("fig6"), `regions`, `tensor` (T^{μνρ} at (μR + ν)R + ρ), `tensor_draws`
/// (0 when given), `intact_leading`, `silenced_leading` ([Re, Im] of T̂ and of T̂ with region 1
/// silenced), `dt`, `nt`, `seed`, `rows`: [{`g1`, `classes` (per region), `frequency` (null:
/// static), `mean_gain` (ψ^μ averaged over t ≥ t0), `mean_leading` ([Re, |Im|] of the leading
/// eigenvalue of diag(ψ(t)) T̂ averaged over t ≥ t0)}].
///
/// CSV columns: `g1,class_1..class_R,frequency,gain_1..gain_R,lead_re,lead_im`. Plot: mean
/// leading eigenvalue (Re, |Im|), gains ψ^μ and frequency against g¹; a second file
/// `<stem>-classes.<ext>` maps the class of each region against g¹.
#[derive(Debug, Clone, clap::Args)]
pub struct Fig6Args {
    /// Number of regions R (the paper: 3).
    #[arg(long, default_value_t = 3)]
    pub regions: usize,
    /// Tensor T^{μνρ} as R³ comma-separated values at (μR + ν)R + ρ (0-based); default: drawn
    /// from 𝒩(0, 4/3) with `--seed` until the Fig. 6 criterion holds.
    #[arg(long, value_name = "T,T,...", allow_hyphen_values = true)]
    pub tensor: Option<String>,
    /// Disorder gains of region 1: `START:STOP:COUNT` or a comma list (the paper: 0.3:3.0:10).
    #[arg(
        long,
        default_value = "0.3:3.0:10",
        value_name = "LIST|START:STOP:COUNT",
        allow_hyphen_values = true
    )]
    pub g1: String,
    /// Seed of the tensor draw and of the DMFT initial currents S(0) ~ U[0, 1).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Maximum tensor draws.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_tries: usize,
    /// Duration T of each DMFT run (the paper: 150, i.e. N_t = 3000 at dt = 0.05).
    #[arg(long, default_value_t = 150.0, allow_hyphen_values = true)]
    pub t: f64,
    /// DMFT time step (the paper: 0.05).
    #[arg(long, default_value_t = 0.05, allow_hyphen_values = true)]
    pub dt: f64,
    /// Keep only this many recent lags in the DMFT.
    #[arg(long)]
    pub band: Option<usize>,
    /// Only slice I of N of the g1 values (e.g. `--shard 3/8`), or `auto` from a Slurm or Grid
    /// Engine array job; join the CSVs with `lowrank merge` (docs/cluster.md).
    #[arg(long, value_name = "I/N|auto")]
    pub shard: Option<String>,
    /// Outputs.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `lowrank study switch`: input-driven switch (docs/theory §3.10), current ODE at g = 0.
///
/// The interactions are symmetric, T^{μνρ} = δ_μρ c^{μν}, c = uuᵀ + diag(a − b), u = s√b
/// (`--a`, `--b`, `--signs`; §3.5), or a full tensor (`--tensor`). Phase 1 runs `--t` without
/// input from S(0) ~ U[−1, 1]; phase 2 continues with input `--amplitude` into `--region`.
///
/// JSON fields: `study` ("switch"), `regions`, `region` (1-based), `amplitude`, `overlap`,
/// `input_gain`, `dt`, `t`, `seed`, `tensor`, `prediction` (symmetric T only: `mode`,
/// `gain`, `delta0`, `structured_variance` of §3.5 without input, else null), `phases`: two
/// end states [{`input`, `currents` (S^{μν} at μR + ν), `current_norm2` (Σ_ρ (S^{μρ})² per
/// region), `gain`, `residual` (max|Ṡ|)}].
///
/// CSV columns: `t,input,S_1_1..S_R_R,norm2_1..norm2_R,gain_1..gain_R`. Plot: √Σ_ρ (S^{μρ})² per
/// region against t (the input switches on at t = `--t`).
#[derive(Debug, Clone, clap::Args)]
pub struct SwitchArgs {
    /// Self-loop interactions a^μ (symmetric T, §3.5), comma-separated.
    #[arg(long, default_value = "2.5,2,2,2,2", value_name = "A,A,...")]
    pub a: String,
    /// Exchange interactions b^μ ≥ 0 (symmetric T), comma-separated.
    #[arg(long, default_value = "2,2.5,2.5,2.5,2.5", value_name = "B,B,...")]
    pub b: String,
    /// Signs s^μ = ±1 of u = s√b (default all +1).
    #[arg(long, value_name = "S,S,...", allow_hyphen_values = true)]
    pub signs: Option<String>,
    /// A full tensor T^{μνρ} (R³ values at (μR + ν)R + ρ) instead of `--a/--b/--signs`.
    #[arg(long, value_name = "T,T,...", allow_hyphen_values = true)]
    pub tensor: Option<String>,
    /// Region receiving the input (1-based).
    #[arg(long, default_value_t = 1)]
    pub region: usize,
    /// Input amplitude I^ν when on (the paper: 2).
    #[arg(long, default_value_t = 2.0, allow_hyphen_values = true)]
    pub amplitude: f64,
    /// Overlap V^{μν} of the input with every n^{μν}, μ ≠ ν (the paper: 0.1).
    #[arg(long, default_value_t = 0.1, allow_hyphen_values = true)]
    pub overlap: f64,
    /// γ of §3.10: `stein` (γ = ψ, default) or `reference` (γ = 1, the authors' code).
    #[arg(long, default_value = "stein")]
    pub input_gain: String,
    /// Euler step (the paper: 0.1).
    #[arg(long, default_value_t = 0.1, allow_hyphen_values = true)]
    pub dt: f64,
    /// Duration of each phase (the paper: 2000).
    #[arg(long, default_value_t = 2000.0, allow_hyphen_values = true)]
    pub t: f64,
    /// Seed of S(0) ~ U[−1, 1].
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Record the time series every this many Euler steps (default: ~1000 rows per phase).
    #[arg(long)]
    pub every: Option<usize>,
    /// Outputs.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `lowrank study polytope`: the attractor polytope of docs/theory §3.7 and fracture statistics.
///
/// JSON fields: `study` ("polytope"); with `--b`: `polytope`: {`b`, `regions`, `pairs`
/// ([μ, ν], 1-based, μ < ν), `vertices` (x_{μν} = (S^{μν})² per pair), `fracture` (pairs nonzero
/// at every vertex), `components` (2^f, 0 if empty), `dimension`, `empty`}; with
/// `--fracture-draws`: `fracture_statistics`: {`regions`, `draws`, `seed`, `counts` (index = f),
/// `vertices`: per f with polytopes {`f`, `polytopes`, `mean`, `min`, `max`, `histogram`
/// ([vertex count, polytopes] pairs)}}.
///
/// CSV: with `--b` one row per vertex, columns `vertex,x_1_2,...`; otherwise one row per f,
/// columns `f,polytopes,mean_vertices,min_vertices,max_vertices`. Plot (with `--fracture-draws`):
/// mean, least and largest vertex count against f.
#[derive(Debug, Clone, clap::Args)]
pub struct PolytopeArgs {
    /// Exchange interactions b^μ > 1, comma-separated (R = their number).
    #[arg(long, value_name = "B,B,...")]
    pub b: Option<String>,
    /// Count fracture variables over this many random non-empty polytopes (sorted b ~ U[1, 3]^R).
    #[arg(long, value_name = "N")]
    pub fracture_draws: Option<usize>,
    /// Number of regions R of the random draws.
    #[arg(long, default_value_t = 5)]
    pub regions: usize,
    /// Seed of the random draws (draw i has its own stream from the seed and i).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Only slice I of N of the fracture draws (e.g. `--shard 3/8`), or `auto` from a Slurm or
    /// Grid Engine array job; write `--json` and join the shards with `lowrank merge OUT.json
    /// SHARDS.json... [--csv FILE] [--plot FILE]` (docs/cluster.md).
    #[arg(long, value_name = "I/N|auto")]
    pub shard: Option<String>,
    /// Outputs.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Run `lowrank study`.
pub fn run(args: &StudyArgs) -> anyhow::Result<()> {
    match &args.study {
        Study::Fig4(a) => fig4(a),
        Study::Fig5(a) => fig5(a),
        Study::Fig6(a) => fig6(a),
        Study::Switch(a) => switch(a),
        Study::Polytope(a) => polytope(a),
    }
}

// ---------------------------------------------------------------------------------------------
// parsing helpers

/// Parse `START:STOP` for option `--{name}`.
fn parse_range(name: &str, text: &str) -> anyhow::Result<(f64, f64)> {
    let v = text
        .split_once(':')
        .with_context(|| format!("--{name} `{text}`: expected START:STOP"))?;
    let a: f64 =
        v.0.trim()
            .parse()
            .with_context(|| format!("--{name} `{text}`: START"))?;
    let b: f64 =
        v.1.trim()
            .parse()
            .with_context(|| format!("--{name} `{text}`: STOP"))?;
    if !(a.is_finite() && b.is_finite()) {
        bail!("--{name} `{text}`: START and STOP must be finite");
    }
    Ok((a, b))
}

/// Parse `START:STOP:COUNT` or a comma list for option `--{name}`.
fn parse_values(name: &str, text: &str) -> anyhow::Result<Vec<f64>> {
    if text.contains(':') {
        let parts: Vec<&str> = text.split(':').collect();
        if parts.len() != 3 {
            bail!("--{name} `{text}`: expected START:STOP:COUNT or a comma list");
        }
        let (a, b) = parse_range(name, &format!("{}:{}", parts[0], parts[1]))?;
        let n: usize = parts[2]
            .trim()
            .parse()
            .with_context(|| format!("--{name} `{text}`: COUNT"))?;
        if n == 0 {
            bail!("--{name} `{text}`: COUNT must be ≥ 1");
        }
        Ok(lowrank::theory::phase::linspace(a, b, n))
    } else {
        parse_list(name, text)
    }
}

fn progress(len: usize, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} (eta {eta})")
    {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar
}

/// Run `work` while a progress bar (on a terminal only) follows `state` (items done / total).
fn with_bar<T: Send>(state: &Progress, what: &str, work: impl FnOnce() -> T + Send) -> T {
    let bar = progress(0, what);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let out = std::thread::scope(|scope| {
        let bar = &bar;
        scope.spawn(move || loop {
            bar.set_length(state.total() as u64);
            bar.set_position(state.done() as u64);
            match rx.recv_timeout(std::time::Duration::from_millis(100)) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                _ => break,
            }
        });
        let out = work();
        let _ = tx.send(());
        out
    });
    bar.finish_and_clear();
    out
}

/// Reserve the `--csv` and `--plot` outputs before the computation (checked paths and
/// extensions; written to temporaries, renamed on success).
fn reserve(out: &OutputArgs) -> anyhow::Result<(Outputs, Option<usize>, Option<usize>)> {
    let mut o = Outputs::new();
    let csv = match &out.csv {
        Some(p) => Some(o.reserve("--csv", p, &[])?),
        None => None,
    };
    let plot = match &out.plot {
        Some(p) => Some(o.reserve("--plot", p, &PLOT_EXTENSIONS)?),
        None => None,
    };
    Ok((o, csv, plot))
}

/// Reserve `--plot FILE` and, when `sibling_suffix` is given, its companion `FILE-<suffix>`.
fn reserve_plots(
    outputs: &mut Outputs,
    plot: Option<&Path>,
    sibling_suffix: Option<(&str, &str)>,
) -> anyhow::Result<Option<(usize, Option<usize>)>> {
    let Some(p) = plot else { return Ok(None) };
    let main = outputs.reserve("--plot", p, &PLOT_EXTENSIONS)?;
    let second = match sibling_suffix {
        Some((suffix, what)) => {
            Some(outputs.reserve(what, &sibling(p, suffix), &PLOT_EXTENSIONS)?)
        }
        None => None,
    };
    Ok(Some((main, second)))
}

fn print_json(doc: &Value) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string_pretty(doc)?);
    Ok(())
}

fn class_index(c: DynamicsClass) -> u8 {
    DynamicsClass::ALL
        .iter()
        .position(|x| *x == c)
        .unwrap_or(DynamicsClass::ALL.len() - 1) as u8
}

fn labels() -> Vec<&'static str> {
    DynamicsClass::ALL.iter().map(|c| c.label()).collect()
}

/// `--shard`, parsed; a shard holds only some of the study's `items`, so its figure is drawn
/// when merging, not with `--plot`.
fn shard_without_plot(
    shard: Option<&str>,
    out: &OutputArgs,
    items: &str,
) -> anyhow::Result<Option<lowrank::shard::Shard>> {
    let shard = shard.map(lowrank::shard::Shard::parse).transpose()?;
    if let (Some(_), Some(plot)) = (shard, &out.plot) {
        bail!(
            "--plot `{}`: a shard holds only some of the {items}; draw the figure when merging \
             (`lowrank merge OUT.csv SHARDS... --plot FILE`)",
            plot.display()
        );
    }
    Ok(shard)
}

pub(super) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("plot");
    let name = match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("{stem}-{suffix}.{ext}"),
        None => format!("{stem}-{suffix}"),
    };
    path.with_file_name(name)
}

// ---------------------------------------------------------------------------------------------
// fig5

fn fig4(a: &Fig4Args) -> anyhow::Result<()> {
    let parts: Vec<&str> = a.g.split(':').collect();
    if parts.len() != 3 {
        bail!("--g `{}`: expected START:STOP:COUNT", a.g);
    }
    let (g0, g1) = parse_range("g", &format!("{}:{}", parts[0], parts[1]))?;
    let count: usize = parts[2]
        .trim()
        .parse()
        .with_context(|| format!("--g `{}`: COUNT", a.g))?;
    let opts = Fig4Options {
        b: a.b,
        g: (g0, g1, count),
        acf_g: a
            .acf
            .as_deref()
            .map(|t| parse_list("acf", t))
            .transpose()?
            .unwrap_or_default(),
        tau_max: a.tau_max,
        tau_step: a.tau_step,
    };
    opts.check()?;
    let mut outputs = Outputs::new();
    let csv_out = match &a.out.csv {
        Some(p) => Some(outputs.reserve("--csv", p, &[])?),
        None => None,
    };
    let plot_out = reserve_plots(
        &mut outputs,
        a.out.plot.as_deref(),
        (!opts.acf_g.is_empty()).then_some(("acf", "--plot (Δ(τ) panels)")),
    )?;
    let state = Progress::default();
    let result = with_bar(&state, "fig4 g values", || {
        lowrank::study::fig4(&opts, &state)
    })?;
    if let Some(i) = csv_out {
        outputs.write_all(i, result.to_csv().as_bytes())?;
    }
    let mut extra = Vec::new();
    if let Some((i, acf)) = plot_out {
        let pts = |f: &dyn Fn(&lowrank::study::fig4::Fig4Row) -> Option<f64>| -> Vec<(f64, f64)> {
            result
                .rows
                .iter()
                .filter_map(|r| f(r).map(|v| (r.g, v)))
                .collect()
        };
        let series = vec![
            Series {
                name: "static branch, stable".into(),
                points: pts(&|r| r.static_sqrt_a.filter(|_| r.static_stable)),
                markers: false,
            },
            Series {
                name: "static branch, unstable continuation".into(),
                points: pts(&|r| r.static_sqrt_a.filter(|_| !r.static_stable)),
                markers: false,
            },
            Series {
                name: "chaotic branch with currents".into(),
                points: pts(&|r| r.chaotic_sqrt_a),
                markers: false,
            },
            Series {
                name: "realised state".into(),
                points: pts(&|r| Some(r.sqrt_a)),
                markers: true,
            },
        ];
        line_plot(
            outputs.path(i),
            &format!(
                "b = {}: sqrt(A) against g (g_c = {:.4}, g* = {:.4})",
                opts.b, result.onset, result.g_star.value
            ),
            "g",
            "sqrt(A)",
            &series,
        )?;
        if let Some(ai) = acf {
            let panels: Vec<Series> = result
                .panels
                .iter()
                .map(|p| Series {
                    name: format!("g = {} ({})", p.g, p.branch),
                    points: p.tau.iter().copied().zip(p.delta.iter().copied()).collect(),
                    markers: false,
                })
                .collect();
            line_plot(
                outputs.path(ai),
                &format!("b = {}: autocorrelation Δ(τ) of the realised state", opts.b),
                "tau",
                "Delta(tau)",
                &panels,
            )?;
            extra.push(outputs.target(ai).to_path_buf());
        }
    }
    if a.out.json {
        print_json(&result.to_json())?;
    } else {
        outln!(
            "Fig. 4, one region with self-loop b = {}: Δ₀ pinned at {:.6} while currents flow",
            opts.b,
            result.delta0_pinned
        );
        outln!(
            "chaos onset g_c(b) = {:.6} (closed form (2b² − 1)^(1/4) = {:.6}); g*(b) = {:.6} (residual {:.1e})",
            result.onset,
            result.onset_exact,
            result.g_star.value,
            result.g_star.convergence.residual
        );
        outln!(
            "{:>8} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "g",
            "branch",
            "sqrt(A)",
            "Δ₀",
            "Δ∞",
            "ψ₀(g)"
        );
        for r in &result.rows {
            outln!(
                "{:>8.4} {:>10} {:>10.5} {:>10.5} {:>10.5} {:>10.5}",
                r.g,
                r.branch,
                r.sqrt_a,
                r.delta0,
                r.delta_inf,
                r.pure_chaos_gain
            );
        }
        report_files(&a.out, &extra)?;
    }
    outputs.commit()
}

fn fig5(a: &Fig5Args) -> anyhow::Result<()> {
    let opts = Fig5Options {
        grid: a.grid,
        re: parse_range("re", &a.re)?,
        im: parse_range("im", &a.im)?,
        samples: a.samples,
        regions: a.regions,
        g: a.g,
        window: a.window,
        max_tries: a.max_tries,
        seed: a.seed,
        t: a.t,
        dt: a.dt,
        band: a.band,
        reference_ordering: a.reference_ordering,
        classifier: a.classifier.into(),
        shard: shard_without_plot(a.shard.as_deref(), &a.out, "cells")?,
    };
    let nt = opts.check()?;
    let runs = (a.grid as f64).powi(2) * a.samples as f64;
    let (memory, work) = opts.cost(nt);
    super::budget::check_memory(
        &format!("the Fig. 5 study ({runs:.0} DMFT runs, N_t = {nt})"),
        memory,
        "use a smaller --grid, a larger --dt or a shorter --t",
    )?;
    super::budget::check_work(
        &format!("the Fig. 5 study ({runs:.0} DMFT runs, N_t = {nt})"),
        work,
        "use a smaller --grid or --samples, --band B, or a larger --dt / shorter --t",
    )?;
    let (outputs, csv_out, plot_out) = reserve(&a.out)?;
    let start = Instant::now();
    let state = Progress::default();
    let result = with_bar(&state, "fig5 cells", || lowrank::study::fig5(&opts, &state))?;
    let elapsed = start.elapsed().as_secs_f64();
    let (cells, redraws) = (&result.cells, &result.redraws);
    let label_list = labels();
    if let Some(i) = csv_out {
        outputs.write_all(i, result.to_csv().as_bytes())?;
    }
    let (psi0, re_boundary) = (result.psi0, result.re_boundary());
    if let Some(i) = plot_out {
        plot_fig5(&result, outputs.path(i))?;
    }
    if a.out.json {
        print_json(&result.to_json())?;
    } else {
        outln!(
            "Fig. 5 phase diagram: R = {}, g = {}, {}×{} cells, {} tensors per cell, DMFT dt = {}, N_t = {}",
            a.regions, a.g, a.grid, a.grid, a.samples, a.dt, nt
        );
        outln!(
            "analytic zero-current instability (docs/theory §3.4): Re λ = 1/ψ₀(g) = {re_boundary:.4} (ψ₀ = {psi0:.4})"
        );
        outln!(
            "{:>8} {:>8} {:>9} {:>8}  counts [{}]",
            "Re λ",
            "|Im λ|",
            "modal",
            "H (bits)",
            label_list.join(", ")
        );
        for (c, nr) in cells.iter().zip(redraws.iter()) {
            outln!(
                "{:>8.4} {:>8.4} {:>9} {:>8.3}  {:?}{}",
                c.re,
                c.im,
                c.modal.label(),
                c.entropy_bits,
                c.counts,
                if *nr > 0 {
                    format!("  (redrawn {nr}× after an eigenvalue-solver failure)")
                } else {
                    String::new()
                }
            );
        }
        outln!(
            "{} DMFT runs in {elapsed:.1} s ({:.3} s per run on {} threads)",
            cells.len() * a.samples,
            elapsed / (cells.len() * a.samples) as f64,
            rayon::current_num_threads()
        );
        report_files(&a.out, &[])?;
    }
    outputs.commit()
}

/// Draw the Fig. 5 map of `result` (the whole grid) to `path`.
pub(super) fn plot_fig5(result: &lowrank::study::Fig5Result, path: &Path) -> anyhow::Result<()> {
    let o = &result.options;
    let (res_grid, im_grid, cells) = (&result.re, &result.im, &result.cells);
    let n = o.grid;
    if cells.len() != n * n {
        bail!(
            "--plot `{}`: {} of the {} cells (a shard); draw the merged study",
            path.display(),
            cells.len(),
            n * n
        );
    }
    let label_list = labels();
    let re_boundary = result.re_boundary();
    let possible = (o.samples * o.regions).min(DynamicsClass::ALL.len()) as f64;
    let h_max = possible.log2().max(1.0);
    let codes: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| class_index(cells[i * n + j].modal))
                .collect()
        })
        .collect();
    let shade: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| (0.8 * cells[i * n + j].entropy_bits / h_max).clamp(0.0, 0.8))
                .collect()
        })
        .collect();
    let half = if n > 1 {
        0.5 * (res_grid[1] - res_grid[0]).abs()
    } else {
        0.5
    };
    let (lo, hi) = (
        res_grid[0].min(res_grid[n - 1]) - half,
        res_grid[0].max(res_grid[n - 1]) + half,
    );
    let boundary_label = format!("Re λ = 1/ψ0(g) = {re_boundary:.3} (zero-current instability)");
    let vlines: Vec<(f64, &str)> = if (lo..=hi).contains(&re_boundary) {
        vec![(re_boundary, boundary_label.as_str())]
    } else {
        vec![]
    };
    let title = format!(
        "Modal class (lighter = higher entropy), R = {}, g = {}, {} tensors/cell",
        o.regions, o.g, o.samples
    );
    shaded_category_map(
        path,
        &ShadedMap {
            title: &title,
            xlabel: "Re λ (leading eigenvalue of the effective interaction T^)",
            ylabel: "|Im λ|",
            x: res_grid,
            y: im_grid,
            codes: &codes,
            names: &label_list,
            shade: &shade,
            vlines: &vlines,
        },
    )?;
    Ok(())
}

fn report_files(out: &OutputArgs, extra: &[PathBuf]) -> anyhow::Result<()> {
    if let Some(p) = &out.csv {
        outln!("CSV written to {}", p.display());
    }
    if let Some(p) = &out.plot {
        outln!("plot written to {}", p.display());
    }
    for p in extra {
        outln!("plot written to {}", p.display());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// fig6

fn fig6(a: &Fig6Args) -> anyhow::Result<()> {
    let opts = Fig6Options {
        regions: a.regions,
        tensor: match &a.tensor {
            Some(text) => Some(parse_tensor(text, Some(a.regions))?.1),
            None => None,
        },
        g1: parse_values("g1", &a.g1)?,
        seed: a.seed,
        max_tries: a.max_tries,
        t: a.t,
        dt: a.dt,
        band: a.band,
        shard: shard_without_plot(a.shard.as_deref(), &a.out, "g1 values")?,
    };
    let nt = opts.check()?;
    let (memory, work) = opts.cost(nt);
    let what = format!("the Fig. 6 study ({} DMFT runs, N_t = {nt})", opts.g1.len());
    super::budget::check_memory(&what, memory, "use a larger --dt or a shorter --t")?;
    super::budget::check_work(
        &what,
        work,
        "use fewer --g1 values, --band B, or a larger --dt / shorter --t",
    )?;
    let mut outputs = Outputs::new();
    let csv_out = match &a.out.csv {
        Some(p) => Some(outputs.reserve("--csv", p, &[])?),
        None => None,
    };
    let plot_out = reserve_plots(
        &mut outputs,
        a.out.plot.as_deref(),
        Some(("classes", "--plot (classes map)")),
    )?;
    let start = Instant::now();
    let state = Progress::default();
    let result = with_bar(&state, "fig6 g1 values", || {
        lowrank::study::fig6(&opts, &state)
    })?;
    let elapsed = start.elapsed().as_secs_f64();
    let (r, draws, intact, silenced, rows) = (
        a.regions,
        result.draws,
        result.intact,
        result.silenced,
        &result.rows,
    );
    if let Some(i) = csv_out {
        outputs.write_all(i, result.to_csv().as_bytes())?;
    }
    let mut extra = Vec::new();
    if let Some((i, Some(ci))) = plot_out {
        if plot_fig6(&result, outputs.path(i), outputs.path(ci))? {
            extra.push(outputs.target(ci).to_path_buf());
        } else {
            outputs.discard(ci);
        }
    }
    if a.out.json {
        print_json(&result.to_json())?;
    } else {
        outln!(
            "Fig. 6 study: R = {r}, disorder in region 1 only, DMFT dt = {}, N_t = {nt}{}",
            a.dt,
            if draws > 0 {
                format!(", tensor drawn in {draws} tries (seed {})", a.seed)
            } else {
                ", tensor given".into()
            }
        );
        outln!(
            "leading eigenvalue of T̂: intact {:.4} {:+.4}i, region 1 silenced {:.4} {:+.4}i",
            intact[0],
            intact[1],
            silenced[0],
            silenced[1]
        );
        outln!(
            "{:>6}  {:<width$}  {:>9}  {:>17}  gains ψ^μ",
            "g1",
            "classes",
            "frequency",
            "lead [Re, |Im|]",
            width = 9 * r
        );
        for w in rows {
            let cls: Vec<&str> = w.classes.iter().map(|c| c.label()).collect();
            outln!(
                "{:>6.3}  {:<width$}  {:>9}  [{:>7.4}, {:>7.4}]  {:?}",
                w.g1,
                cls.join(","),
                w.frequency.map_or("-".to_string(), |f| format!("{f:.4}")),
                w.mean_leading[0],
                w.mean_leading[1],
                w.mean_gain
                    .iter()
                    .map(|x| (x * 1e4).round() / 1e4)
                    .collect::<Vec<_>>(),
                width = 9 * r
            );
        }
        outln!("{} DMFT runs in {elapsed:.1} s", rows.len());
        report_files(&a.out, &extra)?;
    }
    outputs.commit()
}

/// Draw the Fig. 6 curves of `result` (every g¹) to `path` and, when the g¹ are uniform, the
/// class map to `classes_path`; returns whether the class map was drawn.
pub(super) fn plot_fig6(
    result: &lowrank::study::Fig6Result,
    path: &Path,
    classes_path: &Path,
) -> anyhow::Result<bool> {
    let (r, rows) = (result.options.regions, &result.rows);
    if rows.len() != result.options.g1.len() {
        bail!(
            "--plot `{}`: {} of the {} g1 values (a shard); draw the merged study",
            path.display(),
            rows.len(),
            result.options.g1.len()
        );
    }
    let mut series = vec![
        Series {
            name: "Re λ_lead(diag(ψ) T^)".into(),
            points: rows.iter().map(|w| (w.g1, w.mean_leading[0])).collect(),
            markers: false,
        },
        Series {
            name: "|Im λ_lead(diag(ψ) T^)|".into(),
            points: rows.iter().map(|w| (w.g1, w.mean_leading[1])).collect(),
            markers: false,
        },
    ];
    for m in 0..r {
        series.push(Series {
            name: format!("gain ψ^{}", m + 1),
            points: rows.iter().map(|w| (w.g1, w.mean_gain[m])).collect(),
            markers: false,
        });
    }
    series.push(Series {
        name: "frequency of the currents".into(),
        points: rows
            .iter()
            .map(|w| (w.g1, w.frequency.unwrap_or(f64::NAN)))
            .collect(),
        markers: true,
    });
    line_plot(
        path,
        "Disorder in region 1: time averages over t ≥ t0",
        "g¹ (disorder gain of region 1)",
        "value",
        &series,
    )?;
    let codes: Vec<Vec<u8>> = (0..r)
        .map(|m| rows.iter().map(|w| class_index(w.classes[m])).collect())
        .collect();
    let xs: Vec<f64> = rows.iter().map(|w| w.g1).collect();
    let ys: Vec<f64> = (1..=r).map(|m| m as f64).collect();
    if !is_uniform(&xs) {
        return Ok(false);
    }
    category_map(
        classes_path,
        "Dynamics class per region",
        "g¹ (disorder gain of region 1)",
        "region",
        &xs,
        &ys,
        &codes,
        &labels(),
    )?;
    Ok(true)
}

fn is_uniform(x: &[f64]) -> bool {
    if x.len() < 3 {
        return true;
    }
    let d = x[1] - x[0];
    x.windows(2)
        .all(|w| ((w[1] - w[0]) - d).abs() <= 1e-9 * d.abs().max(1.0))
}

// ---------------------------------------------------------------------------------------------
// switch

fn switch(a: &SwitchArgs) -> anyhow::Result<()> {
    let input_gain: InputGain = a.input_gain.parse().map_err(|_| {
        anyhow::anyhow!(
            "--input-gain `{}`: expected `stein` or `reference`",
            a.input_gain
        )
    })?;
    let opts = SwitchStudyOptions {
        a: parse_list("a", &a.a)?,
        b: parse_list("b", &a.b)?,
        signs: a
            .signs
            .as_deref()
            .map(|s| parse_list("signs", s))
            .transpose()?,
        tensor: match &a.tensor {
            Some(text) => Some(parse_tensor(text, None)?.1),
            None => None,
        },
        region: a.region,
        amplitude: a.amplitude,
        overlap: a.overlap,
        input_gain,
        dt: a.dt,
        t: a.t,
        seed: a.seed,
        every: a.every,
        series: a.out.csv.is_some() || a.out.plot.is_some(),
    };
    let (regions, _, _, steps, every) = opts.check()?;
    let (memory, work) = opts.cost(regions, steps, every);
    super::budget::check_work(
        &format!("the input switch ({} Euler steps)", 2 * steps),
        work,
        "use a larger --dt or a shorter --t",
    )?;
    super::budget::check_memory(
        &format!("the switch time series ({} rows)", 2 * steps / every),
        memory,
        "record fewer rows with a larger --every",
    )?;
    let (outputs, csv_out, plot_out) = reserve(&a.out)?;
    let result = lowrank::study::switch(&opts)?;
    let r = result.regions;
    let (ends, prediction) = (&result.phases, &result.prediction);
    if let (Some(i), Some(rows)) = (csv_out, &result.series) {
        let mut f = outputs.writer(i)?;
        f.line(&result.series_header().join(","))?;
        for row in rows {
            let line: Vec<String> = row.iter().map(|x| format!("{x}")).collect();
            f.line(&line.join(","))?;
        }
        f.finish()?;
    }
    if let (Some(i), Some(rows)) = (plot_out, &result.series) {
        let path = outputs.path(i);
        let norm_col = 2 + r * r;
        let curves: Vec<Series> = (0..r)
            .map(|m| Series {
                name: format!("region {0}: sqrt(Σ_ρ S_{0}ρ²)", m + 1),
                points: rows
                    .iter()
                    .map(|w| (w[0], w[norm_col + m].sqrt()))
                    .collect(),
                markers: false,
            })
            .collect();
        line_plot(
            path,
            &format!(
                "Input {} into region {} from t = {} (γ: {})",
                a.amplitude, a.region, a.t, a.input_gain
            ),
            "t",
            "current norm per region",
            &curves,
        )?;
    }
    if a.out.json {
        print_json(&result.to_json())?;
    } else {
        outln!(
            "input-driven switch (docs/theory §3.10): R = {r}, input {} into region {}, overlap {}, γ = {}, dt = {}, {} per phase",
            a.amplitude, a.region, a.overlap, a.input_gain, a.dt, a.t
        );
        if let Some(p) = &prediction {
            outln!(
                "§3.5 prediction without input: modes {:?}, Σ_ρ (S^{{μρ}})² = {:?}",
                p.mode,
                p.structured_variance
                    .iter()
                    .map(|x| (x * 1e4).round() / 1e4)
                    .collect::<Vec<_>>()
            );
        }
        for e in ends {
            outln!(
                "input {:>6}: Σ_ρ (S^{{μρ}})² = {:?}, gains = {:?}, max|dS/dt| = {:.2e}",
                e.input,
                e.current_norm2
                    .iter()
                    .map(|x| (x * 1e4).round() / 1e4)
                    .collect::<Vec<_>>(),
                e.gain
                    .iter()
                    .map(|x| (x * 1e4).round() / 1e4)
                    .collect::<Vec<_>>(),
                e.residual
            );
        }
        report_files(&a.out, &[])?;
    }
    outputs.commit()
}

// ---------------------------------------------------------------------------------------------
// polytope

fn polytope(a: &PolytopeArgs) -> anyhow::Result<()> {
    if a.out.plot.is_some() && a.fracture_draws.is_none() {
        bail!("--plot: the polytope study's figure is of the fracture statistics (give --fracture-draws N)");
    }
    let opts = PolytopeOptions {
        b: a.b.as_deref().map(|t| parse_list("b", t)).transpose()?,
        fracture_draws: a.fracture_draws,
        regions: a.regions,
        seed: a.seed,
        shard: a
            .shard
            .as_deref()
            .map(lowrank::shard::Shard::parse)
            .transpose()?,
    };
    if opts.shard.is_some() {
        if let Some((flag, path)) = [("--csv", &a.out.csv), ("--plot", &a.out.plot)]
            .into_iter()
            .find_map(|(f, p)| p.as_ref().map(|p| (f, p)))
        {
            bail!(
                "{flag} `{}`: a shard holds only some of the draws; write --json and give \
                 {flag} to `lowrank merge OUT.json SHARDS.json...`",
                path.display()
            );
        }
        if !a.out.json {
            bail!("--shard: write the shard's statistics with --json (then `lowrank merge OUT.json SHARDS.json...`)");
        }
    }
    let work = opts.check()?;
    if let Some(draws) = a.fracture_draws {
        super::budget::check_work(
            &format!("{draws} fracture draws at R = {}", a.regions),
            work,
            "use fewer --fracture-draws (several runs with different --seed add up)",
        )?;
    }
    let (outputs, csv_out, plot_out) = reserve(&a.out)?;
    let result = lowrank::study::polytope(&opts)?;
    if let (Some(i), Some(csv)) = (csv_out, result.to_csv()) {
        outputs.write_all(i, csv.as_bytes())?;
    }
    if let Some(i) = plot_out {
        plot_polytope(&result, outputs.path(i))?;
    }
    if a.out.json {
        print_json(&result.to_json())?;
        return outputs.commit();
    }
    if let (Some(b), Some(p)) = (&opts.b, &result.polytope) {
        outln!(
            "attractor polytope (docs/theory §3.7): R = {}, b = {b:?}, {} pair variables x_μν = (S^μν)², dimension {}",
            p.r,
            p.pairs.len(),
            p.dimension
        );
        if p.is_empty() {
            outln!("empty: no fixed point with every region pinned in exchange mode");
        } else {
            let names: Vec<String> = p.pairs.iter().map(pair_name).collect();
            outln!("{} vertices ({}):", p.vertices.len(), names.join(", "));
            for v in &p.vertices {
                outln!(
                    "  [{}]",
                    v.iter()
                        .map(|x| format!("{x:.6}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let frac: Vec<&str> = p.fracture.iter().map(|&j| names[j].as_str()).collect();
            outln!(
                "fracture variables (nonzero at every vertex): {} → {} disconnected components in S-space",
                if frac.is_empty() {
                    "none".to_string()
                } else {
                    frac.join(", ")
                },
                p.components
            );
        }
        report_files(&a.out, &[])?;
    }
    if let Some(stats) = &result.fracture {
        outln!(
            "fracture statistics: R = {}, {} non-empty polytopes (sorted b ~ U[1, 3]^R, seed {})",
            a.regions,
            stats.counts.iter().sum::<usize>(),
            a.seed
        );
        let rows = result.vertex_rows();
        for (f, n) in stats.counts.iter().enumerate() {
            match rows.iter().find(|r| r.f == f) {
                Some(r) => outln!(
                    "  f = {f:>2}: {n} polytopes, vertices mean {:.2} (least {}, largest {})",
                    r.mean,
                    r.min,
                    r.max
                ),
                None => outln!("  f = {f:>2}: {n}"),
            }
        }
    }
    outputs.commit()
}

/// Draw the vertex counts against f of a polytope study's fracture statistics to `path`.
pub(super) fn plot_polytope(
    result: &lowrank::study::PolytopeResult,
    path: &Path,
) -> anyhow::Result<()> {
    let rows = result.vertex_rows();
    let series = |name: &str, y: &dyn Fn(&lowrank::study::polytope::VertexRow) -> f64| Series {
        name: name.into(),
        points: rows.iter().map(|r| (r.f as f64, y(r))).collect(),
        markers: true,
    };
    line_plot(
        path,
        &format!(
            "R = {}: vertices of the attractor polytope by number f of fracture variables ({} draws)",
            result.options.regions,
            result.options.fracture_draws.unwrap_or(0)
        ),
        "f (fracture variables)",
        "vertices",
        &[
            series("mean", &|r| r.mean),
            series("least", &|r| r.min as f64),
            series("largest", &|r| r.max as f64),
        ],
    )
}
