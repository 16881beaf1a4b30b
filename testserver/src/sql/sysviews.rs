//! The catalog views drivers and ORMs query (`sys.tables`, `INFORMATION_SCHEMA.COLUMNS`...),
//! as SQLite TEMP views over SQLite's own catalog, created on every connection. Their column
//! types are declared here, since SQLite cannot carry SQL Server types through expressions.

use super::SqlType;
use super::catalog::{max_length, precision_byte, scale_byte, system_type_id};
use super::lexer::tokenize;
use super::translate::{quote_ident, quote_str, split_commas};
use super::types::{self, octet_length, parse_type, type_name};
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value;

/// Who is on this connection: what the views report for the session.
#[derive(Clone, Debug)]
pub(crate) struct Identity {
    /// What the TDS layer reports about the connection (shared with the session, which the
    /// TDS layer may update after login).
    pub connection: std::sync::Arc<std::sync::Mutex<super::ConnectionFacts>>,
    pub db: String,
    pub db_id: i64,
    pub databases: Vec<String>,
    pub spid: i64,
    pub user: String,
    pub host: String,
    pub app: String,
}

const USER_OBJECTS: &str =
    "m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name NOT LIKE '\\_\\_ss\\_%' ESCAPE '\\'";

/// Columns of user tables and views with their SQL Server declarations.
fn columns_source() -> String {
    format!(
        "(SELECT m.name AS tbl, p.cid + 1 AS ord, p.name AS col,
             COALESCE((SELECT i.type FROM main.__ss_identity i WHERE i.tbl = m.name AND i.col = p.name), p.type) AS decl,
             (p.\"notnull\" OR p.pk > 0) AS nn,
             (SELECT 1 FROM main.__ss_identity i WHERE i.tbl = m.name AND i.col = p.name) IS NOT NULL AS ident,
             (SELECT c.cols FROM main.__ss_constraints c WHERE c.tbl = m.name AND c.name = p.name AND c.kind = 'DEFAULT') AS dflt
         FROM main.sqlite_schema m, pragma_table_xinfo(m.name, 'main') p
         WHERE m.type IN ('table', 'view') AND {USER_OBJECTS})"
    )
}

/// Foreign keys of user tables: (tbl, id, seq, ref, col, to, on_update, on_delete).
fn foreign_keys_source() -> String {
    format!(
        "(SELECT m.name AS tbl, f.id AS id, f.seq AS seq, f.\"table\" AS ref, f.\"from\" AS col, f.\"to\" AS \"to\",
                 f.on_update AS on_update, f.on_delete AS on_delete
          FROM main.sqlite_schema m, pragma_foreign_key_list(m.name, 'main') f
          WHERE m.type = 'table' AND {USER_OBJECTS})"
    )
}

/// Keys and indexes: (tbl, name, index_id, type PK/UQ/IX, is_unique, cols_json).
fn indexes_source() -> String {
    format!(
        "(SELECT c.tbl AS tbl, c.name AS name,
                 CASE c.kind WHEN 'PRIMARY KEY' THEN 1 ELSE ss_object_id(c.name) % 100000 + 2 END AS index_id,
                 CASE c.kind WHEN 'PRIMARY KEY' THEN 'PK' ELSE 'UQ' END AS type, 1 AS is_unique,
                 '[\"' || replace(c.cols, ',', '\",\"') || '\"]' AS cols_json
          FROM main.__ss_constraints c WHERE c.kind IN ('PRIMARY KEY', 'UNIQUE')
          UNION ALL
          SELECT m.tbl_name, m.name, ss_object_id(m.name) % 100000 + 2, 'IX', m.sql LIKE 'CREATE UNIQUE%',
                 (SELECT json_group_array(i.name) FROM pragma_index_info(m.name) i)
          FROM main.sqlite_schema m WHERE m.type = 'index' AND m.sql IS NOT NULL AND {USER_OBJECTS})"
    )
}

fn objects_source() -> String {
    format!(
        "(SELECT m.name AS name, CASE m.type WHEN 'view' THEN 'V' ELSE 'U' END AS type,
                 CASE m.type WHEN 'view' THEN 'VIEW' ELSE 'USER_TABLE' END AS type_desc
          FROM main.sqlite_schema m WHERE m.type IN ('table', 'view') AND {USER_OBJECTS}
          UNION ALL SELECT name, 'P', 'SQL_STORED_PROCEDURE' FROM main.__ss_procs)"
    )
}

/// SQL Server's referential action number for SQLite's ON DELETE/UPDATE text in `column`
/// (RESTRICT, which SQL Server lacks, counts as NO ACTION).
fn referential_action(column: &str) -> String {
    format!(
        "CASE upper({column}) WHEN 'CASCADE' THEN 1 WHEN 'SET NULL' THEN 2 WHEN 'SET DEFAULT' THEN 3 ELSE 0 END"
    )
}

fn referential_action_desc(column: &str) -> String {
    format!(
        "CASE upper({column}) WHEN 'CASCADE' THEN 'CASCADE' WHEN 'SET NULL' THEN 'SET_NULL'
                             WHEN 'SET DEFAULT' THEN 'SET_DEFAULT' ELSE 'NO_ACTION' END"
    )
}

