//! What the browser suites share (each `tests/browser_*.rs` is a crate of its own and takes
//! this module in with `mod support;`).

/// Waits until `check` holds, looking every 10 ms for at most `within_ms`; past that, fails
/// the test naming `what`.
pub async fn eventually(within_ms: u32, what: &str, check: impl Fn() -> bool) {
    for _ in 0..within_ms.div_ceil(10) {
        if check() {
            return;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    panic!("timed out waiting for {what} ({within_ms} ms)");
}
