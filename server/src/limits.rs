//! Per-user rate limits, shared by the nodes that serve one address: each node allows its
//! share, 1/N of every rate and burst when N nodes are up (the balancer spreads a user's
//! requests over them), so a user gets about the configured rate whatever N is.

use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Logins per username: a burst of 20, then one every two seconds.
const LOGIN_BURST: f64 = 20.0;
const LOGIN_PERIOD: Duration = Duration::from_secs(2);

/// `per_second` sustained with bursts of four times as much, of which this node takes 1/`nodes`.
fn share(per_second: f64, burst: f64, nodes: usize) -> Option<Quota> {
    if per_second <= 0.0 {
        return None;
    }
    let nodes = nodes.max(1) as f64;
    let period = Duration::from_secs_f64(nodes / per_second);
    let burst = NonZeroU32::new((burst / nodes).ceil().max(1.0) as u32).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period).map(|quota| quota.allow_burst(burst))
}

struct Limiters {
    api: Option<DefaultKeyedRateLimiter<String>>,
    login: DefaultKeyedRateLimiter<String>,
    nodes: usize,
}

impl Limiters {
    fn new(api_per_second: u32, nodes: usize) -> Self {
        let api = f64::from(api_per_second);
        let login = share(1.0 / LOGIN_PERIOD.as_secs_f64(), LOGIN_BURST, nodes)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN));
        Limiters {
            api: share(api, api * 4.0, nodes).map(RateLimiter::keyed),
            login: RateLimiter::keyed(login),
            nodes,
        }
    }
}

/// This node's limits. A change in the number of nodes starts fresh limiters with the new
/// share (what users had spent is forgotten, once per change).
pub struct Limits {
    api_per_second: u32,
    current: RwLock<Arc<Limiters>>,
}

impl Limits {
    /// Limits for one node alone; `api_per_second` 0 is unlimited.
    pub fn new(api_per_second: u32) -> Self {
        Limits {
            api_per_second,
            current: RwLock::new(Arc::new(Limiters::new(api_per_second, 1))),
        }
    }

    fn current(&self) -> Arc<Limiters> {
        self.current
            .read()
            .map(|current| Arc::clone(&current))
            .unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    /// From now on, this node is one of `nodes`.
    pub fn set_nodes(&self, nodes: usize) {
        let nodes = nodes.max(1);
        if self.current().nodes == nodes {
            return;
        }
        let next = Arc::new(Limiters::new(self.api_per_second, nodes));
        match self.current.write() {
            Ok(mut current) => *current = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
    }

    /// How many nodes the limits are shared by.
    pub fn nodes(&self) -> usize {
        self.current().nodes
    }

    /// Charges one REST request to `user_id`; `false` when over the rate.
    pub fn allow_request(&self, user_id: &str) -> bool {
        self.current()
            .api
            .as_ref()
            .is_none_or(|limiter| limiter.check_key(&user_id.to_owned()).is_ok())
    }

    /// Charges one login attempt to `username`; `false` when over the rate.
    pub fn allow_login(&self, username: &str) -> bool {
        self.current()
            .login
            .check_key(&username.to_ascii_lowercase())
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(limits: &Limits, n: usize) -> usize {
        (0..n).filter(|_| limits.allow_request("alice")).count()
    }

    #[test]
    fn one_node_allows_the_whole_burst() {
        assert_eq!(allowed(&Limits::new(5), 100), 20);
    }

    #[test]
    fn each_of_n_nodes_allows_its_share() {
        let limits = Limits::new(5);
        limits.set_nodes(2);
        assert_eq!(limits.nodes(), 2);
        assert_eq!(allowed(&limits, 100), 10);
        limits.set_nodes(4);
        assert_eq!(allowed(&limits, 100), 5);
    }

    #[test]
    fn unlimited_stays_unlimited_and_logins_share_too() {
        let limits = Limits::new(0);
        limits.set_nodes(3);
        assert_eq!(allowed(&limits, 1_000), 1_000);
        let logins = (0..100).filter(|_| limits.allow_login("Bob")).count();
        assert_eq!(logins, 7);
    }
}
