//! The media types of ethwasm's artifacts: a chart ([`CHART_CONFIG`], [`CHART_LAYER`]) and a
//! Wasm component ([`WASM_CONFIG`], [`WASM_LAYER`]), each in an OCI image manifest
//! ([`OCI_MANIFEST`]).

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
