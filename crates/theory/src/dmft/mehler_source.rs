//! The Mehler source of the two-time DMFT for a φ without an O(1) closed form (docs/theory §1.8,
//! §1.10 (3); `lowrank_gauss::mehler`).
//!
//! C_φ(t_i, t_j) = Σ_k a_k(i) b_k(j) ρ_ij^k with the Hermite coefficients a_k(i) of φ at
//! (μ(t_i), Δ(t_i, t_i)) and ρ_ij = Δ(t_i, t_j)/√(Δ(t_i, t_i)Δ(t_j, t_j)). Each time point's
//! coefficients are computed once (up to `lowrank_gauss::mehler::default_order(φ)`: 1024 for a
//! smooth φ, 256 with kinks; or up to the order at which their remainder is below
//! TOLERANCE/8) and kept in a ring of the last `width` times, stored by k
//! (structure of arrays) so that a column of pairs is a vectorised Horner recurrence
//! acc_i ← acc_i·ρ_i + a_k(i)·b_k(j).
//!
//! **Error control.** A pair truncated at order L (a multiple of 16, L ≤ the orders of both sets)
//! is accepted when |ρ|^{L+1}√(R_i(L)R_j(L)) plus the rounding allowance is at most
//! [`TOLERANCE`]·√(⟨φ²⟩_i⟨φ²⟩_j), R(L) the Parseval remainders; per time point and level the
//! factor e = (R(L)/⟨φ²⟩)^{−1/(2(L+1))} is stored, so the test is |ρ| < T_L e_i e_j. Each pair
//! gets the smallest passing level; blocks of [`BLOCK`] consecutive pairs run Horner at the
//! largest level of the block (a longer sum only lowers the bound). Pairs that pass at no level
//! (|ρ| close to 1 with slowly decaying coefficients: large variance in units of φ's analytic
//! strip, or a kinked φ) use the accuracy-controlled [`Gauss::c_phi`] instead, and are counted.
//! The equal-time pair (i = j, the provisional set on both sides, ρ = 1) is ⟨φ²⟩.
//!
//! A variance so large that a set cannot be resolved (`lowrank_gauss::mehler::MAX_NODES`:
//! Δ ≳ 1.5·10³·d², d φ's analytic strip, tanh Δ ≳ 4·10³, where the accuracy-controlled fallback
//! would cost ≳ 10⁶ evaluations per pair) is an error rather than a run of unbounded cost
//! (a variance growing without bound means the run has diverged); `SourceMethod::Quadrature`
//! remains available as a fixed-cost (inaccurate at such variances) tensor rule.

use crate::convergence::{Convergence, Termination};
use crate::TheoryError;
use lowrank_gauss::dispatch_simd;
use lowrank_gauss::mehler::{
    allowance, coefficients_to_remainder, default_order, rho_scale, MAX_NODES, STOP_STRIDE,
};
use lowrank_gauss::{Gauss, Phi};

/// Accepted pairs have bound ≤ TOLERANCE·√(⟨φ²⟩_i⟨φ²⟩_j) (the Cauchy–Schwarz bound of |C_φ|).
pub const TOLERANCE: f64 = lowrank_gauss::mehler::DEFAULT_TOLERANCE;

/// The recurrence of a set stops at the first multiple of 16 where R/⟨φ²⟩ ≤ this (two such sets
/// pass at ρ = 1 with an 8-fold margin).
const STOP_REMAINDER: f64 = TOLERANCE / 8.0;

/// Pairs per Horner block.
pub(super) const BLOCK: usize = 16;

/// "No level passes": the pair falls back to quadrature.
const NONE: u8 = u8::MAX;

/// Storage (in f64-sized values) per time point and population for φ: coefficients up to the
/// order K = `default_order(φ)`, K/16 acceptance factors, ⟨φ²⟩, 1/√Δ and the parity flag.
pub fn values_per_time(phi: Phi) -> usize {
    let k = default_order(phi);
    k + 1 + k / STOP_STRIDE + 3
}

/// One coefficient set as the column kernel reads it.
#[derive(Clone, Copy, Debug, Default)]
struct SetInfo {
    phi2: f64,
    inv_sd: f64,
    odd: bool,
    /// The order computed (the coefficients beyond are 0).
    order: usize,
}

