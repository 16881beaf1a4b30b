/* Many connections from many threads; SQLCancel from another thread; a dropped link is 08S01
 * and SQL_ATTR_CONNECTION_DEAD turns true. */
#include "common.h"
#include <pthread.h>
#include <unistd.h>

static SQLHENV shared_env;

static void *worker(void *arg) {
    long n = (long)arg, ok = 0;
    for (int i = 0; i < 5; i++) {
        SQLHDBC dbc;
        SQLAllocHandle(SQL_HANDLE_DBC, shared_env, &dbc);
        SQLSetConnectAttr(dbc, SQL_ATTR_LOGIN_TIMEOUT, (SQLPOINTER)120, 0);
        if (!SQL_SUCCEEDED(SQLDriverConnect(dbc, NULL, (SQLCHAR *)getenv("SQLSERVER_ODBC_CONN"), SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT))) {
            SQLFreeHandle(SQL_HANDLE_DBC, dbc);
            continue;
        }
        SQLHSTMT st;
        SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
        char sql[32];
        snprintf(sql, sizeof sql, "SELECT %ld", n * 100 + i);
        SQLINTEGER v = -1;
        if (SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)) && SQLFetch(st) == SQL_SUCCESS &&
            SQL_SUCCEEDED(SQLGetData(st, 1, SQL_C_SLONG, &v, 0, NULL)) && v == n * 100 + i)
            ok++;
        SQLFreeHandle(SQL_HANDLE_STMT, st);
        SQLDisconnect(dbc);
        SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    }
    return (void *)ok;
}

static void *canceller(void *arg) {
    usleep(300 * 1000);
    SQLCancel((SQLHSTMT)arg);
    return NULL;
}

int main(void) {
    SQLHDBC dbc = connect_or_die(&shared_env);

    pthread_t threads[8];
    for (long i = 0; i < 8; i++) pthread_create(&threads[i], NULL, worker, (void *)i);
    long total = 0;
    for (int i = 0; i < 8; i++) {
        void *ok;
        pthread_join(threads[i], &ok);
        total += (long)ok;
    }
    printf("threads: %ld of 40 queries answered correctly\n", total);

    SQLHSTMT st;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    SQLExecDirect(st, (SQLCHAR *)"SET TESTSERVER_FAULT stall_ms 5000", SQL_NTS);
    SQLFreeStmt(st, SQL_CLOSE);
    pthread_t t;
    pthread_create(&t, NULL, canceller, st);
    SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"SELECT 1", SQL_NTS);
    pthread_join(t, NULL);
    diag("cancelled execute", SQL_HANDLE_STMT, st, rc);
    SQLFreeStmt(st, SQL_CLOSE);
    SQLExecDirect(st, (SQLCHAR *)"SET TESTSERVER_FAULT clear", SQL_NTS);
    SQLFreeStmt(st, SQL_CLOSE);
    rc = SQLExecDirect(st, (SQLCHAR *)"SELECT 2", SQL_NTS);
    printf("after cancel: %d\n", rc);
    SQLFreeStmt(st, SQL_CLOSE);

    SQLUINTEGER dead = 99;
    SQLGetConnectAttr(dbc, SQL_ATTR_CONNECTION_DEAD, &dead, 0, NULL);
    printf("dead before drop: %u\n", (unsigned)dead);
    SQLExecDirect(st, (SQLCHAR *)"SET TESTSERVER_FAULT drop_after_rows 0", SQL_NTS);
    SQLFreeStmt(st, SQL_CLOSE);
    /* The server closes the link during this statement (at once, or after the rows it
     * had buffered): some call of it fails with 08S01. */
    rc = SQLExecDirect(st, (SQLCHAR *)"SELECT 3 UNION ALL SELECT 4", SQL_NTS);
    while (SQL_SUCCEEDED(rc)) rc = SQLFetch(st);
    if (rc == SQL_NO_DATA) rc = SQLMoreResults(st);
    diag("after drop", SQL_HANDLE_STMT, st, rc);
    SQLGetConnectAttr(dbc, SQL_ATTR_CONNECTION_DEAD, &dead, 0, NULL);
    printf("dead after drop: %u\n", (unsigned)dead);
    SQLFreeStmt(st, SQL_CLOSE);
    rc = SQLExecDirect(st, (SQLCHAR *)"SELECT 4", SQL_NTS);
    diag("next statement", SQL_HANDLE_STMT, st, rc);

    SQLFreeHandle(SQL_HANDLE_STMT, st);
    disconnect(shared_env, dbc);
    return 0;
}
