//! SQLDescribeCol and SQLColAttribute answers for a result column.

use super::AttrValue;
use crate::convert::ServerType;
use crate::diag::{Error, Result};
use crate::engine::ColumnInfo;

pub const SQL_NO_NULLS: i16 = 0;
pub const SQL_NULLABLE: i16 = 1;

/// SQLDescribeCol: (name, data type, column size, decimal digits, nullable).
pub fn describe(col: &ColumnInfo, odbc_version: i32) -> (String, i16, u64, i16, i16) {
    (
        col.name.clone(),
        data_type_for_version(col.ty.sql_data_type(), odbc_version),
        col.ty.column_size(),
        col.ty.decimal_digits(),
        if col.nullable {
            SQL_NULLABLE
        } else {
            SQL_NO_NULLS
        },
    )
}

/// ODBC 2 applications know the date/time types by their old numbers.
pub fn data_type_for_version(ty: i16, odbc_version: i32) -> i16 {
    if odbc_version == super::env::SQL_OV_ODBC2 {
        match ty {
            91 => 9,
            92 => 10,
            93 => 11,
            other => other,
        }
    } else {
        ty
    }
}

fn is_character(ty: &ServerType) -> bool {
    matches!(
        ty,
        ServerType::Char(_)
            | ServerType::VarChar(_)
            | ServerType::Text
            | ServerType::NChar(_)
            | ServerType::NVarChar(_)
            | ServerType::NText
            | ServerType::Xml
    )
}

fn is_unicode(ty: &ServerType) -> bool {
    matches!(
        ty,
        ServerType::NChar(_) | ServerType::NVarChar(_) | ServerType::NText | ServerType::Xml
    )
}

fn is_binary(ty: &ServerType) -> bool {
    matches!(
        ty,
        ServerType::Binary(_)
            | ServerType::VarBinary(_)
            | ServerType::Image
            | ServerType::RowVersion
            | ServerType::Udt(_)
    )
}

fn is_signed_numeric(ty: &ServerType) -> bool {
    matches!(
        ty,
        ServerType::SmallInt
            | ServerType::Int
            | ServerType::BigInt
            | ServerType::Real
            | ServerType::Float
            | ServerType::Decimal { .. }
            | ServerType::Numeric { .. }
            | ServerType::Money
            | ServerType::SmallMoney
    )
}

fn is_datetime(ty: &ServerType) -> bool {
    matches!(
        ty,
        ServerType::Date
            | ServerType::DateTime
            | ServerType::SmallDateTime
            | ServerType::DateTime2 { .. }
    )
}

pub const SQL_DESC_COUNT: u16 = 1001;
pub const SQL_COLUMN_COUNT: u16 = 0;

/// SQLColAttribute for one column (field identifiers of ODBC 3 and the ODBC 2 SQL_COLUMN_*).
pub fn attribute(
    col: &ColumnInfo,
    ncols: usize,
    field: u16,
    odbc_version: i32,
) -> Result<AttrValue> {
    let ty = &col.ty;
    let int = |v: i64| Ok(AttrValue::Int(v));
    let text = |s: &str| Ok(AttrValue::Text(s.to_string()));
    let concise = data_type_for_version(ty.sql_data_type(), odbc_version);
    match field {
        SQL_COLUMN_COUNT | SQL_DESC_COUNT => int(ncols as i64),
        1 | 1011 => text(&col.name),  // SQL_COLUMN_NAME, SQL_DESC_NAME
        18 => text(&col.name),        // SQL_DESC_LABEL
        2 => int(i64::from(concise)), // SQL_DESC_CONCISE_TYPE
        1002 => int(match concise {
            // SQL_DESC_TYPE (verbose)
            91..=93 => 9,
            other => i64::from(other),
        }),
        3 => int(ty.octet_length().min(i32::MAX as u64) as i64), // SQL_COLUMN_LENGTH
        1003 => int(ty.column_size().min(i64::MAX as u64) as i64), // SQL_DESC_LENGTH
        4 => int(ty.column_size().min(i32::MAX as u64) as i64),  // SQL_COLUMN_PRECISION
        1005 => int(
            if is_datetime(ty)
                || matches!(
                    ty,
                    ServerType::Time { .. } | ServerType::DateTimeOffset { .. }
                )
            {
                i64::from(ty.decimal_digits())
            } else {
                ty.column_size().min(i64::MAX as u64) as i64
            },
        ), // SQL_DESC_PRECISION
        5 | 1006 => int(i64::from(ty.decimal_digits())),         // SQL_COLUMN_SCALE, SQL_DESC_SCALE
        6 => int(ty.display_size().min(i64::MAX as u64) as i64), // SQL_DESC_DISPLAY_SIZE
        7 | 1008 => int(i64::from(if col.nullable {
            SQL_NULLABLE
        } else {
            SQL_NO_NULLS
        })),
        8 => int(i64::from(!is_signed_numeric(ty))), // SQL_DESC_UNSIGNED
        9 => int(i64::from(matches!(
            ty,
            ServerType::Money | ServerType::SmallMoney
        ))), // FIXED_PREC_SCALE
        10 => int(2),                                // SQL_DESC_UPDATABLE: unknown
        11 => int(i64::from(col.identity)),          // SQL_DESC_AUTO_UNIQUE_VALUE
        12 => int(i64::from(is_character(ty) && col.case_sensitive)), // SQL_DESC_CASE_SENSITIVE
        13 => int(match ty {
            // SQL_DESC_SEARCHABLE
            ServerType::Text | ServerType::NText | ServerType::Image | ServerType::Xml => 1,
            _ => 3,
        }),
        14 | 29 => text(ty.type_name()), // TYPE_NAME, LOCAL_TYPE_NAME
        15 | 23 => text(&col.table),     // TABLE_NAME, BASE_TABLE_NAME
        16 => text(&col.schema),         // SQL_DESC_SCHEMA_NAME
        17 => text(&col.catalog),        // SQL_DESC_CATALOG_NAME
        22 => text(&col.name),           // SQL_DESC_BASE_COLUMN_NAME
        27 => text(if is_unicode(ty) {
            // SQL_DESC_LITERAL_PREFIX
            "N'"
        } else if is_character(ty) || is_datetime(ty) {
            "'"
        } else if is_binary(ty) {
            "0x"
        } else {
            ""
        }),
        28 => text(if is_character(ty) || is_datetime(ty) {
            "'"
        } else {
            ""
        }), // LITERAL_SUFFIX
        32 => int(match ty {
            // SQL_DESC_NUM_PREC_RADIX
            ServerType::Real | ServerType::Float => 2,
            t if is_signed_numeric(t) || matches!(t, ServerType::TinyInt | ServerType::Bit) => 10,
            _ => 0,
        }),
        1012 => int(i64::from(col.name.is_empty())), // SQL_DESC_UNNAMED
        1013 => int(ty.octet_length().min(i64::MAX as u64) as i64), // SQL_DESC_OCTET_LENGTH
        1099 => int(1), // SQL_DESC_NULLABLE style: SQL_DESC_ROWVER? n/a
        1212 => int(i64::from(col.computed)), // SQL_CA_SS_COLUMN_COMPUTED
        other => Err(Error::new(
            "HY091",
            format!("Invalid descriptor field identifier ({other})"),
        )),
    }
}
