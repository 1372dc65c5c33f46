//! Arguments and helpers shared by subcommands.

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
