//! The PostgreSQL side: tokio-postgres driven from the store's blocking threads.
//!
//! The store is synchronous (it runs on `spawn_blocking` threads), so each call blocks on the
//! runtime's handle while the connection's task runs on the runtime itself. Statements are
//! prepared once per connection and cached by their text. A connection that PostgreSQL closed
//! (a restart, a failover) is opened again at the next statement outside a transaction; inside
//! one the statement fails, so a transaction never continues on a connection that did not
//! start it.

use std::cell::{Cell as Flag, RefCell};
use std::collections::HashMap;

use tokio::runtime::Handle;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement};

use super::value::{Cell, Value};
use super::{DbError, DbResult};

pub(crate) struct PgConn {
    url: String,
    runtime: Handle,
    client: RefCell<Client>,
    statements: RefCell<HashMap<String, Statement>>,
    in_transaction: Flag<bool>,
}

fn open(runtime: &Handle, url: &str) -> DbResult<Client> {
    let (client, connection) = runtime.block_on(tokio_postgres::connect(url, NoTls))?;
    runtime.spawn(async move {
        if let Err(err) = connection.await {
            tracing::warn!(%err, "postgres connection ended");
        }
    });
    Ok(client)
}

impl PgConn {
    pub(super) fn connect(url: &str) -> DbResult<Self> {
        let runtime = Handle::try_current().map_err(|err| DbError::Unavailable(err.to_string()))?;
        let client = open(&runtime, url)?;
        Ok(PgConn {
            url: url.to_owned(),
            runtime,
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
            in_transaction: Flag::new(false),
        })
    }

    /// Opens the connection again if PostgreSQL closed it and no transaction is open on it.
    fn ensure_open(&self) -> DbResult<()> {
        if !self.client.borrow().is_closed() {
            return Ok(());
        }
        if self.in_transaction.get() {
            return Err(DbError::Unavailable(
                "the connection closed inside a transaction".into(),
            ));
        }
        let client = open(&self.runtime, &self.url)?;
        tracing::info!("postgres connection opened again");
        *self.client.borrow_mut() = client;
        self.statements.borrow_mut().clear();
        Ok(())
    }

    pub(super) fn batch(&self, sql: &str) -> DbResult<()> {
        self.ensure_open()?;
        let client = self.client.borrow();
        Ok(self.runtime.block_on(client.batch_execute(sql))?)
    }

    /// `BEGIN …`: statements up to [`PgConn::end`] run on this connection or fail.
    pub(super) fn begin(&self, sql: &str) -> DbResult<()> {
        self.batch(sql)?;
        self.in_transaction.set(true);
        Ok(())
    }

    /// `COMMIT` or `ROLLBACK`.
    pub(super) fn end(&self, sql: &str) -> DbResult<()> {
        self.in_transaction.set(false);
        self.batch(sql)
    }

    pub(super) fn in_transaction(&self) -> bool {
        self.in_transaction.get()
    }

