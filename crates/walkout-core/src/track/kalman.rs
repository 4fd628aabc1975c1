//! Kalman filter on the floor plane: state `[x, y, vx, vy]`.
//!
//! Shoppers walk, stop and turn; a white-acceleration model with a few m/s² of spread
//! follows that without lagging, and its growing covariance while a shopper is unseen
//! is what widens the assignment gate during an occlusion. The velocity is remembered
//! only for about [`VELOCITY_MEMORY_S`] (an Ornstein-Uhlenbeck velocity): shoppers stop
//! abruptly at shelves, and a filter that kept walking would run into the shopper
//! standing ahead and take their detections.

use serde::{Deserialize, Serialize};
type M4 = [[f64; 4]; 4];

/// Time constant of the velocity's decay without measurements, seconds.
pub const VELOCITY_MEMORY_S: f64 = 1.5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kalman {
    pub x: [f64; 4],
    pub p: M4,
    /// Spread of the acceleration, m/s².
    accel_std: f64,
}

/// Over `dt` seconds: the share of the velocity kept, and how far a unit velocity
/// carries the position meanwhile.
fn decay(dt: f64) -> (f64, f64) {
    let keep = (-dt / VELOCITY_MEMORY_S).exp();
    (keep, VELOCITY_MEMORY_S * (1.0 - keep))
}

/// `F P Fᵀ` for the transition `F = [[1, 0, travel, 0], [0, 1, 0, travel], [0, 0, keep,
/// 0], [0, 0, 0, keep]]`, without the products by its zeros: every track predicts once
/// per frame it may be in, thousands of times a second. The same sums in the same order
/// as the full products, so the same numbers.
fn propagate(p: &M4, travel: f64, keep: f64) -> M4 {
    // Rows of F P.
    let fp: M4 = [
        std::array::from_fn(|j| p[0][j] + travel * p[2][j]),
        std::array::from_fn(|j| p[1][j] + travel * p[3][j]),
        std::array::from_fn(|j| keep * p[2][j]),
        std::array::from_fn(|j| keep * p[3][j]),
    ];
    fp.map(|r| {
        [
            r[0] + travel * r[2],
            r[1] + travel * r[3],
            keep * r[2],
            keep * r[3],
        ]
    })
}

impl Kalman {
    /// Start at `pos` with position spread `pos_std` and an unknown walking velocity.
    pub fn new(pos: [f64; 2], pos_std: f64, accel_std: f64) -> Self {
        let mut p = [[0.0; 4]; 4];
        p[0][0] = pos_std * pos_std;
        p[1][1] = pos_std * pos_std;
        // Walking speed is at most ~1.5 m/s.
        p[2][2] = 1.0;
        p[3][3] = 1.0;
        Self {
            x: [pos[0], pos[1], 0.0, 0.0],
            p,
            accel_std,
        }
    }

    pub fn position(&self) -> [f64; 2] {
        [self.x[0], self.x[1]]
    }

    pub fn velocity(&self) -> [f64; 2] {
        [self.x[2], self.x[3]]
    }

    /// Predicted state after `dt` seconds (without changing the filter).
    pub fn predicted(&self, dt: f64) -> Self {
        let mut k = self.clone();
        k.predict(dt);
        k
    }

    /// The position of [`Self::predicted`] alone, without the covariance.
    pub fn predicted_position(&self, dt: f64) -> [f64; 2] {
        if dt <= 0.0 {
            return self.position();
        }
        let (_, travel) = decay(dt);
        [
            self.x[0] + travel * self.x[2],
            self.x[1] + travel * self.x[3],
        ]
    }

    pub fn predict(&mut self, dt: f64) {
        if dt <= 0.0 {
            return;
        }
        let (keep, travel) = decay(dt);
        self.x = [
            self.x[0] + travel * self.x[2],
            self.x[1] + travel * self.x[3],
            keep * self.x[2],
            keep * self.x[3],
        ];
        let q = self.accel_std * self.accel_std;
        let (dt2, dt3, dt4) = (dt * dt, dt * dt * dt, dt * dt * dt * dt);
        let mut pn = propagate(&self.p, travel, keep);
        for axis in 0..2 {
            let (p, v) = (axis, axis + 2);
            pn[p][p] += q * dt4 / 4.0;
            pn[p][v] += q * dt3 / 2.0;
            pn[v][p] += q * dt3 / 2.0;
            pn[v][v] += q * dt2;
        }
        self.p = pn;
    }

    /// Innovation covariance `S = H P Hᵀ + R` of a position measurement with spread `std`.
    fn innovation(&self, std: f64) -> [[f64; 2]; 2] {
        let r = std * std;
        [
            [self.p[0][0] + r, self.p[0][1]],
            [self.p[1][0], self.p[1][1] + r],
        ]
    }

    /// Squared Mahalanobis distance of a position measurement.
    pub fn mahalanobis2(&self, z: [f64; 2], std: f64) -> f64 {
        let s = self.innovation(std);
        let det = s[0][0] * s[1][1] - s[0][1] * s[1][0];
        if det <= 0.0 {
            return f64::INFINITY;
        }
        let (dx, dy) = (z[0] - self.x[0], z[1] - self.x[1]);
        (s[1][1] * dx * dx - (s[0][1] + s[1][0]) * dx * dy + s[0][0] * dy * dy) / det
    }

