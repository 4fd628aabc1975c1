//! Kuhn–Munkres (Hungarian) minimum-cost assignment on a dense integer matrix.
//!
//! This is the `pathfinding` crate's `kuhn_munkres_min` (4.x) step for step: the same
//! labels, the same slack updates, the same scan order and tie-breaking, so it returns
//! the same assignment whenever several are optimal (a test checks it against the
//! crate on many small matrices full of ties). It differs only in what costs time on
//! the tracker's thousands of small matrices a second: the costs are negated on the
//! fly instead of into a copied matrix, the set of labelled rows is a plain vector
//! (each row enters it once per search), and the buffers live in one place.

/// For each row of the `rows × cols` matrix `cost` (row-major, `rows <= cols`), the
/// column it is assigned, minimising the total cost.
pub fn min_cost_assignment(cost: &[i64], rows: usize, cols: usize) -> Vec<usize> {
    let mut buffers = Buffers::default();
    min_cost_assignment_in(&mut buffers, cost, rows, cols);
    buffers.xy.iter().map(|c| c.unwrap_or(0)).collect()
}

/// The solver's working vectors, for a caller that solves many matrices to keep.
#[derive(Debug, Clone, Default)]
pub struct Buffers {
    /// After a solve: the column of each row.
    pub xy: Vec<Option<usize>>,
    yx: Vec<Option<usize>>,
    lx: Vec<i64>,
    ly: Vec<i64>,
    s: Vec<usize>,
    alternating: Vec<Option<usize>>,
    slack: Vec<i64>,
    slackx: Vec<usize>,
}

/// [`min_cost_assignment`] in `buffers` (the result in `buffers.xy`, every row
/// assigned).
///
/// One function of 80 lines on purpose: it follows the `pathfinding` crate's
/// Kuhn–Munkres step by step (labels, slack, the alternating tree, the augmenting
/// path), which the tests check it against; split, each piece would take and return
/// most of that state.
pub fn min_cost_assignment_in(buffers: &mut Buffers, cost: &[i64], rows: usize, cols: usize) {
    debug_assert!(rows <= cols && cost.len() == rows * cols);
    // Maximise the negated costs, as the crate does.
    let w = |x: usize, y: usize| -cost[x * cols + y];
    let Buffers {
        xy,
        yx,
        lx,
        ly,
        s,
        alternating,
        slack,
        slackx,
    } = buffers;
    xy.clear();
    xy.resize(rows, None);
    yx.clear();
    yx.resize(cols, None);
    lx.clear();
    lx.extend((0..rows).map(|x| (0..cols).map(|y| w(x, y)).max().unwrap_or(0)));
    ly.clear();
    ly.resize(cols, 0);
    slack.clear();
    slack.resize(cols, 0);
    for root in 0..rows {
        alternating.clear();
        alternating.resize(cols, None);
        s.clear();
        s.push(root);
        for y in 0..cols {
            slack[y] = lx[root] + ly[y] - w(root, y);
        }
        slackx.clear();
        slackx.resize(cols, root);
        let mut y = loop {
            let mut delta = i64::MAX;
            let (mut x, mut y) = (0, 0);
            for yy in 0..cols {
                if alternating[yy].is_none() && slack[yy] < delta {
                    delta = slack[yy];
                    x = slackx[yy];
                    y = yy;
                }
            }
            if delta > 0 {
                for &x in s.iter() {
                    lx[x] -= delta;
                }
                for yy in 0..cols {
                    if alternating[yy].is_some() {
                        ly[yy] += delta;
                    } else {
                        slack[yy] -= delta;
                    }
                }
            }
            alternating[y] = Some(x);
            let Some(x) = yx[y] else {
                break Some(y);
            };
            s.push(x);
            for yy in 0..cols {
                if alternating[yy].is_none() {
                    let alternate = lx[x] + ly[yy] - w(x, yy);
                    if slack[yy] > alternate {
                        slack[yy] = alternate;
                        slackx[yy] = x;
                    }
                }
            }
        };
        // Flip the edges along the augmenting path.
        while let Some(yy) = y {
            let Some(x) = alternating[yy] else { break };
            let prec = xy[x];
            yx[yy] = Some(x);
            xy[x] = Some(yy);
            y = prec;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pathfinding::kuhn_munkres::kuhn_munkres_min;
    use pathfinding::matrix::Matrix;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn the_same_assignment_as_the_pathfinding_crate() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for case in 0..4000 {
            let rows = rng.random_range(1..7);
            let cols = rows + rng.random_range(0..8);
            // Few distinct values (many ties), a large "forbidden" one, as the tracker's
            // matrices have; sometimes wide ranges.
            let spread = if case % 3 == 0 { 1_000_000 } else { 4 };
            let cost: Vec<i64> = (0..rows * cols)
                .map(|_| match rng.random_range(0..10) {
                    0..=2 => 4 * spread + 1,
                    _ => rng.random_range(0..=spread),
                })
                .collect();
            let matrix = Matrix::from_vec(rows, cols, cost.clone()).unwrap();
            let (_, want) = kuhn_munkres_min(&matrix);
            assert_eq!(min_cost_assignment(&cost, rows, cols), want, "{cost:?}");
        }
    }
}
