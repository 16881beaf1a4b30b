//! Diagnostic records, the SQLSTATE table and message texts.
//!
//! Every handle owns a [`DiagArea`]. A call clears it, the layers below push warnings into it or
//! return an [`Error`], and the ffi layer turns the outcome into a return code and records that
//! `SQLGetDiagRec`/`SQLGetDiagField`/`SQLError` read back.

mod sqlstate;

pub use sqlstate::{odbc2_sqlstate, server_error_sqlstate};

/// The vendor and driver components that prefix every message, as msodbcsql's
/// `[Microsoft][ODBC Driver 18 for SQL Server]`.
pub const VENDOR: &str = "[sqlserver-odbc]";
pub const DRIVER: &str = "[ODBC Driver RS for SQL Server]";
pub const SERVER_COMPONENT: &str = "[SQL Server]";
/// SQL_DIAG_CLASS_ORIGIN / SUBCLASS_ORIGIN for ODBC 3 states.
pub const ORIGIN_ISO: &str = "ISO 9075";
pub const ORIGIN_ODBC: &str = "ODBC 3.0";

/// Who produced a record: the driver itself or the server (which adds `[SQL Server]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Driver,
    Server,
}

/// One diagnostic record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiagRecord {
    pub sqlstate: String,
    pub native: i32,
    /// The full text with the `[vendor][driver]([SQL Server])` prefix.
    pub message: String,
    pub origin: Origin,
    /// SQL_DIAG_SERVER_NAME when the server sent one.
    pub server_name: Option<String>,
    /// SQL_DIAG_ROW_NUMBER and SQL_DIAG_COLUMN_NUMBER (-1/-2 style "unknown" values as ODBC).
    pub row: isize,
    pub column: i32,
    /// SQL_DIAG_SS_* fields msodbcsql exposes for server records.
    pub ss_severity: i32,
    pub ss_msgstate: i32,
    pub ss_line: i32,
    pub ss_procname: String,
}

/// SQL_NO_ROW_NUMBER / SQL_NO_COLUMN_NUMBER.
const NO_ROW_NUMBER: isize = -1;
const NO_COLUMN_NUMBER: i32 = -1;

impl DiagRecord {
    /// A record raised by the driver: `[sqlserver-odbc][ODBC Driver RS for SQL Server]<text>`.
    pub fn driver(sqlstate: &str, native: i32, text: impl AsRef<str>) -> Self {
        DiagRecord {
            sqlstate: sqlstate.to_string(),
            native,
            message: format!("{VENDOR}{DRIVER}{}", text.as_ref()),
            origin: Origin::Driver,
            server_name: None,
            row: NO_ROW_NUMBER,
            column: NO_COLUMN_NUMBER,
            ss_severity: 0,
            ss_msgstate: 0,
            ss_line: 0,
            ss_procname: String::new(),
        }
    }

    /// A record carrying a server ERROR or INFO token.
    pub fn server(message: &ServerMessage) -> Self {
        let sqlstate = if message.class <= 10 {
            "01000"
        } else {
            server_error_sqlstate(message.number, message.class)
        };
        DiagRecord {
            sqlstate: sqlstate.to_string(),
            native: message.number as i32,
            message: format!("{VENDOR}{DRIVER}{SERVER_COMPONENT}{}", message.text),
            origin: Origin::Server,
            server_name: message.server.clone(),
            row: NO_ROW_NUMBER,
            column: NO_COLUMN_NUMBER,
            ss_severity: message.class,
            ss_msgstate: i32::from(message.state),
            ss_line: message.line,
            ss_procname: message.procedure.clone().unwrap_or_default(),
        }
    }

    /// SQL_DIAG_CLASS_ORIGIN: "ISO 9075" for states whose class is defined by SQL-92, else
    /// "ODBC 3.0".
    pub fn class_origin(&self) -> &'static str {
        if self.sqlstate.starts_with("IM") || self.sqlstate.starts_with("HY") {
            ORIGIN_ODBC
        } else {
            ORIGIN_ISO
        }
    }

    /// SQL_DIAG_SUBCLASS_ORIGIN: ODBC-specific subclasses are "ODBC 3.0".
    pub fn subclass_origin(&self) -> &'static str {
        const ODBC_SUBCLASSES: &[&str] = &[
            "01S00", "01S01", "01S02", "01S06", "01S07", "07S01", "08S01", "21S01", "21S02",
            "25S01", "25S02", "25S03", "42S01", "42S02", "42S11", "42S12", "42S21", "42S22",
        ];
        if self.class_origin() == ORIGIN_ODBC || ODBC_SUBCLASSES.contains(&self.sqlstate.as_str()) {
            ORIGIN_ODBC
        } else {
            ORIGIN_ISO
        }
    }
}

/// A message the server sent (ERROR or INFO token), without any engine types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerMessage {
    pub number: u32,
    pub state: u8,
    pub class: i32,
    pub text: String,
    pub server: Option<String>,
    pub procedure: Option<String>,
    pub line: i32,
}

/// A failed call: the records to post (at least one), the first being the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub records: Vec<DiagRecord>,
}

