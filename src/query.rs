//! List queries: what a list shows (team, search, filters, sort, page), evaluated on the client
//! with the same semantics as the server so that local changes land where a refetch would put them.

use std::cmp::Ordering;
use std::fmt::Write;

use data_farm_protocol::wire_name::WireName;
use data_farm_protocol::StrMap;

use crate::entity::{text_of, Fields};

mod url;

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub enum Order {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// What a list says about drafts (changes waiting for approval); see
/// [`ListQuery::drafts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub enum DraftsMode {
    /// Nothing: the effective entities only.
    #[default]
    Off,
    /// The effective entities as usual, and beside them the open drafts of those on the page
    /// and the open drafted creates (`drafts=include`): what a table needs for its badges.
    Include,
    /// Only the entities with an open draft, and their drafts (`drafts=only`): a "Drafts" view
    /// or toggle. Which entities have a draft only the server knows, so a change that could
    /// move an entity this page does not list asks it (coalesced), and every draft change of
    /// the kind refetches such lists.
    Only,
}

// `Order` and `DraftsMode` are read by the names the derived serializer writes, one string
// read and a lookup (serde's derive compiles a visitor and an enum access per enum).

impl WireName for Order {
    const ALL: &'static [Self] = &[Order::Asc, Order::Desc];
    const NAMES: &'static [&'static str] = &["Asc", "Desc"];
    fn wire_name(self) -> &'static str {
        match self {
            Order::Asc => "Asc",
            Order::Desc => "Desc",
        }
    }
}

impl WireName for DraftsMode {
    const ALL: &'static [Self] = &[DraftsMode::Off, DraftsMode::Include, DraftsMode::Only];
    const NAMES: &'static [&'static str] = &["Off", "Include", "Only"];
    fn wire_name(self) -> &'static str {
        match self {
            DraftsMode::Off => "Off",
            DraftsMode::Include => "Include",
            DraftsMode::Only => "Only",
        }
    }
}

data_farm_protocol::deserialize_by_wire_name!(Order, DraftsMode);

impl DraftsMode {
    /// The wire value of `drafts=`, `None` for [`DraftsMode::Off`].
    pub fn as_param(self) -> Option<&'static str> {
        match self {
            DraftsMode::Off => None,
            DraftsMode::Include => Some("include"),
            DraftsMode::Only => Some("only"),
        }
    }

    /// The name a URL gives it: the wire value, or `off`.
    pub(crate) fn url_name(self) -> &'static str {
        self.as_param().unwrap_or("off")
    }

    /// The mode a URL names ([`DraftsMode::url_name`]), if any.
    pub(crate) fn from_url_name(name: &str) -> Option<Self> {
        [DraftsMode::Off, DraftsMode::Include, DraftsMode::Only]
            .into_iter()
            .find(|mode| mode.url_name() == name)
    }
}

/// A list request, and the key of its cached result.
///
/// ```
/// use data_farm::query::{ListQuery, Order};
/// let query = ListQuery::new()
///     .team("team_1")
///     .search("pump")
///     .filter("status", "online")
///     .sort("updated_at", Order::Desc)
///     .page(2)
///     .per_page(50);
/// assert_eq!(
///     query.to_query_string(),
///     "team=team_1&q=pump&status=online&sort=updated_at&order=desc&page=2&per_page=50"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ListQuery {
    /// Only this team's entities.
    pub team: Option<String>,
    /// Case-insensitive (ASCII) substring of the name.
    pub search: Option<String>,
    /// Equality filters the user chose (`status=online`).
    pub filters: StrMap<String>,
    /// Equality filters always applied by the view, invisible to the user (e.g. one owner's devices).
    pub base: StrMap<String>,
    /// Sort field; `None` is the server default (`name`).
    pub sort: Option<String>,
    /// Sort direction.
    pub order: Order,
    /// 1-based page.
    pub page: u32,
    /// Page size (the server accepts 1 to 100).
    pub per_page: u32,
    /// Drafts asked for beside (or instead of) the effective entities.
    #[serde(default)]
    pub drafts: DraftsMode,
}

