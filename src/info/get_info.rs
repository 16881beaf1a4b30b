//! SQLGetInfo: the values a Microsoft driver answers.
//!
//! Source of every value: msodbcsql 18.6.2 asked for every info type 0-199 and 10000-10029
//! over a live connection (testserver, unixODBC 2.3.11, ODBC 3 and ODBC 2 applications),
//! unless a comment says otherwise. Where this driver deliberately differs (it streams
//! forward-only, read-only result sets and has no server cursors, positioned updates or
//! asynchronous execution), the comment says `ours:` and gives msodbcsql's value.
//!
//! Not answered here (`None`): the handle types (`SQL_DRIVER_HENV` 3, `SQL_DRIVER_HDBC` 4,
//! `SQL_DRIVER_HSTMT` 5, `SQL_DRIVER_HLIB` 76, `SQL_DRIVER_HDESC` 135), which the handle layer
//! knows, and the Driver Manager's own `SQL_ODBC_VER` (10) and `SQL_DM_VER` (171). Unknown
//! types are `None` too (HY096). Before the connection is made only the driver's own facts
//! are answered; the caller reports 08003 for the rest (see [`get_info`]).

/// One SQLGetInfo answer, typed as ODBC defines it for that info type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InfoValue {
    Str(String),
    U16(u16),
    U32(u32),
    Handle(u64),
}

/// What the answers depend on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InfoContext {
    /// `SQL_DBMS_VER`: `16.00.4096` style, from LOGINACK.
    pub dbms_ver: String,
    /// `SQL_SERVER_NAME`.
    pub server_name: String,
    /// `SQL_DATABASE_NAME`: the current database.
    pub database: String,
    /// `SQL_USER_NAME`: the database user.
    pub user_name: String,
    /// The application's `SQL_ATTR_ODBC_VERSION` (2, 3 or 380).
    pub odbc_version: i32,
    pub connected: bool,
}

