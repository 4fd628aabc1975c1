//! Hands at shelves: where a shopper's wrist ray meets the front face of a plate within
//! arm's reach. One camera cannot tell how far away a wrist is, but a hand that takes
//! something is *at* a shelf front, so the front planes near the shopper are where to
//! look: the first plate front the ray meets, inside the plate's face, is the plate the
//! hand is at.

use crate::config::Vec2;
use crate::geometry::Ray;
use crate::store::{point_segment_within, within, Face, PlateIdx, StoreModel};

/// Tolerances around a plate's face: the hand reaches a little beside and above it.
const SIDE_MARGIN_M: f64 = 0.05;
const BELOW_MARGIN_M: f64 = 0.10;
const ABOVE_MARGIN_M: f64 = 0.20;
/// Metres of ray length that one metre outside a face counts as (small: it only
/// decides between faces in one plane).
const COPLANAR_TIE_WEIGHT: f64 = 0.5;

/// Where a wrist ray meets one front face: the parts of the test of a plate that do not
/// depend on its heights, the same for every plate of the face.
#[derive(Clone, Copy)]
struct FaceHit {
    hit: crate::config::Vec3,
    /// The hit lies beside the face by no more than the margin, within reach.
    beside_ok: bool,
    /// Distance from the ray's origin to the hit.
    s: f64,
    /// How far outside the face's edge the hit lies.
    outside_along: f64,
}

fn face_hit(ray: &Ray, f: &Face, body: Vec2, reach_m: f64) -> Option<FaceHit> {
    let normal = [f.normal[0], f.normal[1], 0.0];
    let hit = ray.hit_plane([f.front_a[0], f.front_a[1], 0.0], normal)?;
    let edge = [f.front_b[0] - f.front_a[0], f.front_b[1] - f.front_a[1]];
    let len = f.len;
    let along =
        ((hit[0] - f.front_a[0]) * edge[0] + (hit[1] - f.front_a[1]) * edge[1]) / len.max(1e-9);
    let beside_ok = (-SIDE_MARGIN_M..=len + SIDE_MARGIN_M).contains(&along)
        && within(hit[0] - body[0], hit[1] - body[1], reach_m);
    let s = ((hit[0] - ray.origin[0]).powi(2)
        + (hit[1] - ray.origin[1]).powi(2)
        + (hit[2] - ray.origin[2]).powi(2))
    .sqrt();
    Some(FaceHit {
        hit,
        beside_ok,
        s,
        outside_along: (-along).max(along - len).max(0.0),
    })
}

/// The plate each wrist ray is at, if any.
pub fn plates_at_hands(
    store: &StoreModel,
    body: Vec2,
    wrists: impl IntoIterator<Item = Ray>,
    reach_m: f64,
) -> Vec<PlateIdx> {
    // Thermal blobs and detections without seen wrists have no hands to place.
    let mut wrists = wrists.into_iter().peekable();
    if wrists.peek().is_none() {
        return Vec::new();
    }
    // Only the plates the grid puts near the body can be within reach; ascending, as
    // over the whole store, so ties between plates resolve the same way. Each face is
    // measured once, not once per plate stacked on it (a gondola side has six shelves).
    let (faces, plates) = store.face_cells.near(&store.fronts, body, reach_m);
    let face_near: Vec<bool> = faces
        .iter()
        .map(|f| point_segment_within(body, f.front_a, f.front_b, reach_m))
        .collect();
    let mut out = Vec::new();
    let mut hits: Vec<Option<FaceHit>> = Vec::with_capacity(faces.len());
    for ray in wrists {
        hits.clear();
        hits.extend(
            faces
                .iter()
                .zip(&face_near)
                .map(|(f, &ok)| ok.then(|| face_hit(&ray, f, body, reach_m)).flatten()),
        );
        let mut best: Option<(f64, PlateIdx)> = None;
        for p in plates {
            let Some(h) = hits[p.slot] else {
                continue;
            };
            let inside = h.beside_ok
                && (p.z_range[0] - BELOW_MARGIN_M..=p.z_range[1] + ABOVE_MARGIN_M)
                    .contains(&h.hit[2]);
            if !inside {
                continue;
            }
            // Plates of one gondola side share the front plane, so the ray meets them
            // at the same distance: the face the hit lies in (or nearest to) wins.
            let outside = h.outside_along
                + (p.z_range[0] - h.hit[2])
                    .max(h.hit[2] - p.z_range[1])
                    .max(0.0);
            let key = h.s + COPLANAR_TIE_WEIGHT * outside;
            if best.is_none_or(|b| key < b.0) {
                best = Some((key, p.plate));
            }
        }
        out.extend(best.map(|b| b.1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::*;
    use crate::test_support::store::{self as builder, plate, product};

    /// Two shelves of one gondola, one above the other (same front plane y = 2.0).
    fn stacked() -> StoreModel {
        let plate = |id: u32, z: [f64; 2]| plate(id, [1.0, 2.0, z[0]], [1.3, 2.45, z[1]]);
        let cfg = builder::store("stacked", [4.0, 4.0])
            .products([Product {
                name: "Gum".into(),
                weight_std_g: 1.0,
                price_cents: 99,
                ..product("gum", 30.0)
            }])
            .gondola(
                1,
                "",
                1,
                vec![vec![plate(1, [0.2, 0.45])], vec![plate(2, [0.5, 0.75])]],
            )
            .gates(1, [0.5, 0.5], [3.5, 0.5], 1.0)
            .build();
        StoreModel::new(cfg).expect("valid test store")
    }

    fn ray_to(wrist: [f64; 3]) -> Ray {
        let origin = [1.15, -1.0, 3.0];
        let d = [
            wrist[0] - origin[0],
            wrist[1] - origin[1],
            wrist[2] - origin[2],
        ];
        let n = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        Ray {
            origin,
            direction: [d[0] / n, d[1] / n, d[2] / n],
        }
    }

    #[test]
    fn a_hand_low_in_the_upper_shelf_is_at_the_upper_plate() {
        let store = stacked();
        // 3 cm into the upper plate's face: inside the lower plate's margin above it too.
        let hands = plates_at_hands(&store, [1.15, 1.6], [ray_to([1.15, 1.99, 0.53])], 1.5);
        let ids: Vec<u32> = hands.iter().map(|&p| store.plates[p].id).collect();
        assert_eq!(ids, vec![2]);
    }

    #[test]
    fn a_hand_out_of_reach_is_at_no_plate() {
        let store = stacked();
        let hands = plates_at_hands(&store, [3.5, 0.2], [ray_to([1.15, 1.99, 0.53])], 1.0);
        assert!(hands.is_empty());
    }
}
