/* Helpers for the C tests: connect from $SQLSERVER_ODBC_CONN, print diagnostics. */
#include <sql.h>
#include <sqlext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void diag(const char *what, SQLSMALLINT type, SQLHANDLE h, SQLRETURN rc) {
    SQLCHAR state[6], msg[1024];
    SQLINTEGER native;
    SQLSMALLINT len;
    printf("%s: rc=%d", what, (int)rc);
    for (SQLSMALLINT i = 1; SQLGetDiagRec(type, h, i, state, &native, msg, sizeof msg, &len) == SQL_SUCCESS; i++)
        printf(" [%s]", state);
    printf("\n");
}

static SQLHDBC connect_or_die(SQLHENV *env) {
    SQLHDBC dbc;
    SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, env);
    SQLSetEnvAttr(*env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
    SQLAllocHandle(SQL_HANDLE_DBC, *env, &dbc);
    const char *conn = getenv("SQLSERVER_ODBC_CONN");
    if (!conn) { fprintf(stderr, "SQLSERVER_ODBC_CONN not set\n"); exit(2); }
    SQLRETURN rc = SQLDriverConnect(dbc, NULL, (SQLCHAR *)conn, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
    if (!SQL_SUCCEEDED(rc)) { diag("connect", SQL_HANDLE_DBC, dbc, rc); exit(3); }
    return dbc;
}

static void disconnect(SQLHENV env, SQLHDBC dbc) {
    SQLDisconnect(dbc);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    SQLFreeHandle(SQL_HANDLE_ENV, env);
}
