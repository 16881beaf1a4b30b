//! SQL Server values into the application's C buffers.
//!
//! Follows the ODBC appendix D table "Converting Data from SQL to C Data Types" and the SQL
//! Server drivers' date/time notes. Fixed-size targets never allocate; character targets are
//! written straight from the value (only the part that fits is encoded, the rest is counted).

use super::codes::*;
use super::datetime::{self, MIDNIGHT};
use super::format::{self, SmallText};
use super::numeric::{self, Num, invalid_char_value, out_of_range, restricted_type};
use super::value::{DateTimeOffset, Time, Timestamp};
use super::{CharEncoding, ConvertError, ServerType, Value, Warning, charset};

/// Where the application wants a value.
pub struct Target<'a> {
    /// The C type asked for (SQL_C_*; SQL_C_DEFAULT resolved by the caller with
    /// [`default_c_type`]; SQL_C_SS_TIME2 0x4000 and SQL_C_SS_TIMESTAMPOFFSET 0x4001 included).
    pub c_type: i16,
    /// The application's buffer; may be empty when only the length is wanted. For fixed-size
    /// C types it must be at least [`c_type_size`] bytes long (else HY090).
    pub buffer: &'a mut [u8],
    /// For `SQLGetData` in parts: bytes of this value's C representation already returned by
    /// earlier calls on the same cell (0 on the first call, and always 0 for `SQLBindCol`).
    pub offset: usize,
    /// SQL_C_CHAR's encoding.
    pub encoding: CharEncoding,
    /// SQL_C_NUMERIC's precision and scale from the ARD (defaults 38, 0... as ODBC says).
    pub numeric_precision: u8,
    pub numeric_scale: i8,
}

/// What a conversion delivered.
///
/// A cell has been returned completely when `warning` is not `Some(StringTruncated)`: the
/// next `SQLGetData` on it is SQL_NO_DATA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    /// The StrLen_or_Ind value: for variable-length targets the length in bytes of what
    /// remained from `offset` before this call (excluding the terminator), or
    /// SQL_NO_TOTAL (-4) when unknown; for fixed-length targets the size of the C type.
    pub indicator: isize,
    /// Bytes of the value consumed by this call: the caller adds it to `offset` for the next
    /// `SQLGetData` call on the same cell.
    pub consumed: usize,
    pub warning: Option<Warning>,
}

/// SQL_C_DEFAULT for a server type, as the ODBC tables define it (time and datetimeoffset
/// get msodbcsql's SQL_C_SS_TIME2 / SQL_C_SS_TIMESTAMPOFFSET, the structures their
/// SQL_C_BINARY form holds too).
pub fn default_c_type(ty: &ServerType) -> i16 {
    use ServerType::*;
    match ty {
        Char(_) | VarChar(_) | Text | Decimal { .. } | Numeric { .. } | Money | SmallMoney => {
            SQL_C_CHAR
        }
        NChar(_) | NVarChar(_) | NText | Xml => SQL_C_WCHAR,
        Bit => SQL_C_BIT,
        TinyInt => SQL_C_UTINYINT,
        SmallInt => SQL_C_SSHORT,
        Int => SQL_C_SLONG,
        BigInt => SQL_C_SBIGINT,
        Real => SQL_C_FLOAT,
        Float => SQL_C_DOUBLE,
        Binary(_) | VarBinary(_) | Image | RowVersion | Udt(_) | Variant => SQL_C_BINARY,
        Date => SQL_C_TYPE_DATE,
        Time { .. } => SQL_C_SS_TIME2,
        DateTime | SmallDateTime | DateTime2 { .. } => SQL_C_TYPE_TIMESTAMP,
        DateTimeOffset { .. } => SQL_C_SS_TIMESTAMPOFFSET,
        UniqueIdentifier => SQL_C_GUID,
    }
}

