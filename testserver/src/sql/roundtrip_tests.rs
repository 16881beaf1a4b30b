//! Every SQL Server type: declared column metadata and exact value round trips through
//! parameters and literals.

use super::procs::tests_support::rpc_exec;
use super::session::tests::{run, session};
use super::types::days_from_ymd;
use super::{Column, Event, SqlType, SqlValue};

fn columns(events: &[Event]) -> Vec<Column> {
    events
        .iter()
        .find_map(|e| {
            if let Event::Columns(c) = e {
                Some(c.clone())
            } else {
                None
            }
        })
        .expect("columns")
}

fn rows(events: &[Event]) -> Vec<Vec<SqlValue>> {
    events
        .iter()
        .filter_map(|e| {
            if let Event::Row(r) = e {
                Some(r.clone())
            } else {
                None
            }
        })
        .collect()
}

fn no_errors(events: &[Event]) {
    let errs: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, Event::Message { class, .. } if *class > 10))
        .collect();
    assert!(errs.is_empty(), "{errs:?}");
}

/// (column declaration, expected type, a value to round-trip)
fn cases() -> Vec<(&'static str, SqlType, SqlValue)> {
    use SqlType as T;
    use SqlValue as V;
    let ticks = |h: u64, m: u64, s: u64, f: u64| ((h * 60 + m) * 60 + s) * 10_000_000 + f;
    vec![
        ("bit", T::Bit, V::Bit(true)),
        ("tinyint", T::TinyInt, V::TinyInt(255)),
        ("smallint", T::SmallInt, V::SmallInt(-32768)),
        ("int", T::Int, V::Int(i32::MIN)),
        ("bigint", T::BigInt, V::BigInt(i64::MAX)),
        ("real", T::Real, V::Real(1.5)),
        ("float", T::Float, V::Float(0.1)),
        (
            "decimal(10,2)",
            T::Decimal {
                precision: 10,
                scale: 2,
            },
            V::Decimal {
                value: -12345678,
                scale: 2,
            },
        ),
        (
            "numeric(38,10)",
            T::Numeric {
                precision: 38,
                scale: 10,
            },
            V::Decimal {
                value: 12345678901234567890123456789012345678,
                scale: 10,
            },
        ),
        ("money", T::Money, V::Money(-922337203685477)),
        ("smallmoney", T::SmallMoney, V::Money(2147483647)),
        ("char(5)", T::Char(5), V::String("ab   ".into())),
        (
            "varchar(10)",
            T::VarChar(Some(10)),
            V::String("hello".into()),
        ),
        (
            "varchar(max)",
            T::VarChar(None),
            V::String("x".repeat(10000)),
        ),
        ("nchar(3)", T::NChar(3), V::String("é  ".into())),
        (
            "nvarchar(50)",
            T::NVarChar(Some(50)),
            V::String("日本語".into()),
        ),
        (
            "nvarchar(max)",
            T::NVarChar(None),
            V::String("ü".repeat(5000)),
        ),
        ("binary(4)", T::Binary(4), V::Binary(vec![1, 2, 0, 0])),
        (
            "varbinary(8)",
            T::VarBinary(Some(8)),
            V::Binary(vec![0xde, 0xad]),
        ),
        (
            "varbinary(max)",
            T::VarBinary(None),
            V::Binary(vec![7; 9000]),
        ),
        ("date", T::Date, V::Date(days_from_ymd(2024, 2, 29))),
        (
            "time(7)",
            T::Time { scale: 7 },
            V::Time(ticks(23, 59, 59, 9_999_999)),
        ),
        (
            "time(3)",
            T::Time { scale: 3 },
            V::Time(ticks(1, 2, 3, 4_560_000)),
        ),
        (
            "datetime",
            T::DateTime,
            V::DateTime {
                days: days_from_ymd(1999, 12, 31),
                ticks: ticks(23, 59, 59, 9_970_000),
            },
        ),
        (
            "smalldatetime",
            T::SmallDateTime,
            V::DateTime {
                days: days_from_ymd(2000, 1, 1),
                ticks: ticks(12, 30, 0, 0),
            },
        ),
        (
            "datetime2(7)",
            T::DateTime2 { scale: 7 },
            V::DateTime {
                days: days_from_ymd(1, 1, 1),
                ticks: ticks(0, 0, 0, 1),
            },
        ),
        (
            "datetime2(0)",
            T::DateTime2 { scale: 0 },
            V::DateTime {
                days: days_from_ymd(9999, 12, 31),
                ticks: ticks(23, 59, 59, 0),
            },
        ),
        (
            "datetimeoffset(7)",
            T::DateTimeOffset { scale: 7 },
            V::DateTimeOffset {
                days: days_from_ymd(2024, 6, 1),
                ticks: ticks(10, 0, 0, 1234567),
                offset_minutes: -330,
            },
        ),
        (
            "uniqueidentifier",
            T::UniqueIdentifier,
            V::Guid(super::types::guid_from_text("6F9619FF-8B86-D011-B42D-00C04FC964FF").unwrap()),
        ),
        ("xml", T::Xml, V::String("<a b=\"1\"/>".into())),
        ("text", T::Text, V::String("old text".into())),
        ("ntext", T::NText, V::String("old ntext é".into())),
        ("image", T::Image, V::Binary(vec![0, 1, 2, 255])),
    ]
}

