//! Charts and plugins in OCI registries.
//!
//! A packaged chart ([`crate::chart::archive`]) is pushed as one artifact: config
//! [`CHART_CONFIG`] (name, version, plugin digests), one layer [`CHART_LAYER`] holding the
//! archive byte for byte, so a pull gives back the very file that was pushed. Each of its
//! plugins is pushed beside it as a standard Wasm OCI artifact (config [`WASM_CONFIG`], one
//! layer [`WASM_LAYER`]: the CNCF TAG Runtime layout that wkg, Spin and wasmCloud read) at
//! `REPO/<plugin>:<tag>`.
//!
//! Every manifest and blob is checked against its digest when it arrives and again when read
//! from the local store ([`store`]); a reference by digest never touches the network once
//! stored, and a tag falls back to the digest it last resolved to when the registry cannot be
//! reached. The client is oci-client (the ORAS project's): distribution-spec pulls and pushes
//! with token and basic auth, over rustls with the ring provider kube already uses.

pub mod auth;
mod fetch;
mod push;
pub mod reference;
mod remote;
pub mod store;

pub use fetch::{block_on, fetch, Fetched};
pub use reference::{is_oci, OciRef};
pub use remote::{Pulled, Pushed, Registry, Tls};
pub use store::Store;

use std::path::PathBuf;

/// Config media type of a chart artifact.
pub const CHART_CONFIG: &str = "application/vnd.ethwasm.chart.config.v1+json";
/// Layer media type of a chart artifact: the archive from `ethwasm package`.
pub const CHART_LAYER: &str = "application/vnd.ethwasm.chart.content.v1.tar+gzip";
/// Config media type of a Wasm OCI artifact.
pub const WASM_CONFIG: &str = "application/vnd.wasm.config.v0+json";
/// Layer media type of a Wasm OCI artifact: the component.
pub const WASM_LAYER: &str = "application/wasm";
/// The OCI image manifest media type every artifact is pushed with.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// What kind of artifact a reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A chart archive.
    Chart,
    /// A Wasm component.
    Plugin,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Chart => "an ethwasm chart",
            Kind::Plugin => "a Wasm component",
        }
    }
}

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
