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
mod block_on;
mod error;
mod kind;
mod media_type;
mod push;
pub mod reference;
mod remote;
pub mod store;

pub use block_on::block_on;
pub use error::OciError;
pub use kind::Kind;
pub use media_type::{CHART_CONFIG, CHART_LAYER, OCI_MANIFEST, WASM_CONFIG, WASM_LAYER};
pub use reference::{is_oci, OciRef};
pub use remote::{Pulled, Pushed, Registry, Tls};
pub use store::Store;
