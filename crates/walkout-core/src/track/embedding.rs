//! Appearance embeddings: a re-identification model's vector for each person box. Of
//! all appearance cues it is the one that tells two shoppers apart who stand so close
//! that their floor positions, heads and thermal blobs do not: their clothes differ.
//!
//! A track learns the running mean direction of its shopper's embeddings over one
//! visit; a detection's cost to the track grows with their cosine distance. Once the
//! look rests on enough boxes, unlike the other cues the cost is not capped: a box that
//! looks like somebody else is somebody else, or mostly shows somebody else standing in
//! front; either way it is better left unassigned (the track coasts a frame) than taken
//! as this shopper (`scale-large`, 600 s: receipt F1 0.68 capped, 0.75 so). Before that
//! it is capped like the other cues: a look learnt from a few boxes in the entry queue
//! may be partly a neighbour's, and uncapped it cost a new track its own detections (the
//! tracking bench's IDF1 0.99 with this rule, 0.94 uncapped from the start). The mean
//! lives in the tracker's memory and is gone with the track, so no shopper is
//! recognised on a later visit; snapshots hold it only when `fusion.snapshot_embeddings`
//! is set (otherwise a restored engine learns it anew and no embedding leaves the
//! process).

use serde::{Deserialize, Serialize};

use super::cues::CUE_COST_CAP;

/// A unit-length embedding of one detection.
pub type Embedding = Box<[f32]>;

/// `values` scaled to unit length; None for a row of zeros (the detector gave none).
pub fn unit(values: &[f32]) -> Option<Embedding> {
    let mut out = vec![0.0; values.len()].into_boxed_slice();
    unit_into(values, &mut out).then_some(out)
}

/// Writes `values` scaled to unit length into `out` (of the same length); false, and
/// `out` untouched, for a row of zeros.
fn unit_into(values: &[f32], out: &mut [f32]) -> bool {
    let norm = values
        .iter()
        .map(|&v| f64::from(v) * f64::from(v))
        .sum::<f64>()
        .sqrt();
    if !(norm > 0.0 && norm.is_finite()) {
        return false;
    }
    for (o, &v) in out.iter_mut().zip(values) {
        *o = (f64::from(v) / norm) as f32;
    }
    true
}

/// Cosine of two unit vectors; None when their lengths differ (two models' outputs
/// are not comparable).
fn cosine(a: &[f32], b: &[f32]) -> Option<f64> {
    (a.len() == b.len()).then(|| {
        a.iter()
            .zip(b)
            .map(|(&x, &y)| f64::from(x) * f64::from(y))
            .sum()
    })
}

/// A cue learnt from this many embeddings is trusted...
const SETTLED: u32 = 5;
/// ... and from this many, its cost is no longer capped.
const UNCAPPED_FROM: u32 = 20;
/// Once settled, an embedding this far (in spreads) from the mean teaches nothing: a
/// box that mostly shows the shopper in front is not a new look.
const LEARN_WITHIN_SPREADS: f64 = 2.5;

/// The running mean of one track's embeddings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingCue {
    /// Sum of the unit embeddings learnt; its direction is the mean look.
    sum: Vec<f32>,
    /// `sum` scaled to unit length.
    mean: Vec<f32>,
    n: u32,
}

impl EmbeddingCue {
    /// Nothing learnt yet.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Length of the embeddings learnt (0 when none).
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// The values a snapshot restore must check: the same length and finite.
    pub fn values(&self) -> (&[f32], &[f32]) {
        (&self.sum, &self.mean)
    }
    /// Cosine distance of `e` to the mean look, if both exist and are comparable.
    fn distance(&self, e: &[f32]) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        cosine(&self.mean, e).map(|c| 1.0 - c)
    }

    /// Squared, normalised distance of an embedding to the mean look; 0 when either is
    /// missing. The spread widens while the mean rests on few embeddings. Capped until
    /// the mean rests on `UNCAPPED_FROM` of them, then only bounded (a cosine distance
    /// is at most 2; see the module docs).
    pub fn cost(&self, e: Option<&[f32]>, spread: f64) -> f64 {
        match e.and_then(|e| self.distance(e)) {
            Some(d) => {
                let spread2 = spread * spread * (1.0 + 1.0 / f64::from(self.n.max(1)));
                let c = d * d / spread2;
                if self.n < UNCAPPED_FROM {
                    c.min(CUE_COST_CAP)
                } else {
                    c
                }
            }
            None => 0.0,
        }
    }

    pub fn learn(&mut self, e: Option<&[f32]>, spread: f64) {
        let Some(e) = e else { return };
        if self.n == 0 || self.sum.len() != e.len() {
            *self = Self {
                sum: e.to_vec(),
                mean: e.to_vec(),
                n: 1,
            };
            return;
        }
        if self.n >= SETTLED && self.distance(e).unwrap_or(0.0) > LEARN_WITHIN_SPREADS * spread {
            return;
        }
        for (s, &v) in self.sum.iter_mut().zip(e) {
            *s += v;
        }
        self.n = self.n.saturating_add(1);
        unit_into(&self.sum, &mut self.mean);
    }

    /// How unlike two tracks' looks are (for re-linking a lost track).
    pub fn cost_to(&self, other: &EmbeddingCue, spread: f64) -> f64 {
        if other.n == 0 {
            return 0.0;
        }
        self.cost(Some(&other.mean), spread)
    }

    /// Take `other`'s look if this one has none.
    pub fn complete_from(&mut self, other: &EmbeddingCue) {
        if self.n == 0 {
            self.clone_from(other);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(seed: u32) -> Vec<f32> {
        // A deterministic pseudo-random direction per seed.
        (0..16)
            .map(|i| ((seed * 31 + i * 17) % 23) as f32 - 11.0)
            .collect()
    }

    #[test]
    fn unit_scales_to_length_one_and_a_zero_row_is_no_embedding() {
        let u = unit(&[3.0, 4.0]).expect("non-zero");
        assert!((u[0] - 0.6).abs() < 1e-6 && (u[1] - 0.8).abs() < 1e-6);
        assert!(unit(&[0.0, 0.0, 0.0]).is_none());
    }

    /// A cue that learnt `e` ten times.
    fn learnt(e: &[f32]) -> EmbeddingCue {
        let mut cue = EmbeddingCue::default();
        for _ in 0..10 {
            cue.learn(Some(e), 0.2);
        }
        cue
    }

    #[test]
    fn a_learnt_look_is_cheap_for_its_shopper_and_dear_for_another() {
        let (a, b) = (unit(&look(1)).unwrap(), unit(&look(2)).unwrap());
        let cue = learnt(&a);
        assert!(cue.cost(Some(&a), 0.2) < 1e-6);
        let other = cue.cost(Some(&b), 0.2);
        assert!(other > 1.0, "{other}");
        assert_eq!(cue.cost(None, 0.2), 0.0);
        assert_eq!(EmbeddingCue::default().cost(Some(&a), 0.2), 0.0);
    }

    #[test]
    fn a_settled_look_does_not_learn_another_shopper() {
        let (a, b) = (unit(&look(1)).unwrap(), unit(&look(2)).unwrap());
        let mut cue = learnt(&a);
        let before = cue.clone();
        for _ in 0..50 {
            cue.learn(Some(&b), 0.2);
        }
        assert_eq!(cue, before);
    }

    #[test]
    fn embeddings_of_another_length_are_not_compared() {
        let mut cue = EmbeddingCue::default();
        cue.learn(Some(&unit(&look(1)).unwrap()), 0.2);
        assert_eq!(cue.cost(Some(&[1.0, 0.0]), 0.2), 0.0);
    }
}