/// The size of a fixed-length C type, `None` for character and binary targets (and for
/// codes this module does not know).
pub fn c_type_size(c_type: i16) -> Option<usize> {
    Some(match c_type {
        SQL_C_BIT | SQL_C_TINYINT | SQL_C_STINYINT | SQL_C_UTINYINT => 1,
        SQL_C_SHORT | SQL_C_SSHORT | SQL_C_USHORT => 2,
        SQL_C_LONG | SQL_C_SLONG | SQL_C_ULONG | SQL_C_FLOAT => 4,
        SQL_C_SBIGINT | SQL_C_UBIGINT | SQL_C_DOUBLE => 8,
        SQL_C_NUMERIC => NUMERIC_STRUCT_SIZE,
        SQL_C_DATE | SQL_C_TYPE_DATE => DATE_STRUCT_SIZE,
        SQL_C_TIME | SQL_C_TYPE_TIME => TIME_STRUCT_SIZE,
        SQL_C_TIMESTAMP | SQL_C_TYPE_TIMESTAMP => TIMESTAMP_STRUCT_SIZE,
        SQL_C_SS_TIME2 => SS_TIME2_STRUCT_SIZE,
        SQL_C_SS_TIMESTAMPOFFSET => SS_TIMESTAMPOFFSET_STRUCT_SIZE,
        SQL_C_GUID => GUID_SIZE,
        _ => return None,
    })
}

/// Converts `value` (of declared type `ty`) into `target`. `Value::Null` is not passed here:
/// the caller sets SQL_NULL_DATA itself. Character targets are NUL-terminated when room allows;
/// once a cell has been returned completely a further `SQLGetData` is the caller's SQL_NO_DATA.
pub fn write_value(
    value: &Value,
    ty: &ServerType,
    target: Target<'_>,
) -> Result<Written, ConvertError> {
    if let Value::Variant(inner, inner_ty) = value {
        // pyodbc first reads a sql_variant as SQL_C_BINARY into 0 bytes to learn its base
        // type: msodbcsql answers the length then, not 22003, even for a fixed-size base type.
        if target.c_type == SQL_C_BINARY
            && target.buffer.is_empty()
            && !matches!(**inner, Value::Text(_) | Value::Binary(_))
        {
            let mut image = [0u8; 20];
            let len = binary_image(inner, inner_ty, &mut image)?;
            return Ok(Written {
                indicator: len as isize,
                consumed: 0,
                warning: Some(Warning::StringTruncated),
            });
        }
        return write_value(inner, inner_ty, target);
    }
    // char(n) comes blank-padded from SQL Server, and msodbcsql pads a short one itself
    // (measured: it leaves nchar(n) alone).
    let padded;
    let value = match (value, ty) {
        (Value::Text(s), ServerType::Char(n)) if s.chars().count() < *n as usize => {
            padded = Value::Text(pad(s, *n as usize - s.chars().count()));
            &padded
        }
        _ => value,
    };
    let Target {
        c_type,
        buffer,
        offset,
        encoding,
        numeric_precision,
        numeric_scale,
    } = target;
    match c_type {
        SQL_C_CHAR => write_text(value, ty, buffer, offset, TextForm::Narrow(encoding)),
        SQL_C_WCHAR => write_text(value, ty, buffer, offset, TextForm::Wide),
        SQL_C_BINARY => write_binary(value, ty, buffer, offset),
        _ => {
            let size = c_type_size(c_type).ok_or_else(|| unknown_c_type(c_type))?;
            let out = buffer.get_mut(..size).ok_or_else(buffer_too_small)?;
            let warning = write_fixed(value, ty, c_type, out, numeric_precision, numeric_scale)?;
            Ok(Written {
                indicator: size as isize,
                consumed: size,
                warning,
            })
        }
    }
}

fn pad(s: &str, blanks: usize) -> String {
    let mut out = String::with_capacity(s.len() + blanks);
    out.push_str(s);
    out.extend(std::iter::repeat_n(' ', blanks));
    out
}

fn unknown_c_type(c_type: i16) -> ConvertError {
    ConvertError {
        sqlstate: "HY003",
        message: format!("Invalid application buffer type ({c_type})"),
    }
}

fn buffer_too_small() -> ConvertError {
    ConvertError {
        sqlstate: "HY090",
        message: "Invalid string or buffer length".into(),
    }
}

// ---------------------------------------------------------------------------------------
// Fixed-size targets.

