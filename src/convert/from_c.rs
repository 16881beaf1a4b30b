//! The application's bound parameters into SQL Server values.
//!
//! Follows the ODBC appendix D table "Converting Data from C to SQL Data Types" and the
//! way msodbcsql 18.6 declares parameters in `sp_executesql`/`sp_prepexec` (measured against
//! the testserver):
//!
//! | ParameterType | declared as |
//! |---|---|
//! | SQL_VARCHAR / SQL_WVARCHAR | `varchar(n)` n = ColumnSize in 1..=8000 / `nvarchar(n)` n in 1..=4000; 0 is `(max)` |
//! | SQL_CHAR / SQL_WCHAR / SQL_BINARY | `char(n)` / `nchar(n)` / `binary(n)`, the value padded to n |
//! | SQL_LONGVARCHAR, SQL_WLONGVARCHAR, SQL_LONGVARBINARY | `varchar(max)`, `nvarchar(max)`, `varbinary(max)` (*) |
//! | SQL_VARBINARY | `varbinary(n)` n in 1..=8000; 0 is `varbinary(max)` |
//! | SQL_BIT, SQL_TINYINT, SQL_SMALLINT, SQL_INTEGER, SQL_BIGINT | `bit`, `tinyint`, `smallint`, `int`, `bigint` |
//! | SQL_REAL; SQL_FLOAT, SQL_DOUBLE | `real`; `float` |
//! | SQL_DECIMAL, SQL_NUMERIC | `decimal(p,s)` / `numeric(p,s)`, p = ColumnSize (1..=38), s = DecimalDigits (HY104 otherwise) |
//! | SQL_TYPE_DATE | `date` |
//! | SQL_TYPE_TIME, SQL_SS_TIME2 | `time(7)`, whatever DecimalDigits (0..=9) says |
//! | SQL_TYPE_TIMESTAMP | `datetime2(7)`, even for datetime's shape (23, 3) |
//! | SQL_SS_TIMESTAMPOFFSET | `datetimeoffset(7)` |
//! | SQL_GUID, SQL_SS_XML, SQL_SS_VARIANT | `uniqueidentifier`, `xml`, `sql_variant` |
//!
//! (*) Deliberate differences from msodbcsql: it declares the long types as the deprecated
//! `text`/`ntext`/`image` unless `LongAsMax=yes` (and those cannot even be compared with
//! `=`), and it refuses ColumnSize above 8000/4000 with HY104 where this module declares
//! `(max)`.
//!
//! msodbcsql declares `time`, `datetime2` and `datetimeoffset` without a scale (so 7) through
//! both SQLExecDirect and SQLPrepare, whatever DecimalDigits says (measured: DecimalDigits 0 and 3
//! still give `datetime2`, and `CAST(? AS nvarchar)` shows seven fraction digits); DecimalDigits
//! only bounds the fraction the value may carry.
//!
//! Character data longer than the declared length is 22001 ("String data, right
//! truncation"); a timestamp whose fraction has more digits than DecimalDigits is 22008
//! ("Fractional second precision exceeds the scale specified in the parameter binding");
//! exact numbers losing fractional digits are 22001, whole digits 22003. msodbcsql's 01S07
//! for a double truncated into an integer comes from [`read_param_with_warning`].

use super::codes::*;
use super::datetime::{self, MIDNIGHT};
use super::format::{self, SmallText};
use super::numeric::{self, Num, invalid_char_value, out_of_range, restricted_type};
use super::value::{Date, DateTimeOffset, Decimal, Time, Timestamp};
use super::{CharEncoding, ConvertError, ServerType, Value, Warning, charset};

/// One bound parameter, its pointers already resolved into a slice by the handle layer.
pub struct Param<'a> {
    /// ValueType of SQLBindParameter (SQL_C_*), SQL_C_DEFAULT resolved by the caller.
    pub c_type: i16,
    /// ParameterType of SQLBindParameter (SQL_*; SQL_SS_TIME2 etc. included).
    pub sql_type: i16,
    pub column_size: u64,
    pub decimal_digits: i16,
    /// The bytes of the value (for character data without the terminator), or None for NULL
    /// (SQL_NULL_DATA).
    pub data: Option<&'a [u8]>,
    pub encoding: CharEncoding,
}

