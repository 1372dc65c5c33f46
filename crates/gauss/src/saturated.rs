//! Bounded-cost rules for tanh-family Gaussian integrals at large variance (docs/theory.md,
//! "Gaussian integrals at large variance").
//!
//! In x-space tanh is a smooth step of width O(1): for |y| > [`EDGE`] = L,
//! tanh y = ±1, sech² y = 0 and ln cosh y = |y| − ln 2, each to ≤ 4e^{−2L} ≈ 9e−16 (absolute).
//! So a Gaussian average over y ~ N(c, s²) splits exactly into
//!
//! - two **tails** y > L, y < −L, where the integrands are polynomials of degree ≤ 2 in y
//!   (1, ±1, |y| − ln 2, (|y| − ln 2)²) and the integrals are closed forms in the normal tail
//!   probability Q and density 𝖿: ∫_{y>L} y^k N(y; c, s²) dy = Q(a), cQ(a) + s𝖿(a),
//!   (c² + s²)Q(a) + s(c + L)𝖿(a) for k = 0, 1, 2 with a = (L − c)/s;
//! - the **core** |y| ≤ L (clipped to c ± [`SUPPORT`]·s), integrated by composite
//!   Gauss–Legendre ([`PANEL_NODES`] nodes per panel) against the Gaussian density. Panels have
//!   half-width ≤ [`Y_HALF`] = 1 (tanh has poles at distance π/2 from the real axis) and ≤ s (the
//!   density is then resolved too); with a pole at distance π/2 above a panel of half-width 1 the
//!   Bernstein-ellipse parameter is ρ = π/2 + √(1 + π²/4) ≈ 3.43 and the error ∝ ρ^{−32} ≈ 7e−18.
//!
//! Node count ≤ 2L/(2·Y_HALF)·16 = 288, independent of s: O(1) cost however large Δ is.
//!
//! **Nested integrals** ∫Dz h(m), m = μ + √Δ z, of products of the inner averages
//! A_n(m) = E[φ⁽ⁿ⁾(y)], B(m) = E[Φ(y)], y ~ N(m, v), v = Δ0 − Δ: the inner averages saturate
//! too — for |m| > L_out = L + 9√v, A₀ = sgn m, A₁ = A₂ = A₃ = 0 and B = |m| − ln 2 to ≈ 1e−15
//! (the mass of N(m, v) on |y| < L is ≤ Q(9) ≈ 1e−19) — so the outer integral splits in the same
//! way: closed-form tails beyond ±L_out plus composite Gauss–Legendre on the core. The inner
//! averages are entire functions of m of scale √v (|A(m + ib)| ≤ e^{b²/(2v)}; tanh-like with
//! poles at distance ≈ π/2 when v ≲ 1), and the outer density has scale √Δ, so the outer panels
//! have half-width min(max(1, √v), √Δ): (L + 9√v)/max(1, √v) ≤ 27 panels, bounded.
//!
//! Inner averages at v ≥ [`INNER_MIN_VARIANCE`] use one fixed set of core nodes y_k for every
//! outer node (φ⁽ⁿ⁾(y_k), Φ(y_k) are evaluated once per call), weighted by the Gaussian kernel
//! N(y_k; m, v) (one `exp` per pair); at smaller v the caller's inner rule in x-space is used (its
//! cost is bounded there, ≤ 73 nodes).

use crate::hermite::GaussLegendre;
use crate::integrals::{tanh_parts, Moments, NestedSums};
use std::f64::consts::{FRAC_1_SQRT_2, LN_2};
use std::sync::OnceLock;

/// Saturation edge L: beyond |y| = L, tanh-family integrands are their limits to ≤ 4e^{−2L}.
pub(crate) const EDGE: f64 = 18.0;

/// Gaussian support half-width in standard deviations (mass beyond: 2·Q(9) ≈ 2.3e−19).
pub(crate) const SUPPORT: f64 = 9.0;

/// Gauss–Legendre nodes per panel.
pub(crate) const PANEL_NODES: usize = 16;

/// Largest core-panel half-width in y (the distance of tanh's poles from the real axis is π/2).
pub(crate) const Y_HALF: f64 = 1.0;

/// Number of fixed core panels on [−L, L] for the inner averages.
const Y_PANELS: usize = 18; // = 2·EDGE / (2·Y_HALF)

/// Number of fixed core nodes for the inner averages.
const Y_NODES: usize = Y_PANELS * PANEL_NODES;

/// Smallest inner variance for which the inner averages use the fixed core nodes (the core panels
/// of half-width 1 then resolve the kernel N(y; m, v) as well as tanh).
pub(crate) const INNER_MIN_VARIANCE: f64 = 1.0;

