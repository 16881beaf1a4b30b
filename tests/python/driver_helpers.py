"""Helpers shared by the test_driver_* files."""
import contextlib
import threading
import time
import uuid

import pytest


def table_name(prefix="t"):
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@contextlib.contextmanager
def query_waiting_on_the_server(connection_string, seconds=6):
    """Runs `WAITFOR DELAY` for `seconds` on its own connection in another thread, and yields
    an Event that is set when that query has returned (so a test can check that it had not yet
    when its own work was done)."""
    import pyodbc

    done = threading.Event()

    def wait():
        cnx = pyodbc.connect(connection_string, timeout=10)
        try:
            cnx.cursor().execute(f"WAITFOR DELAY '00:00:{seconds:02d}'")
        finally:
            done.set()
            cnx.close()

    waiter = threading.Thread(target=wait)
    waiter.start()
    try:
        time.sleep(0.5)  # the query is on the wire
        assert not done.is_set()
        yield done
    finally:
        waiter.join(seconds + 30)
    assert done.is_set()
