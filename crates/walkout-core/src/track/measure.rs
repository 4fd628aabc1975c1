//! From detections to floor measurements: where a person stands, how sure we are, and
//! the rays of their wrists for hand positions.

use crate::config::Vec2;
use crate::geometry::{apply_homography, CameraModel, Ray};
use serde::{Deserialize, Serialize};

use super::embedding::Embedding;

const LEFT_ANKLE: usize = 15;
const RIGHT_ANKLE: usize = 16;
const LEFT_WRIST: usize = 9;
const RIGHT_WRIST: usize = 10;
/// Keypoints below this confidence are treated as not seen.
pub const MIN_KEYPOINT_CONF: f32 = 0.3;

/// One person detection of one camera at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonDetection {
    pub t_us: i64,
    pub camera_id: u32,
    pub bbox: [f32; 4],
    pub score: f32,
    pub keypoints: [[f32; 3]; 17],
    /// Unit length. Written into a snapshot only when configured
    /// (`fusion.snapshot_embeddings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Embedding>,
}

/// One thermal blob at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThermalDetection {
    pub t_us: i64,
    pub camera_id: u32,
    pub centroid: [f32; 2],
    pub area_px: f32,
    pub temperature_c: f32,
}

/// A floor position measurement with its spread.
#[derive(Debug, Clone, PartialEq)]
pub struct FloorMeasurement {
    pub t_us: i64,
    pub pos: Vec2,
    pub std_m: f64,
    /// The detector's confidence (1 for thermal blobs: a warm body is there).
    pub score: f32,
    /// Height of the head keypoints above the floor, when the head was seen: a cue that
    /// tells two shoppers standing close apart. It lives only in the tracker's memory of
    /// this visit.
    pub head_height_m: Option<f64>,
    /// Mean temperature of a thermal blob, °C: how warm this shopper's body reads.
    pub temperature_c: Option<f64>,
    /// Floor area of a thermal blob, m²: how broad this shopper is seen from above.
    pub top_area_m2: Option<f64>,
    /// The detection's re-identification embedding (unit length), when given: not set
    /// by `person_on_floor` (geometry only), the caller moves it in from the detection.
    pub embedding: Option<Embedding>,
}

/// Head keypoints: nose, eyes, ears.
const HEAD: [usize; 5] = [0, 1, 2, 3, 4];
const HIPS: [usize; 2] = [11, 12];
const SHOULDERS: [usize; 2] = [5, 6];
/// Below this horizontal share of a ray's direction, the camera looks too steeply down
/// to tell a head's height.
const MIN_HORIZONTAL_DIR: f64 = 0.15;
/// Foot points at least this direct (ankles, hips, shoulders) carry a head height.
const FOOT_STD_FOR_HEAD_M: f64 = 0.12;
/// Heights between which the body axis point (hips or shoulders) is searched.
const AXIS_Z_RANGE: (f64, f64) = (0.3, 1.9);

/// Mean pixel of the keypoints in `ks` that were seen; with `all`, only if every one was.
fn seen_mean(det: &PersonDetection, ks: &[usize], all: bool) -> Option<[f64; 2]> {
    // Gathered on the stack (at most the 17 joints; this runs several times per
    // detection, thousands of times a second).
    let mut buf = [[0.0f64; 2]; 17];
    let mut n_seen = 0;
    for k in ks.iter().map(|&k| det.keypoints[k]) {
        if k[2] >= MIN_KEYPOINT_CONF && n_seen < buf.len() {
            buf[n_seen] = [k[0] as f64, k[1] as f64];
            n_seen += 1;
        }
    }
    let seen = &buf[..n_seen];
    if seen.is_empty() || (all && seen.len() < ks.len()) {
        return None;
    }
    let n = seen.len() as f64;
    Some([
        seen.iter().map(|p| p[0]).sum::<f64>() / n,
        seen.iter().map(|p| p[1]).sum::<f64>() / n,
    ])
}

/// The wrist keypoints of a detection that were seen (pixels), at most two. Their
/// rays are cast only for the few detections whose hands are asked about (a confirmed
/// shopper standing still): undistorting a pixel is iterative.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Wrists {
    px: [[f32; 2]; 2],
    n: usize,
}

impl Wrists {
    pub fn of(det: &PersonDetection) -> Self {
        let mut out = Self::default();
        for k in [LEFT_WRIST, RIGHT_WRIST].map(|k| det.keypoints[k]) {
            if k[2] >= MIN_KEYPOINT_CONF {
                out.px[out.n] = [k[0], k[1]];
                out.n += 1;
            }
        }
        out
    }

    pub fn pixels(&self) -> &[[f32; 2]] {
        &self.px[..self.n]
    }

    /// The ray through each seen wrist.
    pub fn rays<'a>(&'a self, cam: &'a CameraModel) -> impl Iterator<Item = Ray> + 'a {
        self.pixels()
            .iter()
            .map(|k| cam.pixel_ray([k[0] as f64, k[1] as f64]))
    }
}

