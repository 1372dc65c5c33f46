//! Kink-aware, accuracy-controlled quadrature: the fallback of every Gaussian integral for a
//! nonlinearity without a closed form (docs/theory.md, "Any nonlinearity").
//!
//! ∫Dz h(z) is computed on [−[`Z_MAX`], [`Z_MAX`]] (the Gaussian tail beyond carries < 1e−17 of
//! the mass) with composite Gauss–Legendre panels of width ≤ min(1, d/(σ·π/2)), d the analytic
//! strip of φ and σ the standard deviation (the trapezoid-like criterion of the tanh rules),
//! split exactly at the kinks of φ so that every panel integrates an analytic function. Where the
//! integrand is smooth but varies on a short scale w near a point (an inner average of a kinked
//! φ with small inner variance), the panels next to that point grow geometrically from width w.
//! Distributional derivatives at kinks are added in closed form: with the jumps J₁ of φ′ and J₂
//! of φ″ at a kink k and the density p(k) of x there,
//! ⟨φ″⟩ += J₁p(k), ⟨φ‴⟩ += J₂p(k) + J₁(k − μ)p(k)/Δ, ⟨φφ″⟩ += φ(k)J₁p(k).
//! Smooth φ (no kinks) use the Gauss–Hermite/trapezoid rule of the tanh integrals at the
//! variance measured in units of φ's analytic strip — up to a variance of [`GRADED_MIN_VAR`]
//! strip units when φ declares its bends ([`Nonlinearity::bends`]); beyond, and for kinked φ
//! with declared bends, the panels are graded geometrically from the kinks and bends (width of
//! one strip there, growing to 1 in z), so that the cost grows like log σ instead of σ (an
//! unbounded φ such as softplus at Δ = 10⁶ needs ~500 nodes instead of ~70 000).

use crate::hermite::GaussLegendre;
use crate::integrals::{smooth_rule, Gauss, Moments, NestedSums, StationaryJet};
use crate::nonlinearity::{Nonlinearity, Phi};
use std::f64::consts::FRAC_PI_2;
use std::sync::OnceLock;

/// Half-width of the z interval integrated (𝖿(9) ≈ 1e−18).
pub(crate) const Z_MAX: f64 = 9.0;

/// Gauss–Legendre nodes per panel.
const GL_ORDER: usize = 12;

/// Most breakpoints handled without allocating.
const INLINE_BREAKS: usize = 16;

fn gl() -> &'static GaussLegendre {
    static RULE: OnceLock<GaussLegendre> = OnceLock::new();
    RULE.get_or_init(|| GaussLegendre::new(GL_ORDER))
}

/// The analytic strip of `f` in units of tanh's (π/2); ∞ for entire functions.
fn strip_units<N: Nonlinearity + ?Sized>(f: &N) -> f64 {
    f.analytic_strip() / FRAC_PI_2
}

/// Calls `visit(z, w)` for the nodes of a composite rule for ∫Dz h(z): panels of width ≤ `h`,
/// split at each breakpoint `(z_b, w_b)` (the panels next to it start at width `w_b` and double
/// until `h`); Σw = 1 up to the truncated tails.
pub(crate) fn for_each_node(breaks: &[(f64, f64)], h: f64, visit: impl FnMut(f64, f64)) {
    for_each_node_within(breaks, h, Z_MAX, visit)
}

