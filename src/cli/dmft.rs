//! `lowrank dmft SCENARIO [--t T] [--dt DT] [--set KEY=VALUE]... [--json] [--csv FILE]
//! [--slice T0] [--slice-csv FILE] [--delta-npy FILE.npy] [--s0 S,...] [--tensor T,...]
//! [--reference-ordering] [--classifier default|reference]`: the
//! time-dependent two-time DMFT (docs/theory §1.8, §3.11) of the scenario's model, with the dynamics
//! classification of §3.8 per population and the dominant frequency of the currents.
//!
//! Printed: final currents S (= filtered drives) and drives κ, gains ψ, total variances Δ0 = Δ(t,t)
//! at the end, Δ(t0, t_end) (≈ Δ∞ in a stationary state), the class of each population
//! (FP, FP+chaos, LC, LC+chaos, chaos) and the dominant frequency (cycles per unit time).
//! The autocorrelation slice Δ_p(t0, t0 + τ) and its normalised form Δ̂ at `--slice T0` (default
//! T/3) go to the JSON field `slice` and to `--slice-csv`; `--delta-npy` writes the whole
//! two-time matrix Δ_p(t_i, t_j) (P × N_t × N_t) for NumPy.

use super::common::{parse_list, parse_tensor};
use super::ScenarioArgs;
use anyhow::{bail, Context};
use lowrank::gauss::Gauss;
use lowrank::source::ScenarioSource;
use lowrank::theory::dmft::{run as run_dmft, Classifier, DmftOptions, DmftResult, SourceMethod};
use serde_json::json;

/// Arguments of `lowrank dmft`.
#[derive(Debug, Clone, clap::Args)]
pub struct DmftArgs {
    /// Scenario and overrides.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Duration T of the run (N_t = round(T/dt) grid points). Default 125 (N_t = 2500 at dt = 0.05).
    #[arg(long, default_value_t = 125.0, allow_hyphen_values = true)]
    pub t: f64,
    /// Time step (default: the scenario's simulation dt, 0.05 unless set).
    #[arg(long, allow_hyphen_values = true)]
    pub dt: Option<f64>,
    /// Seed of the initial currents S(0) ~ U[0, 1) (default: the scenario's simulation seed).
    #[arg(long, allow_hyphen_values = true)]
    pub seed: Option<u64>,
    /// Keep only this many recent lags (O(N_t·b) cost; classification row limited to b·dt).
    #[arg(long, allow_hyphen_values = true)]
    pub band: Option<usize>,
    /// Reproduce the reference implementation's scheme step for step (docs/theory §3.11, §6): its
    /// lag order, ψ_0 = H_0 = 0 (so S_1 = (1 − dt)S_0), Δ00 = g_1² in every region and the erf
    /// source at the unclamped Δ12.
    #[arg(long)]
    pub reference_ordering: bool,
    /// Initial currents S(0), one value per current in the model's order ([CB]: S^{11}, S^{12},
    /// …, S^{RR}), instead of the U[0, 1) draw from --seed.
    #[arg(long, value_name = "S1,S2,...", allow_hyphen_values = true)]
    pub s0: Option<String>,
    /// A full tensor T^{μνρ} (R³ values at (μR + ν)R + ρ) replacing the [CB] scenario's
    /// interactions (its `cb2025.t` or `cb2025.symmetric`); R must be the scenario's region count.
    #[arg(long, value_name = "T111,T112,...", allow_hyphen_values = true)]
    pub tensor: Option<String>,
    /// Rules classifying Δ̂(t0, t0 + τ): `default` (peaks need a prominence, τ = 0 is always the
    /// first peak) or `reference` (the reference implementation's rules verbatim; docs/theory §3.8).
    #[arg(long, value_enum, default_value_t = ClassifierArg::Default)]
    pub classifier: ClassifierArg,
    /// Evaluate the source by Gauss–Hermite tensor quadrature of this order per dimension instead
    /// of the closed forms (erf, linear) / the Mehler expansion (every other φ); a cross-check.
    #[arg(long, allow_hyphen_values = true)]
    pub quadrature: Option<usize>,
    /// Print one JSON document on stdout (fields: currents, kappa, gain, delta0, delta_inf,
    /// regime, frequency, dt, nt, t0, clipped_variances, source_pairs, source_fallbacks).
    #[arg(long)]
    pub json: bool,
    /// Write the time series (t, S_k, kappa_k, gain_p, delta0_p) to this CSV file.
    #[arg(long)]
    pub csv: Option<std::path::PathBuf>,
    /// Time t0 of the autocorrelation slice Δ_p(t0, t0 + τ) (and of the classification row);
    /// default T/3. Reported in the JSON field `slice` (`t0`, `lags`, `delta`, `delta_hat`).
    #[arg(long, value_name = "T0", allow_hyphen_values = true)]
    pub slice: Option<f64>,
    /// Write the slice as CSV: columns `tau,delta_<population>...,delta_hat_<population>...`
    /// (`delta_<population>` as in `lowrank solve/simulate --autocorrelation-csv`).
    #[arg(long = "slice-csv", value_name = "FILE")]
    pub slice_csv: Option<std::path::PathBuf>,
    /// Write the whole two-time matrix Δ_p(t_i, t_j) as a NumPy `.npy` file (float64, shape
    /// P × N_t × N_t, NaN beyond --band); costs 8·P·N_t² bytes of memory and file.
    #[arg(long = "delta-npy", value_name = "FILE.npy")]
    pub delta_npy: Option<std::path::PathBuf>,
}

