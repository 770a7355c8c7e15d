//! An application's detail page.

use data_farm::prelude::*;
use data_farm::protocol::PatchNamed;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::drafts::DraftBanner;
use super::editor::{use_team_of, Editable, EntityEditor};
use super::form::{Field, Input, Values};
use super::history::history;

fn patch(values: &Values) -> PatchNamed {
    PatchNamed {
        name: Some(values.get("name")),
        description: Some(values.get("description")),
    }
}

/// `/applications/:id`.
#[component]
pub fn ApplicationPage() -> impl IntoView {
    let params = use_params_map();
    let id = Signal::derive(move || params.read().get("id").unwrap_or_default());
    let fields = vec![
        Editable::new(Field::text("name", "Name"), |a: &Application| {
            a.name.clone()
        }),
        Editable::new(
            Field::new("description", "Description", Input::TextArea),
            |a: &Application| a.description.clone(),
        ),
    ];
    let team = use_team_of::<Application>(id);
    view! {
        <DraftBanner kind="application" id=id team=team/>
        <EntityEditor<Application> id=id noun="application" fields=fields patch=patch/>
        {history::<Application>(id, team)}
    }
}
