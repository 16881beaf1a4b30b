//! Catalog procedures drivers call (sp_tables, sp_columns, sp_pkeys...), with the result-set
//! shapes SQL Server documents: column names, types and order.

use super::procs::{Arg, parse_param_decls};
use super::session::{Out, Session, SqlError, Stop, value_text};
use super::types::{octet_length, type_name};
use super::{Column, Event, SqlType, SqlValue};
use rusqlite::types::Value;

/// Runs catalog procedure `name` if it is one; returns its RETURN status.
pub(crate) fn call(
    s: &mut Session,
    name: &str,
    args: &[Arg],
    out: &mut Out,
) -> Option<Result<i32, Stop>> {
    let a = Args(args);
    let r = match name {
        "sp_tables" => sp_tables(s, &a),
        "sp_columns" | "sp_columns_100" | "sp_columns_90" => {
            sp_columns(s, &a, name != "sp_columns")
        }
        "sp_pkeys" => sp_pkeys(s, &a),
        "sp_fkeys" => sp_fkeys(s, &a),
        "sp_statistics" | "sp_statistics_100" => sp_statistics(s, &a),
        "sp_special_columns" | "sp_special_columns_100" | "sp_special_columns_90" => {
            sp_special_columns(s, &a)
        }
        "sp_stored_procedures" => sp_stored_procedures(s, &a),
        "sp_sproc_columns" | "sp_sproc_columns_100" | "sp_sproc_columns_90" => {
            sp_sproc_columns(s, &a)
        }
        "sp_datatype_info" | "sp_datatype_info_100" | "sp_datatype_info_90" => sp_datatype_info(&a),
        "sp_describe_undeclared_parameters" => sp_describe_undeclared_parameters(s, &a),
        "sp_describe_first_result_set" => sp_describe_first_result_set(s, &a),
        "sp_server_info" => sp_server_info(),
        "xp_msver" => xp_msver(&a),
        "sp_rename" => return Some(sp_rename(s, &a).map(|_| 0)),
        // Every user may do everything here: no privilege rows to report.
        "sp_table_privileges" => Ok(rs(&[
            ("TABLE_QUALIFIER", SYSNAME),
            ("TABLE_OWNER", SYSNAME),
            ("TABLE_NAME", SYSNAME),
            ("GRANTOR", SYSNAME),
            ("GRANTEE", SYSNAME),
            ("PRIVILEGE", SqlType::VarChar(Some(32))),
            ("IS_GRANTABLE", SqlType::VarChar(Some(3))),
        ])),
        "sp_column_privileges" => Ok(rs(&[
            ("TABLE_QUALIFIER", SYSNAME),
            ("TABLE_OWNER", SYSNAME),
            ("TABLE_NAME", SYSNAME),
            ("COLUMN_NAME", SYSNAME),
            ("GRANTOR", SYSNAME),
            ("GRANTEE", SYSNAME),
            ("PRIVILEGE", SqlType::VarChar(Some(32))),
            ("IS_GRANTABLE", SqlType::VarChar(Some(3))),
        ])),
        "sp_helpdb" | "sp_databases" => sp_databases(s),
        _ => return None,
    };
    Some(r.and_then(|rs| send(s, rs, out)).map(|_| 0))
}

/// A result set built in memory (catalog results are small).
struct ResultSet {
    columns: Vec<Column>,
    rows: Vec<Vec<SqlValue>>,
}

fn send(s: &mut Session, rs: ResultSet, out: &mut Out) -> Result<(), Stop> {
    out.send(Event::Columns(rs.columns))?;
    let n = rs.rows.len() as u64;
    for r in rs.rows {
        out.row(r)?;
    }
    s.rowcount = n;
    out.send(Event::Done {
        kind: s.done_kind,
        row_count: (!s.nocount).then_some(n),
        error: false,
        more: true,
    })
}

fn rs(spec: &[(&str, SqlType)]) -> ResultSet {
    ResultSet {
        columns: spec
            .iter()
            .map(|(n, t)| Column {
                name: n.to_string(),
                ty: t.clone(),
                nullable: true,
                identity: false,
            })
            .collect(),
        rows: Vec::new(),
    }
}

const SYSNAME: SqlType = SqlType::NVarChar(Some(128));

fn s_(v: &str) -> SqlValue {
    SqlValue::String(v.to_string())
}

fn opt_s(v: Option<&str>) -> SqlValue {
    v.map_or(SqlValue::Null, s_)
}

fn i16v(v: Option<i16>) -> SqlValue {
    v.map_or(SqlValue::Null, SqlValue::SmallInt)
}

fn i32v(v: Option<i32>) -> SqlValue {
    v.map_or(SqlValue::Null, SqlValue::Int)
}

/// Procedure arguments by position or by `@name`.
struct Args<'a>(&'a [Arg]);

impl Args<'_> {
    fn get(&self, pos: usize, name: &str) -> Option<String> {
        let a = self
            .0
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .or_else(|| self.0.get(pos).filter(|a| a.name.is_empty()))?;
        match &a.value {
            Value::Null => None,
            v => Some(value_text(v)),
        }
    }

    fn int(&self, pos: usize, name: &str) -> Option<i64> {
        self.get(pos, name).and_then(|v| v.trim().parse().ok())
    }
}

/// LIKE with `%`, `_` and `\` / `[x]` escapes, case-insensitive.
fn like(pattern: &str, s: &str) -> bool {
    fn go(p: &[char], s: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('%') => (0..=s.len()).any(|i| go(&p[1..], &s[i..])),
            Some('_') => !s.is_empty() && go(&p[1..], &s[1..]),
            Some('\\') if p.len() > 1 => !s.is_empty() && eq(p[1], s[0]) && go(&p[2..], &s[1..]),
            Some('[') if p.len() > 2 && p[2] == ']' => {
                !s.is_empty() && eq(p[1], s[0]) && go(&p[3..], &s[1..])
            }
            Some(c) => !s.is_empty() && eq(*c, s[0]) && go(&p[1..], &s[1..]),
        }
    }
    fn eq(a: char, b: char) -> bool {
        a.to_lowercase().eq(b.to_lowercase())
    }
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = s.chars().collect();
    go(&p, &s)
}

fn matches(pattern: Option<&str>, value: &str, use_pattern: bool) -> bool {
    match pattern {
        None => true,
        Some(p) if use_pattern => like(p, value),
        Some(p) => p.eq_ignore_ascii_case(value),
    }
}

fn owner_ok(owner: Option<&str>, use_pattern: bool) -> bool {
    matches(owner, "dbo", use_pattern)
}

fn qualifier_ok(s: &Session, q: Option<&str>) -> bool {
    q.is_none_or(|q| q.is_empty() || q.eq_ignore_ascii_case(&s.db) || q == "%")
}

/// User tables and views of the current database: (name, is_view).
fn user_tables(s: &Session) -> Vec<(String, bool)> {
    let sql = "SELECT name, type FROM sqlite_schema WHERE type IN ('table','view') \
               AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_\\_ss\\_%' ESCAPE '\\' ORDER BY name";
    let Ok(mut st) = s.conn.prepare(sql) else {
        return Vec::new();
    };
    st.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)? == "view"))
    })
    .map(|rows| rows.flatten().collect())
    .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// ODBC type descriptions.

struct TypeInfo {
    data_type: i16,
    precision: Option<i32>,
    length: Option<i32>,
    scale: Option<i16>,
    radix: Option<i16>,
    sql_data_type: i16,
    datetime_sub: Option<i16>,
    octet: Option<i32>,
    ss_data_type: u8,
}

fn odbc_info(ty: &SqlType) -> TypeInfo {
    use SqlType::*;
    let len = octet_length(ty);
    let max = |n: &Option<u16>| n.map_or(0, |n| n as i32);
    let (data_type, precision, scale, radix): (i16, Option<i32>, Option<i16>, Option<i16>) =
        match ty {
            Bit => (-7, Some(1), None, None),
            TinyInt => (-6, Some(3), Some(0), Some(10)),
            SmallInt => (5, Some(5), Some(0), Some(10)),
            Int => (4, Some(10), Some(0), Some(10)),
            BigInt => (-5, Some(19), Some(0), Some(10)),
            Real => (7, Some(7), None, Some(10)),
            Float => (6, Some(15), None, Some(10)),
            Decimal { precision, scale } => {
                (3, Some(*precision as i32), Some(*scale as i16), Some(10))
            }
            Numeric { precision, scale } => {
                (2, Some(*precision as i32), Some(*scale as i16), Some(10))
            }
            Money => (3, Some(19), Some(4), Some(10)),
            SmallMoney => (3, Some(10), Some(4), Some(10)),
            Char(n) => (1, Some(*n as i32), None, None),
            VarChar(n) => (12, Some(max(n)), None, None),
            Text => (-1, Some(i32::MAX), None, None),
            NChar(n) => (-8, Some(*n as i32), None, None),
            NVarChar(n) => (-9, Some(max(n)), None, None),
            NText => (-10, Some(1_073_741_823), None, None),
            Binary(n) => (-2, Some(*n as i32), None, None),
            VarBinary(n) => (-3, Some(max(n)), None, None),
            Image => (-4, Some(i32::MAX), None, None),
            Date => (91, Some(10), None, None),
            Time { scale } => (
                -154,
                Some(if *scale == 0 { 8 } else { 9 + *scale as i32 }),
                Some(*scale as i16),
                None,
            ),
            DateTime => (93, Some(23), Some(3), None),
            SmallDateTime => (93, Some(16), Some(0), None),
            DateTime2 { scale } => (
                93,
                Some(if *scale == 0 { 19 } else { 20 + *scale as i32 }),
                Some(*scale as i16),
                None,
            ),
            DateTimeOffset { scale } => (
                -155,
                Some(if *scale == 0 { 26 } else { 27 + *scale as i32 }),
                Some(*scale as i16),
                None,
            ),
            UniqueIdentifier => (-11, Some(36), None, None),
            Xml => (-152, Some(0), None, None),
            Variant => (-150, Some(8000), None, None),
        };
    let (sql_data_type, datetime_sub) = match data_type {
        91 => (9, Some(1)),
        93 => (9, Some(3)),
        d => (d, None),
    };
    let length = match ty {
        Money => Some(21),
        SmallMoney => Some(12),
        VarChar(None) | NVarChar(None) | VarBinary(None) | Xml => Some(0),
        Text | Image => Some(i32::MAX),
        NText => Some(i32::MAX - 1),
        Variant => Some(8016),
        _ => len,
    };
    let octet = match ty {
        Char(_) | VarChar(_) | NChar(_) | NVarChar(_) | Binary(_) | VarBinary(_) | Text | NText
        | Image | Xml => length,
        _ => None,
    };
    TypeInfo {
        data_type,
        precision,
        length,
        scale,
        radix,
        sql_data_type,
        datetime_sub,
        octet,
        ss_data_type: tds_type(ty),
    }
}

