//! Realtime delivery: WebSocket and Server-Sent Events over one subscription engine.

mod controls;
mod feed;
pub mod sse;
pub mod ws;

pub use controls::{Control, Controls, Notice};
pub use feed::{Outgoing, TopicFeed};

/// Resolves once the server starts shutting down.
pub async fn stopped(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`; drop it here rather than across an await.
    let _ = shutdown.wait_for(|stop| *stop).await.map(|_| ());
}
