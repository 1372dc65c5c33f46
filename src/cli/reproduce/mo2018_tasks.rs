//! \[MO\] task panels (Figs. 2–5 and the ring): in progress.

use super::Panel;

/// The \[MO\] task panels.
pub fn panels() -> Vec<Panel> {
    Vec::new()
}
