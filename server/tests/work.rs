//! Long-running work: instance actions walk `queued -> running -> completed` with one event per
//! transition, the instance's status moves with them, reports produce a real CSV and expire,
//! access is members-only (404 otherwise), and a restart mid-run ends the run `failed`.

mod support;

use std::time::Duration;

use data_farm_protocol::{
    ChangeOp, Instance, InstanceStatus, Operation, OperationStatus, Outcome, Report, ReportStatus,
};
use data_farm_server::WorkOutcome;
use reqwest::StatusCode;
use serde_json::json;
use support::{TestServer, PATIENCE};

/// A stopped instance of alice's in Acme.
async fn stopped_instance(alice: &support::Client) -> Instance {
    let acme = alice.team("Acme").id;
    let list = alice
        .get(&format!("/instances?team={acme}&status=stopped"))
        .await;
    let items: Vec<Instance> = serde_json::from_value(list.body["items"].clone()).unwrap();
    items
        .into_iter()
        .next()
        .expect("a stopped instance in the seed")
}

/// Reads `path` until `done` holds for what it returns (panics after [`PATIENCE`]).
async fn wait_until<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    client: &support::Client,
    path: &str,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let now: T = client.get(path).await.json();
        if done(&now) {
            return now;
        }
        assert!(tokio::time::Instant::now() < deadline, "stuck: {now:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_operation(
    alice: &support::Client,
    id: &str,
    done: impl Fn(&Operation) -> bool,
) -> Operation {
    wait_until(alice, &format!("/operations/{id}"), done).await
}

