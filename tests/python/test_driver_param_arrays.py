"""Parameter arrays (pyodbc fast_executemany, SQL_ATTR_PARAMSET_SIZE > 1): the sets travel in
batched requests, every set lands exactly once, a failing set behaves as with msodbcsql18 (the
same tests run against MS18), and a connection lost mid-array is reported as such.

Status and processed-count arrays are checked at the C level in tests/c/param_arrays.c.
"""
import datetime
import decimal
import uuid
from pathlib import Path

import pyodbc
import pytest

from conftest import OUR_DRIVER

DRIVERS = [OUR_DRIVER, "MS18"]


def table_name():
    return f"pa_{uuid.uuid4().hex[:10]}"


def rpc_requests(server):
    """RPC messages the testserver has received so far (one DEBUG log line each)."""
    log = Path(server.dir.name) / "server.log"
    return sum(1 for line in log.read_text(errors="replace").splitlines() if "rpc: " in line)


def sample_rows(n):
    """Rows of several types, NULLs in every nullable column now and then."""
    rows = []
    for i in range(1, n + 1):
        rows.append((
            i,
            i * 1_000_003,
            None if i % 7 == 0 else f"name {i} é",
            None if i % 11 == 0 else f"v{i}",
            i / 8,
            decimal.Decimal(i * 37 % 100000) / 1000,
            datetime.date(2000, 1, 1) + datetime.timedelta(days=i),
            datetime.datetime(2020, 1, 1) + datetime.timedelta(seconds=i * 61),
            None if i % 5 == 0 else i.to_bytes(4, "big"),
            i % 2 == 0,
        ))
    return rows


CREATE = ("CREATE TABLE {t} (id int PRIMARY KEY, big bigint, name nvarchar(40) NULL, "
          "code varchar(20) NULL, f float, amount decimal(12,3), d date, ts datetime2(0), "
          "raw varbinary(16) NULL, flag bit)")


@pytest.mark.parametrize("driver", DRIVERS)
def test_fast_executemany_of_10000_rows_lands_every_row_once(connect, server, driver):
    cnx = connect(driver=driver)
    cur = cnx.cursor()
    t = table_name()
    cur.execute(CREATE.format(t=t))
    cnx.commit()
    rows = sample_rows(10_000)
    cur.fast_executemany = True
    before = rpc_requests(server)
    cur.executemany(f"INSERT INTO {t} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    requests = rpc_requests(server) - before
    cnx.commit()

    count, distinct, id_sum, big_sum = cur.execute(
        f"SELECT COUNT(*), COUNT(DISTINCT id), SUM(CAST(id AS bigint)), SUM(big) FROM {t}"
    ).fetchone()
    assert (count, distinct) == (10_000, 10_000)
    assert id_sum == sum(r[0] for r in rows)
    assert big_sum == sum(r[1] for r in rows)
    got = [tuple(r) for r in cur.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()]
    assert got == rows
    # Batched: a handful of requests (describe, prepare, a few batches), not one per row.
    assert requests < 20, f"{requests} RPC requests for 10,000 rows"


def pk_violation_outcome(cnx):
    """fast_executemany of ids 1..10 into a table already holding id 5: what the application
    sees, and which rows the transaction then holds."""
    cur = cnx.cursor()
    t = table_name()
    cur.execute(f"CREATE TABLE {t} (id int PRIMARY KEY, v nvarchar(20))")
    cur.execute(f"INSERT INTO {t} VALUES (5, N'before')")
    cnx.commit()
    cur.fast_executemany = True
    with pytest.raises(pyodbc.Error) as err:
        cur.executemany(f"INSERT INTO {t} VALUES (?, ?)", [(i, f"r{i}") for i in range(1, 11)])
    in_transaction = [tuple(r) for r in cur.execute(f"SELECT id, v FROM {t} ORDER BY id")]
    cnx.rollback()
    after_rollback = [tuple(r) for r in cur.execute(f"SELECT id, v FROM {t} ORDER BY id")]
    return {
        "sqlstate": err.value.args[0],
        "exception": type(err.value).__name__,
        "mentions the key": "PRIMARY KEY" in str(err.value),
        "in transaction": in_transaction,
        "after rollback": after_rollback,
    }


@pytest.mark.parametrize("driver", DRIVERS)
def test_primary_key_violation_in_a_middle_row_behaves_as_msodbcsql(connect, driver):
    outcome = pk_violation_outcome(connect(driver=driver))
    # msodbcsql18 (measured): the call fails with 23000, the set that failed is skipped and
    # the sets after it still run (the whole array is one request).
    assert outcome == {
        "sqlstate": "23000",
        "exception": "IntegrityError",
        "mentions the key": True,
        "in transaction": [(i, "before" if i == 5 else f"r{i}") for i in range(1, 11)],
        "after rollback": [(5, "before")],
    }


def test_primary_key_violation_outcome_matches_ms18(connect):
    assert pk_violation_outcome(connect()) == pk_violation_outcome(connect(driver="MS18"))


def test_connection_stays_usable_after_a_failed_set(connect):
    cnx = connect(autocommit=True)
    cur = cnx.cursor()
    t = table_name()
    cur.execute(f"CREATE TABLE {t} (id int PRIMARY KEY)")
    cur.fast_executemany = True
    with pytest.raises(pyodbc.IntegrityError):
        cur.executemany(f"INSERT INTO {t} VALUES (?)", [(1,), (1,), (2,)])
    cur.executemany(f"INSERT INTO {t} VALUES (?)", [(3,), (4,)])
    assert cur.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] == 4


