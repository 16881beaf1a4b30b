"""The differential test's parts: observe.py (what pyodbc shows, as comparable data),
corpus.py (the scenarios), differences.py (the intentional differences of tests/DIFFERENCES.md).

Run: `make register` then
`cd tests/python && ODBCSYSINI=../../target/odbc ../../.venv/bin/python -m pytest test_differential.py`."""
