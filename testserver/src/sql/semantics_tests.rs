//! T-SQL semantics where SQLite's own rules differ from SQL Server's: comparisons, type
//! precedence, conversions, date arithmetic and where errors say they happened.

use super::session::tests::{run, session};
use super::types::days_from_ymd;
use super::{Event, SqlValue};

fn rows(events: &[Event]) -> Vec<Vec<SqlValue>> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Row(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

/// (number, line, text) of every error or message the batch produced.
fn messages(events: &[Event]) -> Vec<(i32, i32, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message {
                number, line, text, ..
            } => Some((*number, *line, text.clone())),
            _ => None,
        })
        .collect()
}

/// The single value `sql` selects, failing the test on any error.
fn scalar(sql: &str) -> SqlValue {
    let (mut s, _d) = session();
    let ev = run(&mut s, sql);
    assert_eq!(messages(&ev), vec![], "{sql}");
    rows(&ev)[0][0].clone()
}

#[test]
fn smallmoney_accepts_its_minimum_and_rejects_one_below() {
    assert_eq!(
        scalar("SELECT CAST('-214748.3648' AS smallmoney)"),
        SqlValue::Money(-2_147_483_648)
    );
    let (mut s, _d) = session();
    let ev = run(&mut s, "SELECT CAST('-214748.3649' AS smallmoney)");
    assert_eq!(messages(&ev)[0].0, 8115);
}

#[test]
fn string_plus_number_converts_the_string_to_the_number() {
    assert_eq!(scalar("SELECT '1' + 1"), SqlValue::Int(2));
    assert_eq!(scalar("SELECT 1 + '2'"), SqlValue::Int(3));
    assert_eq!(scalar("SELECT 'a' + 'b'"), SqlValue::String("ab".into()));
    let (mut s, _d) = session();
    let ev = run(&mut s, "SELECT 'abc' + 1");
    assert_eq!(
        messages(&ev),
        vec![(
            245,
            1,
            "Conversion failed when converting the varchar value 'abc' to data type int.".into()
        )]
    );
}

#[test]
fn datetime_plus_a_number_adds_days() {
    assert_eq!(
        scalar("SELECT CAST('2024-01-01' AS datetime) + 1"),
        SqlValue::DateTime {
            days: days_from_ymd(2024, 1, 2),
            ticks: 0
        }
    );
    assert_eq!(
        scalar("SELECT CAST('2024-03-01 06:00' AS datetime) - 1"),
        SqlValue::DateTime {
            days: days_from_ymd(2024, 2, 29),
            ticks: 6 * 3600 * 10_000_000
        }
    );
}

#[test]
fn unicode_text_casts_to_its_utf16_bytes() {
    assert_eq!(
        scalar("SELECT CAST(N'x' AS varbinary)"),
        SqlValue::Binary(vec![0x78, 0x00])
    );
    assert_eq!(
        scalar("SELECT CAST('x' AS varbinary)"),
        SqlValue::Binary(vec![0x78])
    );
    assert_eq!(
        scalar("SELECT CONVERT(varbinary(10), N'é')"),
        SqlValue::Binary(vec![0xe9, 0x00])
    );
    let (mut s, _d) = session();
    let ev = run(
        &mut s,
        "CREATE TABLE u (n nvarchar(10)); INSERT u VALUES (N'ab'); SELECT CAST(n AS varbinary(10)) FROM u",
    );
    assert_eq!(messages(&ev), vec![]);
    assert_eq!(rows(&ev)[0][0], SqlValue::Binary(vec![0x61, 0, 0x62, 0]));
}

#[test]
fn comparisons_ignore_trailing_spaces() {
    assert_eq!(
        scalar("SELECT CASE WHEN 'a' = 'a  ' THEN 1 ELSE 0 END"),
        SqlValue::Int(1)
    );
    assert_eq!(
        scalar("SELECT CASE WHEN 'a  ' <> 'a' THEN 1 ELSE 0 END"),
        SqlValue::Int(0)
    );
    let (mut s, _d) = session();
    let ev = run(
        &mut s,
        "CREATE TABLE l (k varchar(10), n nvarchar(10)); CREATE TABLE r (k char(10));
         INSERT l VALUES ('a', N'x  '); INSERT r VALUES ('a');
         SELECT COUNT(*) FROM l WHERE k = 'a   ' AND n = N'x';
         SELECT COUNT(*) FROM l JOIN r ON l.k = r.k",
    );
    assert_eq!(messages(&ev), vec![]);
    assert_eq!(
        rows(&ev),
        vec![vec![SqlValue::Int(1)], vec![SqlValue::Int(1)]]
    );
}

#[test]
fn errors_name_the_line_their_statement_starts_on() {
    let cases = [
        ("SELECC 1", 1),
        ("SELECT 1\nSELEC 2", 2),
        ("SELECT 1\nSELECT 1/0", 2),
        ("SELECT 1;\n\nSELECT * FROM nosuch", 3),
        ("SELECT 1\nSELECT\n  CAST('x' AS int)", 2),
        ("\n\nSELECT 1 +", 3),
    ];
    for (sql, line) in cases {
        let (mut s, _d) = session();
        let ev = run(&mut s, sql);
        let lines: Vec<i32> = messages(&ev).iter().map(|m| m.1).collect();
        assert_eq!(lines, vec![line], "{sql:?}: {:?}", messages(&ev));
    }
}

#[test]
fn xml_parameters_lose_their_byte_order_mark() {
    use super::SqlType;
    let (mut s, _d) = session();
    run(&mut s, "CREATE TABLE x (d xml)");
    let ev = super::procs::tests_support::rpc_exec(
        &mut s,
        "INSERT INTO x VALUES (@p); SELECT d FROM x",
        "@p xml",
        vec![(
            "@p".into(),
            SqlType::Xml,
            SqlValue::String("\u{feff}<a b=\"1\">x</a>".into()),
        )],
    );
    assert_eq!(messages(&ev), vec![]);
    assert_eq!(rows(&ev)[0][0], SqlValue::String("<a b=\"1\">x</a>".into()));
}
