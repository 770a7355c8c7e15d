/// How long fetched data stays fresh, how long unobserved data is kept, and how failures retry.
/// Defaults: stale after 30 s, collected 5 min after the last observer leaves, one retry within
/// 1 s (full jitter) for transient errors, refetch of observed stale queries on window focus and reconnect.
///
/// ```
/// use data_farm::cache::CachePolicy;
/// let policy = CachePolicy { stale_ms: 10_000.0, ..CachePolicy::default() };
/// assert!(!policy.is_stale(Some(1_000.0), false, 5_000.0));
/// assert!(policy.is_stale(Some(1_000.0), false, 11_000.0));
/// assert!(policy.is_stale(None, false, 0.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CachePolicy {
    /// Milliseconds after a fetch before data counts as stale. Defaults to 30,000.
    pub stale_ms: f64,
    /// Milliseconds an unobserved query is kept before it is collected. Defaults to 300,000.
    pub gc_ms: f64,
    /// Retries of a failed fetch when the error is transient. Defaults to 1.
    pub retries: u32,
    /// Delay before the first retry, doubled for each further one. Defaults to 1,000.
    pub retry_delay_ms: f64,
    /// Refetch observed stale queries when the window regains focus. Defaults to true.
    pub refetch_on_focus: bool,
    /// Refetch observed stale queries when the browser comes back online. Defaults to true.
    pub refetch_on_reconnect: bool,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy {
            stale_ms: 30_000.0,
            gc_ms: 300_000.0,
            retries: 1,
            retry_delay_ms: 1_000.0,
            refetch_on_focus: true,
            refetch_on_reconnect: true,
        }
    }
}

impl CachePolicy {
    /// Whether data fetched at `fetched_at` (never, when `None`) is stale at `now`, or was
    /// explicitly invalidated.
    pub fn is_stale(&self, fetched_at: Option<f64>, invalidated: bool, now: f64) -> bool {
        invalidated || fetched_at.is_none_or(|at| now - at >= self.stale_ms)
    }

    /// Whether a query without observers since `unobserved_since` may be collected at `now`.
    pub fn is_collectable(
        &self,
        observers: usize,
        unobserved_since: Option<f64>,
        now: f64,
    ) -> bool {
        observers == 0 && unobserved_since.is_some_and(|since| now - since >= self.gc_ms)
    }

    /// The longest delay before retry number `attempt` (from 0): exponential backoff.
    pub fn retry_delay(&self, attempt: u32) -> f64 {
        self.retry_delay_ms * f64::from(1u32 << attempt.min(16))
    }

    /// The delay before retry number `attempt` with full jitter: `unit` (a random number in
    /// `[0, 1]`) times [`CachePolicy::retry_delay`], so clients that failed together do not
    /// retry together.
    ///
    /// ```
    /// use data_farm::cache::CachePolicy;
    /// let policy = CachePolicy::default();
    /// assert_eq!(policy.retry_wait(1, 0.5), 1_000.0);
    /// assert_eq!(policy.retry_wait(1, 7.0), 2_000.0);
    /// ```
    pub fn retry_wait(&self, attempt: u32, unit: f64) -> f64 {
        unit.clamp(0.0, 1.0) * self.retry_delay(attempt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalidated_data_is_stale_however_fresh() {
        assert!(CachePolicy::default().is_stale(Some(0.0), true, 0.0));
    }

    #[test]
    fn collection_waits_for_gc_time_after_the_last_observer() {
        let policy = CachePolicy::default();
        assert!(!policy.is_collectable(1, Some(0.0), 1e9));
        assert!(!policy.is_collectable(0, None, 1e9));
        assert!(!policy.is_collectable(0, Some(0.0), 299_999.0));
        assert!(policy.is_collectable(0, Some(0.0), 300_000.0));
    }

    #[test]
    fn retries_back_off_exponentially() {
        let policy = CachePolicy::default();
        assert_eq!(policy.retry_delay(0), 1_000.0);
        assert_eq!(policy.retry_delay(2), 4_000.0);
    }
}
