//! Benchmark row sources, generated row by row straight into the sink (never materialised):
//! `SELECT * FROM bench.narrow(n)`, `bench.wide(n)`, `bench.lob(n, bytes)`, optionally with
//! `TOP n`. The arguments may be literals or variables/parameters.

use super::lexer::{Tok, Token};
use super::session::{Exec, Out, Session, SqlError, Stop};
use super::translate::{matching_paren, split_commas};
use super::types::days_from_ymd;
use super::{Column, Event, SqlType, SqlValue};
use rusqlite::types::Value;
use std::fmt::Write;

/// Handles the statement if it reads a bench source.
pub(crate) fn try_bench(s: &mut Session, tokens: &[Token], out: &mut Out) -> Option<Exec> {
    let at = tokens
        .windows(3)
        .position(|w| w[0].is("bench") && w[1].is_op(".") && w[2].name().is_some())?;
    let kind = tokens[at + 2].name()?.to_ascii_lowercase();
    if !tokens.get(at + 3).is_some_and(|t| t.is_op("(")) {
        return None;
    }
    Some(run(s, tokens, at, &kind, out))
}

fn run(s: &mut Session, tokens: &[Token], at: usize, kind: &str, out: &mut Out) -> Exec {
    let shape_error = || {
        Stop::Error(SqlError::new(
            40000,
            16,
            "bench sources support only SELECT [TOP n] * FROM bench.narrow(n) | bench.wide(n) | bench.lob(n, bytes).",
        ))
    };
    // SELECT [TOP n | TOP (n)] * FROM [dbo.]bench.x(args) [[AS] alias] [;]
    let mut i = 1;
    let mut limit = u64::MAX;
    if tokens.get(i).is_some_and(|t| t.is("TOP")) {
        let (n, next) = if tokens.get(i + 1).is_some_and(|t| t.is_op("(")) {
            let close = matching_paren(tokens, i + 1).ok_or_else(shape_error)?;
            (&tokens[i + 2..close], close + 1)
        } else {
            (&tokens[i + 1..(i + 2).min(tokens.len())], i + 2)
        };
        limit = int_arg(s, n)?;
        i = next;
    }
    if !(tokens.get(i).is_some_and(|t| t.is_op("*"))
        && tokens.get(i + 1).is_some_and(|t| t.is("FROM")))
    {
        return Err(shape_error());
    }
    let open = at + 3;
    let close = matching_paren(tokens, open).ok_or_else(shape_error)?;
    let rest = &tokens[close + 1..];
    let alias_ok = match rest {
        [] => true,
        [t] => t.name().is_some(),
        [a, t] => a.is("AS") && t.name().is_some(),
        _ => false,
    };
    if !alias_ok {
        return Err(shape_error());
    }
    let args = split_commas(&tokens[open + 1..close]);
    let mut nums = Vec::new();
    for a in &args {
        nums.push(int_arg(s, a)?);
    }
    let n = nums.first().copied().ok_or_else(shape_error)?.min(limit);
    let count = match kind {
        "narrow" => narrow(n, out)?,
        "wide" => wide(n, out)?,
        "lob" => {
            let bytes = nums.get(1).copied().unwrap_or(1024);
            if bytes > MAX_LOB_BYTES {
                return Err(Stop::Error(SqlError::new(
                    40000,
                    16,
                    format!("bench.lob values are at most {MAX_LOB_BYTES} bytes."),
                )));
            }
            lob(n, bytes as usize, out)?
        }
        _ => return Err(shape_error()),
    };
    s.rowcount = count;
    let row_count = (!s.nocount).then_some(count);
    out.send(Event::Done {
        kind: s.done_kind,
        row_count,
        error: false,
        more: true,
    })
}

fn int_arg(s: &Session, tokens: &[Token]) -> Result<u64, Stop> {
    if let [
        Token {
            tok: Tok::Num(n), ..
        },
    ] = tokens
        && let Ok(v) = n.parse()
    {
        return Ok(v);
    }
    match s.eval(tokens)?.0 {
        Value::Integer(i) if i >= 0 => Ok(i as u64),
        _ => Err(Stop::Error(SqlError::new(
            40000,
            16,
            "bench source arguments must be non-negative integers.",
        ))),
    }
}

fn col(name: &str, ty: SqlType, nullable: bool) -> Column {
    Column {
        name: name.into(),
        ty,
        nullable,
        identity: false,
    }
}

const SECOND: u64 = 10_000_000;
/// Large enough for streaming tests, small enough not to exhaust memory by accident.
const MAX_LOB_BYTES: u64 = 256 << 20;

fn base_day() -> i32 {
    days_from_ymd(2024, 1, 1)
}