/// Converts a bound parameter into the value sent and the type it is declared as in
/// `sp_executesql`/`sp_prepexec` (e.g. SQL_WVARCHAR of 10 chars -> nvarchar(10), of 5000
/// chars -> nvarchar(max), the way msodbcsql declares it).
pub fn read_param(param: &Param<'_>) -> Result<(Value, ServerType), ConvertError> {
    read_param_with_warning(param).map(|(value, ty, _)| (value, ty))
}

/// [`read_param`] with the warning msodbcsql posts on SQLExecute: 01S07 when a double lost
/// its fraction on the way into an integer or bit parameter.
pub fn read_param_with_warning(
    param: &Param<'_>,
) -> Result<(Value, ServerType, Option<Warning>), ConvertError> {
    let declared = declared_type(param.sql_type, param.column_size, param.decimal_digits)?;
    let Some(data) = param.data else {
        return Ok((Value::Null, declared, None));
    };
    let input = read_c(param.c_type, data, param.encoding)?;
    let mut warning = None;
    let value = convert(input, &declared, param, &mut warning)?;
    Ok((value, declared, warning))
}

/// The SQL Server type a parameter is declared as (see the module table).
pub fn declared_type(
    sql_type: i16,
    column_size: u64,
    decimal_digits: i16,
) -> Result<ServerType, ConvertError> {
    let sized = |max: u64| {
        (1..=max)
            .contains(&column_size)
            .then_some(column_size as u32)
    };
    let fraction = || -> Result<u8, ConvertError> {
        match decimal_digits {
            0..=7 => Ok(decimal_digits as u8),
            // Nanosecond digits are accepted; SQL Server keeps seven.
            8 | 9 => Ok(7),
            _ => Err(invalid_precision()),
        }
    };
    Ok(match sql_type {
        SQL_CHAR => sized(8000).map_or(ServerType::VarChar(None), ServerType::Char),
        SQL_VARCHAR => ServerType::VarChar(sized(8000)),
        SQL_WCHAR => sized(4000).map_or(ServerType::NVarChar(None), ServerType::NChar),
        SQL_WVARCHAR => ServerType::NVarChar(sized(4000)),
        SQL_LONGVARCHAR => ServerType::VarChar(None),
        SQL_WLONGVARCHAR => ServerType::NVarChar(None),
        SQL_BINARY => sized(8000).map_or(ServerType::VarBinary(None), ServerType::Binary),
        SQL_VARBINARY => ServerType::VarBinary(sized(8000)),
        SQL_LONGVARBINARY | SQL_SS_UDT => ServerType::VarBinary(None),
        SQL_BIT => ServerType::Bit,
        SQL_TINYINT => ServerType::TinyInt,
        SQL_SMALLINT => ServerType::SmallInt,
        SQL_INTEGER => ServerType::Int,
        SQL_BIGINT => ServerType::BigInt,
        SQL_REAL => ServerType::Real,
        SQL_FLOAT | SQL_DOUBLE => ServerType::Float,
        SQL_DECIMAL | SQL_NUMERIC => {
            if !(1..=38).contains(&column_size)
                || decimal_digits < 0
                || decimal_digits as u64 > column_size
            {
                return Err(invalid_precision());
            }
            let (precision, scale) = (column_size as u8, decimal_digits as u8);
            if sql_type == SQL_DECIMAL {
                ServerType::Decimal { precision, scale }
            } else {
                ServerType::Numeric { precision, scale }
            }
        }
        SQL_DATE | SQL_TYPE_DATE => ServerType::Date,
        // Declared at full precision, as msodbcsql does; `fraction()` only validates DecimalDigits
        // here, and `allowed_fraction` applies it to the value.
        SQL_TIME | SQL_TYPE_TIME | SQL_SS_TIME2 => {
            fraction()?;
            ServerType::Time { scale: 7 }
        }
        SQL_TIMESTAMP | SQL_TYPE_TIMESTAMP => {
            fraction()?;
            ServerType::DateTime2 { scale: 7 }
        }
        SQL_SS_TIMESTAMPOFFSET => {
            fraction()?;
            ServerType::DateTimeOffset { scale: 7 }
        }
        SQL_GUID => ServerType::UniqueIdentifier,
        SQL_SS_XML => ServerType::Xml,
        SQL_SS_VARIANT => ServerType::Variant,
        SQL_SS_TABLE => {
            return Err(ConvertError {
                sqlstate: "HYC00",
                message: "Table-valued parameters are not supported".into(),
            });
        }
        _ => {
            return Err(ConvertError {
                sqlstate: "HY004",
                message: format!("Invalid SQL data type ({sql_type})"),
            });
        }
    })
}

