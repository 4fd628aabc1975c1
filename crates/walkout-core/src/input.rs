//! Columnar sensor input batches: the shape in which data crosses the boundary (numpy
//! arrays from Python, Parquet columns from session files, the simulator's output).
//! Time is `i64` microseconds on the sensor clock (Unix epoch), lengths metres, mass grams.

use serde::{Deserialize, Serialize};

use crate::errors::{Result, WalkoutError};

/// Raw weight samples of shelf plates (not zeroed, may drift).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WeightBatch {
    pub plate_id: Vec<u32>,
    pub t_us: Vec<i64>,
    pub grams: Vec<f64>,
}

/// Floor positions of shoppers from an upstream tracker. `track_id` is that tracker's
/// pseudonymous id; it carries no identity beyond one visit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PositionBatch {
    pub t_us: Vec<i64>,
    pub track_id: Vec<u32>,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateEventKind {
    /// Also read as "entry", the name of the gate kind in the store config.
    #[serde(alias = "entry")]
    Enter = 0,
    Exit = 1,
}

impl GateEventKind {
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Enter),
            1 => Some(Self::Exit),
            _ => None,
        }
    }
}

/// Gate passages. `token` is the account token of an explicit app check-in at the
/// gate (a QR scan), the only way an account is ever bound to a shopper.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GateBatch {
    pub gate_id: Vec<u32>,
    pub t_us: Vec<i64>,
    pub kind: Vec<GateEventKind>,
    pub token: Vec<Option<String>>,
}

/// `len` and `is_empty` of the batches: a batch has as many rows as times.
macro_rules! rows_are_times {
    ($($batch:ty),*) => {
        $(impl $batch {
            pub fn len(&self) -> usize {
                self.t_us.len()
            }
            pub fn is_empty(&self) -> bool {
                self.t_us.is_empty()
            }
        })*
    };
}
rows_are_times!(
    WeightBatch,
    PositionBatch,
    GateBatch,
    PersonDetectionBatch,
    ProductDetectionBatch,
    ThermalBlobBatch,
    RfidReadBatch
);

pub(crate) fn check_lengths(batch: &str, fields: &[(&str, usize)]) -> Result<()> {
    let (first, n) = fields[0];
    for &(name, len) in &fields[1..] {
        if len != n {
            return Err(WalkoutError::input(
                format!("{batch}.{name}"),
                0,
                len,
                format!("column length differs from `{first}` ({n})"),
            ));
        }
    }
    Ok(())
}

impl WeightBatch {
    pub fn check_lengths(&self) -> Result<()> {
        check_lengths(
            "weights",
            &[
                ("plate_id", self.plate_id.len()),
                ("t_us", self.t_us.len()),
                ("grams", self.grams.len()),
            ],
        )
    }
    pub fn push(&mut self, plate_id: u32, t_us: i64, grams: f64) {
        self.plate_id.push(plate_id);
        self.t_us.push(t_us);
        self.grams.push(grams);
    }
}

impl PositionBatch {
    pub fn check_lengths(&self) -> Result<()> {
        check_lengths(
            "positions",
            &[
                ("t_us", self.t_us.len()),
                ("track_id", self.track_id.len()),
                ("x", self.x.len()),
                ("y", self.y.len()),
            ],
        )
    }
    pub fn push(&mut self, t_us: i64, track_id: u32, x: f64, y: f64) {
        self.t_us.push(t_us);
        self.track_id.push(track_id);
        self.x.push(x);
        self.y.push(y);
    }
}

impl GateBatch {
    pub fn check_lengths(&self) -> Result<()> {
        check_lengths(
            "gates",
            &[
                ("gate_id", self.gate_id.len()),
                ("t_us", self.t_us.len()),
                ("kind", self.kind.len()),
                ("token", self.token.len()),
            ],
        )
    }
    pub fn push(&mut self, gate_id: u32, t_us: i64, kind: GateEventKind, token: Option<String>) {
        self.gate_id.push(gate_id);
        self.t_us.push(t_us);
        self.kind.push(kind);
        self.token.push(token);
    }
}

/// COCO keypoint order used by `PersonDetectionBatch::keypoints` (17 joints).
pub const COCO_KEYPOINTS: [&str; 17] = [
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
];