/// How high the seen head keypoints are above the floor at `foot`: where the ray
/// through their mean pixel passes over the foot point.
fn head_height(cam: &CameraModel, det: &PersonDetection, foot: Vec2) -> Option<f64> {
    let ray = cam.pixel_ray(seen_mean(det, &HEAD, false)?);
    let (o, d) = (ray.origin, ray.direction);
    let horizontal2 = d[0] * d[0] + d[1] * d[1];
    if horizontal2 < MIN_HORIZONTAL_DIR * MIN_HORIZONTAL_DIR {
        return None;
    }
    let s = ((foot[0] - o[0]) * d[0] + (foot[1] - o[1]) * d[1]) / horizontal2;
    let z = o[2] + s * d[2];
    (s > 0.0 && (0.5..2.5).contains(&z)).then_some(z)
}

/// The floor point under a body-axis pixel (mid-hips, mid-shoulders or the head) whose
/// image lies on the box's bottom row. The box bottom alone is the sole, but its centre
/// slides sideways with an outstretched arm; the body axis does not. `None` when no
/// height on the ray fits.
fn foot_under_axis(cam: &CameraModel, axis_px: Vec2, bottom_row: f64) -> Option<Vec2> {
    let ray = cam.pixel_ray(axis_px);
    let row_at = |z: f64| -> Option<(f64, Vec2)> {
        let p = ray.hit_height(z)?;
        let px = cam.project([p[0], p[1], 0.0])?;
        Some((px[1], [p[0], p[1]]))
    };
    let (mut lo, mut hi) = AXIS_Z_RANGE;
    let (row_lo, _) = row_at(lo)?;
    let (row_hi, _) = row_at(hi)?;
    // The foot row moves monotonically with the axis height; the bottom row must be
    // inside the bracket.
    if (row_lo - bottom_row) * (row_hi - bottom_row) > 0.0 {
        return None;
    }
    let rising = row_hi > row_lo;
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        let (row, _) = row_at(mid)?;
        if (row < bottom_row) == rising {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    row_at(0.5 * (lo + hi)).map(|r| r.1)
}

/// A box whose bottom is this close to the image's lower edge (a share of the image
/// height, beyond the detector's own jitter) was cut by it: the feet are out of view
/// and the box bottom says nothing about where they are.
const CUT_EDGE_SHARE: f64 = 0.015;

/// The foot point of a person detection on the floor, from the most direct evidence
/// seen: the ankles; else the point under the body axis (hips, shoulders, head) at the
/// box's bottom row; else the box's bottom centre. A box cut by the lower image edge
/// without ankles gives no floor point. The spread grows with the distance to the
/// camera (a pixel covers more floor far away) and the less direct the evidence.
pub fn person_on_floor(cam: &CameraModel, det: &PersonDetection) -> Option<FloorMeasurement> {
    let b = det.bbox;
    let bottom = b[3] as f64;
    let floor_hit =
        |px: Vec2, height: f64| cam.pixel_ray(px).hit_height(height).map(|h| [h[0], h[1]]);
    let cut = bottom >= cam.height as f64 * (1.0 - CUT_EDGE_SHARE);
    let axis = || {
        [(&HIPS[..], 0.12), (&SHOULDERS[..], 0.12), (&HEAD[..], 0.2)]
            .iter()
            .find_map(|&(ks, std)| {
                let px = seen_mean(det, ks, ks.len() == 2)?;
                Some((foot_under_axis(cam, px, bottom)?, std))
            })
    };
    // Ankles sit ~8 cm above the floor; the box bottom is at the sole.
    let ankles = seen_mean(det, &[LEFT_ANKLE, RIGHT_ANKLE], false);
    let (pos, base_std) = match ankles {
        Some(ankles) => (floor_hit(ankles, 0.08)?, 0.08),
        None if cut => return None,
        None => match axis() {
            Some(found) => found,
            None => (
                floor_hit([(b[0] as f64 + b[2] as f64) / 2.0, bottom], 0.0)?,
                0.18,
            ),
        },
    };
    let c = cam.centre();
    let dist = ((pos[0] - c[0]).powi(2) + (pos[1] - c[1]).powi(2) + c[2].powi(2)).sqrt();
    Some(FloorMeasurement {
        t_us: det.t_us,
        pos,
        std_m: base_std + 0.02 * dist,
        score: det.score,
        // Only over feet placed by the ankles or the hips: a foot point a little off
        // along the line of sight makes the head a lot higher or lower, and a cue learnt
        // from such heights would tell shoppers apart by the camera angle.
        head_height_m: (base_std <= FOOT_STD_FOR_HEAD_M)
            .then(|| head_height(cam, det, pos))
            .flatten(),
        temperature_c: None,
        top_area_m2: None,
        embedding: None,
    })
}

/// The floor position of a thermal blob through the camera's image-to-floor homography,
/// with the blob's warmth and its area on the floor (pixels² times the floor area one
/// pixel covers there).
pub fn blob_on_floor(
    homography: &[[f64; 3]; 3],
    det: &ThermalDetection,
) -> Option<FloorMeasurement> {
    let (u, v) = (det.centroid[0] as f64, det.centroid[1] as f64);
    let pos = apply_homography(homography, [u, v])?;
    let du = apply_homography(homography, [u + 1.0, v])?;
    let dv = apply_homography(homography, [u, v + 1.0])?;
    let m2_per_px =
        ((du[0] - pos[0]) * (dv[1] - pos[1]) - (du[1] - pos[1]) * (dv[0] - pos[0])).abs();
    let area = det.area_px as f64 * m2_per_px;
    Some(FloorMeasurement {
        t_us: det.t_us,
        pos,
        // A top-down blob is the warm upper body, a little off the feet.
        std_m: 0.2,
        score: 1.0,
        head_height_m: None,
        temperature_c: Some(det.temperature_c as f64).filter(|t| t.is_finite()),
        top_area_m2: (area.is_finite() && area > 0.0).then_some(area),
        embedding: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Vec3;
    use crate::geometry::tests::camera;

    /// A detection of a person standing at `foot` with head keypoints at `head_z`, hips
    /// at 0.9 m, the right wrist at `wrist`; `ankles` says whether the ankles were seen.
    /// The box spans every joint, seen or not (as a detector's box of the whole body).
    fn detection(foot: Vec2, head_z: f64, wrist: Vec3, ankles: bool) -> PersonDetection {
        let cam = camera();
        let (x, y) = (foot[0], foot[1]);
        let joints: [(usize, Vec3); 9] = [
            (0, [x, y, head_z]),
            (1, [x - 0.03, y, head_z + 0.01]),
            (2, [x + 0.03, y, head_z + 0.01]),
            (11, [x - 0.1, y, 0.9]),
            (12, [x + 0.1, y, 0.9]),
            (9, [x - 0.25, y, 0.85]),
            (10, wrist),
            (15, [x - 0.1, y, 0.08]),
            (16, [x + 0.1, y, 0.08]),
        ];
        let mut kp = [[0.0f32; 3]; 17];
        let (mut x1, mut y1, mut x2, mut y2) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(k, p) in &joints {
            let px = cam.project(p).expect("in front of the camera");
            (x1, y1, x2, y2) = (x1.min(px[0]), y1.min(px[1]), x2.max(px[0]), y2.max(px[1]));
            if ankles || !(k == 15 || k == 16) {
                kp[k] = [px[0] as f32, px[1] as f32, 0.9];
            }
        }
        // The box bottom is the sole, a little below the ankles.
        let sole = cam.project([x, y, 0.0]).expect("in front");
        PersonDetection {
            t_us: 0,
            camera_id: 1,
            bbox: [x1 as f32, y1 as f32, x2 as f32, y2.max(sole[1]) as f32],
            score: 0.9,
            keypoints: kp,
            embedding: None,
        }
    }

    fn off(a: Vec2, b: Vec2) -> f64 {
        (a[0] - b[0]).hypot(a[1] - b[1])
    }

    #[test]
    fn ankles_place_the_feet() {
        let cam = camera();
        let d = detection([2.3, 2.5], 1.55, [2.55, 2.5, 0.85], true);
        let m = person_on_floor(&cam, &d).expect("a floor point");
        assert!(off(m.pos, [2.3, 2.5]) < 0.03, "{:?}", m.pos);
        let h = m.head_height_m.expect("head seen");
        assert!((h - 1.555).abs() < 0.05, "{h}");
    }

    #[test]
    fn an_outstretched_arm_does_not_move_the_feet_when_the_ankles_are_hidden() {
        let cam = camera();
        // The right hand 0.7 m to the side: the box's bottom centre slides 0.35 m.
        let foot = [2.3, 2.5];
        let d = detection(foot, 1.55, [3.0, 2.5, 1.1], false);
        let m = person_on_floor(&cam, &d).expect("a floor point");
        assert!(off(m.pos, foot) < 0.08, "{:?}", m.pos);
        let b = d.bbox;
        let centre = cam
            .pixel_ray([(b[0] as f64 + b[2] as f64) / 2.0, b[3] as f64])
            .hit_height(0.0)
            .expect("on the floor");
        assert!(
            off([centre[0], centre[1]], foot) > 0.2,
            "the box centre would be off"
        );
    }

    #[test]
    fn a_box_cut_by_the_image_edge_gives_no_floor_point_without_ankles() {
        let cam = camera();
        let mut d = detection([2.3, 2.5], 1.55, [2.55, 2.5, 0.85], false);
        d.bbox[3] = cam.height as f32;
        assert!(person_on_floor(&cam, &d).is_none());
        d.keypoints[15] = [d.keypoints[11][0], d.keypoints[11][1] + 200.0, 0.9];
        assert!(
            person_on_floor(&cam, &d).is_some(),
            "ankles still place the feet"
        );
    }
}
