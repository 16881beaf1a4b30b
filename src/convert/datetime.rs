//! Dates and times: the ODBC structures, text literals, calendar checks.

use super::ConvertError;
use super::value::{Date, DateTimeOffset, Time, Timestamp};

pub fn invalid_datetime_format() -> ConvertError {
    ConvertError {
        sqlstate: "22007",
        message: "Invalid datetime format".into(),
    }
}

pub const MIDNIGHT: Time = Time {
    hour: 0,
    minute: 0,
    second: 0,
    nanosecond: 0,
};

pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A date SQL Server can hold (years 1..=9999), from loose fields.
pub fn checked_date(year: i32, month: u32, day: u32) -> Option<Date> {
    let valid = (1..=9999).contains(&year)
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month);
    valid.then_some(Date {
        year: year as i16,
        month: month as u8,
        day: day as u8,
    })
}

pub fn checked_time(hour: u32, minute: u32, second: u32, nanosecond: u32) -> Option<Time> {
    let valid = hour < 24 && minute < 60 && second < 60 && nanosecond < 1_000_000_000;
    valid.then_some(Time {
        hour: hour as u8,
        minute: minute as u8,
        second: second as u8,
        nanosecond,
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(d: Date) -> i64 {
    let (y, m, day) = (i64::from(d.year), i64::from(d.month), i64::from(d.day));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days from 1970-01-01 to 1900-01-01, the epoch of datetime and smalldatetime.
const DAYS_1970_TO_1900: i64 = -25_567;

fn nanos_of_day(t: Time) -> u64 {
    (u64::from(t.hour) * 3600 + u64::from(t.minute) * 60 + u64::from(t.second)) * 1_000_000_000
        + u64::from(t.nanosecond)
}

/// datetime as TDS carries it: days since 1900-01-01 (i32), then 1/300 s ticks (u32).
pub fn tds_datetime(ts: Timestamp) -> [u8; 8] {
    let days = (days_from_civil(ts.date) - DAYS_1970_TO_1900) as i32;
    let ticks = ((nanos_of_day(ts.time) * 3 + 5_000_000) / 10_000_000) as u32;
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&days.to_le_bytes());
    out[4..].copy_from_slice(&ticks.to_le_bytes());
    out
}

/// smalldatetime as TDS carries it: days since 1900-01-01 (u16), minutes (u16).
pub fn tds_smalldatetime(ts: Timestamp) -> [u8; 4] {
    let days = (days_from_civil(ts.date) - DAYS_1970_TO_1900) as u16;
    let minutes = u16::from(ts.time.hour) * 60 + u16::from(ts.time.minute);
    let mut out = [0u8; 4];
    out[..2].copy_from_slice(&days.to_le_bytes());
    out[2..].copy_from_slice(&minutes.to_le_bytes());
    out
}

/// The UTC moment of a datetimeoffset.
pub fn to_utc(v: DateTimeOffset) -> Timestamp {
    let minute_of_day = i64::from(v.local.time.hour) * 60 + i64::from(v.local.time.minute)
        - i64::from(v.offset_minutes);
    let days = days_from_civil(v.local.date) + minute_of_day.div_euclid(1440);
    let minute_of_day = minute_of_day.rem_euclid(1440);
    let (y, m, d) = civil_from_days(days);
    Timestamp {
        // Years 1 and 9999 can spill over by a day; clamp rather than invent a date.
        date: checked_date(y as i32, m, d).unwrap_or(v.local.date),
        time: Time {
            hour: (minute_of_day / 60) as u8,
            minute: (minute_of_day % 60) as u8,
            ..v.local.time
        },
    }
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if month <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        month,
        day,
    )
}

/// Today's date (UTC: the module knows no time zone), for times converted to timestamps,
/// where ODBC sets the date fields to the current date.
pub fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    checked_date(y as i32, m, d).unwrap_or(Date {
        year: 1970,
        month: 1,
        day: 1,
    })
}

/// What a date/time text literal held.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Parsed {
    pub date: Option<Date>,
    pub time: Option<Time>,
    pub offset_minutes: Option<i16>,
}

