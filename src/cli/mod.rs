//! Subcommands of the `lowrank` binary.
//!
//! To add a subcommand `foo`: create `src/cli/foo.rs` with a `#[derive(clap::Args)] pub struct
//! FooArgs` (flatten [`ScenarioArgs`] to take a scenario with `--set`) and
//! `pub fn run(args: &FooArgs) -> anyhow::Result<()>`; then add `pub mod foo;` below, one
//! variant `Foo(foo::FooArgs)` to [`Command`] and one arm to [`run`].

/// Write formatted text to stdout; `?`-propagates an error naming stdout (never panics like
/// `print!` on a full disk or closed descriptor).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::stdout_write(format_args!($($arg)*))?
    };
}

/// Like [`out!`] with a trailing newline.
macro_rules! outln {
    () => {
        $crate::cli::output::stdout_write(format_args!("\n"))?
    };
    ($($arg:tt)*) => {
        $crate::cli::output::stdout_write(format_args!("{}\n", format_args!($($arg)*)))?
    };
}

pub mod budget;
pub mod check;
pub mod common;
pub mod dmft;
pub mod merge;
pub mod output;
pub mod reproduce;
pub mod simulate;
pub mod solve;
pub mod spectrum;
pub mod study;
pub mod sweep;
pub mod threshold;

pub use common::ScenarioArgs;

use clap::{Parser, Subcommand};

/// Mean-field theory and simulation of random + low-rank recurrent networks.
#[derive(Debug, Parser)]
#[command(name = "lowrank", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Memory limit of a run (e.g. `16G`, `512M`, bytes); default: the machine's available
    /// memory. Runs estimated to need more are refused before allocating.
    #[arg(long, global = true, value_name = "SIZE", value_parser = budget::parse_bytes, allow_hyphen_values = true)]
    pub max_memory: Option<f64>,
    /// Work limit of a run in elementary operations (default 1e13, about an hour of one core).
    /// Runs estimated to need more are refused before starting.
    #[arg(long, global = true, value_name = "OPS", value_parser = budget::parse_work, allow_hyphen_values = true)]
    pub max_work: Option<f64>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load and validate a scenario; print its resolved statistics (overlap matrix Ω, G, ...).
    Check(check::CheckArgs),
    /// Draw a finite network and integrate it: time-averaged kappa, currents, mu, delta0, readouts.
    Simulate(simulate::SimulateArgs),
    /// Eigenvalues of J (or of J·diag(φ′(x⁰))) for one finite network: bulk radius, outliers.
    Spectrum(spectrum::SpectrumArgs),
    /// All mean-field solutions (every branch, stable or not) with stability and convergence report.
    Solve(solve::SolveArgs),
    /// Sweep parameters on a grid with continuation; CSV out, optional plot, `--shard I/N`.
    Sweep(sweep::SweepArgs),
    /// Join the shard outputs of `sweep`, `study fig5|fig6|polytope` run with `--shard I/N`
    /// into the unsharded output (and the study's figure with `--plot`).
    Merge(merge::MergeArgs),
    /// Time-dependent two-time DMFT with the dynamics classification (FP, LC, chaos, ...).
    Dmft(dmft::DmftArgs),
    /// Every bifurcation (fold, pitchfork, chaos onset, Hopf) of every branch over a parameter
    /// interval, each located by Newton on an extended system.
    Threshold(threshold::ThresholdArgs),
    /// Clark & Beiran (2025) studies: Fig. 5 phase diagram, Fig. 6, input switch, polytope.
    Study(study::StudyArgs),
    /// Every figure panel of both papers (PNG + CSV) with an index of commands and run times.
    Reproduce(reproduce::ReproduceArgs),
}

/// Dispatch a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    budget::init(cli.max_memory, cli.max_work);
    let result = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Spectrum(args) => spectrum::run(&args),
        Command::Solve(args) => solve::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Dmft(args) => dmft::run(&args),
        Command::Threshold(args) => threshold::run(&args),
        Command::Study(args) => study::run(&args),
        Command::Reproduce(args) => reproduce::run(&args),
    };
    result.and_then(|()| output::flush_stdout())
}
