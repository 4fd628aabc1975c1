//! The store's sensors as the simulator renders them: calibrated cameras with the part
//! of the floor each can see, thermal cameras with both directions of their floor
//! homography, and RFID antenna zones. Projection itself is the core's
//! (`walkout_core::geometry`), so what the simulator projects the engine can invert.

use walkout_core::config::{AntennaKind, Mat3, StoreConfig, Vec2, Vec3};
use walkout_core::geometry::{apply_homography, invert3, CameraModel};

use crate::error::SimError;

/// Frame rates above this would only ask for absurd amounts of output.
const MAX_FPS: f64 = 240.0;
/// People are this tall at most; a camera sees a person whose head or feet it sees.
const PERSON_TOP_M: f64 = 2.1;
/// A body seen at the edge of the view box stands this far outside it at most (arms,
/// the far side of the body).
const VIEW_MARGIN_M: f64 = 0.8;
/// Border pixels sampled per image edge to find what floor a camera sees.
const EDGE_SAMPLES: usize = 12;
/// Rays through pixels near the horizon hit the floor far away: cap them here.
const FAR_M: f64 = 200.0;
/// Points whose undistorted image radius exceeds the image corners' by this factor are
/// outside the image, even if the distortion polynomial folds them back inside.
const RADIUS_MARGIN: f64 = 1.1;

pub(crate) struct CameraInfo {
    pub id: u32,
    pub model: CameraModel,
    /// The extrinsics (x_cam = R x + t), kept here so the hot loop can get depths
    /// without a call into the model for every keypoint.
    rotation: [[f64; 3]; 3],
    translation: Vec3,
    pub fps: f64,
    pub width: f64,
    pub height: f64,
    pub focal_px: f64,
    /// Floor rectangle outside which no part of a person is in view.
    pub view_min: Vec2,
    pub view_max: Vec2,
    /// Largest squared normalised radius (x/z)² + (y/z)² that lands in the image.
    pub r_lim2: f64,
    /// Bounds of the image in undistorted normalised coordinates (x/z, y/z): min x,
    /// min y, max x, max y.
    pub norm_box: [f64; 4],
}

pub(crate) struct ThermalInfo {
    pub id: u32,
    pub width: f64,
    pub height: f64,
    pub fps: f64,
    pub to_floor: Mat3,
    pub to_image: Mat3,
    pub view_min: Vec2,
    pub view_max: Vec2,
}

pub(crate) struct AntennaInfo {
    pub reader: u32,
    pub id: u32,
    pub kind: AntennaKind,
    pub min: Vec3,
    pub max: Vec3,
}

fn check_fps(path: &str, fps: f64) -> Result<f64, SimError> {
    if fps.is_finite() && fps > 0.0 && fps <= MAX_FPS {
        Ok(fps)
    } else {
        Err(SimError::config(
            path,
            fps,
            format!("frame rate must be in (0, {MAX_FPS}] Hz"),
        ))
    }
}

fn grow(min: &mut Vec2, max: &mut Vec2, p: Vec2) {
    for a in 0..2 {
        min[a] = min[a].min(p[a]);
        max[a] = max[a].max(p[a]);
    }
}

fn clamp_box(min: Vec2, max: Vec2, margin: f64, floor: Vec2) -> (Vec2, Vec2) {
    (
        [
            (min[0] - margin).clamp(0.0, floor[0]),
            (min[1] - margin).clamp(0.0, floor[1]),
        ],
        [
            (max[0] + margin).clamp(0.0, floor[0]),
            (max[1] + margin).clamp(0.0, floor[1]),
        ],
    )
}

fn border_pixels(width: f64, height: f64) -> impl Iterator<Item = Vec2> {
    (0..=EDGE_SAMPLES).flat_map(move |k| {
        let f = k as f64 / EDGE_SAMPLES as f64;
        [
            [f * width, 0.0],
            [f * width, height],
            [0.0, f * height],
            [width, f * height],
        ]
    })
}

