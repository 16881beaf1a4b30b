"""The intentional differences from msodbcsql18, as normalisations of our driver's observations.

Each one is documented, with its reason, under the same id in tests/DIFFERENCES.md; the test
module checks that both lists name the same ids. A normalisation rewrites one recorded entry
(its repr, see observe.Session.normalised) of OUR run into what MS18 shows, and only in the
scenarios it names, so an unlisted difference anywhere else still fails."""
import re
from dataclasses import dataclass
from typing import Callable, List, Optional

OUR_PREFIX = "[sqlserver-odbc][ODBC Driver RS for SQL Server]"
MS18_PREFIX = "[Microsoft][ODBC Driver 18 for SQL Server]"


@dataclass(frozen=True)
class Difference:
    id: str
    scenarios: Callable[[str], bool]  # which scenarios it applies to
    rewrite: Callable[[str], str]     # our entry text -> MS18's
    # For a difference that changes how many entries there are: our whole list -> MS18's.
    rewrite_entries: Optional[Callable[[List[str]], List[str]]] = None


# getinfo id -> (msodbcsql's value, the difference that explains ours)
GETINFO = {
    "SQL_DRIVER_NAME": ("libmsodbcsql-18.6.so.2.1", "driver-identity"),
    "SQL_DRIVER_VER": ("18.06.0002", "driver-identity"),
    "SQL_DRIVER_ODBC_VER": ("03.52", "odbc-version"),
    "SQL_ASYNC_MODE": (2, "no-async"),
    "SQL_MAX_ASYNC_CONCURRENT_STATEMENTS": (1, "no-async"),
    "SQL_BOOKMARK_PERSISTENCE": (82, "forward-only-cursors"),
    "SQL_SCROLL_OPTIONS": (23, "forward-only-cursors"),
    "SQL_DYNAMIC_CURSOR_ATTRIBUTES1": (130631, "forward-only-cursors"),
    "SQL_DYNAMIC_CURSOR_ATTRIBUTES2": (69599, "forward-only-cursors"),
    "SQL_KEYSET_CURSOR_ATTRIBUTES1": (1048143, "forward-only-cursors"),
    "SQL_KEYSET_CURSOR_ATTRIBUTES2": (73695, "forward-only-cursors"),
    "SQL_STATIC_CURSOR_ATTRIBUTES1": (528975, "forward-only-cursors"),
    "SQL_STATIC_CURSOR_ATTRIBUTES2": (8065, "forward-only-cursors"),
    "SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1": (57345, "forward-only-cursors"),
    "SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2": (3983, "forward-only-cursors"),
    "SQL_ODBC_INTERFACE_CONFORMANCE": (3, "forward-only-cursors"),
    "SQL_GETDATA_EXTENSIONS": (4, "getdata-any-order"),
}


def _getinfo_rewrite(difference_id):
    """Rewrites the recorded value of every getinfo id that `difference_id` explains."""
    heads = {f"('getinfo {name}', ": value
             for name, (value, owner) in GETINFO.items() if owner == difference_id}

    def rewrite(text):
        for head, value in heads.items():
            if text.startswith(head):
                return head + repr(repr(value)) + ")"
        return text
    return rewrite


def _everywhere(name):
    return True


def _getinfo(name):
    return name.startswith("getinfo/")


def _no_rowid_rows(text):
    """MS18's rowIdColumns answer for the scenario's table: none (see the difference)."""
    return "('rows', [])" if text.startswith("('rows', [('1', \"'id'\"") else text


# What MS18 reports for a NaN or infinite float parameter: the server's refusal of the RPC.
NON_FINITE_MS18 = (
    "('error', 'execute', 'ProgrammingError', [('42000', 8023, '" + MS18_PREFIX + "[SQL Server]"
    "The incoming tabular data stream (TDS) remote procedure call (RPC) protocol stream is "
    "incorrect. Parameter 4 (\"\"): The supplied value is not a valid instance of data type "
    "float. Check the source data for invalid values. An example of an invalid value is data of "
    "numeric type with scale greater than precision.', 'SQLExecDirectW')])")
NON_FINITE_OURS = ("('error', 'execute', 'DataError', [('22003', 0, '" + MS18_PREFIX
                   + "Numeric value out of range', 'SQLExecDirectW')])")


def _non_finite(text):
    return NON_FINITE_MS18 if text == NON_FINITE_OURS else text


VARIANT_FLOAT_TABLE_SCENARIOS = ("type/sql_variant-float/parameter", "type/sql_variant-float/literal")
# What MS18 with pyodbc reports when fetching a float sql_variant followed by a NULL one.
VARIANT_FLOAT_MS18 = ("('error', 'fetchall', 'Error', [('HY000', None, "
                      "'The driver did not supply an error!', None)])")


def _variant_float_failure(entries):
    """Our rows of the float-then-NULL sql_variant table become MS18's failed fetch, after which
    the observer records no messages entry for that statement."""
    out = []
    failed = False
    for text in entries:
        if failed and text == "('messages', [])":
            failed = False
            continue
        if text.startswith("('rows', [") and "'1.5'" in text and "\"''\"" in text:
            out.append(VARIANT_FLOAT_MS18)
            failed = True
            continue
        out.append(text)
    return out


def _unchanged(text):
    return text


DIFFERENCES = [
    Difference("message-prefix", _everywhere, lambda text: text.replace(OUR_PREFIX, MS18_PREFIX)),
    Difference("driver-identity", _getinfo, _getinfo_rewrite("driver-identity")),
    Difference("odbc-version", _getinfo, _getinfo_rewrite("odbc-version")),
    Difference("no-async", _getinfo, _getinfo_rewrite("no-async")),
    Difference("forward-only-cursors", _getinfo, _getinfo_rewrite("forward-only-cursors")),
    Difference("getdata-any-order", _getinfo, _getinfo_rewrite("getdata-any-order")),
    Difference("non-finite-float-parameter", lambda name: name == "params/non-finite-float",
               _non_finite),
    Difference("ms18-rowid-columns-table-name", lambda name: name == "catalog/special-columns",
               _no_rowid_rows),
    Difference("ms18-variant-float-then-null",
               lambda name: name in VARIANT_FLOAT_TABLE_SCENARIOS, _unchanged,
               _variant_float_failure),
]


def normalise(scenario_name, entries):
    out = []
    for text in entries:
        for difference in DIFFERENCES:
            if difference.scenarios(scenario_name):
                text = difference.rewrite(text)
        out.append(text)
    for difference in DIFFERENCES:
        if difference.rewrite_entries and difference.scenarios(scenario_name):
            out = difference.rewrite_entries(out)
    return out


def documented_ids(markdown):
    """The ids documented in DIFFERENCES.md: headings of the form `## <id>: <title>`."""
    return re.findall(r"^## ([\w-]+):", markdown, re.M)
