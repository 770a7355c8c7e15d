//! The one rule every write to a record goes through.

/// Whether a payload at `incoming` version may replace what is held.
///
/// It applies when it is not older than the current record (equal versions re-apply the same
/// state, so duplicates are harmless) and newer than any tombstone left by a delete, so a late
/// or replayed update can never resurrect a deleted entity nor roll a record back.
///
/// ```
/// use data_farm::store::accepts;
/// assert!(accepts(None, None, 1));          // first sight
/// assert!(accepts(Some(3), None, 4));       // newer
/// assert!(accepts(Some(3), None, 3));       // duplicate: harmless
/// assert!(!accepts(Some(3), None, 2));      // a slow fetch after a newer event
/// assert!(!accepts(None, Some(5), 4));      // an update from before the delete
/// ```
pub fn accepts(current: Option<u64>, tombstone: Option<u64>, incoming: u64) -> bool {
    if tombstone.is_some_and(|deleted_at| incoming <= deleted_at) {
        return false;
    }
    current.is_none_or(|held| incoming >= held)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_order_delivery_converges_on_the_newest() {
        let mut held: Option<u64> = None;
        for incoming in [2, 5, 3, 5, 4, 6, 1] {
            if accepts(held, None, incoming) {
                held = Some(incoming);
            }
        }
        assert_eq!(held, Some(6));
    }

    #[test]
    fn tombstones_win_over_anything_not_newer() {
        assert!(!accepts(None, Some(7), 7));
        assert!(accepts(None, Some(7), 8));
    }
}