impl ListQuery {
    /// Whether `other` asks for the same list (team, search, filters, order), whatever page
    /// and page size.
    pub(crate) fn same_list(&self, other: &ListQuery) -> bool {
        self.team == other.team
            && self.search == other.search
            && self.filters == other.filters
            && self.base == other.base
            && self.sort == other.sort
            && self.order == other.order
            && self.drafts == other.drafts
    }
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            team: None,
            search: None,
            filters: StrMap::new(),
            base: StrMap::new(),
            sort: None,
            order: Order::Asc,
            page: 1,
            per_page: 25,
            drafts: DraftsMode::Off,
        }
    }
}

fn encode(out: &mut String, key: &str, value: &str) {
    if !out.is_empty() {
        out.push('&');
    }
    for (i, part) in [key, value].into_iter().enumerate() {
        if i == 1 {
            out.push('=');
        }
        for byte in part.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(byte as char)
                }
                _ => {
                    let _ = write!(out, "%{byte:02X}");
                }
            }
        }
    }
}

impl ListQuery {
    /// The first page of 25, sorted by name.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only entities of this team.
    pub fn team(mut self, team: impl Into<String>) -> Self {
        self.team = Some(team.into());
        self
    }

    /// Only entities whose name contains `text` (case-insensitive, ASCII); blank clears it.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        let text = text.into().trim().to_owned();
        self.search = (!text.is_empty()).then_some(text);
        self.page = 1;
        self
    }

    /// Adds a user filter.
    pub fn filter(mut self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.filters.insert(field.into(), value.into());
        self.page = 1;
        self
    }

    /// Adds a base filter (always applied).
    pub fn base(mut self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.base.insert(field.into(), value.into());
        self
    }

    /// Sorts by `field`.
    pub fn sort(mut self, field: impl Into<String>, order: Order) -> Self {
        self.sort = Some(field.into());
        self.order = order;
        self
    }

    /// Sorts by `field`, ascending, or descending when it already sorts by it ascending (a
    /// sortable header clicked again), from page 1.
    ///
    /// ```
    /// use data_farm::query::{ListQuery, Order};
    /// let by_date = ListQuery::new().page(3).toggle_sort("updated_at");
    /// assert_eq!((by_date.sort.as_deref(), by_date.order, by_date.page), (Some("updated_at"), Order::Asc, 1));
    /// assert_eq!(by_date.toggle_sort("updated_at").order, Order::Desc);
    /// ```
    pub fn toggle_sort(self, field: &str) -> Self {
        let order = if self.sort_field() == field && self.order == Order::Asc {
            Order::Desc
        } else {
            Order::Asc
        };
        self.sort(field, order).page(1)
    }

    /// Removes the user filter on `field`, back to page 1 when there was one.
    pub fn unfilter(mut self, field: &str) -> Self {
        if self.filters.remove(field).is_some() {
            self.page = 1;
        }
        self
    }

    /// How many pages a list of `total` entities has at this page size (at least one).
    pub fn page_count(&self, total: u64) -> u64 {
        total.div_ceil(u64::from(self.per_page.max(1))).max(1)
    }

    /// Selects a page (from 1).
    pub fn page(mut self, page: u32) -> Self {
        self.page = page.max(1);
        self
    }

    /// Asks for drafts (the kind must have them: the reference server's applications,
    /// instances and devices). The drafts a page answers go to the farm's `Draft` store, where
    /// [`DataFarm::draft_of`](crate::farm::DataFarm::draft_of) finds them.
    ///
    /// ```
    /// use data_farm::query::{DraftsMode, ListQuery};
    /// let drafted = ListQuery::new().team("team_1").drafts(DraftsMode::Only);
    /// assert_eq!(drafted.to_query_string(), "team=team_1&drafts=only");
    /// assert_eq!(drafted.page, 1);
    /// ```
    pub fn drafts(mut self, mode: DraftsMode) -> Self {
        self.drafts = mode;
        self.page = 1;
        self
    }

    /// Sets the page size (1 to 100).
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page.clamp(1, 100);
        self
    }

    /// Every match on one page, however many: for lists the app fills itself with
    /// [`EntityStore::put_list`](crate::store::EntityStore::put_list) (from local storage, a
    /// server render, a benchmark). Servers that page (the reference server serves at most
    /// 100 per request) refuse to fetch such a list, so its revalidation reports an error and
    /// keeps the cached rows.
    ///
    /// ```
    /// use data_farm::query::ListQuery;
    /// assert_eq!(ListQuery::new().unpaged().per_page, u32::MAX);
    /// ```
    pub fn unpaged(mut self) -> Self {
        self.per_page = u32::MAX;
        self.page = 1;
        self
    }

    /// Whether the list is shown in pages (everything but [`unpaged`](Self::unpaged) lists).
    ///
    /// ```
    /// use data_farm::query::ListQuery;
    /// assert!(ListQuery::new().is_paged());
    /// assert!(!ListQuery::new().unpaged().is_paged());
    /// ```
    pub fn is_paged(&self) -> bool {
        self.per_page != u32::MAX
    }

    /// Whether a change to `field` can move an entity into, out of or within this list: the
    /// fields it filters (or base-filters), searches (the name) and sorts by, and the team.
    ///
    /// ```
    /// use data_farm::query::ListQuery;
    /// let by_name = ListQuery::new().team("team_1");
    /// assert!(by_name.reads_field("name") && !by_name.reads_field("status"));
    /// assert!(by_name.filter("status", "online").reads_field("status"));
    /// ```
    pub fn reads_field(&self, field: &str) -> bool {
        self.sort_field() == field
            || self.filters.contains_key(field)
            || self.base.contains_key(field)
            || (self.search.is_some() && field == "name")
            || (self.team.is_some() && field == "team_id")
    }

    /// The sort field in effect.
    pub fn sort_field(&self) -> &str {
        self.sort.as_deref().unwrap_or("name")
    }

    /// The query string the protocol's list endpoint takes.
    pub fn to_query_string(&self) -> String {
        let mut out = String::new();
        if let Some(team) = &self.team {
            encode(&mut out, "team", team);
        }
        if let Some(q) = &self.search {
            encode(&mut out, "q", q);
        }
        // The base filters and the user's, both in key order, merged (the user's win a key
        // both name).
        let mut base = self.base.iter().peekable();
        let mut chosen = self.filters.iter().peekable();
        loop {
            let next = match (base.peek(), chosen.peek()) {
                (Some((b, _)), Some((c, _))) if b < c => base.next(),
                (Some((b, _)), Some((c, _))) if b == c => {
                    base.next();
                    chosen.next()
                }
                (_, Some(_)) => chosen.next(),
                (Some(_), None) => base.next(),
                (None, None) => break,
            };
            if let Some((key, value)) = next {
                encode(&mut out, key, value);
            }
        }
        if let Some(sort) = &self.sort {
            encode(&mut out, "sort", sort);
            encode(
                &mut out,
                "order",
                if self.order == Order::Desc {
                    "desc"
                } else {
                    "asc"
                },
            );
        }
        if self.page != 1 {
            encode(&mut out, "page", &self.page.to_string());
        }
        if self.per_page != 25 {
            encode(&mut out, "per_page", &self.per_page.to_string());
        }
        if let Some(drafts) = self.drafts.as_param() {
            encode(&mut out, "drafts", drafts);
        }
        out
    }

    /// Whether `entity` belongs in this list (on some page).
    pub fn matches(&self, entity: &dyn Fields) -> bool {
        if let Some(team) = &self.team {
            if text_of(entity, "team_id") != Some(team.as_str()) {
                return false;
            }
        }
        if let Some(q) = &self.search {
            // The server folds ASCII only (SQLite's lower()); so do we.
            let name = text_of(entity, "name").unwrap_or("").to_ascii_lowercase();
            if !name.contains(&q.to_ascii_lowercase()) {
                return false;
            }
        }
        self.base
            .iter()
            .chain(self.filters.iter())
            .all(|(field, value)| entity.field_of(field).is_some_and(|v| v.equals_text(value)))
    }

    /// Where `a` sorts relative to `b` in this list: the sort field (names ASCII-lowercased),
    /// then the id, both in the query's direction.
    pub fn compare(&self, a: &dyn Fields, b: &dyn Fields) -> Ordering {
        let field = self.sort_field();
        let by_field = if field == "name" {
            // Case-insensitive (ASCII) without allocating: this runs inside binary searches.
            let (x, y) = (
                text_of(a, "name").unwrap_or(""),
                text_of(b, "name").unwrap_or(""),
            );
            x.bytes()
                .map(|b| b.to_ascii_lowercase())
                .cmp(y.bytes().map(|b| b.to_ascii_lowercase()))
        } else {
            match (a.field_of(field), b.field_of(field)) {
                (Some(x), Some(y)) => x.compare(&y),
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        };
        let ordering = by_field.then_with(|| {
            let (x, y) = (
                text_of(a, "id").unwrap_or(""),
                text_of(b, "id").unwrap_or(""),
            );
            x.as_bytes().cmp(y.as_bytes())
        });
        match self.order {
            Order::Asc => ordering,
            Order::Desc => ordering.reverse(),
        }
    }

    /// The same query for a different page.
    pub fn with_page(&self, page: u32) -> Self {
        self.clone().page(page)
    }
}