/// The TDS type byte SQL Server reports as SS_DATA_TYPE (nullable forms).
fn tds_type(ty: &SqlType) -> u8 {
    use SqlType::*;
    match ty {
        Bit => 104,
        TinyInt | SmallInt | Int | BigInt => 38,
        Real | Float => 109,
        Decimal { .. } => 106,
        Numeric { .. } => 108,
        Money | SmallMoney => 110,
        Char(_) => 175,
        VarChar(_) => 167,
        Text => 35,
        NChar(_) => 239,
        NVarChar(_) => 231,
        NText => 99,
        Binary(_) => 173,
        VarBinary(_) => 165,
        Image => 34,
        DateTime | SmallDateTime => 111,
        UniqueIdentifier => 36,
        _ => 0,
    }
}

/// The TDS TYPE_INFO type a parameter of `ty` travels as (the nullable forms: INTN, FLTN...),
/// as sp_describe_undeclared_parameters reports it; MS18 builds SQLDescribeParam from it.
fn wire_type_id(ty: &SqlType) -> i32 {
    use SqlType::*;
    match ty {
        Date => 40,
        Time { .. } => 41,
        DateTime2 { .. } => 42,
        DateTimeOffset { .. } => 43,
        Xml => 241,
        Variant => 98,
        t => tds_type(t) as i32,
    }
}

/// The TYPE_INFO length of `ty`: its bytes, 0xFFFF for the (max) types, and the 4-byte
/// maximum for text/ntext/image (whose max_length, 16, is their text pointer's size: MS18
/// would size its parameter buffers by it).
fn wire_length(ty: &SqlType) -> i32 {
    match ty {
        SqlType::Text | SqlType::Image => i32::MAX,
        SqlType::NText => i32::MAX - 1,
        _ => match max_length(ty) {
            -1 => 0xFFFF,
            n => n as i32,
        },
    }
}

/// sys.types system_type_id.
pub(crate) fn system_type_id(ty: &SqlType) -> i32 {
    use SqlType::*;
    match ty {
        Bit => 104,
        TinyInt => 48,
        SmallInt => 52,
        Int => 56,
        BigInt => 127,
        Real => 59,
        Float => 62,
        Decimal { .. } => 106,
        Numeric { .. } => 108,
        Money => 60,
        SmallMoney => 122,
        Char(_) => 175,
        VarChar(_) => 167,
        Text => 35,
        NChar(_) => 239,
        NVarChar(_) => 231,
        NText => 99,
        Binary(_) => 173,
        VarBinary(_) => 165,
        Image => 34,
        Date => 40,
        Time { .. } => 41,
        DateTime => 61,
        SmallDateTime => 58,
        DateTime2 { .. } => 42,
        DateTimeOffset { .. } => 43,
        UniqueIdentifier => 36,
        Xml => 241,
        Variant => 98,
    }
}

/// sys.columns max_length (bytes, -1 for max).
pub(crate) fn max_length(ty: &SqlType) -> i16 {
    use SqlType::*;
    match ty {
        VarChar(None) | NVarChar(None) | VarBinary(None) | Xml => -1,
        Text | NText | Image => 16,
        Date => 3,
        Time { scale } | DateTime2 { scale } | DateTimeOffset { scale } => {
            let base = if *scale <= 2 {
                3
            } else if *scale <= 4 {
                4
            } else {
                5
            };
            match ty {
                Time { .. } => base,
                DateTime2 { .. } => base + 3,
                _ => base + 5,
            }
        }
        Decimal { precision, .. } | Numeric { precision, .. } => match precision {
            1..=9 => 5,
            10..=19 => 9,
            20..=28 => 13,
            _ => 17,
        },
        Variant => 8016,
        t => octet_length(t).unwrap_or(0) as i16,
    }
}

pub(crate) fn precision_byte(ty: &SqlType) -> u8 {
    use SqlType::*;
    match ty {
        Decimal { precision, .. } | Numeric { precision, .. } => *precision,
        TinyInt => 3,
        SmallInt => 5,
        Int => 10,
        BigInt => 19,
        Real => 24,
        Float => 53,
        Money => 19,
        SmallMoney => 10,
        Bit => 1,
        DateTime => 23,
        SmallDateTime => 16,
        Date => 10,
        Time { scale } => 9 + *scale,
        DateTime2 { scale } => 20 + *scale,
        DateTimeOffset { scale } => 27 + *scale,
        _ => 0,
    }
}

pub(crate) fn scale_byte(ty: &SqlType) -> u8 {
    use SqlType::*;
    match ty {
        Decimal { scale, .. } | Numeric { scale, .. } => *scale,
        Money | SmallMoney => 4,
        DateTime => 3,
        Time { scale } | DateTime2 { scale } | DateTimeOffset { scale } => *scale,
        _ => 0,
    }
}

fn is_char(ty: &SqlType) -> bool {
    use SqlType::*;
    matches!(
        ty,
        Char(_) | VarChar(_) | Text | NChar(_) | NVarChar(_) | NText | Xml
    )
}

// ---------------------------------------------------------------------------------------------

fn sp_tables(s: &mut Session, a: &Args) -> Result<ResultSet, Stop> {
    use SqlType::*;
    let mut r = rs(&[
        ("TABLE_QUALIFIER", SYSNAME),
        ("TABLE_OWNER", SYSNAME),
        ("TABLE_NAME", SYSNAME),
        ("TABLE_TYPE", VarChar(Some(32))),
        ("REMARKS", VarChar(Some(254))),
    ]);
    let name = a.get(0, "@table_name");
    let owner = a.get(1, "@table_owner");
    let qualifier = a.get(2, "@table_qualifier");
    let types = a.get(3, "@table_type");
    let pattern = a.int(4, "@fusepattern").unwrap_or(1) != 0;
    // The enumerations take empty strings; NULL means "any".
    let empty = |v: &Option<String>| v.as_deref() == Some("");
    // The ODBC enumeration forms of SQLTables.
    if qualifier.as_deref() == Some("%") && empty(&owner) && empty(&name) {
        for db in s.dbs.names() {
            r.rows.push(vec![
                s_(db),
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
            ]);
        }
        return Ok(r);
    }
    if owner.as_deref() == Some("%") && empty(&qualifier) && empty(&name) {
        for o in ["dbo", "INFORMATION_SCHEMA", "sys"] {
            r.rows.push(vec![
                SqlValue::Null,
                s_(o),
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
            ]);
        }
        return Ok(r);
    }
    if types.as_deref() == Some("%") && empty(&qualifier) && empty(&owner) && empty(&name) {
        for t in ["SYSTEM TABLE", "TABLE", "VIEW"] {
            r.rows.push(vec![
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                s_(t),
                SqlValue::Null,
            ]);
        }
        return Ok(r);
    }
    if !qualifier_ok(s, qualifier.as_deref()) || !owner_ok(owner.as_deref(), pattern) {
        return Ok(r);
    }
    let wanted = |kind: &str| {
        types.as_deref().is_none_or(|t| {
            t.to_uppercase().contains(&format!("'{kind}'")) || t.eq_ignore_ascii_case(kind)
        })
    };
    let mut found: Vec<(String, &str)> = user_tables(s)
        .into_iter()
        .filter(|(n, _)| matches(name.as_deref(), n, pattern))
        .map(|(n, v)| (n, if v { "VIEW" } else { "TABLE" }))
        .filter(|(_, k)| wanted(k))
        .collect();
    found.sort_by(|x, y| (x.1, x.0.to_lowercase()).cmp(&(y.1, y.0.to_lowercase())));
    for (n, k) in found {
        r.rows
            .push(vec![s_(&s.db), s_("dbo"), s_(&n), s_(k), SqlValue::Null]);
    }
    Ok(r)
}

