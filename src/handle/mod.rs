//! Environment, connection, statement and descriptor objects.
