//! The Entra ID mock: token endpoint, device code, authorization code + PKCE, managed-identity
//! endpoints (IMDS, App Service, Arc, Cloud Shell), counters, faults. Signs RS256 JWTs with the
//! key the TDS listener trusts.
