//! Catalog functions (ANSI and W): arguments in, a catalog procedure call out.

use super::text;
use super::*;
use crate::convert::{ServerType, Value};
use crate::engine::ColumnInfo;
use crate::handle::env::SQL_OV_ODBC2;
use crate::info::catalog::{self, CatalogCall};
use crate::info::type_info;

fn a(p: *const u8, len: i16) -> Result<Option<String>> {
    unsafe { text::read_a(p, i32::from(len)) }
}

fn w(p: *const u16, len: i16) -> Result<Option<String>> {
    unsafe { text::read_w(p, i32::from(len)) }
}

fn odbc3(s: &Stmt) -> bool {
    s.dbc.odbc_version != SQL_OV_ODBC2
}

fn run_catalog(handle: Handle, build: impl FnOnce(&Stmt) -> Result<CatalogCall>) -> SqlReturn {
    on_stmt(handle, |s, diag| {
        let call = build(s)?;
        s.exec_catalog(diag, call)
    })
}

/// Defines the ANSI and W entry points of a catalog function whose arguments are all strings
/// (each a pointer and its length).
macro_rules! string_catalog {
    ($ansi:ident, $wide:ident, [$(($arg:ident, $len:ident)),*], |$s:ident, $($v:ident),*| $body:expr) => {
        #[unsafe(no_mangle)]
        #[allow(clippy::too_many_arguments)]
        pub extern "C" fn $ansi(handle: Handle, $($arg: *const u8, $len: i16),*) -> SqlReturn {
            run_catalog(handle, |$s| {
                $(let $v = a($arg, $len)?;)*
                Ok($body)
            })
        }
        #[unsafe(no_mangle)]
        #[allow(clippy::too_many_arguments)]
        pub extern "C" fn $wide(handle: Handle, $($arg: *const u16, $len: i16),*) -> SqlReturn {
            run_catalog(handle, |$s| {
                $(let $v = w($arg, $len)?;)*
                Ok($body)
            })
        }
    };
}

string_catalog!(
    SQLTables,
    SQLTablesW,
    [(c1, l1), (c2, l2), (c3, l3), (c4, l4)],
    |_s, cat, schem, table, types| {
        catalog::tables(
            cat.as_deref(),
            schem.as_deref(),
            table.as_deref(),
            types.as_deref(),
        )
    }
);

string_catalog!(
    SQLColumns,
    SQLColumnsW,
    [(c1, l1), (c2, l2), (c3, l3), (c4, l4)],
    |s, cat, schem, table, column| {
        catalog::columns(
            cat.as_deref(),
            schem.as_deref(),
            table.as_deref(),
            column.as_deref(),
            odbc3(s),
        )
    }
);

string_catalog!(
    SQLPrimaryKeys,
    SQLPrimaryKeysW,
    [(c1, l1), (c2, l2), (c3, l3)],
    |_s, cat, schem, table| {
        catalog::primary_keys(cat.as_deref(), schem.as_deref(), table.as_deref())
    }
);

string_catalog!(
    SQLForeignKeys,
    SQLForeignKeysW,
    [(c1, l1), (c2, l2), (c3, l3), (c4, l4), (c5, l5), (c6, l6)],
    |_s, pc, ps, pt, fc, fs, ft| {
        catalog::foreign_keys(
            pc.as_deref(),
            ps.as_deref(),
            pt.as_deref(),
            fc.as_deref(),
            fs.as_deref(),
            ft.as_deref(),
        )
    }
);

string_catalog!(
    SQLProcedures,
    SQLProceduresW,
    [(c1, l1), (c2, l2), (c3, l3)],
    |_s, cat, schem, proc_name| {
        catalog::procedures(cat.as_deref(), schem.as_deref(), proc_name.as_deref())
    }
);

string_catalog!(
    SQLProcedureColumns,
    SQLProcedureColumnsW,
    [(c1, l1), (c2, l2), (c3, l3), (c4, l4)],
    |s, cat, schem, proc_name, column| {
        catalog::procedure_columns(
            cat.as_deref(),
            schem.as_deref(),
            proc_name.as_deref(),
            column.as_deref(),
            odbc3(s),
        )
    }
);

string_catalog!(
    SQLTablePrivileges,
    SQLTablePrivilegesW,
    [(c1, l1), (c2, l2), (c3, l3)],
    |_s, cat, schem, table| {
        catalog::table_privileges(cat.as_deref(), schem.as_deref(), table.as_deref())
    }
);

string_catalog!(
    SQLColumnPrivileges,
    SQLColumnPrivilegesW,
    [(c1, l1), (c2, l2), (c3, l3), (c4, l4)],
    |_s, cat, schem, table, column| {
        catalog::column_privileges(
            cat.as_deref(),
            schem.as_deref(),
            table.as_deref(),
            column.as_deref(),
        )
    }
);

