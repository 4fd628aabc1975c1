//! Camera geometry: the pinhole model with OpenCV's distortion, pixels to rays, rays to
//! the floor and to shelf fronts, and triangulation. One implementation for the engine
//! and the simulator, so that what the simulator projects the engine can invert.

use crate::config::{Camera, Mat3, Vec2, Vec3};

/// A calibrated camera: `x_cam = R x_world + t`, then pinhole `K` and distortion.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraModel {
    pub id: u32,
    pub width: u32,
    pub height: u32,
    fx: f64,
    fy: f64,
    cx: f64,
    cy: f64,
    skew: f64,
    /// k1, k2, p1, p2, k3.
    dist: [f64; 5],
    r: Mat3,
    t: Vec3,
    centre: Vec3,
}

/// A ray in the store frame: `origin + s * direction`, `direction` of unit length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ray {
    pub origin: Vec3,
    pub direction: Vec3,
}

fn mat_vec(m: &Mat3, v: Vec3) -> Vec3 {
    [
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    ]
}

fn mat_t_vec(m: &Mat3, v: Vec3) -> Vec3 {
    [
        m[0][0] * v[0] + m[1][0] * v[1] + m[2][0] * v[2],
        m[0][1] * v[0] + m[1][1] * v[1] + m[2][1] * v[2],
        m[0][2] * v[0] + m[1][2] * v[1] + m[2][2] * v[2],
    ]
}

fn normalize(v: Vec3) -> Vec3 {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    [v[0] / n, v[1] / n, v[2] / n]
}

fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

impl CameraModel {
    pub fn from_config(c: &Camera) -> Self {
        let k = c.intrinsics;
        let centre = mat_t_vec(
            &c.rotation,
            [-c.translation[0], -c.translation[1], -c.translation[2]],
        );
        Self {
            id: c.id,
            width: c.width,
            height: c.height,
            fx: k[0][0],
            fy: k[1][1],
            cx: k[0][2],
            cy: k[1][2],
            skew: k[0][1],
            dist: c.distortion,
            r: c.rotation,
            t: c.translation,
            centre,
        }
    }

    /// The camera centre in the store frame.
    pub fn centre(&self) -> Vec3 {
        self.centre
    }

    /// Apply distortion to normalised image coordinates.
    fn distort(&self, x: f64, y: f64) -> (f64, f64) {
        let [k1, k2, p1, p2, k3] = self.dist;
        let r2 = x * x + y * y;
        let radial = 1.0 + r2 * (k1 + r2 * (k2 + r2 * k3));
        (
            x * radial + 2.0 * p1 * x * y + p2 * (r2 + 2.0 * x * x),
            y * radial + p1 * (r2 + 2.0 * y * y) + 2.0 * p2 * x * y,
        )
    }

    /// Invert [`Self::distort`] by fixed-point iteration (OpenCV's `undistortPoints`
    /// method); converges in a few steps for the moderate distortion of store cameras.
    fn undistort(&self, xd: f64, yd: f64) -> (f64, f64) {
        let [k1, k2, p1, p2, k3] = self.dist;
        let (mut x, mut y) = (xd, yd);
        for _ in 0..20 {
            let r2 = x * x + y * y;
            let radial = 1.0 + r2 * (k1 + r2 * (k2 + r2 * k3));
            let dx = 2.0 * p1 * x * y + p2 * (r2 + 2.0 * x * x);
            let dy = p1 * (r2 + 2.0 * y * y) + 2.0 * p2 * x * y;
            let (nx, ny) = ((xd - dx) / radial, (yd - dy) / radial);
            let done = (nx - x).abs() < 1e-12 && (ny - y).abs() < 1e-12;
            (x, y) = (nx, ny);
            if done {
                break;
            }
        }
        (x, y)
    }

    /// Camera-frame coordinates of a store-frame point.
    pub fn to_camera(&self, p: Vec3) -> Vec3 {
        let c = mat_vec(&self.r, p);
        [c[0] + self.t[0], c[1] + self.t[1], c[2] + self.t[2]]
    }

