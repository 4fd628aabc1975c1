//! From detections to floor measurements: where a person stands, how sure we are, and
//! the rays of their wrists for hand positions.

use crate::config::Vec2;
use crate::geometry::{apply_homography, CameraModel, Ray};
use serde::{Deserialize, Serialize};

const LEFT_ANKLE: usize = 15;
const RIGHT_ANKLE: usize = 16;
const LEFT_WRIST: usize = 9;
const RIGHT_WRIST: usize = 10;
/// Keypoints below this confidence are treated as not seen.
pub const MIN_KEYPOINT_CONF: f32 = 0.3;

/// One person detection of one camera at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PersonDetection {
    pub t_us: i64,
    pub camera_id: u32,
    pub bbox: [f32; 4],
    pub score: f32,
    pub keypoints: [[f32; 3]; 17],
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

/// A floor position measurement with its spread, and wrist rays when keypoints exist.
#[derive(Debug, Clone, PartialEq)]
pub struct FloorMeasurement {
    pub t_us: i64,
    pub pos: Vec2,
    pub std_m: f64,
    pub wrists: Vec<Ray>,
}

/// The foot point of a person detection on the floor: the mean of the visible ankles,
/// else the bottom centre of the box. Its spread grows with the distance to the camera
/// (a pixel covers more floor far away) and is larger without ankles (the box bottom
/// wanders with the stride).
pub fn person_on_floor(cam: &CameraModel, det: &PersonDetection) -> Option<FloorMeasurement> {
    let ankles: Vec<[f64; 2]> = [LEFT_ANKLE, RIGHT_ANKLE]
        .iter()
        .map(|&k| det.keypoints[k])
        .filter(|k| k[2] >= MIN_KEYPOINT_CONF)
        .map(|k| [k[0] as f64, k[1] as f64])
        .collect();
    let (px, base_std) = if ankles.is_empty() {
        let b = det.bbox;
        ([(b[0] as f64 + b[2] as f64) / 2.0, b[3] as f64], 0.18)
    } else {
        let n = ankles.len() as f64;
        (
            [
                ankles.iter().map(|a| a[0]).sum::<f64>() / n,
                ankles.iter().map(|a| a[1]).sum::<f64>() / n,
            ],
            0.08,
        )
    };
    // Ankles sit ~8 cm above the floor; the bbox bottom is at the sole.
    let foot_height = if ankles.is_empty() { 0.0 } else { 0.08 };
    let hit = cam.pixel_ray(px).hit_height(foot_height)?;
    let c = cam.centre();
    let dist = ((hit[0] - c[0]).powi(2) + (hit[1] - c[1]).powi(2) + (hit[2] - c[2]).powi(2)).sqrt();
    let wrists = [LEFT_WRIST, RIGHT_WRIST]
        .iter()
        .map(|&k| det.keypoints[k])
        .filter(|k| k[2] >= MIN_KEYPOINT_CONF)
        .map(|k| cam.pixel_ray([k[0] as f64, k[1] as f64]))
        .collect();
    Some(FloorMeasurement {
        t_us: det.t_us,
        pos: [hit[0], hit[1]],
        std_m: base_std + 0.02 * dist,
        wrists,
    })
}

/// The floor position of a thermal blob through the camera's image-to-floor homography.
pub fn blob_on_floor(
    homography: &[[f64; 3]; 3],
    det: &ThermalDetection,
) -> Option<FloorMeasurement> {
    let pos = apply_homography(homography, [det.centroid[0] as f64, det.centroid[1] as f64])?;
    Some(FloorMeasurement {
        t_us: det.t_us,
        pos,
        // A top-down blob is the warm upper body, a little off the feet.
        std_m: 0.2,
        wrists: Vec::new(),
    })
}
