/* Explicitly allocated descriptors: an ARD bound with SQLSetDescRec and shared by two
 * statements fills its buffers on fetch; SQLBindCol writes the explicit ARD in use; an explicit
 * APD sends its parameter with IPD types set by SQLSetDescField; SQLCopyDesc from an IRD into an
 * explicit ARD; the error cases (HY017, HY016, HY024, HY007, HY021); freeing a descriptor in use
 * sends its statements back to their implicit descriptors. */
#include "common.h"

#include <sqlucode.h>

static SQLHDESC desc_of(SQLHSTMT st, SQLINTEGER attr) {
    SQLHDESC d = NULL;
    SQLGetStmtAttr(st, attr, &d, 0, NULL);
    return d;
}

static SQLSMALLINT small_field(SQLHDESC d, SQLSMALLINT rec, SQLSMALLINT field) {
    SQLSMALLINT v = -1;
    SQLGetDescField(d, rec, field, &v, 0, NULL);
    return v;
}

static void fetch_row(const char *what, SQLHSTMT st, SQLINTEGER *num, SQLLEN *num_ind, SQLCHAR *word, SQLLEN *word_len) {
    *num = 0;
    *num_ind = 0;
    word[0] = 0;
    *word_len = 0;
    SQLRETURN rc = SQLFetch(st);
    printf("%s: rc=%d num=%d num_ind=%ld word=%s word_len=%ld\n", what, rc, (int)*num, (long)*num_ind, (char *)word,
           (long)*word_len);
    SQLCloseCursor(st);
}