    pub fn update(&mut self, z: [f64; 2], std: f64) {
        let s = self.innovation(std);
        let det = s[0][0] * s[1][1] - s[0][1] * s[1][0];
        if det <= 0.0 {
            return;
        }
        let si = [
            [s[1][1] / det, -s[0][1] / det],
            [-s[1][0] / det, s[0][0] / det],
        ];
        // K = P Hᵀ S⁻¹, with H selecting the position.
        let mut k = [[0.0; 2]; 4];
        for (i, row) in k.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = self.p[i][0] * si[0][j] + self.p[i][1] * si[1][j];
            }
        }
        let y = [z[0] - self.x[0], z[1] - self.x[1]];
        for (i, row) in k.iter().enumerate() {
            self.x[i] += row[0] * y[0] + row[1] * y[1];
        }
        // P = (I - K H) P
        let p = self.p;
        for ((out, prev), gain) in self.p.iter_mut().zip(p.iter()).zip(k.iter()) {
            for (j, v) in out.iter_mut().enumerate() {
                *v = prev[j] - gain[0] * p[0][j] - gain[1] * p[1][j];
            }
        }
    }

    /// Largest positional standard deviation.
    pub fn position_std(&self) -> f64 {
        self.p[0][0].max(self.p[1][1]).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mat_mul(a: &M4, b: &M4) -> M4 {
        let mut out = [[0.0; 4]; 4];
        for (i, row) in out.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (0..4).map(|k| a[i][k] * b[k][j]).sum();
            }
        }
        out
    }

    fn transpose(a: &M4) -> M4 {
        let mut out = [[0.0; 4]; 4];
        for (i, row) in a.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                out[j][i] = *v;
            }
        }
        out
    }

    #[test]
    fn the_propagation_is_the_full_matrix_product() {
        let p: M4 = [
            [0.31, 0.02, 0.11, -0.01],
            [0.02, 0.27, 0.003, 0.09],
            [0.11, 0.003, 0.8, 0.05],
            [-0.01, 0.09, 0.05, 0.7],
        ];
        for (travel, keep) in [(0.066, 0.957), (0.5, 0.7), (1.2, 0.2)] {
            let f: M4 = [
                [1.0, 0.0, travel, 0.0],
                [0.0, 1.0, 0.0, travel],
                [0.0, 0.0, keep, 0.0],
                [0.0, 0.0, 0.0, keep],
            ];
            let full = mat_mul(&mat_mul(&f, &p), &transpose(&f));
            assert_eq!(propagate(&p, travel, keep), full);
        }
    }

    #[test]
    fn the_predicted_position_is_that_of_the_whole_prediction() {
        let mut k = Kalman::new([1.0, 2.0], 0.2, 2.0);
        k.update([1.3, 2.1], 0.1);
        k.predict(0.4);
        k.update([1.5, 2.05], 0.1);
        for dt in [-1.0, 0.0, 0.066, 0.5, 3.0] {
            assert_eq!(
                k.predicted_position(dt),
                k.predicted(dt).position(),
                "dt {dt}"
            );
        }
    }

    #[test]
    fn follows_a_walking_shopper_and_learns_the_velocity() {
        let mut k = Kalman::new([0.0, 0.0], 0.3, 2.0);
        for i in 1..=60 {
            let t = i as f64 / 15.0;
            k.predict(1.0 / 15.0);
            k.update([1.2 * t, 0.5], 0.1);
        }
        let v = k.velocity();
        // The decaying velocity model reads a steady walk a little slow, in the right
        // direction.
        assert!(v[0] > 0.9 && v[0] < 1.3 && v[1].abs() < 0.1, "{v:?}");
        assert!((k.position()[0] - 4.8).abs() < 0.1);
        assert!(k.position_std() < 0.1);
    }

    #[test]
    fn a_prediction_does_not_walk_on_for_ever() {
        let mut k = Kalman::new([0.0, 0.0], 0.3, 2.0);
        for i in 1..=60 {
            k.predict(1.0 / 15.0);
            k.update([1.2 * i as f64 / 15.0, 0.0], 0.1);
        }
        let (x, v) = (k.position()[0], k.velocity()[0]);
        // Unseen for 10 s: a constant-velocity filter would be 10 m further on; this one
        // stops within about a velocity memory of walking.
        let far = k.predicted(10.0).position()[0] - x;
        assert!(far > 0.5 && far <= VELOCITY_MEMORY_S * v + 1e-9, "{far}");
    }

    #[test]
    fn uncertainty_grows_while_unseen_and_the_gate_widens() {
        let mut k = Kalman::new([2.0, 2.0], 0.1, 2.0);
        let near = k.mahalanobis2([2.5, 2.0], 0.1);
        k.predict(2.0);
        assert!(k.position_std() > 1.0);
        assert!(k.mahalanobis2([2.5, 2.0], 0.1) < near / 10.0);
    }
}
