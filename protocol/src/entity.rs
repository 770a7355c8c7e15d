use serde::{Deserialize, Serialize};

use crate::wire_name::{deserialize_by_wire_name, WireName};

/// Kind names as they appear in the `kind` field of events (the singular) and in REST paths
/// (the plural).
pub mod kinds {
    /// `team` / `teams`
    pub const TEAM: (&str, &str) = ("team", "teams");
    /// `application` / `applications`
    pub const APPLICATION: (&str, &str) = ("application", "applications");
    /// `instance` / `instances`
    pub const INSTANCE: (&str, &str) = ("instance", "instances");
    /// `device` / `devices`
    pub const DEVICE: (&str, &str) = ("device", "devices");
    /// `operation` / `operations`: long-running instance actions (read-only over REST).
    pub const OPERATION: (&str, &str) = ("operation", "operations");
    /// `report` / `reports`: generated files (read-only over REST).
    pub const REPORT: (&str, &str) = ("report", "reports");
    /// `membership`: carried on `user:` topics only, never served over CRUD.
    pub const MEMBERSHIP: &str = "membership";
}

/// A user as the server describes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Unique id, e.g. `user_1`.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Name to show.
    pub display_name: String,
    /// Their role in the team, in a team's member list (`owner` or `member`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// A team: the unit of ownership and access control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// Unique id, e.g. `team_1`.
    pub id: String,
    /// Starts at 1, +1 on every change.
    pub version: u64,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
    /// 1 to 100 characters.
    pub name: String,
    /// Free text, may be empty.
    #[serde(default)]
    pub description: String,
}

/// An application, owned by a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// Unique id, e.g. `app_1`.
    pub id: String,
    /// Starts at 1, +1 on every change.
    pub version: u64,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
    /// 1 to 100 characters.
    pub name: String,
    /// Free text, may be empty.
    #[serde(default)]
    pub description: String,
    /// The owning team.
    pub team_id: String,
}

/// Lifecycle state of a hosted instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceStatus {
    /// Not running.
    Stopped,
    /// On its way to `running`.
    Starting,
    /// Serving.
    Running,
    /// On its way to `stopped`.
    Stopping,
    /// Stopped unexpectedly.
    Crashed,
    /// A value this version of the protocol does not know; treat as not active.
    Unknown,
}

impl InstanceStatus {
    /// Every status a server may send, in lifecycle order.
    pub const ALL: [InstanceStatus; 5] = [
        InstanceStatus::Stopped,
        InstanceStatus::Starting,
        InstanceStatus::Running,
        InstanceStatus::Stopping,
        InstanceStatus::Crashed,
    ];

    /// The wire name (`"running"`).
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Stopped => "stopped",
            InstanceStatus::Starting => "starting",
            InstanceStatus::Running => "running",
            InstanceStatus::Stopping => "stopping",
            InstanceStatus::Crashed => "crashed",
            InstanceStatus::Unknown => "unknown",
        }
    }

    /// Parses a wire name; `None` for anything a server must not accept.
    pub fn parse(s: &str) -> Option<Self> {
        WireName::named(s)
    }
}

/// Connectivity state of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    /// Not connected.
    Offline,
    /// Connected and healthy.
    Online,
    /// Installing an update.
    Updating,
    /// Reporting an error.
    Error,
    /// A value this version of the protocol does not know.
    Unknown,
}

impl DeviceStatus {
    /// Every status a server may send.
    pub const ALL: [DeviceStatus; 4] = [
        DeviceStatus::Offline,
        DeviceStatus::Online,
        DeviceStatus::Updating,
        DeviceStatus::Error,
    ];

    /// The wire name (`"online"`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStatus::Offline => "offline",
            DeviceStatus::Online => "online",
            DeviceStatus::Updating => "updating",
            DeviceStatus::Error => "error",
            DeviceStatus::Unknown => "unknown",
        }
    }

    /// Parses a wire name; `None` for anything a server must not accept.
    pub fn parse(s: &str) -> Option<Self> {
        WireName::named(s)
    }
}

impl WireName for InstanceStatus {
    const ALL: &'static [Self] = &InstanceStatus::ALL;
    const UNKNOWN: Option<Self> = Some(InstanceStatus::Unknown);
    fn wire_name(self) -> &'static str {
        self.as_str()
    }
}

impl WireName for DeviceStatus {
    const ALL: &'static [Self] = &DeviceStatus::ALL;
    const UNKNOWN: Option<Self> = Some(DeviceStatus::Unknown);
    fn wire_name(self) -> &'static str {
        self.as_str()
    }
}

impl WireName for OwnerType {
    const ALL: &'static [Self] = &[OwnerType::Team, OwnerType::Application, OwnerType::Instance];
    const NAMES: &'static [&'static str] = &["team", "application", "instance"];
    fn wire_name(self) -> &'static str {
        self.as_str()
    }
}

deserialize_by_wire_name!(InstanceStatus, DeviceStatus, OwnerType);

/// A hosted instance of an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Unique id, e.g. `inst_1`.
    pub id: String,
    /// Starts at 1, +1 on every change.
    pub version: u64,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
    /// 1 to 100 characters.
    pub name: String,
    /// The application it runs.
    pub application_id: String,
    /// The team that owns the application.
    pub team_id: String,
    /// Lifecycle state.
    pub status: InstanceStatus,
}

/// What a device belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerType {
    /// The team itself.
    Team,
    /// An application of the team.
    Application,
    /// An instance of the team.
    Instance,
}

impl OwnerType {
    /// The wire name (`"team"`).
    pub fn as_str(self) -> &'static str {
        match self {
            OwnerType::Team => "team",
            OwnerType::Application => "application",
            OwnerType::Instance => "instance",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        WireName::named(s)
    }
}

/// The polymorphic owner of a device: a team directly, or an application or instance of that team.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Owner {
    /// What kind of entity owns the device.
    #[serde(rename = "type")]
    pub owner_type: OwnerType,
    /// That entity's id.
    pub id: String,
}

/// A remote device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Unique id, e.g. `dev_1`.
    pub id: String,
    /// Starts at 1, +1 on every change.
    pub version: u64,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
    /// 1 to 100 characters.
    pub name: String,
    /// The team the device belongs to, directly or through its owner.
    pub team_id: String,
    /// The direct owner.
    pub owner: Owner,
    /// Connectivity state.
    pub status: DeviceStatus,
}

/// The `data` of a `membership` `created` event on a `user:` topic: the user joined `team`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipData {
    /// The member.
    pub user_id: String,
    /// The team joined, as it is now.
    pub team: Team,
}
