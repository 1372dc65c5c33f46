//! Run-time SIMD dispatch shared by the workspace's vectorised kernels.
//!
//! A kernel is written once as a plain `#[inline(always)]` function over slices; the
//! [`dispatch_simd!`](crate::dispatch_simd) macro compiles it three times (AVX-512F, AVX2 and the
//! baseline target) and calls the widest build the CPU supports. Kernels use plain `*` and `+`
//! (the compiler never fuses them), so every build gives the same bits; only the vector width
//! differs. Calling a `#[target_feature]` function is `unsafe`, and sound exactly when the
//! feature is present, which the macro checks just before each call. (The Mehler kernel,
//! [`crate::mehler`], has its own dispatch because it also enables FMA for its explicit
//! `mul_add`.)

/// Calls `$body(args…)` compiled for AVX-512F or AVX2 when the CPU has them (run-time
/// detection), else the baseline build, and **returns** from the enclosing function with its
/// result (so it is the last expression of that function).
///
/// The arguments are listed with their types, as in a signature, followed by `-> Type` when the
/// body returns a value; a generic body names its type parameters and one bound each:
/// `dispatch_simd!(body<T: Real>, (x: &mut [T]))`, `dispatch_simd!(sum, (x: &[f64]) -> f64)`.
///
/// # Examples
/// ```
/// use lowrank_gauss::dispatch_simd;
///
/// #[inline(always)]
/// fn scale_body(x: &mut [f64], a: f64) {
///     for v in x.iter_mut() {
///         *v *= a;
///     }
/// }
///
/// fn scale(x: &mut [f64], a: f64) {
///     dispatch_simd!(scale_body, (x: &mut [f64], a: f64))
/// }
///
/// let mut x = vec![1.0, 2.0, 3.0];
/// scale(&mut x, 0.5);
/// assert_eq!(x, [0.5, 1.0, 1.5]);
/// ```
#[macro_export]
macro_rules! dispatch_simd {
    ($body:ident $(<$($g:ident : $bound:path),+>)?, ($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)?) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx512f")]
            fn with_avx512 $(<$($g: $bound),+>)? ($($arg: $ty),*) $(-> $ret)? {
                $body($($arg),*)
            }
            #[target_feature(enable = "avx2")]
            fn with_avx2 $(<$($g: $bound),+>)? ($($arg: $ty),*) $(-> $ret)? {
                $body($($arg),*)
            }
            if ::std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (detected at run time just above).
                return unsafe { with_avx512($($arg),*) };
            }
            if ::std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (detected at run time just above).
                return unsafe { with_avx2($($arg),*) };
            }
        }
        $body($($arg),*)
    }};
}

#[cfg(test)]
mod tests {
    #[inline(always)]
    fn axpy_body<T: Copy + std::ops::Mul<Output = T> + std::ops::Add<Output = T>>(
        y: &mut [T],
        a: T,
        x: &[T],
    ) {
        for (yi, &xi) in y.iter_mut().zip(x) {
            *yi = *yi + a * xi;
        }
    }

    fn axpy_f64(y: &mut [f64], a: f64, x: &[f64]) {
        crate::dispatch_simd!(axpy_body, (y: &mut [f64], a: f64, x: &[f64]))
    }

    trait Num: Copy + std::ops::Mul<Output = Self> + std::ops::Add<Output = Self> {}
    impl Num for f32 {}

    fn axpy_generic<T: Num>(y: &mut [T], a: T, x: &[T]) {
        crate::dispatch_simd!(axpy_body<T: Num>, (y: &mut [T], a: T, x: &[T]))
    }

    #[inline(always)]
    fn dot_body(x: &[f64], y: &[f64]) -> f64 {
        let mut s = [0.0; 8];
        for (a, b) in x.chunks_exact(8).zip(y.chunks_exact(8)) {
            for l in 0..8 {
                s[l] += a[l] * b[l];
            }
        }
        s.iter().sum()
    }

    fn dot(x: &[f64], y: &[f64]) -> f64 {
        crate::dispatch_simd!(dot_body, (x: &[f64], y: &[f64]) -> f64)
    }

    /// Every build gives the bits of the baseline build (plain `*`/`+`, never fused).
    #[test]
    fn dispatched_builds_equal_the_baseline() {
        let x: Vec<f64> = (0..1003).map(|i| (i as f64 * 0.37).sin()).collect();
        let mut y: Vec<f64> = (0..1003).map(|i| (i as f64 * 0.11).cos()).collect();
        let mut want = y.clone();
        axpy_body(&mut want, 0.3, &x);
        axpy_f64(&mut y, 0.3, &x);
        assert_eq!(y, want);
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut yf = vec![1.0f32; 1003];
        let mut wantf = yf.clone();
        axpy_body(&mut wantf, 0.7, &xf);
        axpy_generic(&mut yf, 0.7, &xf);
        assert_eq!(yf, wantf);
        assert_eq!(dot(&x, &y).to_bits(), dot_body(&x, &y).to_bits());
    }
}