/// int, nvarchar(50), float, datetime2.
fn narrow(n: u64, out: &mut Out) -> Result<u64, Stop> {
    out.send(Event::Columns(vec![
        col("id", SqlType::Int, false),
        col("name", SqlType::NVarChar(Some(50)), false),
        col("value", SqlType::Float, false),
        col("created", SqlType::DateTime2 { scale: 7 }, false),
    ]))?;
    let day = base_day();
    for i in 1..=n {
        let mut name = String::with_capacity(16);
        let _ = write!(name, "name {i}");
        let secs = i % 86_400;
        out.row(vec![
            SqlValue::Int(i as i32),
            SqlValue::String(name),
            SqlValue::Float(i as f64 * 0.5),
            SqlValue::DateTime {
                days: day + (i / 86_400) as i32,
                ticks: secs * SECOND,
            },
        ])?;
    }
    Ok(n)
}

/// 30 columns of mixed types, some nullable.
fn wide(n: u64, out: &mut Out) -> Result<u64, Stop> {
    use SqlType as T;
    let columns = vec![
        col("c01_int", T::Int, false),
        col("c02_bigint", T::BigInt, false),
        col("c03_smallint", T::SmallInt, false),
        col("c04_tinyint", T::TinyInt, false),
        col("c05_bit", T::Bit, false),
        col("c06_float", T::Float, false),
        col("c07_real", T::Real, false),
        col(
            "c08_decimal",
            T::Decimal {
                precision: 18,
                scale: 4,
            },
            false,
        ),
        col("c09_money", T::Money, false),
        col("c10_nvarchar", T::NVarChar(Some(50)), false),
        col("c11_varchar", T::VarChar(Some(50)), false),
        col("c12_nchar", T::NChar(10), false),
        col("c13_date", T::Date, false),
        col("c14_datetime2", T::DateTime2 { scale: 7 }, false),
        col("c15_datetime", T::DateTime, false),
        col("c16_time", T::Time { scale: 7 }, false),
        col("c17_guid", T::UniqueIdentifier, false),
        col("c18_varbinary", T::VarBinary(Some(16)), false),
        col("c19_nvarchar", T::NVarChar(Some(100)), true),
        col("c20_int", T::Int, true),
        col("c21_bigint", T::BigInt, true),
        col("c22_float", T::Float, true),
        col(
            "c23_decimal",
            T::Decimal {
                precision: 10,
                scale: 2,
            },
            true,
        ),
        col("c24_nvarchar", T::NVarChar(Some(20)), true),
        // Every type here is one pyodbc reads without an output converter (no datetimeoffset).
        col("c25_datetime2", T::DateTime2 { scale: 3 }, true),
        col("c26_bit", T::Bit, true),
        col("c27_smallint", T::SmallInt, true),
        col("c28_varchar", T::VarChar(Some(10)), true),
        col("c29_int", T::Int, true),
        col("c30_nvarchar", T::NVarChar(Some(50)), true),
    ];
    out.send(Event::Columns(columns))?;
    let day = base_day();
    for i in 1..=n {
        let null = i % 3 == 0;
        let nullable = |v: SqlValue| if null { SqlValue::Null } else { v };
        let secs = i % 86_400;
        let mut guid = [0u8; 16];
        guid[..8].copy_from_slice(&i.to_le_bytes());
        let row = vec![
            SqlValue::Int(i as i32),
            SqlValue::BigInt(i as i64 * 1_000_003),
            SqlValue::SmallInt((i % 32_000) as i16),
            SqlValue::TinyInt((i % 256) as u8),
            SqlValue::Bit(i % 2 == 0),
            SqlValue::Float(i as f64 / 3.0),
            SqlValue::Real(i as f32 * 0.25),
            SqlValue::Decimal {
                value: i as i128 * 10_001,
                scale: 4,
            },
            SqlValue::Money(i as i64 * 12_345),
            SqlValue::String(format!("row {i}")),
            SqlValue::String(format!("ascii {i}")),
            SqlValue::String(format!("{:<10}", i % 100_000)),
            SqlValue::Date(day + (i % 3650) as i32),
            SqlValue::DateTime {
                days: day,
                ticks: secs * SECOND + 1234567,
            },
            SqlValue::DateTime {
                days: day,
                ticks: secs * SECOND,
            },
            SqlValue::Time(secs * SECOND),
            SqlValue::Guid(guid),
            SqlValue::Binary(i.to_be_bytes().to_vec()),
            nullable(SqlValue::String(format!("nullable text {i}"))),
            nullable(SqlValue::Int(-(i as i32))),
            nullable(SqlValue::BigInt(i as i64)),
            nullable(SqlValue::Float(i as f64)),
            nullable(SqlValue::Decimal {
                value: i as i128,
                scale: 2,
            }),
            nullable(SqlValue::String("twenty".into())),
            nullable(SqlValue::DateTimeOffset {
                days: day,
                ticks: secs * SECOND,
                offset_minutes: 60,
            }),
            nullable(SqlValue::Bit(true)),
            nullable(SqlValue::SmallInt(7)),
            nullable(SqlValue::String("ten".into())),
            nullable(SqlValue::Int(i as i32 * 2)),
            nullable(SqlValue::String(format!("last {i}"))),
        ];
        out.row(row)?;
    }
    Ok(n)
}

