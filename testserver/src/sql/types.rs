//! SQL Server types: T-SQL type names, the SQLite column declarations that remember them, and
//! the conversions between wire values and the SQLite storage forms that round-trip exactly.
//!
//! Storage forms: integers and bit as INTEGER; real/float as REAL; decimal/money as REAL or
//! INTEGER when 15 significant digits hold them exactly, else as a BLOB of the decimal text
//! (a NUMERIC column would round longer text); strings as TEXT; binary as BLOB; dates and times
//! as ISO text (`YYYY-MM-DD hh:mm:ss.fffffff +hh:mm`); GUIDs as upper-case text.

use super::lexer::{Tok, Token};
use super::{SqlType, SqlValue};
use rusqlite::types::{Value, ValueRef};

/// A conversion failure, phrased as SQL Server phrases it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvError {
    pub number: i32,
    pub text: String,
}

impl ConvError {
    fn failed(from: &str, value: &str, to: &SqlType) -> ConvError {
        ConvError {
            number: 245,
            text: format!(
                "Conversion failed when converting the {from} value '{value}' to data type {}.",
                type_name(to)
            ),
        }
    }

    fn overflow(to: &SqlType) -> ConvError {
        ConvError {
            number: 8115,
            text: format!(
                "Arithmetic overflow error converting expression to data type {}.",
                type_name(to)
            ),
        }
    }

    fn datetime() -> ConvError {
        ConvError {
            number: 241,
            text: "Conversion failed when converting date and/or time from character string."
                .into(),
        }
    }
}

/// The bare T-SQL name (`nvarchar`, `decimal`...).
pub fn type_name(ty: &SqlType) -> &'static str {
    use SqlType::*;
    match ty {
        Bit => "bit",
        TinyInt => "tinyint",
        SmallInt => "smallint",
        Int => "int",
        BigInt => "bigint",
        Real => "real",
        Float => "float",
        Decimal { .. } => "decimal",
        Numeric { .. } => "numeric",
        Money => "money",
        SmallMoney => "smallmoney",
        Char(_) => "char",
        VarChar(_) => "varchar",
        Text => "text",
        NChar(_) => "nchar",
        NVarChar(_) => "nvarchar",
        NText => "ntext",
        Binary(_) => "binary",
        VarBinary(_) => "varbinary",
        Image => "image",
        Date => "date",
        Time { .. } => "time",
        DateTime => "datetime",
        SmallDateTime => "smalldatetime",
        DateTime2 { .. } => "datetime2",
        DateTimeOffset { .. } => "datetimeoffset",
        UniqueIdentifier => "uniqueidentifier",
        Xml => "xml",
        Variant => "sql_variant",
    }
}

/// The full T-SQL spelling (`nvarchar(max)`, `decimal(10,2)`).
pub fn type_sql(ty: &SqlType) -> String {
    use SqlType::*;
    let len = |n: &Option<u16>| n.map_or("max".to_string(), |n| n.to_string());
    match ty {
        Decimal { precision, scale } | Numeric { precision, scale } => {
            format!("{}({precision},{scale})", type_name(ty))
        }
        Char(n) | NChar(n) | Binary(n) => format!("{}({n})", type_name(ty)),
        VarChar(n) | NVarChar(n) | VarBinary(n) => format!("{}({})", type_name(ty), len(n)),
        Time { scale } | DateTime2 { scale } | DateTimeOffset { scale } => {
            format!("{}({scale})", type_name(ty))
        }
        _ => type_name(ty).to_string(),
    }
}

/// The SQLite column declaration that records `ty`: valid SQLite type syntax (`max` becomes
/// -1) whose affinity suits the storage form, parsed back by [`parse_decl`].
pub fn decl(ty: &SqlType) -> String {
    type_sql(ty).to_ascii_uppercase().replace("(MAX)", "(-1)")
}

/// Parses a declaration written by [`decl`] (or any T-SQL type text).
pub fn parse_decl(text: &str) -> Option<SqlType> {
    let tokens = super::lexer::tokenize(text).ok()?;
    let mut pos = 0;
    let ty = parse_type(&tokens, &mut pos, false).ok()?;
    (pos == tokens.len()).then_some(ty)
}

