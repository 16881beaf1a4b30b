"""Raw ODBC calls through unixODBC with ctypes, for what pyodbc cannot ask for: SQLGetData in
parts with a chosen buffer size and C type, the StrLen_or_Ind of every call, SQLSTATEs per
call. Used by test_driver_streaming.py against our driver and MS18 alike."""
import ctypes
import ctypes.util

SQL_SUCCESS = 0
SQL_SUCCESS_WITH_INFO = 1
SQL_NO_DATA = 100
SQL_ERROR = -1
SQL_NULL_DATA = -1
SQL_NO_TOTAL = -4

SQL_HANDLE_ENV, SQL_HANDLE_DBC, SQL_HANDLE_STMT = 1, 2, 3
SQL_ATTR_ODBC_VERSION = 200
SQL_OV_ODBC3 = 3
SQL_DRIVER_NOPROMPT = 0
SQL_CLOSE = 0
SQL_ATTR_CONNECTION_DEAD = 1209

SQL_C_CHAR = 1
SQL_C_WCHAR = -8
SQL_C_BINARY = -2
SQL_C_SLONG = -16

_odbc = ctypes.CDLL(ctypes.util.find_library("odbc") or "libodbc.so.2")
_H = ctypes.c_void_p
_LEN = ctypes.c_ssize_t


class OdbcError(Exception):
    def __init__(self, what, rc, records):
        self.rc = rc
        self.records = records
        super().__init__(f"{what}: rc={rc} {records}")

    @property
    def states(self):
        return [r[0] for r in self.records]


def diag_records(handle_type, handle):
    out = []
    state = ctypes.create_string_buffer(6)
    native = ctypes.c_int32()
    msg = ctypes.create_string_buffer(1024)
    n = ctypes.c_int16()
    i = 1
    while _odbc.SQLGetDiagRec(ctypes.c_int16(handle_type), handle, ctypes.c_int16(i), state,
                              ctypes.byref(native), msg, ctypes.c_int16(len(msg)),
                              ctypes.byref(n)) == SQL_SUCCESS:
        out.append((state.value.decode(), msg.value.decode(errors="replace")))
        i += 1
    return out


class Connection:
    def __init__(self, connection_string):
        self.env = _H()
        self.dbc = _H()
        _odbc.SQLAllocHandle(SQL_HANDLE_ENV, None, ctypes.byref(self.env))
        _odbc.SQLSetEnvAttr(self.env, SQL_ATTR_ODBC_VERSION, _H(SQL_OV_ODBC3), 0)
        _odbc.SQLAllocHandle(SQL_HANDLE_DBC, self.env, ctypes.byref(self.dbc))
        cs = connection_string.encode()
        rc = _odbc.SQLDriverConnect(self.dbc, None, cs, ctypes.c_int16(len(cs)), None,
                                    ctypes.c_int16(0), None, ctypes.c_uint16(SQL_DRIVER_NOPROMPT))
        if rc not in (SQL_SUCCESS, SQL_SUCCESS_WITH_INFO):
            raise OdbcError("SQLDriverConnect", rc, diag_records(SQL_HANDLE_DBC, self.dbc))

    def statement(self):
        return Statement(self)

    def is_dead(self):
        value = ctypes.c_uint32(0)
        rc = _odbc.SQLGetConnectAttr(self.dbc, ctypes.c_int32(SQL_ATTR_CONNECTION_DEAD),
                                     ctypes.byref(value), ctypes.c_int32(4), None)
        if rc not in (SQL_SUCCESS, SQL_SUCCESS_WITH_INFO):
            raise OdbcError("SQLGetConnectAttr", rc, diag_records(SQL_HANDLE_DBC, self.dbc))
        return value.value == 1

    def close(self):
        if self.dbc:
            _odbc.SQLDisconnect(self.dbc)
            _odbc.SQLFreeHandle(SQL_HANDLE_DBC, self.dbc)
            _odbc.SQLFreeHandle(SQL_HANDLE_ENV, self.env)
            self.dbc = None


class Part:
    """One SQLGetData call: its return code, StrLen_or_Ind, the bytes it wrote (without the
    terminator) and the SQLSTATEs it posted."""

    def __init__(self, rc, ind, data, states):
        self.rc, self.ind, self.data, self.states = rc, ind, data, states

    def __repr__(self):
        return f"Part(rc={self.rc}, ind={self.ind}, {len(self.data)} bytes, {self.states})"