#[cfg(test)]
mod tests {
    use data_farm_protocol::{Device, DeviceStatus, Owner, OwnerType};

    use super::*;

    /// Every variant reads back from what the derived serializer writes; an unknown name is
    /// an error that lists the known ones.
    fn reads_back<T>()
    where
        T: WireName + serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        for variant in T::ALL {
            let text = serde_json::to_string(variant).expect("writes");
            assert_eq!(&serde_json::from_str::<T>(&text).expect("reads"), variant);
            assert_eq!(text, format!("\"{}\"", variant.wire_name()));
        }
        let err = serde_json::from_str::<T>(r#""sideways""#).expect_err("an error");
        for name in T::NAMES {
            assert!(err.to_string().contains(&format!("`{name}`")), "{err}");
        }
    }

    #[test]
    fn the_unit_enums_read_by_name_as_they_are_written() {
        reads_back::<Order>();
        reads_back::<DraftsMode>();
        reads_back::<crate::store::port::OutboxOp>();
    }

    fn device(id: &str, name: &str, status: DeviceStatus, team: &str) -> Device {
        Device {
            id: id.into(),
            version: 1,
            updated_at: format!("2026-01-01T00:00:0{}.000000Z", id.len() % 10),
            name: name.into(),
            team_id: team.into(),
            owner: Owner {
                owner_type: OwnerType::Team,
                id: team.into(),
            },
            status,
        }
    }