/// Parses a T-SQL type name at `tokens[*pos]`. `in_cast` selects CAST's default lengths (30)
/// over declarations' (1).
pub fn parse_type(tokens: &[Token], pos: &mut usize, in_cast: bool) -> Result<SqlType, String> {
    let first = tokens
        .get(*pos)
        .ok_or_else(|| "type expected".to_string())?;
    let mut name = first
        .name()
        .ok_or_else(|| first.to_string())?
        .to_ascii_lowercase();
    *pos += 1;
    // Schema-qualified system types: sys.int.
    if (name == "sys" || name == "dbo") && tokens.get(*pos).is_some_and(|t| t.is_op(".")) {
        *pos += 1;
        name = tokens
            .get(*pos)
            .and_then(|t| t.name())
            .ok_or_else(|| "type expected".to_string())?
            .to_ascii_lowercase();
        *pos += 1;
    }
    // Multi-word names.
    let next_is = |pos: usize, w: &str| tokens.get(pos).is_some_and(|t| t.is(w));
    if name == "double" && next_is(*pos, "precision") {
        *pos += 1;
        name = "float".into();
    }
    if (name == "char" || name == "character" || name == "nchar" || name == "national")
        && next_is(*pos, "varying")
    {
        *pos += 1;
        name = if name == "char" || name == "character" {
            "varchar"
        } else {
            "nvarchar"
        }
        .into();
    }
    let mut args: Vec<Option<i64>> = Vec::new();
    if tokens.get(*pos).is_some_and(|t| t.is_op("(")) {
        *pos += 1;
        loop {
            let t = tokens.get(*pos).ok_or_else(|| "(".to_string())?;
            match &t.tok {
                Tok::Word(w) if w.eq_ignore_ascii_case("max") => args.push(None),
                Tok::Num(n) => args.push(Some(n.parse().map_err(|_| n.clone())?)),
                Tok::Op("-") => {
                    *pos += 1;
                    match tokens.get(*pos).map(|t| &t.tok) {
                        Some(Tok::Num(n)) if n == "1" => args.push(None),
                        _ => return Err("-".into()),
                    }
                }
                _ => return Err(t.to_string()),
            }
            *pos += 1;
            match tokens.get(*pos) {
                Some(t) if t.is_op(",") => *pos += 1,
                Some(t) if t.is_op(")") => {
                    *pos += 1;
                    break;
                }
                Some(t) => return Err(t.to_string()),
                None => return Err(")".into()),
            }
        }
    }
    let default_len = if in_cast { 30 } else { 1 };
    let len = |i: usize| -> Result<Option<u16>, String> {
        match args.get(i) {
            None => Ok(Some(default_len)),
            Some(None) => Ok(None),
            Some(Some(n)) if (1..=8000).contains(n) => Ok(Some(*n as u16)),
            Some(Some(n)) => Err(n.to_string()),
        }
    };
    let fixed = |i: usize| -> Result<u16, String> { len(i)?.ok_or_else(|| "max".to_string()) };
    let num = |i: usize, default: i64| -> i64 { args.get(i).copied().flatten().unwrap_or(default) };
    let scale = |default: i64| -> Result<u8, String> {
        let s = num(0, default);
        if (0..=7).contains(&s) {
            Ok(s as u8)
        } else {
            Err(s.to_string())
        }
    };
    use SqlType::*;
    Ok(match name.as_str() {
        "bit" => Bit,
        "tinyint" => TinyInt,
        "smallint" => SmallInt,
        "int" | "integer" => Int,
        "bigint" => BigInt,
        "real" => Real,
        "float" => {
            if num(0, 53) <= 24 {
                Real
            } else {
                Float
            }
        }
        "decimal" | "dec" | "numeric" => {
            let p = num(0, 18);
            let s = num(1, 0);
            if !(1..=38).contains(&p) || s < 0 || s > p {
                return Err(p.to_string());
            }
            let (precision, scale) = (p as u8, s as u8);
            if name == "numeric" {
                Numeric { precision, scale }
            } else {
                Decimal { precision, scale }
            }
        }
        "money" => Money,
        "smallmoney" => SmallMoney,
        "char" | "character" => Char(fixed(0)?),
        "varchar" => VarChar(len(0)?),
        "text" => Text,
        "nchar" => NChar(fixed(0)?),
        "nvarchar" | "sysname" => {
            if name == "sysname" {
                NVarChar(Some(128))
            } else {
                NVarChar(len(0)?)
            }
        }
        "ntext" => NText,
        "binary" => Binary(fixed(0)?),
        "varbinary" => VarBinary(len(0)?),
        "image" => Image,
        "rowversion" | "timestamp" => Binary(8),
        "date" => Date,
        "time" => Time { scale: scale(7)? },
        "datetime" => DateTime,
        "smalldatetime" => SmallDateTime,
        "datetime2" => DateTime2 { scale: scale(7)? },
        "datetimeoffset" => DateTimeOffset { scale: scale(7)? },
        "uniqueidentifier" => UniqueIdentifier,
        "xml" => Xml,
        "sql_variant" => Variant,
        _ => return Err(format!("type:{name}")),
    })
}

