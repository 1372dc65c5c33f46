//! A cheap, certified test that the spectral abscissa (largest real part of an eigenvalue) of a
//! small effective interaction T̂ lies outside a band, used by the Fig. 5 rejection sampler
//! (docs/theory §3.8) to skip the eigenvalue decomposition of draws that cannot be accepted.
//!
//! For R ≤ 2 (T̂ of order n = R² ≤ 4) the characteristic polynomial p(z) = det(z − T̂) is formed
//! by the Faddeev–LeVerrier recursion, shifted to q(z) = p(z + s), and the Routh array of q counts
//! the roots with Re z > s (one per sign change of its first column). A count is trusted only when
//! no first-column entry comes from a cancellation worse than [`PIVOT_TOLERANCE`]; otherwise the
//! test answers "unknown" and the caller decides with the full eigenvalues, as before. The band is
//! widened by [`SLACK`] on both sides, so a draw is skipped only when its abscissa is at least
//! that far outside: every tensor the eigenvalue test would accept is still accepted.
//!
//! Why the cancellation test covers every subtraction: for the orders handled (n = 1 and 4) the
//! only Routh entries outside the first column are q₄ itself (b₂ = (b·q₄ − q₀·0)/b), so every
//! difference the array forms lands in the first column, where it is tested. What the test does
//! not see is the round-off of the coefficients themselves: it moves a simple or double root by
//! far less than [`SLACK`], but a root of multiplicity ≥ 3 within the margin of an edge could
//! move by more — an event of probability zero for Gaussian draws, and the byte-identical study
//! output (docs/performance.md) is the end-to-end check.

/// Largest T̂ order handled (R = 2); above it [`abscissa_outside`] always answers `false`.
const MAX_ORDER: usize = 4;

/// A first-column entry of the Routh array whose magnitude is below this fraction of the terms it
/// was formed from is treated as zero (its sign is not trusted).
const PIVOT_TOLERANCE: f64 = 1e-8;

/// The band [lo, hi] is widened by SLACK·max(1, |lo|, |hi|) on each side before the test, so a
/// root near an edge is left to the eigenvalue decomposition.
const SLACK: f64 = 1e-6;

/// `true` only when the largest real part of an eigenvalue of T̂(R, t) (docs/theory §1.3) is
/// certainly below `lo` or above `hi`; `false` when it may lie in [lo, hi], when the Routh count
/// is not trusted, or when R > 2.
pub(crate) fn abscissa_outside(r: usize, t: &[f64], lo: f64, hi: f64) -> bool {
    let n = r * r;
    if r == 0 || n > MAX_ORDER || t.len() != r * r * r || t.iter().any(|x| !x.is_finite()) {
        return false;
    }
    let mut a = [[0.0; MAX_ORDER]; MAX_ORDER];
    // T̂_{(μν),(ρσ)} = δ_νρ T^{μνσ}, rows and columns ordered (μν) ↦ μR + ν.
    for mu in 0..r {
        for nu in 0..r {
            for sigma in 0..r {
                a[mu * r + nu][nu * r + sigma] = t[(mu * r + nu) * r + sigma];
            }
        }
    }
    let p = characteristic_polynomial(&a, n);
    let pad = SLACK * lo.abs().max(hi.abs()).max(1.0);
    match roots_right_of(&p[..=n], hi + pad) {
        Some(k) if k >= 1 => return true,
        None => return false,
        Some(_) => {}
    }
    roots_right_of(&p[..=n], lo - pad) == Some(0)
}

/// Coefficients of det(z − A) for the leading n×n block of `a`, highest power first
/// (`p[0] = 1`), by the Faddeev–LeVerrier recursion: M₁ = 𝟙, c_{n−1} = −tr A;
/// M_k = A M_{k−1} + c_{n−k+1} 𝟙, c_{n−k} = −tr(A M_k)/k.
fn characteristic_polynomial(a: &[[f64; MAX_ORDER]; MAX_ORDER], n: usize) -> [f64; MAX_ORDER + 1] {
    let mut p = [0.0; MAX_ORDER + 1];
    p[0] = 1.0;
    let mut m = [[0.0; MAX_ORDER]; MAX_ORDER];
    for (i, row) in m.iter_mut().enumerate().take(n) {
        row[i] = 1.0;
    }
    for k in 1..=n {
        if k > 1 {
            let mut next = [[0.0; MAX_ORDER]; MAX_ORDER];
            for i in 0..n {
                for j in 0..n {
                    next[i][j] = (0..n).map(|l| a[i][l] * m[l][j]).sum::<f64>();
                }
                next[i][i] += p[k - 1];
            }
            m = next;
        }
        let trace: f64 = (0..n)
            .map(|i| (0..n).map(|l| a[i][l] * m[l][i]).sum::<f64>())
            .sum();
        p[k] = -trace / k as f64;
    }
    p
}