    #[test]
    fn matches_team_search_and_filters_like_the_server() {
        let d = device("dev_1", "Pump-North", DeviceStatus::Online, "team_1");
        assert!(ListQuery::new().team("team_1").search("pump").matches(&d));
        assert!(ListQuery::new().search("NORTH").matches(&d));
        assert!(!ListQuery::new().team("team_2").matches(&d));
        assert!(!ListQuery::new().filter("status", "offline").matches(&d));
        assert!(ListQuery::new()
            .base("owner_type", "team")
            .filter("status", "online")
            .matches(&d));
        assert!(!ListQuery::new().filter("no_such_field", "x").matches(&d));
    }

    #[test]
    fn orders_names_case_insensitively_with_ties_by_id() {
        let q = ListQuery::new();
        let mut items = [
            device("d2", "beta", DeviceStatus::Online, "t"),
            device("d3", "Alpha", DeviceStatus::Online, "t"),
            device("d1", "alpha", DeviceStatus::Online, "t"),
        ];
        items.sort_by(|a, b| q.compare(a, b));
        let ids: Vec<_> = items.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["d1", "d3", "d2"]);
        let desc = ListQuery::new().sort("name", Order::Desc);
        items.sort_by(|a, b| desc.compare(a, b));
        let ids: Vec<_> = items.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["d2", "d3", "d1"]);
    }

    #[test]
    fn query_strings_encode_reserved_characters() {
        let q = ListQuery::new().search("a&b c");
        assert_eq!(q.to_query_string(), "q=a%26b%20c");
        assert_eq!(ListQuery::new().to_query_string(), "");
    }

    #[test]
    fn base_and_chosen_filters_go_in_key_order_and_the_chosen_win() {
        let q = ListQuery::new()
            .base("owner_type", "team")
            .base("status", "offline")
            .base("zone", "z1")
            .filter("status", "online")
            .filter("kind", "pump")
            .filter("tier", "gold");
        assert_eq!(
            q.to_query_string(),
            "kind=pump&owner_type=team&status=online&tier=gold&zone=z1"
        );
        let only_base = ListQuery::new().base("b", "2").base("a", "1");
        assert_eq!(only_base.to_query_string(), "a=1&b=2");
    }

    #[test]
    fn changing_search_or_filters_returns_to_page_one() {
        let q = ListQuery::new().page(3).search("x");
        assert_eq!(q.page, 1);
        assert_eq!(ListQuery::new().page(3).filter("status", "online").page, 1);
    }
}
