//! What a re-identification model would embed of each person box.
//!
//! Every shopper has a *look*: a unit vector of [`EMBEDDING_DIM`] values. Looks share
//! a store-wide component (people dress alike: two strangers' looks have a cosine of
//! about [`SHARED`]² ≈ 0.36, and in a crowd of a hundred some pairs reach 0.6), the
//! rest is the shopper's own. A detection's embedding is its shopper's look blurred by
//! noise that grows the more of the body is hidden, and mixed with the look of the
//! person in front in proportion to how much of the box that person covers: a box of
//! someone half behind a neighbour shows the neighbour's jacket too. Looks are drawn
//! from their own random stream, so adding them changed nothing else the simulator
//! renders.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Values per embedding (real re-identification models give 128 to 2048; 32 keep
/// session files small and behave alike for telling a few dozen people apart).
pub const EMBEDDING_DIM: usize = 32;
/// Weight of the component all looks share.
const SHARED: f64 = 0.6;
/// Per-value noise of a fully visible person's embedding (cosine to the look ≈ 0.89)...
const NOISE: f64 = 0.09;
/// ... plus this much more times the hidden share of the body.
const NOISE_HIDDEN: f64 = 0.15;
/// Salt of the looks' and embeddings' random streams.
const SALT: u64 = 0x5eed_100c_0000_0000;

pub type Look = [f32; EMBEDDING_DIM];

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

fn random_unit(rng: &mut ChaCha8Rng) -> [f64; EMBEDDING_DIM] {
    let mut v = [0.0; EMBEDDING_DIM];
    for x in &mut v {
        *x = normal(rng);
    }
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
    v.map(|x| x / norm)
}

fn push_unit(v: &[f64; EMBEDDING_DIM], out: &mut Vec<f32>) {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
    out.extend(v.iter().map(|x| (x / norm) as f32));
}

/// The looks of `n` shoppers of the session with this seed.
pub(crate) fn looks(n: usize, seed: u64) -> Vec<Look> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ SALT);
    let shared = random_unit(&mut rng);
    let own_w = (1.0 - SHARED * SHARED).sqrt();
    (0..n)
        .map(|_| {
            let own = random_unit(&mut rng);
            let mut look = [0.0f32; EMBEDDING_DIM];
            for (k, l) in look.iter_mut().enumerate() {
                *l = (SHARED * shared[k] + own_w * own[k]) as f32;
            }
            look
        })
        .collect()
}

/// The random stream of one camera's embedding noise.
pub(crate) fn camera_rng(seed: u64, camera: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ SALT);
    rng.set_stream(camera as u64 + 1);
    rng
}

/// Appends the embedding of one detection: `own` look, `visible` share of the body
/// seen, and the look of the person in front with the share of the body they hide.
pub(crate) fn embed(
    own: &Look,
    front: Option<(&Look, f64)>,
    visible: f64,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<f32>,
) {
    let sigma = NOISE + NOISE_HIDDEN * (1.0 - visible).clamp(0.0, 1.0);
    let (front, mix) = match front {
        Some((look, share)) => (Some(look), share.clamp(0.0, 1.0)),
        None => (None, 0.0),
    };
    let mut v = [0.0f64; EMBEDDING_DIM];
    for (k, x) in v.iter_mut().enumerate() {
        let seen = front.map_or(0.0, |f| mix * f64::from(f[k]));
        *x = (1.0 - mix) * f64::from(own[k]) + seen + sigma * normal(rng);
    }
    push_unit(&v, out);
}

/// Appends the embedding of a box around nobody (shelf clutter, a reflection).
pub(crate) fn clutter(rng: &mut ChaCha8Rng, out: &mut Vec<f32>) {
    push_unit(&random_unit(rng), out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cos(a: &[f32], b: &[f32]) -> f64 {
        a.iter().zip(b).map(|(&x, &y)| f64::from(x * y)).sum()
    }

    #[test]
    fn one_shopper_embeds_alike_and_two_do_not() {
        let looks = looks(40, 7);
        let mut rng = camera_rng(7, 0);
        let (mut a1, mut a2, mut b) = (Vec::new(), Vec::new(), Vec::new());
        embed(&looks[0], None, 1.0, &mut rng, &mut a1);
        embed(&looks[0], None, 1.0, &mut rng, &mut a2);
        embed(&looks[1], None, 1.0, &mut rng, &mut b);
        assert!(cos(&a1, &a2) > 0.6, "{}", cos(&a1, &a2));
        assert!(cos(&a1, &b) < cos(&a1, &a2));
        let strangers: Vec<f64> = (1..40).map(|i| cos(&looks[0], &looks[i])).collect();
        let mean = strangers.iter().sum::<f64>() / strangers.len() as f64;
        assert!((0.2..0.5).contains(&mean), "{mean}");
    }

    #[test]
    fn a_box_half_behind_someone_looks_like_them_too() {
        let looks = looks(2, 3);
        let mut rng = camera_rng(3, 0);
        let mut e = Vec::new();
        embed(&looks[0], Some((&looks[1], 0.5)), 0.5, &mut rng, &mut e);
        let (own, front) = (cos(&e, &looks[0]), cos(&e, &looks[1]));
        assert!(front > 0.5 && own > 0.5, "{own} {front}");
    }
}