fn column_default(s: &Session, table: &str, column: &str) -> Option<String> {
    s.conn
        .query_row(
            "SELECT cols FROM main.__ss_constraints WHERE tbl = ?1 AND name = ?2 COLLATE NOCASE AND kind = 'DEFAULT'",
            [table, column],
            |r| r.get(0),
        )
        .ok()
}

fn sp_columns(s: &mut Session, a: &Args, v100: bool) -> Result<ResultSet, Stop> {
    use SqlType::*;
    let mut spec: Vec<(&str, SqlType)> = vec![
        ("TABLE_QUALIFIER", SYSNAME),
        ("TABLE_OWNER", SYSNAME),
        ("TABLE_NAME", SYSNAME),
        ("COLUMN_NAME", SYSNAME),
        ("DATA_TYPE", SmallInt),
        ("TYPE_NAME", SYSNAME),
        ("PRECISION", Int),
        ("LENGTH", Int),
        ("SCALE", SmallInt),
        ("RADIX", SmallInt),
        ("NULLABLE", SmallInt),
        ("REMARKS", VarChar(Some(254))),
        ("COLUMN_DEF", NVarChar(Some(4000))),
        ("SQL_DATA_TYPE", SmallInt),
        ("SQL_DATETIME_SUB", SmallInt),
        ("CHAR_OCTET_LENGTH", Int),
        ("ORDINAL_POSITION", Int),
        ("IS_NULLABLE", VarChar(Some(254))),
    ];
    if v100 {
        spec.extend([
            ("SS_IS_SPARSE", SmallInt),
            ("SS_IS_COLUMN_SET", SmallInt),
            ("SS_IS_COMPUTED", SmallInt),
            ("SS_IS_IDENTITY", SmallInt),
            ("SS_UDT_CATALOG_NAME", SYSNAME),
            ("SS_UDT_SCHEMA_NAME", SYSNAME),
            ("SS_UDT_ASSEMBLY_TYPE_NAME", NVarChar(Some(4000))),
            ("SS_XML_SCHEMACOLLECTION_CATALOG_NAME", SYSNAME),
            ("SS_XML_SCHEMACOLLECTION_SCHEMA_NAME", SYSNAME),
            ("SS_XML_SCHEMACOLLECTION_NAME", SYSNAME),
        ]);
    }
    spec.push(("SS_DATA_TYPE", TinyInt));
    let mut r = rs(&spec);
    let name = a.get(0, "@table_name");
    let owner = a.get(1, "@table_owner");
    let qualifier = a.get(2, "@table_qualifier");
    let column = a.get(3, "@column_name");
    let pattern = a.int(5, "@fusepattern").unwrap_or(1) != 0;
    if !qualifier_ok(s, qualifier.as_deref()) || !owner_ok(owner.as_deref(), pattern) {
        return Ok(r);
    }
    for (table, _) in user_tables(s)
        .into_iter()
        .filter(|(n, _)| matches(name.as_deref(), n, pattern))
    {
        for (i, c) in s.table_columns(&table).into_iter().enumerate() {
            if !matches(column.as_deref(), &c.name, pattern) {
                continue;
            }
            let info = odbc_info(&c.ty);
            let tname = if c.identity {
                format!("{} identity", type_name(&c.ty))
            } else {
                type_name(&c.ty).to_string()
            };
            let mut row = vec![
                s_(&s.db),
                s_("dbo"),
                s_(&table),
                s_(&c.name),
                SqlValue::SmallInt(info.data_type),
                s_(&tname),
                i32v(info.precision),
                i32v(info.length),
                i16v(info.scale),
                i16v(info.radix),
                SqlValue::SmallInt(c.nullable as i16),
                SqlValue::Null,
                opt_s(column_default(s, &table, &c.name).as_deref()),
                SqlValue::SmallInt(info.sql_data_type),
                i16v(info.datetime_sub),
                i32v(info.octet),
                SqlValue::Int(i as i32 + 1),
                s_(if c.nullable { "YES" } else { "NO" }),
            ];
            if v100 {
                row.extend([
                    SqlValue::SmallInt(0),
                    SqlValue::SmallInt(0),
                    SqlValue::SmallInt(0),
                    SqlValue::SmallInt(c.identity as i16),
                    SqlValue::Null,
                    SqlValue::Null,
                    SqlValue::Null,
                    SqlValue::Null,
                    SqlValue::Null,
                    SqlValue::Null,
                ]);
            }
            row.push(SqlValue::TinyInt(info.ss_data_type));
            r.rows.push(row);
        }
    }
    Ok(r)
}

/// Primary key columns of `table` in key order, with the constraint name.
fn primary_key(s: &Session, table: &str) -> (Vec<String>, String) {
    let mut cols: Vec<(i64, String)> = s
        .conn
        .prepare("SELECT pk, name FROM pragma_table_xinfo(?1) WHERE pk > 0")
        .and_then(|mut st| {
            st.query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))
                .map(|rows| rows.flatten().collect())
        })
        .unwrap_or_default();
    cols.sort();
    let name = s
        .conn
        .query_row(
            "SELECT name FROM main.__ss_constraints WHERE tbl = ?1 AND kind = 'PRIMARY KEY'",
            [table],
            |r| r.get(0),
        )
        .unwrap_or_else(|_| super::translate::default_constraint_name("PRIMARY KEY", table));
    (cols.into_iter().map(|c| c.1).collect(), name)
}

fn sp_pkeys(s: &mut Session, a: &Args) -> Result<ResultSet, Stop> {
    let mut r = rs(&[
        ("TABLE_QUALIFIER", SYSNAME),
        ("TABLE_OWNER", SYSNAME),
        ("TABLE_NAME", SYSNAME),
        ("COLUMN_NAME", SYSNAME),
        ("KEY_SEQ", SqlType::SmallInt),
        ("PK_NAME", SYSNAME),
    ]);
    let Some(name) = a.get(0, "@table_name") else {
        return Ok(r);
    };
    if !qualifier_ok(s, a.get(2, "@table_qualifier").as_deref())
        || !owner_ok(a.get(1, "@table_owner").as_deref(), false)
    {
        return Ok(r);
    }
    let Some((table, _)) = user_tables(s)
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(&name))
    else {
        return Ok(r);
    };
    let (cols, pk_name) = primary_key(s, &table);
    for (i, c) in cols.iter().enumerate() {
        r.rows.push(vec![
            s_(&s.db),
            s_("dbo"),
            s_(&table),
            s_(c),
            SqlValue::SmallInt(i as i16 + 1),
            s_(&pk_name),
        ]);
    }
    Ok(r)
}

fn rule(action: &str) -> i16 {
    match action.to_ascii_uppercase().as_str() {
        "CASCADE" => 0,
        "SET NULL" => 2,
        "SET DEFAULT" => 4,
        _ => 1,
    }
}

