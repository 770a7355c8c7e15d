use crate::api::ApiError;

/// Where a query is in its life.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LoadState {
    /// Never fetched and not fetching.
    #[default]
    Idle,
    /// Fetching, with nothing cached yet: show a skeleton.
    Loading,
    /// Cached data is current.
    Ready,
    /// Fetching again while cached data stays on screen: show a thin progress bar.
    Refreshing,
    /// The last fetch failed. Cached data, if any, is still shown.
    Error(ApiError),
}

impl LoadState {
    /// Whether a fetch is under way.
    pub fn is_fetching(&self) -> bool {
        matches!(self, LoadState::Loading | LoadState::Refreshing)
    }
}

/// What a list shows: the ids of one page in order, the total over all pages, and its state.
/// Each id's data is read from the store's row signal, so a change to one entity re-renders
/// only what reads that entity.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListView {
    /// Ids of the page, in the query's order.
    pub ids: Vec<String>,
    /// Matching entities over all pages.
    pub total: u64,
    /// Fetch state.
    pub state: LoadState,
    /// When the data was last fetched (environment milliseconds).
    pub fetched_at: Option<f64>,
    /// The cached page may be out of date (a change could not be placed, or it was invalidated).
    pub stale: bool,
}

impl ListView {
    /// Whether nothing has been fetched yet: the moment for a skeleton, never again once data is cached.
    pub fn is_first_load(&self) -> bool {
        self.fetched_at.is_none() && !matches!(self.state, LoadState::Error(_))
    }
}

/// Fetch state of one entity's detail query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DetailView {
    /// Fetch state.
    pub state: LoadState,
    /// When it was last fetched.
    pub fetched_at: Option<f64>,
    /// The entity was deleted (by anyone) while observed.
    pub deleted: bool,
}
