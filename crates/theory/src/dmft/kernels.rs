//! The source kernels of the Γ sweep: per pair ([`Kernel`]), the structured cross term as
//! fused streams, the zero-mean erf column and the Γ recursion (vectorised, bit-identical on
//! every instruction set).

use super::*;

/// Low-rank factorisation of the structured cross term: 𝒜_p(w, w′) = Σ_r λ_r (v_r·w)(v_r·w′),
/// w = (κ, u), from the eigen-decomposition of the quadratic form built with
/// [`MeanField::structured_cross`].
pub(super) struct StructuredFactor {
    /// Per population: eigenvectors (rows of length K + A) and eigenvalues kept.
    pub(super) vecs: Vec<Vec<Vec<f64>>>,
    pub(super) vals: Vec<Vec<f64>>,
}

impl StructuredFactor {
    pub(super) fn new(mf: &MeanField) -> StructuredFactor {
        let (k, a) = (mf.k, mf.a);
        let n = k + a;
        let mut vecs = Vec::with_capacity(mf.p);
        let mut vals = Vec::with_capacity(mf.p);
        let unit = |i: usize| -> (Vec<f64>, Vec<f64>) {
            let mut s = vec![0.0; k];
            let mut v = vec![0.0; a];
            if i < k {
                s[i] = 1.0;
            } else {
                v[i - k] = 1.0;
            }
            (s, v)
        };
        for p in 0..mf.p {
            let mut q = DMatrix::zeros(n, n);
            for i in 0..n {
                let (s1, v1) = unit(i);
                for j in 0..n {
                    let (s2, v2) = unit(j);
                    q[(i, j)] = mf.structured_cross(p, &s1, &v1, &s2, &v2);
                }
            }
            let q = 0.5 * (&q + q.transpose());
            let (mut pv, mut pl) = (Vec::new(), Vec::new());
            if n > 0 {
                let eig = SymmetricEigen::new(q);
                let top = eig.eigenvalues.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                for r in 0..n {
                    let l = eig.eigenvalues[r];
                    if l.abs() > 1e-12 * top && l.abs() > 1e-300 {
                        pv.push(eig.eigenvectors.column(r).iter().copied().collect());
                        pl.push(l);
                    }
                }
            }
            vecs.push(pv);
            vals.push(pl);
        }
        StructuredFactor { vecs, vals }
    }

    pub(super) fn rank(&self, p: usize) -> usize {
        self.vals[p].len()
    }
}

/// Source kernel C_φ(x₁, x₂) for the Γ sweep.
#[derive(Clone, Copy)]
pub(super) enum Kernel {
    /// `Gauss::c_phi` per pair: the nonlinearity's O(1) closed form where
    /// [`Phi::closed_form_source`], else accuracy-controlled quadrature (the tests' reference).
    Closed(Gauss, Phi),
    /// Bivariate Gauss–Hermite tensor rule.
    Quadrature(Gauss, Phi),
    /// The Mehler expansion ([`mehler_source`]); per element (unused by the column path) the
    /// accuracy-controlled `Gauss::c_phi`.
    Mehler(Gauss, Phi),
}

impl Kernel {
    #[inline(always)]
    pub(super) fn eval(
        &self,
        mu1: f64,
        mu2: f64,
        d11: f64,
        d22: f64,
        d12: f64,
    ) -> Result<f64, TheoryError> {
        // In transients the provisional diagonal lags by O(dt), so the scheme can overshoot the
        // Cauchy–Schwarz bound |Δ12| ≤ √(Δ11Δ22) by O(dt); every kernel evaluates the source on the
        // bound (continuous there), so closed forms and quadrature see the same arguments.
        let lim = (d11 * d22).sqrt();
        let d12 = d12.clamp(-lim, lim);
        match *self {
            Kernel::Closed(g, phi) | Kernel::Mehler(g, phi) => {
                Ok(g.c_phi(phi, mu1, mu2, d11, d22, d12)?)
            }
            Kernel::Quadrature(g, phi) => {
                Ok(g.bivariate(|x| phi.phi(x), |x| phi.phi(x), mu1, mu2, d11, d22, d12)?)
            }
        }
    }
}