#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn SQLStatistics(
    handle: Handle,
    c1: *const u8,
    l1: i16,
    c2: *const u8,
    l2: i16,
    c3: *const u8,
    l3: i16,
    unique: u16,
    reserved: u16,
) -> SqlReturn {
    run_catalog(handle, |_| {
        Ok(catalog::statistics(
            a(c1, l1)?.as_deref(),
            a(c2, l2)?.as_deref(),
            a(c3, l3)?.as_deref(),
            unique,
            reserved,
        ))
    })
}

#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn SQLStatisticsW(
    handle: Handle,
    c1: *const u16,
    l1: i16,
    c2: *const u16,
    l2: i16,
    c3: *const u16,
    l3: i16,
    unique: u16,
    reserved: u16,
) -> SqlReturn {
    run_catalog(handle, |_| {
        Ok(catalog::statistics(
            w(c1, l1)?.as_deref(),
            w(c2, l2)?.as_deref(),
            w(c3, l3)?.as_deref(),
            unique,
            reserved,
        ))
    })
}

#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn SQLSpecialColumns(
    handle: Handle,
    id_type: u16,
    c1: *const u8,
    l1: i16,
    c2: *const u8,
    l2: i16,
    c3: *const u8,
    l3: i16,
    scope: u16,
    nullable: u16,
) -> SqlReturn {
    run_catalog(handle, |s| {
        Ok(catalog::special_columns(
            id_type,
            a(c1, l1)?.as_deref(),
            a(c2, l2)?.as_deref(),
            a(c3, l3)?.as_deref(),
            scope,
            nullable,
            odbc3(s),
        ))
    })
}

#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn SQLSpecialColumnsW(
    handle: Handle,
    id_type: u16,
    c1: *const u16,
    l1: i16,
    c2: *const u16,
    l2: i16,
    c3: *const u16,
    l3: i16,
    scope: u16,
    nullable: u16,
) -> SqlReturn {
    run_catalog(handle, |s| {
        Ok(catalog::special_columns(
            id_type,
            w(c1, l1)?.as_deref(),
            w(c2, l2)?.as_deref(),
            w(c3, l3)?.as_deref(),
            scope,
            nullable,
            odbc3(s),
        ))
    })
}

/// SQLGetTypeInfo: answered locally from `info::type_info` (msodbcsql asks the server's
/// sp_datatype_info_100, whose answer those rows reproduce), saving pyodbc four round trips
/// per connection.
fn get_type_info(handle: Handle, data_type: i16) -> SqlReturn {
    on_stmt(handle, |s, _| {
        // msodbcsql rejects codes it does not know before it asks the server for rows.
        match type_info::classify_request(data_type) {
            type_info::TypeInfoRequest::Answer => {}
            type_info::TypeInfoRequest::InvalidType => {
                return Err(crate::diag::Error::new("HY004", "Invalid SQL data type"));
            }
            type_info::TypeInfoRequest::NotImplemented => {
                return Err(crate::diag::Error::optional_feature(""));
            }
        }
        let version = s.dbc.odbc_version;
        let spec = type_info::result_columns(version);
        let columns: Vec<ColumnInfo> = spec
            .iter()
            .map(|c| ColumnInfo {
                name: c.name.to_string(),
                ty: match c.sql_type {
                    -9 => ServerType::NVarChar(Some(c.column_size)),
                    12 => ServerType::VarChar(Some(c.column_size)),
                    5 => ServerType::SmallInt,
                    _ => ServerType::Int,
                },
                nullable: c.nullable,
                identity: false,
                case_sensitive: false,
                computed: false,
                table: String::new(),
                schema: String::new(),
                catalog: String::new(),
            })
            .collect();
        let text = |t: Option<&str>| t.map(|t| Value::Text(t.to_string())).unwrap_or(Value::Null);
        let small = |n: Option<i16>| n.map(Value::SmallInt).unwrap_or(Value::Null);
        let int = |n: Option<i32>| n.map(Value::Int).unwrap_or(Value::Null);
        let mut values = Vec::new();
        for r in type_info::rows_for(data_type, version) {
            values.extend([
                Value::Text(r.type_name.to_string()),
                Value::SmallInt(r.data_type_for(version)),
                int(r.column_size),
                text(r.literal_prefix),
                text(r.literal_suffix),
                text(r.create_params),
                Value::SmallInt(r.nullable),
                Value::SmallInt(r.case_sensitive),
                Value::SmallInt(r.searchable),
                small(r.unsigned_attribute),
                Value::SmallInt(r.fixed_prec_scale),
                small(r.auto_unique_value),
                text(r.local_type_name),
                small(r.minimum_scale),
                small(r.maximum_scale),
                Value::SmallInt(r.sql_data_type),
                small(r.sql_datetime_sub),
                int(r.num_prec_radix),
                small(r.interval_precision),
                Value::SmallInt(r.usertype),
            ]);
        }
        s.exec_local(columns, values)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetTypeInfo(handle: Handle, data_type: i16) -> SqlReturn {
    get_type_info(handle, data_type)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetTypeInfoW(handle: Handle, data_type: i16) -> SqlReturn {
    get_type_info(handle, data_type)
}
