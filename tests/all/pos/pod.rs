//! One pod of a rendered StatefulSet with its volumes laid out on disk, so a test can ask what a
//! container finds at a path its flags name, and run its init scripts the way the kubelet would:
//! every path resolved through the container's own mounts, every file from the render's real
//! Secrets and ConfigMaps.

use base64::Engine;
use ethwasm::manifest::Object;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a file of a volume came from: (kind, object name, key).
pub type FileSource = (String, String, String);

/// A pod's volumes under a temporary directory, one directory per volume.
pub struct PodFs<'a> {
    sts: &'a Value,
    /// The pod's name: `<StatefulSet>-<ordinal>`.
    pub pod: String,
    root: tempfile::TempDir,
    sources: BTreeMap<PathBuf, FileSource>,
}

fn b64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(text).expect("base64")
}

/// The files of a ConfigMap or Secret: `data` (base64 for Secrets), `binaryData`, `stringData`.
fn object_files(objs: &[Object], kind: &str, name: &str) -> BTreeMap<String, Vec<u8>> {
    let o = &objs
        .iter()
        .find(|o| o.key.kind == kind && o.key.name == name)
        .unwrap_or_else(|| panic!("a volume names {kind} {name}, which the render does not hold"))
        .body;
    let mut files = BTreeMap::new();
    for (k, v) in o["data"].as_object().into_iter().flatten() {
        let v = v.as_str().unwrap();
        files.insert(k.clone(), if kind == "Secret" { b64(v) } else { v.as_bytes().to_vec() });
    }
    for (k, v) in o["binaryData"].as_object().into_iter().flatten() {
        files.insert(k.clone(), b64(v.as_str().unwrap()));
    }
    for (k, v) in o["stringData"].as_object().into_iter().flatten() {
        files.insert(k.clone(), v.as_str().unwrap().as_bytes().to_vec());
    }
    files
}

/// The files one ConfigMap or Secret projects: every key, or only `items` under their paths.
fn projection(objs: &[Object], kind: &str, name: &str, items: &Value) -> Vec<(String, Vec<u8>, FileSource)> {
    let files = object_files(objs, kind, name);
    let source = |key: &str| (kind.to_string(), name.to_string(), key.to_string());
    match items.as_array() {
        Some(items) => items
            .iter()
            .map(|it| {
                let key = it["key"].as_str().unwrap();
                let data = files.get(key).unwrap_or_else(|| panic!("{kind} {name} has no key {key}"));
                (it["path"].as_str().unwrap().to_string(), data.clone(), source(key))
            })
            .collect(),
        None => files.into_iter().map(|(k, data)| (k.clone(), data, source(&k))).collect(),
    }
}

