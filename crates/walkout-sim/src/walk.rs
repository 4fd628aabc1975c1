//! Walkable space and paths. The floor is rasterised into an occupancy grid where every
//! plate's floor footprint is grown by a body radius, so a path through free cells keeps
//! the shopper's whole body out of the gondolas. A* finds a cell path; line-of-sight
//! shortcuts then turn the staircase of cells into the straight legs a person walks.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use walkout_core::config::Vec2;

/// Fine enough that a 1.2 m aisle keeps several free cells across once both sides are
/// inflated; coarser only for floors so large that the grid would not fit in memory.
const TARGET_CELL_M: f64 = 0.1;
const MAX_CELLS: f64 = 2_000_000.0;
/// Segment checks sample a third of a cell apart: a miss can clip a blocked cell by at
/// most a sixth of a cell, far less than the clearance the inflation leaves.
const LOS_STEPS_PER_CELL: f64 = 3.0;
/// Integer A* costs keep the search exact and deterministic (no float ties).
const COST_STRAIGHT: u32 = 10;
const COST_DIAGONAL: u32 = 14;

pub(crate) struct Grid {
    cell: f64,
    nx: usize,
    ny: usize,
    free: Vec<bool>,
    /// Free and connected to the entry; only these may be stood on.
    reach: Vec<bool>,
}

fn dist2_to_rect(p: Vec2, min: Vec2, max: Vec2) -> f64 {
    let dx = (min[0] - p[0]).max(0.0).max(p[0] - max[0]);
    let dy = (min[1] - p[1]).max(0.0).max(p[1] - max[1]);
    dx * dx + dy * dy
}

/// Whether segment a-b passes through the open interior of the rectangle (slab test);
/// touching an edge does not count, so plates sharing a face do not block each other.
pub(crate) fn segment_crosses_rect(a: Vec2, b: Vec2, min: Vec2, max: Vec2) -> bool {
    const EPS: f64 = 1e-9;
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for k in 0..2 {
        let (lo, hi) = (min[k] + EPS, max[k] - EPS);
        let d = b[k] - a[k];
        if d.abs() < 1e-15 {
            if a[k] <= lo || a[k] >= hi {
                return false;
            }
        } else {
            let (u, v) = ((lo - a[k]) / d, (hi - a[k]) / d);
            t0 = t0.max(u.min(v));
            t1 = t1.min(u.max(v));
            if t0 >= t1 {
                return false;
            }
        }
    }
    true
}

fn dist(a: Vec2, b: Vec2) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

impl Grid {
    /// `footprints` are (min, max) floor rectangles; the caller has checked that `floor`
    /// is positive and finite.
    pub fn new(floor: Vec2, footprints: &[(Vec2, Vec2)], radius: f64) -> Self {
        let cell = TARGET_CELL_M.max((floor[0] * floor[1] / MAX_CELLS).sqrt());
        let nx = ((floor[0] / cell).ceil() as usize).max(1);
        let ny = ((floor[1] / cell).ceil() as usize).max(1);
        let mut free = vec![false; nx * ny];
        for iy in 0..ny {
            for ix in 0..nx {
                let [x, y] = [(ix as f64 + 0.5) * cell, (iy as f64 + 0.5) * cell];
                free[iy * nx + ix] =
                    x >= radius && y >= radius && x <= floor[0] - radius && y <= floor[1] - radius;
            }
        }
        let r2 = radius * radius;
        let clamp_ix = |v: f64, n: usize| (v / cell).floor().clamp(0.0, n as f64) as usize;
        for &(min, max) in footprints {
            let (x0, x1) = (clamp_ix(min[0] - radius, nx), clamp_ix(max[0] + radius, nx));
            let (y0, y1) = (clamp_ix(min[1] - radius, ny), clamp_ix(max[1] + radius, ny));
            for iy in y0..(y1 + 1).min(ny) {
                for ix in x0..(x1 + 1).min(nx) {
                    let c = [(ix as f64 + 0.5) * cell, (iy as f64 + 0.5) * cell];
                    if dist2_to_rect(c, min, max) < r2 {
                        free[iy * nx + ix] = false;
                    }
                }
            }
        }
        Self {
            cell,
            nx,
            ny,
            reach: vec![false; nx * ny],
            free,
        }
    }