pub(crate) fn cameras(cfg: &StoreConfig) -> Result<Vec<CameraInfo>, SimError> {
    let mut out = Vec::with_capacity(cfg.cameras.len());
    for (i, c) in cfg.cameras.iter().enumerate() {
        let fps = check_fps(&format!("cameras[{i}].fps"), c.fps)?;
        let model = CameraModel::from_config(c);
        let (w, h) = (f64::from(c.width), f64::from(c.height));
        let centre = model.centre();
        let mut min = [centre[0], centre[1]];
        let mut max = min;
        let mut r_lim2 = 0.0f64;
        let mut norm_box = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for px in border_pixels(w, h) {
            let ray = model.pixel_ray(px);
            let d = ray.direction;
            // Camera-frame direction of the ray: R d (the centre maps to the origin).
            let c_dir = model.to_camera([centre[0] + d[0], centre[1] + d[1], centre[2] + d[2]]);
            if c_dir[2] > 1e-9 {
                let (x, y) = (c_dir[0] / c_dir[2], c_dir[1] / c_dir[2]);
                r_lim2 = r_lim2.max(x * x + y * y);
                norm_box = [
                    norm_box[0].min(x),
                    norm_box[1].min(y),
                    norm_box[2].max(x),
                    norm_box[3].max(y),
                ];
            }
            for z in [0.0, PERSON_TOP_M] {
                let hit = ray.hit_height(z).unwrap_or_else(|| ray.at(FAR_M));
                grow(&mut min, &mut max, [hit[0], hit[1]]);
            }
        }
        if !(r_lim2.is_finite() && r_lim2 > 0.0) {
            return Err(SimError::config(
                format!("cameras[{i}]"),
                c.id,
                "no image corner lies in front of the camera",
            ));
        }
        let (view_min, view_max) = clamp_box(min, max, VIEW_MARGIN_M, cfg.floor);
        out.push(CameraInfo {
            id: c.id,
            model,
            rotation: c.rotation,
            translation: c.translation,
            fps,
            width: w,
            height: h,
            focal_px: (c.intrinsics[0][0] + c.intrinsics[1][1]) / 2.0,
            view_min,
            view_max,
            r_lim2: r_lim2 * RADIUS_MARGIN * RADIUS_MARGIN,
            norm_box,
        });
    }
    Ok(out)
}

pub(crate) fn thermals(cfg: &StoreConfig) -> Result<Vec<ThermalInfo>, SimError> {
    let mut out = Vec::with_capacity(cfg.thermal_cameras.len());
    for (i, c) in cfg.thermal_cameras.iter().enumerate() {
        let fps = check_fps(&format!("thermal_cameras[{i}].fps"), c.fps)?;
        let path = format!("thermal_cameras[{i}].homography");
        let to_image = invert3(&c.homography)
            .ok_or_else(|| SimError::config(&path, c.homography, "homography is not invertible"))?;
        let (w, h) = (f64::from(c.width), f64::from(c.height));
        let mut min = [f64::INFINITY; 2];
        let mut max = [f64::NEG_INFINITY; 2];
        for px in [[0.0, 0.0], [w, 0.0], [0.0, h], [w, h]] {
            let p = apply_homography(&c.homography, px)
                .filter(|p| p[0].is_finite() && p[1].is_finite())
                .ok_or_else(|| {
                    SimError::config(
                        &path,
                        c.homography,
                        "maps an image corner to infinity (the floor horizon is in view)",
                    )
                })?;
            grow(&mut min, &mut max, p);
        }
        let (view_min, view_max) = clamp_box(min, max, 0.0, cfg.floor);
        out.push(ThermalInfo {
            id: c.id,
            width: w,
            height: h,
            fps,
            to_floor: c.homography,
            to_image,
            view_min,
            view_max,
        });
    }
    Ok(out)
}

pub(crate) fn antennas(cfg: &StoreConfig) -> Vec<AntennaInfo> {
    cfg.rfid_readers
        .iter()
        .flat_map(|r| {
            r.antennas.iter().map(move |a| AntennaInfo {
                reader: r.id,
                id: a.id,
                kind: a.kind,
                min: a.min,
                max: a.max,
            })
        })
        .collect()
}

impl CameraInfo {
    /// Camera-frame coordinates of a store-frame point (the config's extrinsics).
    #[inline]
    pub fn to_camera(&self, p: Vec3) -> Vec3 {
        let (r, t) = (&self.rotation, &self.translation);
        [
            r[0][0] * p[0] + r[0][1] * p[1] + r[0][2] * p[2] + t[0],
            r[1][0] * p[0] + r[1][1] * p[1] + r[1][2] * p[2] + t[1],
            r[2][0] * p[0] + r[2][1] * p[1] + r[2][2] * p[2] + t[2],
        ]
    }

