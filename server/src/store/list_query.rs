//! List parameters (`team`, `q`, `ids`, `sort`, `order`, `page`, `per_page`, filters), validated once.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::ApiError;

/// Default page size.
pub const DEFAULT_PER_PAGE: u64 = 25;
/// Largest page size.
pub const MAX_PER_PAGE: u64 = 100;
/// Most ids one `ids` parameter may name (the largest page).
pub const MAX_IDS: usize = MAX_PER_PAGE as usize;

/// The raw query string of a list request. Everything is text here so that a bad number is
/// reported as a field error of ours, not a framework rejection.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    team: Option<String>,
    q: Option<String>,
    ids: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
    drafts: Option<String>,
    #[serde(flatten)]
    filters: BTreeMap<String, String>,
}

/// A filter a kind accepts: the query parameter, the column it compares, the values it allows.
pub struct Filter {
    /// Query parameter name.
    pub param: &'static str,
    /// Column compared for equality.
    pub column: &'static str,
    /// Accepted values; `None` accepts any.
    pub allowed: Option<&'static [&'static str]>,
}

/// What a kind's list accepts.
pub struct ListSpec {
    /// Sortable fields (each a column; `name` sorts case-insensitively).
    pub sortable: &'static [&'static str],
    /// Default sort field and whether it is descending.
    pub default_sort: (&'static str, bool),
    /// Filters besides `team` and `q`.
    pub filters: &'static [Filter],
    /// Whether the kind has drafts (`drafts=include|only` is accepted).
    pub drafts: bool,
}

/// What a list says about drafts (`drafts=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DraftsMode {
    /// Nothing (no `drafts` parameter).
    #[default]
    Off,
    /// The entities as usual, plus the open drafts of those on the page and the open drafts
    /// that would create one (`drafts=include`).
    Include,
    /// Only entities with an open draft, plus those drafts and the drafted creates
    /// (`drafts=only`).
    Only,
}

/// A validated list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// Only this team.
    pub team: Option<String>,
    /// Case-insensitive (ASCII) substring of `name`.
    pub q: Option<String>,
    /// Only these ids (`ids=a,b,c`): how a client fetches the records it lacks in one request.
    pub ids: Option<Vec<String>>,
    /// The sort column.
    pub sort: &'static str,
    /// Descending?
    pub desc: bool,
    /// 1-based page.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
    /// Equality filters: (column, value).
    pub filters: Vec<(&'static str, String)>,
    /// Drafts asked for.
    pub drafts: DraftsMode,
}

fn positive(
    field: &str,
    value: Option<&str>,
    default: u64,
    max: u64,
) -> Result<u64, (String, String)> {
    let Some(text) = value else {
        return Ok(default);
    };
    match text.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err((
            field.to_owned(),
            format!("must be a whole number from 1 to {max}"),
        )),
    }
}

/// The raw `page` and `per_page` of a paged read that is not a list of entities (history,
/// audit trails).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    page: Option<String>,
    per_page: Option<String>,
    /// Only entries of this kind (team audit trails).
    pub kind: Option<String>,
}

impl PageParams {
    /// `(page, per_page)`, checked like a list's; 400 `invalid` naming each bad one.
    pub fn parse(&self) -> Result<(u64, u64), ApiError> {
        let page = positive("page", self.page.as_deref(), 1, u32::MAX as u64);
        let per_page = positive(
            "per_page",
            self.per_page.as_deref(),
            DEFAULT_PER_PAGE,
            MAX_PER_PAGE,
        );
        match (page, per_page) {
            (Ok(page), Ok(per_page)) => Ok((page, per_page)),
            (page, per_page) => {
                let problems: BTreeMap<String, String> =
                    [page.err(), per_page.err()].into_iter().flatten().collect();
                let mut err = ApiError::invalid_fields(problems);
                err.status = axum::http::StatusCode::BAD_REQUEST;
                Err(err)
            }
        }
    }
}

impl ListQuery {
    /// Validates `params` against what the kind accepts; every problem is reported at once.
    pub fn parse(params: &ListParams, spec: &ListSpec) -> Result<Self, ApiError> {
        let mut problems = BTreeMap::new();
        let mut note = |result: Result<u64, (String, String)>, fallback| match result {
            Ok(n) => n,
            Err((field, why)) => {
                problems.insert(field, why);
                fallback
            }
        };
        let page = note(
            positive("page", params.page.as_deref(), 1, u32::MAX as u64),
            1,
        );
        let per_page = note(
            positive(
                "per_page",
                params.per_page.as_deref(),
                DEFAULT_PER_PAGE,
                MAX_PER_PAGE,
            ),
            1,
        );

        let (default_sort, default_desc) = spec.default_sort;
        let sort = match params.sort.as_deref() {
            None => default_sort,
            Some(field) => spec
                .sortable
                .iter()
                .copied()
                .find(|s| *s == field)
                .unwrap_or_else(|| {
                    problems.insert(
                        "sort".into(),
                        format!("must be one of: {}", spec.sortable.join(", ")),
                    );
                    default_sort
                }),
        };
        let desc = match params.order.as_deref() {
            None if params.sort.is_none() => default_desc,
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => {
                problems.insert("order".into(), "must be asc or desc".into());
                false
            }
        };
        let q = params
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_owned);
        if q.as_ref().is_some_and(|q| q.chars().count() > 100) {
            problems.insert("q".into(), "must be at most 100 characters".into());
        }

