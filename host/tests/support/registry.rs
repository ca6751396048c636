//! A real OCI registry on loopback for tests: Debian's `docker-registry` (the CNCF
//! distribution registry, installed by .ci/run), on a free port with storage in a temporary
//! directory, optionally behind htpasswd. Without the binary a test skips, except under
//! `CI=true`, where that is a failure.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct TestRegistry {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub host: String,
    pub dir: tempfile::TempDir,
}

fn binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ETHWASM_TEST_REGISTRY") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|d| d.join("docker-registry"))
        .find(|p| p.is_file())
}

impl TestRegistry {
    /// Starts a registry (with one user when `user` is given), or returns `None` when none
    /// is installed outside CI.
    pub fn start(user: Option<(&str, &str)>) -> Option<TestRegistry> {
        TestRegistry::start_with(user, false)
    }

    /// A registry speaking TLS with a self-signed certificate for 127.0.0.1 and localhost, its
    /// PEM at [`TestRegistry::ca_file`].
    pub fn start_tls() -> Option<TestRegistry> {
        TestRegistry::start_with(None, true)
    }

    /// The TLS registry's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    fn start_with(user: Option<(&str, &str)>, tls: bool) -> Option<TestRegistry> {
        let Some(bin) = binary() else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("docker-registry is not installed; .ci/run installs it (apt-get install docker-registry)");
            }
            eprintln!(
                "SKIPPED: no docker-registry binary (apt-get install docker-registry, or set ETHWASM_TEST_REGISTRY)"
            );
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let host = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {host}\n",
            dir.path().join("data").display()
        );
        if let Some((u, p)) = user {
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, format!("{u}:{}\n", bcrypt::hash(p, 4).unwrap())).unwrap();
            config.push_str(&format!("auth:\n  htpasswd:\n    realm: ethwasm-test\n    path: {}\n", file.display()));
        }
        if tls {
            let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
            std::fs::write(dir.path().join("cert.pem"), made.cert.pem()).unwrap();
            std::fs::write(dir.path().join("key.pem"), made.signing_key.serialize_pem()).unwrap();
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                dir.path().join("cert.pem").display(),
                dir.path().join("key.pem").display()
            ));
        }
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new(&bin)
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("log")).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
        let reg = TestRegistry { child, host, dir };
        let start = Instant::now();
        let up = |reg: &TestRegistry| match tls {
            true => TcpStream::connect(&reg.host).is_ok(),
            false => reg.get("/v2/").is_some(),
        };
        while !up(&reg) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the registry did not answer in 20 s: {}",
                std::fs::read_to_string(reg.dir.path().join("log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(reg)
    }

    /// `GET path` without credentials: (status, body), or `None` when nothing answers.
    pub fn get(&self, path: &str) -> Option<(u16, Vec<u8>)> {
        self.get_accept(path, "*/*")
    }

    /// `GET path` with an Accept header.
    pub fn get_accept(&self, path: &str, accept: &str) -> Option<(u16, Vec<u8>)> {
        let mut s = TcpStream::connect(&self.host).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: {}\r\nAccept: {accept}\r\n\r\n", self.host).ok()?;
        let mut out = Vec::new();
        s.read_to_end(&mut out).ok()?;
        let split = out.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&out[..split]).into_owned();
        let status = head.split_whitespace().nth(1)?.parse().ok()?;
        Some((status, out[split + 4..].to_vec()))
    }

    /// The file the registry keeps blob `digest` in.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap();
        self.dir.path().join("data/docker/registry/v2/blobs/sha256").join(&hex[..2]).join(hex).join("data")
    }

    /// `oci://HOST/path`.
    pub fn oci(&self, path: &str) -> String {
        format!("oci://{}/{path}", self.host)
    }

    /// Stops it (its storage stays until drop).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// sha256 of `bytes`, `sha256:` and hex.
pub fn digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// sha256 of a file, `sha256:` and hex.
pub fn file_digest(path: &Path) -> String {
    digest(&std::fs::read(path).unwrap())
}
