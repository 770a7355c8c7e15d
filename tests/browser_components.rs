//! Components in a real browser (headless Chromium): a relative time that moves on with its
//! clock, in the browser's language; a translation provided once showing in every component,
//! numbers and times in its locale; a table whose text cells follow their entities.
#![cfg(target_arch = "wasm32")]

mod support;

use data_farm::api::ApiError;
use data_farm::cache::CachePolicy;
use data_farm::components::{
    provide_clock, provide_messages, Column, ConnectionIndicator, ConnectionMessages,
    DurationChart, EntityTable, ErrorDisplay, ErrorMessages, Messages, RelativeTime, TableFilter,
};
use data_farm::prelude::*;
use data_farm::protocol::{ListResponse, Owner, OwnerType};
use data_farm::query::Order;
use data_farm::realtime::ConnectionState;
use leptos::prelude::*;
use support::eventually;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// What `Intl.RelativeTimeFormat` says in this browser (so the test holds in any locale).
fn intl(amount: f64, unit: &str) -> String {
    intl_in(&js_sys::Array::new(), amount, unit)
}

/// What `Intl.RelativeTimeFormat` says for `locales`.
fn intl_in(locales: &js_sys::Array, amount: f64, unit: &str) -> String {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"numeric".into(), &"auto".into());
    js_sys::Intl::RelativeTimeFormat::new(locales, &options)
        .format(amount, unit)
        .into()
}

/// A German translation of the texts the test looks at; everything else stays English.
static GERMAN: Messages = Messages {
    locale: Some("de-DE"),
    errors: ErrorMessages {
        timeout: "Der Server antwortet zu langsam. Bitte erneut versuchen.",
        try_again: "Erneut versuchen",
        ..Messages::ENGLISH.errors
    },
    connection: ConnectionMessages {
        reconnecting: |attempt| format!("Neuer Verbindungsversuch ({attempt})…"),
        label: |state| format!("Verbindung: {state}"),
        ..Messages::ENGLISH.connection
    },
    ..Messages::ENGLISH
};

/// A locale tag `Intl` refuses (a `RangeError`): the components fall back, nothing throws.
static MALFORMED: Messages = Messages {
    locale: Some("not a locale!"),
    ..Messages::ENGLISH
};

fn mount_host() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    host
}

/// The first element under `parent` that `selector` matches, as a `T` (it must be there).
fn find<T: JsCast>(parent: &web_sys::Element, selector: &str) -> T {
    parent
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("{selector} is there"))
        .unchecked_into()
}

fn text(host: &web_sys::Element, selector: &str) -> String {
    find::<web_sys::Element>(host, selector)
        .text_content()
        .unwrap_or_default()
}

