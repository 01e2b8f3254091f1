//! The values that cross the store's one SQL seam, so the register's queries are
//! written once for both backends. SQLite keeps dates as ISO text and timestamps as
//! RFC 3339 text; PostgreSQL keeps DATE and TIMESTAMPTZ.

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Date(NaiveDate),
    Time(DateTime<Utc>),
    /// A file kept in the database (BLOB on SQLite, BYTEA on PostgreSQL).
    Bytes(Vec<u8>),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Text(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Real(f) => Some(f.to_string()),
            Value::Date(d) => Some(d.to_string()),
            Value::Time(t) => Some(t.to_rfc3339()),
            Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        }
    }
    pub fn int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Real(f) => Some(*f as i64),
            Value::Text(s) => s.parse().ok(),
            _ => None,
        }
    }
    pub fn real(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Real(f) => Some(*f),
            Value::Text(s) => s.parse().ok(),
            _ => None,
        }
    }
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            Value::Text(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
            _ => None,
        }
    }
    /// The bytes of a BLOB/BYTEA column (`None` for anything else).
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
    pub fn time(&self) -> Option<DateTime<Utc>> {
        match self {
            Value::Time(t) => Some(*t),
            Value::Text(s) => DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Text(s.clone())
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<NaiveDate> for Value {
    fn from(d: NaiveDate) -> Self {
        Value::Date(d)
    }
}
impl From<DateTime<Utc>> for Value {
    fn from(t: DateTime<Utc>) -> Self {
        Value::Time(t)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map(Into::into).unwrap_or(Value::Null)
    }
}

// --- SQLite ---------------------------------------------------------------

use crate::rusqlite;

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value as V};
        Ok(match self {
            Value::Null => ToSqlOutput::Owned(V::Null),
            Value::Int(i) => ToSqlOutput::Owned(V::Integer(*i)),
            Value::Real(f) => ToSqlOutput::Owned(V::Real(*f)),
            Value::Text(s) => ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(s.as_bytes())),
            Value::Date(d) => ToSqlOutput::Owned(V::Text(d.to_string())),
            Value::Time(t) => ToSqlOutput::Owned(V::Text(
                t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            )),
            Value::Bytes(b) => ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Blob(b)),
        })
    }
}

pub(crate) fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef as R;
    match v {
        R::Null => Value::Null,
        R::Integer(i) => Value::Int(i),
        R::Real(f) => Value::Real(f),
        R::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        R::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

// --- PostgreSQL -----------------------------------------------------------

use postgres::types::{to_sql_checked, IsNull, ToSql, Type};

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT4 => (*i as i32).to_sql(ty, out),
                Type::INT2 => (*i as i16).to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            Value::Real(f) => f.to_sql(ty, out),
            Value::Text(s) => match *ty {
                // An ISO date given as text for a DATE parameter.
                Type::DATE => NaiveDate::parse_from_str(s, "%Y-%m-%d")?.to_sql(ty, out),
                _ => s.as_str().to_sql(ty, out),
            },
            Value::Date(d) => match *ty {
                Type::TEXT | Type::VARCHAR => d.to_string().to_sql(ty, out),
                _ => d.to_sql(ty, out),
            },
            Value::Time(t) => t.to_sql(ty, out),
            Value::Bytes(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

pub(crate) fn from_pg(row: &postgres::Row, i: usize) -> Value {
    let ty = row.columns()[i].type_();
    let v = match *ty {
        Type::INT8 => row.get::<_, Option<i64>>(i).map(Value::Int),
        Type::INT4 => row.get::<_, Option<i32>>(i).map(|v| Value::Int(v as i64)),
        Type::INT2 => row.get::<_, Option<i16>>(i).map(|v| Value::Int(v as i64)),
        Type::BOOL => row.get::<_, Option<bool>>(i).map(|v| Value::Int(v as i64)),
        Type::FLOAT8 => row.get::<_, Option<f64>>(i).map(Value::Real),
        Type::FLOAT4 => row.get::<_, Option<f32>>(i).map(|v| Value::Real(v as f64)),
        Type::DATE => row.get::<_, Option<NaiveDate>>(i).map(Value::Date),
        Type::TIMESTAMPTZ => row.get::<_, Option<DateTime<Utc>>>(i).map(Value::Time),
        Type::BYTEA => row.get::<_, Option<Vec<u8>>>(i).map(Value::Bytes),
        _ => row.get::<_, Option<String>>(i).map(Value::Text),
    };
    v.unwrap_or(Value::Null)
}
