//! Catalog functions (ANSI and W): arguments in, a catalog procedure call out.

use super::text;
use super::*;
use crate::handle::env::SQL_OV_ODBC2;
use crate::info::catalog::{self, CatalogCall};

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

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetTypeInfo(handle: Handle, data_type: i16) -> SqlReturn {
    run_catalog(handle, |s| Ok(catalog::type_info(data_type, odbc3(s))))
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetTypeInfoW(handle: Handle, data_type: i16) -> SqlReturn {
    run_catalog(handle, |s| Ok(catalog::type_info(data_type, odbc3(s))))
}
