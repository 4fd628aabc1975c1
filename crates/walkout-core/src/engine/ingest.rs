//! The `ingest_*` calls: each checks its whole batch first (lengths, ids, times, value
//! ranges), so a bad row rejects the batch with an error naming the field, the row and
//! the value and nothing is half-ingested; then it buffers the rows that are not late.
//! The checks every modality shares are the helpers at the top.

use super::buffer::{
    GateEvent, ModalityCounts, PersonDetection, PositionSample, ProductDetection, ThermalDetection,
};
use super::{late_after, Engine, EngineStats};
use crate::config::GateKind;
use crate::errors::{Result, WalkoutError};
use crate::input::{
    check_embedding_rows, check_lengths as check_same_len, EmbeddingRows, GateEventKind,
};
use crate::rfid::RfidRead;
use crate::track::embedding::unit;

/// Plausible sensor clock range: 2000-01-01 to 2100-01-01 in µs since the Unix epoch.
pub(crate) const MIN_T_US: i64 = 946_684_800_000_000;
pub(crate) const MAX_T_US: i64 = 4_102_444_800_000_000;

/// Largest raw plate reading accepted, either sign: one tonne. Real readings (not zeroed,
/// drifting) stay far inside; a value beyond is a broken sensor or a unit mix-up, and
/// squares of such values overflow the detector's variance sums to infinity.
pub const MAX_ABS_GRAMS: f64 = 1e6;
/// Largest pixel coordinate accepted, either sign. Detectors report boxes partly outside
/// the image, never a hundred thousand pixels away from it.
pub const MAX_ABS_PX: f32 = 1e5;
/// Accepted thermal blob areas (pixels²) and temperatures (°C).
pub const MAX_BLOB_AREA_PX: f32 = 1e8;
pub const TEMPERATURE_RANGE_C: (f32, f32) = (-100.0, 200.0);
/// Accepted RFID signal strengths (dBm); readers report roughly -90..-20.
pub const RSSI_RANGE_DBM: (f32, f32) = (-200.0, 100.0);

/// Longest account token accepted, in bytes. Check-in tokens are short opaque strings
/// (a UUID is 36 bytes); a megabyte one is a bug upstream, kept in memory and in every
/// snapshot until the receipt.
pub const MAX_TOKEN_BYTES: usize = 256;

/// The first value of `values` that is not finite or lies outside `-max..=max`.
fn first_out_of_range(values: &[f32], max: f32) -> Option<f32> {
    values
        .iter()
        .copied()
        .find(|v| !v.is_finite() || v.abs() > max)
}

/// A sensor time `t` (µs since the Unix epoch) at `field`, `row`, within the plausible
/// clock range: seconds, milliseconds or nanoseconds all fall outside it.
pub(super) fn check_time(field: &str, row: usize, t: i64) -> Result<()> {
    if !(MIN_T_US..=MAX_T_US).contains(&t) {
        return Err(WalkoutError::input(
            field,
            row,
            t,
            "timestamp outside 2000..2100 (expected µs since the Unix epoch)",
        ));
    }
    Ok(())
}

/// An account token: 1 to [`MAX_TOKEN_BYTES`] bytes without control characters (it is
/// printed in receipts and logs, where a newline or escape would forge lines).
fn check_token(row: usize, token: &str) -> Result<()> {
    let ok =
        !token.is_empty() && token.len() <= MAX_TOKEN_BYTES && !token.chars().any(char::is_control);
    if ok {
        return Ok(());
    }
    // The value as it reads in the error: quoted, and cut short when long.
    let shown: String = token.chars().take(40).collect();
    let value = if shown.len() < token.len() {
        format!("{shown:?}… ({} bytes)", token.len())
    } else {
        format!("{token:?}")
    };
    Err(WalkoutError::input(
        "gates.token",
        row,
        value,
        format!("a token is 1 to {MAX_TOKEN_BYTES} bytes without control characters"),
    ))
}

/// A passage's direction fits its gate, and only a passage in carries a token: a gate
/// of the config lets shoppers through one way, and an account is bound on the way in.
fn check_passage(row: usize, gate: GateKind, kind: GateEventKind, token: bool) -> Result<()> {
    let (name, gate_name) = match (kind, gate) {
        (GateEventKind::Enter, GateKind::Entry) | (GateEventKind::Exit, GateKind::Exit) => {
            if token && kind == GateEventKind::Exit {
                return Err(WalkoutError::input(
                    "gates.token",
                    row,
                    "a token on an exit passage",
                    "an account token is bound when a shopper enters; an exit passage carries none",
                ));
            }
            return Ok(());
        }
        (GateEventKind::Exit, _) => ("exit", "an entry gate"),
        (GateEventKind::Enter, _) => ("enter", "an exit gate"),
    };
    Err(WalkoutError::input(
        "gates.kind",
        row,
        name,
        format!("an `{name}` passage at {gate_name}: a gate lets shoppers through one way only"),
    ))
}

