//! Shoppers' bodies and their 3D skeletons: the 17 COCO keypoints of an adult walking,
//! standing, and reaching into a shelf (or towards another shopper's hand).
//!
//! Proportions are fractions of body height from anthropometric tables (Drillis &
//! Contini): what a pose detector's keypoints would mark on a real person of that size.
//! Reaching bends the upper body forwards when the target is beyond arm's length (a low
//! shelf), so the wrist really arrives at the plate front.

use std::f64::consts::TAU;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use walkout_core::config::{Vec2, Vec3};

/// Adult body heights in a store, metres.
const HEIGHT_M: (f64, f64) = (1.5, 1.95);
/// Shoulder (biacromial) width as a fraction of height.
const SHOULDER_FRACTION: (f64, f64) = (0.22, 0.26);
/// Clothed skin seen from above, °C.
const SURFACE_TEMP_C: (f64, f64) = (29.0, 33.0);

// Heights as fractions of body height.
const NOSE_Z: f64 = 0.935;
const EYE_Z: f64 = 0.945;
const EAR_Z: f64 = 0.935;
const SHOULDER_Z: f64 = 0.818;
const ELBOW_Z: f64 = 0.63;
const WRIST_Z: f64 = 0.485;
const HIP_Z: f64 = 0.53;
const KNEE_Z: f64 = 0.285;
const ANKLE_Z: f64 = 0.039;
/// Shoulder to wrist, as a fraction of height (upper arm + forearm).
const ARM_FRACTION: f64 = 0.335;
/// A full stride (two steps) as a fraction of height.
const STRIDE_FRACTION: f64 = 0.8;

// Head, in metres (heads vary little with height).
const NOSE_FWD: f64 = 0.10;
const EYE_FWD: f64 = 0.085;
const EYE_SIDE: f64 = 0.032;
const EAR_SIDE: f64 = 0.075;
/// Top of the head above the eyes and the toes ahead of the ankles: the extent a box
/// drawn around a person covers beyond the keypoints.
pub(crate) const HEAD_TOP_ABOVE_EYES_M: f64 = 0.12;

/// Swing amplitudes at full walking speed, as fractions of height.
const ANKLE_SWING: f64 = 0.14;
const KNEE_SWING: f64 = 0.06;
const WRIST_SWING: f64 = 0.09;
const ELBOW_SWING: f64 = 0.035;
const FOOT_LIFT_M: f64 = 0.06;
/// Walking speed at which the swing reaches its full amplitude.
const FULL_SWING_MPS: f64 = 0.9;

pub(crate) const NOSE: usize = 0;
pub(crate) const L_SHOULDER: usize = 5;
pub(crate) const R_SHOULDER: usize = 6;
pub(crate) const L_WRIST: usize = 9;
pub(crate) const R_WRIST: usize = 10;
pub(crate) const L_HIP: usize = 11;
pub(crate) const R_HIP: usize = 12;
pub(crate) const L_ANKLE: usize = 15;
pub(crate) const R_ANKLE: usize = 16;
/// Keypoints above the hips: they follow the upper body when it bends.
const UPPER_BODY: [usize; 11] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arm {
    Left,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Body {
    pub height_m: f64,
    pub shoulder_m: f64,
    pub temp_c: f64,
}

impl Body {
    pub fn draw(rng: &mut ChaCha8Rng) -> Self {
        let height_m = rng.random_range(HEIGHT_M.0..HEIGHT_M.1);
        Self {
            height_m,
            shoulder_m: height_m * rng.random_range(SHOULDER_FRACTION.0..SHOULDER_FRACTION.1),
            temp_c: rng.random_range(SURFACE_TEMP_C.0..SURFACE_TEMP_C.1),
        }
    }

    pub fn stride_m(&self) -> f64 {
        STRIDE_FRACTION * self.height_m
    }

    pub fn arm_m(&self) -> f64 {
        ARM_FRACTION * self.height_m
    }

    /// Floor area the body covers seen from above (an ellipse of shoulder width by
    /// chest depth), m².
    pub fn top_area_m2(&self) -> f64 {
        std::f64::consts::PI / 4.0 * self.shoulder_m * (0.6 * self.shoulder_m)
    }
}

/// Where the body is and what it does at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PoseInput {
    pub pos: Vec2,
    /// Unit vector the body faces, in the floor plane.
    pub heading: Vec2,
    pub speed_mps: f64,
    /// Distance walked so far, metres: sets the phase of the gait.
    pub walked_m: f64,
    /// A reach: wrist target, how far along (0 at rest .. 1 at the target), which arm.
    pub reach: Option<(Vec3, f64, Arm)>,
}

