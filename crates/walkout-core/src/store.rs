//! The store model the engine works on: the validated config, indexed for fast lookup.
//! Plates and products get dense indices (`PlateIdx`, `SkuIdx`) so hot paths index
//! vectors instead of hashing ids and strings.

use std::collections::HashMap;

use crate::config::{GateKind, StoreConfig, Vec2};
use crate::errors::Result;

mod face_cells;
mod plate_grid;
pub use face_cells::{Face, FaceCells, FacePlate};
pub use plate_grid::PlateGrid;

pub type PlateIdx = usize;
pub type SkuIdx = u32;

/// Plate ids below this get a lookup table (4 bytes per id).
const DENSE_ID_LIMIT: usize = 1 << 20;

/// Two plates of one shelf closer than this (metres) count as neighbours: an item can
/// stand on both.
const NEIGHBOUR_GAP_M: f64 = 0.05;

#[derive(Debug, Clone)]
pub struct PlateModel {
    pub id: u32,
    pub gondola_id: u32,
    pub shelf_id: u32,
    /// Front edge of the plate in the floor plane: where a shopper reaches in.
    pub front_a: Vec2,
    pub front_b: Vec2,
    /// Length of the front edge, `hypot` of `front_b - front_a`.
    pub front_len: f64,
    /// Unit normal of the front face, pointing into the aisle.
    pub normal: Vec2,
    /// Which front face this is: plates stacked on one gondola side share the same
    /// front edge and normal (bit for bit), so whatever a ray or a body makes of one
    /// face holds for all of them.
    pub face: u32,
    /// Bottom and top of the product volume, metres.
    pub z_range: [f64; 2],
    pub noise_std_g: f64,
    pub rate_hz: f64,
    /// Plates of the same shelf that touch this one.
    pub neighbours: Vec<PlateIdx>,
    /// Smallest weight change worth an event on this plate, grams.
    pub min_delta_g: f64,
}

#[derive(Debug, Clone)]
pub struct ProductModel {
    pub sku: String,
    pub name: String,
    pub weight_g: f64,
    pub weight_std_g: f64,
    pub price_cents: i64,
}

#[derive(Debug, Clone)]
pub struct GateModel {
    pub id: u32,
    pub kind: GateKind,
    pub position: Vec2,
    pub radius_m: f64,
}

#[derive(Debug, Clone)]
pub struct StoreModel {
    pub config: StoreConfig,
    pub plates: Vec<PlateModel>,
    pub products: Vec<ProductModel>,
    pub gates: Vec<GateModel>,
    plate_by_id: HashMap<u32, PlateIdx>,
    /// `plate_dense[id]` is the plate index (or `u32::MAX`) when ids are small enough for
    /// a table: every weight sample is looked up, and a table beats hashing.
    plate_dense: Vec<u32>,
    sku_by_name: HashMap<String, SkuIdx>,
    /// Initial stock per plate: (sku, count) from the planogram.
    pub planogram: Vec<Vec<(SkuIdx, u32)>>,
    /// The plates' front edges on a grid: the plates within reach of a point.
    pub fronts: PlateGrid,
    /// Distinct front faces (`PlateModel::face` is below this).
    pub face_count: usize,
    /// The grid's lists by face, for hands at shelves.
    pub face_cells: FaceCells,
}

impl StoreModel {
    pub fn new(config: StoreConfig) -> Result<Self> {
        config.validate()?;
        let products: Vec<ProductModel> = config
            .products
            .iter()
            .map(|p| ProductModel {
                sku: p.sku.clone(),
                name: p.name.clone(),
                weight_g: p.weight_g,
                weight_std_g: p.weight_std_g,
                price_cents: p.price_cents,
            })
            .collect();
        let sku_by_name: HashMap<String, SkuIdx> = products
            .iter()
            .enumerate()
            .map(|(i, p)| (p.sku.clone(), i as SkuIdx))
            .collect();
        let mut plates = plate_models(&config);
        let face_count = number_faces(&mut plates);
        let plate_by_id: HashMap<u32, PlateIdx> =
            plates.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        // Validation guarantees every planogram entry names a known plate and sku.
        let mut planogram = vec![Vec::new(); plates.len()];
        for e in &config.planogram {
            if let (Some(&pi), Some(&si)) = (plate_by_id.get(&e.plate), sku_by_name.get(&e.sku)) {
                planogram[pi].push((si, e.count));
            }
        }
        set_min_deltas(&mut plates, &planogram, &products);
        let gates = config
            .gates
            .iter()
            .map(|g| GateModel {
                id: g.id,
                kind: g.kind,
                position: g.position,
                radius_m: g.radius_m,
            })
            .collect();
        let fronts = PlateGrid::new(
            &plates
                .iter()
                .map(|p| (p.front_a, p.front_b))
                .collect::<Vec<_>>(),
            config.fusion.reach_m,
        );
        let face_cells = FaceCells::new(&fronts, &plates, face_count);
        Ok(Self {
            face_count,
            face_cells,
            fronts,
            config,
            plate_dense: dense_index(&plates),
            plates,
            products,
            gates,
            plate_by_id,
            sku_by_name,
            planogram,
        })
    }

