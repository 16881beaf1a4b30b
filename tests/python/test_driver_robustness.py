"""Cancel, link failures and connections from forked children."""
import os
import threading
import time

import pyodbc
import pytest

from conftest import OUR_DRIVER


def test_cancel_from_another_thread_interrupts_and_keeps_the_connection(connect):
    cnx = connect(autocommit=True)
    cur = cnx.cursor()
    cur.execute("SET TESTSERVER_FAULT stall_ms 5000")
    timer = threading.Timer(0.5, cur.cancel)
    timer.start()
    started = time.time()
    with pytest.raises(pyodbc.Error) as err:
        cur.execute("SELECT 7")
        cur.fetchall()
    assert time.time() - started < 4, "cancel did not interrupt the wait"
    assert err.value.args[0] == "HY008"
    cur.execute("SET TESTSERVER_FAULT clear")
    assert cur.execute("SELECT 8").fetchone()[0] == 8


def test_server_dropping_the_link_gives_08s01_then_stays_08s01(connect):
    cnx = connect(autocommit=True)
    cur = cnx.cursor()
    cur.execute("SET TESTSERVER_FAULT drop_after_rows 0")
    with pytest.raises(pyodbc.Error) as err:
        cur.execute("SELECT 9")
        cur.fetchall()
    assert err.value.args[0] == "08S01"
    with pytest.raises(pyodbc.Error) as err:
        cnx.cursor().execute("SELECT 10")
    assert err.value.args[0] == "08S01"


def test_connect_in_a_forked_child(connect, server):
    # The parent uses the driver first, so the runtime exists before fork.
    parent = connect()
    assert parent.cursor().execute("SELECT 1").fetchone()[0] == 1
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            child = pyodbc.connect(server.connection_string(OUR_DRIVER), timeout=10)
            code = 0 if child.cursor().execute("SELECT 2").fetchone()[0] == 2 else 3
            child.close()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert parent.cursor().execute("SELECT 3").fetchone()[0] == 3


def test_query_timeout_is_hyt00_and_the_connection_stays_usable(connect):
    cnx = connect(autocommit=True)
    cnx.timeout = 1
    cur = cnx.cursor()
    with pytest.raises(pyodbc.Error) as err:
        cur.execute("WAITFOR DELAY '00:00:03'; SELECT 1")
        cur.fetchall()
    assert err.value.args[0] == "HYT00"
    assert "Query timeout expired" in err.value.args[1]
    cnx.timeout = 0
    assert cur.execute("SELECT 2").fetchone()[0] == 2
