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
        parts = [f"Driver={{{driver}}}", self.info["connection_string"]]
        parts += [f"{k}={v}" for k, v in extra.items()]
        return ";".join(p.strip(";") for p in parts if p)

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
