//! Descriptors: the four implicit ones of a statement, as views of its attributes, bindings
//! and result columns (the fields applications use; no explicitly allocated descriptors).

use super::params::ParamBinding;
use super::stmt::{ColBinding, Stmt};
use super::{AttrValue, columns};
use crate::diag::{Error, Result};

pub const KIND_ARD: i32 = 10010;
pub const KIND_APD: i32 = 10011;
pub const KIND_IRD: i32 = 10012;
pub const KIND_IPD: i32 = 10013;

// Header fields.
const SQL_DESC_ARRAY_SIZE: i16 = 20;
const SQL_DESC_ARRAY_STATUS_PTR: i16 = 21;
const SQL_DESC_BIND_OFFSET_PTR: i16 = 24;
const SQL_DESC_BIND_TYPE: i16 = 25;
const SQL_DESC_ROWS_PROCESSED_PTR: i16 = 34;
const SQL_DESC_COUNT: i16 = 1001;
const SQL_DESC_ALLOC_TYPE: i16 = 1099;
// Record fields.
const SQL_DESC_CONCISE_TYPE: i16 = 2;
const SQL_DESC_TYPE: i16 = 1002;
const SQL_DESC_LENGTH: i16 = 1003;
const SQL_DESC_OCTET_LENGTH_PTR: i16 = 1004;
const SQL_DESC_PRECISION: i16 = 1005;
const SQL_DESC_SCALE: i16 = 1006;
const SQL_DESC_INDICATOR_PTR: i16 = 1009;
const SQL_DESC_DATA_PTR: i16 = 1010;
const SQL_DESC_OCTET_LENGTH: i16 = 1013;
const SQL_DESC_PARAMETER_TYPE: i16 = 33;

/// The statement attribute a header field stands for, per descriptor kind.
fn header_attr(kind: i32, field: i16) -> Option<i32> {
    Some(match (kind, field) {
        (KIND_ARD, SQL_DESC_ARRAY_SIZE) => 27,
        (KIND_ARD, SQL_DESC_ARRAY_STATUS_PTR) => 24, // SQL_ATTR_ROW_OPERATION_PTR
        (KIND_ARD, SQL_DESC_BIND_OFFSET_PTR) => 23,
        (KIND_ARD, SQL_DESC_BIND_TYPE) => 5,
        (KIND_IRD, SQL_DESC_ARRAY_STATUS_PTR) => 25,
        (KIND_IRD, SQL_DESC_ROWS_PROCESSED_PTR) => 26,
        (KIND_APD, SQL_DESC_ARRAY_SIZE) => 22,
        (KIND_APD, SQL_DESC_ARRAY_STATUS_PTR) => 19,
        (KIND_APD, SQL_DESC_BIND_OFFSET_PTR) => 17,
        (KIND_APD, SQL_DESC_BIND_TYPE) => 18,
        (KIND_IPD, SQL_DESC_ARRAY_STATUS_PTR) => 20,
        (KIND_IPD, SQL_DESC_ROWS_PROCESSED_PTR) => 21,
        _ => return None,
    })
}

