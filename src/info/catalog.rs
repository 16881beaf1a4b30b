//! Catalog functions: the sp_tables/sp_columns/... calls msodbcsql makes.