    fn cell_of(&self, p: Vec2) -> Option<usize> {
        if !(p[0] >= 0.0 && p[1] >= 0.0) {
            return None;
        }
        let ix = (p[0] / self.cell).floor() as usize;
        let iy = (p[1] / self.cell).floor() as usize;
        (ix < self.nx && iy < self.ny).then_some(iy * self.nx + ix)
    }

    fn centre(&self, i: usize) -> Vec2 {
        [
            ((i % self.nx) as f64 + 0.5) * self.cell,
            ((i / self.nx) as f64 + 0.5) * self.cell,
        ]
    }

    pub fn is_free(&self, p: Vec2) -> bool {
        self.cell_of(p).is_some_and(|i| self.free[i])
    }

    /// Neighbours with step cost; a diagonal step needs both cells beside it free so a
    /// path never squeezes between two blocked corners.
    fn neighbours(&self, i: usize, out: &mut [(usize, u32); 8]) -> usize {
        let (ix, iy) = ((i % self.nx) as isize, (i / self.nx) as isize);
        let ok = |x: isize, y: isize| {
            x >= 0
                && y >= 0
                && (x as usize) < self.nx
                && (y as usize) < self.ny
                && self.free[y as usize * self.nx + x as usize]
        };
        let mut n = 0;
        for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
            if ok(ix + dx, iy + dy) {
                out[n] = (
                    (iy + dy) as usize * self.nx + (ix + dx) as usize,
                    COST_STRAIGHT,
                );
                n += 1;
            }
        }
        for (dx, dy) in [(-1, -1), (1, -1), (-1, 1), (1, 1)] {
            if ok(ix + dx, iy + dy) && ok(ix + dx, iy) && ok(ix, iy + dy) {
                out[n] = (
                    (iy + dy) as usize * self.nx + (ix + dx) as usize,
                    COST_DIAGONAL,
                );
                n += 1;
            }
        }
        n
    }

    /// Marks everything walkable from `from` (a free point), so standing points in closed
    /// pockets are never chosen. Returns false if `from` is not free.
    pub fn flood_reach(&mut self, from: Vec2) -> bool {
        let Some(s) = self.cell_of(from).filter(|&i| self.free[i]) else {
            return false;
        };
        self.reach.iter_mut().for_each(|r| *r = false);
        self.reach[s] = true;
        let mut queue = VecDeque::from([s]);
        let mut nb = [(0usize, 0u32); 8];
        while let Some(i) = queue.pop_front() {
            let n = self.neighbours(i, &mut nb);
            for &(j, _) in &nb[..n] {
                if !self.reach[j] {
                    self.reach[j] = true;
                    queue.push_back(j);
                }
            }
        }
        true
    }

    /// `p` itself when it is reachable from the entry, else the nearest reachable cell
    /// centre within `max_dist` that `accept` allows (callers use it to refuse points
    /// on the far side of a fixture).
    pub fn nearest(&self, p: Vec2, max_dist: f64, accept: impl Fn(Vec2) -> bool) -> Option<Vec2> {
        self.nearest_of(&self.reach, p, max_dist, accept)
    }

    /// Like [`Grid::nearest`] over free cells, before reachability is known: where the
    /// walk starts.
    pub fn nearest_free(
        &self,
        p: Vec2,
        max_dist: f64,
        accept: impl Fn(Vec2) -> bool,
    ) -> Option<Vec2> {
        self.nearest_of(&self.free, p, max_dist, accept)
    }

    /// `p` when its cell is one of `cells` and `accept` allows it, else the nearest
    /// centre of such a cell within `max_dist`.
    fn nearest_of(
        &self,
        cells: &[bool],
        p: Vec2,
        max_dist: f64,
        accept: impl Fn(Vec2) -> bool,
    ) -> Option<Vec2> {
        if self.cell_of(p).is_some_and(|i| cells[i]) && accept(p) {
            return Some(p);
        }
        let r = (max_dist / self.cell).ceil() as isize + 1;
        let cx = (p[0] / self.cell).floor() as isize;
        let cy = (p[1] / self.cell).floor() as isize;
        let mut best: Option<(f64, Vec2)> = None;
        for iy in (cy - r).max(0)..(cy + r + 1).min(self.ny as isize) {
            for ix in (cx - r).max(0)..(cx + r + 1).min(self.nx as isize) {
                let i = iy as usize * self.nx + ix as usize;
                if !cells[i] {
                    continue;
                }
                let c = self.centre(i);
                let d = dist(p, c);
                if d <= max_dist && best.is_none_or(|(bd, _)| d < bd) && accept(c) {
                    best = Some((d, c));
                }
            }
        }
        best.map(|(_, c)| c)
    }

    pub fn segment_clear(&self, a: Vec2, b: Vec2) -> bool {
        let n = ((dist(a, b) / self.cell) * LOS_STEPS_PER_CELL)
            .ceil()
            .max(1.0) as usize;
        (0..=n).all(|k| {
            let f = k as f64 / n as f64;
            self.is_free([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f])
        })
    }
}