/// Maximum length in bytes on the wire, as sp_columns / COLMETADATA count it.
pub fn octet_length(ty: &SqlType) -> Option<i32> {
    use SqlType::*;
    Some(match ty {
        Bit | TinyInt => 1,
        SmallInt => 2,
        Int | Real | SmallMoney | SmallDateTime => 4,
        BigInt | Float | Money | DateTime => 8,
        Char(n) | Binary(n) => *n as i32,
        VarChar(Some(n)) | VarBinary(Some(n)) => *n as i32,
        NChar(n) | NVarChar(Some(n)) => *n as i32 * 2,
        UniqueIdentifier => 16,
        Decimal { precision, .. } | Numeric { precision, .. } => *precision as i32 + 2,
        Date => 6,
        Time { .. } => 16,
        DateTime2 { .. } => 16,
        DateTimeOffset { .. } => 20,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic (proleptic Gregorian, days since 0001-01-01).

/// Days from 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

const EPOCH_0001: i64 = -719162; // days_from_civil(1, 1, 1)
pub const TICKS_PER_DAY: u64 = 864_000_000_000;

pub fn days_from_ymd(y: i64, m: i64, d: i64) -> i32 {
    (days_from_civil(y, m, d) - EPOCH_0001) as i32
}

pub fn ymd_from_days(days: i32) -> (i64, i64, i64) {
    civil_from_days(days as i64 + EPOCH_0001)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// A parsed date/time string: any part may be absent.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DateTimeParts {
    pub days: Option<i32>,
    pub ticks: Option<u64>,
    pub offset_minutes: Option<i16>,
}

/// Parses the ISO forms SQL Server accepts: `YYYY-MM-DD`, `YYYYMMDD`, with an optional
/// ` hh:mm[:ss[.fffffff]]` (or `T`), an optional offset `+hh:mm`/`Z`; or a bare time.
pub fn parse_datetime(s: &str) -> Option<DateTimeParts> {
    let s = s.trim();
    let mut parts = DateTimeParts::default();
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize, n: usize| -> Option<i64> {
        let end = *i + n;
        if end > b.len() || !b[*i..end].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let v = s[*i..end].parse().ok()?;
        *i = end;
        Some(v)
    };
    let is_time_first = b.len() >= 3 && b[2] == b':' || b.len() >= 2 && b[1] == b':';
    if !is_time_first {
        let y = digits(&mut i, 4)?;
        let sep = b.get(i).copied();
        if sep == Some(b'-') || sep == Some(b'/') || sep == Some(b'.') {
            i += 1;
        }
        let m = if b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            digits(&mut i, 2)?
        } else {
            digits(&mut i, 1)?
        };
        if b.get(i)
            .is_some_and(|c| *c == b'-' || *c == b'/' || *c == b'.')
        {
            i += 1;
        }
        let d = if b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            digits(&mut i, 2)?
        } else {
            digits(&mut i, 1)?
        };
        if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) || y < 1 {
            return None;
        }
        parts.days = Some(days_from_ymd(y, m, d));
        if i < b.len() && (b[i] == b' ' || b[i] == b'T') {
            i += 1;
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
        }
    }
    if i < b.len() && b[i].is_ascii_digit() {
        let h = if b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            digits(&mut i, 2)?
        } else {
            digits(&mut i, 1)?
        };
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        let mi = digits(&mut i, 2)?;
        let mut sec = 0;
        let mut frac: u64 = 0;
        if b.get(i) == Some(&b':') {
            i += 1;
            sec = digits(&mut i, 2)?;
            if b.get(i) == Some(&b'.') {
                i += 1;
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let mut f = s[start..i].to_string();
                if f.len() > 7 {
                    f.truncate(7);
                }
                while f.len() < 7 {
                    f.push('0');
                }
                frac = f.parse().ok()?;
            }
        }
        if h > 23 || mi > 59 || sec > 59 {
            return None;
        }
        parts.ticks = Some(((h * 3600 + mi * 60 + sec) as u64) * 10_000_000 + frac);
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i < b.len() && (b[i] == b'A' || b[i] == b'a' || b[i] == b'P' || b[i] == b'p') {
            let pm = b[i] == b'P' || b[i] == b'p';
            i += 1;
            if b.get(i).is_some_and(|c| *c == b'M' || *c == b'm') {
                i += 1;
            }
            let t = parts.ticks.unwrap();
            let hour_ticks = 36_000_000_000;
            let h12 = (t / hour_ticks) % 12;
            parts.ticks = Some(t % hour_ticks + (h12 + if pm { 12 } else { 0 }) * hour_ticks);
        }
    }
    if i < b.len() && (b[i] == b'Z' || b[i] == b'z') {
        parts.offset_minutes = Some(0);
        i += 1;
    } else if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        let neg = b[i] == b'-';
        i += 1;
        let oh = digits(&mut i, 2)?;
        if b.get(i) == Some(&b':') {
            i += 1;
        }
        let om = digits(&mut i, 2)?;
        let m = (oh * 60 + om) as i16;
        if m > 14 * 60 {
            return None;
        }
        parts.offset_minutes = Some(if neg { -m } else { m });
    }
    (i == b.len() && (parts.days.is_some() || parts.ticks.is_some())).then_some(parts)
}

