//! `lowrank reproduce mo2018|cb2025|all --out DIR [--budget quick|paper] [--panel NAME]...`:
//! every figure panel of both papers that the theory and the simulator can produce, each as a
//! PNG and a CSV, with `DIR/index.md` listing every panel, what the paper shows in it, the exact
//! command that makes it alone and its run time (docs/gallery.md shows the `quick` figures).
//!
//! A panel is either a standalone `lowrank` command (a study, a sweep: run as a child process of
//! this binary, its text report kept in `NAME.txt`) or computed here (theory curves with
//! simulation points, time courses, spectra), in which case its command is
//! `lowrank reproduce PAPER --panel NAME --out DIR --budget B`.

mod cb2025;
mod common;
mod mo2018;
mod mo2018_tasks;

use anyhow::{bail, Context};
use common::Ctx;
use lowrank::model::Interrupt;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `lowrank reproduce`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReproduceArgs {
    /// Which paper: `mo2018` (low-rank networks), `cb2025` (multiregion networks) or `all`.
    #[arg(value_enum)]
    pub paper: PaperArg,
    /// Output directory (created if missing): `NAME.png`, `NAME.csv` per panel and `index.md`.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// `quick` (everything in a few minutes on 2 cores: smaller N, fewer seeds, coarser grids)
    /// or `paper` (the papers' grids and sample counts; N as large as the validation uses).
    #[arg(long, value_enum, default_value_t = Budget::Quick)]
    pub budget: Budget,
    /// Only these panels (repeatable); `--list` shows the names.
    #[arg(long, value_name = "NAME")]
    pub panel: Vec<String>,
    /// List the panels and exit.
    #[arg(long)]
    pub list: bool,
    /// Only slice I of N of the chosen panels (e.g. `--shard 3/8`), or `auto` from a Slurm or
    /// Grid Engine array job. Every shard writes into the same `--out DIR` (a shared file
    /// system) and leaves `DIR/shard-I-of-N.json`; `lowrank merge DIR/index.md
    /// DIR/shard-*-of-N.json` writes the index (docs/cluster.md).
    #[arg(long, value_name = "I/N|auto")]
    pub shard: Option<String>,
}

/// Option `PAPER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PaperArg {
    /// Mastrogiuseppe & Ostojic (2018).
    Mo2018,
    /// Clark & Beiran (2025).
    Cb2025,
    /// Both.
    All,
}

/// The paper a panel belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// \[MO\].
    Mo2018,
    /// \[CB\].
    Cb2025,
}

impl Paper {
    fn arg(self) -> &'static str {
        match self {
            Paper::Mo2018 => "mo2018",
            Paper::Cb2025 => "cb2025",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Paper::Mo2018 => "[MO] Mastrogiuseppe & Ostojic (2018), low-rank networks",
            Paper::Cb2025 => "[CB] Clark & Beiran (2025), multiregion networks",
        }
    }
}

/// Option `--budget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Budget {
    /// A few minutes on 2 cores.
    Quick,
    /// The papers' grids and samples.
    Paper,
}

impl Budget {
    fn arg(self) -> &'static str {
        match self {
            Budget::Quick => "quick",
            Budget::Paper => "paper",
        }
    }

    /// `quick` or `paper` value.
    pub fn pick<T>(self, quick: T, paper: T) -> T {
        match self {
            Budget::Quick => quick,
            Budget::Paper => paper,
        }
    }
}

/// How a panel is made.
pub enum Kind {
    /// A standalone `lowrank` command: its arguments for a budget, with `{stem}` standing for
    /// `DIR/NAME` (so `{stem}.csv`, `{stem}.png`).
    Command(fn(Budget) -> Vec<String>),
    /// Computed by `lowrank reproduce` itself; writes `NAME.png` and `NAME.csv`.
    Internal(fn(&Ctx) -> anyhow::Result<()>),
}

/// One figure panel.
pub struct Panel {
    /// Paper.
    pub paper: Paper,
    /// File stem and `--panel` name.
    pub name: &'static str,
    /// Figure of the paper, e.g. "Fig. 1 b".
    pub figure: &'static str,
    /// One line: what the paper shows in it (and what this panel draws).
    pub shows: &'static str,
    /// How it is made.
    pub kind: Kind,
}

/// Every panel, \[MO\] first.
pub fn panels() -> Vec<Panel> {
    let mut v = mo2018::panels();
    v.extend(cb2025::panels());
    v
}

