use leptos::prelude::*;

use crate::hooks::use_data_farm;

/// "Pending sync" beside an entity whose change waits in the offline outbox (nothing when it
/// does not, or when persistence is off). Reads the farm from context.
///
/// ```no_run
/// use data_farm::components::PendingBadge;
/// use leptos::prelude::*;
/// # fn cell(id: String, name: String) -> impl IntoView {
/// view! { <span>{name}</span><PendingBadge kind="device" id=id/> }
/// # }
/// ```
#[component]
pub fn PendingBadge(
    /// The entity's kind (`"device"`).
    kind: &'static str,
    /// The entity's id.
    #[prop(into)]
    id: String,
) -> impl IntoView {
    let persistence = use_data_farm().persistence();
    let m = super::use_messages().sync;
    move || {
        persistence
            .as_ref()
            .filter(|p| p.is_pending(kind, &id))
            .map(|_| {
                view! {
                    <span class="df-badge df-badge--pending" title=m.pending_badge_title>
                        {m.pending_badge}
                    </span>
                }
            })
    }
}
