//! A uniform grid over the floor that lists, per cell, the plates whose front edge may be
//! within a fixed radius (the shopper's reach) of a point in the cell: which plates a
//! hand can be at, without measuring the distance to every plate of the store. A large
//! store has a thousand plates and a camera frame asks this for every body with a
//! wrist in view; only the plates of the nearest gondola sides matter.

use crate::config::Vec2;

use super::PlateIdx;

/// Side of one cell, metres.
const CELL_M: f64 = 0.5;
/// Margin on every bound, so that rounding in a caller's distance (which may come out
/// a hair below the true one) never drops a plate the caller would keep.
const SLACK_M: f64 = 1e-3;
/// A radius this large covers the store: no grid, every plate is a candidate.
const MAX_GRID_RADIUS_M: f64 = 100.0;

/// One of the grid's plate lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellOf {
    /// Every plate: the radius is beyond the grid's.
    All,
    /// No plate: the point is off the grid.
    Empty,
    Cell(usize),
}

#[derive(Debug, Clone, Default)]
pub struct PlateGrid {
    /// The radius the cells were listed for.
    radius: f64,
    origin: Vec2,
    cols: usize,
    rows: usize,
    /// Plates of cell `c` are `plates[starts[c]..starts[c + 1]]`, ascending (`u32`: the
    /// lists of a whole store stay small enough to sit in cache).
    starts: Vec<usize>,
    plates: Vec<u32>,
    /// Every plate: the answer for a larger radius than the grid's.
    all: Vec<u32>,
}

/// Distance between the boxes `a0..a1` and `b0..b1` in the plane (0 when they touch).
fn box_gap(a0: Vec2, a1: Vec2, b0: Vec2, b1: Vec2) -> f64 {
    let dx = (b0[0] - a1[0]).max(a0[0] - b1[0]).max(0.0);
    let dy = (b0[1] - a1[1]).max(a0[1] - b1[1]).max(0.0);
    dx.hypot(dy)
}

