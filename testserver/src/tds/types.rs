//! Data types on the wire (MS-TDS 2.2.5): TYPE_INFO and values, both directions.
//!
//! Conventions shared with the engine (sql/mod.rs):
//! - `Date(days)` counts days since 0001-01-01; `Time(ticks)` 100 ns ticks since midnight.
//! - `DateTime { days, ticks }` is used for datetime, smalldatetime and datetime2.
//! - `DateTimeOffset { days, ticks, offset_minutes }`: days/ticks are the LOCAL date and time
//!   (as written, e.g. `2024-01-01 10:00 +02:00`); this layer converts to UTC for the wire.
//! - varchar/char/text travel in the server collation SQL_Latin1_General_CP1_CI_AS (code page
//!   1252); characters outside it become `?`, as on SQL Server.

use crate::sql::{SqlType, SqlValue};

/// SQL_Latin1_General_CP1_CI_AS: LCID 0x0409, flags (case/accent/kana/width), sort id 52.
pub const COLLATION: [u8; 5] = [0x09, 0x04, 0xD0, 0x00, 0x34];

/// Days from 0001-01-01 to 1900-01-01 (the datetime epoch).
const DAYS_TO_1900: i32 = 693_595;
const TICKS_PER_DAY: u64 = 864_000_000_000;
const TICKS_PER_MINUTE: u64 = 600_000_000;
/// PLP chunk size for (max) values.
const PLP_CHUNK: usize = 32 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError(pub String);

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn decimal_len(precision: u8) -> u8 {
    match precision {
        0..=9 => 5,
        10..=19 => 9,
        20..=28 => 13,
        _ => 17,
    }
}

fn time_len(scale: u8) -> u8 {
    match scale {
        0..=2 => 3,
        3..=4 => 4,
        _ => 5,
    }
}

fn u16_len(n: u16) -> [u8; 2] {
    n.to_le_bytes()
}

pub fn type_info(buf: &mut Vec<u8>, ty: &SqlType) {
    use SqlType::*;
    let max = |n: Option<u16>, unit: u16| n.map(|n| n.saturating_mul(unit)).unwrap_or(0xFFFF);
    match ty {
        Bit => buf.extend_from_slice(&[0x68, 1]),
        TinyInt => buf.extend_from_slice(&[0x26, 1]),
        SmallInt => buf.extend_from_slice(&[0x26, 2]),
        Int => buf.extend_from_slice(&[0x26, 4]),
        BigInt => buf.extend_from_slice(&[0x26, 8]),
        Real => buf.extend_from_slice(&[0x6D, 4]),
        Float => buf.extend_from_slice(&[0x6D, 8]),
        Decimal { precision, scale } => {
            buf.extend_from_slice(&[0x6A, decimal_len(*precision), *precision, *scale])
        }
        Numeric { precision, scale } => {
            buf.extend_from_slice(&[0x6C, decimal_len(*precision), *precision, *scale])
        }
        Money => buf.extend_from_slice(&[0x6E, 8]),
        SmallMoney => buf.extend_from_slice(&[0x6E, 4]),
        Char(n) => {
            buf.push(0xAF);
            buf.extend_from_slice(&u16_len(*n));
            buf.extend_from_slice(&COLLATION);
        }
        VarChar(n) => {
            buf.push(0xA7);
            buf.extend_from_slice(&u16_len(max(*n, 1)));
            buf.extend_from_slice(&COLLATION);
        }
        NChar(n) => {
            buf.push(0xEF);
            buf.extend_from_slice(&u16_len(n.saturating_mul(2)));
            buf.extend_from_slice(&COLLATION);
        }
        NVarChar(n) => {
            buf.push(0xE7);
            buf.extend_from_slice(&u16_len(max(*n, 2)));
            buf.extend_from_slice(&COLLATION);
        }
        Text => {
            buf.push(0x23);
            buf.extend_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
            buf.extend_from_slice(&COLLATION);
        }
        NText => {
            buf.push(0x63);
            buf.extend_from_slice(&0x7FFF_FFFEu32.to_le_bytes());
            buf.extend_from_slice(&COLLATION);
        }
        Image => {
            buf.push(0x22);
            buf.extend_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
        }
        Binary(n) => {
            buf.push(0xAD);
            buf.extend_from_slice(&u16_len(*n));
        }
        VarBinary(n) => {
            buf.push(0xA5);
            buf.extend_from_slice(&u16_len(max(*n, 1)));
        }
        Date => buf.push(0x28),
        Time { scale } => buf.extend_from_slice(&[0x29, *scale]),
        DateTime2 { scale } => buf.extend_from_slice(&[0x2A, *scale]),
        DateTimeOffset { scale } => buf.extend_from_slice(&[0x2B, *scale]),
        DateTime => buf.extend_from_slice(&[0x6F, 8]),
        SmallDateTime => buf.extend_from_slice(&[0x6F, 4]),
        UniqueIdentifier => buf.extend_from_slice(&[0x24, 16]),
        Xml => buf.extend_from_slice(&[0xF1, 0]),
        Variant => {
            buf.push(0x62);
            buf.extend_from_slice(&8009u32.to_le_bytes());
        }
    }
}

