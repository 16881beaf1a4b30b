"""Shared fixtures: a running testserver and pyodbc connections through unixODBC.

The Makefile exports ODBCSYSINI (a private odbcinst.ini registering our driver and the peers)
and TESTSERVER_BIN before pytest runs.
"""
import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUR_DRIVER = "ODBC Driver RS for SQL Server"
PEERS = {"MS18": "MS18", "MSRS": "MSRS", "FreeTDS": "FreeTDS"}


def testserver_bin():
    """TESTSERVER_BIN, else the release build, else the debug build."""
    if "TESTSERVER_BIN" in os.environ:
        return os.environ["TESTSERVER_BIN"]
    release = ROOT / "target" / "release" / "testserver"
    debug = ROOT / "target" / "debug" / "testserver"
    if not release.exists() and debug.exists():
        return str(debug)
    return str(release)


def split_connection_string(text):
    """key=value pairs of a connection string (braced values may hold ';')."""
    pairs, key, i = [], None, 0
    while i < len(text):
        eq = text.find("=", i)
        if eq < 0:
            break
        key = text[i:eq].strip()
        i = eq + 1
        if text.startswith("{", i):
            end = i + 1
            while True:
                close = text.find("}", end)
                if close < 0 or not text.startswith("}}", close):
                    break
                end = close + 2
            value = text[i:close + 1] if close >= 0 else text[i:]
            i = (close + 1) if close >= 0 else len(text)
        else:
            end = text.find(";", i)
            end = len(text) if end < 0 else end
            value = text[i:end]
            i = end
        if text.startswith(";", i):
            i += 1
        if key:
            pairs.append((key, value))
    return pairs


def build_connection_string(driver, base, **extra):
    pairs = [(k, v) for k, v in split_connection_string(base)]
    lowered = {k.lower(): k for k in extra}
    out = [f"Driver={{{driver}}}"] if driver else []
    for k, v in pairs:
        if k.lower() in lowered:
            continue
        out.append(f"{k}={v}")
    for k, v in extra.items():
        if v is not None:
            out.append(f"{k}={v}")
    return ";".join(out)


class RunningServer:
    """A testserver process started with --ready-file; `info` is the ready file's JSON."""

    def __init__(self, config_text=None):
        self.dir = tempfile.TemporaryDirectory(prefix="testserver-")
        ready = Path(self.dir.name) / "ready.json"
        args = [testserver_bin(), "--ready-file", str(ready)]
        if config_text is not None:
            cfg = Path(self.dir.name) / "config.toml"
            cfg.write_text(config_text)
            args += ["--config", str(cfg)]
        self.log = open(Path(self.dir.name) / "server.log", "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while not ready.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"testserver exited with {self.proc.returncode}: "
                                   + (Path(self.dir.name) / "server.log").read_text())
            if time.time() > deadline:
                self.stop()
                raise RuntimeError("testserver did not become ready within 30 s")
            time.sleep(0.05)
        time.sleep(0.05)  # the ready file is written whole, but give the writer a moment
        self.info = json.loads(ready.read_text())

    def connection_string(self, driver=OUR_DRIVER, **extra):
        """The ready file's connection string for `driver`; keywords in `extra` replace the
        ones of the same name (drivers honour the FIRST duplicate, so appending would not
        override) and a value of None removes the keyword."""
        return build_connection_string(driver, self.info["connection_string"], **extra)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
        self.dir.cleanup()


@pytest.fixture(scope="session")
def server():
    srv = RunningServer()
    yield srv
    srv.stop()


@pytest.fixture
def connect(server):
    """connect(driver=OUR_DRIVER, autocommit=False, **keywords) -> pyodbc.Connection"""
    import pyodbc

    opened = []

    def _connect(driver=OUR_DRIVER, autocommit=False, attrs_before=None, timeout=10, **kw):
        cnx = pyodbc.connect(server.connection_string(driver, **kw), autocommit=autocommit,
                             attrs_before=attrs_before, timeout=timeout)
        opened.append(cnx)
        return cnx

    yield _connect
    for c in opened:
        try:
            c.close()
        except Exception:
            pass


# --- testserver scenario corpus (tests/python/test_testserver_*.py) ---------------------------

PEER_DRIVERS = ["MS18", "MSRS", "FreeTDS"]


def installed_drivers():
    import pyodbc

    return set(pyodbc.drivers())


def known_difference(request, peer, differences):
    """Marks the running test as an expected failure when `differences` (peer -> reason)
    names this peer: the stand-in follows MS18, other peers are recorded, not obeyed."""
    reason = differences.get(peer)
    if reason:
        request.applymarker(pytest.mark.xfail(reason=f"{peer}: {reason}", strict=False))


@pytest.fixture(params=PEER_DRIVERS)
def peer(request):
    """A peer driver name; skipped when unixODBC does not know it (set ODBCSYSINI)."""
    if request.param not in installed_drivers():
        pytest.skip(f"driver {request.param} not registered (export ODBCSYSINI=.../target/peers)")
    return request.param


@pytest.fixture
def peer_connect(server, peer):
    """peer_connect(autocommit=True, **keywords) -> pyodbc.Connection through the peer."""
    import pyodbc

    opened = []

    def _connect(autocommit=True, attrs_before=None, timeout=10, **kw):
        cnx = pyodbc.connect(server.connection_string(peer, **kw), autocommit=autocommit,
                             attrs_before=attrs_before, timeout=timeout)
        opened.append(cnx)
        return cnx

    yield _connect
    for c in opened:
        try:
            c.close()
        except Exception:
            pass
