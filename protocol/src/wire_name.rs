//! Unit enums read from their names on the wire.
//!
//! serde's derive reads an enum through an identifier visitor and an enum access of its own
//! (about 1.4 KB of wasm for `ErrorCode` in a browser bundle); a unit enum read as a string
//! and looked up among its variants' names costs a few hundred bytes, and reads the same.

use serde::de::{Deserialize, Deserializer, Error};

/// A unit enum with a name on the wire for each variant.
pub trait WireName: Sized + Copy + 'static {
    /// Every variant a name reads as.
    const ALL: &'static [Self];
    /// What a name this version of the protocol does not know reads as; `None` when it is an
    /// error (which names the known ones, as serde's derive does).
    const UNKNOWN: Option<Self> = None;
    /// The names of `ALL`, in its order, for that error.
    const NAMES: &'static [&'static str] = &[];
    /// The variant's name on the wire.
    fn wire_name(self) -> &'static str;

    /// The variant of `ALL` named `name`: the one lookup behind deserializing and the enums'
    /// `parse`.
    fn named(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|variant| variant.wire_name() == name)
    }
}

/// Reads a `T` from its name.
pub fn deserialize<'de, D: Deserializer<'de>, T: WireName>(deserializer: D) -> Result<T, D::Error> {
    let name = String::deserialize(deserializer)?;
    match T::named(&name) {
        Some(variant) => Ok(variant),
        None => T::UNKNOWN.ok_or_else(|| D::Error::unknown_variant(&name, T::NAMES)),
    }
}

/// `Deserialize` for unit enums that implement [`WireName`] (exported for the crates of this
/// family, like [`WireName`] itself).
#[doc(hidden)]
#[macro_export]
macro_rules! deserialize_by_wire_name {
    ($($name:ty),+) => {$(
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::wire_name::deserialize(deserializer)
            }
        }
    )+};
}
pub(crate) use deserialize_by_wire_name;

#[cfg(test)]
mod tests {
    use crate::{ChangeOp, ErrorCode, WsErrorCode};

    /// Every variant reads back from what serde writes for it.
    fn round_trips<T>(all: &[T])
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        for variant in all {
            let text = serde_json::to_string(variant).unwrap();
            assert_eq!(
                &serde_json::from_str::<T>(&text).unwrap(),
                variant,
                "{text}"
            );
        }
    }

    #[test]
    fn every_variant_reads_back_from_its_serialized_name() {
        use ChangeOp::*;
        round_trips(&[Created, Updated, Deleted, Status]);
        use ErrorCode::*;
        round_trips(&[
            Unauthorized,
            ErrorCode::Forbidden,
            NotFound,
            Conflict,
            ErrorCode::Invalid,
            ErrorCode::TooLarge,
            ErrorCode::RateLimited,
            Internal,
            ErrorCode::Unknown,
        ]);
        round_trips(&[
            WsErrorCode::Forbidden,
            WsErrorCode::Invalid,
            WsErrorCode::TooLarge,
            WsErrorCode::RateLimited,
            WsErrorCode::Unknown,
        ]);
    }

    /// Every variant with a name, and `Unknown` where there is one, reads back; the names an
    /// error lists are the variants' own.
    fn reads_back<T>()
    where
        T: super::WireName
            + serde::Serialize
            + serde::de::DeserializeOwned
            + PartialEq
            + std::fmt::Debug,
    {
        round_trips(T::ALL);
        if let Some(unknown) = T::UNKNOWN {
            round_trips(&[unknown]);
            assert!(T::NAMES.is_empty());
        } else {
            let names: Vec<_> = T::ALL.iter().map(|v| v.wire_name()).collect();
            assert_eq!(names, T::NAMES);
        }
    }

    #[test]
    fn every_protocol_enum_reads_back() {
        use crate::*;
        reads_back::<ChangeOp>();
        reads_back::<ErrorCode>();
        reads_back::<WsErrorCode>();
        reads_back::<InstanceStatus>();
        reads_back::<DeviceStatus>();
        reads_back::<OwnerType>();
        reads_back::<DraftOperation>();
        reads_back::<DraftStatus>();
        reads_back::<OperationStatus>();
        reads_back::<Outcome>();
        reads_back::<ReportStatus>();
    }

    #[test]
    fn an_unknown_name_of_a_closed_enum_is_the_error_serde_gives() {
        let err = serde_json::from_str::<crate::OwnerType>(r#""planet""#).unwrap_err();
        // (Without serde_json's " at line L column C": the string was read before the check.)
        assert_eq!(
            err.to_string(),
            "unknown variant `planet`, expected one of `team`, `application`, `instance`"
        );
    }

    #[test]
    fn an_escaped_name_reads_like_the_plain_one() {
        let op: ChangeOp = serde_json::from_str(r#""st\u0061tus""#).unwrap();
        assert_eq!(op, ChangeOp::Status);
    }

    #[test]
    fn unknown_names_are_unknown_codes_but_no_operation() {
        let code: ErrorCode = serde_json::from_str(r#""teapot""#).unwrap();
        assert_eq!(code, ErrorCode::Unknown);
        let code: WsErrorCode = serde_json::from_str(r#""teapot""#).unwrap();
        assert_eq!(code, WsErrorCode::Unknown);
        let err = serde_json::from_str::<ChangeOp>(r#""renamed""#).unwrap_err();
        assert!(err.to_string().contains("renamed"), "{err}");
        assert!(serde_json::from_str::<ChangeOp>("7").is_err());
    }
}
