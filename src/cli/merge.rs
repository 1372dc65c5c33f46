//! `lowrank merge OUT SHARD... [--plot FILE] [--csv FILE]`: join the outputs of a command run as
//! `--shard I/N` slices into exactly the unsharded output (docs/cluster.md). What the shards are
//! is read from them:
//! - `study fig5` / `study fig6` CSVs (their `# lowrank study ...` trailer): concatenated in shard
//!   order; `--plot` draws the study's figure from the merged table;
//! - `study fig5` / `study fig6` `--json` documents: the cells or rows joined; OUT is the JSON;
//! - `study polytope --json` documents: the fracture statistics added up; OUT is the JSON,
//!   `--csv` and `--plot` the study's table and figure;
//! - `threshold --over` CSVs: concatenated in shard order (every point of every shard checked);
//! - `reproduce --shard` runs (`DIR/shard-I-of-N.json`): OUT is the run's `index.md`;
//! - `sweep --shard` CSVs: rows ordered by grid point.
//!
//! Every merge checks that the shards come from one command with the same parameters, and that
//! every shard 0..N is there exactly once (the missing ones are listed, to re-run).

use super::output::{Outputs, PLOT_EXTENSIONS};
use anyhow::{bail, Context};
use std::path::PathBuf;

/// Arguments of `lowrank merge`.
#[derive(Debug, Clone, clap::Args)]
pub struct MergeArgs {
    /// Output: the merged CSV or JSON (as the shards), or the `index.md` of `reproduce`.
    pub output: PathBuf,
    /// Shard outputs written with `--shard I/N` (`sweep`, `study fig5|fig6`, `threshold --over`
    /// CSVs; `study fig5|fig6|polytope --json` documents; `reproduce` shard records).
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Also draw the merged study's figure (PNG or SVG), as the unsharded `--plot` would.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Also write the merged polytope study's CSV (as `study polytope --csv`).
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

/// Run `lowrank merge`.
pub fn run(args: &MergeArgs) -> anyhow::Result<()> {
    if let Some(dup) = args.shards.iter().find(|s| {
        *s == &args.output || Some(*s) == args.plot.as_ref() || Some(*s) == args.csv.as_ref()
    }) {
        bail!(
            "merge: the output `{}` is also given as a shard",
            dup.display()
        );
    }
    let files = args
        .shards
        .iter()
        .map(|p| {
            std::fs::read_to_string(p)
                .map(|t| (p.display().to_string(), t))
                .with_context(|| format!("merge: read `{}`", p.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let first = files.first().map(|f| f.1.as_str()).unwrap_or_default();
    let last_line = first.lines().last().unwrap_or_default();
    let fig5 = lowrank::study::fig5::META_PREFIX;
    let fig6 = lowrank::study::fig6::META_PREFIX;
    // a JSON shard says what it is in its top-level keys
    let doc = first
        .trim_start()
        .starts_with('{')
        .then(|| serde_json::from_str::<serde_json::Value>(first).ok())
        .flatten();
    let study = doc
        .as_ref()
        .and_then(|d| d.get("study"))
        .and_then(|s| s.as_str())
        .map(String::from);
    if doc.as_ref().is_some_and(|d| d.get("reproduce").is_some()) {
        for (flag, p) in [("--plot", &args.plot), ("--csv", &args.csv)] {
            if let Some(p) = p {
                bail!(
                    "{flag} `{}`: reproduce shards merge into the index only",
                    p.display()
                );
            }
        }
        super::reproduce::merge(&args.output, &files)
    } else if first.trim_start().starts_with('{') {
        match study.as_deref() {
            Some("fig5") | Some("fig6") => {
                study_json(args, &files, study.as_deref() == Some("fig5"))
            }
            _ => polytope(args, &files),
        }
    } else if last_line.starts_with(super::threshold::META_PREFIX) {
        for (flag, p) in [("--plot", &args.plot), ("--csv", &args.csv)] {
            if let Some(p) = p {
                bail!(
                    "{flag} `{}`: threshold shards merge into the CSV only",
                    p.display()
                );
            }
        }
        let mut outputs = Outputs::new();
        let out = outputs.reserve("merge output", &args.output, &[])?;
        let merged = lowrank::shard::merge_csv_by_point(super::threshold::META_PREFIX, &files)?;
        outputs.write_all(out, merged.as_bytes())?;
        outputs.commit()
    } else if last_line.starts_with(fig5) || last_line.starts_with(fig6) {
        let prefix = if last_line.starts_with(fig5) {
            fig5
        } else {
            fig6
        };
        if let Some(csv) = &args.csv {
            bail!(
                "--csv `{}`: the merged study CSV is the output itself",
                csv.display()
            );
        }
        let mut outputs = Outputs::new();
        let out = outputs.reserve("merge output", &args.output, &[])?;
        let plot = match &args.plot {
            Some(p) => Some(outputs.reserve("--plot", p, &PLOT_EXTENSIONS)?),
            None => None,
        };
        let merged = lowrank::shard::merge_csv(prefix, &files)?;
        outputs.write_all(out, merged.as_bytes())?;
        if let Some(i) = plot {
            if prefix == fig5 {
                let r = lowrank::study::Fig5Result::from_csv(&merged)?;
                super::study::plot_fig5(&r, outputs.path(i))?;
            } else {
                let r = lowrank::study::Fig6Result::from_csv(&merged)?;
                let classes =
                    super::study::sibling(&args.plot.clone().unwrap_or_default(), "classes");
                let ci = outputs.reserve("--plot (classes map)", &classes, &PLOT_EXTENSIONS)?;
                let path = outputs.path(i).to_path_buf();
                if !super::study::plot_fig6(&r, &path, outputs.path(ci))? {
                    outputs.discard(ci);
                }
            }
        }
        outputs.commit()
    } else {
        for (flag, p) in [("--plot", &args.plot), ("--csv", &args.csv)] {
            if let Some(p) = p {
                bail!(
                    "{flag} `{}`: sweep shards merge into the CSV only (draw the figure with `lowrank sweep --plot` on a grid that fits one machine)",
                    p.display()
                );
            }
        }
        super::sweep::merge(&args.output, &args.shards)
    }
}

/// Merge `study fig5|fig6 --shard I/N --json` documents (their cells or rows in shard order).
fn study_json(args: &MergeArgs, files: &[(String, String)], fig5: bool) -> anyhow::Result<()> {
    for (flag, p) in [("--plot", &args.plot), ("--csv", &args.csv)] {
        if let Some(p) = p {
            bail!(
                "{flag} `{}`: JSON shards merge into the JSON; write the shards with --csv to \
                 draw the figure when merging",
                p.display()
            );
        }
    }
    let mut outputs = Outputs::new();
    let out = outputs.reserve("merge output", &args.output, &[])?;
    let docs = files
        .iter()
        .map(|(name, text)| {
            serde_json::from_str(text)
                .map(|d| (name.clone(), d))
                .with_context(|| format!("`{name}`: not a JSON document (truncated?)"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let len = |d: &serde_json::Value, k: &str| d.get(k).and_then(|v| v.as_array()).map(Vec::len);
    let merged = if fig5 {
        lowrank::shard::merge_json(&docs, "cells", "first_cell", |d| {
            Some(len(d, "re")? * len(d, "im")?)
        })?
    } else {
        lowrank::shard::merge_json(&docs, "rows", "first_row", |d| len(d, "g1"))?
    };
    let mut text = serde_json::to_string_pretty(&merged)?;
    text.push('\n');
    outputs.write_all(out, text.as_bytes())?;
    outputs.commit()
}

/// Merge `study polytope --shard I/N --json` documents.
fn polytope(args: &MergeArgs, files: &[(String, String)]) -> anyhow::Result<()> {
    let mut outputs = Outputs::new();
    let out = outputs.reserve("merge output", &args.output, &["json"])?;
    let csv = match &args.csv {
        Some(p) => Some(outputs.reserve("--csv", p, &[])?),
        None => None,
    };
    let plot = match &args.plot {
        Some(p) => Some(outputs.reserve("--plot", p, &PLOT_EXTENSIONS)?),
        None => None,
    };
    let parts = files
        .iter()
        .map(|(name, text)| {
            let doc: serde_json::Value = serde_json::from_str(text)
                .with_context(|| format!("`{name}`: not a JSON document (truncated?)"))?;
            let r = lowrank::study::PolytopeResult::from_json(&doc)
                .with_context(|| format!("`{name}`"))?;
            Ok((name.clone(), r))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = lowrank::study::polytope::merge(&parts)?;
    let mut text = serde_json::to_string_pretty(&merged.to_json())?;
    text.push('\n');
    outputs.write_all(out, text.as_bytes())?;
    if let Some(i) = csv {
        let table = merged
            .to_csv()
            .context("--csv: the merged study has no table")?;
        outputs.write_all(i, table.as_bytes())?;
    }
    if let Some(i) = plot {
        if merged.fracture.is_none() {
            bail!("--plot: the polytope study's figure is of the fracture statistics");
        }
        super::study::plot_polytope(&merged, outputs.path(i))?;
    }
    outputs.commit()
}