fn mismatch(ty: &SqlType, v: &SqlValue) -> EncodeError {
    EncodeError(format!("value {v:?} does not fit a {ty:?} column"))
}

/// Any integer-like value as i64.
fn as_i64(v: &SqlValue) -> Option<i64> {
    Some(match v {
        SqlValue::Bit(b) => *b as i64,
        SqlValue::TinyInt(x) => *x as i64,
        SqlValue::SmallInt(x) => *x as i64,
        SqlValue::Int(x) => *x as i64,
        SqlValue::BigInt(x) => *x,
        SqlValue::Decimal { value, scale: 0 } => i64::try_from(*value).ok()?,
        _ => return None,
    })
}

fn as_f64(v: &SqlValue) -> Option<f64> {
    match v {
        SqlValue::Real(x) => Some(*x as f64),
        SqlValue::Float(x) => Some(*x),
        SqlValue::Decimal { value, scale } => Some(*value as f64 / 10f64.powi(*scale as i32)),
        SqlValue::Money(m) => Some(*m as f64 / 10_000.0),
        _ => as_i64(v).map(|i| i as f64),
    }
}

/// A decimal value rescaled to `scale` (rounding half away from zero).
fn rescale(v: &SqlValue, scale: u8) -> Option<i128> {
    let (value, from) = match v {
        SqlValue::Decimal { value, scale } => (*value, *scale),
        SqlValue::Money(m) => (*m as i128, 4),
        _ => (as_i64(v)? as i128, 0),
    };
    if from <= scale {
        value.checked_mul(10i128.checked_pow((scale - from) as u32)?)
    } else {
        let div = 10i128.checked_pow((from - scale) as u32)?;
        let (q, r) = (value / div, value % div);
        Some(if r.abs() * 2 >= div {
            q + value.signum()
        } else {
            q
        })
    }
}

fn money_of(v: &SqlValue) -> Option<i64> {
    match v {
        SqlValue::Money(m) => Some(*m),
        _ => i64::try_from(rescale(v, 4)?).ok(),
    }
}

pub fn value(buf: &mut Vec<u8>, ty: &SqlType, v: &SqlValue) -> Result<(), EncodeError> {
    use SqlType::*;
    let null = matches!(v, SqlValue::Null);
    match ty {
        Bit | TinyInt | SmallInt | Int | BigInt => {
            let len: usize = match ty {
                Bit | TinyInt => 1,
                SmallInt => 2,
                Int => 4,
                _ => 8,
            };
            if null {
                buf.push(0);
                return Ok(());
            }
            let i = as_i64(v).ok_or_else(|| mismatch(ty, v))?;
            buf.push(len as u8);
            buf.extend_from_slice(&i.to_le_bytes()[..len]);
        }
        Real | Float => {
            if null {
                buf.push(0);
            } else {
                let f = as_f64(v).ok_or_else(|| mismatch(ty, v))?;
                if *ty == Real {
                    buf.push(4);
                    buf.extend_from_slice(&(f as f32).to_le_bytes());
                } else {
                    buf.push(8);
                    buf.extend_from_slice(&f.to_le_bytes());
                }
            }
        }
        Decimal { precision, scale } | Numeric { precision, scale } => {
            if null {
                buf.push(0);
            } else {
                let value = rescale(v, *scale).ok_or_else(|| mismatch(ty, v))?;
                decimal_bytes(buf, value, decimal_len(*precision));
            }
        }
        Money | SmallMoney => {
            if null {
                buf.push(0);
            } else {
                let m = money_of(v).ok_or_else(|| mismatch(ty, v))?;
                if *ty == Money {
                    buf.push(8);
                    buf.extend_from_slice(&((m >> 32) as i32).to_le_bytes());
                    buf.extend_from_slice(&(m as u32).to_le_bytes());
                } else {
                    buf.push(4);
                    buf.extend_from_slice(&(m as i32).to_le_bytes());
                }
            }
        }
        Char(_) | VarChar(Some(_)) | Binary(_) | VarBinary(Some(_)) | NChar(_)
        | NVarChar(Some(_)) => {
            if null {
                buf.extend_from_slice(&0xFFFFu16.to_le_bytes());
            } else {
                let bytes = byte_form(ty, v)?;
                let len = u16::try_from(bytes.len())
                    .ok()
                    .filter(|l| *l < 0xFFFF)
                    .ok_or_else(|| {
                        EncodeError(format!("{} bytes do not fit a {ty:?} column", bytes.len()))
                    })?;
                buf.extend_from_slice(&len.to_le_bytes());
                buf.extend_from_slice(&bytes);
            }
        }
        VarChar(None) | NVarChar(None) | VarBinary(None) | Xml => {
            if null {
                buf.extend_from_slice(&u64::MAX.to_le_bytes());
            } else {
                plp(buf, &byte_form(ty, v)?);
            }
        }
        Text | NText | Image => {
            if null {
                buf.push(0);
            } else {
                let bytes = byte_form(ty, v)?;
                buf.push(16);
                buf.extend_from_slice(&[0xAA; 16]); // text pointer: opaque
                buf.extend_from_slice(&[0; 8]); // timestamp
                buf.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
                buf.extend_from_slice(&bytes);
            }
        }
        Date
        | Time { .. }
        | DateTime2 { .. }
        | DateTimeOffset { .. }
        | DateTime
        | SmallDateTime => {
            if null {
                buf.push(0);
            } else {
                let bytes = temporal(ty, v).ok_or_else(|| mismatch(ty, v))?;
                buf.push(bytes.len() as u8);
                buf.extend_from_slice(&bytes);
            }
        }
        UniqueIdentifier => match v {
            SqlValue::Null => buf.push(0),
            SqlValue::Guid(g) => {
                buf.push(16);
                buf.extend_from_slice(g);
            }
            _ => return Err(mismatch(ty, v)),
        },
        Variant => variant(buf, v)?,
    }
    Ok(())
}