@pytest.mark.parametrize("driver", DRIVERS)
def test_server_dying_mid_array_gives_08S01_and_keeps_what_it_applied(connect, driver):
    setup = connect(driver=driver, autocommit=True)
    t = table_name()
    setup.cursor().execute(f"CREATE TABLE {t} (id int PRIMARY KEY)")
    cnx = connect(driver=driver, autocommit=True)
    cur = cnx.cursor()
    # The testserver runs 100 RPCs of the batched request, then closes the socket.
    cur.execute("SET TESTSERVER_FAULT drop_after_rpcs 100")
    cur.fast_executemany = True
    with pytest.raises(pyodbc.Error) as err:
        cur.executemany(f"INSERT INTO {t} VALUES (?)", [(i,) for i in range(1, 1001)])
    assert err.value.args[0] == "08S01", err.value
    with pytest.raises(pyodbc.Error) as again:
        cnx.cursor().execute("SELECT 1")
    assert again.value.args[0] == "08S01"
    applied = [r[0] for r in setup.cursor().execute(f"SELECT id FROM {t} ORDER BY id")]
    assert applied == list(range(1, 101))


def test_server_without_rpc_batch_markers_is_reported_not_guessed(connect):
    """Babelfish ends each batched RPC without DONE_RPCINBATCH; mssql-tds cannot follow the
    reply and retires the connection after the server already ran every set. The call must
    fail with 08S01 (never claim the rows were not inserted), and the rows are there."""
    setup = connect(autocommit=True)
    t = table_name()
    setup.cursor().execute(f"CREATE TABLE {t} (id int PRIMARY KEY)")
    cnx = connect(autocommit=True)
    cur = cnx.cursor()
    cur.execute("SET TESTSERVER_FAULT rpc_batch_unmarked 1")
    cur.fast_executemany = True
    with pytest.raises(pyodbc.Error) as err:
        cur.executemany(f"INSERT INTO {t} VALUES (?)", [(i,) for i in range(1, 11)])
    assert err.value.args[0] == "08S01", err.value
    assert "may have executed" in str(err.value) or "protocol" in str(err.value)
    applied = [r[0] for r in setup.cursor().execute(f"SELECT id FROM {t} ORDER BY id")]
    assert applied == list(range(1, 11))


