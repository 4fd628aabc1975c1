//! The cameras: what a person detector with a pose head and a product detector would
//! report for every frame of every calibrated camera, and the true person boxes.
//!
//! Per frame, each shopper in the camera's view gets a 3D skeleton (`body.rs`) whose 17
//! keypoints go through the camera's real calibration (the core's pinhole + OpenCV
//! distortion). A keypoint is visible when it is in front of the camera, inside the
//! image, not behind a gondola (a ray test against the gondola boxes) and not behind a
//! nearer shopper (inside that shopper's projected body outline). The detector then
//! misses some people (more the more they are hidden) and drops the mostly hidden ones,
//! jitters boxes and keypoints, and now and then reports a person who is not there.
//! Items in a hand are seen near the wrist, sometimes as a look-alike product.
//!
//! Cameras are rendered frame by frame in global time order, so each shopper's motion
//! is sampled forwards only; each camera draws from its own random stream.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use walkout_core::config::{Vec2, Vec3};
use walkout_core::input::{PersonDetectionBatch, ProductDetectionBatch};

use crate::appearance::{self, Look};
use crate::body::{self, Arm, HEAD_TOP_ABOVE_EYES_M};
use crate::faults::FaultPlan;
use crate::motion::{InStore, Motion};
use crate::schedule::Schedule;
use crate::sensors::CameraInfo;
use crate::store::{GondolaBox, Store};
use crate::truth::PersonBoxBatch;

/// Closer than this to the camera plane a point is not imaged (lens, housing).
const NEAR_M: f64 = 0.1;
/// Half-width of a body around its keypoints (clothes, flesh), metres.
const BODY_MARGIN_M: f64 = 0.07;
/// A nearer body hides a point only when the point is at least this much deeper.
const OCCLUDE_DEPTH_M: f64 = 0.15;
/// A person whose visible share of keypoints is below this is not detected at all.
const MIN_VISIBLE: f64 = 0.35;
/// Detector misses: a floor rate plus more the more of the person is hidden.
const MISS_P: f64 = 0.02;
const MISS_HIDDEN_P: f64 = 0.25;
/// Box edges and keypoints jitter by these (fractions of the box height, plus pixels).
const BOX_JITTER: f64 = 0.02;
const KEYPOINT_JITTER: f64 = 0.01;
const KEYPOINT_JITTER_PX: f64 = 1.0;
/// Spurious person detections per frame.
const FALSE_POSITIVE_P: f64 = 0.01;
/// Product detection of a unit in a visible hand.
const PRODUCT_DETECT_P: f64 = 0.85;
/// A product with look-alikes is reported as one of them this often; any product is
/// reported as a random other class rarely.
const LOOK_ALIKE_CONFUSION_P: f64 = 0.25;
const RANDOM_CONFUSION_P: f64 = 0.02;
/// Farthest a keypoint (a reaching hand) is from the body's vertical axis, metres.
const BODY_REACH_M: f64 = 0.4;
/// Gondolas farther than this from the camera-to-person line cannot hide any part of
/// the person (half a body plus an arm).
const OCCLUDER_MARGIN_M: f64 = 0.9;
/// Keypoints of the body outline (head, shoulders, hips, legs): what hides others.
const OUTLINE: [usize; 13] = [0, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16];
const N_KP: usize = 17;

struct CameraState {
    /// Index into `Store::cameras`.
    cam: usize,
    /// Gondolas that can stand between this camera and anyone it sees.
    gondolas: Vec<usize>,
    rng: ChaCha8Rng,
    /// The embeddings' noise: its own stream, so it changes nothing else.
    look_rng: ChaCha8Rng,
    blackout_i: usize,
}