/// SQL_C_DEFAULT of a parameter: the C type ODBC pairs with its SQL type (character data
/// as SQL_C_CHAR, Unicode as SQL_C_WCHAR, decimals as SQL_C_CHAR, time and datetimeoffset as
/// msodbcsql's structures).
pub fn default_c_type(sql_type: i16) -> i16 {
    match sql_type {
        SQL_WCHAR | SQL_WVARCHAR | SQL_WLONGVARCHAR | SQL_SS_XML => SQL_C_WCHAR,
        SQL_BINARY | SQL_VARBINARY | SQL_LONGVARBINARY | SQL_SS_UDT | SQL_SS_VARIANT => {
            SQL_C_BINARY
        }
        SQL_BIT => SQL_C_BIT,
        SQL_TINYINT => SQL_C_STINYINT,
        SQL_SMALLINT => SQL_C_SSHORT,
        SQL_INTEGER => SQL_C_SLONG,
        SQL_BIGINT => SQL_C_SBIGINT,
        SQL_REAL => SQL_C_FLOAT,
        SQL_FLOAT | SQL_DOUBLE => SQL_C_DOUBLE,
        SQL_DATE | SQL_TYPE_DATE => SQL_C_TYPE_DATE,
        SQL_TIME | SQL_TYPE_TIME => SQL_C_TYPE_TIME,
        SQL_TIMESTAMP | SQL_TYPE_TIMESTAMP => SQL_C_TYPE_TIMESTAMP,
        SQL_SS_TIME2 => SQL_C_SS_TIME2,
        SQL_SS_TIMESTAMPOFFSET => SQL_C_SS_TIMESTAMPOFFSET,
        SQL_GUID => SQL_C_GUID,
        _ => SQL_C_CHAR,
    }
}

fn invalid_precision() -> ConvertError {
    ConvertError {
        sqlstate: "HY104",
        message: "Invalid precision value".into(),
    }
}

fn right_truncation() -> ConvertError {
    ConvertError {
        sqlstate: "22001",
        message: "String data, right truncation".into(),
    }
}

fn fraction_exceeds_scale() -> ConvertError {
    ConvertError {
        sqlstate: "22008",
        message: "Datetime field overflow. Fractional second precision exceeds the scale specified in the parameter binding.".into(),
    }
}

/// A C value as the application laid it out.
#[derive(Clone, Debug, PartialEq)]
enum CInput<'a> {
    Text(String),
    Bytes(&'a [u8]),
    Num(Num),
    /// SQL_C_FLOAT, kept single so its text form has a real's digits.
    Real(f32),
    Date(Date),
    /// TIME_STRUCT: no fraction.
    Time(Time),
    Time2(Time),
    Timestamp(Timestamp),
    Offset(DateTimeOffset),
    Guid([u8; 16]),
}

