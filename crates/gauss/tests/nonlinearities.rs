//! Every nonlinearity against independent references: pointwise derivatives against finite
//! differences, Gaussian moments (closed forms and kink-aware quadrature alike) against adaptive
//! double-exponential quadrature split at the kinks (`lowrank_gauss::reference`), nested and
//! bivariate integrals against the same reference, and a user-defined φ.

use lowrank_gauss::reference::integrate_dz_with_breaks;
use lowrank_gauss::{Gauss, Nonlinearity, Parity, Phi};

/// All built-ins (read from the registry, so a new one is tested without editing this file),
/// plain and in affine forms (positive rates, thresholds, negative scales).
fn cases() -> Vec<Phi> {
    let plain: Vec<Phi> = lowrank_gauss::nonlinearity::BUILTIN_NAMES
        .iter()
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(plain.len() >= 9, "registry: {plain:?}");
    let mut out = plain.clone();
    for p in plain {
        out.push(p.affine(1.7, 0.4, -0.8, 1.0).unwrap());
    }
    out.push(Phi::Tanh.affine(1.0, 0.0, 1.0, 1.0).unwrap());
    out.push(Phi::Relu.affine(0.5, -1.0, 2.0, 0.0).unwrap());
    out.push(Phi::custom(&SOFTSIGN));
    out
}

/// A user-defined φ: softsign x/(1 + |x|), with a jump of φ″ at 0.
#[derive(Debug)]
struct Softsign;
impl Nonlinearity for Softsign {
    fn name(&self) -> &'static str {
        "softsign"
    }
    fn phi(&self, x: f64) -> f64 {
        x / (1.0 + x.abs())
    }
    fn dphi(&self, x: f64) -> f64 {
        1.0 / (1.0 + x.abs()).powi(2)
    }
    fn d2phi(&self, x: f64) -> f64 {
        -2.0 * x.signum() / (1.0 + x.abs()).powi(3)
    }
    fn d3phi(&self, x: f64) -> f64 {
        6.0 / (1.0 + x.abs()).powi(4)
    }
    fn primitive(&self, x: f64) -> f64 {
        x.abs() - (1.0 + x.abs()).ln()
    }
    fn kinks(&self) -> &'static [f64] {
        &[0.0]
    }
    fn parity(&self) -> Parity {
        Parity::Odd
    }
    fn range(&self) -> (f64, f64) {
        (-1.0, 1.0)
    }
    fn analytic_strip(&self) -> f64 {
        1.0
    }
}
static SOFTSIGN: Softsign = Softsign;

/// |a − b| ≤ tol·max(1, |b|).
fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!(
        (a - b).abs() <= tol * b.abs().max(1.0),
        "{what}: {a} vs reference {b} (diff {:.2e})",
        (a - b).abs()
    );
}

/// Breakpoints (in z) for x = μ + σz: the kinks, and a geometric ladder around x = θ so that
/// steep smooth features at large σ are resolved by the reference.
fn breaks(phi: Phi, mu: f64, sd: f64) -> Vec<f64> {
    let mut xs: Vec<f64> = phi.kinks().collect();
    let centre = phi.threshold();
    xs.push(centre);
    for k in -3..=8 {
        let w = f64::powi(2.0, k) / phi.gain();
        xs.push(centre + w);
        xs.push(centre - w);
    }
    xs.iter().map(|x| (x - mu) / sd).collect()
}

/// ⟨h(x)⟩ over x ~ N(μ, Δ), split at the breakpoints of φ.
fn avg(phi: Phi, mu: f64, delta: f64, h: impl Fn(f64) -> f64) -> f64 {
    let sd = delta.sqrt();
    integrate_dz_with_breaks(|z| h(mu + sd * z), &breaks(phi, mu, sd))
}

