//! Weight samples waiting for the watermark.
//!
//! A thousand plates at 60 Hz send a few samples each per frame tick, and each waits
//! the lateness bound (two seconds) before its plate's detector may see it. Kept per
//! plate, every tick would touch every plate's buffer twice (an arrival at the back, a
//! drain at the front, two seconds apart), and those lines miss the cache. So samples
//! of plates that report in order wait in arrival order, in a few large blocks written
//! and read front to back, and go to their detectors from there; only a plate whose
//! samples break its order (a late or repeated reading) gets a buffer of its own
//! ([`PlateBuffer`]), sorted when drained, until it is empty again.
//!
//! A drain hands the due samples on grouped by plate, in plate order (a counting sort
//! of what it takes from the blocks). In arrival order each sample would go to another
//! plate's detector, at random; between ticks other work has filled the caches, so
//! every sample would wait for its detector's state. Grouped, each detector is visited
//! once per drain, in the order the detectors lie in memory.
//!
//! Both hold what one plate's buffer of all its waiting samples in arrival order would
//! hold, and drain as it would: in time order, a reading repeated at one instant
//! counted once. A snapshot holds exactly that per-plate form.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::VecDeque;

use super::ModalityCounts;

/// Samples of one plate waiting for the watermark, in arrival order, with whether an
/// arrival broke the time order (then the buffer is sorted before it is drained).
/// A snapshot holds the waiting samples, in the same format as a plain vector of them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(from = "PlateBufferState")]
pub struct PlateBuffer {
    samples: VecDeque<(i64, f64)>,
    sorted: bool,
}

/// What a snapshot holds of a [`PlateBuffer`].
#[derive(Deserialize)]
struct PlateBufferState {
    samples: Vec<(i64, f64)>,
    sorted: bool,
}

impl From<PlateBufferState> for PlateBuffer {
    fn from(s: PlateBufferState) -> Self {
        Self {
            samples: s.samples.into(),
            sorted: s.sorted,
        }
    }
}

impl Serialize for PlateBuffer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename = "PlateBuffer")]
        struct View<'a> {
            samples: &'a VecDeque<(i64, f64)>,
            sorted: bool,
        }
        View {
            samples: &self.samples,
            sorted: self.sorted,
        }
        .serialize(serializer)
    }
}

impl PlateBuffer {
    pub fn push(&mut self, t_us: i64, grams: f64) {
        if let Some(&(last_t, last_g)) = self.samples.back() {
            if (t_us, grams.to_bits()) <= (last_t, last_g.to_bits()) {
                self.sorted = false;
            }
        } else {
            self.sorted = true;
        }
        self.samples.push_back((t_us, grams));
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Hand every sample with `t <= until` to `sink(t, grams)` in time order, two
    /// readings of one instant counted once (the lower value wins, so the choice is
    /// deterministic).
    fn drain(&mut self, until: i64, counts: &mut ModalityCounts, mut sink: impl FnMut(i64, f64)) {
        if !self.sorted {
            self.samples
                .make_contiguous()
                .sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            self.sorted = true;
        }
        let mut last_t = None;
        while let Some(&(t, g)) = self.samples.front() {
            if t > until {
                break;
            }
            self.samples.pop_front();
            if last_t == Some(t) {
                counts.duplicates += 1;
                continue;
            }
            last_t = Some(t);
            counts.processed += 1;
            sink(t, g);
        }
    }
}

/// One waiting sample of a plate in arrival order.
#[derive(Debug, Clone, Copy)]
struct Arrival {
    t_us: i64,
    grams: f64,
    plate: u32,
}

/// `Arrival::plate` of a sample moved to its plate's own buffer.
const MOVED: u32 = u32::MAX;

/// Arrivals per block.
const BLOCK_ROWS: usize = 4096;

/// A block of arrivals and the span of their times (the span may be wider than what is
/// left in the block).
#[derive(Debug, Clone)]
struct Block {
    rows: Vec<Arrival>,
    min_t: i64,
    max_t: i64,
}

impl Default for Block {
    fn default() -> Self {
        Self::with_rows(Vec::new())
    }
}

impl Block {
    fn with_rows(rows: Vec<Arrival>) -> Self {
        Self {
            rows,
            min_t: i64::MAX,
            max_t: i64::MIN,
        }
    }

