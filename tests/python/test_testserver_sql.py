"""Result and parameter round trips through the stand-in (wire encoding of every type, large
values, multiple result sets, messages, row counts, transactions, catalog calls), run with each
peer driver. MS18 is the reference."""
import datetime
import decimal
import struct
import uuid

import pyodbc
import pytest

from conftest import known_difference

# (type, literal, value a driver must return)
TYPES = [
    ("bit", "1", True),
    ("tinyint", "255", 255),
    ("smallint", "-32768", -32768),
    ("int", "-2147483648", -2147483648),
    ("bigint", "9223372036854775807", 9223372036854775807),
    ("real", "1.5", 1.5),
    ("float", "-2.25", -2.25),
    ("decimal(38,4)", "'-12345678901234567890123456789012.3456'",
     decimal.Decimal("-12345678901234567890123456789012.3456")),
    ("numeric(10,2)", "'12.50'", decimal.Decimal("12.50")),
    ("money", "'922337203685477.5807'", decimal.Decimal("922337203685477.5807")),
    ("smallmoney", "'-214748.3647'", decimal.Decimal("-214748.3647")),
    ("char(5)", "'ab'", "ab   "),
    ("varchar(20)", "'café'", "café"),
    ("varchar(max)", "'long text'", "long text"),
    ("nchar(3)", "N'é'", "é  "),
    ("nvarchar(20)", "N'日本語'", "日本語"),
    ("nvarchar(max)", "N'Ünïcödé'", "Ünïcödé"),
    ("binary(4)", "0x0102", b"\x01\x02\x00\x00"),
    ("varbinary(10)", "0xDEADBEEF", b"\xde\xad\xbe\xef"),
    ("varbinary(max)", "0xCAFE", b"\xca\xfe"),
    ("date", "'2024-02-29'", datetime.date(2024, 2, 29)),
    ("datetime", "'2024-01-02 03:04:05.123'", datetime.datetime(2024, 1, 2, 3, 4, 5, 123000)),
    ("smalldatetime", "'2024-01-02 03:04:00'", datetime.datetime(2024, 1, 2, 3, 4)),
    ("datetime2(7)", "'2024-01-02 03:04:05.1234567'", datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)),
    ("uniqueidentifier", "'6F9619FF-8B86-D011-B42D-00C04FC964FF'", "6F9619FF-8B86-D011-B42D-00C04FC964FF"),
    ("text", "'old text'", "old text"),
    ("ntext", "N'old ntext'", "old ntext"),
    ("image", "0x0A0B", b"\x0a\x0b"),
]


def _same(got, want):
    if isinstance(want, float):
        return abs(got - want) < 1e-6
    if isinstance(want, str) and isinstance(got, uuid.UUID):
        return str(got).upper() == want
    return got == want


@pytest.mark.parametrize("sql_type,literal,expected", TYPES, ids=[t[0] for t in TYPES])
def test_type_round_trip_in_results(peer, peer_connect, request, sql_type, literal, expected):
    cur = peer_connect().cursor()
    got = cur.execute(f"SELECT CAST({literal} AS {sql_type}) AS v, CAST(NULL AS {sql_type}) AS n").fetchone()
    assert _same(got[0], expected), f"{sql_type}: {got[0]!r} != {expected!r}"
    assert got[1] is None


def _timestamp_offset(raw):
    """SQL_SS_TIMESTAMPOFFSET_STRUCT as MS18 returns it for SQL type -155."""
    y, mo, d, h, mi, sec, frac, tzh, tzm = struct.unpack("<6hI2h", raw)
    tz = datetime.timezone(datetime.timedelta(hours=tzh, minutes=tzm))
    return datetime.datetime(y, mo, d, h, mi, sec, frac // 1000, tzinfo=tz)


def test_time_and_datetimeoffset(peer, peer_connect, request):
    known_difference(request, peer, {"MSRS": "HYC00 'Target type not yet implemented' for datetimeoffset"})
    cnx = peer_connect()
    cnx.add_output_converter(-155, _timestamp_offset)
    cur = cnx.cursor()
    row = cur.execute("SELECT CAST('12:34:56.1234567' AS time(7)), "
                      "CAST('2024-01-02 03:04:05 +02:00' AS datetimeoffset(0))").fetchone()
    assert row[0] == datetime.time(12, 34, 56, 123456)
    assert row[1] == datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))


@pytest.mark.parametrize("value", [
    0, -7, 2**40, 1.25, "text", "ünïcode", b"\x00\x01\xff", decimal.Decimal("-123.4500"),
    datetime.date(2001, 2, 3), datetime.datetime(2001, 2, 3, 4, 5, 6, 789000), True, None,
], ids=lambda v: type(v).__name__)
def test_parameter_round_trip(peer, peer_connect, request, value):
    if isinstance(value, datetime.datetime):
        known_difference(request, peer, {"FreeTDS": "sends datetime parameters without fractional seconds"})
    got = peer_connect().cursor().execute("SELECT ?", value).fetchone()[0]
    if isinstance(value, bool):
        assert bool(got) == value
    else:
        assert got == value


