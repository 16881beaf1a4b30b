"""SQLGetData on long values: (max) values are streamed from the server in parts, never held
whole, and read the same through our driver and MS18.

pyodbc cannot choose SQLGetData's buffer size or C type, so most tests drive ODBC directly
(odbc_raw, ctypes over unixODBC); the memory test runs in a fresh process so its peak RSS is
the driver's. tests/c/streaming.c makes the same memory claim from C at 200 MiB."""
import json
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest

from conftest import OUR_DRIVER, RunningServer, installed_drivers
from odbc_raw import (SQL_C_BINARY, SQL_C_CHAR, SQL_C_SLONG, SQL_C_WCHAR, SQL_ERROR,
                      SQL_NO_DATA, SQL_NO_TOTAL, SQL_SUCCESS, SQL_SUCCESS_WITH_INFO,
                      Connection, OdbcError)

DRIVERS = [OUR_DRIVER, "MS18"]
HERE = Path(__file__).resolve().parent


@pytest.fixture(params=DRIVERS)
def driver(request):
    if request.param not in installed_drivers():
        pytest.skip(f"driver {request.param} not registered (export ODBCSYSINI=.../target/odbc)")
    return request.param


@pytest.fixture
def raw(server):
    """raw(driver=OUR_DRIVER) -> odbc_raw.Connection; closed after the test."""
    opened = []

    def _connect(driver=OUR_DRIVER):
        c = Connection(server.connection_string(driver))
        opened.append(c)
        return c

    yield _connect
    for c in opened:
        c.close()


