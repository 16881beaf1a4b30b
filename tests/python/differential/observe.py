"""What an application observes through pyodbc, written down as plain data so that two drivers'
observations can be compared with ==.

Every scenario gets a `Session` per driver; the scenario calls session.execute(...),
session.connect(...), session.note(...) and the session appends one entry per observable fact:
column descriptions, rows (as repr, so the Python type and the exact value both count), row
counts, info messages and errors (SQLSTATE, native error, message text, which call raised)."""
import hashlib
import re
import uuid

import pyodbc

# A value longer than this is recorded as its type, length and digest: a 1 MB repr in a failure
# report helps nobody, and equality of the digest is equality of the value.
LONG_VALUE = 2000

# pyodbc formats a diagnostic record as "[SQLSTATE] <message text> (<native>) (<ODBC function>)"
# and joins several records with "; ".
ERROR_RECORD = re.compile(r"\[(?P<state>[0-9A-Z]{5})\] (?P<text>.*?) \((?P<native>-?\d+)\)"
                          r"(?: \((?P<function>SQL\w+)\))?(?:; |$)", re.S)


def value_repr(value):
    text = repr(value)
    if len(text) <= LONG_VALUE:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"<{type(value).__name__} len={len(value)} sha256={digest}>"


def describe(description):
    """cursor.description with the Python type by name (the class objects compare fine, but
    names read better in a failure report)."""
    return [(name, kind.__name__, display, size, precision, scale, nullable)
            for name, kind, display, size, precision, scale, nullable in description]


def error_records(exc):
    """(SQLSTATE, native, text, ODBC function) per diagnostic record of a pyodbc error."""
    if len(exc.args) < 2:
        return [(exc.args[0] if exc.args else "", None, "", None)]
    message = exc.args[1]
    records = [(m["state"], int(m["native"]), m["text"], m["function"])
               for m in ERROR_RECORD.finditer(message)]
    return records or [(exc.args[0], None, message, None)]


def message_records(messages):
    """cursor.messages entries ('[01000] (0)', text) as (SQLSTATE, native, text)."""
    out = []
    for head, text in messages:
        m = re.match(r"\[(\w+)\] \((-?\d+)\)", head)
        out.append((m[1], int(m[2]), text) if m else (head, None, text))
    return out


class Session:
    """One driver's run of one scenario."""

    def __init__(self, server, driver, label):
        self.server = server
        self.driver = driver
        self.label = label  # "ours" or "ms18": table names are made distinct with it
        self.entries = []
        self.connections = []
        self.names = {}

    # --- names ---------------------------------------------------------------------------
    def name(self, stem):
        """A table/procedure name unique to this driver's run; `normalised` maps it back."""
        if stem not in self.names:
            self.names[stem] = f"dt_{stem}_{self.label}_{uuid.uuid4().hex[:6]}"
        return self.names[stem]

    # --- recording -----------------------------------------------------------------------
    def note(self, what, *facts):
        self.entries.append((what, *facts))

    def record_error(self, call, exc):
        self.note("error", call, type(exc).__name__, error_records(exc))

    def connect(self, autocommit=True, **keywords):
        """Opens a connection, recording a failure; returns None when it failed."""
        try:
            cnx = pyodbc.connect(self.server.connection_string(self.driver, **keywords),
                                 autocommit=autocommit, timeout=15)
        except pyodbc.Error as exc:
            self.record_error("connect", exc)
            return None
        self.connections.append(cnx)
        # datetimeoffset and sql_variant have no pyodbc conversion of their own: compare the
        # bytes the driver hands over.
        cnx.add_output_converter(-155, lambda raw: ("datetimeoffset bytes", raw))
        return cnx

    def execute(self, cursor, sql, *params, many=None):
        """Runs one batch and records every result: description + rows or the row count, the
        messages, and an error with the call that raised it."""
        call = "execute"
        try:
            if many is not None:
                call = "executemany"
                cursor.executemany(sql, many)
            else:
                cursor.execute(sql, *params)
            self.note("messages", message_records(cursor.messages))
            while True:
                if cursor.description:
                    self.note("description", describe(cursor.description))
                    call = "fetchall"
                    rows = cursor.fetchall()
                    self.note("rows", [tuple(value_repr(v) for v in row) for row in rows])
                else:
                    self.note("rowcount", cursor.rowcount)
                call = "nextset"
                more = cursor.nextset()
                self.note("messages", message_records(cursor.messages))
                if not more:
                    break
        except pyodbc.Error as exc:
            self.record_error(call, exc)

    def call(self, what, function, *args, **kw):
        """Records the result of any other pyodbc call (getinfo, commit...) or its error."""
        try:
            result = function(*args, **kw)
        except pyodbc.Error as exc:
            self.record_error(what, exc)
            return None
        self.note(what, value_repr(result))
        return result

    def close(self):
        for cnx in self.connections:
            try:
                cnx.close()
            except pyodbc.Error:
                pass

    def normalised(self):
        """One text per entry, with this run's unique names replaced by their stems (and the
        constraint names the server derives from them, PK__<table>__<hex>)."""
        out = []
        for entry in self.entries:
            text = repr(entry)
            for stem, unique in self.names.items():
                text = text.replace(unique, f"<{stem}>")
            out.append(re.sub(r"PK__\w+", "PK__<generated>", text))
        return out