#[test]
fn derivatives_match_finite_differences() {
    let h = 1e-5;
    for phi in cases() {
        let kinks: Vec<f64> = phi.kinks().collect();
        for i in 0..41 {
            let x = -4.0 + 0.2 * i as f64 + 0.013;
            if kinks.iter().any(|k| (x - k).abs() < 1e-3) {
                continue;
            }
            let fd = |f: &dyn Fn(f64) -> f64| (f(x + h) - f(x - h)) / (2.0 * h);
            let what = |d: &str| format!("{phi} {d} at x = {x}");
            // central differences: truncation O(h²·f‴) plus rounding O(ε/h)
            close(phi.dphi(x), fd(&|y| phi.phi(y)), 1e-8, &what("φ′"));
            close(phi.d2phi(x), fd(&|y| phi.dphi(y)), 1e-8, &what("φ″"));
            close(phi.d3phi(x), fd(&|y| phi.d2phi(y)), 1e-7, &what("φ‴"));
            close(phi.phi(x), fd(&|y| phi.primitive(y)), 1e-8, &what("Φ′ = φ"));
            // the single-precision path agrees to f32 rounding
            let scale = phi.phi(x).abs().max(1.0);
            assert!(
                (phi.phi_f32(x as f32) as f64 - phi.phi(x)).abs() <= 2e-6 * scale,
                "{}",
                what("φ in f32")
            );
            let dscale = phi.dphi(x).abs().max(1.0);
            assert!(
                (phi.dphi_f32(x as f32) as f64 - phi.dphi(x)).abs() <= 2e-6 * dscale,
                "{}",
                what("φ′ in f32")
            );
        }
        assert!(phi.primitive(0.0).abs() <= 1e-15, "{phi}: Φ(0) = 0");
    }
}

#[test]
fn declared_properties_hold_pointwise() {
    for phi in cases() {
        let (lo, hi) = phi.range();
        for i in 0..=400 {
            let x = -50.0 + 0.25 * i as f64;
            let y = phi.phi(x);
            assert!(
                y >= lo - 1e-12 && y <= hi + 1e-12,
                "{phi}: φ({x}) = {y} outside {lo}..{hi}"
            );
            match phi.parity() {
                Parity::Odd => assert!((phi.phi(-x) + y).abs() <= 1e-14 * y.abs().max(1.0)),
                Parity::Even => assert!((phi.phi(-x) - y).abs() <= 1e-14 * y.abs().max(1.0)),
                Parity::None => {}
            }
        }
        // a kink is where φ′ jumps (or a higher derivative does): both sides differ
        for k in phi.kinks() {
            let e = 1e-7;
            let jump = (phi.dphi(k + e) - phi.dphi(k - e)).abs()
                + (phi.d2phi(k + e) - phi.d2phi(k - e)).abs();
            assert!(jump > 1e-3, "{phi}: declared kink at {k} is smooth");
        }
    }
    assert!(Phi::Sigmoid.parity() == Parity::None && !Phi::Sigmoid.is_odd());
    assert!(Phi::Tanh.affine(1.0, 0.0, 1.0, 1.0).unwrap().parity() == Parity::None);
    assert!(Phi::Tanh.affine(2.0, 0.0, -3.0, 0.0).unwrap().is_odd());
}

/// Single moments (all ten fields) against the reference: distributional derivatives of kinked
/// φ through Stein's identities ⟨φ″⟩ = ⟨φ′ z⟩/σ, ⟨φ‴⟩ = ⟨φ′(z² − 1)⟩/σ²,
/// ⟨φφ″⟩ = ⟨φφ′ z⟩/σ − ⟨φ′²⟩, which hold for any continuous piecewise-smooth φ.
#[test]
fn jets_match_the_separate_methods() {
    for phi in cases() {
        for i in 0..81 {
            let x = -40.0 + i as f64 + 0.37;
            let j = phi.jet(x, true);
            let what = |d: &str| format!("{phi} jet {d} at x = {x}");
            close(j[0], phi.phi(x), 1e-14, &what("φ"));
            close(j[1], phi.dphi(x), 1e-14, &what("φ′"));
            close(j[2], phi.d2phi(x), 1e-14, &what("φ″"));
            close(j[3], phi.d3phi(x), 1e-14, &what("φ‴"));
            close(j[4], phi.primitive(x), 1e-14, &what("Φ"));
            assert_eq!(phi.jet(x, false)[4], 0.0, "{}", what("Φ unrequested"));
        }
    }
}

