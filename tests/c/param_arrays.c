/* Parameter arrays: SQL_ATTR_PARAM_STATUS_PTR, SQL_ATTR_PARAMS_PROCESSED_PTR and the row numbers
 * of the diagnostics, for column-wise and row-wise binding, with a set the server rejects and a
 * set marked SQL_PARAM_IGNORE (sections 1-3 print what msodbcsql18 prints for them); then a
 * server that dies in the middle of an array, and one that ends batched RPCs without
 * DONE_RPCINBATCH (Babelfish): sets the server may have run are never reported as unused or
 * failed. */
#include "common.h"

#define DIE_ROWS 5000

static void print_diags(SQLHSTMT st) {
    SQLINTEGER n = 0; /* SQL_DIAG_NUMBER is an SQLINTEGER */
    SQLGetDiagField(SQL_HANDLE_STMT, st, 0, SQL_DIAG_NUMBER, &n, 0, NULL);
    for (SQLSMALLINT i = 1; i <= n; i++) {
        SQLCHAR state[6] = "";
        SQLINTEGER native = 0;
        SQLLEN row = 0;
        SQLGetDiagRec(SQL_HANDLE_STMT, st, i, state, &native, NULL, 0, NULL);
        SQLGetDiagField(SQL_HANDLE_STMT, st, i, SQL_DIAG_ROW_NUMBER, &row, 0, NULL);
        printf("  diag %d: %s native=%d row=%ld\n", i, state, (int)native, (long)row);
    }
}

static void print_outcome(SQLHSTMT st, SQLRETURN rc, SQLULEN processed, const SQLUSMALLINT *status, int n) {
    printf("  rc=%d processed=%lu statuses=", rc, (unsigned long)processed);
    for (int i = 0; i < n; i++) printf("%d%s", status[i], i + 1 < n ? " " : "\n");
    print_diags(st);
    SQLLEN count = -9;
    SQLRowCount(st, &count);
    printf("  rowcount=%ld\n", (long)count);
}

static void print_ids(SQLHDBC dbc, const char *table) {
    SQLHSTMT st;
    char sql[128];
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    snprintf(sql, sizeof sql, "SELECT id FROM %s ORDER BY id", table);
    SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
    SQLINTEGER id;
    printf("  table:");
    while (SQL_SUCCEEDED(SQLFetch(st))) {
        SQLGetData(st, 1, SQL_C_SLONG, &id, 0, NULL);
        printf(" %d", (int)id);
    }
    printf("\n");
    SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void exec(SQLHDBC dbc, const char *sql) {
    SQLHSTMT st;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
    if (rc != SQL_NO_DATA) check(sql, SQL_HANDLE_STMT, st, rc); /* a DELETE of nothing */
    SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void column_wise(SQLHDBC dbc, int with_status) {
    SQLHSTMT st;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    exec(dbc, "DELETE FROM #pa; INSERT INTO #pa VALUES (4, 'before')");
    SQLINTEGER ids[6] = {1, 2, 3, 4, 5, 6};
    SQLCHAR names[6][8] = {"one", "two", "three", "four", "five", "six"};
    SQLLEN name_len[6] = {SQL_NTS, SQL_NTS, SQL_NTS, SQL_NTS, SQL_NULL_DATA, SQL_NTS};
    SQLUSMALLINT status[6] = {99, 99, 99, 99, 99, 99};
    SQLUSMALLINT ops[6] = {SQL_PARAM_PROCEED, SQL_PARAM_IGNORE, SQL_PARAM_PROCEED,
                           SQL_PARAM_PROCEED, SQL_PARAM_PROCEED, SQL_PARAM_PROCEED};
    SQLULEN processed = 99;
    SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)6, 0);
    if (with_status) SQLSetStmtAttr(st, SQL_ATTR_PARAM_STATUS_PTR, status, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, &processed, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAM_OPERATION_PTR, ops, 0);
    SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, ids, 0, NULL);
    SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 20, 0, names, sizeof names[0], name_len);
    SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"INSERT INTO #pa VALUES (?, ?)", SQL_NTS);
    printf("column-wise, row 4 duplicate, row 2 ignored, %s status array:\n", with_status ? "with" : "without");
    print_outcome(st, rc, processed, status, 6);
    print_ids(dbc, "#pa");
    SQLFreeHandle(SQL_HANDLE_STMT, st);
}

