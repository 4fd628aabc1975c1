//! A shopper's motion, prepared for sampling in time order: where the body is, which
//! way it faces, how fast it walks, where a hand reaches and what it holds. Every sensor
//! renderer samples it through its own [`Cursor`], which only moves forward, so a whole
//! hour costs one pass per renderer.

use walkout_core::config::{Vec2, Vec3};

use crate::body::{Arm, Body, PoseInput};
use crate::world::ShopperRecord;

/// A hand takes this long to travel to its target and back.
const REACH_RAMP_US: i64 = 350_000;

/// The hand is at `target` from `t_start_us` to `t_end_us`, travelling for
/// [`REACH_RAMP_US`] on either side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Reach {
    pub t_start_us: i64,
    pub t_end_us: i64,
    pub target: Vec3,
    pub arm: Arm,
}

/// A unit of `product` is in the hand of `arm` (visible to cameras).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Carry {
    pub t_start_us: i64,
    pub t_end_us: i64,
    pub product: usize,
    pub arm: Arm,
}

pub(crate) struct Motion {
    pub track_id: u32,
    pub enter_us: i64,
    pub exit_us: i64,
    pub body: Body,
    keyframes: Vec<(i64, Vec2)>,
    /// Distance walked when reaching each keyframe.
    walked_m: Vec<f64>,
    /// Facing along segment i (keyframe i to i + 1).
    heading: Vec<Vec2>,
    reaches: Vec<Reach>,
    carries: Vec<Carry>,
}

/// Where a sampler is in a [`Motion`]; starts at the beginning, only moves forward.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cursor {
    keyframe: usize,
    reach: usize,
    carry: usize,
}