fn write_fixed(
    value: &Value,
    ty: &ServerType,
    c_type: i16,
    out: &mut [u8],
    precision: u8,
    scale: i8,
) -> Result<Option<Warning>, ConvertError> {
    match c_type {
        SQL_C_BIT => {
            let (bit, warning) = numeric::bit_of(numeric::num_of(value)?)?;
            out[0] = bit;
            Ok(warning)
        }
        SQL_C_TINYINT | SQL_C_STINYINT => put_integer(value, out, i8::MIN.into(), i8::MAX.into()),
        SQL_C_UTINYINT => put_integer(value, out, 0, u8::MAX.into()),
        SQL_C_SHORT | SQL_C_SSHORT => put_integer(value, out, i16::MIN.into(), i16::MAX.into()),
        SQL_C_USHORT => put_integer(value, out, 0, u16::MAX.into()),
        SQL_C_LONG | SQL_C_SLONG => put_integer(value, out, i32::MIN.into(), i32::MAX.into()),
        SQL_C_ULONG => put_integer(value, out, 0, u32::MAX.into()),
        SQL_C_SBIGINT => put_integer(value, out, i64::MIN.into(), i64::MAX.into()),
        SQL_C_UBIGINT => put_integer(value, out, 0, u64::MAX.into()),
        SQL_C_DOUBLE => {
            let n = numeric::num_of(value)?;
            // Text that passed as a number is read like strtod reads it (so "-0" is -0.0).
            let v = match value {
                Value::Text(s) => s.trim_matches(' ').parse().unwrap_or(numeric::to_f64(n)),
                _ => numeric::to_f64(n),
            };
            out.copy_from_slice(&v.to_ne_bytes());
            Ok(None)
        }
        SQL_C_FLOAT => {
            out.copy_from_slice(&numeric::to_f32(numeric::num_of(value)?)?.to_ne_bytes());
            Ok(None)
        }
        SQL_C_NUMERIC => put_numeric(value, out, precision, scale),
        SQL_C_GUID => {
            out.copy_from_slice(&guid_of(value)?);
            Ok(None)
        }
        _ => put_datetime(value, ty, c_type, out),
    }
}

fn put_integer(
    value: &Value,
    out: &mut [u8],
    min: i128,
    max: i128,
) -> Result<Option<Warning>, ConvertError> {
    let (v, warning) = numeric::integer_in(numeric::num_of(value)?, min, max)?;
    // The C integer is the low bytes of the two's complement value.
    let bytes = v.to_le_bytes();
    let mut le = [0u8; 8];
    le[..out.len()].copy_from_slice(&bytes[..out.len()]);
    if cfg!(target_endian = "big") {
        le[..out.len()].reverse();
    }
    out.copy_from_slice(&le[..out.len()]);
    Ok(warning)
}

/// SQL_C_NUMERIC at the ARD's precision and scale: dropped fractional digits are 01S07,
/// more whole digits than the precision allows 22003.
fn put_numeric(
    value: &Value,
    out: &mut [u8],
    precision: u8,
    scale: i8,
) -> Result<Option<Warning>, ConvertError> {
    let num = numeric::num_of(value)?;
    let precision = if (1..=38).contains(&precision) {
        precision
    } else {
        38
    };
    let scale = scale.clamp(0, precision as i8) as u8;
    let (mantissa, truncated) = numeric::rescale(num, scale, false)?;
    if numeric::digit_count(mantissa.unsigned_abs()) > precision {
        return Err(out_of_range());
    }
    out.copy_from_slice(&numeric::numeric_struct(mantissa, precision, scale as i8));
    // The sign is the value's, even when truncation leaves zero (-0.5 is sign 0, as msodbcsql).
    let negative = match num {
        Num::Int(v) | Num::Dec(v, _) => v < 0,
        Num::Float(f) => f < 0.0,
    };
    out[2] = u8::from(!negative);
    Ok(truncated.then_some(Warning::FractionalTruncation))
}

