//! The SQLGetInfo answers the connect-and-query path needs, until `info::get_info` (the full
//! table) takes over.

use super::AttrValue;
use super::dbc::DbcState;

/// How the ffi layer writes an info value: strings, 16-bit or 32-bit integers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InfoValue {
    Text(String),
    U16(u16),
    U32(u32),
}

pub fn get_info(info_type: u16, st: &DbcState) -> Option<InfoValue> {
    use InfoValue::*;
    let text = |s: &str| Some(Text(s.to_string()));
    match info_type {
        0 => Some(U16(0)),                              // SQL_MAX_DRIVER_CONNECTIONS
        1 => Some(U16(1)),                              // SQL_MAX_CONCURRENT_ACTIVITIES
        2 => Some(Text(st.dsn.clone())),                // SQL_DATA_SOURCE_NAME
        6 => text("libsqlserver_odbc.so"),              // SQL_DRIVER_NAME
        7 => text(&driver_ver()),                       // SQL_DRIVER_VER
        13 => Some(Text(st.facts.server_name.clone())), // SQL_SERVER_NAME
        14 => text("%"),                                // SQL_SEARCH_PATTERN_ESCAPE
        16 => Some(Text(
            st.session
                .as_ref()
                .map(|s| s.database())
                .unwrap_or_default(),
        )),
        17 => text("Microsoft SQL Server"), // SQL_DBMS_NAME
        18 => Some(Text(st.facts.version.clone())), // SQL_DBMS_VER
        23 => Some(U16(1)),                 // SQL_CURSOR_COMMIT_BEHAVIOR: SQL_CB_CLOSE
        24 => Some(U16(1)),                 // SQL_CURSOR_ROLLBACK_BEHAVIOR
        25 => text("N"),                    // SQL_DATA_SOURCE_READ_ONLY
        26 => Some(U32(2)),                 // SQL_DEFAULT_TXN_ISOLATION: READ COMMITTED
        28 => Some(U16(4)),                 // SQL_IDENTIFIER_CASE: SQL_IC_MIXED
        29 => text("\""),                   // SQL_IDENTIFIER_QUOTE_CHAR
        30 => Some(U16(128)),               // SQL_MAX_COLUMN_NAME_LEN
        31 => Some(U16(128)),               // SQL_MAX_CURSOR_NAME_LEN
        32 => Some(U16(128)),               // SQL_MAX_SCHEMA_NAME_LEN
        34 => Some(U16(128)),               // SQL_MAX_CATALOG_NAME_LEN
        35 => Some(U16(128)),               // SQL_MAX_TABLE_NAME_LEN
        39 => text("owner"),                // SQL_SCHEMA_TERM
        40 => text("stored procedure"),     // SQL_PROCEDURE_TERM
        41 => text("."),                    // SQL_CATALOG_NAME_SEPARATOR
        42 => text("database"),             // SQL_CATALOG_TERM
        45 => text("table"),                // SQL_TABLE_TERM
        46 => Some(U16(2)),                 // SQL_TXN_CAPABLE: SQL_TC_ALL
        47 => Some(Text(st.uid.clone())),   // SQL_USER_NAME
        72 => Some(U32(0x3f)),              // SQL_TXN_ISOLATION_OPTION
        77 => text("03.80"),                // SQL_DRIVER_ODBC_VER
        81 => Some(U32(0x0f)),              // SQL_GETDATA_EXTENSIONS: any column/order/block/bound
        111 => text("Y"),                   // SQL_NEED_LONG_DATA_LEN
        10002 => text("Y"),                 // SQL_DESCRIBE_PARAMETER
        _ => None,
    }
}

fn driver_ver() -> String {
    let v: Vec<u32> = env!("CARGO_PKG_VERSION")
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect();
    format!(
        "{:02}.{:02}.{:04}",
        v.first().unwrap_or(&0),
        v.get(1).unwrap_or(&0),
        v.get(2).unwrap_or(&0)
    )
}

impl From<InfoValue> for AttrValue {
    fn from(v: InfoValue) -> Self {
        match v {
            InfoValue::Text(s) => AttrValue::Text(s),
            InfoValue::U16(n) => AttrValue::Int(i64::from(n)),
            InfoValue::U32(n) => AttrValue::Int(i64::from(n)),
        }
    }
}
