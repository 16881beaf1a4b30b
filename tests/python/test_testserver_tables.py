"""Issue 2's proof corpus, table part: a table with every type, filled with parameters (prepared
statement, and pyodbc fast_executemany), read back and compared exactly, NULLs of every type;
the T-SQL that drivers and ORMs send; errors as SQL Server reports them; the bench sources;
catalog calls; the ready file. MS18 is the reference; other peers' differences are recorded."""
import datetime
import decimal
import json
import uuid

import pyodbc
import pytest

from conftest import known_difference

# (column type, parameter value, value read back)
COLUMNS = [
    ("bit", True, True),
    ("tinyint", 255, 255),
    ("smallint", -32768, -32768),
    ("int", -2147483648, -2147483648),
    ("bigint", 9223372036854775807, 9223372036854775807),
    ("real", 1.5, 1.5),
    ("float", -2.25, -2.25),
    ("decimal(38,4)", decimal.Decimal("-1234567890123456789012345678901.2345"),
     decimal.Decimal("-1234567890123456789012345678901.2345")),
    ("numeric(10,2)", decimal.Decimal("12.50"), decimal.Decimal("12.50")),
    ("money", decimal.Decimal("922337203685477.5807"), decimal.Decimal("922337203685477.5807")),
    ("smallmoney", decimal.Decimal("-214748.3647"), decimal.Decimal("-214748.3647")),
    ("char(5)", "ab", "ab   "),
    ("varchar(20)", "plain", "plain"),
    ("varchar(max)", "long text " * 100, "long text " * 100),
    ("nchar(3)", "é", "é  "),
    ("nvarchar(20)", "日本語", "日本語"),
    ("nvarchar(max)", "Ünïcödé " * 100, "Ünïcödé " * 100),
    ("binary(4)", b"\x01\x02", b"\x01\x02\x00\x00"),
    ("varbinary(10)", b"\xde\xad\xbe\xef", b"\xde\xad\xbe\xef"),
    ("varbinary(max)", bytes(range(256)) * 10, bytes(range(256)) * 10),
    ("date", datetime.date(2024, 2, 29), datetime.date(2024, 2, 29)),
    # pyodbc binds time as SQL_TYPE_TIME (no fraction) and datetime with milliseconds.
    ("time(7)", datetime.time(12, 34, 56), datetime.time(12, 34, 56)),
    ("datetime", datetime.datetime(2024, 1, 2, 3, 4, 5, 123000), datetime.datetime(2024, 1, 2, 3, 4, 5, 123000)),
    ("smalldatetime", datetime.datetime(2024, 1, 2, 3, 4), datetime.datetime(2024, 1, 2, 3, 4)),
    ("datetime2(7)", datetime.datetime(2024, 1, 2, 3, 4, 5, 123000), datetime.datetime(2024, 1, 2, 3, 4, 5, 123000)),
    ("uniqueidentifier", uuid.UUID("6F9619FF-8B86-D011-B42D-00C04FC964FF"), "6F9619FF-8B86-D011-B42D-00C04FC964FF"),
    ("xml", "<a b=\"1\">x</a>", "<a b=\"1\">x</a>"),
    ("text", "old text", "old text"),
    ("ntext", "old ntext é", "old ntext é"),
    ("image", b"\x0a\x0b", b"\x0a\x0b"),
]


def same(got, want):
    if isinstance(want, str) and isinstance(got, uuid.UUID):
        return str(got).upper() == want
    if isinstance(want, datetime.time) and isinstance(got, str):  # some drivers return text
        return got.startswith(want.isoformat())
    return got == want


def make_table(cur, name):
    cur.execute(f"DROP TABLE IF EXISTS {name}")
    cols = ", ".join(f"c{i} {t} NULL" for i, (t, _, _) in enumerate(COLUMNS))
    cur.execute(f"CREATE TABLE {name} (id int NOT NULL PRIMARY KEY, {cols})")


