//! Plots for the CLI (`lowrank sweep --plot FILE.png|svg`) with `plotters`: line plots of order
//! parameters against a swept parameter, and categorical heat maps (phase diagrams).
//!
//! Text is drawn with DejaVu Sans embedded from the `dejavu` crate (registered once with
//! plotters' `ab_glyph` backend), so no system font library is needed. The backend is chosen by
//! the file extension: `.svg` → SVG, anything else → bitmap (PNG).

use anyhow::Context;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::path::Path;
use std::sync::OnceLock;

/// One curve: a name for the legend, points, and whether to draw markers only (e.g. unstable branches).
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// (x, y) points in drawing order; NaN y values split the curve.
    pub points: Vec<(f64, f64)>,
    /// Draw markers instead of a line.
    pub markers: bool,
}

/// How a [`Series`] is drawn by [`line_plot_styled`]: a fixed palette colour (so a theory line and
/// its simulation points can share one), and dashed lines (e.g. a prediction or an unstable
/// branch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Palette index (`None`: the series' position).
    pub color: Option<usize>,
    /// Dashed line.
    pub dashed: bool,
}

/// Register the embedded DejaVu Sans with plotters once (the machine may have no font library);
/// call before drawing text with plotters directly.
pub fn ensure_font() -> anyhow::Result<()> {
    static FONT: OnceLock<Result<(), String>> = OnceLock::new();
    FONT.get_or_init(|| {
        register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .map_err(|_| "cannot load the embedded DejaVu Sans font".to_string())
    })
    .clone()
    .map_err(anyhow::Error::msg)
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// Finite range of `values` padded by 5 % (a unit range about a single value; [0, 1] when none
/// is finite): the axis range of a plot.
pub fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 0.5, hi + 0.5);
    }
    let pad = 0.05 * (hi - lo);
    (lo - pad, hi + pad)
}

/// Line plot of `series` into `path` (PNG or SVG by extension).
///
/// ```no_run
/// use lowrank::plot::{line_plot, Series};
/// let s = Series { name: "kappa".into(), points: vec![(0.0, 0.0), (1.0, 1.0)], markers: false };
/// line_plot("kappa.svg".as_ref(), "kappa vs g", "g", "kappa", &[s]).unwrap();
/// ```
pub fn line_plot(
    path: &Path,
    title: &str,
    xlabel: &str,
    ylabel: &str,
    series: &[Series],
) -> anyhow::Result<()> {
    line_plot_styled(path, title, xlabel, ylabel, series, &[])
}

/// [`line_plot`] with a [`Style`] per series (`styles[i]` for `series[i]`; missing entries are the
/// default style).
///
/// ```no_run
/// use lowrank::plot::{line_plot_styled, Series, Style};
/// let theory = Series { name: "theory".into(), points: vec![(0.0, 1.0), (1.0, 1.0)], markers: false };
/// let sim = Series { name: "simulation".into(), points: vec![(0.5, 1.02)], markers: true };
/// let dashed = Style { color: Some(0), dashed: true };
/// let same = Style { color: Some(0), dashed: false };
/// line_plot_styled("fit.png".as_ref(), "t", "x", "y", &[theory, sim], &[dashed, same]).unwrap();
/// ```
pub fn line_plot_styled(
    path: &Path,
    title: &str,
    xlabel: &str,
    ylabel: &str,
    series: &[Series],
    styles: &[Style],
) -> anyhow::Result<()> {
    ensure_font()?;
    if is_svg(path) {
        draw_lines(
            SVGBackend::new(path, (900, 600)).into_drawing_area(),
            title,
            xlabel,
            ylabel,
            series,
            styles,
        )
    } else {
        draw_lines(
            BitMapBackend::new(path, (900, 600)).into_drawing_area(),
            title,
            xlabel,
            ylabel,
            series,
            styles,
        )
    }
    .with_context(|| format!("plot `{}`", path.display()))
}

