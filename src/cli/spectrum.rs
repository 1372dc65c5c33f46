//! `lowrank spectrum SCENARIO [--n N] [--seed S] [--jacobian] [--set KEY=VALUE]... [--json]`:
//! eigenvalues of the connectivity J of one finite network (docs/theory §1.9) with its bulk
//! radius estimate and outliers, next to the large-N predictions: bulk radius √ρ(G)
//! (G_pq = α_q g_pq²) and outliers at the eigenvalues of the overlap matrix Ω (and of the
//! realised Ω̂ = n·m/N₀). With `--jacobian` the network is first simulated with the scenario's
//! settings and the spectrum is that of J·diag(φ′(x⁰)) at trial 0's final state
//! (the fixed point is stable iff `max_real` < 1).

use super::ScenarioArgs;
use anyhow::Context;
use lowrank::model::nalgebra::DMatrix;
use lowrank::sim::{
    connectivity_spectrum, jacobian_spectrum, Network, SimConfig, Simulator, Spectrum,
};
use serde_json::json;

/// Arguments of `lowrank spectrum`.
#[derive(Debug, Clone, clap::Args)]
pub struct SpectrumArgs {
    /// Scenario and overrides.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Normalising size N₀ (dense eigen-decomposition: O(N³), N up to a few thousand).
    #[arg(long, allow_hyphen_values = true)]
    pub n: Option<usize>,
    /// Seed of the network.
    #[arg(long, allow_hyphen_values = true)]
    pub seed: Option<u64>,
    /// Spectrum of J·diag(φ′(x⁰)) at the end state of a simulation with the scenario's settings.
    #[arg(long)]
    pub jacobian: bool,
    /// Print one JSON document on stdout (all eigenvalues included).
    #[arg(long)]
    pub json: bool,
}

/// Eigenvalues by modulus, bounded real Schur (a typed error instead of an endless loop).
fn eigenvalues(m: &DMatrix<f64>, what: &str) -> anyhow::Result<Vec<[f64; 2]>> {
    let mut e: Vec<[f64; 2]> = lowrank::model::linalg::try_complex_eigenvalues(m)
        .with_context(|| what.to_string())?
        .iter()
        .map(|c| [c.re, c.im])
        .collect();
    e.sort_by(|a, b| b[0].hypot(b[1]).total_cmp(&a[0].hypot(a[1])));
    Ok(e)
}

/// Run `lowrank spectrum`.
pub fn run(args: &SpectrumArgs) -> anyhow::Result<()> {
    if args.n == Some(0) {
        anyhow::bail!("--n must be ≥ 1");
    }
    let s = args.scenario.load()?;
    let n0 = args.n.unwrap_or(s.simulation.n);
    let seed = args.seed.unwrap_or(s.simulation.seed);
    let (n, dense) = super::simulate::network_size(&s.model, n0);
    let what = format!("the dense eigen-decomposition of the {n:.0}×{n:.0} matrix");
    super::budget::check_memory(&what, 8.0 * dense + 5.0 * 8.0 * n * n, "use a smaller --n")?;
    super::budget::check_work(&what, 30.0 * n * n * n, "use a smaller --n")?;
    let net = Network::sample(&s.model, n0, seed).context("sampling the network")?;
    let spec: Spectrum = if args.jacobian {
        let sim = &s.simulation;
        let mut cfg = SimConfig::new(sim.t, sim.dt);
        cfg.burn_in = sim.burn_in;
        cfg.seed = seed;
        cfg.keep_final_state = true;
        cfg.init = match &sim.init {
            lowrank::model::Init::Gaussian { std } => lowrank::sim::Init::Gaussian {
                mean: 0.0,
                std: *std,
            },
            lowrank::model::Init::Vectors { .. } => lowrank::sim::Init::Vectors {
                coefficients: sim.init.vector_coefficients(&s.model)?,
                std: 0.0,
            },
        };
        let res = Simulator::<f64>::new(&net)
            .run(&cfg)
            .context("simulation to the fixed point")?;
        let x0 = &res.final_state.as_ref().context("no final state")?[0];
        jacobian_spectrum(&net, x0)?
    } else {
        connectivity_spectrum(&net)?
    };
    let g = s.model.disorder_coupling();
    let predicted_bulk = eigenvalues(&g, "disorder coupling G")?
        .first()
        .map(|e| e[0].hypot(e[1]).sqrt())
        .unwrap_or(0.0);
    let omega = eigenvalues(&s.model.overlap_matrix(), "overlap matrix Ω")?;
    let omega_hat = eigenvalues(&net.empirical_overlap(), "empirical overlap matrix")?;
    if args.json {
        let doc = json!({
            "scenario": s.name,
            "n": net.n(),
            "n0": n0,
            "seed": seed,
            "matrix": if args.jacobian { "J diag(phi'(x0))" } else { "J" },
            "bulk_radius": spec.bulk_radius,
            "bulk_edge": spec.bulk_edge,
            "outlier_threshold": spec.outlier_threshold,
            "outlier": spec.outliers,
            "max_real": spec.max_real,
            "predicted": { "bulk_radius": predicted_bulk, "outlier": omega, "note": if args.jacobian { "large-N predictions are for J (gains not applied)" } else { "" } },
            "empirical_overlap_eigenvalues": omega_hat,
            "eigenvalues": spec.eigenvalues,
        });
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        let what = if args.jacobian {
            "J·diag(φ′(x⁰))"
        } else {
            "J"
        };
        outln!(
            "scenario {}: spectrum of {what}, N = {}, seed {seed}",
            s.name,
            net.n()
        );
        outln!(
            "  bulk radius (0.9-quantile estimator) = {:.5}; bulk edge = {:.5}",
            spec.bulk_radius,
            spec.bulk_edge
        );
        if !args.jacobian {
            outln!("  predicted bulk radius √ρ(G) = {predicted_bulk:.5}");
        }
        outln!("  max Re λ = {:.5}", spec.max_real);
        outln!("  outliers (|λ| > {:.5}):", spec.outlier_threshold);
        for o in &spec.outliers {
            outln!("    {:+.5} {:+.5}i", o[0], o[1]);
        }
        if !args.jacobian {
            outln!(
                "  predicted outliers: eig(Ω) = {omega:?}; realised eig(n·m/N₀) = {omega_hat:?}"
            );
        }
    }
    Ok(())
}