fn smoothstep(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// Position on a keyframe polyline at `t` (clamped to its ends); None without keyframes.
/// For one-off lookups; samplers use [`Motion`] with a cursor.
pub(crate) fn position_at(keyframes: &[(i64, Vec2)], t: i64) -> Option<Vec2> {
    let i = keyframes.partition_point(|k| k.0 <= t);
    match (
        i.checked_sub(1).and_then(|j| keyframes.get(j)),
        keyframes.get(i),
    ) {
        (Some(&(ta, a)), Some(&(tb, b))) if tb > ta => {
            let f = (t - ta) as f64 / (tb - ta) as f64;
            Some([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f])
        }
        (Some(&(_, a)), _) => Some(a),
        (None, Some(&(_, b))) => Some(b),
        (None, None) => None,
    }
}

impl Motion {
    pub fn new(rec: &ShopperRecord) -> Self {
        let kf = &rec.keyframes;
        let mut walked_m = Vec::with_capacity(kf.len());
        let mut heading: Vec<Option<Vec2>> = Vec::with_capacity(kf.len());
        let mut total = 0.0;
        for (i, &(t, p)) in kf.iter().enumerate() {
            walked_m.push(total);
            let Some(&(tn, q)) = kf.get(i + 1) else {
                heading.push(None);
                break;
            };
            let d = [q[0] - p[0], q[1] - p[1]];
            let len = d[0].hypot(d[1]);
            total += len;
            let mid = (t + tn) / 2;
            let stand = rec
                .stands
                .iter()
                .find(|s| s.0 <= mid && mid <= s.1)
                .map(|s| s.2);
            heading.push(if len > 1e-6 {
                Some([d[0] / len, d[1] / len])
            } else {
                stand
            });
        }
        // Standing still at a gate: face the way the walk goes on (or came from).
        let mut fill = heading
            .iter()
            .flatten()
            .next()
            .copied()
            .unwrap_or([0.0, 1.0]);
        let heading = heading
            .into_iter()
            .map(|h| {
                if let Some(h) = h {
                    fill = h;
                }
                fill
            })
            .collect();
        let mut reaches = rec.reaches.clone();
        reaches.sort_by_key(|r| r.t_start_us);
        let mut carries = rec.carries.clone();
        carries.sort_by_key(|c| c.t_start_us);
        Self {
            track_id: rec.track_id,
            enter_us: rec.enter_us,
            exit_us: rec.exit_us,
            body: rec.body,
            keyframes: kf.clone(),
            walked_m,
            heading,
            reaches,
            carries,
        }
    }

    fn advance(&self, t: i64, cur: &mut Cursor) {
        while cur.keyframe + 1 < self.keyframes.len() && self.keyframes[cur.keyframe + 1].0 <= t {
            cur.keyframe += 1;
        }
    }

    /// Floor position at `t` (times in non-decreasing order per cursor).
    pub fn position(&self, t: i64, cur: &mut Cursor) -> Vec2 {
        self.advance(t, cur);
        let Some(&(ta, a)) = self.keyframes.get(cur.keyframe) else {
            return [0.0, 0.0];
        };
        match self.keyframes.get(cur.keyframe + 1) {
            Some(&(tb, b)) if tb > ta && t > ta => {
                let f = ((t - ta) as f64 / (tb - ta) as f64).min(1.0);
                [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f]
            }
            _ => a,
        }
    }

    /// Everything the skeleton needs at `t`.
    pub fn pose(&self, t: i64, cur: &mut Cursor) -> PoseInput {
        let pos = self.position(t, cur);
        let i = cur.keyframe;
        let heading = self.heading.get(i).copied().unwrap_or([0.0, 1.0]);
        let (speed_mps, walked_m) = match (self.keyframes.get(i), self.keyframes.get(i + 1)) {
            (Some(&(ta, a)), Some(&(tb, b))) if tb > ta => {
                let len = (b[0] - a[0]).hypot(b[1] - a[1]);
                let f = ((t - ta) as f64 / (tb - ta) as f64).clamp(0.0, 1.0);
                (len / ((tb - ta) as f64 * 1e-6), self.walked_m[i] + f * len)
            }
            _ => (0.0, self.walked_m.get(i).copied().unwrap_or(0.0)),
        };
        while cur.reach < self.reaches.len() && self.reaches[cur.reach].t_end_us + REACH_RAMP_US < t
        {
            cur.reach += 1;
        }
        let reach = self.reaches.get(cur.reach).and_then(|r| {
            let blend = if t < r.t_start_us {
                smoothstep(1.0 - (r.t_start_us - t) as f64 / REACH_RAMP_US as f64)
            } else if t > r.t_end_us {
                smoothstep(1.0 - (t - r.t_end_us) as f64 / REACH_RAMP_US as f64)
            } else {
                1.0
            };
            (blend > 0.0).then_some((r.target, blend, r.arm))
        });
        PoseInput {
            pos,
            heading,
            speed_mps,
            walked_m,
            reach,
        }
    }

    /// The unit in a hand at `t`, if any: (product, arm).
    pub fn carried(&self, t: i64, cur: &mut Cursor) -> Option<(usize, Arm)> {
        while cur.carry < self.carries.len() && self.carries[cur.carry].t_end_us < t {
            cur.carry += 1;
        }
        self.carries[cur.carry.min(self.carries.len())..]
            .iter()
            .take_while(|c| c.t_start_us <= t)
            .find(|c| c.t_end_us >= t)
            .map(|c| (c.product, c.arm))
    }
}

/// A shopper in the store, with the cursor that follows them along their motion.
pub(crate) struct Active {
    pub shopper: usize,
    pub cursor: Cursor,
}

/// The shoppers in the store at a sensor's frame times, which only move forward: those
/// entered and not yet left, in shopper order, each with its cursor. Shared by the
/// cameras and the thermal cameras, which render the same shoppers.
pub(crate) struct InStore {
    /// Shopper indices by entry time.
    by_entry: Vec<usize>,
    /// The first of `by_entry` not entered yet.
    next: usize,
    pub active: Vec<Active>,
}

impl InStore {
    pub fn new(motions: &[Motion]) -> Self {
        let mut by_entry: Vec<usize> = (0..motions.len()).collect();
        by_entry.sort_by_key(|&i| (motions[i].enter_us, i));
        Self {
            by_entry,
            next: 0,
            active: Vec::new(),
        }
    }

    /// Bring `active` to time `t`: add who entered by then, drop who has left.
    pub fn update(&mut self, motions: &[Motion], t: i64) {
        while let Some(&i) = self.by_entry.get(self.next) {
            if motions[i].enter_us > t {
                break;
            }
            self.next += 1;
            let at = self.active.partition_point(|a| a.shopper < i);
            self.active.insert(
                at,
                Active {
                    shopper: i,
                    cursor: Cursor::default(),
                },
            );
        }
        self.active.retain(|a| motions[a.shopper].exit_us >= t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_at_interpolates_and_clamps() {
        let kf = [(0, [0.0, 0.0]), (10, [1.0, 0.0]), (20, [1.0, 2.0])];
        assert_eq!(position_at(&kf, -5), Some([0.0, 0.0]));
        assert_eq!(position_at(&kf, 5), Some([0.5, 0.0]));
        assert_eq!(position_at(&kf, 15), Some([1.0, 1.0]));
        assert_eq!(position_at(&kf, 99), Some([1.0, 2.0]));
        assert_eq!(position_at(&[], 0), None);
    }
}
