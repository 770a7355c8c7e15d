//! Where version history and audit trails are read: kept off the stores' [`EntityApi`] so that
//! an app that shows no history links none of it.
//!
//! [`EntityApi`]: super::EntityApi

use data_farm_protocol::{AuditEntry, ListResponse, VersionEntry};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::client::Outgoing;
use super::entity_api::typed;
use super::routes::sub_path;
use super::{ApiClient, ApiError};

/// Reads the version history and audit trails of entities. The farm's [`ApiClient`] reads the
/// protocol's routes; a backend with others gives its own to
/// [`DataFarmConfig::history`](crate::farm::DataFarmConfig::history).
pub trait HistoryApi: Send + Sync {
    /// A page of the kept versions of entity `id` of the kind named `plural`, newest first
    /// (`GET /{plural}/{id}/versions`).
    fn versions(
        &self,
        plural: &'static str,
        id: &str,
        page: u32,
        per_page: u32,
    ) -> LocalBoxFuture<'static, Result<ListResponse<VersionEntry>, ApiError>>;
    /// A page of the audit trail of entity `id` of the kind named `plural`, newest first
    /// (`GET /{plural}/{id}/audit`; for a team, the whole team's trail).
    fn audit(
        &self,
        plural: &'static str,
        id: &str,
        page: u32,
        per_page: u32,
    ) -> LocalBoxFuture<'static, Result<ListResponse<AuditEntry>, ApiError>>;
}

fn trail_path(plural: &str, id: &str, tail: &str, page: u32, per_page: u32) -> String {
    sub_path(
        plural,
        id,
        tail,
        &format!("page={page}&per_page={per_page}"),
    )
}

/// `GET` of one page of a trail (`versions`, `audit`) at `path`.
fn trail<T: DeserializeOwned + 'static>(
    client: &ApiClient,
    path: String,
) -> LocalBoxFuture<'static, Result<ListResponse<T>, ApiError>> {
    typed(client.exchange_boxed(Outgoing::get(path)))
}

impl HistoryApi for ApiClient {
    fn versions(
        &self,
        plural: &'static str,
        id: &str,
        page: u32,
        per_page: u32,
    ) -> LocalBoxFuture<'static, Result<ListResponse<VersionEntry>, ApiError>> {
        trail(self, trail_path(plural, id, "versions", page, per_page))
    }

    fn audit(
        &self,
        plural: &'static str,
        id: &str,
        page: u32,
        per_page: u32,
    ) -> LocalBoxFuture<'static, Result<ListResponse<AuditEntry>, ApiError>> {
        trail(self, trail_path(plural, id, "audit", page, per_page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trail_paths_escape_the_id_and_carry_the_page() {
        assert_eq!(
            trail_path("devices", "dev 1/2", "audit", 2, 50),
            "/devices/dev%201%2F2/audit?page=2&per_page=50"
        );
    }
}
