//! Cameras, thermal cameras and RFID agree with the truth: keypoints land where the
//! calibration puts the body, hands at the plate they touch, tags where their units are.

use std::collections::{BTreeMap, BTreeSet};

use walkout_core::config::{AntennaKind, StoreConfig};
use walkout_core::epc::decode_sgtin96;
use walkout_core::geometry::CameraModel;
use walkout_sim::{simulate, ActionKind, DisturbanceKind, SimSession};

use crate::common;

fn camera(cfg: &StoreConfig, id: u32) -> (CameraModel, f32, f32) {
    let c = cfg
        .cameras
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no camera {id}"));
    (CameraModel::from_config(c), c.width as f32, c.height as f32)
}

/// Truth boxes by (camera, time): (shopper, box, visible).
type Boxes = BTreeMap<(u32, i64), Vec<(u32, [f32; 4], f32)>>;

fn boxes_by_frame(s: &SimSession) -> Boxes {
    let b = &s.truth.person_boxes;
    let mut m: Boxes = BTreeMap::new();
    for i in 0..b.len() {
        m.entry((b.camera_id[i], b.t_us[i])).or_default().push((
            b.shopper[i],
            b.bbox[i],
            b.visible[i],
        ));
    }
    m
}

#[test]
fn visible_keypoints_and_boxes_lie_inside_the_image() {
    let cfg = common::store();
    let mut keypoints = 0;
    for s in common::all_sessions() {
        let d = &s.person_detections;
        assert!(
            !d.is_empty(),
            "{} seed {}: no detections",
            s.scenario,
            s.seed
        );
        for i in 0..d.len() {
            let (_, w, h) = camera(cfg, d.camera_id[i]);
            let b = d.bbox[i];
            assert!(
                b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= w && b[3] <= h,
                "{b:?}"
            );
            assert!(b[2] > b[0] && b[3] > b[1], "{b:?}");
            assert!(d.score[i] > 0.0 && d.score[i] <= 1.0);
            for kp in &d.keypoints[i] {
                if kp[2] > 0.0 {
                    keypoints += 1;
                    assert!(
                        kp[0] >= 0.0 && kp[0] < w && kp[1] >= 0.0 && kp[1] < h,
                        "{kp:?}"
                    );
                    assert!(kp[2] <= 1.0);
                } else {
                    assert_eq!(*kp, [0.0; 3], "an undetected keypoint is all zero");
                }
            }
        }
        let tb = &s.truth.person_boxes;
        for i in 0..tb.len() {
            let (_, w, h) = camera(cfg, tb.camera_id[i]);
            let b = tb.bbox[i];
            assert!(b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= w && b[3] <= h && b[2] > b[0]);
            assert!((0.0..=1.0).contains(&tb.visible[i]));
            assert!((tb.shopper[i] as usize) < s.truth.shoppers.len());
        }
    }
    assert!(keypoints > 10_000, "{keypoints} visible keypoints");
}

#[test]
fn detections_match_true_boxes() {
    let (mut matched, mut detections, mut found, mut visible) = (0, 0, 0, 0);
    for s in common::clean_sessions() {
        let truth = boxes_by_frame(&s);
        let d = &s.person_detections;
        let mut hit: BTreeSet<(u32, i64, u32)> = BTreeSet::new();
        for i in 0..d.len() {
            detections += 1;
            let best = truth
                .get(&(d.camera_id[i], d.t_us[i]))
                .into_iter()
                .flatten()
                .map(|&(who, b, _)| (common::iou(b, d.bbox[i]), who))
                .fold((0.0f32, 0), |a, b| if b.0 > a.0 { b } else { a });
            if best.0 >= 0.5 {
                matched += 1;
                hit.insert((d.camera_id[i], d.t_us[i], best.1));
            }
        }
        for ((cam, t), rows) in &truth {
            for &(who, _, vis) in rows {
                if vis >= 0.8 {
                    visible += 1;
                    found += usize::from(hit.contains(&(*cam, *t, who)));
                }
            }
        }
    }
    let precision = matched as f64 / detections as f64;
    let recall = found as f64 / visible as f64;
    assert!(precision > 0.95, "precision {precision}");
    assert!(
        (0.85..0.995).contains(&recall),
        "recall of well visible people {recall}"
    );
}

