//! Camera and thermal frames into the tracker, and what the frames say beyond where
//! shoppers stand: which plate a hand is at, and which product is in which hand.

use super::super::Engine;
use crate::config::Vec2;
use crate::store::SkuIdx;
use crate::track::hands::plates_at_hands;
use crate::track::measure::{blob_on_floor, person_on_floor, FloorMeasurement, Wrists};
use crate::track::tracker::FrameResult;
use std::collections::BTreeMap;

/// One sensor frame: floor measurements with the wrist pixels of each, and the
/// products detected in the same image.
#[derive(Default)]
struct Frame {
    measurements: Vec<FloorMeasurement>,
    wrists: Vec<Wrists>,
    products: Vec<(SkuIdx, [f32; 4])>,
}

/// Another shopper's wrist must be this many times further from a product than the
/// nearest wrist for the product to count as in the nearest one's hand.
const HOLDER_MARGIN: f32 = 1.5;
/// A product this close (pixels) to a wrist is in that hand, however small its box.
const MIN_HOLD_PX: f32 = 60.0;

/// Person detections scored below this are left out of tracking.
const MIN_PERSON_SCORE: f32 = 0.3;

/// A shopper faster than this over the last half second is walking, not reaching into
/// a shelf. Walkers' hands swing past the faces of many plates, and one camera cannot
/// tell a hand at a face from one in front of it: a hand that takes something belongs
/// to someone who has stopped.
const REACHING_MAX_SPEED_M_S: f64 = 0.5;
const REACHING_SPEED_SPAN_US: i64 = 500_000;

impl Engine {
    /// Whether track `id` was walking at `t_us` (too fast to be reaching into a shelf).
    fn walking(&self, id: u32, t_us: i64) -> bool {
        self.tracks
            .get(id)
            .and_then(|t| t.speed_before(t_us, REACHING_SPEED_SPAN_US))
            .is_some_and(|v| v > REACHING_MAX_SPEED_M_S)
    }

    /// Feed camera and thermal frames to the tracker in time order; confirmed tracks'
    /// positions, hands and the products seen in their hands go to the track store.
    pub(super) fn track_detections(&mut self, until: i64) {
        let Some(frames) = self.frames_until(until) else {
            return;
        };
        for ((t, kind, camera_id), frame) in frames {
            let result = self.tracker.process_frame(t, &frame.measurements);
            for &(id, pos) in &result.updated {
                self.push_position(t, id, pos);
            }
            // Wrists only in camera frames (kind 0): thermal ids are another camera set.
            if kind == 0 {
                self.hands_at_plates(t, camera_id, &frame, &result);
            }
            for &(sku, b) in &frame.products {
                if let Some(id) = holder(&frame, &result, b) {
                    self.tracks.push_sighting(t, id, sku);
                    self.note_sighting(t);
                }
            }
        }
    }

    /// The detections buffered up to `until` as frames on the floor, by (time, kind:
    /// 0 camera or 1 thermal, camera id); `None` when no person or blob is among them.
    fn frames_until(&mut self, until: i64) -> Option<BTreeMap<(i64, u8, u32), Frame>> {
        let mut persons = self
            .buffer
            .drain_persons(until, &mut self.stats.person_detections);
        let blobs = self
            .buffer
            .drain_thermal(until, &mut self.stats.thermal_blobs);
        let products = self
            .buffer
            .drain_products(until, &mut self.stats.product_detections);
        if persons.is_empty() && blobs.is_empty() {
            return None;
        }
        let mut frames: BTreeMap<(i64, u8, u32), Frame> = BTreeMap::new();
        for d in &mut persons {
            if d.score < MIN_PERSON_SCORE {
                continue;
            }
            if let Some(mut m) = self
                .cameras
                .get(&d.camera_id)
                .and_then(|cam| person_on_floor(cam, d))
            {
                // The detection is spent: its embedding moves, not copied.
                m.embedding = d.embedding.take();
                let f = frames.entry((d.t_us, 0, d.camera_id)).or_default();
                f.measurements.push(m);
                f.wrists.push(Wrists::of(d));
            }
        }
        for b in &blobs {
            if let Some(m) = self
                .thermal_homographies
                .get(&b.camera_id)
                .and_then(|h| blob_on_floor(h, b))
            {
                let f = frames.entry((b.t_us, 1, b.camera_id)).or_default();
                f.measurements.push(m);
                f.wrists.push(Wrists::default());
            }
        }
        for p in &products {
            if let (Some(f), Some(&sku)) = (
                frames.get_mut(&(p.t_us, 0, p.camera_id)),
                self.sku_by_class.get(&p.class_id),
            ) {
                f.products.push((sku, p.bbox));
            }
        }
        Some(frames)
    }

    /// The plates within reach of the wrists of each confirmed shopper standing still
    /// in camera `camera_id`'s frame at `t`, into the track store.
    fn hands_at_plates(&mut self, t: i64, camera_id: u32, frame: &Frame, result: &FrameResult) {
        let Some(cam) = self.cameras.get(&camera_id) else {
            return;
        };
        let reach = self.params.reach_m;
        for (wrists, id) in frame.wrists.iter().zip(&result.assignment) {
            let Some((track_id, body)) = id.and_then(|id| Some((id, confirmed(result, id)?)))
            else {
                continue;
            };
            if wrists.pixels().is_empty() || self.walking(track_id, t) {
                continue;
            }
            let plates = plates_at_hands(&self.store, body, wrists.rays(cam), reach);
            for plate in plates {
                self.tracks.push_hand(t, track_id, plate);
            }
        }
    }
}

/// Where the frame put track `id`, when it is confirmed and was updated by it.
fn confirmed(result: &FrameResult, id: u32) -> Option<Vec2> {
    result.updated.iter().find(|u| u.0 == id).map(|u| u.1)
}

/// Whose hand the product with box `b` is in: the confirmed track whose wrist is
/// nearest to it in the image, if any wrist is within the product's own size, and no
/// other shopper's wrist is nearly as near (then whose hand it is in is a guess, and a
/// guess is no evidence).
fn holder(frame: &Frame, result: &FrameResult, b: [f32; 4]) -> Option<u32> {
    let centre = [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
    let reach_px = ((b[2] - b[0]).hypot(b[3] - b[1])).max(MIN_HOLD_PX);
    let mut near: Vec<(f32, u32)> = frame
        .wrists
        .iter()
        .zip(&result.assignment)
        .filter_map(|(wrists, id)| {
            let id = (*id).filter(|&i| confirmed(result, i).is_some())?;
            wrists
                .pixels()
                .iter()
                .map(|w| (w[0] - centre[0]).hypot(w[1] - centre[1]))
                .filter(|&d| d <= reach_px)
                .min_by(f32::total_cmp)
                .map(|d| (d, id))
        })
        .collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    match near.as_slice() {
        [] => None,
        [only] => Some(only.1),
        [first, second, ..] => {
            (first.1 == second.1 || second.0 > HOLDER_MARGIN * first.0.max(1.0)).then_some(first.1)
        }
    }
}
