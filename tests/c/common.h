/* Helpers for the C tests: connect from $SQLSERVER_ODBC_CONN, print diagnostics. */
#include <sql.h>
#include <sqlext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void diag(const char *what, SQLSMALLINT type, SQLHANDLE h, SQLRETURN rc) {
    SQLCHAR state[6], msg[1024];
    SQLINTEGER native;
    SQLSMALLINT len;
    printf("%s: rc=%d", what, (int)rc);
    for (SQLSMALLINT i = 1; SQLGetDiagRec(type, h, i, state, &native, msg, sizeof msg, &len) == SQL_SUCCESS; i++)
        printf(" [%s]", state);
    printf("\n");
}

static inline SQLHDBC connect_or_die(SQLHENV *env) {
    SQLHDBC dbc;
    SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, env);
    SQLSetEnvAttr(*env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
    SQLAllocHandle(SQL_HANDLE_DBC, *env, &dbc);
    /* Under valgrind a TLS login takes seconds. */
    SQLSetConnectAttr(dbc, SQL_ATTR_LOGIN_TIMEOUT, (SQLPOINTER)120, 0);
    const char *conn = getenv("SQLSERVER_ODBC_CONN");
    if (!conn) { fprintf(stderr, "SQLSERVER_ODBC_CONN not set\n"); exit(2); }
    SQLRETURN rc = SQLDriverConnect(dbc, NULL, (SQLCHAR *)conn, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
    if (!SQL_SUCCEEDED(rc)) {
        diag("connect", SQL_HANDLE_DBC, dbc, rc);
        SQLCHAR state[6], msg[512];
        SQLINTEGER native;
        SQLSMALLINT len;
        if (SQLGetDiagRec(SQL_HANDLE_DBC, dbc, 1, state, &native, msg, sizeof msg, &len) == SQL_SUCCESS)
            fprintf(stderr, "connect failed: %s %s\n", state, msg);
        exit(3);
    }
    return dbc;
}

static inline void disconnect(SQLHENV env, SQLHDBC dbc) {
    SQLDisconnect(dbc);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    SQLFreeHandle(SQL_HANDLE_ENV, env);
}

/* Fails loudly unless the server runs real SQL: a program that cannot must not pass. */
static inline void require_sql_engine(SQLHDBC dbc) {
    SQLHSTMT st;
    SQLCHAR name[32] = "";
    SQLSMALLINT len = 0;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    SQLExecDirect(st, (SQLCHAR *)"SELECT 1 AS probe", SQL_NTS);
    SQLDescribeCol(st, 1, name, sizeof name, &len, NULL, NULL, NULL, NULL);
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    if (strcmp((char *)name, "probe") != 0) {
        fprintf(stderr, "the server did not run SELECT 1 AS probe\n");
        exit(1);
    }
}

static inline void check(const char *what, SQLSMALLINT type, SQLHANDLE h, SQLRETURN rc) {
    if (!SQL_SUCCEEDED(rc)) diag(what, type, h, rc);
}