/// A flat column of `width` values per row holds whole rows.
fn check_row_width(field: &str, len: usize, width: usize, shape: &str) -> Result<()> {
    if len.is_multiple_of(width) {
        Ok(())
    } else {
        Err(WalkoutError::input(field, 0, len, shape))
    }
}

/// The 4 values of row `row` of a flat box column.
fn bbox_of(bbox: &[f32], row: usize) -> [f32; 4] {
    let b = &bbox[row * 4..row * 4 + 4];
    [b[0], b[1], b[2], b[3]]
}

impl Engine {
    /// Shoppers are tracked either by an upstream tracker (`positions`) or by the
    /// engine's own tracker from camera and thermal detections, never both: the two
    /// give the same shopper two tracks, each cart half the picks, and the receipt is
    /// wrong without any error. Told from the rows received so far (`camera` says
    /// which kind this batch of `field` is), which a snapshot keeps.
    fn check_one_tracker(&self, field: &str, camera: bool, rows: usize) -> Result<()> {
        let s = &self.stats;
        let other = if camera {
            s.positions.received
        } else {
            s.person_detections.received + s.thermal_blobs.received
        };
        if rows == 0 || other == 0 {
            return Ok(());
        }
        let (this, that) = if camera {
            ("upstream positions", "camera detections")
        } else {
            ("camera detections", "positions")
        };
        Err(WalkoutError::input(
            field,
            0,
            format!("{rows} rows after {other} rows of {this}"),
            format!(
                "this engine tracks shoppers from {this}; positions and camera detections \
                 are two trackers of the same shoppers and cannot be mixed (feed {that} \
                 to an engine of their own)"
            ),
        ))
    }

    /// Camera `cam` (at `field`, `row`) is one of the store config's.
    fn check_camera(&self, field: &str, row: usize, cam: u32) -> Result<()> {
        if self.cameras.contains_key(&cam) {
            return Ok(());
        }
        Err(WalkoutError::input(
            field,
            row,
            cam,
            "no camera with this id in the store config",
        ))
    }