pub fn format_date(days: i32) -> String {
    let (y, m, d) = ymd_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `hh:mm:ss[.f...]` with `scale` fraction digits.
pub fn format_time(ticks: u64, scale: u8) -> String {
    let secs = ticks / 10_000_000;
    let frac = ticks % 10_000_000;
    let mut s = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if scale > 0 {
        let f = format!("{frac:07}");
        s.push('.');
        s.push_str(&f[..scale as usize]);
    }
    s
}

pub fn format_offset(minutes: i16) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// Rounds 100-ns ticks to `scale` fraction digits, carrying into the day.
pub fn round_ticks(days: i32, ticks: u64, scale: u8) -> (i32, u64) {
    let unit = 10u64.pow(7 - scale as u32);
    let t = (ticks + unit / 2) / unit * unit;
    if t >= TICKS_PER_DAY {
        (days + 1, t - TICKS_PER_DAY)
    } else {
        (days, t)
    }
}

/// Rounds to datetime's 1/300 s.
fn round_datetime(days: i32, ticks: u64) -> (i32, u64) {
    let n = (ticks as u128 * 300 + 5_000_000) / 10_000_000;
    let t = (n * 10_000_000 / 300) as u64;
    let t = (t + 5_000) / 10_000 * 10_000; // whole milliseconds as SQL Server shows them
    if t >= TICKS_PER_DAY {
        (days + 1, t - TICKS_PER_DAY)
    } else {
        (days, t)
    }
}

// ---------------------------------------------------------------------------------------------
// Decimals.

/// Parses decimal text into (unscaled, scale).
pub fn parse_decimal(s: &str) -> Option<(i128, u8)> {
    let s = s.trim();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if let Some(epos) = digits.find(['e', 'E']) {
        let f: f64 = s.parse().ok()?;
        let _ = epos;
        return decimal_from_f64(f, 15);
    }
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|c| c.is_ascii_digit())
        || !frac.bytes().all(|c| c.is_ascii_digit())
        || frac.len() > 38
    {
        return None;
    }
    let mut v: i128 = 0;
    for c in int.bytes().chain(frac.bytes()) {
        v = v.checked_mul(10)?.checked_add((c - b'0') as i128)?;
    }
    Some((if neg { -v } else { v }, frac.len() as u8))
}

fn decimal_from_f64(f: f64, scale: u8) -> Option<(i128, u8)> {
    if !f.is_finite() {
        return None;
    }
    let v = (f * 10f64.powi(scale as i32)).round();
    if v.abs() >= 1e38 {
        return None;
    }
    Some((v as i128, scale))
}

/// Changes the scale of an unscaled value, rounding half away from zero.
pub fn rescale(value: i128, from: u8, to: u8) -> Option<i128> {
    if to >= from {
        value.checked_mul(10i128.checked_pow((to - from) as u32)?)
    } else {
        let div = 10i128.pow((from - to) as u32);
        let q = value / div;
        let r = value % div;
        Some(if r.abs() * 2 >= div {
            q + value.signum()
        } else {
            q
        })
    }
}

pub fn format_decimal(value: i128, scale: u8) -> String {
    let neg = value < 0;
    let digits = value.unsigned_abs().to_string();
    let scale = scale as usize;
    let s = if scale == 0 {
        digits
    } else if digits.len() > scale {
        format!(
            "{}.{}",
            &digits[..digits.len() - scale],
            &digits[digits.len() - scale..]
        )
    } else {
        format!("0.{}{}", "0".repeat(scale - digits.len()), digits)
    };
    if neg { format!("-{s}") } else { s }
}

fn digits_fit(value: i128, precision: u8) -> bool {
    value.unsigned_abs() < 10u128.pow(precision as u32)
}

// ---------------------------------------------------------------------------------------------
// GUIDs: text <-> wire order (first three groups little-endian).

pub fn guid_from_text(s: &str) -> Option<[u8; 16]> {
    let s = s.trim().trim_start_matches('{').trim_end_matches('}');
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || s.len() != 36 {
        return None;
    }
    let mut b = [0u8; 16];
    for (i, byte) in b.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).ok()?;
    }
    b[0..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    Some(b)
}