typedef struct {
    SQLINTEGER id;
    SQLLEN id_ind;
    SQLCHAR name[12];
    SQLLEN name_ind;
} Row;

static void row_wise(SQLHDBC dbc) {
    SQLHSTMT st;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    exec(dbc, "DELETE FROM #pa; INSERT INTO #pa VALUES (13, 'before')");
    Row rows[5] = {{11, 0, "eleven", SQL_NTS}, {12, 0, "twelve", SQL_NTS}, {13, 0, "dup", SQL_NTS},
                   {14, 0, "fourteen", SQL_NTS}, {15, 0, "ignored", SQL_NTS}};
    SQLUSMALLINT status[5] = {99, 99, 99, 99, 99};
    SQLUSMALLINT ops[5] = {SQL_PARAM_PROCEED, SQL_PARAM_PROCEED, SQL_PARAM_PROCEED,
                           SQL_PARAM_PROCEED, SQL_PARAM_IGNORE};
    SQLULEN processed = 99;
    SQLSetStmtAttr(st, SQL_ATTR_PARAM_BIND_TYPE, (SQLPOINTER)sizeof(Row), 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)5, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAM_STATUS_PTR, status, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, &processed, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAM_OPERATION_PTR, ops, 0);
    SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &rows[0].id, 0, &rows[0].id_ind);
    SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 20, 0, rows[0].name,
                     sizeof rows[0].name, &rows[0].name_ind);
    check("prepare", SQL_HANDLE_STMT, st, SQLPrepare(st, (SQLCHAR *)"INSERT INTO #pa VALUES (?, ?)", SQL_NTS));
    SQLRETURN rc = SQLExecute(st);
    printf("row-wise prepared, row 3 duplicate, row 5 ignored:\n");
    print_outcome(st, rc, processed, status, 5);
    print_ids(dbc, "#pa");
    /* Executed again with the duplicate fixed: the prepared statement is reused. */
    rows[2].id = 16;
    ops[4] = SQL_PARAM_PROCEED;
    rc = SQLExecute(st);
    printf("again, ids 11 12 14 now duplicates:\n");
    print_outcome(st, rc, processed, status, 5);
    print_ids(dbc, "#pa");
    SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void result_sets(SQLHDBC dbc) {
    SQLHSTMT st;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    SQLINTEGER ids[3] = {1, 2, 3};
    SQLULEN processed = 99;
    SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)3, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, &processed, 0);
    SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, ids, 0, NULL);
    SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"SELECT ? * 10 AS v", SQL_NTS);
    printf("array of SELECTs: rc=%d processed=%lu, values:", rc, (unsigned long)processed);
    do {
        SQLINTEGER v;
        while (SQL_SUCCEEDED(SQLFetch(st))) {
            SQLGetData(st, 1, SQL_C_SLONG, &v, 0, NULL);
            printf(" %d", (int)v);
        }
    } while (SQLMoreResults(st) == SQL_SUCCESS);
    printf("\n");
    /* The second set fails (divide by zero): its error shows when the application reaches it. */
    SQLFreeStmt(st, SQL_CLOSE);
    ids[1] = 0;
    rc = SQLExecDirect(st, (SQLCHAR *)"SELECT 10 / ? AS v", SQL_NTS);
    printf("array of SELECTs, set 2 fails: rc=%d\n", rc);
    do {
        SQLINTEGER v;
        while (SQL_SUCCEEDED(SQLFetch(st))) {
            SQLGetData(st, 1, SQL_C_SLONG, &v, 0, NULL);
            printf("  value %d\n", (int)v);
        }
        rc = SQLMoreResults(st);
        printf("  more results: rc=%d\n", rc);
        if (rc != SQL_SUCCESS && rc != SQL_NO_DATA) print_diags(st);
    } while (rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO || rc == SQL_ERROR);
    SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* A fresh connection whose server applies `fault`, then an array of `n` inserts into `table`.
 * Prints the outcome and checks it against what a second connection finds in the table. */
