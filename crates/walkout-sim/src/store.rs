//! The store as the simulator sees it: plates with their standing points, products with
//! their unit weights, the gates, the walkable grid and the sensors (cameras, thermal
//! cameras, RFID antennas). Built once per simulation from a [`StoreConfig`], checking
//! every value the simulator relies on, because the core's own validation may be looser
//! than what physics needs (a zero sample rate, a plate box with min > max).

use std::collections::HashMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use walkout_core::config::{Facing, GateKind, StoreConfig, Vec2, Vec3};

use crate::error::SimError;
use crate::sensors::{self, AntennaInfo, CameraInfo, ThermalInfo};
use crate::walk::{segment_crosses_rect, Grid};

/// Half the shoulder width of an adult plus a little: no path comes closer to a fixture.
pub(crate) const BODY_RADIUS_M: f64 = 0.3;
/// How far in front of a plate's face a shopper stands to reach it.
const STAND_DIST_M: (f64, f64) = (0.35, 0.5);
const STAND_NOMINAL_M: f64 = 0.42;
/// A standing point may move this far to reach walkable space; beyond it the plate is
/// out of reach and no scenario picks from it.
const MAX_STAND_SHIFT_M: f64 = 0.8;
const MAX_GATE_SHIFT_M: f64 = 2.0;
/// Bounds that keep a malformed config from asking for absurd memory or time.
const MAX_FLOOR_M: f64 = 2_000.0;
const MAX_RATE_HZ: f64 = 2_000.0;
const MAX_UNITS_PER_ENTRY: u32 = 10_000;
/// Two products whose unit weights differ by less than this fraction look alike: to a
/// plate, and (same line, same packaging) to a vision detector.
const LOOK_ALIKE_FRACTION: f64 = 0.02;
/// The board above a plate's product volume, and the gondola's top.
const GONDOLA_TOP_M: f64 = 0.05;

pub(crate) struct PlateInfo {
    pub id: u32,
    pub gondola: usize,
    /// Running index of the plate's shelf over the whole store.
    pub shelf: usize,
    pub min: Vec3,
    pub max: Vec3,
    pub front: Facing,
    /// Centre of the front face on the floor plane.
    pub face_centre: Vec2,
    /// Width of the front face (the extent along it).
    pub width: f64,
    pub rate_hz: f64,
    pub noise_std_g: f64,
    /// Typical standing point, already in walkable space; None when out of reach.
    pub stand: Option<Vec2>,
}

/// A hand reaching into a plate stops this far in front of its face (the fingers are
/// in the plate; the wrist is not).
const WRIST_BEFORE_FACE_M: f64 = 0.04;

impl PlateInfo {
    /// Where the wrist is while a hand takes from or puts on the plate: the middle of
    /// its front face, a little above the shelf board.
    pub fn reach_point(&self) -> Vec3 {
        let n = self.front.normal();
        [
            self.face_centre[0] + n[0] * WRIST_BEFORE_FACE_M,
            self.face_centre[1] + n[1] * WRIST_BEFORE_FACE_M,
            self.min[2] + 0.4 * (self.max[2] - self.min[2]),
        ]
    }

    pub fn centre(&self) -> Vec3 {
        [
            (self.min[0] + self.max[0]) / 2.0,
            (self.min[1] + self.max[1]) / 2.0,
            (self.min[2] + self.max[2]) / 2.0,
        ]
    }
}

pub(crate) struct Product {
    pub sku: String,
    pub weight_g: f64,
    pub std_g: f64,
    pub vision_class: Option<u32>,
    /// GTIN-14 of a product whose items carry RFID tags.
    pub rfid_gtin: Option<String>,
    /// Edge of the item's bounding cube, metres, from its weight (for image boxes).
    pub size_m: f64,
    /// Other products of (nearly) equal unit weight, ascending.
    pub look_alikes: Vec<usize>,
}

