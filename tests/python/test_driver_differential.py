"""The same scenarios through this driver and through msodbcsql18 (MS18) against one testserver:
values, column descriptions, row counts, messages and SQLSTATEs must agree, except for the
intentional differences listed in tests/DIFFERENCES.md (message prefix, driver identity...)."""
import datetime
import decimal
import re
import uuid

import pyodbc
import pytest

from conftest import OUR_DRIVER

MS18 = "MS18"


def ms18_registered():
    return any(d == MS18 for d in pyodbc.drivers())


pytestmark = pytest.mark.skipif(not ms18_registered(),
                                reason="MS18 (msodbcsql18) is not registered in $ODBCSYSINI (make deps)")


def normalize_message(text):
    text = re.sub(r"^\[[^\]]*\]\[[^\]]*\]", "[vendor][driver]", text)
    return text


def outcome(cnx, sql, params=()):
    """Everything an application observes from one execute: per result, the description and
    rows or the row count; messages; or the error's SQLSTATE and message."""
    cur = cnx.cursor()
    observed = []
    try:
        cur.execute(sql, *params)
        while True:
            if cur.description:
                observed.append(("rows", [d[:2] + d[3:] for d in cur.description],
                                 [tuple(r) for r in cur.fetchall()]))
            else:
                observed.append(("count", cur.rowcount))
            observed.append(("messages", [normalize_message(m[1]) for m in cur.messages]))
            if not cur.nextset():
                break
    except pyodbc.Error as e:
        message = e.args[1] if len(e.args) > 1 else ""
        message = re.sub(r"\[[^\]]*\]\[[^\]]*\]", "[vendor][driver]", message)
        message = re.sub(r"\(SQL\w+\)$", "", message).strip()
        observed.append(("error", e.args[0], message))
    return observed


SETUP = """
CREATE TABLE {t} (id int PRIMARY KEY, name nvarchar(40) NULL, code varchar(10) NOT NULL,
                  amount decimal(12,3) NULL, ratio float NULL, born date NULL, seen datetime2(3) NULL,
                  flag bit NULL, blob varbinary(20) NULL, guid uniqueidentifier NULL);
INSERT INTO {t} VALUES (1, N'Ada', 'A1', 12.5, 0.25, '1815-12-10', '2024-01-02 03:04:05.678', 1, 0x0102, '6F9619FF-8B86-D011-B42D-00C04FC964FF');
INSERT INTO {t} VALUES (2, NULL, 'B2', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO {t} VALUES (3, N'Grâce', 'C3', -1.001, 1e10, '2000-02-29', '1999-12-31 23:59:59.999', 0, 0x, NULL);
"""

SCENARIOS = [
    ("select all", "SELECT * FROM {t} ORDER BY id", ()),
    ("expressions", "SELECT id * 2 AS twice, UPPER(name) AS up, LEN(code) AS n FROM {t} ORDER BY id", ()),
    ("where with parameters", "SELECT name, amount FROM {t} WHERE id = ? OR code = ?", (3, "A1")),
    ("parameter types", "SELECT ?, ?, ?, ?, ?, ?", (1, "x", 2.5, decimal.Decimal("1.25"), datetime.date(2020, 1, 2), b"\x01")),
    ("update count", "UPDATE {t} SET ratio = ratio WHERE id > ?", (0,)),
    ("aggregate", "SELECT count(*) AS n, sum(amount) AS total, max(seen) AS last FROM {t}", ()),
    ("two results", "SELECT 1 AS a; SELECT N'b' AS b", ()),
    ("print then select", "PRINT 'hello'; SELECT 2 AS two", ()),
    ("missing table", "SELECT * FROM no_such_table_xyz", ()),
    ("syntax error", "SELEC 1", ()),
    ("raiserror", "RAISERROR('custom failure', 16, 1)", ()),
    ("duplicate key", "INSERT INTO {t} (id, code) VALUES (1, 'dup')", ()),
    ("null not allowed", "INSERT INTO {t} (id, code) VALUES (9, NULL)", ()),
    ("empty result", "SELECT id FROM {t} WHERE 1 = 0", ()),
]


@pytest.fixture(scope="module")
def pair(server):
    ours = pyodbc.connect(server.connection_string(OUR_DRIVER), autocommit=True, timeout=10)
    theirs = pyodbc.connect(server.connection_string(MS18), autocommit=True, timeout=10)
    tables = {}
    for name, cnx in (("ours", ours), ("theirs", theirs)):
        t = f"diff_{name}_{uuid.uuid4().hex[:8]}"
        cnx.cursor().execute(SETUP.format(t=t))
        tables[name] = t
    yield ours, theirs, tables
    ours.close()
    theirs.close()


@pytest.mark.parametrize("name,sql,params", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_same_outcome_as_msodbcsql(pair, name, sql, params):
    ours, theirs, tables = pair
    got = outcome(ours, sql.format(t=tables["ours"]), params)
    want = outcome(theirs, sql.format(t=tables["theirs"]), params)
    def text(o):
        # Table names differ, and so do the constraint names the server derives from them.
        o = repr(o).replace(tables["ours"], "T").replace(tables["theirs"], "T")
        return re.sub(r"PK__\w+", "PK__", o)

    assert text(got) == text(want)
