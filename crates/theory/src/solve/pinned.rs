//! A system with its leading unknowns held fixed: the variance equations at given overlaps κ.
//!
//! The complete solution search (docs/theory.md, "Complete solution sets") reduces the mean-field
//! equations to the few structured unknowns κ: at each κ of a scan the variances (Δ, or Δ₀ and
//! Δ∞) solve the remaining rows. [`Pinned`] is that restriction of any [`System`], with the
//! Jacobian block of the free unknowns.

use super::System;
use crate::TheoryError;
use nalgebra::DMatrix;
use std::cell::RefCell;

/// `inner` with its first `fixed.len()` unknowns pinned to `fixed`; the unknowns and equations of
/// the restriction are the remaining ones (rows and columns `fixed.len()..`).
///
/// ```
/// use lowrank_theory::solve::{pinned::Pinned, solve, NewtonOptions, System};
/// use lowrank_theory::TheoryError;
/// struct Pair; // F(a, b) = (a − b, b − a²)
/// impl System for Pair {
///     fn dim(&self) -> usize { 2 }
///     fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
///         out[0] = x[0] - x[1];
///         out[1] = x[1] - x[0] * x[0];
///         Ok(())
///     }
/// }
/// // with a = 3 pinned, the second equation alone gives b = 9
/// let s = solve(Pinned::new(&Pair, vec![3.0]), &[1.0], &NewtonOptions::default())?;
/// assert!(s.convergence.converged && (s.x[0] - 9.0).abs() < 1e-10);
/// # Ok::<(), TheoryError>(())
/// ```
pub struct Pinned<'a, S: System> {
    inner: &'a S,
    fixed: Vec<f64>,
    full: RefCell<Vec<f64>>,
    out: RefCell<Vec<f64>>,
    jac: RefCell<DMatrix<f64>>,
}

impl<'a, S: System> Pinned<'a, S> {
    /// Pins the first `fixed.len()` unknowns of `inner`.
    pub fn new(inner: &'a S, fixed: Vec<f64>) -> Self {
        let n = inner.dim();
        Pinned {
            inner,
            fixed,
            full: RefCell::new(vec![0.0; n]),
            out: RefCell::new(vec![0.0; n]),
            jac: RefCell::new(DMatrix::zeros(n, n)),
        }
    }

    /// The full unknown vector (pinned ‖ free).
    pub fn full(&self, free: &[f64]) -> Vec<f64> {
        let mut x = self.fixed.clone();
        x.extend_from_slice(free);
        x
    }

    fn load(&self, free: &[f64]) {
        let k = self.fixed.len();
        let mut full = self.full.borrow_mut();
        full[..k].copy_from_slice(&self.fixed);
        full[k..].copy_from_slice(free);
    }
}

impl<S: System> System for Pinned<'_, S> {
    fn dim(&self) -> usize {
        self.inner.dim() - self.fixed.len()
    }
    fn residual(&self, x: &[f64], out: &mut [f64]) -> Result<(), TheoryError> {
        self.load(x);
        let k = self.fixed.len();
        let mut full_out = self.out.borrow_mut();
        self.inner.residual(&self.full.borrow(), &mut full_out)?;
        out.copy_from_slice(&full_out[k..]);
        Ok(())
    }
    fn jacobian(&self, x: &[f64], jac: &mut DMatrix<f64>) -> Result<bool, TheoryError> {
        self.load(x);
        let k = self.fixed.len();
        let mut j = self.jac.borrow_mut();
        if !self.inner.jacobian(&self.full.borrow(), &mut j)? {
            return Ok(false);
        }
        let n = self.dim();
        jac.copy_from(&j.view((k, k), (n, n)));
        Ok(true)
    }
    fn admissible(&self, x: &[f64]) -> bool {
        self.load(x);
        self.inner.admissible(&self.full.borrow())
    }
}