/// At variances far beyond the strip (σ up to ~300 strip widths) the rules graded from the
/// kinks and bends (`Nonlinearity::bends`) keep the accuracy of the strip-width rules.
#[test]
fn large_variance_moments_match_adaptive_quadrature() {
    let gauss = Gauss::new(64);
    // the φ without their own rules (so on the graded generic path), one in affine form; the
    // full grid in optimised builds (the reference's nested integrals are costly)
    let affine = Phi::Softplus.affine(1.7, 0.4, -0.8, 1.0).unwrap();
    let full = !cfg!(debug_assertions);
    let moments_at: &[(f64, f64)] = if full {
        &[(0.3, 1e3), (-20.0, 4e4), (50.0, 1e5)]
    } else {
        &[(-20.0, 4e4)]
    };
    let nested_at: &[(f64, f64, f64)] = if full {
        &[(0.3, 1e4, 5e3), (-2.0, 2e3, 1.99e3)]
    } else {
        &[(0.3, 1e4, 5e3)]
    };
    for phi in [Phi::Softplus, Phi::RectTanh, Phi::Elu, affine] {
        for &(mu, delta) in moments_at {
            let m = gauss.moments(phi, mu, delta).unwrap();
            let a = |h: &dyn Fn(f64) -> f64| avg(phi, mu, delta, h);
            let what = |d: &str| format!("{phi} {d} at μ = {mu}, Δ = {delta}");
            close(m.phi, a(&|x| phi.phi(x)), 1e-10, &what("⟨φ⟩"));
            close(m.dphi, a(&|x| phi.dphi(x)), 1e-10, &what("⟨φ′⟩"));
            close(m.phi2, a(&|x| phi.phi(x).powi(2)), 1e-10, &what("⟨φ²⟩"));
            close(m.prim, a(&|x| phi.primitive(x)), 1e-10, &what("⟨Φ⟩"));
        }
        for &(mu, d0, d) in nested_at {
            let s = gauss.stationary(phi, mu, d0, d).unwrap();
            let inner = |m: f64, h: &dyn Fn(f64) -> f64| avg(phi, m, d0 - d, h);
            let outer = |h: &dyn Fn(f64) -> f64| {
                if d == 0.0 {
                    inner(mu, h).powi(2)
                } else {
                    avg(phi, mu, d, |m| inner(m, h).powi(2))
                }
            };
            let what = |q: &str| format!("{phi} {q} at (μ, Δ0, Δ) = ({mu}, {d0}, {d})");
            close(s.c, outer(&|x| phi.phi(x)), 1e-9, &what("C"));
            close(s.dc, outer(&|x| phi.dphi(x)), 1e-9, &what("∂C/∂Δ"));
        }
    }
}

#[test]
fn moments_match_adaptive_quadrature() {
    let gauss = Gauss::new(64);
    for phi in cases() {
        // the full grid in optimised builds (`cargo xtask validate`, `--release`), a corner
        // subset in the quick debug run
        let (mus, deltas): (&[f64], &[f64]) = if cfg!(debug_assertions) {
            (&[-1.3, 0.7], &[0.04, 100.0])
        } else {
            (&[-1.3, 0.0, 0.7, 3.0], &[0.04, 1.0, 6.25, 100.0])
        };
        for &mu in mus {
            for &delta in deltas {
                let m = gauss.moments(phi, mu, delta).unwrap();
                let sd = delta.sqrt();
                let a = |h: &dyn Fn(f64) -> f64| avg(phi, mu, delta, h);
                let z = |x: f64| (x - mu) / sd;
                let what = |d: &str| format!("{phi} {d} at μ = {mu}, Δ = {delta}");
                let tol = 1e-10;
                close(m.phi, a(&|x| phi.phi(x)), tol, &what("⟨φ⟩"));
                close(m.dphi, a(&|x| phi.dphi(x)), tol, &what("⟨φ′⟩"));
                close(m.d2phi, a(&|x| phi.dphi(x) * z(x)) / sd, tol, &what("⟨φ″⟩"));
                close(
                    m.d3phi,
                    a(&|x| phi.dphi(x) * (z(x) * z(x) - 1.0)) / delta,
                    tol,
                    &what("⟨φ‴⟩"),
                );
                close(m.phi2, a(&|x| phi.phi(x).powi(2)), tol, &what("⟨φ²⟩"));
                close(m.dphi2, a(&|x| phi.dphi(x).powi(2)), tol, &what("⟨φ′²⟩"));
                close(
                    m.phi_dphi,
                    a(&|x| phi.phi(x) * phi.dphi(x)),
                    tol,
                    &what("⟨φφ′⟩"),
                );
                close(
                    m.phi_d2phi,
                    a(&|x| phi.phi(x) * phi.dphi(x) * z(x)) / sd - a(&|x| phi.dphi(x).powi(2)),
                    tol,
                    &what("⟨φφ″⟩"),
                );
                close(m.prim, a(&|x| phi.primitive(x)), tol, &what("⟨Φ⟩"));
                close(
                    m.prim2,
                    a(&|x| phi.primitive(x).powi(2)),
                    tol,
                    &what("⟨Φ²⟩"),
                );
                let (mean, gain) = gauss.mean_and_gain(phi, mu, delta).unwrap();
                close(mean, m.phi, 1e-13, &what("mean_and_gain ⟨φ⟩"));
                close(gain, m.dphi, 1e-13, &what("mean_and_gain ⟨φ′⟩"));
            }
        }
    }
}