#[test]
fn every_type_round_trips_through_parameters() {
    let (mut s, _d) = session();
    let cases = cases();
    let cols: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, (d, _, _))| format!("c{i} {d} NULL"))
        .collect();
    no_errors(&run(
        &mut s,
        &format!("CREATE TABLE t (id INT NOT NULL, {})", cols.join(", ")),
    ));
    let names: Vec<String> = (0..cases.len()).map(|i| format!("c{i}")).collect();
    let placeholders: Vec<String> = (0..cases.len()).map(|i| format!("@p{i}")).collect();
    let decl: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, (d, _, _))| format!("@p{i} {d}"))
        .collect();
    let sql = format!(
        "INSERT INTO t (id, {}) VALUES (1, {})",
        names.join(", "),
        placeholders.join(", ")
    );
    let params: Vec<(String, SqlType, SqlValue)> = cases
        .iter()
        .enumerate()
        .map(|(i, (_, t, v))| (format!("@p{i}"), t.clone(), v.clone()))
        .collect();
    no_errors(&rpc_exec(&mut s, &sql, &decl.join(", "), params));
    // A NULL row too.
    no_errors(&run(&mut s, "INSERT INTO t (id) VALUES (2)"));
    let ev = run(
        &mut s,
        &format!("SELECT id, {} FROM t ORDER BY id", names.join(", ")),
    );
    no_errors(&ev);
    let c = columns(&ev);
    assert_eq!(
        c[0],
        Column {
            name: "id".into(),
            ty: SqlType::Int,
            nullable: false,
            identity: false
        }
    );
    for (i, (d, t, v)) in cases.iter().enumerate() {
        assert_eq!(c[i + 1].ty, *t, "column type of {d}");
        assert!(c[i + 1].nullable, "{d} nullable");
        let r = rows(&ev);
        assert_eq!(r[0][i + 1], *v, "value of {d}");
        assert_eq!(r[1][i + 1], SqlValue::Null, "null of {d}");
    }
}

#[test]
fn literals_and_casts_to_every_type() {
    let (mut s, _d) = session();
    let ev = run(
        &mut s,
        "SELECT CAST('1' AS bit) a, CAST(300 AS smallint) b, CAST('12.345' AS decimal(5,2)) c, CAST(2.5 AS money) d,
                CONVERT(date, '2024-03-01') e, CAST('10:11:12.5' AS time(1)) f, CAST('2024-01-02T03:04:05.678' AS datetime) g,
                CAST('2024-01-02 03:04:05 +02:00' AS datetimeoffset(0)) h, CAST('6F9619FF-8B86-D011-B42D-00C04FC964FF' AS uniqueidentifier) i,
                CAST(0x0102 AS varbinary(10)) j, CAST(N'abc' AS nchar(5)) k, CAST(123 AS varchar(10)) l, CAST(1 AS float) m",
    );
    no_errors(&ev);
    let tys: Vec<SqlType> = columns(&ev).into_iter().map(|c| c.ty).collect();
    use SqlType as T;
    assert_eq!(
        tys,
        vec![
            T::Bit,
            T::SmallInt,
            T::Decimal {
                precision: 5,
                scale: 2
            },
            T::Money,
            T::Date,
            T::Time { scale: 1 },
            T::DateTime,
            T::DateTimeOffset { scale: 0 },
            T::UniqueIdentifier,
            T::VarBinary(Some(10)),
            T::NChar(5),
            T::VarChar(Some(10)),
            T::Float
        ]
    );
    let r = &rows(&ev)[0];
    assert_eq!(r[0], SqlValue::Bit(true));
    assert_eq!(
        r[2],
        SqlValue::Decimal {
            value: 1235,
            scale: 2
        }
    );
    assert_eq!(r[3], SqlValue::Money(25000));
    assert_eq!(
        r[5],
        SqlValue::Time(((10 * 60 + 11) * 60 + 12) * 10_000_000 + 5_000_000)
    );
    assert_eq!(
        r[6],
        SqlValue::DateTime {
            days: days_from_ymd(2024, 1, 2),
            ticks: ((3 * 60 + 4) * 60 + 5) * 10_000_000 + 6_770_000
        }
    );
    assert_eq!(r[10], SqlValue::String("abc  ".into()));
    assert_eq!(r[11], SqlValue::String("123".into()));
    assert_eq!(r[12], SqlValue::Float(1.0));
}

#[test]
fn conversion_errors_are_sql_server_errors() {
    let (mut s, _d) = session();
    let ev = run(&mut s, "SELECT CAST('abc' AS int)");
    assert!(
        ev.iter().any(|e| matches!(
            e,
            Event::Message {
                number: 245,
                class: 16,
                ..
            }
        )),
        "{ev:?}"
    );
    let ev = run(&mut s, "SELECT CAST('2024-13-01' AS date)");
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Message { number: 241, .. })),
        "{ev:?}"
    );
    let ev = run(&mut s, "SELECT CAST(300 AS tinyint)");
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Message { number: 8115, .. })),
        "{ev:?}"
    );
}

#[test]
fn big_decimal_literal_keeps_its_digits() {
    let (mut s, _d) = session();
    let ev = run(
        &mut s,
        "CREATE TABLE d (x DECIMAL(38,10)); INSERT d VALUES (1234567890123456789012345678.0123456789); SELECT x FROM d",
    );
    no_errors(&ev);
    assert_eq!(
        rows(&ev)[0][0],
        SqlValue::Decimal {
            value: 12345678901234567890123456780123456789,
            scale: 10
        }
    );
}

#[test]
fn compact_date_text_stays_a_date() {
    let (mut s, _d) = session();
    let ev = run(
        &mut s,
        "CREATE TABLE d (x DATE); INSERT d VALUES ('20240102'); SELECT x FROM d",
    );
    no_errors(&ev);
    assert_eq!(rows(&ev)[0][0], SqlValue::Date(days_from_ymd(2024, 1, 2)));
}
