/* Connect, bind a column, fetch, read the same value with SQLGetData in small pieces,
 * error diagnostics, invalid handles and a short output buffer. */
#include "common.h"

int main(void) {
    SQLHENV env;
    SQLHDBC dbc = connect_or_die(&env);
    SQLHSTMT stmt;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &stmt);

    SQLINTEGER value = 0;
    SQLLEN ind = 0;
    SQLRETURN rc = SQLExecDirect(stmt, (SQLCHAR *)"SELECT 1234567", SQL_NTS);
    printf("execdirect: %d\n", rc);
    SQLSMALLINT cols = -1;
    SQLNumResultCols(stmt, &cols);
    printf("columns: %d\n", cols);
    SQLBindCol(stmt, 1, SQL_C_SLONG, &value, sizeof value, &ind);
    rc = SQLFetch(stmt);
    printf("fetch: %d value=%d ind=%ld\n", rc, (int)value, (long)ind);
    char small[4] = "", text[16] = "";
    SQLLEN len = 0;
    /* A number does not fit a 4-byte character buffer: 22003, not a truncation. */
    rc = SQLGetData(stmt, 1, SQL_C_CHAR, small, sizeof small, &len);
    diag("getdata too small", SQL_HANDLE_STMT, stmt, rc);
    rc = SQLGetData(stmt, 1, SQL_C_CHAR, text, sizeof text, &len);
    printf("getdata as text: %d '%s' len=%ld\n", rc, text, (long)len);
    rc = SQLGetData(stmt, 1, SQL_C_CHAR, text, sizeof text, &len);
    printf("getdata again: %d\n", rc);
    rc = SQLFetch(stmt);
    printf("fetch at end: %d\n", rc);
    SQLCloseCursor(stmt);

    rc = SQLFetch(stmt);
    diag("fetch without cursor", SQL_HANDLE_STMT, stmt, rc);

    SQLCHAR name[8];
    SQLSMALLINT name_len;
    rc = SQLGetInfo(dbc, SQL_DBMS_NAME, name, sizeof name, &name_len);
    printf("getinfo short buffer: %d '%s' len=%d\n", rc, name, name_len);

    printf("invalid handle: %d\n", SQLExecDirect((SQLHSTMT)dbc, (SQLCHAR *)"SELECT 1", SQL_NTS));

    SQLFreeHandle(SQL_HANDLE_STMT, stmt);
    disconnect(env, dbc);
    return 0;
}
