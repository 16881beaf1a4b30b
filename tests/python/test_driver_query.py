"""Queries through pyodbc: types, results, parameters, errors, transactions, catalog."""
import datetime
import decimal
import uuid

import pyodbc
import pytest

from conftest import OUR_DRIVER
from driver_helpers import table_name

PREFIX = "[sqlserver-odbc][ODBC Driver RS for SQL Server]"


@pytest.fixture
def cnx(connect):
    c = connect()
    return c


def test_column_descriptions_and_values(cnx):
    cur = cnx.cursor().execute(
        "SELECT CAST(1 AS int) AS i, N'héllo' AS s, CAST(2.5 AS float) AS f, "
        "CAST(12.34 AS decimal(10,2)) AS d, CAST('2024-02-29 13:14:15.1234567' AS datetime2) AS ts, "
        "CAST(NULL AS int) AS n, CAST(0x0102 AS varbinary(10)) AS b, CAST(1 AS bit) AS bt")
    assert [d[0] for d in cur.description] == ["i", "s", "f", "d", "ts", "n", "b", "bt"]
    row = cur.fetchone()
    assert row.i == 1 and row.s == "héllo" and row.f == 2.5
    assert row.d == decimal.Decimal("12.34")
    assert row.ts == datetime.datetime(2024, 2, 29, 13, 14, 15, 123456)
    assert row.n is None and row.b == b"\x01\x02" and row.bt is True
    assert cur.fetchone() is None


def test_cells_stay_their_own_across_fetch_batches(cnx):
    # Rows come in batches of 256, and each batch decodes its text and binary cells into the
    # buffers of the batch delivered before: lengths grow, NULLs interleave, fetchone and
    # fetchmany mix, and every value must still be the one the server sent.
    cur = cnx.cursor().execute("SELECT * FROM bench.wide(1500)")
    rows = [cur.fetchone() for _ in range(300)] + cur.fetchmany(700) + cur.fetchall()
    assert len(rows) == 1500
    for i, row in enumerate(rows, start=1):
        null = i % 3 == 0
        assert (row.c01_int, row.c10_nvarchar, row.c11_varchar, row.c18_varbinary,
                row.c19_nvarchar, row.c30_nvarchar) == (
            i, f"row {i}", f"ascii {i}", i.to_bytes(8, "big"),
            None if null else f"nullable text {i}", None if null else f"last {i}"), i


def test_long_text_comes_back_whole(cnx):
    text = "ab€" * 40000
    got = cnx.cursor().execute("SELECT ?", text).fetchone()[0]
    assert got == text


def test_parameters_of_every_python_type_round_trip(cnx):
    values = [
        42, 2**40, 1.5, "text", "ü" * 10, b"\x00\xff", True, decimal.Decimal("-123.4500"),
        datetime.date(2023, 12, 31), datetime.datetime(2023, 12, 31, 23, 59, 58, 500000),
        uuid.UUID("12345678-1234-5678-1234-567812345678"), None,
    ]
    cur = cnx.cursor()
    for v in values:
        got = cur.execute("SELECT ?", v).fetchone()[0]
        if isinstance(v, uuid.UUID):
            got = uuid.UUID(str(got)) if not isinstance(got, uuid.UUID) else got
        assert got == v, f"{v!r} came back as {got!r}"


def _stored_datetime2(connect, driver, value):
    c = connect(driver=driver)
    cur = c.cursor()
    t = table_name("dt2")
    cur.execute(f"CREATE TABLE {t} (v datetime2(7) NULL)")
    cur.execute(f"INSERT INTO {t} (v) VALUES (?)", value)
    # As text, so what the server stored is compared, not what pyodbc makes of it.
    stored = cur.execute(f"SELECT CAST(v AS nvarchar(40)) FROM {t}").fetchone()[0]
    cur.execute(f"DROP TABLE {t}")
    c.commit()
    return stored


def test_datetime_parameter_stores_what_msodbcsql_stores(cnx, connect):
    # pyodbc sends as many fractional digits as the first SQL_TYPE_TIMESTAMP row of
    # SQLGetTypeInfo allows (datetime's 3 through msodbcsql), so the stored value must match.
    if "MS18" not in pyodbc.drivers():
        pytest.skip("MS18 not registered in $ODBCSYSINI (export ODBCSYSINI=.../target/peers)")
    value = datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)
    ours = _stored_datetime2(connect, OUR_DRIVER, value)
    ms18 = _stored_datetime2(connect, "MS18", value)
    assert ours == ms18
    assert ours.startswith("2024-01-02 03:04:05.123")


def test_insert_update_rowcounts(cnx):
    t = table_name()
    cur = cnx.cursor()
    cur.execute(f"CREATE TABLE {t} (id int PRIMARY KEY, name nvarchar(20))")
    cur.execute(f"INSERT INTO {t} VALUES (1, N'a'), (2, N'b')")
    assert cur.rowcount == 2
    cur.execute(f"UPDATE {t} SET name = N'x' WHERE id > ?", 0)
    assert cur.rowcount == 2
    cur.execute(f"SELECT * FROM {t}")
    assert cur.rowcount == -1
    cnx.commit()