pub fn guid_to_text(b: &[u8; 16]) -> String {
    let mut c = *b;
    c[0..4].reverse();
    c[4..6].reverse();
    c[6..8].reverse();
    let h: String = c.iter().map(|x| format!("{x:02X}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

// ---------------------------------------------------------------------------------------------
// Wire value -> SQLite storage.

/// The storage form of a wire value (its own type decides the text forms).
pub fn to_storage(v: &SqlValue) -> Value {
    match v {
        SqlValue::Null => Value::Null,
        SqlValue::Bit(b) => Value::Integer(*b as i64),
        SqlValue::TinyInt(x) => Value::Integer(*x as i64),
        SqlValue::SmallInt(x) => Value::Integer(*x as i64),
        SqlValue::Int(x) => Value::Integer(*x as i64),
        SqlValue::BigInt(x) => Value::Integer(*x),
        SqlValue::Real(x) => Value::Real(*x as f64),
        SqlValue::Float(x) => Value::Real(*x),
        SqlValue::Decimal { value, scale } => decimal_storage(*value, *scale),
        SqlValue::Money(x) => decimal_storage(*x as i128, 4),
        SqlValue::String(s) => Value::Text(s.clone()),
        SqlValue::Binary(b) => Value::Blob(b.clone()),
        SqlValue::Date(d) => Value::Text(format_date(*d)),
        SqlValue::Time(t) => Value::Text(format_time(*t, 7)),
        SqlValue::DateTime { days, ticks } => {
            Value::Text(format!("{} {}", format_date(*days), format_time(*ticks, 7)))
        }
        SqlValue::DateTimeOffset {
            days,
            ticks,
            offset_minutes,
        } => Value::Text(format!(
            "{} {} {}",
            format_date(*days),
            format_time(*ticks, 7),
            format_offset(*offset_minutes)
        )),
        SqlValue::Guid(g) => Value::Text(guid_to_text(g)),
        SqlValue::Variant(v, _) => to_storage(v),
    }
}

/// Decimals that 15 significant digits hold exactly are stored as numbers (so SQL comparisons
/// and arithmetic work); longer ones as the decimal text in a BLOB, which no affinity rounds.
pub fn decimal_storage(value: i128, scale: u8) -> Value {
    if value.unsigned_abs() < 1_000_000_000_000_000 {
        if scale == 0 {
            return Value::Integer(value as i64);
        }
        let f = value as f64 / 10f64.powi(scale as i32);
        if decimal_from_f64(f, scale) == Some((value, scale)) {
            return Value::Real(f);
        }
    }
    Value::Blob(format_decimal(value, scale).into_bytes())
}

// ---------------------------------------------------------------------------------------------
// SQLite storage -> wire value of a given type.

fn describe(v: &ValueRef) -> (&'static str, String) {
    match v {
        ValueRef::Null => ("NULL", String::new()),
        ValueRef::Integer(i) => ("int", i.to_string()),
        ValueRef::Real(f) => ("float", format_float(*f)),
        ValueRef::Text(t) => ("varchar", String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => ("varbinary", String::from_utf8_lossy(b).into_owned()),
    }
}

/// Text of a float as SQL Server's CONVERT(varchar, float) shows short values.
pub fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        let s = format!("{f}");
        if s.len() > 17 { format!("{f:e}") } else { s }
    }
}

fn as_text(v: &ValueRef) -> Option<String> {
    match v {
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(format_float(*f)),
        ValueRef::Null => None,
    }
}

fn as_i64(v: &ValueRef, ty: &SqlType) -> Result<i64, ConvError> {
    match v {
        ValueRef::Integer(i) => Ok(*i),
        ValueRef::Real(f) => {
            if f.abs() < 9.2e18 {
                Ok(f.trunc() as i64)
            } else {
                Err(ConvError::overflow(ty))
            }
        }
        _ => {
            let (from, s) = describe(v);
            let t = s.trim();
            if let Ok(i) = t.parse::<i64>() {
                return Ok(i);
            }
            // Decimal text in a BLOB converts like the number it is.
            if matches!(v, ValueRef::Blob(_))
                && let Some((d, sc)) = parse_decimal(t)
            {
                return i64::try_from(rescale(d, sc, 0).unwrap_or(0))
                    .map_err(|_| ConvError::overflow(ty));
            }
            if t.is_empty() {
                return Ok(0);
            }
            Err(ConvError::failed(from, &s, ty))
        }
    }
}

fn as_f64(v: &ValueRef, ty: &SqlType) -> Result<f64, ConvError> {
    match v {
        ValueRef::Integer(i) => Ok(*i as f64),
        ValueRef::Real(f) => Ok(*f),
        _ => {
            let (from, s) = describe(v);
            s.trim().parse::<f64>().map_err(|_| ConvError {
                number: 8114,
                text: format!("Error converting data type {from} to {}.", type_name(ty)),
            })
        }
    }
}

fn as_decimal(v: &ValueRef, scale: u8, ty: &SqlType) -> Result<i128, ConvError> {
    let r = match v {
        ValueRef::Integer(i) => rescale(*i as i128, 0, scale),
        ValueRef::Real(f) => decimal_from_f64(*f, scale).map(|d| d.0),
        _ => {
            let (_, s) = describe(v);
            let (d, sc) = parse_decimal(&s).ok_or_else(|| ConvError {
                number: 8114,
                text: format!("Error converting data type varchar to {}.", type_name(ty)),
            })?;
            rescale(d, sc, scale)
        }
    };
    r.ok_or_else(|| ConvError::overflow(ty))
}

fn as_datetime(v: &ValueRef) -> Result<DateTimeParts, ConvError> {
    match v {
        ValueRef::Text(_) | ValueRef::Blob(_) => {
            let (_, s) = describe(v);
            parse_datetime(&s).ok_or_else(ConvError::datetime)
        }
        // 'YYYYMMDD' text in a date column has become a number through NUMERIC affinity.
        ValueRef::Integer(i) if (10000101..=99991231).contains(i) => {
            parse_datetime(&i.to_string()).ok_or_else(ConvError::datetime)
        }
        // A number converts to datetime as days since 1900-01-01.
        ValueRef::Integer(_) | ValueRef::Real(_) => {
            let f = match v {
                ValueRef::Integer(i) => *i as f64,
                ValueRef::Real(f) => *f,
                _ => 0.0,
            };
            let days = f.floor();
            let ticks = ((f - days) * TICKS_PER_DAY as f64).round() as u64;
            Ok(DateTimeParts {
                days: Some(days_from_ymd(1900, 1, 1) + days as i32),
                ticks: Some(ticks),
                offset_minutes: None,
            })
        }
        ValueRef::Null => Err(ConvError::datetime()),
    }
}

fn check_range<T: TryFrom<i64>>(i: i64, ty: &SqlType) -> Result<T, ConvError> {
    T::try_from(i).map_err(|_| ConvError::overflow(ty))
}

/// Converts a stored value to the wire value of `ty`, as CAST would.
pub fn from_storage(v: ValueRef, ty: &SqlType) -> Result<SqlValue, ConvError> {
    use SqlType as T;
    if matches!(v, ValueRef::Null) {
        return Ok(SqlValue::Null);
    }
    Ok(match ty {
        T::Bit => SqlValue::Bit(match &v {
            ValueRef::Text(t) if t.eq_ignore_ascii_case(b"true") => true,
            ValueRef::Text(t) if t.eq_ignore_ascii_case(b"false") => false,
            _ => as_i64(&v, ty)? != 0,
        }),
        T::TinyInt => SqlValue::TinyInt(check_range(as_i64(&v, ty)?, ty)?),
        T::SmallInt => SqlValue::SmallInt(check_range(as_i64(&v, ty)?, ty)?),
        T::Int => SqlValue::Int(check_range(as_i64(&v, ty)?, ty)?),
        T::BigInt => SqlValue::BigInt(as_i64(&v, ty)?),
        T::Real => SqlValue::Real(as_f64(&v, ty)? as f32),
        T::Float => SqlValue::Float(as_f64(&v, ty)?),
        T::Decimal { precision, scale } | T::Numeric { precision, scale } => {
            let d = as_decimal(&v, *scale, ty)?;
            if !digits_fit(d, *precision) {
                return Err(ConvError {
                    number: 8115,
                    text: "Arithmetic overflow error converting numeric to data type numeric."
                        .into(),
                });
            }
            SqlValue::Decimal {
                value: d,
                scale: *scale,
            }
        }
        T::Money | T::SmallMoney => {
            let d = as_decimal(&v, 4, ty)?;
            // The ranges are asymmetric: the minimum is one unit further from zero than the maximum.
            let (min, max): (i128, i128) = if *ty == T::Money {
                (i64::MIN as i128, i64::MAX as i128)
            } else {
                (i32::MIN as i128, i32::MAX as i128)
            };
            if !(min..=max).contains(&d) {
                return Err(ConvError::overflow(ty));
            }
            SqlValue::Money(d as i64)
        }
        T::Char(n) | T::NChar(n) => {
            let mut s = as_text(&v).unwrap_or_default();
            truncate_chars(&mut s, *n as usize);
            let len = s.chars().count();
            if len < *n as usize {
                s.extend(std::iter::repeat_n(' ', *n as usize - len));
            }
            SqlValue::String(s)
        }
        T::VarChar(n) | T::NVarChar(n) => {
            let mut s = as_text(&v).unwrap_or_default();
            if let Some(n) = n {
                truncate_chars(&mut s, *n as usize);
            }
            SqlValue::String(s)
        }
        T::Text | T::NText | T::Xml => SqlValue::String(as_text(&v).unwrap_or_default()),
        T::Binary(n) => {
            let mut b = as_bytes(&v);
            b.resize(*n as usize, 0);
            SqlValue::Binary(b)
        }
        T::VarBinary(n) => {
            let mut b = as_bytes(&v);
            if let Some(n) = n {
                b.truncate(*n as usize);
            }
            SqlValue::Binary(b)
        }
        T::Image => SqlValue::Binary(as_bytes(&v)),
        T::Date => {
            let p = as_datetime(&v)?;
            SqlValue::Date(p.days.unwrap_or(days_from_ymd(1900, 1, 1)))
        }
        T::Time { scale } => {
            let p = as_datetime(&v)?;
            let (_, t) = round_ticks(0, p.ticks.unwrap_or(0), *scale);
            SqlValue::Time(t % TICKS_PER_DAY)
        }
        T::DateTime | T::SmallDateTime | T::DateTime2 { .. } => {
            let p = as_datetime(&v)?;
            let days = p.days.unwrap_or(days_from_ymd(1900, 1, 1));
            let ticks = p.ticks.unwrap_or(0);
            let (days, ticks) = match ty {
                T::DateTime2 { scale } => round_ticks(days, ticks, *scale),
                T::SmallDateTime => {
                    let minute = 600_000_000;
                    let t = (ticks + minute / 2) / minute * minute;
                    if t >= TICKS_PER_DAY {
                        (days + 1, t - TICKS_PER_DAY)
                    } else {
                        (days, t)
                    }
                }
                _ => round_datetime(days, ticks),
            };
            SqlValue::DateTime { days, ticks }
        }
        T::DateTimeOffset { scale } => {
            let p = as_datetime(&v)?;
            let (days, ticks) = round_ticks(
                p.days.unwrap_or(days_from_ymd(1900, 1, 1)),
                p.ticks.unwrap_or(0),
                *scale,
            );
            SqlValue::DateTimeOffset {
                days,
                ticks,
                offset_minutes: p.offset_minutes.unwrap_or(0),
            }
        }
        T::UniqueIdentifier => match &v {
            ValueRef::Blob(b) if b.len() == 16 => SqlValue::Guid(b.to_vec().try_into().unwrap()),
            _ => {
                let (_, s) = describe(&v);
                SqlValue::Guid(guid_from_text(&s).ok_or_else(|| ConvError {
                    number: 8169,
                    text: "Conversion failed when converting from a character string to uniqueidentifier."
                        .into(),
                })?)
            }
        },
        T::Variant => {
            if let ValueRef::Blob(b) = v
                && let Some((base, payload)) = untag_variant(b)
            {
                let inner = if matches!(base, T::Binary(_) | T::VarBinary(_)) {
                    from_storage(ValueRef::Blob(payload), &base)?
                } else {
                    from_storage(ValueRef::Text(payload), &base)?
                };
                return Ok(SqlValue::Variant(Box::new(inner), base));
            }
            let (value, base) = match v {
                ValueRef::Integer(i) => match i32::try_from(i) {
                    Ok(x) => (SqlValue::Int(x), T::Int),
                    Err(_) => (SqlValue::BigInt(i), T::BigInt),
                },
                ValueRef::Real(f) => (SqlValue::Float(f), T::Float),
                ValueRef::Text(t) => {
                    let s = String::from_utf8_lossy(t).into_owned();
                    let n = s.chars().count().clamp(1, 4000) as u16;
                    (SqlValue::String(s), T::NVarChar(Some(n)))
                }
                ValueRef::Blob(b) => {
                    let n = b.len().clamp(1, 8000) as u16;
                    (SqlValue::Binary(b.to_vec()), T::VarBinary(Some(n)))
                }
                ValueRef::Null => return Ok(SqlValue::Null),
            };
            SqlValue::Variant(Box::new(value), base)
        }
    })
}

fn truncate_chars(s: &mut String, n: usize) {
    if let Some((i, _)) = s.char_indices().nth(n) {
        s.truncate(i);
    }
}

fn as_bytes(v: &ValueRef) -> Vec<u8> {
    match v {
        ValueRef::Blob(b) | ValueRef::Text(b) => b.to_vec(),
        ValueRef::Integer(i) => {
            let b = i.to_be_bytes();
            // int-sized values convert to 4 bytes, as CAST(1 AS varbinary) does.
            if i32::try_from(*i).is_ok() {
                b[4..].to_vec()
            } else {
                b.to_vec()
            }
        }
        ValueRef::Real(f) => f.to_be_bytes().to_vec(),
        ValueRef::Null => Vec::new(),
    }
}

const VARIANT_TAG: &[u8] = b"\x01SSV:";

/// A sql_variant value keeps its base type: a BLOB of the tag, the base type's declaration,
/// a NUL, and the value's storage text (or bytes).
pub fn tag_variant(v: ValueRef, base: &SqlType) -> Result<Value, ConvError> {
    if matches!(v, ValueRef::Null) {
        return Ok(Value::Null);
    }
    let stored = convert_storage(v, base)?;
    let payload = match &stored {
        Value::Blob(b) => b.clone(),
        other => value_text_bytes(other),
    };
    let mut out = VARIANT_TAG.to_vec();
    out.extend_from_slice(decl(base).as_bytes());
    out.push(0);
    out.extend_from_slice(&payload);
    Ok(Value::Blob(out))
}

fn value_text_bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::Integer(i) => i.to_string().into_bytes(),
        Value::Real(f) => format!("{f:?}").into_bytes(),
        Value::Text(t) => t.clone().into_bytes(),
        Value::Blob(b) => b.clone(),
        Value::Null => Vec::new(),
    }
}