/// While a hand is on a plate, one wrist keypoint is where the calibration projects the
/// plate's front.
#[test]
fn the_wrist_reaches_the_plate_front() {
    let cfg = common::store();
    let mut checked = 0;
    for s in common::clean_sessions() {
        let truth = boxes_by_frame(&s);
        let d = &s.person_detections;
        for a in &s.truth.actions {
            let Some(plate_id) = a.plate_id else { continue };
            let p = common::plate(plate_id);
            let n = p.front.normal();
            let target = [
                (p.min[0] + p.max[0]) / 2.0
                    + n[0] * (0.5 * (p.max[0] - p.min[0]) * n[0].abs() + 0.04),
                (p.min[1] + p.max[1]) / 2.0
                    + n[1] * (0.5 * (p.max[1] - p.min[1]) * n[1].abs() + 0.04),
                p.min[2] + 0.4 * (p.max[2] - p.min[2]),
            ];
            let lo = d.t_us.partition_point(|&t| t < a.t_start_us + 50_000);
            let hi = d.t_us.partition_point(|&t| t <= a.t_end_us - 50_000);
            for i in lo..hi {
                let Some(rows) = truth.get(&(d.camera_id[i], d.t_us[i])) else {
                    continue;
                };
                let mine = rows
                    .iter()
                    .any(|&(who, b, _)| who == a.shopper && common::iou(b, d.bbox[i]) > 0.6);
                let others = rows
                    .iter()
                    .filter(|&&(who, b, _)| who != a.shopper && common::iou(b, d.bbox[i]) > 0.2)
                    .count();
                let kp = d.keypoints[i];
                if !mine || others > 0 || kp[9][2] == 0.0 || kp[10][2] == 0.0 {
                    continue;
                }
                let (model, _, _) = camera(cfg, d.camera_id[i]);
                let Some(px) = model.project(target) else {
                    continue;
                };
                let dist = |k: [f32; 3]| (k[0] as f64 - px[0]).hypot(k[1] as f64 - px[1]);
                let nearest = dist(kp[9]).min(dist(kp[10]));
                let box_h = (d.bbox[i][3] - d.bbox[i][1]) as f64;
                let tol = 8.0 + 0.06 * box_h;
                assert!(
                    nearest <= tol,
                    "{} seed {}: {a:?}: nearest wrist {nearest:.1} px from the plate front \
                     (tolerance {tol:.1})",
                    s.scenario,
                    s.seed
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 50, "only {checked} hand frames checked");
}

#[test]
fn product_detections_name_the_product_in_hand() {
    let cfg = common::store();
    let class_of: BTreeMap<&str, u32> = cfg
        .products
        .iter()
        .filter_map(|p| p.vision_class.map(|c| (p.sku.as_str(), c)))
        .collect();
    let classes: BTreeSet<u32> = class_of.values().copied().collect();
    let (mut right, mut total) = (0, 0);
    for s in common::clean_sessions() {
        let d = &s.product_detections;
        for i in 0..d.len() {
            total += 1;
            assert!(classes.contains(&d.class_id[i]));
            let b = d.bbox[i];
            assert!(b[2] > b[0] && b[3] > b[1]);
            let t = d.t_us[i];
            right += usize::from(s.truth.actions.iter().any(|a| {
                class_of.get(a.sku.as_str()) == Some(&d.class_id[i])
                    && t >= a.t_start_us - 3_000_000
                    && t <= a.t_end_us + 3_000_000
            }));
        }
    }
    assert!(total >= 200, "{total} product detections");
    let share = right as f64 / total as f64;
    assert!((0.7..0.99).contains(&share), "right class {share}");
}

#[test]
fn thermal_blobs_are_warm_and_in_the_image() {
    let cfg = common::store();
    let mut n = 0;
    for s in common::all_sessions() {
        let b = &s.thermal_blobs;
        for i in 0..b.len() {
            let cam = cfg
                .thermal_cameras
                .iter()
                .find(|c| c.id == b.camera_id[i])
                .expect("camera");
            let c = b.centroid[i];
            assert!(
                c[0] >= 0.0 && c[1] >= 0.0 && c[0] < cam.width as f32 && c[1] < cam.height as f32
            );
            // A body seen from 1 cm pixels: a few hundred to a few thousand pixels.
            assert!((150.0..6000.0).contains(&b.area_px[i]), "{}", b.area_px[i]);
            assert!((26.0..36.0).contains(&b.temperature_c[i]));
            n += 1;
        }
    }
    assert!(n > 1000, "{n} blobs");
}

#[test]
fn camera_blackouts_silence_the_camera() {
    let s = common::session("sensor-faults", 1);
    let outs: Vec<_> = s
        .truth
        .disturbances
        .iter()
        .filter(|d| d.kind == DisturbanceKind::CameraBlackout)
        .collect();
    assert!(!outs.is_empty());
    let d = &s.person_detections;
    for o in outs {
        assert!(!(0..d.len()).any(|i| d.camera_id[i] == o.sensor_id
            && d.t_us[i] >= o.t_start_us
            && d.t_us[i] <= o.t_end_us));
    }
}

/// Every product tagged: every unit a shopper takes out must show up at the exit.
fn all_tagged_store() -> StoreConfig {
    let mut cfg = common::store().clone();
    for (i, p) in cfg.products.iter_mut().enumerate() {
        let first13 = format!("0401234599{:03}", i);
        let sum: u32 = first13
            .bytes()
            .enumerate()
            .map(|(k, b)| u32::from(b - b'0') * if k % 2 == 0 { 3 } else { 1 })
            .sum();
        p.rfid = true;
        p.gtin = Some(format!("{first13}{}", (10 - sum % 10) % 10));
    }
    cfg
}

#[test]
fn rfid_reads_follow_the_tags() {
    let cfg = all_tagged_store();
    let exit: Vec<(u32, u32)> = cfg
        .rfid_readers
        .iter()
        .flat_map(|r| {
            r.antennas
                .iter()
                .filter(|a| a.kind == AntennaKind::Exit)
                .map(move |a| (r.id, a.id))
        })
        .collect();
    let (mut carried, mut read_at_exit) = (0, 0);
    let s = simulate(&cfg, "single-picks", 1).expect("simulate");
    let gtins: BTreeMap<String, &str> = cfg
        .products
        .iter()
        .filter_map(|p| p.gtin.clone().map(|g| (g, p.sku.as_str())))
        .collect();
    let tags: BTreeMap<u128, &walkout_sim::TrueTag> =
        s.truth.tags.iter().map(|t| (t.epc, t)).collect();
    let total: u32 = cfg.planogram.iter().map(|e| e.count).sum();
    assert_eq!(tags.len() as u32, total, "one tag per unit, all distinct");
    let r = &s.rfid_reads;
    for i in 0..r.len() {
        let d = decode_sgtin96(r.epc[i]).expect("an SGTIN-96");
        let t = tags.get(&r.epc[i]).expect("a tag in the store");
        assert_eq!(gtins.get(&d.gtin), Some(&t.sku.as_str()));
        assert_eq!(d.serial, t.serial);
        assert!((-95.0..-10.0).contains(&r.rssi_dbm[i]));
    }
    // What left the store: picked units still held at the exit.
    let mut out: BTreeMap<&str, u32> = BTreeMap::new();
    for rc in &s.truth.receipts {
        for (sku, q) in &rc.lines {
            *out.entry(sku.as_str()).or_default() += q;
        }
    }
    let at_exit: BTreeSet<u128> = (0..r.len())
        .filter(|&i| exit.contains(&(r.reader_id[i], r.antenna_id[i])))
        .map(|i| r.epc[i])
        .collect();
    let mut exit_by_sku: BTreeMap<&str, u32> = BTreeMap::new();
    for e in &at_exit {
        *exit_by_sku.entry(tags[e].sku.as_str()).or_default() += 1;
    }
    for (sku, q) in &out {
        carried += q;
        read_at_exit += exit_by_sku.get(sku).copied().unwrap_or(0).min(*q);
    }
    // Only carried units pass the exit antenna.
    assert!(exit_by_sku
        .iter()
        .all(|(sku, n)| out.get(sku).is_some_and(|q| n <= q)));
    assert!(carried >= 3, "{carried} units carried out");
    assert!(
        read_at_exit as f64 >= 0.9 * carried as f64,
        "{read_at_exit} of {carried} carried units read at the exit"
    );
}

#[test]
fn shelf_antennas_read_their_tags() {
    let s = common::session("single-picks", 1);
    let cfg = common::store();
    let zones: Vec<_> = cfg
        .rfid_readers
        .iter()
        .flat_map(|r| r.antennas.iter())
        .filter(|a| a.kind == AntennaKind::Shelf)
        .collect();
    let read: BTreeSet<u128> = s.rfid_reads.epc.iter().copied().collect();
    let mut inside = 0;
    for t in &s.truth.tags {
        let p = common::plate(t.plate_id);
        let c = [
            (p.min[0] + p.max[0]) / 2.0,
            (p.min[1] + p.max[1]) / 2.0,
            (p.min[2] + p.max[2]) / 2.0,
        ];
        if zones
            .iter()
            .any(|z| (0..3).all(|k| z.min[k] <= c[k] && c[k] <= z.max[k]))
        {
            inside += 1;
            assert!(
                read.contains(&t.epc),
                "tag {:x} on plate {} never read",
                t.epc,
                t.plate_id
            );
        }
    }
    assert!(inside >= 50, "{inside} tags in shelf zones");
    assert!(s
        .truth
        .actions
        .iter()
        .all(|a| a.kind != ActionKind::HandOver));
}
