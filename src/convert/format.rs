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
    let divisor = 10u128.pow(u32::from(scale));
    let (whole, fraction) = (magnitude / divisor, magnitude % divisor);
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

/// A double in its shortest round-trip form: plain for magnitudes in [1e-4, 1e15), else
/// C-style scientific (`1e+300`, `1.5e-05`). Zero is `0`, never `-0`.
pub fn float(v: f64) -> SmallText {
    if v == 0.0 {
        return small!("0");
    }
    if !v.is_finite() {
        return small!("{v}");
    }
    let magnitude = v.abs();
    if (1e-4..1e15).contains(&magnitude) {
        return small!("{v}");
    }
    scientific(&small!("{v:e}"))
}

/// A real in its shortest round-trip form as an `f32` (so 0.1f32 prints `0.1`).
pub fn real(v: f32) -> SmallText {
    if v == 0.0 {
        return small!("0");
    }
    if !v.is_finite() {
        return small!("{v}");
    }
    let magnitude = v.abs();
    if (1e-4..1e15).contains(&magnitude) {
        return small!("{v}");
    }
    scientific(&small!("{v:e}"))
}

/// Rust's `1.5e-5` into C's `1.5e-05`.
fn scientific(rust: &SmallText) -> SmallText {
    let s = rust.as_str();
    let (mantissa, exponent) = s.split_once('e').unwrap_or((s, "0"));
    let (sign, digits) = match exponent.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exponent),
    };
    small!("{mantissa}e{sign}{digits:0>2}")
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

/// Parses `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX` (any case, optionally in braces, blanks
/// around ignored) into SQLGUID's bytes.
pub fn parse_guid(text: &str) -> Option<[u8; 16]> {
    let s = text.trim();
    let s = s
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(s);
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
