//! Authentication: the `Authentication=` modes, the access-token attribute, the token manager
//! and the token sources.

pub mod access_token;
pub mod mode;