    fn push(&mut self, row: Arrival) {
        self.rows.push(row);
        (self.min_t, self.max_t) = (self.min_t.min(row.t_us), self.max_t.max(row.t_us));
    }

    /// Hand the samples with `t <= until` to `sink` in arrival order; keep the others
    /// in arrival order.
    fn take_until(&mut self, until: i64, mut sink: impl FnMut(&Arrival)) {
        if self.max_t <= until {
            for r in self.rows.iter().filter(|r| r.plate != MOVED) {
                sink(r);
            }
            self.rows.clear();
            return;
        }
        let mut kept = 0;
        let (mut min_t, mut max_t) = (i64::MAX, i64::MIN);
        for i in 0..self.rows.len() {
            let r = self.rows[i];
            if r.plate == MOVED {
                continue;
            }
            if r.t_us <= until {
                sink(&r);
            } else {
                self.rows[kept] = r;
                kept += 1;
                (min_t, max_t) = (min_t.min(r.t_us), max_t.max(r.t_us));
            }
        }
        self.rows.truncate(kept);
        (self.min_t, self.max_t) = (min_t, max_t);
    }
}

/// Where a plate's waiting samples are.
#[derive(Debug, Clone, Copy)]
struct PlateState {
    /// Time of the plate's last arrival (`i64::MIN`: none yet). Arrivals later than
    /// it keep the plate's samples in time order.
    last_t: i64,
    /// The samples wait in the plate's own buffer (else in the blocks).
    own: bool,
}

impl Default for PlateState {
    fn default() -> Self {
        Self {
            last_t: i64::MIN,
            own: false,
        }
    }
}

/// The weight samples of every plate waiting for the watermark (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct WeightBuffer {
    /// Arrivals of plates in order, oldest block first, then `open`.
    blocks: VecDeque<Block>,
    /// The block the newest arrivals go to (until full).
    open: Block,
    /// Emptied blocks' rows, for reuse.
    spare: Vec<Vec<Arrival>>,
    /// Per plate index (as far as one was pushed), as a snapshot lists them.
    plates: Vec<PlateState>,
    own: Vec<PlateBuffer>,
    /// Plates whose samples wait in their own buffer.
    n_own: usize,
    /// Scratch of `drain` (no state): the due arrivals, then grouped by plate.
    due: Vec<Arrival>,
    by_plate: Vec<Arrival>,
    /// Scratch of `drain`: per plate, where its group starts in `by_plate`.
    group_start: Vec<u32>,
}

impl WeightBuffer {
    /// Plate buffers a snapshot lists: up to the highest plate index pushed.
    pub fn len(&self) -> usize {
        self.own.len()
    }

    pub fn is_empty(&self) -> bool {
        self.own.is_empty()
    }

    /// Buffer one sample of plate index `plate`.
    #[inline]
    pub fn push(&mut self, plate: usize, t_us: i64, grams: f64) {
        // The common case inlined into the caller's loop, the rare ones kept out of it.
        if let Some(state) = self.plates.get_mut(plate) {
            if !state.own && t_us > state.last_t {
                state.last_t = t_us;
                self.append(Arrival {
                    t_us,
                    grams,
                    plate: plate as u32,
                });
                return;
            }
        }
        self.push_rare(plate, t_us, grams);
    }

    /// `push` of a plate not seen before, or of one whose samples are out of order.
    #[cold]
    #[inline(never)]
    fn push_rare(&mut self, plate: usize, t_us: i64, grams: f64) {
        if self.plates.len() <= plate {
            self.plates.resize_with(plate + 1, PlateState::default);
            self.own.resize_with(plate + 1, PlateBuffer::default);
        }
        let state = &mut self.plates[plate];
        let in_order = !state.own && t_us > state.last_t;
        state.last_t = t_us;
        if in_order {
            self.append(Arrival {
                t_us,
                grams,
                plate: plate as u32,
            });
            return;
        }
        if !self.plates[plate].own {
            self.move_to_own(plate);
        }
        self.own[plate].push(t_us, grams);
    }

