//! T-SQL scalar functions registered on every SQLite connection (SQLite function names are
//! case-insensitive, so `GETDATE()` finds `getdate`).

use super::SqlType;
use super::types::{
    self, ConvError, DateTimeParts, TICKS_PER_DAY, days_from_ymd, format_date, format_offset,
    format_time, parse_datetime, ymd_from_days,
};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Error, Result};
use std::time::{SystemTime, UNIX_EPOCH};

/// Marks a conversion error so the session can report SQL Server's number for it.
pub const CONV_PREFIX: &str = "ssconv:";

fn conv_err(e: ConvError) -> Error {
    Error::UserFunctionError(format!("{CONV_PREFIX}{}:{}", e.number, e.text).into())
}

fn user_err(number: i32, text: &str) -> Error {
    conv_err(ConvError {
        number,
        text: text.to_string(),
    })
}

/// The collation character columns and string comparisons use, after SQL Server's default
/// SQL_Latin1_General_CP1_CI_AS: case-insensitive, and blind to trailing spaces.
pub const COLLATION: &str = "CI_AS";

/// Compares two strings as the default collation does: trailing spaces never matter
/// ('a' = 'a  '), nor does case.
pub fn collate(a: &str, b: &str) -> std::cmp::Ordering {
    let fold = |s: &str| {
        s.trim_end_matches(' ')
            .chars()
            .flat_map(char::to_lowercase)
            .collect::<Vec<char>>()
    };
    fold(a).cmp(&fold(b))
}