/// A gondola as one solid box from the floor to above its top shelf: what blocks a
/// camera's view.
pub(crate) struct GondolaBox {
    pub id: u32,
    /// Index of the gondola in the config (what `PlateInfo::gondola` holds).
    pub index: usize,
    pub min: Vec3,
    pub max: Vec3,
}

pub(crate) struct GatePoint {
    pub id: u32,
    /// Where the shopper passes, moved into walkable space if the gate sits on a wall.
    pub point: Vec2,
}

pub(crate) struct Store {
    pub plates: Vec<PlateInfo>,
    pub products: Vec<Product>,
    /// (plate index, product index, count) in planogram order.
    pub planogram: Vec<(usize, usize, u32)>,
    pub entry: GatePoint,
    pub exit: GatePoint,
    pub gondolas: Vec<GondolaBox>,
    pub cameras: Vec<CameraInfo>,
    pub thermals: Vec<ThermalInfo>,
    pub antennas: Vec<AntennaInfo>,
    pub grid: Grid,
    /// Floor rectangles of every plate: snapping a point into walkable space must not
    /// carry it through a fixture.
    footprints: Vec<(Vec2, Vec2)>,
}

fn finite(path: &str, v: f64) -> Result<f64, SimError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(SimError::config(path, v, "must be a finite number"))
    }
}

/// Unit vector along a plate's face (perpendicular to its normal).
pub(crate) fn lateral(front: Facing) -> Vec2 {
    match front {
        Facing::PosX | Facing::NegX => [0.0, 1.0],
        Facing::PosY | Facing::NegY => [1.0, 0.0],
    }
}

impl Store {
    pub fn new(cfg: &StoreConfig) -> Result<Self, SimError> {
        let floor = cfg.floor;
        if !floor
            .iter()
            .all(|v| v.is_finite() && *v > 0.0 && *v <= MAX_FLOOR_M)
        {
            return Err(SimError::config(
                "floor",
                floor,
                format!("floor extent must be two lengths in (0, {MAX_FLOOR_M}] m"),
            ));
        }
        let products = Self::products(cfg)?;
        let (plates, footprints) = Self::plates(cfg)?;
        let planogram = Self::planogram(cfg, &plates, &products)?;
        let gondolas = Self::gondola_boxes(cfg, &plates);
        let cameras = sensors::cameras(cfg)?;
        let thermals = sensors::thermals(cfg)?;
        let antennas = sensors::antennas(cfg);

        let gate = |kind: GateKind| {
            cfg.gates
                .iter()
                .enumerate()
                .find(|(_, g)| g.kind == kind)
                .ok_or_else(|| SimError::unsupported(format!("the store has no {kind:?} gate")))
        };
        let (entry_i, entry_cfg) = gate(GateKind::Entry)?;
        let (exit_i, exit_cfg) = gate(GateKind::Exit)?;
        for (i, g) in [(entry_i, entry_cfg), (exit_i, exit_cfg)] {
            for (axis, v) in g.position.iter().enumerate() {
                finite(&format!("gates[{i}].position[{axis}]"), *v)?;
            }
        }

        let mut grid = Grid::new(floor, &footprints, BODY_RADIUS_M);
        let clear = |a: Vec2, b: Vec2| {
            !footprints
                .iter()
                .any(|&(min, max)| segment_crosses_rect(a, b, min, max))
        };
        let entry_pos = entry_cfg.position;
        let entry_point = grid
            .nearest_free(entry_pos, MAX_GATE_SHIFT_M, |c| clear(entry_pos, c))
            .ok_or_else(|| {
                SimError::unsupported(format!(
                    "no walkable floor within {MAX_GATE_SHIFT_M} m of entry gate {}",
                    entry_cfg.id
                ))
            })?;
        if !grid.flood_reach(entry_point) {
            return Err(SimError::Internal("entry point is not walkable".into()));
        }
        let exit_pos = exit_cfg.position;
        let exit_point = grid
            .nearest(exit_pos, MAX_GATE_SHIFT_M, |c| clear(exit_pos, c))
            .ok_or_else(|| {
                SimError::unsupported(format!(
                    "exit gate {} cannot be reached on foot from entry gate {}",
                    exit_cfg.id, entry_cfg.id
                ))
            })?;

        let mut store = Self {
            plates,
            products,
            planogram,
            entry: GatePoint {
                id: entry_cfg.id,
                point: entry_point,
            },
            exit: GatePoint {
                id: exit_cfg.id,
                point: exit_point,
            },
            gondolas,
            cameras,
            thermals,
            antennas,
            grid,
            footprints,
        };
        for i in 0..store.plates.len() {
            let p = &store.plates[i];
            let n = p.front.normal();
            let ideal = [
                p.face_centre[0] + n[0] * STAND_NOMINAL_M,
                p.face_centre[1] + n[1] * STAND_NOMINAL_M,
            ];
            store.plates[i].stand = store.snap_stand(i, ideal);
        }
        Ok(store)
    }

