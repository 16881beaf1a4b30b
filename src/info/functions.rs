//! SQLGetFunctions: the functions this driver implements.
//!
//! The list must match the ffi layer's exports exactly: unixODBC believes the answer and
//! calls through it. Decisions on the optional ones:
//! - implemented: `SQLTablePrivileges`, `SQLColumnPrivileges` (plain `sp_table_privileges` /
//!   `sp_column_privileges` calls, as msodbcsql makes);
//! - not implemented: `SQLExtendedFetch` (the Driver Manager maps it onto `SQLFetchScroll`),
//!   `SQLBrowseConnect` (interactive discovery, unused by pyodbc, isql or SQLAlchemy),
//!   `SQLSetPos`, `SQLBulkOperations`, `SQLSetScrollOptions` (no scrollable or updatable
//!   cursors), `SQLCancelHandle`; `SQLBindParam`, `SQLSetParam`, `SQLParamOptions`,
//!   `SQLDataSources` and `SQLDrivers` are the Driver Manager's.

/// SQL_API_* numbers (sql.h, sqlext.h).
pub mod api {
    pub const SQL_API_ALL_FUNCTIONS: u16 = 0;
    pub const SQL_API_ODBC3_ALL_FUNCTIONS: u16 = 999;

    pub const SQL_API_SQLALLOCCONNECT: u16 = 1;
    pub const SQL_API_SQLALLOCENV: u16 = 2;
    pub const SQL_API_SQLALLOCSTMT: u16 = 3;
    pub const SQL_API_SQLBINDCOL: u16 = 4;
    pub const SQL_API_SQLCANCEL: u16 = 5;
    /// Also `SQL_API_SQLCOLATTRIBUTES` (ODBC 2).
    pub const SQL_API_SQLCOLATTRIBUTE: u16 = 6;
    pub const SQL_API_SQLCONNECT: u16 = 7;
    pub const SQL_API_SQLDESCRIBECOL: u16 = 8;
    pub const SQL_API_SQLDISCONNECT: u16 = 9;
    pub const SQL_API_SQLERROR: u16 = 10;
    pub const SQL_API_SQLEXECDIRECT: u16 = 11;
    pub const SQL_API_SQLEXECUTE: u16 = 12;
    pub const SQL_API_SQLFETCH: u16 = 13;
    pub const SQL_API_SQLFREECONNECT: u16 = 14;
    pub const SQL_API_SQLFREEENV: u16 = 15;
    pub const SQL_API_SQLFREESTMT: u16 = 16;
    pub const SQL_API_SQLGETCURSORNAME: u16 = 17;
    pub const SQL_API_SQLNUMRESULTCOLS: u16 = 18;
    pub const SQL_API_SQLPREPARE: u16 = 19;
    pub const SQL_API_SQLROWCOUNT: u16 = 20;
    pub const SQL_API_SQLSETCURSORNAME: u16 = 21;
    pub const SQL_API_SQLSETPARAM: u16 = 22;
    pub const SQL_API_SQLTRANSACT: u16 = 23;
    pub const SQL_API_SQLBULKOPERATIONS: u16 = 24;
    pub const SQL_API_SQLCOLUMNS: u16 = 40;
    pub const SQL_API_SQLDRIVERCONNECT: u16 = 41;
    pub const SQL_API_SQLGETCONNECTOPTION: u16 = 42;
    pub const SQL_API_SQLGETDATA: u16 = 43;
    pub const SQL_API_SQLGETFUNCTIONS: u16 = 44;
    pub const SQL_API_SQLGETINFO: u16 = 45;
    pub const SQL_API_SQLGETSTMTOPTION: u16 = 46;
    pub const SQL_API_SQLGETTYPEINFO: u16 = 47;
    pub const SQL_API_SQLPARAMDATA: u16 = 48;
    pub const SQL_API_SQLPUTDATA: u16 = 49;
    pub const SQL_API_SQLSETCONNECTOPTION: u16 = 50;
    pub const SQL_API_SQLSETSTMTOPTION: u16 = 51;
    pub const SQL_API_SQLSPECIALCOLUMNS: u16 = 52;
    pub const SQL_API_SQLSTATISTICS: u16 = 53;
    pub const SQL_API_SQLTABLES: u16 = 54;
    pub const SQL_API_SQLBROWSECONNECT: u16 = 55;
    pub const SQL_API_SQLCOLUMNPRIVILEGES: u16 = 56;
    pub const SQL_API_SQLDATASOURCES: u16 = 57;
    pub const SQL_API_SQLDESCRIBEPARAM: u16 = 58;
    pub const SQL_API_SQLEXTENDEDFETCH: u16 = 59;
    pub const SQL_API_SQLFOREIGNKEYS: u16 = 60;
    pub const SQL_API_SQLMORERESULTS: u16 = 61;
    pub const SQL_API_SQLNATIVESQL: u16 = 62;
    pub const SQL_API_SQLNUMPARAMS: u16 = 63;
    pub const SQL_API_SQLPARAMOPTIONS: u16 = 64;
    pub const SQL_API_SQLPRIMARYKEYS: u16 = 65;
    pub const SQL_API_SQLPROCEDURECOLUMNS: u16 = 66;
    pub const SQL_API_SQLPROCEDURES: u16 = 67;
    pub const SQL_API_SQLSETPOS: u16 = 68;
    pub const SQL_API_SQLSETSCROLLOPTIONS: u16 = 69;
    pub const SQL_API_SQLTABLEPRIVILEGES: u16 = 70;
    pub const SQL_API_SQLDRIVERS: u16 = 71;
    pub const SQL_API_SQLBINDPARAMETER: u16 = 72;
    pub const SQL_API_SQLALLOCHANDLE: u16 = 1001;
    pub const SQL_API_SQLBINDPARAM: u16 = 1002;
    pub const SQL_API_SQLCLOSECURSOR: u16 = 1003;
    pub const SQL_API_SQLCOPYDESC: u16 = 1004;
    pub const SQL_API_SQLENDTRAN: u16 = 1005;
    pub const SQL_API_SQLFREEHANDLE: u16 = 1006;
    pub const SQL_API_SQLGETCONNECTATTR: u16 = 1007;
    pub const SQL_API_SQLGETDESCFIELD: u16 = 1008;
    pub const SQL_API_SQLGETDESCREC: u16 = 1009;
    pub const SQL_API_SQLGETDIAGFIELD: u16 = 1010;
    pub const SQL_API_SQLGETDIAGREC: u16 = 1011;
    pub const SQL_API_SQLGETENVATTR: u16 = 1012;
    pub const SQL_API_SQLGETSTMTATTR: u16 = 1014;
    pub const SQL_API_SQLSETCONNECTATTR: u16 = 1016;
    pub const SQL_API_SQLSETDESCFIELD: u16 = 1017;
    pub const SQL_API_SQLSETDESCREC: u16 = 1018;
    pub const SQL_API_SQLSETENVATTR: u16 = 1019;
    pub const SQL_API_SQLSETSTMTATTR: u16 = 1020;
    pub const SQL_API_SQLFETCHSCROLL: u16 = 1021;
    pub const SQL_API_SQLCANCELHANDLE: u16 = 1022;
}

