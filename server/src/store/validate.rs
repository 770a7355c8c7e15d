//! Field rules shared by every kind, and the `If-Match` check.

use std::collections::BTreeMap;

use crate::error::ApiError;

use super::rows::EntityRow;

/// Most characters a name may have.
pub const NAME_MAX: usize = 100;
/// Most characters a description may have.
pub const DESCRIPTION_MAX: usize = 2_000;

/// Collects per-field problems so a request learns every one at once.
#[derive(Default)]
pub struct Problems(BTreeMap<String, String>);

impl Problems {
    /// Records why `field` is refused.
    pub fn add(&mut self, field: &str, why: impl Into<String>) {
        self.0.entry(field.to_owned()).or_insert_with(|| why.into());
    }

    /// A trimmed name of 1 to 100 characters without control characters, or a problem.
    pub fn name(&mut self, name: &str) -> String {
        let trimmed = name.trim();
        let chars = trimmed.chars().count();
        if chars == 0 {
            self.add("name", "is required");
        } else if chars > NAME_MAX {
            self.add("name", format!("must be at most {NAME_MAX} characters"));
        } else if trimmed.chars().any(char::is_control) {
            self.add("name", "must not contain control characters");
        }
        trimmed.to_owned()
    }

    /// A description of at most 2,000 characters, or a problem.
    pub fn description(&mut self, description: &str) -> String {
        if description.chars().count() > DESCRIPTION_MAX {
            self.add(
                "description",
                format!("must be at most {DESCRIPTION_MAX} characters"),
            );
        }
        description.to_owned()
    }

    /// `Ok` when nothing was recorded, else the 422 error naming every field.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid_fields(self.0))
        }
    }
}

/// 409 with the current entity when `expected` is given and is not its version.
pub fn check_version<E: EntityRow>(current: &E, expected: Option<u64>) -> Result<(), ApiError> {
    match expected {
        Some(version) if version != current.version() => Err(ApiError::version_conflict(
            serde_json::to_value(current).map_err(ApiError::internal)?,
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        let mut problems = Problems::default();
        assert_eq!(problems.name("  Edge  "), "Edge");
        assert!(problems.finish().is_ok());

        for bad in ["", "   ", &"x".repeat(101), "tab\tinside"] {
            let mut problems = Problems::default();
            problems.name(bad);
            let err = problems.finish().unwrap_err();
            assert!(
                err.body.fields.contains_key("name"),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn a_hundred_multibyte_characters_are_fine() {
        let mut problems = Problems::default();
        problems.name(&"é".repeat(100));
        assert!(problems.finish().is_ok());
    }
}