    /// `ideal` moved into reachable space, keeping the plate's face in plain view (never
    /// snapped around or through a fixture), within `MAX_STAND_SHIFT_M`.
    pub(crate) fn snap_stand(&self, plate: usize, ideal: Vec2) -> Option<Vec2> {
        let p = &self.plates[plate];
        let n = p.front.normal();
        let face = [
            p.face_centre[0] + n[0] * 1e-6,
            p.face_centre[1] + n[1] * 1e-6,
        ];
        self.grid.nearest(ideal, MAX_STAND_SHIFT_M, |c| {
            (c[0] - face[0]) * n[0] + (c[1] - face[1]) * n[1] > 0.0
                && !self
                    .footprints
                    .iter()
                    .any(|&(min, max)| segment_crosses_rect(face, c, min, max))
        })
    }

    fn products(cfg: &StoreConfig) -> Result<Vec<Product>, SimError> {
        let mut seen = HashMap::new();
        let mut out = Vec::with_capacity(cfg.products.len());
        for (i, p) in cfg.products.iter().enumerate() {
            if seen.insert(p.sku.as_str(), i).is_some() {
                return Err(SimError::config(
                    format!("products[{i}].sku"),
                    &p.sku,
                    "duplicate sku",
                ));
            }
            let w = finite(&format!("products[{i}].weight_g"), p.weight_g)?;
            if w <= 0.0 {
                return Err(SimError::config(
                    format!("products[{i}].weight_g"),
                    w,
                    "unit weight must be positive",
                ));
            }
            let s = finite(&format!("products[{i}].weight_std_g"), p.weight_std_g)?;
            if s < 0.0 {
                return Err(SimError::config(
                    format!("products[{i}].weight_std_g"),
                    s,
                    "must not be negative",
                ));
            }
            if p.rfid && p.gtin.is_none() {
                return Err(SimError::config(
                    format!("products[{i}].gtin"),
                    &p.gtin,
                    "an RFID-tagged product needs a GTIN-14 for its tags' EPCs",
                ));
            }
            out.push(Product {
                sku: p.sku.clone(),
                weight_g: w,
                std_g: s,
                vision_class: p.vision_class,
                rfid_gtin: if p.rfid { p.gtin.clone() } else { None },
                // A cube of water-like density, never smaller than a chewing-gum pack.
                size_m: (w * 1e-6).cbrt().max(0.06),
                look_alikes: Vec::new(),
            });
        }
        let weights: Vec<f64> = out.iter().map(|p| p.weight_g).collect();
        for (i, p) in out.iter_mut().enumerate() {
            p.look_alikes = (0..weights.len())
                .filter(|&j| {
                    j != i
                        && (weights[j] - weights[i]).abs()
                            <= LOOK_ALIKE_FRACTION * weights[i].max(weights[j])
                })
                .collect();
        }
        Ok(out)
    }

