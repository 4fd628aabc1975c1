//! Events of one modality waiting in the reorder buffer, in arrival order.
//!
//! Each step takes out the events up to the watermark. Events arrive nearly in time
//! order (sensors a few tens of milliseconds apart), so the ready ones sit at the front:
//! the queue remembers the largest step back in time any arrival made (`disorder`), and
//! only looks at the front up to `until + disorder`. Nothing behind that can be ready,
//! and nothing is scanned or moved there. A snapshot holds the events only, as a plain
//! sequence.

use std::collections::VecDeque;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An event's time on the sensor clock.
pub trait EventTime {
    fn t_us(&self) -> i64;
}

#[derive(Debug, Clone)]
pub struct Pending<T> {
    items: VecDeque<T>,
    /// Latest time among the events pushed since the queue was last empty.
    newest_us: i64,
    /// Largest `newest_us - t` of an arrival: no event is older than the newest one
    /// before it by more than this.
    disorder_us: i64,
}

impl<T> Default for Pending<T> {
    fn default() -> Self {
        Self {
            items: VecDeque::new(),
            newest_us: i64::MIN,
            disorder_us: 0,
        }
    }
}

impl<T: EventTime> Pending<T> {
    pub fn push(&mut self, event: T) {
        if self.items.is_empty() {
            self.newest_us = i64::MIN;
            self.disorder_us = 0;
        }
        let t = event.t_us();
        self.disorder_us = self.disorder_us.max(self.newest_us.saturating_sub(t));
        self.newest_us = self.newest_us.max(t);
        self.items.push_back(event);
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.items.iter()
    }

    /// Changes in place must keep each event's time.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.items.iter_mut()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Take out the events with `t <= until`, in arrival order; the others stay, in
    /// arrival order too.
    pub fn take_until(&mut self, until: i64) -> Vec<T> {
        // An event behind the first one after `until + disorder` is newer than `until`:
        // it is at most `disorder` older than that one.
        let horizon = until.saturating_add(self.disorder_us);
        let front = self
            .items
            .iter()
            .position(|e| e.t_us() > horizon)
            .unwrap_or(self.items.len());
        // Sized for all of the front at once: the events are large (a person detection
        // with its keypoints), and growing by doubling would copy them again and again.
        let mut out = Vec::with_capacity(front);
        let mut kept = Vec::new();
        for e in self.items.drain(..front) {
            if e.t_us() <= until {
                out.push(e);
            } else {
                kept.push(e);
            }
        }
        for e in kept.into_iter().rev() {
            self.items.push_front(e);
        }
        out
    }
}

impl<T: Serialize> Serialize for Pending<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de> + EventTime> Deserialize<'de> for Pending<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<T>::deserialize(deserializer)?;
        let mut out = Self::default();
        for e in items {
            out.push(e);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl EventTime for (i64, u32) {
        fn t_us(&self) -> i64 {
            self.0
        }
    }

    /// The plain definition: a stable partition of the whole queue.
    fn reference(items: &mut Vec<(i64, u32)>, until: i64) -> Vec<(i64, u32)> {
        let (out, kept): (Vec<_>, Vec<_>) = items.iter().partition(|e| e.0 <= until);
        *items = kept;
        out
    }

    #[test]
    fn takes_what_a_partition_of_the_whole_queue_takes() {
        let mut queue = Pending::default();
        let mut plain = Vec::new();
        let mut id = 0u32;
        // Arrivals a little out of order (times jitter by up to 70 within a batch),
        // one far out, steps of assorted lengths, and a stretch where the queue empties.
        for step in 0..200i64 {
            let base = step * 50;
            for k in 0..((step * 7) % 5) {
                let jitter = (step * 31 + k * 17) % 71;
                let t = if step % 37 == 0 && k == 0 {
                    base - 900
                } else {
                    base + jitter
                };
                if (120..130).contains(&step) {
                    continue;
                }
                id += 1;
                queue.push((t, id));
                plain.push((t, id));
            }
            let until = base - 100 + (step % 3) * 40;
            assert_eq!(
                queue.take_until(until),
                reference(&mut plain, until),
                "step {step}"
            );
            assert_eq!(queue.iter().copied().collect::<Vec<_>>(), plain);
        }
    }

    #[test]
    fn a_snapshot_is_the_plain_sequence_and_restores_the_same_queue() {
        let mut queue = Pending::default();
        for (t, id) in [(30, 1), (10, 2), (40, 3)] {
            queue.push((t, id));
        }
        let json = serde_json::to_string(&queue).unwrap();
        assert_eq!(json, "[[30,1],[10,2],[40,3]]");
        let mut back: Pending<(i64, u32)> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.disorder_us, 20);
        assert_eq!(back.take_until(15), vec![(10, 2)]);
        assert_eq!(back.len(), 2);
    }
}