/// Zero-mean erf source on one column (docs/theory §1.10, §3.11), in time order: for
/// k = 0..n, `c[k] = C_φ(0, 0; Δ_ii, Δ_jj, Δ_ij)` at i = j − n + 1 + k, with Δ_ij =
/// `dc[n − 1 − k]` (`dc` is lag-ordered), with `clamp` clamped to ±√(Δ_ii Δ_jj) as in
/// [`Kernel::eval`]; `q[k]`/`sd[k]` hold Δ_ii + 2/π and √Δ_ii, `qj`/`sdj` the same at t_j.
/// Branch-free per element (vectorises); it differs from `lowrank_gauss::erf::c_phi` only by the
/// ≤ 3ε arctan error and the rounding of the clamp bound √Δ_ii·√Δ_jj (vs √(Δ_ii Δ_jj)).
pub(super) fn erf_zero_mean_column(
    c: &mut [f64],
    dc: &[f64],
    q: &[f64],
    sd: &[f64],
    qj: f64,
    sdj: f64,
    clamp: bool,
) {
    #[inline(always)]
    pub(super) fn body(c: &mut [f64], dc: &[f64], q: &[f64], sd: &[f64], qj: f64, sdj: f64) {
        for ((cl, &d), (&qi, &si)) in c.iter_mut().zip(dc.iter().rev()).zip(q.iter().zip(sd)) {
            let lim = si * sdj;
            let d = if d > lim {
                lim
            } else if d < -lim {
                -lim
            } else {
                d
            };
            *cl = lowrank_gauss::erf::c_phi_zero_mean_q(qi * qj, d);
        }
    }
    #[inline(always)]
    pub(super) fn raw(c: &mut [f64], dc: &[f64], q: &[f64], qj: f64) {
        for ((cl, &d), &qi) in c.iter_mut().zip(dc.iter().rev()).zip(q) {
            *cl = lowrank_gauss::erf::c_phi_zero_mean_q(qi * qj, d);
        }
    }
    if clamp {
        dispatch_simd!(body, (c: &mut [f64], dc: &[f64], q: &[f64], sd: &[f64], qj: f64, sdj: f64))
    } else {
        dispatch_simd!(raw, (c: &mut [f64], dc: &[f64], q: &[f64], qj: f64))
    }
}

/// Adds the structured cross term 𝒜_p(t_i, t_j) = Σ_r λ_r y_r(t_i) y_r(t_j) (docs/theory §1.8) to a
/// time-ordered source column: `src[k] += Σ_r yl[r·nt + ilo + k] · yj[r]`, the ranks in order,
/// four per pass over `src`.
pub(super) fn add_structured(src: &mut [f64], yl: &[f64], nt: usize, ilo: usize, yj: &[f64]) {
    #[inline(always)]
    pub(super) fn body(src: &mut [f64], yl: &[f64], nt: usize, ilo: usize, yj: &[f64]) {
        let n = src.len();
        let row = |r: usize| &yl[r * nt + ilo..r * nt + ilo + n];
        let mut r = 0;
        while r < yj.len() {
            match yj.len() - r {
                1 => {
                    let (y0, c0) = (row(r), yj[r]);
                    for (s, &a0) in src.iter_mut().zip(y0) {
                        *s += a0 * c0;
                    }
                    r += 1;
                }
                2 => {
                    let (y0, y1, c0, c1) = (row(r), row(r + 1), yj[r], yj[r + 1]);
                    for ((s, &a0), &a1) in src.iter_mut().zip(y0).zip(y1) {
                        *s = *s + a0 * c0 + a1 * c1;
                    }
                    r += 2;
                }
                3 => {
                    let (y0, y1, y2) = (row(r), row(r + 1), row(r + 2));
                    let (c0, c1, c2) = (yj[r], yj[r + 1], yj[r + 2]);
                    for (((s, &a0), &a1), &a2) in src.iter_mut().zip(y0).zip(y1).zip(y2) {
                        *s = *s + a0 * c0 + a1 * c1 + a2 * c2;
                    }
                    r += 3;
                }
                _ => {
                    let (y0, y1, y2, y3) = (row(r), row(r + 1), row(r + 2), row(r + 3));
                    let (c0, c1, c2, c3) = (yj[r], yj[r + 1], yj[r + 2], yj[r + 3]);
                    for ((((s, &a0), &a1), &a2), &a3) in
                        src.iter_mut().zip(y0).zip(y1).zip(y2).zip(y3)
                    {
                        *s = *s + a0 * c0 + a1 * c1 + a2 * c2 + a3 * c3;
                    }
                    r += 4;
                }
            }
        }
    }
    dispatch_simd!(body, (src: &mut [f64], yl: &[f64], nt: usize, ilo: usize, yj: &[f64]))
}

