//! Optimal gated assignment of measurements to tracks (Kuhn–Munkres, [`super::hungarian`],
//! the `pathfinding` crate's algorithm). Each measurement may also stay unassigned at a fixed cost, the
//! gate: so a far-fetched pairing never wins just because everything must pair.

use super::hungarian::{min_cost_assignment_in, Buffers};

/// Costs are scaled to integers for the solver; 1e-4 resolution is plenty for squared
/// Mahalanobis distances.
const SCALE: f64 = 1e4;

/// `cost[m][t]` is the cost of measurement `m` to track `t` (`f64::INFINITY` outside
/// the gate; a row shorter than `n_tracks` forbids the rest). Returns, for each
/// measurement, the assigned track or `None`.
///
/// Only the tracks some measurement can take go into the matrix: a camera sees a corner
/// of the store, so most columns would be all forbidden, and the solver's work grows
/// with the columns. Leaving them out changes nothing, ties included. Every row has its
/// own reject slot, cheaper than any forbidden entry, so no minimum-cost assignment of
/// any subset of the rows uses a forbidden entry; the solver's matching after each row
/// is one (its labels stay feasible, its edges tight, unmatched columns keep label 0).
/// An all-forbidden column therefore never enters the alternating tree: as the first
/// column of least slack it would be free and end an augmenting path through a
/// forbidden entry. So its label stays 0, it never sets the row labels' start (the own
/// slot is larger), never sets a `delta` another column does not (at a lower index)
/// and never wins a scan: the solver takes the same steps on the remaining columns.
/// A test checks it against the full matrix.
pub fn assign(cost: &[Vec<f64>], n_tracks: usize, gate: f64) -> Vec<Option<usize>> {
    let flat: Vec<f64> = cost
        .iter()
        .flat_map(|row| (0..n_tracks).map(|t| row.get(t).copied().unwrap_or(f64::INFINITY)))
        .collect();
    assign_in(&mut Scratch::default(), &flat, cost.len(), n_tracks, gate)
}

/// The working vectors of [`assign_in`], for a caller that assigns many frames to keep.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    tracks: Vec<usize>,
    /// Per column of `tracks`, the first row that can take it.
    only_row: Vec<usize>,
    /// Per row, whether some column's first row is it.
    claimed: Vec<bool>,
    data: Vec<i64>,
    solver: Buffers,
}

/// [`assign`] with its working vectors in `scratch`.
pub fn assign_in(
    scratch: &mut Scratch,
    cost: &[f64],
    n_meas: usize,
    n_tracks: usize,
    gate: f64,
) -> Vec<Option<usize>> {
    debug_assert_eq!(cost.len(), n_meas * n_tracks);
    if n_meas == 0 {
        return Vec::new();
    }
    let allowed = |c: f64| c.is_finite() && c < gate;
    let reject = (gate * SCALE) as i64;
    let Scratch {
        tracks,
        only_row,
        claimed,
        data,
        solver,
    } = scratch;
    // The columns some measurement can take, and whether there is a choice to make: a
    // column two rows can take, a row two columns can, or a pair no cheaper than the
    // reject slot (a tie the solver would break).
    tracks.clear();
    only_row.clear();
    claimed.clear();
    claimed.resize(n_meas, false);
    let mut choice = false;
    for t in 0..n_tracks {
        let mut rows = (0..n_meas).filter(|&m| allowed(cost[m * n_tracks + t]));
        let Some(m) = rows.next() else { continue };
        choice |= rows.next().is_some()
            || claimed[m]
            || (cost[m * n_tracks + t] * SCALE) as i64 >= reject;
        claimed[m] = true;
        tracks.push(t);
        only_row.push(m);
    }
    if tracks.is_empty() {
        // Only the reject slots are allowed: every measurement takes its own.
        return vec![None; n_meas];
    }
    if !choice {
        // Each measurement takes its one track, or none: the only optimum, since every
        // such pair costs less than its reject slot (most frames: the people one camera
        // sees stand apart).
        let mut out = vec![None; n_meas];
        for (&t, &m) in tracks.iter().zip(only_row.iter()) {
            out[m] = Some(t);
        }
        return out;
    }
    let cols = solver_costs(data, cost, tracks, n_meas, gate);
    min_cost_assignment_in(solver, data, n_meas, cols);
    solver
        .xy
        .iter()
        .enumerate()
        .map(|(m, c)| {
            let t = *tracks.get(c.unwrap_or(0))?;
            allowed(cost[m * n_tracks + t]).then_some(t)
        })
        .collect()
}

