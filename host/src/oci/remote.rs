//! Talking to a registry: the client, credentials, errors, and pulling an artifact through
//! the local store (pushing is in `push.rs`).

use super::reference::OciRef;
use super::store::{digest_of, Store};
use super::{auth, Kind, OciError, CHART_LAYER, OCI_MANIFEST, WASM_CONFIG, WASM_LAYER};
use futures::StreamExt;
use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::{OciDescriptor, OciImageManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, RegistryOperation};
use std::sync::Arc;
use std::time::Duration;

/// The largest manifest read.
const MAX_MANIFEST: usize = 4 << 20;

/// How to reach registries, and where pulled content is kept.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// The local content-addressed store.
    pub store: Store,
    /// Speak plain HTTP to every registry, not only to loopback ones.
    pub plain_http: bool,
    /// How TLS is checked.
    pub tls: Tls,
    /// Credentials already looked up, by registry (a helper runs once per registry).
    credentials: Arc<std::sync::Mutex<std::collections::BTreeMap<String, RegistryAuth>>>,
}

/// How a registry's certificate is checked, besides the system's roots.
#[derive(Debug, Clone, Default)]
pub struct Tls {
    /// PEM certificates of authorities to trust as well (`--ca-file`).
    pub ca_pem: Option<Vec<u8>>,
    /// Accept any certificate (`--insecure-skip-tls-verify`).
    pub insecure: bool,
}

impl Tls {
    /// Whether TLS was asked for explicitly (then loopback registries speak it too).
    fn given(&self) -> bool {
        self.ca_pem.is_some() || self.insecure
    }
}

/// An artifact pulled (or read from the store).
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The reference as asked, pinned to the manifest's digest.
    pub reference: OciRef,
    /// What it is.
    pub kind: Kind,
    /// The layer: a chart archive or a component.
    pub bytes: Arc<[u8]>,
    /// `sha256:` of the layer.
    pub layer_digest: String,
    /// The file name the pusher gave the layer (`org.opencontainers.image.title`).
    pub title: Option<String>,
    /// Whether nothing had to be fetched.
    pub from_store: bool,
}

/// What a push made.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// The chart, pinned to its manifest's digest.
    pub chart: OciRef,
    /// Each plugin's artifact, pinned.
    pub plugins: Vec<(String, OciRef)>,
}

/// Maps oci-client's error for `reference` to ours.
pub(super) fn classify(reference: &OciRef, e: OciDistributionError) -> OciError {
    let reference_text = reference.to_string();
    let unauthorized = || OciError::Unauthorized {
        reference: reference_text.clone(),
        hint: format!(
            "; log in with `ethwasm registry login {}` (or docker login), or check the repository's permissions",
            reference.registry
        ),
    };
    match e {
        OciDistributionError::UnauthorizedError { .. } | OciDistributionError::AuthenticationFailure(_) => {
            unauthorized()
        }
        OciDistributionError::ImageManifestNotFoundError(detail) => {
            OciError::NotFound { reference: reference_text, detail }
        }
        OciDistributionError::RegistryError { envelope, .. } => {
            let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
            let detail = envelope.errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; ");
            if codes.iter().any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied)) {
                unauthorized()
            } else if codes.iter().any(|c| {
                matches!(
                    c,
                    OciErrorCode::ManifestUnknown
                        | OciErrorCode::NameUnknown
                        | OciErrorCode::NotFound
                        | OciErrorCode::BlobUnknown
                )
            }) {
                OciError::NotFound { reference: reference_text, detail }
            } else {
                OciError::Registry { reference: reference_text, message: detail }
            }
        }
        OciDistributionError::ServerError { code: 404, message, .. } => {
            OciError::NotFound { reference: reference_text, detail: message }
        }
        OciDistributionError::ServerError { code: 401 | 403, .. } => unauthorized(),
        OciDistributionError::RequestError(e)
            if e.status().is_some_and(|s| s == http::StatusCode::UNAUTHORIZED || s == http::StatusCode::FORBIDDEN) =>
        {
            unauthorized()
        }
        OciDistributionError::RequestError(e) if e.status() == Some(http::StatusCode::NOT_FOUND) => {
            OciError::NotFound { reference: reference_text, detail: error_chain(&e) }
        }
        OciDistributionError::RequestError(e) if e.is_connect() && error_chain(&e).contains("certificate") => {
            OciError::Tls { reference: reference_text, detail: error_chain(&e) }
        }
        OciDistributionError::RequestError(e) if e.is_connect() || e.is_timeout() => {
            OciError::Unreachable { reference: reference_text, detail: error_chain(&e) }
        }
        OciDistributionError::RequestError(e)
            if e.status() == Some(http::StatusCode::BAD_REQUEST) && e.url().is_some_and(|u| u.scheme() == "http") =>
        {
            OciError::Registry {
                reference: reference_text,
                message: format!(
                    "{}; if the registry speaks TLS, give --ca-file FILE (a loopback registry is spoken to over plain HTTP unless a TLS option is given)",
                    error_chain(&e)
                ),
            }
        }
        other => OciError::Registry { reference: reference_text, message: error_chain(&other) },
    }
}