/// The SQL_* info type numbers (sql.h, sqlext.h).
pub mod ids {
    pub const SQL_MAX_DRIVER_CONNECTIONS: u16 = 0;
    pub const SQL_MAX_CONCURRENT_ACTIVITIES: u16 = 1;
    pub const SQL_DATA_SOURCE_NAME: u16 = 2;
    pub const SQL_DRIVER_HENV: u16 = 3;
    pub const SQL_DRIVER_HDBC: u16 = 4;
    pub const SQL_DRIVER_HSTMT: u16 = 5;
    pub const SQL_DRIVER_NAME: u16 = 6;
    pub const SQL_DRIVER_VER: u16 = 7;
    pub const SQL_FETCH_DIRECTION: u16 = 8;
    pub const SQL_ODBC_API_CONFORMANCE: u16 = 9;
    pub const SQL_ODBC_VER: u16 = 10;
    pub const SQL_ROW_UPDATES: u16 = 11;
    pub const SQL_ODBC_SAG_CLI_CONFORMANCE: u16 = 12;
    pub const SQL_SERVER_NAME: u16 = 13;
    pub const SQL_SEARCH_PATTERN_ESCAPE: u16 = 14;
    pub const SQL_ODBC_SQL_CONFORMANCE: u16 = 15;
    pub const SQL_DATABASE_NAME: u16 = 16;
    pub const SQL_DBMS_NAME: u16 = 17;
    pub const SQL_DBMS_VER: u16 = 18;
    pub const SQL_ACCESSIBLE_TABLES: u16 = 19;
    pub const SQL_ACCESSIBLE_PROCEDURES: u16 = 20;
    pub const SQL_PROCEDURES: u16 = 21;
    pub const SQL_CONCAT_NULL_BEHAVIOR: u16 = 22;
    pub const SQL_CURSOR_COMMIT_BEHAVIOR: u16 = 23;
    pub const SQL_CURSOR_ROLLBACK_BEHAVIOR: u16 = 24;
    pub const SQL_DATA_SOURCE_READ_ONLY: u16 = 25;
    pub const SQL_DEFAULT_TXN_ISOLATION: u16 = 26;
    pub const SQL_EXPRESSIONS_IN_ORDERBY: u16 = 27;
    pub const SQL_IDENTIFIER_CASE: u16 = 28;
    pub const SQL_IDENTIFIER_QUOTE_CHAR: u16 = 29;
    pub const SQL_MAX_COLUMN_NAME_LEN: u16 = 30;
    pub const SQL_MAX_CURSOR_NAME_LEN: u16 = 31;
    pub const SQL_MAX_SCHEMA_NAME_LEN: u16 = 32;
    pub const SQL_MAX_PROCEDURE_NAME_LEN: u16 = 33;
    pub const SQL_MAX_CATALOG_NAME_LEN: u16 = 34;
    pub const SQL_MAX_TABLE_NAME_LEN: u16 = 35;
    pub const SQL_MULT_RESULT_SETS: u16 = 36;
    pub const SQL_MULTIPLE_ACTIVE_TXN: u16 = 37;
    pub const SQL_OUTER_JOINS: u16 = 38;
    pub const SQL_SCHEMA_TERM: u16 = 39;
    pub const SQL_PROCEDURE_TERM: u16 = 40;
    pub const SQL_CATALOG_NAME_SEPARATOR: u16 = 41;
    pub const SQL_CATALOG_TERM: u16 = 42;
    pub const SQL_SCROLL_CONCURRENCY: u16 = 43;
    pub const SQL_SCROLL_OPTIONS: u16 = 44;
    pub const SQL_TABLE_TERM: u16 = 45;
    pub const SQL_TXN_CAPABLE: u16 = 46;
    pub const SQL_USER_NAME: u16 = 47;
    pub const SQL_CONVERT_FUNCTIONS: u16 = 48;
    pub const SQL_NUMERIC_FUNCTIONS: u16 = 49;
    pub const SQL_STRING_FUNCTIONS: u16 = 50;
    pub const SQL_SYSTEM_FUNCTIONS: u16 = 51;
    pub const SQL_TIMEDATE_FUNCTIONS: u16 = 52;
    pub const SQL_CONVERT_BIGINT: u16 = 53;
    pub const SQL_CONVERT_BINARY: u16 = 54;
    pub const SQL_CONVERT_BIT: u16 = 55;
    pub const SQL_CONVERT_CHAR: u16 = 56;
    pub const SQL_CONVERT_DATE: u16 = 57;
    pub const SQL_CONVERT_DECIMAL: u16 = 58;
    pub const SQL_CONVERT_DOUBLE: u16 = 59;
    pub const SQL_CONVERT_FLOAT: u16 = 60;
    pub const SQL_CONVERT_INTEGER: u16 = 61;
    pub const SQL_CONVERT_LONGVARCHAR: u16 = 62;
    pub const SQL_CONVERT_NUMERIC: u16 = 63;
    pub const SQL_CONVERT_REAL: u16 = 64;
    pub const SQL_CONVERT_SMALLINT: u16 = 65;
    pub const SQL_CONVERT_TIME: u16 = 66;
    pub const SQL_CONVERT_TIMESTAMP: u16 = 67;
    pub const SQL_CONVERT_TINYINT: u16 = 68;
    pub const SQL_CONVERT_VARBINARY: u16 = 69;
    pub const SQL_CONVERT_VARCHAR: u16 = 70;
    pub const SQL_CONVERT_LONGVARBINARY: u16 = 71;
    pub const SQL_TXN_ISOLATION_OPTION: u16 = 72;
    pub const SQL_INTEGRITY: u16 = 73;
    pub const SQL_CORRELATION_NAME: u16 = 74;
    pub const SQL_NON_NULLABLE_COLUMNS: u16 = 75;
    pub const SQL_DRIVER_HLIB: u16 = 76;
    pub const SQL_DRIVER_ODBC_VER: u16 = 77;
    pub const SQL_LOCK_TYPES: u16 = 78;
    pub const SQL_POS_OPERATIONS: u16 = 79;
    pub const SQL_POSITIONED_STATEMENTS: u16 = 80;
    pub const SQL_GETDATA_EXTENSIONS: u16 = 81;
    pub const SQL_BOOKMARK_PERSISTENCE: u16 = 82;
    pub const SQL_STATIC_SENSITIVITY: u16 = 83;
    pub const SQL_FILE_USAGE: u16 = 84;
    pub const SQL_NULL_COLLATION: u16 = 85;
    pub const SQL_ALTER_TABLE: u16 = 86;
    pub const SQL_COLUMN_ALIAS: u16 = 87;
    pub const SQL_GROUP_BY: u16 = 88;
    pub const SQL_KEYWORDS: u16 = 89;
    pub const SQL_ORDER_BY_COLUMNS_IN_SELECT: u16 = 90;
    pub const SQL_SCHEMA_USAGE: u16 = 91;
    pub const SQL_CATALOG_USAGE: u16 = 92;
    pub const SQL_QUOTED_IDENTIFIER_CASE: u16 = 93;
    pub const SQL_SPECIAL_CHARACTERS: u16 = 94;
    pub const SQL_SUBQUERIES: u16 = 95;
    pub const SQL_UNION: u16 = 96;
    pub const SQL_MAX_COLUMNS_IN_GROUP_BY: u16 = 97;
    pub const SQL_MAX_COLUMNS_IN_INDEX: u16 = 98;
    pub const SQL_MAX_COLUMNS_IN_ORDER_BY: u16 = 99;
    pub const SQL_MAX_COLUMNS_IN_SELECT: u16 = 100;
    pub const SQL_MAX_COLUMNS_IN_TABLE: u16 = 101;
    pub const SQL_MAX_INDEX_SIZE: u16 = 102;
    pub const SQL_MAX_ROW_SIZE_INCLUDES_LONG: u16 = 103;
    pub const SQL_MAX_ROW_SIZE: u16 = 104;
    pub const SQL_MAX_STATEMENT_LEN: u16 = 105;
    pub const SQL_MAX_TABLES_IN_SELECT: u16 = 106;
    pub const SQL_MAX_USER_NAME_LEN: u16 = 107;
    pub const SQL_MAX_CHAR_LITERAL_LEN: u16 = 108;
    pub const SQL_TIMEDATE_ADD_INTERVALS: u16 = 109;
    pub const SQL_TIMEDATE_DIFF_INTERVALS: u16 = 110;
    pub const SQL_NEED_LONG_DATA_LEN: u16 = 111;
    pub const SQL_MAX_BINARY_LITERAL_LEN: u16 = 112;
    pub const SQL_LIKE_ESCAPE_CLAUSE: u16 = 113;
    pub const SQL_CATALOG_LOCATION: u16 = 114;
    pub const SQL_OJ_CAPABILITIES: u16 = 115;
    pub const SQL_ACTIVE_ENVIRONMENTS: u16 = 116;
    pub const SQL_ALTER_DOMAIN: u16 = 117;
    pub const SQL_SQL_CONFORMANCE: u16 = 118;
    pub const SQL_DATETIME_LITERALS: u16 = 119;
    pub const SQL_BATCH_ROW_COUNT: u16 = 120;
    pub const SQL_BATCH_SUPPORT: u16 = 121;
    pub const SQL_CONVERT_WCHAR: u16 = 122;
    pub const SQL_CONVERT_INTERVAL_DAY_TIME: u16 = 123;
    pub const SQL_CONVERT_INTERVAL_YEAR_MONTH: u16 = 124;
    pub const SQL_CONVERT_WLONGVARCHAR: u16 = 125;
    pub const SQL_CONVERT_WVARCHAR: u16 = 126;
    pub const SQL_CREATE_ASSERTION: u16 = 127;
    pub const SQL_CREATE_CHARACTER_SET: u16 = 128;
    pub const SQL_CREATE_COLLATION: u16 = 129;
    pub const SQL_CREATE_DOMAIN: u16 = 130;
    pub const SQL_CREATE_SCHEMA: u16 = 131;
    pub const SQL_CREATE_TABLE: u16 = 132;
    pub const SQL_CREATE_TRANSLATION: u16 = 133;
    pub const SQL_CREATE_VIEW: u16 = 134;
    pub const SQL_DRIVER_HDESC: u16 = 135;
    pub const SQL_DROP_ASSERTION: u16 = 136;
    pub const SQL_DROP_CHARACTER_SET: u16 = 137;
    pub const SQL_DROP_COLLATION: u16 = 138;
    pub const SQL_DROP_DOMAIN: u16 = 139;
    pub const SQL_DROP_SCHEMA: u16 = 140;
    pub const SQL_DROP_TABLE: u16 = 141;
    pub const SQL_DROP_TRANSLATION: u16 = 142;
    pub const SQL_DROP_VIEW: u16 = 143;
    pub const SQL_DYNAMIC_CURSOR_ATTRIBUTES1: u16 = 144;
    pub const SQL_DYNAMIC_CURSOR_ATTRIBUTES2: u16 = 145;
    pub const SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1: u16 = 146;
    pub const SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2: u16 = 147;
    pub const SQL_INDEX_KEYWORDS: u16 = 148;
    pub const SQL_INFO_SCHEMA_VIEWS: u16 = 149;
    pub const SQL_KEYSET_CURSOR_ATTRIBUTES1: u16 = 150;
    pub const SQL_KEYSET_CURSOR_ATTRIBUTES2: u16 = 151;
    pub const SQL_ODBC_INTERFACE_CONFORMANCE: u16 = 152;
    pub const SQL_PARAM_ARRAY_ROW_COUNTS: u16 = 153;
    pub const SQL_PARAM_ARRAY_SELECTS: u16 = 154;
    pub const SQL_SQL92_DATETIME_FUNCTIONS: u16 = 155;
    pub const SQL_SQL92_FOREIGN_KEY_DELETE_RULE: u16 = 156;
    pub const SQL_SQL92_FOREIGN_KEY_UPDATE_RULE: u16 = 157;
    pub const SQL_SQL92_GRANT: u16 = 158;
    pub const SQL_SQL92_NUMERIC_VALUE_FUNCTIONS: u16 = 159;
    pub const SQL_SQL92_PREDICATES: u16 = 160;
    pub const SQL_SQL92_RELATIONAL_JOIN_OPERATORS: u16 = 161;
    pub const SQL_SQL92_REVOKE: u16 = 162;
    pub const SQL_SQL92_ROW_VALUE_CONSTRUCTOR: u16 = 163;
    pub const SQL_SQL92_STRING_FUNCTIONS: u16 = 164;
    pub const SQL_SQL92_VALUE_EXPRESSIONS: u16 = 165;
    pub const SQL_STANDARD_CLI_CONFORMANCE: u16 = 166;
    pub const SQL_STATIC_CURSOR_ATTRIBUTES1: u16 = 167;
    pub const SQL_STATIC_CURSOR_ATTRIBUTES2: u16 = 168;
    pub const SQL_AGGREGATE_FUNCTIONS: u16 = 169;
    pub const SQL_DDL_INDEX: u16 = 170;
    pub const SQL_DM_VER: u16 = 171;
    pub const SQL_INSERT_STATEMENT: u16 = 172;
    pub const SQL_CONVERT_GUID: u16 = 173;
    pub const SQL_XOPEN_CLI_YEAR: u16 = 10000;
    pub const SQL_CURSOR_SENSITIVITY: u16 = 10001;
    pub const SQL_DESCRIBE_PARAMETER: u16 = 10002;
    pub const SQL_CATALOG_NAME: u16 = 10003;
    pub const SQL_COLLATION_SEQ: u16 = 10004;
    pub const SQL_MAX_IDENTIFIER_LEN: u16 = 10005;
    pub const SQL_ASYNC_MODE: u16 = 10021;
    pub const SQL_MAX_ASYNC_CONCURRENT_STATEMENTS: u16 = 10022;
    pub const SQL_ASYNC_DBC_FUNCTIONS: u16 = 10023;
}

