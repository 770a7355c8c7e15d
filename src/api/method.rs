/// The HTTP method of a custom action ([`ApiClient::send_json`](super::ApiClient::send_json),
/// [`EntityStore::action`](crate::store::EntityStore::action)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `POST`: start something (an operation, a report) or create through a custom route.
    Post,
    /// `PUT`: replace.
    Put,
    /// `PATCH`: change part.
    Patch,
    /// `DELETE`: remove, through a custom route that answers with an entity.
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}
