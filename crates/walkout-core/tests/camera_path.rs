//! The camera path: the same visit as `engine_flow`, but the engine sees the shopper only
//! through person detections (boxes and COCO keypoints projected into two cameras), not
//! through positions. It must track the shopper, bind the gate check-in, see the hands at
//! the plates and issue the same receipt.

mod common;

use common::{feed_gates, feed_weights, session, store, MOVES, T0};
use walkout_core::geometry::CameraModel;
use walkout_core::Engine;

/// Keypoints of a standing shopper at `pos`; the right wrist at `hand` when reaching.
fn skeleton(pos: [f64; 2], hand: Option<[f64; 3]>) -> Vec<(usize, [f64; 3])> {
    let (x, y) = (pos[0], pos[1]);
    vec![
        (0, [x, y, 1.65]),
        (5, [x - 0.2, y, 1.45]),
        (6, [x + 0.2, y, 1.45]),
        (9, [x - 0.25, y, 0.85]),
        (10, hand.unwrap_or([x + 0.25, y, 0.85])),
        (15, [x - 0.1, y, 0.08]),
        (16, [x + 0.1, y, 0.08]),
    ]
}

/// Project a skeleton into a camera: (bbox, 17 keypoints) or `None` when out of view.
fn detect(cam: &CameraModel, joints: &[(usize, [f64; 3])]) -> Option<([f32; 4], [[f32; 3]; 17])> {
    let mut kp = [[0.0f32; 3]; 17];
    let (mut x1, mut y1, mut x2, mut y2) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(j, p) in joints {
        let px = cam.project(p)?;
        if !cam.in_image(px) {
            return None;
        }
        kp[j] = [px[0] as f32, px[1] as f32, 0.9];
        (x1, y1, x2, y2) = (x1.min(px[0]), y1.min(px[1]), x2.max(px[0]), y2.max(px[1]));
    }
    Some(([x1 as f32, y1 as f32, x2 as f32, y2 as f32], kp))
}

/// The hand position when the shopper is reaching into a plate at time `t_s`.
fn reaching(t_s: f64) -> Option<[f64; 3]> {
    let plates = store();
    MOVES.iter().find(|m| (m.1 - t_s).abs() < 0.4).map(|m| {
        let (_, _, p) = plates
            .plates()
            .find(|(_, _, p)| p.id == m.0)
            .expect("move names a plate of the test store");
        [
            (p.min[0] + p.max[0]) / 2.0,
            p.min[1] - 0.02,
            (p.min[2] + p.max[2]) / 2.0,
        ]
    })
}

#[test]
fn detections_alone_give_the_same_receipt_as_positions() {
    let s = session(11);
    let cfg = store();
    let cams: Vec<CameraModel> = cfg.cameras.iter().map(CameraModel::from_config).collect();
    let mut e = Engine::new(cfg).unwrap();

    let (mut cid, mut ts, mut boxes, mut scores, mut kps) =
        (vec![], vec![], vec![], vec![], vec![]);
    for &(t, _, x, y) in &s.positions {
        let hand = reaching((t - T0) as f64 / 1e6);
        for cam in &cams {
            if let Some((b, k)) = detect(cam, &skeleton([x, y], hand)) {
                cid.push(cam.id);
                ts.push(t);
                boxes.extend(b);
                scores.push(0.9f32);
                kps.extend(k.iter().flatten());
            }
        }
    }
    assert!(
        ts.len() > s.positions.len(),
        "both cameras should see the shopper mostly"
    );
    e.ingest_person_detections(&cid, &ts, &boxes, &scores, Some(&kps), None)
        .unwrap();
    feed_weights(&mut e, &s.weights).unwrap();
    feed_gates(&mut e, &s.gates).unwrap();
    e.finish().unwrap();

    let tracks: Vec<_> = e.tracks().collect();
    assert_eq!(tracks.len(), 1, "one shopper, one track: {tracks:#?}");
    let receipts = e.receipts();
    assert_eq!(
        receipts.len(),
        1,
        "passages: {:#?} tracks: {:#?}",
        e.gate_passages(),
        tracks
            .iter()
            .map(|t| (
                t.id,
                t.first_us - T0,
                t.last_us - T0,
                t.last_position,
                t.exited_us
            ))
            .collect::<Vec<_>>()
    );
    assert_eq!(receipts[0].token.as_deref(), Some("acct-1"));
    let lines: Vec<(&str, u32)> = receipts[0]
        .lines
        .iter()
        .map(|l| (l.sku.as_str(), l.quantity))
        .collect();
    assert_eq!(lines, vec![("cola", 1), ("chips", 1)]);
    // The hands were seen at the plates: every event went to the shopper with certainty.
    for ev in e.shelf_events() {
        assert_eq!(ev.shoppers.len(), 1);
        assert!(ev.confidence > 0.9, "{ev:#?}");
    }
    let plate_ids: Vec<u32> = tracks[0]
        .hands
        .iter()
        .map(|h| e.store().plates[h.1].id)
        .collect();
    assert!(
        plate_ids.contains(&10) && plate_ids.contains(&11),
        "{plate_ids:?}"
    );
}
