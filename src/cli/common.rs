//! Arguments and helpers shared by subcommands.

use anyhow::{bail, Context};
use lowrank::model::{Override, Scenario};
use lowrank::source::ScenarioSource;
use std::path::PathBuf;

/// A scenario file (or the name of a bundled scenario) and `--set` overrides.
#[derive(Debug, Clone, clap::Args)]
pub struct ScenarioArgs {
    /// Scenario TOML file, or the name of a bundled scenario (e.g. `mo2018-fig1`).
    pub scenario: PathBuf,
    /// Override any scalar of the scenario by its dotted path, e.g.
    /// `--set population.A.gain=1.8`, `--set mo2018.g=1.8`, `--set cb2025.g.0=2.0`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl ScenarioArgs {
    /// Parsed `--set` overrides.
    pub fn overrides(&self) -> anyhow::Result<Vec<Override>> {
        self.set
            .iter()
            .map(|s| Override::parse(s).map_err(anyhow::Error::from))
            .collect()
    }

    /// Load the scenario: a file if the path exists, else a bundled scenario by name.
    pub fn load(&self) -> anyhow::Result<Scenario> {
        self.overrides()?;
        Ok(ScenarioSource::resolve(&self.scenario).load(&self.set)?)
    }
}

/// Parse a comma-separated list of finite numbers for option `--{name}`.
pub fn parse_list(name: &str, text: &str) -> anyhow::Result<Vec<f64>> {
    let out: Vec<f64> = text
        .split(',')
        .map(|s| {
            let v: f64 = s
                .trim()
                .parse()
                .with_context(|| format!("--{name}: `{}` is not a number", s.trim()))?;
            if !v.is_finite() {
                bail!("--{name}: `{}` is not finite", s.trim());
            }
            Ok(v)
        })
        .collect::<anyhow::Result<_>>()?;
    if out.is_empty() {
        bail!("--{name}: empty list");
    }
    Ok(out)
}

/// A flat tensor T^{μνρ} of R³ values for option `--tensor`.
pub fn parse_tensor(text: &str, r: Option<usize>) -> anyhow::Result<(usize, Vec<f64>)> {
    let t = parse_list("tensor", text)?;
    let cube = (t.len() as f64).cbrt().round() as usize;
    if cube * cube * cube != t.len() || cube == 0 {
        bail!("--tensor: {} values is not R³ for any R", t.len());
    }
    if let Some(r) = r {
        if r != cube {
            bail!(
                "--tensor: {} values = {cube}³ but --regions is {r}",
                t.len()
            );
        }
    }
    Ok((cube, t))
}
