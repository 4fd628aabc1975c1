//! When each sensor of a kind takes its frames (or its read rounds): every period from
//! a random phase, the sensors' next times in one queue, taken in time order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One sensor's times: `phase_us + k * period_us`, rounded, for k = 0, 1, ...
struct Clock {
    phase_us: f64,
    period_us: f64,
    k: i64,
}

#[derive(Default)]
pub(crate) struct Schedule {
    clocks: Vec<Clock>,
    queue: BinaryHeap<Reverse<(i64, usize)>>,
}

impl Schedule {
    /// The next sensor (index `i` in the order added) runs every `period_us` from a
    /// phase within one period of `start_us`, drawn from the sensor's own random
    /// stream (stream `i` of `seed`), which is returned for the sensor's other draws.
    pub fn add(&mut self, start_us: i64, period_us: f64, seed: u64) -> ChaCha8Rng {
        let i = self.clocks.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(i as u64);
        let phase = rng.random_range(0.0..period_us);
        self.queue
            .push(Reverse((start_us + phase.round() as i64, i)));
        self.clocks.push(Clock {
            phase_us: start_us as f64 + phase,
            period_us,
            k: 0,
        });
        rng
    }

    /// The earliest (time, sensor) before `t1`, if any; that sensor's following time
    /// joins the queue.
    pub fn next_before(&mut self, t1: i64) -> Option<(i64, usize)> {
        let &Reverse((t, i)) = self.queue.peek()?;
        if t >= t1 {
            return None;
        }
        self.queue.pop();
        let c = &mut self.clocks[i];
        c.k += 1;
        let next = (c.phase_us + c.k as f64 * c.period_us).round() as i64;
        self.queue.push(Reverse((next, i)));
        Some((t, i))
    }
}