fn guid_of(value: &Value) -> Result<[u8; 16], ConvertError> {
    match value {
        Value::Guid(g) => Ok(*g),
        Value::Text(s) => format::parse_guid(s).ok_or_else(invalid_char_value),
        _ => Err(restricted_type()),
    }
}

/// The date/time parts of a value; text is parsed as an ODBC/ISO literal (22018 if it is
/// none), non-temporal types are 07006.
fn datetime_parts(value: &Value, ty: &ServerType) -> Result<datetime::Parsed, ConvertError> {
    use datetime::Parsed;
    Ok(match value {
        Value::Date(d) => Parsed {
            date: Some(*d),
            ..Parsed::default()
        },
        Value::Time(t) => Parsed {
            time: Some(*t),
            ..Parsed::default()
        },
        Value::Timestamp(ts) => {
            let ts = normalize_timestamp(*ts, ty);
            Parsed {
                date: Some(ts.date),
                time: Some(ts.time),
                offset_minutes: None,
            }
        }
        // Into types without an offset a datetimeoffset goes as its UTC moment: msodbcsql
        // converts to the client's time zone, and this module takes the client to be on UTC.
        Value::DateTimeOffset(v) => with_offset(*v),
        Value::Text(s) => {
            let parsed = datetime::parse_literal(s).ok_or_else(invalid_char_value)?;
            match (parsed.date, parsed.time, parsed.offset_minutes) {
                (Some(date), Some(time), Some(offset_minutes)) => with_offset(DateTimeOffset {
                    local: Timestamp { date, time },
                    offset_minutes,
                }),
                _ => parsed,
            }
        }
        _ => return Err(restricted_type()),
    })
}

/// datetime keeps 1/300 s ticks; msodbcsql hands them out rounded to the millisecond.
fn normalize_timestamp(ts: Timestamp, ty: &ServerType) -> Timestamp {
    if *ty != ServerType::DateTime {
        return ts;
    }
    let millis = ((ts.time.nanosecond + 500_000) / 1_000_000).min(999);
    Timestamp {
        date: ts.date,
        time: Time {
            nanosecond: millis * 1_000_000,
            ..ts.time
        },
    }
}

/// Date, time, timestamp and the SQL Server structures. A time-only value gets today's date
/// where a date is needed (ODBC's rule); a date-only value gets midnight; values without an
/// offset get +00:00 in SQL_C_SS_TIMESTAMPOFFSET.
fn put_datetime(
    value: &Value,
    ty: &ServerType,
    c_type: i16,
    out: &mut [u8],
) -> Result<Option<Warning>, ConvertError> {
    let parts = datetime_parts(value, ty)?;
    let is_text = matches!(value, Value::Text(_));
    let missing = || {
        if is_text {
            invalid_char_value()
        } else {
            restricted_type()
        }
    };
    let fraction_cut = |t: &Time| (t.nanosecond != 0).then_some(Warning::FractionalTruncation);
    match c_type {
        SQL_C_DATE | SQL_C_TYPE_DATE => {
            let date = parts.date.ok_or_else(missing)?;
            out.copy_from_slice(&datetime::date_struct(date));
            let time_cut = parts.time.is_some_and(|t| t != MIDNIGHT);
            Ok(time_cut.then_some(Warning::FractionalTruncation))
        }
        SQL_C_TIME | SQL_C_TYPE_TIME => {
            let time = parts.time.ok_or_else(missing)?;
            out.copy_from_slice(&datetime::time_struct(time));
            Ok(fraction_cut(&time))
        }
        SQL_C_SS_TIME2 => {
            let time = parts.time.ok_or_else(missing)?;
            out.copy_from_slice(&datetime::time2_struct(time));
            Ok(None)
        }
        SQL_C_TIMESTAMP | SQL_C_TYPE_TIMESTAMP => {
            out.copy_from_slice(&datetime::timestamp_struct(full_timestamp(&parts)));
            Ok(None)
        }
        SQL_C_SS_TIMESTAMPOFFSET => {
            let v = match value {
                Value::DateTimeOffset(v) => *v,
                _ => DateTimeOffset {
                    local: full_timestamp(&parts),
                    offset_minutes: 0,
                },
            };
            out.copy_from_slice(&datetime::timestampoffset_struct(v));
            Ok(None)
        }
        _ => Err(unknown_c_type(c_type)),
    }
}