fn attribute(host: &web_sys::Element, selector: &str, name: &str) -> String {
    find::<web_sys::Element>(host, selector)
        .get_attribute(name)
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn a_translation_provided_once_shows_in_every_component() {
    let host = mount_host();
    let at = js_sys::Date::parse("2026-11-30T12:00:00Z");
    let _mounted = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        provide_messages(&GERMAN);
        provide_clock(Signal::stored(at + 5.0 * 60_000.0));
        let error = Signal::stored(Some(ApiError::Timeout { after_ms: 15_000 }));
        let state = Signal::stored(ConnectionState::Reconnecting {
            attempt: 1200,
            next_retry_at: 0.0,
        });
        view! {
            <ErrorDisplay error=error on_retry=|_| ()/>
            <ConnectionIndicator state=state/>
            <RelativeTime at="2026-11-30T12:00:00Z"/>
            <DurationChart durations=vec![12.0, 1500.4]/>
        }
    });
    next_frame().await;
    assert_eq!(
        text(&host, "[role=alert] p"),
        "Der Server antwortet zu langsam. Bitte erneut versuchen."
    );
    assert_eq!(text(&host, "[role=alert] button"), "Erneut versuchen");
    // The attempt is a number formatted for de-DE ("1.200"); the label wraps the state.
    assert_eq!(
        attribute(&host, "[role=status]", "aria-label"),
        "Verbindung: Neuer Verbindungsversuch (1.200)…"
    );
    let german = js_sys::Array::of1(&"de-DE".into());
    assert_eq!(text(&host, "time"), intl_in(&german, -5.0, "minute"));
    // What is not translated stays English, with German numbers.
    assert_eq!(
        attribute(&host, "svg", "aria-label"),
        "Durations of the last 2 sync operations, longest 1.500 ms"
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn a_locale_intl_refuses_falls_back_without_throwing() {
    let host = mount_host();
    let at = js_sys::Date::parse("2026-11-30T12:00:00Z");
    let _mounted = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        provide_messages(&MALFORMED);
        provide_clock(Signal::stored(at + 5.0 * 60_000.0));
        let state = Signal::stored(ConnectionState::Reconnecting {
            attempt: 1200,
            next_retry_at: 0.0,
        });
        view! {
            <ConnectionIndicator state=state/>
            <RelativeTime at="2026-11-30T12:00:00Z"/>
        }
    });
    next_frame().await;
    assert_eq!(
        attribute(&host, "[role=status]", "aria-label"),
        "Connection: Reconnecting (attempt 1200)…"
    );
    assert_eq!(text(&host, "time"), "5 min ago");
    host.remove();
}

async fn next_frame() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

#[wasm_bindgen_test]
async fn a_relative_time_moves_on_with_its_clock() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let at = js_sys::Date::parse("2026-11-30T12:00:00Z");
    let now = RwSignal::new(at + 5.0 * 60_000.0);
    let _mounted = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        provide_clock(now.into());
        view! { <RelativeTime at="2026-11-30T12:00:00Z"/> }
    });
    next_frame().await;
    let time = host.query_selector("time").unwrap().expect("a <time>");
    assert_eq!(
        time.get_attribute("datetime").as_deref(),
        Some("2026-11-30T12:00:00Z")
    );
    assert_eq!(
        time.text_content().unwrap_or_default(),
        intl(-5.0, "minute")
    );

    now.set(at + 3.0 * 3_600_000.0);
    next_frame().await;
    assert_eq!(time.text_content().unwrap_or_default(), intl(-3.0, "hour"));

    now.set(at + 10_000.0);
    next_frame().await;
    assert_eq!(time.text_content().unwrap_or_default(), intl(0.0, "second"));
    host.remove();
}

fn device(id: &str, name: &str, status: DeviceStatus, version: u64) -> Device {
    Device {
        id: id.into(),
        version,
        updated_at: String::new(),
        name: name.into(),
        team_id: "t1".into(),
        owner: Owner {
            owner_type: OwnerType::Team,
            id: "t1".into(),
        },
        status,
    }
}

/// The text node of cell `column` of body row `row`.
fn cell_node(host: &web_sys::Element, row: u32, column: u32) -> web_sys::Node {
    let rows = host.query_selector_all("tbody tr").unwrap();
    let tr: web_sys::Element = rows.item(row).unwrap().unchecked_into();
    let cells = tr.query_selector_all("td").unwrap();
    cells.item(column).unwrap().first_child().unwrap()
}

/// The texts of the table's body, row by row.
fn table_texts(host: &web_sys::Element) -> Vec<Vec<String>> {
    let rows = host.query_selector_all("tbody tr").unwrap();
    (0..rows.length())
        .map(|i| {
            let tr: web_sys::Element = rows.item(i).unwrap().unchecked_into();
            let cells = tr.query_selector_all("td").unwrap();
            (0..cells.length())
                .map(|j| cells.item(j).unwrap().text_content().unwrap_or_default())
                .collect()
        })
        .collect()
}

