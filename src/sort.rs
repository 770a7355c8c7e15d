//! Stable sorting with one copy of the sort in the binary.
//!
//! `slice::sort_by` is generic over the element and the comparison, so every call site links
//! its own copy of the standard library's stable sort (2-4 KB of wasm each; an app with a table
//! had five). Here one sort runs, over positions, with the comparison behind a `dyn`; each call
//! site adds only the few bytes that put its elements in the order found.
//!
//! That one sort is a bottom-up merge sort written here rather than the standard library's:
//! even its smallest sort (`sort_unstable_by`, with ties broken by position) is about 3.9 KB of
//! wasm after `wasm-opt` (quicksort, pivot selection, small-sort networks), this one a few
//! hundred bytes, measured on the bench page (1.3 KB gzip less). The library sorts only short
//! lists (dirty queries, a store's kinds, outbox items, keys for display), where the
//! standard sort's speed buys nothing; the property test below holds it to the standard
//! stable sort's order.
//! Maps are built the same way ([`map_of`]): `collect` into a `BTreeMap` sorts first, with a
//! sort of its own. A leaf: it uses nothing of the crate, and any module may use it.

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// The positions `0..len` in the order `compare` gives them; equal ones keep their order.
/// The crate's one sort (see the module's doc).
pub(crate) fn order(len: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut merged = vec![0; len];
    // Runs of `width` sorted positions, merged pairwise into runs twice as long.
    let mut width = 1;
    while width < len {
        let mut start = 0;
        while start < len {
            let middle = len.min(start + width);
            let end = len.min(start + 2 * width);
            let (mut left, mut right) = (start, middle);
            for slot in &mut merged[start..end] {
                // The left run's item first unless the right one is strictly smaller: stable.
                let take_left = right == end
                    || (left < middle && compare(order[right], order[left]) != Ordering::Less);
                if take_left {
                    *slot = order[left];
                    left += 1;
                } else {
                    *slot = order[right];
                    right += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut order, &mut merged);
        width *= 2;
    }
    order
}

/// Sorts `items` by `compare`, stably, like `slice::sort_by`.
pub(crate) fn sort_by<T>(items: &mut Vec<T>, mut compare: impl FnMut(&T, &T) -> Ordering) {
    let order = order(items.len(), &mut |a, b| compare(&items[a], &items[b]));
    arrange(items, &order);
}

/// `items` as a map, inserted one by one: `collect` into a `BTreeMap` sorts them first, with
/// a copy of the stable sort of its own.
#[cfg_attr(
    not(all(feature = "persist", feature = "components")),
    allow(dead_code)
)]
pub(crate) fn map_of<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (key, value) in items {
        map.insert(key, value);
    }
    map
}

/// Puts `items` in `order` (a permutation of their positions).
fn arrange<T>(items: &mut Vec<T>, order: &[usize]) {
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(
        order
            .iter()
            .filter_map(|&at| slots.get_mut(at).and_then(Option::take)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably_like_the_standard_sort() {
        let mut items: Vec<(u8, char)> = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        let mut expected = items.clone();
        expected.sort_by_key(|item| item.0);
        sort_by(&mut items, |a, b| a.0.cmp(&b.0));
        assert_eq!(items, expected);
        assert_eq!(items, [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
    }

    #[test]
    fn an_empty_list_and_a_single_item_stay_as_they_are() {
        let mut none: Vec<String> = Vec::new();
        sort_by(&mut none, |a, b| a.cmp(b));
        assert!(none.is_empty());
        let mut one = vec!["x".to_owned()];
        sort_by(&mut one, |a, b| b.cmp(a));
        assert_eq!(one, ["x"]);
    }

    #[test]
    fn a_map_keeps_the_last_value_of_a_key_in_key_order() {
        let map = map_of([("b", 1), ("a", 2), ("b", 3)]);
        assert_eq!(map.into_iter().collect::<Vec<_>>(), [("a", 2), ("b", 3)]);
    }

    #[test]
    fn order_gives_positions_not_items() {
        let words = ["pear", "apple", "fig"];
        let order = order(words.len(), &mut |a, b| words[a].cmp(words[b]));
        assert_eq!(order, [1, 2, 0]);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn agrees_with_the_standard_stable_sort(items in proptest::collection::vec((0u8..8, any::<u16>()), 0..300)) {
            let mut expected = items.clone();
            expected.sort_by_key(|a| a.0);
            let mut sorted = items;
            sort_by(&mut sorted, |a, b| a.0.cmp(&b.0));
            prop_assert_eq!(sorted, expected);
        }
    }
}