fn substitute(args: &[String], stem: &Path) -> Vec<String> {
    let s = stem.display().to_string();
    args.iter().map(|a| a.replace("{stem}", &s)).collect()
}

/// Shell-quoted for index.md.
fn quoted(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The command line that makes `panel` alone.
fn command_line(panel: &Panel, out: &Path, budget: Budget) -> String {
    match &panel.kind {
        Kind::Command(f) => format!(
            "lowrank {}",
            quoted(&substitute(&f(budget), &out.join(panel.name)))
        ),
        Kind::Internal(_) => format!(
            "lowrank reproduce {} --panel {} --out {} --budget {}",
            panel.paper.arg(),
            panel.name,
            quoted(&[out.display().to_string()]),
            budget.arg()
        ),
    }
}

/// Outcome of one panel.
struct Done {
    seconds: f64,
    files: Vec<String>,
    error: Option<String>,
}

fn run_panel(panel: &Panel, out: &Path, budget: Budget) -> Done {
    let start = Instant::now();
    let stem = out.join(panel.name);
    let result = match &panel.kind {
        Kind::Command(f) => run_command(&substitute(&f(budget), &stem), &stem),
        Kind::Internal(f) => f(&Ctx::new(out, panel.name, budget, Interrupt::default())),
    };
    let files = ["png", "csv", "txt"]
        .iter()
        .map(|e| format!("{}.{e}", panel.name))
        .filter(|f| out.join(f).exists())
        .collect();
    Done {
        seconds: start.elapsed().as_secs_f64(),
        files,
        error: result.err().map(|e| format!("{e:#}")),
    }
}

/// Run this binary with `args`; its stdout goes to `STEM.txt`.
fn run_command(args: &[String], stem: &Path) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("locating the lowrank binary")?;
    // on a terminal the child's progress bar (long studies) is shown; otherwise its stderr is
    // kept for the error message
    let interactive = std::io::stderr().is_terminal();
    let out = std::process::Command::new(exe)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stderr(if interactive {
            std::process::Stdio::inherit()
        } else {
            std::process::Stdio::piped()
        })
        .output()
        .with_context(|| format!("running `lowrank {}`", quoted(args)))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(5).collect();
        bail!(
            "`lowrank {}` failed ({}){}{}",
            quoted(args),
            out.status,
            if tail.is_empty() { "" } else { ": " },
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        );
    }
    common::write_atomic(&stem.with_extension("txt"), &out.stdout)
}

/// Run `lowrank reproduce`.
pub fn run(args: &ReproduceArgs) -> anyhow::Result<()> {
    let all = panels();
    if args.list {
        for p in &all {
            outln!(
                "{:<24} {} {:<10} {}",
                p.name,
                p.paper.arg(),
                p.figure,
                p.shows
            );
        }
        return Ok(());
    }
    for name in &args.panel {
        if !all.iter().any(|p| p.name == name) {
            let names: Vec<&str> = all.iter().map(|p| p.name).collect();
            bail!(
                "--panel `{name}`: no such panel (panels: {})",
                names.join(", ")
            );
        }
    }
    let shard = args
        .shard
        .as_deref()
        .map(lowrank::shard::Shard::parse)
        .transpose()?;
    let selected: Vec<&Panel> = all
        .iter()
        .filter(|p| match args.paper {
            PaperArg::Mo2018 => p.paper == Paper::Mo2018,
            PaperArg::Cb2025 => p.paper == Paper::Cb2025,
            PaperArg::All => true,
        })
        .filter(|p| args.panel.is_empty() || args.panel.iter().any(|n| n == p.name))
        .collect();
    if selected.is_empty() {
        bail!(
            "--panel: none of the named panels belongs to `{:?}`",
            args.paper
        );
    }
    let chosen: Vec<&Panel> = match shard {
        Some(s) => selected[s.range(selected.len())].to_vec(),
        None => selected.clone(),
    };
    if args.out.exists() && !args.out.is_dir() {
        bail!(
            "--out `{}` exists and is not a directory",
            args.out.display()
        );
    }
    std::fs::create_dir_all(&args.out).with_context(|| {
        format!(
            "--out `{}`: cannot create the directory",
            args.out.display()
        )
    })?;
    let start = Instant::now();
    let mut done = Vec::new();
    for (i, p) in chosen.iter().enumerate() {
        eprint!(
            "[{}/{}] {} ({}) ... ",
            i + 1,
            chosen.len(),
            p.name,
            p.figure
        );
        let d = run_panel(p, &args.out, args.budget);
        match &d.error {
            None => eprintln!("{:.1} s", d.seconds),
            Some(e) => eprintln!("FAILED after {:.1} s: {e}", d.seconds),
        }
        done.push(d);
    }
    let total = start.elapsed().as_secs_f64();
    if let Some(s) = shard {
        let file = args.out.join(s.file_name());
        let doc = shard_document(args, &selected, s, &chosen, &done);
        common::write_atomic(
            &file,
            (serde_json::to_string_pretty(&doc)? + "\n").as_bytes(),
        )?;
        outln!(
            "shard {}: {} of {} panels in {:.1} s → {}",
            s.label(),
            chosen.len(),
            selected.len(),
            total,
            file.display()
        );
        return all_made(&chosen, &done);
    }
    // a partial run (--panel) keeps the index of the panels it made
    let index = index_markdown(&chosen, &done, &args.out, args.budget, total);
    let name = if args.panel.is_empty() {
        "index.md".to_string()
    } else {
        format!(
            "index-{}.md",
            chosen.iter().map(|p| p.name).collect::<Vec<_>>().join("+")
        )
    };
    common::write_atomic(&args.out.join(&name), index.as_bytes())?;
    outln!(
        "{} panels in {:.1} s → {}",
        chosen.len(),
        total,
        args.out.join(&name).display()
    );
    all_made(&chosen, &done)
}