pub fn register(conn: &Connection) -> Result<()> {
    conn.create_collation(COLLATION, collate)?;
    let det = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let volatile = FunctionFlags::SQLITE_UTF8;
    conn.create_scalar_function("ss_cast", -1, det, |ctx| cast(ctx, false))?;
    conn.create_scalar_function("ss_try_cast", -1, det, |ctx| cast(ctx, true))?;
    conn.create_scalar_function("ss_variant", 2, det, |ctx| {
        let decl = ctx.get::<String>(1)?;
        let base = types::parse_decl(&decl)
            .ok_or_else(|| user_err(243, &format!("Type {decl} is not a defined system type.")))?;
        types::tag_variant(ctx.get_raw(0), &base).map_err(conv_err)
    })?;
    for name in ["getdate", "current_timestamp_ss", "getutcdate"] {
        conn.create_scalar_function(name, 0, volatile, |_| Ok(now_text(3, false)))?;
    }
    for name in ["sysdatetime", "sysutcdatetime"] {
        conn.create_scalar_function(name, 0, volatile, |_| Ok(now_text(7, false)))?;
    }
    conn.create_scalar_function("sysdatetimeoffset", 0, volatile, |_| Ok(now_text(7, true)))?;
    conn.create_scalar_function("newid", 0, volatile, |_| {
        Ok(types::guid_to_text(&random_guid()))
    })?;
    // nchar/nvarchar text as the bytes SQL Server stores for it.
    conn.create_scalar_function("ss_utf16le", 1, det, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(t) => Value::Blob(
                String::from_utf8_lossy(t)
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes)
                    .collect(),
            ),
            other => Value::from(other),
        })
    })?;
    conn.create_scalar_function("len", 1, det, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Null => None,
            v => Some(text_of(v).trim_end_matches(' ').chars().count() as i64),
        })
    })?;
    conn.create_scalar_function("datalength", 1, det, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Null => None,
            ValueRef::Blob(b) => Some(b.len() as i64),
            ValueRef::Integer(_) => Some(4),
            ValueRef::Real(_) => Some(8),
            ValueRef::Text(t) => Some(t.len() as i64),
        })
    })?;
    conn.create_scalar_function("charindex", -1, det, |ctx| {
        if ctx.len() < 2 || ctx.get_raw(0) == ValueRef::Null || ctx.get_raw(1) == ValueRef::Null {
            return Ok(None);
        }
        let needle = text_of(ctx.get_raw(0)).to_lowercase();
        let hay: Vec<char> = text_of(ctx.get_raw(1)).to_lowercase().chars().collect();
        let start = if ctx.len() > 2 {
            ctx.get::<i64>(2).unwrap_or(1).max(1) as usize - 1
        } else {
            0
        };
        let n: Vec<char> = needle.chars().collect();
        if n.is_empty() {
            return Ok(Some(0));
        }
        Ok(Some(
            (start..hay.len().saturating_sub(n.len() - 1))
                .find(|&i| hay[i..i + n.len()] == n[..])
                .map_or(0, |i| i as i64 + 1),
        ))
    })?;
    conn.create_scalar_function("ss_left", 2, det, |ctx| {
        Ok(str_arg(ctx, 0).map(|s| {
            s.chars()
                .take(ctx.get::<i64>(1).unwrap_or(0).max(0) as usize)
                .collect::<String>()
        }))
    })?;
    conn.create_scalar_function("ss_right", 2, det, |ctx| {
        Ok(str_arg(ctx, 0).map(|s| {
            let n = ctx.get::<i64>(1).unwrap_or(0).max(0) as usize;
            let c: Vec<char> = s.chars().collect();
            c[c.len().saturating_sub(n)..].iter().collect::<String>()
        }))
    })?;
    conn.create_scalar_function("replicate", 2, det, |ctx| {
        Ok(str_arg(ctx, 0)
            .map(|s| s.repeat(ctx.get::<i64>(1).unwrap_or(0).clamp(0, 1 << 24) as usize)))
    })?;
    conn.create_scalar_function("space", 1, det, |ctx| {
        Ok(" ".repeat(ctx.get::<i64>(0).unwrap_or(0).clamp(0, 8000) as usize))
    })?;
    conn.create_scalar_function("reverse", 1, det, |ctx| {
        Ok(str_arg(ctx, 0).map(|s| s.chars().rev().collect::<String>()))
    })?;
    conn.create_scalar_function("quotename", -1, det, |ctx| {
        Ok(str_arg(ctx, 0).map(|s| format!("[{}]", s.replace(']', "]]"))))
    })?;
    conn.create_scalar_function("stuff", 4, det, |ctx| {
        let Some(s) = str_arg(ctx, 0) else {
            return Ok(None);
        };
        let c: Vec<char> = s.chars().collect();
        let start = ctx.get::<i64>(1).unwrap_or(1) - 1;
        let len = ctx.get::<i64>(2).unwrap_or(0).max(0) as usize;
        if start < 0 || start as usize > c.len() {
            return Ok(None);
        }
        let start = start as usize;
        let ins = str_arg(ctx, 3).unwrap_or_default();
        let mut out: String = c[..start].iter().collect();
        out.push_str(&ins);
        out.extend(c[(start + len).min(c.len())..].iter());
        Ok(Some(out))
    })?;
    conn.create_scalar_function("nchar", 1, det, |ctx| {
        Ok(ctx
            .get::<Option<i64>>(0)?
            .and_then(|c| char::from_u32(c as u32))
            .map(String::from))
    })?;
    conn.create_scalar_function("ascii", 1, det, |ctx| {
        Ok(str_arg(ctx, 0)
            .and_then(|s| s.bytes().next())
            .map(|b| b as i64))
    })?;
    // T-SQL LIKE: % _ [abc] [a-z] [^x], case-insensitive, optional ESCAPE.
    for args in [2, 3] {
        conn.create_scalar_function("like", args, det, |ctx| {
            let (Some(pattern), Some(value)) = (str_arg(ctx, 0), str_arg(ctx, 1)) else {
                return Ok(None);
            };
            let escape = if ctx.len() > 2 {
                str_arg(ctx, 2).and_then(|e| e.chars().next())
            } else {
                None
            };
            Ok(Some(tsql_like(&pattern, &value, escape) as i64))
        })?;
    }
    conn.create_scalar_function("ss_divisor", 1, det, |ctx| {
        let v = ctx.get::<Value>(0)?;
        let zero = match &v {
            Value::Integer(0) => true,
            Value::Real(f) => *f == 0.0,
            Value::Text(t) => t.trim().parse::<f64>() == Ok(0.0),
            _ => false,
        };
        if zero {
            return Err(user_err(8134, "Divide by zero error encountered."));
        }
        Ok(v)
    })?;
    conn.create_scalar_function("ss_ceiling", 1, det, |ctx| num_fn(ctx, f64::ceil))?;
    conn.create_scalar_function("floor", 1, det, |ctx| num_fn(ctx, f64::floor))?;
    conn.create_scalar_function("square", 1, det, |ctx| {
        Ok(ctx.get::<Option<f64>>(0)?.map(|x| x * x))
    })?;
    conn.create_scalar_function("sqrt", 1, det, |ctx| {
        Ok(ctx.get::<Option<f64>>(0)?.map(f64::sqrt))
    })?;
    conn.create_scalar_function("exp", 1, det, |ctx| {
        Ok(ctx.get::<Option<f64>>(0)?.map(f64::exp))
    })?;
    conn.create_scalar_function("log", 1, det, |ctx| {
        Ok(ctx.get::<Option<f64>>(0)?.map(f64::ln))
    })?;
    conn.create_scalar_function("log10", 1, det, |ctx| {
        Ok(ctx.get::<Option<f64>>(0)?.map(f64::log10))
    })?;
    conn.create_scalar_function("pi", 0, det, |_| Ok(std::f64::consts::PI))?;
    conn.create_scalar_function("rand", -1, volatile, |_| {
        Ok((random_u64() >> 11) as f64 / (1u64 << 53) as f64)
    })?;
    conn.create_scalar_function("power", 2, det, |ctx| {
        Ok(match (ctx.get_raw(0), ctx.get::<Option<f64>>(1)?) {
            (ValueRef::Integer(b), Some(e)) if e >= 0.0 && e.fract() == 0.0 => b
                .checked_pow(e as u32)
                .map(Value::Integer)
                .unwrap_or(Value::Real((b as f64).powf(e))),
            (ValueRef::Null, _) | (_, None) => Value::Null,
            (b, Some(e)) => Value::Real(as_f64(b).powf(e)),
        })
    })?;
    conn.create_scalar_function("sign", 1, det, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Integer(i) => Value::Integer(i.signum()),
            ValueRef::Null => Value::Null,
            v => Value::Real(as_f64(v).signum()),
        })
    })?;
    conn.create_scalar_function("isnumeric", 1, det, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Integer(_) | ValueRef::Real(_) => 1,
            ValueRef::Null => 0,
            v => text_of(v).trim().parse::<f64>().is_ok() as i64,
        })
    })?;
    conn.create_scalar_function("isdate", 1, det, |ctx| {
        Ok(
            str_arg(ctx, 0).is_some_and(|s| parse_datetime(&s).is_some_and(|p| p.days.is_some()))
                as i64,
        )
    })?;
    conn.create_scalar_function("year", 1, det, |ctx| date_part_fn(ctx, "year", 0))?;
    conn.create_scalar_function("month", 1, det, |ctx| date_part_fn(ctx, "month", 0))?;
    conn.create_scalar_function("day", 1, det, |ctx| date_part_fn(ctx, "day", 0))?;
    conn.create_scalar_function("ss_datepart", 2, det, |ctx| {
        let part = ctx.get::<String>(0)?;
        date_part_fn(ctx, &part, 1)
    })?;
    conn.create_scalar_function("ss_datename", 2, det, |ctx| {
        let part = ctx.get::<String>(0)?;
        let Some(p) = date_arg(ctx, 1)? else {
            return Ok(None);
        };
        Ok(Some(datename(&part, &p)?))
    })?;
    conn.create_scalar_function("ss_dateadd", 3, det, |ctx| {
        let part = ctx.get::<String>(0)?;
        let Some(n) = ctx.get::<Option<i64>>(1)? else {
            return Ok(None);
        };
        let Some(p) = date_arg(ctx, 2)? else {
            return Ok(None);
        };
        Ok(Some(format_parts(&dateadd(&part, n, p)?)))
    })?;
    for name in ["ss_datediff", "ss_datediff_big"] {
        conn.create_scalar_function(name, 3, det, |ctx| {
            let part = ctx.get::<String>(0)?;
            let (Some(a), Some(b)) = (date_arg(ctx, 1)?, date_arg(ctx, 2)?) else {
                return Ok(None);
            };
            Ok(Some(datediff(&part, &a, &b)?))
        })?;
    }
    conn.create_scalar_function("eomonth", -1, det, |ctx| {
        let Some(p) = date_arg(ctx, 0)? else {
            return Ok(None);
        };
        let (y, m, _) = ymd_from_days(p.days.unwrap_or(0));
        let add = if ctx.len() > 1 { ctx.get::<i64>(1)? } else { 0 };
        let total = y * 12 + (m - 1) + add;
        let (y, m) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        let next = if m == 12 {
            days_from_ymd(y + 1, 1, 1)
        } else {
            days_from_ymd(y, m + 1, 1)
        };
        Ok(Some(format_date(next - 1)))
    })?;
    // Stable object ids from names, so OBJECT_ID and OBJECT_NAME agree.
    conn.create_scalar_function("ss_object_id", 1, det, |ctx| {
        Ok(str_arg(ctx, 0).map(|s| object_id(&s)))
    })?;
    conn.create_scalar_function("ss_object_name_part", 1, det, |ctx| {
        Ok(str_arg(ctx, 0).map(|s| object_name_part(&s)))
    })?;
    Ok(())
}