    fn gondola_boxes(cfg: &StoreConfig, plates: &[PlateInfo]) -> Vec<GondolaBox> {
        let mut boxes: Vec<GondolaBox> = cfg
            .gondolas
            .iter()
            .enumerate()
            .map(|(index, g)| GondolaBox {
                id: g.id,
                index,
                min: [f64::INFINITY; 3],
                max: [f64::NEG_INFINITY; 3],
            })
            .collect();
        for p in plates {
            let b = &mut boxes[p.gondola];
            for a in 0..3 {
                b.min[a] = b.min[a].min(p.min[a]);
                b.max[a] = b.max[a].max(p.max[a]);
            }
        }
        boxes.retain(|b| b.min[0].is_finite());
        for b in &mut boxes {
            b.min[2] = 0.0;
            b.max[2] += GONDOLA_TOP_M;
        }
        boxes
    }

    #[allow(clippy::type_complexity)]
    fn plates(cfg: &StoreConfig) -> Result<(Vec<PlateInfo>, Vec<(Vec2, Vec2)>), SimError> {
        let mut plates = Vec::new();
        let mut footprints = Vec::new();
        let mut seen = HashMap::new();
        let mut shelf = 0;
        for (gi, g) in cfg.gondolas.iter().enumerate() {
            for (si, s) in g.shelves.iter().enumerate() {
                shelf += 1;
                for (pi, p) in s.plates.iter().enumerate() {
                    let path = format!("gondolas[{gi}].shelves[{si}].plates[{pi}]");
                    if seen.insert(p.id, path.clone()).is_some() {
                        return Err(SimError::config(
                            format!("{path}.id"),
                            p.id,
                            "duplicate plate id",
                        ));
                    }
                    for a in 0..3 {
                        finite(&format!("{path}.min[{a}]"), p.min[a])?;
                        finite(&format!("{path}.max[{a}]"), p.max[a])?;
                        if p.max[a] <= p.min[a] {
                            return Err(SimError::config(
                                format!("{path}.max[{a}]"),
                                p.max[a],
                                format!("must exceed min[{a}] ({})", p.min[a]),
                            ));
                        }
                    }
                    let rate = finite(&format!("{path}.sensor.rate_hz"), p.sensor.rate_hz)?;
                    if rate <= 0.0 || rate > MAX_RATE_HZ {
                        return Err(SimError::config(
                            format!("{path}.sensor.rate_hz"),
                            rate,
                            format!("sample rate must be in (0, {MAX_RATE_HZ}] Hz"),
                        ));
                    }
                    let noise =
                        finite(&format!("{path}.sensor.noise_std_g"), p.sensor.noise_std_g)?;
                    if noise < 0.0 {
                        return Err(SimError::config(
                            format!("{path}.sensor.noise_std_g"),
                            noise,
                            "must not be negative",
                        ));
                    }
                    let (min, max) = ([p.min[0], p.min[1]], [p.max[0], p.max[1]]);
                    let c = [(min[0] + max[0]) / 2.0, (min[1] + max[1]) / 2.0];
                    let (face_centre, width) = match p.front {
                        Facing::PosX => ([max[0], c[1]], max[1] - min[1]),
                        Facing::NegX => ([min[0], c[1]], max[1] - min[1]),
                        Facing::PosY => ([c[0], max[1]], max[0] - min[0]),
                        Facing::NegY => ([c[0], min[1]], max[0] - min[0]),
                    };
                    plates.push(PlateInfo {
                        id: p.id,
                        gondola: gi,
                        shelf: shelf - 1,
                        min: p.min,
                        max: p.max,
                        front: p.front,
                        face_centre,
                        width,
                        rate_hz: rate,
                        noise_std_g: noise,
                        stand: None,
                    });
                    footprints.push((min, max));
                }
            }
        }
        Ok((plates, footprints))
    }

