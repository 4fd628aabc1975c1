//! A uniform grid over the plates' front edges in the floor plane: which plates can be
//! within some distance of a point, without measuring the distance to every plate of the
//! store. A large store has a thousand plates and a camera frame asks this for every
//! wrist it sees; only the few plates of the nearest gondola sides matter.

use crate::config::Vec2;

use super::PlateIdx;

/// Side of one cell, metres: about an arm's reach, so a query touches a few cells.
const CELL_M: f64 = 1.0;
/// Queries are widened by this much so that rounding in a caller's distance (which may
/// come out a hair below the true one) never drops a plate the caller would keep.
const QUERY_SLACK_M: f64 = 1e-6;

#[derive(Debug, Clone, Default)]
pub struct PlateGrid {
    origin: Vec2,
    cols: usize,
    rows: usize,
    /// Plates of cell `c` are `plates[starts[c]..starts[c + 1]]`, ascending.
    starts: Vec<usize>,
    plates: Vec<PlateIdx>,
}

impl PlateGrid {
    /// Index the segments `(a, b)` of the plates, in plate-index order.
    pub fn new(fronts: &[(Vec2, Vec2)]) -> Self {
        let finite = fronts
            .iter()
            .flat_map(|(a, b)| [*a, *b])
            .filter(|p| p[0].is_finite() && p[1].is_finite());
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in finite {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        if lo[0] > hi[0] || lo[1] > hi[1] {
            return Self::default();
        }
        let mut grid = Self {
            origin: lo,
            cols: ((hi[0] - lo[0]) / CELL_M) as usize + 1,
            rows: ((hi[1] - lo[1]) / CELL_M) as usize + 1,
            starts: Vec::new(),
            plates: Vec::new(),
        };
        let mut cells: Vec<Vec<PlateIdx>> = vec![Vec::new(); grid.cols * grid.rows];
        for (i, (a, b)) in fronts.iter().enumerate() {
            let (min, max) = (
                [a[0].min(b[0]), a[1].min(b[1])],
                [a[0].max(b[0]), a[1].max(b[1])],
            );
            let Some((c0, c1, r0, r1)) = grid.cell_range(min, max) else {
                continue;
            };
            for r in r0..=r1 {
                for c in c0..=c1 {
                    cells[r * grid.cols + c].push(i);
                }
            }
        }
        grid.starts.push(0);
        for cell in cells {
            grid.plates.extend(cell);
            grid.starts.push(grid.plates.len());
        }
        grid
    }

    /// Cell column and row ranges covering the box `min..max`, clamped to the grid;
    /// `None` when the box misses it (or is not a box of finite numbers).
    fn cell_range(&self, min: Vec2, max: Vec2) -> Option<(usize, usize, usize, usize)> {
        let axis = |lo: f64, hi: f64, origin: f64, n: usize| -> Option<(usize, usize)> {
            let (a, b) = ((lo - origin) / CELL_M, (hi - origin) / CELL_M);
            // NaN bounds compare false: no cells.
            if n == 0 || a.is_nan() || b.is_nan() || a > b || b < 0.0 || a >= n as f64 {
                return None;
            }
            // Casts saturate: a box far off one side clamps to the grid's edge.
            let first = (a.floor().max(0.0) as usize).min(n - 1);
            let last = (b.floor().max(0.0) as usize).min(n - 1);
            Some((first, last))
        };
        let (c0, c1) = axis(min[0], max[0], self.origin[0], self.cols)?;
        let (r0, r1) = axis(min[1], max[1], self.origin[1], self.rows)?;
        Some((c0, c1, r0, r1))
    }

    /// Plates whose front edge may lie within `radius` of `p` (every plate that does,
    /// and a few that do not), ascending and without repeats, into `out` (cleared).
    pub fn near(&self, p: Vec2, radius: f64, out: &mut Vec<PlateIdx>) {
        out.clear();
        let r = radius + QUERY_SLACK_M;
        let Some((c0, c1, r0, r1)) = self.cell_range([p[0] - r, p[1] - r], [p[0] + r, p[1] + r])
        else {
            return;
        };
        for row in r0..=r1 {
            let cells = row * self.cols + c0..=row * self.cols + c1;
            out.extend_from_slice(
                &self.plates[self.starts[*cells.start()]..self.starts[cells.end() + 1]],
            );
        }
        out.sort_unstable();
        out.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::point_segment_distance;

    #[test]
    fn every_plate_within_the_radius_is_found() {
        // A row of short fronts along x and a column along y, queried all over the floor.
        let mut fronts = Vec::new();
        for i in 0..40 {
            let x = i as f64 * 0.37;
            fronts.push(([x, 2.0], [x + 0.3, 2.0]));
            fronts.push(([8.0, x], [8.0, x + 0.3]));
        }
        let grid = PlateGrid::new(&fronts);
        let mut out = Vec::new();
        for qx in 0..60 {
            for qy in 0..60 {
                let p = [qx as f64 * 0.29 - 1.0, qy as f64 * 0.29 - 1.0];
                for radius in [0.0, 0.4, 1.1, 2.7] {
                    grid.near(p, radius, &mut out);
                    let want: Vec<PlateIdx> = (0..fronts.len())
                        .filter(|&i| point_segment_distance(p, fronts[i].0, fronts[i].1) <= radius)
                        .collect();
                    assert!(want.iter().all(|i| out.contains(i)), "{p:?} {radius}");
                    assert!(out.windows(2).all(|w| w[0] < w[1]));
                }
            }
        }
    }

    #[test]
    fn no_plates_no_candidates() {
        let mut out = vec![3];
        PlateGrid::new(&[]).near([1.0, 1.0], 5.0, &mut out);
        assert!(out.is_empty());
    }
}
