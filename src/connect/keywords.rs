//! The keyword table: names, synonyms, value kinds.
