"""Helpers shared by the test_driver_* files."""
import uuid

import pytest


def table_name(prefix="t"):
    return f"{prefix}_{uuid.uuid4().hex[:10]}"
