/* SQLGetData streams a long value from the server: a varbinary(max) and an nvarchar(max)
 * value read in 64 KiB parts, checked byte by byte, while the process's peak memory stays far
 * below the value's size. The size is STREAMING_BYTES (default 4 MiB for the valgrind run;
 * run.sh runs it again without valgrind at 200 MiB, where the memory claim means something).
 * testserver's bench.lob(n, bytes): row i holds data[k] = (i % 251 + k) & 0xFF and
 * bytes/2 characters 'a' + i % 26. */
#include "common.h"
#include <sys/resource.h>

#define PART (64 * 1024)

static long peak_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Reads column 2 of row `row` in parts; returns 1 when every byte is as bench.lob makes it. */
static int read_binary(SQLHSTMT stmt, int row, long long size, SQLLEN *first_ind, int *parts) {
    static unsigned char buf[PART];
    long long at = 0;
    int ok = 1;
    SQLRETURN rc;
    SQLLEN ind = 0;
    *parts = 0;
    while ((rc = SQLGetData(stmt, 2, SQL_C_BINARY, buf, sizeof buf, &ind)) != SQL_NO_DATA) {
        if (!SQL_SUCCEEDED(rc)) {
            diag("getdata binary", SQL_HANDLE_STMT, stmt, rc);
            return 0;
        }
        if (*parts == 0) *first_ind = ind;
        (*parts)++;
        long n = (ind == SQL_NO_TOTAL || ind > (SQLLEN)sizeof buf) ? (long)sizeof buf : (long)ind;
        for (long k = 0; k < n; k++, at++)
            if (buf[k] != (unsigned char)((row % 251 + at) & 0xFF)) ok = 0;
        if (rc == SQL_SUCCESS && at != size) ok = 0;
    }
    return ok && at == size;
}

/* Reads column 3 as SQL_C_WCHAR in parts; returns 1 when it is size/2 times the row's letter. */
static int read_text(SQLHSTMT stmt, int row, long long size, int *parts) {
    static SQLWCHAR buf[PART / sizeof(SQLWCHAR)];
    long long chars = 0;
    int ok = 1;
    SQLRETURN rc;
    SQLLEN ind = 0;
    SQLWCHAR letter = (SQLWCHAR)('a' + row % 26);
    *parts = 0;
    while ((rc = SQLGetData(stmt, 3, SQL_C_WCHAR, buf, sizeof buf, &ind)) != SQL_NO_DATA) {
        if (!SQL_SUCCEEDED(rc)) {
            diag("getdata text", SQL_HANDLE_STMT, stmt, rc);
            return 0;
        }
        (*parts)++;
        long room = (long)(sizeof buf / sizeof(SQLWCHAR)) - 1;
        long n = (ind == SQL_NO_TOTAL || ind / 2 > room) ? room : (long)(ind / 2);
        for (long k = 0; k < n; k++, chars++)
            if (buf[k] != letter) ok = 0;
        if (buf[n] != 0) ok = 0; /* NUL-terminated */
    }
    return ok && chars == size / 2;
}

int main(void) {
    const char *env_size = getenv("STREAMING_BYTES");
    long long size = env_size ? atoll(env_size) : 4LL << 20;
    SQLHENV env;
    SQLHDBC dbc = connect_or_die(&env);
    SQLHSTMT stmt;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &stmt);
    long before = peak_kb();

    char sql[128];
    snprintf(sql, sizeof sql, "SELECT * FROM bench.lob(2, %lld)", size);
    SQLRETURN rc = SQLExecDirect(stmt, (SQLCHAR *)sql, SQL_NTS);
    check("execdirect", SQL_HANDLE_STMT, stmt, rc);
    rc = SQLFetch(stmt);
    printf("fetch row 1: %d\n", rc);
    SQLINTEGER id = 0;
    SQLLEN ind = 0;
    rc = SQLGetData(stmt, 1, SQL_C_SLONG, &id, 0, &ind);
    printf("id: %d %d\n", rc, (int)id);

    SQLLEN first_ind = 0;
    int parts = 0;
    int ok = read_binary(stmt, 1, size, &first_ind, &parts);
    printf("varbinary(max) content: %s, first StrLen_or_Ind is the size: %s, in parts: %s\n",
           ok ? "ok" : "WRONG", first_ind == size ? "yes" : "no", parts > 1 ? "yes" : "no");
    ok = read_text(stmt, 1, size, &parts);
    printf("nvarchar(max) content: %s, in parts: %s\n", ok ? "ok" : "WRONG", parts > 1 ? "yes" : "no");
    /* Going back to a column streamed already: 07009, like msodbcsql. */
    unsigned char tiny[8];
    rc = SQLGetData(stmt, 2, SQL_C_BINARY, tiny, sizeof tiny, &ind);
    diag("getdata on a streamed column", SQL_HANDLE_STMT, stmt, rc);

    /* Row 2: half a value, then the next fetch skips the rest. */
    rc = SQLFetch(stmt);
    printf("fetch row 2: %d\n", rc);
    rc = SQLGetData(stmt, 2, SQL_C_BINARY, tiny, sizeof tiny, &ind);
    printf("first part of row 2: %d ind=%s byte0=%d\n", rc, ind == size ? "size" : "other", tiny[0]);
    rc = SQLFetch(stmt);
    printf("fetch past the end: %d\n", rc);
    rc = SQLMoreResults(stmt);
    printf("more results: %d\n", rc);
    SQLCloseCursor(stmt);

    long grew_mb = (peak_kb() - before) / 1024;
    printf("peak memory grew by less than 50 MB: %s\n", grew_mb < 50 ? "yes" : "no");
    if (grew_mb >= 50) fprintf(stderr, "peak memory grew by %ld MB\n", grew_mb);

    /* The connection is still usable. */
    rc = SQLExecDirect(stmt, (SQLCHAR *)"SELECT 42", SQL_NTS);
    SQLFetch(stmt);
    rc = SQLGetData(stmt, 1, SQL_C_SLONG, &id, 0, &ind);
    printf("next query: %d %d\n", rc, (int)id);

    SQLFreeHandle(SQL_HANDLE_STMT, stmt);
    disconnect(env, dbc);
    return 0;
}
