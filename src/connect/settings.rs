//! Login settings resolved from the string, the DSN and pre-connect attributes.