/// Person detections of the cameras, in pixels of the (distorted) image. A keypoint with
/// confidence 0 was not detected; a row without keypoints has all 17 at confidence 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonDetectionBatch {
    pub camera_id: Vec<u32>,
    pub t_us: Vec<i64>,
    /// x1, y1, x2, y2 in pixels.
    pub bbox: Vec<[f32; 4]>,
    pub score: Vec<f32>,
    /// (x, y, confidence) per COCO keypoint, see [`COCO_KEYPOINTS`].
    pub keypoints: Vec<[[f32; 3]; 17]>,
    /// Re-identification embeddings, row-major, the same number of values per row
    /// (`embedding.len() / len()`); empty when the detector gives none. See
    /// [`EmbeddingRows`].
    #[serde(default)]
    pub embedding: Vec<f32>,
}

/// Longest embedding accepted (re-identification models give 128 to 2048 values).
pub const MAX_EMBEDDING_DIM: usize = 4096;

/// Checks a batch's embeddings: `dim` values for each of `rows` rows, every one finite,
/// `dim` the same as earlier batches' (`expected`), when there were any.
pub fn check_embedding_rows(
    e: EmbeddingRows<'_>,
    rows: usize,
    expected: Option<usize>,
) -> Result<()> {
    const FIELD: &str = "person_detections.embedding";
    if rows == 0 && e.values.is_empty() {
        return Ok(());
    }
    if e.dim == 0 || e.dim > MAX_EMBEDDING_DIM {
        return Err(WalkoutError::input(
            FIELD,
            0,
            e.dim,
            format!("embedding length must be within 1..={MAX_EMBEDDING_DIM}"),
        ));
    }
    if e.values.len() != rows * e.dim {
        return Err(WalkoutError::input(
            FIELD,
            0,
            e.values.len(),
            format!("expected {rows} rows of {} values, (N, D) row-major", e.dim),
        ));
    }
    if let Some(dim) = expected.filter(|&d| d != e.dim && rows > 0) {
        return Err(WalkoutError::input(
            FIELD,
            0,
            e.dim,
            format!("earlier batches had embeddings of length {dim}; one model per engine"),
        ));
    }
    if let Some(i) = e.values.iter().position(|v| !v.is_finite()) {
        return Err(WalkoutError::input(
            FIELD,
            i / e.dim,
            e.values[i],
            "embedding values must be finite (a row of zeros marks a box without one)",
        ));
    }
    Ok(())
}

/// Appearance embeddings of a batch of person detections (a re-identification model's
/// output for each box): `dim` values per row, row-major. A row of zeros has none.
/// The tracker keeps a running mean per track to tell shoppers apart who stand close;
/// it lives for the visit only and never leaves the process (not in snapshots).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmbeddingRows<'a> {
    pub dim: usize,
    pub values: &'a [f32],
}

/// Product detections of the cameras (items seen, typically in a hand).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductDetectionBatch {
    pub camera_id: Vec<u32>,
    pub t_us: Vec<i64>,
    pub bbox: Vec<[f32; 4]>,
    /// The product's `vision_class` in the store config.
    pub class_id: Vec<u32>,
    pub score: Vec<f32>,
}

/// Warm blobs of the top-down thermal cameras, in thermal image pixels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThermalBlobBatch {
    pub camera_id: Vec<u32>,
    pub t_us: Vec<i64>,
    pub centroid: Vec<[f32; 2]>,
    /// Blob area in pixels².
    pub area_px: Vec<f32>,
    pub temperature_c: Vec<f32>,
}

/// RFID tag reads. `epc` is the 96-bit EPC of the tag (SGTIN-96 for products).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RfidReadBatch {
    pub reader_id: Vec<u32>,
    pub antenna_id: Vec<u32>,
    pub t_us: Vec<i64>,
    pub epc: Vec<u128>,
    pub rssi_dbm: Vec<f32>,
}

impl PersonDetectionBatch {
    /// The embeddings as the engine takes them (None when the batch has none).
    pub fn embedding_rows(&self) -> Option<EmbeddingRows<'_>> {
        let n = self.len();
        (n > 0 && !self.embedding.is_empty()).then(|| EmbeddingRows {
            dim: self.embedding.len() / n,
            values: &self.embedding,
        })
    }
}