def lob_bytes(row, size):
    """bench.lob's varbinary(max) value of `row`."""
    start = row % 251
    cycle = bytes((start + k) & 0xFF for k in range(256))
    return (cycle * (size // 256 + 1))[:size]


def lob_text(row, size):
    return chr(ord("a") + row % 26) * (size // 2)


def narrow_encoding(stmt):
    """The encoding SQL_C_CHAR comes in (the client's locale decides, for both drivers)."""
    stmt.execute("SELECT CAST(N'é' AS nvarchar(10)) AS probe")
    stmt.fetch()
    got = stmt.get_value(1, SQL_C_CHAR, 16)
    stmt.close_cursor()
    return "utf-8" if got == "é".encode("utf-8") else "cp1252"


def assert_parts_well_formed(parts):
    """01004 on every part but the last, SQL_SUCCESS on the last, then SQL_NO_DATA."""
    *data_parts, end = parts
    assert end.rc == SQL_NO_DATA, parts[-3:]
    assert data_parts[-1].rc == SQL_SUCCESS and data_parts[-1].ind == len(data_parts[-1].data)
    for p in data_parts[:-1]:
        assert p.rc == SQL_SUCCESS_WITH_INFO and p.states == ["01004"], p


# Each character of "😀é" is 3 UTF-16 units (6 bytes): the server's 32 KiB PLP chunks and the
# TDS packets cut surrogate pairs and units, which the conversion must join again.
NON_BMP = "😀é"
NON_BMP_REPEAT = 20000


@pytest.mark.parametrize("c_type", [SQL_C_WCHAR, SQL_C_CHAR])
@pytest.mark.parametrize("size", [1001, 4096, 65537])
def test_non_bmp_text_survives_every_boundary(raw, driver, c_type, size):
    stmt = raw(driver).statement()
    encoding = "utf-16-le" if c_type == SQL_C_WCHAR else narrow_encoding(stmt)
    if encoding == "cp1252":
        pytest.skip("SQL_C_CHAR is Windows-1252 here (no UTF-8 locale): no emoji to check")
    stmt.execute(f"SELECT CAST(REPLICATE(N'{NON_BMP}', {NON_BMP_REPEAT}) AS nvarchar(max)) AS t")
    assert stmt.fetch()
    parts = stmt.get_parts(1, c_type, size)
    assert_parts_well_formed(parts)
    assert b"".join(p.data for p in parts) == (NON_BMP * NON_BMP_REPEAT).encode(encoding)
    if c_type == SQL_C_WCHAR:
        # The length is known: each part reports exactly what remained before it.
        total = len((NON_BMP * NON_BMP_REPEAT).encode(encoding))
        for p in parts[:-1]:
            assert p.ind == total
            total -= len(p.data)
    else:
        for p in parts[:-2]:
            assert p.ind == SQL_NO_TOTAL or p.ind > len(p.data)


def test_code_page_text_into_char_and_wchar(raw, driver):
    stmt = raw(driver).statement()
    encoding = narrow_encoding(stmt)
    text = "aé€ÿz" * 30000
    stmt.execute("SELECT CAST(REPLICATE('aé€ÿz', 30000) AS varchar(max)) AS t")
    stmt.fetch()
    assert stmt.get_value(1, SQL_C_CHAR, 999) == text.encode(encoding)
    stmt.close_cursor()
    stmt.execute("SELECT CAST(REPLICATE('aé€ÿz', 30000) AS varchar(max)) AS t")
    stmt.fetch()
    assert stmt.get_value(1, SQL_C_WCHAR, 4097) == text.encode("utf-16-le")


def settled(parts):
    """msodbcsql's parts with one quirk undone: after a converted part that said SQL_NO_TOTAL
    it may not know the value ended, and answers 01004 and then an empty SQL_SUCCESS part
    (measured); ours reports the last part as SQL_SUCCESS."""
    if (len(parts) >= 3 and parts[-2].rc == SQL_SUCCESS and parts[-2].data == b""
            and parts[-3].rc == SQL_SUCCESS_WITH_INFO):
        last = parts[-3]
        last.rc, last.states = SQL_SUCCESS, []
        return parts[:-3] + [last, parts[-1]]
    return parts


@pytest.mark.parametrize("sql, c_type, sizes", [
    ("SELECT CAST(N'a😀bé' AS nvarchar(max)) AS t", SQL_C_WCHAR, [4, 6, 7, 64]),
    ("SELECT CAST(N'a😀bé' AS nvarchar(max)) AS t", SQL_C_CHAR, [2, 3, 4, 64]),
    ("SELECT CAST(0x00010203FF AS varbinary(max)) AS t", SQL_C_BINARY, [1, 2, 64]),
    ("SELECT CAST(0x00010203FF AS varbinary(max)) AS t", SQL_C_CHAR, [2, 3, 4, 64]),
    ("SELECT CAST(N'<a>é</a>' AS xml) AS t", SQL_C_WCHAR, [4, 8, 64]),
    ("SELECT CAST(N'' AS nvarchar(max)) AS t", SQL_C_WCHAR, [4]),
])
def test_small_buffers_give_the_same_parts_as_ms18(raw, sql, c_type, sizes):
    """Part by part, the same bytes, return codes and SQLSTATEs as msodbcsql."""
    if "MS18" not in installed_drivers():
        pytest.skip("MS18 not registered")
    ours, ms18 = raw(OUR_DRIVER).statement(), raw("MS18").statement()
    for size in sizes:
        seen = []
        for stmt in (ours, ms18):
            stmt.execute(sql)
            stmt.fetch()
            parts = stmt.get_parts(1, c_type, size)
            stmt.close_cursor()
            seen.append(parts)
        assert [(p.rc, p.data, p.states) for p in seen[0]] == \
            [(p.rc, p.data, p.states) for p in settled(seen[1])], (size, seen)
        # StrLen_or_Ind: msodbcsql's value, or the exact rest where it says SQL_NO_TOTAL.
        for mine, theirs in zip(seen[0], seen[1]):
            if mine.rc in (SQL_SUCCESS, SQL_SUCCESS_WITH_INFO):
                assert mine.ind == theirs.ind or theirs.ind == SQL_NO_TOTAL, (size, seen)


def test_large_values_and_their_lengths(raw, driver):
    stmt = raw(driver).statement()
    size = 1_000_003
    stmt.execute(f"SELECT * FROM bench.lob(2, {size})")
    for row in (1, 2):
        assert stmt.fetch()
        assert stmt.get_value(1, SQL_C_SLONG, 4) == row.to_bytes(4, "little")
        parts = stmt.get_parts(2, SQL_C_BINARY, 65536)
        assert_parts_well_formed(parts)
        assert [p.ind for p in parts[:-1]] == [size - 65536 * i for i in range(len(parts) - 1)]
        assert b"".join(p.data for p in parts) == lob_bytes(row, size)
        assert stmt.get_value(3, SQL_C_WCHAR, 65536) == lob_text(row, size).encode("utf-16-le")
    assert not stmt.fetch()


def test_next_fetch_skips_the_rest_of_a_value(raw, driver):
    stmt = raw(driver).statement()
    size = 300_001
    stmt.execute(f"SELECT * FROM bench.lob(3, {size})")
    assert stmt.fetch()
    first = stmt.get_part(2, SQL_C_BINARY, 1000)
    assert first.data == lob_bytes(1, size)[:1000] and first.ind == size
    assert stmt.fetch()
    assert stmt.get_value(1, SQL_C_SLONG, 4) == (2).to_bytes(4, "little")
    assert stmt.get_value(2, SQL_C_BINARY, 65536) == lob_bytes(2, size)
    assert stmt.get_part(3, SQL_C_WCHAR, 100).data == lob_text(2, size)[:49].encode("utf-16-le")
    assert stmt.fetch()
    assert stmt.get_value(3, SQL_C_WCHAR, 8191) == lob_text(3, size).encode("utf-16-le")
    assert not stmt.fetch()
    assert not stmt.more_results()


def test_more_results_and_close_in_the_middle_of_a_value(raw, driver):
    stmt = raw(driver).statement()
    stmt.execute("SELECT * FROM bench.lob(2, 500000); SELECT 7 AS n")
    stmt.fetch()
    assert stmt.get_part(3, SQL_C_WCHAR, 1000).rc == SQL_SUCCESS_WITH_INFO
    assert stmt.more_results()
    assert stmt.fetch()
    assert stmt.get_value(1, SQL_C_SLONG, 4) == (7).to_bytes(4, "little")
    stmt.close_cursor()
    stmt.execute("SELECT * FROM bench.lob(2, 500000)")
    stmt.fetch()
    assert stmt.get_part(2, SQL_C_BINARY, 1000).rc == SQL_SUCCESS_WITH_INFO
    stmt.close_cursor()
    stmt.execute("SELECT 42 AS n")
    stmt.fetch()
    assert stmt.get_value(1, SQL_C_SLONG, 4) == (42).to_bytes(4, "little")


def test_cancel_in_the_middle_of_a_value_leaves_the_connection_usable(raw, driver):
    conn = raw(driver)
    stmt = conn.statement()
    stmt.execute("SELECT * FROM bench.lob(3, 2000000)")
    stmt.fetch()
    assert stmt.get_part(2, SQL_C_BINARY, 1000).rc == SQL_SUCCESS_WITH_INFO
    stmt.cancel()
    stmt.execute("SELECT 42 AS n")
    stmt.fetch()
    assert stmt.get_value(1, SQL_C_SLONG, 4) == (42).to_bytes(4, "little")
    stmt.close_cursor()
    other = conn.statement()
    other.execute("SELECT CAST(N'still here' AS nvarchar(max)) AS t")
    other.fetch()
    assert other.get_value(1, SQL_C_WCHAR, 7) == "still here".encode("utf-16-le")


ORDER_SQL = "SELECT 1 AS a, CAST(N'xyz' AS nvarchar(max)) AS b, 3 AS c"


def test_a_streamed_column_cannot_be_read_again(raw, driver):
    """Like msodbcsql: 07009 for a long column already streamed or skipped."""
    stmt = raw(driver).statement()
    stmt.execute(ORDER_SQL)
    stmt.fetch()
    assert stmt.get_value(2, SQL_C_WCHAR, 64) == "xyz".encode("utf-16-le")
    assert stmt.get_part(2, SQL_C_WCHAR, 64).rc == SQL_NO_DATA
    assert stmt.get_value(3, SQL_C_SLONG, 4) == (3).to_bytes(4, "little")
    again = stmt.get_part(2, SQL_C_WCHAR, 64)
    assert (again.rc, again.states) == (SQL_ERROR, ["07009"])
    stmt.close_cursor()
    stmt.execute(ORDER_SQL)
    stmt.fetch()
    assert stmt.get_value(3, SQL_C_SLONG, 4) == (3).to_bytes(4, "little")
    skipped = stmt.get_part(2, SQL_C_WCHAR, 64)
    assert (skipped.rc, skipped.states) == (SQL_ERROR, ["07009"])
    # A value half read, another column, back to it: gone too.
    stmt.close_cursor()
    stmt.execute(ORDER_SQL)
    stmt.fetch()
    assert stmt.get_part(2, SQL_C_WCHAR, 4).rc == SQL_SUCCESS_WITH_INFO
    assert stmt.get_value(3, SQL_C_SLONG, 4) == (3).to_bytes(4, "little")
    assert stmt.get_part(2, SQL_C_WCHAR, 64).states == ["07009"]


def test_columns_before_a_streamed_value_stay_readable(raw):
    """Ours answers SQL_GD_ANY_ORDER: the short columns read on the way to a long one are
    kept (msodbcsql, which answers SQL_GD_BLOCK only, says 07009)."""
    stmt = raw().statement()
    stmt.execute(ORDER_SQL)
    stmt.fetch()
    assert stmt.get_value(3, SQL_C_SLONG, 4) == (3).to_bytes(4, "little")
    assert stmt.get_value(1, SQL_C_SLONG, 4) == (1).to_bytes(4, "little")
    assert stmt.get_value(3, SQL_C_WCHAR, 16) == "3".encode("utf-16-le")
    assert stmt.get_value(1, SQL_C_WCHAR, 16) == "1".encode("utf-16-le")


def test_bound_columns_around_a_streamed_value(raw):
    stmt = raw().statement()
    size = 200_001
    # Bound id, streamed data and text.
    id_buf, id_ind = stmt.bind_col(1, SQL_C_SLONG, 4)
    stmt.execute(f"SELECT * FROM bench.lob(2, {size})")
    for row in (1, 2):
        assert stmt.fetch()
        assert int.from_bytes(id_buf.raw, "little") == row and id_ind.value == 4
        assert stmt.get_value(2, SQL_C_BINARY, 4096) == lob_bytes(row, size)
        assert stmt.get_value(3, SQL_C_CHAR, 4096) == lob_text(row, size).encode()
    assert not stmt.fetch()
    stmt.close_cursor()
    # A bound column after a long one: the long value is read at fetch, still served.
    text_buf, text_ind = stmt.bind_col(3, SQL_C_WCHAR, 8)
    stmt.execute(f"SELECT * FROM bench.lob(2, {size})")
    assert stmt.fetch()
    assert text_ind.value == 2 * (size // 2)
    assert text_buf.raw[:6] == lob_text(1, size)[:3].encode("utf-16-le")
    assert stmt.get_value(2, SQL_C_BINARY, 65536) == lob_bytes(1, size)
    stmt.close_cursor()
    # Every long column bound: the batched path.
    data_buf, data_ind = stmt.bind_col(2, SQL_C_BINARY, size)
    stmt.execute(f"SELECT * FROM bench.lob(3, {size})")
    for row in (1, 2, 3):
        assert stmt.fetch()
        assert data_ind.value == size and data_buf.raw == lob_bytes(row, size)
        assert int.from_bytes(id_buf.raw, "little") == row
    assert not stmt.fetch()


def test_pyodbc_reads_long_values(connect, driver):
    cnx = connect(driver)
    cur = cnx.cursor()
    size = 300_002
    rows = cur.execute(f"SELECT * FROM bench.lob(3, {size})").fetchall()
    assert [(r[0], bytes(r[1]), r[2]) for r in rows] == \
        [(i, lob_bytes(i, size), lob_text(i, size)) for i in (1, 2, 3)]
    text = cur.execute(f"SELECT 5 AS n, CAST(REPLICATE(N'{NON_BMP}', {NON_BMP_REPEAT}) AS "
                       "nvarchar(max)) AS t, CAST(NULL AS varbinary(max)) AS z").fetchone()
    assert tuple(text) == (5, NON_BMP * NON_BMP_REPEAT, None)
    cur.execute(f"SELECT * FROM bench.lob(2, {size}); SELECT 9")
    assert cur.fetchone()[0] == 1
    assert cur.nextset()
    assert cur.fetchone()[0] == 9


MEMORY_SCRIPT = textwrap.dedent("""
    import json, resource, sys, zlib
    sys.path.insert(0, sys.argv[1])
    from odbc_raw import Connection, SQL_C_BINARY, SQL_C_WCHAR, SQL_NO_DATA
    conn = Connection(sys.argv[2])
    size = int(sys.argv[3])
    stmt = conn.statement()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stmt.execute(f"SELECT * FROM bench.lob(1, {size})")
    stmt.fetch()
    result = {}
    for col, c_type in ((2, SQL_C_BINARY), (3, SQL_C_WCHAR)):
        crc, n = 0, 0
        while True:
            part = stmt.get_part(col, c_type, 65536)
            if part.rc == SQL_NO_DATA:
                break
            crc, n = zlib.crc32(part.data, crc), n + len(part.data)
        result[col] = [n, crc]
    grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps({"values": result, "grew_kb": grew}))
""")


def test_a_200_mib_value_is_read_with_flat_memory(server):
    size = 200 << 20
    out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(HERE),
                          server.connection_string(), str(size)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    expected_bytes = lob_bytes(1, size)
    assert result["values"]["2"] == [size, zlib.crc32(expected_bytes)]
    del expected_bytes
    text = lob_text(1, size).encode("utf-16-le")
    assert result["values"]["3"] == [size, zlib.crc32(text)]
    del text
    # 400 MiB went through the driver; its peak memory barely moved.
    assert result["grew_kb"] < 50 * 1024, result


def test_a_server_dying_mid_value_is_a_link_failure():
    srv = RunningServer()
    try:
        conn = Connection(srv.connection_string())
        stmt = conn.statement()
        stmt.execute("SELECT * FROM bench.lob(1, 100000000)")
        stmt.fetch()
        assert stmt.get_part(2, SQL_C_BINARY, 65536).rc == SQL_SUCCESS_WITH_INFO
        srv.proc.kill()
        srv.proc.wait(10)
        for _ in range(10000):
            part = stmt.get_part(2, SQL_C_BINARY, 65536)
            if part.rc != SQL_SUCCESS_WITH_INFO:
                break
        assert part.rc == SQL_ERROR and "08S01" in part.states, part
        assert conn.is_dead()
        with pytest.raises(OdbcError) as failed:
            conn.statement().execute("SELECT 1")
        assert "08S01" in failed.value.states
    finally:
        srv.stop()
