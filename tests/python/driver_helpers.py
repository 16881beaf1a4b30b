"""Helpers shared by the test_driver_* files."""
import uuid

import pytest


def requires_sql_engine(cnx):
    """Skips the calling test when the testserver still runs its interim engine (which answers
    every batch with one unnamed integer)."""
    row = cnx.cursor().execute("SELECT 1 AS probe").description
    if row[0][0] != "probe":
        pytest.skip("testserver runs the interim engine (no SQL yet): needs the sql-engine branch")


def table_name(prefix="t"):
    return f"{prefix}_{uuid.uuid4().hex[:10]}"