fn draw_lines<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    xlabel: &str,
    ylabel: &str,
    series: &[Series],
    styles: &[Style],
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    {
        root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (x0, x1) = bounds(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
        let (y0, y1) = bounds(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        chart
            .configure_mesh()
            .x_desc(xlabel)
            .y_desc(ylabel)
            .draw()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for (i, s) in series.iter().enumerate() {
            let style = styles.get(i).copied().unwrap_or_default();
            let color = PALETTE[style.color.unwrap_or(i) % PALETTE.len()];
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .collect();
            if s.markers {
                chart
                    .draw_series(pts.iter().map(|p| Circle::new(*p, 2, color.filled())))
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                    .label(s.name.clone())
                    .legend(move |(x, y)| Circle::new((x + 10, y), 3, color.filled()));
            } else {
                // split at NaN gaps
                let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
                for p in &s.points {
                    if p.1.is_finite() && p.0.is_finite() {
                        segments.last_mut().unwrap().push(*p);
                    } else if !segments.last().unwrap().is_empty() {
                        segments.push(Vec::new());
                    }
                }
                let mut first = true;
                for seg in segments.into_iter().filter(|s| !s.is_empty()) {
                    let ann = if style.dashed {
                        chart.draw_series(DashedLineSeries::new(seg, 8, 5, color.stroke_width(2)))
                    } else {
                        chart.draw_series(LineSeries::new(seg, color.stroke_width(2)))
                    }
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                    if first {
                        ann.label(s.name.clone()).legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                        });
                        first = false;
                    }
                }
            }
        }
        chart
            .configure_series_labels()
            .position(legend_position(series, (x0, x1), (y0, y1)))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        root.present().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    }
}

/// The legend goes where it hides the fewest points: the emptiest of the four corners and the
/// middle of the right edge (each a box of 40 % of the width and 30 % of the height).
fn legend_position(
    series: &[Series],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) -> SeriesLabelPosition {
    let candidates = [
        (SeriesLabelPosition::UpperRight, (0.6, 1.0), (0.7, 1.0)),
        (SeriesLabelPosition::UpperLeft, (0.0, 0.4), (0.7, 1.0)),
        (SeriesLabelPosition::LowerRight, (0.6, 1.0), (0.0, 0.3)),
        (SeriesLabelPosition::LowerLeft, (0.0, 0.4), (0.0, 0.3)),
        (SeriesLabelPosition::MiddleRight, (0.6, 1.0), (0.35, 0.65)),
    ];
    let (w, h) = ((x1 - x0).max(1e-300), (y1 - y0).max(1e-300));
    let hidden = |(bx, by): ((f64, f64), (f64, f64))| -> usize {
        series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|(x, y)| {
                let (u, v) = ((x - x0) / w, (y - y0) / h);
                u >= bx.0 && u <= bx.1 && v >= by.0 && v <= by.1
            })
            .count()
    };
    candidates
        .into_iter()
        .min_by_key(|(_, bx, by)| hidden((*bx, *by)))
        .map_or(SeriesLabelPosition::UpperRight, |c| c.0)
}

/// Categorical heat map: `codes[i][j]` (row i ↔ `y[i]`, column j ↔ `x[j]`) coloured by code, with a
/// legend naming each code in `names` (index = code).
#[allow(clippy::too_many_arguments)]
pub fn category_map(
    path: &Path,
    title: &str,
    xlabel: &str,
    ylabel: &str,
    x: &[f64],
    y: &[f64],
    codes: &[Vec<u8>],
    names: &[&str],
) -> anyhow::Result<()> {
    ensure_font()?;
    if x.is_empty() || y.is_empty() {
        anyhow::bail!("plot `{}`: empty grid", path.display());
    }
    let grid = Grid {
        title,
        xlabel,
        ylabel,
        x,
        y,
        codes,
        names,
        shade: None,
        vlines: &[],
    };
    if is_svg(path) {
        draw_map(SVGBackend::new(path, (900, 700)).into_drawing_area(), &grid)
    } else {
        draw_map(
            BitMapBackend::new(path, (900, 700)).into_drawing_area(),
            &grid,
        )
    }
    .with_context(|| format!("plot `{}`", path.display()))
}

struct Grid<'a> {
    title: &'a str,
    xlabel: &'a str,
    ylabel: &'a str,
    x: &'a [f64],
    y: &'a [f64],
    codes: &'a [Vec<u8>],
    names: &'a [&'a str],
    shade: Option<&'a [Vec<f64>]>,
    vlines: &'a [(f64, &'a str)],
}

/// A categorical heat map with per-cell shading and labelled vertical lines (e.g. the \[CB\]
/// Fig. 5 phase diagram: modal dynamics class, lighter where the class entropy is higher, and the
/// analytic zero-current instability Re λ = 1/ψ₀(g) of docs/theory §3.4).
#[derive(Clone, Copy, Debug)]
pub struct ShadedMap<'a> {
    /// Plot title.
    pub title: &'a str,
    /// x-axis label.
    pub xlabel: &'a str,
    /// y-axis label.
    pub ylabel: &'a str,
    /// Cell centres along x (columns), equally spaced.
    pub x: &'a [f64],
    /// Cell centres along y (rows), equally spaced.
    pub y: &'a [f64],
    /// `codes[i][j]`: category of the cell at (`x[j]`, `y[i]`); colour = palette entry `code`.
    pub codes: &'a [Vec<u8>],
    /// Legend name of each code (index = code).
    pub names: &'a [&'a str],
    /// `shade[i][j]` ∈ [0, 1]: how far the cell colour is mixed towards white (0 = full colour).
    pub shade: &'a [Vec<f64>],
    /// Vertical lines (x, legend label) drawn over the map.
    pub vlines: &'a [(f64, &'a str)],
}