/// The parts of a datetimeoffset as the UTC moment (text given with an offset too).
fn with_offset(v: DateTimeOffset) -> datetime::Parsed {
    let utc = datetime::to_utc(v);
    datetime::Parsed {
        date: Some(utc.date),
        time: Some(utc.time),
        offset_minutes: Some(v.offset_minutes),
    }
}

fn full_timestamp(parts: &datetime::Parsed) -> Timestamp {
    Timestamp {
        date: parts.date.unwrap_or_else(datetime::today),
        time: parts.time.unwrap_or(MIDNIGHT),
    }
}

// ---------------------------------------------------------------------------------------
// Binary targets.

fn write_binary(
    value: &Value,
    ty: &ServerType,
    buffer: &mut [u8],
    offset: usize,
) -> Result<Written, ConvertError> {
    match value {
        Value::Binary(bytes) => {
            let start = offset.min(bytes.len());
            let n = (bytes.len() - start).min(buffer.len());
            buffer[..n].copy_from_slice(&bytes[start..start + n]);
            Ok(finish(bytes.len() - start, n))
        }
        // char/varchar/text: the collation's code page bytes (Windows-1252).
        Value::Text(s) if ty.is_narrow_char() => Ok(write_cp1252_bytes(s, buffer, offset)),
        // xml: UTF-16LE behind a byte order mark, as msodbcsql hands it out.
        Value::Text(s) if *ty == ServerType::Xml => {
            let total = 2 + 2 * utf16_len(s);
            let start = offset.min(total);
            let n = (total - start).min(buffer.len());
            let bytes = [0xFF, 0xFE]
                .into_iter()
                .chain(s.encode_utf16().flat_map(u16::to_le_bytes));
            for (slot, b) in buffer[..n].iter_mut().zip(bytes.skip(start)) {
                *slot = b;
            }
            Ok(finish(total - start, n))
        }
        // nchar, nvarchar, ntext: UTF-16LE.
        Value::Text(s) => Ok(write_utf16_bytes(s, buffer, offset)),
        _ => {
            let mut image = [0u8; 20];
            let len = binary_image(value, ty, &mut image)?;
            // ODBC: a fixed-size value that does not fit is 22003, even for a zero-length buffer.
            if buffer.len() < len {
                return Err(out_of_range());
            }
            buffer[..len].copy_from_slice(&image[..len]);
            Ok(Written {
                indicator: len as isize,
                consumed: len,
                warning: None,
            })
        }
    }
}

/// The bytes SQL_C_BINARY receives for a fixed-size value, as msodbcsql gives them: the
/// default C type's structure, except datetime, smalldatetime, money and smallmoney, which
/// come in their TDS form.
fn binary_image(value: &Value, ty: &ServerType, out: &mut [u8; 20]) -> Result<usize, ConvertError> {
    let bytes: &[u8] = match (value, ty) {
        (Value::Money(m), ServerType::SmallMoney) => &(*m as i32).to_le_bytes(),
        (Value::Money(m), _) => {
            let mut tds = [0u8; 8];
            tds[..4].copy_from_slice(&((*m >> 32) as i32).to_le_bytes());
            tds[4..].copy_from_slice(&(*m as u32).to_le_bytes());
            &{ tds }
        }
        (Value::Timestamp(ts), ServerType::DateTime) => &datetime::tds_datetime(*ts),
        (Value::Timestamp(ts), ServerType::SmallDateTime) => &datetime::tds_smalldatetime(*ts),
        (Value::Bit(b), _) => &[u8::from(*b)],
        (Value::TinyInt(v), _) => &[*v],
        (Value::SmallInt(v), _) => &v.to_ne_bytes(),
        (Value::Int(v), _) => &v.to_ne_bytes(),
        (Value::BigInt(v), _) => &v.to_ne_bytes(),
        (Value::Real(v), _) => &v.to_ne_bytes(),
        (Value::Float(v), _) => &v.to_ne_bytes(),
        (Value::Decimal(d), _) => &numeric::numeric_struct(d.mantissa, d.precision, d.scale as i8),
        (Value::Date(d), _) => &datetime::date_struct(*d),
        (Value::Time(t), _) => &datetime::time2_struct(*t),
        (Value::Timestamp(ts), _) => &datetime::timestamp_struct(*ts),
        (Value::DateTimeOffset(v), _) => &datetime::timestampoffset_struct(*v),
        (Value::Guid(g), _) => g,
        _ => return Err(restricted_type()),
    };
    out[..bytes.len()].copy_from_slice(bytes);
    Ok(bytes.len())
}

