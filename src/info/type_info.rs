//! SQLGetTypeInfo: the rows msodbcsql returns, one per SQL Server type.