/// (view name, SELECT, column declarations)
fn views(id: &Identity) -> Vec<(&'static str, String, &'static str)> {
    let dates =
        "'2024-01-01 00:00:00.000' AS create_date, '2024-01-01 00:00:00.000' AS modify_date";
    let dbs: Vec<String> = id
        .databases
        .iter()
        .enumerate()
        .map(|(i, n)| format!("SELECT {} AS name, {} AS database_id", quote_str(n), i + 1))
        .collect();
    let type_rows: Vec<String> = base_types()
        .iter()
        .map(|(n, t)| {
            format!(
                "SELECT {} AS name, {id} AS system_type_id, {id} AS user_type_id, 4 AS schema_id, {} AS max_length, {} AS precision, {} AS scale",
                quote_str(n),
                max_length(t),
                precision_byte(t),
                scale_byte(t),
                id = system_type_id(t)
            )
        })
        .collect();
    vec![
        (
            "INFORMATION_SCHEMA.TABLES",
            format!(
                "SELECT ss_db() AS TABLE_CATALOG, 'dbo' AS TABLE_SCHEMA, name AS TABLE_NAME,
                        CASE type WHEN 'V' THEN 'VIEW' ELSE 'BASE TABLE' END AS TABLE_TYPE
                 FROM {} WHERE type IN ('U', 'V')",
                objects_source()
            ),
            "TABLE_CATALOG nvarchar(128), TABLE_SCHEMA nvarchar(128), TABLE_NAME sysname, TABLE_TYPE varchar(10)",
        ),
        (
            "INFORMATION_SCHEMA.VIEWS",
            format!(
                "SELECT ss_db() AS TABLE_CATALOG, 'dbo' AS TABLE_SCHEMA, name AS TABLE_NAME, sql AS VIEW_DEFINITION,
                        'NONE' AS CHECK_OPTION, 'NO' AS IS_UPDATABLE
                 FROM main.sqlite_schema m WHERE type = 'view' AND {USER_OBJECTS}"
            ),
            "TABLE_CATALOG nvarchar(128), TABLE_SCHEMA nvarchar(128), TABLE_NAME sysname, VIEW_DEFINITION nvarchar(4000), CHECK_OPTION varchar(7), IS_UPDATABLE varchar(2)",
        ),
        (
            "INFORMATION_SCHEMA.COLUMNS",
            format!(
                "SELECT ss_db() AS TABLE_CATALOG, 'dbo' AS TABLE_SCHEMA, tbl AS TABLE_NAME, col AS COLUMN_NAME,
                        ord AS ORDINAL_POSITION, dflt AS COLUMN_DEFAULT,
                        CASE WHEN nn OR ident THEN 'NO' ELSE 'YES' END AS IS_NULLABLE,
                        ss_typeinfo(decl, 'name') AS DATA_TYPE,
                        ss_typeinfo(decl, 'char_max') AS CHARACTER_MAXIMUM_LENGTH,
                        ss_typeinfo(decl, 'octet_max') AS CHARACTER_OCTET_LENGTH,
                        ss_typeinfo(decl, 'num_precision') AS NUMERIC_PRECISION,
                        ss_typeinfo(decl, 'num_radix') AS NUMERIC_PRECISION_RADIX,
                        ss_typeinfo(decl, 'num_scale') AS NUMERIC_SCALE,
                        ss_typeinfo(decl, 'dt_precision') AS DATETIME_PRECISION,
                        CASE WHEN ss_typeinfo(decl, 'char_max') IS NOT NULL AND ss_typeinfo(decl, 'name') NOT LIKE '%binary' AND ss_typeinfo(decl, 'name') <> 'image' THEN 'iso_1' END AS CHARACTER_SET_NAME,
                        CASE WHEN ss_typeinfo(decl, 'char_max') IS NOT NULL AND ss_typeinfo(decl, 'name') NOT LIKE '%binary' AND ss_typeinfo(decl, 'name') <> 'image' THEN 'SQL_Latin1_General_CP1_CI_AS' END AS COLLATION_NAME
                 FROM {}",
                columns_source()
            ),
            "TABLE_CATALOG nvarchar(128), TABLE_SCHEMA nvarchar(128), TABLE_NAME sysname, COLUMN_NAME sysname, ORDINAL_POSITION int,
             COLUMN_DEFAULT nvarchar(4000), IS_NULLABLE varchar(3), DATA_TYPE nvarchar(128), CHARACTER_MAXIMUM_LENGTH int,
             CHARACTER_OCTET_LENGTH int, NUMERIC_PRECISION tinyint, NUMERIC_PRECISION_RADIX smallint, NUMERIC_SCALE int,
             DATETIME_PRECISION smallint, CHARACTER_SET_NAME sysname, COLLATION_NAME sysname",
        ),
        (
            "INFORMATION_SCHEMA.ROUTINES",
            "SELECT ss_db() AS ROUTINE_CATALOG, 'dbo' AS ROUTINE_SCHEMA, name AS ROUTINE_NAME, 'PROCEDURE' AS ROUTINE_TYPE,
                    body AS ROUTINE_DEFINITION FROM main.__ss_procs"
                .into(),
            "ROUTINE_CATALOG nvarchar(128), ROUTINE_SCHEMA nvarchar(128), ROUTINE_NAME sysname, ROUTINE_TYPE nvarchar(20), ROUTINE_DEFINITION nvarchar(4000)",
        ),
        (
            "INFORMATION_SCHEMA.SCHEMATA",
            "SELECT ss_db() AS CATALOG_NAME, s.column1 AS SCHEMA_NAME, s.column1 AS SCHEMA_OWNER
             FROM (VALUES ('dbo'), ('guest'), ('INFORMATION_SCHEMA'), ('sys')) s"
                .into(),
            "CATALOG_NAME sysname, SCHEMA_NAME sysname, SCHEMA_OWNER sysname",
        ),
        (
            "INFORMATION_SCHEMA.TABLE_CONSTRAINTS",
            format!(
                "SELECT ss_db() AS CONSTRAINT_CATALOG, 'dbo' AS CONSTRAINT_SCHEMA, name AS CONSTRAINT_NAME, ss_db() AS TABLE_CATALOG,
                        'dbo' AS TABLE_SCHEMA, tbl AS TABLE_NAME, kind AS CONSTRAINT_TYPE, 'NO' AS IS_DEFERRABLE, 'NO' AS INITIALLY_DEFERRED
                 FROM main.__ss_constraints WHERE kind IN ('PRIMARY KEY', 'UNIQUE')
                 UNION ALL
                 SELECT DISTINCT ss_db(), 'dbo', 'FK__' || tbl || '__' || id, ss_db(), 'dbo', tbl, 'FOREIGN KEY', 'NO', 'NO' FROM {}",
                foreign_keys_source()
            ),
            "CONSTRAINT_CATALOG nvarchar(128), CONSTRAINT_SCHEMA nvarchar(128), CONSTRAINT_NAME sysname, TABLE_CATALOG nvarchar(128),
             TABLE_SCHEMA nvarchar(128), TABLE_NAME sysname, CONSTRAINT_TYPE varchar(11), IS_DEFERRABLE varchar(2), INITIALLY_DEFERRED varchar(2)",
        ),
        (
            "INFORMATION_SCHEMA.KEY_COLUMN_USAGE",
            format!(
                "SELECT ss_db() AS CONSTRAINT_CATALOG, 'dbo' AS CONSTRAINT_SCHEMA, c.name AS CONSTRAINT_NAME, ss_db() AS TABLE_CATALOG,
                        'dbo' AS TABLE_SCHEMA, c.tbl AS TABLE_NAME, j.value AS COLUMN_NAME, j.key + 1 AS ORDINAL_POSITION
                 FROM main.__ss_constraints c, json_each('[\"' || replace(c.cols, ',', '\",\"') || '\"]') j
                 WHERE c.kind IN ('PRIMARY KEY', 'UNIQUE')
                 UNION ALL
                 SELECT ss_db(), 'dbo', 'FK__' || tbl || '__' || id, ss_db(), 'dbo', tbl, col, seq + 1 FROM {}",
                foreign_keys_source()
            ),
            "CONSTRAINT_CATALOG nvarchar(128), CONSTRAINT_SCHEMA nvarchar(128), CONSTRAINT_NAME sysname, TABLE_CATALOG nvarchar(128),
             TABLE_SCHEMA nvarchar(128), TABLE_NAME sysname, COLUMN_NAME sysname, ORDINAL_POSITION int",
        ),
        (
            "INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS",
            format!(
                "SELECT DISTINCT ss_db() AS CONSTRAINT_CATALOG, 'dbo' AS CONSTRAINT_SCHEMA, 'FK__' || tbl || '__' || id AS CONSTRAINT_NAME,
                        ss_db() AS UNIQUE_CONSTRAINT_CATALOG, 'dbo' AS UNIQUE_CONSTRAINT_SCHEMA,
                        (SELECT c.name FROM main.__ss_constraints c WHERE c.tbl = ref AND c.kind = 'PRIMARY KEY') AS UNIQUE_CONSTRAINT_NAME,
                        'SIMPLE' AS MATCH_OPTION, upper(on_update) AS UPDATE_RULE, upper(on_delete) AS DELETE_RULE
                 FROM {}",
                foreign_keys_source()
            ),
            "CONSTRAINT_CATALOG nvarchar(128), CONSTRAINT_SCHEMA nvarchar(128), CONSTRAINT_NAME sysname,
             UNIQUE_CONSTRAINT_CATALOG nvarchar(128), UNIQUE_CONSTRAINT_SCHEMA nvarchar(128), UNIQUE_CONSTRAINT_NAME sysname,
             MATCH_OPTION varchar(7), UPDATE_RULE varchar(11), DELETE_RULE varchar(11)",
        ),
        (
            "sys.default_constraints",
            format!(
                "SELECT ss_object_id('DF__' || tbl || '__' || col) AS object_id, 'DF__' || tbl || '__' || col AS name,
                        1 AS schema_id, ss_object_id(tbl) AS parent_object_id, ord AS parent_column_id, dflt AS definition,
                        'D' AS type, 'DEFAULT_CONSTRAINT' AS type_desc, 0 AS is_system_named
                 FROM {} WHERE dflt IS NOT NULL",
                columns_source()
            ),
            "object_id int, name sysname, schema_id int, parent_object_id int, parent_column_id int, definition nvarchar(4000),
             type char(2), type_desc nvarchar(60), is_system_named bit",
        ),
        (
            "sys.computed_columns",
            "SELECT 0 AS object_id, '' AS name, 0 AS column_id, 1 AS is_computed, 0 AS is_persisted, '' AS definition WHERE 0".into(),
            "object_id int, name sysname, column_id int, is_computed bit, is_persisted bit, definition nvarchar(4000)",
        ),
        (
            "sys.extended_properties",
            "SELECT 0 AS class, '' AS class_desc, 0 AS major_id, 0 AS minor_id, '' AS name, NULL AS value WHERE 0".into(),
            "class tinyint, class_desc nvarchar(60), major_id int, minor_id int, name sysname, value sql_variant",
        ),
        (
            "sys.foreign_keys",
            format!(
                "SELECT DISTINCT 'FK__' || tbl || '__' || id AS name, ss_object_id('FK__' || tbl || '__' || id) AS object_id,
                        NULL AS principal_id, 1 AS schema_id, ss_object_id(tbl) AS parent_object_id, 'F' AS type,
                        'FOREIGN_KEY_CONSTRAINT' AS type_desc, {dates}, 0 AS is_ms_shipped, ss_object_id(ref) AS referenced_object_id,
                        1 AS key_index_id, 0 AS is_disabled, 0 AS is_not_for_replication, 0 AS is_not_trusted,
                        {delete_action} AS delete_referential_action, {delete_desc} AS delete_referential_action_desc,
                        {update_action} AS update_referential_action, {update_desc} AS update_referential_action_desc,
                        1 AS is_system_named
                 FROM {}",
                foreign_keys_source(),
                delete_action = referential_action("on_delete"),
                update_action = referential_action("on_update"),
                delete_desc = referential_action_desc("on_delete"),
                update_desc = referential_action_desc("on_update"),
            ),
            "name sysname, object_id int, principal_id int, schema_id int, parent_object_id int, type char(2), type_desc nvarchar(60),
             create_date datetime, modify_date datetime, is_ms_shipped bit, referenced_object_id int, key_index_id int, is_disabled bit,
             is_not_for_replication bit, is_not_trusted bit, delete_referential_action tinyint, delete_referential_action_desc nvarchar(60),
             update_referential_action tinyint, update_referential_action_desc nvarchar(60), is_system_named bit",
        ),
        (
            "sys.foreign_key_columns",
            format!(
                "SELECT ss_object_id('FK__' || f.tbl || '__' || f.id) AS constraint_object_id, f.seq + 1 AS constraint_column_id,
                        ss_object_id(f.tbl) AS parent_object_id, p.ord AS parent_column_id,
                        ss_object_id(f.ref) AS referenced_object_id, r.ord AS referenced_column_id
                 FROM {} f JOIN {} p ON p.tbl = f.tbl AND p.col = f.col COLLATE NOCASE
                           JOIN {} r ON r.tbl = f.ref COLLATE NOCASE AND r.col = f.\"to\" COLLATE NOCASE",
                foreign_keys_source(),
                columns_source(),
                columns_source()
            ),
            "constraint_object_id int, constraint_column_id int, parent_object_id int, parent_column_id int,
             referenced_object_id int, referenced_column_id int",
        ),
        (
            "sys.key_constraints",
            format!(
                "SELECT name, ss_object_id(name) AS object_id, NULL AS principal_id, 1 AS schema_id, ss_object_id(tbl) AS parent_object_id,
                        type, CASE type WHEN 'PK' THEN 'PRIMARY_KEY_CONSTRAINT' ELSE 'UNIQUE_CONSTRAINT' END AS type_desc,
                        index_id AS unique_index_id, 0 AS is_system_named, {dates}, 0 AS is_ms_shipped
                 FROM {} WHERE type IN ('PK', 'UQ')",
                indexes_source()
            ),
            "name sysname, object_id int, principal_id int, schema_id int, parent_object_id int, type char(2), type_desc nvarchar(60),
             unique_index_id int, is_system_named bit, create_date datetime, modify_date datetime, is_ms_shipped bit",
        ),
        (
            "sys.indexes",
            format!(
                "SELECT ss_object_id(tbl) AS object_id, name, index_id, CASE type WHEN 'PK' THEN 1 ELSE 2 END AS type,
                        CASE type WHEN 'PK' THEN 'CLUSTERED' ELSE 'NONCLUSTERED' END AS type_desc, is_unique,
                        type = 'PK' AS is_primary_key, type = 'UQ' AS is_unique_constraint, 0 AS is_disabled, 0 AS has_filter,
                        NULL AS filter_definition
                 FROM {}",
                indexes_source()
            ),
            "object_id int, name sysname, index_id int, type tinyint, type_desc nvarchar(60), is_unique bit, is_primary_key bit,
             is_unique_constraint bit, is_disabled bit, has_filter bit, filter_definition nvarchar(max)",
        ),
        (
            "sys.index_columns",
            format!(
                "SELECT ss_object_id(x.tbl) AS object_id, x.index_id, j.key + 1 AS index_column_id, c.ord AS column_id,
                        j.key + 1 AS key_ordinal, 0 AS is_descending_key, 0 AS is_included_column
                 FROM {} x, json_each(x.cols_json) j JOIN {} c ON c.tbl = x.tbl AND c.col = j.value COLLATE NOCASE",
                indexes_source(),
                columns_source()
            ),
            "object_id int, index_id int, index_column_id int, column_id int, key_ordinal tinyint, is_descending_key bit,
             is_included_column bit",
        ),
        (
            "sysobjects",
            format!(
                "SELECT name, ss_object_id(name) AS id, type AS xtype, 1 AS uid, 0 AS parent_obj,
                        '2024-01-01 00:00:00.000' AS crdate, '2024-01-01 00:00:00.000' AS refdate, type
                 FROM {}
                 UNION ALL
                 SELECT s.column1, -s.column2, 'S', 4, 0, '2022-10-08 05:58:25.000', '2022-10-08 05:58:25.000', 'S'
                 FROM (VALUES ('sysrscols', 3), ('sysrowsets', 5), ('sysclones', 6), ('sysallocunits', 7),
                              ('sysfiles1', 8), ('sysseobjvalues', 9), ('syspriorities', 17), ('sysdbfrag', 18),
                              ('sysfgfrag', 19), ('sysdbfiles', 20), ('syspru', 22), ('sysbrickfiles', 23)) s",
                objects_source()
            ),
            "name sysname, id int, xtype char(2), uid smallint, parent_obj int, crdate datetime, refdate datetime, type char(2)",
        ),
        (
            "sys.objects",
            format!(
                "SELECT name, ss_object_id(name) AS object_id, NULL AS principal_id, 1 AS schema_id, 0 AS parent_object_id,
                        type, type_desc, {dates}, 0 AS is_ms_shipped, 0 AS is_published, 0 AS is_schema_published
                 FROM {}",
                objects_source()
            ),
            "name sysname, object_id int, principal_id int, schema_id int, parent_object_id int, type char(2), type_desc nvarchar(60),
             create_date datetime, modify_date datetime, is_ms_shipped bit, is_published bit, is_schema_published bit",
        ),
        (
            "sys.tables",
            format!(
                "SELECT name, ss_object_id(name) AS object_id, NULL AS principal_id, 1 AS schema_id, 0 AS parent_object_id,
                        type, type_desc, {dates}, 0 AS is_ms_shipped, 0 AS is_published, 0 AS is_schema_published,
                        0 AS temporal_type, 'NON_TEMPORAL_TABLE' AS temporal_type_desc, 0 AS is_memory_optimized,
                        0 AS is_filetable, 0 AS is_external, 0 AS is_node, 0 AS is_edge
                 FROM {} WHERE type = 'U'",
                objects_source()
            ),
            "name sysname, object_id int, principal_id int, schema_id int, parent_object_id int, type char(2), type_desc nvarchar(60),
             create_date datetime, modify_date datetime, is_ms_shipped bit, is_published bit, is_schema_published bit,
             temporal_type tinyint, temporal_type_desc nvarchar(60), is_memory_optimized bit, is_filetable bit, is_external bit,
             is_node bit, is_edge bit",
        ),
        (
            "sys.views",
            format!(
                "SELECT name, ss_object_id(name) AS object_id, NULL AS principal_id, 1 AS schema_id, 0 AS parent_object_id,
                        type, type_desc, {dates}, 0 AS is_ms_shipped
                 FROM {} WHERE type = 'V'",
                objects_source()
            ),
            "name sysname, object_id int, principal_id int, schema_id int, parent_object_id int, type char(2), type_desc nvarchar(60),
             create_date datetime, modify_date datetime, is_ms_shipped bit",
        ),
        (
            "sys.procedures",
            format!(
                "SELECT name, ss_object_id(name) AS object_id, NULL AS principal_id, 1 AS schema_id, 0 AS parent_object_id,
                        type, type_desc, {dates}, 0 AS is_ms_shipped
                 FROM {} WHERE type = 'P'",
                objects_source()
            ),
            "name sysname, object_id int, principal_id int, schema_id int, parent_object_id int, type char(2), type_desc nvarchar(60),
             create_date datetime, modify_date datetime, is_ms_shipped bit",
        ),
        (
            "sys.columns",
            format!(
                "SELECT ss_object_id(tbl) AS object_id, col AS name, ord AS column_id,
                        ss_typeinfo(decl, 'system_type_id') AS system_type_id, ss_typeinfo(decl, 'system_type_id') AS user_type_id,
                        ss_typeinfo(decl, 'max_length') AS max_length, ss_typeinfo(decl, 'precision') AS precision,
                        ss_typeinfo(decl, 'scale') AS scale,
                        CASE WHEN ss_typeinfo(decl, 'collation') = 1 THEN 'SQL_Latin1_General_CP1_CI_AS' END AS collation_name,
                        NOT (nn OR ident) AS is_nullable, 0 AS is_ansi_padded, 0 AS is_rowguidcol, ident AS is_identity,
                        0 AS is_computed, 0 AS is_filestream, 0 AS is_replicated, 0 AS is_sparse, 0 AS is_column_set,
                        CASE WHEN dflt IS NULL THEN 0 ELSE ss_object_id('DF__' || tbl || '__' || col) END AS default_object_id,
                        0 AS rule_object_id, 0 AS is_xml_document, 0 AS xml_collection_id,
                        0 AS generated_always_type, 0 AS is_hidden, 0 AS is_masked
                 FROM {}",
                columns_source()
            ),
            "object_id int, name sysname, column_id int, system_type_id tinyint, user_type_id int, max_length smallint,
             precision tinyint, scale tinyint, collation_name sysname, is_nullable bit, is_ansi_padded bit, is_rowguidcol bit,
             is_identity bit, is_computed bit, is_filestream bit, is_replicated bit, is_sparse bit, is_column_set bit,
             default_object_id int, rule_object_id int, is_xml_document bit, xml_collection_id int, generated_always_type tinyint,
             is_hidden bit, is_masked bit",
        ),
        (
            "sys.identity_columns",
            format!(
                "SELECT ss_object_id(i.tbl) AS object_id, i.col AS name, c.ord AS column_id, 1 AS is_identity, i.seed AS seed_value,
                        i.incr AS increment_value, (SELECT seq FROM main.sqlite_sequence q WHERE q.name = i.tbl) AS last_value,
                        0 AS is_not_for_replication
                 FROM main.__ss_identity i JOIN {} c ON c.tbl = i.tbl AND c.col = i.col",
                columns_source()
            ),
            "object_id int, name sysname, column_id int, is_identity bit, seed_value sql_variant, increment_value sql_variant,
             last_value sql_variant, is_not_for_replication bit",
        ),
        (
            "sys.schemas",
            "SELECT s.column1 AS name, s.column2 AS schema_id, s.column2 AS principal_id
             FROM (VALUES ('dbo', 1), ('guest', 2), ('INFORMATION_SCHEMA', 3), ('sys', 4)) s"
                .into(),
            "name sysname, schema_id int, principal_id int",
        ),
        (
            "sys.database_principals",
            "SELECT p.column1 AS name, p.column2 AS principal_id, p.column3 AS type, p.column4 AS type_desc,
                    p.column5 AS default_schema_name
             FROM (VALUES ('dbo', 1, 'S', 'SQL_USER', 'dbo'), ('guest', 2, 'S', 'SQL_USER', 'guest'),
                          ('public', 0, 'R', 'DATABASE_ROLE', NULL)) p"
                .into(),
            "name sysname, principal_id int, type char(1), type_desc nvarchar(60), default_schema_name sysname",
        ),
        (
            "sys.databases",
            format!(
                "SELECT name, database_id, NULL AS source_database_id, '2024-01-01 00:00:00.000' AS create_date,
                        160 AS compatibility_level, 'SQL_Latin1_General_CP1_CI_AS' AS collation_name, 0 AS user_access,
                        'MULTI_USER' AS user_access_desc, 0 AS is_read_only, 0 AS state, 'ONLINE' AS state_desc,
                        0 AS snapshot_isolation_state, 'OFF' AS snapshot_isolation_state_desc, 0 AS is_read_committed_snapshot_on,
                        3 AS recovery_model, 'SIMPLE' AS recovery_model_desc
                 FROM ({})",
                dbs.join(" UNION ALL ")
            ),
            "name sysname, database_id int, source_database_id int, create_date datetime, compatibility_level tinyint,
             collation_name sysname, user_access tinyint, user_access_desc nvarchar(60), is_read_only bit, state tinyint,
             state_desc nvarchar(60), snapshot_isolation_state tinyint, snapshot_isolation_state_desc nvarchar(60),
             is_read_committed_snapshot_on bit, recovery_model tinyint, recovery_model_desc nvarchar(60)",
        ),
        (
            "sys.types",
            format!(
                "SELECT name, system_type_id, user_type_id, schema_id, NULL AS principal_id, max_length, precision, scale,
                        NULL AS collation_name, 1 AS is_nullable, 0 AS is_user_defined, 0 AS is_assembly_type,
                        0 AS default_object_id, 0 AS rule_object_id, 0 AS is_table_type
                 FROM ({})",
                type_rows.join(" UNION ALL ")
            ),
            "name sysname, system_type_id tinyint, user_type_id int, schema_id int, principal_id int, max_length smallint,
             precision tinyint, scale tinyint, collation_name sysname, is_nullable bit, is_user_defined bit,
             is_assembly_type bit, default_object_id int, rule_object_id int, is_table_type bit",
        ),
        (
            "sys.system_views",
            "SELECT v.column1 AS name, v.column2 AS object_id, 4 AS schema_id, 'V' AS type, 'VIEW' AS type_desc
             FROM (VALUES ('dm_exec_sessions', -101), ('tables', -386), ('columns', -401), ('objects', -385),
                          ('schemas', -355), ('types', -409), ('databases', -213)) v"
                .into(),
            "name sysname, object_id int, schema_id int, type char(2), type_desc nvarchar(60)",
        ),
        (
            "sys.dm_exec_connections",
            "SELECT ss_spid() AS session_id, 0 AS most_recent_session_id, 'TCP' AS net_transport, 'TSQL' AS protocol_type,
                    ss_connection('protocol_version') AS protocol_version, ss_connection('encrypt_option') AS encrypt_option,
                    ss_connection('auth_scheme') AS auth_scheme, 1 AS node_affinity, 4096 AS net_packet_size,
                    ss_connection('client_net_address') AS client_net_address, ss_connection('client_tcp_port') AS client_tcp_port,
                    '127.0.0.1' AS local_net_address, ss_connection('local_tcp_port') AS local_tcp_port"
                .into(),
            "session_id int, most_recent_session_id int, net_transport nvarchar(40), protocol_type nvarchar(40),
             protocol_version int, encrypt_option nvarchar(40), auth_scheme nvarchar(40), node_affinity smallint,
             net_packet_size int, client_net_address varchar(48), client_tcp_port int, local_net_address varchar(48),
             local_tcp_port int",
        ),
        (
            "sys.dm_exec_sessions",
            "SELECT ss_spid() AS session_id, ss_user() AS login_name, ss_host() AS host_name, ss_app() AS program_name,
                    2 AS transaction_isolation_level, 'running' AS status, ss_db_id() AS database_id,
                    'us_english' AS language, 'ymd' AS date_format, 7 AS date_first, 1 AS is_user_process"
                .into(),
            "session_id smallint, login_name nvarchar(128), host_name nvarchar(128), program_name nvarchar(128),
             transaction_isolation_level smallint, status nvarchar(30), database_id smallint, language nvarchar(128),
             date_format nvarchar(3), date_first smallint, is_user_process bit",
        ),
    ]
}

