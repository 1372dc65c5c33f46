//! Resource budgets (docs/robustness.md): before a run, each command estimates the memory it
//! will allocate and the work it will do (elementary inner-loop operations) and refuses a run
//! beyond the limits with an error giving the estimate, the limit and how to run it anyway.
//!
//! Limits: `--max-memory` (default: the machine's available memory, `MemAvailable` of
//! /proc/meminfo, else 4 GiB) and `--max-work` (default [`DEFAULT_MAX_WORK`] ≈ an hour of one
//! core). Both are global options of `lowrank`.

use anyhow::bail;
use std::sync::OnceLock;

pub use lowrank::machine::DEFAULT_MAX_WORK;

/// The limits in force for this process.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes.
    pub memory: f64,
    /// Elementary operations.
    pub work: f64,
}

static LIMITS: OnceLock<Limits> = OnceLock::new();

/// Parse a byte size: a number with an optional suffix K, M, G, T (powers of 1024, optional
/// trailing `B`/`iB`), e.g. `512M`, `16G`, `1e9`.
pub fn parse_bytes(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    let stripped = upper
        .strip_suffix("IB")
        .or_else(|| upper.strip_suffix('B'))
        .unwrap_or(&upper);
    let (num, mult) = match stripped.chars().last() {
        Some('K') => (&stripped[..stripped.len() - 1], 1024f64),
        Some('M') => (&stripped[..stripped.len() - 1], 1024f64.powi(2)),
        Some('G') => (&stripped[..stripped.len() - 1], 1024f64.powi(3)),
        Some('T') => (&stripped[..stripped.len() - 1], 1024f64.powi(4)),
        _ => (stripped, 1.0),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 512M, 16G, 1e9)"))?;
    let bytes = v * mult;
    if !(bytes.is_finite() && bytes > 0.0) {
        return Err(format!("`{text}` must be a positive finite size"));
    }
    Ok(bytes)
}

/// Parse a positive finite work limit (a number, e.g. `1e14`).
pub fn parse_work(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number (e.g. 1e14)"))?;
    if !(v.is_finite() && v > 0.0) {
        return Err(format!("`{text}` must be positive and finite"));
    }
    Ok(v)
}

pub use lowrank::machine::available_memory;

/// Set the limits (from the global options); the first call wins.
pub fn init(memory: Option<f64>, work: Option<f64>) {
    let _ = LIMITS.set(Limits {
        memory: memory.unwrap_or_else(available_memory),
        work: work.unwrap_or(DEFAULT_MAX_WORK),
    });
}

/// The limits in force.
pub fn limits() -> Limits {
    *LIMITS.get_or_init(|| Limits {
        memory: available_memory(),
        work: DEFAULT_MAX_WORK,
    })
}

/// Human-readable byte count.
pub fn bytes(b: f64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = b;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if v >= 1e4 {
        format!("{b:.3e} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// Refuse a run whose memory estimate exceeds the limit. `what` describes the estimate (e.g.
/// "the dense N×N matrix J^rand"), `hint` how to run it anyway.
pub fn check_memory(what: &str, estimate: f64, hint: &str) -> anyhow::Result<()> {
    let limit = limits().memory;
    if estimate.is_nan() || estimate > limit {
        bail!(
            "{what} needs an estimated {} of memory, over the limit of {} (available memory or \
             --max-memory); {hint}, or raise the limit with --max-memory",
            bytes(estimate),
            bytes(limit)
        );
    }
    Ok(())
}

/// Refuse a run whose work estimate (elementary operations) exceeds the limit.
pub fn check_work(what: &str, estimate: f64, hint: &str) -> anyhow::Result<()> {
    let limit = limits().work;
    if estimate.is_nan() || estimate > limit {
        bail!(
            "{what} is an estimated {estimate:.3e} operations, over the work limit of \
             {limit:.3e} (--max-work); {hint}, or raise the limit with --max-work"
        );
    }
    Ok(())
}

/// A count for messages: plain up to 10⁹, scientific beyond.
pub fn count(x: f64) -> String {
    if x < 1e9 {
        format!("{x:.0}")
    } else {
        format!("{x:.3e}")
    }
}

/// Number of steps ⌈span/dt⌉ as f64 (no overflow: the caller checks before converting).
pub fn steps(span: f64, dt: f64) -> f64 {
    (span / dt).ceil()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_bytes("1024").unwrap(), 1024.0);
        assert_eq!(parse_bytes("2K").unwrap(), 2048.0);
        assert_eq!(parse_bytes("1GiB").unwrap(), 1024f64.powi(3));
        assert_eq!(parse_bytes("1.5M").unwrap(), 1.5 * 1024.0 * 1024.0);
        assert!(parse_bytes("-1G").is_err());
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("nan").is_err());
        assert!(parse_work("0").is_err());
        assert_eq!(parse_work("1e14").unwrap(), 1e14);
    }

    #[test]
    fn byte_display() {
        assert_eq!(bytes(512.0), "512.0 B");
        assert_eq!(bytes(8.0 * 1024f64.powi(4)), "8.0 TiB");
    }
}