/// A* scratch reused across searches: a generation stamp marks which entries belong to
/// the current search, so nothing is cleared per query (grids reach millions of cells).
pub(crate) struct Planner {
    g: Vec<u32>,
    parent: Vec<u32>,
    stamp: Vec<u32>,
    generation: u32,
    heap: BinaryHeap<Reverse<(u32, u32)>>,
}

impl Planner {
    pub fn new(grid: &Grid) -> Self {
        let n = grid.nx * grid.ny;
        Self {
            g: vec![0; n],
            parent: vec![0; n],
            stamp: vec![0; n],
            generation: 0,
            heap: BinaryHeap::new(),
        }
    }

    /// Shortest walkable polyline from `a` to `b` (both free), starting at `a` and ending
    /// at `b` exactly; None when no path exists.
    pub fn path(&mut self, grid: &Grid, a: Vec2, b: Vec2) -> Option<Vec<Vec2>> {
        let s = grid.cell_of(a).filter(|&i| grid.free[i])?;
        let goal = grid.cell_of(b).filter(|&i| grid.free[i])?;
        if s == goal {
            return Some(vec![a, b]);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|v| *v = 0);
            self.generation = 1;
        }
        let gen = self.generation;
        let (gx, gy) = (goal % grid.nx, goal / grid.nx);
        let h = |i: usize| {
            let dx = (i % grid.nx).abs_diff(gx) as u32;
            let dy = (i / grid.nx).abs_diff(gy) as u32;
            COST_STRAIGHT * dx.max(dy) + (COST_DIAGONAL - COST_STRAIGHT) * dx.min(dy)
        };
        self.heap.clear();
        self.g[s] = 0;
        self.stamp[s] = gen;
        self.parent[s] = s as u32;
        self.heap.push(Reverse((h(s), s as u32)));
        let mut nb = [(0usize, 0u32); 8];
        let mut found = false;
        while let Some(Reverse((f, i))) = self.heap.pop() {
            let i = i as usize;
            if f > self.g[i] + h(i) {
                continue; // stale entry: a cheaper route to i was queued later
            }
            if i == goal {
                found = true;
                break;
            }
            let n = grid.neighbours(i, &mut nb);
            for &(j, cost) in &nb[..n] {
                let gj = self.g[i] + cost;
                if self.stamp[j] != gen || gj < self.g[j] {
                    self.stamp[j] = gen;
                    self.g[j] = gj;
                    self.parent[j] = i as u32;
                    self.heap.push(Reverse((gj + h(j), j as u32)));
                }
            }
        }
        if !found {
            return None;
        }
        let mut cells = vec![goal];
        let mut i = goal;
        while i != s {
            i = self.parent[i] as usize;
            cells.push(i);
        }
        cells.reverse();
        Some(smooth(grid, corners(grid, a, b, &cells)))
    }
}

