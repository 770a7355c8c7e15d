//! Every text the components show or announce, in one place: an app translates the library by
//! providing its own [`Messages`] once near the root ([`provide_messages`]).
//!
//! Texts with parts filled in (a count, a label, a name) are plain functions, so a translation
//! puts the parts where its grammar wants them. Numbers arrive already formatted for
//! [`Messages::locale`].

use leptos::prelude::*;

use crate::api::ApiError;

#[cfg(feature = "persist")]
mod sync;
#[cfg(feature = "persist")]
pub use sync::{ConflictMessages, SyncMessages};

/// The components' texts. Start from [`Messages::ENGLISH`] and replace what you translate:
///
/// ```
/// use data_farm::components::{Messages, TableMessages};
///
/// static GERMAN: Messages = Messages {
///     locale: Some("de-DE"),
///     table: TableMessages {
///         previous: "Vorherige Seite",
///         next: "Nächste Seite",
///         page_of: |page, pages| format!("Seite {page} von {pages}"),
///         ..Messages::ENGLISH.table
///     },
///     ..Messages::ENGLISH
/// };
/// assert_eq!((GERMAN.table.page_of)("2", "40"), "Seite 2 von 40");
/// assert_eq!(GERMAN.errors.forbidden, Messages::ENGLISH.errors.forbidden);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Messages {
    /// The BCP 47 language tag numbers and relative times are formatted for (`Intl`), or `None`
    /// for the browser's language.
    pub locale: Option<&'static str>,
    /// [`EntityTable`](super::EntityTable)'s texts.
    pub table: TableMessages,
    /// [`ErrorDisplay`](super::ErrorDisplay)'s texts, one per kind of error.
    pub errors: ErrorMessages,
    /// [`ConnectionIndicator`](super::ConnectionIndicator)'s texts.
    #[cfg(feature = "realtime")]
    pub connection: ConnectionMessages,
    /// [`DurationChart`](super::DurationChart)'s text alternative.
    pub chart: ChartMessages,
    /// The sync dashboard's and the pending badge's texts.
    #[cfg(feature = "persist")]
    pub sync: SyncMessages,
    /// The conflict dialog's texts.
    #[cfg(feature = "persist")]
    pub conflict: ConflictMessages,
}

/// [`EntityTable`](super::EntityTable)'s texts. `label` is the table's own label ("Devices").
#[derive(Clone, Copy, Debug)]
pub struct TableMessages {
    /// The search box's label: "Search devices".
    pub search: fn(label: &str) -> String,
    /// A filter's "no filter" choice: "All".
    pub filter_all: &'static str,
    /// How many rows are selected: "3 selected".
    pub selected: fn(count: &str) -> String,
    /// The (visually hidden) header of a single-selection column: "Selected".
    pub selected_column: &'static str,
    /// The "select every row of the page" checkbox: "Select all on this page".
    pub select_all: &'static str,
    /// A row's selection control: "Select portal-canary".
    pub select_row: fn(name: &str) -> String,
    /// How many rows match: "1,000 total".
    pub total: fn(count: &str) -> String,
    /// The row shown when nothing matches: "No devices match.".
    pub empty: fn(label: &str) -> String,
    /// The pagination's label: "Devices pages".
    pub pages: fn(label: &str) -> String,
    /// "Previous page".
    pub previous: &'static str,
    /// "Next page".
    pub next: &'static str,
    /// Where the pagination is: "Page 2 of 40".
    pub page_of: fn(page: &str, pages: &str) -> String,
}

/// [`ErrorDisplay`](super::ErrorDisplay)'s texts: one sentence per kind of [`ApiError`].
#[derive(Clone, Copy, Debug)]
pub struct ErrorMessages {
    /// 401: "Your session has ended. Sign in again."
    pub unauthorized: &'static str,
    /// 403.
    pub forbidden: &'static str,
    /// 404.
    pub not_found: &'static str,
    /// 409.
    pub conflict: &'static str,
    /// 202 with a draft: the change waits for approval.
    pub drafted: &'static str,
    /// 400/422 without field errors, with the server's message.
    pub refused: fn(message: &str) -> String,
    /// 400/422 with field errors (shown beside their fields).
    pub invalid: &'static str,
    /// 413.
    pub too_large: &'static str,
    /// 429.
    pub rate_limited: &'static str,
    /// 5xx.
    pub server: &'static str,
    /// The server could not be reached.
    pub network: &'static str,
    /// The request timed out.
    pub timeout: &'static str,
    /// The answer could not be read.
    pub decode: &'static str,
    /// A field error the form does not show beside its field: "name: must not be empty".
    pub field: fn(field: &str, why: &str) -> String,
    /// The retry button: "Try again".
    pub try_again: &'static str,
}