/// id int, data varbinary(max) of `bytes` bytes, text nvarchar(max) of `bytes` bytes in UTF-16.
fn lob(n: u64, bytes: usize, out: &mut Out) -> Result<u64, Stop> {
    out.send(Event::Columns(vec![
        col("id", SqlType::Int, false),
        col("data", SqlType::VarBinary(None), false),
        col("text", SqlType::NVarChar(None), false),
    ]))?;
    for i in 1..=n {
        let b = (i % 251) as u8;
        let data: Vec<u8> = (0..bytes).map(|k| b.wrapping_add(k as u8)).collect();
        let ch = (b'a' + (i % 26) as u8) as char;
        let text: String = std::iter::repeat_n(ch, bytes / 2).collect();
        out.row(vec![
            SqlValue::Int(i as i32),
            SqlValue::Binary(data),
            SqlValue::String(text),
        ])?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::super::session::tests::{Collect, run, session};
    use super::super::{DoneKind, EventSink};
    use super::*;
    use std::ops::ControlFlow;
    use std::time::Instant;

    #[test]
    fn narrow_rows_and_count() {
        let (mut s, _d) = session();
        let ev = run(&mut s, "SELECT * FROM bench.narrow(3)");
        assert!(
            matches!(&ev[0], Event::Columns(c) if c.len() == 4 && c[3].ty == SqlType::DateTime2 { scale: 7 })
        );
        assert_eq!(ev.iter().filter(|e| matches!(e, Event::Row(_))).count(), 3);
        assert_eq!(
            ev.last(),
            Some(&Event::Done {
                kind: DoneKind::Done,
                row_count: Some(3),
                error: false,
                more: false
            })
        );
        let ev = run(
            &mut s,
            "DECLARE @n INT = 5; SELECT TOP 2 * FROM bench.wide(@n)",
        );
        assert!(matches!(&ev[0], Event::Columns(c) if c.len() == 30));
        assert_eq!(ev.iter().filter(|e| matches!(e, Event::Row(_))).count(), 2);
        let ev = run(&mut s, "SELECT * FROM bench.lob(2, 100)");
        assert!(
            matches!(&ev[1], Event::Row(r) if r[1] == SqlValue::Binary((0..100).map(|k| 1u8.wrapping_add(k)).collect()))
        );
    }

    #[test]
    fn break_stops_generation() {
        let (mut s, _d) = session();
        let mut c = Collect {
            cancel_after_rows: Some(10),
            ..Default::default()
        };
        s.execute_batch("SELECT * FROM bench.narrow(100000000)", &mut c);
        assert_eq!(
            c.events
                .iter()
                .filter(|e| matches!(e, Event::Row(_)))
                .count(),
            10
        );
    }

    /// Counts without keeping events: the cost of generating rows alone.
    struct Count(u64);
    impl EventSink for Count {
        fn send(&mut self, e: Event) -> ControlFlow<()> {
            if matches!(e, Event::Row(_)) {
                self.0 += 1;
            }
            ControlFlow::Continue(())
        }
    }

    #[test]
    fn a_million_narrow_rows_are_cheap() {
        let (mut s, _d) = session();
        let mut c = Count(0);
        let t = Instant::now();
        s.execute_batch("SELECT * FROM bench.narrow(1000000)", &mut c);
        let took = t.elapsed();
        assert_eq!(c.0, 1_000_000);
        // Debug builds are several times slower than release; this bound still catches
        // accidental materialisation or per-row SQL.
        assert!(took.as_secs_f64() < 5.0, "took {took:?}");
    }

    #[test]
    fn waitfor_delay_is_interruptible() {
        struct CancelAfter(Instant);
        impl EventSink for CancelAfter {
            fn send(&mut self, _: Event) -> ControlFlow<()> {
                ControlFlow::Continue(())
            }
            fn is_cancelled(&mut self) -> bool {
                self.0.elapsed().as_millis() > 100
            }
        }
        let (mut s, _d) = session();
        let t = Instant::now();
        let mut sink = CancelAfter(Instant::now());
        s.execute_batch("WAITFOR DELAY '00:00:05'", &mut sink);
        assert!(t.elapsed().as_secs_f64() < 1.0);
        let t = Instant::now();
        let ev = run(&mut s, "WAITFOR DELAY '00:00:00.2'; SELECT 1");
        assert!(t.elapsed().as_millis() >= 200);
        assert!(ev.iter().any(|e| matches!(e, Event::Row(_))));
    }
}
