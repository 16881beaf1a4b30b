"""Connecting through unixODBC with pyodbc: what the driver reports and the errors it gives."""
import socket

import pyodbc
import pytest

from conftest import OUR_DRIVER
from driver_helpers import query_waiting_on_the_server

PREFIX = "[sqlserver-odbc][ODBC Driver RS for SQL Server]"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connect_and_select_an_integer(connect):
    cnx = connect()
    row = cnx.cursor().execute("SELECT 42").fetchone()
    assert row[0] == 42


def test_getinfo_names_the_driver_and_the_server(connect):
    cnx = connect()
    assert cnx.getinfo(pyodbc.SQL_DRIVER_NAME) == "libsqlserver_odbc.so"
    assert cnx.getinfo(pyodbc.SQL_DBMS_NAME) == "Microsoft SQL Server"
    major = cnx.getinfo(pyodbc.SQL_DBMS_VER).split(".")[0]
    assert major.isdigit() and int(major) >= 12
    assert cnx.getinfo(pyodbc.SQL_DRIVER_ODBC_VER).startswith("03.")


def test_refused_connection_is_08001_with_the_driver_prefix():
    port = free_port()
    with pytest.raises(pyodbc.Error) as err:
        pyodbc.connect(f"Driver={{{OUR_DRIVER}}};Server=tcp:127.0.0.1,{port};UID=u;PWD=p;Encrypt=no",
                       timeout=5)
    assert err.value.args[0] == "08001"
    assert PREFIX in err.value.args[1]


def test_missing_server_keyword_is_08001(server):
    with pytest.raises(pyodbc.Error) as err:
        pyodbc.connect(f"Driver={{{OUR_DRIVER}}};UID=u;PWD=p", timeout=5)
    assert err.value.args[0] == "08001"
    assert "Neither DSN nor SERVER keyword supplied" in err.value.args[1]


def test_wrong_password_is_28000_from_the_server(server):
    cs = server.connection_string(OUR_DRIVER).replace(server.info["sql_password"], "wrong-password")
    with pytest.raises(pyodbc.Error) as err:
        pyodbc.connect(cs, timeout=5)
    assert err.value.args[0] == "28000"
    assert PREFIX + "[SQL Server]" in err.value.args[1]
    assert server.info["sql_password"] not in err.value.args[1]


def test_password_modes_need_uid_and_pwd(server):
    cs = (f"Driver={{{OUR_DRIVER}}};Server=127.0.0.1,{server.info['tds_port']};"
          "Authentication=SqlPassword;UID=someone;Encrypt=yes;TrustServerCertificate=yes")
    with pytest.raises(pyodbc.Error) as err:
        pyodbc.connect(cs, timeout=5)
    assert err.value.args[0] == "FA003"


def test_access_token_with_uid_is_fa005(server):
    token = "eyJ0eXAiOiJKV1QifQ.e30.sig".encode("utf-16-le")
    import struct
    attrs = {1256: struct.pack(f"<I{len(token)}s", len(token), token)}
    with pytest.raises(pyodbc.Error) as err:
        pyodbc.connect(server.connection_string(OUR_DRIVER), attrs_before=attrs, timeout=5)
    assert err.value.args[0] == "FA005"


def test_autocommit_can_be_switched_both_ways(connect):
    cnx = connect(autocommit=False)
    assert cnx.autocommit is False
    cnx.autocommit = True
    assert cnx.autocommit is True
    cnx.autocommit = False
    cnx.commit()
    cnx.rollback()
    assert cnx.cursor().execute("SELECT 7").fetchone()[0] == 7


def test_a_slow_query_on_one_thread_does_not_hold_up_the_others(server):
    # One thread waits on the server; the others connect, query and fetch on their own
    # connections meanwhile: all of them must be done while the slow one is still waiting.
    import concurrent.futures

    def work(i):
        cnx = pyodbc.connect(server.connection_string(OUR_DRIVER), timeout=10)
        try:
            return len(cnx.cursor().execute(f"SELECT * FROM bench.narrow({100 + i})").fetchall())
        finally:
            cnx.close()

    with query_waiting_on_the_server(server.connection_string(OUR_DRIVER)) as slow_done:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            assert list(pool.map(work, range(8))) == [100 + i for i in range(8)]
        assert not slow_done.is_set(), "the other threads waited for the slow query"


def test_many_connections_from_many_threads(connect, server):
    import concurrent.futures

    def work(i):
        cnx = pyodbc.connect(server.connection_string(OUR_DRIVER), timeout=10)
        try:
            return cnx.cursor().execute(f"SELECT {i}").fetchone()[0]
        finally:
            cnx.close()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(work, range(32))) == list(range(32))
