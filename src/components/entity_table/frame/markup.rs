//! The frame as HTML, from what it shows now: what stays for the table's life ([`Shape`]) and
//! three snapshots of what changes, one per signal it follows ([`ListNow`], [`QueryNow`],
//! [`SelectNow`]). A server sends this text; a browser parses it in one call and then writes
//! only the differences between snapshots (see `dom`).

use super::super::html::{attribute, escape};
use super::super::{Selection, TableFilter};
use crate::api::ApiError;
use crate::components::Messages;
use crate::query::{ListQuery, Order};
use crate::store::{ListView, LoadState};

/// What stays the same for the table's life.
pub(in crate::components::entity_table) struct Shape {
    /// The table's accessible name.
    pub label: String,
    pub searchable: bool,
    /// The search text the box starts with.
    pub search: String,
    pub filters: Vec<TableFilter>,
    /// How rows are selected, when selection is shown.
    pub select: Option<Selection>,
    /// Each column's header and the field it sorts by.
    pub headers: Vec<(String, Option<String>)>,
    pub messages: &'static Messages,
}

impl Shape {
    /// Columns, the selection column included.
    pub fn column_count(&self) -> usize {
        self.headers.len() + usize::from(self.select.is_some())
    }
}

/// The body shown before the rows' own: skeleton rows, the empty row, or nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::components::entity_table) enum StateBody {
    Nothing,
    /// The first load: this many skeleton rows.
    Skeleton(usize),
    /// Nothing matches (and nothing failed).
    Empty,
}

/// What the frame shows of the list.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::components::entity_table) struct ListNow {
    pub total: u64,
    pub refreshing: bool,
    pub busy: bool,
    pub body: StateBody,
    pub error: Option<ApiError>,
}

impl ListNow {
    /// The snapshot of `view`, with `per_page` rows of skeleton at most.
    pub fn of(view: &ListView, per_page: u32) -> ListNow {
        let error = match &view.state {
            LoadState::Error(err) => Some(err.clone()),
            _ => None,
        };
        let body = if view.is_first_load() {
            StateBody::Skeleton((per_page as usize).clamp(3, 10))
        } else if view.ids.is_empty() && error.is_none() {
            StateBody::Empty
        } else {
            StateBody::Nothing
        };
        ListNow {
            total: view.total,
            refreshing: view.state == LoadState::Refreshing,
            busy: view.state.is_fetching(),
            body,
            error,
        }
    }
}

/// What the frame shows of the query.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::components::entity_table) struct QueryNow {
    /// Each filter's value ("" for all).
    pub filters: Vec<String>,
    /// Each header's `aria-sort`.
    pub sorts: Vec<&'static str>,
    pub paged: bool,
    pub page: u64,
    pub pages: u64,
}

impl QueryNow {
    /// The snapshot of `query` for `shape`, with `total` rows over all pages.
    pub fn of(query: &ListQuery, shape: &Shape, total: u64) -> QueryNow {
        QueryNow {
            filters: shape
                .filters
                .iter()
                .map(|f| query.filters.get(&f.field).cloned().unwrap_or_default())
                .collect(),
            sorts: shape
                .headers
                .iter()
                .map(|(_, field)| match field {
                    Some(f) if query.sort_field() == f => {
                        if query.order == Order::Desc {
                            "descending"
                        } else {
                            "ascending"
                        }
                    }
                    _ => "none",
                })
                .collect(),
            paged: query.is_paged(),
            page: u64::from(query.page),
            pages: query.page_count(total),
        }
    }

    /// The pagination's text: "Page 2 of 40".
    pub fn page_text(&self, messages: &Messages) -> String {
        (messages.table.page_of)(&messages.number(self.page), &messages.number(self.pages))
    }
}

/// What the frame shows of the selection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::components::entity_table) struct SelectNow {
    pub count: usize,
    /// Whether every row of the page is selected (and there are rows).
    pub all: bool,
}