use ids::*;

/// The driver's file name, as `SQL_DRIVER_NAME` reports it.
pub const DRIVER_NAME: &str = "libsqlserver_odbc.so";

/// The ODBC version the driver implements.
pub const DRIVER_ODBC_VER: &str = "03.80";

/// SQL Server's reserved words that are not ODBC reserved words (msodbcsql's list).
pub const KEYWORDS: &str = "BACKUP,BREAK,BROWSE,BULK,CHECKPOINT,CLUSTERED,COMMITTED,COMPUTE,CONFIRM,CONTROLROW,DATABASE,DBCC,DISK,DISTRIBUTED,DUMMY,ERRLVL,ERROREXIT,EXIT,FILE,FILLFACTOR,FLOPPY,HOLDLOCK,IDENTITY_INSERT,IDENTITYCOL,IF,KILL,LINENO,MERGE,MIRROREXIT,NONCLUSTERED,OFF,OFFSETS,ONCE,OVER,PERCENT,PERM,PERMANENT,PLAN,PRINT,PROC,PROCESSEXIT,RAISERROR,READ,READTEXT,RECONFIGURE,REPEATABLE,RESTORE,RETURN,ROWCOUNT,RULE,SAVE,SERIALIZABLE,SETUSER,SHUTDOWN,STATISTICS,TAPE,TEMP,TEXTSIZE,TOP,TRAN,TRIGGER,TRUNCATE,TSEQUEL,UNCOMMITTED,UPDATETEXT,USE,WAITFOR,WHILE,WRITETEXT";