fn untag_variant(b: &[u8]) -> Option<(SqlType, &[u8])> {
    let rest = b.strip_prefix(VARIANT_TAG)?;
    let nul = rest.iter().position(|c| *c == 0)?;
    let base = parse_decl(std::str::from_utf8(&rest[..nul]).ok()?)?;
    Some((base, &rest[nul + 1..]))
}

/// The canonical storage of a value converted to `ty` (for CAST and typed variables).
pub fn convert_storage(v: ValueRef, ty: &SqlType) -> Result<Value, ConvError> {
    let wire = from_storage(v, ty)?;
    Ok(storage_of_typed(&wire, ty))
}

/// Storage of a wire value in the text form its declared type prescribes.
pub fn storage_of_typed(v: &SqlValue, ty: &SqlType) -> Value {
    use SqlType as T;
    match (v, ty) {
        (SqlValue::DateTime { days, ticks }, T::DateTime) => {
            Value::Text(format!("{} {}", format_date(*days), format_time(*ticks, 3)))
        }
        (SqlValue::DateTime { days, ticks }, T::SmallDateTime) => {
            Value::Text(format!("{} {}", format_date(*days), format_time(*ticks, 0)))
        }
        (SqlValue::DateTime { days, ticks }, T::DateTime2 { scale }) => Value::Text(format!(
            "{} {}",
            format_date(*days),
            format_time(*ticks, *scale)
        )),
        (SqlValue::Time(t), T::Time { scale }) => Value::Text(format_time(*t, *scale)),
        // Drivers send xml as UTF-16 with a byte order mark, which SQL Server's XML parser
        // consumes: it is no part of the stored document.
        (SqlValue::String(x), T::Xml) => Value::Text(x.trim_start_matches('\u{feff}').to_string()),
        (
            SqlValue::DateTimeOffset {
                days,
                ticks,
                offset_minutes,
            },
            T::DateTimeOffset { scale },
        ) => Value::Text(format!(
            "{} {} {}",
            format_date(*days),
            format_time(*ticks, *scale),
            format_offset(*offset_minutes)
        )),
        _ => to_storage(v),
    }
}