/// An error naming the panels that failed, if any.
fn all_made(chosen: &[&Panel], done: &[Done]) -> anyhow::Result<()> {
    let failed: Vec<&str> = chosen
        .iter()
        .zip(done)
        .filter(|(_, d)| d.error.is_some())
        .map(|(p, _)| p.name)
        .collect();
    if !failed.is_empty() {
        bail!("{} panel(s) failed: {}", failed.len(), failed.join(", "));
    }
    Ok(())
}

/// What a `--shard` run leaves for `lowrank merge`: the run (paper, budget, out, every selected
/// panel in order, the shard) and the outcome of each of its panels.
fn shard_document(
    args: &ReproduceArgs,
    selected: &[&Panel],
    shard: lowrank::shard::Shard,
    chosen: &[&Panel],
    done: &[Done],
) -> serde_json::Value {
    serde_json::json!({
        "reproduce": {
            "paper": format!("{:?}", args.paper).to_lowercase(),
            "budget": args.budget.arg(),
            "out": args.out.display().to_string(),
            "selection": selected.iter().map(|p| p.name).collect::<Vec<_>>(),
        },
        "shard": shard.label(),
        "panels": chosen.iter().zip(done).map(|(p, d)| serde_json::json!({
            "name": p.name,
            "seconds": d.seconds,
            "files": d.files,
            "error": d.error,
        })).collect::<Vec<_>>(),
    })
}

