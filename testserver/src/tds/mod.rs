//! The TDS listener: PRELOGIN, TLS (in PRELOGIN packets and TDS 8.0 strict), LOGIN7 with SQL
//! logins and FEDAUTH, token encoding, RPC decoding, ATTENTION, faults.