fn sp_fkeys(s: &mut Session, a: &Args) -> Result<ResultSet, Stop> {
    use SqlType::SmallInt;
    let mut r = rs(&[
        ("PKTABLE_QUALIFIER", SYSNAME),
        ("PKTABLE_OWNER", SYSNAME),
        ("PKTABLE_NAME", SYSNAME),
        ("PKCOLUMN_NAME", SYSNAME),
        ("FKTABLE_QUALIFIER", SYSNAME),
        ("FKTABLE_OWNER", SYSNAME),
        ("FKTABLE_NAME", SYSNAME),
        ("FKCOLUMN_NAME", SYSNAME),
        ("KEY_SEQ", SmallInt),
        ("UPDATE_RULE", SmallInt),
        ("DELETE_RULE", SmallInt),
        ("FK_NAME", SYSNAME),
        ("PK_NAME", SYSNAME),
        ("DEFERRABILITY", SmallInt),
    ]);
    let pk_table = a.get(0, "@pktable_name");
    let fk_table = a.get(3, "@fktable_name");
    if pk_table.is_none() && fk_table.is_none() {
        return Err(Stop::Error(SqlError::new(
            15252,
            16,
            "The primary key or foreign key table name must be given.",
        )));
    }
    for (table, _) in user_tables(s) {
        if !fk_table
            .as_deref()
            .is_none_or(|f| f.eq_ignore_ascii_case(&table))
        {
            continue;
        }
        type Fk = (i64, i64, String, String, Option<String>, String, String);
        let fks: Vec<Fk> = s
            .conn
            .prepare("SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?1) ORDER BY id, seq")
            .and_then(|mut st| {
                st.query_map([&table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
                    .map(|rows| rows.flatten().collect())
            })
            .unwrap_or_default();
        for (id, seq, ref_table, from, to, on_update, on_delete) in fks {
            if !pk_table
                .as_deref()
                .is_none_or(|p| p.eq_ignore_ascii_case(&ref_table))
            {
                continue;
            }
            let (pk_cols, pk_name) = primary_key(s, &ref_table);
            let to = to.unwrap_or_else(|| pk_cols.get(seq as usize).cloned().unwrap_or_default());
            r.rows.push(vec![
                s_(&s.db),
                s_("dbo"),
                s_(&ref_table),
                s_(&to),
                s_(&s.db),
                s_("dbo"),
                s_(&table),
                s_(&from),
                SqlValue::SmallInt(seq as i16 + 1),
                SqlValue::SmallInt(rule(&on_update)),
                SqlValue::SmallInt(rule(&on_delete)),
                s_(&format!("FK__{table}__{id}")),
                s_(&pk_name),
                SqlValue::SmallInt(7),
            ]);
        }
    }
    Ok(r)
}

fn sp_statistics(s: &mut Session, a: &Args) -> Result<ResultSet, Stop> {
    use SqlType::*;
    let mut r = rs(&[
        ("TABLE_QUALIFIER", SYSNAME),
        ("TABLE_OWNER", SYSNAME),
        ("TABLE_NAME", SYSNAME),
        ("NON_UNIQUE", SmallInt),
        ("INDEX_QUALIFIER", SYSNAME),
        ("INDEX_NAME", SYSNAME),
        ("TYPE", SmallInt),
        ("SEQ_IN_INDEX", SmallInt),
        ("COLUMN_NAME", SYSNAME),
        ("COLLATION", Char(1)),
        ("CARDINALITY", Int),
        ("PAGES", Int),
        ("FILTER_CONDITION", VarChar(Some(128))),
    ]);
    let Some(name) = a.get(0, "@table_name") else {
        return Ok(r);
    };
    let unique_only = a
        .get(4, "@is_unique")
        .is_some_and(|u| u.eq_ignore_ascii_case("Y"));
    let Some((table, _)) = user_tables(s)
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(&name))
    else {
        return Ok(r);
    };
    let count: i64 = s
        .conn
        .query_row(
            &format!("SELECT COUNT(*) FROM \"{}\"", table.replace('"', "\"\"")),
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    let n = SqlValue::Null;
    r.rows.push(vec![
        s_(&s.db),
        s_("dbo"),
        s_(&table),
        n.clone(),
        n.clone(),
        n.clone(),
        SqlValue::SmallInt(0),
        n.clone(),
        n.clone(),
        n.clone(),
        SqlValue::Int(count as i32),
        SqlValue::Int(1),
        n.clone(),
    ]);
    let indexes: Vec<(String, bool, String)> = s
        .conn
        .prepare("SELECT name, \"unique\", origin FROM pragma_index_list(?1) ORDER BY name")
        .and_then(|mut st| {
            st.query_map([&table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map(|rows| rows.flatten().collect())
        })
        .unwrap_or_default();
    let (pk_cols, pk_name) = primary_key(s, &table);
    let mut entries: Vec<(bool, String, i16, Vec<String>)> = Vec::new();
    // A rowid primary key has no SQLite index; SQL Server shows its clustered index.
    if !pk_cols.is_empty() && !indexes.iter().any(|i| i.2 == "pk") {
        entries.push((true, pk_name.clone(), 1, pk_cols.clone()));
    }
    for (iname, unique, origin) in indexes {
        let cols: Vec<String> = s
            .conn
            .prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
            .and_then(|mut st| {
                st.query_map([&iname], |r| r.get(0))
                    .map(|rows| rows.flatten().collect())
            })
            .unwrap_or_default();
        let (display, kind) = if origin == "pk" {
            (pk_name.clone(), 1)
        } else {
            (iname, 3)
        };
        entries.push((unique, display, kind, cols));
    }
    for (unique, iname, kind, cols) in entries {
        if unique_only && !unique {
            continue;
        }
        for (k, c) in cols.iter().enumerate() {
            r.rows.push(vec![
                s_(&s.db),
                s_("dbo"),
                s_(&table),
                SqlValue::SmallInt(!unique as i16),
                s_(&table),
                s_(&iname),
                SqlValue::SmallInt(kind),
                SqlValue::SmallInt(k as i16 + 1),
                s_(c),
                s_("A"),
                SqlValue::Int(count as i32),
                SqlValue::Int(1),
                SqlValue::Null,
            ]);
        }
    }
    Ok(r)
}

fn sp_special_columns(s: &mut Session, a: &Args) -> Result<ResultSet, Stop> {
    use SqlType::*;
    let mut r = rs(&[
        ("SCOPE", SmallInt),
        ("COLUMN_NAME", SYSNAME),
        ("DATA_TYPE", SmallInt),
        ("TYPE_NAME", SYSNAME),
        ("PRECISION", Int),
        ("LENGTH", Int),
        ("SCALE", SmallInt),
        ("PSEUDO_COLUMN", SmallInt),
    ]);
    let Some(name) = a.get(0, "@table_name") else {
        return Ok(r);
    };
    let col_type = a.get(3, "@col_type").unwrap_or_else(|| "R".into());
    if !col_type.eq_ignore_ascii_case("R") {
        return Ok(r); // no rowversion columns
    }
    let Some((table, _)) = user_tables(s)
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(&name))
    else {
        return Ok(r);
    };
    let (pk_cols, _) = primary_key(s, &table);
    let cols = s.table_columns(&table);
    for pk in pk_cols {
        if let Some(c) = cols.iter().find(|c| c.name == pk) {
            let info = odbc_info(&c.ty);
            r.rows.push(vec![
                SqlValue::SmallInt(1),
                s_(&c.name),
                SqlValue::SmallInt(info.data_type),
                s_(type_name(&c.ty)),
                i32v(info.precision),
                i32v(info.length),
                i16v(info.scale),
                SqlValue::SmallInt(1),
            ]);
        }
    }
    Ok(r)
}

fn procedures(s: &Session) -> Vec<(String, String)> {
    s.conn
        .prepare("SELECT name, params FROM __ss_procs ORDER BY name")
        .and_then(|mut st| {
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map(|rows| rows.flatten().collect())
        })
        .unwrap_or_default()
}

fn sp_stored_procedures(s: &mut Session, a: &Args) -> Result<ResultSet, Stop> {
    use SqlType::*;
    let mut r = rs(&[
        ("PROCEDURE_QUALIFIER", SYSNAME),
        ("PROCEDURE_OWNER", SYSNAME),
        ("PROCEDURE_NAME", NVarChar(Some(134))),
        ("NUM_INPUT_PARAMS", Int),
        ("NUM_OUTPUT_PARAMS", Int),
        ("NUM_RESULT_SETS", Int),
        ("REMARKS", VarChar(Some(254))),
        ("PROCEDURE_TYPE", SmallInt),
    ]);
    let name = a.get(0, "@sp_name");
    let pattern = a.int(3, "@fusepattern").unwrap_or(1) != 0;
    if !owner_ok(a.get(1, "@sp_owner").as_deref(), pattern)
        || !qualifier_ok(s, a.get(2, "@sp_qualifier").as_deref())
    {
        return Ok(r);
    }
    for (p, _) in procedures(s) {
        if matches(name.as_deref(), &p, pattern) {
            r.rows.push(vec![
                s_(&s.db),
                s_("dbo"),
                s_(&format!("{p};1")),
                SqlValue::Int(-1),
                SqlValue::Int(-1),
                SqlValue::Int(-1),
                SqlValue::Null,
                SqlValue::SmallInt(2),
            ]);
        }
    }
    Ok(r)
}

fn sp_sproc_columns(s: &mut Session, a: &Args) -> Result<ResultSet, Stop> {
    use SqlType::*;
    let mut r = rs(&[
        ("PROCEDURE_QUALIFIER", SYSNAME),
        ("PROCEDURE_OWNER", SYSNAME),
        ("PROCEDURE_NAME", NVarChar(Some(134))),
        ("COLUMN_NAME", SYSNAME),
        ("COLUMN_TYPE", SmallInt),
        ("DATA_TYPE", SmallInt),
        ("TYPE_NAME", SYSNAME),
        ("PRECISION", Int),
        ("LENGTH", Int),
        ("SCALE", SmallInt),
        ("RADIX", SmallInt),
        ("NULLABLE", SmallInt),
        ("REMARKS", VarChar(Some(254))),
        ("COLUMN_DEF", NVarChar(Some(4000))),
        ("SQL_DATA_TYPE", SmallInt),
        ("SQL_DATETIME_SUB", SmallInt),
        ("CHAR_OCTET_LENGTH", Int),
        ("ORDINAL_POSITION", Int),
        ("IS_NULLABLE", VarChar(Some(254))),
        ("SS_DATA_TYPE", TinyInt),
    ]);
    let name = a.get(0, "@procedure_name");
    let column = a.get(3, "@column_name");
    let pattern = a.int(5, "@fusepattern").unwrap_or(1) != 0;
    if !owner_ok(a.get(1, "@procedure_owner").as_deref(), pattern) {
        return Ok(r);
    }
    for (p, params) in procedures(s) {
        if !matches(name.as_deref(), &p, pattern) {
            continue;
        }
        let decls = parse_param_decls(&params)?;
        let mut all = vec![("@RETURN_VALUE".to_string(), SqlType::Int, 5i16, false)];
        all.extend(decls.iter().map(|d| {
            (
                d.name.clone(),
                d.ty.clone(),
                if d.output { 2 } else { 1 },
                true,
            )
        }));
        for (i, (pname, ty, kind, nullable)) in all.into_iter().enumerate() {
            if !matches(column.as_deref(), &pname, pattern) {
                continue;
            }
            let info = odbc_info(&ty);
            r.rows.push(vec![
                s_(&s.db),
                s_("dbo"),
                s_(&format!("{p};1")),
                s_(&pname),
                SqlValue::SmallInt(kind),
                SqlValue::SmallInt(info.data_type),
                s_(type_name(&ty)),
                i32v(info.precision),
                i32v(info.length),
                i16v(info.scale),
                i16v(info.radix),
                SqlValue::SmallInt(nullable as i16),
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::SmallInt(info.sql_data_type),
                i16v(info.datetime_sub),
                i32v(info.octet),
                SqlValue::Int(i as i32),
                s_(if nullable { "YES" } else { "NO" }),
                SqlValue::TinyInt(info.ss_data_type),
            ]);
        }
    }
    Ok(r)
}

fn sp_datatype_info(a: &Args) -> Result<ResultSet, Stop> {
    use SqlType::*;
    let mut r = rs(&[
        ("TYPE_NAME", SYSNAME),
        ("DATA_TYPE", SmallInt),
        ("PRECISION", Int),
        ("LITERAL_PREFIX", VarChar(Some(32))),
        ("LITERAL_SUFFIX", VarChar(Some(32))),
        ("CREATE_PARAMS", VarChar(Some(32))),
        ("NULLABLE", SmallInt),
        ("CASE_SENSITIVE", SmallInt),
        ("SEARCHABLE", SmallInt),
        ("UNSIGNED_ATTRIBUTE", SmallInt),
        ("MONEY", SmallInt),
        ("AUTO_INCREMENT", SmallInt),
        ("LOCAL_TYPE_NAME", SYSNAME),
        ("MINIMUM_SCALE", SmallInt),
        ("MAXIMUM_SCALE", SmallInt),
        ("SQL_DATA_TYPE", SmallInt),
        ("SQL_DATETIME_SUB", SmallInt),
        ("NUM_PREC_RADIX", Int),
        ("INTERVAL_PRECISION", SmallInt),
        ("USERTYPE", SmallInt),
    ]);
    let filter = a.int(0, "@data_type").unwrap_or(0) as i16;
    // (name, type, create params, auto-increment, literal prefix/suffix, min/max scale)
    type Row = (
        &'static str,
        SqlType,
        Option<&'static str>,
        bool,
        Option<&'static str>,
        Option<i16>,
        Option<i16>,
    );
    let q = Some("'");
    let list: Vec<Row> = vec![
        ("sql_variant", Variant, None, false, None, Some(0), Some(0)),
        (
            "uniqueidentifier",
            UniqueIdentifier,
            None,
            false,
            q,
            None,
            None,
        ),
        ("ntext", NText, None, false, Some("N'"), None, None),
        ("xml", Xml, None, false, Some("N'"), None, None),
        (
            "nvarchar",
            NVarChar(Some(4000)),
            Some("max length"),
            false,
            Some("N'"),
            None,
            None,
        ),
        (
            "sysname",
            NVarChar(Some(128)),
            None,
            false,
            Some("N'"),
            None,
            None,
        ),
        (
            "nchar",
            NChar(4000),
            Some("length"),
            false,
            Some("N'"),
            None,
            None,
        ),
        ("bit", Bit, None, false, None, Some(0), Some(0)),
        ("tinyint", TinyInt, None, false, None, Some(0), Some(0)),
        (
            "tinyint identity",
            TinyInt,
            None,
            true,
            None,
            Some(0),
            Some(0),
        ),
        ("bigint", BigInt, None, false, None, Some(0), Some(0)),
        (
            "bigint identity",
            BigInt,
            None,
            true,
            None,
            Some(0),
            Some(0),
        ),
        ("image", Image, None, false, Some("0x"), None, None),
        (
            "varbinary",
            VarBinary(Some(8000)),
            Some("max length"),
            false,
            Some("0x"),
            None,
            None,
        ),
        (
            "binary",
            Binary(8000),
            Some("length"),
            false,
            Some("0x"),
            None,
            None,
        ),
        ("timestamp", Binary(8), None, false, Some("0x"), None, None),
        ("text", Text, None, false, q, None, None),
        ("char", Char(8000), Some("length"), false, q, None, None),
        (
            "numeric",
            Numeric {
                precision: 38,
                scale: 0,
            },
            Some("precision,scale"),
            false,
            None,
            Some(0),
            Some(38),
        ),
        (
            "numeric() identity",
            Numeric {
                precision: 38,
                scale: 0,
            },
            Some("precision"),
            true,
            None,
            Some(0),
            Some(0),
        ),
        (
            "decimal",
            Decimal {
                precision: 38,
                scale: 0,
            },
            Some("precision,scale"),
            false,
            None,
            Some(0),
            Some(38),
        ),
        ("money", Money, None, false, Some("$"), Some(4), Some(4)),
        (
            "smallmoney",
            SmallMoney,
            None,
            false,
            Some("$"),
            Some(4),
            Some(4),
        ),
        (
            "decimal() identity",
            Decimal {
                precision: 38,
                scale: 0,
            },
            Some("precision"),
            true,
            None,
            Some(0),
            Some(0),
        ),
        ("int", Int, None, false, None, Some(0), Some(0)),
        ("int identity", Int, None, true, None, Some(0), Some(0)),
        ("smallint", SmallInt, None, false, None, Some(0), Some(0)),
        (
            "smallint identity",
            SmallInt,
            None,
            true,
            None,
            Some(0),
            Some(0),
        ),
        ("float", Float, None, false, None, None, None),
        ("real", Real, None, false, None, None, None),
        (
            "varchar",
            VarChar(Some(8000)),
            Some("max length"),
            false,
            q,
            None,
            None,
        ),
        ("date", Date, None, false, q, None, None),
        (
            "time",
            Time { scale: 7 },
            Some("scale"),
            false,
            q,
            Some(0),
            Some(7),
        ),
        (
            "datetime2",
            DateTime2 { scale: 7 },
            Some("scale"),
            false,
            q,
            Some(0),
            Some(7),
        ),
        (
            "datetimeoffset",
            DateTimeOffset { scale: 7 },
            Some("scale"),
            false,
            q,
            Some(0),
            Some(7),
        ),
        ("datetime", DateTime, None, false, q, Some(3), Some(3)),
        (
            "smalldatetime",
            SmallDateTime,
            None,
            false,
            q,
            Some(0),
            Some(0),
        ),
    ];
    // (DATA_TYPE, AUTO_INCREMENT, MONEY, TYPE_NAME): SQL Server lists a type's plain form, then
    // the money forms, then the identity forms; pyodbc reads the first SQL_TYPE_TIMESTAMP row
    // (datetime, COLUMN_SIZE 23) to size datetime parameters.
    type SortKey<'a> = (i16, bool, bool, &'a str);
    let mut rows: Vec<(SortKey, Vec<SqlValue>)> = Vec::new();
    for (name, ty, params, auto, prefix, min_s, max_s) in list {
        let info = odbc_info(&ty);
        if filter != 0 && info.data_type != filter {
            continue;
        }
        let catalog = catalog_facts(name, &ty);
        let precision = match &ty {
            Numeric { .. } | Decimal { .. } => Some(38),
            Text | Image => Some(i32::MAX),
            NText => Some(1_073_741_823),
            Xml => Some(0),
            Float => Some(53),
            Real => Some(24),
            _ => info.precision,
        };
        let numeric = info.radix.is_some();
        let money = matches!(ty, Money | SmallMoney);
        let suffix = prefix.map(|p| if p == "0x" || p == "$" { "" } else { "'" });
        rows.push((
            (info.data_type, auto, money, name),
            vec![
                s_(name),
                SqlValue::SmallInt(info.data_type),
                i32v(precision),
                opt_s(prefix),
                suffix.filter(|s| !s.is_empty()).map_or(SqlValue::Null, s_),
                opt_s(params),
                SqlValue::SmallInt(if auto || !catalog.nullable { 0 } else { 1 }),
                SqlValue::SmallInt(catalog.case_sensitive as i16),
                SqlValue::SmallInt(catalog.searchable),
                if numeric {
                    SqlValue::SmallInt(matches!(ty, TinyInt) as i16)
                } else {
                    SqlValue::Null
                },
                SqlValue::SmallInt(money as i16),
                if numeric {
                    SqlValue::SmallInt(auto as i16)
                } else {
                    SqlValue::Null
                },
                s_(name),
                i16v(min_s),
                i16v(max_s.or(catalog.maximum_scale)),
                SqlValue::SmallInt(info.sql_data_type),
                i16v(info.datetime_sub.or(catalog.datetime_sub)),
                i32v(catalog.radix),
                SqlValue::Null,
                SqlValue::SmallInt(catalog.usertype),
            ],
        ));
    }
    rows.sort_by(|x, y| x.0.cmp(&y.0));
    r.rows = rows.into_iter().map(|x| x.1).collect();
    Ok(r)
}

/// What SQL Server's `sp_datatype_info_100` says of a type beyond its ODBC description:
/// values from its catalog (systypes' USERTYPE, the flags it reports for text and date types),
/// as Babelfish's compatibility table reproduces them.
struct CatalogFacts {
    usertype: i16,
    nullable: bool,
    case_sensitive: bool,
    searchable: i16,
    radix: Option<i32>,
    maximum_scale: Option<i16>,
    datetime_sub: Option<i16>,
}

fn catalog_facts(name: &str, ty: &SqlType) -> CatalogFacts {
    use SqlType::*;
    let base = name.trim_end_matches(" identity").trim_end_matches("()");
    let usertype = match base {
        "char" => 1,
        "varchar" => 2,
        "binary" => 3,
        "varbinary" => 4,
        "tinyint" => 5,
        "smallint" => 6,
        "int" => 7,
        "float" => 8,
        "numeric" => 10,
        "money" => 11,
        "datetime" => 12,
        "bit" => 16,
        "sysname" => 18,
        "text" => 19,
        "image" => 20,
        "smallmoney" => 21,
        "smalldatetime" => 22,
        "real" => 23,
        "decimal" => 24,
        "timestamp" => 80,
        _ => 0,
    };
    let datetime = matches!(
        ty,
        Date | Time { .. } | DateTime | DateTime2 { .. } | DateTimeOffset { .. } | SmallDateTime
    );
    let searchable = match ty {
        Image | Xml => 0,
        Text | NText => 1,
        _ if is_char(ty) || datetime => 3,
        _ => 2,
    };
    let radix = match ty {
        Float | Real => Some(2),
        Variant => Some(10),
        _ => odbc_info(ty).radix.map(i32::from),
    };
    CatalogFacts {
        usertype,
        nullable: !matches!(base, "sysname" | "timestamp"),
        case_sensitive: is_char(ty) || matches!(ty, Text | NText | Xml),
        searchable,
        radix,
        maximum_scale: matches!(ty, Date).then_some(0),
        datetime_sub: matches!(ty, Time { .. } | DateTimeOffset { .. }).then_some(0),
    }
}

fn sp_server_info() -> Result<ResultSet, Stop> {
    use SqlType::*;
    let mut r = rs(&[
        ("attribute_id", Int),
        ("attribute_name", VarChar(Some(60))),
        ("attribute_value", VarChar(Some(255))),
    ]);
    for (id, n, v) in [
        (1, "DBMS_NAME", "Microsoft SQL Server"),
        (2, "DBMS_VER", super::session::VERSION),
        (10, "OWNER_TERM", "owner"),
        (11, "TABLE_TERM", "table"),
        (12, "MAX_OWNER_NAME_LENGTH", "128"),
        (13, "TABLE_LENGTH", "128"),
        (16, "IDENTIFIER_CASE", "MIXED"),
        (
            18,
            "COLLATION_SEQ",
            "charset=iso_1 sort_order=nocase_iso charset_num=1 sort_order_num=52",
        ),
        (500, "SYS_SPROC_VERSION", "16.00.4096"),
    ] {
        r.rows.push(vec![SqlValue::Int(id), s_(n), s_(v)]);
    }
    Ok(r)
}

/// `sp_rename 'old', 'new'` for tables, `sp_rename 't.old', 'new', 'COLUMN'` for columns.
fn sp_rename(s: &mut Session, a: &Args) -> Result<(), Stop> {
    let missing = || {
        Stop::Error(SqlError::new(
            201,
            16,
            "Procedure or function 'sp_rename' expects parameter '@objname', which was not supplied.",
        ))
    };
    let old = a.get(0, "@objname").ok_or_else(missing)?;
    let new = a.get(1, "@newname").ok_or_else(missing)?;
    let kind = a
        .get(2, "@objtype")
        .unwrap_or_default()
        .to_ascii_uppercase();
    let q = super::translate::quote_ident;
    let part = super::functions::object_name_part;
    if kind == "COLUMN" {
        let (table, column) = old.rsplit_once('.').ok_or_else(|| {
            Stop::Error(SqlError::new(
                15248,
                11,
                "Either the parameter @objname is ambiguous or the claimed @objtype (COLUMN) is wrong.",
            ))
        })?;
        let (table, column) = (part(table), part(column));
        s.exec_sqlite(&format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            q(&table),
            q(&column),
            q(&new)
        ))?;
        // The engine's own catalog follows the rename.
        let _ = s.conn.execute(
            "UPDATE main.__ss_identity SET col = ?3 WHERE tbl = ?1 AND col = ?2",
            [&table, &column, &new],
        );
        let _ = s.conn.execute(
            "UPDATE main.__ss_constraints SET name = ?3 WHERE tbl = ?1 AND name = ?2 AND kind = 'DEFAULT'",
            [&table, &column, &new],
        );
    } else {
        let old = part(&old);
        s.exec_sqlite(&format!("ALTER TABLE {} RENAME TO {}", q(&old), q(&new)))?;
        for t in ["__ss_identity", "__ss_constraints"] {
            let _ = s.conn.execute(
                &format!("UPDATE main.{t} SET tbl = ?2 WHERE tbl = ?1"),
                [&old, &new],
            );
        }
    }
    Ok(())
}

fn xp_msver(a: &Args) -> Result<ResultSet, Stop> {
    use SqlType::*;
    let mut r = rs(&[
        ("Index", Int),
        ("Name", SYSNAME),
        ("Internal_Value", Int),
        ("Character_Value", NVarChar(Some(255))),
    ]);
    let wanted = a.get(0, "@optname");
    let all = [
        (1, "ProductName", None, "Microsoft SQL Server"),
        (
            2,
            "ProductVersion",
            Some(1_048_576),
            super::session::PRODUCT_VERSION,
        ),
        (3, "Language", Some(1033), "English (United States)"),
        (4, "Platform", None, "Linux"),
        (5, "Comments", None, "testserver"),
        (6, "CompanyName", None, "Microsoft Corporation"),
        (7, "FileDescription", None, "SQL Server Windows NT - 64 Bit"),
        (8, "FileVersion", None, "2022.0160.4096.04"),
        (9, "InternalName", None, "SQLSERVR"),
    ];
    for (i, name, internal, text) in all {
        if wanted
            .as_deref()
            .is_none_or(|w| w.eq_ignore_ascii_case(name))
        {
            r.rows
                .push(vec![SqlValue::Int(i), s_(name), i32v(internal), s_(text)]);
        }
    }
    Ok(r)
}

fn sp_databases(s: &Session) -> Result<ResultSet, Stop> {
    use SqlType::*;
    let mut r = rs(&[
        ("DATABASE_NAME", SYSNAME),
        ("DATABASE_SIZE", Int),
        ("REMARKS", VarChar(Some(254))),
    ]);
    for db in s.dbs.names() {
        r.rows
            .push(vec![s_(db), SqlValue::Int(8192), SqlValue::Null]);
    }
    Ok(r)
}

/// Parameters of `tsql` that `params` does not declare, in order of first use.
fn undeclared(tsql: &str, declared: &[String]) -> Result<Vec<String>, Stop> {
    let tokens = super::lexer::tokenize(tsql)
        .map_err(|e| Stop::Error(SqlError::new(e.number, 15, e.text)))?;
    let mut out: Vec<String> = Vec::new();
    let mut locals: Vec<String> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if let super::lexer::Tok::Var(v) = &t.tok {
            if i > 0 && tokens[i - 1].is("DECLARE")
                || i > 0 && tokens[i - 1].is_op(",") && locals.contains(v)
            {
                locals.push(v.clone());
                continue;
            }
            if !declared.contains(v) && !locals.contains(v) && !out.contains(v) {
                out.push(v.clone());
            }
        }
    }
    Ok(out)
}