    /// Whether any part of a person standing at `pos` (a body within `reach_m` of the
    /// vertical axis, up to `PERSON_TOP_M`) can land in the image. Cheap: the axis in
    /// normalised coordinates against the image's normalised bounds, no distortion.
    pub fn may_see(&self, pos: Vec2, reach_m: f64) -> bool {
        let a = self.to_camera([pos[0], pos[1], 0.0]);
        let b = self.to_camera([pos[0], pos[1], PERSON_TOP_M]);
        let near = 0.1;
        if a[2] < near && b[2] < near {
            return false;
        }
        if a[2] < near || b[2] < near {
            return true; // the body passes the camera plane: let the full test decide
        }
        let nb = self.norm_box;
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for q in [a, b] {
            let m = reach_m / q[2];
            for k in 0..2 {
                lo[k] = lo[k].min(q[k] / q[2] - m);
                hi[k] = hi[k].max(q[k] / q[2] + m);
            }
        }
        hi[0] >= nb[0] && lo[0] <= nb[2] && hi[1] >= nb[1] && lo[1] <= nb[3]
    }
}

impl ThermalInfo {
    /// Thermal pixel of a floor point, if it lies in the image.
    pub fn pixel(&self, p: Vec2) -> Option<Vec2> {
        apply_homography(&self.to_image, p)
            .filter(|q| q[0] >= 0.0 && q[1] >= 0.0 && q[0] < self.width && q[1] < self.height)
    }

    /// Floor square metres covered by one pixel around pixel `px`.
    pub fn m2_per_px(&self, px: Vec2) -> f64 {
        let f = |q: Vec2| apply_homography(&self.to_floor, q).unwrap_or([f64::NAN; 2]);
        let (o, a, b) = (f(px), f([px[0] + 1.0, px[1]]), f([px[0], px[1] + 1.0]));
        ((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])).abs()
    }
}

impl AntennaInfo {
    pub fn centre(&self) -> Vec3 {
        [
            (self.min[0] + self.max[0]) / 2.0,
            (self.min[1] + self.max[1]) / 2.0,
            (self.min[2] + self.max[2]) / 2.0,
        ]
    }

    /// Distance from `p` to the zone box (0 inside).
    pub fn distance_to_zone(&self, p: Vec3) -> f64 {
        let d2: f64 = (0..3)
            .map(|a| {
                (self.min[a] - p[a])
                    .max(0.0)
                    .max(p[a] - self.max[a])
                    .powi(2)
            })
            .sum();
        d2.sqrt()
    }

    /// Half the zone's diagonal: the scale over which read probability falls off.
    pub fn half_diagonal(&self) -> f64 {
        let d: f64 = (0..3).map(|a| (self.max[a] - self.min[a]).powi(2)).sum();
        d.sqrt() / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> StoreConfig {
        let text = include_str!("../../../examples/stores/convenience.json");
        StoreConfig::from_json(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn camera_views_cover_what_they_project() {
        let cfg = store();
        let cams = cameras(&cfg).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cams.len(), cfg.cameras.len());
        for c in &cams {
            // Every floor point whose projection lands in the image lies in the view box.
            for ix in 0..=56 {
                for iy in 0..=44 {
                    let p = [ix as f64 * 0.25, iy as f64 * 0.25, 1.0];
                    if let Some(px) = c.model.project(p) {
                        let q = c.to_camera(p);
                        assert_eq!(q, c.model.to_camera(p));
                        let r2 = (q[0] / q[2]).powi(2) + (q[1] / q[2]).powi(2);
                        if c.model.in_image(px) && r2 <= c.r_lim2 {
                            assert!(
                                p[0] >= c.view_min[0] && p[0] <= c.view_max[0],
                                "camera {} x {p:?}",
                                c.id
                            );
                            assert!(p[1] >= c.view_min[1] && p[1] <= c.view_max[1]);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn thermal_pixels_round_trip() {
        let cfg = store();
        let th = thermals(&cfg).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(th.len(), 2);
        let t = &th[0];
        let mid = [
            (t.view_min[0] + t.view_max[0]) / 2.0,
            (t.view_min[1] + t.view_max[1]) / 2.0,
        ];
        let px = t.pixel(mid).unwrap_or_else(|| panic!("centre in view"));
        let back = apply_homography(&t.to_floor, px).unwrap_or([f64::NAN; 2]);
        assert!((back[0] - mid[0]).abs() < 1e-9 && (back[1] - mid[1]).abs() < 1e-9);
        // 1 cm pixels: 1e-4 m² each.
        assert!((t.m2_per_px(px) - 1e-4).abs() < 1e-5, "{}", t.m2_per_px(px));
        assert!(t.pixel([100.0, 100.0]).is_none());
    }

    #[test]
    fn absurd_frame_rates_are_config_errors() {
        let mut cfg = store();
        cfg.cameras[1].fps = 1e6;
        assert!(
            matches!(cameras(&cfg), Err(SimError::Config { path, .. }) if path == "cameras[1].fps")
        );
    }
}
