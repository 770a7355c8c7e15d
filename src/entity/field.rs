use std::cmp::Ordering;

/// A field's value as list filters and sorts see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// Text, compared byte-wise (like SQLite's default collation).
    Text(&'a str),
    /// A number.
    Number(u64),
}

impl FieldValue<'_> {
    /// Whether the value equals a filter given as text (numbers compare by their decimal form).
    pub fn equals_text(&self, text: &str) -> bool {
        match self {
            FieldValue::Text(value) => *value == text,
            FieldValue::Number(n) => text.parse::<u64>().is_ok_and(|t| t == *n),
        }
    }

    /// Total order: numbers before text, numbers numerically, text byte-wise.
    pub fn compare(&self, other: &FieldValue<'_>) -> Ordering {
        match (self, other) {
            (FieldValue::Number(a), FieldValue::Number(b)) => a.cmp(b),
            (FieldValue::Text(a), FieldValue::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (FieldValue::Number(_), FieldValue::Text(_)) => Ordering::Less,
            (FieldValue::Text(_), FieldValue::Number(_)) => Ordering::Greater,
        }
    }
}