/// Draw a [`ShadedMap`] into `path` (PNG or SVG by extension). Shades outside [0, 1] or
/// non-finite are an error naming the cell.
///
/// ```no_run
/// use lowrank::plot::{shaded_category_map, ShadedMap};
/// let map = ShadedMap {
///     title: "modal class", xlabel: "Re λ", ylabel: "Im λ",
///     x: &[1.0, 2.0], y: &[0.0], codes: &[vec![4, 0]], names: &["FP", "", "", "", "chaos"],
///     shade: &[vec![0.0, 0.5]], vlines: &[(1.52, "Re λ = 1/ψ₀")],
/// };
/// shaded_category_map("fig5.png".as_ref(), &map).unwrap();
/// ```
pub fn shaded_category_map(path: &Path, map: &ShadedMap) -> anyhow::Result<()> {
    ensure_font()?;
    if map.x.is_empty() || map.y.is_empty() {
        anyhow::bail!("plot `{}`: empty grid", path.display());
    }
    for (i, row) in map.shade.iter().enumerate() {
        if let Some((j, v)) = row
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && (0.0..=1.0).contains(*v)))
        {
            anyhow::bail!(
                "plot `{}`: shade[{i}][{j}] = {v} is not in [0, 1]",
                path.display()
            );
        }
    }
    let grid = Grid {
        title: map.title,
        xlabel: map.xlabel,
        ylabel: map.ylabel,
        x: map.x,
        y: map.y,
        codes: map.codes,
        names: map.names,
        shade: Some(map.shade),
        vlines: map.vlines,
    };
    if is_svg(path) {
        draw_map(SVGBackend::new(path, (900, 700)).into_drawing_area(), &grid)
    } else {
        draw_map(
            BitMapBackend::new(path, (900, 700)).into_drawing_area(),
            &grid,
        )
    }
    .with_context(|| format!("plot `{}`", path.display()))
}

fn draw_map<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    g: &Grid,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let (title, xlabel, ylabel, x, y, codes, names) =
        (g.title, g.xlabel, g.ylabel, g.x, g.y, g.codes, g.names);
    let half = |v: &[f64], i: usize| -> (f64, f64) {
        let d = if v.len() > 1 {
            0.5 * (v[1] - v[0]).abs()
        } else {
            0.5
        };
        (v[i] - d, v[i] + d)
    };
    {
        root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (x0, _) = half(x, 0);
        let (_, x1) = half(x, x.len() - 1);
        let (y0, _) = half(y, 0);
        let (_, y1) = half(y, y.len() - 1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        chart
            .configure_mesh()
            .x_desc(xlabel)
            .y_desc(ylabel)
            .disable_mesh()
            .draw()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for (i, row) in codes.iter().enumerate() {
            for (j, &c) in row.iter().enumerate() {
                let (xa, xb) = half(x, j);
                let (ya, yb) = half(y, i);
                let base = PALETTE[c as usize % PALETTE.len()];
                let mix = g
                    .shade
                    .and_then(|s| s.get(i))
                    .and_then(|r| r.get(j))
                    .copied()
                    .unwrap_or(0.0);
                let towards_white = |v: u8| (f64::from(v) + mix * (255.0 - f64::from(v))) as u8;
                let color = RGBColor(
                    towards_white(base.0),
                    towards_white(base.1),
                    towards_white(base.2),
                );
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(xa, ya), (xb, yb)],
                        color.filled(),
                    )))
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
        }
        for &(vx, label) in g.vlines {
            chart
                .draw_series(LineSeries::new(
                    vec![(vx, y0), (vx, y1)],
                    BLACK.stroke_width(2),
                ))
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .label(label)
                .legend(|(px, py)| {
                    PathElement::new(vec![(px, py), (px + 12, py)], BLACK.stroke_width(2))
                });
        }
        for (c, name) in names.iter().enumerate().filter(|(_, n)| !n.is_empty()) {
            let color = PALETTE[c % PALETTE.len()];
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .label(*name)
                .legend(move |(px, py)| {
                    Rectangle::new([(px, py - 5), (px + 12, py + 5)], color.filled())
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        root.present().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    }
}

fn is_svg(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
}
