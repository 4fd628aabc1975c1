//! What the tracker reads of every track on every frame, side by side.
//!
//! A store's cameras send about a thousand frames a second, each showing a few people,
//! and each frame asks of all hundred tracks: which have expired, which could be one of
//! the people seen, which were updated. The tracks themselves are hundreds of bytes
//! apart (filter, appearance, embedding), so those questions touched a hundred cache
//! lines per frame for one field each. A [`Summary`] holds just those fields, one
//! compact row per track in the tracks' order; the tracker rewrites a row wherever it
//! changes one of them, and rebuilds all rows after a restore.

use super::tracker::{FilterTrack, TrackState};
use crate::config::Vec2;

/// The fields of one track that every frame reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Summary {
    pub state: TrackState,
    pub born_us: i64,
    pub last_hit_us: i64,
    pub last_hit_pos: Vec2,
    /// `last_hit_pos` is within the exit radius of an exit gate.
    pub near_exit: bool,
}

impl Summary {
    pub fn of(tr: &FilterTrack, near_exit: bool) -> Self {
        Self {
            state: tr.state,
            born_us: tr.born_us,
            last_hit_us: tr.last_hit_us,
            last_hit_pos: tr.last_hit_pos,
            near_exit,
        }
    }
}