    fn planogram(
        cfg: &StoreConfig,
        plates: &[PlateInfo],
        products: &[Product],
    ) -> Result<Vec<(usize, usize, u32)>, SimError> {
        let plate_ix: HashMap<u32, usize> =
            plates.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let product_ix: HashMap<&str, usize> = products
            .iter()
            .enumerate()
            .map(|(i, p)| (p.sku.as_str(), i))
            .collect();
        let mut out = Vec::with_capacity(cfg.planogram.len());
        for (i, e) in cfg.planogram.iter().enumerate() {
            let plate = *plate_ix.get(&e.plate).ok_or_else(|| {
                SimError::config(format!("planogram[{i}].plate"), e.plate, "no such plate")
            })?;
            let product = *product_ix.get(e.sku.as_str()).ok_or_else(|| {
                SimError::config(format!("planogram[{i}].sku"), &e.sku, "no such product")
            })?;
            if e.count > MAX_UNITS_PER_ENTRY {
                return Err(SimError::config(
                    format!("planogram[{i}].count"),
                    e.count,
                    format!("more than {MAX_UNITS_PER_ENTRY} units on one plate"),
                ));
            }
            out.push((plate, product, e.count));
        }
        Ok(out)
    }

    /// Where a shopper stands for this visit: in front of the plate's face at a random
    /// distance and slightly off centre (people do not stand on a mark), moved into
    /// walkable space; the nominal point if the random one has no walkable floor near.
    pub fn stand_point(&self, plate: usize, rng: &mut ChaCha8Rng) -> Option<Vec2> {
        let p = &self.plates[plate];
        let nominal = p.stand?;
        let n = p.front.normal();
        let l = lateral(p.front);
        let d = rng.random_range(STAND_DIST_M.0..STAND_DIST_M.1);
        let off = rng.random_range(-0.3..0.3) * p.width.min(1.0);
        let ideal = [
            p.face_centre[0] + n[0] * d + l[0] * off,
            p.face_centre[1] + n[1] * d + l[1] * off,
        ];
        Some(self.snap_stand(plate, ideal).unwrap_or(nominal))
    }
}

#[cfg(test)]
mod tests {
    //! The simulator's own checks, called directly: the core's validation may catch the
    //! same problems first when going through `simulate`.
    use super::*;

    fn convenience_store() -> StoreConfig {
        let text = include_str!("../../../examples/stores/convenience.json");
        StoreConfig::from_json(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn config_path(cfg: &StoreConfig) -> String {
        match Store::new(cfg) {
            Err(SimError::Config { path, .. }) => path,
            Err(other) => format!("other error: {other}"),
            Ok(_) => "accepted".into(),
        }
    }

    #[test]
    fn reference_store_is_accepted_and_every_plate_reachable() {
        let store = Store::new(&convenience_store()).expect("valid");
        assert_eq!(store.plates.len(), 360);
        assert!(store.plates.iter().all(|p| p.stand.is_some()));
    }

    #[test]
    fn bad_values_are_reported_with_their_path() {
        let mut cfg = convenience_store();
        cfg.gondolas[1].shelves[2].plates[3].sensor.rate_hz = 0.0;
        assert_eq!(
            config_path(&cfg),
            "gondolas[1].shelves[2].plates[3].sensor.rate_hz"
        );

        let mut cfg = convenience_store();
        cfg.gondolas[0].shelves[0].plates[0].max[1] = -1.0;
        assert_eq!(config_path(&cfg), "gondolas[0].shelves[0].plates[0].max[1]");

        let mut cfg = convenience_store();
        cfg.products[3].weight_g = f64::NAN;
        assert_eq!(config_path(&cfg), "products[3].weight_g");

        let mut cfg = convenience_store();
        cfg.planogram[5].sku = "NOPE".into();
        assert_eq!(config_path(&cfg), "planogram[5].sku");

        let mut cfg = convenience_store();
        cfg.planogram[7].plate = 123_456;
        assert_eq!(config_path(&cfg), "planogram[7].plate");

        let mut cfg = convenience_store();
        cfg.floor = [0.0, 11.0];
        assert_eq!(config_path(&cfg), "floor");
    }

    #[test]
    fn missing_gates_are_unsupported() {
        for kind in [GateKind::Entry, GateKind::Exit] {
            let mut cfg = convenience_store();
            cfg.gates.retain(|g| g.kind != kind);
            assert!(matches!(
                Store::new(&cfg),
                Err(SimError::Unsupported { .. })
            ));
        }
    }
}