/// A farm of devices holding `devices` as the fresh answer to team t1's unpaged list (the
/// query answered). Nothing here talks to a server: the page is put in and stays fresh.
fn farm_with_page(devices: Vec<Device>) -> (DataFarm, EntityStore<Device>, ListQuery) {
    let farm = DataFarmConfig::new("")
        .policy(CachePolicy {
            stale_ms: f64::INFINITY,
            refetch_on_focus: false,
            refetch_on_reconnect: false,
            ..CachePolicy::default()
        })
        .register::<Device>()
        .build();
    let store = farm.store::<Device>().unwrap();
    let query = ListQuery::new().team("t1").unpaged();
    let total = devices.len() as u64;
    store.put_list(&query, ListResponse::new(devices, total));
    (farm, store, query)
}

#[wasm_bindgen_test]
async fn a_tables_text_cells_follow_their_entity_rewriting_only_the_text_that_changed() {
    let host = mount_host();
    let (farm, store, query) = farm_with_page(vec![
        device("d1", "pump", DeviceStatus::Online, 1),
        device("d2", "valve", DeviceStatus::Online, 1),
    ]);
    let shown = query.clone();
    let _mounted = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        provide_context(farm.clone());
        let columns = vec![
            Column::text("Name", |d: &Device| d.name.clone()),
            Column::text("Status", |d: &Device| d.status.as_str().to_owned()),
        ];
        view! {
            <EntityTable<Device> label="Devices" columns=columns query=RwSignal::new(shown.clone())
                searchable=false/>
        }
    });
    next_frame().await;
    assert_eq!(
        table_texts(&host),
        [["pump", "online"], ["valve", "online"]],
        "rows in name order"
    );
    // Left out on request, and no pages to move between for an unpaged list.
    assert!(host
        .query_selector("label:has(input[type=search])")
        .unwrap()
        .unwrap()
        .has_attribute("hidden"));
    assert!(host
        .query_selector("nav")
        .unwrap()
        .unwrap()
        .has_attribute("hidden"));

    let (name, status) = (cell_node(&host, 1, 0), cell_node(&host, 1, 1));
    let other = cell_node(&host, 0, 1);
    store.put_one(device("d2", "valve", DeviceStatus::Offline, 2));
    next_frame().await;
    assert_eq!(
        table_texts(&host),
        [["pump", "online"], ["valve", "offline"]]
    );
    // The changed cell keeps its text node; the rest is not touched.
    assert!(cell_node(&host, 1, 1).is_same_node(Some(&status)));
    assert!(cell_node(&host, 1, 0).is_same_node(Some(&name)));
    assert!(cell_node(&host, 0, 1).is_same_node(Some(&other)));

    // A rename moves the row and shows the new name.
    store.put_one(device("d2", "alarm", DeviceStatus::Offline, 3));
    next_frame().await;
    assert_eq!(
        table_texts(&host),
        [["alarm", "offline"], ["pump", "online"]]
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn a_paged_table_offers_search_and_pages() {
    let host = mount_host();
    let farm = DataFarmConfig::new("").register::<Device>().build();
    let _mounted = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        provide_context(farm.clone());
        let columns = vec![Column::text("Name", |d: &Device| d.name.clone())];
        let query = RwSignal::new(ListQuery::new().team("t1"));
        view! { <EntityTable<Device> label="Devices" columns=columns query=query/> }
    });
    next_frame().await;
    assert_eq!(
        attribute(&host, "input[type=search]", "aria-label"),
        "Search devices"
    );
    assert_eq!(attribute(&host, "nav", "aria-label"), "Devices pages");
    for shown in ["label:has(input[type=search])", "nav"] {
        let element = host.query_selector(shown).unwrap().unwrap();
        assert!(!element.has_attribute("hidden"), "{shown} is shown");
    }
    host.remove();
}

/// The body rows' elements, in order.
fn body_rows(host: &web_sys::Element) -> Vec<web_sys::Element> {
    let rows = host.query_selector_all("tbody tr").unwrap();
    (0..rows.length())
        .map(|i| rows.item(i).unwrap().unchecked_into())
        .collect()
}

