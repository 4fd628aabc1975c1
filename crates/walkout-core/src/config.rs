//! The store configuration as the core receives it: JSON produced by the Python
//! layer's pydantic models (`walkout.config`). pydantic gives the user-facing errors
//! first; [`StoreConfig::validate`] checks again everything the core relies on, so the
//! core is safe to use from Rust alone.
//!
//! Units: metres, grams, seconds (durations in config), minor currency units (cents).

use serde::{Deserialize, Serialize};

use crate::errors::{Result, WalkoutError};

pub type Vec2 = [f64; 2];
pub type Vec3 = [f64; 3];
pub type Mat3 = [[f64; 3]; 3];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    pub name: String,
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Floor extent `[x, y]` in metres; the store frame's origin is one corner.
    pub floor: Vec2,
    pub products: Vec<Product>,
    pub gondolas: Vec<Gondola>,
    pub planogram: Vec<PlanogramEntry>,
    #[serde(default)]
    pub cameras: Vec<Camera>,
    #[serde(default)]
    pub thermal_cameras: Vec<ThermalCamera>,
    #[serde(default)]
    pub rfid_readers: Vec<RfidReader>,
    pub gates: Vec<Gate>,
    #[serde(default)]
    pub fusion: FusionParams,
}

fn default_currency() -> String {
    "EUR".to_string()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub sku: String,
    pub name: String,
    /// Mean unit weight in grams.
    pub weight_g: f64,
    /// Standard deviation of the unit weight across items, in grams.
    pub weight_std_g: f64,
    /// Price in minor currency units (cents).
    pub price_cents: i64,
    #[serde(default)]
    pub rfid: bool,
    #[serde(default)]
    pub vision_class: Option<u32>,
    /// GTIN-14 (14 digits, valid check digit); required when `rfid` is true, because
    /// the tags carry SGTIN-96 EPCs built from it (see [`crate::epc`]).
    #[serde(default)]
    pub gtin: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Gondola {
    pub id: u32,
    #[serde(default)]
    pub name: String,
    pub shelves: Vec<Shelf>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Shelf {
    pub id: u32,
    pub plates: Vec<Plate>,
}

/// The aisle-side face of a plate: the direction a shopper reaches in from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Facing {
    #[serde(rename = "+x")]
    PosX,
    #[serde(rename = "-x")]
    NegX,
    #[serde(rename = "+y")]
    PosY,
    #[serde(rename = "-y")]
    NegY,
}

impl Facing {
    /// Unit normal of the front face in the floor plane.
    pub fn normal(self) -> Vec2 {
        match self {
            Facing::PosX => [1.0, 0.0],
            Facing::NegX => [-1.0, 0.0],
            Facing::PosY => [0.0, 1.0],
            Facing::NegY => [0.0, -1.0],
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Plate {
    pub id: u32,
    /// Axis-aligned box of the plate's product volume, store frame, metres.
    pub min: Vec3,
    pub max: Vec3,
    pub front: Facing,
    #[serde(default)]
    pub sensor: WeightSensor,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WeightSensor {
    /// Expected standard deviation of one raw sample, grams.
    #[serde(default = "default_noise_std")]
    pub noise_std_g: f64,
    #[serde(default = "default_rate_hz")]
    pub rate_hz: f64,
}

fn default_noise_std() -> f64 {
    5.0
}
fn default_rate_hz() -> f64 {
    60.0
}

impl Default for WeightSensor {
    fn default() -> Self {
        Self {
            noise_std_g: default_noise_std(),
            rate_hz: default_rate_hz(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanogramEntry {
    pub plate: u32,
    pub sku: String,
    pub count: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Camera {
    pub id: u32,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    /// Pinhole intrinsics K.
    pub intrinsics: Mat3,
    /// OpenCV order: k1, k2, p1, p2, k3.
    #[serde(default)]
    pub distortion: [f64; 5],
    /// World-to-camera rotation R (x_cam = R x_world + t).
    pub rotation: Mat3,
    pub translation: Vec3,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ThermalCamera {
    pub id: u32,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    /// Homography from image pixels to floor metres.
    pub homography: Mat3,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AntennaKind {
    Shelf,
    Exit,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RfidReader {
    pub id: u32,
    pub antennas: Vec<Antenna>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Antenna {
    pub id: u32,
    pub kind: AntennaKind,
    pub min: Vec3,
    pub max: Vec3,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GateKind {
    Entry,
    Exit,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    pub id: u32,
    pub kind: GateKind,
    /// Centre of the gate on the floor, metres.
    pub position: Vec2,
    /// A shopper within this radius of the gate at a gate event is the one passing.
    #[serde(default = "default_gate_radius")]
    pub radius_m: f64,
}

fn default_gate_radius() -> f64 {
    1.5
}

/// Tuning of the fusion pipeline. Every field has a default that suits a
/// convenience store; see docs/config.md for what each one trades off.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FusionParams {
    /// How late an event may arrive (behind the newest event seen) and still be used.
    pub lateness_s: f64,
    /// Window over which a plate's weight must be steady to count as a stable state.
    pub stable_window_s: f64,
    /// A gap between weight samples longer than this restarts the stability window.
    pub max_sample_gap_s: f64,
    /// Weight changes on neighbouring plates of one shelf closer in time than this merge.
    pub merge_window_s: f64,
    /// Largest number of units one interaction is assumed to move.
    pub max_quantity: u32,
    /// Spatial scale of the shopper-to-plate likelihood (Gaussian sigma), metres.
    pub association_sigma_m: f64,
    /// A shopper farther than this from a plate's front cannot have touched it.
    pub reach_m: f64,
    /// How long after a gate event positions are still searched for the shopper passing.
    pub gate_bind_window_s: f64,
    /// Delay between an exit and the receipt, so that late shelf events still count.
    pub receipt_delay_s: f64,
    /// Receipt lines below this confidence are flagged for review.
    pub review_confidence: f64,
    /// Largest clock offset between cameras; widens measurement spreads.
    pub camera_clock_skew_s: f64,
    /// A track unseen for this long (an occlusion too long to bridge) ends.
    pub track_max_coast_s: f64,
    /// New shopper tracks are born only within this distance of an entry gate.
    pub track_birth_radius_m: f64,
    /// Write what the tracker learnt of each shopper's look (re-identification
    /// embeddings) into snapshots. Off: no embedding leaves the process, and a restored
    /// engine learns the looks anew.
    pub snapshot_embeddings: bool,
}

impl Default for FusionParams {
    fn default() -> Self {
        Self {
            lateness_s: 2.0,
            stable_window_s: 0.4,
            max_sample_gap_s: 0.5,
            merge_window_s: 1.0,
            max_quantity: 6,
            association_sigma_m: 0.4,
            reach_m: 1.5,
            gate_bind_window_s: 2.0,
            receipt_delay_s: 3.0,
            review_confidence: 0.8,
            camera_clock_skew_s: 0.05,
            track_max_coast_s: 5.0,
            track_birth_radius_m: 2.5,
            snapshot_embeddings: false,
        }
    }
}

impl StoreConfig {
    /// Parse config JSON and validate it.
    pub fn from_json(text: &str) -> Result<Self> {
        let cfg: StoreConfig =
            serde_json::from_str(text).map_err(|e| WalkoutError::Parse(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Every plate with the path of its gondola and shelf.
    pub fn plates(&self) -> impl Iterator<Item = (&Gondola, &Shelf, &Plate)> {
        self.gondolas
            .iter()
            .flat_map(|g| g.shelves.iter().map(move |s| (g, s)))
            .flat_map(|(g, s)| s.plates.iter().map(move |p| (g, s, p)))
    }

    /// Check everything the core relies on; the first problem found is returned.
    pub fn validate(&self) -> Result<()> {
        crate::validate::validate(self)
    }
}
