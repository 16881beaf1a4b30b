//! Numbers between SQL values, text and the C numeric types, with ODBC's range and truncation
//! rules.

use super::{ConvertError, Value, Warning};

/// A number as it came from the server or from text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    Int(i128),
    Float(f64),
    /// `mantissa * 10^-scale`.
    Dec(i128, u8),
}

pub fn out_of_range() -> ConvertError {
    ConvertError {
        sqlstate: "22003",
        message: "Numeric value out of range".into(),
    }
}

pub fn invalid_char_value() -> ConvertError {
    ConvertError {
        sqlstate: "22018",
        message: "Invalid character value for cast specification".into(),
    }
}

pub fn restricted_type() -> ConvertError {
    ConvertError {
        sqlstate: "07006",
        message: "Restricted data type attribute violation".into(),
    }
}

/// The number in a value, or why there is none: text that is not a number is 22018, a
/// non-numeric type 07006.
pub fn num_of(value: &Value) -> Result<Num, ConvertError> {
    Ok(match value {
        Value::Bit(b) => Num::Int(i128::from(*b)),
        Value::TinyInt(v) => Num::Int(i128::from(*v)),
        Value::SmallInt(v) => Num::Int(i128::from(*v)),
        Value::Int(v) => Num::Int(i128::from(*v)),
        Value::BigInt(v) => Num::Int(i128::from(*v)),
        Value::Real(v) => Num::Float(f64::from(*v)),
        Value::Float(v) => Num::Float(*v),
        Value::Decimal(d) => Num::Dec(d.mantissa, d.scale),
        Value::Money(m) => Num::Dec(i128::from(*m), 4),
        Value::Text(s) => parse_number(s)?,
        Value::Variant(inner, _) => num_of(inner)?,
        _ => return Err(restricted_type()),
    })
}

