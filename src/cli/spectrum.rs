//! `lowrank spectrum SCENARIO [--n N] [--seed S] [--jacobian] [--set KEY=VALUE]... [--json]`:
//! eigenvalues of the connectivity J of one finite network (docs/theory §1.9) with its bulk
//! radius estimate and outliers, next to the large-N predictions: bulk radius √ρ(G)
//! (G_pq = α_q g_pq²) and outliers at the eigenvalues of the overlap matrix Ω (and of the
//! realised Ω̂ = n·m/N₀). With `--jacobian` the network is first simulated with the scenario's
//! settings and the spectrum is that of J·diag(φ′(x⁰)) at trial 0's final state
//! (the fixed point is stable iff `max_real` < 1).

use super::ScenarioArgs;

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

/// Run `lowrank spectrum`.
pub fn run(args: &SpectrumArgs) -> anyhow::Result<()> {
    if args.n == Some(0) {
        anyhow::bail!("--n must be ≥ 1");
    }
    let s = args.scenario.load()?;
    let n0 = args.n.unwrap_or(s.simulation.n);
    let seed = args.seed.unwrap_or(s.simulation.seed);
    let (n, _) = lowrank::spectrum::network_size(&s.model, n0);
    let (memory, work) = lowrank::spectrum::cost(&s.model, n0);
    let what = format!("the dense eigen-decomposition of the {n:.0}×{n:.0} matrix");
    super::budget::check_memory(&what, memory, "use a smaller --n")?;
    super::budget::check_work(&what, work, "use a smaller --n")?;
    let r = lowrank::spectrum::compute(&s, n0, seed, args.jacobian, &Default::default())?;
    let spec = &r.spectrum;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&r.to_json(&s.name))?);
    } else {
        let what = if args.jacobian {
            "J·diag(φ′(x⁰))"
        } else {
            "J"
        };
        outln!(
            "scenario {}: spectrum of {what}, N = {}, seed {seed}",
            s.name,
            r.n
        );
        outln!(
            "  bulk radius (0.9-quantile estimator) = {:.5}; bulk edge = {:.5}",
            spec.bulk_radius,
            spec.bulk_edge
        );
        if !args.jacobian {
            outln!("  predicted bulk radius √ρ(G) = {:.5}", r.predicted_bulk);
        }
        outln!("  max Re λ = {:.5}", spec.max_real);
        outln!("  outliers (|λ| > {:.5}):", spec.outlier_threshold);
        for o in &spec.outliers {
            outln!("    {:+.5} {:+.5}i", o[0], o[1]);
        }
        if !args.jacobian {
            outln!(
                "  predicted outliers: eig(Ω) = {:?}; realised eig(n·m/N₀) = {:?}",
                r.omega,
                r.omega_hat
            );
        }
    }
    Ok(())
}
