"""Differential test: every scenario of the corpus (differential/corpus.py) runs through this
driver and through msodbcsql18 (MS18) against the same testserver, and what pyodbc shows must be
identical: values (repr, so type and exact value), cursor.description, row counts, messages,
SQLSTATEs, native errors and message texts. The only normalisations are the intentional
differences of tests/DIFFERENCES.md (differential/differences.py applies them).

A scenario marked xfail shows a known bug in a module owned elsewhere; strict, so a fix makes it
fail until the mark is removed."""
from pathlib import Path

import pyodbc
import pytest

from conftest import OUR_DRIVER
from differential.corpus import SCENARIOS
from differential.differences import DIFFERENCES, documented_ids, normalise
from differential.observe import Session

MS18 = "MS18"
DIFFERENCES_MD = Path(__file__).resolve().parents[1] / "DIFFERENCES.md"

requires_ms18 = pytest.mark.skipif(
    MS18 not in pyodbc.drivers() or OUR_DRIVER not in pyodbc.drivers(),
    reason="MS18 or our driver is not registered in $ODBCSYSINI (make register)")


def observe(server, driver, label, function):
    session = Session(server, driver, label)
    try:
        function(session)
    finally:
        session.close()
    return session.normalised()


def _params():
    for name, (function, xfail) in SCENARIOS.items():
        marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
        yield pytest.param(name, function, id=name, marks=marks)


@requires_ms18
@pytest.mark.parametrize("name,function", _params())
def test_same_as_msodbcsql(server, name, function):
    ms18 = observe(server, MS18, "ms18", function)
    ours = normalise(name, observe(server, OUR_DRIVER, "ours", function))
    assert ours == ms18


def test_every_intentional_difference_is_documented():
    assert sorted(documented_ids(DIFFERENCES_MD.read_text())) == sorted(d.id for d in DIFFERENCES)
