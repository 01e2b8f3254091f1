//! Publication suppression (小数抑制): hiding small counts in a table meant for the
//! public, and hiding enough other cells that the small ones cannot be worked out
//! from the row and column totals.
//!
//! The table is the caller's counts (rows = regions, columns = categories such as
//! male/female births); this module adds the row totals, column totals and grand
//! total and decides every cell's status, totals included:
//!
//! 1. **Primary**: every cell (totals too) below the threshold (default 10). Zeros
//!    count as small unless [`SuppressionOptions::zeros_are_safe`].
//! 2. **Secondary**: every row and column (the totals row and column included,
//!    each total being the last cell of its line) that has exactly one suppressed
//!    cell gets a second one: its smallest unsuppressed cell, inner cells before
//!    totals. Repeated to a fixed point.
//! 3. **Audit**: the "two per line" rule is not enough in general (interlocking
//!    patterns can be solved by combining lines), so the suppressed cells are
//!    checked by linear algebra: a cell is recoverable if its unit vector lies in
//!    the row space of the line equations restricted to the suppressed cells. Any
//!    recoverable cell gets one more complement in its row, and steps 2-3 repeat.
//!
//! What this guarantees: no suppressed cell's exact value follows from the
//! published cells and totals. It does not hide bounds (a suppressed cell is
//! still known to lie between 0 and its line's total), which is the accepted
//! standard for count tables.

use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SuppressionOptions {
    /// Cells with a count below this are suppressed (default 10).
    pub threshold: u64,
    /// Treat zero cells as publishable (structural zeros) instead of small.
    pub zeros_are_safe: bool,
}