static void broken_array(SQLHDBC setup, const char *fault, const char *table, int n) {
    SQLHENV env;
    SQLHDBC dbc = connect_or_die(&env);
    SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0);
    exec(dbc, fault);
    SQLHSTMT st;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    SQLINTEGER *ids = malloc(sizeof(SQLINTEGER) * n);
    SQLUSMALLINT *status = malloc(sizeof(SQLUSMALLINT) * n);
    for (int i = 0; i < n; i++) {
        ids[i] = i + 1;
        status[i] = 99;
    }
    SQLULEN processed = 99;
    SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)(SQLULEN)n, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAM_STATUS_PTR, status, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, &processed, 0);
    SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, ids, 0, NULL);
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (?)", table);
    SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
    SQLCHAR state[6] = "";
    SQLGetDiagRec(SQL_HANDLE_STMT, st, 1, state, NULL, NULL, 0, NULL);
    int counts[8] = {0};
    for (int i = 0; i < n; i++)
        if (status[i] < 8) counts[status[i]]++;
    printf("%s, %d sets: rc=%d state=%s processed=%lu\n", fault, n, rc, state, (unsigned long)processed);
    printf("  statuses: success=%d error=%d unused=%d diag_unavailable=%d\n", counts[SQL_PARAM_SUCCESS],
           counts[SQL_PARAM_ERROR], counts[SQL_PARAM_UNUSED], counts[SQL_PARAM_DIAG_UNAVAILABLE]);
    SQLUINTEGER dead = 0;
    SQLGetConnectAttr(dbc, SQL_ATTR_CONNECTION_DEAD, &dead, 0, NULL);
    printf("  connection dead: %s\n", dead == SQL_CD_TRUE ? "yes" : "no");

    /* What the server kept, against what the driver said. */
    SQLHSTMT q;
    SQLAllocHandle(SQL_HANDLE_STMT, setup, &q);
    snprintf(sql, sizeof sql, "SELECT id FROM %s", table);
    SQLExecDirect(q, (SQLCHAR *)sql, SQL_NTS);
    int applied = 0, misreported = 0, phantom = 0;
    char *seen = calloc(n, 1);
    SQLINTEGER id;
    while (SQL_SUCCEEDED(SQLFetch(q))) {
        SQLGetData(q, 1, SQL_C_SLONG, &id, 0, NULL);
        applied++;
        seen[id - 1] = 1;
        SQLUSMALLINT s = status[id - 1];
        if (s != SQL_PARAM_SUCCESS && s != SQL_PARAM_SUCCESS_WITH_INFO && s != SQL_PARAM_DIAG_UNAVAILABLE)
            misreported++;
    }
    for (int i = 0; i < n; i++)
        if ((status[i] == SQL_PARAM_SUCCESS || status[i] == SQL_PARAM_SUCCESS_WITH_INFO) && !seen[i]) phantom++;
    SQLFreeHandle(SQL_HANDLE_STMT, q);
    printf("  rows the server applied: %d; applied but reported unused or failed: %d; "
           "reported success but absent: %d\n", applied, misreported, phantom);
    free(seen);
    free(ids);
    free(status);
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    disconnect(env, dbc);
}

int main(void) {
    SQLHENV env;
    SQLHDBC dbc = connect_or_die(&env);
    require_sql_engine(dbc);
    exec(dbc, "CREATE TABLE #pa (id int PRIMARY KEY, name varchar(20))");
    column_wise(dbc, 1);
    column_wise(dbc, 0);
    row_wise(dbc);
    result_sets(dbc);

    SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0);
    exec(dbc, "CREATE TABLE pa_died (id int PRIMARY KEY)");
    exec(dbc, "CREATE TABLE pa_unmarked (id int PRIMARY KEY)");
    broken_array(dbc, "SET TESTSERVER_FAULT drop_after_rpcs 100", "pa_died", DIE_ROWS);
    broken_array(dbc, "SET TESTSERVER_FAULT rpc_batch_unmarked 1", "pa_unmarked", 10);
    disconnect(env, dbc);
    return 0;
}