class Statement:
    def __init__(self, conn):
        self.conn = conn
        self.h = _H()
        _odbc.SQLAllocHandle(SQL_HANDLE_STMT, conn.dbc, ctypes.byref(self.h))

    def _check(self, what, rc, ok=(SQL_SUCCESS, SQL_SUCCESS_WITH_INFO)):
        if rc not in ok:
            raise OdbcError(what, rc, diag_records(SQL_HANDLE_STMT, self.h))
        return rc

    def execute(self, sql):
        # The wide entry point: the text reaches the driver as UTF-16 whatever the locale.
        b = sql.encode("utf-16-le")
        text = ctypes.create_string_buffer(b + b"\0\0", len(b) + 2)
        return self._check("SQLExecDirectW", _odbc.SQLExecDirectW(self.h, text,
                                                                  ctypes.c_int32(len(b) // 2)),
                           ok=(SQL_SUCCESS, SQL_SUCCESS_WITH_INFO, SQL_NO_DATA))

    def fetch(self):
        """True on a row, False at the end."""
        rc = self._check("SQLFetch", _odbc.SQLFetch(self.h),
                         ok=(SQL_SUCCESS, SQL_SUCCESS_WITH_INFO, SQL_NO_DATA))
        return rc != SQL_NO_DATA

    def more_results(self):
        rc = self._check("SQLMoreResults", _odbc.SQLMoreResults(self.h),
                         ok=(SQL_SUCCESS, SQL_SUCCESS_WITH_INFO, SQL_NO_DATA))
        return rc != SQL_NO_DATA

    def close_cursor(self):
        return self._check("SQLCloseCursor", _odbc.SQLCloseCursor(self.h))

    def cancel(self):
        return self._check("SQLCancel", _odbc.SQLCancel(self.h))

    def bind_col(self, col, c_type, size):
        """Binds column `col`; returns (buffer, indicator) to read after each fetch."""
        buf = ctypes.create_string_buffer(size)
        ind = _LEN(0)
        self._check("SQLBindCol", _odbc.SQLBindCol(self.h, ctypes.c_uint16(col),
                                                   ctypes.c_int16(c_type), buf, _LEN(size),
                                                   ctypes.byref(ind)))
        return buf, ind

    def get_part(self, col, c_type, size):
        """One SQLGetData call with a buffer of `size` bytes, whatever it returns."""
        buf = ctypes.create_string_buffer(max(size, 1))
        ind = _LEN(0x7EADBEEF)
        rc = _odbc.SQLGetData(self.h, ctypes.c_uint16(col), ctypes.c_int16(c_type),
                              buf if size else None, _LEN(size), ctypes.byref(ind))
        states = [r[0] for r in diag_records(SQL_HANDLE_STMT, self.h)] if rc != SQL_SUCCESS else []
        data = b""
        if rc in (SQL_SUCCESS, SQL_SUCCESS_WITH_INFO) and ind.value != SQL_NULL_DATA:
            term = {SQL_C_CHAR: 1, SQL_C_WCHAR: 2}.get(c_type, 0)
            room = size - term
            if ind.value == SQL_NO_TOTAL or ind.value > room:
                # A truncated part: up to the terminator (a driver may stop short of the
                # buffer's end rather than split a character).
                n = max(room, 0)
                raw = buf.raw[:n]
                if c_type == SQL_C_CHAR:
                    n = raw.find(b"\0") if b"\0" in raw else n
                elif c_type == SQL_C_WCHAR:
                    n -= n % 2
                    n = next((i for i in range(0, n, 2) if raw[i:i + 2] == b"\0\0"), n)
            else:
                n = ind.value
            data = buf.raw[:n]
        return Part(rc, ind.value, data, states)

    def get_parts(self, col, c_type, size, limit=1_000_000):
        """SQLGetData on one column until SQL_NO_DATA (or an error): the list of parts,
        the final SQL_NO_DATA (or error) included."""
        parts = []
        for _ in range(limit):
            p = self.get_part(col, c_type, size)
            parts.append(p)
            if p.rc not in (SQL_SUCCESS, SQL_SUCCESS_WITH_INFO) or p.ind == SQL_NULL_DATA:
                break
        return parts

    def get_value(self, col, c_type, size):
        """The whole value read in parts of `size` bytes; None for NULL."""
        parts = self.get_parts(col, c_type, size)
        if parts[0].ind == SQL_NULL_DATA:
            return None
        if parts[-1].rc == SQL_ERROR:
            raise OdbcError(f"SQLGetData({col})", SQL_ERROR, parts[-1].states)
        return b"".join(p.data for p in parts)

    def close(self):
        if self.h:
            _odbc.SQLFreeHandle(SQL_HANDLE_STMT, self.h)
            self.h = None