/// Characters besides a-z, 0-9 and `_` allowed in identifiers (msodbcsql's list).
pub const SPECIAL_CHARACTERS: &str =
    "#$ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ";

/// `SQL_DRIVER_VER`: `MM.mm.pppp` from the crate version (0.1.0 -> `00.01.0000`).
pub fn driver_ver() -> String {
    format_driver_ver(env!("CARGO_PKG_VERSION"))
}

fn format_driver_ver(version: &str) -> String {
    let mut parts = version
        .split(['.', '-', '+'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor, patch) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    format!("{major:02}.{minor:02}.{patch:04}")
}

/// The answer for `info_type`, or `None` when this module does not answer it: an unknown type
/// (HY096), a handle type or a Driver Manager type (see the module notes), or, when
/// `ctx.connected` is false, anything but the driver's own facts (the caller reports 08003).
pub fn get_info(info_type: u16, ctx: &InfoContext) -> Option<InfoValue> {
    if let Some(v) = driver_fact(info_type) {
        return Some(v);
    }
    if !ctx.connected {
        return None;
    }
    connection_fact(info_type, ctx).or_else(|| dbms_fact(info_type, ctx))
}

fn s(text: &str) -> Option<InfoValue> {
    Some(InfoValue::Str(text.to_string()))
}

fn u16v(n: u16) -> Option<InfoValue> {
    Some(InfoValue::U16(n))
}

fn u32v(n: u32) -> Option<InfoValue> {
    Some(InfoValue::U32(n))
}

/// Facts about the driver itself, answered with or without a connection.
fn driver_fact(info_type: u16) -> Option<InfoValue> {
    match info_type {
        SQL_DRIVER_NAME => s(DRIVER_NAME),
        SQL_DRIVER_VER => Some(InfoValue::Str(driver_ver())),
        SQL_DRIVER_ODBC_VER => s(DRIVER_ODBC_VER),
        _ => None,
    }
}

/// Facts that come from the login.
fn connection_fact(info_type: u16, ctx: &InfoContext) -> Option<InfoValue> {
    match info_type {
        // msodbcsql answers "" for a DSN-less connection; the handle layer may answer the DSN.
        SQL_DATA_SOURCE_NAME => s(""),
        SQL_SERVER_NAME => s(&ctx.server_name),
        SQL_DATABASE_NAME => s(&ctx.database),
        SQL_DBMS_VER => s(&ctx.dbms_ver),
        SQL_USER_NAME => s(&ctx.user_name),
        // ODBC 2 applications get "Y" (ODBC 2 outer-join syntax), ODBC 3 ones "F" (full).
        SQL_OUTER_JOINS => s(if ctx.odbc_version == 2 { "Y" } else { "F" }),
        _ => None,
    }
}

/// What SQL Server (through this driver) can do.
fn dbms_fact(info_type: u16, _ctx: &InfoContext) -> Option<InfoValue> {
    match info_type {
        SQL_MAX_DRIVER_CONNECTIONS => u16v(0),
        // No MARS: one active statement per connection.
        SQL_MAX_CONCURRENT_ACTIVITIES => u16v(1),
        // ours: SQL_FD_FETCH_NEXT only (msodbcsql 0xbf with server cursors).
        SQL_FETCH_DIRECTION => u32v(0x01),
        // ours: SQL_OAC_LEVEL1 (msodbcsql 2).
        SQL_ODBC_API_CONFORMANCE => u16v(1),
        SQL_ROW_UPDATES => s("N"),
        SQL_ODBC_SAG_CLI_CONFORMANCE => u16v(0),
        SQL_SEARCH_PATTERN_ESCAPE => s("\\"),
        SQL_ODBC_SQL_CONFORMANCE => u16v(1),
        SQL_DBMS_NAME => s("Microsoft SQL Server"),
        SQL_ACCESSIBLE_TABLES | SQL_ACCESSIBLE_PROCEDURES | SQL_PROCEDURES => s("Y"),
        // SQL_CB_NULL: NULL || 'x' is NULL.
        SQL_CONCAT_NULL_BEHAVIOR => u16v(0),
        // SQL_CB_CLOSE.
        SQL_CURSOR_COMMIT_BEHAVIOR | SQL_CURSOR_ROLLBACK_BEHAVIOR => u16v(1),
        // ODBC's "N" (msodbcsql answers "0", which no application can mean to test for).
        SQL_DATA_SOURCE_READ_ONLY => s("N"),
        // SQL_TXN_READ_COMMITTED.
        SQL_DEFAULT_TXN_ISOLATION => u32v(0x02),
        SQL_EXPRESSIONS_IN_ORDERBY => s("Y"),
        // SQL_IC_MIXED.
        SQL_IDENTIFIER_CASE | SQL_QUOTED_IDENTIFIER_CASE => u16v(4),
        // msodbcsql answers the ANSI quote (QUOTED_IDENTIFIER is ON for ODBC sessions), not `[`.
        SQL_IDENTIFIER_QUOTE_CHAR => s("\""),
        SQL_MAX_COLUMN_NAME_LEN
        | SQL_MAX_CURSOR_NAME_LEN
        | SQL_MAX_SCHEMA_NAME_LEN
        | SQL_MAX_CATALOG_NAME_LEN
        | SQL_MAX_TABLE_NAME_LEN
        | SQL_MAX_USER_NAME_LEN
        | SQL_MAX_IDENTIFIER_LEN => u16v(128),
        // 128 + ";" + a 5-digit procedure number.
        SQL_MAX_PROCEDURE_NAME_LEN => u16v(134),
        SQL_MULT_RESULT_SETS | SQL_MULTIPLE_ACTIVE_TXN => s("Y"),
        SQL_SCHEMA_TERM => s("owner"),
        SQL_PROCEDURE_TERM => s("stored procedure"),
        SQL_CATALOG_NAME_SEPARATOR => s("."),
        SQL_CATALOG_TERM => s("database"),
        // ours: SQL_SCCO_READ_ONLY (msodbcsql 0x0f).
        SQL_SCROLL_CONCURRENCY => u32v(0x01),
        // ours: SQL_SO_FORWARD_ONLY (msodbcsql 0x17).
        SQL_SCROLL_OPTIONS => u32v(0x01),
        SQL_TABLE_TERM => s("table"),
        // SQL_TC_ALL.
        SQL_TXN_CAPABLE => u16v(2),
        // SQL_FN_CVT_CONVERT | SQL_FN_CVT_CAST: the server runs the escapes.
        SQL_CONVERT_FUNCTIONS => u32v(0x03),
        SQL_NUMERIC_FUNCTIONS => u32v(0x00ff_ffff),
        SQL_STRING_FUNCTIONS => u32v(0x004f_ffff),
        SQL_SYSTEM_FUNCTIONS => u32v(0x07),
        SQL_TIMEDATE_FUNCTIONS => u32v(0x001f_ffff),
        SQL_CONVERT_BIGINT | SQL_CONVERT_BIT | SQL_CONVERT_DECIMAL | SQL_CONVERT_INTEGER
        | SQL_CONVERT_NUMERIC | SQL_CONVERT_SMALLINT | SQL_CONVERT_TINYINT => u32v(0x00a0_7d7f),
        SQL_CONVERT_BINARY | SQL_CONVERT_VARBINARY => u32v(0x00a4_6d1f),
        SQL_CONVERT_CHAR | SQL_CONVERT_VARCHAR | SQL_CONVERT_WCHAR | SQL_CONVERT_WVARCHAR => {
            u32v(0x01e6_7f7f)
        }
        SQL_CONVERT_FLOAT | SQL_CONVERT_REAL => u32v(0x00a0_717f),
        SQL_CONVERT_LONGVARCHAR | SQL_CONVERT_WLONGVARCHAR => u32v(0x00e0_0301),
        SQL_CONVERT_TIMESTAMP => u32v(0x00a2_0d01),
        SQL_CONVERT_LONGVARBINARY => u32v(0x0004_0c00),
        SQL_CONVERT_GUID => u32v(0x01a0_0101),
        SQL_CONVERT_DATE
        | SQL_CONVERT_DOUBLE
        | SQL_CONVERT_TIME
        | SQL_CONVERT_INTERVAL_DAY_TIME
        | SQL_CONVERT_INTERVAL_YEAR_MONTH => u32v(0),
        // READ UNCOMMITTED | READ COMMITTED | REPEATABLE READ | SERIALIZABLE | SNAPSHOT.
        SQL_TXN_ISOLATION_OPTION => u32v(0x2f),
        SQL_INTEGRITY => s("Y"),
        // SQL_CN_ANY.
        SQL_CORRELATION_NAME => u16v(2),
        // SQL_NNC_NON_NULL.
        SQL_NON_NULLABLE_COLUMNS => u16v(1),
        // ours: no SQLSetPos, positioned statements or bookmarks (msodbcsql 1, 0x1f, 7, 0x52, 5).
        SQL_LOCK_TYPES
        | SQL_POS_OPERATIONS
        | SQL_POSITIONED_STATEMENTS
        | SQL_BOOKMARK_PERSISTENCE
        | SQL_STATIC_SENSITIVITY => u32v(0),
        // ours: SQL_GD_ANY_COLUMN | SQL_GD_ANY_ORDER | SQL_GD_BOUND, which the statement layer
        // implements; not SQL_GD_BLOCK, which needs SQLSetPos (msodbcsql answers 4, GD_BLOCK).
        SQL_GETDATA_EXTENSIONS => u32v(0x0b),
        // SQL_FILE_NOT_SUPPORTED.
        SQL_FILE_USAGE => u16v(0),
        // SQL_NC_LOW: NULLs sort first.
        SQL_NULL_COLLATION => u16v(1),
        SQL_ALTER_TABLE => u32v(0x9869),
        SQL_COLUMN_ALIAS => s("Y"),
        // SQL_GB_GROUP_BY_CONTAINS_SELECT.
        SQL_GROUP_BY => u16v(2),
        SQL_KEYWORDS => s(KEYWORDS),
        SQL_ORDER_BY_COLUMNS_IN_SELECT => s("N"),
        SQL_SCHEMA_USAGE => u32v(0x1f),
        SQL_CATALOG_USAGE => u32v(0x07),
        SQL_SPECIAL_CHARACTERS => s(SPECIAL_CHARACTERS),
        SQL_SUBQUERIES => u32v(0x1f),
        // SQL_U_UNION | SQL_U_UNION_ALL.
        SQL_UNION => u32v(0x03),
        SQL_MAX_COLUMNS_IN_GROUP_BY | SQL_MAX_COLUMNS_IN_ORDER_BY => u16v(0),
        SQL_MAX_COLUMNS_IN_INDEX => u16v(16),
        SQL_MAX_COLUMNS_IN_SELECT => u16v(4096),
        SQL_MAX_COLUMNS_IN_TABLE => u16v(1024),
        SQL_MAX_INDEX_SIZE => u32v(900),
        SQL_MAX_ROW_SIZE_INCLUDES_LONG => s("N"),
        SQL_MAX_ROW_SIZE => u32v(8060),
        SQL_MAX_STATEMENT_LEN | SQL_MAX_CHAR_LITERAL_LEN | SQL_MAX_BINARY_LITERAL_LEN => {
            u32v(524_288)
        }
        SQL_MAX_TABLES_IN_SELECT => u16v(32),
        SQL_TIMEDATE_ADD_INTERVALS | SQL_TIMEDATE_DIFF_INTERVALS => u32v(0x01ff),
        // Data-at-execution needs the length up front for long types, as msodbcsql says.
        SQL_NEED_LONG_DATA_LEN => s("Y"),
        SQL_LIKE_ESCAPE_CLAUSE => s("Y"),
        // SQL_CL_START.
        SQL_CATALOG_LOCATION => u16v(1),
        SQL_OJ_CAPABILITIES => u32v(0x7f),
        SQL_ACTIVE_ENVIRONMENTS => u16v(0),
        SQL_ALTER_DOMAIN => u32v(0),
        // SQL_SC_SQL92_ENTRY.
        SQL_SQL_CONFORMANCE => u32v(0x01),
        SQL_DATETIME_LITERALS => u32v(0),
        // SQL_BRC_EXPLICIT.
        SQL_BATCH_ROW_COUNT => u32v(0x02),
        SQL_BATCH_SUPPORT => u32v(0x0f),
        SQL_CREATE_ASSERTION
        | SQL_CREATE_CHARACTER_SET
        | SQL_CREATE_COLLATION
        | SQL_CREATE_DOMAIN
        | SQL_CREATE_TRANSLATION => u32v(0),
        SQL_CREATE_SCHEMA | SQL_CREATE_VIEW => u32v(0x03),
        SQL_CREATE_TABLE => u32v(0x01),
        SQL_DROP_ASSERTION
        | SQL_DROP_CHARACTER_SET
        | SQL_DROP_COLLATION
        | SQL_DROP_DOMAIN
        | SQL_DROP_SCHEMA
        | SQL_DROP_TRANSLATION => u32v(0),
        SQL_DROP_TABLE | SQL_DROP_VIEW => u32v(0x01),
        // ours: forward-only cursors only (msodbcsql dynamic 0x1fe47/0x10fdf, keyset
        // 0xffe4f/0x11fdf, static 0x8124f/0x1f81).
        SQL_DYNAMIC_CURSOR_ATTRIBUTES1
        | SQL_DYNAMIC_CURSOR_ATTRIBUTES2
        | SQL_KEYSET_CURSOR_ATTRIBUTES1
        | SQL_KEYSET_CURSOR_ATTRIBUTES2
        | SQL_STATIC_CURSOR_ATTRIBUTES1
        | SQL_STATIC_CURSOR_ATTRIBUTES2 => u32v(0),
        // ours: SQL_CA1_NEXT (msodbcsql 0xe001 adds positioned update/delete, FOR UPDATE).
        SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1 => u32v(0x01),
        // ours: SQL_CA2_READ_ONLY_CONCURRENCY (msodbcsql 0xf8f).
        SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2 => u32v(0x01),
        SQL_INDEX_KEYWORDS => u32v(0x03),
        SQL_INFO_SCHEMA_VIEWS => u32v(0x0073_bff4),
        // ours: SQL_OIC_CORE (msodbcsql 3, SQL_OIC_LEVEL2: scrollable cursors, async).
        SQL_ODBC_INTERFACE_CONFORMANCE => u32v(1),
        // SQL_PARC_BATCH / SQL_PAS_BATCH.
        SQL_PARAM_ARRAY_ROW_COUNTS | SQL_PARAM_ARRAY_SELECTS => u32v(1),
        SQL_SQL92_DATETIME_FUNCTIONS
        | SQL_SQL92_FOREIGN_KEY_DELETE_RULE
        | SQL_SQL92_FOREIGN_KEY_UPDATE_RULE
        | SQL_SQL92_NUMERIC_VALUE_FUNCTIONS => u32v(0),
        SQL_SQL92_GRANT | SQL_SQL92_REVOKE => u32v(0x10),
        SQL_SQL92_PREDICATES => u32v(0x3e07),
        SQL_SQL92_RELATIONAL_JOIN_OPERATORS => u32v(0x035a),
        SQL_SQL92_ROW_VALUE_CONSTRUCTOR | SQL_SQL92_VALUE_EXPRESSIONS => u32v(0x0f),
        SQL_SQL92_STRING_FUNCTIONS => u32v(0x06),
        // SQL_SCC_ISO92_CLI.
        SQL_STANDARD_CLI_CONFORMANCE => u32v(0x02),
        // SQL_AF_ALL.
        SQL_AGGREGATE_FUNCTIONS => u32v(0x40),
        SQL_DDL_INDEX => u32v(0x03),
        SQL_INSERT_STATEMENT => u32v(0x07),
        SQL_XOPEN_CLI_YEAR => s("1995"),
        // ours: SQL_UNSPECIFIED, a streamed result set (msodbcsql 2, SQL_SENSITIVE).
        SQL_CURSOR_SENSITIVITY => u32v(0),
        SQL_DESCRIBE_PARAMETER => s("Y"),
        SQL_CATALOG_NAME => s("Y"),
        SQL_COLLATION_SEQ => s("ISO 8859-1"),
        // ours: no asynchronous execution (msodbcsql 2, 1).
        SQL_ASYNC_MODE | SQL_MAX_ASYNC_CONCURRENT_STATEMENTS => u32v(0),
        SQL_ASYNC_DBC_FUNCTIONS => u32v(0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connected() -> InfoContext {
        InfoContext {
            dbms_ver: "16.00.4096".into(),
            server_name: "testserver".into(),
            database: "test".into(),
            user_name: "dbo".into(),
            odbc_version: 3,
            connected: true,
        }
    }

    fn text(info_type: u16) -> String {
        match get_info(info_type, &connected()) {
            Some(InfoValue::Str(s)) => s,
            other => panic!("{info_type}: {other:?}"),
        }
    }

    /// Every info type msodbcsql 18.6 answered over a live connection.
    const MS18_ANSWERS: &[u16] = &[
        0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
        26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
        49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71,
        72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94,
        95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113,
        114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131,
        132, 133, 134, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150,
        151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168,
        169, 170, 171, 172, 173, 10000, 10001, 10002, 10003, 10004, 10005, 10021, 10022, 10023,
    ];

    const LEFT_TO_OTHERS: &[u16] = &[
        SQL_DRIVER_HENV,
        SQL_DRIVER_HDBC,
        SQL_DRIVER_HLIB,
        SQL_ODBC_VER,
        SQL_DM_VER,
    ];

    #[test]
    fn answers_everything_msodbcsql_answers() {
        for &t in MS18_ANSWERS {
            let answered = get_info(t, &connected()).is_some();
            assert_eq!(answered, !LEFT_TO_OTHERS.contains(&t), "info type {t}");
        }
    }

    #[test]
    fn unknown_types_are_not_answered() {
        for t in [5, 135, 174, 199, 1750, 10024, 10025, 21000, u16::MAX] {
            assert_eq!(get_info(t, &connected()), None, "{t}");
        }
    }

    #[test]
    fn driver_identity() {
        assert_eq!(text(SQL_DRIVER_NAME), "libsqlserver_odbc.so");
        assert_eq!(text(SQL_DRIVER_ODBC_VER), "03.80");
        assert_eq!(text(SQL_DBMS_NAME), "Microsoft SQL Server");
        let ver = text(SQL_DRIVER_VER);
        let expected: Vec<u32> = env!("CARGO_PKG_VERSION")
            .split('.')
            .map(|p| p.parse().unwrap())
            .collect();
        let got: Vec<u32> = ver.split('.').map(|p| p.parse().unwrap()).collect();
        assert_eq!(got, expected);
        assert_eq!(ver.len(), "00.01.0000".len());
    }

    #[test]
    fn driver_ver_format() {
        assert_eq!(format_driver_ver("0.1.0"), "00.01.0000");
        assert_eq!(format_driver_ver("18.6.2"), "18.06.0002");
        assert_eq!(format_driver_ver("1.2.3-beta.1"), "01.02.0003");
    }

    #[test]
    fn login_facts_come_from_the_context() {
        assert_eq!(text(SQL_DBMS_VER), "16.00.4096");
        assert_eq!(text(SQL_SERVER_NAME), "testserver");
        assert_eq!(text(SQL_DATABASE_NAME), "test");
        assert_eq!(text(SQL_USER_NAME), "dbo");
    }

    #[test]
    fn what_pyodbc_asks() {
        assert_eq!(text(SQL_DESCRIBE_PARAMETER), "Y");
        assert_eq!(text(SQL_NEED_LONG_DATA_LEN), "Y");
        assert_eq!(text(SQL_DRIVER_ODBC_VER), "03.80");
    }

    #[test]
    fn sql_server_syntax() {
        assert_eq!(text(SQL_IDENTIFIER_QUOTE_CHAR), "\"");
        assert_eq!(text(SQL_SEARCH_PATTERN_ESCAPE), "\\");
        assert_eq!(text(SQL_CATALOG_NAME_SEPARATOR), ".");
        assert_eq!(text(SQL_CATALOG_TERM), "database");
        assert_eq!(text(SQL_SCHEMA_TERM), "owner");
        assert!(text(SQL_KEYWORDS).split(',').any(|k| k == "RAISERROR"));
        assert_eq!(text(SQL_KEYWORDS).split(',').count(), 69);
        assert_eq!(text(SQL_SPECIAL_CHARACTERS).chars().count(), 64);
    }

    #[test]
    fn forward_only_read_only_cursors() {
        let ctx = connected();
        assert_eq!(get_info(SQL_SCROLL_OPTIONS, &ctx), Some(InfoValue::U32(1)));
        assert_eq!(
            get_info(SQL_SCROLL_CONCURRENCY, &ctx),
            Some(InfoValue::U32(1))
        );
        assert_eq!(get_info(SQL_FETCH_DIRECTION, &ctx), Some(InfoValue::U32(1)));
        assert_eq!(
            get_info(SQL_GETDATA_EXTENSIONS, &ctx),
            Some(InfoValue::U32(0x0b))
        );
        assert_eq!(
            get_info(SQL_STATIC_CURSOR_ATTRIBUTES1, &ctx),
            Some(InfoValue::U32(0))
        );
        assert_eq!(get_info(SQL_ASYNC_MODE, &ctx), Some(InfoValue::U32(0)));
    }

    #[test]
    fn transactions() {
        let ctx = connected();
        assert_eq!(get_info(SQL_TXN_CAPABLE, &ctx), Some(InfoValue::U16(2)));
        assert_eq!(
            get_info(SQL_DEFAULT_TXN_ISOLATION, &ctx),
            Some(InfoValue::U32(2))
        );
        assert_eq!(
            get_info(SQL_CURSOR_COMMIT_BEHAVIOR, &ctx),
            Some(InfoValue::U16(1))
        );
        assert_eq!(
            get_info(SQL_TXN_ISOLATION_OPTION, &ctx),
            Some(InfoValue::U32(0x2f))
        );
        assert_eq!(
            get_info(SQL_MAX_CONCURRENT_ACTIVITIES, &ctx),
            Some(InfoValue::U16(1))
        );
    }

    #[test]
    fn measured_msodbcsql_values() {
        let ctx = connected();
        let expect: &[(u16, InfoValue)] = &[
            (SQL_CONVERT_CHAR, InfoValue::U32(0x01e6_7f7f)),
            (SQL_CONVERT_INTEGER, InfoValue::U32(0x00a0_7d7f)),
            (SQL_CONVERT_GUID, InfoValue::U32(0x01a0_0101)),
            (SQL_STRING_FUNCTIONS, InfoValue::U32(0x004f_ffff)),
            (SQL_MAX_PROCEDURE_NAME_LEN, InfoValue::U16(134)),
            (SQL_MAX_COLUMNS_IN_SELECT, InfoValue::U16(4096)),
            (SQL_MAX_ROW_SIZE, InfoValue::U32(8060)),
            (SQL_INFO_SCHEMA_VIEWS, InfoValue::U32(0x0073_bff4)),
            (SQL_COLLATION_SEQ, InfoValue::Str("ISO 8859-1".into())),
        ];
        for (t, v) in expect {
            assert_eq!(get_info(*t, &ctx).as_ref(), Some(v), "{t}");
        }
    }

    #[test]
    fn outer_joins_depend_on_the_odbc_version() {
        let mut ctx = connected();
        assert_eq!(
            get_info(SQL_OUTER_JOINS, &ctx),
            Some(InfoValue::Str("F".into()))
        );
        ctx.odbc_version = 2;
        assert_eq!(
            get_info(SQL_OUTER_JOINS, &ctx),
            Some(InfoValue::Str("Y".into()))
        );
    }

    #[test]
    fn before_connecting_only_driver_facts() {
        let ctx = InfoContext::default();
        assert!(get_info(SQL_DRIVER_NAME, &ctx).is_some());
        assert!(get_info(SQL_DRIVER_ODBC_VER, &ctx).is_some());
        assert_eq!(get_info(SQL_DBMS_NAME, &ctx), None);
        assert_eq!(get_info(SQL_DBMS_VER, &ctx), None);
    }
}