/// [`ConnectionIndicator`](super::ConnectionIndicator)'s texts, one per connection state.
#[cfg(feature = "realtime")]
#[derive(Clone, Copy, Debug)]
pub struct ConnectionMessages {
    /// "Live".
    pub live: &'static str,
    /// "Connecting…".
    pub connecting: &'static str,
    /// "Reconnecting (attempt 3)…".
    pub reconnecting: fn(attempt: &str) -> String,
    /// "Polling".
    pub polling: &'static str,
    /// "Offline".
    pub offline: &'static str,
    /// "Disconnected".
    pub stopped: &'static str,
    /// The indicator's accessible name around the state's text: "Connection: Live".
    pub label: fn(state: &str) -> String,
}

/// [`DurationChart`](super::DurationChart)'s text alternative.
#[derive(Clone, Copy, Debug)]
pub struct ChartMessages {
    /// "Durations of the last 12 sync operations, longest 340 ms".
    pub durations: fn(count: &str, longest_ms: &str) -> String,
    /// "No sync operations yet".
    pub empty: &'static str,
}

impl Messages {
    /// The library's own English texts.
    pub const ENGLISH: Messages = Messages {
        locale: None,
        table: TableMessages {
            search: |label| format!("Search {}", mid_sentence(label)),
            filter_all: "All",
            selected: |count| format!("{count} selected"),
            selected_column: "Selected",
            select_all: "Select all on this page",
            select_row: |name| format!("Select {name}"),
            total: |count| format!("{count} total"),
            empty: |label| format!("No {} match.", mid_sentence(label)),
            pages: |label| format!("{label} pages"),
            previous: "Previous page",
            next: "Next page",
            page_of: |page, pages| format!("Page {page} of {pages}"),
        },
        errors: ErrorMessages {
            unauthorized: "Your session has ended. Sign in again.",
            forbidden: "You are not allowed to do that.",
            not_found: "It does not exist, or you cannot see it.",
            conflict: "Someone else saved a newer version while you were editing.",
            drafted:
                "Sent for approval: the change takes effect when an owner of the team approves it.",
            refused: |message| format!("The request was refused: {message}"),
            invalid: "Please correct the fields below.",
            too_large: "That is too large to send.",
            rate_limited: "Too many requests. Wait a moment and try again.",
            server: "The server had a problem. Try again.",
            network: "Cannot reach the server. Check your connection and try again.",
            timeout: "The server is taking too long to answer. Try again.",
            decode: "The server answered in a way this page does not understand.",
            field: |field, why| format!("{field}: {why}"),
            try_again: "Try again",
        },
        #[cfg(feature = "realtime")]
        connection: ConnectionMessages {
            live: "Live",
            connecting: "Connecting…",
            reconnecting: |attempt| format!("Reconnecting (attempt {attempt})…"),
            polling: "Polling",
            offline: "Offline",
            stopped: "Disconnected",
            label: |state| format!("Connection: {state}"),
        },
        chart: ChartMessages {
            durations: |count, longest| {
                format!("Durations of the last {count} sync operations, longest {longest} ms")
            },
            empty: "No sync operations yet",
        },
        #[cfg(feature = "persist")]
        sync: SyncMessages::ENGLISH,
        #[cfg(feature = "persist")]
        conflict: ConflictMessages::ENGLISH,
    };

    /// A sentence a person understands for `error`.
    ///
    /// ```
    /// use data_farm::api::ApiError;
    /// use data_farm::components::Messages;
    /// let text = Messages::ENGLISH.describe(&ApiError::Timeout { after_ms: 15_000 });
    /// assert_eq!(text, "The server is taking too long to answer. Try again.");
    /// ```
    pub fn describe(&self, error: &ApiError) -> String {
        let e = &self.errors;
        match error {
            ApiError::Unauthorized { .. } => e.unauthorized.into(),
            ApiError::Forbidden { .. } => e.forbidden.into(),
            ApiError::NotFound { .. } => e.not_found.into(),
            ApiError::Conflict { .. } => e.conflict.into(),
            ApiError::Drafted { .. } => e.drafted.into(),
            ApiError::Invalid { fields, message } if fields.is_empty() => (e.refused)(message),
            ApiError::Invalid { .. } => e.invalid.into(),
            ApiError::TooLarge { .. } => e.too_large.into(),
            ApiError::RateLimited { .. } => e.rate_limited.into(),
            ApiError::Server { .. } => e.server.into(),
            ApiError::Network(_) => e.network.into(),
            ApiError::Timeout { .. } => e.timeout.into(),
            ApiError::Decode(_) => e.decode.into(),
        }
    }