/// Nested integrals C = ∫Dz[∫Dx φ]², F = ∫Dz[∫Dx Φ]², ∂C/∂Δ = ∫Dz[∫Dx φ′]² against the
/// reference (inner and outer averages both split at the kinks).
#[test]
fn nested_integrals_match_adaptive_quadrature() {
    let gauss = Gauss::new(64);
    for phi in cases() {
        for &(mu, d0, d) in &[
            (0.0, 2.0, 0.7),
            (0.6, 1.0, 1.0),
            (-0.9, 9.0, 0.0),
            (1.4, 4.0, 3.2),
        ] {
            let s = gauss.stationary(phi, mu, d0, d).unwrap();
            let inner = |m: f64, h: &dyn Fn(f64) -> f64| {
                if d0 - d == 0.0 {
                    h(m)
                } else {
                    avg(phi, m, d0 - d, h)
                }
            };
            let outer = |h: &dyn Fn(f64) -> f64| {
                if d == 0.0 {
                    let v = inner(mu, h);
                    v * v
                } else {
                    avg(phi, mu, d, |m| inner(m, h).powi(2))
                }
            };
            let what = |q: &str| format!("{phi} {q} at (μ, Δ0, Δ) = ({mu}, {d0}, {d})");
            close(s.c, outer(&|x| phi.phi(x)), 1e-9, &what("C"));
            close(s.f, outer(&|x| phi.primitive(x)), 1e-9, &what("F"));
            if phi.is_smooth() || d0 > d {
                close(s.dc, outer(&|x| phi.dphi(x)), 1e-9, &what("∂C/∂Δ"));
            }
        }
    }
}

/// C_φ and E[φ′φ′] for bivariate normals (closed forms where they exist) against the reference.
#[test]
fn bivariate_integrals_match_adaptive_quadrature() {
    let gauss = Gauss::new(64);
    for phi in cases() {
        let all: [(f64, f64, f64, f64, f64); 4] = [
            (0.0, 0.0, 1.0, 2.0, 0.3),
            (0.0, 0.0, 4.0, 4.0, -0.8),
            (0.5, -0.2, 0.8, 3.0, 0.95),
            (1.1, 0.4, 2.5, 0.5, -0.4),
        ];
        let grid = if cfg!(debug_assertions) {
            &all[1..3]
        } else {
            &all[..]
        };
        for &(mu1, mu2, d11, d22, rho) in grid {
            let d12 = rho * (d11 * d22).sqrt();
            let slope = d12 / d11;
            let v = d22 - d12 * slope;
            let reference = |f: &dyn Fn(f64) -> f64| {
                avg(phi, mu1, d11, |x1| {
                    f(x1) * avg(phi, mu2 + slope * (x1 - mu1), v, f)
                })
            };
            let what = |q: &str| format!("{phi} {q} at ({mu1}, {mu2}, {d11}, {d22}, ρ = {rho})");
            let c = gauss.c_phi(phi, mu1, mu2, d11, d22, d12).unwrap();
            close(c, reference(&|x| phi.phi(x)), 1e-9, &what("C_φ"));
            let cd = gauss.c_dphi(phi, mu1, mu2, d11, d22, d12).unwrap();
            close(cd, reference(&|x| phi.dphi(x)), 1e-9, &what("E[φ′φ′]"));
        }
    }
}

#[test]
fn closed_forms_are_exact_where_promised() {
    // relu at zero mean: ⟨φ⟩ = σ/√(2π), ⟨φ²⟩ = Δ/2, ⟨φ′⟩ = ½; arc-cosine kernel at ρ = 0: Δ/(2π)
    let g = Gauss::new(8);
    let m = g.moments(Phi::Relu, 0.0, 4.0).unwrap();
    close(
        m.phi,
        2.0 / (2.0 * std::f64::consts::PI).sqrt(),
        1e-15,
        "relu ⟨φ⟩",
    );
    close(m.phi2, 2.0, 1e-15, "relu ⟨φ²⟩");
    assert_eq!(m.dphi, 0.5);
    close(
        g.c_phi(Phi::Relu, 0.0, 0.0, 4.0, 4.0, 0.0).unwrap(),
        4.0 / (2.0 * std::f64::consts::PI),
        1e-15,
        "arc-cosine ρ = 0",
    );
    // sigmoid = ½ + ½ tanh(x/2): ⟨σ⟩(0, Δ) = ½ at any Δ
    close(
        g.moments(Phi::Sigmoid, 0.0, 9.0).unwrap().phi,
        0.5,
        1e-14,
        "sigmoid ⟨φ⟩ at μ = 0",
    );
    // hard-tanh: ⟨φ′⟩ = P(|x| < 1)
    let p = g.mean_and_gain(Phi::HardTanh, 0.0, 1.0).unwrap().1;
    close(p, 0.682_689_492_137_085_9, 1e-14, "hard-tanh gain");
}