use api::*;

/// Every function the driver exports, by SQL_API_* number.
pub const IMPLEMENTED: &[u16] = &[
    SQL_API_SQLALLOCHANDLE,
    SQL_API_SQLFREEHANDLE,
    SQL_API_SQLALLOCENV,
    SQL_API_SQLALLOCCONNECT,
    SQL_API_SQLALLOCSTMT,
    SQL_API_SQLFREEENV,
    SQL_API_SQLFREECONNECT,
    SQL_API_SQLFREESTMT,
    SQL_API_SQLSETENVATTR,
    SQL_API_SQLGETENVATTR,
    SQL_API_SQLSETCONNECTATTR,
    SQL_API_SQLGETCONNECTATTR,
    SQL_API_SQLSETCONNECTOPTION,
    SQL_API_SQLGETCONNECTOPTION,
    SQL_API_SQLSETSTMTATTR,
    SQL_API_SQLGETSTMTATTR,
    SQL_API_SQLSETSTMTOPTION,
    SQL_API_SQLGETSTMTOPTION,
    SQL_API_SQLDRIVERCONNECT,
    SQL_API_SQLCONNECT,
    SQL_API_SQLDISCONNECT,
    SQL_API_SQLGETINFO,
    SQL_API_SQLGETFUNCTIONS,
    SQL_API_SQLGETTYPEINFO,
    SQL_API_SQLNATIVESQL,
    SQL_API_SQLEXECDIRECT,
    SQL_API_SQLPREPARE,
    SQL_API_SQLEXECUTE,
    SQL_API_SQLNUMPARAMS,
    SQL_API_SQLDESCRIBEPARAM,
    SQL_API_SQLBINDPARAMETER,
    SQL_API_SQLPARAMDATA,
    SQL_API_SQLPUTDATA,
    SQL_API_SQLNUMRESULTCOLS,
    SQL_API_SQLDESCRIBECOL,
    SQL_API_SQLCOLATTRIBUTE,
    SQL_API_SQLBINDCOL,
    SQL_API_SQLFETCH,
    SQL_API_SQLFETCHSCROLL,
    SQL_API_SQLGETDATA,
    SQL_API_SQLROWCOUNT,
    SQL_API_SQLMORERESULTS,
    SQL_API_SQLCLOSECURSOR,
    SQL_API_SQLCANCEL,
    SQL_API_SQLENDTRAN,
    SQL_API_SQLTRANSACT,
    SQL_API_SQLGETDIAGREC,
    SQL_API_SQLGETDIAGFIELD,
    SQL_API_SQLERROR,
    SQL_API_SQLGETDESCFIELD,
    SQL_API_SQLSETDESCFIELD,
    SQL_API_SQLGETDESCREC,
    SQL_API_SQLSETDESCREC,
    SQL_API_SQLCOPYDESC,
    SQL_API_SQLGETCURSORNAME,
    SQL_API_SQLSETCURSORNAME,
    SQL_API_SQLTABLES,
    SQL_API_SQLCOLUMNS,
    SQL_API_SQLPRIMARYKEYS,
    SQL_API_SQLFOREIGNKEYS,
    SQL_API_SQLSTATISTICS,
    SQL_API_SQLSPECIALCOLUMNS,
    SQL_API_SQLPROCEDURES,
    SQL_API_SQLPROCEDURECOLUMNS,
    SQL_API_SQLTABLEPRIVILEGES,
    SQL_API_SQLCOLUMNPRIVILEGES,
];