    /// Pixel of a store-frame point, `None` behind the camera.
    pub fn project(&self, p: Vec3) -> Option<Vec2> {
        let c = self.to_camera(p);
        if c[2] <= 1e-6 {
            return None;
        }
        let (x, y) = self.distort(c[0] / c[2], c[1] / c[2]);
        Some([self.fx * x + self.skew * y + self.cx, self.fy * y + self.cy])
    }

    pub fn in_image(&self, px: Vec2) -> bool {
        px[0] >= 0.0 && px[1] >= 0.0 && px[0] < self.width as f64 && px[1] < self.height as f64
    }

    /// The ray through a (distorted) pixel.
    pub fn pixel_ray(&self, px: Vec2) -> Ray {
        let yd = (px[1] - self.cy) / self.fy;
        let xd = (px[0] - self.cx - self.skew * yd) / self.fx;
        let (x, y) = self.undistort(xd, yd);
        Ray {
            origin: self.centre,
            direction: normalize(mat_t_vec(&self.r, [x, y, 1.0])),
        }
    }
}

impl Ray {
    pub fn at(&self, s: f64) -> Vec3 {
        [
            self.origin[0] + s * self.direction[0],
            self.origin[1] + s * self.direction[1],
            self.origin[2] + s * self.direction[2],
        ]
    }

    /// Where the ray meets the horizontal plane `z = height`, if in front of the origin.
    pub fn hit_height(&self, height: f64) -> Option<Vec3> {
        let dz = self.direction[2];
        if dz.abs() < 1e-9 {
            return None;
        }
        let s = (height - self.origin[2]) / dz;
        (s > 0.0).then(|| self.at(s))
    }

    /// Where the ray meets the plane through `point` with unit `normal`.
    pub fn hit_plane(&self, point: Vec3, normal: Vec3) -> Option<Vec3> {
        let denom = dot(self.direction, normal);
        if denom.abs() < 1e-9 {
            return None;
        }
        let diff = [
            point[0] - self.origin[0],
            point[1] - self.origin[1],
            point[2] - self.origin[2],
        ];
        let s = dot(diff, normal) / denom;
        (s > 0.0).then(|| self.at(s))
    }
}

/// Midpoint of the shortest segment between two rays, and that segment's length (the
/// disagreement of the two views). `None` for (nearly) parallel rays.
pub fn triangulate(a: &Ray, b: &Ray) -> Option<(Vec3, f64)> {
    let w0 = [
        a.origin[0] - b.origin[0],
        a.origin[1] - b.origin[1],
        a.origin[2] - b.origin[2],
    ];
    let (ab, aw, bw) = (
        dot(a.direction, b.direction),
        dot(a.direction, w0),
        dot(b.direction, w0),
    );
    let denom = 1.0 - ab * ab;
    if denom < 1e-9 {
        return None;
    }
    let s = (ab * bw - aw) / denom;
    let u = (bw - ab * aw) / denom;
    if s <= 0.0 || u <= 0.0 {
        return None;
    }
    let (p, q) = (a.at(s), b.at(u));
    let gap = ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt();
    Some((
        [
            (p[0] + q[0]) / 2.0,
            (p[1] + q[1]) / 2.0,
            (p[2] + q[2]) / 2.0,
        ],
        gap,
    ))
}

/// Apply a 3×3 homography to a point (e.g. thermal pixels to floor metres).
pub fn apply_homography(h: &Mat3, p: Vec2) -> Option<Vec2> {
    let v = mat_vec(h, [p[0], p[1], 1.0]);
    (v[2].abs() > 1e-12).then(|| [v[0] / v[2], v[1] / v[2]])
}