    pub fn plate_idx(&self, plate_id: u32) -> Option<PlateIdx> {
        if self.plate_dense.is_empty() {
            return self.plate_by_id.get(&plate_id).copied();
        }
        match self.plate_dense.get(plate_id as usize) {
            Some(&i) if i != u32::MAX => Some(i as PlateIdx),
            _ => None,
        }
    }

    pub fn sku_idx(&self, sku: &str) -> Option<SkuIdx> {
        self.sku_by_name.get(sku).copied()
    }

    pub fn product(&self, sku: SkuIdx) -> &ProductModel {
        &self.products[sku as usize]
    }

    pub fn gate(&self, gate_id: u32) -> Option<&GateModel> {
        self.gates.iter().find(|g| g.id == gate_id)
    }
}

/// Every plate of the config in order, with its front edge and its neighbours on the
/// same shelf (boxes closer than [`NEIGHBOUR_GAP_M`]); faces and thresholds not set yet.
fn plate_models(config: &StoreConfig) -> Vec<PlateModel> {
    let mut plates = Vec::new();
    let mut boxes = Vec::new();
    for (g, s, p) in config.plates() {
        let (a, b) = front_edge(p.min, p.max, p.front);
        plates.push(PlateModel {
            id: p.id,
            gondola_id: g.id,
            shelf_id: s.id,
            front_a: a,
            front_b: b,
            front_len: (b[0] - a[0]).hypot(b[1] - a[1]),
            normal: p.front.normal(),
            face: 0,
            z_range: [p.min[2], p.max[2]],
            noise_std_g: p.sensor.noise_std_g,
            rate_hz: p.sensor.rate_hz,
            neighbours: Vec::new(),
            min_delta_g: 0.0,
        });
        boxes.push((p.min, p.max));
    }
    for i in 0..plates.len() {
        for j in 0..plates.len() {
            let same_shelf = plates[i].gondola_id == plates[j].gondola_id
                && plates[i].shelf_id == plates[j].shelf_id;
            if i != j && same_shelf && box_gap_xy(boxes[i], boxes[j]) < NEIGHBOUR_GAP_M {
                plates[i].neighbours.push(j);
            }
        }
    }
    plates
}

/// Numbers the plates' faces (one per distinct front edge and normal) in plate order;
/// returns how many there are.
fn number_faces(plates: &mut [PlateModel]) -> usize {
    let mut faces: HashMap<[u64; 7], u32> = HashMap::new();
    for p in plates {
        let (a, b, n) = (p.front_a, p.front_b, p.normal);
        let key = [a[0], a[1], b[0], b[1], n[0], n[1], p.front_len].map(f64::to_bits);
        let next = faces.len() as u32;
        p.face = *faces.entry(key).or_insert(next);
    }
    faces.len()
}

/// Plate index by id in a table, when the ids are small enough for one (else empty).
fn dense_index(plates: &[PlateModel]) -> Vec<u32> {
    let max_id = plates.iter().map(|p| p.id).max().unwrap_or(0) as usize;
    if max_id >= DENSE_ID_LIMIT {
        return Vec::new();
    }
    let mut t = vec![u32::MAX; max_id + 1];
    for (i, p) in plates.iter().enumerate() {
        t[p.id as usize] = i as u32;
    }
    t
}

/// Each plate's smallest change worth reporting: half its lightest item (of the
/// store's, when it stocks none). Half the lightest item is the natural boundary
/// between "one item moved" and "nothing moved" (the detector raises it to what the
/// noise resolves).
fn set_min_deltas(
    plates: &mut [PlateModel],
    planogram: &[Vec<(SkuIdx, u32)>],
    products: &[ProductModel],
) {
    let lightest_in_store = products
        .iter()
        .map(|p| p.weight_g)
        .fold(f64::INFINITY, f64::min);
    for (pi, plate) in plates.iter_mut().enumerate() {
        let lightest = planogram[pi]
            .iter()
            .map(|&(s, _)| products[s as usize].weight_g)
            .fold(lightest_in_store, f64::min);
        plate.min_delta_g = 0.5 * lightest;
    }
}

fn front_edge(min: [f64; 3], max: [f64; 3], front: crate::config::Facing) -> (Vec2, Vec2) {
    use crate::config::Facing::*;
    match front {
        PosX => ([max[0], min[1]], [max[0], max[1]]),
        NegX => ([min[0], min[1]], [min[0], max[1]]),
        PosY => ([min[0], max[1]], [max[0], max[1]]),
        NegY => ([min[0], min[1]], [max[0], min[1]]),
    }
}

