/* Row-wise bound rowsets with status and fetched-count pointers, column-wise parameter arrays
 * with a status array, data at execution with SQLPutData, SQL_DIAG_SS_* fields. */
#include "common.h"

typedef struct {
    SQLINTEGER id;
    SQLLEN id_ind;
    SQLCHAR name[8];
    SQLLEN name_ind;
} Row;

int main(void) {
    SQLHENV env;
    SQLHDBC dbc = connect_or_die(&env);
    require_sql_engine(dbc);
    SQLHSTMT st;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    check("create", SQL_HANDLE_STMT, st,
          SQLExecDirect(st, (SQLCHAR *)"CREATE TABLE #arr (id int PRIMARY KEY, name varchar(20))", SQL_NTS));

    /* Parameter array, column-wise: 5 rows, the 4th duplicates a key. */
    SQLINTEGER ids[5] = {1, 2, 3, 2, 5};
    SQLCHAR names[5][8] = {"one", "two", "three", "dup", "five"};
    SQLLEN name_len[5] = {SQL_NTS, SQL_NTS, SQL_NTS, SQL_NTS, SQL_NULL_DATA};
    SQLUSMALLINT status[5];
    SQLULEN processed = 0;
    SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)5, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAM_STATUS_PTR, status, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, &processed, 0);
    SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, ids, 0, NULL);
    SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 20, 0, names, sizeof names[0], name_len);
    SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"INSERT INTO #arr VALUES (?, ?)", SQL_NTS);
    diag("param array", SQL_HANDLE_STMT, st, rc);
    printf("processed=%lu statuses=%d %d %d %d %d\n", (unsigned long)processed, status[0], status[1], status[2], status[3], status[4]);
    SQLSMALLINT severity = 0;
    SQLGetDiagField(SQL_HANDLE_STMT, st, 1, SQL_DIAG_NATIVE, &severity, 0, NULL);
    SQLINTEGER native = 0, sev = 0;
    SQLLEN row = 0;
    SQLGetDiagField(SQL_HANDLE_STMT, st, 1, SQL_DIAG_NATIVE, &native, 0, NULL);
    SQLGetDiagField(SQL_HANDLE_STMT, st, 1, -1151 /* SQL_DIAG_SS_SEVERITY */, &sev, 0, NULL);
    SQLGetDiagField(SQL_HANDLE_STMT, st, 1, SQL_DIAG_ROW_NUMBER, &row, 0, NULL);
    printf("native=%d severity=%d row=%ld\n", (int)native, (int)sev, (long)row);
    SQLFreeStmt(st, SQL_RESET_PARAMS);
    SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)1, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAM_STATUS_PTR, NULL, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, NULL, 0);

    /* Data at execution: a name sent in three pieces. */
    SQLINTEGER id = 7;
    SQLLEN dae = SQL_DATA_AT_EXEC;
    SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &id, 0, NULL);
    SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 20, 0, (SQLPOINTER)2, 0, &dae);
    rc = SQLExecDirect(st, (SQLCHAR *)"INSERT INTO #arr VALUES (?, ?)", SQL_NTS);
    printf("exec with data at execution: %d\n", rc);
    SQLPOINTER token = NULL;
    rc = SQLParamData(st, &token);
    printf("paramdata: %d token=%ld\n", rc, (long)(SQLLEN)token);
    SQLPutData(st, "sev", 3);
    SQLPutData(st, "en", 2);
    SQLPutData(st, "th", 2);
    rc = SQLParamData(st, &token);
    printf("paramdata done: %d\n", rc);
    SQLFreeStmt(st, SQL_RESET_PARAMS);
    SQLFreeStmt(st, SQL_CLOSE);

    /* Row-wise bound rowsets of 2. */
    Row rows[2];
    SQLUSMALLINT row_status[2];
    SQLULEN fetched = 0;
    SQLSetStmtAttr(st, SQL_ATTR_ROW_BIND_TYPE, (SQLPOINTER)sizeof(Row), 0);
    SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)2, 0);
    SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, row_status, 0);
    SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0);
    check("select", SQL_HANDLE_STMT, st, SQLExecDirect(st, (SQLCHAR *)"SELECT id, name FROM #arr ORDER BY id", SQL_NTS));
    SQLBindCol(st, 1, SQL_C_SLONG, &rows[0].id, 0, &rows[0].id_ind);
    SQLBindCol(st, 2, SQL_C_CHAR, rows[0].name, sizeof rows[0].name, &rows[0].name_ind);
    while ((rc = SQLFetch(st)) != SQL_NO_DATA) {
        printf("fetch rc=%d fetched=%lu\n", rc, (unsigned long)fetched);
        for (SQLULEN i = 0; i < fetched; i++)
            printf("  row status=%d id=%d name=%s name_ind=%ld\n", row_status[i], (int)rows[i].id,
                   rows[i].name_ind == SQL_NULL_DATA ? "NULL" : (char *)rows[i].name, (long)rows[i].name_ind);
    }
    printf("end: fetched=%lu\n", (unsigned long)fetched);

    /* SQL_ATTR_MAX_ROWS: the cursor ends after that many rows. */
    SQLFreeStmt(st, SQL_CLOSE);
    SQLFreeStmt(st, SQL_UNBIND);
    SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)1, 0);
    SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, NULL, 0);
    SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, NULL, 0);
    SQLSetStmtAttr(st, SQL_ATTR_MAX_ROWS, (SQLPOINTER)2, 0);
    check("select", SQL_HANDLE_STMT, st, SQLExecDirect(st, (SQLCHAR *)"SELECT id FROM #arr ORDER BY id", SQL_NTS));
    int count = 0;
    while (SQLFetch(st) == SQL_SUCCESS) count++;
    printf("max rows 2: %d rows\n", count);

    SQLFreeHandle(SQL_HANDLE_STMT, st);
    disconnect(env, dbc);
    return 0;
}
