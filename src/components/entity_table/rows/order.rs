//! Which rows of a keyed list can stay where they are when the order changes: the longest run
//! of kept rows whose old positions still increase. Every other row is moved (or is new), so a
//! row moved from the top to the bottom of a page costs one DOM move, not one per row between.

/// For each new position, whether the row there keeps its place. `old[i]` is the old position
/// of the row now at `i` (`None`: a new row, which never stays).
pub(super) fn staying(old: &[Option<usize>]) -> Vec<bool> {
    // Patience sorting: `tails[k]` is the index (into `old`) of the smallest last old position
    // of an increasing run of length k + 1; `before[i]` is the index preceding `i` in its run.
    let mut tails: Vec<usize> = Vec::new();
    let mut before: Vec<Option<usize>> = vec![None; old.len()];
    for (i, position) in old.iter().enumerate() {
        let Some(position) = *position else { continue };
        let k = tails.partition_point(|&t| old[t].is_some_and(|p| p < position));
        before[i] = k.checked_sub(1).map(|k| tails[k]);
        if k == tails.len() {
            tails.push(i);
        } else {
            tails[k] = i;
        }
    }
    let mut stay = vec![false; old.len()];
    let mut at = tails.last().copied();
    while let Some(i) = at {
        stay[i] = true;
        at = before[i];
    }
    stay
}

#[cfg(test)]
mod tests {
    use super::staying;

    fn moved(old: &[Option<usize>]) -> usize {
        staying(old).iter().filter(|s| !**s).count()
    }

    #[test]
    fn an_unchanged_order_moves_nothing() {
        let old: Vec<_> = (0..5).map(Some).collect();
        assert_eq!(staying(&old), vec![true; 5]);
    }

    #[test]
    fn one_row_moved_far_costs_one_move() {
        // The first row went last.
        assert_eq!(moved(&[Some(1), Some(2), Some(3), Some(0)]), 1);
        // The last row went first.
        assert_eq!(moved(&[Some(3), Some(0), Some(1), Some(2)]), 1);
    }

    #[test]
    fn new_rows_never_stay_and_kept_rows_stay_in_order() {
        // Of two equally long runs (0, 2 and 0, 1), either stays: one row moves.
        assert_eq!(
            staying(&[None, Some(0), None, Some(2), Some(1)]),
            vec![false, true, false, false, true]
        );
        assert_eq!(staying(&[]), Vec::<bool>::new());
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use proptest::prelude::*;

        use super::staying;

        proptest! {
            /// What stays is in increasing old order, and no longer such run exists (checked
            /// against the quadratic definition).
            #[test]
            fn what_stays_is_a_longest_increasing_run(
                order in proptest::sample::subsequence((0..12usize).collect::<Vec<_>>(), 0..12)
                    .prop_shuffle()
            ) {
                let old: Vec<Option<usize>> = order.iter().map(|p| Some(*p)).collect();
                let stay = staying(&old);
                let kept: Vec<usize> = order
                    .iter()
                    .zip(&stay)
                    .filter(|(_, s)| **s)
                    .map(|(p, _)| *p)
                    .collect();
                prop_assert!(kept.windows(2).all(|w| w[0] < w[1]));
                let mut best = vec![1usize; order.len()];
                for i in 0..order.len() {
                    for j in 0..i {
                        if order[j] < order[i] {
                            best[i] = best[i].max(best[j] + 1);
                        }
                    }
                }
                prop_assert_eq!(kept.len(), best.iter().copied().max().unwrap_or(0));
            }
        }
    }
}
