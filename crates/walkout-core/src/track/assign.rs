//! Optimal gated assignment of measurements to tracks (Kuhn–Munkres, [`super::hungarian`],
//! the `pathfinding` crate's algorithm). Each measurement may also stay unassigned at a fixed cost, the
//! gate: so a far-fetched pairing never wins just because everything must pair.

use super::hungarian::min_cost_assignment;

/// Costs are scaled to integers for the solver; 1e-4 resolution is plenty for squared
/// Mahalanobis distances.
const SCALE: f64 = 1e4;

/// `cost[m][t]` is the cost of measurement `m` to track `t` (`f64::INFINITY` outside
/// the gate). Returns, for each measurement, the assigned track or `None`.
pub fn assign(cost: &[Vec<f64>], n_tracks: usize, gate: f64) -> Vec<Option<usize>> {
    let n_meas = cost.len();
    if n_meas == 0 {
        return Vec::new();
    }
    if n_tracks == 0 {
        return vec![None; n_meas];
    }
    // Columns: the tracks, then one "unassigned" slot per measurement.
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
        .map(|(m, c)| (c < n_tracks && cost[m][c].is_finite() && cost[m][c] < gate).then_some(c))
        .collect()
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn no_tracks_or_no_measurements() {
        assert_eq!(assign(&[vec![], vec![]], 0, 5.0), vec![None, None]);
        assert!(assign(&[], 3, 5.0).is_empty());
    }
}