/// Option `--classifier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClassifierArg {
    /// Prominent peaks, τ = 0 always the first peak.
    Default,
    /// The reference implementation's rules verbatim.
    Reference,
}

impl From<ClassifierArg> for Classifier {
    fn from(c: ClassifierArg) -> Classifier {
        match c {
            ClassifierArg::Default => Classifier::Default,
            ClassifierArg::Reference => Classifier::Reference,
        }
    }
}

/// The scenario of `args`, with `--tensor` (if given) replacing its [CB] interactions.
fn load_scenario(args: &DmftArgs) -> anyhow::Result<lowrank::model::Scenario> {
    let Some(text) = &args.tensor else {
        return args.scenario.load();
    };
    let (r, t) = parse_tensor(text, None)?;
    args.scenario.overrides()?;
    let source = ScenarioSource::resolve(&args.scenario.scenario);
    let toml_text = source.resolved_toml(&args.scenario.set)?;
    let mut doc: toml::Table = toml_text
        .parse()
        .context("re-reading the resolved scenario")?;
    let cb = doc
        .get_mut("cb2025")
        .and_then(|v| v.as_table_mut())
        .with_context(|| {
            format!(
                "--tensor needs a [CB] scenario (one with a [cb2025] section); `{}` has none",
                source.label()
            )
        })?;
    let regions = cb.get("regions").and_then(|v| v.as_integer());
    if regions != Some(r as i64) {
        bail!(
            "--tensor: {} values = {r}³, but the scenario has {} regions",
            t.len(),
            regions.map_or("no".to_string(), |n| n.to_string())
        );
    }
    cb.remove("symmetric");
    cb.insert(
        "t".into(),
        toml::Value::Array(t.into_iter().map(toml::Value::Float).collect()),
    );
    Ok(ScenarioSource::Toml(toml::to_string(&doc)?).load(&[])?)
}

/// A little-endian float64 array as a NumPy `.npy` (format 1.0) file.
fn write_npy(mut f: super::output::Named, shape: &[usize], data: &[f64]) -> anyhow::Result<()> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let mut header = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({},), }}",
        dims.join(", ")
    );
    // magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut bytes = Vec::with_capacity(10 + header.len() + 8 * data.len());
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in data {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    f.write_all(&bytes)?;
    f.finish()
}

/// The autocorrelation slice Δ_p(t0, t0 + τ) and its normalised form
/// Δ̂ = Δ(t0, t0+τ)/√(Δ(t0,t0)Δ(t0+τ,t0+τ)) (docs/theory §3.8) on the lags τ = l·dt.
fn slice(res: &DmftResult) -> (Vec<f64>, Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let lags = (0..res.row_len).map(|l| l as f64 * res.dt).collect();
    let delta = (0..res.p).map(|p| res.row(p).to_vec()).collect();
    let hat = (0..res.p).map(|p| res.normalized_row(p)).collect();
    (lags, delta, hat)
}

fn write_slice_csv(
    mut f: super::output::Named,
    populations: &[String],
    res: &DmftResult,
) -> anyhow::Result<()> {
    let (lags, delta, hat) = slice(res);
    let mut header = vec!["tau".to_string()];
    header.extend(
        populations
            .iter()
            .map(|p| super::solve::csv_field(&format!("delta_{p}"))),
    );
    header.extend(
        populations
            .iter()
            .map(|p| super::solve::csv_field(&format!("delta_hat_{p}"))),
    );
    f.line(&header.join(","))?;
    for (l, tau) in lags.iter().enumerate() {
        let mut row = vec![format!("{tau}")];
        row.extend(delta.iter().map(|d| format!("{:e}", d[l])));
        row.extend(hat.iter().map(|d| format!("{:e}", d[l])));
        f.line(&row.join(","))?;
    }
    f.finish()
}

