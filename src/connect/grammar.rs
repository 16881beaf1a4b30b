//! The connection-string grammar of msodbcsql18.