    #[inline]
    fn append(&mut self, row: Arrival) {
        if self.open.rows.len() >= BLOCK_ROWS {
            self.open_new_block();
        }
        self.open.push(row);
    }

    #[cold]
    #[inline(never)]
    fn open_new_block(&mut self) {
        let rows = self
            .spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(BLOCK_ROWS));
        let full = std::mem::replace(&mut self.open, Block::with_rows(rows));
        self.blocks.push_back(full);
    }

    /// Every block, oldest first.
    fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.blocks.iter().chain(std::iter::once(&self.open))
    }

    /// [`Self::blocks`], to change; of the fields, so that others stay free to borrow.
    fn blocks_mut<'a>(
        blocks: &'a mut VecDeque<Block>,
        open: &'a mut Block,
    ) -> impl Iterator<Item = &'a mut Block> {
        blocks.iter_mut().chain(std::iter::once(open))
    }

    /// An arrival broke `plate`'s order: its waiting samples move to its own buffer, in
    /// arrival order (rare, so the blocks are simply searched).
    fn move_to_own(&mut self, plate: usize) {
        let buf = &mut self.own[plate];
        let blocks = Self::blocks_mut(&mut self.blocks, &mut self.open);
        for r in blocks.flat_map(|b| b.rows.iter_mut()) {
            if r.plate as usize == plate {
                buf.push(r.t_us, r.grams);
                r.plate = MOVED;
            }
        }
        self.plates[plate].own = true;
        self.n_own += 1;
    }

    /// Hand every sample with `t <= until` to `sink(plate, t, grams)`, each plate's in
    /// time order, two readings of one plate at one instant counted once (the lower
    /// value wins so the choice is deterministic). Plates' samples come one plate after
    /// another, not interleaved in time.
    pub fn drain(
        &mut self,
        until: i64,
        counts: &mut ModalityCounts,
        mut sink: impl FnMut(usize, i64, f64),
    ) {
        let (due, starts) = (&mut self.due, &mut self.group_start);
        starts.clear();
        starts.resize(self.plates.len() + 1, 0);
        let blocks = Self::blocks_mut(&mut self.blocks, &mut self.open);
        for block in blocks.filter(|b| b.min_t <= until) {
            block.take_until(until, |r| {
                starts[r.plate as usize + 1] += 1;
                due.push(*r);
            });
        }
        counts.processed += self.due.len() as u64;
        let n = self.group_due_by_plate();
        for r in &self.by_plate[..n] {
            sink(r.plate as usize, r.t_us, r.grams);
        }
        let mut i = 0;
        while i < self.blocks.len() {
            if !self.blocks[i].rows.is_empty() {
                i += 1;
            } else if let Some(b) = self.blocks.remove(i) {
                self.spare.push(b.rows);
            }
        }
        if self.n_own == 0 {
            return;
        }
        for (plate, (buf, state)) in self.own.iter_mut().zip(&mut self.plates).enumerate() {
            if !state.own {
                continue;
            }
            buf.drain(until, counts, |t, g| sink(plate, t, g));
            if buf.is_empty() {
                state.own = false;
                self.n_own -= 1;
            }
        }
    }

    /// `due` into the front of `by_plate`, grouped by plate in plate order, each
    /// plate's in arrival order (a stable counting sort); returns how many there are.
    /// `group_start` holds the count of each plate's arrivals, at its index plus one.
    fn group_due_by_plate(&mut self) -> usize {
        let starts = &mut self.group_start;
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        // Every slot below `due.len()` is written below: only new ones need a value.
        let n = self.due.len();
        if self.by_plate.len() < n {
            let filler = Arrival {
                t_us: 0,
                grams: 0.0,
                plate: MOVED,
            };
            self.by_plate.resize(n, filler);
        }
        for r in self.due.drain(..) {
            let slot = &mut starts[r.plate as usize];
            self.by_plate[*slot as usize] = r;
            *slot += 1;
        }
        n
    }

    /// Every plate's waiting samples as its own buffer would hold them.
    fn plate_buffers(&self) -> Vec<PlateBuffer> {
        let mut out = self.own.clone();
        for r in self.blocks().flat_map(|b| &b.rows) {
            if let Some(buf) = out.get_mut(r.plate as usize) {
                buf.push(r.t_us, r.grams);
            }
        }
        // A plate's own buffer, emptied by drains (or never used: its samples went to
        // the blocks), would be marked in order once the plate had sent anything.
        for (buf, state) in out.iter_mut().zip(&self.plates) {
            if !state.own {
                buf.sorted |= state.last_t != i64::MIN;
            }
        }
        out
    }
}