/// Inverse of a 3×3 matrix, `None` when singular.
pub fn invert3(m: &Mat3) -> Option<Mat3> {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if det.abs() < 1e-15 {
        return None;
    }
    let inv =
        |a: usize, b: usize, c: usize, d: usize| (m[a][b] * m[c][d] - m[a][d] * m[c][b]) / det;
    Some([
        [inv(1, 1, 2, 2), -inv(0, 1, 2, 2), inv(0, 1, 1, 2)],
        [-inv(1, 0, 2, 2), inv(0, 0, 2, 2), -inv(0, 0, 1, 2)],
        [inv(1, 0, 2, 1), -inv(0, 0, 2, 1), inv(0, 0, 1, 1)],
    ])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A camera at (2, -1, 3) looking at (2, 2, 1) with real-world distortion.
    /// A camera at (2, -1, 3) looking at (2, 2, 1), with lens distortion.
    pub(crate) fn camera() -> CameraModel {
        let eye = [2.0, -1.0, 3.0];
        let target = [2.0, 2.0, 1.0];
        let z = normalize([target[0] - eye[0], target[1] - eye[1], target[2] - eye[2]]);
        let up = [0.0, 0.0, 1.0];
        let x = normalize([
            z[1] * up[2] - z[2] * up[1],
            z[2] * up[0] - z[0] * up[2],
            z[0] * up[1] - z[1] * up[0],
        ]);
        let y = [
            z[1] * x[2] - z[2] * x[1],
            z[2] * x[0] - z[0] * x[2],
            z[0] * x[1] - z[1] * x[0],
        ];
        let r = [x, y, z];
        let t = mat_vec(&r, eye);
        CameraModel::from_config(&Camera {
            id: 1,
            width: 1920,
            height: 1080,
            fps: 15.0,
            intrinsics: [[1100.0, 0.0, 960.0], [0.0, 1100.0, 540.0], [0.0, 0.0, 1.0]],
            distortion: [-0.12, 0.03, 0.001, -0.0005, -0.002],
            rotation: r,
            translation: [-t[0], -t[1], -t[2]],
        })
    }

    #[test]
    fn centre_is_where_the_camera_was_placed() {
        let c = camera().centre();
        assert!(
            (c[0] - 2.0).abs() < 1e-9 && (c[1] + 1.0).abs() < 1e-9 && (c[2] - 3.0).abs() < 1e-9
        );
    }

    #[test]
    fn project_then_ray_back_to_the_floor_recovers_the_point() {
        let cam = camera();
        for &(x, y) in &[(2.0, 2.0), (0.5, 1.0), (3.6, 3.5), (1.0, 4.0)] {
            let px = cam.project([x, y, 0.0]).unwrap();
            let back = cam.pixel_ray(px).hit_height(0.0).unwrap();
            assert!(
                (back[0] - x).abs() < 1e-6 && (back[1] - y).abs() < 1e-6,
                "{back:?} vs {x},{y}"
            );
        }
    }

    #[test]
    fn two_views_triangulate_a_wrist() {
        let a = camera();
        let mut cfg_b = Camera {
            id: 2,
            width: 1920,
            height: 1080,
            fps: 15.0,
            intrinsics: [[1000.0, 0.0, 960.0], [0.0, 1000.0, 540.0], [0.0, 0.0, 1.0]],
            distortion: [0.0; 5],
            rotation: [[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]],
            translation: [0.0; 3],
        };
        // Looking along +y from (1, -2, 1.2).
        let eye = [1.0, -2.0, 1.2];
        let t = mat_vec(&cfg_b.rotation, eye);
        cfg_b.translation = [-t[0], -t[1], -t[2]];
        let b = CameraModel::from_config(&cfg_b);
        let wrist = [1.3, 2.1, 1.05];
        let (pa, pb) = (a.project(wrist).unwrap(), b.project(wrist).unwrap());
        let (p, gap) = triangulate(&a.pixel_ray(pa), &b.pixel_ray(pb)).unwrap();
        assert!(gap < 1e-6);
        for i in 0..3 {
            assert!((p[i] - wrist[i]).abs() < 1e-6, "{p:?}");
        }
    }

    #[test]
    fn homography_round_trip() {
        let h = [[0.01, 0.0, 3.0], [0.0, -0.01, 8.0], [0.0, 0.0, 1.0]];
        let inv = invert3(&h).unwrap();
        let floor = apply_homography(&h, [320.0, 256.0]).unwrap();
        let px = apply_homography(&inv, floor).unwrap();
        assert!((px[0] - 320.0).abs() < 1e-9 && (px[1] - 256.0).abs() < 1e-9);
        assert!(invert3(&[[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 0.0, 1.0]]).is_none());
    }
}