/// Presses Enter on `element` (a `keydown` that bubbles, as a keyboard's would).
fn press_enter(element: &web_sys::Element) {
    js_sys::Function::new_with_args(
        "el",
        "el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))",
    )
    .call1(&wasm_bindgen::JsValue::NULL, element)
    .unwrap();
}

#[wasm_bindgen_test]
async fn a_tables_rows_move_open_and_select_in_place() {
    let host = mount_host();
    let (farm, store, query) = farm_with_page(vec![
        device("d1", "alpha", DeviceStatus::Online, 1),
        device("d2", "bravo", DeviceStatus::Online, 1),
        device("d3", "charlie", DeviceStatus::Online, 1),
    ]);
    let selected = RwSignal::new(Vec::<String>::new());
    let opened = RwSignal::new(Vec::<String>::new());
    let shown = query.clone();
    let _mounted = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        provide_context(farm.clone());
        let columns = vec![
            Column::text("Name", |d: &Device| d.name.clone()),
            // A view cell: any view, following its entity (with an input of its own).
            Column::new("Status", |d: &Device| {
                let flag = format!("Flag {}", d.name);
                view! { <b>{d.status.as_str().to_owned()}</b><input type="checkbox" aria-label=flag/> }
                    .into_any()
            }),
        ];
        let open = Callback::new(move |id: String| opened.update(|o| o.push(id)));
        view! {
            <EntityTable<Device> label="Devices" columns=columns query=RwSignal::new(shown.clone())
                selection=Selection::Multiple selected=selected on_open=open searchable=false/>
        }
    });
    next_frame().await;
    assert_eq!(
        table_texts(&host),
        [
            ["", "alpha", "online"],
            ["", "bravo", "online"],
            ["", "charlie", "online"]
        ]
    );
    let before = body_rows(&host);
    let label = |row: &web_sys::Element| attribute(row, "input", "aria-label");
    assert_eq!(label(&before[0]), "Select alpha");
    assert_eq!(before[0].get_attribute("tabindex").as_deref(), Some("0"));

    // A rename moves its row (the same element, now last) and renames its selection box; a
    // status change shows in the view cell; the other rows stay the elements they were.
    store.put_one(device("d1", "delta", DeviceStatus::Online, 2));
    store.put_one(device("d2", "bravo", DeviceStatus::Offline, 2));
    next_frame().await;
    assert_eq!(
        table_texts(&host),
        [
            ["", "bravo", "offline"],
            ["", "charlie", "online"],
            ["", "delta", "online"]
        ]
    );
    let after = body_rows(&host);
    assert!(
        after[2].is_same_node(Some(&before[0])),
        "the renamed row moved"
    );
    assert!(after[0].is_same_node(Some(&before[1])));
    assert!(after[1].is_same_node(Some(&before[2])));
    assert_eq!(label(&after[2]), "Select delta");

    // A click on a cell and Enter on a row open them; a click on a selection box selects.
    find::<web_sys::HtmlElement>(&after[1], "td:nth-child(2)").click();
    press_enter(&after[2]);
    find::<web_sys::HtmlElement>(&after[0], "input").click();
    // An input of a view cell neither selects nor opens its row.
    find::<web_sys::HtmlElement>(&after[1], "input[aria-label='Flag charlie']").click();
    next_frame().await;
    assert_eq!(opened.get_untracked(), ["d3", "d1"]);
    assert_eq!(selected.get_untracked(), ["d2"]);
    // The selection boxes follow the selection, whoever changes it.
    selected.set(vec!["d3".to_owned()]);
    next_frame().await;
    let checked: Vec<bool> = body_rows(&host)
        .iter()
        .map(|row| find::<web_sys::HtmlInputElement>(row, "input").checked())
        .collect();
    assert_eq!(checked, [false, true, false]);

    // A deleted row goes; a created one comes in its place.
    store.apply_event(ChangeOp::Deleted, "d3", 2, None);
    let created = device("d4", "alpha 2", DeviceStatus::Online, 1);
    store.apply_event(
        ChangeOp::Created,
        "d4",
        1,
        Some(&serde_json::value::to_raw_value(&created).unwrap()),
    );
    next_frame().await;
    assert_eq!(
        table_texts(&host),
        [
            ["", "alpha 2", "online"],
            ["", "bravo", "offline"],
            ["", "delta", "online"]
        ]
    );
    assert!(body_rows(&host)[2].is_same_node(Some(&before[0])));
    host.remove();
}