/// Per-population state: the ring of final sets and the provisional set of the current column.
struct Population {
    /// coef[k·width + s]: coefficient k of the set in ring slot s.
    coef: Vec<f64>,
    /// accept[ℓ·width + s]: acceptance factor at level ℓ (order 16(ℓ + 1)).
    accept: Vec<f64>,
    info: Vec<SetInfo>,
    /// The provisional set at t_j: coefficients, factors, info.
    bj: Vec<f64>,
    accj: Vec<f64>,
    infoj: SetInfo,
}

/// The Mehler source of all populations (allocated once, before the time loop).
pub(super) struct MehlerSource {
    phi: Phi,
    fallback: Gauss,
    width: usize,
    /// T_ℓ of the acceptance test, and T_ℓ·e_j of the current column.
    scale: Vec<f64>,
    tj: Vec<f64>,
    /// Acceptance factors of one set (work space).
    acc: Vec<f64>,
    pops: Vec<Option<Population>>,
    /// Column work space: ρ_i and the level of each pair.
    rho: Vec<f64>,
    need: Vec<u8>,
    /// Coefficient work space (one set).
    tmp: Vec<f64>,
    /// Pairs evaluated off the diagonal, and how many of them fell back to quadrature.
    pub(super) pairs: usize,
    pub(super) fallbacks: usize,
}

impl MehlerSource {
    /// State for the populations flagged in `needed`, a ring of `width` time points and columns
    /// of up to `lagw` pairs; `fallback` integrates the pairs outside tolerance.
    pub(super) fn new(
        phi: Phi,
        fallback: Gauss,
        needed: &[bool],
        width: usize,
        lagw: usize,
    ) -> MehlerSource {
        let order = default_order(phi);
        let levels = order / STOP_STRIDE;
        // the test at level ℓ must also cover the larger rounding allowance of a longer sum
        let tol = TOLERANCE - allowance(order);
        let scale = (0..levels)
            .map(|l| rho_scale(STOP_STRIDE * (l + 1), tol))
            .collect();
        let pops = needed
            .iter()
            .map(|&need| {
                need.then(|| Population {
                    coef: vec![0.0; (order + 1) * width],
                    accept: vec![0.0; levels * width],
                    info: vec![SetInfo::default(); width],
                    bj: vec![0.0; order + 1],
                    accj: vec![0.0; levels],
                    infoj: SetInfo::default(),
                })
            })
            .collect();
        MehlerSource {
            phi,
            fallback,
            width,
            scale,
            tj: vec![0.0; levels],
            acc: vec![0.0; levels],
            pops,
            rho: vec![0.0; lagw],
            need: vec![NONE; lagw],
            tmp: vec![0.0; order + 1],
            pairs: 0,
            fallbacks: 0,
        }
    }

    /// Computes the set of (μ, Δ) at grid index `j` into `coef` (length K + 1) and the
    /// acceptance factors (one per level); returns its info, or an error for an unresolved set.
    fn compute(
        phi: Phi,
        j: usize,
        mu: f64,
        delta: f64,
        coef: &mut [f64],
        accept: &mut [f64],
    ) -> Result<SetInfo, TheoryError> {
        // a set whose remainder is below TOLERANCE/8 passes even at ρ = 1 against a like one
        let tail = coefficients_to_remainder(phi, mu, delta, coef, STOP_REMAINDER)?;
        if !tail.is_resolved() {
            return Err(TheoryError::NotConverged {
                convergence: Convergence::stopped(delta, j, Termination::InterpolationLimit),
                what: format!(
                    "the variance Δ = {delta:e} is beyond the range of the accurate source for \
                     {phi} (its Hermite coefficients would need more than {MAX_NODES} nodes; has \
                     the run diverged?); SourceMethod::Quadrature (`--quadrature N`) is a \
                     fixed-cost tensor rule"
                ),
            });
        }
        // R(L) = R(K) + Σ_{L<k≤K} b_k², from the top level down
        let mut r = tail.remainder;
        let mut k = tail.order;
        for l in (0..accept.len()).rev() {
            let level = STOP_STRIDE * (l + 1);
            if level > tail.order {
                accept[l] = 0.0;
                continue;
            }
            while k > level {
                r += coef[k] * coef[k];
                k -= 1;
            }
            let t = lowrank_gauss::MehlerTail {
                remainder: r,
                ..tail
            };
            accept[l] = t.acceptance_factor(level);
        }
        let sd = delta.max(0.0).sqrt();
        Ok(SetInfo {
            phi2: tail.phi2,
            inv_sd: if sd > 0.0 { 1.0 / sd } else { 0.0 },
            odd: tail.odd,
            order: tail.order,
        })
    }