fn base_types() -> Vec<(&'static str, SqlType)> {
    use SqlType::*;
    vec![
        ("bit", Bit),
        ("tinyint", TinyInt),
        ("smallint", SmallInt),
        ("int", Int),
        ("bigint", BigInt),
        ("real", Real),
        ("float", Float),
        (
            "decimal",
            Decimal {
                precision: 18,
                scale: 0,
            },
        ),
        (
            "numeric",
            Numeric {
                precision: 18,
                scale: 0,
            },
        ),
        ("money", Money),
        ("smallmoney", SmallMoney),
        ("char", Char(8000)),
        ("varchar", VarChar(Some(8000))),
        ("text", Text),
        ("nchar", NChar(4000)),
        ("nvarchar", NVarChar(Some(4000))),
        ("ntext", NText),
        ("binary", Binary(8000)),
        ("varbinary", VarBinary(Some(8000))),
        ("image", Image),
        ("date", Date),
        ("time", Time { scale: 7 }),
        ("datetime", DateTime),
        ("smalldatetime", SmallDateTime),
        ("datetime2", DateTime2 { scale: 7 }),
        ("datetimeoffset", DateTimeOffset { scale: 7 }),
        ("uniqueidentifier", UniqueIdentifier),
        ("xml", Xml),
        ("sql_variant", Variant),
        ("sysname", NVarChar(Some(128))),
    ]
}