/// The exact bivariate integrals of the piecewise-linear φ (relu, hard-tanh and affine forms:
/// normal and bivariate-normal CDFs over rectangles) at nonzero means, both signs of ρ and near
/// |ρ| = 1, against nested adaptive quadrature split at the kinks (≤ 1e-10).
#[test]
fn piecewise_linear_bivariate_closed_forms_match_adaptive_quadrature() {
    let gauss = Gauss::new(8);
    let phis = [
        Phi::Relu,
        Phi::HardTanh,
        Phi::Relu.affine(2.0, 0.3, -0.5, 1.0).unwrap(),
        Phi::HardTanh.affine(0.7, -0.4, 1.5, 0.2).unwrap(),
    ];
    let all: [(f64, f64, f64, f64, f64); 6] = [
        (0.0, 0.0, 1.0, 2.0, 0.3),
        (0.7, -0.3, 1.0, 2.0, 0.3),
        (-1.5, 2.0, 0.5, 3.0, -0.7),
        (0.4, 0.9, 4.0, 0.25, 0.99),
        (1.2, -1.1, 9.0, 6.0, -0.995),
        (3.0, 2.5, 0.3, 0.4, 0.5),
    ];
    let grid = if cfg!(debug_assertions) {
        &all[1..3]
    } else {
        &all[..]
    };
    for phi in phis {
        assert!(phi.closed_form_source(), "{phi}");
        for &(mu1, mu2, d11, d22, rho) in grid {
            let d12 = rho * (d11 * d22).sqrt();
            let slope = d12 / d11;
            let v = d22 - d12 * slope;
            let reference = |f: &dyn Fn(f64) -> f64| {
                avg(phi, mu1, d11, |x1| {
                    f(x1) * avg(phi, mu2 + slope * (x1 - mu1), v, f)
                })
            };
            let what = |q: &str| format!("{phi} {q} at ({mu1}, {mu2}, {d11}, {d22}, ρ = {rho})");
            let c = gauss.c_phi(phi, mu1, mu2, d11, d22, d12).unwrap();
            close(c, reference(&|x| phi.phi(x)), 1e-10, &what("C_φ"));
            let cd = gauss.c_dphi(phi, mu1, mu2, d11, d22, d12).unwrap();
            close(cd, reference(&|x| phi.dphi(x)), 1e-10, &what("E[φ′φ′]"));
        }
    }
}

/// φ on arithmetic progressions (the equispaced quadrature nodes of `mehler`) agrees with the
/// pointwise φ to a few ε absolute (plus the rounding of the node positions), for both signs of
/// the step, across 0 and into the tails.
#[test]
fn progressions_match_pointwise_values() {
    for phi in cases() {
        let (s, c) = (phi.scale().abs(), phi.offset().abs());
        for &(x0, dx, n) in &[
            (-3.0, 0.013, 500),
            (2.5, -0.011, 500),
            (0.0, 0.25, 80),
            (0.0, -0.25, 80),
            (-40.0, 0.37, 220),
            (1e-3, 1e-6, 40),
            (-700.0, 50.0, 30),
        ] {
            let mut v = vec![0.0; n];
            phi.phi_progression(x0, dx, &mut v);
            for (i, &y) in v.iter().enumerate() {
                let x = x0 + i as f64 * dx;
                let p = phi.phi(x);
                // values to a few ε, plus the rounding of the node position (an affine form
                // steps in base coordinates a(x₀ − θ) + i·a·dx)
                let position =
                    f64::EPSILON * (x0.abs() + phi.threshold().abs() + i as f64 * dx.abs());
                let tol = 16.0 * f64::EPSILON * (1.0 + c + s) * p.abs().max(1.0)
                    + 4.0 * position * phi.dphi(x).abs();
                assert!(
                    (y - p).abs() <= tol,
                    "{phi} at x = {x} (x0 = {x0}, dx = {dx}): {y} vs {p}"
                );
            }
        }
    }
}