/// Words in the `SQL_API_ODBC3_ALL_FUNCTIONS` bitmap (`SQL_API_ODBC3_ALL_FUNCTIONS_SIZE`).
pub const ODBC3_BITMAP_WORDS: usize = 250;
/// Entries in the `SQL_API_ALL_FUNCTIONS` array.
pub const ODBC2_ARRAY_LEN: usize = 100;

/// True when the driver implements the function.
pub fn supported(id: u16) -> bool {
    IMPLEMENTED.contains(&id)
}

/// The `SQL_API_ODBC3_ALL_FUNCTIONS` answer: bit `id & 15` of word `id >> 4`
/// (`SQL_FUNC_EXISTS`).
pub fn odbc3_bitmap() -> [u16; ODBC3_BITMAP_WORDS] {
    let mut words = [0u16; ODBC3_BITMAP_WORDS];
    for &id in IMPLEMENTED {
        words[usize::from(id >> 4)] |= 1 << (id & 0xF);
    }
    words
}

/// The `SQL_API_ALL_FUNCTIONS` answer (ODBC 2): `SQL_TRUE` (1) at each implemented id below
/// 100.
pub fn odbc2_array() -> [u16; ODBC2_ARRAY_LEN] {
    let mut entries = [0u16; ODBC2_ARRAY_LEN];
    for &id in IMPLEMENTED {
        if let Some(entry) = entries.get_mut(usize::from(id)) {
            *entry = 1;
        }
    }
    entries
}

