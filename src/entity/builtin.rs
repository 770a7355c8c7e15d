//! The four built-in kinds: teams, applications, instances and devices.

use data_farm_protocol::{
    Application, CreateApplication, CreateDevice, CreateInstance, CreateTeam, Device, DeviceStatus,
    Instance, InstanceStatus, OwnerType, PatchDevice, PatchInstance, PatchNamed, Team,
};
use serde::Deserialize;

use super::{Entity, FieldValue, StatusFields};

/// `{"status": …}` of a `status` event.
#[derive(Deserialize)]
struct StatusOnly<S> {
    status: S,
}

fn status_from<S: serde::de::DeserializeOwned>(fields: &StatusFields<'_>) -> Option<S> {
    fields.decode::<StatusOnly<S>>().map(|f| f.status)
}

impl Entity for Team {
    const KIND: &'static str = "team";
    const PLURAL: &'static str = "teams";
    type Create = CreateTeam;
    type Patch = PatchNamed;

    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn team_id(&self) -> Option<&str> {
        Some(&self.id)
    }
    fn field(&self, field: &str) -> Option<FieldValue<'_>> {
        match field {
            "updated_at" => Some(FieldValue::Text(&self.updated_at)),
            "description" => Some(FieldValue::Text(&self.description)),
            _ => None,
        }
    }
    fn patched(&self, patch: &PatchNamed) -> Self {
        Team {
            name: patch.name.clone().unwrap_or_else(|| self.name.clone()),
            description: patch
                .description
                .clone()
                .unwrap_or_else(|| self.description.clone()),
            ..self.clone()
        }
    }
    fn draft(create: &CreateTeam, id: &str) -> Option<Self> {
        Some(Team {
            id: id.to_owned(),
            version: 0,
            updated_at: String::new(),
            name: create.name.trim().to_owned(),
            description: create.description.clone().unwrap_or_default(),
        })
    }
}

impl Entity for Application {
    const KIND: &'static str = "application";
    const PLURAL: &'static str = "applications";
    type Create = CreateApplication;
    type Patch = PatchNamed;

    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn team_id(&self) -> Option<&str> {
        Some(&self.team_id)
    }
    fn field(&self, field: &str) -> Option<FieldValue<'_>> {
        match field {
            "updated_at" => Some(FieldValue::Text(&self.updated_at)),
            "description" => Some(FieldValue::Text(&self.description)),
            _ => None,
        }
    }
    fn patched(&self, patch: &PatchNamed) -> Self {
        Application {
            name: patch.name.clone().unwrap_or_else(|| self.name.clone()),
            description: patch
                .description
                .clone()
                .unwrap_or_else(|| self.description.clone()),
            ..self.clone()
        }
    }
    fn draft(create: &CreateApplication, id: &str) -> Option<Self> {
        Some(Application {
            id: id.to_owned(),
            version: 0,
            updated_at: String::new(),
            name: create.name.trim().to_owned(),
            description: create.description.clone().unwrap_or_default(),
            team_id: create.team_id.clone(),
        })
    }
}

impl Entity for Instance {
    const KIND: &'static str = "instance";
    const PLURAL: &'static str = "instances";
    type Create = CreateInstance;
    type Patch = PatchInstance;

    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn team_id(&self) -> Option<&str> {
        Some(&self.team_id)
    }
    fn field(&self, field: &str) -> Option<FieldValue<'_>> {
        match field {
            "updated_at" => Some(FieldValue::Text(&self.updated_at)),
            "status" => Some(FieldValue::Text(self.status.as_str())),
            "application_id" => Some(FieldValue::Text(&self.application_id)),
            _ => None,
        }
    }
    fn patched(&self, patch: &PatchInstance) -> Self {
        Instance {
            name: patch.name.clone().unwrap_or_else(|| self.name.clone()),
            status: patch.status.unwrap_or(self.status),
            ..self.clone()
        }
    }
    fn with_status(&self, fields: &StatusFields<'_>, version: u64) -> Option<Self> {
        let status: InstanceStatus = status_from(fields)?;
        Some(Instance {
            status,
            version,
            ..self.clone()
        })
    }
}

impl Entity for Device {
    const KIND: &'static str = "device";
    const PLURAL: &'static str = "devices";
    type Create = CreateDevice;
    type Patch = PatchDevice;

    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn team_id(&self) -> Option<&str> {
        Some(&self.team_id)
    }
    fn field(&self, field: &str) -> Option<FieldValue<'_>> {
        match field {
            "updated_at" => Some(FieldValue::Text(&self.updated_at)),
            "status" => Some(FieldValue::Text(self.status.as_str())),
            "owner_type" => Some(FieldValue::Text(self.owner.owner_type.as_str())),
            "owner_id" => Some(FieldValue::Text(&self.owner.id)),
            _ => None,
        }
    }
    /// A draft when its team is known (given, or the owner is the team itself); a device owned
    /// by an application or instance without a `team_id` is not drafted.
    fn draft(create: &CreateDevice, id: &str) -> Option<Self> {
        let team = create.team_id.clone().or_else(|| {
            (create.owner.owner_type == OwnerType::Team).then(|| create.owner.id.clone())
        })?;
        Some(Device {
            id: id.to_owned(),
            version: 0,
            updated_at: String::new(),
            name: create.name.trim().to_owned(),
            team_id: team,
            owner: create.owner.clone(),
            status: create.status.unwrap_or(DeviceStatus::Offline),
        })
    }
    fn patched(&self, patch: &PatchDevice) -> Self {
        Device {
            name: patch.name.clone().unwrap_or_else(|| self.name.clone()),
            owner: patch.owner.clone().unwrap_or_else(|| self.owner.clone()),
            status: patch.status.unwrap_or(self.status),
            ..self.clone()
        }
    }
    fn with_status(&self, fields: &StatusFields<'_>, version: u64) -> Option<Self> {
        let status: DeviceStatus = status_from(fields)?;
        Some(Device {
            status,
            version,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use data_farm_protocol::{Owner, OwnerType};

    use super::*;

    fn device() -> Device {
        Device {
            id: "dev_1".into(),
            version: 3,
            updated_at: "2026-01-01T00:00:00.000000Z".into(),
            name: "pump".into(),
            team_id: "team_1".into(),
            owner: Owner {
                owner_type: OwnerType::Team,
                id: "team_1".into(),
            },
            status: DeviceStatus::Online,
        }
    }

    #[test]
    fn a_status_event_changes_only_status_and_version() {
        let next = device()
            .with_status(&StatusFields::new(r#"{"status": "error"}"#), 4)
            .unwrap();
        assert_eq!(next.status, DeviceStatus::Error);
        assert_eq!(next.version, 4);
        assert_eq!(next.name, "pump");
    }

    #[test]
    fn unreadable_status_fields_ask_for_a_refetch() {
        assert!(device()
            .with_status(&StatusFields::new(r#"{"mood": "happy"}"#), 4)
            .is_none());
    }

    #[test]
    fn fields_read_like_the_server_filters() {
        let d = device();
        assert!(d.value_of("owner_type").unwrap().equals_text("team"));
        assert!(d.value_of("team").unwrap().equals_text("team_1"));
        assert!(d.value_of("status").unwrap().equals_text("online"));
        assert!(d.value_of("colour").is_none());
    }
}
