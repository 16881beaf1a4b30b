"""SQLGetData(SQL_ARD_TYPE) converts to the type, precision and scale the application set on the
ARD record (pyodbc does not do this, so the calls go through ctypes and unixODBC directly)."""
import ctypes
import ctypes.util

import pytest

from conftest import OUR_DRIVER

SQL_HANDLE_ENV, SQL_HANDLE_DBC, SQL_HANDLE_STMT = 1, 2, 3
SQL_ATTR_ODBC_VERSION, SQL_OV_ODBC3 = 200, 3
SQL_ATTR_APP_ROW_DESC = 10010
SQL_DESC_TYPE, SQL_DESC_PRECISION, SQL_DESC_SCALE = 1002, 1005, 1006
SQL_C_NUMERIC, SQL_ARD_TYPE, SQL_NTS = 2, -99, -3


def _odbc():
    name = ctypes.util.find_library("odbc")
    if name is None:
        pytest.skip("libodbc (unixODBC) not found")
    lib = ctypes.CDLL(name)
    for f in ("SQLAllocHandle", "SQLSetEnvAttr", "SQLDriverConnect", "SQLExecDirect", "SQLFetch",
              "SQLGetData", "SQLGetStmtAttr", "SQLSetDescField", "SQLFreeHandle", "SQLDisconnect"):
        getattr(lib, f).restype = ctypes.c_short
    return lib


def test_get_data_ard_type_uses_the_ard_precision_and_scale(server, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", server.info["ca_file"])
    odbc = _odbc()
    env, dbc, stmt, ard = (ctypes.c_void_p() for _ in range(4))
    assert odbc.SQLAllocHandle(SQL_HANDLE_ENV, None, ctypes.byref(env)) == 0
    odbc.SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, ctypes.c_void_p(SQL_OV_ODBC3), 0)
    assert odbc.SQLAllocHandle(SQL_HANDLE_DBC, env, ctypes.byref(dbc)) == 0
    text = server.connection_string(OUR_DRIVER).encode()
    assert odbc.SQLDriverConnect(dbc, None, text, SQL_NTS, None, 0, None, 0) in (0, 1)
    try:
        assert odbc.SQLAllocHandle(SQL_HANDLE_STMT, dbc, ctypes.byref(stmt)) == 0
        sql = b"SELECT CAST(12.345 AS decimal(7,3))"
        assert odbc.SQLExecDirect(stmt, sql, SQL_NTS) == 0
        assert odbc.SQLGetStmtAttr(stmt, SQL_ATTR_APP_ROW_DESC, ctypes.byref(ard), 0, None) == 0
        # Type, precision and scale on the ARD, no data pointer: the column stays unbound.
        for field, value in ((SQL_DESC_TYPE, SQL_C_NUMERIC), (SQL_DESC_PRECISION, 7),
                             (SQL_DESC_SCALE, 3)):
            assert odbc.SQLSetDescField(ard, 1, field, ctypes.c_void_p(value), 0) == 0
        assert odbc.SQLFetch(stmt) == 0
        out = ctypes.create_string_buffer(19)
        ind = ctypes.c_ssize_t(0)
        assert odbc.SQLGetData(stmt, 1, SQL_ARD_TYPE, out, 19, ctypes.byref(ind)) == 0
        precision, scale, sign = out.raw[0], out.raw[1], out.raw[2]
        assert (precision, scale, sign) == (7, 3, 1)
        assert int.from_bytes(out.raw[3:19], "little") == 12345
    finally:
        odbc.SQLDisconnect(dbc)
