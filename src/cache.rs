//! Cache policy (stale time, gc time, retries) and the environment it runs in (clock, timers,
//! task spawning), swappable so the policy is tested with a fake clock.

mod environment;
mod policy;

pub use environment::{BrowserEnvironment, Environment, ManualEnvironment};
pub use policy::CachePolicy;
