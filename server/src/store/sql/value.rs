//! Values crossing into and out of either engine.

/// A statement parameter. The store binds integers, texts, reals and NULL, nothing else; each
/// engine stores them in its own column types (see [`super::postgres`] for the conversions).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// NULL.
    Null,
    /// A 64-bit integer (booleans are 0 and 1, as SQLite keeps them).
    Int(i64),
    /// A double.
    Real(f64),
    /// A text.
    Text(String),
}

/// A column as read, borrowed from its row.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
}

impl Cell<'_> {
    fn describe(self) -> &'static str {
        match self {
            Cell::Null => "NULL",
            Cell::Int(_) => "an integer",
            Cell::Real(_) => "a real",
            Cell::Text(_) => "a text",
        }
    }
}

/// Something that can be bound as a parameter.
pub trait ToValue {
    /// The parameter.
    fn to_value(&self) -> Value;
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToValue for i64 {
    fn to_value(&self) -> Value {
        Value::Int(*self)
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::Text(text)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Text(text.to_owned())
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(value)
    }
}

/// What a column can be read as.
pub trait FromValue: Sized {
    /// The value, or why the cell does not hold one.
    fn from_cell(cell: Cell<'_>) -> Result<Self, String>;
}

fn wrong(expected: &str, cell: Cell<'_>) -> String {
    format!("expected {expected}, found {}", cell.describe())
}

impl FromValue for i64 {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Int(value) => Ok(value),
            other => Err(wrong("an integer", other)),
        }
    }
}

impl FromValue for u64 {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        let value = i64::from_cell(cell)?;
        u64::try_from(value).map_err(|_| format!("expected a count, found {value}"))
    }
}

impl FromValue for bool {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        Ok(i64::from_cell(cell)? != 0)
    }
}

impl FromValue for f64 {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Real(value) => Ok(value),
            Cell::Int(value) => Ok(value as f64),
            other => Err(wrong("a number", other)),
        }
    }
}

impl FromValue for String {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Text(text) => Ok(text.to_owned()),
            other => Err(wrong("a text", other)),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Null => Ok(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

/// The parameters of one statement: `params![…]`, an array such as `[id, user_id]`, a
/// `Vec<Value>` or `()`.
pub trait Params {
    /// The values, in placeholder order.
    fn into_values(self) -> Vec<Value>;
}

impl Params for () {
    fn into_values(self) -> Vec<Value> {
        Vec::new()
    }
}

impl Params for Vec<Value> {
    fn into_values(self) -> Vec<Value> {
        self
    }
}

impl Params for &[Value] {
    fn into_values(self) -> Vec<Value> {
        self.to_vec()
    }
}

impl<T: ToValue, const N: usize> Params for [T; N] {
    fn into_values(self) -> Vec<Value> {
        self.iter().map(ToValue::to_value).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_fits_and_names_what_does_not() {
        assert_eq!(i64::from_cell(Cell::Int(7)), Ok(7));
        assert_eq!(Option::<String>::from_cell(Cell::Null), Ok(None));
        assert!(u64::from_cell(Cell::Int(-1)).is_err());
        assert_eq!(
            String::from_cell(Cell::Int(3)),
            Err("expected a text, found an integer".to_owned())
        );
        assert_eq!(bool::from_cell(Cell::Int(1)), Ok(true));
    }

    #[test]
    fn options_bind_null() {
        assert_eq!(None::<&str>.to_value(), Value::Null);
        assert_eq!(Some("a".to_owned()).to_value(), Value::Text("a".into()));
    }
}