/// Join the `shard-I-of-N.json` files of a `reproduce --shard` run into its `index.md` (written
/// to `output`): the shards must be of one run (same paper, budget, directory and panels),
/// each once, holding exactly their slice of the panels. The index is the unsharded run's, with
/// the sum of the panels' run times as the total.
pub fn merge(output: &Path, files: &[(String, String)]) -> anyhow::Result<()> {
    let all = panels();
    let mut run: Option<serde_json::Value> = None;
    let mut count = 0;
    let mut parts: Vec<Option<(String, Vec<Done>)>> = Vec::new();
    for (name, text) in files {
        let doc: serde_json::Value = serde_json::from_str(text)
            .with_context(|| format!("`{name}`: not JSON (truncated?)"))?;
        let this_run = doc
            .get("reproduce")
            .cloned()
            .with_context(|| format!("`{name}`: not a `reproduce --shard` file"))?;
        let shard = doc
            .get("shard")
            .and_then(|s| s.as_str())
            .map(lowrank::shard::Shard::from_label)
            .with_context(|| format!("`{name}`: no shard"))?
            .with_context(|| format!("`{name}`"))?;
        match &run {
            None => {
                run = Some(this_run.clone());
                count = shard.count();
                parts = (0..count).map(|_| None).collect();
            }
            Some(r) if *r != this_run => {
                bail!(
                    "`{name}`: another run (paper, budget, --out or panels differ) than `{}`",
                    files[0].0
                )
            }
            Some(_) if shard.count() != count => {
                bail!(
                    "`{name}`: shard {}, but the first file is of {count} shards",
                    shard.label()
                )
            }
            Some(_) => {}
        }
        let selection: Vec<&str> = this_run["selection"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let want = &selection[shard.range(selection.len())];
        let panels = doc["panels"]
            .as_array()
            .with_context(|| format!("`{name}`: no panels"))?;
        let got: Vec<&str> = panels.iter().filter_map(|p| p["name"].as_str()).collect();
        if got != want {
            bail!(
                "`{name}`: panels {got:?}, but shard {} is {want:?} (edited?)",
                shard.label()
            );
        }
        let done = panels
            .iter()
            .map(|p| {
                let seconds = p["seconds"]
                    .as_f64()
                    .with_context(|| format!("`{name}`: a panel without its run time (edited?)"))?;
                Ok(Done {
                    seconds,
                    files: p["files"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|f| f.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default(),
                    error: p["error"].as_str().map(String::from),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if let Some((other, _)) = &parts[shard.index()] {
            bail!(
                "`{name}`: shard {} is given twice (also `{other}`)",
                shard.label()
            );
        }
        parts[shard.index()] = Some((name.clone(), done));
    }
    let run = run.context("merge: no shard files")?;
    let missing: Vec<String> = (0..count)
        .filter(|&i| parts[i].is_none())
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "shard(s) {} missing: re-run them with `lowrank reproduce ... --shard I/N` and merge again",
            missing.join(", ")
        );
    }
    let chosen: Vec<&Panel> = run["selection"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|n| {
            all.iter()
                .find(|p| p.name == n)
                .with_context(|| format!("panel `{n}`: unknown to this lowrank"))
        })
        .collect::<anyhow::Result<_>>()?;
    let done: Vec<Done> = parts.into_iter().flatten().flat_map(|(_, d)| d).collect();
    let budget = match run["budget"].as_str() {
        Some("paper") => Budget::Paper,
        _ => Budget::Quick,
    };
    let out = PathBuf::from(
        run["out"]
            .as_str()
            .context("the shard files record no --out directory (edited?)")?,
    );
    let total: f64 = done.iter().map(|d| d.seconds).sum();
    let index = index_markdown(&chosen, &done, &out, budget, total);
    common::write_atomic(output, index.as_bytes())?;
    let failed = done.iter().filter(|d| d.error.is_some()).count();
    outln!(
        "{} panels of {count} shards ({failed} failed) → {}",
        chosen.len(),
        output.display()
    );
    Ok(())
}

fn index_markdown(
    chosen: &[&Panel],
    done: &[Done],
    out: &Path,
    budget: Budget,
    total: f64,
) -> String {
    let mut s = format!(
        "# Figures of both papers (`lowrank reproduce`, budget `{}`)\n\n{} panels in {:.1} s wall \
         time. Each panel's command makes it alone; `lowrank reproduce all --out {} --budget {}` \
         makes them all.\n",
        budget.arg(),
        chosen.len(),
        total,
        quoted(&[out.display().to_string()]),
        budget.arg()
    );
    for paper in [Paper::Mo2018, Paper::Cb2025] {
        let rows: Vec<(&&Panel, &Done)> = chosen
            .iter()
            .zip(done)
            .filter(|(p, _)| p.paper == paper)
            .collect();
        if rows.is_empty() {
            continue;
        }
        s.push_str(&format!("\n## {}\n\n", paper.title()));
        for (p, d) in rows {
            s.push_str(&format!(
                "### `{}` — {}\n\n{}\n\n",
                p.name, p.figure, p.shows
            ));
            if d.files.iter().any(|f| f.ends_with(".png")) {
                s.push_str(&format!("![{}]({}.png)\n\n", p.name, p.name));
            }
            let links: Vec<String> = d.files.iter().map(|f| format!("[{f}]({f})")).collect();
            s.push_str(&format!(
                "- files: {}\n- command: `{}`\n- run time: {:.1} s\n",
                if links.is_empty() {
                    "none".to_string()
                } else {
                    links.join(", ")
                },
                command_line(p, out, budget),
                d.seconds
            ));
            if let Some(e) = &d.error {
                s.push_str(&format!("- **FAILED**: {e}\n"));
            }
            s.push('\n');
        }
    }
    s
}
