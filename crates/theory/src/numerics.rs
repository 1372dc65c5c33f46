//! General numerical tools shared by the physics modules (grids so far; the bounded eigen
//! decomposition lives in `currents::eigenvalues` and `stability::try_eigenvalues`).

/// Evenly spaced grid of `count` points from `start` to `stop` (inclusive): x_i = start +
/// (stop − start)·i/(count − 1); one point is `start`, zero points an empty grid.
///
/// ```
/// use lowrank_theory::numerics::linspace;
/// assert_eq!(linspace(0.0, 1.0, 5), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
/// assert_eq!(linspace(2.0, 3.0, 1), vec![2.0]);
/// assert!(linspace(2.0, 3.0, 0).is_empty());
/// ```
pub fn linspace(start: f64, stop: f64, count: usize) -> Vec<f64> {
    match count {
        0 => vec![],
        1 => vec![start],
        n => (0..n)
            .map(|i| start + (stop - start) * i as f64 / (n - 1) as f64)
            .collect(),
    }
}