    fn statement(&self, sql: &str) -> DbResult<Statement> {
        self.ensure_open()?;
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let text = placeholders(sql);
        let client = self.client.borrow();
        let statement = self.runtime.block_on(client.prepare(&text))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    pub(super) fn execute(&self, sql: &str, params: &[Value]) -> DbResult<usize> {
        let statement = self.statement(sql)?;
        let bound = bind_all(&statement, params)?;
        let client = self.client.borrow();
        let changed = self
            .runtime
            .block_on(client.execute(&statement, &refs(&bound)))?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    pub(super) fn query(&self, sql: &str, params: &[Value]) -> DbResult<Vec<tokio_postgres::Row>> {
        let statement = self.statement(sql)?;
        let bound = bind_all(&statement, params)?;
        let client = self.client.borrow();
        Ok(self
            .runtime
            .block_on(client.query(&statement, &refs(&bound)))?)
    }
}

/// The server's own words (code, message, detail) when PostgreSQL answered an error; the
/// client's otherwise ("db error" alone says nothing).
pub(super) fn describe(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => {
            let mut text = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            text
        }
        None => match std::error::Error::source(err) {
            Some(source) => format!("{err}: {source}"),
            None => err.to_string(),
        },
    }
}

type Bound = Box<dyn ToSql + Sync + Send>;

fn refs(bound: &[Bound]) -> Vec<&(dyn ToSql + Sync)> {
    bound
        .iter()
        .map(|value| value.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

fn bind_all(statement: &Statement, params: &[Value]) -> DbResult<Vec<Bound>> {
    let types = statement.params();
    if types.len() != params.len() {
        return Err(DbError::Type {
            column: params.len(),
            problem: format!(
                "the statement takes {} parameters, {} given",
                types.len(),
                params.len()
            ),
        });
    }
    params
        .iter()
        .zip(types)
        .enumerate()
        .map(|(index, (value, ty))| {
            bind(value, ty).map_err(|problem| DbError::Type {
                column: index,
                problem,
            })
        })
        .collect()
}

/// The value as the Rust type PostgreSQL expects for `ty` (it inferred the parameter's type
/// from the statement; SQLite would have taken any).
fn bind(value: &Value, ty: &Type) -> Result<Bound, String> {
    let out_of_range = |v: i64| format!("{v} does not fit {ty}");
    Ok(match (value, ty) {
        (Value::Null, &Type::INT8) => Box::new(None::<i64>),
        (Value::Null, &Type::INT4) => Box::new(None::<i32>),
        (Value::Null, &Type::INT2) => Box::new(None::<i16>),
        (Value::Null, &Type::BOOL) => Box::new(None::<bool>),
        (Value::Null, &Type::FLOAT8) => Box::new(None::<f64>),
        (Value::Null, _) => Box::new(None::<String>),
        (Value::Int(v), &Type::INT8) => Box::new(*v),
        (Value::Int(v), &Type::INT4) => Box::new(i32::try_from(*v).map_err(|_| out_of_range(*v))?),
        (Value::Int(v), &Type::INT2) => Box::new(i16::try_from(*v).map_err(|_| out_of_range(*v))?),
        (Value::Int(v), &Type::BOOL) => Box::new(*v != 0),
        (Value::Int(v), &Type::FLOAT8) => Box::new(*v as f64),
        (Value::Int(v), &Type::TEXT | &Type::VARCHAR) => Box::new(v.to_string()),
        (Value::Real(v), &Type::FLOAT8) => Box::new(*v),
        (Value::Real(v), &Type::FLOAT4) => Box::new(*v as f32),
        (Value::Text(text), &Type::TEXT | &Type::VARCHAR | &Type::BPCHAR | &Type::NAME) => {
            Box::new(text.clone())
        }
        (value, ty) => return Err(format!("cannot bind {value:?} as {ty}")),
    })
}

pub(super) fn cell(row: &tokio_postgres::Row, index: usize) -> DbResult<Cell<'_>> {
    let Some(column) = row.columns().get(index) else {
        return Err(DbError::Type {
            column: index,
            problem: "no such column".into(),
        });
    };
    let int = |value: Option<i64>| value.map_or(Cell::Null, Cell::Int);
    Ok(match *column.type_() {
        Type::INT8 => int(row.try_get::<_, Option<i64>>(index)?),
        Type::INT4 => int(row.try_get::<_, Option<i32>>(index)?.map(i64::from)),
        Type::INT2 => int(row.try_get::<_, Option<i16>>(index)?.map(i64::from)),
        Type::BOOL => int(row.try_get::<_, Option<bool>>(index)?.map(i64::from)),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(index)?
            .map_or(Cell::Null, Cell::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(index)?
            .map_or(Cell::Null, |v| Cell::Real(f64::from(v))),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => row
            .try_get::<_, Option<&str>>(index)?
            .map_or(Cell::Null, Cell::Text),
        ref other => {
            return Err(DbError::Type {
                column: index,
                problem: format!("type {other} is not read by the store (cast it)"),
            })
        }
    })
}

/// SQLite's placeholders (`?`, `?NNN`) as PostgreSQL's (`$NNN`), numbered as SQLite numbers
/// them: `?NNN` is parameter NNN, a bare `?` is one more than the largest so far. Quoted text
/// and identifiers are left alone.
pub(crate) fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    let mut largest = 0u32;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let number = match digits.parse::<u32>() {
                    Ok(n) => n,
                    Err(_) => largest + 1,
                };
                largest = largest.max(number);
                out.push('$');
                out.push_str(&number.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_as_sqlite_numbers_them() {
        assert_eq!(
            placeholders("SELECT a FROM t WHERE b = ?1 AND c = ?2 OR d = ?1"),
            "SELECT a FROM t WHERE b = $1 AND c = $2 OR d = $1"
        );
        assert_eq!(
            placeholders("WHERE a = ? AND b = ? LIMIT ? OFFSET ?"),
            "WHERE a = $1 AND b = $2 LIMIT $3 OFFSET $4"
        );
        assert_eq!(
            placeholders("WHERE a = ?3 AND b = ?"),
            "WHERE a = $3 AND b = $4"
        );
        assert_eq!(
            placeholders("WHERE a = '?' AND \"q?\" = ?"),
            "WHERE a = '?' AND \"q?\" = $1"
        );
    }

    #[test]
    fn binds_by_the_type_postgres_inferred() {
        assert!(bind(&Value::Int(3), &Type::INT4).is_ok());
        assert!(bind(&Value::Int(i64::MAX), &Type::INT4).is_err());
        assert!(bind(&Value::Text("x".into()), &Type::INT8).is_err());
        assert!(bind(&Value::Null, &Type::TEXT).is_ok());
    }
}