#[wasm_bindgen_test]
async fn two_single_selection_tables_keep_their_own_choice() {
    let host = mount_host();
    let (farm, _store, query) = farm_with_page(vec![
        device("d1", "alpha", DeviceStatus::Online, 1),
        device("d2", "bravo", DeviceStatus::Online, 1),
    ]);
    let (left, right) = (
        RwSignal::new(Vec::<String>::new()),
        RwSignal::new(Vec::new()),
    );
    let _mounted = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        provide_context(farm.clone());
        let columns = || vec![Column::text("Name", |d: &Device| d.name.clone())];
        view! {
            <EntityTable<Device> label="Left" columns=columns() query=RwSignal::new(query.clone())
                selection=Selection::Single selected=left searchable=false/>
            <EntityTable<Device> label="Right" columns=columns() query=RwSignal::new(query.clone())
                selection=Selection::Single selected=right searchable=false/>
        }
    });
    next_frame().await;
    let radio = |table: &str, name: &str| -> web_sys::HtmlInputElement {
        find(
            &host,
            &format!("table[aria-label={table}] input[aria-label='Select {name}']"),
        )
    };
    radio("Left", "alpha").click();
    radio("Right", "bravo").click();
    next_frame().await;
    // Radios of one name are one group in a document: each table's are named apart.
    assert!(radio("Left", "alpha").checked(), "the left choice stays");
    assert!(radio("Right", "bravo").checked());
    assert_eq!(left.get_untracked(), ["d1"]);
    assert_eq!(right.get_untracked(), ["d2"]);
    // A second choice in one table replaces its first.
    radio("Left", "bravo").click();
    next_frame().await;
    assert_eq!(left.get_untracked(), ["d2"]);
    assert!(!radio("Left", "alpha").checked());
    host.remove();
}

/// Dispatches a bubbling `type` event on `element`, as a browser does after a user's input.
fn dispatch(element: &web_sys::Element, kind: &str) {
    js_sys::Function::new_with_args(
        "el, kind",
        "el.dispatchEvent(new Event(kind, { bubbles: true }))",
    )
    .call2(&wasm_bindgen::JsValue::NULL, element, &kind.into())
    .unwrap();
}

