//! `--simulate RATE`: device statuses change RATE times a second and instances walk through
//! their lifecycle, all through the same writes and events as the REST routes, so one person
//! watching the demo sees it live.

use std::time::Duration;

use data_farm_protocol::{Device, DeviceStatus, Instance, InstanceStatus};
use rand::seq::IndexedRandom;
use rand::Rng;
use tokio::task::JoinHandle;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::rows::{self, EntityRow};
use crate::store::{devices, instances, Writer};

const TICK: Duration = Duration::from_millis(50);
/// One instance takes a lifecycle step about this often.
const INSTANCE_STEP: Duration = Duration::from_secs(2);

/// Starts the simulator; abort the handle to stop it.
pub fn spawn(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        let rate = state.config().simulate_rate;
        let renames = state.config().simulate_renames;
        let mut ticker = tokio::time::interval(TICK);
        let mut owed = 0.0_f64;
        let mut since_step = Duration::ZERO;
        loop {
            ticker.tick().await;
            owed += rate * TICK.as_secs_f64();
            let changes = owed.floor() as usize;
            owed -= changes as f64;
            since_step += TICK;
            let step = since_step >= INSTANCE_STEP;
            if step {
                since_step = Duration::ZERO;
            }
            if changes == 0 && !step {
                continue;
            }
            let result = state
                .db()
                .write(move |w| {
                    flip_devices(w, changes, renames)?;
                    if step {
                        step_instance(w)?;
                    }
                    Ok(())
                })
                .await;
            if let Err(err) = result {
                tracing::warn!(error = %err.body.message, "simulator step failed");
            }
        }
    })
}

fn random_rows<E: EntityRow>(w: &Writer<'_>, n: usize) -> Result<Vec<E>, ApiError> {
    rows::select(w.conn(), "ORDER BY random() LIMIT ?1", [n as i64])
}

fn flip_devices(w: &mut Writer<'_>, n: usize, renames: bool) -> Result<(), ApiError> {
    if n == 0 {
        return Ok(());
    }
    let mut rng = rand::rng();
    for device in random_rows::<Device>(w, n)? {
        let choices: Vec<DeviceStatus> = DeviceStatus::ALL
            .into_iter()
            .filter(|s| *s != device.status)
            .collect();
        let status = choices
            .choose(&mut rng)
            .copied()
            .unwrap_or(DeviceStatus::Online);
        let next = if renames {
            let base = device.name.split('~').next().unwrap_or_default().to_owned();
            Device {
                name: format!("{base}~{}", device.version + 1),
                ..device.clone()
            }
        } else {
            Device {
                status,
                ..device.clone()
            }
        };
        devices::save(w, device, next)?;
    }
    Ok(())
}

fn step_instance(w: &mut Writer<'_>) -> Result<(), ApiError> {
    let Some(instance) = random_rows::<Instance>(w, 1)?.pop() else {
        return Ok(());
    };
    let status = match instance.status {
        InstanceStatus::Stopped | InstanceStatus::Crashed => InstanceStatus::Starting,
        InstanceStatus::Starting => InstanceStatus::Running,
        InstanceStatus::Running if rand::rng().random_bool(0.3) => InstanceStatus::Stopping,
        InstanceStatus::Running => return Ok(()),
        InstanceStatus::Stopping | InstanceStatus::Unknown => InstanceStatus::Stopped,
    };
    let next = Instance {
        status,
        ..instance.clone()
    };
    instances::save(w, instance, next)?;
    Ok(())
}
