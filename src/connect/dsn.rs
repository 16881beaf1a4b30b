//! odbc.ini lookup through the Driver Manager (SQLGetPrivateProfileString).
