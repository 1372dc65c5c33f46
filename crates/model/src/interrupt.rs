//! A cooperative stop request shared between a caller and a long computation (a simulation, a
//! two-time DMFT, a sweep): the caller (a Ctrl-C handler, a Python `KeyboardInterrupt`) raises it,
//! the computation checks it between steps and returns its `Interrupted` error instead of a result.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A shared stop flag. Clones share the flag; the default is a fresh, lowered flag.
///
/// Compares equal to every other `Interrupt` (it is a control channel, not part of the
/// configuration a result depends on), and is skipped by serialization.
///
/// # Examples
/// ```
/// use lowrank_model::Interrupt;
/// let stop = Interrupt::default();
/// let seen_by_worker = stop.clone();
/// assert!(!seen_by_worker.is_raised());
/// stop.raise();
/// assert!(seen_by_worker.is_raised());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Ask the computation to stop at its next check.
    pub fn raise(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether a stop was requested.
    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl PartialEq for Interrupt {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