/// The declared columns of catalog view `view`, if it is one.
pub(crate) fn view_columns(view: &str) -> Option<Vec<(String, SqlType)>> {
    let dummy = Identity {
        connection: Default::default(),
        db: String::new(),
        db_id: 1,
        databases: vec![String::new()],
        spid: 0,
        user: String::new(),
        host: String::new(),
        app: String::new(),
    };
    let spec = views(&dummy)
        .into_iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(view))?
        .2;
    let tokens = tokenize(spec).ok()?;
    split_commas(&tokens)
        .into_iter()
        .map(|part| {
            let name = part.first()?.name()?.to_string();
            let mut p = 1;
            let ty = parse_type(&part, &mut p, false).ok()?;
            Some((name, ty))
        })
        .collect()
}

/// Creates the views and the per-connection functions they use.
pub(crate) fn install(conn: &Connection, id: &Identity) -> rusqlite::Result<()> {
    let det = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let text_fn = |name: &str, value: String| {
        conn.create_scalar_function(name, 0, det, move |_| Ok(value.clone()))
    };
    text_fn("ss_db", id.db.clone())?;
    text_fn("ss_user", id.user.clone())?;
    text_fn("ss_host", id.host.clone())?;
    text_fn("ss_app", id.app.clone())?;
    let (spid, db_id) = (id.spid, id.db_id);
    conn.create_scalar_function("ss_spid", 0, det, move |_| Ok(spid))?;
    conn.create_scalar_function("ss_db_id", 0, det, move |_| Ok(db_id))?;
    let facts = id.connection.clone();
    conn.create_scalar_function("ss_connection", 1, FunctionFlags::SQLITE_UTF8, move |ctx| {
        let f = facts.lock().map(|f| f.clone()).unwrap_or_default();
        Ok(match ctx.get::<String>(0)?.as_str() {
            "encrypt_option" => Value::Text(if f.encrypted { "TRUE" } else { "FALSE" }.into()),
            "auth_scheme" => Value::Text(if f.auth_scheme.is_empty() {
                "SQL".into()
            } else {
                f.auth_scheme
            }),
            "client_net_address" => Value::Text(f.client_address),
            "client_tcp_port" => Value::Integer(f.client_port as i64),
            "local_tcp_port" => Value::Integer(f.local_port as i64),
            "protocol_version" => Value::Integer(f.tds_version as i64),
            _ => Value::Null,
        })
    })?;
    conn.create_scalar_function("ss_typeinfo", 2, det, |ctx| {
        let decl = ctx.get::<Option<String>>(0)?.unwrap_or_default();
        let field = ctx.get::<String>(1)?;
        Ok(typeinfo(&decl, &field))
    })?;
    let mut sql = String::new();
    for (name, select, _) in views(id) {
        sql.push_str(&format!(
            "CREATE TEMP VIEW IF NOT EXISTS {} AS {select};\n",
            quote_ident(name)
        ));
    }
    conn.execute_batch(&sql)
}