fn read_c<'a>(
    c_type: i16,
    data: &'a [u8],
    encoding: CharEncoding,
) -> Result<CInput<'a>, ConvertError> {
    let fixed =
        |n: usize| -> Result<&[u8], ConvertError> { data.get(..n).ok_or_else(short_buffer) };
    let int = |n: usize, signed: bool| -> Result<CInput<'a>, ConvertError> {
        let b = fixed(n)?;
        let mut le = [0u8; 8];
        le[..n].copy_from_slice(b);
        if cfg!(target_endian = "big") {
            le[..n].reverse();
        }
        let raw = u64::from_le_bytes(le);
        let v = if signed {
            let shift = 64 - 8 * n as u32;
            i128::from(((raw << shift) as i64) >> shift)
        } else {
            i128::from(raw)
        };
        Ok(CInput::Num(Num::Int(v)))
    };
    Ok(match c_type {
        SQL_C_CHAR => CInput::Text(decode_narrow(data, encoding)?),
        SQL_C_WCHAR => CInput::Text(decode_wide(data)),
        SQL_C_BINARY => CInput::Bytes(data),
        SQL_C_BIT | SQL_C_UTINYINT => int(1, false)?,
        SQL_C_TINYINT | SQL_C_STINYINT => int(1, true)?,
        SQL_C_SHORT | SQL_C_SSHORT => int(2, true)?,
        SQL_C_USHORT => int(2, false)?,
        SQL_C_LONG | SQL_C_SLONG => int(4, true)?,
        SQL_C_ULONG => int(4, false)?,
        SQL_C_SBIGINT => int(8, true)?,
        SQL_C_UBIGINT => int(8, false)?,
        SQL_C_FLOAT => CInput::Real(f32::from_ne_bytes(fixed(4)?.try_into().unwrap_or_default())),
        SQL_C_DOUBLE => CInput::Num(Num::Float(f64::from_ne_bytes(
            fixed(8)?.try_into().unwrap_or_default(),
        ))),
        SQL_C_NUMERIC => {
            let (mantissa, scale, _) = numeric::read_numeric_struct(fixed(NUMERIC_STRUCT_SIZE)?)
                .ok_or_else(out_of_range)?;
            CInput::Num(numeric_from_struct(mantissa, scale)?)
        }
        SQL_C_DATE | SQL_C_TYPE_DATE => CInput::Date(datetime::read_date_struct(data)?),
        SQL_C_TIME | SQL_C_TYPE_TIME => CInput::Time(datetime::read_time_struct(data)?),
        SQL_C_SS_TIME2 => CInput::Time2(datetime::read_time2_struct(data)?),
        SQL_C_TIMESTAMP | SQL_C_TYPE_TIMESTAMP => {
            CInput::Timestamp(datetime::read_timestamp_struct(data)?)
        }
        SQL_C_SS_TIMESTAMPOFFSET => CInput::Offset(datetime::read_timestampoffset_struct(data)?),
        SQL_C_GUID => CInput::Guid(fixed(GUID_SIZE)?.try_into().unwrap_or_default()),
        _ => {
            return Err(ConvertError {
                sqlstate: "HY003",
                message: format!("Invalid application buffer type ({c_type})"),
            });
        }
    })
}

fn short_buffer() -> ConvertError {
    ConvertError {
        sqlstate: "HY090",
        message: "Invalid string or buffer length".into(),
    }
}

/// SQL_NUMERIC_STRUCT with its own scale (a negative scale multiplies).
fn numeric_from_struct(mantissa: i128, scale: i8) -> Result<Num, ConvertError> {
    if scale >= 0 {
        return Ok(if scale == 0 {
            Num::Int(mantissa)
        } else {
            Num::Dec(mantissa, scale as u8)
        });
    }
    let factor = numeric::pow10(scale.unsigned_abs()).ok_or_else(out_of_range)?;
    mantissa
        .checked_mul(factor)
        .map(Num::Int)
        .ok_or_else(out_of_range)
}

fn decode_narrow(data: &[u8], encoding: CharEncoding) -> Result<String, ConvertError> {
    match encoding {
        CharEncoding::Utf8 => String::from_utf8(data.to_vec()).map_err(|_| invalid_char_value()),
        CharEncoding::Latin1 => Ok(charset::decode(data)),
    }
}

