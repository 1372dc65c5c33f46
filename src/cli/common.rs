//! Arguments and helpers shared by subcommands.

use anyhow::Context;
use lowrank::model::{bundled, Override, Scenario};
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
        let overrides = self.overrides()?;
        let path = &self.scenario;
        if path.exists() {
            return Scenario::from_path(path, &overrides)
                .with_context(|| format!("scenario `{}`", path.display()));
        }
        let name = path.to_string_lossy();
        match bundled::load(&name, &overrides) {
            Some(result) => result.with_context(|| format!("bundled scenario `{name}`")),
            None => {
                let known: Vec<&str> = bundled::ALL.iter().map(|(n, _)| *n).collect();
                anyhow::bail!(
                    "scenario `{name}`: no such file, and not a bundled scenario (bundled: {})",
                    known.join(", ")
                )
            }
        }
    }
}
