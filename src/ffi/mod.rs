//! Every extern "C" SQL* entry point, ANSI and W. Nothing else lives here: check handles and
//! pointers, convert text, catch panics, record diagnostics, call inward.