#[tokio::test]
async fn a_start_walks_to_completed_with_one_event_per_transition() {
    let server = TestServer::start_with(|c| {
        c.work_step = Duration::from_millis(40);
        c.work_outcome = WorkOutcome::Succeed;
    })
    .await;
    let alice = server.login("alice").await;
    let instance = stopped_instance(&alice).await;
    let topic = format!("team:{}", instance.team_id);
    let mut ws = alice.ws().await;
    ws.subscribe(&[&topic], None).await;
    ws.expect_subscribed(&topic).await;

    let reply = alice
        .post(
            &format!("/instances/{}/actions/start", instance.id),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let op: Operation = reply.json();
    assert_eq!((op.status, op.outcome), (OperationStatus::Queued, None));
    assert_eq!(op.op_type, "instance.start");
    assert_eq!(op.initiated_by, alice.user_id());

    let done = wait_operation(&alice, &op.id, |o| o.status == OperationStatus::Completed).await;
    assert_eq!(done.outcome, Some(Outcome::Succeeded));
    assert_eq!(done.summary_counts.done, done.summary_counts.total);
    assert!(done.started_at.is_some() && done.completed_at.is_some());
    let now: Instance = alice
        .get(&format!("/instances/{}", instance.id))
        .await
        .json();
    assert_eq!(now.status, InstanceStatus::Running);

    // created, running, one per step, completed (the last step completes it): each a version.
    let mut versions = Vec::new();
    let mut instance_statuses = Vec::new();
    while versions.len() < done.version as usize {
        let (event, data) = ws.expect_event().await;
        match event.kind.as_str() {
            "operation" => {
                assert_eq!(event.id, op.id);
                let expected = if versions.is_empty() {
                    ChangeOp::Created
                } else {
                    ChangeOp::Updated
                };
                assert_eq!(event.op, expected);
                assert_eq!(data["version"], event.version);
                versions.push(event.version);
            }
            "instance" => instance_statuses.push(data["status"].as_str().unwrap_or("").to_owned()),
            other => panic!("unexpected {other} event"),
        }
    }
    assert_eq!(
        versions,
        (1..=done.version).collect::<Vec<_>>(),
        "exactly one event per transition"
    );
    while instance_statuses.len() < 2 {
        let (event, data) = ws.expect_event().await;
        assert_eq!(event.kind, "instance");
        instance_statuses.push(data["status"].as_str().unwrap_or("").to_owned());
    }
    assert_eq!(instance_statuses, ["starting", "running"]);
    assert!(
        ws.try_recv(Duration::from_millis(200)).await.is_none(),
        "nothing more"
    );
}

#[tokio::test]
async fn a_second_action_while_one_is_active_is_a_conflict_with_the_active_one() {
    let server = TestServer::start_with(|c| c.work_step = Duration::from_secs(60)).await;
    let alice = server.login("alice").await;
    let instance = stopped_instance(&alice).await;
    let path = format!("/instances/{}/actions/deploy", instance.id);
    let first: Operation = alice.post(&path, json!({})).await.json();
    let second = alice.post(&path, json!({})).await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert_eq!(second.body["current"]["id"], first.id.as_str());
    let unknown = alice
        .post(
            &format!("/instances/{}/actions/explode", instance.id),
            json!({}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body["error"]["fields"]["action"].is_string());
}

#[tokio::test]
async fn failures_are_summarized_and_the_instance_crashes() {
    let server = TestServer::start_with(|c| {
        c.work_step = Duration::from_millis(30);
        c.work_outcome = WorkOutcome::Fail;
    })
    .await;
    let alice = server.login("alice").await;
    let instance = stopped_instance(&alice).await;
    let op: Operation = alice
        .post(
            &format!("/instances/{}/actions/start", instance.id),
            json!({}),
        )
        .await
        .json();
    let done = wait_operation(&alice, &op.id, |o| o.status == OperationStatus::Completed).await;
    assert_eq!(done.outcome, Some(Outcome::Failed));
    assert_eq!(done.summary_counts.failed, done.summary_counts.total);
    assert!(done
        .failure_summary
        .as_deref()
        .is_some_and(|s| s.contains("failed")));
    let now: Instance = alice
        .get(&format!("/instances/{}", instance.id))
        .await
        .json();
    assert_eq!(now.status, InstanceStatus::Crashed);
}

#[tokio::test]
async fn operations_and_reports_are_for_members_only() {
    let server = TestServer::start_with(|c| c.work_step = Duration::from_secs(60)).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let instance = stopped_instance(&alice).await;
    let acme = alice.team("Acme").id;
    let op: Operation = alice
        .post(
            &format!("/instances/{}/actions/start", instance.id),
            json!({}),
        )
        .await
        .json();
    let report: Report = alice
        .post(&format!("/teams/{acme}/reports"), json!({}))
        .await
        .json();
    for path in [
        format!("/operations/{}", op.id),
        format!("/reports/{}", report.id),
        format!("/reports/{}/download", report.id),
    ] {
        assert_eq!(bob.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    for path in [
        format!("/instances/{}/actions/stop", instance.id),
        format!("/teams/{acme}/reports"),
    ] {
        assert_eq!(
            bob.post(&path, json!({})).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let listed = bob.get(&format!("/operations?team={acme}")).await;
    assert_eq!(listed.body["total"], 0);
    let mine = alice.get(&format!("/operations?team={acme}")).await;
    assert_eq!(mine.body["total"], 1);
}

#[tokio::test]
async fn a_report_becomes_a_csv_of_the_teams_devices_then_expires() {
    let server = TestServer::start_with(|c| {
        c.work_step = Duration::from_millis(30);
        c.work_outcome = WorkOutcome::Succeed;
        c.report_ttl = Duration::from_millis(400);
    })
    .await;
    let alice = server.login("alice").await;
    let acme = alice.team("Acme").id;
    let report: Report = alice
        .post(&format!("/teams/{acme}/reports"), json!({}))
        .await
        .json();
    assert_eq!(report.status, ReportStatus::Queued);
    let early = alice.get(&format!("/reports/{}/download", report.id)).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "not ready yet");

    let path = format!("/reports/{}", report.id);
    let ready: Report =
        wait_until(&alice, &path, |r: &Report| r.status == ReportStatus::Ready).await;
    let file = alice.get(&format!("/reports/{}/download", ready.id)).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = file.body.as_str().expect("text").to_owned();
    let devices = alice.get(&format!("/devices?team={acme}")).await.body["total"]
        .as_u64()
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "id,name,status,owner_type,owner_id,updated_at");
    assert_eq!(
        lines.len() as u64,
        devices + 1,
        "a header and one row per device"
    );
    assert_eq!(ready.file_size, Some(csv.len() as u64));

    wait_until(&alice, &path, |r: &Report| {
        r.status == ReportStatus::Expired
    })
    .await;
    let gone = alice.get(&format!("/reports/{}/download", report.id)).await;
    assert_eq!(gone.status, StatusCode::GONE);
}

#[tokio::test]
async fn a_restart_mid_run_ends_the_run_failed_not_stuck() {
    let mut server = TestServer::start_with(|c| {
        c.work_step = Duration::from_millis(50);
        c.work_outcome = WorkOutcome::Succeed;
    })
    .await;
    let alice = server.login("alice").await;
    let instance = stopped_instance(&alice).await;
    let acme = alice.team("Acme").id;
    let op: Operation = alice
        .post(
            &format!("/instances/{}/actions/deploy", instance.id),
            json!({}),
        )
        .await
        .json();
    wait_operation(&alice, &op.id, |o| o.status == OperationStatus::Running).await;
    // Slow the runner right down so nothing completes on its own after the restart.
    server.config.work_step = Duration::from_secs(60);
    server.restart().await;
    let alice = server.login("alice").await;
    let after: Operation = alice.get(&format!("/operations/{}", op.id)).await.json();
    assert_eq!(after.status, OperationStatus::Completed);
    assert_eq!(after.outcome, Some(Outcome::Failed));
    assert!(after
        .failure_summary
        .as_deref()
        .is_some_and(|s| s.contains("restarted")));
    let instance_now: Instance = alice
        .get(&format!("/instances/{}", instance.id))
        .await
        .json();
    assert_eq!(
        instance_now.status,
        InstanceStatus::Crashed,
        "caught mid-transition"
    );

    // A report caught before it was ready ends failed too.
    let report: Report = alice
        .post(&format!("/teams/{acme}/reports"), json!({}))
        .await
        .json();
    server.restart().await;
    let alice = server.login("alice").await;
    let report_now: Report = alice.get(&format!("/reports/{}", report.id)).await.json();
    assert_eq!(report_now.status, ReportStatus::Failed);
    assert!(report_now
        .summary
        .as_deref()
        .is_some_and(|s| s.contains("restarted")));
}