/// 1/√(2π).
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

fn gl() -> &'static GaussLegendre {
    static GL: OnceLock<GaussLegendre> = OnceLock::new();
    GL.get_or_init(|| GaussLegendre::new(PANEL_NODES))
}

/// ∫_{y>e} y^k N(y; c, s²) dy for k = 0, 1, 2 (s > 0): Q(a), cQ + s𝖿(a), (c² + s²)Q + s(c + e)𝖿(a),
/// a = (e − c)/s. Exact zeros when the tail carries no mass (so c² may overflow harmlessly).
#[inline]
fn upper_tail(c: f64, s: f64, e: f64) -> [f64; 3] {
    let a = (e - c) / s;
    let q = 0.5 * libm::erfc(a * FRAC_1_SQRT_2);
    let p = if a.abs() < 40.0 {
        INV_SQRT_2PI * (-0.5 * a * a).exp()
    } else {
        0.0
    };
    if q == 0.0 && p == 0.0 {
        return [0.0; 3];
    }
    [q, c * q + s * p, (c * c + s * s) * q + s * (c + e) * p]
}

/// Tail integrals of the saturated forms over y ~ N(c, s²) beyond ±e:
/// (∫1, ∫sgn y, ∫(|y| − ln 2), ∫sgn y·(|y| − ln 2), ∫(|y| − ln 2)²).
#[derive(Clone, Copy, Debug, Default)]
struct Tails {
    one: f64,
    sgn: f64,
    prim: f64,
    sgn_prim: f64,
    prim2: f64,
}

#[inline]
fn tails(c: f64, s: f64, e: f64) -> Tails {
    let u = upper_tail(c, s, e);
    let l = upper_tail(-c, s, e); // ∫_{y<−e} (−y)^k N(y; c, s²)
    let pu = u[1] - LN_2 * u[0];
    let pl = l[1] - LN_2 * l[0];
    let p2 = |t: [f64; 3]| t[2] - 2.0 * LN_2 * t[1] + LN_2 * LN_2 * t[0];
    Tails {
        one: u[0] + l[0],
        sgn: u[0] - l[0],
        prim: pu + pl,
        sgn_prim: pu - pl,
        prim2: p2(u) + p2(l),
    }
}

/// Calls `f(x, w)` for composite Gauss–Legendre on [lo, hi] with equal panels of half-width ≤ h
/// (nothing if hi ≤ lo); returns the number of nodes.
#[inline(always)]
fn panels(lo: f64, hi: f64, h: f64, mut f: impl FnMut(f64, f64)) -> usize {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return 0;
    }
    let rule = gl();
    let np = ((hi - lo) / (2.0 * h)).ceil().max(1.0) as usize;
    let hw = (hi - lo) / (2.0 * np as f64);
    for p in 0..np {
        let c = lo + (2 * p + 1) as f64 * hw;
        for (t, w) in rule.nodes.iter().zip(&rule.weights) {
            f(c + hw * t, hw * w);
        }
    }
    np * PANEL_NODES
}

/// Number of nodes of the core rule of [`moments`] at (μ, Δ) (0 if Δ = 0).
pub(crate) fn moments_nodes(mu: f64, delta: f64) -> usize {
    let s = delta.sqrt();
    if s == 0.0 {
        return 0;
    }
    panels(
        (-EDGE).max(mu - SUPPORT * s),
        EDGE.min(mu + SUPPORT * s),
        Y_HALF.min(s),
        |_, _| {},
    )
}

/// All tanh moments over y ~ N(μ, Δ), Δ > 0, with ⟨Φ⟩, ⟨Φ²⟩ if `PRIM` (else 0): core by
/// composite Gauss–Legendre against the density, tails in closed form.
pub(crate) fn moments<const PRIM: bool>(mu: f64, delta: f64) -> Moments {
    let s = delta.sqrt();
    let norm = INV_SQRT_2PI / s;
    let mut m = Moments::default();
    panels(
        (-EDGE).max(mu - SUPPORT * s),
        EDGE.min(mu + SUPPORT * s),
        Y_HALF.min(s),
        |y, w| {
            let z = (y - mu) / s;
            let w = w * norm * (-0.5 * z * z).exp();
            let (t, sc, lc) = tanh_parts(y);
            let ts = t * sc;
            m.phi += w * t;
            m.dphi += w * sc;
            m.d2phi -= w * 2.0 * ts;
            m.d3phi -= w * 2.0 * sc * (1.0 - 3.0 * t * t);
            m.phi2 += w * t * t;
            m.dphi2 += w * sc * sc;
            m.phi_dphi += w * ts;
            m.phi_d2phi -= w * 2.0 * t * ts;
            if PRIM {
                m.prim += w * lc;
                m.prim2 += w * lc * lc;
            }
        },
    );
    let t = tails(mu, s, EDGE);
    m.phi += t.sgn;
    m.phi2 += t.one;
    if PRIM {
        m.prim += t.prim;
        m.prim2 += t.prim2;
    }
    m
}