fn add(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn lerp(a: Vec3, b: Vec3, f: f64) -> Vec3 {
    [
        a[0] + (b[0] - a[0]) * f,
        a[1] + (b[1] - a[1]) * f,
        a[2] + (b[2] - a[2]) * f,
    ]
}

fn norm(v: Vec3) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

/// The 17 COCO keypoints (store frame, metres) of `body` in pose `p`.
pub(crate) fn skeleton(body: &Body, p: &PoseInput, out: &mut [Vec3; 17]) {
    let h = body.height_m;
    let f = p.heading;
    let r = [f[1], -f[0]]; // the body's right, f × z
                           // (forward, right, up) in the body frame to the store frame.
    let at = |fwd: f64, right: f64, up: f64| -> Vec3 {
        [
            p.pos[0] + f[0] * fwd + r[0] * right,
            p.pos[1] + f[1] * fwd + r[1] * right,
            up,
        ]
    };
    let amp = (p.speed_mps / FULL_SWING_MPS).clamp(0.0, 1.0);
    let phase = TAU * p.walked_m / body.stride_m();
    let (s, c) = phase.sin_cos();
    let half_sh = body.shoulder_m / 2.0;
    let half_hip = 0.38 * body.shoulder_m;

    out[NOSE] = at(NOSE_FWD, 0.0, NOSE_Z * h);
    out[1] = at(EYE_FWD, -EYE_SIDE, EYE_Z * h);
    out[2] = at(EYE_FWD, EYE_SIDE, EYE_Z * h);
    out[3] = at(0.0, -EAR_SIDE, EAR_Z * h);
    out[4] = at(0.0, EAR_SIDE, EAR_Z * h);
    out[5] = at(0.0, -half_sh, SHOULDER_Z * h);
    out[6] = at(0.0, half_sh, SHOULDER_Z * h);
    // Arms swing against the legs: the left arm forward when the right leg is.
    out[7] = at(
        -ELBOW_SWING * h * s * amp - 0.02,
        -half_sh - 0.03,
        ELBOW_Z * h,
    );
    out[8] = at(
        ELBOW_SWING * h * s * amp - 0.02,
        half_sh + 0.03,
        ELBOW_Z * h,
    );
    out[9] = at(-WRIST_SWING * h * s * amp, -half_sh - 0.02, WRIST_Z * h);
    out[10] = at(WRIST_SWING * h * s * amp, half_sh + 0.02, WRIST_Z * h);
    out[11] = at(0.0, -half_hip, HIP_Z * h);
    out[12] = at(0.0, half_hip, HIP_Z * h);
    out[13] = at(KNEE_SWING * h * s * amp, -0.9 * half_hip, KNEE_Z * h);
    out[14] = at(-KNEE_SWING * h * s * amp, 0.9 * half_hip, KNEE_Z * h);
    let lift_l = FOOT_LIFT_M * amp * c.max(0.0);
    let lift_r = FOOT_LIFT_M * amp * (-c).max(0.0);
    out[15] = at(
        ANKLE_SWING * h * s * amp,
        -0.8 * half_hip,
        ANKLE_Z * h + lift_l,
    );
    out[16] = at(
        -ANKLE_SWING * h * s * amp,
        0.8 * half_hip,
        ANKLE_Z * h + lift_r,
    );

    if let Some((target, blend, arm)) = p.reach {
        reach(body, out, target, blend, arm);
    }
}

/// Moves one wrist towards `target` by `blend`, bending the upper body when the target
/// lies beyond arm's length from the shoulder.
fn reach(body: &Body, out: &mut [Vec3; 17], target: Vec3, blend: f64, arm: Arm) {
    let (sh, el, wr) = match arm {
        Arm::Left => (5, 7, 9),
        Arm::Right => (6, 8, 10),
    };
    let to = [
        target[0] - out[sh][0],
        target[1] - out[sh][1],
        target[2] - out[sh][2],
    ];
    let d = norm(to);
    let arm_m = body.arm_m();
    if d > arm_m && d > 1e-9 {
        let k = blend * (d - arm_m) / d;
        let shift = [to[0] * k, to[1] * k, to[2] * k];
        for &i in &UPPER_BODY {
            out[i] = add(out[i], shift);
        }
    }
    out[wr] = lerp(out[wr], target, blend);
    // The elbow sits between shoulder and wrist, dropped a little below the line.
    let mid = lerp(out[sh], out[wr], 0.5);
    out[el] = lerp(out[el], [mid[0], mid[1], mid[2] - 0.06], blend);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn body() -> Body {
        Body {
            height_m: 1.75,
            shoulder_m: 0.42,
            temp_c: 31.0,
        }
    }

    fn standing(heading: Vec2) -> PoseInput {
        PoseInput {
            pos: [2.0, 3.0],
            heading,
            speed_mps: 0.0,
            walked_m: 0.0,
            reach: None,
        }
    }

    #[test]
    fn standing_skeleton_has_human_proportions() {
        let mut k = [[0.0; 3]; 17];
        skeleton(&body(), &standing([0.0, 1.0]), &mut k);
        // Facing +y the body's right is +x: the right shoulder has the larger x.
        assert!(k[R_SHOULDER][0] > k[L_SHOULDER][0]);
        assert!((k[R_SHOULDER][0] - k[L_SHOULDER][0] - 0.42).abs() < 1e-9);
        assert!(k[NOSE][1] > 3.0, "nose is ahead of the body");
        for w in [
            k[NOSE][2],
            k[L_SHOULDER][2],
            k[L_HIP][2],
            k[13][2],
            k[L_ANKLE][2],
        ]
        .windows(2)
        {
            assert!(w[0] > w[1], "keypoints not ordered top to bottom");
        }
        assert!((k[NOSE][2] - 1.636).abs() < 0.01);
    }

    #[test]
    fn walking_swings_legs_in_opposition() {
        let mut k = [[0.0; 3]; 17];
        let mut p = standing([1.0, 0.0]);
        p.speed_mps = 1.2;
        p.walked_m = body().stride_m() / 4.0; // sin = 1: left leg forward
        skeleton(&body(), &p, &mut k);
        assert!(k[L_ANKLE][0] > 2.1 && k[R_ANKLE][0] < 1.9);
        assert!(
            k[L_WRIST][0] < 2.0 && k[R_WRIST][0] > 2.0,
            "arms swing against legs"
        );
    }

    #[test]
    fn reach_puts_the_wrist_on_the_target_even_low_down() {
        let b = body();
        for target in [[2.2, 3.45, 1.2], [2.0, 3.45, 0.25], [1.7, 3.5, 1.8]] {
            let mut k = [[0.0; 3]; 17];
            let mut p = standing([0.0, 1.0]);
            p.reach = Some((target, 1.0, Arm::Right));
            skeleton(&b, &p, &mut k);
            let w = k[R_WRIST];
            assert!(norm([w[0] - target[0], w[1] - target[1], w[2] - target[2]]) < 1e-9);
            // Never longer than the arm: the body bends instead.
            let sh = k[R_SHOULDER];
            let d = norm([w[0] - sh[0], w[1] - sh[1], w[2] - sh[2]]);
            assert!(d <= b.arm_m() + 1e-9, "arm stretched to {d}");
        }
    }

    #[test]
    fn drawn_bodies_are_adults() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for _ in 0..100 {
            let b = Body::draw(&mut rng);
            assert!((1.5..1.95).contains(&b.height_m));
            assert!((0.33..0.51).contains(&b.shoulder_m));
        }
    }
}