impl Serialize for WeightBuffer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.plate_buffers().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for WeightBuffer {
    /// Every restored sample waits in its plate's own buffer, as it was written.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let own = Vec::<PlateBuffer>::deserialize(deserializer)?;
        let plates: Vec<PlateState> = own
            .iter()
            .map(|b| PlateState {
                last_t: b.samples.back().map_or(i64::MIN, |s| s.0),
                own: !b.is_empty(),
            })
            .collect();
        Ok(Self {
            n_own: plates.iter().filter(|p| p.own).count(),
            blocks: VecDeque::new(),
            open: Block::default(),
            spare: Vec::new(),
            plates,
            own,
            due: Vec::new(),
            by_plate: Vec::new(),
            group_start: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The plain definition: one buffer per plate holding all its waiting samples.
    #[derive(Default)]
    struct PerPlate(Vec<PlateBuffer>);

    impl PerPlate {
        fn push(&mut self, plate: usize, t: i64, g: f64) {
            if self.0.len() <= plate {
                self.0.resize_with(plate + 1, PlateBuffer::default);
            }
            self.0[plate].push(t, g);
        }

        fn drain(&mut self, until: i64, counts: &mut ModalityCounts) -> Vec<Vec<(i64, u64)>> {
            let mut out = vec![Vec::new(); self.0.len()];
            for (p, buf) in self.0.iter_mut().enumerate() {
                if !buf.is_empty() {
                    buf.drain(until, counts, |t, g| out[p].push((t, g.to_bits())));
                }
            }
            out
        }
    }

    #[test]
    fn drains_and_snapshots_as_one_buffer_per_plate_would() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for case in 0..300 {
            let plates = rng.random_range(1..6);
            let (mut fast, mut plain) = (WeightBuffer::default(), PerPlate::default());
            let (mut c_fast, mut c_plain) = (ModalityCounts::default(), ModalityCounts::default());
            let mut now = 0i64;
            for _ in 0..40 {
                // A tick of samples, mostly in order; some late, repeated (with the same
                // or another value, negative ones too) or out of order.
                for _ in 0..rng.random_range(0..30) {
                    let plate = rng.random_range(0..plates);
                    let t = match rng.random_range(0..20) {
                        0 => now - rng.random_range(0..50),
                        1 => now,
                        _ => now + rng.random_range(1..3),
                    };
                    let g = [1.0, -1.0, -2.0, 3.5][rng.random_range(0..4)];
                    now = now.max(t);
                    fast.push(plate, t, g);
                    plain.push(plate, t, g);
                }
                assert_eq!(
                    serde_json::to_string(&fast).unwrap(),
                    serde_json::to_string(&plain.0).unwrap(),
                    "case {case}"
                );
                let until = now - rng.random_range(0..40);
                let mut got = vec![Vec::new(); plain.0.len()];
                fast.drain(until, &mut c_fast, |p, t, g| got[p].push((t, g.to_bits())));
                assert_eq!(got, plain.drain(until, &mut c_plain), "case {case}");
                assert_eq!(c_fast, c_plain);
                if rng.random_bool(0.05) {
                    // Restored from its snapshot, it goes on as before.
                    let json = serde_json::to_string(&fast).unwrap();
                    fast = serde_json::from_str(&json).unwrap();
                    assert_eq!(serde_json::to_string(&fast).unwrap(), json);
                }
            }
        }
    }
}