/// The fixed core nodes y_k = c_p + δ_j of [−L, L] (panel centres c_p = c₀ + 2p, Gauss–Legendre
/// offsets δ_j, panel half-width 1) with φ, φ′, Φ (and φ″, φ‴ if `JET`) pre-multiplied by the
/// quadrature weight, the kernel normalisation 1/√(2πv) and the m-independent part of the kernel.
///
/// Kernel factorisation: with (y − m)² = (c_p − m)² + 2(c₀ − m)δ_j + (4pδ_j + δ_j²),
/// N(y_k; m, v) ∝ e^{−(c_p − m)²/2v} · e^{−(c₀ − m)δ_j/v} · e^{−(4pδ_j + δ_j²)/2v}: the last factor
/// is folded into the table, so the inner averages at any m cost 16 + (panels in the support)
/// `exp`s and five multiply-adds per node. Every factor is a pure product (no cancellation) and
/// stays below e^{45} for v ≥ [`INNER_MIN_VARIANCE`], so the kernel keeps full relative precision.
struct InnerTable {
    /// GL offsets δ_j within a panel.
    offsets: [f64; PANEL_NODES],
    /// [φ, φ′, φ″, φ‴, Φ](y_k) × weight/√(2πv) × e^{−(4pδ_j + δ_j²)/2v}, in the order of
    /// [`NestedSums::add`], node k = p·PANEL_NODES + j.
    f: [[f64; Y_NODES]; 5],
    sv: f64,
    inv_v: f64,
}

/// Centre of the first fixed core panel.
const C0: f64 = -EDGE + Y_HALF;

impl InnerTable {
    fn new<const JET: bool>(v: f64) -> InnerTable {
        let rule = gl();
        let mut tab = InnerTable {
            offsets: [0.0; PANEL_NODES],
            f: [[0.0; Y_NODES]; 5],
            sv: v.sqrt(),
            inv_v: 1.0 / v,
        };
        for (o, t) in tab.offsets.iter_mut().zip(&rule.nodes) {
            *o = Y_HALF * t;
        }
        let norm = INV_SQRT_2PI / tab.sv;
        for p in 0..Y_PANELS {
            let c = C0 + 2.0 * Y_HALF * p as f64;
            for (j, (dj, wj)) in tab.offsets.iter().zip(&rule.weights).enumerate() {
                let k = p * PANEL_NODES + j;
                let (t, s, lc) = tanh_parts(c + dj);
                let shift = 4.0 * Y_HALF * p as f64 * dj + dj * dj;
                let w = Y_HALF * wj * norm * (-0.5 * shift * tab.inv_v).exp();
                tab.f[0][k] = w * t;
                tab.f[1][k] = w * s;
                if JET {
                    tab.f[2][k] = -2.0 * w * t * s;
                    tab.f[3][k] = -2.0 * w * s * (1.0 - 3.0 * t * t);
                }
                tab.f[4][k] = w * lc;
            }
        }
        tab
    }

    /// Core panel range [p0, p1) meeting the support m ± SUPPORT·√v.
    #[inline(always)]
    fn range(&self, m: f64) -> (usize, usize) {
        let r = SUPPORT * self.sv;
        let p0 = ((m - r + EDGE) / (2.0 * Y_HALF)).floor();
        let p1 = ((m + r + EDGE) / (2.0 * Y_HALF)).ceil();
        let clamp = |p: f64| p.clamp(0.0, Y_PANELS as f64) as usize;
        (clamp(p0), clamp(p1))
    }