    /// The final set of population q at time index `i` (stored in ring slot i mod width).
    pub(super) fn store_final(
        &mut self,
        q: usize,
        i: usize,
        mu: f64,
        delta: f64,
    ) -> Result<(), TheoryError> {
        let (phi, width) = (self.phi, self.width);
        let Some(pop) = self.pops[q].as_mut() else {
            return Ok(());
        };
        let s = i % width;
        let info = Self::compute(phi, i, mu, delta, &mut self.tmp, &mut self.acc)?;
        // the coefficients up to the set's order, and zeros over what the slot's previous set
        // left beyond it (one cache line per k: the ring is stored by k)
        let top = info.order.max(pop.info[s].order);
        for (k, &b) in self.tmp[..=top].iter().enumerate() {
            pop.coef[k * width + s] = b;
        }
        for (l, &a) in self.acc.iter().enumerate() {
            pop.accept[l * width + s] = a;
        }
        pop.info[s] = info;
        Ok(())
    }

    /// The provisional set of population q for column `j` (μ(t_j), provisional Δ_jj).
    pub(super) fn store_provisional(
        &mut self,
        q: usize,
        j: usize,
        mu: f64,
        delta: f64,
    ) -> Result<(), TheoryError> {
        let phi = self.phi;
        let Some(pop) = self.pops[q].as_mut() else {
            return Ok(());
        };
        pop.infoj = Self::compute(phi, j, mu, delta, &mut pop.bj, &mut pop.accj)?;
        Ok(())
    }

    /// Source column of population q in time order: `c[k]` = C_φ(t_i, t_j), i = `ilo` + k,
    /// k < n = `c.len()`, i = j last; `dc` lag-ordered (Δ_{j−l, j} at l). The sets at t_i < t_j
    /// are the final ones (μ = `means`[i·np + q], Δ = `diag`[i·np + q], which the fallback uses
    /// too), at t_j the provisional one (μ = `muq`, Δ = `djj`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn column(
        &mut self,
        q: usize,
        c: &mut [f64],
        dc: &[f64],
        ilo: usize,
        means: &[f64],
        diag: &[f64],
        np: usize,
        muq: f64,
        djj: f64,
    ) -> Result<(), TheoryError> {
        let (phi, width, fallback) = (self.phi, self.width, self.fallback);
        let Some(pop) = self.pops[q].as_ref() else {
            return Ok(());
        };
        let n = c.len();
        let m = n - 1;
        c[m] = pop.infoj.phi2;
        if m == 0 {
            return Ok(());
        }
        let (rho, need) = (&mut self.rho[..m], &mut self.need[..m]);
        let jinfo = pop.infoj;
        // T_ℓ·e_j per level
        let tj = &mut self.tj;
        for (t, (&sc, &e)) in tj.iter_mut().zip(self.scale.iter().zip(&pop.accj)) {
            *t = sc * e;
        }
        // blocks of consecutive pairs that do not cross the ring's wrap: ρ, the smallest
        // passing level of each pair, then Horner at the largest level of the block
        let first = ilo % width;
        let mut k0 = 0;
        while k0 < m {
            let s0 = (first + k0) % width;
            let k1 = (k0 + BLOCK).min(m).min(k0 + width - s0);
            let nb = k1 - k0;
            let (rb, nd) = (&mut rho[k0..k1], &mut need[k0..k1]);
            for (l, (r, info)) in rb.iter_mut().zip(&pop.info[s0..s0 + nb]).enumerate() {
                *r = (dc[m - k0 - l] * info.inv_sd * jinfo.inv_sd).clamp(-1.0, 1.0);
            }
            nd.fill(NONE);
            let mut top = None;
            let mut left = nb;
            for (lev, &t) in tj.iter().enumerate() {
                let acc = &pop.accept[lev * width + s0..lev * width + s0 + nb];
                for ((n, &r), &e) in nd.iter_mut().zip(rb.iter()).zip(acc) {
                    if *n == NONE && r.abs() < t * e {
                        *n = lev as u8;
                        left -= 1;
                        top = Some(lev);
                    }
                }
                if left == 0 {
                    break;
                }
            }
            if let Some(top) = top {
                let len = STOP_STRIDE * (top + 1);
                // the even terms vanish when either side's even coefficients are 0
                let odd = jinfo.odd || pop.info[s0..s0 + nb].iter().all(|x| x.odd);
                horner_block(&mut c[k0..k1], rb, &pop.coef, width, s0, &pop.bj, len, odd);
            }
            k0 = k1;
        }
        self.pairs += m;
        for k in 0..m {
            if need[k] == NONE {
                let i = ilo + k;
                let (d11, d22) = (diag[i * np + q], djj);
                let lim = (d11 * d22).sqrt();
                let d12 = dc[m - k].clamp(-lim, lim);
                c[k] = fallback.c_phi(phi, means[i * np + q], muq, d11, d22, d12)?;
                self.fallbacks += 1;
            }
        }
        Ok(())
    }
}

