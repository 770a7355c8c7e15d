//! The team's report card: generate a CSV of the team's devices, watch it being produced
//! (polled every 10 s only while queued or generating, when realtime is not live), download it
//! while ready, see when it expired.

use data_farm::api::Method;
use data_farm::components::{describe, ErrorDisplay, RelativeTime, SkeletonText, StatusBadge};
use data_farm::polling::use_latest_report;
use data_farm::prelude::*;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The report card of `team`.
#[component]
pub fn ReportCard(team: String) -> impl IntoView {
    let latest = use_latest_report(team.clone());
    let store = latest.store;
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let generate = move |_| {
        let team = team.clone();
        busy.set(true);
        spawn_local(async move {
            // A store action: the queued report shows at once; events or polling carry it on.
            let path = format!("/teams/{team}/reports");
            match store
                .action(Method::Post, &path, serde_json::json!({}), Vec::new())
                .await
            {
                Ok(_) => error.set(None),
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let body = move || {
        if let Some(err) = latest.denied.get() {
            return view! { <p role="alert">{describe(&err)}</p> }.into_any();
        }
        if latest.view.with(|v| v.is_first_load()) {
            return view! { <div aria-busy="true"><SkeletonText lines=2/></div> }.into_any();
        }
        match latest.report.get() {
            None => view! { <p class="df-muted">"No report yet."</p> }.into_any(),
            Some(r) => {
                let status = r.status.as_str().to_owned();
                let detail = match r.status {
                    ReportStatus::Ready => {
                        let href = format!("/api/v1/reports/{}/download", r.id);
                        let expires = r.expires_at.clone().unwrap_or_default();
                        view! {
                            <p>{r.summary.clone().unwrap_or_default()} ", "
                                {r.file_size.map(|s| format!("{s} bytes")).unwrap_or_default()}</p>
                            <p><a class="df-button df-primary" href=href download="">"Download CSV"</a>
                                " Expires " <RelativeTime at=expires/></p>
                        }
                        .into_any()
                    }
                    ReportStatus::Expired => {
                        view! { <p>"This report has expired. Generate a new one."</p> }.into_any()
                    }
                    ReportStatus::Failed => {
                        view! { <p class="df-error">{r.summary.clone().unwrap_or_else(|| "The report failed.".into())}</p> }
                            .into_any()
                    }
                    _ => view! { <p class="df-muted">"Being prepared…"</p> }.into_any(),
                };
                view! {
                    <p><span role="status" aria-label=format!("Report {status}")><StatusBadge status=status.clone()/></span>
                        " updated " <RelativeTime at=r.updated_at.clone()/></p>
                    {detail}
                }
                .into_any()
            }
        }
    };
    view! {
        <section class="demo-card demo-report" aria-labelledby="report-heading">
            <h2 id="report-heading">"Devices report"</h2>
            {body}
            <ErrorDisplay error=error/>
            <button type="button" class="df-button" disabled=move || busy.get() on:click=generate>"Generate report"</button>
        </section>
    }
}
