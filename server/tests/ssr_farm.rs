//! The library's server side (features `ssr` and `hydrate`) against a real backend: a farm on
//! a server fetches as the signed-in user by forwarding their cookie, hands its state on in a
//! snapshot with the positions read first, and a browser's farm hydrated from it shows the same
//! rows without asking the server again.

mod support;

use data_farm::api::{ApiClient, ApiError};
use data_farm::hydration::FarmSnapshot;
use data_farm::prelude::*;
use leptos::prelude::GetUntracked;
use support::TestServer;

/// A farm as a server rendering a page for the holder of `cookie` builds it.
fn server_farm(url: &str, cookie: Option<&str>) -> DataFarm {
    let mut client = ApiClient::new(url);
    if let Some(cookie) = cookie {
        client = client.forward_cookie(cookie);
    }
    DataFarmConfig::new(url)
        .client(client)
        .builtin_kinds()
        .build()
}

#[tokio::test]
async fn a_server_farm_fetches_as_the_user_and_a_hydrated_farm_needs_nothing_more() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let acme = alice.team("Acme").id;
    let farm = server_farm(&server.url(), Some(alice.cookie()));
    // The positions first, then the data: nothing published in between can be missed.
    let positions = farm.client().positions().await.expect("positions as alice");
    let topic = format!("team:{acme}");
    assert!(positions.contains_key(&topic), "{positions:?}");
    let query = ListQuery::new().team(&acme).per_page(5);
    let devices = farm.store::<Device>().unwrap();
    devices.fetch_list(&query).await.expect("alice's devices");
    let shown = devices.peek_list(&query);
    assert_eq!(shown.len(), 5);
    let first = shown[0].id.clone();
    let teams = farm.store::<Team>().unwrap();
    teams.fetch_one(&acme).await.expect("her team");

    let text = farm.dehydrate(positions.clone()).to_script_json();
    let snapshot = FarmSnapshot::from_json(&text).expect("reads back");
    assert_eq!(snapshot.positions, positions);

    // The browser's farm (here on the same machine, pointed at a closed port: any request it
    // made would fail and show as an error).
    let browser = server_farm("http://127.0.0.1:9", None);
    let report = browser.hydrate(&snapshot);
    assert_eq!((report.lists, report.records), (1, 1), "{report:?}");
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let hydrated = browser.store::<Device>().unwrap();
    assert_eq!(hydrated.peek_list(&query), shown);
    assert_eq!(
        browser.store::<Team>().unwrap().peek(&acme).map(|t| t.name),
        Some("Acme".to_owned())
    );
    // Fresh: fetching again within the stale time is not needed, so the view is ready, not
    // loading, and holds no error.
    let view = hydrated.list_view(&query);
    assert_eq!(view.get_untracked().state, LoadState::Ready);
    assert_eq!(view.get_untracked().ids[0], first);
}

#[tokio::test]
async fn without_the_users_cookie_the_server_farm_gets_the_backends_refusal() {
    let server = TestServer::start().await;
    let farm = server_farm(&server.url(), None);
    let devices = farm.store::<Device>().unwrap();
    let refused = devices.fetch_list(&ListQuery::new()).await;
    assert!(
        matches!(refused, Err(ApiError::Unauthorized { .. })),
        "{refused:?}"
    );
    assert!(matches!(
        farm.client().positions().await,
        Err(ApiError::Unauthorized { .. })
    ));
    // A relative origin cannot be reached from a server: a typed error, no panic.
    let nowhere = server_farm("", None);
    assert!(matches!(
        nowhere.client().positions().await,
        Err(ApiError::Network(_))
    ));
}