/// A shopper in one frame of one camera.
#[derive(Clone, Copy)]
struct Candidate {
    shopper: usize,
    floor: Vec2,
    world: [Vec3; N_KP],
    px: [Vec2; N_KP],
    depth_kp: [f64; N_KP],
    visible: [bool; N_KP],
    depth: f64,
    bbox: [f64; 4],
    outline: [f64; 4],
    carried: Option<(usize, Arm)>,
    /// The nearer shopper hiding most of this one's hidden keypoints, and how many.
    front: Option<usize>,
    hidden_by_front: usize,
}

/// All cameras, rendered window by window.
pub(crate) struct VisionGen {
    cams: Vec<CameraState>,
    schedule: Schedule,
    shoppers: InStore,
    cands: Vec<Candidate>,
    /// Candidate indices, nearest first.
    order: Vec<usize>,
    occluders: Vec<usize>,
    hidden_by: Vec<usize>,
    /// Every shopper's look, for the embeddings of their boxes.
    looks: Vec<Look>,
    /// Every product's vision class (None: the detector does not know it).
    classes: Vec<Option<u32>>,
    all_classes: Vec<u32>,
}

fn add_box(b: &mut [f64; 4], p: Vec2) {
    b[0] = b[0].min(p[0]);
    b[1] = b[1].min(p[1]);
    b[2] = b[2].max(p[0]);
    b[3] = b[3].max(p[1]);
}

const EMPTY_BOX: [f64; 4] = [
    f64::INFINITY,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NEG_INFINITY,
];

/// Whether the segment a-b passes through the box interior (slab test), leaving out its
/// last `keep_m` metres at b, so a hand at a shelf front is not hidden by that shelf.
fn segment_hits_box(a: Vec3, b: Vec3, g: &GondolaBox, keep_m: f64) -> bool {
    let d = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    let len = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
    if len < 1e-9 {
        return false;
    }
    let (mut t0, mut t1) = (0.0f64, 1.0 - keep_m / len);
    for k in 0..3 {
        if d[k].abs() < 1e-12 {
            if a[k] <= g.min[k] || a[k] >= g.max[k] {
                return false;
            }
        } else {
            let (u, v) = ((g.min[k] - a[k]) / d[k], (g.max[k] - a[k]) / d[k]);
            t0 = t0.max(u.min(v));
            t1 = t1.min(u.max(v));
            if t0 >= t1 {
                return false;
            }
        }
    }
    true
}

