use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::future::LocalBoxFuture;

/// What the stores need from the world: the time, a way to wait, and a way to run tasks.
/// The browser implementation uses the page's clock and timers; tests use
/// [`ManualEnvironment`], whose clock moves only when told.
pub trait Environment: Send + Sync + 'static {
    /// Milliseconds since some fixed point.
    fn now(&self) -> f64;
    /// Resolves after `ms` milliseconds.
    fn sleep(&self, ms: f64) -> LocalBoxFuture<'static, ()>;
    /// Runs `task` in the background.
    fn spawn(&self, task: LocalBoxFuture<'static, ()>);
    /// A number no other tab or page is likely to draw at the same moment; it makes temporary
    /// ids (which are also idempotency keys) unique across tabs. The default mixes the clock
    /// with a counter of this process; the browser uses `Math.random()`.
    fn random(&self) -> u32 {
        static DRAWN: AtomicU64 = AtomicU64::new(0);
        let n = DRAWN.fetch_add(1, Ordering::Relaxed);
        let mixed = (self.now().to_bits() ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .wrapping_mul(0xBF58_476D_1CE4_E5B9);
        (mixed >> 32) as u32
    }
}

/// The page's clock (`Date.now()`), `setTimeout` and `spawn_local`. Outside a browser: the
/// system clock and Leptos's `spawn_local`; with the `ssr` feature, tokio's timers and no
/// background tasks at all (see [`Environment::spawn`] below).
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserEnvironment;

impl Environment for BrowserEnvironment {
    fn now(&self) -> f64 {
        #[cfg(target_arch = "wasm32")]
        {
            js_sys::Date::now()
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(0.0)
        }
    }

    fn sleep(&self, ms: f64) -> LocalBoxFuture<'static, ()> {
        #[cfg(target_arch = "wasm32")]
        {
            Box::pin(gloo_timers::future::TimeoutFuture::new(
                ms.clamp(0.0, u32::MAX as f64) as u32,
            ))
        }
        // On a server (feature `ssr`) inside a tokio runtime, a retry waits as in the browser.
        #[cfg(all(not(target_arch = "wasm32"), feature = "ssr"))]
        if tokio::runtime::Handle::try_current().is_ok() {
            let wait = std::time::Duration::from_secs_f64(ms.max(0.0) / 1000.0);
            return Box::pin(tokio::time::sleep(wait));
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = ms;
            Box::pin(std::future::ready(()))
        }
    }

    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        #[cfg(target_arch = "wasm32")]
        wasm_bindgen_futures::spawn_local(task);
        // A server rendering pages (feature `ssr`) runs nothing in the background: its farm
        // lives for one request and fetches what the page shows explicitly (a prefetch, or
        // `hydration::use_suspended_list`); a refetch an observer would start is dropped.
        #[cfg(all(not(target_arch = "wasm32"), feature = "ssr"))]
        drop(task);
        #[cfg(all(not(target_arch = "wasm32"), not(feature = "ssr")))]
        leptos::task::spawn_local(task);
    }

    #[cfg(target_arch = "wasm32")]
    fn random(&self) -> u32 {
        (js_sys::Math::random() * f64::from(u32::MAX)) as u32
    }
}

thread_local! {
    static QUEUE: RefCell<Vec<LocalBoxFuture<'static, ()>>> = RefCell::new(Vec::new());
    // Tasks waiting on something (a held response) stay here between `run_until_idle` calls.
    static POOL: RefCell<futures_executor::LocalPool> = RefCell::new(futures_executor::LocalPool::new());
}

/// A test environment: time stands still until [`ManualEnvironment::advance`], `sleep`
/// advances it instead of waiting, and spawned tasks run when
/// [`ManualEnvironment::run_until_idle`] is called (on the calling thread).
#[derive(Debug, Clone, Default)]
pub struct ManualEnvironment {
    micros: Arc<AtomicU64>,
}

impl ManualEnvironment {
    /// A clock at 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward.
    pub fn advance(&self, ms: f64) {
        self.micros
            .fetch_add((ms.max(0.0) * 1000.0) as u64, Ordering::SeqCst);
    }

    /// Runs every spawned task (and those they spawn) until none can make progress.
    pub fn run_until_idle(&self) {
        POOL.with(|pool| {
            let mut pool = pool.borrow_mut();
            let spawner = pool.spawner();
            loop {
                let tasks: Vec<_> = QUEUE.with(|q| q.borrow_mut().drain(..).collect());
                for task in tasks {
                    let _ = futures_util::task::LocalSpawnExt::spawn_local(&spawner, task);
                }
                pool.run_until_stalled();
                if QUEUE.with(|q| q.borrow().is_empty()) {
                    break;
                }
            }
        });
    }
}

impl Environment for ManualEnvironment {
    fn now(&self) -> f64 {
        self.micros.load(Ordering::SeqCst) as f64 / 1000.0
    }

    fn sleep(&self, ms: f64) -> LocalBoxFuture<'static, ()> {
        self.advance(ms);
        Box::pin(std::future::ready(()))
    }

    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        QUEUE.with(|q| q.borrow_mut().push(task));
    }
}
