//! Appearance cues that keep two shoppers apart when their floor positions do not: the
//! height of the head (from camera keypoints), the warmth of the body and its breadth
//! seen from above (from thermal blobs; breadth as the log of the blob's floor area, so
//! its spread is relative), and the re-identification embedding of the camera boxes
//! ([`super::embedding`]). Each is a running mean learnt over one visit; it lives in the
//! tracker's memory only and is gone with the track, so nobody is recognised on a later
//! visit.

use serde::{Deserialize, Serialize};

use super::embedding::EmbeddingCue;
use super::measure::FloorMeasurement;

/// One cue's term never counts for more than this: a shopper bending into a low shelf
/// drops their head, a merged thermal blob averages two bodies, and neither must cost
/// a shopper their track. (The embedding's term is not, once learnt: `super::embedding`.)
pub const CUE_COST_CAP: f64 = 9.0;
/// A cue learnt from this many measurements is trusted.
const SETTLED: u32 = 5;

/// Spreads of single measurements.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CueSpreads {
    pub head_m: f64,
    pub warmth_c: f64,
    pub log_area: f64,
    /// Cosine distance of one embedding to its shopper's mean look.
    #[serde(default = "default_embedding_spread")]
    pub embedding_cosine: f64,
}

fn default_embedding_spread() -> f64 {
    0.2
}

impl Default for CueSpreads {
    fn default() -> Self {
        Self {
            head_m: 0.06,
            warmth_c: 0.35,
            log_area: 0.12,
            embedding_cosine: default_embedding_spread(),
        }
    }
}

/// The running mean of one cue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cue {
    pub mean: f64,
    pub n: u32,
}

/// Squared, normalised difference of a measured value to a learnt cue (capped); 0
/// when either side is missing.
fn cost(cue: Option<Cue>, measured: Option<f64>, std: f64) -> f64 {
    match (cue, measured) {
        (Some(c), Some(m)) => {
            let spread2 = std * std * (1.0 + 1.0 / c.n.max(1) as f64);
            ((m - c.mean).powi(2) / spread2).min(CUE_COST_CAP)
        }
        _ => 0.0,
    }
}

fn learn(cue: &mut Option<Cue>, measured: Option<f64>, std: f64) {
    let Some(m) = measured else { return };
    match cue {
        None => *cue = Some(Cue { mean: m, n: 1 }),
        Some(c) => {
            // Once settled, only values near the usual one teach it: a bend or a merged
            // blob is not a new appearance.
            if c.n >= SETTLED && (m - c.mean).abs() > 2.5 * std {
                return;
            }
            c.n += 1;
            c.mean += (m - c.mean) / c.n as f64;
        }
    }
}

/// Everything a track knows of its shopper's appearance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Appearance {
    pub head: Option<Cue>,
    pub warmth: Option<Cue>,
    pub log_area: Option<Cue>,
    /// Written into a snapshot only when configured (`fusion.snapshot_embeddings`).
    #[serde(default, skip_serializing_if = "EmbeddingCue::is_empty")]
    pub embedding: EmbeddingCue,
}

fn log_area(m: &FloorMeasurement) -> Option<f64> {
    m.top_area_m2.map(f64::ln)
}

impl Appearance {
    /// Assignment cost of a measurement to this appearance.
    pub fn cost(&self, m: &FloorMeasurement, s: CueSpreads) -> f64 {
        cost(self.head, m.head_height_m, s.head_m)
            + cost(self.warmth, m.temperature_c, s.warmth_c)
            + cost(self.log_area, log_area(m), s.log_area)
            + self
                .embedding
                .cost(m.embedding.as_deref(), s.embedding_cosine)
    }

    pub fn learn(&mut self, m: &FloorMeasurement, s: CueSpreads) {
        learn(&mut self.head, m.head_height_m, s.head_m);
        learn(&mut self.warmth, m.temperature_c, s.warmth_c);
        learn(&mut self.log_area, log_area(m), s.log_area);
        self.embedding
            .learn(m.embedding.as_deref(), s.embedding_cosine);
    }

    /// How unlike two appearances are (for re-linking a lost track).
    pub fn cost_to(&self, other: &Appearance, s: CueSpreads) -> f64 {
        cost(self.head, other.head.map(|c| c.mean), s.head_m)
            + cost(self.warmth, other.warmth.map(|c| c.mean), s.warmth_c)
            + cost(self.log_area, other.log_area.map(|c| c.mean), s.log_area)
            + self.embedding.cost_to(&other.embedding, s.embedding_cosine)
    }

    /// Fill cues this one lacks from `other`.
    pub fn complete_from(&mut self, other: &Appearance) {
        self.head = self.head.or(other.head);
        self.warmth = self.warmth.or(other.warmth);
        self.log_area = self.log_area.or(other.log_area);
        self.embedding.complete_from(&other.embedding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meas(head: Option<f64>, warmth: Option<f64>) -> FloorMeasurement {
        FloorMeasurement {
            t_us: 0,
            pos: [0.0, 0.0],
            std_m: 0.1,
            score: 0.9,
            head_height_m: head,
            temperature_c: warmth,
            top_area_m2: None,
            embedding: None,
        }
    }

    #[test]
    fn learnt_cues_tell_shoppers_apart_and_ignore_what_is_missing() {
        let s = CueSpreads::default();
        let mut a = Appearance::default();
        for _ in 0..10 {
            a.learn(&meas(Some(1.62), Some(31.0)), s);
        }
        assert!(a.cost(&meas(Some(1.63), Some(31.1)), s) < 1.0);
        assert!(a.cost(&meas(Some(1.40), None), s) >= CUE_COST_CAP);
        assert!(a.cost(&meas(None, Some(33.0)), s) >= CUE_COST_CAP);
        assert_eq!(a.cost(&meas(None, None), s), 0.0);
    }

    #[test]
    fn a_settled_cue_does_not_learn_a_bend() {
        let s = CueSpreads::default();
        let mut a = Appearance::default();
        for _ in 0..10 {
            a.learn(&meas(Some(1.62), None), s);
        }
        for _ in 0..50 {
            a.learn(&meas(Some(1.20), None), s);
        }
        let head = a.head.expect("learnt");
        assert!((head.mean - 1.62).abs() < 1e-9, "{head:?}");
    }
}