/// The type SQL Server gives a literal token.
pub fn literal_type(tok: &Tok) -> Option<SqlType> {
    Some(match tok {
        Tok::Num(n) => {
            if n.contains(['e', 'E']) {
                SqlType::Float
            } else if let Some((int, frac)) = n.split_once('.') {
                let int = int.trim_start_matches('0');
                let precision = (int.len() + frac.len()).clamp(1, 38) as u8;
                SqlType::Numeric {
                    precision: precision.max(frac.len() as u8),
                    scale: frac.len().min(38) as u8,
                }
            } else if n.parse::<i32>().is_ok() {
                SqlType::Int
            } else {
                let digits = n.trim_start_matches('0').len().clamp(1, 38) as u8;
                SqlType::Numeric {
                    precision: digits,
                    scale: 0,
                }
            }
        }
        Tok::Str { value, national } => {
            let n = value
                .chars()
                .count()
                .clamp(1, if *national { 4000 } else { 8000 }) as u16;
            let long = value.chars().count() > if *national { 4000 } else { 8000 };
            match (national, long) {
                (true, false) => SqlType::NVarChar(Some(n)),
                (true, true) => SqlType::NVarChar(None),
                (false, false) => SqlType::VarChar(Some(n)),
                (false, true) => SqlType::VarChar(None),
            }
        }
        Tok::Hex(b) => SqlType::VarBinary(Some(b.len().clamp(1, 8000) as u16)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decl_round_trips() {
        for ty in [
            SqlType::NVarChar(None),
            SqlType::Decimal {
                precision: 10,
                scale: 2,
            },
            SqlType::DateTime2 { scale: 3 },
            SqlType::Char(5),
            SqlType::VarBinary(Some(16)),
            SqlType::UniqueIdentifier,
        ] {
            assert_eq!(parse_decl(&decl(&ty)), Some(ty));
        }
    }

    #[test]
    fn dates() {
        let p = parse_datetime("2024-02-29 13:45:01.1234567").unwrap();
        assert_eq!(format_date(p.days.unwrap()), "2024-02-29");
        assert_eq!(format_time(p.ticks.unwrap(), 7), "13:45:01.1234567");
        assert!(parse_datetime("2023-02-29").is_none());
        let p = parse_datetime("2024-01-02T03:04:05+05:30").unwrap();
        assert_eq!(p.offset_minutes, Some(330));
        assert_eq!(days_from_ymd(1, 1, 1), 0);
    }

    #[test]
    fn decimals_round_trip_through_storage() {
        for (v, s) in [
            (12345i128, 2u8),
            (-5, 1),
            (12345678901234567890123456789012345678, 10),
        ] {
            let stored = decimal_storage(v, s);
            let back = from_storage(
                ValueRef::from(&stored),
                &SqlType::Decimal {
                    precision: 38,
                    scale: s,
                },
            )
            .unwrap();
            assert_eq!(back, SqlValue::Decimal { value: v, scale: s });
        }
        assert_eq!(format_decimal(-5, 2), "-0.05");
    }

    #[test]
    fn guid_text_round_trip() {
        let t = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
        assert_eq!(guid_to_text(&guid_from_text(t).unwrap()), t);
        assert_eq!(guid_from_text(t).unwrap()[0], 0xFF);
    }

    #[test]
    fn literal_types() {
        assert_eq!(literal_type(&Tok::Num("1".into())), Some(SqlType::Int));
        assert_eq!(
            literal_type(&Tok::Num("2.5".into())),
            Some(SqlType::Numeric {
                precision: 2,
                scale: 1
            })
        );
        assert_eq!(literal_type(&Tok::Num("1e0".into())), Some(SqlType::Float));
        assert_eq!(
            literal_type(&Tok::Str {
                value: "é".into(),
                national: true
            }),
            Some(SqlType::NVarChar(Some(1)))
        );
    }
}
