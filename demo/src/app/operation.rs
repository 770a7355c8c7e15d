//! A run (operation) detail page: status, progress, failure summary, timestamps, who started
//! it; kept current by realtime events and, when they are not there, by polling on its ladder.

use data_farm::components::{describe, ProgressBar, RelativeTime, SkeletonText, StatusBadge};
use data_farm::polling::use_polled_run;
use data_farm::prelude::*;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// `/operations/:id`.
#[component]
pub fn OperationPage() -> impl IntoView {
    let params = use_params_map();
    let id = Signal::derive(move || params.read().get("id").unwrap_or_default());
    let watched = use_polled_run(id);
    let run = watched.run;
    let instance = use_entity::<Instance>(Signal::derive(move || {
        run.with(|r| r.as_ref().map(|r| r.target.id.clone()))
            .unwrap_or_default()
    }));
    let done = Signal::derive(move || {
        run.with(|r| {
            r.as_ref()
                .map_or(0, |r| r.summary_counts.done + r.summary_counts.failed)
        })
    });
    let total =
        Signal::derive(move || run.with(|r| r.as_ref().map_or(0, |r| r.summary_counts.total)));
    move || {
        // Refused by the poller, or by the first fetch (not visible to this user, or gone).
        let refused = watched
            .denied
            .get()
            .or_else(|| match watched.view.get().state {
                LoadState::Error(err) if run.with(Option::is_none) => Some(err),
                LoadState::Ready if run.with(Option::is_none) => Some(ApiError::NotFound {
                    message: "operation not found".into(),
                }),
                _ => None,
            });
        if let Some(err) = refused {
            return view! {
                <h1>"Operation unavailable"</h1>
                <p role="alert">{describe(&err)}</p>
            }
            .into_any();
        }
        let Some(r) = run.get() else {
            return view! {
                <div aria-busy="true" aria-label="Loading operation"><SkeletonText lines=6/></div>
            }
            .into_any();
        };
        let target = instance
            .entity
            .get()
            .map(|i| i.name)
            .unwrap_or_else(|| r.target.id.clone());
        let href = format!("/instances/{}", r.target.id);
        let state = match r.outcome {
            Some(outcome) => outcome.as_str().to_owned(),
            None => r.status.as_str().to_owned(),
        };
        let stamp = |at: Option<String>| match at {
            Some(at) => view! { <RelativeTime at=at/> }.into_any(),
            None => "—".into_any(),
        };
        view! {
            <h1>{format!("{} on {target}", r.op_type)}</h1>
            <section class="demo-card" aria-label="Operation">
                <p>"Status: " <span role="status" aria-label=format!("Operation {state}")><StatusBadge status=state.clone()/></span></p>
                <ProgressBar label="Progress" value=done max=total/>
                {r.failure_summary.clone().map(|s| view! { <p class="df-error" role="alert">{s}</p> })}
                <dl class="demo-facts">
                    <dt>"Target"</dt><dd><A href=href>{target.clone()}</A></dd>
                    <dt>"Started by"</dt><dd>{r.initiated_by.clone()}</dd>
                    <dt>"Created"</dt><dd>{stamp(Some(r.created_at.clone()))}</dd>
                    <dt>"Started"</dt><dd>{stamp(r.started_at.clone())}</dd>
                    <dt>"Completed"</dt><dd>{stamp(r.completed_at.clone())}</dd>
                </dl>
            </section>
        }
        .into_any()
    }
}