    /// Inner averages [A₀, A₁, A₂, A₃, B] at m (A₂, A₃ = 0 unless `JET`).
    #[inline(always)]
    fn at<const JET: bool>(&self, m: f64) -> [f64; 5] {
        let (p0, p1) = self.range(m);
        let mut acc = [0.0; 5];
        if p1 > p0 {
            let x0 = (C0 - m) * self.inv_v;
            let mut g = [0.0; PANEL_NODES];
            for (gj, dj) in g.iter_mut().zip(&self.offsets) {
                *gj = (-x0 * dj).exp();
            }
            let nf = if JET { 4 } else { 2 };
            for p in p0..p1 {
                let c = C0 + 2.0 * Y_HALF * p as f64 - m;
                let e = (-0.5 * c * c * self.inv_v).exp();
                let base = p * PANEL_NODES;
                for (a, fun) in acc.iter_mut().zip(&self.f).take(nf) {
                    let f = &fun[base..base + PANEL_NODES];
                    let s: f64 = g.iter().zip(f).map(|(x, y)| x * y).sum();
                    *a += e * s;
                }
                let f = &self.f[4][base..base + PANEL_NODES];
                let s: f64 = g.iter().zip(f).map(|(a, b)| a * b).sum();
                acc[4] += e * s;
            }
        }
        let t = tails(m, self.sv, EDGE);
        acc[0] += t.sgn;
        acc[4] += t.prim;
        acc
    }
}

/// The nested sums of tanh at v = Δ0 − Δ, Δ (both ≥ 0) by the saturated rules (see the module
/// docs), with the number of (outer node, inner node) pairs evaluated. `small_inner(m)` gives the
/// inner averages [A₀, A₁, A₂, A₃, B] at m when 0 < v < [`INNER_MIN_VARIANCE`] (with its node
/// count as `small_nodes`).
pub(crate) fn nested<const JET: bool>(
    mu: f64,
    v: f64,
    d: f64,
    small_inner: impl Fn(f64) -> [f64; 5],
    small_nodes: usize,
) -> (NestedSums, usize) {
    let sv = v.sqrt();
    let table = if v >= INNER_MIN_VARIANCE {
        Some(InnerTable::new::<JET>(v))
    } else {
        None
    };
    let mut pairs = 0;
    let mut inner = |m: f64| -> [f64; 5] {
        if let Some(tab) = &table {
            let (p0, p1) = tab.range(m);
            pairs += (p1 - p0) * PANEL_NODES;
            tab.at::<JET>(m)
        } else if v > 0.0 {
            pairs += small_nodes;
            small_inner(m)
        } else {
            pairs += 1;
            let (t, s, lc) = tanh_parts(m);
            [t, s, -2.0 * t * s, -2.0 * s * (1.0 - 3.0 * t * t), lc]
        }
    };
    let mut out = NestedSums::default();
    let sd = d.sqrt();
    if sd == 0.0 {
        let a = inner(mu);
        out.add::<JET>(1.0, a);
        return (out, pairs);
    }
    let l_out = EDGE + SUPPORT * sv;
    let norm = INV_SQRT_2PI / sd;
    panels(
        (-l_out).max(mu - SUPPORT * sd),
        l_out.min(mu + SUPPORT * sd),
        sv.max(1.0).min(sd),
        |m, w| {
            let z = (m - mu) / sd;
            let a = inner(m);
            out.add::<JET>(w * norm * (-0.5 * z * z).exp(), a);
        },
    );
    let t = tails(mu, sd, l_out);
    out.aa += t.one;
    out.bb += t.prim2;
    if JET {
        out.ba += t.sgn_prim;
    }
    (out, pairs)
}

/// Cost of one (outer, inner) pair of [`nested`] (an `exp` and five multiply-adds, or a tanh
/// evaluation with a logarithm) in units of one lattice pair of the trapezoid evaluation (five
/// multiply-adds); an estimate, consistent with the `stationary_jet tanh` timings of
/// `benches/gauss.rs` (docs/performance.md).
const PAIR_COST: usize = 4;

/// Estimated cost of [`nested`] at (μ, v, Δ) in lattice-pair units (see [`PAIR_COST`]), without
/// evaluating it: outer core nodes × inner nodes in the support × [`PAIR_COST`].
pub(crate) fn nested_cost(mu: f64, v: f64, d: f64, small_nodes: usize) -> usize {
    let (sv, sd) = (v.sqrt(), d.sqrt());
    let outer = if sd == 0.0 {
        1
    } else {
        let l_out = EDGE + SUPPORT * sv;
        let (lo, hi) = (
            (-l_out).max(mu - SUPPORT * sd),
            l_out.min(mu + SUPPORT * sd),
        );
        if hi > lo {
            let h = sv.max(1.0).min(sd);
            ((hi - lo) / (2.0 * h)).ceil() as usize * PANEL_NODES
        } else {
            0
        }
    };
    let inner = if v >= INNER_MIN_VARIANCE {
        // panels of width 2·Y_HALF meeting an interval of length 2·SUPPORT·√v
        ((SUPPORT * sv / Y_HALF).ceil() as usize + 1).min(Y_PANELS) * PANEL_NODES
    } else if v > 0.0 {
        small_nodes
    } else {
        1
    };
    outer.saturating_mul(inner).saturating_mul(PAIR_COST)
}