/// [`for_each_node`] on [−`z_max`, `z_max`] (the Mehler coefficients of `crate::mehler` need a
/// wider interval: h_k(z)𝖿(z) decays only like e^{−z²/4} up to the turning point 2√k).
pub(crate) fn for_each_node_within(
    breaks: &[(f64, f64)],
    h: f64,
    z_max: f64,
    mut visit: impl FnMut(f64, f64),
) {
    let mut inline = [(0.0, 0.0); INLINE_BREAKS];
    let mut heap = Vec::new();
    let pts: &mut [(f64, f64)] = if breaks.len() <= INLINE_BREAKS {
        let mut n = 0;
        for b in breaks.iter().filter(|b| b.0.abs() < z_max) {
            inline[n] = *b;
            n += 1;
        }
        &mut inline[..n]
    } else {
        heap.extend(breaks.iter().copied().filter(|b| b.0.abs() < z_max));
        &mut heap[..]
    };
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let rule = gl();
    let mut panel = |a: f64, b: f64| {
        let (c, r) = (0.5 * (a + b), 0.5 * (b - a));
        for (x, w) in rule.nodes.iter().zip(&rule.weights) {
            let z = c + r * x;
            visit(z, r * w * crate::erf::normal_pdf(z));
        }
    };
    let mut lo = (-z_max, h);
    for i in 0..=pts.len() {
        let hi = if i < pts.len() { pts[i] } else { (z_max, h) };
        let (mut a, mut b) = (lo.0, hi.0);
        if b > a {
            let mid = 0.5 * (a + b);
            let mut w = lo.1.max(1e-12 * h);
            while w < h && a + w < mid {
                panel(a, a + w);
                a += w;
                w *= 2.0;
            }
            let mut w = hi.1.max(1e-12 * h);
            while w < h && b - w > a {
                panel(b - w, b);
                b -= w;
                w *= 2.0;
            }
            let n = ((b - a) / h).ceil().max(1.0) as usize;
            let step = (b - a) / n as f64;
            for j in 0..n {
                panel(a + j as f64 * step, a + (j + 1) as f64 * step);
            }
        }
        lo = hi;
    }
}

/// Variance, in units of the analytic strip squared, from which a smooth φ that declares its
/// bends ([`Nonlinearity::bends`]) is integrated on panels graded from them instead of the
/// equispaced smooth rule: at σ = 8 strip units the graded rule needs ~300 nodes against ~600,
/// and it grows like log σ where the equispaced one grows like σ.
const GRADED_MIN_VAR: f64 = 64.0;

/// Breakpoints in z (for x = μ + σz) and the largest panel width of a graded rule.
struct Breaks {
    inline: [(f64, f64); INLINE_BREAKS],
    len: usize,
    heap: Vec<(f64, f64)>,
}

impl Breaks {
    fn new() -> Self {
        Breaks {
            inline: [(0.0, 0.0); INLINE_BREAKS],
            len: 0,
            heap: Vec::new(),
        }
    }
    /// Adds the point x as a breakpoint with grading width `w` (in z).
    fn push(&mut self, x: f64, mu: f64, sd: f64, w: f64) {
        let b = ((x - mu) / sd, w);
        if self.heap.is_empty() && self.len < INLINE_BREAKS {
            self.inline[self.len] = b;
            self.len += 1;
        } else {
            if self.heap.is_empty() {
                self.heap.extend_from_slice(&self.inline[..self.len]);
            }
            self.heap.push(b);
        }
    }
    fn as_slice(&self) -> &[(f64, f64)] {
        if self.heap.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.heap
        }
    }
}

/// One-sided offset at which the derivatives next to a kink are read.
fn side(k: f64) -> f64 {
    1e-12 * k.abs().max(1.0)
}