/// Parses `yyyy-mm-dd`, `hh:mm:ss[.fffffffff]`, `yyyy-mm-dd hh:mm:ss[.fffffffff]` with an
/// optional `[ ]+hh:mm`/`-hh:mm`, and the ODBC escapes `{d '...'}`, `{t '...'}`,
/// `{ts '...'}`, exactly as strictly as msodbcsql (two-digit fields, seconds required, no
/// `T` or `Z`). Surrounding spaces are ignored. `None` when the text is none of these or a
/// field is out of range.
pub fn parse_literal(text: &str) -> Option<Parsed> {
    let s = strip_escape(text.trim_matches(' '))?.trim_matches(' ');
    let mut out = Parsed::default();
    let rest = if looks_like_date(s) {
        let (date, rest) = parse_date(s)?;
        out.date = Some(date);
        let rest = rest
            .strip_prefix(' ')
            .map(|r| r.trim_start_matches(' '))
            .unwrap_or(rest);
        if rest.is_empty() {
            return Some(out);
        }
        rest
    } else {
        s
    };
    let (time, rest) = parse_time(rest)?;
    out.time = Some(time);
    let rest = rest.trim_start_matches(' ');
    if rest.is_empty() {
        return Some(out);
    }
    out.date?;
    out.offset_minutes = Some(parse_offset(rest)?);
    Some(out)
}

fn strip_escape(s: &str) -> Option<&str> {
    let Some(inner) = s.strip_prefix('{') else {
        return Some(s);
    };
    let inner = inner.strip_suffix('}')?.trim();
    let body = ["ts", "d", "t"]
        .iter()
        .find_map(|k| inner.strip_prefix(k).filter(|r| r.starts_with([' ', '\''])))?;
    body.trim().strip_prefix('\'')?.strip_suffix('\'')
}

fn looks_like_date(s: &str) -> bool {
    s.find('-')
        .is_some_and(|dash| dash > 0 && s[..dash].bytes().all(|b| b.is_ascii_digit()))
}

/// Leading unsigned digits (at most `max`) as a number, and the rest.
fn digits(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

fn parse_date(s: &str) -> Option<(Date, &str)> {
    let (year, s) = digits(s, 4, 4)?;
    let (month, s) = digits(s.strip_prefix('-')?, 2, 2)?;
    let (day, s) = digits(s.strip_prefix('-')?, 2, 2)?;
    Some((checked_date(year as i32, month, day)?, s))
}

fn parse_time(s: &str) -> Option<(Time, &str)> {
    let (hour, s) = digits(s, 2, 2)?;
    let (minute, s) = digits(s.strip_prefix(':')?, 2, 2)?;
    let (second, mut s) = digits(s.strip_prefix(':')?, 2, 2)?;
    let mut nanosecond = 0;
    if let Some(r) = s.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n > 9 {
            return None;
        }
        let frac: u32 = if n == 0 { 0 } else { r[..n].parse().ok()? };
        nanosecond = frac * 10u32.pow(9 - n as u32);
        s = &r[n..];
    }
    Some((checked_time(hour, minute, second, nanosecond)?, s))
}

fn parse_offset(s: &str) -> Option<i16> {
    let (negative, r) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => return None,
    };
    let (hours, r) = digits(r, 2, 2)?;
    let (minutes, r) = digits(r.strip_prefix(':')?, 2, 2)?;
    if !r.is_empty() || minutes > 59 || hours * 60 + minutes > 14 * 60 {
        return None;
    }
    let total = (hours * 60 + minutes) as i16;
    Some(if negative { -total } else { total })
}

// The ODBC structures, laid out as unixODBC's sqltypes.h declares them (native endianness).

pub fn date_struct(d: Date) -> [u8; 6] {
    let mut out = [0u8; 6];
    out[0..2].copy_from_slice(&d.year.to_ne_bytes());
    out[2..4].copy_from_slice(&u16::from(d.month).to_ne_bytes());
    out[4..6].copy_from_slice(&u16::from(d.day).to_ne_bytes());
    out
}

