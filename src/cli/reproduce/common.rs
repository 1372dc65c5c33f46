//! What the computed panels share: where they write, the budget, CSV and plot helpers, and the
//! validation figures (theory curves with simulation points) of `lowrank-validate`.

use super::Budget;
use anyhow::Context;
use lowrank::model::Interrupt;
use lowrank::plot::{line_plot_styled, Series, Style};
use lowrank_validate::report::{figure_data, FigureData};
use lowrank_validate::runner::{run_case, Grid, SuiteResult};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A computed panel's context.
pub struct Ctx {
    dir: PathBuf,
    name: &'static str,
    /// Budget of the run.
    pub budget: Budget,
    /// Stop request handed to the engine calls that take one (the spectrum); the validation
    /// simulations take none, so Ctrl-C ends those with the process.
    pub interrupt: Interrupt,
}

impl Ctx {
    pub fn new(dir: &Path, name: &'static str, budget: Budget, interrupt: Interrupt) -> Ctx {
        Ctx {
            dir: dir.to_path_buf(),
            name,
            budget,
            interrupt,
        }
    }

    /// `DIR/NAME.EXT`.
    pub fn path(&self, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", self.name))
    }

    /// Write `NAME.csv` (long format: `series,x,y`) and draw `NAME.png` from line/marker
    /// series.
    pub fn lines(&self, title: &str, x: &str, y: &str, series: &[Series]) -> anyhow::Result<()> {
        self.lines_styled(title, x, y, series, &[])
    }

    /// [`Ctx::lines`] with a [`Style`] per series.
    pub fn lines_styled(
        &self,
        title: &str,
        x: &str,
        y: &str,
        series: &[Series],
        styles: &[Style],
    ) -> anyhow::Result<()> {
        let mut csv = String::from("series,x,y\n");
        for s in series {
            for (px, py) in &s.points {
                csv.push_str(&format!("{},{px},{py}\n", csv_field(&s.name)));
            }
        }
        write_atomic(&self.path("csv"), csv.as_bytes())?;
        self.plot(|p| line_plot_styled(p, title, x, y, series, styles))
    }

    /// Draw `NAME.png` with `draw(path)` into a temporary file renamed on success.
    pub fn plot(&self, draw: impl FnOnce(&Path) -> anyhow::Result<()>) -> anyhow::Result<()> {
        let path = self.path("png");
        let tmp = self.dir.join(format!(".{}.tmp.png", self.name));
        let r = draw(&tmp);
        if r.is_err() {
            let _ = std::fs::remove_file(&tmp);
            return r;
        }
        std::fs::rename(&tmp, &path).with_context(|| format!("writing `{}`", path.display()))
    }

    /// The validation figure `figure` of `lowrank-validate` (theory curves; with `points`,
    /// the simulation points of every case placed on it, simulated at the budget's single N
    /// and seeds), as `NAME.png` and `NAME.csv` (`kind,series,x,y,half_width`).
    pub fn validation_figure(&self, figure: &str, points: bool) -> anyhow::Result<FigureData> {
        let mut suite = lowrank_validate::cases::suite();
        suite.figures.retain(|f| f.name == figure);
        anyhow::ensure!(!suite.figures.is_empty(), "no validation figure `{figure}`");
        suite.cases.retain(|c| {
            points
                && c.figure_points
                    .iter()
                    .any(|p| p.figure == figure && p.y.is_none())
        });
        let grid = Grid {
            sizes: vec![self.budget.pick(2000, 8000)],
            seeds: self.budget.pick(4, 6),
            base_seed: 1,
            effort: 1.0,
        };
        let cases = suite
            .cases
            .iter_mut()
            .map(|c| {
                // one size: the points are drawn at N, not fitted over N
                c.sizes = None;
                run_case(c, &grid, &mut |_| {})
            })
            .collect();
        // only the figure points are read from this result; the pass/fail rule needs several N
        // and is not applied at one N
        let result = SuiteResult {
            grid,
            cases,
            passed: true,
            seconds: 0.0,
        };
        let mut fig = figure_data(&suite, &result)
            .pop()
            .context("validation figure data")?;
        if let Some(f) = &fig.failure {
            anyhow::bail!("theory curves of `{figure}`: {f}");
        }
        if let Some(c) = result.cases.iter().find(|c| c.failure.is_some()) {
            anyhow::bail!(
                "case `{}`: {}",
                c.name,
                c.failure.as_deref().unwrap_or_default()
            );
        }
        fig.points.retain(|p| p.2.is_finite());
        if !fig.points.is_empty() {
            fig.title = format!(
                "{} (simulation: N = {}, {} seeds)",
                fig.title, result.grid.sizes[0], result.grid.seeds
            );
        }
        let mut csv = String::from("kind,series,x,y,half_width\n");
        for c in &fig.curves {
            for (x, y) in &c.points {
                csv.push_str(&format!("theory,{},{x},{y},\n", csv_field(&c.label)));
            }
        }
        for (s, x, y, h) in &fig.points {
            csv.push_str(&format!("simulation,{},{x},{y},{h}\n", csv_field(s)));
        }
        write_atomic(&self.path("csv"), csv.as_bytes())?;
        self.plot(|p| lowrank_validate::plot::theory_figure(&fig, p).map_err(anyhow::Error::from))?;
        Ok(fig)
    }
}

/// A CSV field, quoted when it holds a comma or a quote.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Write `bytes` to `path` through a temporary file in the same directory, renamed on success
/// (never a half-written file).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    let r = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r.with_context(|| format!("writing `{}`", path.display()))
}
