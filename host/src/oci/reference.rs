//! `oci://HOST[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST]` references.

use super::OciError;
use std::fmt;

/// The prefix every reference starts with.
pub const SCHEME: &str = "oci://";

/// A reference to an artifact in a registry: by tag, by digest, or both (the digest wins).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OciRef {
    /// `host` or `host:port`.
    pub registry: String,
    /// `path/to/repo`, lower case.
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:` and 64 hex digits.
    pub digest: Option<String>,
}

/// Whether `text` is written as an OCI reference (and so is never a file path).
pub fn is_oci(text: &str) -> bool {
    text.starts_with(SCHEME)
}

impl OciRef {
    /// Parses `oci://HOST/REPO[:TAG][@sha256:HEX]`.
    pub fn parse(text: &str) -> Result<OciRef, OciError> {
        let bad = |why: &str| OciError::BadReference { text: text.into(), why: why.into() };
        let rest = text.strip_prefix(SCHEME).ok_or_else(|| bad("it does not start with oci://"))?;
        // `user:password@host` would put a secret in shell history and in every message.
        if let Some(at) = rest.find('@').filter(|at| rest.find('/').is_none_or(|slash| *at < slash)) {
            return Err(OciError::BadReference {
                text: format!("{SCHEME}…@{}", &rest[at + 1..]),
                why:
                    "credentials do not go in a reference; log in with `ethwasm registry login HOST` (or docker login)"
                        .into(),
            });
        }
        let (rest, digest) = match rest.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (rest, None),
        };
        if let Some(d) = &digest {
            check_digest(d).map_err(|why| bad(&why))?;
        }
        let (registry, path) =
            rest.split_once('/').ok_or_else(|| bad("it names no repository (oci://HOST/REPOSITORY)"))?;
        if !registry.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '[')
            || !registry.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        {
            return Err(bad("the registry must be a host name or address, with an optional :port"));
        }
        // A tag follows the last `:` after the last `/`.
        let (repository, tag) = match path.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r, Some(t.to_string())),
            _ => (path, None),
        };
        if repository.is_empty()
            || repository.split('/').any(|part| {
                part.is_empty()
                    || !part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
                    || !part.starts_with(|c: char| c.is_ascii_alphanumeric())
            })
        {
            return Err(bad("a repository is lower-case path components of a-z, 0-9, `.`, `_` and `-`"));
        }
        if let Some(t) = &tag {
            check_tag(t).map_err(|why| bad(&why))?;
        }
        Ok(OciRef { registry: registry.into(), repository: repository.into(), tag, digest })
    }

    /// The reference with `version` as its tag (Helm's `--version`): given both, they must agree.
    pub fn with_version(mut self, version: Option<&str>) -> Result<OciRef, OciError> {
        let Some(v) = version else { return Ok(self) };
        let tag = tag_of_version(v);
        match &self.tag {
            Some(t) if *t != tag => {
                return Err(OciError::BadReference {
                    text: self.to_string(),
                    why: format!("its tag `{t}` and --version {v} disagree; give one of them"),
                })
            }
            _ => {}
        }
        check_tag(&tag).map_err(|why| OciError::BadReference { text: self.to_string(), why })?;
        self.tag = Some(tag);
        Ok(self)
    }

    /// The same repository at `digest`, its tag kept for the record.
    pub fn pinned(&self, digest: &str) -> OciRef {
        OciRef { digest: Some(digest.into()), ..self.clone() }
    }

    /// Repository `child` under this one (`HOST/REPO/child`), with `tag`.
    pub fn child(&self, child: &str, tag: &str) -> OciRef {
        OciRef {
            registry: self.registry.clone(),
            repository: format!("{}/{child}", self.repository),
            tag: Some(tag.into()),
            digest: None,
        }
    }

    /// Whether the registry is this machine (plain HTTP is allowed there).
    pub fn is_loopback(&self) -> bool {
        let host = match self.registry.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => self.registry.split(':').next().unwrap_or_default(),
        };
        host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// The reference as oci-client takes it: by digest when known, else by tag (`latest` when
    /// neither is given, as every OCI tool does).
    pub(crate) fn client(&self) -> oci_client::Reference {
        let (registry, repository) = (self.registry.clone(), self.repository.clone());
        match &self.digest {
            Some(d) => oci_client::Reference::with_digest(registry, repository, d.clone()),
            None => oci_client::Reference::with_tag(registry, repository, self.tag_or_latest().into()),
        }
    }

    /// The tag, or `latest`.
    pub fn tag_or_latest(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }
}

impl fmt::Display for OciRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// A chart version as a tag: OCI tags have no `+`, so semver build metadata takes `_` (as Helm
/// does).
pub fn tag_of_version(version: &str) -> String {
    version.replace('+', "_")
}

fn check_tag(tag: &str) -> Result<(), String> {
    let ok = !tag.is_empty()
        && tag.len() <= 128
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!("tag `{tag}` is not a valid OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]*, at most 128)"))
    }
}

/// Checks `sha256:` and 64 lower-case hex digits.
pub fn check_digest(digest: &str) -> Result<(), String> {
    match digest.strip_prefix("sha256:") {
        Some(hex) if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) => Ok(()),
        _ => Err(format!("digest `{digest}` is not sha256: and 64 lower-case hex digits")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn parses_tags_digests_and_ports() {
        let r = OciRef::parse("oci://localhost:5000/charts/ethereum:0.3.0").unwrap();
        assert_eq!((r.registry.as_str(), r.repository.as_str()), ("localhost:5000", "charts/ethereum"));
        assert_eq!(r.tag.as_deref(), Some("0.3.0"));
        assert!(r.is_loopback());
        let r = OciRef::parse(&format!("oci://ghcr.io/org/plugins/genesis@{D}")).unwrap();
        assert_eq!((r.tag, r.digest.as_deref()), (None, Some(D)));
        let r = OciRef::parse(&format!("oci://[::1]:5000/a:1@{D}")).unwrap();
        assert!(r.is_loopback());
        assert_eq!(r.to_string(), format!("oci://[::1]:5000/a:1@{D}"));
        assert!(!OciRef::parse("oci://ghcr.io/a").unwrap().is_loopback());
        assert!(OciRef::parse("oci://127.0.0.1:1/a").unwrap().is_loopback());
    }

    #[test]
    fn bad_references_say_why() {
        for (text, why) in [
            ("ghcr.io/a", "does not start with oci://"),
            ("oci://ghcr.io", "names no repository"),
            ("oci://ghcr.io/Org/a", "lower-case"),
            ("oci://ghcr.io/a:+x", "not a valid OCI tag"),
            ("oci://ghcr.io/a@sha256:00", "not sha256: and 64"),
            ("oci://gh cr.io/a", "host name"),
            ("oci://../a", "host name"),
            ("oci://alice:pw@ghcr.io/a", "credentials do not go in a reference"),
        ] {
            let e = OciRef::parse(text).unwrap_err().to_string();
            assert!(e.contains(why), "{text}: {e}");
            assert!(!e.contains("pw@"), "a password is never repeated: {e}");
        }
    }

    #[test]
    fn version_is_the_tag() {
        let r = OciRef::parse("oci://h.io/a").unwrap().with_version(Some("1.0.0+b1")).unwrap();
        assert_eq!(r.tag.as_deref(), Some("1.0.0_b1"));
        let e = OciRef::parse("oci://h.io/a:2").unwrap().with_version(Some("1")).unwrap_err().to_string();
        assert!(e.contains("--version 1 disagree"), "{e}");
    }
}