/// oci-client's digest check failure for `what` of `r` as ours, naming both digests (its
/// message is `Invalid digest. Expected X, got Y`).
fn digest_error(r: &OciRef, what: &str, message: &str) -> OciError {
    let found = message.split_once("Expected ").and_then(|(_, rest)| rest.split_once(", got "));
    match found {
        Some((expected, actual)) => OciError::Digest {
            reference: r.to_string(),
            what: what.into(),
            expected: expected.trim().into(),
            actual: actual.trim().into(),
        },
        None => OciError::Registry { reference: r.to_string(), message: format!("{what}: {message}") },
    }
}

/// An error and its sources on one line.
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl Registry {
    /// A registry client keeping pulls in `store`.
    pub fn new(store: Store, plain_http: bool, tls: Tls) -> Registry {
        Registry { store, plain_http, tls, credentials: Default::default() }
    }

    /// The scheme for `r`: HTTPS, or plain HTTP with `--plain-http` or for a loopback registry
    /// when no TLS option was given.
    pub(super) fn plain(&self, r: &OciRef) -> bool {
        self.plain_http || (r.is_loopback() && !self.tls.given())
    }

    /// `registry`'s credentials from Docker's config, looked up once; only asked for when the
    /// network is needed, so a pull served by the store works whatever the config holds.
    pub(super) fn credentials(&self, registry: &str) -> Result<RegistryAuth, OciError> {
        if let Some(found) = self.credentials.lock().ok().and_then(|m| m.get(registry).cloned()) {
            return Ok(found);
        }
        let found = auth::credentials(registry)?;
        if let Ok(mut m) = self.credentials.lock() {
            m.insert(registry.into(), found.clone());
        }
        Ok(found)
    }

    /// A client for `r`'s registry (see [`Registry::plain`]).
    pub(super) fn client(&self, r: &OciRef) -> Result<Client, OciError> {
        // reqwest is built without a default TLS provider: use ring, as kube does. Installing
        // twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let protocol = if self.plain(r) { ClientProtocol::Http } else { ClientProtocol::Https };
        let extra_root_certificates = match &self.tls.ca_pem {
            Some(pem) => vec![Certificate { encoding: CertificateEncoding::Pem, data: pem.clone() }],
            None => Vec::new(),
        };
        // Not Client::new: it falls back to a default client (other scheme, no CA) on error.
        Client::try_from(ClientConfig {
            protocol,
            extra_root_certificates,
            accept_invalid_certificates: self.tls.insecure,
            connect_timeout: Some(Duration::from_secs(10)),
            read_timeout: Some(Duration::from_secs(60)),
            user_agent: concat!("ethwasm/", env!("CARGO_PKG_VERSION")),
            platform_resolver: None,
            ..ClientConfig::default()
        })
        .map_err(|e| OciError::Registry {
            reference: r.to_string(),
            message: format!("cannot make a client: {}", error_chain(&e)),
        })
    }

    /// What to try when `r`'s registry cannot be reached.
    fn hint(&self, r: &OciRef) -> String {
        if self.plain(r) {
            "check the address and that the registry is running".into()
        } else {
            "check the address; a registry that speaks only plain HTTP needs --plain-http".into()
        }
    }

    /// Pulls `r`, which must be a `kind` artifact (either, given none): by digest from the
    /// store when it is there, else from the registry, checking every digest.
    pub async fn pull(&self, r: &OciRef, kind: Option<Kind>) -> Result<Pulled, OciError> {
        let client = self.client(r)?;
        let digest = match &r.digest {
            Some(d) => d.clone(),
            None => self.resolve_tag(&client, r).await?,
        };
        let pinned = r.pinned(&digest);
        let (manifest_bytes, mut fetched) = match self.store.get(&digest) {
            Some(b) => (b, false),
            None => (self.fetch_manifest(&client, r, &pinned, &digest).await?, true),
        };
        let manifest: OciImageManifest = serde_json::from_slice(&manifest_bytes).map_err(|e| OciError::Registry {
            reference: pinned.to_string(),
            message: format!("the manifest is not an OCI image manifest: {e}"),
        })?;
        let (kind, layer, limit) = layer_of(&manifest, &pinned, kind)?;
        let bytes = match self.store.get(&layer.digest) {
            Some(b) => b,
            None => {
                fetched = true;
                let credentials = self.credentials(&r.registry)?;
                client
                    .auth(&pinned.client(), &credentials, RegistryOperation::Pull)
                    .await
                    .map_err(|e| classify(r, e))?;
                let b = self.fetch_blob(&client, &pinned, layer, limit).await?;
                self.store.put(&layer.digest, &b);
                b
            }
        };
        if r.digest.is_none() {
            self.store.set_tag(r, &digest);
        }
        let title = layer.annotations.as_ref().and_then(|a| a.get("org.opencontainers.image.title")).cloned();
        Ok(Pulled {
            reference: pinned,
            kind,
            bytes: Arc::from(bytes),
            layer_digest: layer.digest.clone(),
            title,
            from_store: !fetched,
        })
    }

    /// The digest a tag names now; offline, what it named when last pulled (with a warning).
    async fn resolve_tag(&self, client: &Client, r: &OciRef) -> Result<String, OciError> {
        match client
            .fetch_manifest_digest(&r.client(), &self.credentials(&r.registry)?)
            .await
            .map_err(|e| classify(r, e))
        {
            Ok(d) => {
                super::reference::check_digest(&d).map_err(|why| OciError::Registry {
                    reference: r.to_string(),
                    message: format!("the registry answered with digest {why}"),
                })?;
                Ok(d)
            }
            Err(OciError::Unreachable { detail, .. }) => match self.store.tag(r) {
                Some(d) => {
                    tracing::warn!(
                        "{r}: registry unreachable ({detail}); using {d}, what the tag resolved to when last pulled"
                    );
                    Ok(d)
                }
                None => Err(OciError::Offline { reference: r.to_string(), detail, hint: self.hint(r) }),
            },
            Err(e) => Err(e),
        }
    }

    /// Downloads the manifest `digest` names (at most [`MAX_MANIFEST`] bytes), checks its
    /// digest and keeps it in the store.
    async fn fetch_manifest(
        &self,
        client: &Client,
        r: &OciRef,
        pinned: &OciRef,
        digest: &str,
    ) -> Result<Vec<u8>, OciError> {
        let (bytes, _) = client
            .pull_manifest_raw(&pinned.client(), &self.credentials(&r.registry)?, &[OCI_MANIFEST])
            .await
            .map_err(|e| match e {
                // oci-client checks the body against the digest asked for first.
                OciDistributionError::DigestError(d) => digest_error(pinned, "its manifest", &d.to_string()),
                other => classify(pinned, other),
            })?;
        if bytes.len() > MAX_MANIFEST {
            return Err(OciError::Registry {
                reference: pinned.to_string(),
                message: format!("its manifest is {} bytes; the most read is {MAX_MANIFEST}", bytes.len()),
            });
        }
        let actual = digest_of(&bytes);
        if actual != digest {
            return Err(OciError::Digest {
                reference: pinned.to_string(),
                what: "its manifest".into(),
                expected: digest.to_string(),
                actual,
            });
        }
        self.store.put(digest, &bytes);
        Ok(bytes.to_vec())
    }

    /// Downloads the blob `layer` of `r`, at most `limit` bytes, and checks its digest.
    async fn fetch_blob(
        &self,
        client: &Client,
        r: &OciRef,
        layer: &OciDescriptor,
        limit: u64,
    ) -> Result<Vec<u8>, OciError> {
        let mut stream = client.pull_blob_stream(&r.client(), layer).await.map_err(|e| classify(r, e))?;
        let mut bytes = Vec::with_capacity(layer.size.max(0) as usize);
        let mut failed = None;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(c) if (bytes.len() + c.len()) as u64 <= limit => bytes.extend_from_slice(&c),
                Ok(_) => {
                    return Err(OciError::Registry {
                        reference: r.to_string(),
                        message: format!("blob {} is over {limit} bytes", layer.digest),
                    })
                }
                // oci-client's own check fails at the end of a changed blob: ours names both
                // digests below.
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        // A download cut short is a network failure, not a changed blob.
        if let Some(e) = failed.as_ref().filter(|_| (bytes.len() as i64) < layer.size) {
            return Err(OciError::Unreachable {
                reference: r.to_string(),
                detail: format!(
                    "the download of {} stopped after {} of {} bytes: {}{}",
                    layer.digest,
                    bytes.len(),
                    layer.size,
                    error_chain(e),
                    "; try again"
                ),
            });
        }
        let actual = digest_of(&bytes);
        if actual != layer.digest {
            return Err(OciError::Digest {
                reference: r.to_string(),
                what: "its layer".into(),
                expected: layer.digest.clone(),
                actual,
            });
        }
        if let Some(e) = failed {
            return Err(OciError::Registry { reference: r.to_string(), message: error_chain(&e) });
        }
        Ok(bytes)
    }
}

