//! The [`KindOps`] of a kind on the protocol's REST routes (`DataFarmConfig::register`): its
//! requests are made by code compiled once for every kind, and only its serde, a table of
//! functions ([`Serde`]), is compiled per kind. Before, each registered kind compiled its own
//! copy of every request and of the futures around it (measured on the demo: about 3 KB of
//! wasm a kind).

use std::any::Any;

use data_farm_protocol::Position;

#[cfg(feature = "persist")]
use super::kind::AnyCreate;
use super::kind::{Answer, Json, KindOps, RecPage, Serde};
#[cfg(feature = "persist")]
use super::record::AnyPatch;
use super::record::Rec;
use crate::api::{undecodable, ApiClient, Method, Routes};
use crate::entity::Entity;
use crate::query::ListQuery;

/// A kind served by the protocol's REST routes.
pub(crate) struct HttpKind {
    routes: Routes,
    serde: Serde,
}

impl HttpKind {
    /// Kind `E` on `client`'s backend.
    pub(crate) fn of<E: Entity>(client: ApiClient) -> Self {
        let serde = Serde::of::<E>();
        HttpKind {
            routes: Routes::new(client, serde.plural),
            serde,
        }
    }
}

/// Awaits `text` and decodes it with `decode`.
fn decoded<T: 'static>(
    text: crate::api::Text,
    decode: fn(&str) -> Result<T, serde_json::Error>,
) -> Answer<T> {
    Box::pin(async move { decode(&text.await?).map_err(undecodable) })
}

impl KindOps for HttpKind {
    fn kind(&self) -> &'static str {
        self.serde.kind
    }
    fn decode(&self, json: &str) -> Result<Rec, serde_json::Error> {
        (self.serde.entity)(json)
    }
    #[cfg(any(feature = "tabs", feature = "hydrate"))]
    fn decode_page(&self, json: &str) -> Result<RecPage, serde_json::Error> {
        (self.serde.page)(json)
    }
    fn get_one(&self, id: &str) -> Answer<Rec> {
        decoded(self.routes.get_one(id), self.serde.entity)
    }
    fn get_many(&self, query: &ListQuery) -> Answer<RecPage> {
        decoded(self.routes.get_many(query), self.serde.page)
    }
    fn get_by_ids(&self, ids: &[String]) -> Answer<Vec<Rec>> {
        let (pages, page) = (self.routes.get_by_ids(ids), self.serde.page);
        Box::pin(async move {
            let mut found = Vec::new();
            for text in pages.await? {
                found.extend(page(&text).map_err(undecodable)?.items);
            }
            Ok(found)
        })
    }
    fn position(&self, id: &str, query: &ListQuery) -> Answer<Option<Position>> {
        self.routes.position(id, query)
    }
    // A create or update sends the JSON the typed store wrote of the body (the body itself
    // is for kinds over an API of their own).
    fn create(&self, _body: &(dyn Any + Send + Sync), json: Json, key: &str) -> Answer<Rec> {
        decoded(self.routes.create(json, key), self.serde.entity)
    }
    fn update(
        &self,
        id: &str,
        _patch: &(dyn Any + Send + Sync),
        json: Json,
        if_match: Option<u64>,
    ) -> Answer<Rec> {
        decoded(self.routes.update(id, json, if_match), self.serde.entity)
    }
    fn delete(&self, id: &str, if_match: Option<u64>) -> Answer<()> {
        self.routes.delete(id, if_match)
    }
    fn call(&self, method: Method, path: &str, body: serde_json::Value) -> Answer<Rec> {
        decoded(self.routes.call(method, path, &body), self.serde.entity)
    }
    #[cfg(feature = "persist")]
    fn draft(&self, body: &(dyn Any + Send + Sync), id: &str) -> Option<Rec> {
        (self.serde.draft)(body, id)
    }
    #[cfg(feature = "persist")]
    fn decode_create(&self, json: &str) -> Result<AnyCreate, serde_json::Error> {
        (self.serde.decode_create)(json)
    }
    #[cfg(feature = "persist")]
    fn decode_patch(&self, json: &str) -> Result<AnyPatch, serde_json::Error> {
        (self.serde.decode_patch)(json)
    }
    #[cfg(feature = "persist")]
    fn patch_json(&self, patch: &(dyn Any + Send + Sync)) -> Option<String> {
        (self.serde.patch)(patch)?.ok()
    }
}

#[cfg(test)]
mod tests {
    use data_farm_protocol::{Device, DeviceStatus, Owner, OwnerType};

    use super::*;

    #[test]
    fn it_decodes_with_its_kinds_serde() {
        let ops = HttpKind::of::<Device>(ApiClient::new(""));
        assert_eq!(ops.kind(), "device");
        let device = Device {
            id: "dev_1".into(),
            version: 3,
            updated_at: "2026-01-01T00:00:00Z".into(),
            name: "Probe".into(),
            team_id: "team_1".into(),
            owner: Owner {
                owner_type: OwnerType::Team,
                id: "team_1".into(),
            },
            status: DeviceStatus::Online,
        };
        let json = serde_json::to_string(&device).unwrap_or_default();
        match ops.decode(&json) {
            Ok(record) => {
                assert_eq!(record.record_id(), "dev_1");
                assert_eq!(record.record_version(), 3);
            }
            Err(err) => panic!("a device did not decode: {err}"),
        }
        assert!(ops.decode(r#"{"id":"dev_1"}"#).is_err());
    }
}
