//! mssql-tds errors into diagnostic records, with msodbcsql's SQLSTATEs and texts.

use mssql_tds::error::{Error as TdsError, SqlErrorInfo, SqlInfoMessage};

use crate::diag::{DiagRecord, Error, ServerMessage};

pub(crate) fn info_message(m: &SqlInfoMessage) -> ServerMessage {
    ServerMessage {
        number: m.number,
        state: m.state,
        class: m.class,
        text: m.message.clone(),
        server: m.server_name.clone(),
        procedure: m.proc_name.clone(),
        line: m.line_number.unwrap_or(0),
    }
}

pub(crate) fn error_message(m: &SqlErrorInfo) -> ServerMessage {
    ServerMessage {
        number: m.number,
        state: m.state,
        class: m.class,
        text: m.message.clone(),
        server: m.server_name.clone(),
        procedure: m.proc_name.clone(),
        line: m.line_number.unwrap_or(0),
    }
}

/// Records for the server messages that came with an error: INFO messages first (they
/// arrived first), then the errors.
fn server_records(prior: Vec<ServerMessage>, e: &TdsError) -> Option<Vec<DiagRecord>> {
    let TdsError::SqlServerError { diagnostics } = e else {
        return None;
    };
    let mut records: Vec<DiagRecord> = prior.iter().map(DiagRecord::server).collect();
    records.extend(
        diagnostics
            .info_messages
            .iter()
            .map(|m| DiagRecord::server(&info_message(m))),
    );
    records.extend(
        diagnostics
            .errors
            .iter()
            .map(|m| DiagRecord::server(&error_message(m))),
    );
    // Put the first error first: SQLGetDiagRec(1) is what applications show.
    if let Some(pos) = records.iter().position(|r| r.sqlstate != "01000") {
        let first = records.remove(pos);
        records.insert(0, first);
    }
    if records.is_empty() {
        records.push(DiagRecord::driver(
            "42000",
            0,
            "The server reported an error without a message",
        ));
    }
    Some(records)
}

/// An error while executing or fetching.
pub(crate) fn exec_error(e: &TdsError, prior: Vec<ServerMessage>) -> Error {
    if let Some(records) = server_records(prior, e) {
        return Error::from_records(records);
    }
    match e {
        TdsError::TimeoutError(_) => Error::new("HYT00", "Query timeout expired"),
        TdsError::OperationCancelledError(_) => Error::new("HY008", "Operation canceled"),
        TdsError::Io(io) => Error::link_failure(io.to_string()),
        TdsError::ConnectionClosed(text) | TdsError::ConnectionError(text) => {
            Error::link_failure(text)
        }
        TdsError::ProtocolError(text) => Error::link_failure(format!("protocol error: {text}")),
        TdsError::UsageError(text) => Error::general(text),
        TdsError::TypeConversionError(text) => Error::new("22018", text),
        other => Error::general(other.to_string()),
    }
}

/// An error while logging in.
pub(crate) fn connect_error(e: &TdsError, host: &str) -> Error {
    if let Some(records) = server_records(Vec::new(), e) {
        return Error::from_records(records);
    }
    let network = |detail: String| {
        Error::from_records(vec![
            DiagRecord::driver("08001", 10057, format!("TCP Provider: {detail}")),
            DiagRecord::driver(
                "08001",
                10057,
                format!(
                    "A network-related or instance-specific error has occurred while establishing a \
                     connection to {host}. Server is not found or not accessible. Check if instance \
                     name is correct and if SQL Server is configured to allow remote connections."
                ),
            ),
        ])
    };
    match e {
        TdsError::TimeoutError(_) => Error::new("HYT00", "Login timeout expired"),
        TdsError::Io(io) => network(io.to_string()),
        TdsError::ConnectionError(text) | TdsError::ConnectionClosed(text) => network(text.clone()),
        TdsError::TlsError(_)
        | TdsError::TlsHandshakeError { .. }
        | TdsError::CertificateExpired
        | TdsError::CertificateMismatch
        | TdsError::NoServerCertificate
        | TdsError::CertificateNotFound { .. }
        | TdsError::InvalidCertificateFormat { .. }
        | TdsError::CertificateFileIoError { .. } => Error::from_records(vec![
            DiagRecord::driver("08001", 0, format!("SSL Provider: {e}")),
            DiagRecord::driver("08001", 0, "Client unable to establish connection"),
        ]),
        other => Error::with_native(
            "08001",
            0,
            format!("Client unable to establish connection: {other}"),
        ),
    }
}