fn decimal_bytes(buf: &mut Vec<u8>, value: i128, len: u8) {
    buf.push(len);
    buf.push(if value < 0 { 0 } else { 1 });
    let magnitude = value.unsigned_abs().to_le_bytes();
    buf.extend_from_slice(&magnitude[..len as usize - 1]);
}

/// The bytes of a character or binary value in its wire form.
fn byte_form(ty: &SqlType, v: &SqlValue) -> Result<Vec<u8>, EncodeError> {
    use SqlType::*;
    match (ty, v) {
        (NChar(_) | NVarChar(_) | NText | Xml, SqlValue::String(s)) => {
            Ok(super::tokens::utf16(s).collect())
        }
        (Char(_) | VarChar(_) | Text, SqlValue::String(s)) => Ok(to_cp1252(s)),
        (Binary(_) | VarBinary(_) | Image, SqlValue::Binary(b)) => Ok(b.clone()),
        (Binary(_) | VarBinary(_) | Image, SqlValue::String(s)) => Ok(s.as_bytes().to_vec()),
        (Char(_) | VarChar(_) | Text, SqlValue::Binary(b)) => Ok(b.clone()),
        _ => Err(mismatch(ty, v)),
    }
}

/// PLP with a known length, in chunks.
fn plp(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    for chunk in bytes.chunks(PLP_CHUNK) {
        buf.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        buf.extend_from_slice(chunk);
    }
    buf.extend_from_slice(&0u32.to_le_bytes());
}

fn time_bytes(ticks: u64, scale: u8) -> Vec<u8> {
    let units = ticks / 10u64.pow(7 - scale.min(7) as u32);
    units.to_le_bytes()[..time_len(scale) as usize].to_vec()
}

fn date_bytes(days: i32) -> [u8; 3] {
    let b = days.to_le_bytes();
    [b[0], b[1], b[2]]
}

/// Wire bytes (without the length byte) of date/time values.
fn temporal(ty: &SqlType, v: &SqlValue) -> Option<Vec<u8>> {
    use SqlType::*;
    let (days, ticks, offset) = match v {
        SqlValue::Date(d) => (*d, 0, 0),
        SqlValue::Time(t) => (0, *t, 0),
        SqlValue::DateTime { days, ticks } => (*days, *ticks, 0),
        SqlValue::DateTimeOffset {
            days,
            ticks,
            offset_minutes,
        } => (*days, *ticks, *offset_minutes),
        _ => return None,
    };
    Some(match ty {
        Date => date_bytes(days).to_vec(),
        Time { scale } => time_bytes(ticks, *scale),
        DateTime2 { scale } => [time_bytes(ticks, *scale), date_bytes(days).to_vec()].concat(),
        DateTimeOffset { scale } => {
            let (udays, uticks) = shift(days, ticks, -(offset as i64));
            let mut out = [time_bytes(uticks, *scale), date_bytes(udays).to_vec()].concat();
            out.extend_from_slice(&offset.to_le_bytes());
            out
        }
        DateTime => {
            let mut d = days - DAYS_TO_1900;
            let mut t300 = (ticks * 3 + 50_000) / 100_000; // 1/300 s, rounded
            if t300 >= 25_920_000 {
                d += 1;
                t300 -= 25_920_000;
            }
            let mut out = d.to_le_bytes().to_vec();
            out.extend_from_slice(&(t300 as u32).to_le_bytes());
            out
        }
        SmallDateTime => {
            let mut d = days - DAYS_TO_1900;
            let mut minutes = (ticks + TICKS_PER_MINUTE / 2) / TICKS_PER_MINUTE;
            if minutes >= 1440 {
                d += 1;
                minutes -= 1440;
            }
            let mut out = (d as u16).to_le_bytes().to_vec();
            out.extend_from_slice(&(minutes as u16).to_le_bytes());
            out
        }
        _ => return None,
    })
}