impl<'a> PodFs<'a> {
    /// Lays out every volume of pod `ordinal` of `sts`: Secrets and ConfigMaps (plain or
    /// projected) as files, emptyDirs and claims as empty directories.
    pub fn new(objs: &[Object], sts: &'a Value, ordinal: usize) -> Self {
        let pod = format!("{}-{ordinal}", sts["metadata"]["name"].as_str().unwrap());
        let root = tempfile::tempdir().unwrap();
        let mut sources = BTreeMap::new();
        let spec = &sts["spec"]["template"]["spec"];
        let claims = sts["spec"]["volumeClaimTemplates"].as_array().into_iter().flatten();
        for name in claims.map(|c| c["metadata"]["name"].as_str().unwrap()) {
            std::fs::create_dir_all(root.path().join(name)).unwrap();
        }
        for vol in spec["volumes"].as_array().into_iter().flatten() {
            let dir = root.path().join(vol["name"].as_str().unwrap());
            std::fs::create_dir_all(&dir).unwrap();
            let mut files = Vec::new();
            if let Some(cm) = vol.get("configMap") {
                files.extend(projection(objs, "ConfigMap", cm["name"].as_str().unwrap(), &cm["items"]));
            } else if let Some(s) = vol.get("secret") {
                files.extend(projection(objs, "Secret", s["secretName"].as_str().unwrap(), &s["items"]));
            } else if let Some(p) = vol.get("projected") {
                for src in p["sources"].as_array().unwrap() {
                    if let Some(cm) = src.get("configMap") {
                        files.extend(projection(objs, "ConfigMap", cm["name"].as_str().unwrap(), &cm["items"]));
                    } else if let Some(s) = src.get("secret") {
                        files.extend(projection(objs, "Secret", s["name"].as_str().unwrap(), &s["items"]));
                    } else {
                        panic!("projected source {src} is not modelled");
                    }
                }
            } else {
                assert!(vol.get("emptyDir").is_some(), "volume {vol} is not modelled");
            }
            for (path, data, source) in files {
                let file = dir.join(&path);
                assert!(!file.exists(), "two sources write {path} in volume {}", vol["name"]);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, data).unwrap();
                sources.insert(file, source);
            }
        }
        PodFs { sts, pod, root, sources }
    }

    /// The pod's `k`-th container (not an init container).
    pub fn container_at(&self, k: usize) -> &'a Value {
        &self.sts["spec"]["template"]["spec"]["containers"][k]
    }

    /// A container of the pod, init containers included.
    pub fn container(&self, name: &str) -> &'a Value {
        let spec = &self.sts["spec"]["template"]["spec"];
        spec["containers"]
            .as_array()
            .unwrap()
            .iter()
            .chain(spec["initContainers"].as_array().into_iter().flatten())
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no container {name} in {}", self.sts["metadata"]["name"]))
    }

    /// `--name=` of `container`'s arguments, with `$(VAR)` expanded as the kubelet would.
    pub fn flag(&self, container: &str, name: &str) -> Option<String> {
        let args: Vec<String> = serde_json::from_value(self.container(container)["args"].clone()).unwrap_or_default();
        let prefix = format!("{name}=");
        args.iter().find_map(|a| a.strip_prefix(&prefix)).map(|v| self.expand(container, v))
    }

    /// Expands `$(VAR)` from the container's environment; only the pod's name is modelled, so
    /// any other reference fails the test.
    fn expand(&self, container: &str, text: &str) -> String {
        let mut out = text.to_string();
        for e in self.container(container)["env"].as_array().into_iter().flatten() {
            if e["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name" {
                out = out.replace(&format!("$({})", e["name"].as_str().unwrap()), &self.pod);
            }
        }
        out
    }

    /// `container`'s mounts: (mount path, volume), longest path first.
    fn mounts(&self, container: &str) -> Vec<(String, String)> {
        let c = self.container(container);
        let mut m: Vec<(String, String)> = c["volumeMounts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                assert!(m.get("subPath").is_none(), "subPath mounts are not modelled");
                (m["mountPath"].as_str().unwrap().to_string(), m["name"].as_str().unwrap().to_string())
            })
            .collect();
        m.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        m
    }

    /// Where `path`, as `container` sees it, lies on disk; fails when no mount holds it.
    pub fn host(&self, container: &str, path: &str) -> PathBuf {
        assert!(!path.contains("$("), "{container}: {path} names a variable the pod does not set");
        for (mount, volume) in self.mounts(container) {
            if let Some(rest) = path.strip_prefix(&mount) {
                if rest.is_empty() || rest.starts_with('/') {
                    return self.root.path().join(volume).join(rest.trim_start_matches('/'));
                }
            }
        }
        panic!("{} {container}: no volume is mounted at {path}", self.pod)
    }

    /// The path `container` sees for a file on disk.
    pub fn seen_as(&self, container: &str, file: &Path) -> String {
        let rel =
            file.strip_prefix(self.root.path()).unwrap_or_else(|_| panic!("{} is outside the pod", file.display()));
        let mut parts = rel.components();
        let volume = parts.next().unwrap().as_os_str().to_str().unwrap().to_string();
        let rest = parts.as_path().display().to_string();
        let (mount, _) = self
            .mounts(container)
            .into_iter()
            .find(|(_, v)| *v == volume)
            .unwrap_or_else(|| panic!("{container} does not mount volume {volume}"));
        if rest.is_empty() {
            mount
        } else {
            format!("{}/{rest}", mount.trim_end_matches('/'))
        }
    }

    /// The bytes `container` reads at `path`.
    pub fn read(&self, container: &str, path: &str) -> Vec<u8> {
        let file = self.host(container, path);
        std::fs::read(&file).unwrap_or_else(|e| panic!("{} {container}: cannot read {path}: {e}", self.pod))
    }

    /// The Secret or ConfigMap key `container` reads at `path`.
    pub fn source(&self, container: &str, path: &str) -> Option<&FileSource> {
        self.sources.get(&self.host(container, path))
    }

    /// The pod's DNS name under its StatefulSet's Service.
    pub fn dns_name(&self) -> String {
        let (service, namespace) = (&self.sts["spec"]["serviceName"], &self.sts["metadata"]["namespace"]);
        format!("{}.{}.{}.svc.cluster.local", self.pod, service.as_str().unwrap(), namespace.as_str().unwrap())
    }

    /// Runs `container`'s `sh -c` script with its mount paths moved onto the pod's volumes and
    /// `POD_NAME` set; fails the test when the script fails.
    pub fn run(&self, container: &str) -> String {
        self.run_with(container, &[])
    }

    /// [`PodFs::run`] with the programs `fakes` on the PATH, each printing its arguments.
    pub fn run_with(&self, container: &str, fakes: &[&str]) -> String {
        use std::os::unix::fs::PermissionsExt;
        let bin = tempfile::tempdir().unwrap();
        for name in fakes {
            let fake = bin.path().join(name);
            std::fs::write(&fake, "#!/bin/sh\necho \"$@\"\n").unwrap();
            std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default());
        let c = self.container(container);
        assert_eq!((&c["command"][0], &c["command"][1]), (&Value::from("sh"), &Value::from("-c")), "{container}");
        let mut script = c["command"][2].as_str().unwrap().to_string();
        // Placeholders first, so a moved path is never matched again by a shorter mount.
        let mounts = self.mounts(container);
        for (i, (mount, _)) in mounts.iter().enumerate() {
            script = replace_path(&script, mount, &format!("@@mount{i}@@"));
        }
        for (i, (_, volume)) in mounts.iter().enumerate() {
            script = script.replace(&format!("@@mount{i}@@"), &self.root.path().join(volume).display().to_string());
        }
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .arg(container)
            .env("POD_NAME", &self.pod)
            .env("PATH", path)
            .output()
            .expect("sh runs");
        assert!(
            out.status.success(),
            "{} {container} failed: {}{}",
            self.pod,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// Replaces `path` where it is a whole path or a path's prefix (`/testnet`, not `/testnet-config`),
/// starting a word.
fn replace_path(text: &str, path: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    // The text's character before `rest`.
    let mut last: Option<char> = None;
    while let Some(at) = rest.find(path) {
        let after = rest[at + path.len()..].chars().next();
        // A path starts a word: `/password/password` is the file `password` of mount `/password`.
        let before = if at > 0 { rest[..at].chars().last() } else { last };
        let whole = !matches!(after, Some(c) if c.is_ascii_alphanumeric() || "-_.".contains(c))
            && !matches!(before, Some(c) if c.is_ascii_alphanumeric() || "-_.".contains(c));
        out.push_str(&rest[..at]);
        out.push_str(if whole { with } else { path });
        last = path.chars().last();
        rest = &rest[at + path.len()..];
    }
    out.push_str(rest);
    out
}
