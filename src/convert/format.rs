//! The text forms msodbcsql gives non-character values (SQL_C_CHAR / SQL_C_WCHAR targets and
//! character parameters), built on the stack: every form is shorter than [`SmallText::CAP`].

use std::fmt::{self, Write};

use super::value::{Date, DateTimeOffset, Decimal, Time, Timestamp};

/// A short ASCII string on the stack.
#[derive(Clone, Copy)]
pub struct SmallText {
    bytes: [u8; SmallText::CAP],
    len: usize,
}

impl SmallText {
    pub const CAP: usize = 64;

    pub fn new() -> Self {
        SmallText {
            bytes: [0; Self::CAP],
            len: 0,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    pub fn as_str(&self) -> &str {
        // Only `write_str` fills the buffer, and it copies whole `&str`s.
        std::str::from_utf8(self.as_bytes()).unwrap_or("")
    }

    fn push(&mut self, b: u8) {
        if self.len < Self::CAP {
            self.bytes[self.len] = b;
            self.len += 1;
        }
    }
}

impl Default for SmallText {
    fn default() -> Self {
        Self::new()
    }
}

impl Write for SmallText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > Self::CAP {
            return Err(fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl fmt::Debug for SmallText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Formats with `write!` into a new [`SmallText`].
macro_rules! small {
    ($($arg:tt)*) => {{
        let mut t = SmallText::new();
        let _ = write!(t, $($arg)*);
        t
    }};
}

pub fn integer(v: i64) -> SmallText {
    small!("{v}")
}

pub fn bit(v: bool) -> SmallText {
    small!("{}", u8::from(v))
}

/// A decimal with exactly its scale's digits after the point, and — like msodbcsql — no
/// zero before the point when the magnitude is below one (`.50`, `-.25`, `0` for scale 0).
pub fn decimal(mantissa: i128, scale: u8) -> SmallText {
    let mut t = SmallText::new();
    if mantissa < 0 {
        t.push(b'-');
    }
    let magnitude = mantissa.unsigned_abs();
    if scale == 0 {
        let _ = write!(t, "{magnitude}");
        return t;
    }
    // A scale beyond 38 (no SQL Server type has one) leaves everything after the point.
    let (whole, fraction) = match 10u128.checked_pow(u32::from(scale)) {
        Some(divisor) => (magnitude / divisor, magnitude % divisor),
        None => (0, magnitude),
    };
    if whole != 0 {
        let _ = write!(t, "{whole}");
    }
    let _ = write!(t, ".{fraction:0width$}", width = usize::from(scale));
    t
}

pub fn decimal_value(d: &Decimal) -> SmallText {
    decimal(d.mantissa, d.scale)
}

/// money/smallmoney (ten-thousandths) with its four decimals.
pub fn money(v: i64) -> SmallText {
    decimal(i128::from(v), 4)
}

/// A float as msodbcsql prints it (measured on 18.6): 17 significant digits with trailing
/// zeros dropped (`0.1` is `0.10000000000000001`, `1.5` is `1.5`); plain notation while the
/// decimal point lies at most 16 digits in and at most 17 digits follow it, with `.0` after a
/// whole number (`100.0`, `-0.0`); otherwise `1.0E+16`, `1.0000000000000001E-5`.
pub fn float(v: f64) -> SmallText {
    if !v.is_finite() {
        return small!("{v}");
    }
    significant(&small!("{v:.16e}"), 17)
}

/// A real the same way with 8 significant digits (`0.1`, `0.33333334`, `9.9999997E-6`,
/// `1.6777216E+7`, `1234567.0`).
pub fn real(v: f32) -> SmallText {
    if !v.is_finite() {
        return small!("{v}");
    }
    significant(&small!("{v:.7e}"), 8)
}

/// Lays out Rust's `d.ddddde[-]x` (`precision` significant digits) the msodbcsql way.
fn significant(exp_form: &SmallText, precision: i32) -> SmallText {
    let s = exp_form.as_str();
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (mantissa, exponent) = s.split_once('e').unwrap_or((s, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let mut digits = SmallText::new();
    for b in mantissa.bytes().filter(u8::is_ascii_digit) {
        digits.push(b);
    }
    let digits = digits.as_str().trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let zero = digits == "0";
    // Digits before the decimal point (may be zero or negative for 0.000ddd).
    let point = if zero { 1 } else { exponent + 1 };
    let mut out = SmallText::new();
    if negative {
        out.push(b'-');
    }
    let after_point = digits.len() as i32 - point;
    if point > precision - 1 || after_point > precision {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "{first}.{rest}E{sign}{}", exponent.unsigned_abs());
    } else if point <= 0 {
        let _ = write!(out, "0.{:0>width$}{digits}", "", width = (-point) as usize);
    } else if digits.len() as i32 <= point {
        let _ = write!(
            out,
            "{digits}{:0>width$}.0",
            "",
            width = (point - digits.len() as i32) as usize
        );
    } else {
        let (whole, fraction) = digits.split_at(point as usize);
        let _ = write!(out, "{whole}.{fraction}");
    }
    out
}

pub fn date(d: &Date) -> SmallText {
    small!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// `hh:mm:ss` then `.` and `scale` fractional digits (truncated) when scale > 0.
pub fn time(t: &Time, scale: u8) -> SmallText {
    let mut s = small!("{:02}:{:02}:{:02}", t.hour, t.minute, t.second);
    push_fraction(&mut s, t.nanosecond, scale);
    s
}

pub fn timestamp(ts: &Timestamp, scale: u8) -> SmallText {
    let mut s = date(&ts.date);
    let _ = write!(s, " {}", time(&ts.time, scale).as_str());
    s
}

/// datetimeoffset: the local date and time, then ` +hh:mm` / ` -hh:mm`.
pub fn datetimeoffset(v: &DateTimeOffset, scale: u8) -> SmallText {
    let mut s = timestamp(&v.local, scale);
    let sign = if v.offset_minutes < 0 { '-' } else { '+' };
    let minutes = v.offset_minutes.unsigned_abs();
    let _ = write!(s, " {sign}{:02}:{:02}", minutes / 60, minutes % 60);
    s
}

/// uniqueidentifier as `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`, from SQLGUID's bytes
/// (Data1..Data3 little-endian as they lie in memory on the platforms unixODBC runs on).
pub fn guid(g: &[u8; 16]) -> SmallText {
    let data1 = u32::from_le_bytes([g[0], g[1], g[2], g[3]]);
    let data2 = u16::from_le_bytes([g[4], g[5]]);
    let data3 = u16::from_le_bytes([g[6], g[7]]);
    let mut s = small!(
        "{data1:08X}-{data2:04X}-{data3:04X}-{:02X}{:02X}-",
        g[8],
        g[9]
    );
    for b in &g[10..] {
        let _ = write!(s, "{b:02X}");
    }
    s
}

fn push_fraction(s: &mut SmallText, nanosecond: u32, scale: u8) {
    let scale = scale.min(9);
    if scale == 0 {
        return;
    }
    let digits = nanosecond.min(999_999_999) / 10u32.pow(9 - u32::from(scale));
    let _ = write!(s, ".{digits:0width$}", width = usize::from(scale));
}

/// Upper-case hexadecimal digit of a nibble.
pub fn hex_digit(nibble: u8) -> u8 {
    b"0123456789ABCDEF"[usize::from(nibble & 0x0f)]
}

/// Parses `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX` (any case, optionally in braces) into
/// SQLGUID's bytes. No blanks around it: msodbcsql refuses them (22018).
pub fn parse_guid(text: &str) -> Option<[u8; 16]> {
    let s = text
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(text);
    let b = s.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let mut hex = [0u8; 32];
    let mut n = 0;
    for &c in b.iter().filter(|&&c| c != b'-') {
        hex[n] = (c as char).to_digit(16)? as u8;
        n += 1;
    }
    if n != 32 {
        return None;
    }
    let byte = |i: usize| (hex[2 * i] << 4) | hex[2 * i + 1];
    let mut g = [0u8; 16];
    // Data1..Data3 are printed big-endian but stored little-endian.
    for (dst, src) in [
        (0, 3),
        (1, 2),
        (2, 1),
        (3, 0),
        (4, 5),
        (5, 4),
        (6, 7),
        (7, 6),
    ] {
        g[dst] = byte(src);
    }
    for (i, slot) in g.iter_mut().enumerate().skip(8) {
        *slot = byte(i);
    }
    Some(g)
}
