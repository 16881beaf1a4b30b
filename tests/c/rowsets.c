/* Bound rowsets as applications drive them: column-wise arrays with a truncated column (row
 * status SQL_ROW_SUCCESS_WITH_INFO, 01004, full length in the indicator) and the unfilled tail
 * of the last rowset (SQL_ROW_NOROW); row-wise binding moved by SQL_ATTR_ROW_BIND_OFFSET_PTR;
 * a NULL into a column bound without an indicator (22002); SQLFetchScroll other than NEXT on a
 * forward-only cursor (HY106); SQLNativeSql. MS18 prints the same last four lines; it serves row
 * arrays through server cursors (sp_cursoropen), which testserver does not implement, so the
 * rowset lines follow the ODBC reference (SQLFetch, SQLBindCol) instead. */
#include "common.h"

#define ARRAY 5

static void statuses(const char *what, SQLRETURN rc, SQLULEN fetched, const SQLUSMALLINT *st, int n) {
    printf("%s rc=%d fetched=%lu statuses=", what, (int)rc, (unsigned long)fetched);
    for (int i = 0; i < n; i++) printf("%d%s", st[i], i + 1 < n ? "," : "\n");
}

static void column_wise(SQLHDBC dbc) {
    SQLHSTMT st;
    SQLINTEGER ids[ARRAY];
    SQLLEN id_ind[ARRAY], name_ind[ARRAY];
    SQLCHAR names[ARRAY][7];
    SQLUSMALLINT row_status[ARRAY];
    SQLULEN fetched = 0;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)ARRAY, 0);
    SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, row_status, 0);
    SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0);
    check("exec", SQL_HANDLE_STMT, st, SQLExecDirect(st, (SQLCHAR *)"SELECT * FROM bench.narrow(12)", SQL_NTS));
    SQLBindCol(st, 1, SQL_C_SLONG, ids, 0, id_ind);
    SQLBindCol(st, 2, SQL_C_CHAR, names, sizeof names[0], name_ind);
    for (;;) {
        memset(row_status, 0xff, sizeof row_status);
        SQLRETURN rc = SQLFetch(st);
        if (rc == SQL_SUCCESS_WITH_INFO) diag("  info", SQL_HANDLE_STMT, st, rc);
        statuses("column-wise", rc, fetched, row_status, ARRAY);
        if (!SQL_SUCCEEDED(rc)) break;
        for (SQLULEN i = 0; i < fetched; i++)
            printf("  id=%d name=%s name_ind=%ld\n", (int)ids[i], names[i], (long)name_ind[i]);
    }
    SQLFreeHandle(SQL_HANDLE_STMT, st);
}

typedef struct {
    SQLINTEGER id;
    SQLLEN id_ind;
    SQLDOUBLE value;
    SQLLEN value_ind;
} Row;

static void row_wise_with_offset(SQLHDBC dbc) {
    SQLHSTMT st;
    Row rows[4];
    SQLLEN offset = 0;
    memset(rows, 0, sizeof rows);
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    SQLSetStmtAttr(st, SQL_ATTR_ROW_BIND_TYPE, (SQLPOINTER)sizeof(Row), 0);
    SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)2, 0);
    SQLSetStmtAttr(st, SQL_ATTR_ROW_BIND_OFFSET_PTR, &offset, 0);
    check("exec", SQL_HANDLE_STMT, st, SQLExecDirect(st, (SQLCHAR *)"SELECT * FROM bench.narrow(4)", SQL_NTS));
    SQLBindCol(st, 1, SQL_C_SLONG, &rows[0].id, 0, &rows[0].id_ind);
    SQLBindCol(st, 3, SQL_C_DOUBLE, &rows[0].value, 0, &rows[0].value_ind);
    printf("offset 0: rc=%d\n", (int)SQLFetch(st));
    offset = 2 * sizeof(Row); /* the next rowset lands after the first */
    printf("offset 2 rows: rc=%d\n", (int)SQLFetch(st));
    for (int i = 0; i < 4; i++)
        printf("  rows[%d] id=%d value=%.1f inds=%ld,%ld\n", i, (int)rows[i].id, rows[i].value,
               (long)rows[i].id_ind, (long)rows[i].value_ind);
    SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void null_without_indicator(SQLHDBC dbc) {
    SQLHSTMT st;
    SQLINTEGER v = 7;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    check("exec", SQL_HANDLE_STMT, st, SQLExecDirect(st, (SQLCHAR *)"SELECT CAST(NULL AS int)", SQL_NTS));
    SQLBindCol(st, 1, SQL_C_SLONG, &v, 0, NULL);
    diag("NULL into a column bound without an indicator", SQL_HANDLE_STMT, st, SQLFetch(st));
    SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void scroll_and_native_sql(SQLHDBC dbc) {
    SQLHSTMT st;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    check("exec", SQL_HANDLE_STMT, st, SQLExecDirect(st, (SQLCHAR *)"SELECT * FROM bench.narrow(2)", SQL_NTS));
    diag("SQLFetchScroll(SQL_FETCH_PRIOR)", SQL_HANDLE_STMT, st, SQLFetchScroll(st, SQL_FETCH_PRIOR, 0));
    diag("SQLFetchScroll(SQL_FETCH_NEXT)", SQL_HANDLE_STMT, st, SQLFetchScroll(st, SQL_FETCH_NEXT, 0));
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    SQLCHAR out[128];
    SQLINTEGER len = 0;
    SQLRETURN rc = SQLNativeSql(dbc, (SQLCHAR *)"SELECT * FROM t WHERE d = {d '2024-01-02'}", SQL_NTS, out,
                                sizeof out, &len);
    printf("SQLNativeSql rc=%d len=%d text=%s\n", (int)rc, (int)len, out);
}

int main(void) {
    SQLHENV env;
    SQLHDBC dbc = connect_or_die(&env);
    column_wise(dbc);
    row_wise_with_offset(dbc);
    null_without_indicator(dbc);
    scroll_and_native_sql(dbc);
    disconnect(env, dbc);
    return 0;
}