impl SelectNow {
    /// The snapshot of `selected` over the page's `ids`.
    pub fn of(ids: &[String], selected: &[String]) -> SelectNow {
        SelectNow {
            count: selected.len(),
            all: !ids.is_empty() && ids.iter().all(|id| selected.contains(id)),
        }
    }

    /// "3 selected".
    pub fn text(&self, messages: &Messages) -> String {
        (messages.table.selected)(&messages.number(self.count as u64))
    }
}

/// "1,000 total".
pub(super) fn total_text(messages: &Messages, total: u64) -> String {
    (messages.table.total)(&messages.number(total))
}

/// The progress bar's class.
pub(super) fn progress_class(refreshing: bool) -> &'static str {
    if refreshing {
        "df-progress df-progress--active"
    } else {
        "df-progress"
    }
}

/// The table's `aria-busy` while `fetching` (or not).
pub(super) fn busy(fetching: bool) -> &'static str {
    if fetching {
        "true"
    } else {
        "false"
    }
}

/// Appends ` name` when `on` (a boolean attribute such as `hidden`).
fn flag(html: &mut String, name: &str, on: bool) {
    if on {
        html.push(' ');
        html.push_str(name);
    }
}

/// The whole frame: toolbar, table (with `rows` as the rows' body) and pagination. Elements
/// the browser later finds carry a `data-df` attribute.
pub(in crate::components::entity_table) fn frame(
    shape: &Shape,
    list: &ListNow,
    query: &QueryNow,
    select: SelectNow,
    rows: &str,
) -> String {
    let m = shape.messages;
    let t = &m.table;
    let mut html = String::with_capacity(1024 + rows.len());
    // The toolbar.
    let search_label = (t.search)(&shape.label);
    html.push_str(r#"<div class="df-table__toolbar"><label class="df-field df-field--inline""#);
    flag(&mut html, "hidden", !shape.searchable);
    html.push_str("><span>");
    escape(&mut html, &search_label);
    html.push_str(r#"</span><input type="search" data-df="search""#);
    attribute(&mut html, "aria-label", &search_label);
    attribute(&mut html, "value", &shape.search);
    html.push_str("></label>");
    for ((at, filter), value) in shape.filters.iter().enumerate().zip(&query.filters) {
        html.push_str(r#"<label class="df-field df-field--inline"><span>"#);
        escape(&mut html, &filter.label);
        html.push_str(r#"</span><select data-df="filter""#);
        attribute(&mut html, "data-at", &at.to_string());
        html.push_str(r#"><option value="">"#);
        escape(&mut html, t.filter_all);
        html.push_str("</option>");
        for (option, label) in &filter.options {
            html.push_str("<option");
            attribute(&mut html, "value", option);
            flag(&mut html, "selected", option == value);
            html.push('>');
            escape(&mut html, label);
            html.push_str("</option>");
        }
        html.push_str("</select></label>");
    }
    if shape.select.is_some() {
        let text = select.text(m);
        html.push_str(r#"<span class="df-table__selected" role="status" data-df="selected""#);
        attribute(&mut html, "aria-label", &text);
        html.push('>');
        escape(&mut html, &text);
        html.push_str("</span>");
    }
    html.push_str(r#"<span class="df-table__total" data-df="total">"#);
    escape(&mut html, &total_text(m, list.total));
    html.push_str("</span></div>");
    // The progress bar and the table.
    html.push_str(r#"<div data-df="progress" aria-hidden="true""#);
    attribute(&mut html, "class", progress_class(list.refreshing));
    html.push_str("></div><table");
    attribute(&mut html, "aria-label", &shape.label);
    attribute(&mut html, "aria-busy", busy(list.busy));
    html.push_str("><thead><tr>");
    match shape.select {
        Some(Selection::Multiple) => {
            html.push_str(r#"<th scope="col"><input type="checkbox" data-df="all""#);
            attribute(&mut html, "aria-label", t.select_all);
            flag(&mut html, "checked", select.all);
            html.push_str("></th>");
        }
        Some(_) => {
            html.push_str(r#"<th scope="col"><span class="df-visually-hidden">"#);
            escape(&mut html, t.selected_column);
            html.push_str("</span></th>");
        }
        None => {}
    }
    for ((at, (header, field)), sort) in shape.headers.iter().enumerate().zip(&query.sorts) {
        html.push_str(r#"<th scope="col" data-df="sort""#);
        attribute(&mut html, "aria-sort", sort);
        html.push('>');
        if field.is_some() {
            html.push_str(r#"<button type="button" class="df-sort" data-df="sort-by""#);
            attribute(&mut html, "data-at", &at.to_string());
            html.push('>');
            escape(&mut html, header);
            html.push_str("</button>");
        } else {
            escape(&mut html, header);
        }
        html.push_str("</th>");
    }
    // The loading and empty states have a body of their own, before the rows'.
    html.push_str("</tr></thead><tbody>");
    html.push_str(&state_body(shape, list.body));
    html.push_str("</tbody><tbody>");
    html.push_str(rows);
    html.push_str("</tbody></table>");
    if let Some(err) = &list.error {
        html.push_str(&error(m, err));
    }
    // An unpaged list has no pages to move between.
    html.push_str(r#"<nav class="df-pagination""#);
    attribute(&mut html, "aria-label", &(t.pages)(&shape.label));
    flag(&mut html, "hidden", !query.paged);
    html.push_str(r#"><button type="button" class="df-button" data-df="previous""#);
    flag(&mut html, "disabled", query.page <= 1);
    html.push('>');
    escape(&mut html, t.previous);
    html.push_str(r#"</button><span data-df="page">"#);
    escape(&mut html, &query.page_text(m));
    html.push_str(r#"</span><button type="button" class="df-button" data-df="next""#);
    flag(&mut html, "disabled", query.page >= query.pages);
    html.push('>');
    escape(&mut html, t.next);
    html.push_str("</button></nav>");
    html
}

/// The rows of the loading and empty states.
pub(super) fn state_body(shape: &Shape, body: StateBody) -> String {
    let mut html = String::new();
    match body {
        StateBody::Nothing => {}
        // Placeholders, hidden from assistive technology (the table is `aria-busy`).
        StateBody::Skeleton(rows) => {
            let cells =
                r#"<td><span class="df-skeleton"></span></td>"#.repeat(shape.column_count());
            for _ in 0..rows {
                html.push_str(r#"<tr class="df-skeleton-row" aria-hidden="true">"#);
                html.push_str(&cells);
                html.push_str("</tr>");
            }
        }
        StateBody::Empty => {
            html.push_str(r#"<tr><td class="df-table__empty""#);
            attribute(&mut html, "colspan", &shape.column_count().to_string());
            html.push('>');
            escape(&mut html, &(shape.messages.table.empty)(&shape.label));
            html.push_str("</td></tr>");
        }
    }
    html
}

/// An error as an alert with a retry button, as [`ErrorDisplay`](crate::components::ErrorDisplay)
/// shows one.
pub(super) fn error(messages: &Messages, err: &ApiError) -> String {
    let mut html = String::from(r#"<div class="df-error" role="alert" data-df="error"><p>"#);
    escape(&mut html, &messages.describe(err));
    html.push_str("</p>");
    if let ApiError::Invalid { fields, .. } = err {
        if !fields.is_empty() {
            html.push_str(r#"<ul class="df-error__fields">"#);
            for (field, why) in fields.iter() {
                html.push_str("<li>");
                escape(&mut html, &(messages.errors.field)(field, why));
                html.push_str("</li>");
            }
            html.push_str("</ul>");
        }
    }
    html.push_str(r#"<button type="button" class="df-button" data-df="retry">"#);
    escape(&mut html, messages.errors.try_again);
    html.push_str("</button></div>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> Shape {
        Shape {
            label: r#"<Devices & "co">"#.to_owned(),
            searchable: false,
            search: "pump".to_owned(),
            filters: vec![TableFilter::new(
                "Status",
                "status",
                &[("online", "Online"), ("offline", "Off<line>")],
            )],
            select: Some(Selection::Multiple),
            headers: vec![
                ("Name".to_owned(), Some("name".to_owned())),
                ("Owner".to_owned(), None),
            ],
            messages: &Messages::ENGLISH,
        }
    }

    #[test]
    fn a_frame_is_written_from_its_snapshots_with_every_text_escaped() {
        let shape = shape();
        let query = ListQuery::new()
            .per_page(2)
            .filter("status", "offline")
            .sort("name", Order::Desc)
            .page(2);
        let view = ListView {
            ids: vec!["d1".into(), "d2".into()],
            total: 5,
            state: LoadState::Refreshing,
            fetched_at: Some(1.0),
            stale: false,
        };
        let list = ListNow::of(&view, query.per_page);
        let now = QueryNow::of(&query, &shape, view.total);
        assert_eq!(now.sorts, ["descending", "none"]);
        assert_eq!((now.page, now.pages), (2, 3));
        let select = SelectNow::of(&view.ids, &["d1".into(), "d2".into()]);
        assert!(select.all);
        let html = frame(&shape, &list, &now, select, "<tr><td>row</td></tr>");
        // No text reaches the page unescaped.
        assert!(!html.contains("<Devices"));
        assert!(!html.contains("Off<line>"));
        assert!(html.contains(r#"aria-label="&lt;Devices &amp; &quot;co&quot;&gt;""#));
        for part in [
            r#"<label class="df-field df-field--inline" hidden>"#,
            r#"value="pump""#,
            r#"<option value="offline" selected>Off&lt;line&gt;</option>"#,
            r#"aria-label="2 selected""#,
            r#">5 total</span>"#,
            r#"class="df-progress df-progress--active""#,
            r#"aria-busy="true""#,
            r#"data-df="all" aria-label="Select all on this page" checked>"#,
            r#"aria-sort="descending"><button"#,
            r#"aria-sort="none">Owner</th>"#,
            "<tbody></tbody><tbody><tr><td>row</td></tr></tbody>",
            ">Page 2 of 3</span>",
        ] {
            assert!(html.contains(part), "{part} in {html}");
        }
        // Neither pagination button is disabled on a middle page, and the nav is shown.
        assert!(!html.contains("disabled"));
        let nav = &html[html.find("<nav").expect("a pagination")..];
        assert!(
            !nav[..nav.find('>').expect("its tag ends")].contains("hidden"),
            "{nav}"
        );
    }

    #[test]
    fn states_and_errors_are_written_as_the_components_show_them() {
        let shape = shape();
        let loading = ListView {
            state: LoadState::Loading,
            ..ListView::default()
        };
        let list = ListNow::of(&loading, 25);
        assert_eq!(list.body, StateBody::Skeleton(10));
        let skeleton = state_body(&shape, list.body);
        assert_eq!(
            skeleton
                .matches("<tr class=\"df-skeleton-row\" aria-hidden=\"true\">")
                .count(),
            10
        );
        assert_eq!(
            skeleton.matches("<td>").count(),
            30,
            "three columns, the selection's included"
        );

        let empty = ListView {
            state: LoadState::Ready,
            fetched_at: Some(1.0),
            ..ListView::default()
        };
        let body = state_body(&shape, ListNow::of(&empty, 25).body);
        assert!(body.contains(r#"colspan="3""#));
        assert!(
            body.contains("No &lt;Devices &amp; &quot;co&quot;&gt; match."),
            "{body}"
        );

        let err = ApiError::Invalid {
            message: "bad".into(),
            fields: [("name".to_owned(), "must <not> be empty".to_owned())].into(),
        };
        let failed = ListView {
            state: LoadState::Error(err.clone()),
            ..ListView::default()
        };
        let list = ListNow::of(&failed, 25);
        assert_eq!(
            list.body,
            StateBody::Nothing,
            "no skeleton and no empty row under an error"
        );
        let alert = error(&Messages::ENGLISH, &err);
        assert!(alert.starts_with(r#"<div class="df-error" role="alert""#));
        assert!(
            alert.contains("<li>name: must &lt;not&gt; be empty</li>"),
            "{alert}"
        );
        assert!(alert.ends_with(r#"data-df="retry">Try again</button></div>"#));
    }
}