/// Number of roots of p (coefficients highest power first, p[0] ≠ 0) with Re z > s: the sign
/// changes of the first column of the Routh array of p(z + s). `None` when a first-column entry
/// is zero or within [`PIVOT_TOLERANCE`] of cancelling.
fn roots_right_of(p: &[f64], s: f64) -> Option<usize> {
    let n = p.len() - 1;
    // Taylor shift q(z) = p(z + s) by repeated synthetic division.
    let mut q = [0.0; MAX_ORDER + 1];
    q[..=n].copy_from_slice(p);
    for k in 0..n {
        for j in 1..=n - k {
            q[j] += s * q[j - 1];
        }
    }
    // Routh rows: r₀ = (q₀, q₂, q₄, …), r₁ = (q₁, q₃, …); r_{k+1}[i] = (r_k[0] r_{k−1}[i+1] −
    // r_{k−1}[0] r_k[i+1]) / r_k[0].
    const W: usize = MAX_ORDER / 2 + 1;
    let mut prev = [0.0; W];
    let mut cur = [0.0; W];
    for (i, &c) in q[..=n].iter().enumerate() {
        if i % 2 == 0 {
            prev[i / 2] = c;
        } else {
            cur[i / 2] = c;
        }
    }
    if prev[0] == 0.0 {
        return None;
    }
    let mut changes = 0;
    let mut sign = prev[0] > 0.0;
    for row in 1..=n {
        let lead = cur[0];
        if lead == 0.0 {
            return None;
        }
        if (lead > 0.0) != sign {
            changes += 1;
            sign = lead > 0.0;
        }
        if row == n {
            break;
        }
        let mut next = [0.0; W];
        for i in 0..W - 1 {
            let (x, y) = (lead * prev[i + 1], prev[0] * cur[i + 1]);
            next[i] = (x - y) / lead;
            if i == 0 && (x - y).abs() <= PIVOT_TOLERANCE * (x.abs() + y.abs()) && x != y {
                return None;
            }
        }
        prev = cur;
        cur = next;
    }
    Some(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::currents::eigenvalues;
    use lowrank_model::cb2025::effective_interaction;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn characteristic_polynomial_vanishes_at_the_eigenvalues() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let normal = Normal::new(0.0, 1.3).unwrap();
        for _ in 0..200 {
            let t: Vec<f64> = (0..8).map(|_| normal.sample(&mut rng)).collect();
            let th = effective_interaction(2, &t).unwrap();
            let mut a = [[0.0; MAX_ORDER]; MAX_ORDER];
            for i in 0..4 {
                for j in 0..4 {
                    a[i][j] = th[(i, j)];
                }
            }
            let p = characteristic_polynomial(&a, 4);
            for [re, im] in eigenvalues(&th).unwrap() {
                // p(λ) by Horner in complex arithmetic, relative to Σ|p_k||λ|^{4−k}.
                let (mut x, mut y, mut scale) = (0.0, 0.0, 0.0);
                let modulus = re.hypot(im);
                for &c in &p {
                    (x, y) = (x * re - y * im + c, x * im + y * re);
                    scale = scale * modulus + c.abs();
                }
                assert!(
                    x.hypot(y) <= 1e-12 * scale,
                    "p(λ) = {x}+{y}i, scale {scale}"
                );
            }
        }
    }

    #[test]
    fn routh_count_matches_known_roots() {
        // (z − 1)(z + 2)(z² − 2z + 5): roots 1, −2, 1 ± 2i.
        let p = [1.0, -1.0, 1.0, 9.0, -10.0];
        assert_eq!(roots_right_of(&p, 0.0), Some(3));
        assert_eq!(roots_right_of(&p, 1.5), Some(0));
        assert_eq!(roots_right_of(&p, -3.0), Some(4));
        assert_eq!(roots_right_of(&p, -1.0), Some(3));
        // a root on the line is never counted with confidence
        assert_eq!(roots_right_of(&p, 1.0), None);
    }

    /// The test never skips a draw the eigenvalue test would accept: over draws whose abscissa
    /// is placed at, just inside and just outside the band edges, and over plain draws.
    #[test]
    fn never_skips_an_acceptable_draw() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let normal = Normal::new(0.0, 1.2).unwrap();
        let (mut skipped, mut total) = (0, 0);
        for _ in 0..20_000 {
            let t: Vec<f64> = (0..8).map(|_| normal.sample(&mut rng)).collect();
            let lead = eigenvalues(&effective_interaction(2, &t).unwrap()).unwrap()[0][0];
            for (lo, hi, inside) in [
                (lead - 0.01, lead + 0.01, true),
                (lead, lead + 0.02, true),
                (lead - 0.02, lead, true),
                (lead - 0.02, lead - 1e-3, false),
                (lead + 1e-3, lead + 0.02, false),
                (1.0, 1.0375, (1.0..=1.0375).contains(&lead)),
            ] {
                total += 1;
                let out = abscissa_outside(2, &t, lo, hi);
                assert!(
                    !(out && inside),
                    "skipped a draw with abscissa {lead} in [{lo}, {hi}]"
                );
                skipped += usize::from(out);
            }
        }
        // it must also do its job: the bands placed 10⁻³ outside are skipped
        assert!(
            skipped as f64 > 0.4 * total as f64,
            "{skipped} of {total} skipped"
        );
    }

    #[test]
    fn larger_or_invalid_tensors_are_left_to_the_eigenvalues() {
        assert!(!abscissa_outside(3, &[10.0; 27], -1.0, 1.0));
        assert!(!abscissa_outside(2, &[f64::NAN; 8], -1.0, 1.0));
        assert!(!abscissa_outside(2, &[1.0; 7], -1.0, 1.0));
        // R = 1: T̂ = (T⁰⁰⁰)
        assert!(abscissa_outside(1, &[2.0], -1.0, 1.0));
        assert!(!abscissa_outside(1, &[0.5], -1.0, 1.0));
    }
}