/// `a`, the centres of the cells where the cell path turns, and `b`: the points between
/// lie on straight runs, so dropping them loses nothing for the shortcut pass.
fn corners(grid: &Grid, a: Vec2, b: Vec2, cells: &[usize]) -> Vec<Vec2> {
    let step = |p: usize, q: usize| {
        (
            (q % grid.nx) as isize - (p % grid.nx) as isize,
            (q / grid.nx) as isize - (p / grid.nx) as isize,
        )
    };
    let mut pts = vec![a];
    for w in cells.windows(3) {
        if step(w[0], w[1]) != step(w[1], w[2]) {
            pts.push(grid.centre(w[1]));
        }
    }
    pts.push(b);
    pts
}

/// Greedy line-of-sight shortcutting: from each kept point go to the farthest following
/// point still in plain view.
fn smooth(grid: &Grid, pts: Vec<Vec2>) -> Vec<Vec2> {
    let mut out = vec![pts[0]];
    let mut i = 0;
    while i + 1 < pts.len() {
        let mut j = i + 1;
        while j + 1 < pts.len() && grid.segment_clear(pts[i], pts[j + 1]) {
            j += 1;
        }
        out.push(pts[j]);
        i = j;
    }
    out
}

pub(crate) fn polyline_length(pts: &[Vec2]) -> f64 {
    pts.windows(2).map(|w| dist(w[0], w[1])).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wall_grid() -> Grid {
        // A 10 x 6 m floor with a wall across the middle, open only near the top.
        let mut g = Grid::new([10.0, 6.0], &[([4.8, 0.0], [5.2, 4.5])], 0.3);
        assert!(g.flood_reach([1.0, 1.0]));
        g
    }

    #[test]
    fn path_goes_around_the_wall_and_is_clear() {
        let g = wall_grid();
        let mut planner = Planner::new(&g);
        let path = planner
            .path(&g, [1.0, 1.0], [9.0, 1.0])
            .expect("path exists");
        assert_eq!(path.first(), Some(&[1.0, 1.0]));
        assert_eq!(path.last(), Some(&[9.0, 1.0]));
        for w in path.windows(2) {
            assert!(g.segment_clear(w[0], w[1]));
        }
        assert!(
            path.iter().any(|p| p[1] > 4.5),
            "must detour over the wall: {path:?}"
        );
        // Shortcutting keeps it close to the true shortest route around the wall end.
        let ideal = 2.0 * (4.0f64.hypot(3.8));
        assert!(polyline_length(&path) < ideal * 1.1);
    }

    #[test]
    fn no_path_into_a_closed_room() {
        let mut g = Grid::new([10.0, 6.0], &[([4.8, 0.0], [5.2, 6.0])], 0.3);
        assert!(g.flood_reach([1.0, 1.0]));
        let mut planner = Planner::new(&g);
        assert!(planner.path(&g, [1.0, 1.0], [9.0, 1.0]).is_none());
        assert!(g.nearest([9.0, 1.0], 0.5, |_| true).is_none());
        assert_eq!(g.nearest_free([9.0, 1.0], 0.5, |_| true), Some([9.0, 1.0]));
    }

    #[test]
    fn segment_rect_crossing() {
        let (min, max) = ([1.0, 1.0], [2.0, 2.0]);
        assert!(segment_crosses_rect([0.0, 1.5], [3.0, 1.5], min, max));
        assert!(!segment_crosses_rect([0.0, 1.0], [3.0, 1.0], min, max)); // along an edge
        assert!(!segment_crosses_rect([0.0, 0.0], [0.9, 3.0], min, max));
        assert!(segment_crosses_rect([1.5, 1.5], [1.6, 1.6], min, max)); // inside
        assert!(!segment_crosses_rect([2.0, 1.5], [2.5, 1.5], min, max)); // from the face out
    }

    #[test]
    fn nearest_moves_a_point_out_of_an_obstacle() {
        let g = wall_grid();
        let p = g
            .nearest([5.0, 2.0], 1.0, |_| true)
            .expect("free cell nearby");
        assert!(dist2_to_rect(p, [4.8, 0.0], [5.2, 4.5]).sqrt() >= 0.3 - 0.08);
    }
}