/// Facts about a column declaration for the catalog views.
fn typeinfo(decl: &str, field: &str) -> Value {
    let Some(ty) = types::parse_decl(decl) else {
        return Value::Null;
    };
    use SqlType::*;
    let int = |v: Option<i64>| v.map_or(Value::Null, Value::Integer);
    let chars = match &ty {
        Char(n) | NChar(n) | Binary(n) => Some(*n as i64),
        VarChar(n) | NVarChar(n) | VarBinary(n) => Some(n.map_or(-1, |n| n as i64)),
        Text | Image => Some(i32::MAX as i64),
        NText => Some(1_073_741_823),
        Xml => Some(-1),
        _ => None,
    };
    let numeric = matches!(
        ty,
        TinyInt
            | SmallInt
            | Int
            | BigInt
            | Real
            | Float
            | Decimal { .. }
            | Numeric { .. }
            | Money
            | SmallMoney
    );
    match field {
        "name" => Value::Text(type_name(&ty).to_string()),
        "char_max" => int(chars),
        "octet_max" => int(match &ty {
            NChar(n) => Some(*n as i64 * 2),
            NVarChar(Some(n)) => Some(*n as i64 * 2),
            NText => Some(i32::MAX as i64 - 1),
            _ => chars,
        }),
        "num_precision" => int(numeric.then(|| match ty {
            Real => 24,
            Float => 53,
            _ => precision_byte(&ty) as i64,
        })),
        "num_radix" => int(numeric.then_some(if matches!(ty, Real | Float) { 2 } else { 10 })),
        "num_scale" => {
            int((numeric && !matches!(ty, Real | Float)).then(|| scale_byte(&ty) as i64))
        }
        "dt_precision" => int(match ty {
            Date => Some(0),
            DateTime => Some(3),
            SmallDateTime => Some(0),
            Time { scale } | DateTime2 { scale } | DateTimeOffset { scale } => Some(scale as i64),
            _ => None,
        }),
        "system_type_id" => Value::Integer(system_type_id(&ty) as i64),
        "max_length" => Value::Integer(max_length(&ty) as i64),
        "precision" => Value::Integer(precision_byte(&ty) as i64),
        "scale" => Value::Integer(scale_byte(&ty) as i64),
        "collation" => Value::Integer(matches!(
            ty,
            Char(_) | VarChar(_) | Text | NChar(_) | NVarChar(_) | NText
        ) as i64),
        "octet" => int(octet_length(&ty).map(|v| v as i64)),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::super::session::tests::{run, session};
    use super::super::{Event, SqlType, SqlValue};

    fn rows(events: &[Event]) -> Vec<Vec<SqlValue>> {
        events
            .iter()
            .filter_map(|e| {
                if let Event::Row(r) = e {
                    Some(r.clone())
                } else {
                    None
                }
            })
            .collect()
    }

    #[test]
    fn every_view_runs() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE p (id INT PRIMARY KEY, u NVARCHAR(10) UNIQUE, d INT DEFAULT 0);
             CREATE TABLE c (id INT IDENTITY PRIMARY KEY, pid INT REFERENCES p(id)); CREATE INDEX ix ON c (pid);",
        );
        assert!(
            !ev.iter().any(|e| matches!(e, Event::Message { .. })),
            "{ev:?}"
        );
        for batch in [
            "CREATE VIEW v AS SELECT id FROM p",
            "CREATE PROCEDURE pr AS SELECT 1",
        ] {
            let ev = run(&mut s, batch);
            assert!(
                !ev.iter().any(|e| matches!(e, Event::Message { .. })),
                "{ev:?}"
            );
        }
        for (name, _, spec) in super::views(&super::Identity {
            connection: Default::default(),
            db: "master".into(),
            db_id: 1,
            databases: vec!["master".into()],
            spid: 51,
            user: "u".into(),
            host: "h".into(),
            app: "a".into(),
        }) {
            let ev = run(&mut s, &format!("SELECT * FROM {name}"));
            assert!(
                !ev.iter().any(|e| matches!(e, Event::Message { .. })),
                "{name}: {ev:?}"
            );
            let cols = ev
                .iter()
                .find_map(|e| {
                    if let Event::Columns(c) = e {
                        Some(c.clone())
                    } else {
                        None
                    }
                })
                .unwrap();
            let declared = super::view_columns(name).unwrap();
            assert_eq!(cols.len(), declared.len(), "{name}: {spec}");
            for (c, (n, t)) in cols.iter().zip(&declared) {
                assert_eq!((&c.name, &c.ty), (n, t), "{name}");
            }
        }
        let ev = run(
            &mut s,
            "SELECT k.name, ic.key_ordinal, col.name FROM sys.key_constraints k
               JOIN sys.index_columns ic ON ic.object_id = k.parent_object_id AND ic.index_id = k.unique_index_id
               JOIN sys.columns col ON col.object_id = ic.object_id AND col.column_id = ic.column_id
             WHERE k.type = 'PK' AND k.parent_object_id = OBJECT_ID('p')",
        );
        let r = rows(&ev);
        assert_eq!(r.len(), 1, "{ev:?}");
        assert_eq!(r[0][2], SqlValue::String("id".into()));
        let ev = run(
            &mut s,
            "SELECT CONSTRAINT_NAME, UNIQUE_CONSTRAINT_NAME FROM INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS",
        );
        assert_eq!(rows(&ev).len(), 1, "{ev:?}");
    }

    #[test]
    fn foreign_keys_and_their_columns() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE p (id INT PRIMARY KEY, code INT UNIQUE);
             CREATE TABLE c (id INT PRIMARY KEY, pcode INT REFERENCES p(code) ON DELETE CASCADE);
             SELECT OBJECT_NAME(parent_object_id), OBJECT_NAME(referenced_object_id), delete_referential_action,
                    delete_referential_action_desc, update_referential_action_desc
             FROM sys.foreign_keys WHERE referenced_object_id = OBJECT_ID('p');
             SELECT pc.name, rc.name FROM sys.foreign_key_columns k
               JOIN sys.foreign_keys f ON f.object_id = k.constraint_object_id
               JOIN sys.columns pc ON pc.object_id = k.parent_object_id AND pc.column_id = k.parent_column_id
               JOIN sys.columns rc ON rc.object_id = k.referenced_object_id AND rc.column_id = k.referenced_column_id;
             SELECT COUNT(*) FROM sys.foreign_keys WHERE referenced_object_id = OBJECT_ID('c')",
        );
        assert!(
            !ev.iter().any(|e| matches!(e, Event::Message { .. })),
            "{ev:?}"
        );
        let s_ = |v: &str| SqlValue::String(v.into());
        let r = rows(&ev);
        assert_eq!(r.len(), 3, "{ev:?}");
        assert_eq!(r[0][..2], [s_("c"), s_("p")]);
        assert_eq!(r[0][3..], [s_("CASCADE"), s_("NO_ACTION")]);
        assert_eq!(r[1], vec![s_("pcode"), s_("code")]);
    }

    #[test]
    fn identity_columns_of_a_database_without_any() {
        // SQLite makes sqlite_sequence with the first AUTOINCREMENT table; the view reads it.
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE plain (id INT PRIMARY KEY);
             SELECT name FROM sys.identity_columns",
        );
        assert!(
            !ev.iter().any(|e| matches!(e, Event::Message { .. })),
            "{ev:?}"
        );
        assert!(rows(&ev).is_empty(), "{ev:?}");
    }

    #[test]
    fn catalog_views() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE t (id INT IDENTITY PRIMARY KEY, name NVARCHAR(40) NULL, amount DECIMAL(9,3) NOT NULL)",
        );
        assert!(
            !ev.iter().any(|e| matches!(e, Event::Message { .. })),
            "{ev:?}"
        );
        let ev = run(
            &mut s,
            "SELECT TABLE_NAME, TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = 't';
             SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, IS_NULLABLE FROM [INFORMATION_SCHEMA].[COLUMNS] WHERE TABLE_NAME = N't' ORDER BY ORDINAL_POSITION;
             SELECT c.name, c.is_identity, c.max_length FROM sys.columns c JOIN sys.tables t ON c.object_id = t.object_id WHERE t.name = 't' ORDER BY c.column_id;
             SELECT OBJECT_ID('dbo.t') - object_id FROM sys.objects WHERE name = 't';
             SELECT default_schema_name FROM sys.database_principals WHERE principal_id = 1;
             SELECT transaction_isolation_level FROM sys.dm_exec_sessions WHERE session_id = @@SPID;
             SELECT name FROM master.sys.databases ORDER BY database_id",
        );
        assert!(
            !ev.iter().any(|e| matches!(e, Event::Message { .. })),
            "{ev:?}"
        );
        let cols = ev
            .iter()
            .find_map(|e| {
                if let Event::Columns(c) = e {
                    Some(c.clone())
                } else {
                    None
                }
            })
            .unwrap();
        assert_eq!(cols[0].ty, SqlType::NVarChar(Some(128)));
        let s_ = |v: &str| SqlValue::String(v.into());
        let r = rows(&ev);
        assert_eq!(r[0], vec![s_("t"), s_("BASE TABLE")]);
        assert_eq!(
            r[1],
            vec![
                s_("id"),
                s_("int"),
                SqlValue::Null,
                SqlValue::TinyInt(10),
                s_("NO")
            ]
        );
        assert_eq!(
            r[2],
            vec![
                s_("name"),
                s_("nvarchar"),
                SqlValue::Int(40),
                SqlValue::Null,
                s_("YES")
            ]
        );
        assert_eq!(r[3][4], s_("NO"));
        assert_eq!(
            r[4],
            vec![s_("id"), SqlValue::Bit(true), SqlValue::SmallInt(4)]
        );
        assert_eq!(
            r[5],
            vec![s_("name"), SqlValue::Bit(false), SqlValue::SmallInt(80)]
        );
        assert_eq!(r[7], vec![SqlValue::Int(0)]);
        assert_eq!(r[8], vec![s_("dbo")]);
        assert_eq!(r[9], vec![SqlValue::SmallInt(2)]);
        assert_eq!(r[10..], [vec![s_("master")], vec![s_("testdb")]]);
    }
}