pub fn get_field(stmt: &Stmt, kind: i32, rec: i16, field: i16) -> Result<AttrValue> {
    if field == SQL_DESC_ALLOC_TYPE {
        return Ok(AttrValue::Int(1)); // SQL_DESC_ALLOC_AUTO
    }
    if let Some(attr) = header_attr(kind, field) {
        return stmt.get_attr(attr);
    }
    if field == SQL_DESC_COUNT {
        let n = match kind {
            KIND_ARD => stmt.col_bindings().len(),
            KIND_IRD => stmt.num_result_cols()? as usize,
            _ => stmt.param_bindings().len(),
        };
        return Ok(AttrValue::Int(n as i64));
    }
    if rec < 1 {
        return Err(Error::invalid_descriptor_index());
    }
    match kind {
        KIND_IRD => {
            let col = stmt.column(rec as u16)?;
            let ncols = stmt.num_result_cols()? as usize;
            columns::attribute(&col, ncols, field as u16, stmt.dbc.odbc_version)
        }
        KIND_ARD => {
            let b = stmt.col_bindings().get(rec as usize - 1).copied().flatten();
            let b = b.unwrap_or(ColBinding {
                c_type: 99,
                value_addr: 0,
                buffer_len: 0,
                ind_addr: 0,
            });
            Ok(AttrValue::Int(match field {
                SQL_DESC_TYPE | SQL_DESC_CONCISE_TYPE => i64::from(b.c_type),
                SQL_DESC_DATA_PTR => b.value_addr as i64,
                SQL_DESC_INDICATOR_PTR | SQL_DESC_OCTET_LENGTH_PTR => b.ind_addr as i64,
                SQL_DESC_OCTET_LENGTH | SQL_DESC_LENGTH => b.buffer_len as i64,
                SQL_DESC_PRECISION => i64::from(stmt.ard_numeric(rec as u16).0),
                SQL_DESC_SCALE => i64::from(stmt.ard_numeric(rec as u16).1),
                other => return Err(unknown(other)),
            }))
        }
        _ => {
            let b = stmt
                .param_bindings()
                .get(rec as usize - 1)
                .copied()
                .flatten()
                .ok_or_else(Error::invalid_descriptor_index)?;
            Ok(AttrValue::Int(match (kind, field) {
                (KIND_APD, SQL_DESC_TYPE | SQL_DESC_CONCISE_TYPE) => i64::from(b.c_type),
                (KIND_APD, SQL_DESC_DATA_PTR) => b.value_addr as i64,
                (KIND_APD, SQL_DESC_INDICATOR_PTR | SQL_DESC_OCTET_LENGTH_PTR) => b.ind_addr as i64,
                (KIND_APD, SQL_DESC_OCTET_LENGTH) => b.buffer_len as i64,
                (_, SQL_DESC_TYPE | SQL_DESC_CONCISE_TYPE) => i64::from(b.sql_type),
                (_, SQL_DESC_LENGTH | SQL_DESC_PRECISION) => b.column_size as i64,
                (_, SQL_DESC_SCALE) => i64::from(b.decimal_digits),
                (_, SQL_DESC_PARAMETER_TYPE) => i64::from(b.io_type),
                (_, other) => return Err(unknown(other)),
            }))
        }
    }
}

pub fn set_field(
    stmt: &Stmt,
    diag: &mut crate::diag::DiagArea,
    kind: i32,
    rec: i16,
    field: i16,
    value: i64,
) -> Result<()> {
    if let Some(attr) = header_attr(kind, field) {
        return stmt.set_attr(diag, attr, value);
    }
    if kind == KIND_IRD {
        return Err(Error::new(
            "HY016",
            "Cannot modify an implementation row descriptor",
        ));
    }
    if field == SQL_DESC_COUNT {
        return Ok(());
    }
    if rec < 1 {
        return Err(Error::invalid_descriptor_index());
    }
    match kind {
        KIND_ARD if field == SQL_DESC_PRECISION || field == SQL_DESC_SCALE => {
            stmt.set_ard_numeric(rec as u16, field == SQL_DESC_SCALE, value)
        }
        KIND_ARD => {
            let mut b = stmt
                .col_bindings()
                .get(rec as usize - 1)
                .copied()
                .flatten()
                .unwrap_or(ColBinding {
                    c_type: 99,
                    value_addr: 0,
                    buffer_len: 0,
                    ind_addr: 0,
                });
            match field {
                SQL_DESC_TYPE | SQL_DESC_CONCISE_TYPE => b.c_type = value as i16,
                SQL_DESC_DATA_PTR => b.value_addr = value as usize,
                SQL_DESC_INDICATOR_PTR | SQL_DESC_OCTET_LENGTH_PTR => b.ind_addr = value as usize,
                SQL_DESC_OCTET_LENGTH => b.buffer_len = value as isize,
                SQL_DESC_LENGTH => {}
                other => return Err(unknown(other)),
            }
            stmt.bind_col(rec as u16, Some(b))
        }
        _ => {
            let mut b = stmt
                .param_bindings()
                .get(rec as usize - 1)
                .copied()
                .flatten()
                .unwrap_or(ParamBinding {
                    io_type: 1,
                    c_type: 99,
                    sql_type: 12,
                    column_size: 0,
                    decimal_digits: 0,
                    value_addr: 0,
                    buffer_len: 0,
                    ind_addr: 0,
                });
            match (kind, field) {
                (KIND_APD, SQL_DESC_TYPE | SQL_DESC_CONCISE_TYPE) => b.c_type = value as i16,
                (KIND_APD, SQL_DESC_DATA_PTR) => b.value_addr = value as usize,
                (KIND_APD, SQL_DESC_INDICATOR_PTR | SQL_DESC_OCTET_LENGTH_PTR) => {
                    b.ind_addr = value as usize
                }
                (KIND_APD, SQL_DESC_OCTET_LENGTH) => b.buffer_len = value as isize,
                (KIND_IPD, SQL_DESC_TYPE | SQL_DESC_CONCISE_TYPE) => b.sql_type = value as i16,
                (KIND_IPD, SQL_DESC_LENGTH | SQL_DESC_PRECISION) => b.column_size = value as u64,
                (KIND_IPD, SQL_DESC_SCALE) => b.decimal_digits = value as i16,
                (KIND_IPD, SQL_DESC_PARAMETER_TYPE) => b.io_type = value as i16,
                (_, other) => return Err(unknown(other)),
            }
            stmt.bind_param(rec as u16, b)
        }
    }
}

