//! The cell test of the complete solution search (docs/theory.md, "Complete solution sets"):
//! the mean-field equations reduced to the overlaps κ on a grid over a bounded box, every cell
//! that can contain a root kept as a Newton start, every other cell excluded by a bound.
//!
//! At each grid node κ the caller supplies every variance state (the remaining unknowns solving
//! the variance rows at that κ) with the reduced residual r(κ) = κ-rows of the full residual and
//! its gradient dr/dκ = J_κκ − J_κv J_vv⁻¹ J_vκ (implicit differentiation through the variances).
//! A cell of half-widths h_a is **excluded** for a variance branch if some component r_i has the
//! same sign at every corner and min |r_i| > 2·Σ_a h_a max_corners |∂_a r_i| (a first-order bound
//! on the variation of r_i over the cell with a safety factor 2). Every cell not excluded yields
//! a start at its centre (variances averaged over its corners). A root is therefore missed only
//! if the curvature of r inside one cell exceeds that bound, or where a variance branch has a fold
//! inside a cell (cells whose corners do not all carry the branch are always kept).

use nalgebra::DMatrix;

/// One variance state at a grid node.
#[derive(Clone, Debug)]
pub struct NodeState {
    /// Full unknown vector (κ ‖ variances).
    pub x: Vec<f64>,
    /// Reduced residual r(κ), K entries.
    pub r: Vec<f64>,
    /// Reduced gradient ∂r_i/∂κ_j, row-major K×K; `None` where the variance block is singular.
    pub grad: Option<Vec<f64>>,
}

impl NodeState {
    /// The state at full vector `x` with full residual `res` and full Jacobian `jac` (k overlaps).
    pub fn new(x: Vec<f64>, res: &[f64], jac: &DMatrix<f64>, k: usize) -> NodeState {
        let n = x.len();
        let jkk = jac.view((0, 0), (k, k)).into_owned();
        let jkv = jac.view((0, k), (k, n - k)).into_owned();
        let jvk = jac.view((k, 0), (n - k, k)).into_owned();
        let jvv = jac.view((k, k), (n - k, n - k)).into_owned();
        let grad = jvv.lu().solve(&jvk).map(|s| {
            let g = jkk - jkv * s;
            let mut out = Vec::with_capacity(k * k);
            for i in 0..k {
                for j in 0..k {
                    out.push(g[(i, j)]);
                }
            }
            out
        });
        let grad = grad.filter(|g| g.iter().all(|v| v.is_finite()));
        NodeState {
            r: res[..k].to_vec(),
            x,
            grad,
        }
    }
}

/// Tensor grid over the κ box: `axes[a]` are the node coordinates of overlap a (increasing).
/// Node (i₀, i₁, …) has flat index Σ_a i_a·stride_a with the last axis fastest.
#[derive(Clone, Debug)]
pub struct KappaGrid {
    /// Node coordinates per axis.
    pub axes: Vec<Vec<f64>>,
}

impl KappaGrid {
    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.axes.iter().map(Vec::len).product()
    }

    /// Whether the grid has no node.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Multi-index of flat node `idx`.
    pub fn index(&self, mut idx: usize) -> Vec<usize> {
        let mut out = vec![0; self.axes.len()];
        for a in (0..self.axes.len()).rev() {
            out[a] = idx % self.axes[a].len();
            idx /= self.axes[a].len();
        }
        out
    }

    /// Flat index of a multi-index.
    pub fn flat(&self, multi: &[usize]) -> usize {
        multi
            .iter()
            .zip(&self.axes)
            .fold(0, |acc, (i, ax)| acc * ax.len() + i)
    }

    /// κ at flat node `idx`.
    pub fn point(&self, idx: usize) -> Vec<f64> {
        self.index(idx)
            .iter()
            .zip(&self.axes)
            .map(|(&i, ax)| ax[i])
            .collect()
    }
}

/// The symmetric axis on [−b, b] with `2·half + 1` uniform nodes (κ = 0 is a node), plus nodes at
/// ±10⁻³h and ±10⁻²h (h the spacing) so that a branch born at κ = 0 (a pitchfork) is resolved down
/// to 10⁻³ of a cell.
pub fn symmetric_axis(b: f64, half: usize, refine_zero: bool) -> Vec<f64> {
    let h = b / half as f64;
    let mut ax: Vec<f64> = (0..=2 * half).map(|i| -b + i as f64 * h).collect();
    ax[half] = 0.0;
    if refine_zero {
        for f in [1e-3, 1e-2] {
            ax.push(f * h);
            ax.push(-f * h);
        }
        ax.sort_by(f64::total_cmp);
    }
    ax
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / (1.0 + x.abs().max(y.abs())))
        .fold(0.0, f64::max)
}

/// Newton starts from every cell of `grid` not excluded by the bound of the module docs;
/// `states[node]` are the variance states at each node.
pub fn cell_starts(grid: &KappaGrid, states: &[Vec<NodeState>]) -> Vec<Vec<f64>> {
    let k = grid.axes.len();
    let mut starts = Vec::new();
    let ncell: Vec<usize> = grid
        .axes
        .iter()
        .map(|a| a.len().saturating_sub(1))
        .collect();
    let total: usize = ncell.iter().product();
    for c in 0..total {
        // cell multi-index
        let mut rem = c;
        let mut base = vec![0; k];
        for a in (0..k).rev() {
            base[a] = rem % ncell[a];
            rem /= ncell[a];
        }
        let half: Vec<f64> = (0..k)
            .map(|a| 0.5 * (grid.axes[a][base[a] + 1] - grid.axes[a][base[a]]))
            .collect();
        let corners: Vec<usize> = (0..1usize << k)
            .map(|bits| {
                let m: Vec<usize> = (0..k).map(|a| base[a] + ((bits >> a) & 1)).collect();
                grid.flat(&m)
            })
            .collect();
        for s0 in &states[corners[0]] {
            // the same variance branch at the other corners: the nearest state
            let mut matched = vec![s0];
            for &cn in &corners[1..] {
                if let Some(s) = states[cn].iter().min_by(|a, b| {
                    distance(&a.x[k..], &s0.x[k..]).total_cmp(&distance(&b.x[k..], &s0.x[k..]))
                }) {
                    matched.push(s);
                }
            }
            let complete = matched.len() == corners.len();
            let excluded = complete
                && (0..k).any(|i| {
                    let sign = matched[0].r[i].signum();
                    let same = matched
                        .iter()
                        .all(|s| s.r[i].signum() == sign && s.r[i] != 0.0);
                    if !same {
                        return false;
                    }
                    let mut lip = 0.0;
                    for s in &matched {
                        let Some(g) = &s.grad else { return false };
                        let row: f64 = (0..k).map(|a| half[a] * g[i * k + a].abs()).sum();
                        lip = f64::max(lip, row);
                    }
                    let min = matched
                        .iter()
                        .map(|s| s.r[i].abs())
                        .fold(f64::INFINITY, f64::min);
                    min > 2.0 * lip
                });
            if excluded {
                continue;
            }
            let n = s0.x.len();
            let mut x = vec![0.0; n];
            for a in 0..k {
                x[a] = grid.axes[a][base[a]] + half[a];
            }
            for j in k..n {
                x[j] = matched.iter().map(|s| s.x[j]).sum::<f64>() / matched.len() as f64;
            }
            starts.push(x);
        }
    }
    starts
}
