//! Demo data for a new database: three users, two teams, and enough devices for lists to feel real.

use data_farm_protocol::{
    Application, Device, DeviceStatus, Instance, InstanceStatus, Owner, OwnerType, Team,
};

use crate::config::Seed;
use crate::error::ApiError;
use crate::store::sql::params;
use crate::store::{counters_new_id, devices, drafts, history, users, Db};
use crate::time_fmt;

/// The demo logins: (username, display name, teams). Each password is the username.
pub const DEMO_USERS: [(&str, &str, &[&str]); 3] = [
    ("alice", "Alice Archer", &["Acme", "Globex"]),
    ("bob", "Bob Baker", &["Globex"]),
    ("eve", "Eve Evans", &[]),
];

struct TeamPlan {
    name: &'static str,
    description: &'static str,
    apps: &'static [(&'static str, &'static [(&'static str, InstanceStatus)])],
    devices: (usize, usize),
    device_prefix: &'static str,
}

const TEAMS: [TeamPlan; 2] = [
    TeamPlan {
        name: "Acme",
        description: "Sensors, gateways and the services that watch them",
        apps: &[
            (
                "Billing",
                &[
                    ("billing-prod", InstanceStatus::Running),
                    ("billing-staging", InstanceStatus::Stopped),
                ],
            ),
            (
                "Storefront",
                &[("storefront-prod", InstanceStatus::Running)],
            ),
            (
                "Telemetry",
                &[
                    ("telemetry-eu", InstanceStatus::Running),
                    ("telemetry-us", InstanceStatus::Crashed),
                ],
            ),
        ],
        devices: (1_000, 12),
        device_prefix: "acme-sensor",
    },
    TeamPlan {
        name: "Globex",
        description: "Shared with Bob",
        apps: &[
            (
                "Inventory",
                &[
                    ("inventory-prod", InstanceStatus::Running),
                    ("inventory-dev", InstanceStatus::Stopped),
                ],
            ),
            ("Portal", &[("portal-prod", InstanceStatus::Running)]),
        ],
        devices: (40, 6),
        device_prefix: "globex-gateway",
    },
];

const STATUS_CYCLE: [DeviceStatus; 8] = [
    DeviceStatus::Online,
    DeviceStatus::Online,
    DeviceStatus::Online,
    DeviceStatus::Offline,
    DeviceStatus::Online,
    DeviceStatus::Updating,
    DeviceStatus::Online,
    DeviceStatus::Error,
];

/// Fills a new database. Seeded rows start at version 1 and publish no events: they are the
/// state before any topic's first `seq`.
pub fn apply(db: &Db, seed: Seed) -> Result<(), ApiError> {
    let hashes = DEMO_USERS
        .iter()
        .map(|(username, _, _)| users::hash_password(username))
        .collect::<Result<Vec<_>, _>>()?;
    db.write_blocking(|w| {
        let conn = w.conn();
        let now = time_fmt::now();
        let people = DEMO_USERS
            .iter()
            .zip(&hashes)
            .map(|((username, display, _), hash)| users::create(conn, username, display, hash))
            .collect::<Result<Vec<_>, _>>()?;
        for plan in &TEAMS {
            let team_id = counters_new_id(conn, "team")?;
            conn.execute(
                "INSERT INTO teams(id, version, updated_at, created_at, name, description) VALUES (?1, 1, ?2, ?2, ?3, ?4)",
                params![team_id, now, plan.name, plan.description],
            )?;
            for (user, (_, _, teams)) in people.iter().zip(DEMO_USERS.iter()) {
                if teams.contains(&plan.name) {
                    // The first member (alice) owns both teams; the others are members.
                    let role = if user.username == "alice" { drafts::OWNER } else { drafts::MEMBER };
                    conn.execute(
                        "INSERT INTO memberships(id, team_id, user_id, created_at, role) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![counters_new_id(conn, "mem")?, team_id, user.id, now, role],
                    )?;
                }
            }
            let mut owners = vec![Owner { owner_type: OwnerType::Team, id: team_id.clone() }];
            for (app_name, instances) in plan.apps {
                let app_id = counters_new_id(conn, "app")?;
                conn.execute(
                    "INSERT INTO applications(id, version, updated_at, created_at, name, description, team_id)
                     VALUES (?1, 1, ?2, ?2, ?3, '', ?4)",
                    params![app_id, now, app_name, team_id],
                )?;
                owners.push(Owner { owner_type: OwnerType::Application, id: app_id.clone() });
                for (instance_name, status) in *instances {
                    let instance_id = counters_new_id(conn, "inst")?;
                    conn.execute(
                        "INSERT INTO instances(id, version, updated_at, created_at, name, application_id, team_id, status)
                         VALUES (?1, 1, ?2, ?2, ?3, ?4, ?5, ?6)",
                        params![instance_id, now, instance_name, app_id, team_id, status.as_str()],
                    )?;
                    owners.push(Owner { owner_type: OwnerType::Instance, id: instance_id });
                }
            }
            let count = if seed == Seed::Demo { plan.devices.0 } else { plan.devices.1 };
            for i in 0..count {
                // Most devices belong to the team itself; every fifth to an application or instance.
                let owner = if i % 5 == 4 { owners[1 + (i / 5) % (owners.len() - 1)].clone() } else { owners[0].clone() };
                let device = Device {
                    id: counters_new_id(conn, "dev")?,
                    version: 1,
                    updated_at: now.clone(),
                    name: format!("{}-{:04}", plan.device_prefix, i + 1),
                    team_id: team_id.clone(),
                    owner,
                    status: STATUS_CYCLE[i % STATUS_CYCLE.len()],
                };
                devices::insert(conn, &device, &now)?;
            }
        }
        // History starts with what the seed wrote, so the first change has something to
        // compare with.
        history::record_existing::<Team>(conn)?;
        history::record_existing::<Application>(conn)?;
        history::record_existing::<Instance>(conn)?;
        history::record_existing::<Device>(conn)?;
        Ok(())
    })
}