/// Moves a (days, ticks) moment by `minutes`.
fn shift(days: i32, ticks: u64, minutes: i64) -> (i32, u64) {
    let total = days as i128 * TICKS_PER_DAY as i128
        + ticks as i128
        + minutes as i128 * TICKS_PER_MINUTE as i128;
    let day = total.div_euclid(TICKS_PER_DAY as i128);
    (day as i32, total.rem_euclid(TICKS_PER_DAY as i128) as u64)
}

/// sql_variant value: 4-byte length, base type, property bytes, data.
fn variant(buf: &mut Vec<u8>, v: &SqlValue) -> Result<(), EncodeError> {
    let (inner, ty) = match v {
        SqlValue::Null => {
            buf.extend_from_slice(&0u32.to_le_bytes());
            return Ok(());
        }
        SqlValue::Variant(inner, ty) => (inner.as_ref(), ty),
        other => (other, &natural_type(other)),
    };
    if matches!(inner, SqlValue::Null) {
        buf.extend_from_slice(&0u32.to_le_bytes());
        return Ok(());
    }
    use SqlType::*;
    let mut body: Vec<u8> = Vec::new();
    let fixed =
        |body: &mut Vec<u8>, code: u8, ty: &SqlType, v: &SqlValue| -> Result<(), EncodeError> {
            let mut tmp = Vec::new();
            value(&mut tmp, ty, v)?;
            body.extend_from_slice(&[code, 0]);
            body.extend_from_slice(&tmp[1..]); // drop the length byte
            Ok(())
        };
    match ty {
        Bit => fixed(&mut body, 0x32, ty, inner)?,
        TinyInt => fixed(&mut body, 0x30, ty, inner)?,
        SmallInt => fixed(&mut body, 0x34, ty, inner)?,
        Int => fixed(&mut body, 0x38, ty, inner)?,
        BigInt => fixed(&mut body, 0x7F, ty, inner)?,
        Real => fixed(&mut body, 0x3B, ty, inner)?,
        Float => fixed(&mut body, 0x3E, ty, inner)?,
        Money => fixed(&mut body, 0x3C, ty, inner)?,
        SmallMoney => fixed(&mut body, 0x7A, ty, inner)?,
        DateTime => fixed(&mut body, 0x3D, ty, inner)?,
        SmallDateTime => fixed(&mut body, 0x3A, ty, inner)?,
        UniqueIdentifier => fixed(&mut body, 0x24, ty, inner)?,
        Date => fixed(&mut body, 0x28, ty, inner)?,
        Time { scale } | DateTime2 { scale } | DateTimeOffset { scale } => {
            let code = match ty {
                Time { .. } => 0x29,
                DateTime2 { .. } => 0x2A,
                _ => 0x2B,
            };
            let mut tmp = Vec::new();
            value(&mut tmp, ty, inner)?;
            body.extend_from_slice(&[code, 1, *scale]);
            body.extend_from_slice(&tmp[1..]);
        }
        Decimal { precision, scale } | Numeric { precision, scale } => {
            let code = if matches!(ty, Decimal { .. }) {
                0x6A
            } else {
                0x6C
            };
            let mut tmp = Vec::new();
            value(&mut tmp, ty, inner)?;
            body.extend_from_slice(&[code, 2, *precision, *scale]);
            body.extend_from_slice(&tmp[1..]);
        }
        Char(_) | VarChar(_) | NChar(_) | NVarChar(_) => {
            let code = match ty {
                Char(_) => 0xAF,
                VarChar(_) => 0xA7,
                NChar(_) => 0xEF,
                _ => 0xE7,
            };
            let bytes = byte_form(ty, inner)?;
            body.extend_from_slice(&[code, 7]);
            body.extend_from_slice(&COLLATION);
            body.extend_from_slice(&8000u16.to_le_bytes());
            body.extend_from_slice(&bytes);
        }
        Binary(_) | VarBinary(_) => {
            let code = if matches!(ty, Binary(_)) { 0xAD } else { 0xA5 };
            let bytes = byte_form(ty, inner)?;
            body.extend_from_slice(&[code, 2]);
            body.extend_from_slice(&8000u16.to_le_bytes());
            body.extend_from_slice(&bytes);
        }
        Text | NText | Image | Xml | Variant => {
            return Err(EncodeError(format!(
                "{ty:?} cannot be stored in sql_variant"
            )));
        }
    }
    buf.extend_from_slice(&(body.len() as u32).to_le_bytes());
    buf.extend_from_slice(&body);
    Ok(())
}