/// A parameter's type from its use: compared to, assigned to or inserted into a column.
fn suggest_type(s: &Session, tsql: &str, param: &str) -> SqlType {
    let Ok(tokens) = super::lexer::tokenize(tsql) else {
        return SqlType::NVarChar(Some(4000));
    };
    let tables = super::session::from_tables(&tokens);
    let env = s.type_env(&tables);
    use super::infer::TypeEnv;
    let col_type = |t: &super::lexer::Token, q: Option<&super::lexer::Token>| {
        t.name()
            .and_then(|n| env.column_type(q.and_then(|q| q.name()), n))
            .map(|c| c.0)
    };
    for (i, t) in tokens.iter().enumerate() {
        if !matches!(&t.tok, super::lexer::Tok::Var(v) if v == param) {
            continue;
        }
        let is_cmp = |t: &super::lexer::Token| {
            ["=", "<>", "!=", "<", ">", "<=", ">="]
                .iter()
                .any(|o| t.is_op(o))
        };
        // col op @p
        if i >= 2 && is_cmp(&tokens[i - 1]) {
            let q = if i >= 4 && tokens[i - 3].is_op(".") {
                tokens.get(i - 4)
            } else {
                None
            };
            if let Some(ty) = col_type(&tokens[i - 2], q) {
                return ty;
            }
        }
        // @p op col
        if tokens.get(i + 1).is_some_and(is_cmp)
            && let Some(c) = tokens.get(i + 2)
            && let Some(ty) = col_type(c, None)
        {
            return ty;
        }
        // INSERT INTO t (cols) VALUES (..., @p, ...): the column at the parameter's position.
        if let Some(ty) = insert_column_type(s, &tokens, i) {
            return ty;
        }
    }
    SqlType::NVarChar(Some(4000))
}

