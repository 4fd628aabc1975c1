//! The grid's plate lists once more, by front face: each cell's faces once, and each of
//! its plates with the slot of its face and its heights, side by side. Hands at shelves
//! test the plates of a cell for every wrist ray; read from the plate table itself, those
//! tests stride through a thousand plates six stacked shelves apart.

use super::plate_grid::{CellOf, PlateGrid};
use super::{PlateIdx, PlateModel};
use crate::config::Vec2;

/// One front face: what its plates share (bit for bit, see [`PlateModel::face`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Face {
    pub front_a: Vec2,
    pub front_b: Vec2,
    pub normal: Vec2,
    pub len: f64,
}

/// A plate of a cell's list: its index, the slot of its face among the cell's faces,
/// and the bottom and top of its product volume.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FacePlate {
    pub plate: PlateIdx,
    pub slot: usize,
    pub z_range: [f64; 2],
}

/// Per list of the grid (each cell, then the list of every plate): faces and plates.
#[derive(Debug, Clone, Default)]
pub struct FaceCells {
    face_starts: Vec<usize>,
    faces: Vec<Face>,
    plate_starts: Vec<usize>,
    plates: Vec<FacePlate>,
}

impl FaceCells {
    pub fn new(grid: &PlateGrid, plates: &[PlateModel], face_count: usize) -> Self {
        let mut out = Self {
            face_starts: vec![0],
            plate_starts: vec![0],
            ..Self::default()
        };
        let lists = (0..grid.cell_count())
            .map(CellOf::Cell)
            .chain([CellOf::All]);
        let mut slot_of_face = vec![usize::MAX; face_count];
        for which in lists {
            let first_face = out.faces.len();
            for &i in grid.list(which) {
                let p = &plates[i as usize];
                let Some(known) = slot_of_face.get_mut(p.face as usize) else {
                    continue;
                };
                // A face is the first of its plates in the list, as the list is read.
                if *known == usize::MAX {
                    *known = out.faces.len() - first_face;
                    out.faces.push(Face {
                        front_a: p.front_a,
                        front_b: p.front_b,
                        normal: p.normal,
                        len: p.front_len,
                    });
                }
                out.plates.push(FacePlate {
                    plate: i as PlateIdx,
                    slot: *known,
                    z_range: p.z_range,
                });
            }
            slot_of_face.fill(usize::MAX);
            out.face_starts.push(out.faces.len());
            out.plate_starts.push(out.plates.len());
        }
        out
    }

    /// The faces and plates of the list `grid.near(p, radius)` reads, in its order.
    pub fn near(&self, grid: &PlateGrid, p: Vec2, radius: f64) -> (&[Face], &[FacePlate]) {
        let list = match grid.cell_of(p, radius) {
            CellOf::Empty => return (&[], &[]),
            CellOf::Cell(c) => c,
            CellOf::All => grid.cell_count(),
        };
        match (
            self.face_starts.get(list..list + 2),
            self.plate_starts.get(list..list + 2),
        ) {
            (Some(&[f0, f1]), Some(&[p0, p1])) => (&self.faces[f0..f1], &self.plates[p0..p1]),
            _ => (&[], &[]),
        }
    }
}
