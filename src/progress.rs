//! Progress of a long computation made of items (grid points, cells, draws), shared between the
//! worker that advances it and a watcher that shows it or asks it to stop (a progress bar, the
//! Python package's Ctrl-C handling).

use crate::model::Interrupt;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Items done out of a total, plus the stop request the worker checks between items.
///
/// # Examples
/// ```
/// use lowrank::progress::Progress;
/// let p = Progress::default();
/// p.set_total(10);
/// p.advance(3);
/// assert_eq!((p.done(), p.total()), (3, 10));
/// assert!(!p.interrupt().is_raised());
/// ```
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicUsize,
    total: AtomicUsize,
    interrupt: Interrupt,
}

impl Progress {
    /// Progress whose stop request is `interrupt` (shared with the caller).
    pub fn with_interrupt(interrupt: Interrupt) -> Progress {
        Progress {
            interrupt,
            ..Default::default()
        }
    }

    /// Set the number of items.
    pub fn set_total(&self, total: usize) {
        self.total.store(total, Ordering::Relaxed);
    }

    /// Count `items` more as done.
    pub fn advance(&self, items: usize) {
        self.done.fetch_add(items, Ordering::Relaxed);
    }

    /// Items done so far.
    pub fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }

    /// Number of items (0 until the worker knows it).
    pub fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    /// The stop request.
    pub fn interrupt(&self) -> &Interrupt {
        &self.interrupt
    }
}