fn insert_column_type(s: &Session, tokens: &[super::lexer::Token], i: usize) -> Option<SqlType> {
    use super::translate::{matching_paren, split_commas, table_ref};
    if !tokens.first()?.is("INSERT") {
        return None;
    }
    let mut k = 1;
    if tokens.get(k)?.is("INTO") {
        k += 1;
    }
    let (table, len) = table_ref(tokens, k)?;
    let open = k + len;
    // Without a column list the values go to every column in order.
    let (cols, close): (Vec<String>, usize) = if tokens.get(open)?.is_op("(") {
        let close = matching_paren(tokens, open)?;
        let names = split_commas(&tokens[open + 1..close])
            .iter()
            .filter_map(|c| c.first().and_then(|t| t.name()).map(str::to_string))
            .collect();
        (names, close)
    } else {
        let names = s
            .table_columns(&table)
            .into_iter()
            .filter(|c| !c.identity)
            .map(|c| c.name)
            .collect();
        (names, open.saturating_sub(1))
    };
    // The innermost parenthesis around the parameter is its row.
    let mut depth = 0;
    let mut row_open = None;
    for j in (close + 1..i).rev() {
        if tokens[j].is_op(")") {
            depth += 1;
        } else if tokens[j].is_op("(") {
            if depth == 0 {
                row_open = Some(j);
                break;
            }
            depth -= 1;
        }
    }
    let row_open = row_open?;
    let mut position = 0;
    let mut depth = 0;
    for t in &tokens[row_open + 1..i] {
        if t.is_op("(") {
            depth += 1;
        } else if t.is_op(")") {
            depth -= 1;
        } else if depth == 0 && t.is_op(",") {
            position += 1;
        }
    }
    let name = cols.get(position)?;
    s.table_column(&table, name).map(|c| c.0)
}