# Manual-commit mode runs in a transaction begun with BEGIN TRAN (see mssql-tds-notes: Transaction
# Manager requests desynchronise some servers).
def test_rollback_undoes_and_commit_keeps(cnx):
    t = table_name()
    cur = cnx.cursor()
    cur.execute(f"CREATE TABLE {t} (id int PRIMARY KEY, name nvarchar(20))")
    cnx.commit()
    cur.execute(f"INSERT INTO {t} VALUES (1, N'a'), (2, N'b')")
    cnx.rollback()
    assert cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] == 0
    cur.execute(f"INSERT INTO {t} VALUES (?, ?)", 3, "c")
    cnx.commit()
    assert cur.execute(f"SELECT name FROM {t} WHERE id = ?", 3).fetchone()[0] == "c"
    cur.execute(f"UPDATE {t} SET name = N'x'")
    assert cur.rowcount == 1
    cnx.commit()


def test_fast_executemany_inserts_every_row(cnx):
    t = table_name()
    cur = cnx.cursor()
    cur.execute(f"CREATE TABLE {t} (id int, name nvarchar(20), amount decimal(10,2))")
    cur.fast_executemany = True
    rows = [(i, f"n{i}", decimal.Decimal(i)) for i in range(200)]
    cur.executemany(f"INSERT INTO {t} VALUES (?, ?, ?)", rows)
    cnx.commit()
    got = cur.execute(f"SELECT id, name, amount FROM {t} ORDER BY id").fetchall()
    assert [tuple(r) for r in got] == rows


def test_executemany_failure_names_the_row_and_runs_the_other_rows(cnx):
    t = table_name()
    cur = cnx.cursor()
    cur.execute(f"CREATE TABLE {t} (id int PRIMARY KEY)")
    cnx.commit()
    cur.fast_executemany = True
    with pytest.raises(pyodbc.IntegrityError) as err:
        cur.executemany(f"INSERT INTO {t} VALUES (?)", [(1,), (2,), (2,), (3,)])
    assert err.value.args[0] == "23000"
    cnx.commit()
    # As msodbcsql18: the array is one request; only the failing set is skipped.
    assert [r[0] for r in cur.execute(f"SELECT id FROM {t} ORDER BY id")] == [1, 2, 3]


def test_errors_map_to_msodbcsql_sqlstates(cnx):
    cur = cnx.cursor()
    cases = {
        "SELECT * FROM no_such_table": "42S02",
        "SELEC 1": "42000",
        "RAISERROR('boom', 16, 1)": "42000",
    }
    for sql, state in cases.items():
        with pytest.raises(pyodbc.Error) as err:
            cur.execute(sql)
            cur.fetchall()
        assert err.value.args[0] == state, sql
        assert PREFIX + "[SQL Server]" in err.value.args[1]


def test_print_is_a_message_and_results_follow_with_nextset(cnx):
    cur = cnx.cursor()
    # As msodbcsql: the PRINT is a message of the execute, which lands on the first result set.
    cur.execute("PRINT 'first'; SELECT 1 AS a; SELECT 2 AS b")
    assert any("first" in m[1] for m in cur.messages)
    assert cur.fetchone()[0] == 1
    assert cur.nextset()
    assert cur.fetchone()[0] == 2
    assert not cur.nextset()


def test_error_in_the_middle_of_a_batch_then_the_rest(cnx):
    cur = cnx.cursor()
    cur.execute("SELECT 1 AS a; SELECT * FROM no_such_table; SELECT 3 AS c")
    assert cur.fetchone()[0] == 1
    with pytest.raises(pyodbc.Error) as err:
        cur.nextset()
    assert err.value.args[0] == "42S02"


def test_two_cursors_one_busy_connection(cnx):
    a = cnx.cursor()
    a.execute("SELECT 1 AS x UNION ALL SELECT 2")
    b = cnx.cursor()
    # No MARS: like msodbcsql, a second statement waits for the first one's results.
    with pytest.raises(pyodbc.Error) as err:
        b.execute("SELECT 5")
    assert err.value.args[0] == "HY000" and "busy" in err.value.args[1]
    assert [r[0] for r in a.fetchall()] == [1, 2]
    assert b.execute("SELECT 5").fetchone()[0] == 5


def test_catalog_functions(cnx):
    t = table_name()
    cur = cnx.cursor()
    cur.execute(f"CREATE TABLE {t} (id int PRIMARY KEY, name nvarchar(30) NULL)")
    cnx.commit()
    tables = cur.tables(table=t).fetchall()
    assert [(r.table_name, r.table_type) for r in tables] == [(t, "TABLE")]
    cols = cur.columns(table=t).fetchall()
    assert [(c.column_name, c.type_name, c.nullable) for c in cols] == [("id", "int", 0), ("name", "nvarchar", 1)]
    keys = cur.primaryKeys(t).fetchall()
    assert [k.column_name for k in keys] == ["id"]


def test_type_info(cnx):
    rows = cnx.cursor().getTypeInfo(pyodbc.SQL_WVARCHAR).fetchall()
    assert any(r.type_name == "nvarchar" for r in rows)


def test_large_values_read_whole(cnx):
    cur = cnx.cursor().execute("SELECT * FROM bench.lob(3, 6000000)")
    rows = cur.fetchall()
    assert [r[0] for r in rows] == [1, 2, 3]
    assert all(len(r[1]) == 6_000_000 and len(r[2]) == 3_000_000 for r in rows)


def test_call_escape_runs_a_procedure(cnx):
    name = table_name("p")
    cur = cnx.cursor()
    cur.execute(f"CREATE PROCEDURE {name} @a int, @b int AS SELECT @a + @b AS total")
    cnx.commit()
    assert cur.execute(f"{{call {name}(?, ?)}}", 2, 3).fetchone()[0] == 5
    assert cur.execute(f"{{CALL {name} (40, 2)}}").fetchone()[0] == 42
