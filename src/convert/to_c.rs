//! SQL Server values into the application's C buffers.
//!
//! Follows the ODBC appendix D table "Converting Data from SQL to C Data Types" and the SQL
//! Server drivers' date/time notes. Fixed-size targets never allocate; character targets are
//! written straight from the value (only the part that fits is encoded, the rest is counted).

use super::codes::*;
use super::datetime::{self, MIDNIGHT};
use super::format::{self, SmallText};
use super::numeric::{self, invalid_char_value, out_of_range, restricted_type};
use super::value::{DateTimeOffset, Time, Timestamp};
use super::{CharEncoding, ConvertError, ServerType, Value, Warning};

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
        return write_value(inner, inner_ty, target);
    }
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
        SQL_C_BINARY => write_binary(value, ty, buffer, offset, encoding),
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
            out.copy_from_slice(&numeric::to_f64(numeric::num_of(value)?).to_ne_bytes());
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
        Value::DateTimeOffset(v) => Parsed {
            date: Some(v.local.date),
            time: Some(v.local.time),
            offset_minutes: Some(v.offset_minutes),
        },
        Value::Text(s) => datetime::parse_literal(s).ok_or_else(invalid_char_value)?,
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
/// where a date is needed (ODBC's rule); a date-only value gets midnight; a datetimeoffset
/// keeps its local wall-clock time (the module knows no client time zone) and other values
/// get offset +00:00.
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
            let local = full_timestamp(&parts);
            let v = DateTimeOffset {
                local,
                offset_minutes: parts.offset_minutes.unwrap_or(0),
            };
            out.copy_from_slice(&datetime::timestampoffset_struct(v));
            Ok(None)
        }
        _ => Err(unknown_c_type(c_type)),
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
    encoding: CharEncoding,
) -> Result<Written, ConvertError> {
    match value {
        Value::Binary(bytes) => Ok(write_bytes(bytes.len(), |i| bytes[i], buffer, offset)),
        Value::Text(s) if ty.is_narrow_char() && encoding == CharEncoding::Latin1 => {
            Ok(write_latin1_bytes(s, buffer, offset))
        }
        Value::Text(s) if ty.is_narrow_char() => {
            Ok(write_bytes(s.len(), |i| s.as_bytes()[i], buffer, offset))
        }
        // nchar, nvarchar, ntext, xml (and text of any other declared type): UTF-16LE.
        Value::Text(s) => Ok(write_utf16_bytes(s, buffer, offset)),
        _ => {
            let mut image = [0u8; 20];
            let len = struct_image(value, ty, &mut image)?;
            if buffer.is_empty() {
                return Ok(Written {
                    indicator: len as isize,
                    consumed: 0,
                    warning: Some(Warning::StringTruncated),
                });
            }
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

/// The bytes SQL_C_BINARY receives for a fixed-size value: its default C type's structure.
fn struct_image(value: &Value, ty: &ServerType, out: &mut [u8; 20]) -> Result<usize, ConvertError> {
    let bytes: &[u8] = match value {
        Value::Bit(b) => &[u8::from(*b)],
        Value::TinyInt(v) => &[*v],
        Value::SmallInt(v) => &v.to_ne_bytes(),
        Value::Int(v) => &v.to_ne_bytes(),
        Value::BigInt(v) => &v.to_ne_bytes(),
        Value::Real(v) => &v.to_ne_bytes(),
        Value::Float(v) => &v.to_ne_bytes(),
        Value::Decimal(d) => &numeric::numeric_struct(d.mantissa, d.precision, d.scale as i8),
        Value::Money(m) => {
            let precision = if *ty == ServerType::SmallMoney {
                10
            } else {
                19
            };
            &numeric::numeric_struct(i128::from(*m), precision, 4)
        }
        Value::Date(d) => &datetime::date_struct(*d),
        Value::Time(t) => &datetime::time2_struct(*t),
        Value::Timestamp(ts) => &datetime::timestamp_struct(normalize_timestamp(*ts, ty)),
        Value::DateTimeOffset(v) => &datetime::timestampoffset_struct(*v),
        Value::Guid(g) => g,
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
    Written {
        indicator: remaining as isize,
        consumed: n,
        warning: (n < remaining).then_some(Warning::StringTruncated),
    }
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
    let remaining = total - start;
    let n = remaining.min(buffer.len());
    let bytes = s
        .encode_utf16()
        .skip(start / 2)
        .flat_map(u16::to_le_bytes)
        .skip(start % 2);
    for (slot, b) in buffer[..n].iter_mut().zip(bytes) {
        *slot = b;
    }
    Written {
        indicator: remaining as isize,
        consumed: n,
        warning: (n < remaining).then_some(Warning::StringTruncated),
    }
}

fn write_latin1_bytes(s: &str, buffer: &mut [u8], offset: usize) -> Written {
    if s.is_ascii() {
        return write_bytes(s.len(), |i| s.as_bytes()[i], buffer, offset);
    }
    let total = s.chars().count();
    let start = offset.min(total);
    let remaining = total - start;
    let n = remaining.min(buffer.len());
    for (slot, c) in buffer[..n].iter_mut().zip(s.chars().skip(start)) {
        *slot = latin1(c);
    }
    Written {
        indicator: remaining as isize,
        consumed: n,
        warning: (n < remaining).then_some(Warning::StringTruncated),
    }
}

fn latin1(c: char) -> u8 {
    u8::try_from(u32::from(c)).unwrap_or(b'?')
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

// ---------------------------------------------------------------------------------------
// Character targets.

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
            TextForm::Narrow(CharEncoding::Utf8) => write_utf8(s, buffer, offset),
            TextForm::Narrow(CharEncoding::Latin1) => write_latin1(s, buffer, offset),
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
            let (text, whole) = text_form(value, ty)?;
            let unit = form.unit();
            // ODBC: a number whose whole digits (a date/time whose mandatory fields) do not
            // fit is 22003 rather than truncated. An empty buffer asks for the length only.
            let room = (buffer.len() / unit).saturating_sub(1);
            if offset == 0 && !buffer.is_empty() && room < whole && room < text.as_bytes().len() {
                return Err(out_of_range());
            }
            let bytes = text.as_bytes();
            Ok(write_ascii(
                bytes.len(),
                |i| bytes[i],
                unit,
                1,
                buffer,
                offset,
            ))
        }
    }
}

/// The text form of a non-character value and how many of its leading characters must fit.
fn text_form(value: &Value, ty: &ServerType) -> Result<(SmallText, usize), ConvertError> {
    let whole_part = |t: &SmallText| t.as_str().find(['.', 'e']).unwrap_or(t.as_bytes().len());
    let text = match value {
        Value::Bit(b) => format::bit(*b),
        Value::TinyInt(v) => format::integer(i64::from(*v)),
        Value::SmallInt(v) => format::integer(i64::from(*v)),
        Value::Int(v) => format::integer(i64::from(*v)),
        Value::BigInt(v) => format::integer(*v),
        Value::Real(v) => format::real(*v),
        Value::Float(v) => format::float(*v),
        Value::Decimal(d) => format::decimal_value(d),
        Value::Money(m) => format::money(*m),
        Value::Date(d) => return Ok((format::date(d), 10)),
        Value::Time(t) => return Ok((format::time(t, scale_of(ty)), 8)),
        Value::Timestamp(ts) => {
            let ts = normalize_timestamp(*ts, ty);
            return Ok((format::timestamp(&ts, scale_of(ty)), 19));
        }
        Value::DateTimeOffset(v) => return Ok((format::datetimeoffset(v, scale_of(ty)), 19)),
        Value::Guid(g) => return Ok((format::guid(g), 36)),
        _ => return Err(restricted_type()),
    };
    let whole = whole_part(&text);
    Ok((text, whole))
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

/// Writes part of an ASCII text of `len` characters, from character `offset / unit`, with
/// a terminator. `granularity` keeps chunks whole (2 for hexadecimal bytes).
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
    for i in 0..n {
        buffer[i * unit] = at(start + i);
        if unit == 2 {
            buffer[i * unit + 1] = 0;
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

/// UTF-8 text, cut only between characters.
fn write_utf8(s: &str, buffer: &mut [u8], offset: usize) -> Written {
    let start = floor_boundary(s, offset.min(s.len()));
    let remaining = s.len() - start;
    let room = buffer.len().saturating_sub(1);
    let n = if remaining <= room {
        remaining
    } else {
        floor_boundary(s, start + room) - start
    };
    buffer[..n].copy_from_slice(&s.as_bytes()[start..start + n]);
    terminate(buffer, n, 1);
    finish(remaining, n)
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Latin-1: one byte a character, `?` for characters outside it; `offset` counts characters.
fn write_latin1(s: &str, buffer: &mut [u8], offset: usize) -> Written {
    if s.is_ascii() {
        return write_ascii(s.len(), |i| s.as_bytes()[i], 1, 1, buffer, offset);
    }
    let total = s.chars().count();
    let start = offset.min(total);
    let remaining = total - start;
    let n = remaining.min(buffer.len().saturating_sub(1));
    for (slot, c) in buffer[..n].iter_mut().zip(s.chars().skip(start)) {
        *slot = latin1(c);
    }
    terminate(buffer, n, 1);
    finish(remaining, n)
}

/// UTF-16LE text, never splitting a surrogate pair; `offset` counts bytes.
fn write_utf16(s: &str, buffer: &mut [u8], offset: usize) -> Written {
    if s.is_ascii() {
        return write_ascii(s.len(), |i| s.as_bytes()[i], 2, 1, buffer, offset);
    }
    let total = utf16_len(s);
    let start = (offset / 2).min(total);
    let remaining = total - start;
    let room = (buffer.len() / 2).saturating_sub(1);
    let limit = remaining.min(room);
    let mut n = 0;
    for unit in s.encode_utf16().skip(start) {
        let is_high_surrogate = (0xD800..0xDC00).contains(&unit);
        if n == limit || (is_high_surrogate && n + 1 == limit && limit < remaining) {
            break;
        }
        buffer[2 * n..2 * n + 2].copy_from_slice(&unit.to_le_bytes());
        n += 1;
    }
    terminate(buffer, 2 * n, 2);
    finish(2 * remaining, 2 * n)
}