    /// The rows of a checked batch that are not late. Counts the batch as received and
    /// the late rows as late in the modality's `counts`, and moves the buffer's newest
    /// time to the newest row on time, once per batch so that the callers' loops only
    /// buffer rows.
    fn admit<'a>(
        &mut self,
        t_us: &'a [i64],
        counts: impl FnOnce(&mut EngineStats) -> &mut ModalityCounts,
    ) -> impl Iterator<Item = usize> + 'a {
        let processed_until = self.processed_until;
        let on_time = move |t: i64| !late_after(processed_until, t);
        let newest = t_us.iter().copied().filter(|&t| on_time(t)).max();
        let counts = counts(&mut self.stats);
        counts.received += t_us.len() as u64;
        counts.late += t_us.iter().filter(|&&t| !on_time(t)).count() as u64;
        if let Some(t) = newest {
            self.buffer.note_time(t);
        }
        (0..t_us.len()).filter(move |&row| on_time(t_us[row]))
    }

    /// Ingest raw weight samples. The whole batch is checked first: a bad row rejects the
    /// batch with an error naming it, so nothing is half-ingested.
    pub fn ingest_weights(&mut self, plate_id: &[u32], t_us: &[i64], grams: &[f64]) -> Result<()> {
        self.check_open()?;
        check_same_len(
            "weights",
            &[
                ("plate_id", plate_id.len()),
                ("t_us", t_us.len()),
                ("grams", grams.len()),
            ],
        )?;
        let mut plates = Vec::with_capacity(plate_id.len());
        for (row, ((&pid, &t), &g)) in plate_id.iter().zip(t_us).zip(grams).enumerate() {
            let idx = self.store.plate_idx(pid).ok_or_else(|| {
                WalkoutError::input(
                    "weights.plate_id",
                    row,
                    pid,
                    "no plate with this id in the store config",
                )
            })?;
            check_time("weights.t_us", row, t)?;
            if !g.is_finite() || g.abs() > MAX_ABS_GRAMS {
                return Err(WalkoutError::input(
                    "weights.grams",
                    row,
                    g,
                    format!("weight must be finite and within ±{MAX_ABS_GRAMS} g"),
                ));
            }
            plates.push(idx);
        }
        let rows = self.admit(t_us, |s| &mut s.weights);
        let on_time = rows.map(|row| (plates[row], t_us[row], grams[row]));
        self.buffer.push_weights(on_time);
        Ok(())
    }

    /// Ingest shopper floor positions from an upstream tracker.
    pub fn ingest_positions(
        &mut self,
        t_us: &[i64],
        track_id: &[u32],
        x: &[f64],
        y: &[f64],
    ) -> Result<()> {
        self.check_open()?;
        check_same_len(
            "positions",
            &[
                ("t_us", t_us.len()),
                ("track_id", track_id.len()),
                ("x", x.len()),
                ("y", y.len()),
            ],
        )?;
        self.check_one_tracker("positions", false, t_us.len())?;
        let floor = self.store.config.floor;
        for row in 0..t_us.len() {
            check_time("positions.t_us", row, t_us[row])?;
            for (name, v, max) in [
                ("positions.x", x[row], floor[0]),
                ("positions.y", y[row], floor[1]),
            ] {
                // A tracker's estimate may stray a little outside the walls; far outside
                // is a bug.
                if !v.is_finite() || v < -1.0 || v > max + 1.0 {
                    return Err(WalkoutError::input(
                        name,
                        row,
                        v,
                        format!("position must be finite and on the floor (0..{max} m)"),
                    ));
                }
            }
        }
        for row in self.admit(t_us, |s| &mut s.positions) {
            self.buffer.positions.push(PositionSample {
                t_us: t_us[row],
                track_id: track_id[row],
                x: x[row],
                y: y[row],
            });
        }
        Ok(())
    }

    /// Ingest gate passages. `token` is an account token from an explicit check-in.
    pub fn ingest_gates(
        &mut self,
        gate_id: &[u32],
        t_us: &[i64],
        kind: &[GateEventKind],
        token: &[Option<String>],
    ) -> Result<()> {
        self.check_open()?;
        check_same_len(
            "gates",
            &[
                ("gate_id", gate_id.len()),
                ("t_us", t_us.len()),
                ("kind", kind.len()),
                ("token", token.len()),
            ],
        )?;
        for row in 0..t_us.len() {
            let Some(gate) = self.store.gate(gate_id[row]) else {
                return Err(WalkoutError::input(
                    "gates.gate_id",
                    row,
                    gate_id[row],
                    "no gate with this id in the store config",
                ));
            };
            check_time("gates.t_us", row, t_us[row])?;
            check_passage(row, gate.kind, kind[row], token[row].is_some())?;
            if let Some(t) = &token[row] {
                check_token(row, t)?;
            }
        }
        for row in self.admit(t_us, |s| &mut s.gates) {
            self.buffer.gates.push(GateEvent {
                t_us: t_us[row],
                gate_id: gate_id[row],
                kind: kind[row],
                token: token[row].clone(),
            });
        }
        Ok(())
    }

    /// Ingest person detections of the cameras. `bbox` holds 4 values per row
    /// (x1, y1, x2, y2 px), `keypoints` 51 per row (17 COCO joints × (x, y, confidence)).
    pub fn ingest_person_detections(
        &mut self,
        camera_id: &[u32],
        t_us: &[i64],
        bbox: &[f32],
        score: &[f32],
        keypoints: Option<&[f32]>,
        embedding: Option<EmbeddingRows<'_>>,
    ) -> Result<()> {
        self.check_open()?;
        let n = t_us.len();
        if let Some(rows) = embedding {
            check_embedding_rows(rows, n, self.embedding_dim)?;
        }
        check_same_len(
            "person_detections",
            &[
                ("t_us", n),
                ("camera_id", camera_id.len()),
                ("bbox/4", bbox.len() / 4),
                ("score", score.len()),
                ("keypoints/51", keypoints.map_or(n, |k| k.len() / 51)),
            ],
        )?;
        if keypoints.is_some_and(|k| !k.len().is_multiple_of(51)) {
            return Err(WalkoutError::input(
                "person_detections.bbox",
                0,
                bbox.len(),
                "bbox must be (N, 4) and keypoints (N, 17, 3)",
            ));
        }
        check_row_width(
            "person_detections.bbox",
            bbox.len(),
            4,
            "bbox must be (N, 4) and keypoints (N, 17, 3)",
        )?;
        self.check_one_tracker("person_detections", true, n)?;
        self.check_person_rows(camera_id, t_us, bbox, score, keypoints)?;
        for row in self.admit(t_us, |s| &mut s.person_detections) {
            let mut kp = [[0.0f32; 3]; 17];
            if let Some(k) = keypoints {
                for (j, joint) in kp.iter_mut().enumerate() {
                    let o = row * 51 + j * 3;
                    *joint = [k[o], k[o + 1], k[o + 2]];
                }
            }
            self.buffer.persons.push(PersonDetection {
                t_us: t_us[row],
                camera_id: camera_id[row],
                bbox: bbox_of(bbox, row),
                score: score[row],
                keypoints: kp,
                embedding: embedding.and_then(|e| unit(&e.values[row * e.dim..(row + 1) * e.dim])),
            });
        }
        if let Some(rows) = embedding.filter(|_| n > 0) {
            self.embedding_dim = Some(rows.dim);
        }
        Ok(())
    }

    /// The per-row checks of [`Self::ingest_person_detections`], columns of equal length.
    fn check_person_rows(
        &self,
        camera_id: &[u32],
        t_us: &[i64],
        bbox: &[f32],
        score: &[f32],
        keypoints: Option<&[f32]>,
    ) -> Result<()> {
        for row in 0..t_us.len() {
            self.check_camera("person_detections.camera_id", row, camera_id[row])?;
            check_time("person_detections.t_us", row, t_us[row])?;
            let b = bbox_of(bbox, row);
            let inside =
                first_out_of_range(&b, MAX_ABS_PX).is_none() && b[2] >= b[0] && b[3] >= b[1];
            if !inside {
                return Err(WalkoutError::input(
                    "person_detections.bbox",
                    row,
                    format!("{b:?}"),
                    format!(
                        "box must be finite, within ±{MAX_ABS_PX} px, with x2 >= x1 and y2 >= y1"
                    ),
                ));
            }
            if !(0.0..=1.0).contains(&score[row]) {
                return Err(WalkoutError::input(
                    "person_detections.score",
                    row,
                    score[row],
                    "score must be within 0..1",
                ));
            }
            let joints = keypoints.map(|k| &k[row * 51..row * 51 + 51]);
            if let Some(bad) = joints.and_then(|k| first_out_of_range(k, MAX_ABS_PX)) {
                return Err(WalkoutError::input(
                    "person_detections.keypoints",
                    row,
                    bad,
                    format!(
                        "keypoints must be finite and within ±{MAX_ABS_PX} px \
                         (confidence 0 marks a missing joint)"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Ingest blobs of the top-down thermal cameras; `centroid` holds 2 values per row.
    pub fn ingest_thermal_blobs(
        &mut self,
        camera_id: &[u32],
        t_us: &[i64],
        centroid: &[f32],
        area_px: &[f32],
        temperature_c: &[f32],
    ) -> Result<()> {
        self.check_open()?;
        let n = t_us.len();
        check_same_len(
            "thermal_blobs",
            &[
                ("t_us", n),
                ("camera_id", camera_id.len()),
                ("centroid/2", centroid.len() / 2),
                ("area_px", area_px.len()),
                ("temperature_c", temperature_c.len()),
            ],
        )?;
        check_row_width(
            "thermal_blobs.centroid",
            centroid.len(),
            2,
            "centroid must be (N, 2)",
        )?;
        self.check_one_tracker("thermal_blobs", true, n)?;
        for row in 0..n {
            if !self.thermal_homographies.contains_key(&camera_id[row]) {
                return Err(WalkoutError::input(
                    "thermal_blobs.camera_id",
                    row,
                    camera_id[row],
                    "no thermal camera with this id in the store config",
                ));
            }
            check_time("thermal_blobs.t_us", row, t_us[row])?;
            check_blob(
                row,
                &centroid[2 * row..2 * row + 2],
                area_px[row],
                temperature_c[row],
            )?;
        }
        for row in self.admit(t_us, |s| &mut s.thermal_blobs) {
            self.buffer.thermal.push(ThermalDetection {
                t_us: t_us[row],
                camera_id: camera_id[row],
                centroid: [centroid[2 * row], centroid[2 * row + 1]],
                area_px: area_px[row],
                temperature_c: temperature_c[row],
            });
        }
        Ok(())
    }

    /// Ingest product detections (`bbox` 4 values per row; `class_id` is a product's
    /// `vision_class`).
    pub fn ingest_product_detections(
        &mut self,
        camera_id: &[u32],
        t_us: &[i64],
        bbox: &[f32],
        class_id: &[u32],
        score: &[f32],
    ) -> Result<()> {
        self.check_open()?;
        let n = t_us.len();
        check_same_len(
            "product_detections",
            &[
                ("t_us", n),
                ("camera_id", camera_id.len()),
                ("bbox/4", bbox.len() / 4),
                ("class_id", class_id.len()),
                ("score", score.len()),
            ],
        )?;
        check_row_width(
            "product_detections.bbox",
            bbox.len(),
            4,
            "bbox must be (N, 4)",
        )?;
        for row in 0..n {
            self.check_camera("product_detections.camera_id", row, camera_id[row])?;
            check_time("product_detections.t_us", row, t_us[row])?;
            if !self.sku_by_class.contains_key(&class_id[row]) {
                return Err(WalkoutError::input(
                    "product_detections.class_id",
                    row,
                    class_id[row],
                    "no product has this vision_class in the store config",
                ));
            }
            let b = bbox_of(bbox, row);
            if first_out_of_range(&b, MAX_ABS_PX).is_some() || !(0.0..=1.0).contains(&score[row]) {
                return Err(WalkoutError::input(
                    "product_detections",
                    row,
                    format!("bbox {b:?}, score {}", score[row]),
                    format!("box must be finite and within ±{MAX_ABS_PX} px, score within 0..1"),
                ));
            }
        }
        for row in self.admit(t_us, |s| &mut s.product_detections) {
            self.buffer.products.push(ProductDetection {
                t_us: t_us[row],
                camera_id: camera_id[row],
                bbox: bbox_of(bbox, row),
                class_id: class_id[row],
                score: score[row],
            });
        }
        Ok(())
    }

    /// Ingest RFID reads; the 96-bit EPC comes as its high 32 and low 64 bits.
    pub fn ingest_rfid_reads(
        &mut self,
        reader_id: &[u32],
        antenna_id: &[u32],
        t_us: &[i64],
        epc_hi: &[u64],
        epc_lo: &[u64],
        rssi_dbm: &[f32],
    ) -> Result<()> {
        self.check_open()?;
        let n = t_us.len();
        check_same_len(
            "rfid_reads",
            &[
                ("t_us", n),
                ("reader_id", reader_id.len()),
                ("antenna_id", antenna_id.len()),
                ("epc_hi", epc_hi.len()),
                ("epc_lo", epc_lo.len()),
                ("rssi_dbm", rssi_dbm.len()),
            ],
        )?;
        for row in 0..n {
            if self
                .rfid_model
                .antenna(reader_id[row], antenna_id[row])
                .is_none()
            {
                return Err(WalkoutError::input(
                    "rfid_reads.antenna_id",
                    row,
                    format!("reader {} antenna {}", reader_id[row], antenna_id[row]),
                    "no such reader/antenna in the store config",
                ));
            }
            check_time("rfid_reads.t_us", row, t_us[row])?;
            if epc_hi[row] >> 32 != 0 {
                return Err(WalkoutError::input(
                    "rfid_reads.epc_hi",
                    row,
                    epc_hi[row],
                    "an EPC has 96 bits: the high part must fit in 32 bits",
                ));
            }
            let (lo, hi) = RSSI_RANGE_DBM;
            if !(lo..=hi).contains(&rssi_dbm[row]) {
                return Err(WalkoutError::input(
                    "rfid_reads.rssi_dbm",
                    row,
                    rssi_dbm[row],
                    format!("signal strength must be within {lo}..{hi} dBm"),
                ));
            }
        }
        for row in self.admit(t_us, |s| &mut s.rfid_reads) {
            self.buffer.rfid.push(RfidRead {
                t_us: t_us[row],
                reader_id: reader_id[row],
                antenna_id: antenna_id[row],
                epc: (u128::from(epc_hi[row]) << 64) | u128::from(epc_lo[row]),
                rssi_dbm: rssi_dbm[row],
            });
        }
        Ok(())
    }
}

/// A thermal blob's centroid, area and temperature (row `row` of the batch).
fn check_blob(row: usize, centroid: &[f32], area: f32, temp: f32) -> Result<()> {
    if let Some(bad) = first_out_of_range(centroid, MAX_ABS_PX) {
        return Err(WalkoutError::input(
            "thermal_blobs.centroid",
            row,
            bad,
            format!("centroid must be finite and within ±{MAX_ABS_PX} px"),
        ));
    }
    if !(0.0..=MAX_BLOB_AREA_PX).contains(&area) {
        return Err(WalkoutError::input(
            "thermal_blobs.area_px",
            row,
            area,
            format!("area must be within 0..{MAX_BLOB_AREA_PX} px²"),
        ));
    }
    let (lo, hi) = TEMPERATURE_RANGE_C;
    if !(lo..=hi).contains(&temp) {
        return Err(WalkoutError::input(
            "thermal_blobs.temperature_c",
            row,
            temp,
            format!("temperature must be within {lo}..{hi} °C"),
        ));
    }
    Ok(())
}
