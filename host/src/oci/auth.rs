//! Registry credentials from the file people already have: Docker's `config.json`
//! (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`), as docker, podman, oras, helm
//! and crane read it. `auths.<registry>.auth` (base64 `user:password`), or `username` and
//! `password`, or a credential helper (`credHelpers.<registry>`, else `credsStore`) run as
//! `docker-credential-<helper> get`. `ethwasm registry login` writes `auths.<registry>.auth`;
//! the file is kept owner-only.

use super::OciError;
use base64::Engine as _;
use oci_client::secrets::RegistryAuth;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The Docker config file to read and write.
pub fn config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    let home = std::env::var_os("HOME").filter(|v| !v.is_empty())?;
    Some(Path::new(&home).join(".docker").join("config.json"))
}

fn read_config(path: &Path) -> Result<Map<String, Value>, OciError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
        Err(e) => return Err(OciError::Credentials { path: path.into(), message: e.to_string() }),
    };
    match serde_json::from_str(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(OciError::Credentials { path: path.into(), message: "not a JSON object".into() }),
        Err(e) => Err(OciError::Credentials { path: path.into(), message: e.to_string() }),
    }
}

/// The key of `auths` that names `registry`: keys may carry a scheme or a path
/// (`https://host/v1/`).
fn host_of_key(key: &str) -> &str {
    let key = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

/// The credentials for `registry`, or anonymous.
pub fn credentials(registry: &str) -> Result<RegistryAuth, OciError> {
    let Some(path) = config_path() else { return Ok(RegistryAuth::Anonymous) };
    credentials_in(&path, registry)
}

/// [`credentials`] from the config file at `path`.
pub fn credentials_in(path: &Path, registry: &str) -> Result<RegistryAuth, OciError> {
    let config = read_config(path)?;
    let bad = |message: String| OciError::Credentials { path: path.into(), message };
    // Docker's order: a helper for this registry, then `auths`, then the default store.
    if let Some(helper) = config.get("credHelpers").and_then(|h| h.get(registry)).and_then(Value::as_str) {
        return from_helper(path, helper, registry);
    }
    let helper = config.get("credsStore").and_then(Value::as_str);
    // Docker Hub's entry is keyed `https://index.docker.io/v1/`.
    let same = |key: &str| {
        let host = host_of_key(key);
        host == registry || (registry == "docker.io" && host == "index.docker.io")
    };
    let entry = config
        .get("auths")
        .and_then(Value::as_object)
        .and_then(|auths| auths.iter().find(|(k, _)| same(k)).map(|(_, v)| v));
    if let Some(entry) = entry {
        if let Some(auth) = entry.get("auth").and_then(Value::as_str).filter(|a| !a.is_empty()) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| bad(format!("auths.{registry}.auth is not base64 of user:password")))?;
            let (user, pass) = decoded
                .split_once(':')
                .ok_or_else(|| bad(format!("auths.{registry}.auth is not base64 of user:password")))?;
            return Ok(RegistryAuth::Basic(user.into(), pass.into()));
        }
        if let (Some(u), Some(p)) =
            (entry.get("username").and_then(Value::as_str), entry.get("password").and_then(Value::as_str))
        {
            return Ok(RegistryAuth::Basic(u.into(), p.into()));
        }
        if let Some(token) = entry.get("registrytoken").and_then(Value::as_str).filter(|t| !t.is_empty()) {
            return Ok(RegistryAuth::Bearer(token.into()));
        }
    }
    match helper {
        Some(helper) => from_helper(path, helper, registry),
        None => Ok(RegistryAuth::Anonymous),
    }
}

