//! Parameters: ODBC `?` markers into `@P1..@Pn`, and [`Value`]s into the engine's SQL types.

use mssql_tds::datatypes::column_values::{
    SqlDate, SqlDateTime, SqlDateTime2, SqlDateTimeOffset, SqlMoney, SqlSmallDateTime,
    SqlSmallMoney, SqlTime,
};
use mssql_tds::datatypes::decoder::DecimalParts;
use mssql_tds::datatypes::sql_string::SqlString;
use mssql_tds::datatypes::sqltypes::SqlType;
use mssql_tds::message::parameters::rpc_parameters::{RpcParameter, RpcTypeMetadata, StatusFlags};
use uuid::Uuid;

use crate::convert::{Date, ServerType, Time, Timestamp, Value};
use crate::diag::{Error, Result};

/// Replaces each `?` parameter marker (outside literals, quoted names and comments) with
/// `@P<n>`; returns the text and the number of markers.
pub fn rewrite_markers(sql: &str) -> (String, usize) {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut count = 0;
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' | '[' => {
                let close = if c == '[' { ']' } else { c };
                out.push(c);
                i += 1;
                while i < chars.len() {
                    out.push(chars[i]);
                    if chars[i] == close {
                        // A doubled closer is an escaped one.
                        if i + 1 < chars.len() && chars[i + 1] == close {
                            out.push(chars[i + 1]);
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    out.push(chars[i]);
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                out.push_str("/*");
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    out.push(chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    out.push_str("*/");
                    i += 2;
                }
            }
            '?' => {
                count += 1;
                out.push_str(&format!("@P{count}"));
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    (out, count)
}

/// Counts the markers without rewriting (SQLNumParams).
pub fn count_markers(sql: &str) -> usize {
    rewrite_markers(sql).1
}

fn days_from_civil(d: Date) -> i64 {
    let y = i64::from(d.year) - i64::from(d.month <= 2);
    let m = i64::from(d.month);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d.day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

const DAYS_0001_TO_1970: i64 = 719_162;
const DAYS_1900_TO_1970: i64 = 25_567;

fn ticks(t: &Time) -> u64 {
    (u64::from(t.hour) * 3600 + u64::from(t.minute) * 60 + u64::from(t.second)) * 10_000_000
        + u64::from(t.nanosecond) / 100
}

fn sql_date(d: Date) -> Result<SqlDate> {
    let days = days_from_civil(d) + DAYS_0001_TO_1970;
    let days = u32::try_from(days).map_err(|_| Error::new("22008", "Datetime field overflow"))?;
    SqlDate::create(days).map_err(|_| Error::new("22008", "Datetime field overflow"))
}

fn sql_time(t: &Time, scale: u8) -> SqlTime {
    // time_nanoseconds counts 100 ns ticks (mssql-tds's naming notwithstanding).
    SqlTime {
        time_nanoseconds: ticks(t).min(863_999_999_999),
        scale: scale.min(7),
    }
}

fn sql_datetime2(ts: &Timestamp, scale: u8) -> Result<SqlDateTime2> {
    Ok(SqlDateTime2 {
        days: sql_date(ts.date)?.get_days(),
        time: sql_time(&ts.time, scale),
    })
}

fn sql_datetime(ts: &Timestamp) -> Result<SqlDateTime> {
    let days = days_from_civil(ts.date) + DAYS_1900_TO_1970;
    let days = i32::try_from(days).map_err(|_| Error::new("22008", "Datetime field overflow"))?;
    // 1/300 s since midnight, rounded to the nearest tick.
    let ns = ticks(&ts.time) as u128 * 100;
    let time = ((ns * 300 + 500_000_000) / 1_000_000_000) as u32;
    Ok(SqlDateTime { days, time })
}

fn text(s: &str) -> SqlString {
    SqlString::from_utf8_string(s.to_string())
}

fn decimal_parts(mantissa: i128, precision: u8, scale: u8) -> DecimalParts {
    DecimalParts::new(
        mantissa >= 0,
        precision.clamp(1, 38),
        scale.min(precision.max(1)),
        mantissa.unsigned_abs(),
    )
}

/// The engine's typed value for a parameter of declared type `ty`.
pub fn sql_type(value: &Value, ty: &ServerType) -> Result<SqlType> {
    let null = matches!(value, Value::Null);
    let len16 = |n: u32| n.min(8000) as u16;
    Ok(match ty {
        ServerType::Bit => SqlType::Bit(if null {
            None
        } else {
            Some(as_i64(value)? != 0)
        }),
        ServerType::TinyInt => SqlType::TinyInt(if null {
            None
        } else {
            Some(as_i64(value)? as u8)
        }),
        ServerType::SmallInt => SqlType::SmallInt(if null {
            None
        } else {
            Some(as_i64(value)? as i16)
        }),
        ServerType::Int => SqlType::Int(if null {
            None
        } else {
            Some(as_i64(value)? as i32)
        }),
        ServerType::BigInt => SqlType::BigInt(if null { None } else { Some(as_i64(value)?) }),
        ServerType::Real => SqlType::Real(if null {
            None
        } else {
            Some(as_f64(value)? as f32)
        }),
        ServerType::Float => SqlType::Float(if null { None } else { Some(as_f64(value)?) }),
        ServerType::Decimal { precision, scale } | ServerType::Numeric { precision, scale } => {
            let parts = match value {
                Value::Null => None,
                Value::Decimal(d) => Some(decimal_parts(
                    rescale(d.mantissa, d.scale, *scale)?,
                    *precision,
                    *scale,
                )),
                other => Some(decimal_parts(
                    rescale(i128::from(as_i64(other)?), 0, *scale)?,
                    *precision,
                    *scale,
                )),
            };
            if matches!(ty, ServerType::Numeric { .. }) {
                SqlType::Numeric(parts)
            } else {
                SqlType::Decimal(parts)
            }
        }
        ServerType::Money => SqlType::Money(match value {
            Value::Money(m) => Some(SqlMoney {
                lsb_part: *m as i32,
                msb_part: (*m >> 32) as i32,
            }),
            _ => None,
        }),
        ServerType::SmallMoney => SqlType::SmallMoney(match value {
            Value::Money(m) => Some(SqlSmallMoney { int_val: *m as i32 }),
            _ => None,
        }),
        ServerType::Char(n) => SqlType::Char(as_text(value).map(text), len16(*n).max(1)),
        ServerType::NChar(n) => {
            SqlType::NChar(as_text(value).map(text), (*n).clamp(1, 4000) as u16)
        }
        ServerType::VarChar(Some(n)) if *n <= 8000 => {
            SqlType::Varchar(as_text(value).map(text), len16(*n).max(1))
        }
        ServerType::VarChar(_) | ServerType::Text => SqlType::VarcharMax(as_text(value).map(text)),
        ServerType::NVarChar(Some(n)) if *n <= 4000 => {
            SqlType::NVarchar(as_text(value).map(text), (*n).max(1) as u16)
        }
        ServerType::NVarChar(_) | ServerType::NText | ServerType::Xml | ServerType::Variant => {
            SqlType::NVarcharMax(as_text(value).map(text))
        }
        ServerType::Binary(n) => SqlType::Binary(as_bytes(value), len16(*n).max(1)),
        ServerType::VarBinary(Some(n)) if *n <= 8000 => {
            SqlType::VarBinary(as_bytes(value), len16(*n).max(1))
        }
        ServerType::VarBinary(_) | ServerType::Image | ServerType::Udt(_) => {
            SqlType::VarBinaryMax(as_bytes(value))
        }
        ServerType::RowVersion => SqlType::Binary(as_bytes(value), 8),
        ServerType::UniqueIdentifier => SqlType::Uuid(match value {
            Value::Guid(b) => Some(Uuid::from_bytes_le(*b)),
            _ => None,
        }),
        ServerType::Date => SqlType::Date(match value {
            Value::Date(d) => Some(sql_date(*d)?),
            Value::Timestamp(ts) => Some(sql_date(ts.date)?),
            _ => None,
        }),
        ServerType::Time { scale } => SqlType::Time(match value {
            Value::Time(t) => Some(sql_time(t, *scale)),
            Value::Timestamp(ts) => Some(sql_time(&ts.time, *scale)),
            _ => None,
        }),
        ServerType::DateTime2 { scale } => SqlType::DateTime2(match value {
            Value::Timestamp(ts) => Some(sql_datetime2(ts, *scale)?),
            Value::Date(d) => Some(sql_datetime2(
                &Timestamp {
                    date: *d,
                    time: Time {
                        hour: 0,
                        minute: 0,
                        second: 0,
                        nanosecond: 0,
                    },
                },
                *scale,
            )?),
            _ => None,
        }),
        ServerType::DateTime => SqlType::DateTime(match value {
            Value::Timestamp(ts) => Some(sql_datetime(ts)?),
            _ => None,
        }),
        ServerType::SmallDateTime => SqlType::SmallDateTime(match value {
            Value::Timestamp(ts) => {
                let days = days_from_civil(ts.date) + DAYS_1900_TO_1970;
                let days = u16::try_from(days)
                    .map_err(|_| Error::new("22008", "Datetime field overflow"))?;
                Some(SqlSmallDateTime {
                    days,
                    time: u16::from(ts.time.hour) * 60 + u16::from(ts.time.minute),
                })
            }
            _ => None,
        }),
        ServerType::DateTimeOffset { scale } => SqlType::DateTimeOffset(match value {
            Value::DateTimeOffset(dto) => {
                // The wire carries UTC.
                let local_ticks = days_from_civil(dto.local.date) * 864_000_000_000
                    + ticks(&dto.local.time) as i64;
                let utc_ticks = local_ticks - i64::from(dto.offset_minutes) * 600_000_000;
                let days = utc_ticks.div_euclid(864_000_000_000) + DAYS_0001_TO_1970;
                let in_day = utc_ticks.rem_euclid(864_000_000_000) as u64;
                let days = u32::try_from(days)
                    .map_err(|_| Error::new("22008", "Datetime field overflow"))?;
                Some(SqlDateTimeOffset {
                    datetime2: SqlDateTime2 {
                        days,
                        time: SqlTime {
                            time_nanoseconds: in_day,
                            scale: (*scale).min(7),
                        },
                    },
                    offset: dto.offset_minutes,
                })
            }
            _ => None,
        }),
    })
}

fn rescale(mantissa: i128, from: u8, to: u8) -> Result<i128> {
    let overflow = || Error::new("22003", "Numeric value out of range");
    if to >= from {
        mantissa
            .checked_mul(
                10i128
                    .checked_pow(u32::from(to - from))
                    .ok_or_else(overflow)?,
            )
            .ok_or_else(overflow)
    } else {
        Ok(mantissa / 10i128.pow(u32::from(from - to)))
    }
}

fn as_i64(v: &Value) -> Result<i64> {
    Ok(match v {
        Value::Bit(b) => i64::from(*b),
        Value::TinyInt(n) => i64::from(*n),
        Value::SmallInt(n) => i64::from(*n),
        Value::Int(n) => i64::from(*n),
        Value::BigInt(n) => *n,
        Value::Real(f) => *f as i64,
        Value::Float(f) => *f as i64,
        Value::Decimal(d) => (d.mantissa / 10i128.pow(u32::from(d.scale))) as i64,
        Value::Text(s) => s
            .trim()
            .parse()
            .map_err(|_| Error::new("22018", "Invalid character value for cast specification"))?,
        _ => {
            return Err(Error::new(
                "07006",
                "Restricted data type attribute violation",
            ));
        }
    })
}

fn as_f64(v: &Value) -> Result<f64> {
    Ok(match v {
        Value::Real(f) => f64::from(*f),
        Value::Float(f) => *f,
        Value::Decimal(d) => d.mantissa as f64 / 10f64.powi(i32::from(d.scale)),
        Value::Text(s) => s
            .trim()
            .parse()
            .map_err(|_| Error::new("22018", "Invalid character value for cast specification"))?,
        other => as_i64(other)? as f64,
    })
}

fn as_text(v: &Value) -> Option<&str> {
    match v {
        Value::Text(s) => Some(s),
        _ => None,
    }
}

fn as_bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Binary(b) => Some(b.clone()),
        Value::Text(s) => Some(s.as_bytes().to_vec()),
        _ => None,
    }
}

/// The RPC parameters `@P1..@Pn` for `sp_executesql`.
pub fn rpc_parameters(params: &[(Value, ServerType)]) -> Result<Vec<RpcParameter>> {
    params
        .iter()
        .enumerate()
        .map(|(i, (value, ty))| {
            let ty = match (value, ty) {
                // A value the declared type cannot hold goes as text and lets the server convert.
                (Value::Text(_), t) if !text_compatible(t) => ServerType::NVarChar(None),
                _ => ty.clone(),
            };
            Ok(RpcParameter::new(
                Some(format!("@P{}", i + 1)),
                StatusFlags::NONE,
                sql_type(value, &ty)?,
            ))
        })
        .collect()
}

fn text_compatible(ty: &ServerType) -> bool {
    matches!(
        ty,
        ServerType::Char(_)
            | ServerType::VarChar(_)
            | ServerType::Text
            | ServerType::NChar(_)
            | ServerType::NVarChar(_)
            | ServerType::NText
            | ServerType::Xml
            | ServerType::Variant
            | ServerType::Bit
            | ServerType::TinyInt
            | ServerType::SmallInt
            | ServerType::Int
            | ServerType::BigInt
            | ServerType::Real
            | ServerType::Float
    )
}

// ---- parameter arrays: one parameter set as sp_execute's positional parameters ----

/// The type a value travels as: its declared type, or nvarchar(max) for text the declared type
/// cannot hold (the server converts it, as for a single execution).
pub fn effective_type(value: &Value, declared: &ServerType) -> ServerType {
    match value {
        Value::Text(_) if !text_compatible(declared) => ServerType::NVarChar(None),
        _ => declared.clone(),
    }
}

/// Bytes a value adds to a request, roughly (text as UTF-16); bounds the rows per request.
pub fn wire_bytes(value: &Value) -> usize {
    const OVERHEAD: usize = 8;
    OVERHEAD
        + match value {
            Value::Text(t) => t.len() * 2,
            Value::Binary(b) => b.len(),
            Value::Variant(inner, _) => wire_bytes(inner),
            _ => 16,
        }
}

/// One parameter set as RPC parameters of the types `types` (from [`effective_type`]),
/// unnamed (positional) unless `name` names them by position. Consumes the values, so text
/// and binary move instead of being copied.
pub fn positional_parameters(
    values: Vec<(Value, ServerType)>,
    types: &[ServerType],
    name: Option<fn(usize) -> String>,
) -> Result<Vec<RpcParameter>> {
    // One spare slot: the engine puts the prepared handle in front of a batched set's values.
    let mut params = Vec::with_capacity(values.len() + 1);
    for (i, ((value, _), ty)) in values.into_iter().zip(types).enumerate() {
        params.push(RpcParameter::new(
            name.map(|f| f(i)),
            StatusFlags::NONE,
            owned_sql_type(value, ty)?,
        ));
    }
    Ok(params)
}

/// UTF-16LE text for the engine, encoded into one exactly sized buffer.
fn utf16_text(s: &str) -> SqlString {
    let mut bytes = Vec::with_capacity(s.len() * 2);
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    SqlString::new(bytes, mssql_tds::datatypes::sql_string::EncodingType::Utf16)
}

/// [`sql_type`] taking the value: strings and bytes are moved into the engine's value.
fn owned_sql_type(value: Value, ty: &ServerType) -> Result<SqlType> {
    let len16 = |n: u32| n.min(8000) as u16;
    Ok(match (value, ty) {
        (Value::Text(s), ServerType::NVarChar(Some(n))) if *n <= 4000 => {
            SqlType::NVarchar(Some(utf16_text(&s)), (*n).max(1) as u16)
        }
        (Value::Text(s), ServerType::VarChar(Some(n))) if *n <= 8000 => {
            SqlType::Varchar(Some(utf16_text(&s)), len16(*n).max(1))
        }
        (
            Value::Text(s),
            ServerType::NVarChar(_) | ServerType::NText | ServerType::Xml | ServerType::Variant,
        ) => SqlType::NVarcharMax(Some(utf16_text(&s))),
        (Value::Text(s), ServerType::VarChar(_) | ServerType::Text) => {
            SqlType::VarcharMax(Some(utf16_text(&s)))
        }
        (Value::Binary(b), ServerType::VarBinary(Some(n))) if *n <= 8000 => {
            SqlType::VarBinary(Some(b), len16(*n).max(1))
        }
        (Value::Binary(b), ServerType::VarBinary(_) | ServerType::Image | ServerType::Udt(_)) => {
            SqlType::VarBinaryMax(Some(b))
        }
        (value, ty) => sql_type(&value, ty)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_outside_literals_and_comments_are_numbered() {
        let (sql, n) = rewrite_markers("SELECT ?, '?', [a?b], \"?\" -- ?\n, ? /* ? */");
        assert_eq!(n, 2);
        assert_eq!(sql, "SELECT @P1, '?', [a?b], \"?\" -- ?\n, @P2 /* ? */");
        assert_eq!(count_markers("SELECT 'it''s ?', ?"), 1);
    }

    #[test]
    fn civil_days_round_trip() {
        assert_eq!(
            days_from_civil(Date {
                year: 1970,
                month: 1,
                day: 1
            }),
            0
        );
        assert_eq!(
            days_from_civil(Date {
                year: 1,
                month: 1,
                day: 1
            }),
            -DAYS_0001_TO_1970
        );
        assert_eq!(
            days_from_civil(Date {
                year: 1900,
                month: 1,
                day: 1
            }),
            -DAYS_1900_TO_1970
        );
    }
}

/// ODBC's procedure-call escape `{[? =] call name(args)}` (and `{call name}`) as T-SQL
/// `EXEC [? =] name args` (SQLNativeSql's answer; SQL Server itself understands the other
/// escapes: {fn}, {d}, {ts}, {oj}). Executing a call escape sends an RPC instead
/// ([`parse_call_escape`]).
pub fn rewrite_call_escape(sql: &str) -> Option<String> {
    let body = sql.trim().strip_prefix('{')?.strip_suffix('}')?.trim();
    let (status, body) = match body.strip_prefix('?') {
        Some(rest) => ("? = ", rest.trim_start().strip_prefix('=')?.trim_start()),
        None => ("", body),
    };
    let keyword = body.get(..4)?;
    let after = &body[4..];
    if !keyword.eq_ignore_ascii_case("call") || !after.starts_with(char::is_whitespace) {
        return None;
    }
    let after = after.trim();
    let (name, args) = match after.find('(') {
        Some(open) => {
            let args = after[open + 1..].trim_end().strip_suffix(')')?;
            (after[..open].trim(), args.trim())
        }
        None => (after.trim(), ""),
    };
    if name.is_empty() {
        return None;
    }
    Some(if args.is_empty() {
        format!("EXEC {status}{name}")
    } else {
        format!("EXEC {status}{name} {args}")
    })
}

#[cfg(test)]
mod escape_tests {
    use super::rewrite_call_escape;

    #[test]
    fn call_escapes_become_exec() {
        assert_eq!(
            rewrite_call_escape("{call dbo.p(?, 'x')}").as_deref(),
            Some("EXEC dbo.p ?, 'x'")
        );
        assert_eq!(
            rewrite_call_escape(" { CALL p } ").as_deref(),
            Some("EXEC p")
        );
        assert_eq!(rewrite_call_escape("{call p()}").as_deref(), Some("EXEC p"));
        assert_eq!(rewrite_call_escape("SELECT 1"), None);
        assert_eq!(
            rewrite_call_escape("{? = call p(?)}").as_deref(),
            Some("EXEC ? = p ?")
        );
        assert_eq!(rewrite_call_escape("{callp}"), None);
    }
}

// ---- procedure calls and output parameters ----

/// A parameter that may hand a value back: `output` sends it by reference (RPC status
/// BY_REF_VALUE, `OUTPUT` in sp_executesql's declaration).
#[derive(Clone, Debug)]
pub struct CallParam {
    pub value: Value,
    pub ty: ServerType,
    pub output: bool,
}

/// An argument of a procedure-call escape.
#[derive(Clone, Debug, PartialEq)]
pub enum CallArg {
    /// `?`: the next bound parameter.
    Marker,
    /// A literal the driver sends as a typed RPC parameter, as msodbcsql does.
    Literal(Value, ServerType),
    /// Anything else (an expression, a variable, DEFAULT): only T-SQL can say it.
    Text(String),
}

/// ODBC's procedure-call escape `{[? =] call name[(args)]}`.
#[derive(Clone, Debug, PartialEq)]
pub struct CallEscape {
    /// `{? = call ...}`: parameter 1 receives the procedure's return status.
    pub returns_status: bool,
    pub name: String,
    pub args: Vec<CallArg>,
}

impl CallEscape {
    /// Whether every argument can travel as an RPC parameter (no T-SQL text needed).
    pub fn is_rpc(&self) -> bool {
        !self.args.iter().any(|a| matches!(a, CallArg::Text(_)))
    }

    /// The T-SQL form (markers numbered `@P1..` as [`rewrite_markers`] numbers them, the
    /// return status included), for sp_executesql: `EXEC @P1 = name @P2 OUTPUT, 40`.
    /// `output[i]` says whether parameter i+1 is an output parameter.
    pub fn exec_text(&self, output: &[bool]) -> String {
        let mut marker = usize::from(self.returns_status);
        let mut text = String::from("EXEC ");
        if self.returns_status {
            text.push_str("@P1 = ");
        }
        text.push_str(&self.name);
        let args: Vec<String> = self
            .args
            .iter()
            .map(|a| match a {
                CallArg::Marker => {
                    marker += 1;
                    let out = output.get(marker - 1).copied().unwrap_or(false);
                    format!("@P{marker}{}", if out { " OUTPUT" } else { "" })
                }
                CallArg::Literal(..) | CallArg::Text(_) => literal_text(a),
            })
            .collect();
        if !args.is_empty() {
            text.push(' ');
            text.push_str(&args.join(", "));
        }
        text
    }
}

fn literal_text(arg: &CallArg) -> String {
    match arg {
        CallArg::Text(t) => t.clone(),
        CallArg::Literal(Value::Text(s), ServerType::NVarChar(_)) => {
            format!("N'{}'", s.replace('\'', "''"))
        }
        CallArg::Literal(Value::Text(s), _) => format!("'{}'", s.replace('\'', "''")),
        CallArg::Literal(Value::Int(n), _) => n.to_string(),
        CallArg::Literal(Value::BigInt(n), _) => n.to_string(),
        CallArg::Literal(..) | CallArg::Marker => "NULL".to_string(),
    }
}

/// Parses a procedure-call escape; None when `sql` is not one (the whole text must be the
/// escape, as ODBC defines it).
pub fn parse_call_escape(sql: &str) -> Option<CallEscape> {
    let body = sql.trim().strip_prefix('{')?.strip_suffix('}')?.trim();
    let (returns_status, body) = match body.strip_prefix('?') {
        Some(rest) => (true, rest.trim_start().strip_prefix('=')?.trim_start()),
        None => (false, body),
    };
    let keyword = body.get(..4)?;
    let after = &body[4..];
    if !keyword.eq_ignore_ascii_case("call") || !after.starts_with(char::is_whitespace) {
        return None;
    }
    let after = after.trim();
    let (name, args) = match after.find('(') {
        Some(open) => {
            let args = after[open + 1..].trim_end().strip_suffix(')')?;
            (after[..open].trim(), args.trim())
        }
        None => (after, ""),
    };
    if name.is_empty() || name.contains(char::is_whitespace) && !name.contains('[') {
        return None;
    }
    let args = if args.is_empty() {
        Vec::new()
    } else {
        split_args(args).iter().map(|a| call_arg(a)).collect()
    };
    Some(CallEscape {
        returns_status,
        name: name.to_string(),
        args,
    })
}

/// Splits on the commas outside quotes, brackets and parentheses.
fn split_args(args: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for c in args.chars() {
        match quote {
            Some(q) => {
                // A doubled closer re-opens at once on the next character, which is correct.
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '[' => quote = Some(']'),
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    parts.push(std::mem::take(&mut current).trim().to_string());
                    continue;
                }
                _ => {}
            },
        }
        current.push(c);
    }
    parts.push(current.trim().to_string());
    parts
}

fn call_arg(arg: &str) -> CallArg {
    if arg == "?" {
        return CallArg::Marker;
    }
    if let Some(n) = integer_literal(arg) {
        return match i32::try_from(n) {
            Ok(small) => CallArg::Literal(Value::Int(small), ServerType::Int),
            Err(_) => CallArg::Literal(Value::BigInt(n), ServerType::BigInt),
        };
    }
    let (national, quoted) = match arg.strip_prefix(['N', 'n']) {
        Some(rest) if rest.starts_with('\'') => (true, rest),
        _ => (false, arg),
    };
    if let Some(s) = string_literal(quoted) {
        let len = s.encode_utf16().count().max(1) as u32;
        return if national {
            CallArg::Literal(Value::Text(s), ServerType::NVarChar(Some(len.min(4000))))
        } else if len <= 8000 {
            CallArg::Literal(Value::Text(s), ServerType::VarChar(Some(len)))
        } else {
            CallArg::Literal(Value::Text(s), ServerType::VarChar(None))
        };
    }
    CallArg::Text(arg.to_string())
}

fn integer_literal(arg: &str) -> Option<i64> {
    let digits = arg.strip_prefix(['-', '+']).unwrap_or(arg);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    arg.parse().ok()
}

/// `'it''s'` -> `it's`; None unless `arg` is exactly one quoted string.
fn string_literal(arg: &str) -> Option<String> {
    let inner = arg.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            // Inside, a quote must be doubled.
            if chars.next() != Some('\'') {
                return None;
            }
        }
        out.push(c);
    }
    Some(out)
}

/// One RPC parameter, by reference when it is an output parameter.
fn call_rpc_parameter(name: Option<String>, param: &CallParam) -> Result<RpcParameter> {
    let ty = match (&param.value, &param.ty) {
        (Value::Text(_), t) if !text_compatible(t) => ServerType::NVarChar(None),
        _ => param.ty.clone(),
    };
    let flags = if param.output {
        StatusFlags::BY_REF_VALUE
    } else {
        StatusFlags::NONE
    };
    let rpc = RpcParameter::new(name, flags, sql_type(&param.value, &ty)?);
    // A NULL carries no precision or scale of its own; without them the server would declare
    // numeric(1,0) or datetime2(7) and fit the output value into that.
    let metadata = match (&param.value, &ty) {
        (Value::Null, ServerType::Decimal { precision, scale })
        | (Value::Null, ServerType::Numeric { precision, scale }) => Some(RpcTypeMetadata {
            precision: Some(*precision),
            scale: Some(*scale),
        }),
        (Value::Null, ServerType::Time { scale })
        | (Value::Null, ServerType::DateTime2 { scale })
        | (Value::Null, ServerType::DateTimeOffset { scale }) => Some(RpcTypeMetadata {
            precision: None,
            scale: Some(*scale),
        }),
        _ => None,
    };
    Ok(match metadata {
        Some(m) => rpc.with_type_metadata(m),
        None => rpc,
    })
}

/// Positional RPC parameters of a procedure call.
pub fn procedure_parameters(params: &[CallParam]) -> Result<Vec<RpcParameter>> {
    params.iter().map(|p| call_rpc_parameter(None, p)).collect()
}

/// `@P1..@Pn` for sp_executesql, output parameters by reference.
pub fn statement_parameters(params: &[CallParam]) -> Result<Vec<RpcParameter>> {
    params
        .iter()
        .enumerate()
        .map(|(i, p)| call_rpc_parameter(Some(format!("@P{}", i + 1)), p))
        .collect()
}

#[cfg(test)]
mod call_escape_tests {
    use super::*;

    #[test]
    fn return_status_markers_and_literals() {
        let call =
            parse_call_escape(" { ? = CALL [dbo].[p](?, 40, N'a''b', 'x', @v, ?) } ").unwrap();
        assert!(call.returns_status);
        assert_eq!(call.name, "[dbo].[p]");
        assert_eq!(
            call.args,
            vec![
                CallArg::Marker,
                CallArg::Literal(Value::Int(40), ServerType::Int),
                CallArg::Literal(Value::Text("a'b".into()), ServerType::NVarChar(Some(3))),
                CallArg::Literal(Value::Text("x".into()), ServerType::VarChar(Some(1))),
                CallArg::Text("@v".into()),
                CallArg::Marker,
            ]
        );
        assert!(!call.is_rpc());
        assert_eq!(
            call.exec_text(&[true, false, true]),
            "EXEC @P1 = [dbo].[p] @P2, 40, N'a''b', 'x', @v, @P3 OUTPUT"
        );
    }

    #[test]
    fn forms_without_arguments() {
        let call = parse_call_escape("{call p}").unwrap();
        assert_eq!((call.returns_status, call.name.as_str()), (false, "p"));
        assert!(call.args.is_empty() && call.is_rpc());
        assert!(parse_call_escape("{?=call s.p()}").unwrap().args.is_empty());
        assert_eq!(
            parse_call_escape("{call p(5000000000, -3)}").unwrap().args,
            vec![
                CallArg::Literal(Value::BigInt(5_000_000_000), ServerType::BigInt),
                CallArg::Literal(Value::Int(-3), ServerType::Int),
            ]
        );
        assert_eq!(parse_call_escape("{callp}"), None);
        assert_eq!(parse_call_escape("SELECT 1"), None);
        assert_eq!(parse_call_escape("{fn NOW()}"), None);
        assert_eq!(parse_call_escape("{? call p}"), None);
    }

    #[test]
    fn commas_inside_literals_and_parentheses_do_not_split() {
        let call = parse_call_escape("{call p('a,b', f(1, 2), ?)}").unwrap();
        assert_eq!(call.args.len(), 3);
        assert_eq!(call.args[1], CallArg::Text("f(1, 2)".into()));
    }
}