/// A chunk of a byte sequence of `len` bytes: no terminator, split anywhere.
fn write_bytes(len: usize, at: impl Fn(usize) -> u8, buffer: &mut [u8], offset: usize) -> Written {
    let start = offset.min(len);
    let remaining = len - start;
    let n = remaining.min(buffer.len());
    for (i, slot) in buffer[..n].iter_mut().enumerate() {
        *slot = at(start + i);
    }
    finish(remaining, n)
}

fn write_utf16_bytes(s: &str, buffer: &mut [u8], offset: usize) -> Written {
    if s.is_ascii() {
        let b = s.as_bytes();
        return write_bytes(
            2 * b.len(),
            |i| if i % 2 == 0 { b[i / 2] } else { 0 },
            buffer,
            offset,
        );
    }
    let total = 2 * utf16_len(s);
    let start = offset.min(total);
    let n = (total - start).min(buffer.len());
    let bytes = s
        .encode_utf16()
        .skip(start / 2)
        .flat_map(u16::to_le_bytes)
        .skip(start % 2);
    for (slot, b) in buffer[..n].iter_mut().zip(bytes) {
        *slot = b;
    }
    finish(total - start, n)
}

/// Windows-1252 bytes, one a character; `offset` counts characters.
fn write_cp1252_bytes(s: &str, buffer: &mut [u8], offset: usize) -> Written {
    if s.is_ascii() {
        return write_bytes(s.len(), |i| s.as_bytes()[i], buffer, offset);
    }
    let total = s.chars().count();
    let start = offset.min(total);
    let n = (total - start).min(buffer.len());
    for (slot, c) in buffer[..n].iter_mut().zip(s.chars().skip(start)) {
        *slot = charset::encode_char(c);
    }
    finish(total - start, n)
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

// ---------------------------------------------------------------------------------------
// Character targets.
//
// Text is cut at any byte (SQL_C_CHAR) or UTF-16 unit (SQL_C_WCHAR), like msodbcsql, which
// splits UTF-8 sequences and surrogate pairs across SQLGetData calls: applications join the
// chunks before decoding. Unlike msodbcsql (SQL_NO_TOTAL after a code page conversion) the
// indicator is always the exact remaining length.

#[derive(Clone, Copy, PartialEq, Eq)]
enum TextForm {
    Narrow(CharEncoding),
    /// UTF-16LE.
    Wide,
}

impl TextForm {
    fn unit(self) -> usize {
        if self == TextForm::Wide { 2 } else { 1 }
    }
}

fn write_text(
    value: &Value,
    ty: &ServerType,
    buffer: &mut [u8],
    offset: usize,
    form: TextForm,
) -> Result<Written, ConvertError> {
    match value {
        Value::Text(s) => Ok(match form {
            TextForm::Narrow(CharEncoding::Utf8) => write_slice(s.as_bytes(), 1, buffer, offset),
            TextForm::Narrow(CharEncoding::Latin1) => write_cp1252(s, buffer, offset),
            TextForm::Wide => write_utf16(s, buffer, offset),
        }),
        // Two upper-case hexadecimal digits a byte, never half a byte.
        Value::Binary(b) => {
            let hex =
                |i: usize| format::hex_digit(b[i / 2] >> if i.is_multiple_of(2) { 4 } else { 0 });
            Ok(write_ascii(
                2 * b.len(),
                hex,
                form.unit(),
                2,
                buffer,
                offset,
            ))
        }
        _ => {
            let (text, fit) = text_form(value, ty)?;
            write_formatted(&text, fit, form.unit(), buffer, offset)
        }
    }
}

/// How the text form of a non-character value may be cut when the buffer is short
/// (msodbcsql's behaviour, after ODBC's rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fit {
    /// Integers, bit, uniqueidentifier, date, datetimeoffset: all or 22003.
    Whole,
    /// decimal, money, float: fractional digits may go (01004); whole digits may not.
    Number,
    /// time, datetime, datetime2: at least this many characters, then anything (01004).
    AtLeast(usize),
}