impl PlateGrid {
    /// Index the front edges `(a, b)` of the plates, in plate-index order, for queries
    /// of up to `radius` metres.
    pub fn new(fronts: &[(Vec2, Vec2)], radius: f64) -> Self {
        let all: Vec<u32> = (0..fronts.len() as u32).collect();
        let boxes: Vec<(Vec2, Vec2)> = fronts
            .iter()
            .map(|(a, b)| {
                (
                    [a[0].min(b[0]), a[1].min(b[1])],
                    [a[0].max(b[0]), a[1].max(b[1])],
                )
            })
            .collect();
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for (b0, b1) in &boxes {
            for k in 0..2 {
                lo[k] = lo[k].min(b0[k]);
                hi[k] = hi[k].max(b1[k]);
            }
        }
        let usable = radius.is_finite()
            && (0.0..=MAX_GRID_RADIUS_M).contains(&radius)
            && lo.iter().chain(&hi).all(|v| v.is_finite());
        if !usable {
            // No cells, and every query takes the fallback: all plates.
            return Self {
                radius: f64::NEG_INFINITY,
                all,
                ..Self::default()
            };
        }
        // Points further than the radius outside the plates' extent are near no plate.
        let margin = radius + SLACK_M;
        let origin = [lo[0] - margin, lo[1] - margin];
        let cols = ((hi[0] + margin - origin[0]) / CELL_M) as usize + 1;
        let rows = ((hi[1] + margin - origin[1]) / CELL_M) as usize + 1;
        let mut starts = vec![0];
        let mut plates = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                let c0 = [origin[0] + c as f64 * CELL_M, origin[1] + r as f64 * CELL_M];
                let c1 = [c0[0] + CELL_M, c0[1] + CELL_M];
                plates.extend(
                    boxes
                        .iter()
                        .enumerate()
                        .filter(|(_, (b0, b1))| box_gap(c0, c1, *b0, *b1) <= margin)
                        .map(|(i, _)| i as u32),
                );
                starts.push(plates.len());
            }
        }
        Self {
            radius,
            origin,
            cols,
            rows,
            starts,
            plates,
            all,
        }
    }

    /// Plates whose front edge may lie within `radius` of `p`: every plate that does,
    /// and some that do not, ascending and without repeats.
    pub fn near(&self, p: Vec2, radius: f64) -> impl Iterator<Item = PlateIdx> + '_ {
        self.cell(p, radius).iter().map(|&i| i as PlateIdx)
    }

    fn cell(&self, p: Vec2, radius: f64) -> &[u32] {
        self.list(self.cell_of(p, radius))
    }

    /// Which list [`Self::near`] answers from: tables built over the same cells (as
    /// [`super::FaceCells`] is) use it to answer for the same plates.
    pub(crate) fn cell_of(&self, p: Vec2, radius: f64) -> CellOf {
        if radius.is_nan() || radius > self.radius {
            return CellOf::All;
        }
        let (x, y) = (
            (p[0] - self.origin[0]) / CELL_M,
            (p[1] - self.origin[1]) / CELL_M,
        );
        // Outside the grid (or not a point): further than the radius from every plate.
        let inside = (0.0..self.cols as f64).contains(&x) && (0.0..self.rows as f64).contains(&y);
        if !inside {
            return CellOf::Empty;
        }
        CellOf::Cell(y as usize * self.cols + x as usize)
    }

    /// The plates of one list, ascending.
    pub(crate) fn list(&self, which: CellOf) -> &[u32] {
        match which {
            CellOf::All => &self.all,
            CellOf::Empty => &[],
            CellOf::Cell(c) => &self.plates[self.starts[c]..self.starts[c + 1]],
        }
    }

    /// Number of cells (`CellOf::Cell` is below it).
    pub(crate) fn cell_count(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::point_segment_distance;

    #[test]
    fn every_plate_within_the_radius_is_found() {
        // A row of short fronts along x and a column along y, queried all over the floor
        // and beyond it.
        let mut fronts = Vec::new();
        for i in 0..40 {
            let x = i as f64 * 0.37;
            fronts.push(([x, 2.0], [x + 0.3, 2.0]));
            fronts.push(([8.0, x], [8.0, x + 0.3]));
        }
        for grid_radius in [0.0, 0.4, 1.5] {
            let grid = PlateGrid::new(&fronts, grid_radius);
            for qx in 0..70 {
                for qy in 0..70 {
                    let p = [qx as f64 * 0.29 - 3.0, qy as f64 * 0.29 - 3.0];
                    for radius in [0.0, 0.4, 1.1, 1.5, 2.7] {
                        let got: Vec<PlateIdx> = grid.near(p, radius).collect();
                        let want = (0..fronts.len()).filter(|&i| {
                            point_segment_distance(p, fronts[i].0, fronts[i].1) <= radius
                        });
                        for i in want {
                            assert!(got.contains(&i), "{p:?} {radius} {grid_radius}");
                        }
                        assert!(got.windows(2).all(|w| w[0] < w[1]));
                    }
                }
            }
        }
    }

    #[test]
    fn no_plates_or_no_usable_radius() {
        let near = |g: &PlateGrid, p: Vec2, r: f64| g.near(p, r).collect::<Vec<_>>();
        assert!(near(&PlateGrid::new(&[], 1.5), [1.0, 1.0], 1.0).is_empty());
        let fronts = [([0.0, 0.0], [1.0, 0.0]), ([5.0, 5.0], [5.0, 6.0])];
        for radius in [f64::NAN, f64::INFINITY, -1.0, 1e6] {
            let grid = PlateGrid::new(&fronts, radius);
            assert_eq!(near(&grid, [0.5, 0.5], 1.0), vec![0, 1]);
            assert_eq!(near(&grid, [0.5, 0.0], 0.0), vec![0, 1]);
        }
        let grid = PlateGrid::new(&fronts, 1.0);
        assert!(near(&grid, [f64::NAN, 0.5], 1.0).is_empty());
        assert_eq!(near(&grid, [0.5, 0.5], f64::NAN), vec![0, 1]);
    }
}