/// UTF-16LE; an unpaired surrogate becomes U+FFFD rather than failing the whole statement,
/// and an odd trailing byte is ignored.
fn decode_wide(data: &[u8]) -> String {
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

fn convert(
    input: CInput<'_>,
    declared: &ServerType,
    param: &Param<'_>,
    warning: &mut Option<Warning>,
) -> Result<Value, ConvertError> {
    use ServerType as T;
    match declared {
        T::VarChar(max) => {
            let stamp = is_timestamp(&input);
            let s = text_of(input, false)?;
            Ok(Value::Text(fit_text(s, *max, stamp, |s| {
                s.chars().count()
            })?))
        }
        T::NVarChar(max) => {
            let stamp = is_timestamp(&input);
            let s = text_of(input, true)?;
            Ok(Value::Text(fit_text(s, *max, stamp, |s| {
                s.encode_utf16().count()
            })?))
        }
        // char(n)/nchar(n)/binary(n): msodbcsql pads the value to the declared length.
        T::Char(n) => {
            let mut s = text_of(input, false)?;
            let len = s.chars().count();
            check_length(Some((*n, len)))?;
            s.extend(std::iter::repeat_n(' ', *n as usize - len));
            Ok(Value::Text(s))
        }
        T::NChar(n) => {
            let mut s = text_of(input, true)?;
            let len = s.encode_utf16().count();
            check_length(Some((*n, len)))?;
            s.extend(std::iter::repeat_n(' ', *n as usize - len));
            Ok(Value::Text(s))
        }
        T::Binary(n) => {
            let mut bytes = bytes_of(input)?;
            check_length(Some((*n, bytes.len())))?;
            bytes.resize(*n as usize, 0);
            Ok(Value::Binary(bytes))
        }
        T::Xml => Ok(Value::Text(text_of(input, true)?)),
        T::VarBinary(max) => {
            let bytes = bytes_of(input)?;
            check_length(max.map(|n| (n, bytes.len())))?;
            Ok(Value::Binary(bytes))
        }
        // SQL_C_BIT: any non-zero byte is true (msodbcsql sends 2 as 1).
        T::Bit if param.c_type == SQL_C_BIT => Ok(Value::Bit(input != CInput::Num(Num::Int(0)))),
        T::Bit => {
            let n = number_of(input)?;
            let (bit, truncated) = numeric::bit_of(n)?;
            if truncated.is_some() && !matches!(n, Num::Float(_)) {
                return Err(right_truncation());
            }
            *warning = warning.or(truncated);
            Ok(Value::Bit(bit == 1))
        }
        T::TinyInt => Ok(Value::TinyInt(whole_number(input, 0, 255, warning)? as u8)),
        T::SmallInt => {
            Ok(Value::SmallInt(
                whole_number(input, i16::MIN.into(), i16::MAX.into(), warning)? as i16,
            ))
        }
        T::Int => Ok(Value::Int(
            whole_number(input, i32::MIN.into(), i32::MAX.into(), warning)? as i32,
        )),
        T::BigInt => {
            Ok(Value::BigInt(
                whole_number(input, i64::MIN.into(), i64::MAX.into(), warning)? as i64,
            ))
        }
        T::Real => Ok(Value::Real(numeric::to_f32(number_of(input)?)?)),
        T::Float => {
            let v = numeric::to_f64(number_of(input)?);
            if !v.is_finite() {
                return Err(out_of_range());
            }
            Ok(Value::Float(v))
        }
        // Whole digits beyond the precision are 22003; fractional digits beyond the scale are
        // 22001 for exact input (msodbcsql), while doubles round.
        T::Decimal { precision, scale } | T::Numeric { precision, scale } => {
            let n = number_of(input)?;
            let is_float = matches!(n, Num::Float(_));
            let (mantissa, dropped) = numeric::rescale(n, *scale, is_float)?;
            if numeric::digit_count(mantissa.unsigned_abs()) > *precision {
                return Err(out_of_range());
            }
            if dropped && !is_float {
                return Err(right_truncation());
            }
            Ok(Value::Decimal(Decimal {
                mantissa,
                precision: *precision,
                scale: *scale,
            }))
        }
        T::Date => date_of(input).map(Value::Date),
        T::Time { scale } => {
            let time = time_of(input)?;
            check_fraction(time.nanosecond, allowed_fraction(param, *scale))?;
            Ok(Value::Time(time))
        }
        T::DateTime2 { scale } => {
            let ts = timestamp_of(input)?;
            check_fraction(ts.time.nanosecond, allowed_fraction(param, *scale))?;
            Ok(Value::Timestamp(ts))
        }
        T::DateTimeOffset { scale } => {
            let v = offset_of(input)?;
            check_fraction(v.local.time.nanosecond, allowed_fraction(param, *scale))?;
            Ok(Value::DateTimeOffset(v))
        }
        T::UniqueIdentifier => match input {
            CInput::Guid(g) => Ok(Value::Guid(g)),
            CInput::Text(s) => format::parse_guid(&s)
                .map(Value::Guid)
                .ok_or_else(invalid_char_value),
            CInput::Bytes(b) if b.len() == GUID_SIZE => {
                Ok(Value::Guid(b.try_into().unwrap_or_default()))
            }
            CInput::Bytes(_) => Err(out_of_range()),
            _ => Err(restricted_type()),
        },
        T::Variant => variant_of(input),
        // Declarations above never produce the rest.
        _ => Err(restricted_type()),
    }
}

fn is_timestamp(input: &CInput<'_>) -> bool {
    matches!(input, CInput::Timestamp(_) | CInput::Offset(_))
}

/// Text within the declared length: longer is 22001, except that a timestamp gives up
/// fractional digits (and its point) down to its 19 characters, as msodbcsql does.
fn fit_text(
    mut s: String,
    max: Option<u32>,
    stamp: bool,
    len: impl Fn(&str) -> usize,
) -> Result<String, ConvertError> {
    let Some(limit) = max.map(|n| n as usize) else {
        return Ok(s);
    };
    if len(&s) <= limit {
        return Ok(s);
    }
    if stamp && limit >= 19 {
        // Timestamp text is ASCII: characters are bytes.
        s.truncate(limit);
        if s.ends_with('.') {
            s.pop();
        }
        return Ok(s);
    }
    Err(right_truncation())
}

fn check_length(limit_and_len: Option<(u32, usize)>) -> Result<(), ConvertError> {
    match limit_and_len {
        Some((limit, len)) if len > limit as usize => Err(right_truncation()),
        _ => Ok(()),
    }
}

/// The character form of any C value (numbers, dates and GUIDs as msodbcsql prints them;
/// SQL_C_BINARY bytes as text in the parameter's encoding: UTF-16LE for Unicode types).
fn text_of(input: CInput<'_>, wide: bool) -> Result<String, ConvertError> {
    let small = |t: SmallText| Ok(t.as_str().to_string());
    match input {
        CInput::Text(s) => Ok(s),
        CInput::Bytes(b) if wide => Ok(decode_wide(b)),
        // Bytes are the server's own: the collation's Windows-1252.
        CInput::Bytes(b) => Ok(charset::decode(b)),
        CInput::Num(Num::Int(v)) => Ok(v.to_string()),
        CInput::Num(Num::Float(f)) => small(format::float(f)),
        CInput::Real(f) => small(format::real(f)),
        CInput::Num(Num::Dec(m, s)) => {
            let t = format::decimal(m, s);
            // SQL Server parses ".5" too, but a leading zero is what people expect to store.
            Ok(match t.as_str().strip_prefix("-.") {
                Some(rest) => format!("-0.{rest}"),
                None if t.as_str().starts_with('.') => format!("0{}", t.as_str()),
                None => t.as_str().to_string(),
            })
        }
        CInput::Date(d) => small(format::date(&d)),
        CInput::Time(t) => small(format::time(&t, 0)),
        CInput::Time2(t) => small(format::time(&t, fraction_digits(t.nanosecond))),
        CInput::Timestamp(ts) => small(format::timestamp(&ts, stamp_digits(ts.time.nanosecond))),
        CInput::Offset(v) => small(format::datetimeoffset(
            &v,
            stamp_digits(v.local.time.nanosecond),
        )),
        CInput::Guid(g) => small(format::guid(&g)),
    }
}

/// msodbcsql writes a timestamp's fraction in groups of three digits, at least three
/// (`.000`, `.120`, `.123456`, `.123456789`).
fn stamp_digits(nanosecond: u32) -> u8 {
    if nanosecond.is_multiple_of(1_000_000) {
        3
    } else if nanosecond.is_multiple_of(1_000) {
        6
    } else {
        9
    }
}

/// The fewest fractional digits that show a fraction exactly (0 for whole seconds).
fn fraction_digits(nanosecond: u32) -> u8 {
    if nanosecond == 0 {
        return 0;
    }
    let mut digits = 9;
    let mut n = nanosecond;
    while n.is_multiple_of(10) {
        n /= 10;
        digits -= 1;
    }
    digits
}

/// SQL_C_BINARY as it is; character data as hexadecimal digits (ODBC's rule), other C types
/// are 07006.
fn bytes_of(input: CInput<'_>) -> Result<Vec<u8>, ConvertError> {
    match input {
        CInput::Bytes(b) => Ok(b.to_vec()),
        CInput::Text(s) => parse_hex(&s).ok_or_else(invalid_char_value),
        CInput::Guid(g) => Ok(g.to_vec()),
        _ => Err(restricted_type()),
    }
}

fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let s = text.trim();
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    s.as_bytes()
        .chunks(2)
        .map(|p| Some((digit(p[0])? << 4) | digit(p[1])?))
        .collect()
}

