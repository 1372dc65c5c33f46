//! What the machine offers, for the resource budgets of the command line and the Python package.

/// Default work limit (elementary operations; ≈ 1 hour of one core at a few GFLOP/s).
pub const DEFAULT_MAX_WORK: f64 = 1e13;

/// Available memory of the machine (bytes): `MemAvailable` of /proc/meminfo, else 4 GiB.
///
/// ```
/// assert!(lowrank::machine::available_memory() > 0.0);
/// ```
pub fn available_memory() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb * 1024.0)
        .unwrap_or(4.0 * 1024f64.powi(3))
}
