//! Grouping weight changes that belong to one interaction.
//!
//! An item standing across two plates moves weight on both when picked: each plate alone
//! sees a fraction of the item, together they see all of it. Changes are grouped when
//! they touch in time on neighbouring plates; a group is kept apart when every change in
//! it is well explained by itself (two shoppers picking from neighbouring plates at once),
//! and merged into one interaction otherwise.
//!
//! A hand that stays in the shelf makes one interaction however many steady levels the
//! plate shows meanwhile (resting on the plate, taking, putting back): changes on the
//! same or neighbouring plates that a hand bridges are grouped too.

use crate::shelf::weight::WeightChange;
use crate::store::StoreModel;

/// Changes that belong together: indices into the input slice.
pub fn group_changes(
    store: &StoreModel,
    changes: &[WeightChange],
    merge_window_us: i64,
    hand_bridges: impl Fn(&WeightChange, &WeightChange) -> bool,
) -> Vec<Vec<usize>> {
    let n = changes.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for i in 0..n {
        for j in (i + 1)..n {
            let (a, b) = (&changes[i], &changes[j]);
            let neighbours = store.plates[a.plate].neighbours.contains(&b.plate);
            let overlap = a.t_start_us <= b.t_end_us + merge_window_us
                && b.t_start_us <= a.t_end_us + merge_window_us;
            let near = neighbours || a.plate == b.plate;
            if (neighbours && overlap) || (near && hand_bridges(a, b)) {
                let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                parent[ri.max(rj)] = ri.min(rj);
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut slot = vec![usize::MAX; n];
    for i in 0..n {
        let r = find(&mut parent, i);
        if slot[r] == usize::MAX {
            slot[r] = groups.len();
            groups.push(Vec::new());
        }
        groups[slot[r]].push(i);
    }
    groups
}
