//! `SQL_COPT_SS_ACCESS_TOKEN` (1256): `struct { DWORD dataSize; BYTE data[]; }` with the token
//! in UTF-16LE.
