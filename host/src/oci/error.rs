//! Why a registry operation failed ([`OciError`]).

use std::path::PathBuf;

/// Why a registry operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    #[error("`{text}` is not an OCI reference: {why} (write oci://HOST/REPOSITORY[:TAG][@sha256:DIGEST])")]
    BadReference { text: String, why: String },
    #[error("{reference}: not found in the registry ({detail}); check the repository and tag (`ethwasm push` tags a chart with its version)")]
    NotFound { reference: String, detail: String },
    #[error("{reference}: the registry refused the credentials{hint}")]
    Unauthorized { reference: String, hint: String },
    #[error("{reference}: cannot reach the registry: {detail}; check the address and that the registry runs (one without TLS needs --plain-http unless it is on loopback)")]
    Unreachable { reference: String, detail: String },
    #[error("{reference}: {what} has digest {actual}, but {expected} was asked for: it was changed in the registry or on the way; do not use it, push it again from a trusted archive")]
    Digest { reference: String, what: String, expected: String, actual: String },
    #[error("{reference}: is {found}, not {wanted} (config media type `{media_type}`); give a chart as CHART and a component to --plugins")]
    WrongKind { reference: String, found: String, wanted: String, media_type: String },
    #[error("{reference}: {message}")]
    Registry { reference: String, message: String },
    #[error("{path}: {message}")]
    Credentials { path: PathBuf, message: String },
    #[error("{reference}: the registry's TLS certificate is not trusted ({detail}); give its certificate authority with --ca-file FILE (or, for tests only, --insecure-skip-tls-verify)")]
    Tls { reference: String, detail: String },
    #[error("{reference}: not in the local store and the registry cannot be reached ({detail}); {hint}, or use a reference pulled before (a digest, or a tag the store remembers)")]
    Offline { reference: String, detail: String, hint: String },
}

impl crate::error::Classify for OciError {
    fn class(&self) -> crate::error::Class {
        use crate::error::Class;
        match self {
            OciError::BadReference { .. } | OciError::NotFound { .. } | OciError::WrongKind { .. } => Class::Usage,
            OciError::Credentials { .. } => Class::Usage,
            _ => Class::Registry,
        }
    }
}