/// All [`Moments`] of the base `f` over y ~ N(μ, Δ) by quadrature (pointwise at Δ = 0).
pub(crate) fn moments<N: Nonlinearity + ?Sized>(
    f: &N,
    gauss: &Gauss,
    mu: f64,
    delta: f64,
    primitive: bool,
) -> Moments {
    let mut m = Moments::default();
    let mut add = |w: f64, x: f64| {
        let [p, d1, d2, d3, q] = f.jet(x, primitive);
        m.phi += w * p;
        m.dphi += w * d1;
        m.d2phi += w * d2;
        m.d3phi += w * d3;
        m.phi2 += w * p * p;
        m.dphi2 += w * d1 * d1;
        m.phi_dphi += w * p * d1;
        m.phi_d2phi += w * p * d2;
        m.prim += w * q;
        m.prim2 += w * q * q;
    };
    let sd = delta.sqrt();
    if sd == 0.0 {
        add(1.0, mu);
        return m;
    }
    let kinks = f.kinks();
    let bends = f.bends();
    let units = strip_units(f);
    let var = if units.is_finite() {
        delta / (units * units)
    } else {
        0.0
    };
    if kinks.is_empty() && (bends.is_none() || var <= GRADED_MIN_VAR) {
        smooth_rule(gauss.outer(), var).for_each(|z, w| add(w, mu + sd * z));
        return m;
    }
    // strip-width panels next to the kinks and bends; away from them only where unknown
    let fine = (units / sd).min(1.0);
    let h = if bends.is_some() { 1.0 } else { fine };
    let mut breaks = Breaks::new();
    for &x in kinks.iter().chain(bends.unwrap_or(&[])) {
        breaks.push(x, mu, sd, fine);
    }
    for_each_node(breaks.as_slice(), h, |z, w| add(w, mu + sd * z));
    for &k in kinks {
        let e = side(k);
        let j1 = f.dphi(k + e) - f.dphi(k - e);
        let j2 = f.d2phi(k + e) - f.d2phi(k - e);
        let p = crate::nonlinearity::truncated::density(mu, sd, k);
        m.d2phi += j1 * p;
        m.d3phi += j2 * p + j1 * (k - mu) / delta * p;
        m.phi_d2phi += f.phi(k) * j1 * p;
    }
    m
}

/// Panel width in z for φ at standard deviation `sd`.
fn panel_width(phi: Phi, sd: f64) -> f64 {
    (phi.analytic_strip() / FRAC_PI_2 / sd).min(1.0)
}

/// Nested integrals of any φ (affine form included) at checked (μ, Δ₀, Δ): the outer integral
/// over z of the inner averages [A₀, A₁, A₂, A₃, B] = ⟨φ, φ′, φ″, φ‴, Φ⟩ at (μ + √Δ z, Δ₀ − Δ)
/// ([`Gauss::moments`], closed forms where the base has them). At Δ = Δ₀ the inner averages are
/// point values and the distributional parts of the products are added at the kinks:
/// ∫A₀A₂ += φ(k)J₁p(k), ∫A₁A₂ += (φ′(k⁺)² − φ′(k⁻)²)p(k)/2, ∫A₁A₃ += φ′(k)J₂p(k); with J₁ ≠ 0
/// the second Δ-derivatives of C are infinite (∂²C/∂Δ² = ∫A₂² = +∞) and reported so.
pub(crate) fn stationary(
    gauss: &Gauss,
    phi: Phi,
    mu: f64,
    d0: f64,
    d: f64,
    jet: bool,
) -> StationaryJet {
    let v = d0 - d;
    let so = d.sqrt();
    let mut sums = NestedSums::default();
    let inner = |m: f64| -> [f64; 5] {
        if v == 0.0 {
            phi.jet(m, true)
        } else {
            let a = gauss.moments_checked(phi, m, v, true);
            [a.phi, a.dphi, a.d2phi, a.d3phi, a.prim]
        }
    };
    if so == 0.0 {
        sums.add::<true>(1.0, inner(mu));
        return sums.jet();
    }
    let units = phi.analytic_strip() / FRAC_PI_2;
    let var = if units.is_finite() {
        d / (units * units)
    } else {
        0.0
    };
    let bends = phi.bends();
    if phi.is_smooth() && (bends.is_none() || var <= GRADED_MIN_VAR) {
        smooth_rule(gauss.outer(), var).for_each(|z, w| sums.add::<true>(w, inner(mu + so * z)));
        return sums.jet();
    }
    let fine = panel_width(phi, so);
    // the inner average smooths a kink over √v; a bend keeps the strip scale
    let grade = if v == 0.0 {
        fine
    } else {
        (v.sqrt() / so).min(fine)
    };
    let mut breaks = Breaks::new();
    phi.kinks().for_each(|k| breaks.push(k, mu, so, grade));
    let h = match bends {
        Some(bends) => {
            bends.for_each(|b| breaks.push(b, mu, so, fine));
            1.0
        }
        None => fine,
    };
    for_each_node(breaks.as_slice(), h, |z, w| {
        sums.add::<true>(w, inner(mu + so * z))
    });
    let mut out = sums.jet();
    if v == 0.0 {
        for k in phi.kinks() {
            let e = side(k);
            let (up, dn) = (phi.dphi(k + e), phi.dphi(k - e));
            let (j1, j2) = (up - dn, phi.d2phi(k + e) - phi.d2phi(k - e));
            let p = crate::nonlinearity::truncated::density(mu, so, k);
            if p == 0.0 {
                continue;
            }
            out.c_delta0 += phi.phi(k) * j1 * p;
            out.dc_mu += (up * up - dn * dn) * p;
            out.dc_delta0 += 0.5 * (up + dn) * j2 * p;
            if j1 != 0.0 {
                out.dc_delta = f64::INFINITY;
                out.dc_delta0 = f64::NEG_INFINITY;
            }
        }
    }
    let _ = jet;
    out
}

