//! The validation report: `report.md` (human), `report.json` (machine, the [`SuiteResult`]
//! with the figure data) and plots under one output directory (default `target/validation/`).

use crate::case::{Curve, Suite};
use crate::error::ValidateError;
use crate::plot;
use crate::runner::SuiteResult;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A theory-curve figure with its simulation points, as written to `report.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FigureData {
    /// File stem.
    pub name: String,
    /// Title.
    pub title: String,
    /// x label.
    pub x_label: String,
    /// y label.
    pub y_label: String,
    /// Theory curves.
    pub curves: Vec<Curve>,
    /// Simulation points: (series, x, mean, half-width of the 95 % interval) at the largest N.
    pub points: Vec<(String, f64, f64, f64)>,
    /// Error computing the curves, if any.
    pub failure: Option<String>,
}

/// Files written by [`write_report`].
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    /// `report.md`.
    pub markdown: PathBuf,
    /// `report.json`.
    pub json: PathBuf,
    /// Every plot (PNG).
    pub plots: Vec<PathBuf>,
    /// Plots that could not be drawn (path, reason); the report still exists.
    pub plot_failures: Vec<(PathBuf, String)>,
}

/// Compute the figure data (theory curves + simulation points at each case's largest N).
pub fn figure_data(suite: &Suite, result: &SuiteResult) -> Vec<FigureData> {
    suite
        .figures
        .iter()
        .map(|f| {
            let (curves, failure) = match (f.curves)() {
                Ok(c) => (c, None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            let mut points = Vec::new();
            for c in &result.cases {
                for fp in c.figure_points.iter().filter(|fp| fp.figure == f.name) {
                    if let Some(y) = fp.y {
                        let verdict = if c.passed { "pass" } else { "FAIL" };
                        points.push((format!("{} ({verdict})", fp.series), fp.x, y, 0.0));
                        continue;
                    }
                    if let Some(obs) = c.observables.get(fp.observable) {
                        if let Some(last) = obs.sizes.last() {
                            let v = &last.value;
                            points.push((
                                fp.series.clone(),
                                fp.x,
                                v.mean,
                                (v.upper - v.mean).max(0.0),
                            ));
                        }
                    }
                }
            }
            FigureData {
                name: f.name.clone(),
                title: f.title.clone(),
                x_label: f.x_label.clone(),
                y_label: f.y_label.clone(),
                curves,
                points,
                failure,
            }
        })
        .collect()
}

#[derive(Serialize)]
struct JsonReport<'a> {
    rule: &'static str,
    result: &'a SuiteResult,
    figures: &'a [FigureData],
}

/// The rule, stated once for the report (mirrors [`crate::rule`]).
pub const RULE_TEXT: &str = "An observable passes iff (1) decay: the least-squares exponent β̂ of ln ē(N) on ln N \
(ē = mean |sim − theory| over seeds) is ≤ −1/4 (halfway between a plateau, 0, and N^{-1/2}); and (2) bound: \
ē(N_max) ≤ 2 · ē⁺(N_min) · (N_min/N_max)^½, ē⁺ the upper end of the 95 % t-interval over seeds at the smallest N. \
A case passes iff every observable passes and no theory or simulation failed.";

/// Write `report.md`, `report.json` and the plots into `out` (created if needed). Plots of an
/// earlier run (`error-*.png`, `figure-*.png`) are removed first, so that the directory shows
/// exactly this run (a case that was renamed or filtered out leaves no stale figure).
pub fn write_report(
    suite: &Suite,
    result: &SuiteResult,
    out: &Path,
) -> Result<Written, ValidateError> {
    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
    for entry in std::fs::read_dir(out).map_err(|e| io(out, e))?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if (name.starts_with("error-") || name.starts_with("figure-")) && name.ends_with(".png") {
            std::fs::remove_file(entry.path()).map_err(|e| io(&entry.path(), e))?;
        }
    }
    let figures = figure_data(suite, result);
    let mut plots = Vec::new();
    let mut plot_failures = Vec::new();
    let mut record = |r: Result<PathBuf, ValidateError>, path: PathBuf| match r {
        Ok(p) => plots.push(p),
        Err(e) => plot_failures.push((path, e.to_string())),
    };
    for c in &result.cases {
        if c.observables.is_empty() {
            continue;
        }
        let path = out.join(format!("error-{}.png", c.name));
        record(plot::error_vs_n(c, &path).map(|_| path.clone()), path);
    }
    for f in &figures {
        let path = out.join(format!("figure-{}.png", f.name));
        record(plot::theory_figure(f, &path).map(|_| path.clone()), path);
    }
    let json_path = out.join("report.json");
    let json = serde_json::to_string_pretty(&JsonReport {
        rule: RULE_TEXT,
        result,
        figures: &figures,
    })?;
    std::fs::write(&json_path, json).map_err(|e| io(&json_path, e))?;
    let md_path = out.join("report.md");
    std::fs::write(&md_path, markdown(result, &figures, &plots, &plot_failures))
        .map_err(|e| io(&md_path, e))?;
    Ok(Written {
        markdown: md_path,
        json: json_path,
        plots,
        plot_failures,
    })
}

fn io(path: &Path, source: std::io::Error) -> ValidateError {
    ValidateError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn fmt(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 1e-2 && x.abs() < 1e3 {
        format!("{x:.4}")
    } else {
        format!("{x:.3e}")
    }
}

/// Render the Markdown report.
pub fn markdown(
    result: &SuiteResult,
    figures: &[FigureData],
    plots: &[PathBuf],
    plot_failures: &[(PathBuf, String)],
) -> String {
    let mut s = String::new();
    let passed = result.cases.iter().filter(|c| c.passed).count();
    let _ = writeln!(s, "# Validation report: theory vs simulation\n");
    let _ = writeln!(
        s,
        "**{}** — {passed}/{} cases passed in {:.0} s. Grid: N ∈ {:?}, {} seeds per N (× a case's seed factor where its description says so; from {}), effort {}.\n",
        if result.passed { "PASS" } else { "FAIL" },
        result.cases.len(),
        result.seconds,
        result.grid.sizes,
        result.grid.seeds,
        result.grid.base_seed,
        result.grid.effort
    );
    let _ = writeln!(s, "Rule (docs/validation.md): {RULE_TEXT}\n");
    let _ = writeln!(s, "## Summary\n");
    let _ = writeln!(
        s,
        "| case | source | observable | theory | ē(N_min) | ē(N_max) | bound | β̂ ± SE | verdict |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    for c in &result.cases {
        if let Some(f) = &c.failure {
            let _ = writeln!(
                s,
                "| {} | {} | — | — | — | — | — | — | **FAIL** ({}) |",
                c.name,
                c.source,
                f.replace('|', "/")
            );
            continue;
        }
        for o in &c.observables {
            let first = o.sizes.first().map_or(f64::NAN, |x| x.error.mean);
            let fit = o.verdict.fit.as_ref().map_or("—".to_string(), |f| {
                format!(
                    "{:.2}{}",
                    f.exponent,
                    f.exponent_se
                        .map_or(String::new(), |se| format!(" ± {se:.2}"))
                )
            });
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                c.name,
                c.source,
                o.name.replace('|', "\\|"),
                fmt(o.theory),
                fmt(first),
                fmt(o.verdict.largest_error),
                fmt(o.verdict.bound),
                fit,
                if o.verdict.passed { "pass" } else { "**FAIL**" }
            );
        }
    }
    let _ = writeln!(s, "\n## Cases\n");
    for c in &result.cases {
        let _ = writeln!(
            s,
            "### {} — {} ({})\n",
            c.name,
            c.source,
            if c.passed { "pass" } else { "FAIL" }
        );
        let _ = writeln!(s, "{}\n", c.description);
        let ov: Vec<String> = c
            .overrides
            .iter()
            .map(|(k, v)| format!("`{k}={v}`"))
            .collect();
        let _ = writeln!(
            s,
            "Scenario `{}`{}; sizes {:?}; {:.1} s.\n",
            c.scenario,
            if ov.is_empty() {
                String::new()
            } else {
                format!(" with {}", ov.join(", "))
            },
            c.sizes,
            c.seconds
        );
        if let Some(f) = &c.failure {
            let _ = writeln!(s, "**Failure:** {f}\n");
        }
        for o in &c.observables {
            let _ = writeln!(
                s,
                "**{}** (theory {}): {}\n",
                o.name,
                fmt(o.theory),
                o.description
            );
            let _ = writeln!(s, "| N | mean value ± sd | mean error | 95 % CI of error |");
            let _ = writeln!(s, "|---|---|---|---|");
            for z in &o.sizes {
                let _ = writeln!(
                    s,
                    "| {} | {} ± {} | {} | [{}, {}] |",
                    z.n,
                    fmt(z.value.mean),
                    fmt(z.value.sd),
                    fmt(z.error.mean),
                    fmt(z.error.lower.max(0.0)),
                    fmt(z.error.upper)
                );
            }
            let _ = writeln!(s);
            for r in &o.verdict.reasons {
                let _ = writeln!(s, "- {r}");
            }
            let _ = writeln!(
                s,
                "- verdict: {}\n",
                if o.verdict.passed { "pass" } else { "**FAIL**" }
            );
        }
        let plot = format!("error-{}.png", c.name);
        if plots
            .iter()
            .any(|p| p.file_name().is_some_and(|f| f == plot.as_str()))
        {
            let _ = writeln!(s, "![error vs N for {}]({plot})\n", c.name);
        }
    }
    if !figures.is_empty() {
        let _ = writeln!(s, "## Figures\n");
        for f in figures {
            let _ = writeln!(s, "### {}\n", f.title);
            if let Some(e) = &f.failure {
                let _ = writeln!(s, "Theory curves failed: {e}\n");
            }
            let plot = format!("figure-{}.png", f.name);
            if plots
                .iter()
                .any(|p| p.file_name().is_some_and(|x| x == plot.as_str()))
            {
                let _ = writeln!(s, "![{}]({plot})\n", f.title);
            }
            if !f.points.is_empty() {
                let _ = writeln!(
                    s,
                    "| series | {} | simulation (largest N) | 95 % half-width |",
                    f.x_label
                );
                let _ = writeln!(s, "|---|---|---|---|");
                for (series, x, y, h) in &f.points {
                    let _ = writeln!(s, "| {series} | {} | {} | {} |", fmt(*x), fmt(*y), fmt(*h));
                }
                let _ = writeln!(s);
            }
        }
    }
    if !plot_failures.is_empty() {
        let _ = writeln!(s, "## Plot failures\n");
        for (p, e) in plot_failures {
            let _ = writeln!(s, "- `{}`: {e}", p.display());
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::write_report;
    use crate::case::Suite;
    use crate::runner::{Grid, SuiteResult};

    #[test]
    fn stale_plots_are_removed_and_other_files_kept() {
        let dir = std::env::temp_dir().join(format!("lowrank-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let stale = dir.join("error-old-case.png");
        let keep = dir.join("notes.txt");
        std::fs::write(&stale, b"x").unwrap();
        std::fs::write(&keep, b"x").unwrap();
        let result = SuiteResult {
            grid: Grid::quick(),
            cases: vec![],
            passed: true,
            seconds: 0.0,
        };
        write_report(&Suite::default(), &result, &dir).unwrap();
        assert!(!stale.exists(), "stale plot survived");
        assert!(
            keep.exists() && dir.join("report.md").exists() && dir.join("report.json").exists()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