/// The type a bare value has inside sql_variant when the engine does not say.
fn natural_type(v: &SqlValue) -> SqlType {
    match v {
        SqlValue::Bit(_) => SqlType::Bit,
        SqlValue::TinyInt(_) => SqlType::TinyInt,
        SqlValue::SmallInt(_) => SqlType::SmallInt,
        SqlValue::BigInt(_) => SqlType::BigInt,
        SqlValue::Real(_) => SqlType::Real,
        SqlValue::Float(_) => SqlType::Float,
        SqlValue::Decimal { scale, .. } => SqlType::Decimal {
            precision: 38,
            scale: *scale,
        },
        SqlValue::Money(_) => SqlType::Money,
        SqlValue::String(_) => SqlType::NVarChar(Some(4000)),
        SqlValue::Binary(_) => SqlType::VarBinary(Some(8000)),
        SqlValue::Date(_) => SqlType::Date,
        SqlValue::Time(_) => SqlType::Time { scale: 7 },
        SqlValue::DateTime { .. } => SqlType::DateTime2 { scale: 7 },
        SqlValue::DateTimeOffset { .. } => SqlType::DateTimeOffset { scale: 7 },
        SqlValue::Guid(_) => SqlType::UniqueIdentifier,
        _ => SqlType::Int,
    }
}

// Code page 1252 bytes 0x80..0x9F (the rest of 0x00..0xFF is Latin-1).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

pub fn to_cp1252(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c as u32 {
            0..=0x7F | 0xA0..=0xFF => c as u32 as u8,
            _ => CP1252_HIGH
                .iter()
                .position(|h| *h == c)
                .map(|i| 0x80 + i as u8)
                .unwrap_or(b'?'),
        })
        .collect()
}

pub fn from_cp1252(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize],
            _ => b as char,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Decoding (RPC parameters)

pub struct Reader<'a> {
    data: &'a [u8],
    pub pos: usize,
}

pub type DecodeResult<T> = Result<T, String>;

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }
    pub fn bytes(&mut self, n: usize) -> DecodeResult<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.data.len());
        let end =
            end.ok_or_else(|| format!("truncated: wanted {n} bytes at offset {}", self.pos))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub fn u8(&mut self) -> DecodeResult<u8> {
        Ok(self.bytes(1)?[0])
    }
    pub fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }
    pub fn u16(&mut self) -> DecodeResult<u16> {
        Ok(u16::from_le_bytes(
            self.bytes(2)?.try_into().unwrap_or_default(),
        ))
    }
    pub fn u32(&mut self) -> DecodeResult<u32> {
        Ok(u32::from_le_bytes(
            self.bytes(4)?.try_into().unwrap_or_default(),
        ))
    }
    pub fn u64(&mut self) -> DecodeResult<u64> {
        Ok(u64::from_le_bytes(
            self.bytes(8)?.try_into().unwrap_or_default(),
        ))
    }
    pub fn utf16(&mut self, chars: usize) -> DecodeResult<String> {
        Ok(utf16_string(self.bytes(chars * 2)?))
    }
    pub fn b_varchar(&mut self) -> DecodeResult<String> {
        let n = self.u8()? as usize;
        self.utf16(n)
    }
    pub fn us_varchar(&mut self) -> DecodeResult<String> {
        let n = self.u16()? as usize;
        self.utf16(n)
    }
}

