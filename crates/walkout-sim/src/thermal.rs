//! Top-down thermal cameras: one warm blob per person under the camera, placed through
//! the inverse of the camera's image-to-floor homography. People standing closer than
//! the merge distance (half a metre; a metre with the `thermal_merge` fault) are one
//! blob, as a low-resolution thermal sensor sees them: centroid weighted by area, areas
//! summed less their overlap.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use walkout_core::config::Vec2;
use walkout_core::input::ThermalBlobBatch;

use crate::motion::{InStore, Motion};
use crate::schedule::Schedule;
use crate::store::Store;

const CENTROID_JITTER_PX: f64 = 1.5;
const AREA_JITTER: f64 = 0.08;
const TEMP_JITTER_C: f64 = 0.3;
const MISS_P: f64 = 0.01;
/// Two merged bodies cover less than their sum (shoulders overlap seen from above).
const MERGED_OVERLAP: f64 = 0.9;

struct ThermalState {
    rng: ChaCha8Rng,
}

#[derive(Clone, Copy)]
struct Seen {
    px: Vec2,
    floor: Vec2,
    area_m2: f64,
    temp_c: f64,
    group: usize,
}

pub(crate) struct ThermalGen {
    cams: Vec<ThermalState>,
    schedule: Schedule,
    shoppers: InStore,
    seen: Vec<Seen>,
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

fn root(groups: &mut [Seen], mut i: usize) -> usize {
    while groups[i].group != i {
        let up = groups[i].group;
        groups[i].group = groups[up].group;
        i = up;
    }
    i
}

/// Single-linkage grouping of people closer than `merge_m`: afterwards each person's
/// root (see [`root`]) is the lowest index of their group.
fn group(seen: &mut [Seen], merge_m: f64) {
    for i in 0..seen.len() {
        for j in 0..i {
            let (a, b) = (seen[i].floor, seen[j].floor);
            if (a[0] - b[0]).hypot(a[1] - b[1]) < merge_m {
                let (ri, rj) = (root(seen, i), root(seen, j));
                seen[ri.max(rj)].group = ri.min(rj);
            }
        }
    }
}

impl ThermalGen {
    pub fn new(store: &Store, motions: &[Motion], start_us: i64, seed: u64) -> Self {
        let mut schedule = Schedule::default();
        let cams = store
            .thermals
            .iter()
            .map(|c| {
                let rng = schedule.add(start_us, 1e6 / c.fps, seed);
                ThermalState { rng }
            })
            .collect();
        Self {
            cams,
            schedule,
            shoppers: InStore::new(motions),
            seen: Vec::new(),
        }
    }

    pub fn fill(
        &mut self,
        store: &Store,
        motions: &[Motion],
        merge_m: f64,
        t1: i64,
        out: &mut ThermalBlobBatch,
    ) {
        while let Some((t, ci)) = self.schedule.next_before(t1) {
            self.shoppers.update(motions, t);
            self.frame(store, motions, merge_m, ci, t, out);
        }
    }

    fn frame(
        &mut self,
        store: &Store,
        motions: &[Motion],
        merge_m: f64,
        ci: usize,
        t: i64,
        out: &mut ThermalBlobBatch,
    ) {
        let cam = &store.thermals[ci];
        self.seen.clear();
        for a in &mut self.shoppers.active {
            let m = &motions[a.shopper];
            let floor = m.position(t, &mut a.cursor);
            if floor[0] < cam.view_min[0]
                || floor[0] > cam.view_max[0]
                || floor[1] < cam.view_min[1]
                || floor[1] > cam.view_max[1]
            {
                continue;
            }
            if let Some(px) = cam.pixel(floor) {
                let group = self.seen.len();
                self.seen.push(Seen {
                    px,
                    floor,
                    area_m2: m.body.top_area_m2(),
                    temp_c: m.body.temp_c,
                    group,
                });
            }
        }
        group(&mut self.seen, merge_m);
        let rng = &mut self.cams[ci].rng;
        for g in 0..self.seen.len() {
            if root(&mut self.seen, g) != g {
                continue;
            }
            let (mut n, mut area, mut cx, mut cy, mut temp) = (0, 0.0, 0.0, 0.0, 0.0);
            for i in 0..self.seen.len() {
                if root(&mut self.seen, i) == g {
                    let s = self.seen[i];
                    n += 1;
                    area += s.area_m2;
                    cx += s.px[0] * s.area_m2;
                    cy += s.px[1] * s.area_m2;
                    temp += s.temp_c;
                }
            }
            if rng.random_bool(MISS_P) {
                continue;
            }
            let centre = [cx / area, cy / area];
            let area_px = area * MERGED_OVERLAP.powi(n - 1) / cam.m2_per_px(centre).max(1e-12)
                * (1.0 + AREA_JITTER * normal(rng)).max(0.2);
            let c = [
                (centre[0] + CENTROID_JITTER_PX * normal(rng)).clamp(0.0, cam.width - 1e-3),
                (centre[1] + CENTROID_JITTER_PX * normal(rng)).clamp(0.0, cam.height - 1e-3),
            ];
            out.camera_id.push(cam.id);
            out.t_us.push(t);
            out.centroid.push([c[0] as f32, c[1] as f32]);
            out.area_px.push(area_px as f32);
            out.temperature_c
                .push((temp / f64::from(n) + TEMP_JITTER_C * normal(rng)) as f32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(floor: &[Vec2]) -> Vec<Seen> {
        floor
            .iter()
            .enumerate()
            .map(|(i, &f)| Seen {
                px: [0.0; 2],
                floor: f,
                area_m2: 0.1,
                temp_c: 31.0,
                group: i,
            })
            .collect()
    }

    fn roots(seen: &mut [Seen]) -> Vec<usize> {
        (0..seen.len()).map(|i| root(seen, i)).collect()
    }

    #[test]
    fn people_closer_than_the_merge_distance_are_one_blob() {
        // A chain 0.4 m apart merges as one; a person 2 m away stays apart.
        let mut seen = people(&[[1.0, 1.0], [3.0, 1.0], [1.4, 1.0], [1.8, 1.0]]);
        group(&mut seen, 0.5);
        assert_eq!(roots(&mut seen), [0, 1, 0, 0]);
        // The same people with a coarse sensor (1 m): still two blobs.
        let mut seen = people(&[[1.0, 1.0], [3.0, 1.0], [1.4, 1.0], [1.8, 1.0]]);
        group(&mut seen, 1.0);
        assert_eq!(roots(&mut seen), [0, 1, 0, 0]);
        // 0.7 m apart: separate normally, merged by the fault's metre.
        let mut seen = people(&[[1.0, 1.0], [1.7, 1.0]]);
        group(&mut seen, 0.5);
        assert_eq!(roots(&mut seen), [0, 1]);
        let mut seen = people(&[[1.0, 1.0], [1.7, 1.0]]);
        group(&mut seen, 1.0);
        assert_eq!(roots(&mut seen), [0, 0]);
    }
}