/// What a manifest holds: its kind (from the config's media type, which must be `kind` when
/// one is asked for), its one layer, and the most bytes that layer may have.
fn layer_of<'m>(
    manifest: &'m OciImageManifest,
    pinned: &OciRef,
    kind: Option<Kind>,
) -> Result<(Kind, &'m OciDescriptor, u64), OciError> {
    let found = match manifest.config.media_type.as_str() {
        super::CHART_CONFIG => Some(Kind::Chart),
        WASM_CONFIG => Some(Kind::Plugin),
        _ => None,
    };
    let kind = match (found, kind) {
        (Some(f), None) => f,
        (Some(f), Some(k)) if f == k => k,
        (found, wanted) => {
            return Err(OciError::WrongKind {
                reference: pinned.to_string(),
                found: found.map_or("another kind of artifact", Kind::name).into(),
                wanted: wanted.map_or("an ethwasm chart or a Wasm component", Kind::name).into(),
                media_type: manifest.config.media_type.clone(),
            })
        }
    };
    let wanted_layer = match kind {
        Kind::Chart => CHART_LAYER,
        Kind::Plugin => WASM_LAYER,
    };
    let layer = match manifest.layers.as_slice() {
        [one] if one.media_type == wanted_layer => one,
        _ => {
            return Err(OciError::Registry {
                reference: pinned.to_string(),
                message: format!("{} must have exactly one `{wanted_layer}` layer", kind.name()),
            })
        }
    };
    super::reference::check_digest(&layer.digest)
        .map_err(|why| OciError::Registry { reference: pinned.to_string(), message: format!("layer {why}") })?;
    let limit = match kind {
        Kind::Chart => crate::chart::archive::MAX_ARCHIVE,
        Kind::Plugin => crate::plugin::MAX_COMPONENT,
    };
    if layer.size < 0 || layer.size as u64 > limit {
        return Err(OciError::Registry {
            reference: pinned.to_string(),
            message: format!("its layer is {} bytes; the most read is {limit}", layer.size),
        });
    }
    Ok((kind, layer, limit))
}
