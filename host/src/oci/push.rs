//! Pushing a chart archive and its plugins, and checking credentials for `registry login`.

use super::reference::{tag_of_version, OciRef};
use super::remote::{classify, error_chain, Pushed, Registry};
use super::store::digest_of;
use super::{OciError, CHART_LAYER, OCI_MANIFEST, WASM_CONFIG, WASM_LAYER};
use crate::chart::Chart;
use oci_client::client::Client;
use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use oci_client::RegistryOperation;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

impl Registry {
    /// Pushes the chart archive at `archive` to `target` (tag: the chart's version unless
    /// given), after each of its plugins to `target/<plugin>` with the same tag.
    pub async fn push_chart(&self, archive: &Path, target: &OciRef) -> crate::Result<Pushed> {
        if target.digest.is_some() {
            return Err(OciError::BadReference {
                text: target.to_string(),
                why: "a push names a tag, not a digest (the digest is what the push makes)".into(),
            }
            .into());
        }
        if archive.is_dir() {
            return Err(crate::Error::usage(format!(
                "{} is a chart directory; push takes an archive: run `ethwasm package {}` first",
                archive.display(),
                archive.display()
            )));
        }
        // Read once: these bytes are both checked as a chart and pushed.
        let archive_bytes = std::fs::read(archive)
            .map_err(|e| crate::Error::usage(format!("cannot read {}: {e}", archive.display())))?;
        let chart = Chart::from_archive_bytes(&archive.display().to_string(), &archive_bytes)?;
        let lock = chart.lock()?;
        let tag = target.tag.clone().unwrap_or_else(|| tag_of_version(&chart.file.version));
        let target = OciRef { tag: Some(tag.clone()), ..target.clone() };
        let client = self.client(&target)?;
        let credentials = self.credentials(&target.registry)?;
        let plugins = chart.plugins()?;
        for p in &plugins {
            if !crate::plugin::is_dns_label(&p.name) || p.bytes.as_ref().is_none_or(|b| b.is_empty()) {
                return Err(crate::Error::usage(format!(
                    "{}: plugin `{}` is not a component packed in the archive; package the chart again with `ethwasm package`",
                    archive.display(),
                    crate::text::one_line(&p.name, 64)
                )));
            }
        }
        let pushes = plugins.iter().map(|p| {
            let (client, credentials) = (&client, &credentials);
            let r = target.child(&p.name, &tag);
            let bytes = p.bytes.clone().unwrap_or_else(|| Arc::from(Vec::new()));
            async move {
                let config = wasm_config(&bytes);
                let digest = self
                    .push_artifact(client, credentials, &r, (WASM_CONFIG, config), (WASM_LAYER, &bytes), &p.name)
                    .await?;
                Ok::<_, OciError>((p.name.clone(), r.pinned(&digest)))
            }
        });
        let pushed_plugins = futures::future::try_join_all(pushes).await?;
        let config = json!({
            "apiVersion": chart.file.api_version,
            "name": chart.file.name,
            "version": chart.file.version,
            "description": chart.file.description,
            "plugins": pushed_plugins.iter().map(|(name, r)| json!({
                "name": name,
                "sha256": lock.plugins.get(name),
                "reference": r.to_string(),
            })).collect::<Vec<_>>(),
        });
        let title = format!("{}-{}.tgz", chart.file.name, chart.file.version);
        let digest = self
            .push_artifact(
                &client,
                &credentials,
                &target,
                (super::CHART_CONFIG, serde_json::to_vec(&config).unwrap_or_default()),
                (CHART_LAYER, &archive_bytes),
                &title,
            )
            .await?;
        self.store.set_tag(&target, &digest);
        Ok(Pushed { chart: target.pinned(&digest), plugins: pushed_plugins })
    }