/// An element's `value` property.
fn value_of(element: &web_sys::Element) -> String {
    js_sys::Reflect::get(element, &"value".into())
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

/// How long the table may take to follow a change (no server answers in these tests).
const WAIT_MS: u32 = 3_000;

#[wasm_bindgen_test]
async fn a_tables_frame_follows_its_list_query_and_selection() {
    let host = mount_host();
    // Nothing listens there: a fetch fails at once, as a network error.
    let farm = DataFarmConfig::new("http://127.0.0.1:9")
        .policy(CachePolicy {
            stale_ms: f64::INFINITY,
            retries: 0,
            refetch_on_focus: false,
            refetch_on_reconnect: false,
            ..CachePolicy::default()
        })
        .register::<Device>()
        .build();
    let store = farm.store::<Device>().unwrap();
    let first = ListQuery::new().team("t1").per_page(2);
    let second = first.clone().page(2);
    let names = ["alpha", "bravo", "charlie", "delta"];
    let devices: Vec<Device> = names
        .iter()
        .enumerate()
        .map(|(at, name)| device(&format!("d{}", at + 1), name, DeviceStatus::Online, 1))
        .collect();
    // The second page first: the first page's rows could belong to it, so it may be refetched
    // when shown (and fail), but the first page is fresh.
    store.put_list(&second, ListResponse::new(devices[2..].to_vec(), 5));
    store.put_list(&first, ListResponse::new(devices[..2].to_vec(), 5));
    let query = RwSignal::new(first);
    let selected = RwSignal::new(Vec::<String>::new());
    let _mounted = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        provide_context(farm.clone());
        let columns = vec![
            Column::text("Name", |d: &Device| d.name.clone()).sortable("name"),
            Column::text("Status", |d: &Device| d.status.as_str().to_owned()),
        ];
        let filters = vec![TableFilter::new(
            "Status",
            "status",
            &[("online", "Online"), ("offline", "Offline")],
        )];
        view! {
            <EntityTable<Device> label="Devices" columns=columns query=query filters=filters
                selection=Selection::Multiple selected=selected/>
        }
    });
    next_frame().await;
    let page_text = || text(&host, "nav span");
    let disabled = |name: &str| {
        find::<web_sys::Element>(&host, &format!("nav button:nth-of-type({name})"))
            .has_attribute("disabled")
    };
    assert_eq!(text(&host, ".df-table__total"), "5 total");
    assert_eq!(page_text(), "Page 1 of 3");
    assert!(disabled("1"), "no page before the first");
    assert!(!disabled("2"));
    assert_eq!(attribute(&host, "table", "aria-busy"), "false");
    assert!(host.query_selector("[role=alert]").unwrap().is_none());
    let sorts = || -> Vec<String> {
        let cells = host.query_selector_all("thead th[aria-sort]").unwrap();
        (0..cells.length())
            .map(|at| {
                let th: web_sys::Element = cells.item(at).unwrap().unchecked_into();
                th.get_attribute("aria-sort").unwrap_or_default()
            })
            .collect()
    };
    assert_eq!(sorts(), ["ascending", "none"]);
    assert_eq!(table_texts(&host).len(), 2);

    // Next page: the query moves on, the rows and the pagination follow (the rows cached,
    // whether or not their refetch failed).
    find::<web_sys::HtmlElement>(&host, "nav button:nth-of-type(2)").click();
    next_frame().await;
    let busy = || attribute(&host, "table", "aria-busy") == "true";
    eventually(WAIT_MS, "the second page settles", || !busy()).await;
    assert_eq!(query.with_untracked(|q| q.page), 2);
    assert_eq!(page_text(), "Page 2 of 3");
    assert!(!disabled("1"));
    assert_eq!(
        table_texts(&host),
        [["", "charlie", "online"], ["", "delta", "online"]]
    );

    // Select all on this page, and the count follows the selection whoever changes it.
    let all: web_sys::HtmlInputElement = find(&host, "thead input[type=checkbox]");
    assert_eq!(
        all.get_attribute("aria-label").as_deref(),
        Some("Select all on this page")
    );
    all.click();
    next_frame().await;
    assert_eq!(selected.get_untracked(), ["d3", "d4"]);
    assert_eq!(
        attribute(&host, "[role=status]", "aria-label"),
        "2 selected"
    );
    selected.set(Vec::new());
    next_frame().await;
    assert!(!all.checked(), "the box follows the selection");
    assert_eq!(text(&host, "[role=status]"), "0 selected");

    // Typing searches after a pause.
    let search: web_sys::HtmlInputElement = find(&host, "input[type=search]");
    assert_eq!(
        search.get_attribute("aria-label").as_deref(),
        Some("Search devices")
    );
    search.set_value("pump");
    dispatch(&search, "input");
    eventually(WAIT_MS, "the search is in the query", || {
        query.with_untracked(|q| q.search.as_deref() == Some("pump"))
    })
    .await;

    // A filter: back to the first page, filtered. Nothing answers for it: first the
    // skeleton, then the error with a retry, and the select keeps the choice.
    let select: web_sys::Element = find(&host, "select");
    js_sys::Reflect::set(&select, &"value".into(), &"offline".into()).unwrap();
    dispatch(&select, "change");
    next_frame().await;
    assert_eq!(
        query.with_untracked(|q| (q.page, q.filters.get("status").cloned())),
        (1, Some("offline".to_owned()))
    );
    let rows = || host.query_selector_all("tbody tr").unwrap().length();
    let alerts = || host.query_selector_all("[role=alert]").unwrap().length();
    eventually(WAIT_MS, "the filtered page failed", || {
        !busy() && alerts() == 1 && rows() == 0
    })
    .await;
    assert_eq!(
        text(&host, "[role=alert] p"),
        data_farm::components::describe(&ApiError::Network(String::new()))
    );
    assert_eq!(value_of(&select), "offline");
    // Try again: the fetch runs (and fails) again, and one alert stays.
    let failed: web_sys::Element = find(&host, "[role=alert]");
    find::<web_sys::HtmlElement>(&failed, "button").click();
    // The alert goes while the list loads again, and a new one says it failed again.
    eventually(WAIT_MS, "the retry failed", || {
        let alert = host.query_selector("[role=alert]").unwrap();
        !busy() && alerts() == 1 && alert.is_some_and(|a| !a.is_same_node(Some(&failed)))
    })
    .await;

    // A sortable header sorts, and says so.
    find::<web_sys::HtmlElement>(&host, "th button").click();
    next_frame().await;
    assert_eq!(query.with_untracked(|q| q.order), Order::Desc);
    assert_eq!(sorts(), ["descending", "none"]);
    host.remove();
}