        let ids = params.ids.as_deref().map(|text| {
            text.split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        });
        if let Some(ids) = &ids {
            if ids.is_empty() || ids.len() > MAX_IDS {
                problems.insert(
                    "ids".into(),
                    format!("must name 1 to {MAX_IDS} ids, separated by commas"),
                );
            }
        }

        let drafts = match params.drafts.as_deref() {
            None => DraftsMode::Off,
            Some(_) if !spec.drafts => {
                problems.insert("drafts".into(), "this list has no drafts".into());
                DraftsMode::Off
            }
            Some("include") => DraftsMode::Include,
            Some("only") => DraftsMode::Only,
            Some(_) => {
                problems.insert("drafts".into(), "must be include or only".into());
                DraftsMode::Off
            }
        };

        let mut filters = Vec::new();
        for (param, value) in &params.filters {
            match spec.filters.iter().find(|f| f.param == param) {
                None => {
                    problems.insert(param.clone(), "is not a filter of this list".into());
                }
                Some(filter) => match filter.allowed {
                    Some(allowed) if !allowed.contains(&value.as_str()) => {
                        problems.insert(
                            param.clone(),
                            format!("must be one of: {}", allowed.join(", ")),
                        );
                    }
                    _ => filters.push((filter.column, value.clone())),
                },
            }
        }
        if !problems.is_empty() {
            let mut err = ApiError::invalid_fields(problems);
            err.status = axum::http::StatusCode::BAD_REQUEST;
            return Err(err);
        }
        Ok(ListQuery {
            team: params.team.clone(),
            q,
            ids,
            sort,
            desc,
            page,
            per_page,
            filters,
            drafts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: ListSpec = ListSpec {
        sortable: &["name", "updated_at", "status"],
        default_sort: ("name", false),
        filters: &[Filter {
            param: "status",
            column: "status",
            allowed: Some(&["online", "offline"]),
        }],
        drafts: false,
    };

    fn params(pairs: &[(&str, &str)]) -> ListParams {
        let query = pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        serde_urlencoded_like(&query)
    }

    // The query-string decoding is axum's; here the struct is built the same way serde would.
    fn serde_urlencoded_like(query: &str) -> ListParams {
        let map: BTreeMap<String, String> = query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .filter_map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
            })
            .collect();
        serde_json::from_value(serde_json::to_value(map).unwrap()).unwrap()
    }

    #[test]
    fn defaults_are_name_ascending_first_page_of_25() {
        let q = ListQuery::parse(&params(&[]), &SPEC).unwrap();
        assert_eq!((q.sort, q.desc, q.page, q.per_page), ("name", false, 1, 25));
    }

    #[test]
    fn reports_every_bad_parameter_at_once() {
        let err = ListQuery::parse(
            &params(&[
                ("per_page", "101"),
                ("sort", "secret"),
                ("order", "up"),
                ("status", "lost"),
                ("x", "1"),
            ]),
            &SPEC,
        )
        .unwrap_err();
        let fields: Vec<_> = err.body.fields.keys().collect();
        assert_eq!(fields, ["order", "per_page", "sort", "status", "x"]);
        assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
    }

    #[test]
    fn accepts_filters_and_descending_order() {
        let q = ListQuery::parse(
            &params(&[
                ("status", "online"),
                ("sort", "updated_at"),
                ("order", "desc"),
            ]),
            &SPEC,
        )
        .unwrap();
        assert_eq!(q.filters, vec![("status", "online".to_owned())]);
        assert!(q.desc);
    }

    #[test]
    fn ids_are_split_on_commas_and_bounded() {
        let q = ListQuery::parse(&params(&[("ids", "a, b,,c")]), &SPEC).unwrap();
        assert_eq!(q.ids, Some(vec!["a".into(), "b".into(), "c".into()]));
        let many = (0..=MAX_IDS)
            .map(|i| format!("d{i}"))
            .collect::<Vec<_>>()
            .join(",");
        let err = ListQuery::parse(&params(&[("ids", &many)]), &SPEC).unwrap_err();
        assert!(err.body.fields.contains_key("ids"));
        let err = ListQuery::parse(&params(&[("ids", ",")]), &SPEC).unwrap_err();
        assert!(err.body.fields.contains_key("ids"));
    }
}