/// Parses an ODBC numeric literal (`-12`, `1.50`, `.5`, `1e10`), ignoring surrounding blanks.
/// Exact forms stay exact as long as they fit 38 digits; the rest become doubles.
pub fn parse_number(text: &str) -> Result<Num, ConvertError> {
    // Spaces only: msodbcsql rejects a tab (22018).
    let s = text.trim_matches(' ');
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (digits, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return Err(invalid_char_value());
    }
    if let Some(exp) = exponent {
        let exp_digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if exp_digits.is_empty() || !all_digits(exp_digits) {
            return Err(invalid_char_value());
        }
        return parse_double(s);
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() + fraction.len() > 38 {
        return parse_double(s);
    }
    let mut mantissa: i128 = 0;
    for b in whole.bytes().chain(fraction.bytes()) {
        mantissa = mantissa * 10 + i128::from(b - b'0');
    }
    if negative {
        mantissa = -mantissa;
    }
    Ok(if fraction.is_empty() {
        Num::Int(mantissa)
    } else {
        Num::Dec(mantissa, fraction.len() as u8)
    })
}

/// A double from text already checked to be a numeric literal; beyond the double range is
/// 22003 (`1e309`).
fn parse_double(s: &str) -> Result<Num, ConvertError> {
    let v: f64 = s.parse().map_err(|_| invalid_char_value())?;
    if v.is_infinite() {
        return Err(out_of_range());
    }
    Ok(Num::Float(v))
}

/// The integer part of a number (toward zero) and whether a fraction was dropped.
pub fn to_integer(n: Num) -> Result<(i128, bool), ConvertError> {
    match n {
        Num::Int(v) => Ok((v, false)),
        Num::Dec(m, scale) => {
            let divisor = pow10(scale).ok_or_else(out_of_range)?;
            Ok((m / divisor, m % divisor != 0))
        }
        Num::Float(f) => {
            if !f.is_finite() || f.abs() >= 1.7e38 {
                return Err(out_of_range());
            }
            let t = f.trunc();
            Ok((t as i128, t != f))
        }
    }
}

/// An integer within `[min, max]`, with 01S07 when a fraction was dropped.
pub fn integer_in(n: Num, min: i128, max: i128) -> Result<(i128, Option<Warning>), ConvertError> {
    let (v, truncated) = to_integer(n)?;
    if v < min || v > max {
        return Err(out_of_range());
    }
    Ok((v, truncated.then_some(Warning::FractionalTruncation)))
}

/// SQL_C_BIT's rule: 0 and 1 as they are, other values in (0, 2) truncate to 1 with 01S07,
/// anything else is 22003.
pub fn bit_of(n: Num) -> Result<(u8, Option<Warning>), ConvertError> {
    let (v, truncated) = to_integer(n)?;
    let negative = match n {
        Num::Int(v) | Num::Dec(v, _) => v < 0,
        Num::Float(f) => f < 0.0,
    };
    if negative || v > 1 {
        return Err(out_of_range());
    }
    Ok((v as u8, truncated.then_some(Warning::FractionalTruncation)))
}

pub fn to_f64(n: Num) -> f64 {
    match n {
        Num::Int(v) => v as f64,
        Num::Float(f) => f,
        Num::Dec(m, scale) => {
            // Through text so the result is the correctly rounded double.
            let text = super::format::decimal(m, scale);
            text.as_str()
                .parse()
                .unwrap_or(m as f64 / 10f64.powi(i32::from(scale)))
        }
    }
}

pub fn to_f32(n: Num) -> Result<f32, ConvertError> {
    let v = match n {
        Num::Dec(m, scale) => {
            let text = super::format::decimal(m, scale);
            text.as_str().parse::<f32>().unwrap_or(to_f64(n) as f32)
        }
        _ => to_f64(n) as f32,
    };
    if v.is_infinite() && to_f64(n).is_finite() {
        return Err(out_of_range());
    }
    Ok(v)
}

pub fn pow10(exp: u8) -> Option<i128> {
    10i128.checked_pow(u32::from(exp))
}

/// The number as `mantissa * 10^-scale` at exactly `scale`, rounding half away from zero
/// when `round`, else truncating; the flag says whether digits were dropped.
pub fn rescale(n: Num, scale: u8, round: bool) -> Result<(i128, bool), ConvertError> {
    match n {
        Num::Int(v) => Ok((
            v.checked_mul(pow10(scale).ok_or_else(out_of_range)?)
                .ok_or_else(out_of_range)?,
            false,
        )),
        Num::Dec(m, from) if from <= scale => {
            let factor = pow10(scale - from).ok_or_else(out_of_range)?;
            Ok((m.checked_mul(factor).ok_or_else(out_of_range)?, false))
        }
        Num::Dec(m, from) => {
            let divisor = pow10(from - scale).ok_or_else(out_of_range)?;
            let (q, r) = (m / divisor, m % divisor);
            let bump = round && r.unsigned_abs() * 2 >= divisor.unsigned_abs();
            Ok((if bump { q + m.signum() } else { q }, r != 0))
        }
        Num::Float(f) => {
            let scaled = f * 10f64.powi(i32::from(scale));
            if !scaled.is_finite() || scaled.abs() >= 1e38 {
                return Err(out_of_range());
            }
            let kept = if round {
                scaled.round()
            } else {
                scaled.trunc()
            };
            Ok((kept as i128, kept != scaled))
        }
    }
}

/// Number of decimal digits of a magnitude (0 has one digit).
pub fn digit_count(v: u128) -> u8 {
    let mut n = 1;
    let mut x = v / 10;
    while x > 0 {
        n += 1;
        x /= 10;
    }
    n
}

/// SQL_NUMERIC_STRUCT: precision, scale, sign (1 positive, 0 negative), 16 bytes of
/// little-endian magnitude.
pub fn numeric_struct(mantissa: i128, precision: u8, scale: i8) -> [u8; 19] {
    let mut out = [0u8; 19];
    out[0] = precision;
    out[1] = scale as u8;
    out[2] = u8::from(mantissa >= 0);
    out[3..].copy_from_slice(&mantissa.unsigned_abs().to_le_bytes());
    out
}

/// Reads SQL_NUMERIC_STRUCT into (mantissa, scale as stated by the struct).
pub fn read_numeric_struct(bytes: &[u8]) -> Option<(i128, i8, u8)> {
    if bytes.len() < 19 {
        return None;
    }
    let magnitude = u128::from_le_bytes(bytes[3..19].try_into().ok()?);
    let magnitude = i128::try_from(magnitude).ok()?;
    let mantissa = if bytes[2] == 0 { -magnitude } else { magnitude };
    Some((mantissa, bytes[1] as i8, bytes[0]))
}