/// 2D version over the floor footprint grown by `margin`.
fn segment_near_footprint(a: Vec2, b: Vec2, g: &GondolaBox, margin: f64) -> bool {
    let (lo, hi) = (
        [g.min[0] - margin, g.min[1] - margin],
        [g.max[0] + margin, g.max[1] + margin],
    );
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for k in 0..2 {
        let d = b[k] - a[k];
        if d.abs() < 1e-12 {
            if a[k] < lo[k] || a[k] > hi[k] {
                return false;
            }
        } else {
            let (u, v) = ((lo[k] - a[k]) / d, (hi[k] - a[k]) / d);
            t0 = t0.max(u.min(v));
            t1 = t1.min(u.max(v));
            if t0 > t1 {
                return false;
            }
        }
    }
    true
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

impl VisionGen {
    pub fn new(store: &Store, motions: &[Motion], start_us: i64, seed: u64) -> Self {
        let mut schedule = Schedule::default();
        let cams = store
            .cameras
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let rng = schedule.add(start_us, 1e6 / c.fps, seed);
                // Anything seen lies in the view box; a gondola between it and the camera
                // lies within the box that also holds the camera.
                let eye = c.model.centre();
                let m = OCCLUDER_MARGIN_M;
                let lo = [c.view_min[0].min(eye[0]) - m, c.view_min[1].min(eye[1]) - m];
                let hi = [c.view_max[0].max(eye[0]) + m, c.view_max[1].max(eye[1]) + m];
                let gondolas = store
                    .gondolas
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| {
                        g.max[0] >= lo[0]
                            && g.min[0] <= hi[0]
                            && g.max[1] >= lo[1]
                            && g.min[1] <= hi[1]
                    })
                    .map(|(gi, _)| gi)
                    .collect();
                CameraState {
                    cam: i,
                    gondolas,
                    rng,
                    look_rng: appearance::camera_rng(seed, i),
                    blackout_i: 0,
                }
            })
            .collect();
        let classes: Vec<Option<u32>> = store.products.iter().map(|p| p.vision_class).collect();
        let mut all_classes: Vec<u32> = classes.iter().flatten().copied().collect();
        all_classes.sort_unstable();
        all_classes.dedup();
        Self {
            cams,
            schedule,
            shoppers: InStore::new(motions),
            cands: Vec::new(),
            order: Vec::new(),
            occluders: Vec::new(),
            hidden_by: Vec::new(),
            looks: appearance::looks(motions.len(), seed),
            classes,
            all_classes,
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn fill(
        &mut self,
        store: &Store,
        motions: &[Motion],
        faults: &FaultPlan,
        t1: i64,
        persons: &mut PersonDetectionBatch,
        products: &mut ProductDetectionBatch,
        boxes: &mut PersonBoxBatch,
    ) {
        while let Some((t, ci)) = self.schedule.next_before(t1) {
            self.shoppers.update(motions, t);
            self.frame(store, motions, faults, ci, t, persons, products, boxes);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn frame(
        &mut self,
        store: &Store,
        motions: &[Motion],
        faults: &FaultPlan,
        ci: usize,
        t: i64,
        persons: &mut PersonDetectionBatch,
        products: &mut ProductDetectionBatch,
        boxes: &mut PersonBoxBatch,
    ) {
        let cam = &store.cameras[self.cams[ci].cam];
        self.cands.clear();
        for a in &mut self.shoppers.active {
            let m = &motions[a.shopper];
            let pos = m.position(t, &mut a.cursor);
            if pos[0] < cam.view_min[0]
                || pos[0] > cam.view_max[0]
                || pos[1] < cam.view_min[1]
                || pos[1] > cam.view_max[1]
            {
                continue;
            }
            if !cam.may_see(pos, BODY_REACH_M) {
                continue;
            }
            let pose = m.pose(t, &mut a.cursor);
            let carried = m.carried(t, &mut a.cursor);
            if let Some(c) = project(cam, &m.body, &pose, a.shopper, carried) {
                self.cands.push(c);
            }
        }
        let gondolas = std::mem::take(&mut self.cams[ci].gondolas);
        self.occlude(store, cam, &gondolas);
        self.cams[ci].gondolas = gondolas;

        let blackout = {
            let cs = &mut self.cams[ci];
            let spans = &faults.blackouts[cs.cam];
            while spans.get(cs.blackout_i).is_some_and(|s| s.1 < t) {
                cs.blackout_i += 1;
            }
            spans.get(cs.blackout_i).is_some_and(|s| s.0 <= t)
        };
        for c in &self.cands {
            let vis = c.visible.iter().filter(|&&v| v).count() as f64 / N_KP as f64;
            boxes.camera_id.push(cam.id);
            boxes.t_us.push(t);
            boxes.shopper.push(c.shopper as u32);
            boxes.bbox.push(c.bbox.map(|v| v as f32));
            boxes.visible.push(vis as f32);
        }
        if blackout {
            return;
        }
        let CameraState { rng, look_rng, .. } = &mut self.cams[ci];
        for c in &self.cands {
            let vis = c.visible.iter().filter(|&&v| v).count() as f64 / N_KP as f64;
            let miss = MISS_P + MISS_HIDDEN_P * (1.0 - vis);
            if vis < MIN_VISIBLE || rng.random_bool(miss.clamp(0.0, 1.0)) {
                continue;
            }
            if detect_person(cam, c, vis, t, rng, persons) {
                let front = c
                    .front
                    .map(|f| (&self.looks[f], c.hidden_by_front as f64 / N_KP as f64));
                let own = &self.looks[c.shopper];
                appearance::embed(own, front, vis, look_rng, &mut persons.embedding);
            }
            if let Some((product, arm)) = c.carried {
                let wrist = match arm {
                    Arm::Left => body::L_WRIST,
                    Arm::Right => body::R_WRIST,
                };
                if c.visible[wrist] && rng.random_bool(PRODUCT_DETECT_P) {
                    if let Some(class) = self.classes[product] {
                        let class =
                            confuse(store, &self.classes, &self.all_classes, product, class, rng);
                        detect_product(cam, store, c, wrist, product, class, t, rng, products);
                    }
                }
            }
        }
        if rng.random_bool(FALSE_POSITIVE_P) {
            false_positive(cam, t, rng, persons);
            appearance::clutter(look_rng, &mut persons.embedding);
        }
    }

    /// Marks keypoints hidden behind gondolas or nearer shoppers.
    fn occlude(&mut self, store: &Store, cam: &CameraInfo, gondolas: &[usize]) {
        let eye = cam.model.centre();
        let cands = &mut self.cands;
        self.order.clear();
        self.order.extend(0..cands.len());
        self.order.sort_by(|&a, &b| {
            cands[a]
                .depth
                .total_cmp(&cands[b].depth)
                .then(cands[a].shopper.cmp(&cands[b].shopper))
        });
        // Per nearer candidate (by rank), how many of this one's keypoints it hides.
        let hidden_by = &mut self.hidden_by;
        hidden_by.clear();
        hidden_by.resize(cands.len(), 0);
        for r in 0..self.order.len() {
            let i = self.order[r];
            hidden_by[..r].fill(0);
            self.occluders.clear();
            for &gi in gondolas {
                let g = &store.gondolas[gi];
                if segment_near_footprint([eye[0], eye[1]], cands[i].floor, g, OCCLUDER_MARGIN_M) {
                    self.occluders.push(gi);
                }
            }
            for k in 0..N_KP {
                if !cands[i].visible[k] {
                    continue;
                }
                let p3 = cands[i].world[k];
                let hidden_by_gondola = self
                    .occluders
                    .iter()
                    .any(|&gi| segment_hits_box(eye, p3, &store.gondolas[gi], 0.05));
                let px = cands[i].px[k];
                let z = cands[i].depth_kp[k];
                let hidden_by_person = || {
                    self.order[..r].iter().position(|&j| {
                        let o = &cands[j];
                        z > o.depth + OCCLUDE_DEPTH_M
                            && px[0] >= o.outline[0]
                            && px[0] <= o.outline[2]
                            && px[1] >= o.outline[1]
                            && px[1] <= o.outline[3]
                    })
                };
                if hidden_by_gondola {
                    cands[i].visible[k] = false;
                } else if let Some(rj) = hidden_by_person() {
                    cands[i].visible[k] = false;
                    hidden_by[rj] += 1;
                }
            }
            // Whoever hides the most of this shopper shows in their box.
            if let Some((rj, &n)) = hidden_by[..r]
                .iter()
                .enumerate()
                .max_by_key(|&(rj, &n)| (n, std::cmp::Reverse(rj)))
                .filter(|&(_, &n)| n > 0)
            {
                cands[i].front = Some(cands[self.order[rj]].shopper);
                cands[i].hidden_by_front = n;
            }
        }
    }
}

/// The class the detector reports for `product` (true class `class`): sometimes a
/// look-alike's, rarely any other.
fn confuse(
    store: &Store,
    classes: &[Option<u32>],
    all_classes: &[u32],
    product: usize,
    class: u32,
    rng: &mut ChaCha8Rng,
) -> u32 {
    let alikes = &store.products[product].look_alikes;
    let n = alikes.iter().filter(|&&p| classes[p].is_some()).count();
    if n > 0 && rng.random_bool(LOOK_ALIKE_CONFUSION_P) {
        let pick = rng.random_range(0..n);
        if let Some(c) = alikes.iter().filter_map(|&p| classes[p]).nth(pick) {
            return c;
        }
    }
    if !all_classes.is_empty() && rng.random_bool(RANDOM_CONFUSION_P) {
        return all_classes[rng.random_range(0..all_classes.len())];
    }
    class
}

/// The shopper as camera `cam` sees them: projected keypoints, the true box and the
/// body outline; None when no part of them is in the image.
fn project(
    cam: &CameraInfo,
    body: &body::Body,
    pose: &body::PoseInput,
    shopper: usize,
    carried: Option<(usize, Arm)>,
) -> Option<Candidate> {
    let mut world = [[0.0; 3]; N_KP];
    body::skeleton(body, pose, &mut world);
    let mut c = Candidate {
        shopper,
        floor: pose.pos,
        world,
        px: [[0.0; 2]; N_KP],
        depth_kp: [0.0; N_KP],
        visible: [false; N_KP],
        depth: 0.0,
        bbox: EMPTY_BOX,
        outline: EMPTY_BOX,
        carried,
        front: None,
        hidden_by_front: 0,
    };
    let mut in_image = 0;
    let mut off = [false; 4];
    for (k, &p) in world.iter().enumerate() {
        match image_point(cam, p) {
            Seen::At(px, z, inside) => {
                c.px[k] = px;
                c.depth_kp[k] = z;
                c.visible[k] = inside;
                in_image += usize::from(inside);
                add_box(&mut c.bbox, px);
                if OUTLINE.contains(&k) {
                    add_box(&mut c.outline, px);
                }
            }
            Seen::Off(sides) => {
                for (o, s) in off.iter_mut().zip(sides) {
                    *o |= s;
                }
            }
            Seen::Behind => {}
        }
    }
    // A person counts as in view when a keypoint is in the image; a box of margins
    // alone (feet just below the edge) is nobody a detector could find.
    if in_image == 0 {
        return None;
    }
    // The torso's depth orders who hides whom.
    let torso = [body::L_SHOULDER, body::R_SHOULDER, body::L_HIP, body::R_HIP];
    let (sum, n) = torso
        .iter()
        .map(|&k| c.depth_kp[k])
        .filter(|&z| z > 0.0)
        .fold((0.0, 0), |(s, n), z| (s + z, n + 1));
    c.depth = if n == 0 {
        c.depth_kp
            .iter()
            .copied()
            .filter(|&z| z > 0.0)
            .fold(f64::INFINITY, f64::min)
    } else {
        sum / f64::from(n)
    };
    // The box covers the top of the head and the feet on the floor too.
    let eyes = [world[1], world[2]];
    let top = [
        (eyes[0][0] + eyes[1][0]) / 2.0,
        (eyes[0][1] + eyes[1][1]) / 2.0,
        (eyes[0][2] + eyes[1][2]) / 2.0 + HEAD_TOP_ABOVE_EYES_M,
    ];
    for p in [
        top,
        [world[body::L_ANKLE][0], world[body::L_ANKLE][1], 0.0],
        [world[body::R_ANKLE][0], world[body::R_ANKLE][1], 0.0],
    ] {
        match image_point(cam, p) {
            Seen::At(px, _, _) => {
                add_box(&mut c.bbox, px);
                add_box(&mut c.outline, px);
            }
            Seen::Off(sides) => {
                for (o, s) in off.iter_mut().zip(sides) {
                    *o |= s;
                }
            }
            Seen::Behind => {}
        }
    }
    let margin = cam.focal_px * BODY_MARGIN_M / c.depth.max(NEAR_M);
    for b in [&mut c.bbox, &mut c.outline] {
        b[0] -= margin;
        b[1] -= margin;
        b[2] += margin;
        b[3] += margin;
    }
    // Parts beyond an edge of the image stretch the box to that edge.
    if off[0] {
        c.bbox[0] = 0.0;
    }
    if off[1] {
        c.bbox[1] = 0.0;
    }
    if off[2] {
        c.bbox[2] = cam.width;
    }
    if off[3] {
        c.bbox[3] = cam.height;
    }
    c.bbox = [
        c.bbox[0].clamp(0.0, cam.width),
        c.bbox[1].clamp(0.0, cam.height),
        c.bbox[2].clamp(0.0, cam.width),
        c.bbox[3].clamp(0.0, cam.height),
    ];
    (c.bbox[2] > c.bbox[0] && c.bbox[3] > c.bbox[1]).then_some(c)
}

/// Where a store-frame point lands in a camera.
enum Seen {
    /// Behind the camera, or so far off to the side that the distortion model no longer
    /// holds (beyond the image corners the polynomial folds points back inside).
    Behind,
    /// Beyond the image's edges: left, top, right, bottom.
    Off([bool; 4]),
    /// The pixel, the depth, and whether the pixel is inside the image.
    At(Vec2, f64, bool),
}

fn image_point(cam: &CameraInfo, p: Vec3) -> Seen {
    let q = cam.to_camera(p);
    if q[2] < NEAR_M || (q[0] * q[0] + q[1] * q[1]) > cam.r_lim2 * q[2] * q[2] {
        return Seen::Behind;
    }
    // The image lies within these normalised bounds, so points outside them need no
    // (costly) distortion: they are off the image on that side.
    let (x, y) = (q[0] / q[2], q[1] / q[2]);
    let nb = cam.norm_box;
    if x < nb[0] || y < nb[1] || x > nb[2] || y > nb[3] {
        return Seen::Off([x < nb[0], y < nb[1], x > nb[2], y > nb[3]]);
    }
    match cam.model.project(p) {
        Some(px) => Seen::At(px, q[2], cam.model.in_image(px)),
        None => Seen::Behind,
    }
}

fn detect_person(
    cam: &CameraInfo,
    c: &Candidate,
    vis: f64,
    t: i64,
    rng: &mut ChaCha8Rng,
    out: &mut PersonDetectionBatch,
) -> bool {
    let h = c.bbox[3] - c.bbox[1];
    let w = c.bbox[2] - c.bbox[0];
    let mut b = [
        c.bbox[0] + BOX_JITTER * w * normal(rng),
        c.bbox[1] + BOX_JITTER * h * normal(rng),
        c.bbox[2] + BOX_JITTER * w * normal(rng),
        c.bbox[3] + BOX_JITTER * h * normal(rng),
    ];
    b = [
        b[0].clamp(0.0, cam.width - 1.0),
        b[1].clamp(0.0, cam.height - 1.0),
        b[2].clamp(0.0, cam.width),
        b[3].clamp(0.0, cam.height),
    ];
    if b[2] <= b[0] + 1.0 || b[3] <= b[1] + 1.0 {
        return false;
    }
    let sigma = KEYPOINT_JITTER_PX + KEYPOINT_JITTER * h;
    let mut kps = [[0.0f32; 3]; N_KP];
    for (k, kp) in kps.iter_mut().enumerate() {
        if !c.visible[k] {
            continue;
        }
        let x = c.px[k][0] + sigma * normal(rng);
        let y = c.px[k][1] + sigma * normal(rng);
        if x < 0.0 || y < 0.0 || x >= cam.width || y >= cam.height {
            continue;
        }
        let conf = (0.85 + 0.08 * normal(rng)).clamp(0.3, 0.99);
        *kp = [x as f32, y as f32, conf as f32];
    }
    let score = (0.55 + 0.4 * vis + 0.05 * normal(rng)).clamp(0.3, 0.99);
    out.camera_id.push(cam.id);
    out.t_us.push(t);
    out.bbox.push(b.map(|v| v as f32));
    out.score.push(score as f32);
    out.keypoints.push(kps);
    true
}

#[allow(clippy::too_many_arguments)]
fn detect_product(
    cam: &CameraInfo,
    store: &Store,
    c: &Candidate,
    wrist: usize,
    product: usize,
    class: u32,
    t: i64,
    rng: &mut ChaCha8Rng,
    out: &mut ProductDetectionBatch,
) {
    let size_px = cam.focal_px * store.products[product].size_m / c.depth_kp[wrist].max(NEAR_M)
        * rng.random_range(0.85..1.15);
    let centre = [
        c.px[wrist][0] + 0.1 * size_px * normal(rng),
        c.px[wrist][1] + 0.1 * size_px * normal(rng),
    ];
    let half = size_px / 2.0;
    let b = [
        (centre[0] - half).clamp(0.0, cam.width),
        (centre[1] - half).clamp(0.0, cam.height),
        (centre[0] + half).clamp(0.0, cam.width),
        (centre[1] + half).clamp(0.0, cam.height),
    ];
    if b[2] <= b[0] || b[3] <= b[1] {
        return;
    }
    out.camera_id.push(cam.id);
    out.t_us.push(t);
    out.bbox.push(b.map(|v| v as f32));
    out.class_id.push(class);
    out.score.push(rng.random_range(0.4f32..0.95));
}

/// A detection of nobody: a person-sized box somewhere, low score, vague keypoints.
fn false_positive(cam: &CameraInfo, t: i64, rng: &mut ChaCha8Rng, out: &mut PersonDetectionBatch) {
    let h = cam.height * rng.random_range(0.15..0.5);
    let w = 0.4 * h;
    let x = rng.random_range(0.0..(cam.width - w).max(1.0));
    let y = rng.random_range(0.0..(cam.height - h).max(1.0));
    let mut kps = [[0.0f32; 3]; N_KP];
    for kp in &mut kps {
        if rng.random_bool(0.5) {
            *kp = [
                (x + rng.random_range(0.0..w)) as f32,
                (y + rng.random_range(0.0..h)) as f32,
                rng.random_range(0.05f32..0.3),
            ];
        }
    }
    out.camera_id.push(cam.id);
    out.t_us.push(t);
    out.bbox
        .push([x as f32, y as f32, (x + w) as f32, (y + h) as f32]);
    out.score.push(rng.random_range(0.3f32..0.55));
    out.keypoints.push(kps);
}

#[cfg(test)]
mod tests {
    use super::*;
    use walkout_core::config::StoreConfig;

    fn store() -> Store {
        let text = include_str!("../../../examples/stores/convenience.json");
        let cfg = StoreConfig::from_json(text).unwrap_or_else(|e| panic!("{e}"));
        Store::new(&cfg).expect("valid store")
    }

    /// A queue of people one behind the other, all filling the same part of the image.
    fn queue(n: usize) -> Vec<Candidate> {
        (0..n)
            .map(|i| Candidate {
                shopper: 100 + i,
                floor: [1.0, 1.0],
                world: [[1.0, 1.0, 1.0]; N_KP],
                px: [[320.0, 240.0]; N_KP],
                depth_kp: [1.0 + i as f64; N_KP],
                visible: [true; N_KP],
                depth: 1.0 + i as f64,
                bbox: [300.0, 200.0, 340.0, 280.0],
                outline: [300.0, 200.0, 340.0, 280.0],
                carried: None,
                front: None,
                hidden_by_front: 0,
            })
            .collect()
    }

    #[test]
    fn in_a_queue_longer_than_a_skeleton_everyone_behind_is_hidden_by_the_first() {
        // More people in one view than a body has keypoints: the bookkeeping of who
        // hides whom must not be sized by the keypoints.
        let store = store();
        let mut gen = VisionGen::new(&store, &[], 0, 1);
        gen.cands = queue(N_KP + 13);
        gen.occlude(&store, &store.cameras[0], &[]);
        assert_eq!(gen.cands[0].front, None);
        assert!(gen.cands[0].visible.iter().all(|&v| v));
        for c in &gen.cands[1..] {
            assert_eq!(c.front, Some(100), "shopper {}", c.shopper);
            assert_eq!(c.hidden_by_front, N_KP);
            assert!(c.visible.iter().all(|&v| !v));
        }
    }
}