    /// `n` formatted for [`locale`](Self::locale) (`Intl.NumberFormat` in the browser).
    pub fn number(&self, n: u64) -> String {
        super::relative_time::format_number_in(self.locale, n)
    }
}

impl Default for Messages {
    fn default() -> Self {
        Messages::ENGLISH
    }
}

/// The [`Messages`] every component below reads (put it near the root of the app). A
/// `'static` reference: a translation is usually a `static`; one loaded at run time can be
/// leaked once with `Box::leak`.
///
/// ```no_run
/// use data_farm::components::{provide_messages, Messages};
/// use leptos::prelude::*;
///
/// static FRENCH: Messages = Messages { locale: Some("fr-FR"), ..Messages::ENGLISH };
///
/// #[component]
/// fn App() -> impl IntoView {
///     provide_messages(&FRENCH);
///     view! { <main>"…"</main> }
/// }
/// ```
pub fn provide_messages(messages: &'static Messages) {
    provide_context(MessagesContext(messages));
}

/// The [`Messages`] an ancestor provided, or [`Messages::ENGLISH`].
pub fn use_messages() -> &'static Messages {
    use_context::<MessagesContext>().map_or(&Messages::ENGLISH, |m| m.0)
}

#[derive(Clone, Copy)]
struct MessagesContext(&'static Messages);

/// An English label as it reads inside a sentence: "Devices" becomes "devices", while a
/// label opening with an acronym ("API keys") or with a letter outside ASCII stays as it is.
///
/// By hand rather than `str::to_lowercase`: full Unicode case mapping links about 14 KB of
/// tables and code into every app with a table, for two English phrases (other languages give
/// their own [`Messages`]). It was also wrong for acronyms ("Search api keys").
fn mid_sentence(label: &str) -> String {
    let bytes = label.as_bytes();
    match bytes {
        [first, rest @ ..]
            if first.is_ascii_uppercase() && !rest.first().is_some_and(u8::is_ascii_uppercase) =>
        {
            let mut text = String::with_capacity(label.len());
            text.push(char::from(first.to_ascii_lowercase()));
            text.push_str(&label[1..]);
            text
        }
        _ => label.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_its_own_sentence() {
        let m = Messages::ENGLISH;
        let errors = [
            ApiError::Network("x".into()),
            ApiError::Timeout { after_ms: 1 },
            ApiError::Decode("x".into()),
        ];
        let texts: Vec<String> = errors.iter().map(|e| m.describe(e)).collect();
        assert_eq!(texts[0], m.errors.network);
        assert_eq!(texts[1], m.errors.timeout);
        assert_eq!(texts[2], m.errors.decode);
    }

    #[test]
    fn a_translation_replaces_only_what_it_names() {
        static DUTCH: Messages = Messages {
            table: TableMessages {
                next: "Volgende pagina",
                ..Messages::ENGLISH.table
            },
            ..Messages::ENGLISH
        };
        assert_eq!(DUTCH.table.next, "Volgende pagina");
        assert_eq!(DUTCH.table.previous, "Previous page");
        assert_eq!((DUTCH.table.search)("Devices"), "Search devices");
    }

    #[test]
    fn a_label_reads_mid_sentence_but_keeps_its_acronyms() {
        let m = Messages::ENGLISH;
        assert_eq!(
            (m.table.search)("Proposed devices"),
            "Search proposed devices"
        );
        assert_eq!((m.table.empty)("Applications"), "No applications match.");
        assert_eq!((m.table.search)("API keys"), "Search API keys");
        assert_eq!((m.table.search)("A"), "Search a");
        assert_eq!((m.table.search)("Équipes"), "Search Équipes");
        assert_eq!((m.table.empty)("sensors"), "No sensors match.");
        assert_eq!((m.table.search)(""), "Search ");
    }

    #[test]
    fn without_a_provider_components_read_english() {
        let owner = Owner::new();
        owner.with(|| assert_eq!(use_messages().table.next, "Next page"));
        static MINE: Messages = Messages {
            locale: Some("nl"),
            ..Messages::ENGLISH
        };
        owner.with(|| {
            provide_messages(&MINE);
            assert_eq!(use_messages().locale, Some("nl"));
        });
    }
}