def insert_sql(name):
    marks = ", ".join("?" for _ in range(len(COLUMNS) + 1))
    return f"INSERT INTO {name} VALUES ({marks})"


def check_rows(cur, name, expect=lambda v: v):
    rows = cur.execute(f"SELECT * FROM {name} ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [1, 2]
    wrong = [(t, rows[0][i + 1], expect(want)) for i, (t, _, want) in enumerate(COLUMNS)
             if not same(rows[0][i + 1], expect(want))]
    assert not wrong, f"values differ: {wrong}"
    assert all(v is None for v in rows[1][1:]), f"NULLs expected: {rows[1]}"


PREPARED_DIFFERENCES = {"FreeTDS": "datetime parameters lose their fraction",
                        "MSRS": "HYC00 'Target type not yet implemented' fetching time(7)"}


def whole_seconds(value):
    """fast_executemany: the same values without fractions of a second (see the xfail below)."""
    if isinstance(value, (datetime.datetime, datetime.time)):
        return value.replace(microsecond=0)
    return value


def test_every_type_in_a_table_with_prepared_parameters(peer, peer_connect, request):
    known_difference(request, peer, PREPARED_DIFFERENCES)
    cur = peer_connect().cursor()
    name = f"all_types_prepared_{peer.lower()}"
    make_table(cur, name)
    try:
        cur.execute(insert_sql(name), 1, *[v for _, v, _ in COLUMNS])
        assert cur.rowcount == 1
        cur.execute(insert_sql(name), 2, *[None] * len(COLUMNS))
        check_rows(cur, name)
    finally:
        cur.execute(f"DROP TABLE IF EXISTS {name}")


def test_every_type_in_a_table_with_fast_executemany(peer, peer_connect, request):
    known_difference(request, peer, {
        "MSRS": "HYC00 'Parameter conversion not yet implemented' (SQLBindParameter)",
        "FreeTDS": "SQLDescribeParam gives (n)varchar(max) as 255 characters: pyodbc reports "
                   "'String data, right truncation'"})
    cur = peer_connect().cursor()
    name = f"all_types_fast_{peer.lower()}"
    make_table(cur, name)
    try:
        cur.fast_executemany = True
        cur.executemany(insert_sql(name), [(1, *[whole_seconds(v) for _, v, _ in COLUMNS]),
                                           (2, *[None] * len(COLUMNS))])
        cur.fast_executemany = False
        check_rows(cur, name, whole_seconds)
    finally:
        cur.execute(f"DROP TABLE IF EXISTS {name}")


def test_fast_executemany_keeps_milliseconds(connect):
    cur = ms18(connect).cursor()
    cur.execute("CREATE TABLE #ms (a datetime, b datetime2(7))")
    value = datetime.datetime(2024, 1, 2, 3, 4, 5, 123000)
    cur.fast_executemany = True
    cur.executemany("INSERT INTO #ms VALUES (?, ?)", [(value, value)])
    cur.fast_executemany = False
    assert tuple(cur.execute("SELECT a, b FROM #ms").fetchone()) == (value, value)


# --- T-SQL that drivers and ORMs send (through MS18) --------------------------------------------

def ms18(connect_fixture):
    if "MS18" not in pyodbc.drivers():
        pytest.skip("MS18 not registered")
    return connect_fixture(driver="MS18", autocommit=True)


def test_tsql_dialect_through_ms18(connect):
    cur = ms18(connect).cursor()
    cur.execute("DROP TABLE IF EXISTS [dialect probe]")
    cur.execute("CREATE TABLE [dialect probe] (id int IDENTITY(1,1) PRIMARY KEY, "
                "name nvarchar(20) NOT NULL DEFAULT N'none', amount decimal(9,2) NULL)")
    try:
        out = cur.execute("INSERT INTO [dialect probe] (name, amount) OUTPUT INSERTED.* "
                          "VALUES (N'ä', 1.50)").fetchone()
        assert (out[0], out[1], out[2]) == (1, "ä", decimal.Decimal("1.50"))
        # SCOPE_IDENTITY is per batch (scope), @@IDENTITY per session.
        cur.execute("INSERT INTO [dialect probe] (amount) VALUES (2); SELECT SCOPE_IDENTITY()")
        assert cur.nextset() and cur.fetchone()[0] == 2
        assert tuple(cur.execute("SELECT SCOPE_IDENTITY(), @@IDENTITY").fetchone()) == (None, 2)
        cur.execute("INSERT INTO [dialect probe] (name) VALUES ('c'), ('d'), ('e')")
        assert cur.execute("SELECT @@ROWCOUNT").fetchone()[0] == 3
        assert cur.execute("SELECT name FROM [dialect probe] WHERE id = 2").fetchone()[0] == "none"
        assert [r[0] for r in cur.execute("SELECT TOP 2 id FROM [dialect probe] ORDER BY id DESC")] == [5, 4]
        assert [r[0] for r in cur.execute("SELECT id FROM [dialect probe] ORDER BY id "
                                          "OFFSET 1 ROWS FETCH NEXT 2 ROWS ONLY")] == [2, 3]
        cur.execute("IF OBJECT_ID('dialect_gone') IS NOT NULL DROP TABLE dialect_gone")
        row = cur.execute("SELECT DB_NAME(), SCHEMA_NAME(), USER_NAME(), @@SPID, @@TRANCOUNT, "
                          "CAST(SERVERPROPERTY('ProductMajorVersion') AS int), @@VERSION").fetchone()
        assert row[0] == "test" and row[1] == "dbo" and row[3] >= 51 and row[4] == 0
        assert row[5] == 16 and "Microsoft SQL Server" in row[6]
        now = cur.execute("SELECT GETDATE(), SYSDATETIME(), SYSUTCDATETIME()").fetchone()
        assert all(isinstance(v, datetime.datetime) for v in now)
        assert abs((now[0] - datetime.datetime.now()).total_seconds()) < 60
        cur.execute("BEGIN TRAN; SAVE TRAN sp1; INSERT INTO [dialect probe] (name) VALUES ('f')")
        assert cur.execute("SELECT @@TRANCOUNT").fetchone()[0] == 1
        cur.execute("ROLLBACK TRAN sp1; COMMIT")
        assert cur.execute("SELECT COUNT(*) FROM [dialect probe]").fetchone()[0] == 5
    finally:
        cur.execute("DROP TABLE IF EXISTS [dialect probe]")


def test_nocount_and_raiserror_info(connect):
    cnx = ms18(connect)
    cur = cnx.cursor()
    cur.execute("CREATE TABLE #n (i int)")
    assert cur.execute("INSERT INTO #n VALUES (1), (2)").rowcount == 2
    cur.execute("SET NOCOUNT ON")
    assert cur.execute("INSERT INTO #n VALUES (3)").rowcount == -1
    cur.execute("RAISERROR('just information', 10, 1)")
    assert any("just information" in m[1] for m in cur.messages)


@pytest.mark.parametrize("sql,number,sqlstate", [
    ("SELEC 1", 102, "42000"),
    ("THROW 51000, 'thrown here', 3", 51000, "42000"),
    ("INSERT INTO #k VALUES (1)", 2627, "23000"),
])
def test_errors_as_sql_server_reports_them(connect, sql, number, sqlstate):
    cur = ms18(connect).cursor()
    cur.execute("CREATE TABLE #k (i int PRIMARY KEY); INSERT INTO #k VALUES (1)")
    with pytest.raises(pyodbc.Error) as failure:
        cur.execute(sql)
    assert failure.value.args[0] == sqlstate and f"({number})" in str(failure.value)
    assert cur.execute("SELECT 1").fetchone()[0] == 1, "the session goes on"


# --- bench sources ------------------------------------------------------------------------------

def test_bench_sources_shapes(connect):
    cur = ms18(connect).cursor()
    cur.execute("SELECT * FROM bench.narrow(1000)")
    assert [d[1] for d in cur.description] == [int, str, float, datetime.datetime]
    assert len(cur.fetchall()) == 1000
    cur.execute("SELECT * FROM bench.wide(10)")
    assert len(cur.description) == 30 and len(cur.fetchall()) == 10
    cur.execute("SELECT * FROM bench.lob(3, 100000)")
    rows = cur.fetchall()
    assert len(rows) == 3
    assert {type(v) for v in rows[0]} >= {bytes, str}
    assert max(len(v) for v in rows[0] if isinstance(v, (bytes, str))) == 100000


# --- catalog calls MS18 makes --------------------------------------------------------------------

def test_catalog_functions_through_ms18(connect):
    cnx = ms18(connect)
    cur = cnx.cursor()
    cur.execute("DROP TABLE IF EXISTS cat_child; DROP TABLE IF EXISTS cat_parent")
    cur.execute("CREATE TABLE cat_parent (id int NOT NULL PRIMARY KEY, name nvarchar(10))")
    cur.execute("CREATE TABLE cat_child (id int NOT NULL PRIMARY KEY, "
                "parent int REFERENCES cat_parent(id))")
    try:
        assert [r.column_name for r in cnx.cursor().primaryKeys("cat_parent")] == ["id"]
        fks = [(r.pktable_name, r.fktable_name, r.fkcolumn_name)
               for r in cnx.cursor().foreignKeys(table="cat_parent")]
        assert fks == [("cat_parent", "cat_child", "parent")]
        assert any(r.column_name == "id" for r in cnx.cursor().statistics("cat_parent"))
        type_names = {r.type_name for r in cnx.cursor().getTypeInfo()}
        assert {"int", "nvarchar", "datetime2", "varbinary"} <= type_names
        cnx.cursor().procedures()  # answered (possibly empty), not an error
        list(cnx.cursor().procedureColumns(procedure="nosuch"))
    finally:
        cur.execute("DROP TABLE IF EXISTS cat_child; DROP TABLE IF EXISTS cat_parent")


@pytest.mark.xfail(reason="sql engine: sp_special_columns_100 returns no rows for a table with a "
                   "primary key (SQL Server returns the key columns); reported", strict=False)
def test_special_columns_name_the_primary_key(connect):
    cnx = ms18(connect)
    cnx.cursor().execute("DROP TABLE IF EXISTS cat_rowid")
    cnx.cursor().execute("CREATE TABLE cat_rowid (id int NOT NULL PRIMARY KEY, v int)")
    try:
        assert [r.column_name for r in cnx.cursor().rowIdColumns("cat_rowid")] == ["id"]
    finally:
        cnx.cursor().execute("DROP TABLE IF EXISTS cat_rowid")


# --- login facts and the ready file -------------------------------------------------------------

def test_ready_file_and_login_facts(server, connect):
    for key in ("tds_port", "strict_port", "ca_file", "sql_user", "sql_password", "database",
                "connection_string"):
        assert server.info.get(key) not in (None, ""), key
    assert "Driver" not in server.info["connection_string"]
    cnx = ms18(connect)
    assert cnx.getinfo(pyodbc.SQL_DBMS_VER).startswith("16.00.")  # LOGINACK
    assert cnx.getinfo(pyodbc.SQL_DATABASE_NAME) == server.info["database"]  # ENVCHANGE database
    cnx.cursor().execute("USE master")
    assert cnx.getinfo(pyodbc.SQL_DATABASE_NAME) == "master"
    assert cnx.cursor().execute("SELECT DATABASEPROPERTYEX(DB_NAME(), 'Collation')").fetchone()[0] \
        == "SQL_Latin1_General_CP1_CI_AS"
    json.dumps(server.info)