fn sp_describe_undeclared_parameters(s: &mut Session, a: &Args) -> Result<ResultSet, Stop> {
    use SqlType::*;
    let mut r = rs(&[
        ("parameter_ordinal", Int),
        ("name", SYSNAME),
        ("suggested_system_type_id", Int),
        ("suggested_system_type_name", NVarChar(Some(256))),
        ("suggested_max_length", SmallInt),
        ("suggested_precision", TinyInt),
        ("suggested_scale", TinyInt),
        ("suggested_user_type_id", Int),
        ("suggested_user_type_database", SYSNAME),
        ("suggested_user_type_schema", SYSNAME),
        ("suggested_user_type_name", SYSNAME),
        (
            "suggested_assembly_qualified_type_name",
            NVarChar(Some(4000)),
        ),
        ("suggested_xml_collection_id", Int),
        ("suggested_xml_collection_database", SYSNAME),
        ("suggested_xml_collection_schema", SYSNAME),
        ("suggested_xml_collection_name", SYSNAME),
        ("suggested_is_xml_document", Bit),
        ("suggested_is_case_sensitive", Bit),
        ("suggested_is_fixed_length_clr_type", Bit),
        ("suggested_is_input", Bit),
        ("suggested_is_output", Bit),
        ("formal_parameter_name", SYSNAME),
        ("suggested_tds_type_id", Int),
        ("suggested_tds_length", Int),
    ]);
    let tsql = a.get(0, "@tsql").ok_or_else(|| {
        Stop::Error(SqlError::new(201, 16, "Procedure or function 'sp_describe_undeclared_parameters' expects parameter '@tsql', which was not supplied."))
    })?;
    let declared: Vec<String> = match a.get(1, "@params") {
        Some(p) => parse_param_decls(&p)?.into_iter().map(|d| d.name).collect(),
        None => Vec::new(),
    };
    for (i, p) in undeclared(&tsql, &declared)?.into_iter().enumerate() {
        let ty = suggest_type(s, &tsql, &p);
        r.rows.push(vec![
            SqlValue::Int(i as i32 + 1),
            s_(&p),
            SqlValue::Int(system_type_id(&ty)),
            s_(&super::types::type_sql(&ty)),
            SqlValue::SmallInt(max_length(&ty)),
            SqlValue::TinyInt(precision_byte(&ty)),
            SqlValue::TinyInt(scale_byte(&ty)),
            SqlValue::Null,
            SqlValue::Null,
            SqlValue::Null,
            SqlValue::Null,
            SqlValue::Null,
            SqlValue::Null,
            SqlValue::Null,
            SqlValue::Null,
            SqlValue::Null,
            SqlValue::Bit(false),
            SqlValue::Bit(false),
            SqlValue::Bit(false),
            SqlValue::Bit(true),
            SqlValue::Bit(false),
            s_(""),
            SqlValue::Int(wire_type_id(&ty)),
            SqlValue::Int(wire_length(&ty)),
        ]);
    }
    Ok(r)
}