impl Error {
    pub fn new(sqlstate: &str, text: impl AsRef<str>) -> Self {
        Error {
            records: vec![DiagRecord::driver(sqlstate, 0, text)],
        }
    }
    pub fn with_native(sqlstate: &str, native: i32, text: impl AsRef<str>) -> Self {
        Error {
            records: vec![DiagRecord::driver(sqlstate, native, text)],
        }
    }
    pub fn from_records(records: Vec<DiagRecord>) -> Self {
        debug_assert!(!records.is_empty());
        Error { records }
    }
    pub fn sqlstate(&self) -> &str {
        self.records
            .first()
            .map(|r| r.sqlstate.as_str())
            .unwrap_or("HY000")
    }

    // The errors every layer raises, with msodbcsql's texts.
    pub fn sequence() -> Self {
        Self::new("HY010", "Function sequence error")
    }
    pub fn invalid_cursor_state() -> Self {
        Self::new("24000", "Invalid cursor state")
    }
    pub fn null_pointer() -> Self {
        Self::new("HY009", "Invalid use of null pointer")
    }
    pub fn invalid_length() -> Self {
        Self::new("HY090", "Invalid string or buffer length")
    }
    pub fn invalid_descriptor_index() -> Self {
        Self::new("07009", "Invalid Descriptor Index")
    }
    pub fn optional_feature(what: impl AsRef<str>) -> Self {
        Self::new(
            "HYC00",
            format!("Optional feature not implemented{}", what.as_ref()),
        )
    }
    pub fn invalid_attribute_value() -> Self {
        Self::new("HY024", "Invalid attribute value")
    }
    pub fn invalid_attribute(attr: i32) -> Self {
        Self::new(
            "HY092",
            format!("Invalid attribute/option identifier ({attr})"),
        )
    }
    pub fn connection_not_open() -> Self {
        Self::new("08003", "Connection not open")
    }
    pub fn link_failure(detail: impl AsRef<str>) -> Self {
        Self::new(
            "08S01",
            format!("Communication link failure: {}", detail.as_ref()),
        )
    }
    pub fn general(text: impl AsRef<str>) -> Self {
        Self::new("HY000", text)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// The diagnostics area of one handle: the records of the last call and the header fields.
#[derive(Debug, Default)]
pub struct DiagArea {
    pub records: Vec<DiagRecord>,
    /// SQL_DIAG_RETURNCODE of the last call.
    pub return_code: i16,
    /// SQL_DIAG_ROW_COUNT (statement handles).
    pub row_count: isize,
    /// SQL_DIAG_DYNAMIC_FUNCTION / _CODE of the last executed statement.
    pub dynamic_function: &'static str,
    pub dynamic_function_code: i32,
    /// The next record SQLError returns (it consumes records, SQLGetDiagRec does not).
    pub error_cursor: usize,
}

impl DiagArea {
    pub fn clear(&mut self) {
        self.records.clear();
        self.return_code = 0;
        self.error_cursor = 0;
    }
    pub fn push(&mut self, record: DiagRecord) {
        // Bound the area: a runaway server cannot make a handle grow without end.
        if self.records.len() < 10_000 {
            self.records.push(record);
        }
    }
    pub fn warn(&mut self, sqlstate: &str, text: impl AsRef<str>) {
        self.push(DiagRecord::driver(sqlstate, 0, text));
    }
    pub fn extend(&mut self, records: impl IntoIterator<Item = DiagRecord>) {
        for r in records {
            self.push(r);
        }
    }
    pub fn has_records(&self) -> bool {
        !self.records.is_empty()
    }
    /// Records in the order SQLGetDiagRec presents them: errors by rank first would be
    /// ODBC's suggestion; msodbcsql keeps arrival order, and so do we.
    pub fn get(&self, rec_number: i16) -> Option<&DiagRecord> {
        if rec_number < 1 {
            return None;
        }
        self.records.get(rec_number as usize - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_records_carry_the_vendor_and_driver_prefix() {
        let r = DiagRecord::driver("HY010", 0, "Function sequence error");
        assert_eq!(
            r.message,
            "[sqlserver-odbc][ODBC Driver RS for SQL Server]Function sequence error"
        );
        assert_eq!(r.class_origin(), ORIGIN_ODBC);
    }

    #[test]
    fn server_records_map_numbers_like_msodbcsql() {
        let msg = |number, class| ServerMessage {
            number,
            state: 1,
            class,
            text: "x".into(),
            server: None,
            procedure: None,
            line: 1,
        };
        assert_eq!(DiagRecord::server(&msg(18456, 14)).sqlstate, "28000");
        assert_eq!(DiagRecord::server(&msg(208, 16)).sqlstate, "42S02");
        assert_eq!(DiagRecord::server(&msg(2627, 14)).sqlstate, "23000");
        assert_eq!(DiagRecord::server(&msg(1205, 13)).sqlstate, "40001");
        assert_eq!(DiagRecord::server(&msg(50000, 16)).sqlstate, "42000");
        assert_eq!(DiagRecord::server(&msg(0, 0)).sqlstate, "01000");
        assert!(
            DiagRecord::server(&msg(0, 0))
                .message
                .ends_with("[SQL Server]x")
        );
    }
}