/// How long a credential helper may take.
const HELPER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Asks `docker-credential-<helper>` for `registry`'s credentials.
fn from_helper(path: &Path, helper: &str, registry: &str) -> Result<RegistryAuth, OciError> {
    use std::io::{Read, Write};
    let program = format!("docker-credential-{helper}");
    let bad = |message: String| OciError::Credentials { path: path.into(), message };
    let mut child = std::process::Command::new(&program)
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| {
            bad(format!(
                "credential helper `{program}` (named for {registry}) cannot run: {e}; install it, or remove it from credHelpers/credsStore in this file"
            ))
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(registry.as_bytes());
    }
    // Read in a thread, so a helper that hangs is stopped after the timeout.
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.take(1 << 20).read_to_end(&mut out);
        }
        out
    });
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < HELPER_TIMEOUT => std::thread::sleep(std::time::Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(bad(format!("`{program} get` did not answer in {} s", HELPER_TIMEOUT.as_secs())));
            }
            Err(e) => return Err(bad(format!("`{program} get`: {e}"))),
        }
    };
    let out = std::process::Output { status, stdout: reader.join().unwrap_or_default(), stderr: Vec::new() };
    if !out.status.success() {
        // "credentials not found" is no credentials, not a failure.
        return Ok(RegistryAuth::Anonymous);
    }
    let v: Value =
        serde_json::from_slice(&out.stdout).map_err(|e| bad(format!("`{program} get` printed no JSON: {e}")))?;
    match (v.get("Username").and_then(Value::as_str), v.get("Secret").and_then(Value::as_str)) {
        (Some(u), Some(s)) if !s.is_empty() => Ok(RegistryAuth::Basic(u.into(), s.into())),
        _ => Ok(RegistryAuth::Anonymous),
    }
}

/// Stores `user`/`password` for `registry` in the config file at `path` (other entries kept);
/// returns the path.
pub fn store(path: &Path, registry: &str, user: &str, password: &str) -> Result<(), OciError> {
    let mut config = read_config(path)?;
    let auths = config.entry("auths").or_insert_with(|| Value::Object(Map::new()));
    let Some(auths) = auths.as_object_mut() else {
        return Err(OciError::Credentials { path: path.into(), message: "`auths` is not an object".into() });
    };
    auths.retain(|k, _| host_of_key(k) != registry);
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    auths.insert(registry.into(), serde_json::json!({ "auth": auth }));
    write_private(path, &Value::Object(config))
}

/// Removes `registry`'s entry from the config file at `path`; whether there was one.
pub fn remove(path: &Path, registry: &str) -> Result<bool, OciError> {
    let mut config = read_config(path)?;
    let Some(auths) = config.get_mut("auths").and_then(Value::as_object_mut) else { return Ok(false) };
    let before = auths.len();
    auths.retain(|k, _| host_of_key(k) != registry);
    if auths.len() == before {
        return Ok(false);
    }
    write_private(path, &Value::Object(config))?;
    Ok(true)
}

/// Writes `value` to `path`, readable by its owner only, through a rename.
fn write_private(path: &Path, value: &Value) -> Result<(), OciError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let fail = |e: std::io::Error| OciError::Credentials { path: path.into(), message: e.to_string() };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let tmp = dir.join(format!(".config.json.tmp-{}", std::process::id()));
    let mut f =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp).map_err(fail)?;
    let text = serde_json::to_string_pretty(value).map_err(|e| fail(std::io::Error::other(e)))?;
    f.write_all(text.as_bytes()).and_then(|_| f.write_all(b"\n")).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_auths_as_docker_writes_them_and_keeps_other_entries() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("config.json");
        assert!(matches!(credentials_in(&path, "r.io").unwrap(), RegistryAuth::Anonymous));
        std::fs::write(
            &path,
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"eDp5"},"other.io":{"username":"u","password":"p"}},"psFormat":"x"}"#,
        )
        .unwrap();
        assert!(
            matches!(credentials_in(&path, "index.docker.io").unwrap(), RegistryAuth::Basic(u, p) if u == "x" && p == "y")
        );
        assert!(matches!(credentials_in(&path, "other.io").unwrap(), RegistryAuth::Basic(u, _) if u == "u"));
        store(&path, "localhost:5000", "alice", "s:ecret").unwrap();
        assert!(matches!(credentials_in(&path, "localhost:5000").unwrap(),
            RegistryAuth::Basic(u, p) if u == "alice" && p == "s:ecret"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("psFormat") && text.contains("other.io"), "{text}");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(remove(&path, "localhost:5000").unwrap());
        assert!(!remove(&path, "localhost:5000").unwrap());
        assert!(matches!(credentials_in(&path, "localhost:5000").unwrap(), RegistryAuth::Anonymous));
    }

    #[test]
    fn a_broken_file_is_named() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("config.json");
        std::fs::write(&path, r#"{"auths":{"r.io":{"auth":"!!"}}}"#).unwrap();
        let e = credentials_in(&path, "r.io").unwrap_err().to_string();
        assert!(e.contains("config.json") && e.contains("not base64"), "{e}");
    }
}