fn sp_describe_first_result_set(s: &mut Session, a: &Args) -> Result<ResultSet, Stop> {
    use SqlType::*;
    let mut r = rs(&[
        ("is_hidden", Bit),
        ("column_ordinal", Int),
        ("name", SYSNAME),
        ("is_nullable", Bit),
        ("system_type_id", Int),
        ("system_type_name", NVarChar(Some(256))),
        ("max_length", SmallInt),
        ("precision", TinyInt),
        ("scale", TinyInt),
        ("collation_name", SYSNAME),
        ("user_type_id", Int),
        ("user_type_database", SYSNAME),
        ("user_type_schema", SYSNAME),
        ("user_type_name", SYSNAME),
        ("assembly_qualified_type_name", NVarChar(Some(4000))),
        ("xml_collection_id", Int),
        ("xml_collection_database", SYSNAME),
        ("xml_collection_schema", SYSNAME),
        ("xml_collection_name", SYSNAME),
        ("is_xml_document", Bit),
        ("is_case_sensitive", Bit),
        ("is_fixed_length_clr_type", Bit),
        ("source_server", SYSNAME),
        ("source_database", SYSNAME),
        ("source_schema", SYSNAME),
        ("source_table", SYSNAME),
        ("source_column", SYSNAME),
        ("is_identity_column", Bit),
        ("is_part_of_unique_key", Bit),
        ("is_updateable", Bit),
        ("is_computed_column", Bit),
        ("is_sparse_column_set", Bit),
        ("ordinal_in_order_by_list", SmallInt),
        ("order_by_is_descending", SmallInt),
        ("order_by_list_length", SmallInt),
        ("tds_type_id", Int),
        ("tds_length", Int),
        ("tds_collation_id", Int),
        ("tds_collation_sort_id", TinyInt),
    ]);
    let tsql = a.get(0, "@tsql").ok_or_else(|| {
        Stop::Error(SqlError::new(201, 16, "Procedure or function 'sp_describe_first_result_set' expects parameter '@tsql', which was not supplied."))
    })?;
    let params = a.get(1, "@params").unwrap_or_default();
    let columns = s.describe_first_result_set(&tsql, &params)?;
    for (i, c) in columns.into_iter().enumerate() {
        let mut row = vec![
            SqlValue::Bit(false),
            SqlValue::Int(i as i32 + 1),
            s_(&c.name),
            SqlValue::Bit(c.nullable),
            SqlValue::Int(system_type_id(&c.ty)),
            s_(&super::types::type_sql(&c.ty)),
            SqlValue::SmallInt(max_length(&c.ty)),
            SqlValue::TinyInt(precision_byte(&c.ty)),
            SqlValue::TinyInt(scale_byte(&c.ty)),
            if is_char(&c.ty) {
                s_("SQL_Latin1_General_CP1_CI_AS")
            } else {
                SqlValue::Null
            },
        ];
        row.extend(std::iter::repeat_n(SqlValue::Null, 9));
        row.extend([
            SqlValue::Bit(false),
            SqlValue::Bit(false),
            SqlValue::Bit(false),
        ]);
        row.extend(std::iter::repeat_n(SqlValue::Null, 5));
        row.extend([
            SqlValue::Bit(c.identity),
            SqlValue::Null,
            SqlValue::Bit(!c.identity),
            SqlValue::Bit(false),
            SqlValue::Bit(false),
            SqlValue::Null,
            SqlValue::Null,
            SqlValue::Null,
            SqlValue::Int(tds_type(&c.ty) as i32),
            SqlValue::Int(max_length(&c.ty) as i32),
            SqlValue::Null,
            SqlValue::Null,
        ]);
        r.rows.push(row);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::super::procs::tests_support::rpc_call;
    use super::super::session::tests::{run, session};
    use super::*;

    fn result(events: &[Event]) -> (Vec<Column>, Vec<Vec<SqlValue>>) {
        let cols = events
            .iter()
            .find_map(|e| {
                if let Event::Columns(c) = e {
                    Some(c.clone())
                } else {
                    None
                }
            })
            .expect("columns");
        let rows = events
            .iter()
            .filter_map(|e| {
                if let Event::Row(r) = e {
                    Some(r.clone())
                } else {
                    None
                }
            })
            .collect();
        (cols, rows)
    }

    fn setup() -> (Session, super::super::session::tests::tempdir::Dir) {
        let (mut s, d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE parent (id INT IDENTITY(1,1) PRIMARY KEY, name NVARCHAR(50) NOT NULL DEFAULT N'x', price DECIMAL(10,2));
             CREATE TABLE child (cid INT NOT NULL, pid INT REFERENCES parent(id), CONSTRAINT PK_child PRIMARY KEY (cid));
             CREATE UNIQUE INDEX ix_name ON parent (name);
             CREATE PROCEDURE getp @id INT, @n NVARCHAR(50) OUTPUT AS SELECT 1",
        );
        assert!(
            !ev.iter().any(|e| matches!(e, Event::Message { .. })),
            "{ev:?}"
        );
        (s, d)
    }

    fn nv(v: &str) -> (String, SqlType, SqlValue) {
        (
            String::new(),
            SqlType::NVarChar(Some(128)),
            SqlValue::String(v.into()),
        )
    }

    fn null() -> (String, SqlType, SqlValue) {
        (String::new(), SqlType::NVarChar(Some(128)), SqlValue::Null)
    }

    #[test]
    fn tables_and_columns() {
        let (mut s, _d) = setup();
        let ev = rpc_call(
            &mut s,
            "[sys].sp_tables",
            vec![
                nv("%"),
                nv("%"),
                null(),
                null(),
                (String::new(), SqlType::Bit, SqlValue::Bit(true)),
            ],
        );
        let (cols, rows) = result(&ev);
        assert_eq!(
            cols.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            [
                "TABLE_QUALIFIER",
                "TABLE_OWNER",
                "TABLE_NAME",
                "TABLE_TYPE",
                "REMARKS"
            ]
        );
        let names: Vec<_> = rows.iter().map(|r| r[2].clone()).collect();
        assert_eq!(names, vec![s_("child"), s_("parent")]);
        assert!(ev.contains(&Event::ReturnStatus(0)));

        let ev = rpc_call(
            &mut s,
            "[sys].sp_columns_100",
            vec![
                nv("parent"),
                nv("%"),
                null(),
                null(),
                (String::new(), SqlType::TinyInt, SqlValue::TinyInt(3)),
                (String::new(), SqlType::Bit, SqlValue::Bit(true)),
            ],
        );
        let (cols, rows) = result(&ev);
        assert_eq!(cols.len(), 29);
        assert_eq!(cols[16].name, "ORDINAL_POSITION");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0][3], s_("id"));
        assert_eq!(rows[0][5], s_("int identity"));
        assert_eq!(rows[1][4], SqlValue::SmallInt(-9));
        assert_eq!(rows[1][6], SqlValue::Int(50));
        assert_eq!(rows[1][7], SqlValue::Int(100));
        assert_eq!(rows[1][10], SqlValue::SmallInt(0));
        assert_eq!(rows[1][12], s_("(N'x')"));
        assert_eq!(rows[2][8], SqlValue::SmallInt(2));
    }

    #[test]
    fn keys_statistics_special_columns() {
        let (mut s, _d) = setup();
        let ev = rpc_call(&mut s, "sp_pkeys", vec![nv("child"), null(), null()]);
        let (_, rows) = result(&ev);
        assert_eq!(
            rows,
            vec![vec![
                s_("master"),
                s_("dbo"),
                s_("child"),
                s_("cid"),
                SqlValue::SmallInt(1),
                s_("PK_child")
            ]]
        );
        let ev = rpc_call(
            &mut s,
            "sp_fkeys",
            vec![nv("parent"), null(), null(), null(), null(), null()],
        );
        let (cols, rows) = result(&ev);
        assert_eq!(cols.len(), 14);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0][3].clone(), rows[0][6].clone(), rows[0][7].clone()),
            (s_("id"), s_("child"), s_("pid"))
        );
        let ev = rpc_call(
            &mut s,
            "sp_statistics_100",
            vec![nv("parent"), null(), null(), nv("%"), nv("N"), nv("Q")],
        );
        let (_, rows) = result(&ev);
        assert_eq!(rows[0][6], SqlValue::SmallInt(0));
        assert!(
            rows.iter()
                .any(|r| r[5] == s_("ix_name") && r[3] == SqlValue::SmallInt(0)),
            "{rows:?}"
        );
        let ev = rpc_call(
            &mut s,
            "sp_special_columns_100",
            vec![nv("parent"), null(), null(), nv("R"), nv("T"), nv("U")],
        );
        let (_, rows) = result(&ev);
        assert_eq!(rows[0][1], s_("id"));
    }

    #[test]
    fn procedures_and_type_info() {
        let (mut s, _d) = setup();
        let ev = rpc_call(
            &mut s,
            "sp_stored_procedures",
            vec![null(), nv("%"), null()],
        );
        let (_, rows) = result(&ev);
        assert_eq!(rows[0][2], s_("getp;1"));
        let ev = rpc_call(
            &mut s,
            "sp_sproc_columns_100",
            vec![nv("getp"), nv("%"), null(), null()],
        );
        let (_, rows) = result(&ev);
        let cols: Vec<_> = rows.iter().map(|r| (r[3].clone(), r[4].clone())).collect();
        assert_eq!(
            cols,
            vec![
                (s_("@RETURN_VALUE"), SqlValue::SmallInt(5)),
                (s_("@id"), SqlValue::SmallInt(1)),
                (s_("@n"), SqlValue::SmallInt(2))
            ]
        );
        let ev = rpc_call(
            &mut s,
            "[sys].sp_datatype_info_100",
            vec![
                (String::new(), SqlType::SmallInt, SqlValue::SmallInt(93)),
                (String::new(), SqlType::TinyInt, SqlValue::TinyInt(4)),
            ],
        );
        let (cols, rows) = result(&ev);
        assert_eq!(cols.len(), 20);
        let names: Vec<_> = rows.iter().map(|r| r[0].clone()).collect();
        assert_eq!(
            names,
            vec![s_("datetime"), s_("datetime2"), s_("smalldatetime")]
        );
        let ev = rpc_call(
            &mut s,
            "sp_datatype_info_100",
            vec![(String::new(), SqlType::SmallInt, SqlValue::SmallInt(0))],
        );
        let (_, rows) = result(&ev);
        assert!(rows.len() > 30);
        let types: Vec<i16> = rows
            .iter()
            .map(|r| {
                if let SqlValue::SmallInt(t) = r[1] {
                    t
                } else {
                    0
                }
            })
            .collect();
        assert!(
            types.windows(2).all(|w| w[0] <= w[1]),
            "sorted by DATA_TYPE"
        );
    }

    #[test]
    fn rename_tables_and_columns() {
        let (mut s, _d) = setup();
        let ev = run(
            &mut s,
            "EXEC sp_rename 'parent.name', 'title', 'COLUMN'; EXEC sp_rename 'child', 'kid'; SELECT title FROM parent; SELECT cid FROM kid",
        );
        assert!(
            !ev.iter().any(|e| matches!(e, Event::Message { .. })),
            "{ev:?}"
        );
        let ev = rpc_call(&mut s, "sp_columns", vec![nv("parent")]);
        let (_, rows) = result(&ev);
        assert_eq!(rows[1][3], s_("title"));
        assert_eq!(rows[1][12], s_("(N'x')"), "the default follows the column");
    }

    #[test]
    fn undeclared_date_and_time_parameters_have_their_tds_types() {
        let (mut s, _d) = setup();
        run(
            &mut s,
            "CREATE TABLE ms (a datetime, b datetime2(7), c time(7), d date, e datetimeoffset(7), f varbinary(max), g ntext)",
        );
        let ev = rpc_call(
            &mut s,
            "sp_describe_undeclared_parameters",
            vec![nv(
                "INSERT INTO ms (a, b, c, d, e, f, g) VALUES (@P1, @P2, @P3, @P4, @P5, @P6, @P7)",
            )],
        );
        let (_, rows) = result(&ev);
        // (system type name, max_length, precision, scale, tds type id, tds length)
        let got: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r[3].clone(),
                    r[4].clone(),
                    r[5].clone(),
                    r[6].clone(),
                    r[22].clone(),
                    r[23].clone(),
                )
            })
            .collect();
        let row = |name: &str, len: i16, p: u8, sc: u8, tds: i32, tlen: i32| {
            (
                s_(name),
                SqlValue::SmallInt(len),
                SqlValue::TinyInt(p),
                SqlValue::TinyInt(sc),
                SqlValue::Int(tds),
                SqlValue::Int(tlen),
            )
        };
        assert_eq!(
            got,
            vec![
                row("datetime", 8, 23, 3, 111, 8),
                row("datetime2(7)", 8, 27, 7, 42, 8),
                row("time(7)", 5, 16, 7, 41, 5),
                row("date", 3, 10, 0, 40, 3),
                row("datetimeoffset(7)", 10, 34, 7, 43, 10),
                row("varbinary(max)", -1, 0, 0, 165, 0xFFFF),
                row("ntext", 16, 0, 0, 99, 0x7FFF_FFFE),
            ]
        );
    }

    #[test]
    fn describe_parameters_and_results() {
        let (mut s, _d) = setup();
        let ev = rpc_call(
            &mut s,
            "sp_describe_undeclared_parameters",
            vec![nv("SELECT * FROM parent WHERE price > @P1 AND name = @P2")],
        );
        let (_, rows) = result(&ev);
        assert_eq!(rows[0][3], s_("decimal(10,2)"));
        assert_eq!(rows[1][3], s_("nvarchar(50)"));
        assert_eq!(rows[1][22], SqlValue::Int(231), "suggested_tds_type_id");
        assert_eq!(rows[1][23], SqlValue::Int(100), "suggested_tds_length");
        let ev = rpc_call(
            &mut s,
            "sp_describe_undeclared_parameters",
            vec![nv("INSERT INTO parent (name, price) VALUES (@P1, @P2)")],
        );
        let (_, rows) = result(&ev);
        assert_eq!(
            (rows[0][3].clone(), rows[1][3].clone()),
            (s_("nvarchar(50)"), s_("decimal(10,2)"))
        );
        let ev = rpc_call(
            &mut s,
            "sp_describe_first_result_set",
            vec![
                nv("SELECT id, name AS n, 1.5 AS x FROM parent WHERE id = @i"),
                nv("@i int"),
            ],
        );
        let (_, rows) = result(&ev);
        let d: Vec<_> = rows.iter().map(|r| (r[2].clone(), r[5].clone())).collect();
        assert_eq!(
            d,
            vec![
                (s_("id"), s_("int")),
                (s_("n"), s_("nvarchar(50)")),
                (s_("x"), s_("numeric(2,1)"))
            ]
        );
    }
}
