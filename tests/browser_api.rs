//! The HTTP client in a real browser (headless Chromium) against a real reference server on
//! another origin: cookies, CORS, and every error arriving typed. `scripts/with-test-server.sh`
//! starts that server.
#![cfg(target_arch = "wasm32")]

use data_farm::api::{ApiClient, ApiError};
use data_farm::protocol::Application;
use serde_json::json;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const SERVER: &str = match option_env!("DATA_FARM_TEST_SERVER") {
    Some(url) => url,
    None => "http://127.0.0.1:18471",
};

#[wasm_bindgen_test]
async fn signs_in_reads_me_and_signs_out_across_origins() {
    let api = ApiClient::new(SERVER);
    let session = api.login("alice", "alice").await.expect("login");
    assert_eq!(session.user.username, "alice");
    assert_eq!(session.teams.len(), 2);
    let me = api.me().await.expect("the cookie is sent back");
    assert_eq!(me.user.id, session.user.id);
    api.logout().await.expect("logout");
    assert!(matches!(api.me().await, Err(ApiError::Unauthorized { .. })));
}

#[wasm_bindgen_test]
async fn a_wrong_password_is_unauthorized() {
    let api = ApiClient::new(SERVER);
    match api.login("alice", "not-her-password").await {
        Err(ApiError::Unauthorized { message }) => {
            assert_eq!(message, "wrong username or password")
        }
        other => panic!("expected unauthorized, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn validation_errors_arrive_with_field_reasons() {
    let api = ApiClient::new(SERVER);
    api.login("bob", "bob").await.expect("login");
    let result: Result<Application, ApiError> = api
        .post(
            "/applications",
            &json!({"name": "", "team_id": "team_nope"}),
        )
        .await;
    match result {
        Err(ApiError::Invalid { fields, .. }) => {
            assert_eq!(fields["name"], "is required");
            assert!(fields.contains_key("team_id"));
        }
        other => panic!("expected invalid, got {other:?}"),
    }
    api.logout().await.expect("logout");
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_a_network_error() {
    let api = ApiClient::new("http://127.0.0.1:9");
    assert!(matches!(api.me().await, Err(ApiError::Network(_))));
}

#[wasm_bindgen_test]
async fn a_server_that_never_answers_times_out_with_a_typed_error() {
    let api = ApiClient::new(SERVER).timeout(300);
    let started = js_sys::Date::now();
    let result: Result<serde_json::Value, ApiError> = api.get("/test/hang").await;
    assert_eq!(result, Err(ApiError::Timeout { after_ms: 300 }));
    let took = js_sys::Date::now() - started;
    assert!(
        took >= 290.0,
        "aborted at the deadline, not before: {took} ms"
    );
    // The same client answers again at once.
    let fine: Result<serde_json::Value, ApiError> = api.get("/me").await;
    assert!(
        matches!(fine, Err(ApiError::Unauthorized { .. })),
        "{fine:?}"
    );
}
