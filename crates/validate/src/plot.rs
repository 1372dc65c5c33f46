//! Plots of the validation report (PNG, `plotters` bitmap backend): error against N on
//! log–log axes per case, and theory curves with simulation points per figure.
//!
//! Text needs a font and a fresh machine has no system font library, so DejaVu Sans is embedded
//! from the `dejavu` crate (the same font the CLI's plots use) and registered with plotters'
//! `ab_glyph` backend as `"sans-serif"` on first use.

use crate::error::ValidateError;
use crate::report::FigureData;
use crate::runner::CaseResult;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;
use std::sync::OnceLock;

/// Register the embedded font once (idempotent); errors if the font bytes are unusable.
pub fn ensure_font() -> Result<(), ValidateError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ValidateError::Plot {
            path: "<font>".into(),
            reason: "embedded font could not be registered".into(),
        })
    }
}

fn perr(path: &Path, e: impl std::fmt::Display) -> ValidateError {
    ValidateError::Plot {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

/// Error against N on log–log axes for every observable of a case: mean error over seeds
/// (dots) with its 95 % interval (bars), the fitted power law (solid), the N^{-1/2} line
/// through the smallest-N error (dotted) and the rule's bound at the largest N (cross).
pub fn error_vs_n(case: &CaseResult, path: &Path) -> Result<(), ValidateError> {
    ensure_font()?;
    let root = BitMapBackend::new(path, (900, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| perr(path, e))?;
    let mut lo = f64::INFINITY;
    let mut hi = 0.0f64;
    for o in &case.observables {
        for z in &o.sizes {
            if z.error.mean > 0.0 {
                lo = lo.min(z.error.lower.max(z.error.mean * 0.2));
                hi = hi.max(z.error.upper);
            }
        }
        hi = hi.max(o.verdict.bound);
    }
    if !(lo.is_finite() && hi > 0.0) {
        lo = 1e-4;
        hi = 1.0;
    }
    let (lo, hi) = (lo / 1.5, hi * 1.5);
    let nmin = *case.sizes.first().unwrap_or(&100) as f64 / 1.3;
    let nmax = *case.sizes.last().unwrap_or(&10000) as f64 * 1.3;
    let title = format!(
        "{} ({}): |sim − theory| vs N",
        case.name,
        if case.passed { "pass" } else { "FAIL" }
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d((nmin..nmax).log_scale(), (lo..hi).log_scale())
        .map_err(|e| perr(path, e))?;
    chart
        .configure_mesh()
        .x_desc("N")
        .y_desc("mean error over seeds")
        .y_label_formatter(&|y| format!("{y:.0e}"))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .draw()
        .map_err(|e| perr(path, e))?;
    for (i, o) in case.observables.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let pts: Vec<(f64, f64)> = o
            .sizes
            .iter()
            .filter(|z| z.error.mean > 0.0)
            .map(|z| (z.n as f64, z.error.mean))
            .collect();
        let label = match &o.verdict.fit {
            Some(f) => format!(
                "{}: slope {:.2}{} ({})",
                o.name,
                f.exponent,
                f.exponent_se
                    .map_or(String::new(), |se| format!(" ± {se:.2}")),
                if o.verdict.passed { "pass" } else { "FAIL" }
            ),
            None => format!(
                "{} ({})",
                o.name,
                if o.verdict.passed { "pass" } else { "FAIL" }
            ),
        };
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 5, color.filled())))
            .map_err(|e| perr(path, e))?
            .label(label)
            .legend(move |(x, y)| Circle::new((x + 10, y), 5, color.filled()));
        chart
            .draw_series(o.sizes.iter().filter(|z| z.error.mean > 0.0).map(|z| {
                let n = z.n as f64;
                PathElement::new(
                    vec![(n, z.error.lower.max(lo)), (n, z.error.upper.max(lo))],
                    color,
                )
            }))
            .map_err(|e| perr(path, e))?;
        if let Some(f) = &o.verdict.fit {
            let line: Vec<(f64, f64)> = [nmin * 1.1, nmax / 1.1]
                .iter()
                .map(|&n| (n, f.prefactor * n.powf(f.exponent)))
                .collect();
            chart
                .draw_series(LineSeries::new(line, color.stroke_width(2)))
                .map_err(|e| perr(path, e))?;
        }
        if let Some(first) = o.sizes.first() {
            let n1 = first.n as f64;
            let e1 = first.error.mean;
            if e1 > 0.0 {
                let dots: Vec<(f64, f64)> = (0..40)
                    .map(|k| {
                        let n = n1 * (nmax / 1.1 / n1).powf(k as f64 / 39.0);
                        (n, e1 * (n1 / n).sqrt())
                    })
                    .collect();
                chart
                    .draw_series(
                        dots.iter()
                            .map(|&p| Circle::new(p, 1, color.mix(0.6).filled())),
                    )
                    .map_err(|e| perr(path, e))?;
            }
        }
        if let Some(last) = o.sizes.last() {
            let b = o.verdict.bound;
            if b > 0.0 {
                chart
                    .draw_series(std::iter::once(Cross::new(
                        (last.n as f64, b),
                        7,
                        color.stroke_width(2),
                    )))
                    .map_err(|e| perr(path, e))?;
            }
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()
        .map_err(|e| perr(path, e))?;
    root.present().map_err(|e| perr(path, e))?;
    Ok(())
}

/// Theory curves (lines; dashed = unstable) with simulation points (dots, 95 % bars).
pub fn theory_figure(fig: &FigureData, path: &Path) -> Result<(), ValidateError> {
    ensure_font()?;
    let root = BitMapBackend::new(path, (900, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| perr(path, e))?;
    let xs = fig
        .curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.0))
        .chain(fig.points.iter().map(|p| p.1));
    let ys = fig
        .curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.1))
        .chain(fig.points.iter().flat_map(|p| [p.2 - p.3, p.2 + p.3]));
    let (mut x0, mut x1) = minmax(xs);
    let (mut y0, mut y1) = minmax(ys);
    if x1.partial_cmp(&x0) != Some(std::cmp::Ordering::Greater) {
        x0 -= 1.0;
        x1 += 1.0;
    }
    if y1.partial_cmp(&y0) != Some(std::cmp::Ordering::Greater) {
        y0 -= 1.0;
        y1 += 1.0;
    }
    let (dx, dy) = (0.04 * (x1 - x0), 0.06 * (y1 - y0));
    let mut chart = ChartBuilder::on(&root)
        .caption(&fig.title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((x0 - dx)..(x1 + dx), (y0 - dy)..(y1 + dy))
        .map_err(|e| perr(path, e))?;
    chart
        .configure_mesh()
        .x_desc(fig.x_label.as_str())
        .y_desc(fig.y_label.as_str())
        .draw()
        .map_err(|e| perr(path, e))?;
    for (i, c) in fig.curves.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        if c.dashed {
            chart
                .draw_series(DashedLineSeries::new(
                    c.points.iter().copied(),
                    6,
                    4,
                    color.stroke_width(2),
                ))
                .map_err(|e| perr(path, e))?
                .label(c.label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        } else {
            chart
                .draw_series(LineSeries::new(
                    c.points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(|e| perr(path, e))?
                .label(c.label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
    }
    let mut series: Vec<&str> = fig.points.iter().map(|p| p.0.as_str()).collect();
    series.dedup();
    series.sort_unstable();
    series.dedup();
    for (j, name) in series.iter().enumerate() {
        let color = PALETTE[(fig.curves.len() + j) % PALETTE.len()];
        let pts: Vec<_> = fig.points.iter().filter(|p| p.0 == *name).collect();
        chart
            .draw_series(
                pts.iter()
                    .map(|p| Circle::new((p.1, p.2), 5, color.filled())),
            )
            .map_err(|e| perr(path, e))?
            .label(*name)
            .legend(move |(x, y)| Circle::new((x + 10, y), 5, color.filled()));
        chart
            .draw_series(pts.iter().map(|p| Circle::new((p.1, p.2), 5, BLACK)))
            .map_err(|e| perr(path, e))?;
        chart
            .draw_series(pts.iter().map(|p| {
                PathElement::new(
                    vec![(p.1, p.2 - p.3), (p.1, p.2 + p.3)],
                    color.stroke_width(2),
                )
            }))
            .map_err(|e| perr(path, e))?;
    }
    chart
        .configure_series_labels()
        .position(emptiest_corner(fig, (x0, x1), (y0, y1)))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()
        .map_err(|e| perr(path, e))?;
    root.present().map_err(|e| perr(path, e))?;
    Ok(())
}

/// The corner of the plot (a 45 % × 40 % box) that holds the fewest curve and simulation
/// points, so the legend does not hide data.
fn emptiest_corner(fig: &FigureData, x: (f64, f64), y: (f64, f64)) -> SeriesLabelPosition {
    let pts = fig
        .curves
        .iter()
        .flat_map(|c| c.points.iter().copied())
        .chain(fig.points.iter().map(|p| (p.1, p.2)));
    let (wx, wy) = (x.1 - x.0, y.1 - y.0);
    let mut counts = [0usize; 4]; // UL, UR, LL, LR
    for (px, py) in pts {
        let (fx, fy) = ((px - x.0) / wx, (py - y.0) / wy);
        let left = fx < 0.45;
        let right = fx > 0.55;
        let up = fy > 0.6;
        let low = fy < 0.4;
        for (i, hit) in [left && up, right && up, left && low, right && low]
            .into_iter()
            .enumerate()
        {
            counts[i] += usize::from(hit);
        }
    }
    let best = (0..4)
        .min_by_key(|&i| (counts[i], [1, 0, 3, 2][i]))
        .unwrap_or(1);
    match best {
        0 => SeriesLabelPosition::UpperLeft,
        2 => SeriesLabelPosition::LowerLeft,
        3 => SeriesLabelPosition::LowerRight,
        _ => SeriesLabelPosition::UpperRight,
    }
}

fn minmax(it: impl Iterator<Item = f64>) -> (f64, f64) {
    it.filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        })
}
