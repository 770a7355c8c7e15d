//! The work runner: moves operations and reports one step per tick, through the same
//! transactional writes and events as every other change. At start-up it first ends whatever
//! a previous process left half done (`failed`, never stuck).

use tokio::task::JoinHandle;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{operations, reports};

/// Ends interrupted work; returns how many operations and reports it ended.
pub async fn recover(state: &AppState) -> Result<(usize, usize), ApiError> {
    state
        .db()
        .write(|w| Ok((operations::recover(w)?, reports::recover(w)?)))
        .await
}

/// Starts the runner; abort the handle to stop it. It steps only while this node leads the
/// work ([`crate::store::Db::leads_work`]); a node that becomes the leader first ends what the
/// last one left half done. `leading` says whether this node led (and recovered) at start.
pub fn spawn(state: AppState, leading: bool) -> JoinHandle<()> {
    tokio::spawn(async move {
        let config = state.config();
        let (plan, ttl) = (config.work_outcome, config.report_ttl);
        let mut ticker =
            tokio::time::interval(config.work_step.max(std::time::Duration::from_millis(10)));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut led = leading;
        loop {
            ticker.tick().await;
            let leads = match state.db().leads_work().await {
                Ok(leads) => leads,
                Err(err) => {
                    tracing::warn!(error = %err.body.message, "could not tell who runs the work");
                    false
                }
            };
            if !leads {
                led = false;
                continue;
            }
            if !led {
                match recover(&state).await {
                    Ok((operations, reports)) => {
                        tracing::info!(operations, reports, "leading the work; ended what was left")
                    }
                    Err(err) => {
                        tracing::warn!(error = %err.body.message, "could not end interrupted work")
                    }
                }
                led = true;
            }
            let result = state
                .db()
                .write(move |w| {
                    operations::advance_all(w, plan)?;
                    reports::advance_all(w, plan, ttl)?;
                    Ok(())
                })
                .await;
            if let Err(err) = result {
                tracing::warn!(error = %err.body.message, "work runner step failed");
            }
        }
    })
}
