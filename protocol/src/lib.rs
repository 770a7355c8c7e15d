//! Wire types shared by the data-farm client library and the reference server.
//!
//! Everything that crosses the network between a data-farm client and a backend that speaks
//! the data-farm protocol (`docs/protocol.md`) is defined here once, so a change to the contract
//! is one edit and both sides stop compiling until they agree.
//!
//! ```
//! use data_farm_protocol::{ServerMessage, ChangeOp};
//!
//! let text = r#"{"type":"event","topic":"team:team_1","seq":7,"kind":"device",
//!               "op":"status","id":"dev_3","version":4,"data":{"status":"online"}}"#;
//! match ServerMessage::decode(text).unwrap() {
//!     ServerMessage::Event(event) => {
//!         assert_eq!(event.seq, 7);
//!         assert_eq!(event.op, ChangeOp::Status);
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! ```
#![deny(missing_docs)]

mod draft;
mod entity;
mod history;
mod json_text;
mod message;
mod rest;
mod str_map;
mod topic;
// Public for the crates of this family (the client library reads its own unit enums the same
// way); not part of the protocol.
#[doc(hidden)]
pub mod wire_name;
mod work;

pub use draft::*;
pub use entity::*;
pub use history::*;
pub use json_text::JsonText;
pub use message::*;
pub use rest::*;
pub use str_map::{Positions, StrMap};
pub use topic::*;
pub use work::*;

/// The path prefix of every REST route, relative to the backend's origin.
pub const API_BASE: &str = "/api/v1";

/// The largest WebSocket text frame a client may send, in bytes. Larger frames close the
/// connection with close code [`CLOSE_TOO_LARGE`].
pub const MAX_CLIENT_FRAME_BYTES: usize = 64 * 1024;

/// WebSocket close code sent when a client frame exceeds [`MAX_CLIENT_FRAME_BYTES`] (RFC 6455 "message too big").
pub const CLOSE_TOO_LARGE: u16 = 1009;

/// WebSocket close code sent when a client keeps breaking the rate limit (RFC 6455 "policy violation").
pub const CLOSE_POLICY: u16 = 1008;

/// WebSocket close code sent when the session ended (logout) or was never valid. 4401 mirrors HTTP 401.
pub const CLOSE_UNAUTHORIZED: u16 = 4401;

/// WebSocket close code sent when the server shuts down (RFC 6455 "going away").
pub const CLOSE_GOING_AWAY: u16 = 1001;

/// Name of the session cookie set by `POST /session`.
pub const SESSION_COOKIE: &str = "df_session";