/// Writes a short ASCII text form. A truncated number or date counts as returned whole (the
/// next call gets an empty string, then SQL_NO_DATA), as msodbcsql does.
fn write_formatted(
    text: &SmallText,
    fit: Fit,
    unit: usize,
    buffer: &mut [u8],
    offset: usize,
) -> Result<Written, ConvertError> {
    let bytes = text.as_bytes();
    let len = bytes.len();
    if offset > 0 {
        return Ok(write_slice(bytes, unit, buffer, offset));
    }
    // Room for characters before the terminator; none at all without room for it.
    let room = (buffer.len() / unit)
        .checked_sub(1)
        .ok_or_else(out_of_range)?;
    if len <= room {
        return Ok(write_slice(bytes, unit, buffer, 0));
    }
    let mut cut = SmallText::new();
    let _ = std::fmt::Write::write_str(&mut cut, &text.as_str()[..room]);
    match fit {
        Fit::Whole => return Err(out_of_range()),
        Fit::AtLeast(min) if room < min => return Err(out_of_range()),
        Fit::AtLeast(_) => {}
        Fit::Number => {
            let s = text.as_str();
            let whole = s.find('.').unwrap_or(len);
            if s.contains('E') || room < whole || room == 0 {
                return Err(out_of_range());
            }
            let dropped = &s[room..];
            if dropped.bytes().all(|b| b == b'0' || b == b'.') {
                // Only zeros went: the value is intact.
                let c = cut.as_bytes();
                let w = write_slice(c, unit, buffer, 0);
                return Ok(Written {
                    consumed: len * unit,
                    ..w
                });
            }
            if !cut.as_str().bytes().any(|b| b.is_ascii_digit()) {
                cut = SmallText::new();
                let _ = std::fmt::Write::write_str(&mut cut, "0");
            }
        }
    }
    let c = cut.as_bytes();
    write_slice(c, unit, buffer, 0);
    Ok(Written {
        indicator: (len * unit) as isize,
        consumed: len * unit,
        warning: Some(Warning::StringTruncated),
    })
}

/// The text form of a non-character value and how it may be cut.
fn text_form(value: &Value, ty: &ServerType) -> Result<(SmallText, Fit), ConvertError> {
    Ok(match value {
        Value::Bit(b) => (format::bit(*b), Fit::Whole),
        Value::TinyInt(v) => (format::integer(i64::from(*v)), Fit::Whole),
        Value::SmallInt(v) => (format::integer(i64::from(*v)), Fit::Whole),
        Value::Int(v) => (format::integer(i64::from(*v)), Fit::Whole),
        Value::BigInt(v) => (format::integer(*v), Fit::Whole),
        Value::Real(v) => (format::real(*v), Fit::Number),
        Value::Float(v) => (format::float(*v), Fit::Number),
        Value::Decimal(d) => (format::decimal_value(d), Fit::Number),
        Value::Money(m) => (format::money(*m), Fit::Number),
        Value::Date(d) => (format::date(d), Fit::Whole),
        Value::Time(t) => (format::time(t, scale_of(ty)), Fit::AtLeast(8)),
        Value::Timestamp(ts) => {
            let ts = normalize_timestamp(*ts, ty);
            (format::timestamp(&ts, scale_of(ty)), Fit::AtLeast(19))
        }
        Value::DateTimeOffset(v) => (format::datetimeoffset(v, scale_of(ty)), Fit::Whole),
        Value::Guid(g) => (format::guid(g), Fit::Whole),
        _ => return Err(restricted_type()),
    })
}