fn number_of(input: CInput<'_>) -> Result<Num, ConvertError> {
    match input {
        CInput::Num(n) => Ok(n),
        CInput::Real(f) => Ok(Num::Float(f64::from(f))),
        CInput::Text(s) => numeric::parse_number(&s),
        _ => Err(restricted_type()),
    }
}

/// An integer parameter: out of range is 22003; dropping a fraction of an exact number
/// (text, SQL_C_NUMERIC) is 22001 as ODBC says, while doubles truncate quietly.
fn whole_number(
    input: CInput<'_>,
    min: i128,
    max: i128,
    warning: &mut Option<Warning>,
) -> Result<i128, ConvertError> {
    let n = number_of(input)?;
    let (v, truncated) = numeric::to_integer(n)?;
    if v < min || v > max {
        return Err(out_of_range());
    }
    if truncated {
        if !matches!(n, Num::Float(_)) {
            return Err(right_truncation());
        }
        *warning = Some(Warning::FractionalTruncation);
    }
    Ok(v)
}

fn parsed_text(s: &str) -> Result<datetime::Parsed, ConvertError> {
    datetime::parse_literal(s).ok_or_else(invalid_char_value)
}

fn date_of(input: CInput<'_>) -> Result<Date, ConvertError> {
    let (date, time) = match input {
        CInput::Date(d) => (d, MIDNIGHT),
        CInput::Timestamp(ts) => (ts.date, ts.time),
        CInput::Offset(v) => (v.local.date, v.local.time),
        CInput::Text(s) => {
            let p = parsed_text(&s)?;
            (
                p.date.ok_or_else(invalid_char_value)?,
                p.time.unwrap_or(MIDNIGHT),
            )
        }
        _ => return Err(restricted_type()),
    };
    // ODBC: a timestamp with a time part does not fit a date.
    // msodbcsql words this one as a fractional-precision overflow too.
    if time != MIDNIGHT {
        return Err(fraction_exceeds_scale());
    }
    Ok(date)
}