pub fn time_struct(t: Time) -> [u8; 6] {
    let mut out = [0u8; 6];
    out[0..2].copy_from_slice(&u16::from(t.hour).to_ne_bytes());
    out[2..4].copy_from_slice(&u16::from(t.minute).to_ne_bytes());
    out[4..6].copy_from_slice(&u16::from(t.second).to_ne_bytes());
    out
}

pub fn timestamp_struct(ts: Timestamp) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[0..6].copy_from_slice(&date_struct(ts.date));
    out[6..12].copy_from_slice(&time_struct(ts.time));
    out[12..16].copy_from_slice(&ts.time.nanosecond.to_ne_bytes());
    out
}

/// SQL_SS_TIME2_STRUCT: hour, minute, second (u16), 2 bytes of padding, fraction (u32, ns).
pub fn time2_struct(t: Time) -> [u8; 12] {
    let mut out = [0u8; 12];
    out[0..6].copy_from_slice(&time_struct(t));
    out[8..12].copy_from_slice(&t.nanosecond.to_ne_bytes());
    out
}

/// SQL_SS_TIMESTAMPOFFSET_STRUCT: TIMESTAMP_STRUCT then timezone_hour, timezone_minute (i16).
pub fn timestampoffset_struct(v: DateTimeOffset) -> [u8; 20] {
    let mut out = [0u8; 20];
    out[0..16].copy_from_slice(&timestamp_struct(v.local));
    let hours = v.offset_minutes / 60;
    let minutes = v.offset_minutes % 60;
    out[16..18].copy_from_slice(&hours.to_ne_bytes());
    out[18..20].copy_from_slice(&minutes.to_ne_bytes());
    out
}

fn u16_at(b: &[u8], at: usize) -> u32 {
    u32::from(u16::from_ne_bytes([b[at], b[at + 1]]))
}

fn i16_at(b: &[u8], at: usize) -> i16 {
    i16::from_ne_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Reads DATE_STRUCT; `Err(22007)` when its fields are no date.
pub fn read_date_struct(b: &[u8]) -> Result<Date, ConvertError> {
    if b.len() < 6 {
        return Err(invalid_datetime_format());
    }
    checked_date(i32::from(i16_at(b, 0)), u16_at(b, 2), u16_at(b, 4))
        .ok_or_else(invalid_datetime_format)
}

pub fn read_time_struct(b: &[u8]) -> Result<Time, ConvertError> {
    if b.len() < 6 {
        return Err(invalid_datetime_format());
    }
    checked_time(u16_at(b, 0), u16_at(b, 2), u16_at(b, 4), 0).ok_or_else(invalid_datetime_format)
}

pub fn read_timestamp_struct(b: &[u8]) -> Result<Timestamp, ConvertError> {
    if b.len() < 16 {
        return Err(invalid_datetime_format());
    }
    let date = read_date_struct(b)?;
    let time = checked_time(u16_at(b, 6), u16_at(b, 8), u16_at(b, 10), u32_at(b, 12))
        .ok_or_else(invalid_datetime_format)?;
    Ok(Timestamp { date, time })
}

pub fn read_time2_struct(b: &[u8]) -> Result<Time, ConvertError> {
    if b.len() < 12 {
        return Err(invalid_datetime_format());
    }
    checked_time(u16_at(b, 0), u16_at(b, 2), u16_at(b, 4), u32_at(b, 8))
        .ok_or_else(invalid_datetime_format)
}

pub fn read_timestampoffset_struct(b: &[u8]) -> Result<DateTimeOffset, ConvertError> {
    if b.len() < 20 {
        return Err(invalid_datetime_format());
    }
    let local = read_timestamp_struct(b)?;
    let (hours, minutes) = (i16_at(b, 16), i16_at(b, 18));
    // ODBC wants both parts to carry the same sign; the total stays within +-14:00.
    let same_sign = (hours >= 0 && minutes >= 0) || (hours <= 0 && minutes <= 0);
    let total = i32::from(hours) * 60 + i32::from(minutes);
    if !same_sign || minutes.abs() > 59 || total.abs() > 14 * 60 {
        return Err(invalid_datetime_format());
    }
    Ok(DateTimeOffset {
        local,
        offset_minutes: total as i16,
    })
}