int main(void) {
    SQLHENV env;
    SQLHDBC dbc = connect_or_die(&env);
    require_sql_engine(dbc);
    SQLHSTMT a, b, c, e, f;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &a);
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &b);
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &c);
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &e);
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &f);
    SQLHDESC a_implicit_ard = desc_of(a, SQL_ATTR_APP_ROW_DESC);
    SQLHDESC b_implicit_ard = desc_of(b, SQL_ATTR_APP_ROW_DESC);

    /* An explicit ARD, bound with SQLSetDescRec, shared by a and b. */
    SQLHDESC ard = NULL;
    SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_DESC, dbc, &ard);
    printf("alloc desc: %d\n", rc);
    printf("alloc type: explicit=%d implicit=%d\n", small_field(ard, 0, SQL_DESC_ALLOC_TYPE),
           small_field(a_implicit_ard, 0, SQL_DESC_ALLOC_TYPE));
    SQLINTEGER num = 0;
    SQLCHAR word[16] = "";
    SQLLEN num_ind = 0, word_len = 0;
    check("setdescrec 1", SQL_HANDLE_DESC, ard,
          SQLSetDescRec(ard, 1, SQL_C_SLONG, 0, sizeof num, 0, 0, &num, &num_ind, &num_ind));
    check("setdescrec 2", SQL_HANDLE_DESC, ard,
          SQLSetDescRec(ard, 2, SQL_C_CHAR, 0, sizeof word, 0, 0, word, &word_len, &word_len));
    printf("explicit count: %d\n", small_field(ard, 0, SQL_DESC_COUNT));
    printf("set on a: %d\n", SQLSetStmtAttr(a, SQL_ATTR_APP_ROW_DESC, ard, 0));
    printf("set on b: %d\n", SQLSetStmtAttr(b, SQL_ATTR_APP_ROW_DESC, ard, 0));
    printf("a uses it: %d, b uses it: %d\n", desc_of(a, SQL_ATTR_APP_ROW_DESC) == ard,
           desc_of(b, SQL_ATTR_APP_ROW_DESC) == ard);
    check("select a", SQL_HANDLE_STMT, a, SQLExecDirect(a, (SQLCHAR *)"SELECT 7, 'seven'", SQL_NTS));
    fetch_row("fetch a", a, &num, &num_ind, word, &word_len);
    check("select b", SQL_HANDLE_STMT, b, SQLExecDirect(b, (SQLCHAR *)"SELECT 8, 'eight'", SQL_NTS));
    fetch_row("fetch b", b, &num, &num_ind, word, &word_len);

    /* Reading it back, ANSI and W. */
    SQLSMALLINT type = 0, sub = 0, prec = 0, scale = 0, nullable = 0, name_len = 0;
    SQLLEN length = 0;
    SQLCHAR name[32];
    rc = SQLGetDescRec(ard, 2, name, sizeof name, &name_len, &type, &sub, &length, &prec, &scale, &nullable);
    printf("getdescrec 2: rc=%d type=%d length=%ld\n", rc, type, (long)length);
    SQLWCHAR wname[32];
    rc = SQLGetDescRecW(ard, 1, wname, 32, &name_len, &type, &sub, &length, &prec, &scale, &nullable);
    printf("getdescrecw 1: rc=%d type=%d\n", rc, type);
    SQLINTEGER concise = 0;
    SQLGetDescFieldW(ard, 2, SQL_DESC_CONCISE_TYPE, &concise, 0, NULL);
    printf("getdescfieldw concise 2: %d\n", (int)(SQLSMALLINT)concise);
    rc = SQLGetDescRec(ard, 3, name, sizeof name, &name_len, &type, &sub, &length, &prec, &scale, &nullable);
    printf("getdescrec beyond count: %d\n", rc);

    /* SQLBindCol on a writes the explicit ARD, which b shares. */
    SQLINTEGER other = 0;
    SQLLEN other_ind = 0;
    check("bindcol", SQL_HANDLE_STMT, a, SQLBindCol(a, 1, SQL_C_SLONG, &other, 0, &other_ind));
    SQLPOINTER data = NULL;
    SQLGetDescField(ard, 1, SQL_DESC_DATA_PTR, &data, 0, NULL);
    printf("bindcol wrote the explicit ARD: %d\n", data == (SQLPOINTER)&other);
    check("select b again", SQL_HANDLE_STMT, b, SQLExecDirect(b, (SQLCHAR *)"SELECT 9, 'nine'", SQL_NTS));
    fetch_row("fetch b into a's binding", b, &num, &num_ind, word, &word_len);
    printf("  other=%d other_ind=%ld\n", (int)other, (long)other_ind);

    /* SQL_DESC_COUNT 1 drops the second record. */
    printf("set count 1: %d\n", SQLSetDescField(ard, 0, SQL_DESC_COUNT, (SQLPOINTER)1, 0));
    check("select a again", SQL_HANDLE_STMT, a, SQLExecDirect(a, (SQLCHAR *)"SELECT 10, 'ten'", SQL_NTS));
    fetch_row("fetch a with count 1", a, &num, &num_ind, word, &word_len);
    printf("  other=%d\n", (int)other);

    /* Setting a type after the data pointer unbinds the record; a bad type fails the check. */
    SQLSetDescField(ard, 1, SQL_DESC_CONCISE_TYPE, (SQLPOINTER)SQL_C_SLONG, 0);
    SQLGetDescField(ard, 1, SQL_DESC_DATA_PTR, &data, 0, NULL);
    printf("data ptr after type: %s\n", data ? "set" : "null");
    SQLSetDescField(ard, 2, SQL_DESC_TYPE, (SQLPOINTER)SQL_C_NUMERIC, 0);
    SQLSetDescField(ard, 2, SQL_DESC_PRECISION, (SQLPOINTER)50, 0);
    rc = SQLSetDescField(ard, 2, SQL_DESC_DATA_PTR, word, 0);
    diag("numeric precision 50 then data ptr", SQL_HANDLE_DESC, ard, rc);

    /* An explicit APD on c, with the parameter's SQL type on c's IPD. */
    SQLHDESC apd = NULL;
    SQLAllocHandle(SQL_HANDLE_DESC, dbc, &apd);
    SQLINTEGER x = 41;
    SQLLEN x_ind = 0;
    check("apd setdescrec", SQL_HANDLE_DESC, apd, SQLSetDescRec(apd, 1, SQL_C_SLONG, 0, 0, 0, 0, &x, NULL, &x_ind));
    SQLHDESC ipd = desc_of(c, SQL_ATTR_IMP_PARAM_DESC);
    check("ipd type", SQL_HANDLE_DESC, ipd, SQLSetDescField(ipd, 1, SQL_DESC_TYPE, (SQLPOINTER)SQL_INTEGER, 0));
    check("ipd io", SQL_HANDLE_DESC, ipd,
          SQLSetDescField(ipd, 1, SQL_DESC_PARAMETER_TYPE, (SQLPOINTER)SQL_PARAM_INPUT, 0));
    printf("set apd on c: %d\n", SQLSetStmtAttr(c, SQL_ATTR_APP_PARAM_DESC, apd, 0));
    check("select param", SQL_HANDLE_STMT, c, SQLExecDirect(c, (SQLCHAR *)"SELECT ? + 1", SQL_NTS));
    SQLINTEGER got = 0;
    rc = SQLFetch(c);
    SQLGetData(c, 1, SQL_C_SLONG, &got, 0, NULL);
    printf("parameter through explicit APD: rc=%d value=%d\n", rc, (int)got);
    SQLCloseCursor(c);
    /* SQLBindParameter writes the explicit APD in use. */
    SQLINTEGER y = 99;
    check("bindparameter", SQL_HANDLE_STMT, c,
          SQLBindParameter(c, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &y, 0, NULL));
    SQLGetDescField(apd, 1, SQL_DESC_DATA_PTR, &data, 0, NULL);
    printf("bindparameter wrote the explicit APD: %d\n", data == (SQLPOINTER)&y);
    check("select param again", SQL_HANDLE_STMT, c, SQLExecDirect(c, (SQLCHAR *)"SELECT ? + 1", SQL_NTS));
    rc = SQLFetch(c);
    SQLGetData(c, 1, SQL_C_SLONG, &got, 0, NULL);
    printf("parameter after SQLBindParameter: rc=%d value=%d\n", rc, (int)got);
    SQLCloseCursor(c);
    printf("null hdesc reverts apd: %d\n", SQLSetStmtAttr(c, SQL_ATTR_APP_PARAM_DESC, SQL_NULL_HDESC, 0));
    printf("c uses its implicit apd: %d\n", desc_of(c, SQL_ATTR_APP_PARAM_DESC) != apd);

    /* SQLCopyDesc from an IRD into an explicit ARD, then fetch through it. */
    SQLHDESC copied = NULL;
    SQLAllocHandle(SQL_HANDLE_DESC, dbc, &copied);
    check("select e", SQL_HANDLE_STMT, e,
          SQLExecDirect(e, (SQLCHAR *)"SELECT CAST(5 AS int) AS n, CAST('five' AS char(4)) AS w", SQL_NTS));
    printf("copy IRD->explicit ARD: %d\n", SQLCopyDesc(desc_of(e, SQL_ATTR_IMP_ROW_DESC), copied));
    printf("copied: count=%d type1=%d type2=%d alloc=%d\n", small_field(copied, 0, SQL_DESC_COUNT),
           small_field(copied, 1, SQL_DESC_CONCISE_TYPE), small_field(copied, 2, SQL_DESC_CONCISE_TYPE),
           small_field(copied, 0, SQL_DESC_ALLOC_TYPE));
    SQLSetDescField(copied, 2, SQL_DESC_OCTET_LENGTH, (SQLPOINTER)sizeof word, 0);
    check("copied data 1", SQL_HANDLE_DESC, copied, SQLSetDescField(copied, 1, SQL_DESC_DATA_PTR, &num, 0));
    SQLSetDescField(copied, 1, SQL_DESC_INDICATOR_PTR, &num_ind, 0);
    check("copied data 2", SQL_HANDLE_DESC, copied, SQLSetDescField(copied, 2, SQL_DESC_DATA_PTR, word, 0));
    SQLSetDescField(copied, 2, SQL_DESC_OCTET_LENGTH_PTR, &word_len, 0);
    SQLSetDescField(copied, 2, SQL_DESC_INDICATOR_PTR, &word_len, 0);
    printf("set copied on e: %d\n", SQLSetStmtAttr(e, SQL_ATTR_APP_ROW_DESC, copied, 0));
    fetch_row("fetch e through the copy", e, &num, &num_ind, word, &word_len);

    /* Explicit -> implicit: the copied ARD into f's implicit ARD. */
    printf("copy explicit->implicit ARD: %d\n", SQLCopyDesc(copied, desc_of(f, SQL_ATTR_APP_ROW_DESC)));
    check("select f", SQL_HANDLE_STMT, f,
          SQLExecDirect(f, (SQLCHAR *)"SELECT CAST(6 AS int), CAST('six' AS char(3))", SQL_NTS));
    fetch_row("fetch f through its implicit copy", f, &num, &num_ind, word, &word_len);

    /* Header fields of an explicit ARD: its array size is the statement's row array size (and
     * the attribute writes it back), and a row-wise bind type with a bind offset places the row.
     * (Rowsets above 1 make MS18 ask for a server cursor, which testserver lacks.) */
    SQLHSTMT g;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &g);
    SQLHDESC rows = NULL;
    SQLAllocHandle(SQL_HANDLE_DESC, dbc, &rows);
    struct {
        SQLINTEGER v;
        SQLLEN ind;
    } rowbuf[2] = {{0, 0}, {0, 0}};
    SQLLEN offset = sizeof rowbuf[0];
    SQLSetDescField(rows, 0, SQL_DESC_ARRAY_SIZE, (SQLPOINTER)3, 0);
    SQLSetDescField(rows, 0, SQL_DESC_BIND_TYPE, (SQLPOINTER)sizeof rowbuf[0], 0);
    SQLSetDescField(rows, 0, SQL_DESC_BIND_OFFSET_PTR, &offset, 0);
    check("rows rec", SQL_HANDLE_DESC, rows,
          SQLSetDescRec(rows, 1, SQL_C_SLONG, 0, 0, 0, 0, &rowbuf[0].v, NULL, &rowbuf[0].ind));
    SQLSetStmtAttr(g, SQL_ATTR_APP_ROW_DESC, rows, 0);
    SQLULEN array = 0;
    SQLGetStmtAttr(g, SQL_ATTR_ROW_ARRAY_SIZE, &array, 0, NULL);
    printf("row array size from the explicit ARD: %lu\n", (unsigned long)array);
    SQLSetStmtAttr(g, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)1, 0);
    SQLULEN desc_array = 0;
    SQLGetDescField(rows, 0, SQL_DESC_ARRAY_SIZE, &desc_array, 0, NULL);
    printf("the attribute wrote the explicit ARD: %lu\n", (unsigned long)desc_array);
    check("select rows", SQL_HANDLE_STMT, g, SQLExecDirect(g, (SQLCHAR *)"SELECT 12", SQL_NTS));
    rc = SQLFetch(f);
    printf("row-wise with offset: rc=%d row0=%d/%ld row1=%d/%ld\n", rc, (int)rowbuf[0].v, (long)rowbuf[0].ind,
           (int)rowbuf[1].v, (long)rowbuf[1].ind);
    SQLCloseCursor(f);
    SQLSetStmtAttr(g, SQL_ATTR_APP_ROW_DESC, SQL_NULL_HDESC, 0);
    SQLGetStmtAttr(g, SQL_ATTR_ROW_ARRAY_SIZE, &array, 0, NULL);
    printf("row array size back on the implicit ARD: %lu\n", (unsigned long)array);
    SQLFreeHandle(SQL_HANDLE_DESC, rows);
    SQLFreeHandle(SQL_HANDLE_STMT, g);

    /* An explicit APD with an array of 2 parameter rows. */
    SQLHSTMT h;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &h);
    SQLHDESC params = NULL;
    SQLAllocHandle(SQL_HANDLE_DESC, dbc, &params);
    SQLINTEGER ins[2] = {20, 22};
    SQLULEN processed = 0;
    SQLSetDescField(params, 0, SQL_DESC_ARRAY_SIZE, (SQLPOINTER)2, 0);
    check("params rec", SQL_HANDLE_DESC, params, SQLSetDescRec(params, 1, SQL_C_SLONG, 0, 0, 0, 0, ins, NULL, NULL));
    SQLHDESC ipd_h = desc_of(h, SQL_ATTR_IMP_PARAM_DESC);
    SQLSetDescField(ipd_h, 1, SQL_DESC_CONCISE_TYPE, (SQLPOINTER)SQL_INTEGER, 0);
    SQLSetDescField(ipd_h, 0, SQL_DESC_ROWS_PROCESSED_PTR, &processed, 0);
    check("create", SQL_HANDLE_STMT, h, SQLExecDirect(h, (SQLCHAR *)"CREATE TABLE desc_t (v int)", SQL_NTS));
    SQLSetStmtAttr(h, SQL_ATTR_APP_PARAM_DESC, params, 0);
    SQLULEN paramset = 0;
    SQLGetStmtAttr(h, SQL_ATTR_PARAMSET_SIZE, &paramset, 0, NULL);
    printf("paramset size from the explicit APD: %lu\n", (unsigned long)paramset);
    rc = SQLExecDirect(h, (SQLCHAR *)"INSERT INTO desc_t VALUES (?)", SQL_NTS);
    printf("insert array: rc=%d processed=%lu\n", rc, (unsigned long)processed);
    SQLSetStmtAttr(h, SQL_ATTR_APP_PARAM_DESC, SQL_NULL_HDESC, 0);
    SQLSetDescField(ipd_h, 0, SQL_DESC_ROWS_PROCESSED_PTR, NULL, 0);
    check("sum", SQL_HANDLE_STMT, h, SQLExecDirect(h, (SQLCHAR *)"SELECT COUNT(*), SUM(v) FROM desc_t", SQL_NTS));
    SQLINTEGER count_rows = 0, sum = 0;
    SQLFetch(f);
    SQLGetData(h, 1, SQL_C_SLONG, &count_rows, 0, NULL);
    SQLGetData(h, 2, SQL_C_SLONG, &sum, 0, NULL);
    printf("inserted: count=%d sum=%d\n", (int)count_rows, (int)sum);
    SQLCloseCursor(f);
    SQLFreeHandle(SQL_HANDLE_DESC, params);
    SQLFreeHandle(SQL_HANDLE_STMT, h);

    /* SQL_UNBIND empties the ARD in use (f's implicit one holds the records copied into it). */
    SQLFreeStmt(f, SQL_UNBIND);
    printf("unbind empties the implicit ARD: count=%d\n", small_field(desc_of(f, SQL_ATTR_APP_ROW_DESC), 0, SQL_DESC_COUNT));

    /* Errors. */
    rc = SQLFreeHandle(SQL_HANDLE_DESC, a_implicit_ard);
    diag("free implicit ARD", SQL_HANDLE_DESC, a_implicit_ard, rc);
    rc = SQLSetStmtAttr(a, SQL_ATTR_IMP_ROW_DESC, ard, 0);
    diag("set IRD attribute", SQL_HANDLE_STMT, a, rc);
    rc = SQLSetStmtAttr(a, SQL_ATTR_APP_ROW_DESC, b_implicit_ard, 0);
    diag("set another statement's implicit ARD", SQL_HANDLE_STMT, a, rc);
    SQLHDESC ird_a = desc_of(a, SQL_ATTR_IMP_ROW_DESC);
    rc = SQLSetDescField(ird_a, 1, SQL_DESC_TYPE, (SQLPOINTER)SQL_C_SLONG, 0);
    diag("write IRD", SQL_HANDLE_DESC, ird_a, rc);
    rc = SQLCopyDesc(ard, ird_a);
    diag("copy into IRD", SQL_HANDLE_DESC, ird_a, rc);
    SQLHSTMT fresh;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &fresh);
    rc = SQLCopyDesc(desc_of(fresh, SQL_ATTR_IMP_ROW_DESC), ard);
    diag("copy from unprepared IRD", SQL_HANDLE_DESC, ard, rc);
    SQLFreeHandle(SQL_HANDLE_STMT, fresh);

    SQLHENV env2;
    SQLHDBC dbc2 = connect_or_die(&env2);
    SQLHDESC foreign = NULL;
    SQLAllocHandle(SQL_HANDLE_DESC, dbc2, &foreign);
    rc = SQLSetStmtAttr(a, SQL_ATTR_APP_ROW_DESC, foreign, 0);
    diag("descriptor of another connection", SQL_HANDLE_STMT, a, rc);
    SQLFreeHandle(SQL_HANDLE_DESC, foreign);
    disconnect(env2, dbc2);

    /* Freeing the ARD that a and b use sends them back to their implicit ARDs. */
    printf("free explicit ARD: %d\n", SQLFreeHandle(SQL_HANDLE_DESC, ard));
    printf("a reverted: %d, b reverted: %d\n", desc_of(a, SQL_ATTR_APP_ROW_DESC) == a_implicit_ard,
           desc_of(b, SQL_ATTR_APP_ROW_DESC) == b_implicit_ard);
    num = 0;
    check("select after free", SQL_HANDLE_STMT, a, SQLExecDirect(a, (SQLCHAR *)"SELECT 11", SQL_NTS));
    rc = SQLFetch(a);
    SQLINTEGER eleven = 0;
    SQLGetData(a, 1, SQL_C_SLONG, &eleven, 0, NULL);
    printf("fetch after free: rc=%d getdata=%d bound buffer untouched=%d\n", rc, (int)eleven, num == 0);
    SQLCloseCursor(a);

    SQLFreeHandle(SQL_HANDLE_STMT, a);
    SQLFreeHandle(SQL_HANDLE_STMT, b);
    SQLFreeHandle(SQL_HANDLE_STMT, c);
    SQLFreeHandle(SQL_HANDLE_STMT, e);
    SQLFreeHandle(SQL_HANDLE_STMT, f);
    SQLFreeHandle(SQL_HANDLE_DESC, apd);
    /* `copied` is left for SQLDisconnect to free. */
    disconnect(env, dbc);
    return 0;
}