impl Default for SuppressionOptions {
    fn default() -> Self {
        SuppressionOptions {
            threshold: 10,
            zeros_are_safe: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellStatus {
    Shown,
    /// Below the threshold.
    Primary,
    /// Hidden to protect a primary cell.
    Secondary,
}

impl CellStatus {
    pub fn is_suppressed(self) -> bool {
        self != CellStatus::Shown
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SuppressionError {
    #[error("表格第{row}行有{found}列，应为{expected}列 / row {row} has {found} cells, expected {expected}")]
    Ragged {
        row: usize,
        found: usize,
        expected: usize,
    },
}

/// A table with its totals and the status of every cell. `values` and `status`
/// are `(rows + 1) × (cols + 1)`: the last column holds row totals, the last row
/// column totals, the corner the grand total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuppressedTable {
    pub rows: usize,
    pub cols: usize,
    pub values: Vec<Vec<u64>>,
    pub status: Vec<Vec<CellStatus>>,
}

impl SuppressedTable {
    /// The table as published: `None` where suppressed.
    pub fn published(&self) -> Vec<Vec<Option<u64>>> {
        self.values
            .iter()
            .zip(&self.status)
            .map(|(vr, sr)| {
                vr.iter()
                    .zip(sr)
                    .map(|(&v, s)| (!s.is_suppressed()).then_some(v))
                    .collect()
            })
            .collect()
    }

    fn suppressed(&self, i: usize, j: usize) -> bool {
        self.status[i][j].is_suppressed()
    }

    /// The cells of each line: every row, then every column, of the full table.
    fn lines(&self) -> Vec<Vec<(usize, usize)>> {
        let (r, c) = (self.rows, self.cols);
        let mut lines: Vec<Vec<(usize, usize)>> =
            (0..=r).map(|i| (0..=c).map(|j| (i, j)).collect()).collect();
        lines.extend((0..=c).map(|j| (0..=r).map(|i| (i, j)).collect()));
        lines
    }

    /// Suppressed cells whose value follows exactly from what is published.
    pub fn recoverable_cells(&self) -> Vec<(usize, usize)> {
        let (r, c) = (self.rows, self.cols);
        let unknowns: Vec<(usize, usize)> = (0..=r)
            .flat_map(|i| (0..=c).map(move |j| (i, j)))
            .filter(|&(i, j)| self.suppressed(i, j))
            .collect();
        if unknowns.is_empty() {
            return Vec::new();
        }
        let col_of = |i: usize, j: usize| unknowns.iter().position(|&u| u == (i, j));
        // Each line says: sum of its inner cells − its total = 0.
        let mut m: Vec<Vec<f64>> = Vec::new();
        for line in self.lines() {
            let total = *line.last().expect("a line has cells");
            let mut row = vec![0.0; unknowns.len()];
            let mut any = false;
            for &(i, j) in &line {
                if let Some(k) = col_of(i, j) {
                    row[k] = if (i, j) == total { -1.0 } else { 1.0 };
                    any = true;
                }
            }
            if any {
                m.push(row);
            }
        }
        let pivots = rref(&mut m);
        pivots
            .into_iter()
            .enumerate()
            .filter(|&(row, _)| m[row].iter().filter(|x| x.abs() > 1e-9).count() == 1)
            .map(|(_, col)| unknowns[col])
            .collect()
    }
}

/// Reduced row echelon form in place; returns the pivot column of each nonzero row.
fn rref(m: &mut [Vec<f64>]) -> Vec<usize> {
    let rows = m.len();
    let cols = m.first().map_or(0, Vec::len);
    let mut pivots = Vec::new();
    let mut r = 0;
    for c in 0..cols {
        if r == rows {
            break;
        }
        let best = (r..rows)
            .max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs()))
            .expect("rows left");
        if m[best][c].abs() < 1e-9 {
            continue;
        }
        m.swap(r, best);
        let p = m[r][c];
        for x in m[r].iter_mut() {
            *x /= p;
        }
        let pivot_row = m[r].clone();
        for (i, row) in m.iter_mut().enumerate() {
            if i != r && row[c].abs() > 1e-12 {
                let f = row[c];
                for (x, &y) in row.iter_mut().zip(&pivot_row) {
                    *x -= f * y;
                }
            }
        }
        pivots.push(c);
        r += 1;
    }
    pivots
}

/// Suppresses `cells` (rows × cols, without totals) for publication.
pub fn suppress(
    cells: &[Vec<u64>],
    opts: &SuppressionOptions,
) -> Result<SuppressedTable, SuppressionError> {
    let rows = cells.len();
    let cols = cells.first().map_or(0, Vec::len);
    for (i, r) in cells.iter().enumerate() {
        if r.len() != cols {
            return Err(SuppressionError::Ragged {
                row: i + 1,
                found: r.len(),
                expected: cols,
            });
        }
    }
    let mut values = vec![vec![0u64; cols + 1]; rows + 1];
    for (i, r) in cells.iter().enumerate() {
        for (j, &v) in r.iter().enumerate() {
            values[i][j] = v;
            values[i][cols] += v;
            values[rows][j] += v;
            values[rows][cols] += v;
        }
    }
    let small = |v: u64| v < opts.threshold && !(v == 0 && opts.zeros_are_safe);
    let status = values
        .iter()
        .map(|r| {
            r.iter()
                .map(|&v| {
                    if small(v) {
                        CellStatus::Primary
                    } else {
                        CellStatus::Shown
                    }
                })
                .collect()
        })
        .collect();
    let mut t = SuppressedTable {
        rows,
        cols,
        values,
        status,
    };
    let lines = t.lines();
    loop {
        let mut changed = false;
        for line in &lines {
            if line.iter().filter(|&&(i, j)| t.suppressed(i, j)).count() == 1 {
                if let Some((i, j)) = complement(&t, line, opts) {
                    t.status[i][j] = CellStatus::Secondary;
                    changed = true;
                }
            }
        }
        if !changed {
            for (i, j) in t.recoverable_cells() {
                let row = &lines[i];
                let col = &lines[rows + 1 + j];
                let pick = complement(&t, row, opts)
                    .or_else(|| complement(&t, col, opts))
                    .or_else(|| lines.iter().find_map(|l| complement(&t, l, opts)));
                if let Some((a, b)) = pick {
                    t.status[a][b] = CellStatus::Secondary;
                    changed = true;
                    // One at a time: a single complement often frees several cells.
                    break;
                }
            }
        }
        if !changed {
            return Ok(t);
        }
    }
}

/// The cell to hide next in a line: inner cells before totals, non-zero before
/// zero when zeros are safe (a known zero protects nothing), then the smallest,
/// then one whose crossing line already hides a cell (so no new lone cell).
fn complement(
    t: &SuppressedTable,
    line: &[(usize, usize)],
    opts: &SuppressionOptions,
) -> Option<(usize, usize)> {
    let crossing_has = |i: usize, j: usize, horizontal: bool| {
        if horizontal {
            (0..=t.rows).any(|r| r != i && t.suppressed(r, j))
        } else {
            (0..=t.cols).any(|c| c != j && t.suppressed(i, c))
        }
    };
    let horizontal = line.len() > 1 && line[0].0 == line[1].0;
    line.iter()
        .copied()
        .filter(|&(i, j)| !t.suppressed(i, j))
        .min_by_key(|&(i, j)| {
            let is_total = i == t.rows || j == t.cols;
            let v = t.values[i][j];
            (
                is_total,
                opts.zeros_are_safe && v == 0,
                v,
                !crossing_has(i, j, horizontal),
                i,
                j,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_in_line(t: &SuppressedTable, line: &[(usize, usize)]) -> usize {
        line.iter().filter(|&&(i, j)| t.suppressed(i, j)).count()
    }

    #[test]
    fn a_lone_small_cell_gets_complements_and_cannot_be_recovered() {
        // Births by village (rows) and sex (columns).
        let cells = vec![vec![40, 38], vec![3, 25], vec![30, 33]];
        let t = suppress(&cells, &SuppressionOptions::default()).unwrap();
        assert_eq!(t.status[1][0], CellStatus::Primary);
        // Row 1 and column 0 each needed a second hidden cell.
        for line in t.lines() {
            let n = count_in_line(&t, &line);
            assert!(n == 0 || n >= 2, "{line:?} has {n}");
        }
        assert!(t.recoverable_cells().is_empty(), "{:?}", t.status);
        // Concretely: another table with the same published cells and a different
        // value in the small cell exists (move one unit around the rectangle of
        // hidden cells).
        let hidden: Vec<(usize, usize)> = (0..=3)
            .flat_map(|i| (0..=2).map(move |j| (i, j)))
            .filter(|&(i, j)| t.suppressed(i, j))
            .collect();
        assert_eq!(hidden, vec![(1, 0), (1, 1), (2, 0), (2, 1)]);
        // Another table agrees with every published cell and total but differs in
        // the small cell: move one unit around the rectangle of hidden cells.
        let other = vec![vec![40, 38], vec![4, 24], vec![29, 34]];
        let t2 = suppress(&other, &SuppressionOptions::default()).unwrap();
        for i in 0..=3 {
            for j in 0..=2 {
                if !t.suppressed(i, j) {
                    assert_eq!(t.values[i][j], t2.values[i][j], "({i}, {j})");
                }
            }
        }
        assert_ne!(t.values[1][0], t2.values[1][0]);
        let published = t.published();
        assert_eq!(published[1][0], None);
        assert_eq!(published[3][2], Some(169));
    }

    #[test]
    fn small_totals_are_suppressed_too() {
        let cells = vec![vec![2, 3], vec![50, 60], vec![45, 70]];
        let t = suppress(&cells, &SuppressionOptions::default()).unwrap();
        assert!(t.status[0][2].is_suppressed());
        assert!(t.recoverable_cells().is_empty());
        for line in t.lines() {
            let n = count_in_line(&t, &line);
            assert!(n == 0 || n >= 2);
        }
    }

    #[test]
    fn the_audit_catches_what_two_per_line_misses() {
        // Hide a 2×2 rectangle minus nothing: every line has 2, nothing recoverable.
        let mut t = suppress(
            &[vec![50, 50], vec![50, 50]],
            &SuppressionOptions::default(),
        )
        .unwrap();
        for (i, j) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            t.status[i][j] = CellStatus::Primary;
        }
        assert!(t.recoverable_cells().is_empty());
        // A cell alone in its row is recoverable from the row total.
        let mut t = suppress(
            &[vec![50, 50], vec![50, 50]],
            &SuppressionOptions::default(),
        )
        .unwrap();
        t.status[0][0] = CellStatus::Primary;
        assert_eq!(t.recoverable_cells(), vec![(0, 0)]);
    }

    #[test]
    fn zeros_can_be_declared_safe() {
        let cells = vec![vec![0, 25], vec![20, 30]];
        let t = suppress(
            &cells,
            &SuppressionOptions {
                threshold: 10,
                zeros_are_safe: true,
            },
        )
        .unwrap();
        assert!(t.status.iter().flatten().all(|s| !s.is_suppressed()));
        let t = suppress(&cells, &SuppressionOptions::default()).unwrap();
        assert_eq!(t.status[0][0], CellStatus::Primary);
        assert!(t.recoverable_cells().is_empty());
    }

    #[test]
    fn ragged_tables_are_refused() {
        assert!(suppress(&[vec![1, 2], vec![3]], &SuppressionOptions::default()).is_err());
    }
}