    /// Pushes one artifact (config and one layer, each only if the registry lacks it, then
    /// the manifest under `r`'s tag) and keeps it in the store; returns the manifest's digest.
    async fn push_artifact(
        &self,
        client: &Client,
        credentials: &RegistryAuth,
        r: &OciRef,
        (config_type, config): (&str, Vec<u8>),
        (layer_type, layer): (&str, &[u8]),
        title: &str,
    ) -> Result<String, OciError> {
        let reference = r.client();
        client.auth(&reference, credentials, RegistryOperation::Push).await.map_err(|e| classify(r, e))?;
        let config_digest = digest_of(&config);
        let layer_digest = digest_of(layer);
        for (digest, bytes) in [(&config_digest, &config[..]), (&layer_digest, layer)] {
            if !client.blob_exists(&reference, digest).await.map_err(|e| classify(r, e))? {
                client.push_blob(&reference, bytes.to_vec(), digest).await.map_err(|e| classify(r, e))?;
            }
            self.store.put(digest, bytes);
        }
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": config_type, "digest": config_digest, "size": config.len()},
            "layers": [{
                "mediaType": layer_type,
                "digest": layer_digest,
                "size": layer.len(),
                "annotations": {"org.opencontainers.image.title": title},
            }],
        });
        let bytes = serde_json::to_vec(&manifest).unwrap_or_default();
        let digest = digest_of(&bytes);
        let content_type = http::HeaderValue::from_static(OCI_MANIFEST);
        client.push_manifest_raw(&reference, bytes.clone(), content_type).await.map_err(|e| classify(r, e))?;
        self.store.put(&digest, &bytes);
        Ok(digest)
    }

    /// Checks that `registry` takes `user`/`password`, as `docker login` does: `GET /v2/`
    /// with them; a registry that answers with a Bearer challenge checks them at its token
    /// service instead, so a token is asked for.
    pub async fn check_login(&self, registry: &str, user: &str, password: &str) -> Result<(), OciError> {
        let probe = OciRef {
            registry: registry.into(),
            repository: "ethwasm/login-check".into(),
            tag: Some("latest".into()),
            digest: None,
        };
        let at = format!("oci://{registry}");
        let refused = || OciError::Unauthorized { reference: at.clone(), hint: " for that user and password".into() };
        let scheme = if self.plain(&probe) { "http" } else { "https" };
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder().tls_danger_accept_invalid_certs(self.tls.insecure);
        if let Some(pem) = &self.tls.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| OciError::Registry { reference: at.clone(), message: error_chain(&e) })?;
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("ethwasm/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| OciError::Registry { reference: at.clone(), message: error_chain(&e) })?;
        let res =
            http.get(format!("{scheme}://{registry}/v2/")).basic_auth(user, Some(password)).send().await.map_err(
                |e| match error_chain(&e) {
                    detail if detail.contains("certificate") => OciError::Tls { reference: at.clone(), detail },
                    detail => OciError::Unreachable { reference: at.clone(), detail },
                },
            )?;
        match res.status() {
            s if s.is_success() => Ok(()),
            http::StatusCode::UNAUTHORIZED => {
                let challenge = res
                    .headers()
                    .get(http::header::WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if !challenge.starts_with("bearer") {
                    return Err(refused());
                }
                let credentials = RegistryAuth::Basic(user.into(), password.into());
                match self.client(&probe)?.auth(&probe.client(), &credentials, RegistryOperation::Pull).await {
                    Ok(_) => Ok(()),
                    Err(
                        OciDistributionError::AuthenticationFailure(_) | OciDistributionError::UnauthorizedError { .. },
                    ) => Err(refused()),
                    Err(e) => Err(OciError::Registry { reference: at.clone(), message: error_chain(&e) }),
                }
            }
            s => Err(OciError::Registry { reference: at.clone(), message: format!("GET /v2/ answered {s}") }),
        }
    }
}

/// The config of a Wasm OCI artifact (CNCF TAG Runtime, wasm-oci artifact layout). `created`
/// is fixed (from SOURCE_DATE_EPOCH, else the epoch), so a component pushes to the same digest
/// wherever it is pushed.
fn wasm_config(component: &[u8]) -> Vec<u8> {
    let created = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let config = json!({
        "created": created.to_string(),
        "architecture": "wasm",
        "os": "wasip2",
        "layerDigests": [digest_of(component)],
    });
    serde_json::to_vec(&config).unwrap_or_default()
}
