/// Reconnection delays: exponential with full jitter, capped.
///
/// ```
/// use data_farm::realtime::Backoff;
/// let backoff = Backoff { base_ms: 500.0, cap_ms: 30_000.0 };
/// assert_eq!(backoff.ceiling(0), 500.0);
/// assert_eq!(backoff.ceiling(3), 4_000.0);
/// assert_eq!(backoff.ceiling(20), 30_000.0);
/// // Full jitter: anywhere between 0 and the ceiling, from a random number in [0, 1).
/// assert_eq!(backoff.delay(3, 0.5), 2_000.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// Ceiling of the first retry. Defaults to 500 ms.
    pub base_ms: f64,
    /// Largest ceiling. Defaults to 30 s.
    pub cap_ms: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base_ms: 500.0,
            cap_ms: 30_000.0,
        }
    }
}

impl Backoff {
    /// The largest delay for retry number `attempt` (from 0).
    pub fn ceiling(&self, attempt: u32) -> f64 {
        (self.base_ms * 2f64.powi(attempt.min(30) as i32)).min(self.cap_ms)
    }

    /// The delay for retry `attempt` given `random` in `[0, 1)`.
    pub fn delay(&self, attempt: u32, random: f64) -> f64 {
        self.ceiling(attempt) * random.clamp(0.0, 1.0)
    }
}
