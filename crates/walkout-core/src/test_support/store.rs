//! Small store configs for tests, built in a few lines: what the test is about is
//! written out, the rest (name, currency, no sensors, default fusion parameters) comes
//! from [`store`].

use crate::config::{
    Antenna, AntennaKind, Camera, Facing, FusionParams, Gate, GateKind, Gondola, Mat3,
    PlanogramEntry, Plate, Product, RfidReader, Shelf, StoreConfig, ThermalCamera, Vec2, Vec3,
    WeightSensor,
};

/// A store config being built; [`StoreBuilder::build`] gives it.
#[derive(Debug, Clone)]
pub struct StoreBuilder(StoreConfig);

/// An empty store named `name` of `floor` metres: no products, shelves, sensors or gates.
pub fn store(name: &str, floor: [f64; 2]) -> StoreBuilder {
    StoreBuilder(StoreConfig {
        name: name.into(),
        currency: "EUR".into(),
        floor,
        products: vec![],
        gondolas: vec![],
        planogram: vec![],
        cameras: vec![],
        thermal_cameras: vec![],
        rfid_readers: vec![],
        gates: vec![],
        fusion: FusionParams::default(),
    })
}

/// More of a store built elsewhere (a test file's shared store, say).
impl From<StoreConfig> for StoreBuilder {
    fn from(cfg: StoreConfig) -> Self {
        Self(cfg)
    }
}

impl StoreBuilder {
    pub fn products(mut self, products: impl IntoIterator<Item = Product>) -> Self {
        self.0.products.extend(products);
        self
    }

    /// Gondola `id` (named `name`) of `shelves`, each a list of plates; the shelves are
    /// numbered from `first_shelf`.
    pub fn gondola(
        mut self,
        id: u32,
        name: &str,
        first_shelf: u32,
        shelves: Vec<Vec<Plate>>,
    ) -> Self {
        let shelves = (first_shelf..).zip(shelves);
        self.0.gondolas.push(Gondola {
            id,
            name: name.into(),
            shelves: shelves.map(|(id, plates)| Shelf { id, plates }).collect(),
        });
        self
    }

    /// `count` units of `sku` on `plate`.
    pub fn stock(mut self, plate: u32, sku: &str, count: u32) -> Self {
        self.0.planogram.push(PlanogramEntry {
            plate,
            sku: sku.into(),
            count,
        });
        self
    }

    pub fn camera(mut self, camera: Camera) -> Self {
        self.0.cameras.push(camera);
        self
    }

    /// A 640 × 512 thermal camera at 9 fps whose pixels map to the floor by `homography`.
    pub fn thermal_camera(mut self, id: u32, homography: Mat3) -> Self {
        self.0.thermal_cameras.push(ThermalCamera {
            id,
            width: 640,
            height: 512,
            fps: 9.0,
            homography,
        });
        self
    }

    pub fn rfid_reader(mut self, id: u32, antennas: Vec<Antenna>) -> Self {
        self.0.rfid_readers.push(RfidReader { id, antennas });
        self
    }

    /// An entry gate `id` at `entry` and an exit gate `id + 1` at `exit`, both reaching
    /// `radius_m`.
    pub fn gates(mut self, id: u32, entry: Vec2, exit: Vec2, radius_m: f64) -> Self {
        for (id, kind, position) in [(id, GateKind::Entry, entry), (id + 1, GateKind::Exit, exit)] {
            self.0.gates.push(Gate {
                id,
                kind,
                position,
                radius_m,
            });
        }
        self
    }

    pub fn build(self) -> StoreConfig {
        self.0
    }
}

/// A product of `weight_g` (± 2 g) at 1.00, named as its SKU, without RFID tag, vision
/// class or GTIN; a test changes what it needs with `..product(..)`.
pub fn product(sku: &str, weight_g: f64) -> Product {
    Product {
        sku: sku.into(),
        name: sku.into(),
        weight_g,
        weight_std_g: 2.0,
        price_cents: 100,
        rfid: false,
        vision_class: None,
        gtin: None,
    }
}

/// A plate facing −y between `min` and `max`, with the default weight sensor.
pub fn plate(id: u32, min: Vec3, max: Vec3) -> Plate {
    Plate {
        id,
        min,
        max,
        front: Facing::NegY,
        sensor: WeightSensor::default(),
    }
}

pub fn antenna(id: u32, kind: AntennaKind, min: Vec3, max: Vec3) -> Antenna {
    Antenna { id, kind, min, max }
}
