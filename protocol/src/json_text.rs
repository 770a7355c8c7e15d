//! A JSON value kept as the text it came in.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// A JSON value kept as its text: checked to be JSON when read, then passed on as it is or
/// decoded once into the type it really is (`conflict_current::<Device>`), never held as a
/// generic JSON tree. A client that only ever decodes into its own types so links no
/// `serde_json::Value` (its parser, map and formatter cost a browser bundle about 3 KB gzip).
///
/// Two are equal when their texts are equal.
///
/// ```
/// use data_farm_protocol::JsonText;
/// #[derive(serde::Deserialize)]
/// struct Device { name: String }
/// let text = JsonText::parse(r#"{"name":"pump","version":4}"#.into()).unwrap();
/// assert_eq!(text.decode::<Device>().unwrap().name, "pump");
/// assert_eq!(JsonText::encode(&vec![1, 2]).unwrap().get(), "[1,2]");
/// assert!(JsonText::parse("{oops".into()).is_err());
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JsonText(Box<RawValue>);

impl JsonText {
    /// `text` when it is one JSON value; the parser's error when it is not.
    pub fn parse(text: String) -> Result<Self, serde_json::Error> {
        RawValue::from_string(text).map(JsonText)
    }

    /// `value` written as JSON.
    pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(JsonText)
    }

    /// The value read as a `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }
}

impl PartialEq for JsonText {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl fmt::Debug for JsonText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

impl fmt::Display for JsonText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_inside_a_struct_as_the_same_text() {
        #[derive(Serialize, Deserialize)]
        struct Envelope {
            current: Option<JsonText>,
        }
        let text = r#"{"current":{"id":"dev_1","tags":["a"],"n":1.5}}"#;
        let envelope: Envelope = serde_json::from_str(text).unwrap();
        let current = envelope.current.as_ref().unwrap();
        assert_eq!(current.get(), r#"{"id":"dev_1","tags":["a"],"n":1.5}"#);
        assert_eq!(serde_json::to_string(&envelope).unwrap(), text);
        let none: Envelope = serde_json::from_str(r#"{"current":null}"#).unwrap();
        assert!(none.current.is_none());
    }

    #[test]
    fn equality_is_of_the_text() {
        let a = JsonText::parse(r#"{"a":1}"#.into()).unwrap();
        assert_eq!(a, JsonText::encode(&serde_json::json!({"a": 1})).unwrap());
        assert_ne!(a, JsonText::parse(r#"{"a":2}"#.into()).unwrap());
    }

    #[test]
    fn a_wrong_type_is_an_error_not_a_panic() {
        let text = JsonText::parse(r#"{"name":7}"#.into()).unwrap();
        #[derive(Debug, Deserialize)]
        struct Named {
            #[allow(dead_code)]
            name: String,
        }
        assert!(text.decode::<Named>().is_err());
    }
}