fn unknown(field: i16) -> Error {
    Error::new(
        "HY091",
        format!("Invalid descriptor field identifier ({field})"),
    )
}

/// The header fields SQLCopyDesc carries over, per descriptor kind (the rest are statement-wide
/// or read-only here).
fn copied_header_fields(kind: i32) -> &'static [i16] {
    match kind {
        KIND_ARD | KIND_APD => &[
            SQL_DESC_ARRAY_SIZE,
            SQL_DESC_ARRAY_STATUS_PTR,
            SQL_DESC_BIND_OFFSET_PTR,
            SQL_DESC_BIND_TYPE,
        ],
        KIND_IPD => &[SQL_DESC_ARRAY_STATUS_PTR, SQL_DESC_ROWS_PROCESSED_PTR],
        _ => &[],
    }
}

/// A parameter record with no binding yet: what SQLSetDescField starts from.
const EMPTY_PARAM: ParamBinding = ParamBinding {
    io_type: 1,
    c_type: 99,
    sql_type: 12,
    column_size: 0,
    decimal_digits: 0,
    value_addr: 0,
    buffer_len: 0,
    ind_addr: 0,
};

/// SQLCopyDesc between the implicit descriptors of two statements (or one): the target gets
/// the source's header fields and records; its COUNT becomes the source's. Application
/// parameter records and implementation parameter records live in one binding per parameter
/// here, so copying an APD replaces only the application half of each target record (and an
/// IPD only the implementation half).
pub fn copy(
    source: &Stmt,
    source_kind: i32,
    target: &Stmt,
    target_kind: i32,
    diag: &mut crate::diag::DiagArea,
) -> Result<()> {
    if target_kind == KIND_IRD {
        return Err(Error::new(
            "HY016",
            "Cannot modify an implementation row descriptor",
        ));
    }
    if source_kind != target_kind {
        return Err(Error::optional_feature(
            ": copying between descriptors of different kinds",
        ));
    }
    for &field in copied_header_fields(source_kind) {
        if let Some(attr) = header_attr(source_kind, field)
            && let AttrValue::Int(v) = source.get_attr(attr)?
        {
            target.set_attr(diag, attr, v)?;
        }
    }
    match source_kind {
        KIND_ARD => copy_column_records(source, target),
        _ => copy_param_records(source, target, source_kind == KIND_APD),
    }
}

fn copy_column_records(source: &Stmt, target: &Stmt) -> Result<()> {
    let bindings = source.col_bindings();
    target.unbind_cols();
    for (i, b) in bindings.iter().enumerate() {
        let col = (i + 1) as u16;
        let (precision, scale) = source.ard_numeric(col);
        target.set_ard_numeric(col, false, i64::from(precision))?;
        target.set_ard_numeric(col, true, i64::from(scale))?;
        target.bind_col(col, *b)?;
    }
    Ok(())
}

fn copy_param_records(source: &Stmt, target: &Stmt, application: bool) -> Result<()> {
    let from = source.param_bindings();
    let into = target.param_bindings();
    target.reset_params();
    for (i, b) in from.iter().enumerate() {
        let Some(b) = b else { continue };
        let mut merged = into.get(i).copied().flatten().unwrap_or(EMPTY_PARAM);
        if application {
            merged.c_type = b.c_type;
            merged.value_addr = b.value_addr;
            merged.buffer_len = b.buffer_len;
            merged.ind_addr = b.ind_addr;
        } else {
            merged.io_type = b.io_type;
            merged.sql_type = b.sql_type;
            merged.column_size = b.column_size;
            merged.decimal_digits = b.decimal_digits;
        }
        target.bind_param((i + 1) as u16, merged)?;
    }
    Ok(())
}
