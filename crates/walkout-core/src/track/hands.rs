//! Hands at shelves: where a shopper's wrist ray meets the front face of a plate within
//! arm's reach. One camera cannot tell how far away a wrist is, but a hand that takes
//! something is *at* a shelf front, so the front planes near the shopper are where to
//! look: the first plate front the ray meets, inside the plate's face, is the plate the
//! hand is at.

use crate::config::Vec2;
use crate::geometry::Ray;
use crate::store::{point_segment_distance, PlateIdx, StoreModel};

/// Tolerances around a plate's face: the hand reaches a little beside and above it.
const SIDE_MARGIN_M: f64 = 0.05;
const BELOW_MARGIN_M: f64 = 0.10;
const ABOVE_MARGIN_M: f64 = 0.20;

/// The plate each wrist ray is at, if any.
pub fn plates_at_hands(
    store: &StoreModel,
    body: Vec2,
    wrists: &[Ray],
    reach_m: f64,
) -> Vec<PlateIdx> {
    let near: Vec<PlateIdx> = store
        .plates
        .iter()
        .enumerate()
        .filter(|(_, p)| point_segment_distance(body, p.front_a, p.front_b) <= reach_m)
        .map(|(i, _)| i)
        .collect();
    let mut out = Vec::new();
    for ray in wrists {
        let mut best: Option<(f64, PlateIdx)> = None;
        for &pi in &near {
            let p = &store.plates[pi];
            let normal = [p.normal[0], p.normal[1], 0.0];
            let Some(hit) = ray.hit_plane([p.front_a[0], p.front_a[1], 0.0], normal) else {
                continue;
            };
            let edge = [p.front_b[0] - p.front_a[0], p.front_b[1] - p.front_a[1]];
            let len = edge[0].hypot(edge[1]);
            let along = ((hit[0] - p.front_a[0]) * edge[0] + (hit[1] - p.front_a[1]) * edge[1])
                / len.max(1e-9);
            let inside = (-SIDE_MARGIN_M..=len + SIDE_MARGIN_M).contains(&along)
                && (p.z_range[0] - BELOW_MARGIN_M..=p.z_range[1] + ABOVE_MARGIN_M)
                    .contains(&hit[2])
                && (hit[0] - body[0]).hypot(hit[1] - body[1]) <= reach_m;
            let s = ((hit[0] - ray.origin[0]).powi(2)
                + (hit[1] - ray.origin[1]).powi(2)
                + (hit[2] - ray.origin[2]).powi(2))
            .sqrt();
            if inside && best.is_none_or(|b| s < b.0) {
                best = Some((s, pi));
            }
        }
        out.extend(best.map(|b| b.1));
    }
    out
}