fn time_of(input: CInput<'_>) -> Result<Time, ConvertError> {
    match input {
        CInput::Time(t) | CInput::Time2(t) => Ok(t),
        // SQL_C_BINARY holding SQL_SS_TIME2_STRUCT (ODBC 3.5 applications).
        CInput::Bytes(b) if b.len() == SS_TIME2_STRUCT_SIZE => datetime::read_time2_struct(b),
        CInput::Timestamp(ts) => Ok(ts.time),
        CInput::Offset(v) => Ok(v.local.time),
        CInput::Text(s) => parsed_text(&s)?.time.ok_or_else(invalid_char_value),
        _ => Err(restricted_type()),
    }
}

/// A date alone gets midnight; a time alone today's date (ODBC's rule).
fn timestamp_of(input: CInput<'_>) -> Result<Timestamp, ConvertError> {
    Ok(match input {
        CInput::Timestamp(ts) => ts,
        CInput::Date(date) => Timestamp {
            date,
            time: MIDNIGHT,
        },
        CInput::Time(time) | CInput::Time2(time) => Timestamp {
            date: datetime::today(),
            time,
        },
        CInput::Offset(v) => v.local,
        CInput::Text(s) => {
            let p = parsed_text(&s)?;
            if p.date.is_none() && p.time.is_none() {
                return Err(invalid_char_value());
            }
            Timestamp {
                date: p.date.unwrap_or_else(datetime::today),
                time: p.time.unwrap_or(MIDNIGHT),
            }
        }
        _ => return Err(restricted_type()),
    })
}