/// The integer cost matrix the solver takes into `data`, a row per measurement of
/// `cost` (`n_meas` rows, at least one): the columns of `tracks`, then one "unassigned" slot per
/// measurement at the reject cost; returns its number of columns.
fn solver_costs(
    data: &mut Vec<i64>,
    cost: &[f64],
    tracks: &[usize],
    n_meas: usize,
    gate: f64,
) -> usize {
    let allowed = |c: f64| c.is_finite() && c < gate;
    let reject = (gate * SCALE) as i64;
    let n_tracks = cost.len() / n_meas;
    let cols = tracks.len() + n_meas;
    let forbidden = reject * 4 + 1;
    data.clear();
    data.reserve(n_meas * cols);
    for m in 0..n_meas {
        let row = &cost[m * n_tracks..(m + 1) * n_tracks];
        for &t in tracks {
            data.push(if allowed(row[t]) {
                (row[t] * SCALE) as i64
            } else {
                forbidden
            });
        }
        for slot in 0..n_meas {
            data.push(if slot == m { reject } else { forbidden });
        }
    }
    cols
}

#[cfg(test)]
mod tests {
    use super::super::hungarian::min_cost_assignment;
    use super::*;

    #[test]
    fn optimal_not_greedy() {
        // Greedy would give m0 -> t0 (1.0) and leave m1 with t1 (9.0): total 10.
        // Optimal: m0 -> t1 (2.0), m1 -> t0 (2.0): total 4.
        let cost = vec![vec![1.0, 2.0], vec![2.0, 9.0]];
        assert_eq!(assign(&cost, 2, 20.0), vec![Some(1), Some(0)]);
    }

    #[test]
    fn outside_the_gate_stays_unassigned() {
        // m1 is outside every gate; m0 can only take t0, so m2 takes t1 although t0 is
        // cheaper for it alone (1 + 3 < 0.5 + the gate).
        let cost = vec![vec![1.0, f64::INFINITY], vec![30.0, 25.0], vec![0.5, 3.0]];
        assert_eq!(assign(&cost, 2, 10.0), vec![Some(0), None, Some(1)]);
    }

    /// The matrix of every track, as before the all-forbidden columns were left out.
    fn assign_full(cost: &[Vec<f64>], n_tracks: usize, gate: f64) -> Vec<Option<usize>> {
        let n_meas = cost.len();
        if n_meas == 0 {
            return Vec::new();
        }
        if n_tracks == 0 {
            return vec![None; n_meas];
        }
        let cols = n_tracks + n_meas;
        let reject = (gate * SCALE) as i64;
        let forbidden = reject * 4 + 1;
        let mut data = Vec::with_capacity(n_meas * cols);
        for (m, row) in cost.iter().enumerate() {
            for &c in row.iter().take(n_tracks) {
                data.push(if c.is_finite() && c < gate {
                    (c * SCALE) as i64
                } else {
                    forbidden
                });
            }
            for slot in 0..n_meas {
                data.push(if slot == m { reject } else { forbidden });
            }
        }
        min_cost_assignment(&data, n_meas, cols)
            .into_iter()
            .enumerate()
            .map(|(m, c)| {
                (c < n_tracks && cost[m][c].is_finite() && cost[m][c] < gate).then_some(c)
            })
            .collect()
    }

    #[test]
    fn leaving_out_the_tracks_no_measurement_can_take_changes_nothing() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let gate = 8.0;
        for case in 0..20000 {
            let n_meas = rng.random_range(1..7);
            let n_tracks = rng.random_range(0..14);
            // Many ties (few distinct costs), costs at and beyond the gate, and whole
            // columns outside every gate at random places.
            let dead: Vec<bool> = (0..n_tracks).map(|_| rng.random_bool(0.5)).collect();
            let cost: Vec<Vec<f64>> = (0..n_meas)
                .map(|_| {
                    (0..n_tracks)
                        .map(|t| {
                            if dead[t] {
                                return [f64::INFINITY, gate, gate + 1.0][rng.random_range(0..3)];
                            }
                            match rng.random_range(0..10) {
                                0..=2 => f64::INFINITY,
                                3 => gate,
                                _ if case % 2 == 0 => rng.random_range(0..4) as f64 * 2.0,
                                _ => rng.random_range(0.0..gate * 1.2),
                            }
                        })
                        .collect()
                })
                .collect();
            assert_eq!(
                assign(&cost, n_tracks, gate),
                assign_full(&cost, n_tracks, gate),
                "{cost:?}"
            );
        }
    }

    #[test]
    fn no_tracks_or_no_measurements() {
        assert_eq!(assign(&[vec![], vec![]], 0, 5.0), vec![None, None]);
        assert!(assign(&[], 3, 5.0).is_empty());
    }
}