/// Fractional digits shown for a temporal type: its scale; datetime 3, smalldatetime 0.
fn scale_of(ty: &ServerType) -> u8 {
    match ty {
        ServerType::Time { scale }
        | ServerType::DateTime2 { scale }
        | ServerType::DateTimeOffset { scale } => *scale,
        ServerType::DateTime => 3,
        ServerType::SmallDateTime | ServerType::Date => 0,
        _ => 7,
    }
}

/// Writes part of a text of `len` single-unit characters (ASCII, or UTF-8 bytes), from
/// character `offset / unit`, with a terminator. `granularity` keeps chunks whole (2 for
/// hexadecimal bytes).
fn write_ascii(
    len: usize,
    at: impl Fn(usize) -> u8,
    unit: usize,
    granularity: usize,
    buffer: &mut [u8],
    offset: usize,
) -> Written {
    let start = (offset / unit).min(len);
    let remaining = len - start;
    let room = (buffer.len() / unit).saturating_sub(1);
    let mut n = remaining.min(room);
    if n < remaining {
        n -= n % granularity;
    }
    if unit == 1 {
        for (i, slot) in buffer[..n].iter_mut().enumerate() {
            *slot = at(start + i);
        }
    } else {
        for i in 0..n {
            buffer[2 * i] = at(start + i);
            buffer[2 * i + 1] = 0;
        }
    }
    terminate(buffer, n * unit, unit);
    finish(remaining * unit, n * unit)
}

/// [`write_ascii`] for text already in memory: whole-slice copies (UTF-8 bytes for
/// SQL_C_CHAR, ASCII widened to UTF-16LE for SQL_C_WCHAR).
fn write_slice(bytes: &[u8], unit: usize, buffer: &mut [u8], offset: usize) -> Written {
    let start = (offset / unit).min(bytes.len());
    let remaining = bytes.len() - start;
    let n = remaining.min((buffer.len() / unit).saturating_sub(1));
    let chunk = &bytes[start..start + n];
    if unit == 1 {
        buffer[..n].copy_from_slice(chunk);
    } else {
        for (pair, &b) in buffer[..2 * n].chunks_exact_mut(2).zip(chunk) {
            pair[0] = b;
            pair[1] = 0;
        }
    }
    terminate(buffer, n * unit, unit);
    finish(remaining * unit, n * unit)
}

fn terminate(buffer: &mut [u8], at: usize, unit: usize) {
    if let Some(slot) = buffer.get_mut(at..at + unit) {
        slot.fill(0);
    }
}

fn finish(remaining: usize, written: usize) -> Written {
    Written {
        indicator: remaining as isize,
        consumed: written,
        warning: (written < remaining).then_some(Warning::StringTruncated),
    }
}

/// Windows-1252: one byte a character, `?` for characters outside it; `offset` counts
/// characters.
fn write_cp1252(s: &str, buffer: &mut [u8], offset: usize) -> Written {
    if s.is_ascii() {
        return write_slice(s.as_bytes(), 1, buffer, offset);
    }
    let total = s.chars().count();
    let start = offset.min(total);
    let remaining = total - start;
    let n = remaining.min(buffer.len().saturating_sub(1));
    for (slot, c) in buffer[..n].iter_mut().zip(s.chars().skip(start)) {
        *slot = charset::encode_char(c);
    }
    terminate(buffer, n, 1);
    finish(remaining, n)
}

/// UTF-16LE text cut at any unit; `offset` counts bytes. Only the part that fits is
/// encoded; the rest is counted.
fn write_utf16(s: &str, buffer: &mut [u8], offset: usize) -> Written {
    if s.is_ascii() {
        return write_slice(s.as_bytes(), 2, buffer, offset);
    }
    let total = utf16_len(s);
    let start = (offset / 2).min(total);
    let remaining = total - start;
    let n = remaining.min((buffer.len() / 2).saturating_sub(1));
    for (i, unit) in s.encode_utf16().skip(start).take(n).enumerate() {
        buffer[2 * i..2 * i + 2].copy_from_slice(&unit.to_le_bytes());
    }
    terminate(buffer, 2 * n, 2);
    finish(2 * remaining, 2 * n)
}