/// Γ recursion along one column (docs/theory §3.11): g_k = (1 − dt)·g_{k−1} + dt·s_k for
/// k = 0..n in time order (i = j − n + 1 + k) with g_{−1} = `start`, stored lag-ordered:
/// `out[n − 1 − k] = g_k` (n = `s.len()`; `s` is overwritten).
///
/// After the first 16 serial steps it runs as 16 interleaved chains (held in registers),
/// g_k = a¹⁶ g_{k−16} + dt w_k with the window sums w_k = Σ_{m<16} aᵐ s_{k−m} (a = 1 − dt) built
/// by doubling (w₂ = s_k + a s_{k−1}, w₄ = w₂(k) + a² w₂(k−2), …): the same recursion regrouped
/// (round-off level differences), every pass a vectorisable stream instead of one serial chain.
pub(super) fn gamma_sweep(s: &mut [f64], out: &mut [f64], start: f64, a: f64, dt: f64) {
    #[inline(always)]
    pub(super) fn body(s: &mut [f64], out: &mut [f64], start: f64, a: f64, dt: f64) {
        const L: usize = 16;
        let n = s.len();
        let out = &mut out[..n];
        let mut c = [0.0f64; L];
        let mut g = start;
        for k in 0..n.min(L) {
            g = a * g + dt * s[k];
            c[k] = g;
            out[n - 1 - k] = g;
        }
        if n <= L {
            return;
        }
        let head = c;
        // window sums by doubling, ping-pong between `out` (as scratch) and `s`
        let mut ap = a;
        for (w, from_s) in [(1usize, true), (2, false), (4, true), (8, false)] {
            let (src, dst): (&[f64], &mut [f64]) = if from_s {
                (&*s, &mut *out)
            } else {
                (&*out, &mut *s)
            };
            // dst[k] = src[k] + aʷ src[k − w] for 2w − 1 ≤ k < n (where the 2w-window is
            // complete; n > 16 ≥ 2w − 1)
            let lo = 2 * w - 1;
            let (srcl, srcr) = (&src[lo - w..n - w], &src[lo..n]);
            for ((d, &x), &xm) in dst[lo..n].iter_mut().zip(srcr).zip(srcl) {
                *d = x + ap * xm;
            }
            ap *= ap;
        }
        // now s[k] = w₁₆(k) for k ≥ 15 and ap = a¹⁶
        let mut k = L;
        while k + L <= n {
            for (cm, &w) in c.iter_mut().zip(&s[k..k + L]) {
                *cm = ap * *cm + dt * w;
            }
            for (o, &cm) in out[n - k - L..n - k].iter_mut().rev().zip(&c) {
                *o = cm;
            }
            k += L;
        }
        for (m, kk) in (k..n).enumerate() {
            c[m] = ap * c[m] + dt * s[kk];
            out[n - 1 - kk] = c[m];
        }
        for (o, &h) in out[n - L..].iter_mut().rev().zip(&head) {
            *o = h;
        }
    }
    dispatch_simd!(body, (s: &mut [f64], out: &mut [f64], start: f64, a: f64, dt: f64))
}
