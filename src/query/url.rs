//! A list's user-controlled state (search, filters, sort, page, page size) in the page's URL,
//! so that a reload or a shared link shows the same list and the back button steps through
//! the user's changes. Router-agnostic: the pairs go wherever the app keeps its query string
//! (`leptos_router`'s query map, say).

use super::{DraftsMode, ListQuery, Order};

impl ListQuery {
    /// The state the user changed from `default` (the view's initial query) as `(key,
    /// value)` pairs for the URL's query string, each key prefixed with `prefix` (so several
    /// lists share one URL: `devices.`, `apps.`). What equals `default` is left out: a list
    /// nobody touched adds nothing to the URL. The team and base filters are the view's own
    /// and never written.
    ///
    /// ```
    /// use data_farm::query::{ListQuery, Order};
    /// let default = ListQuery::new().team("team_1");
    /// let now = default.clone().search("pump").filter("status", "online").sort("updated_at", Order::Desc).page(3);
    /// let pairs = now.url_params(&default, "devices.");
    /// assert_eq!(pairs, [
    ///     ("devices.q".to_owned(), "pump".to_owned()),
    ///     ("devices.status".to_owned(), "online".to_owned()),
    ///     ("devices.sort".to_owned(), "updated_at".to_owned()),
    ///     ("devices.order".to_owned(), "desc".to_owned()),
    ///     ("devices.page".to_owned(), "3".to_owned()),
    /// ]);
    /// let back = default.from_url_params("devices.", pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    /// assert_eq!(back, now);
    /// ```
    pub fn url_params(&self, default: &ListQuery, prefix: &str) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let mut put = |key: &str, value: String| pairs.push((format!("{prefix}{key}"), value));
        if self.search != default.search {
            put("q", self.search.clone().unwrap_or_default());
        }
        if self.filters != default.filters {
            if self.filters.is_empty() {
                // "No filter" differs from the default's filters: say so.
                put("filters", "none".into());
            }
            for (field, value) in self.filters.iter() {
                put(field, value.clone());
            }
        }
        if self.sort != default.sort || self.order != default.order {
            put("sort", self.sort_field().to_owned());
            put("order", order_name(self.order).into());
        }
        if self.page != default.page {
            put("page", self.page.to_string());
        }
        if self.per_page != default.per_page {
            put("per_page", self.per_page.to_string());
        }
        if self.drafts != default.drafts {
            put("drafts", self.drafts.url_name().into());
        }
        pairs
    }

    /// `self` (the view's initial query) with the state that `pairs` (the URL's query string)
    /// holds under `prefix`, as [`ListQuery::url_params`] wrote it. Keys of other prefixes are
    /// ignored; a value that does not parse (a hand-edited link) leaves the default in place,
    /// so no URL can break the page. Filters named in the URL replace the default's.
    pub fn from_url_params<'a>(
        &self,
        prefix: &str,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> ListQuery {
        let mut query = self.clone();
        let mut filters = None::<data_farm_protocol::StrMap<String>>;
        for (key, value) in pairs {
            let Some(key) = key.strip_prefix(prefix) else {
                continue;
            };
            match key {
                "q" => {
                    let text = value.trim();
                    query.search = (!text.is_empty()).then(|| text.to_owned());
                }
                "sort" if !value.is_empty() => query.sort = Some(value.to_owned()),
                "order" => match value {
                    "asc" => query.order = Order::Asc,
                    "desc" => query.order = Order::Desc,
                    _ => {}
                },
                "page" => {
                    if let Ok(page) = value.parse::<u32>() {
                        query.page = page.max(1);
                    }
                }
                "per_page" => {
                    if let Ok(size) = value.parse::<u32>() {
                        query.per_page = size.clamp(1, 100);
                    }
                }
                "drafts" => {
                    if let Some(mode) = DraftsMode::from_url_name(value) {
                        query.drafts = mode;
                    }
                }
                "filters" if value == "none" => {
                    filters.get_or_insert_with(Default::default);
                }
                "" | "team" | "filters" => {}
                field if !value.is_empty() => {
                    filters
                        .get_or_insert_with(Default::default)
                        .insert(field.to_owned(), value.to_owned());
                }
                _ => {}
            }
        }
        if let Some(filters) = filters {
            query.filters = filters;
        }
        query
    }
}

fn order_name(order: Order) -> &'static str {
    match order {
        Order::Asc => "asc",
        Order::Desc => "desc",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(String, String)]) -> Vec<(&str, &str)> {
        list.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[test]
    fn an_untouched_list_adds_nothing_and_reads_back_as_itself() {
        let default = ListQuery::new().team("t").sort("created_at", Order::Desc);
        assert!(default.url_params(&default, "ops.").is_empty());
        assert_eq!(default.from_url_params("ops.", []), default);
    }

    #[test]
    fn every_user_change_round_trips_and_other_prefixes_are_ignored() {
        let default = ListQuery::new().team("t").filter("status", "online");
        let changed = default
            .clone()
            .search("a b&c")
            .sort("name", Order::Desc)
            .per_page(50)
            .drafts(DraftsMode::Only)
            .page(2);
        let mut changed = changed;
        changed.filters.clear();
        let written = changed.url_params(&default, "d.");
        let mut all = written.clone();
        all.push(("a.page".into(), "9".into()));
        assert_eq!(default.from_url_params("d.", pairs(&all)), changed);
        assert_eq!(default.from_url_params("a.", pairs(&written)), default);
    }

    #[test]
    fn hand_edited_values_that_do_not_parse_keep_the_default() {
        let default = ListQuery::new().per_page(10);
        let read = default.from_url_params(
            "",
            [
                ("page", "-3"),
                ("per_page", "lots"),
                ("order", "up"),
                ("team", "other"),
            ],
        );
        assert_eq!(read, default);
        let read = default.from_url_params("", [("per_page", "1000"), ("page", "0")]);
        assert_eq!((read.per_page, read.page), (100, 1));
    }
}