def test_babelfish_gets_one_set_per_request_and_keeps_the_connection(connect, server):
    """A server that says it is Babelfish (SERVERPROPERTY('Babelfish') = 1) and ends batched
    RPCs without markers gets one set per request: every row lands, the connection lives on."""
    t = table_name()
    cnx = connect(autocommit=True)
    cur = cnx.cursor()
    cur.execute(f"CREATE TABLE {t} (id int PRIMARY KEY, v nvarchar(20))")
    cur.execute("SET TESTSERVER_FAULT babelfish 1")
    cur.fast_executemany = True
    log = Path(server.dir.name) / "server.log"
    seen = len(log.read_text(errors="replace").splitlines())
    cur.executemany(f"INSERT INTO {t} VALUES (?, ?)", [(i, f"v{i}") for i in range(1, 11)])
    requests = [line for line in log.read_text(errors="replace").splitlines()[seen:]
                if "rpc: " in line and "sp_execute(" in line]
    assert [line.count("sp_execute(") for line in requests] == [1] * 10
    cur.executemany(f"INSERT INTO {t} VALUES (?, ?)", [(i, f"v{i}") for i in range(11, 16)])
    rows = cur.execute(f"SELECT id, v FROM {t} ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [(i, f"v{i}") for i in range(1, 16)]


def test_babelfish_failing_set_does_not_stop_the_others(connect):
    t = table_name()
    cnx = connect(autocommit=True)
    cur = cnx.cursor()
    cur.execute(f"CREATE TABLE {t} (id int PRIMARY KEY)")
    cur.execute(f"INSERT INTO {t} VALUES (4)")
    cur.execute("SET TESTSERVER_FAULT babelfish 1")
    cur.fast_executemany = True
    with pytest.raises(pyodbc.IntegrityError) as err:
        cur.executemany(f"INSERT INTO {t} VALUES (?)", [(i,) for i in range(1, 8)])
    assert err.value.args[0] == "23000", err.value
    ids = [r[0] for r in cur.execute(f"SELECT id FROM {t} ORDER BY id")]
    assert ids == list(range(1, 8))


@pytest.mark.parametrize("driver", DRIVERS)
def test_query_timeout_during_an_array_gives_HYT00_and_the_connection_stays_usable(connect, driver):
    cnx = connect(driver=driver, autocommit=True)
    cur = cnx.cursor()
    cur.execute("CREATE TABLE #slow (id int)")
    cur.execute("SET TESTSERVER_FAULT stall_ms 3000")
    cnx.timeout = 1
    cur = cnx.cursor()
    cur.fast_executemany = True
    with pytest.raises(pyodbc.Error) as err:
        cur.executemany("INSERT INTO #slow VALUES (?)", [(i,) for i in range(100)])
    assert err.value.args[0] == "HYT00"
    cnx.timeout = 0
    cur = cnx.cursor()
    cur.execute("SET TESTSERVER_FAULT clear")
    cur.fast_executemany = True
    cur.executemany("INSERT INTO #slow VALUES (?)", [(1,), (2,)])
    assert cur.execute("SELECT COUNT(*) FROM #slow").fetchone()[0] == 2


def test_prepared_execute_is_one_request_per_execute_even_when_types_change(connect, server):
    """Re-executing a prepared statement goes by its server handle; when pyodbc binds other
    types (here: longer strings), the statement is prepared again and the old handle released
    inside that same request, never in a round trip of its own."""
    cnx = connect()
    cur = cnx.cursor()
    t = table_name()
    cur.execute(f"CREATE TABLE {t} (id int, v nvarchar(100))")
    values = [(i, "x" * (1 + i % 7 * 10)) for i in range(30)]
    before = rpc_requests(server)
    for row in values:
        cur.execute(f"INSERT INTO {t} VALUES (?, ?)", row)
    assert rpc_requests(server) - before == len(values)
    cnx.commit()
    got = [tuple(r) for r in cur.execute(f"SELECT id, v FROM {t} ORDER BY id")]
    assert got == values
