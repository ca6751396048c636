//! Charts and plugins through a real OCI registry on loopback (Debian's `docker-registry`):
//! push, pull by tag and by digest, a tampered blob, a missing tag, htpasswd auth, the local
//! store offline, and charts naming plugins by digest. Needs `make build` (the chart's
//! plugins).

#[path = "support/registry.rs"]
mod registry;

use registry::{digest, file_digest, TestRegistry};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SEED: &str = "0101010101010101010101010101010101010101010101010101010101010101";
const CREATED: &str = "1767225600";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// One test's world: its own local store and Docker config.
struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        assert!(root().join("target/plugins/genesis.wasm").exists(), "run `make build` first");
        World { dir: tempfile::tempdir().unwrap() }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run ethwasm")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ethwasm"));
        c.args(args)
            .current_dir(root())
            .env("ETHWASM_CACHE_DIR", self.path("cache"))
            .env("DOCKER_CONFIG", self.path("docker"))
            .env_remove("ETHWASM_SEED")
            .env_remove("SOURCE_DATE_EPOCH");
        c
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "ethwasm {args:?}: {}\n{}", o.status, text(&o.stderr));
        text(&o.stdout)
    }

    /// Packs charts/ethereum; returns the archive's path.
    fn package(&self) -> PathBuf {
        PathBuf::from(self.ok(&["package", "charts/ethereum", "-d", self.path("pkg").to_str().unwrap()]).trim())
    }

    /// Forgets everything pulled.
    fn clear_store(&self) {
        let _ = std::fs::remove_dir_all(self.path("cache/oci"));
    }

    fn render(&self, chart: &str) -> String {
        self.ok(&["render", chart, "--seed", SEED, "--created", CREATED, "--no-notes"])
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The digest after `@` in a pinned reference.
fn digest_of_ref(r: &str) -> &str {
    r.trim().rsplit_once('@').unwrap().1
}

#[test]
fn push_then_pull_by_tag_and_by_digest_gives_back_the_archive_and_each_plugin() {
    let Some(reg) = TestRegistry::start(None) else { return };
    let w = World::new();
    let archive = w.package();
    let version =
        archive.file_name().unwrap().to_str().unwrap().trim_start_matches("ethereum-").trim_end_matches(".tgz");
    let o = w.run(&["push", archive.to_str().unwrap(), &reg.oci("charts/ethereum")]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let pinned = text(&o.stdout).trim().to_string();
    assert!(pinned.starts_with(&format!("{}:{version}@sha256:", reg.oci("charts/ethereum"))), "{pinned}");
    assert!(text(&o.stderr).contains("pushed plugin genesis"), "{}", text(&o.stderr));

    // By tag (from the registry: the store is emptied), then by digest: the very archive.
    w.clear_store();
    let by_tag =
        w.ok(&["pull", &reg.oci("charts/ethereum"), "--version", version, "-d", w.path("a").to_str().unwrap()]);
    assert_eq!(std::fs::read(by_tag.trim()).unwrap(), std::fs::read(&archive).unwrap());
    w.clear_store();
    let by_digest = w.ok(&["pull", &pinned, "-d", w.path("b").to_str().unwrap()]);
    assert_eq!(std::fs::read(by_digest.trim()).unwrap(), std::fs::read(&archive).unwrap());

    // The chart renders from the registry exactly as from the archive.
    assert_eq!(w.render(&pinned), w.render(archive.to_str().unwrap()));

    // Each plugin is a standard Wasm OCI artifact other tools can pull.
    let (status, body) = reg
        .get_accept(
            &format!("/v2/charts/ethereum/genesis/manifests/{version}"),
            "application/vnd.oci.image.manifest.v1+json",
        )
        .unwrap();
    assert_eq!(status, 200);
    let m: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(m["config"]["mediaType"], "application/vnd.wasm.config.v0+json");
    assert_eq!(m["layers"][0]["mediaType"], "application/wasm");
    assert_eq!(m["layers"][0]["digest"], file_digest(&root().join("target/plugins/genesis.wasm")));
    let config_digest = m["config"]["digest"].as_str().unwrap();
    let (_, config) = reg.get(&format!("/v2/charts/ethereum/genesis/blobs/{config_digest}")).unwrap();
    let config: serde_json::Value = serde_json::from_slice(&config).unwrap();
    assert_eq!((config["architecture"].as_str(), config["os"].as_str()), (Some("wasm"), Some("wasip2")));
    assert_eq!(config["layerDigests"][0], m["layers"][0]["digest"]);
    let wasm =
        w.ok(&["pull", &reg.oci(&format!("charts/ethereum/genesis:{version}")), "-d", w.path("c").to_str().unwrap()]);
    assert!(wasm.trim().ends_with("genesis.wasm"), "{wasm}");
    assert_eq!(file_digest(Path::new(wasm.trim())), file_digest(&root().join("target/plugins/genesis.wasm")));

    // `plugin inspect` reads one from the registry.
    let inspect = w.ok(&["plugin", "inspect", &reg.oci(&format!("charts/ethereum/genesis:{version}")), "-o", "json"]);
    let inspect: serde_json::Value = serde_json::from_str(&inspect).unwrap();
    assert_eq!(inspect[0]["name"], "genesis", "{inspect}");

    // --plugins takes one from the registry; pushing again makes the same digests.
    let o = w.run(&["render", "--plugins", &reg.oci(&format!("charts/ethereum/ethstats:{version}")), "--seed", SEED]);
    assert!(text(&o.stderr).contains("ethstats-secret"), "ethstats needs its secret provider: {}", text(&o.stderr));
    let again = w.ok(&["push", archive.to_str().unwrap(), &reg.oci("charts/ethereum")]);
    assert_eq!(again.trim(), pinned, "a push is reproducible");
}

#[test]
fn a_tampered_blob_is_refused_naming_the_reference_and_both_digests() {
    let Some(reg) = TestRegistry::start(None) else { return };
    let w = World::new();
    let archive = w.package();
    let pinned = w.ok(&["push", archive.to_str().unwrap(), &reg.oci("charts/ethereum:t1")]);
    let layer = file_digest(&archive);
    let blob = reg.blob_file(&layer);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&blob, &bytes).unwrap();
    w.clear_store();
    let out = w.path("out");
    for args in [
        vec!["pull", pinned.trim(), "-d", out.to_str().unwrap()],
        vec!["render", pinned.trim(), "--seed", SEED],
        vec!["pull", &reg.oci("charts/ethereum:t1").leak(), "-d", out.to_str().unwrap()],
    ] {
        let o = w.run(&args);
        let e = text(&o.stderr);
        assert_eq!(o.status.code(), Some(6), "{args:?}: {e}");
        let actual = digest(&bytes);
        assert!(e.contains(digest_of_ref(&pinned)) && e.contains(&layer) && e.contains(&actual), "{args:?}: {e}");
        assert!(!out.exists(), "nothing is written");
    }
}

#[test]
fn a_tampered_manifest_is_refused_and_a_stored_one_needs_no_credentials() {
    let Some(reg) = TestRegistry::start(None) else { return };
    let w = World::new();
    let archive = w.package();
    let pinned = w.ok(&["push", archive.to_str().unwrap(), &reg.oci("charts/ethereum:m1")]).trim().to_string();
    let pinned_digest = digest_of_ref(&pinned).to_string();

    // Served from the store: a broken Docker config is never read.
    std::fs::create_dir_all(w.path("docker")).unwrap();
    std::fs::write(w.path("docker/config.json"), "{ not json").unwrap();
    w.ok(&["pull", &pinned, "-d", w.path("a").to_str().unwrap()]);
    w.clear_store();
    let o = w.run(&["pull", &pinned]);
    assert_eq!(o.status.code(), Some(2), "now it is needed: {}", text(&o.stderr));
    assert!(text(&o.stderr).contains("config.json"), "{}", text(&o.stderr));
    std::fs::remove_file(w.path("docker/config.json")).unwrap();

    let file = reg.blob_file(&pinned_digest);
    let mut manifest = std::fs::read(&file).unwrap();
    let at = manifest.windows(6).position(|w| w == b"ethwas").unwrap_or(20);
    manifest[at] = b'E';
    std::fs::write(&file, &manifest).unwrap();
    let o = w.run(&["render", &pinned, "--seed", SEED]);
    let e = text(&o.stderr);
    assert_eq!(o.status.code(), Some(6), "{e}");
    let actual = digest(&manifest);
    assert!(e.contains(&pinned) && e.contains(&pinned_digest) && e.contains(&actual) && e.contains("manifest"), "{e}");
}

#[test]
fn a_chart_is_not_a_plugin() {
    let Some(reg) = TestRegistry::start(None) else { return };
    let w = World::new();
    let archive = w.package();
    let pinned = w.ok(&["push", archive.to_str().unwrap(), &reg.oci("charts/ethereum:k1")]);
    let o = w.run(&["render", "--plugins", pinned.trim(), "--seed", SEED]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("is an ethwasm chart, not a Wasm component"), "{}", text(&o.stderr));
}

#[test]
fn a_missing_tag_or_repository_is_a_usage_error_naming_it() {
    let Some(reg) = TestRegistry::start(None) else { return };
    let w = World::new();
    for r in [reg.oci("charts/ethereum:9.9.9"), reg.oci("nothing/here")] {
        let o = w.run(&["pull", &r]);
        let e = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{e}");
        assert!(e.contains(&r) && e.contains("not found"), "{e}");
    }
    let o = w.run(&["render", "oci://127.0.0.1:1/Bad", "--seed", SEED]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("is not an OCI reference"), "{}", text(&o.stderr));
    for args in
        [&["render", "charts/ethereum", "--version", "1"][..], &["render", "--version", "1", "--plugins", "x.wasm"]]
    {
        let o = w.run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(text(&o.stderr).contains("--version picks the tag of an oci:// chart"), "{}", text(&o.stderr));
    }
}

#[test]
fn a_second_pull_works_with_the_registry_gone() {
    let Some(mut reg) = TestRegistry::start(None) else { return };
    let w = World::new();
    let archive = w.package();
    let tag = reg.oci("charts/ethereum:offline");
    let pinned = w.ok(&["push", archive.to_str().unwrap(), &tag]).trim().to_string();
    w.clear_store();
    let online = w.render(&tag);
    reg.stop();
    let o = w.run(&["render", &tag, "--seed", SEED, "--created", CREATED, "--no-notes"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), online);
    assert!(text(&o.stderr).contains("registry unreachable"), "the fallback is said: {}", text(&o.stderr));
    assert_eq!(w.render(&pinned), online, "by digest: no network at all");
    // A reference never pulled cannot be served.
    let o = w.run(&["pull", &reg.oci("charts/ethereum:other")]);
    assert_eq!(o.status.code(), Some(6));
    assert!(text(&o.stderr).contains("cannot be reached"), "{}", text(&o.stderr));
}

#[test]
fn a_registry_with_htpasswd_needs_credentials_from_login() {
    let Some(reg) = TestRegistry::start(Some(("alice", "wonder-land"))) else { return };
    let w = World::new();
    let archive = w.package();
    let target = reg.oci("charts/ethereum");
    let o = w.run(&["push", archive.to_str().unwrap(), &target]);
    assert_eq!(o.status.code(), Some(6), "{}", text(&o.stderr));
    let e = text(&o.stderr);
    assert!(e.contains("refused the credentials") && e.contains("ethwasm registry login"), "{e}");

    let login = |password: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ethwasm"));
        c.args(["registry", "login", &reg.host, "-u", "alice", "--password-stdin"])
            .env("DOCKER_CONFIG", w.path("docker"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let o = login("wrong");
    assert_eq!(o.status.code(), Some(6), "{}", text(&o.stderr));
    assert!(!w.path("docker/config.json").exists(), "a refused password is not kept");
    let o = login("wonder-land");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("wonder-land"), "the password is never printed");
    let pinned = w.ok(&["push", archive.to_str().unwrap(), &target]);
    w.clear_store();
    w.ok(&["pull", pinned.trim(), "-d", w.path("out").to_str().unwrap()]);
    w.ok(&["registry", "logout", &reg.host]);
    w.clear_store();
    let o = w.run(&["pull", pinned.trim()]);
    assert_eq!(o.status.code(), Some(6), "{}", text(&o.stderr));

    // Credentials as other tools leave them: an `auths` entry written by hand, and a
    // credential helper (`credHelpers`) on the PATH.
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode("alice:wonder-land");
    std::fs::write(
        w.path("docker/config.json"),
        format!(r#"{{"auths":{{"http://{}":{{"auth":"{auth}"}}}}}}"#, reg.host),
    )
    .unwrap();
    w.clear_store();
    w.ok(&["pull", pinned.trim(), "-d", w.path("out2").to_str().unwrap()]);
    let bin = w.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-ethwasmtest");
    std::fs::write(
        &helper,
        format!("#!/bin/sh\nread host\n[ \"$host\" = \"{}\" ] || exit 1\necho '{{\"ServerURL\":\"'$host'\",\"Username\":\"alice\",\"Secret\":\"wonder-land\"}}'\n", reg.host),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(w.path("docker/config.json"), format!(r#"{{"credHelpers":{{"{}":"ethwasmtest"}}}}"#, reg.host))
        .unwrap();
    w.clear_store();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let o = w
        .command(&["pull", pinned.trim(), "-d", w.path("out3").to_str().unwrap(), "-vv"])
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("wonder-land"), "no password in debug logs");
}

#[test]
fn a_chart_names_a_plugin_by_digest_and_packs_it() {
    let Some(reg) = TestRegistry::start(None) else { return };
    let w = World::new();
    let archive = w.package();
    w.ok(&["push", archive.to_str().unwrap(), &reg.oci("charts/ethereum:p1")]);
    let o = w.ok(&["pull", &reg.oci("charts/ethereum/miners:p1"), "-d", w.path("m").to_str().unwrap()]);
    let miners = file_digest(Path::new(o.trim()));
    // The manifest digest of the plugin artifact, as `push` printed it.
    let (_, body) = reg
        .get_accept("/v2/charts/ethereum/miners/manifests/p1", "application/vnd.oci.image.manifest.v1+json")
        .unwrap();
    let manifest = digest(&body);
    assert!(text(&body).contains(&miners));

    // A copy of the chart whose miners plugin comes from the registry.
    let chart = w.path("chart");
    std::fs::create_dir_all(&chart).unwrap();
    for f in ["values.yaml", "values.schema.json", "chart.lock"] {
        let _ = std::fs::copy(root().join("charts/ethereum").join(f), chart.join(f));
    }
    // The other plugins are found by name, as for any copy of the chart.
    let yaml = std::fs::read_to_string(root().join("charts/ethereum/chart.yaml")).unwrap();
    let pinned = reg.oci(&format!("charts/ethereum/miners@{manifest}"));
    let out = yaml.replace("  - name: miners\n", &format!("  - name: miners\n    path: {pinned}\n"));
    assert_ne!(out, yaml);
    std::fs::write(chart.join("chart.yaml"), &out).unwrap();
    let chart_s = chart.to_str().unwrap();
    assert_eq!(w.render(chart_s), w.render("charts/ethereum"));

    // Packed, it renders with the registry gone; unpinned, it is refused.
    let packed = w.ok(&["package", chart_s, "-d", w.path("pkg2").to_str().unwrap()]);
    drop(reg);
    w.clear_store();
    assert_eq!(w.render(packed.trim()), w.render("charts/ethereum"));
    std::fs::write(chart.join("chart.yaml"), out.replace(&format!("@{manifest}"), ":p1")).unwrap();
    let o = w.run(&["render", chart_s, "--seed", SEED]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("must pin the plugin by digest"), "{}", text(&o.stderr));
}

#[test]
fn plain_http_is_for_loopback_or_when_asked() {
    let w = World::new();
    let o = w.run(&["pull", "oci://ethwasm-test.invalid/charts/x:1"]);
    assert_eq!(o.status.code(), Some(6));
    assert!(text(&o.stderr).contains("https://ethwasm-test.invalid/"), "{}", text(&o.stderr));
    let o = w.run(&["pull", "oci://ethwasm-test.invalid/charts/x:1", "--plain-http"]);
    assert!(text(&o.stderr).contains("http://ethwasm-test.invalid/"), "{}", text(&o.stderr));
}

#[test]
fn a_registry_with_a_private_ca_is_trusted_with_ca_file() {
    let Some(reg) = TestRegistry::start_tls() else { return };
    let w = World::new();
    let archive = w.package();
    let archive = archive.to_str().unwrap();
    let target = reg.oci("charts/ethereum:tls");
    let ca = reg.ca_file();
    let ca = ca.to_str().unwrap();
    // Loopback speaks plain HTTP unless a TLS option is given; this registry speaks only TLS.
    let o = w.run(&["push", archive, &target]);
    assert_eq!(o.status.code(), Some(6), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("--ca-file"), "the error says what to do: {}", text(&o.stderr));
    let pinned = w.ok(&["push", archive, &target, "--ca-file", ca]).trim().to_string();
    w.clear_store();
    assert_eq!(
        w.ok(&["render", &target, "--ca-file", ca, "--seed", SEED, "--created", CREATED, "--no-notes"]),
        w.render(archive)
    );

    // A CA that did not sign the registry's certificate is refused; --insecure-skip-tls-verify
    // takes any (the digest still pins what is pulled).
    let other = w.path("other.pem");
    std::fs::write(&other, rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap().cert.pem()).unwrap();
    w.clear_store();
    let o = w.run(&["pull", &pinned, "--ca-file", other.to_str().unwrap(), "-d", w.path("x").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(6), "{}", text(&o.stderr));
    assert!(text(&o.stderr).to_lowercase().contains("certificate"), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("not trusted") && text(&o.stderr).contains("--ca-file"), "{}", text(&o.stderr));
    w.ok(&["pull", &pinned, "--insecure-skip-tls-verify", "-d", w.path("y").to_str().unwrap()]);
    let o = w.run(&["pull", &pinned, "--ca-file", "/nonexistent.pem"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("--ca-file /nonexistent.pem"), "{}", text(&o.stderr));
}
