//! Catalog functions: the sp_tables/sp_columns/... calls msodbcsql makes (by RPC, with the
//! same arguments), and the ODBC 3 column names it reports for their results.

use crate::engine::ProcArg;

/// One catalog procedure call.
pub struct CatalogCall {
    pub procedure: &'static str,
    pub args: Vec<(&'static str, ProcArg)>,
    /// The result's column names for ODBC 3 applications (the procedures answer with ODBC 2
    /// names such as TABLE_QUALIFIER); columns past the list keep the server's names.
    pub odbc3_names: &'static [&'static str],
}

fn text(s: Option<&str>) -> ProcArg {
    ProcArg::NVarChar(s.map(str::to_string))
}

/// msodbcsql sends `%` for an owner the application left out (NULL).
fn pattern_or_all(s: Option<&str>) -> ProcArg {
    ProcArg::NVarChar(Some(s.unwrap_or("%").to_string()))
}

fn odbc_ver(odbc3: bool) -> ProcArg {
    ProcArg::TinyInt(if odbc3 { 3 } else { 2 })
}

/// `TABLE,VIEW` -> `'TABLE','VIEW'` (sp_tables wants quoted names); already quoted lists pass.
pub fn quote_table_types(types: &str) -> String {
    types
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            if t.starts_with('\'') {
                t.to_string()
            } else {
                format!("'{t}'")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub fn tables(
    catalog: Option<&str>,
    schema: Option<&str>,
    table: Option<&str>,
    types: Option<&str>,
) -> CatalogCall {
    CatalogCall {
        procedure: "sp_tables",
        args: vec![
            ("@table_name", pattern_or_all(table)),
            ("@table_owner", pattern_or_all(schema)),
            ("@table_qualifier", text(catalog)),
            ("@table_type", text(types.map(quote_table_types).as_deref())),
            ("@fUsePattern", ProcArg::Bit(true)),
        ],
        odbc3_names: &[
            "TABLE_CAT",
            "TABLE_SCHEM",
            "TABLE_NAME",
            "TABLE_TYPE",
            "REMARKS",
        ],
    }
}

pub fn columns(
    catalog: Option<&str>,
    schema: Option<&str>,
    table: Option<&str>,
    column: Option<&str>,
    odbc3: bool,
) -> CatalogCall {
    CatalogCall {
        procedure: "sp_columns_100",
        args: vec![
            ("@table_name", pattern_or_all(table)),
            ("@table_owner", pattern_or_all(schema)),
            ("@table_qualifier", text(catalog)),
            ("@column_name", text(column)),
            ("@ODBCVer", odbc_ver(odbc3)),
            ("@fUsePattern", ProcArg::Bit(true)),
        ],
        odbc3_names: &[
            "TABLE_CAT",
            "TABLE_SCHEM",
            "TABLE_NAME",
            "COLUMN_NAME",
            "DATA_TYPE",
            "TYPE_NAME",
            "COLUMN_SIZE",
            "BUFFER_LENGTH",
            "DECIMAL_DIGITS",
            "NUM_PREC_RADIX",
            "NULLABLE",
            "REMARKS",
            "COLUMN_DEF",
            "SQL_DATA_TYPE",
            "SQL_DATETIME_SUB",
            "CHAR_OCTET_LENGTH",
            "ORDINAL_POSITION",
            "IS_NULLABLE",
        ],
    }
}

pub fn primary_keys(
    catalog: Option<&str>,
    schema: Option<&str>,
    table: Option<&str>,
) -> CatalogCall {
    CatalogCall {
        procedure: "sp_pkeys",
        args: vec![
            ("@table_name", text(table)),
            ("@table_owner", text(schema)),
            ("@table_qualifier", text(catalog)),
        ],
        odbc3_names: &[
            "TABLE_CAT",
            "TABLE_SCHEM",
            "TABLE_NAME",
            "COLUMN_NAME",
            "KEY_SEQ",
            "PK_NAME",
        ],
    }
}

#[allow(clippy::too_many_arguments)]
pub fn foreign_keys(
    pk_catalog: Option<&str>,
    pk_schema: Option<&str>,
    pk_table: Option<&str>,
    fk_catalog: Option<&str>,
    fk_schema: Option<&str>,
    fk_table: Option<&str>,
) -> CatalogCall {
    CatalogCall {
        procedure: "sp_fkeys",
        args: vec![
            ("@pktable_name", text(pk_table)),
            ("@pktable_owner", text(pk_schema)),
            ("@pktable_qualifier", text(pk_catalog)),
            ("@fktable_name", text(fk_table)),
            ("@fktable_owner", text(fk_schema)),
            ("@fktable_qualifier", text(fk_catalog)),
        ],
        odbc3_names: &[
            "PKTABLE_CAT",
            "PKTABLE_SCHEM",
            "PKTABLE_NAME",
            "PKCOLUMN_NAME",
            "FKTABLE_CAT",
            "FKTABLE_SCHEM",
            "FKTABLE_NAME",
            "FKCOLUMN_NAME",
            "KEY_SEQ",
            "UPDATE_RULE",
            "DELETE_RULE",
            "FK_NAME",
            "PK_NAME",
            "DEFERRABILITY",
        ],
    }
}

pub const SQL_INDEX_UNIQUE: u16 = 0;
pub const SQL_ENSURE: u16 = 1;

pub fn statistics(
    catalog: Option<&str>,
    schema: Option<&str>,
    table: Option<&str>,
    unique: u16,
    reserved: u16,
) -> CatalogCall {
    CatalogCall {
        procedure: "sp_statistics_100",
        args: vec![
            ("@table_name", text(table)),
            ("@table_owner", text(schema)),
            ("@table_qualifier", text(catalog)),
            ("@index_name", ProcArg::NVarChar(Some("%".into()))),
            (
                "@is_unique",
                ProcArg::NChar(Some(
                    if unique == SQL_INDEX_UNIQUE { "Y" } else { "N" }.into(),
                )),
            ),
            (
                "@accuracy",
                ProcArg::NChar(Some(if reserved == SQL_ENSURE { "E" } else { "Q" }.into())),
            ),
        ],
        odbc3_names: &[
            "TABLE_CAT",
            "TABLE_SCHEM",
            "TABLE_NAME",
            "NON_UNIQUE",
            "INDEX_QUALIFIER",
            "INDEX_NAME",
            "TYPE",
            "ORDINAL_POSITION",
            "COLUMN_NAME",
            "ASC_OR_DESC",
            "CARDINALITY",
            "PAGES",
            "FILTER_CONDITION",
        ],
    }
}

pub const SQL_BEST_ROWID: u16 = 1;
pub const SQL_SCOPE_CURROW: u16 = 0;
pub const SQL_NO_NULLS: u16 = 0;

#[allow(clippy::too_many_arguments)]
pub fn special_columns(
    id_type: u16,
    catalog: Option<&str>,
    schema: Option<&str>,
    table: Option<&str>,
    scope: u16,
    nullable: u16,
    odbc3: bool,
) -> CatalogCall {
    CatalogCall {
        procedure: "sp_special_columns_100",
        args: vec![
            ("@table_name", text(table)),
            ("@table_owner", text(schema)),
            ("@qualifier", text(catalog)),
            (
                "@col_type",
                ProcArg::NChar(Some(
                    if id_type == SQL_BEST_ROWID { "R" } else { "V" }.into(),
                )),
            ),
            (
                "@scope",
                ProcArg::NChar(Some(
                    if scope == SQL_SCOPE_CURROW { "C" } else { "T" }.into(),
                )),
            ),
            (
                "@nullable",
                ProcArg::NChar(Some(
                    if nullable == SQL_NO_NULLS { "O" } else { "U" }.into(),
                )),
            ),
            ("@ODBCVer", odbc_ver(odbc3)),
        ],
        odbc3_names: &[
            "SCOPE",
            "COLUMN_NAME",
            "DATA_TYPE",
            "TYPE_NAME",
            "COLUMN_SIZE",
            "BUFFER_LENGTH",
            "DECIMAL_DIGITS",
            "PSEUDO_COLUMN",
        ],
    }
}

pub fn procedures(
    catalog: Option<&str>,
    schema: Option<&str>,
    procedure: Option<&str>,
) -> CatalogCall {
    CatalogCall {
        procedure: "sp_stored_procedures",
        args: vec![
            ("@sp_name", text(procedure)),
            ("@sp_owner", pattern_or_all(schema)),
            ("@sp_qualifier", text(catalog)),
            ("@fUsePattern", ProcArg::Bit(true)),
        ],
        odbc3_names: &[
            "PROCEDURE_CAT",
            "PROCEDURE_SCHEM",
            "PROCEDURE_NAME",
            "NUM_INPUT_PARAMS",
            "NUM_OUTPUT_PARAMS",
            "NUM_RESULT_SETS",
            "REMARKS",
            "PROCEDURE_TYPE",
        ],
    }
}

pub fn procedure_columns(
    catalog: Option<&str>,
    schema: Option<&str>,
    procedure: Option<&str>,
    column: Option<&str>,
    odbc3: bool,
) -> CatalogCall {
    CatalogCall {
        procedure: "sp_sproc_columns_100",
        args: vec![
            ("@procedure_name", pattern_or_all(procedure)),
            ("@procedure_owner", pattern_or_all(schema)),
            ("@procedure_qualifier", text(catalog)),
            ("@column_name", text(column)),
            ("@ODBCVer", odbc_ver(odbc3)),
            ("@fUsePattern", ProcArg::Bit(true)),
        ],
        odbc3_names: &[
            "PROCEDURE_CAT",
            "PROCEDURE_SCHEM",
            "PROCEDURE_NAME",
            "COLUMN_NAME",
            "COLUMN_TYPE",
            "DATA_TYPE",
            "TYPE_NAME",
            "COLUMN_SIZE",
            "BUFFER_LENGTH",
            "DECIMAL_DIGITS",
            "NUM_PREC_RADIX",
            "NULLABLE",
            "REMARKS",
            "COLUMN_DEF",
            "SQL_DATA_TYPE",
            "SQL_DATETIME_SUB",
            "CHAR_OCTET_LENGTH",
            "ORDINAL_POSITION",
            "IS_NULLABLE",
        ],
    }
}

pub fn table_privileges(
    catalog: Option<&str>,
    schema: Option<&str>,
    table: Option<&str>,
) -> CatalogCall {
    CatalogCall {
        procedure: "sp_table_privileges",
        args: vec![
            ("@table_name", pattern_or_all(table)),
            ("@table_owner", text(schema)),
            ("@table_qualifier", text(catalog)),
            ("@fUsePattern", ProcArg::Bit(true)),
        ],
        odbc3_names: &[
            "TABLE_CAT",
            "TABLE_SCHEM",
            "TABLE_NAME",
            "GRANTOR",
            "GRANTEE",
            "PRIVILEGE",
            "IS_GRANTABLE",
        ],
    }
}

pub fn column_privileges(
    catalog: Option<&str>,
    schema: Option<&str>,
    table: Option<&str>,
    column: Option<&str>,
) -> CatalogCall {
    CatalogCall {
        procedure: "sp_column_privileges",
        args: vec![
            ("@table_name", text(table)),
            ("@table_owner", text(schema)),
            ("@table_qualifier", text(catalog)),
            ("@column_name", text(column)),
        ],
        odbc3_names: &[
            "TABLE_CAT",
            "TABLE_SCHEM",
            "TABLE_NAME",
            "COLUMN_NAME",
            "GRANTOR",
            "GRANTEE",
            "PRIVILEGE",
            "IS_GRANTABLE",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_types_are_quoted_for_sp_tables() {
        assert_eq!(quote_table_types("TABLE, VIEW"), "'TABLE','VIEW'");
        assert_eq!(quote_table_types("'TABLE'"), "'TABLE'");
    }
}