@pytest.mark.parametrize("kind", ["varbinary", "nvarchar"])
def test_ten_megabyte_max_values(peer, peer_connect, request, kind):
    known_difference(request, peer, {"FreeTDS": "binds long parameters as (var)binary(8000)/nvarchar(4000) and truncates"})
    cur = peer_connect().cursor()
    cur.execute(f"CREATE TABLE #big (v {kind}(max))")
    value = bytes(range(256)) * 40960 if kind == "varbinary" else "ab€" * 3495253
    cur.execute("INSERT INTO #big VALUES (?)", value)
    got = cur.execute("SELECT v FROM #big").fetchone()[0]
    assert len(got) == len(value) and got == value


def test_multiple_result_sets_and_rowcounts(peer, peer_connect, request):
    known_difference(request, peer, {"FreeTDS": "reports one more (empty) result after the last SELECT"})
    cur = peer_connect().cursor()
    cur.execute("CREATE TABLE #r (i int)")
    cur.execute("INSERT INTO #r VALUES (1), (2), (3)")
    assert cur.rowcount == 3
    cur.execute("UPDATE #r SET i = i + 1 WHERE i > 1")
    assert cur.rowcount == 2
    cur.execute("SELECT i FROM #r ORDER BY i; SELECT COUNT(*) FROM #r")
    assert [r[0] for r in cur.fetchall()] == [1, 3, 4]
    assert cur.nextset()
    assert cur.fetchone()[0] == 3
    assert not cur.nextset()


def test_print_is_an_info_message(peer_connect):
    cur = peer_connect().cursor()
    cur.execute("PRINT 'hello from the server'")
    assert any("hello from the server" in m[1] for m in cur.messages)


def test_raiserror_is_42000_50000(peer_connect):
    with pytest.raises(pyodbc.Error) as failure:
        peer_connect().cursor().execute("RAISERROR('it broke', 16, 1)")
    assert failure.value.args[0] == "42000"
    assert "it broke" in str(failure.value) and "50000" in str(failure.value)


def test_commit_and_rollback_with_autocommit_off(peer_connect):
    setup = peer_connect(autocommit=True)
    setup.cursor().execute("IF OBJECT_ID('tx_probe') IS NOT NULL DROP TABLE tx_probe")
    setup.cursor().execute("CREATE TABLE tx_probe (i int)")
    cnx = peer_connect(autocommit=False)
    cur = cnx.cursor()
    cur.execute("INSERT INTO tx_probe VALUES (1)")
    cnx.rollback()
    assert cur.execute("SELECT COUNT(*) FROM tx_probe").fetchone()[0] == 0
    cur.execute("INSERT INTO tx_probe VALUES (2)")
    cnx.commit()
    assert setup.cursor().execute("SELECT COUNT(*) FROM tx_probe").fetchone()[0] == 1
    setup.cursor().execute("DROP TABLE tx_probe")


def test_sqltables_and_sqlcolumns(peer, peer_connect):
    cnx = peer_connect()
    table = f"catalog_probe_{peer.lower()}"
    cnx.cursor().execute(f"IF OBJECT_ID('{table}') IS NOT NULL DROP TABLE {table}")
    cnx.cursor().execute(f"CREATE TABLE {table} (id int NOT NULL PRIMARY KEY, name nvarchar(40) NULL)")
    try:
        tables = [r.table_name for r in cnx.cursor().tables(table=table)]
        assert tables == [table]
        cols = [(r.column_name, r.type_name, r.nullable) for r in cnx.cursor().columns(table=table)]
        assert [c[0] for c in cols] == ["id", "name"]
        assert cols[0][2] == 0 and cols[1][2] == 1
    finally:
        cnx.cursor().execute(f"DROP TABLE {table}")


def test_sql_variant_values(peer, peer_connect, request):
    known_difference(request, peer, {"MSRS": "does not fetch sql_variant"})
    cnx = peer_connect()
    cnx.add_output_converter(-150, lambda raw: raw)  # SQL_SS_VARIANT: the base value's bytes
    row = cnx.cursor().execute("SELECT CAST(42 AS sql_variant), CAST(N'abc' AS sql_variant), "
                               "CAST(NULL AS sql_variant)").fetchone()
    assert row[0] in (42, b"*\x00\x00\x00")
    assert row[1] in ("abc", b"a\x00b\x00c\x00")
    assert row[2] is None
