//! Ground truth of a simulated session: what really happened, for scoring the engine.
//! Nothing here is visible to the engine; the sensor batches are.

use serde::{Deserialize, Serialize};

/// True (noise-free) shopper positions on the tracker's frame clock, columnar and sorted
/// by time, then shopper.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryBatch {
    pub t_us: Vec<i64>,
    /// Index into [`GroundTruth::shoppers`].
    pub shopper: Vec<u32>,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl TrajectoryBatch {
    pub fn len(&self) -> usize {
        self.t_us.len()
    }
    pub fn is_empty(&self) -> bool {
        self.t_us.is_empty()
    }
    pub fn push(&mut self, t_us: i64, shopper: u32, x: f64, y: f64) {
        self.t_us.push(t_us);
        self.shopper.push(shopper);
        self.x.push(x);
        self.y.push(y);
    }
}

/// True person boxes per camera frame, for scoring a person detector: one row per
/// (camera frame, shopper) whose body projects into the image, whether or not the
/// simulated detector reported it. Sorted by time, then camera, then shopper.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonBoxBatch {
    pub camera_id: Vec<u32>,
    pub t_us: Vec<i64>,
    pub shopper: Vec<u32>,
    /// x1, y1, x2, y2 in pixels of the distorted image, clipped to the image.
    pub bbox: Vec<[f32; 4]>,
    /// Share of the 17 keypoints in the image and not occluded (by other shoppers or
    /// gondolas), 0..1.
    pub visible: Vec<f32>,
}

impl PersonBoxBatch {
    pub fn len(&self) -> usize {
        self.t_us.len()
    }
    pub fn is_empty(&self) -> bool {
        self.t_us.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Pick,
    PutBack,
    /// Units passed from one shopper's hand to another's; no plate changes.
    HandOver,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pick => "pick",
            Self::PutBack => "put_back",
            Self::HandOver => "hand_over",
        }
    }
}

/// What makes an action hard to attribute or to count, when a scenario made it so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confusion {
    /// Put back to a plate other than the one it came from (one of equal weight).
    WrongPlate,
    /// Picked a unit that stood on a plate it does not belong to.
    MisplacedItem,
    /// The shopper leaned on or held the plate just before.
    PressedFirst,
    /// Three or more units at once.
    ManyUnits,
    /// Another shopper's hand was on the same plate at the same time.
    SharedPlate,
    /// Standing in front of one plate, reaching across a neighbour to another.
    CrossedArms,
    /// Another shopper stood within half a metre.
    StandingClose,
    /// Units handed to another shopper.
    HandOver,
}

impl Confusion {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WrongPlate => "wrong_plate",
            Self::MisplacedItem => "misplaced_item",
            Self::PressedFirst => "pressed_first",
            Self::ManyUnits => "many_units",
            Self::SharedPlate => "shared_plate",
            Self::CrossedArms => "crossed_arms",
            Self::StandingClose => "standing_close",
            Self::HandOver => "hand_over",
        }
    }
}

/// One hand interaction that moved items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrueAction {
    /// The shopper whose hand moved the units (the giver of a hand-over).
    pub shopper: u32,
    pub kind: ActionKind,
    /// The plate touched; `None` for a hand-over.
    pub plate_id: Option<u32>,
    pub sku: String,
    pub quantity: u32,
    /// The hand is on the plate (or the units pass hands) from `t_start_us` to `t_end_us`.
    pub t_start_us: i64,
    pub t_end_us: i64,
    /// True change of the plate's load, grams: negative for a pick, positive for a
    /// put-back (the sum of the moved instances' own weights, not the catalogue mean);
    /// 0 for a hand-over.
    pub grams_moved: f64,
    /// Who received the units of a hand-over.
    pub receiver: Option<u32>,
    /// Set when the scenario made this action deliberately hard.
    pub confusion: Option<Confusion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrueShopper {
    pub shopper: u32,
    /// The pseudonymous id this shopper's positions carry.
    pub track_id: u32,
    /// Account token scanned at the entry gate; `None` for a shopper who did not check in.
    pub token: Option<String>,
    pub enter_us: i64,
    pub exit_us: i64,
    pub height_m: f64,
    pub shoulder_m: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrueReceipt {
    pub shopper: u32,
    pub token: Option<String>,
    pub track_id: u32,
    /// (sku, quantity) sorted by sku; only quantities above zero.
    pub lines: Vec<(String, u32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CartCause {
    Pick,
    PutBack,
    HandOverOut,
    HandOverIn,
}

impl CartCause {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pick => "pick",
            Self::PutBack => "put_back",
            Self::HandOverOut => "hand_over_out",
            Self::HandOverIn => "hand_over_in",
        }
    }
}

/// One change of a shopper's true cart, at the end of the action that caused it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartChange {
    pub t_us: i64,
    pub shopper: u32,
    pub sku: String,
    pub delta: i32,
    /// Units of `sku` in the cart after the change.
    pub quantity: u32,
    pub cause: CartCause,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisturbanceKind {
    /// A shopper leaned on a plate (kilograms, seconds). `sensor_id` is the plate.
    Lean,
    /// A shopper held a plate's edge (hundreds of grams, seconds).
    Hold,
    /// A cart bumped a gondola and all its plates shook. `sensor_id` is the gondola.
    Vibration,
    /// A plate sent nothing.
    PlateDropout,
    /// A plate drifted far more than load cells normally do (whole session).
    StrongDrift,
    /// A camera sent nothing.
    CameraBlackout,
}

impl DisturbanceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lean => "lean",
            Self::Hold => "hold",
            Self::Vibration => "vibration",
            Self::PlateDropout => "plate_dropout",
            Self::StrongDrift => "strong_drift",
            Self::CameraBlackout => "camera_blackout",
        }
    }
}

/// Something that disturbed a sensor without moving any item (or a sensor fault).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disturbance {
    pub kind: DisturbanceKind,
    /// Plate, gondola or camera id, by `kind`.
    pub sensor_id: u32,
    pub shopper: Option<u32>,
    pub t_start_us: i64,
    pub t_end_us: i64,
}

/// The RFID tag of one unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrueTag {
    /// SGTIN-96.
    pub epc: u128,
    pub sku: String,
    pub serial: u64,
    /// The plate the unit stood on at the start.
    pub plate_id: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub trajectories: TrajectoryBatch,
    pub person_boxes: PersonBoxBatch,
    /// Sorted by `t_start_us`, then shopper.
    pub actions: Vec<TrueAction>,
    pub shoppers: Vec<TrueShopper>,
    /// One per shopper, in shopper order (empty `lines` when nothing was taken).
    pub receipts: Vec<TrueReceipt>,
    /// Every change of every cart, sorted by time, then shopper.
    pub cart_changes: Vec<CartChange>,
    /// (plate_id, sku, count) for every planogram pair and every unit standing where
    /// the planogram does not put it, sorted; counts may be 0.
    pub final_stock: Vec<(u32, String, u32)>,
    /// The part of `final_stock` that the planogram does not list: misplaced units.
    pub misplaced: Vec<(u32, String, u32)>,
    /// Sorted by start time, then kind and sensor.
    pub disturbances: Vec<Disturbance>,
    /// Every RFID tag in the store, in stocking order.
    pub tags: Vec<TrueTag>,
}