fn fmt(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x:.6}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_csv(mut f: super::output::Named, res: &DmftResult) -> anyhow::Result<()> {
    let mut header = vec!["t".to_string()];
    header.extend((0..res.k).map(|k| format!("S{k}")));
    header.extend((0..res.k).map(|k| format!("kappa{k}")));
    header.extend((0..res.p).map(|p| format!("gain{p}")));
    header.extend((0..res.p).map(|p| format!("delta0_{p}")));
    f.line(&header.join(","))?;
    for j in 0..res.nt {
        let mut row = vec![format!("{}", j as f64 * res.dt)];
        row.extend(res.currents_at(j).iter().map(|x| format!("{x:e}")));
        row.extend(
            res.drives[j * res.k..(j + 1) * res.k]
                .iter()
                .map(|x| format!("{x:e}")),
        );
        row.extend(res.gains_at(j).iter().map(|x| format!("{x:e}")));
        row.extend(res.delta_at(j).iter().map(|x| format!("{x:e}")));
        f.line(&row.join(","))?;
    }
    f.finish()
}

/// Largest Gauss–Hermite order per dimension of `--quadrature`.
pub const MAX_QUADRATURE: usize = 200;

/// Run `lowrank dmft`.
pub fn run(args: &DmftArgs) -> anyhow::Result<()> {
    if let Some(q) = args.quadrature {
        if !(2..=MAX_QUADRATURE).contains(&q) {
            anyhow::bail!("--quadrature ({q}) must be in 2..={MAX_QUADRATURE} (Gauss–Hermite nodes per dimension)");
        }
    }
    if !(args.t.is_finite() && args.t > 0.0) {
        anyhow::bail!("--t ({}) must be positive and finite", args.t);
    }
    if let Some(dt) = args.dt {
        if !(dt.is_finite() && dt > 0.0) {
            anyhow::bail!("--dt ({dt}) must be positive and finite");
        }
    }
    if args.band == Some(0) {
        anyhow::bail!("--band must be ≥ 1");
    }
    if let Some(t0) = args.slice {
        if !(t0.is_finite() && t0 >= 0.0 && t0 < args.t) {
            anyhow::bail!(
                "--slice ({t0}) must be finite, ≥ 0 and < --t ({}): the slice starts on the grid",
                args.t
            );
        }
    }
    let mut outputs = super::output::Outputs::new();
    let csv_out = match &args.csv {
        Some(path) => Some(outputs.reserve("--csv", path, &[])?),
        None => None,
    };
    let slice_out = match &args.slice_csv {
        Some(path) => Some(outputs.reserve("--slice-csv", path, &[])?),
        None => None,
    };
    let npy_out = match &args.delta_npy {
        Some(path) => Some(outputs.reserve("--delta-npy", path, &["npy"])?),
        None => None,
    };
    let scenario = load_scenario(args)?;
    let model = &scenario.model;
    let s0 = match &args.s0 {
        Some(text) => {
            let s0 = parse_list("s0", text)?;
            if s0.len() != model.rank() {
                bail!(
                    "--s0: {} values, but the model has {} currents",
                    s0.len(),
                    model.rank()
                );
            }
            Some(s0)
        }
        None => None,
    };
    let dt = args.dt.unwrap_or(scenario.simulation.dt);
    if args.t <= dt {
        anyhow::bail!("--t ({}) must be larger than --dt ({dt})", args.t);
    }
    let nt_f = (args.t / dt).round();
    let lagw = args.band.map_or(nt_f, |b| (b as f64).min(nt_f));
    let (np, nk) = (model.n_populations() as f64, model.rank() as f64);
    let source = args
        .quadrature
        .map_or(SourceMethod::Auto, |order| SourceMethod::Quadrature {
            order,
        });
    // the Mehler source keeps the coefficient sets of the last min(N_t, band + 1) times
    let source_bytes = lowrank::theory::dmft::source_memory(
        model.nonlinearity(),
        source,
        model.n_populations(),
        (lagw + 1.0).min(nt_f) as usize,
    );
    let matrix_bytes = if args.delta_npy.is_some() {
        // the matrix, and its file image while it is written
        2.0 * lowrank::theory::dmft::matrix_memory(model.n_populations(), nt_f as usize)
    } else {
        0.0
    };
    super::budget::check_memory(
        &format!("the two-time DMFT with N_t = {nt_f:.0} (T/dt) and {lagw:.0} lags"),
        8.0 * nt_f * (4.0 * nk + 8.0 * np + 2.0 * nk * nk + 4.0)
            + 8.0 * 6.0 * np * lagw
            + source_bytes
            + matrix_bytes,
        "use a larger --dt or a shorter --t, or keep fewer lags with --band B",
    )?;
    super::budget::check_work(
        &format!("the two-time DMFT with N_t = {nt_f:.0} (T/dt) and {lagw:.0} lags"),
        nt_f * lagw * np * 20.0,
        "keep only recent lags with --band B (O(N_t·B)), or use a larger --dt / shorter --t",
    )?;
    let opts = DmftOptions {
        dt,
        nt: nt_f as usize,
        seed: args.seed.unwrap_or(scenario.simulation.seed),
        band: args.band,
        reference_ordering: args.reference_ordering,
        s0,
        classifier: args.classifier.into(),
        source,
        t0: args
            .slice
            .map(|t0| ((t0 / dt).round() as usize).min(nt_f as usize - 1)),
        keep_matrix: args.delta_npy.is_some(),
        ..Default::default()
    };
    let res = run_dmft(model, Gauss::new(64), &opts).context("two-time DMFT")?;
    let j = res.nt - 1;
    let classes = res.classes();
    let freq = res.dominant_frequency();
    let delta_inf: Vec<f64> = (0..res.p)
        .map(|p| *res.row(p).last().unwrap_or(&f64::NAN))
        .collect();
    let kappa = &res.drives[j * res.k..(j + 1) * res.k];
    if let Some(i) = csv_out {
        write_csv(outputs.writer(i)?, &res)?;
    }
    let populations: Vec<String> = model.populations().iter().map(|p| p.name.clone()).collect();
    if let Some(i) = slice_out {
        write_slice_csv(outputs.writer(i)?, &populations, &res)?;
    }
    if let (Some(i), Some(m)) = (npy_out, res.matrix.as_ref()) {
        write_npy(outputs.writer(i)?, &[res.p, res.nt, res.nt], m)?;
    }
    if args.json {
        let (lags, delta, hat) = slice(&res);
        let doc = json!({
            "scenario": scenario.name,
            "dt": res.dt,
            "nt": res.nt,
            "t0": res.t0,
            "currents": res.currents_at(j),
            "kappa": kappa,
            "gain": res.gains_at(j),
            "delta0": res.delta_at(j),
            "delta_inf": delta_inf,
            "regime": classes.iter().map(|c| c.label()).collect::<Vec<_>>(),
            "classifier": res.classifier.label(),
            "reference_ordering": args.reference_ordering,
            "frequency": freq,
            "clipped_variances": res.clipped_variances,
            "source_pairs": res.source_pairs,
            "source_fallbacks": res.source_fallbacks,
            "slice": {
                "t0": res.t0 as f64 * res.dt,
                "lags": lags,
                "delta": delta,
                "delta_hat": hat,
            },
        });
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        let names: Vec<&str> = model
            .populations()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        outln!(
            "two-time DMFT of `{}`: dt = {}, N_t = {}, classification from t0 = {:.3}",
            scenario.name,
            res.dt,
            res.nt,
            res.t0 as f64 * res.dt
        );
        outln!("currents S(T)   = [{}]", fmt(res.currents_at(j)));
        outln!("drives kappa(T) = [{}]", fmt(kappa));
        for p in 0..res.p {
            outln!(
                "population {}: gain = {:.6}, delta0 = {:.6}, delta(t0, T) = {:.6}, regime = {}",
                names[p],
                res.gains_at(j)[p],
                res.delta_at(j)[p],
                delta_inf[p],
                classes[p]
            );
        }
        match freq {
            Some(f) => outln!(
                "dominant frequency of the currents: {f:.6} (period {:.4})",
                1.0 / f
            ),
            None => outln!("dominant frequency of the currents: none (static currents)"),
        }
        if res.source_fallbacks > 0 {
            outln!(
                "note: {} of {} source pairs were outside the Mehler tolerance and integrated by \
                 quadrature",
                res.source_fallbacks,
                res.source_pairs
            );
        }
        if res.clipped_variances > 0 {
            outln!(
                "note: {} equal-time variances were set to 0 after an O(dt) overshoot below 0",
                res.clipped_variances
            );
        }
    }
    outputs.commit()
}