#[wasm_bindgen_test]
async fn a_table_built_in_place_of_another_shows_its_own_frame_and_rows() {
    let host = mount_host();
    let (farm, _store, query) = farm_with_page(vec![
        device("d1", "alpha", DeviceStatus::Online, 1),
        device("d2", "bravo", DeviceStatus::Offline, 1),
    ]);
    let first = RwSignal::new(true);
    let opened = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = opened.clone();
    let _mounted = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        provide_context(farm.clone());
        let query = query.clone();
        let log = log.clone();
        // Two tables of one type in one place: Leptos rebuilds the first's elements for the
        // second rather than replacing them.
        move || {
            let (label, column) = if first.get() {
                ("Names", Column::text("Name", |d: &Device| d.name.clone()))
            } else {
                (
                    "Statuses",
                    Column::text("Status", |d: &Device| d.status.as_str().to_owned()),
                )
            };
            let log = log.clone();
            let on_open = Callback::new(move |id: String| {
                log.lock().unwrap().push(format!("{label} {id}"));
            });
            view! {
                <EntityTable<Device> label=label columns=vec![column]
                    query=RwSignal::new(query.clone()) searchable=false on_open=on_open/>
            }
        }
    });
    next_frame().await;
    assert_eq!(attribute(&host, "table", "aria-label"), "Names");
    assert_eq!(table_texts(&host), [["alpha"], ["bravo"]]);
    first.set(false);
    next_frame().await;
    assert_eq!(host.query_selector_all("table").unwrap().length(), 1);
    assert_eq!(attribute(&host, "table", "aria-label"), "Statuses");
    assert_eq!(text(&host, "thead th"), "Status");
    assert_eq!(table_texts(&host), [["online"], ["offline"]]);
    // Only the second table hears a click now: the first's listener left the element with it
    // (one left behind would call its dropped closure, and the browser report what it throws).
    let thrown = std::rc::Rc::new(std::cell::Cell::new(0));
    let count = thrown.clone();
    let on_error = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::Event)>::new(
        move |_: web_sys::Event| count.set(count.get() + 1),
    );
    let window = web_sys::window().unwrap();
    window
        .add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref())
        .unwrap();
    find::<web_sys::HtmlElement>(&host, "tbody tr td").click();
    window
        .remove_event_listener_with_callback("error", on_error.as_ref().unchecked_ref())
        .unwrap();
    assert_eq!(*opened.lock().unwrap(), ["Statuses d1"]);
    assert_eq!(thrown.get(), 0, "a listener threw");
    host.remove();
}