/// E[g(x₁)g(x₂)] for g = φ (`derivative` false) or φ′ (true) of any φ at checked arguments:
/// conditioning on the variable with the larger variance, x₁ = μ₁ + √Δ₁₁ z, the inner average
/// of g over x₂ | z ~ N(μ₂ + bz, Δ₂₂ − b²), b = Δ₁₂/√Δ₁₁, is closed-form where the base has
/// one; the outer rule is split at the kinks of g(x₁) and graded at those of the inner average.
#[allow(clippy::too_many_arguments)]
pub(crate) fn bivariate(
    gauss: &Gauss,
    phi: Phi,
    derivative: bool,
    mu1: f64,
    mu2: f64,
    d11: f64,
    d22: f64,
    d12: f64,
) -> f64 {
    let (mu1, mu2, d11, d22) = if d22 > d11 {
        (mu2, mu1, d22, d11)
    } else {
        (mu1, mu2, d11, d22)
    };
    let g = |x: f64| if derivative { phi.dphi(x) } else { phi.phi(x) };
    let a = d11.sqrt();
    if a == 0.0 {
        return g(mu1) * g(mu2);
    }
    let b = d12 / a;
    let c2 = (d22 - b * b).max(0.0);
    let c = c2.sqrt();
    let inner = |m: f64| {
        if c2 == 0.0 {
            g(m)
        } else {
            let (mean, gain) = gauss.mean_and_gain_checked(phi, m, c2);
            if derivative {
                gain
            } else {
                mean
            }
        }
    };
    let mut acc = 0.0;
    let mut add = |z: f64, w: f64| acc += w * g(mu1 + a * z) * inner(mu2 + b * z);
    let units = phi.analytic_strip() / FRAC_PI_2;
    let var = if units.is_finite() {
        d11 / (units * units)
    } else {
        0.0
    };
    let bends = phi.bends();
    if phi.is_smooth() && (bends.is_none() || var <= GRADED_MIN_VAR) {
        smooth_rule(gauss.outer(), var).for_each(add);
        return acc;
    }
    let fine = panel_width(phi, a.max(b.abs()));
    let mut breaks = Breaks::new();
    phi.kinks().for_each(|k| breaks.push(k, mu1, a, fine));
    if b != 0.0 {
        let grade = if c == 0.0 {
            fine
        } else {
            (c / b.abs()).min(fine)
        };
        phi.kinks().for_each(|k| breaks.push(k, mu2, b, grade));
    }
    let h = match bends {
        Some(bends) => {
            for x in bends {
                breaks.push(x, mu1, a, fine);
                if b != 0.0 {
                    breaks.push(x, mu2, b, fine);
                }
            }
            1.0
        }
        None => fine,
    };
    for_each_node(breaks.as_slice(), h, &mut add);
    acc
}