/// One block of pairs: `out[l]` = Σ_{k≤len} coef[k·width + s0 + l]·bj[k]·rho[l]^k by Horner's
/// rule (when the even coefficients beyond b₀ of either side are 0, `odd`: a₀b₀ + ρ·Σ over odd
/// k in powers of ρ²). A full block keeps its [`BLOCK`] lanes in registers; plain `*`/`+`
/// (bit-identical in every build of `dispatch_simd`).
#[allow(clippy::too_many_arguments)]
fn horner_block(
    out: &mut [f64],
    rho: &[f64],
    coef: &[f64],
    width: usize,
    s0: usize,
    bj: &[f64],
    len: usize,
    odd: bool,
) {
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn lanes<const N: usize>(
        out: &mut [f64],
        rho: &[f64],
        coef: &[f64],
        width: usize,
        s0: usize,
        bj: &[f64],
        len: usize,
        odd: bool,
    ) {
        // exactly N pairs
        let mut r = [0.0f64; N];
        r.copy_from_slice(&rho[..N]);
        let mut acc = [0.0f64; N];
        if odd {
            let mut r2 = [0.0f64; N];
            for l in 0..N {
                r2[l] = r[l] * r[l];
            }
            let mut k = if len % 2 == 1 { len } else { len - 1 };
            loop {
                let (a, b) = (&coef[k * width + s0..k * width + s0 + N], bj[k]);
                for l in 0..N {
                    acc[l] = acc[l] * r2[l] + a[l] * b;
                }
                if k == 1 {
                    break;
                }
                k -= 2;
            }
            let (a, b) = (&coef[s0..s0 + N], bj[0]);
            for l in 0..N {
                out[l] = a[l] * b + r[l] * acc[l];
            }
        } else {
            for k in (0..=len).rev() {
                let (a, b) = (&coef[k * width + s0..k * width + s0 + N], bj[k]);
                for l in 0..N {
                    acc[l] = acc[l] * r[l] + a[l] * b;
                }
            }
            out[..N].copy_from_slice(&acc);
        }
    }
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn body(
        out: &mut [f64],
        rho: &[f64],
        coef: &[f64],
        width: usize,
        s0: usize,
        bj: &[f64],
        len: usize,
        odd: bool,
    ) {
        if out.len() == BLOCK {
            lanes::<BLOCK>(out, rho, coef, width, s0, bj, len, odd)
        } else {
            for l in 0..out.len() {
                lanes::<1>(
                    &mut out[l..l + 1],
                    &rho[l..l + 1],
                    coef,
                    width,
                    s0 + l,
                    bj,
                    len,
                    odd,
                );
            }
        }
    }
    dispatch_simd!(body, (out: &mut [f64], rho: &[f64], coef: &[f64], width: usize, s0: usize, bj: &[f64], len: usize, odd: bool))
}
