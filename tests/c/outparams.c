/* Output parameters and procedure-call escapes: INPUT_OUTPUT and OUTPUT parameters written
 * back into the application's buffers (with truncation and NULL), {? = call} return status,
 * output values that arrive only after the procedure's result sets are consumed, {call} with
 * literal arguments, SQLNumParams/SQLDescribeParam/IPD SQL_DESC_PARAMETER_TYPE on a call
 * escape, and the binding errors. */
#include "common.h"

static void exec_or_report(SQLHSTMT st, const char *sql) {
    SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
    if (!SQL_SUCCEEDED(rc)) diag(sql, SQL_HANDLE_STMT, st, rc);
    SQLFreeStmt(st, SQL_CLOSE);
}

static void fresh(SQLHSTMT st) {
    SQLFreeStmt(st, SQL_CLOSE);
    SQLFreeStmt(st, SQL_RESET_PARAMS);
}

int main(void) {
    SQLHENV env;
    SQLHDBC dbc = connect_or_die(&env);
    require_sql_engine(dbc);
    SQLHSTMT st;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    SQLRETURN rc;

    exec_or_report(st, "CREATE OR ALTER PROCEDURE dbo.op_double @x INT OUTPUT AS "
                       "BEGIN SET NOCOUNT ON; SET @x = @x * 2; RETURN 5 END");
    exec_or_report(st, "CREATE OR ALTER PROCEDURE dbo.op_text @name NVARCHAR(20) OUTPUT, @n INT OUTPUT AS "
                       "BEGIN SET NOCOUNT ON; SET @name = N'hello world'; SET @n = NULL; RETURN 0 END");
    exec_or_report(st, "CREATE OR ALTER PROCEDURE dbo.op_rows @in INT, @out INT OUTPUT AS "
                       "BEGIN SET NOCOUNT ON; SELECT @in AS a UNION ALL SELECT @in + 1; "
                       "SET @out = @in * 10; RETURN 3 END");
    exec_or_report(st, "CREATE OR ALTER PROCEDURE dbo.op_add @a INT, @b NVARCHAR(10), @sum INT OUTPUT AS "
                       "BEGIN SET NOCOUNT ON; SET @sum = @a + LEN(@b); RETURN @a END");
    exec_or_report(st, "CREATE OR ALTER PROCEDURE dbo.op_noargs AS BEGIN SET NOCOUNT ON; SELECT 11 AS v; RETURN 9 END");

    /* 1. INPUT_OUTPUT int through {call}: the doubled value is in the buffer when
     * SQLExecDirect returns (no result set). */
    SQLINTEGER x = 21;
    SQLLEN x_ind = 0;
    fresh(st);
    SQLBindParameter(st, 1, SQL_PARAM_INPUT_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &x, 0, &x_ind);
    rc = SQLExecDirect(st, (SQLCHAR *)"{call dbo.op_double(?)}", SQL_NTS);
    diag("inout call", SQL_HANDLE_STMT, st, rc);
    printf("inout: x=%d ind=%ld\n", (int)x, (long)x_ind);

    /* 2. {? = call}: return status into parameter 1, INPUT_OUTPUT into parameter 2; prepared
     * and executed twice (the buffers are read again and written again). */
    SQLINTEGER ret = -1;
    SQLLEN ret_ind = 0;
    fresh(st);
    x = 7;
    SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &ret, 0, &ret_ind);
    SQLBindParameter(st, 2, SQL_PARAM_INPUT_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &x, 0, &x_ind);
    rc = SQLPrepare(st, (SQLCHAR *)"{? = CALL dbo.op_double(?)}", SQL_NTS);
    diag("prepare return status", SQL_HANDLE_STMT, st, rc);
    SQLSMALLINT nparams = -1;
    SQLNumParams(st, &nparams);
    printf("numparams: %d\n", nparams);
    SQLSMALLINT ptype = 0, pdigits = 0, pnull = 0;
    SQLULEN psize = 0;
    rc = SQLDescribeParam(st, 1, &ptype, &psize, &pdigits, &pnull);
    printf("describe 1: rc=%d type=%d size=%lu\n", rc, ptype, (unsigned long)psize);
    rc = SQLDescribeParam(st, 2, &ptype, &psize, &pdigits, &pnull);
    printf("describe 2: rc=%d type=%d size=%lu\n", rc, ptype, (unsigned long)psize);
    SQLHDESC ipd = NULL;
    SQLGetStmtAttr(st, SQL_ATTR_IMP_PARAM_DESC, &ipd, 0, NULL);
    SQLSMALLINT io1 = 0, io2 = 0;
    SQLGetDescField(ipd, 1, SQL_DESC_PARAMETER_TYPE, &io1, 0, NULL);
    SQLGetDescField(ipd, 2, SQL_DESC_PARAMETER_TYPE, &io2, 0, NULL);
    printf("ipd parameter types: %d %d\n", io1, io2);
    rc = SQLExecute(st);
    diag("execute return status", SQL_HANDLE_STMT, st, rc);
    printf("return status: ret=%d ind=%ld x=%d\n", (int)ret, (long)ret_ind, (int)x);
    x = 100;
    ret = -1;
    rc = SQLExecute(st);
    diag("execute again", SQL_HANDLE_STMT, st, rc);
    printf("again: ret=%d x=%d\n", (int)ret, (int)x);

    /* 3. OUTPUT nvarchar into a short SQL_C_WCHAR buffer (01004, the indicator has the full
     * length in bytes), and an OUTPUT set to NULL (SQL_NULL_DATA). */
    SQLWCHAR wname[6];
    SQLLEN name_ind = 0;
    SQLINTEGER n = 99;
    SQLLEN n_ind = 0;
    fresh(st);
    SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_WCHAR, SQL_WVARCHAR, 20, 0, wname, sizeof wname, &name_ind);
    SQLBindParameter(st, 2, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &n, 0, &n_ind);
    rc = SQLExecDirect(st, (SQLCHAR *)"{call dbo.op_text(?, ?)}", SQL_NTS);
    diag("truncated output", SQL_HANDLE_STMT, st, rc);
    printf("text: '");
    for (int i = 0; i < 6 && wname[i]; i++) putchar((char)wname[i]);
    printf("' ind=%ld; null: ind=%ld n=%d\n", (long)name_ind, (long)n_ind, (int)n);

    /* The same into a SQL_C_CHAR buffer large enough. */
    char name[32];
    fresh(st);
    SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_CHAR, SQL_WVARCHAR, 20, 0, name, sizeof name, &name_ind);
    SQLBindParameter(st, 2, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &n, 0, &n_ind);
    rc = SQLExecDirect(st, (SQLCHAR *)"{call dbo.op_text(?, ?)}", SQL_NTS);
    diag("char output", SQL_HANDLE_STMT, st, rc);
    printf("char: '%s' ind=%ld\n", name, (long)name_ind);

    /* INPUT_OUTPUT text that grows past its input length (the declared size counts). */
    exec_or_report(st, "CREATE OR ALTER PROCEDURE dbo.op_grow @s NVARCHAR(30) OUTPUT AS "
                       "BEGIN SET @s = @s + N'-grown-longer' END");
    SQLCHAR grow[40] = "ab";
    SQLLEN grow_ind = SQL_NTS;
    fresh(st);
    SQLBindParameter(st, 1, SQL_PARAM_INPUT_OUTPUT, SQL_C_CHAR, SQL_WVARCHAR, 30, 0, grow, sizeof grow, &grow_ind);
    rc = SQLExecDirect(st, (SQLCHAR *)"{call dbo.op_grow(?)}", SQL_NTS);
    diag("grow", SQL_HANDLE_STMT, st, rc);
    printf("grown: '%s' ind=%ld\n", grow, (long)grow_ind);

    /* Typed outputs: decimal(10,3) (sent with its precision and scale, or the server would
     * squeeze it into numeric(1,0)) into SQL_C_NUMERIC (the APD's default 38,0: 01S07) and
     * into text, datetime2 into a timestamp struct, varbinary into bytes. */
    exec_or_report(st, "CREATE OR ALTER PROCEDURE dbo.op_types @d DECIMAL(10,3) OUTPUT, @dt DECIMAL(10,3) OUTPUT, "
                       "@t DATETIME2(3) OUTPUT, @b VARBINARY(10) OUTPUT AS BEGIN SET NOCOUNT ON; "
                       "SET @d = 1234.567; SET @dt = -0.5; SET @t = '2024-05-06 07:08:09.123'; SET @b = 0x0102FF END");
    SQL_NUMERIC_STRUCT num;
    char dtext[16] = "";
    SQL_TIMESTAMP_STRUCT ts;
    unsigned char bin[10];
    SQLLEN num_ind = 0, dtext_ind = 0, ts_ind = 0, bin_ind = 0;
    memset(&num, 0, sizeof num);
    memset(&ts, 0, sizeof ts);
    fresh(st);
    SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_NUMERIC, SQL_DECIMAL, 10, 3, &num, sizeof num, &num_ind);
    SQLBindParameter(st, 2, SQL_PARAM_OUTPUT, SQL_C_CHAR, SQL_DECIMAL, 10, 3, dtext, sizeof dtext, &dtext_ind);
    SQLBindParameter(st, 3, SQL_PARAM_OUTPUT, SQL_C_TYPE_TIMESTAMP, SQL_TYPE_TIMESTAMP, 23, 3, &ts, sizeof ts, &ts_ind);
    SQLBindParameter(st, 4, SQL_PARAM_OUTPUT, SQL_C_BINARY, SQL_VARBINARY, 10, 0, bin, sizeof bin, &bin_ind);
    rc = SQLExecDirect(st, (SQLCHAR *)"{call dbo.op_types(?, ?, ?, ?)}", SQL_NTS);
    diag("typed outputs", SQL_HANDLE_STMT, st, rc);
    long long mantissa = 0;
    for (int i = 15; i >= 0; i--) mantissa = mantissa * 256 + num.val[i];
    printf("numeric: precision=%d scale=%d sign=%d value=%lld ind=%ld; text: '%s' ind=%ld\n", num.precision,
           num.scale, num.sign, mantissa, (long)num_ind, dtext, (long)dtext_ind);
    printf("timestamp: %d-%02d-%02d %02d:%02d:%02d.%09u ind=%ld; binary: %02x%02x%02x ind=%ld\n", ts.year,
           ts.month, ts.day, ts.hour, ts.minute, ts.second, (unsigned)ts.fraction, (long)ts_ind, bin[0], bin[1],
           bin[2], (long)bin_ind);

    /* 4. A result set and output parameters: the values arrive after the results are
     * consumed (SQLMoreResults -> SQL_NO_DATA). */
    SQLINTEGER in = 4, out = -1, a = 0;
    SQLLEN out_ind = 0, in_ind = 0;
    ret = -1;
    fresh(st);
    SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &ret, 0, &ret_ind);
    SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &in, 0, &in_ind);
    SQLBindParameter(st, 3, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &out, 0, &out_ind);
    rc = SQLExecDirect(st, (SQLCHAR *)"{? = call dbo.op_rows(?, ?)}", SQL_NTS);
    diag("rows and outputs", SQL_HANDLE_STMT, st, rc);
    printf("after execute: ret=%d out=%d\n", (int)ret, (int)out);
    SQLBindCol(st, 1, SQL_C_SLONG, &a, 0, NULL);
    while (SQL_SUCCEEDED(rc = SQLFetch(st))) printf("row a=%d\n", (int)a);
    printf("fetch end: rc=%d ret=%d out=%d\n", rc, (int)ret, (int)out);
    rc = SQLMoreResults(st);
    printf("more results: rc=%d ret=%d out=%d ind=%ld\n", rc, (int)ret, (int)out, (long)out_ind);
    SQLFreeStmt(st, SQL_UNBIND);

    /* Closing the cursor early discards the output values (the buffers keep theirs). */
    ret = -1;
    out = -1;
    rc = SQLExecDirect(st, (SQLCHAR *)"{? = call dbo.op_rows(?, ?)}", SQL_NTS);
    SQLCloseCursor(st);
    printf("closed early: rc=%d ret=%d out=%d\n", rc, (int)ret, (int)out);

    /* 5. {call} with literal arguments mixed with markers, and without parentheses. */
    SQLINTEGER sum = -1;
    SQLLEN sum_ind = 0;
    fresh(st);
    ret = -1;
    SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &ret, 0, &ret_ind);
    SQLBindParameter(st, 2, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &sum, 0, &sum_ind);
    rc = SQLExecDirect(st, (SQLCHAR *)"{? = call dbo.op_add(40, N'abc', ?)}", SQL_NTS);
    diag("literal args", SQL_HANDLE_STMT, st, rc);
    printf("literals: ret=%d sum=%d\n", (int)ret, (int)sum);
    /* Arguments only T-SQL can say (a decimal literal, DEFAULT-free NULL) go as EXEC text. */
    ret = -1;
    sum = -1;
    rc = SQLExecDirect(st, (SQLCHAR *)"{? = call dbo.op_add(2.0, NULL, ?)}", SQL_NTS);
    diag("text args", SQL_HANDLE_STMT, st, rc);
    printf("text args: ret=%d sum_ind=%ld\n", (int)ret, (long)sum_ind);
    fresh(st);
    SQLINTEGER v = 0;
    rc = SQLExecDirect(st, (SQLCHAR *)"{CALL op_noargs}", SQL_NTS);
    diag("no parentheses", SQL_HANDLE_STMT, st, rc);
    SQLBindCol(st, 1, SQL_C_SLONG, &v, 0, NULL);
    rc = SQLFetch(st);
    printf("noargs: rc=%d v=%d\n", rc, (int)v);
    SQLFreeStmt(st, SQL_UNBIND);
    fresh(st);
    ret = -1;
    SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &ret, 0, &ret_ind);
    rc = SQLExecDirect(st, (SQLCHAR *)"{? = call op_noargs}", SQL_NTS);
    diag("return status, no parentheses", SQL_HANDLE_STMT, st, rc);
    while (SQL_SUCCEEDED(SQLFetch(st))) {}
    rc = SQLMoreResults(st);
    printf("noargs status: rc=%d ret=%d\n", rc, (int)ret);

    /* 6. An OUTPUT parameter in a plain statement (sp_executesql path). */
    SQLINTEGER o = 0;
    SQLLEN o_ind = 0;
    fresh(st);
    SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &o, 0, &o_ind);
    rc = SQLExecDirect(st, (SQLCHAR *)"SET ? = 6 * 7", SQL_NTS);
    diag("output in a statement", SQL_HANDLE_STMT, st, rc);
    printf("statement output: o=%d ind=%ld\n", (int)o, (long)o_ind);

    /* 7. Binding errors: an unknown parameter type and the streamed output types (not
     * supported, as in msodbcsql), a negative buffer length, an INPUT_OUTPUT without buffer
     * and indicator; an OUTPUT without either is allowed (the value is discarded). */
    fresh(st);
    rc = SQLBindParameter(st, 1, 3, SQL_C_SLONG, SQL_INTEGER, 0, 0, &x, 0, &x_ind);
    diag("io type 3", SQL_HANDLE_STMT, st, rc);
    rc = SQLBindParameter(st, 1, SQL_PARAM_OUTPUT_STREAM, SQL_C_SLONG, SQL_INTEGER, 0, 0, (SQLPOINTER)1, 0, &x_ind);
    diag("output stream", SQL_HANDLE_STMT, st, rc);
    rc = SQLBindParameter(st, 1, SQL_PARAM_INPUT_OUTPUT_STREAM, SQL_C_CHAR, SQL_VARCHAR, 10, 0, (SQLPOINTER)1, 0, &x_ind);
    diag("input/output stream", SQL_HANDLE_STMT, st, rc);
    rc = SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_CHAR, SQL_VARCHAR, 10, 0, name, -1, &name_ind);
    diag("negative length", SQL_HANDLE_STMT, st, rc);
    rc = SQLBindParameter(st, 1, SQL_PARAM_INPUT_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, NULL, 0, NULL);
    diag("inout without buffers", SQL_HANDLE_STMT, st, rc);
    fresh(st);
    rc = SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, NULL, 0, NULL);
    diag("output without buffers", SQL_HANDLE_STMT, st, rc);
    rc = SQLExecDirect(st, (SQLCHAR *)"{call dbo.op_rows(1, ?)}", SQL_NTS);
    diag("execute discarding output", SQL_HANDLE_STMT, st, rc);
    while (SQL_SUCCEEDED(SQLFetch(st))) {}
    rc = SQLMoreResults(st);
    printf("discarded: rc=%d\n", rc);
    /* The return-status marker unbound (07002) or bound as INPUT (HY105). */
    fresh(st);
    rc = SQLExecDirect(st, (SQLCHAR *)"{? = call dbo.op_double(?)}", SQL_NTS);
    diag("unbound return status", SQL_HANDLE_STMT, st, rc);
    x = 3;
    SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &ret, 0, &ret_ind);
    SQLBindParameter(st, 2, SQL_PARAM_INPUT_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &x, 0, &x_ind);
    rc = SQLExecDirect(st, (SQLCHAR *)"{? = call dbo.op_double(?)}", SQL_NTS);
    diag("return status bound as input", SQL_HANDLE_STMT, st, rc);
    printf("not executed: x=%d\n", (int)x);

    /* 8. A parameter array: each row's output goes to that row's element. */
    SQLINTEGER xs[3] = {1, 2, 3};
    SQLLEN xs_ind[3] = {0, 0, 0};
    SQLUSMALLINT status[3] = {9, 9, 9};
    SQLULEN processed = 0;
    fresh(st);
    SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)3, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAM_STATUS_PTR, status, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, &processed, 0);
    SQLBindParameter(st, 1, SQL_PARAM_INPUT_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, xs, 0, xs_ind);
    rc = SQLExecDirect(st, (SQLCHAR *)"{call dbo.op_double(?)}", SQL_NTS);
    diag("array", SQL_HANDLE_STMT, st, rc);
    printf("array: xs=%d %d %d processed=%lu statuses=%d %d %d\n", (int)xs[0], (int)xs[1], (int)xs[2],
           (unsigned long)processed, status[0], status[1], status[2]);
    SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)1, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAM_STATUS_PTR, NULL, 0);
    SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, NULL, 0);

    /* 9. Data at execution for an INPUT_OUTPUT parameter. */
    fresh(st);
    x = 0;
    x_ind = SQL_DATA_AT_EXEC;
    SQLBindParameter(st, 1, SQL_PARAM_INPUT_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &x, 0, &x_ind);
    rc = SQLExecDirect(st, (SQLCHAR *)"{call dbo.op_double(?)}", SQL_NTS);
    printf("data at execution: rc=%d\n", rc);
    SQLPOINTER token = NULL;
    rc = SQLParamData(st, &token);
    SQLINTEGER eight = 8;
    SQLPutData(st, &eight, sizeof eight);
    rc = SQLParamData(st, &token);
    diag("param data", SQL_HANDLE_STMT, st, rc);
    printf("data at execution: x=%d ind=%ld\n", (int)x, (long)x_ind);

    /* 10. A procedure that raises an error still hands back its outputs. */
    exec_or_report(st, "CREATE OR ALTER PROCEDURE dbo.op_fail @x INT OUTPUT AS "
                       "BEGIN SET @x = 77; RAISERROR('boom', 16, 1); RETURN 4 END");
    fresh(st);
    ret = -1;
    x = 1;
    SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &ret, 0, &ret_ind);
    SQLBindParameter(st, 2, SQL_PARAM_INPUT_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &x, 0, &x_ind);
    rc = SQLExecDirect(st, (SQLCHAR *)"{? = call dbo.op_fail(?)}", SQL_NTS);
    diag("failing procedure", SQL_HANDLE_STMT, st, rc);
    printf("failed: ret=%d x=%d\n", (int)ret, (int)x);
    /* A procedure that does not exist returns no status: the buffer keeps its value. */
    ret = -1;
    rc = SQLExecDirect(st, (SQLCHAR *)"{? = call dbo.op_missing(?)}", SQL_NTS);
    diag("missing procedure", SQL_HANDLE_STMT, st, rc);
    printf("missing: ret=%d x=%d\n", (int)ret, (int)x);

    fresh(st);
    exec_or_report(st, "DROP PROCEDURE dbo.op_double");
    exec_or_report(st, "DROP PROCEDURE dbo.op_text");
    exec_or_report(st, "DROP PROCEDURE dbo.op_rows");
    exec_or_report(st, "DROP PROCEDURE dbo.op_add");
    exec_or_report(st, "DROP PROCEDURE dbo.op_noargs");
    exec_or_report(st, "DROP PROCEDURE dbo.op_grow");
    exec_or_report(st, "DROP PROCEDURE dbo.op_fail");
    exec_or_report(st, "DROP PROCEDURE dbo.op_types");
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    disconnect(env, dbc);
    return 0;
}