/// T-SQL LIKE matching (case-insensitive, as the default collation is).
pub fn tsql_like(pattern: &str, value: &str, escape: Option<char>) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let v: Vec<char> = value.to_lowercase().chars().collect();
    // Iterative matching with backtracking on the last %.
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    // One pattern element at p[pi]: its length and whether it matches c.
    let element = |pi: usize, c: char| -> (usize, bool) {
        match p[pi] {
            e if Some(e) == escape && pi + 1 < p.len() => (2, p[pi + 1] == c),
            '_' => (1, true),
            '[' => match p[pi + 1..].iter().position(|x| *x == ']') {
                Some(end) if end > 0 => {
                    let set = &p[pi + 1..pi + 1 + end];
                    let (negate, set) = if set[0] == '^' && set.len() > 1 {
                        (true, &set[1..])
                    } else {
                        (false, set)
                    };
                    let mut hit = false;
                    let mut k = 0;
                    while k < set.len() {
                        if k + 2 < set.len() && set[k + 1] == '-' {
                            hit |= set[k] <= c && c <= set[k + 2];
                            k += 3;
                        } else {
                            hit |= set[k] == c;
                            k += 1;
                        }
                    }
                    (end + 2, hit != negate)
                }
                _ => (1, c == '['),
            },
            e => (1, e == c),
        }
    };
    while vi < v.len() {
        if pi < p.len() && p[pi] == '%' && Some('%') != escape {
            star = Some((pi, vi));
            pi += 1;
            continue;
        }
        if pi < p.len() {
            let (len, ok) = element(pi, v[vi]);
            if ok {
                pi += len;
                vi += 1;
                continue;
            }
        }
        match star {
            Some((sp, sv)) => {
                pi = sp + 1;
                vi = sv + 1;
                star = Some((sp, sv + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

pub fn object_id(name: &str) -> i64 {
    let h = name
        .to_lowercase()
        .bytes()
        .fold(0x811c9dc5u32, |h, b| (h ^ b as u32).wrapping_mul(16777619));
    (h & 0x3fff_ffff) as i64 + 1000
}

/// The object name in `db.schema.[name]` / `tempdb..#t`.
pub fn object_name_part(s: &str) -> String {
    let tokens = super::lexer::tokenize(s).unwrap_or_default();
    tokens
        .iter()
        .rev()
        .find_map(|t| t.name().map(str::to_string))
        .unwrap_or_else(|| s.to_string())
}

fn text_of(v: ValueRef) -> String {
    match v {
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => types::format_float(f),
        ValueRef::Null => String::new(),
    }
}

fn as_f64(v: ValueRef) -> f64 {
    match v {
        ValueRef::Integer(i) => i as f64,
        ValueRef::Real(f) => f,
        v => text_of(v).trim().parse().unwrap_or(0.0),
    }
}

fn str_arg(ctx: &Context, i: usize) -> Option<String> {
    match ctx.get_raw(i) {
        ValueRef::Null => None,
        v => Some(text_of(v)),
    }
}

fn num_fn(ctx: &Context, f: fn(f64) -> f64) -> Result<Value> {
    Ok(match ctx.get_raw(0) {
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Null => Value::Null,
        v => Value::Real(f(as_f64(v))),
    })
}

fn cast(ctx: &Context, try_: bool) -> Result<Value> {
    let decl = ctx.get::<String>(1)?;
    let ty = types::parse_decl(&decl)
        .ok_or_else(|| user_err(243, &format!("Type {decl} is not a defined system type.")))?;
    let style = if ctx.len() > 2 {
        ctx.get::<Option<i64>>(2)?
    } else {
        None
    };
    let v = ctx.get_raw(0);
    if let (Some(style), ValueRef::Text(_)) = (style, v)
        && is_string(&ty)
        && let Some(s) = styled_date(&text_of(v), style)
    {
        return Ok(Value::Text(s));
    }
    match types::convert_storage(v, &ty) {
        Ok(v) => Ok(v),
        Err(_) if try_ => Ok(Value::Null),
        Err(e) => Err(conv_err(e)),
    }
}

fn is_string(ty: &SqlType) -> bool {
    matches!(
        ty,
        SqlType::Char(_) | SqlType::VarChar(_) | SqlType::NChar(_) | SqlType::NVarChar(_)
    )
}

/// CONVERT(varchar, date, style) for the common styles.
fn styled_date(s: &str, style: i64) -> Option<String> {
    let p = parse_datetime(s)?;
    let (y, m, d) = ymd_from_days(p.days?);
    let time = p.ticks.unwrap_or(0);
    Some(match style {
        23 => format!("{y:04}-{m:02}-{d:02}"),
        101 => format!("{m:02}/{d:02}/{y:04}"),
        103 => format!("{d:02}/{m:02}/{y:04}"),
        112 => format!("{y:04}{m:02}{d:02}"),
        108 => format_time(time, 0),
        120 | 20 => format!("{y:04}-{m:02}-{d:02} {}", format_time(time, 0)),
        121 | 21 => format!("{y:04}-{m:02}-{d:02} {}", format_time(time, 3)),
        126 | 127 => format!("{y:04}-{m:02}-{d:02}T{}", format_time(time, 3)),
        _ => return None,
    })
}

fn now_parts() -> (i32, u64) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let days = (d.as_secs() / 86400) as i32 + days_from_ymd(1970, 1, 1);
    let ticks = (d.as_secs() % 86400) * 10_000_000 + d.subsec_nanos() as u64 / 100;
    (days, ticks)
}

fn now_text(scale: u8, offset: bool) -> String {
    let (days, ticks) = now_parts();
    let mut s = format!("{} {}", format_date(days), format_time(ticks, scale));
    if offset {
        s.push_str(" +00:00");
    }
    s
}

fn random_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64
            | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    x.wrapping_mul(0x2545F4914F6CDD1D)
}

pub fn random_guid() -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&random_u64().to_le_bytes());
    b[8..].copy_from_slice(&random_u64().to_le_bytes());
    b[7] = (b[7] & 0x0f) | 0x40; // version 4 (wire order keeps group 3 little-endian)
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

fn date_arg(ctx: &Context, i: usize) -> Result<Option<DateTimeParts>> {
    match ctx.get_raw(i) {
        ValueRef::Null => Ok(None),
        v => match types::from_storage(v, &SqlType::DateTimeOffset { scale: 7 }) {
            Ok(_) => {
                let s = text_of(v);
                Ok(Some(parse_datetime(&s).unwrap_or(DateTimeParts {
                    days: Some(days_from_ymd(1900, 1, 1)),
                    ticks: Some(0),
                    offset_minutes: None,
                })))
            }
            Err(e) => Err(conv_err(e)),
        },
    }
}

fn unit(part: &str) -> Result<&'static str> {
    Ok(match part {
        "year" | "yy" | "yyyy" => "year",
        "quarter" | "qq" | "q" => "quarter",
        "month" | "mm" | "m" => "month",
        "dayofyear" | "dy" | "y" => "dayofyear",
        "day" | "dd" | "d" => "day",
        "week" | "wk" | "ww" => "week",
        "weekday" | "dw" | "w" => "weekday",
        "hour" | "hh" => "hour",
        "minute" | "mi" | "n" => "minute",
        "second" | "ss" | "s" => "second",
        "millisecond" | "ms" => "millisecond",
        "microsecond" | "mcs" => "microsecond",
        "nanosecond" | "ns" => "nanosecond",
        "tzoffset" | "tz" => "tzoffset",
        "iso_week" | "isowk" | "isoww" => "iso_week",
        _ => {
            return Err(user_err(
                155,
                &format!("'{part}' is not a recognized datepart option."),
            ));
        }
    })
}

fn date_part_fn(ctx: &Context, part: &str, arg: usize) -> Result<Option<i64>> {
    let Some(p) = date_arg(ctx, arg)? else {
        return Ok(None);
    };
    Ok(Some(datepart(part, &p)?))
}

fn datepart(part: &str, p: &DateTimeParts) -> Result<i64> {
    let days = p.days.unwrap_or(days_from_ymd(1900, 1, 1));
    let (y, m, d) = ymd_from_days(days);
    let t = p.ticks.unwrap_or(0);
    Ok(match unit(part)? {
        "year" => y,
        "quarter" => (m - 1) / 3 + 1,
        "month" => m,
        "dayofyear" => (days - days_from_ymd(y, 1, 1)) as i64 + 1,
        "day" => d,
        "week" => {
            let jan1 = days_from_ymd(y, 1, 1) as i64;
            let jan1_wd = (jan1 + 1).rem_euclid(7); // 0 = Sunday (0001-01-01 was a Monday)
            (days as i64 - jan1 + jan1_wd) / 7 + 1
        }
        "weekday" => (days as i64 + 1).rem_euclid(7) + 1,
        "hour" => (t / 36_000_000_000) as i64,
        "minute" => (t / 600_000_000 % 60) as i64,
        "second" => (t / 10_000_000 % 60) as i64,
        "millisecond" => (t % 10_000_000 / 10_000) as i64,
        "microsecond" => (t % 10_000_000 / 10) as i64,
        "nanosecond" => (t % 10_000_000 * 100) as i64,
        "tzoffset" => p.offset_minutes.unwrap_or(0) as i64,
        _ => {
            // ISO week: the week containing the year's first Thursday is week 1.
            let wd = (days as i64).rem_euclid(7); // 0 = Monday
            let thursday = days as i64 - wd + 3;
            let (ty, _, _) = ymd_from_days(thursday as i32);
            (thursday - days_from_ymd(ty, 1, 1) as i64) / 7 + 1
        }
    })
}

fn datename(part: &str, p: &DateTimeParts) -> Result<String> {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS: [&str; 7] = [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ];
    let v = datepart(part, p)?;
    Ok(match unit(part)? {
        "month" => MONTHS[(v - 1) as usize].to_string(),
        "weekday" => DAYS[(v - 1) as usize].to_string(),
        _ => v.to_string(),
    })
}

fn dateadd(part: &str, n: i64, mut p: DateTimeParts) -> Result<DateTimeParts> {
    let days = p.days.unwrap_or(days_from_ymd(1900, 1, 1));
    let overflow = || {
        user_err(
            517,
            "Adding a value to a 'datetime' column caused an overflow.",
        )
    };
    let add_months = |months: i64| -> Result<i32> {
        let (y, m, d) = ymd_from_days(days);
        let total = y * 12 + (m - 1) + months;
        let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        if !(1..=9999).contains(&ny) {
            return Err(overflow());
        }
        let last = (if nm == 12 {
            days_from_ymd(ny + 1, 1, 1)
        } else {
            days_from_ymd(ny, nm + 1, 1)
        }) - 1;
        let (_, _, ld) = ymd_from_days(last);
        Ok(days_from_ymd(ny, nm, d.min(ld)))
    };
    let add_ticks = |p: &mut DateTimeParts, ticks: i128| {
        let total = days as i128 * TICKS_PER_DAY as i128 + p.ticks.unwrap_or(0) as i128 + ticks;
        p.days = Some(total.div_euclid(TICKS_PER_DAY as i128) as i32);
        p.ticks = Some(total.rem_euclid(TICKS_PER_DAY as i128) as u64);
    };
    match unit(part)? {
        "year" => p.days = Some(add_months(n * 12)?),
        "quarter" => p.days = Some(add_months(n * 3)?),
        "month" => p.days = Some(add_months(n)?),
        "dayofyear" | "day" | "weekday" => p.days = Some(days + n as i32),
        "week" => p.days = Some(days + 7 * n as i32),
        "hour" => add_ticks(&mut p, n as i128 * 36_000_000_000),
        "minute" => add_ticks(&mut p, n as i128 * 600_000_000),
        "second" => add_ticks(&mut p, n as i128 * 10_000_000),
        "millisecond" => add_ticks(&mut p, n as i128 * 10_000),
        "microsecond" => add_ticks(&mut p, n as i128 * 10),
        "nanosecond" => add_ticks(&mut p, n as i128 / 100),
        _ => {
            return Err(user_err(
                9810,
                &format!("The datepart {part} is not supported by date function dateadd."),
            ));
        }
    }
    Ok(p)
}

fn datediff(part: &str, a: &DateTimeParts, b: &DateTimeParts) -> Result<i64> {
    let abs = |p: &DateTimeParts| -> i128 {
        let utc = p.days.unwrap_or(days_from_ymd(1900, 1, 1)) as i128 * TICKS_PER_DAY as i128
            + p.ticks.unwrap_or(0) as i128;
        utc - p.offset_minutes.unwrap_or(0) as i128 * 600_000_000
    };
    let (ta, tb) = (abs(a), abs(b));
    let boundary = |unit: i128| tb.div_euclid(unit) - ta.div_euclid(unit);
    let (ya, ma, _) = ymd_from_days(a.days.unwrap_or(0));
    let (yb, mb, _) = ymd_from_days(b.days.unwrap_or(0));
    Ok(match unit(part)? {
        "year" => yb - ya,
        "quarter" => (yb * 4 + (mb - 1) / 3) - (ya * 4 + (ma - 1) / 3),
        "month" => (yb * 12 + mb) - (ya * 12 + ma),
        "dayofyear" | "day" => boundary(TICKS_PER_DAY as i128) as i64,
        "week" => {
            let day = TICKS_PER_DAY as i128;
            // Weeks start on Sunday; day 0 (0001-01-01) was a Monday.
            ((tb.div_euclid(day) + 1).div_euclid(7) - (ta.div_euclid(day) + 1).div_euclid(7)) as i64
        }
        "hour" => boundary(36_000_000_000) as i64,
        "minute" => boundary(600_000_000) as i64,
        "second" => boundary(10_000_000) as i64,
        "millisecond" => boundary(10_000) as i64,
        "microsecond" => boundary(10) as i64,
        "nanosecond" => (boundary(1) * 100) as i64,
        _ => {
            return Err(user_err(
                9810,
                &format!("The datepart {part} is not supported by date function datediff."),
            ));
        }
    })
}

fn format_parts(p: &DateTimeParts) -> String {
    let date = p.days.map(format_date);
    let time = p.ticks.map(|t| format_time(t, 7));
    let mut s = match (date, time) {
        (Some(d), Some(t)) => format!("{d} {t}"),
        (Some(d), None) => d,
        (None, Some(t)) => t,
        (None, None) => String::new(),
    };
    if let Some(o) = p.offset_minutes {
        s.push(' ');
        s.push_str(&format_offset(o));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(conn: &Connection, sql: &str) -> String {
        conn.query_row(sql, [], |r| {
            let v: Value = r.get(0)?;
            Ok(match v {
                Value::Text(s) => s,
                Value::Integer(i) => i.to_string(),
                Value::Real(f) => f.to_string(),
                Value::Null => "NULL".into(),
                Value::Blob(b) => format!("{b:?}"),
            })
        })
        .unwrap()
    }

    #[test]
    fn date_functions() {
        let c = Connection::open_in_memory().unwrap();
        register(&c).unwrap();
        assert_eq!(
            q(&c, "select ss_dateadd('month', 1, '2024-01-31')"),
            "2024-02-29"
        );
        assert_eq!(
            q(
                &c,
                "select ss_datediff('day', '2024-01-01', '2024-03-01 10:00')"
            ),
            "60"
        );
        assert_eq!(q(&c, "select ss_datepart('weekday', '2024-06-02')"), "1"); // a Sunday
        assert_eq!(q(&c, "select ss_datename('month', '2024-06-02')"), "June");
        assert_eq!(q(&c, "select eomonth('2023-02-10')"), "2023-02-28");
    }

    #[test]
    fn tsql_like_patterns() {
        assert!(tsql_like("a%", "ABC", None));
        assert!(tsql_like("[a-c]_x", "bqX", None));
        assert!(!tsql_like("[^a-c]%", "b", None));
        assert!(tsql_like("#t[_][_]%", "#t__123", None));
        assert!(!tsql_like("#t[_][_]%", "#tab", None));
        assert!(tsql_like("100!%", "100%", Some('!')));
        assert!(!tsql_like("100!%", "1000", Some('!')));
        assert!(tsql_like("%b%c", "abxbc", None));
        assert!(!tsql_like("", "a", None));
        let c = Connection::open_in_memory().unwrap();
        register(&c).unwrap();
        assert_eq!(q(&c, "select 'x_1' LIKE 'x[_]%'"), "1");
    }

    #[test]
    fn string_functions() {
        let c = Connection::open_in_memory().unwrap();
        register(&c).unwrap();
        assert_eq!(q(&c, "select len('ab  ')"), "2");
        assert_eq!(q(&c, "select charindex('C', 'abcabc', 4)"), "6");
        assert_eq!(
            q(&c, "select ss_left('hello', 2) || ss_right('hello', 3)"),
            "hello"
        );
        assert_eq!(q(&c, "select ss_cast('12', 'INT') + 1"), "13");
        assert_eq!(q(&c, "select ss_try_cast('x', 'INT')"), "NULL");
        assert_eq!(
            q(
                &c,
                "select ss_cast('2024-01-02 03:04:05.123456789', 'DATETIME2(3)')"
            ),
            "2024-01-02 03:04:05.123"
        );
    }
}