/// Gap between two boxes in the floor plane (0 when they touch or overlap).
fn box_gap_xy(a: ([f64; 3], [f64; 3]), b: ([f64; 3], [f64; 3])) -> f64 {
    let dx = (b.0[0] - a.1[0]).max(a.0[0] - b.1[0]).max(0.0);
    let dy = (b.0[1] - a.1[1]).max(a.0[1] - b.1[1]).max(0.0);
    dx.hypot(dy)
}

/// `point_segment_distance(p, a, b) <= r`, without the square root when one axis alone
/// is beyond `r` (`hypot` is never below the larger leg, so the answer is the same).
pub fn point_segment_within(p: Vec2, a: Vec2, b: Vec2, r: f64) -> bool {
    let q = closest_on_segment(p, a, b);
    within(p[0] - q[0], p[1] - q[1], r)
}

/// `dx.hypot(dy) <= r`, the same answer, mostly without `hypot` ([`inside_without_hypot`]).
pub fn within(dx: f64, dy: f64, r: f64) -> bool {
    inside_without_hypot(dx, dy, r).unwrap_or_else(|| dx.hypot(dy) <= r)
}

/// `dx.hypot(dy) > r`, the same answer, mostly without `hypot`.
pub fn beyond(dx: f64, dy: f64, r: f64) -> bool {
    inside_without_hypot(dx, dy, r).map_or_else(|| dx.hypot(dy) > r, |inside| !inside)
}

/// Whether `dx.hypot(dy) <= r` where that is clear without `hypot`: one leg beyond
/// `r` is out (`hypot` is never below the larger leg), and a sum of squares clearly
/// inside or outside `r²` decides (rounding moves either by a few 1e-16 relative; the
/// margin is 1e-9). `None` near the boundary, at extreme scales, and for NaN (whose
/// comparisons the caller's own expression must answer).
fn inside_without_hypot(dx: f64, dy: f64, r: f64) -> Option<bool> {
    if dx.is_nan() || dy.is_nan() || r.is_nan() {
        return None;
    }
    if dx.abs() > r || dy.abs() > r {
        return Some(false);
    }
    if !(1e-100..=1e100).contains(&r) {
        return None;
    }
    let (d2, r2) = (dx * dx + dy * dy, r * r);
    if d2 < r2 * (1.0 - 1e-9) {
        Some(true)
    } else if d2 > r2 * (1.0 + 1e-9) {
        Some(false)
    } else {
        None
    }
}

/// The point of the segment `a`–`b` closest to `p`.
fn closest_on_segment(p: Vec2, a: Vec2, b: Vec2) -> Vec2 {
    let ab = [b[0] - a[0], b[1] - a[1]];
    let ap = [p[0] - a[0], p[1] - a[1]];
    let len2 = ab[0] * ab[0] + ab[1] * ab[1];
    let t = if len2 > 0.0 {
        ((ap[0] * ab[0] + ap[1] * ab[1]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    [a[0] + t * ab[0], a[1] + t * ab[1]]
}

/// Distance from point `p` to the segment `a`–`b`.
pub fn point_segment_distance(p: Vec2, a: Vec2, b: Vec2) -> f64 {
    let q = closest_on_segment(p, a, b);
    (p[0] - q[0]).hypot(p[1] - q[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_and_beyond_answer_as_hypot_does() {
        let legs = [
            0.0,
            1e-300,
            1e-9,
            0.3,
            1.0,
            1.0 + 1e-15,
            1.2,
            1.5,
            1.5 - 1e-16,
            2.0,
            1e120,
            f64::INFINITY,
            f64::NAN,
        ];
        for &dx in &legs {
            for &dy in &legs {
                for &r in &[
                    0.0,
                    1e-200,
                    1.0,
                    1.5,
                    1.5 + 1e-16,
                    3.0,
                    1e150,
                    f64::INFINITY,
                    f64::NAN,
                ] {
                    for (x, y) in [(dx, dy), (-dx, dy), (dy, -dx)] {
                        assert_eq!(within(x, y, r), x.hypot(y) <= r, "{x} {y} {r}");
                        assert_eq!(beyond(x, y, r), x.hypot(y) > r, "{x} {y} {r}");
                    }
                }
            }
        }
        // Points right at a radius, found by hypot itself.
        for i in 0..1000 {
            let a = i as f64 * 0.00628;
            let (x, y) = (1.5 * a.cos(), 1.5 * a.sin());
            let r = x.hypot(y);
            for r in [r, r.next_up(), r.next_down()] {
                assert_eq!(within(x, y, r), x.hypot(y) <= r);
                assert_eq!(beyond(x, y, r), x.hypot(y) > r);
            }
        }
    }
}