pub fn utf16_string(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// A decoded TYPE_INFO: the engine's type plus what the value reader needs.
#[derive(Debug, Clone)]
pub struct WireType {
    pub code: u8,
    pub ty: SqlType,
    /// Declared length (bytes) for length-prefixed types.
    pub len: u32,
}

const UNSUPPORTED: &str = "is not supported by testserver";

pub fn read_type_info(r: &mut Reader) -> DecodeResult<WireType> {
    use SqlType::*;
    let code = r.u8()?;
    let wt = |ty: SqlType, len: u32| WireType { code, ty, len };
    Ok(match code {
        0x1F => wt(Int, 0), // NULLTYPE
        0x30 => wt(TinyInt, 1),
        0x32 => wt(Bit, 1),
        0x34 => wt(SmallInt, 2),
        0x38 => wt(Int, 4),
        0x7F => wt(BigInt, 8),
        0x3B => wt(Real, 4),
        0x3E => wt(Float, 8),
        0x3C => wt(Money, 8),
        0x7A => wt(SmallMoney, 4),
        0x3D => wt(DateTime, 8),
        0x3A => wt(SmallDateTime, 4),
        0x26 => {
            let len = r.u8()?;
            wt(
                match len {
                    1 => TinyInt,
                    2 => SmallInt,
                    4 => Int,
                    8 => BigInt,
                    _ => return Err(format!("INTN length {len}")),
                },
                len as u32,
            )
        }
        0x68 => wt(Bit, r.u8()? as u32),
        0x6D => {
            let len = r.u8()?;
            wt(if len == 4 { Real } else { Float }, len as u32)
        }
        0x6E => {
            let len = r.u8()?;
            wt(if len == 4 { SmallMoney } else { Money }, len as u32)
        }
        0x6F => {
            let len = r.u8()?;
            wt(if len == 4 { SmallDateTime } else { DateTime }, len as u32)
        }
        0x24 => wt(UniqueIdentifier, r.u8()? as u32),
        0x6A | 0x6C | 0x37 | 0x3F => {
            let len = r.u8()?;
            let (precision, scale) = (r.u8()?, r.u8()?);
            let ty = if matches!(code, 0x6A | 0x37) {
                Decimal { precision, scale }
            } else {
                Numeric { precision, scale }
            };
            wt(ty, len as u32)
        }
        0xA7 | 0xAF | 0xE7 | 0xEF => {
            let len = r.u16()?;
            r.bytes(5)?; // collation
            let chars = if matches!(code, 0xE7 | 0xEF) {
                len / 2
            } else {
                len
            };
            let n = (len != 0xFFFF).then_some(chars);
            wt(
                match code {
                    0xA7 => VarChar(n),
                    0xAF => Char(chars),
                    0xE7 => NVarChar(n),
                    _ => NChar(chars),
                },
                len as u32,
            )
        }
        0xA5 | 0xAD => {
            let len = r.u16()?;
            let n = (len != 0xFFFF).then_some(len);
            wt(
                if code == 0xA5 {
                    VarBinary(n)
                } else {
                    Binary(len)
                },
                len as u32,
            )
        }
        0x27 | 0x2F | 0x25 | 0x2D => {
            let len = r.u8()? as u16;
            wt(
                match code {
                    0x27 => VarChar(Some(len)),
                    0x2F => Char(len),
                    0x25 => VarBinary(Some(len)),
                    _ => Binary(len),
                },
                len as u32,
            )
        }
        0x23 | 0x63 => {
            let len = r.u32()?;
            r.bytes(5)?;
            wt(if code == 0x23 { Text } else { NText }, len)
        }
        0x22 => wt(Image, r.u32()?),
        0x28 => wt(Date, 3),
        0x29 => wt(Time { scale: r.u8()? }, 0),
        0x2A => wt(DateTime2 { scale: r.u8()? }, 0),
        0x2B => wt(DateTimeOffset { scale: r.u8()? }, 0),
        0xF1 => {
            if r.u8()? != 0 {
                r.b_varchar()?;
                r.b_varchar()?;
                r.us_varchar()?;
            }
            wt(Xml, 0)
        }
        0x62 => wt(Variant, r.u32()?),
        0xF0 => return Err(format!("CLR UDT parameters {UNSUPPORTED}")),
        0xF3 => return Err(format!("table-valued parameters {UNSUPPORTED}")),
        other => return Err(format!("unknown TYPE_INFO 0x{other:02X}")),
    })
}

pub fn read_value(r: &mut Reader, wt: &WireType) -> DecodeResult<SqlValue> {
    use SqlType::*;
    let fixed_len = match wt.code {
        0x1F => return Ok(SqlValue::Null),
        0x30 | 0x32 => Some(1),
        0x34 => Some(2),
        0x38 | 0x3B | 0x7A | 0x3A => Some(4),
        0x7F | 0x3E | 0x3C | 0x3D => Some(8),
        _ => None,
    };
    if let Some(n) = fixed_len {
        return scalar(&wt.ty, r.bytes(n)?);
    }
    match wt.code {
        0x26 | 0x68 | 0x6D | 0x6E | 0x6F | 0x24 | 0x6A | 0x6C | 0x37 | 0x3F | 0x28 | 0x29
        | 0x2A | 0x2B => {
            let n = r.u8()? as usize;
            if n == 0 {
                return Ok(SqlValue::Null);
            }
            scalar(&wt.ty, r.bytes(n)?)
        }
        0xA7 | 0xAF | 0xE7 | 0xEF | 0xA5 | 0xAD if wt.len == 0xFFFF => match read_plp(r)? {
            None => Ok(SqlValue::Null),
            Some(bytes) => Ok(bytes_value(&wt.ty, bytes)),
        },
        0xA7 | 0xAF | 0xE7 | 0xEF | 0xA5 | 0xAD => {
            let n = r.u16()?;
            if n == 0xFFFF {
                return Ok(SqlValue::Null);
            }
            Ok(bytes_value(&wt.ty, r.bytes(n as usize)?.to_vec()))
        }
        0x27 | 0x2F | 0x25 | 0x2D => {
            let n = r.u8()?;
            if n == 0xFF {
                return Ok(SqlValue::Null);
            }
            Ok(bytes_value(&wt.ty, r.bytes(n as usize)?.to_vec()))
        }
        0x23 | 0x63 | 0x22 => {
            let n = r.u32()?;
            if n == 0xFFFF_FFFF {
                return Ok(SqlValue::Null);
            }
            Ok(bytes_value(&wt.ty, r.bytes(n as usize)?.to_vec()))
        }
        0xF1 => match read_plp(r)? {
            None => Ok(SqlValue::Null),
            Some(bytes) => Ok(bytes_value(&Xml, bytes)),
        },
        0x62 => {
            let n = r.u32()? as usize;
            if n == 0 {
                return Ok(SqlValue::Null);
            }
            read_variant(&mut Reader::new(r.bytes(n)?))
        }
        other => Err(format!("no value reader for type 0x{other:02X}")),
    }
}

fn read_plp(r: &mut Reader) -> DecodeResult<Option<Vec<u8>>> {
    let total = r.u64()?;
    if total == u64::MAX {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(total.min(64 << 20) as usize);
    loop {
        let n = r.u32()? as usize;
        if n == 0 {
            return Ok(Some(out));
        }
        out.extend_from_slice(r.bytes(n)?);
    }
}

fn bytes_value(ty: &SqlType, bytes: Vec<u8>) -> SqlValue {
    use SqlType::*;
    match ty {
        NChar(_) | NVarChar(_) | NText | Xml => SqlValue::String(utf16_string(&bytes)),
        Char(_) | VarChar(_) | Text => SqlValue::String(from_cp1252(&bytes)),
        _ => SqlValue::Binary(bytes),
    }
}

fn le_int(bytes: &[u8]) -> i64 {
    let mut b = [0u8; 8];
    b[..bytes.len().min(8)].copy_from_slice(&bytes[..bytes.len().min(8)]);
    let v = i64::from_le_bytes(b);
    let bits = bytes.len().min(8) * 8;
    if bits < 64 {
        (v << (64 - bits)) >> (64 - bits)
    } else {
        v
    }
}

fn le_uint(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b[..bytes.len().min(8)].copy_from_slice(&bytes[..bytes.len().min(8)]);
    u64::from_le_bytes(b)
}

/// A fixed-size value (the bytes after any length prefix).
fn scalar(ty: &SqlType, b: &[u8]) -> DecodeResult<SqlValue> {
    use SqlType::*;
    Ok(match ty {
        Bit => SqlValue::Bit(b[0] != 0),
        TinyInt => SqlValue::TinyInt(b[0]),
        SmallInt => SqlValue::SmallInt(le_int(b) as i16),
        Int => SqlValue::Int(le_int(b) as i32),
        BigInt => SqlValue::BigInt(le_int(b)),
        Real => SqlValue::Real(f32::from_le_bytes(b.try_into().map_err(|_| "real length")?)),
        Float => SqlValue::Float(f64::from_le_bytes(
            b.try_into().map_err(|_| "float length")?,
        )),
        Money if b.len() == 8 => SqlValue::Money((le_int(&b[..4]) << 32) | le_uint(&b[4..]) as i64),
        Money | SmallMoney => SqlValue::Money(le_int(b)),
        Decimal { scale, .. } | Numeric { scale, .. } => {
            let mut mag = [0u8; 16];
            let n = (b.len() - 1).min(16);
            mag[..n].copy_from_slice(&b[1..1 + n]);
            let v = u128::from_le_bytes(mag) as i128;
            SqlValue::Decimal {
                value: if b[0] == 0 { -v } else { v },
                scale: *scale,
            }
        }
        UniqueIdentifier => SqlValue::Guid(b.try_into().map_err(|_| "guid length")?),
        Date => SqlValue::Date(le_uint(b) as i32),
        Time { scale } => SqlValue::Time(le_uint(b) * 10u64.pow(7 - (*scale).min(7) as u32)),
        DateTime2 { scale } => {
            let tl = b.len() - 3;
            SqlValue::DateTime {
                days: le_uint(&b[tl..]) as i32,
                ticks: le_uint(&b[..tl]) * 10u64.pow(7 - (*scale).min(7) as u32),
            }
        }
        DateTimeOffset { scale } => {
            let tl = b.len() - 5;
            let offset = le_int(&b[tl + 3..]) as i16;
            let (days, ticks) = shift(
                le_uint(&b[tl..tl + 3]) as i32,
                le_uint(&b[..tl]) * 10u64.pow(7 - (*scale).min(7) as u32),
                offset as i64,
            );
            SqlValue::DateTimeOffset {
                days,
                ticks,
                offset_minutes: offset,
            }
        }
        DateTime => {
            let days = le_int(&b[..4]) as i32 + DAYS_TO_1900;
            let t300 = le_uint(&b[4..]);
            SqlValue::DateTime {
                days,
                ticks: (t300 * 100_000 + 1) / 3,
            }
        }
        SmallDateTime => SqlValue::DateTime {
            days: le_uint(&b[..2]) as i32 + DAYS_TO_1900,
            ticks: le_uint(&b[2..]) * TICKS_PER_MINUTE,
        },
        other => return Err(format!("{other:?} is not a fixed-size type")),
    })
}

fn read_variant(r: &mut Reader) -> DecodeResult<SqlValue> {
    use SqlType::*;
    let base = r.u8()?;
    let props = r.u8()? as usize;
    let prop = r.bytes(props)?.to_vec();
    let rest = r.bytes(r.remaining())?;
    let ty = match base {
        0x30 => TinyInt,
        0x32 => Bit,
        0x34 => SmallInt,
        0x38 => Int,
        0x7F => BigInt,
        0x3B => Real,
        0x3E => Float,
        0x3C => Money,
        0x7A => SmallMoney,
        0x3D => DateTime,
        0x3A => SmallDateTime,
        0x24 => UniqueIdentifier,
        0x28 => Date,
        0x29 => Time {
            scale: prop.first().copied().unwrap_or(7),
        },
        0x2A => DateTime2 {
            scale: prop.first().copied().unwrap_or(7),
        },
        0x2B => DateTimeOffset {
            scale: prop.first().copied().unwrap_or(7),
        },
        0x6A | 0x6C => {
            let (precision, scale) = (
                prop.first().copied().unwrap_or(38),
                prop.get(1).copied().unwrap_or(0),
            );
            if base == 0x6A {
                Decimal { precision, scale }
            } else {
                Numeric { precision, scale }
            }
        }
        0xA7 | 0xAF | 0xE7 | 0xEF | 0xA5 | 0xAD => {
            let n = rest.len() as u16;
            let ty = match base {
                0xA7 => VarChar(Some(n)),
                0xAF => Char(n),
                0xE7 => NVarChar(Some(n / 2)),
                0xEF => NChar(n / 2),
                0xA5 => VarBinary(Some(n)),
                _ => Binary(n),
            };
            return Ok(SqlValue::Variant(
                Box::new(bytes_value(&ty, rest.to_vec())),
                ty,
            ));
        }
        other => return Err(format!("sql_variant base type 0x{other:02X}")),
    };
    Ok(SqlValue::Variant(Box::new(scalar(&ty, rest)?), ty))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(ty: SqlType, v: SqlValue) -> SqlValue {
        let mut buf = Vec::new();
        type_info(&mut buf, &ty);
        value(&mut buf, &ty, &v).unwrap();
        let mut r = Reader::new(&buf);
        let wt = read_type_info(&mut r).unwrap();
        let back = read_value(&mut r, &wt).unwrap();
        assert_eq!(r.remaining(), 0, "{ty:?} left bytes");
        back
    }

    #[test]
    fn values_round_trip_through_the_wire_form() {
        use SqlType::*;
        let cases = vec![
            (Int, SqlValue::Int(-42)),
            (BigInt, SqlValue::BigInt(i64::MIN)),
            (TinyInt, SqlValue::TinyInt(255)),
            (Float, SqlValue::Float(1.5)),
            (
                Decimal {
                    precision: 38,
                    scale: 4,
                },
                SqlValue::Decimal {
                    value: -123_456_789_012_345_678,
                    scale: 4,
                },
            ),
            (Money, SqlValue::Money(-922_337_203_685_477_580)),
            (NVarChar(Some(10)), SqlValue::String("héllo €".into())),
            (NVarChar(None), SqlValue::String("x".repeat(100_000))),
            (VarChar(Some(10)), SqlValue::String("café €".into())),
            (VarBinary(None), SqlValue::Binary(vec![1; 70_000])),
            (Date, SqlValue::Date(738_000)),
            (Time { scale: 7 }, SqlValue::Time(863_999_999_999)),
            (
                DateTime2 { scale: 3 },
                SqlValue::DateTime {
                    days: 738_000,
                    ticks: 123_450_000,
                },
            ),
            (
                DateTimeOffset { scale: 7 },
                SqlValue::DateTimeOffset {
                    days: 738_000,
                    ticks: 10,
                    offset_minutes: 120,
                },
            ),
            (UniqueIdentifier, SqlValue::Guid([3; 16])),
            (Int, SqlValue::Null),
            (NVarChar(None), SqlValue::Null),
            (Variant, SqlValue::Variant(Box::new(SqlValue::Int(7)), Int)),
        ];
        for (ty, v) in cases {
            assert_eq!(round_trip(ty.clone(), v.clone()), v, "{ty:?}");
        }
    }

    #[test]
    fn datetime_keeps_three_hundredths() {
        let v = SqlValue::DateTime {
            days: DAYS_TO_1900 + 1,
            ticks: 10_000_000,
        };
        assert_eq!(round_trip(SqlType::DateTime, v.clone()), v);
    }

    #[test]
    fn mismatched_value_is_an_error_not_a_panic() {
        let mut buf = Vec::new();
        assert!(value(&mut buf, &SqlType::Int, &SqlValue::String("x".into())).is_err());
    }
}
