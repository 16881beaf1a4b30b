/* SQLCopyDesc between the implicit descriptors of two statements: an ARD copied into another
 * statement's ARD makes its fetch fill the first statement's buffers; APD + IPD copied make the
 * other statement send the first one's bound parameter; an IRD cannot be a target (HY016). */
#include "common.h"

static SQLHDESC desc_of(SQLHSTMT st, SQLINTEGER attr) {
    SQLHDESC d = NULL;
    SQLGetStmtAttr(st, attr, &d, 0, NULL);
    return d;
}

int main(void) {
    SQLHENV env;
    SQLHDBC dbc = connect_or_die(&env);
    require_sql_engine(dbc);
    SQLHSTMT a, b, c;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &a);
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &b);
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &c);

    /* Columns bound on a, fetched through b. */
    SQLINTEGER num = 0;
    SQLCHAR word[16] = "";
    SQLLEN num_ind = 0, word_ind = 0;
    SQLBindCol(a, 1, SQL_C_SLONG, &num, 0, &num_ind);
    SQLBindCol(a, 2, SQL_C_CHAR, word, sizeof word, &word_ind);
    SQLRETURN rc = SQLCopyDesc(desc_of(a, SQL_ATTR_APP_ROW_DESC), desc_of(b, SQL_ATTR_APP_ROW_DESC));
    printf("copy ARD: %d\n", rc);
    SQLSMALLINT count = -1;
    SQLGetDescField(desc_of(b, SQL_ATTR_APP_ROW_DESC), 0, SQL_DESC_COUNT, &count, 0, NULL);
    printf("target ARD count: %d\n", count);
    check("select", SQL_HANDLE_STMT, b, SQLExecDirect(b, (SQLCHAR *)"SELECT 7, 'seven'", SQL_NTS));
    rc = SQLFetch(b);
    printf("fetch through b: rc=%d num=%d num_ind=%ld word=%s word_ind=%ld\n", rc, (int)num, (long)num_ind,
           (char *)word, (long)word_ind);
    SQLCloseCursor(b);

    /* A parameter bound on a, sent by c. */
    SQLINTEGER x = 41;
    SQLBindParameter(a, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &x, 0, NULL);
    printf("copy APD: %d\n", SQLCopyDesc(desc_of(a, SQL_ATTR_APP_PARAM_DESC), desc_of(c, SQL_ATTR_APP_PARAM_DESC)));
    printf("copy IPD: %d\n", SQLCopyDesc(desc_of(a, SQL_ATTR_IMP_PARAM_DESC), desc_of(c, SQL_ATTR_IMP_PARAM_DESC)));
    SQLSMALLINT type = 0;
    SQLGetDescField(desc_of(c, SQL_ATTR_IMP_PARAM_DESC), 1, SQL_DESC_TYPE, &type, 0, NULL);
    printf("target IPD type: %d\n", type);
    check("select param", SQL_HANDLE_STMT, c, SQLExecDirect(c, (SQLCHAR *)"SELECT ? + 1", SQL_NTS));
    SQLINTEGER got = 0;
    rc = SQLFetch(c);
    SQLGetData(c, 1, SQL_C_SLONG, &got, 0, NULL);
    printf("parameter through c: rc=%d value=%d\n", rc, (int)got);
    SQLCloseCursor(c);

    /* An implementation row descriptor is read-only. */
    rc = SQLCopyDesc(desc_of(a, SQL_ATTR_APP_ROW_DESC), desc_of(c, SQL_ATTR_IMP_ROW_DESC));
    diag("copy into IRD", SQL_HANDLE_DESC, desc_of(c, SQL_ATTR_IMP_ROW_DESC), rc);

    SQLFreeHandle(SQL_HANDLE_STMT, a);
    SQLFreeHandle(SQL_HANDLE_STMT, b);
    SQLFreeHandle(SQL_HANDLE_STMT, c);
    disconnect(env, dbc);
    return 0;
}