/// What SQLGetFunctions writes for `function_id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FunctionsAnswer {
    /// One `SQLUSMALLINT`: `SQL_TRUE` or `SQL_FALSE`.
    One(bool),
    /// 250 `SQLUSMALLINT`s.
    Odbc3Bitmap(Box<[u16; ODBC3_BITMAP_WORDS]>),
    /// 100 `SQLUSMALLINT`s.
    Odbc2Array(Box<[u16; ODBC2_ARRAY_LEN]>),
}

/// The answer for `function_id` (an unknown id is simply not supported).
pub fn get_functions(function_id: u16) -> FunctionsAnswer {
    match function_id {
        SQL_API_ODBC3_ALL_FUNCTIONS => FunctionsAnswer::Odbc3Bitmap(Box::new(odbc3_bitmap())),
        SQL_API_ALL_FUNCTIONS => FunctionsAnswer::Odbc2Array(Box::new(odbc2_array())),
        id => FunctionsAnswer::One(supported(id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exists(words: &[u16], id: u16) -> bool {
        words[usize::from(id >> 4)] & (1 << (id & 0xF)) != 0
    }

    #[test]
    fn what_pyodbc_and_isql_call_is_there() {
        for id in [
            SQL_API_SQLDRIVERCONNECT,
            SQL_API_SQLCONNECT,
            SQL_API_SQLEXECDIRECT,
            SQL_API_SQLPREPARE,
            SQL_API_SQLNUMPARAMS,
            SQL_API_SQLDESCRIBEPARAM,
            SQL_API_SQLBINDPARAMETER,
            SQL_API_SQLPARAMDATA,
            SQL_API_SQLPUTDATA,
            SQL_API_SQLGETDATA,
            SQL_API_SQLMORERESULTS,
            SQL_API_SQLENDTRAN,
            SQL_API_SQLGETTYPEINFO,
            SQL_API_SQLTABLES,
            SQL_API_SQLCOLUMNS,
            SQL_API_SQLCOLATTRIBUTE,
            SQL_API_SQLGETDIAGREC,
        ] {
            assert!(supported(id), "{id}");
        }
    }

    #[test]
    fn undecided_and_dm_functions_are_absent() {
        for id in [
            SQL_API_SQLEXTENDEDFETCH,
            SQL_API_SQLBROWSECONNECT,
            SQL_API_SQLSETPOS,
            SQL_API_SQLBULKOPERATIONS,
            SQL_API_SQLSETSCROLLOPTIONS,
            SQL_API_SQLDATASOURCES,
            SQL_API_SQLDRIVERS,
            SQL_API_SQLBINDPARAM,
            SQL_API_SQLSETPARAM,
            SQL_API_SQLPARAMOPTIONS,
            SQL_API_SQLCANCELHANDLE,
            500,
        ] {
            assert!(!supported(id), "{id}");
        }
    }

    #[test]
    fn no_duplicates() {
        let mut ids = IMPLEMENTED.to_vec();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), IMPLEMENTED.len());
    }

    #[test]
    fn odbc3_bitmap_matches_the_list() {
        let words = odbc3_bitmap();
        for id in 0..4000u16 {
            assert_eq!(exists(&words, id), supported(id), "{id}");
        }
        // SQLAllocHandle (1001): word 62, bit 9.
        assert_eq!(words[62] & (1 << 9), 1 << 9);
    }

    #[test]
    fn odbc2_array_matches_the_list() {
        let entries = odbc2_array();
        for id in 0..100u16 {
            assert_eq!(entries[usize::from(id)] == 1, supported(id), "{id}");
        }
        assert_eq!(entries[usize::from(SQL_API_SQLFETCH)], 1);
        assert_eq!(entries[usize::from(SQL_API_SQLSETPOS)], 0);
    }

    #[test]
    fn get_functions_dispatch() {
        assert_eq!(get_functions(SQL_API_SQLFETCH), FunctionsAnswer::One(true));
        assert_eq!(
            get_functions(SQL_API_SQLSETPOS),
            FunctionsAnswer::One(false)
        );
        assert!(matches!(
            get_functions(999),
            FunctionsAnswer::Odbc3Bitmap(_)
        ));
        assert!(matches!(get_functions(0), FunctionsAnswer::Odbc2Array(_)));
    }
}