/// Values without an offset are taken as UTC (+00:00).
fn offset_of(input: CInput<'_>) -> Result<DateTimeOffset, ConvertError> {
    match input {
        CInput::Offset(v) => return Ok(v),
        // SQL_C_BINARY holding SQL_SS_TIMESTAMPOFFSET_STRUCT (ODBC 3.5 applications).
        CInput::Bytes(b) if b.len() == SS_TIMESTAMPOFFSET_STRUCT_SIZE => {
            return datetime::read_timestampoffset_struct(b);
        }
        _ => {}
    }
    let offset_minutes = match &input {
        CInput::Text(s) => parsed_text(s)?.offset_minutes.unwrap_or(0),
        _ => 0,
    };
    Ok(DateTimeOffset {
        local: timestamp_of(input)?,
        offset_minutes,
    })
}

/// The fraction digits a temporal parameter's value may carry: the binding's DecimalDigits
/// (nanosecond digits 8 and 9 are accepted, SQL Server keeps seven), never more than the
/// declared scale.
fn allowed_fraction(param: &Param<'_>, declared_scale: u8) -> u8 {
    u8::try_from(param.decimal_digits.clamp(0, 7)).map_or(declared_scale, |d| d.min(declared_scale))
}

fn check_fraction(nanosecond: u32, scale: u8) -> Result<(), ConvertError> {
    let unit = 10u32.pow(9 - u32::from(scale.min(9)));
    if !nanosecond.is_multiple_of(unit) {
        return Err(fraction_exceeds_scale());
    }
    Ok(())
}

/// sql_variant: the C value under its natural SQL Server type.
fn variant_of(input: CInput<'_>) -> Result<Value, ConvertError> {
    let (value, ty) = match input {
        CInput::Text(s) => {
            let units = s.encode_utf16().count();
            if units > 4000 {
                return Err(right_truncation());
            }
            (
                Value::Text(s),
                ServerType::NVarChar(Some(units.max(1) as u32)),
            )
        }
        CInput::Bytes(b) => {
            if b.len() > 8000 {
                return Err(right_truncation());
            }
            (
                Value::Binary(b.to_vec()),
                ServerType::VarBinary(Some(b.len().max(1) as u32)),
            )
        }
        CInput::Num(Num::Int(v)) => match i32::try_from(v) {
            Ok(v) => (Value::Int(v), ServerType::Int),
            Err(_) => (
                Value::BigInt(i64::try_from(v).map_err(|_| out_of_range())?),
                ServerType::BigInt,
            ),
        },
        CInput::Num(Num::Float(f)) => (Value::Float(f), ServerType::Float),
        CInput::Real(f) => (Value::Real(f), ServerType::Real),
        CInput::Num(Num::Dec(m, s)) => {
            let precision = numeric::digit_count(m.unsigned_abs()).max(s);
            (
                Value::Decimal(Decimal {
                    mantissa: m,
                    precision,
                    scale: s,
                }),
                ServerType::Decimal {
                    precision,
                    scale: s,
                },
            )
        }
        CInput::Date(d) => (Value::Date(d), ServerType::Date),
        CInput::Time(t) | CInput::Time2(t) => (Value::Time(t), ServerType::Time { scale: 7 }),
        CInput::Timestamp(ts) => (Value::Timestamp(ts), ServerType::DateTime2 { scale: 7 }),
        CInput::Offset(v) => (
            Value::DateTimeOffset(v),
            ServerType::DateTimeOffset { scale: 7 },
        ),
        CInput::Guid(g) => (Value::Guid(g), ServerType::UniqueIdentifier),
    };
    Ok(Value::Variant(Box::new(value), Box::new(ty)))
}
