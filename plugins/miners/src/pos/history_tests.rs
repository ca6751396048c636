//! The slashing-protection history following the keys from one validator client to another
//! (`history.rs`): the four clients' rendered start scripts, run on one volume in turn, with
//! stand-ins for the clients that keep a history, export it and import it through the same
//! command lines (and report failure the way each real one does: Teku and Prysm exit 0).

use super::tests::{args, client_line, container, find, run, waited_through, world_with};
use crate::Values;
use ethwasm_ethereum_types::Clients;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const CLIENTS: [&str; 4] = ["lighthouse", "teku", "prysm", "lodestar"];

/// Each client's doppelganger flag.
fn watch(client: &str) -> &'static str {
    match client {
        "lighthouse" => "--enable-doppelganger-protection",
        "teku" => "--doppelganger-detection-enabled=true",
        "prysm" => "--enable-doppelganger",
        _ => "--doppelgangerProtection",
    }
}

/// Each client's slashing protection database (relative to the volume) and whether it is a
/// directory.
fn database(client: &str) -> (&'static str, bool) {
    match client {
        "lighthouse" => ("data/validators/slashing_protection.sqlite", false),
        "teku" => ("data/teku-vc/validator/slashprotection", true),
        "prysm" => ("data/prysm-vc/validator.db", false),
        _ => ("data/lodestar-vc/validator-db", true),
    }
}

/// The stand-in's executable name (what the script calls once its paths are moved).
fn executable_of(client: &str) -> &'static str {
    match client {
        "lighthouse" => "lighthouse",
        "teku" => "teku",
        "prysm" => "validator",
        _ => "node",
    }
}

/// The start script and arguments of each client's validator container, from one render where
/// signer i's validator client is client i.
struct Scripts(Vec<(String, String, Vec<String>)>);

fn scripts() -> Scripts {
    let m = four_clients();
    Scripts(
        (0..4)
            .map(|i| {
                let c = container(find(&m, "StatefulSet", &format!("eth-validator-{i}")), "validator");
                let script = c["command"][2].as_str().unwrap().to_string();
                (script, c["command"][3].as_str().unwrap().to_string(), args(c))
            })
            .collect(),
    )
}

/// A render where signer i's validator client is client i.
fn four_clients() -> Vec<Value> {
    let clients = serde_json::from_value::<Clients>(json!({
        "signers": [{}, {"validator": "teku"}, {"validator": "prysm"}, {"validator": "lodestar"}]
    }))
    .unwrap();
    run(&world_with(4, 0, 8, json!({}), clients), &Values::default()).manifests()
}

#[test]
fn the_first_start_check_looks_for_each_clients_own_database() {
    let m = four_clients();
    for (i, client) in CLIENTS.iter().enumerate() {
        let sts = find(&m, "StatefulSet", &format!("eth-validator-{i}"));
        let script = container(sts, "first-start")["command"][2].as_str().unwrap().to_string();
        let (db, dir) = database(client);
        let test = format!("if [ {} /{db} ]; then", if dir { "-d" } else { "-f" });
        assert!(script.contains(&test), "{client}: {test} in {script}");
    }
}

/// A volume: the same two keys laid out where each of the four clients reads them, a directory
/// of stand-ins, and one for their state.
struct Volume {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    waited: bool,
}

impl Volume {
    fn new() -> Volume {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        for pk in ["0xaa", "0xbb"] {
            for dir in [format!("data/validators/{pk}"), format!("data/lodestar-keys/{pk}")] {
                std::fs::create_dir_all(root.join(dir)).unwrap();
            }
            for dir in ["data/validators/keys", "data/prysm-keys"] {
                std::fs::create_dir_all(root.join(dir)).unwrap();
                std::fs::write(root.join(dir).join(format!("{pk}.json")), "{}").unwrap();
            }
        }
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::create_dir_all(root.join("state")).unwrap();
        for client in CLIENTS {
            let path = root.join("bin").join(executable_of(client));
            std::fs::write(&path, stand_in(client, &root)).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Volume { _tmp: tmp, root, waited: true }
    }

    fn state(&self, file: &str) -> Option<String> {
        std::fs::read_to_string(self.root.join("state").join(file)).ok()
    }

    fn history(&self, file: &str) -> Option<String> {
        std::fs::read_to_string(self.root.join("data/slashing-history").join(file)).ok()
    }

    /// Client `i`'s start script as it runs on this volume, in `shell`; with `waited`, every
    /// run counts as one that lasted through its doppelganger wait.
    fn command(&self, s: &Scripts, i: usize, shell: &[&str], env: &[(&str, &str)]) -> std::process::Command {
        let (script, name, args) = &s.0[i];
        let script = if self.waited { waited_through(script) } else { script.clone() };
        let script = script
            .replace("/data", &format!("{}/data", self.root.display()))
            .replace("/opt/teku/bin/teku", "teku")
            .replace("/validator ", "validator ")
            .replace("sleep 10", "sleep 0")
            .replace("+ 120))", "+ 2))");
        let mut cmd = std::process::Command::new(shell[0]);
        cmd.args(&shell[1..]).arg("-c").arg(script).arg(name).args(args);
        let path = format!("{}:{}", self.root.join("bin").display(), std::env::var("PATH").unwrap_or_default());
        cmd.env("PATH", path).env("STATE", self.root.join("state")).envs(env.iter().copied());
        cmd
    }

    /// Runs client `i` until it exits by itself: its output, and whether the script succeeded.
    fn start(&self, s: &Scripts, i: usize, env: &[(&str, &str)]) -> (bool, String) {
        let out = self.command(s, i, &["sh"], env).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    }
}

/// A stand-in for `client`'s binary. Run as the validator client, it creates its database and
/// keeps `$SIGNS` (an interchange file's text) as what it signed; its export writes that where
/// the command line says; its import keeps the file it was given, and fails with
/// `$IMPORT_FAILS` the way the real client does.
fn stand_in(client: &str, root: &Path) -> String {
    let (db, dir) = database(client);
    let db = root.join(db).display().to_string();
    let make_db = if dir { format!("mkdir -p {db}") } else { format!("mkdir -p $(dirname {db}) && touch {db}") };
    let import_result = match client {
        // Lighthouse and Lodestar exit 1 on a failed import.
        "lighthouse" | "lodestar" => format!("[ -z \"$IMPORT_FAILS\" ] || exit 1\n  {make_db}"),
        // Teku exits 0 and says so on standard output.
        "teku" => format!(
            "if [ -n \"$IMPORT_FAILS\" ]; then echo 'There were 1 errors found during import.'; else {make_db}; \
             echo 'Updated 1 validator slashing protection records'; fi"
        ),
        // Prysm exits 0 on a flag error; only its log says the import succeeded.
        _ => "if [ -n \"$IMPORT_FAILS\" ]; then echo 'flag provided but not defined: -x' >&2; \
              else echo \"Slashing protection JSON successfully imported into $f\" >&2; fi"
            .to_string(),
    };
    format!(
        r#"#!/bin/sh
st="$STATE"
mode=run
case "$*" in
  *slashing-protection*export*) mode=export ;;
  *slashing-protection*import*) mode=import ;;
esac
f=""
last=""
for a in "$@"; do
  case "$a" in
    --to=*|--from=*|--file=*|--slashing-protection-json-file=*) f=${{a#*=}} ;;
    --slashing-protection-export-dir=*) mkdir -p "${{a#*=}}"; f=${{a#*=}}/slashing_protection.json ;;
    --beaconNodes=*) echo "${{a#*=}}" >> "$st/{client}.asked" ;;
    *) last=$a ;;
  esac
done
[ -n "$f" ] || f=$last
echo "{client} $mode" >> "$st/calls"
case $mode in
run)
  echo "$@"
  [ -n "$NO_DB" ] || {{ {make_db}; }}
  printf '%s' "$SIGNS" > "$st/{client}.history"
  if [ -n "$UNTIL_TERM" ]; then
    trap 'echo stopped > "$st/{client}.term"; exit 3' TERM
    touch "$st/{client}.up"
    while :; do sleep 0.05; done
  fi
  ;;
export)
  [ -z "$EXPORT_FAILS" ] || exit 1
  cat "$st/{client}.history" > "$f"
  ;;
import)
  cat "$f" > "$st/{client}.imported"
  [ -z "$IMPORT_SLEEP" ] || sleep "$IMPORT_SLEEP"
  {import_result}
  ;;
esac
"#
    )
}

/// What client `client` signed, as its export writes it.
fn signed(client: &str, slot: u32) -> String {
    json!({
        "metadata": { "interchange_format_version": "5", "genesis_validators_root": format!("0x{}", "22".repeat(32)) },
        "data": [{ "pubkey": "0xaa", "signed_blocks": [{ "slot": slot.to_string() }],
                   "signed_attestations": [{ "source_epoch": "1", "target_epoch": "2" }] }],
        "client": client
    })
    .to_string()
}

fn index(client: &str) -> usize {
    CLIENTS.iter().position(|c| *c == client).unwrap()
}

#[test]
fn a_clean_change_of_client_carries_the_history_and_starts_without_the_wait() {
    let s = scripts();
    for (a, from) in CLIENTS.iter().enumerate() {
        for (b, to) in CLIENTS.iter().enumerate().filter(|(b, _)| *b != a) {
            let v = Volume::new();
            let history = signed(from, 80 + a as u32);
            let (ok, out) = v.start(&s, a, &[("SIGNS", &history)]);
            assert!(ok, "{from}: {out}");
            assert!(client_line(&out).ends_with(watch(from)), "a first start waits: {out}");
            assert_eq!(v.history("last").as_deref(), Some(format!("{from} stopped\n").as_str()), "{out}");
            assert_eq!(v.history(&format!("{from}.json")).as_deref(), Some(history.as_str()), "{out}");

            let (ok, out) = v.start(&s, b, &[("SIGNS", &signed(to, 90))]);
            assert!(ok, "{from} -> {to}: {out}");
            assert!(
                out.contains(&format!(
                    "importing the slashing protection history the {from} validator client exported"
                )),
                "{from} -> {to}: {out}"
            );
            assert_eq!(v.state(&format!("{to}.imported")).as_deref(), Some(history.as_str()), "{from} -> {to}");
            let line = client_line(&out);
            assert!(!line.contains(watch(to)), "{from} -> {to}: the history is whole, no wait: {out}");
            if *to == "lighthouse" {
                assert!(line.ends_with("--init-slashing-protection"), "keys the file lacks are registered: {out}");
            }
            assert_eq!(v.history("last").as_deref(), Some(format!("{to} stopped\n").as_str()));
            // The next start of the same client imports nothing again.
            let (ok, again) = v.start(&s, b, &[("SIGNS", &signed(to, 91))]);
            assert!(ok && !again.contains("importing"), "{again}");
            assert!(!client_line(&again).contains(watch(to)), "{again}");
        }
    }
    // Lodestar asks its beacon nodes for the chain's genesis, its own first.
    let v = Volume::new();
    assert!(v.start(&s, 0, &[("SIGNS", &signed("lighthouse", 1))]).0);
    assert!(v.start(&s, 3, &[]).0);
    let asked = v.state("lodestar.asked").unwrap();
    assert!(asked.lines().next().unwrap().starts_with("http://eth-signer-3-0."), "{asked}");
}

#[test]
fn without_a_history_to_trust_the_new_client_waits() {
    let s = scripts();
    for to in CLIENTS {
        let from = if to == "teku" { "prysm" } else { "teku" };
        // The old client was killed before its export (out of memory, a lost node).
        let v = Volume::new();
        let (ok, out) = v.start(&s, index(from), &[("SIGNS", &signed(from, 7)), ("EXPORT_FAILS", "1")]);
        assert!(ok && out.contains("could not export"), "{out}");
        assert_eq!(v.history("last").as_deref(), Some(format!("{from} running\n").as_str()));
        let (ok, out) = v.start(&s, index(to), &[]);
        assert!(ok && out.contains(&format!("the {from} validator client did not stop cleanly")), "{out}");
        assert!(client_line(&out).ends_with(watch(to)), "{from} -> {to}: {out}");
        assert!(v.state(&format!("{to}.imported")).is_none());

        // The import failed (each client's way of saying so).
        let v = Volume::new();
        assert!(v.start(&s, index(from), &[("SIGNS", &signed(from, 7))]).0);
        let (ok, out) = v.start(&s, index(to), &[("IMPORT_FAILS", "1"), ("SIGNS", &signed(to, 8))]);
        assert!(ok && out.contains("could not import"), "{from} -> {to}: {out}");
        assert!(client_line(&out).ends_with(watch(to)), "{from} -> {to}: {out}");
        assert_eq!(v.history("last").as_deref(), Some(format!("{to} stopped\n").as_str()));
    }
}

#[test]
fn a_client_that_never_signed_leaves_nothing_to_import() {
    let s = scripts();
    for (from, to) in [("teku", "lighthouse"), ("lighthouse", "prysm"), ("prysm", "lodestar"), ("lodestar", "teku")] {
        // Its database never came to be: the script writes the empty interchange file itself.
        let v = Volume::new();
        assert!(v.start(&s, index(from), &[("NO_DB", "1")]).0);
        let empty = v.history(&format!("{from}.json")).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&empty).unwrap()["data"], json!([]));
        let (ok, out) = v.start(&s, index(to), &[]);
        assert!(ok && out.contains(&format!("the {from} validator client signed nothing")), "{out}");
        assert!(v.state(&format!("{to}.imported")).is_none(), "{from} -> {to}");
        assert!(!client_line(&out).contains(watch(to)), "{from} -> {to}: {out}");
    }
}

#[test]
fn keys_that_moved_here_wait_even_with_the_history() {
    let s = scripts();
    let v = Volume::new();
    assert!(v.start(&s, 0, &[("SIGNS", &signed("lighthouse", 3))]).0);
    // A key arrives from another volume as the client changes.
    std::fs::write(v.root.join("data/validators/keys/0xcc.json"), "{}").unwrap();
    let (ok, out) = v.start(&s, 1, &[]);
    assert!(ok && v.state("teku.imported").is_some(), "{out}");
    assert!(client_line(&out).ends_with(watch("teku")), "{out}");
}

/// The shells the images run the script in: dash (Debian and Ubuntu's `sh`), bash (Prysm's
/// image) and busybox (the tests' stand-in for Alpine), those installed here.
fn shells() -> Vec<Vec<&'static str>> {
    let mut shells = vec![vec!["sh"]];
    for (bin, shell) in [("/bin/bash", vec!["bash"]), ("/bin/busybox", vec!["busybox", "sh"])] {
        if Path::new(bin).exists() {
            shells.push(shell);
        }
    }
    shells
}

/// Runs `cmd`, sends it `SIGTERM` as the kubelet would once `sign` exists, and waits for it.
fn terminated_once(mut cmd: std::process::Command, sign: &Path) -> std::process::ExitStatus {
    let mut child = cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let started = std::time::Instant::now();
    while !sign.exists() {
        assert!(started.elapsed().as_secs() < 60, "{} never appeared", sign.display());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    child.wait().unwrap()
}

#[test]
fn the_kubelets_sigterm_reaches_the_client_and_the_export_follows() {
    let s = scripts();
    for shell in shells() {
        for client in CLIENTS {
            let v = Volume::new();
            let history = signed(client, 12);
            let cmd = v.command(&s, index(client), &shell, &[("SIGNS", &history), ("UNTIL_TERM", "1")]);
            let status = terminated_once(cmd, &v.root.join("state").join(format!("{client}.up")));
            assert_eq!(status.code(), Some(3), "{shell:?} {client}: the client's own status");
            assert_eq!(v.state(&format!("{client}.term")).as_deref(), Some("stopped\n"), "{shell:?} {client}");
            assert_eq!(v.history(&format!("{client}.json")).as_deref(), Some(history.as_str()), "{shell:?} {client}");
            assert_eq!(v.history("last").as_deref(), Some(format!("{client} stopped\n").as_str()));
        }
    }
}

#[test]
fn a_wait_cut_short_is_waited_again_whichever_client_starts_next() {
    let s = scripts();
    let mut v = Volume::new();
    v.waited = false;
    let waiting = v.root.join("data/slashing-history/doppelganger-wait");
    // A first start waits, and its client stops within the wait (a doppelganger found, a crash).
    let (ok, out) = v.start(&s, 0, &[("SIGNS", &signed("lighthouse", 1))]);
    assert!(ok && client_line(&out).ends_with(watch("lighthouse")), "{out}");
    assert!(waiting.exists(), "{out}");
    // It starts again on the database it made: it waits again.
    let (ok, out) = v.start(&s, 0, &[("SIGNS", &signed("lighthouse", 1))]);
    assert!(ok && out.contains("has not run its course"), "{out}");
    assert!(client_line(&out).ends_with(watch("lighthouse")), "{out}");
    // So does the next client, though the history it imports is whole.
    let (ok, out) = v.start(&s, 1, &[("SIGNS", &signed("teku", 2))]);
    assert!(ok && v.state("teku.imported").is_some(), "{out}");
    assert!(client_line(&out).ends_with(watch("teku")), "{out}");
    // A run that lasts through its wait clears the mark; the next start is plain.
    v.waited = true;
    let (ok, out) = v.start(&s, 1, &[("SIGNS", &signed("teku", 3))]);
    assert!(ok && out.contains("the doppelganger wait has run its course"), "{out}");
    assert!(!waiting.exists());
    let (ok, out) = v.start(&s, 1, &[("SIGNS", &signed("teku", 4))]);
    assert!(ok && !client_line(&out).contains(watch("teku")), "{out}");
}

#[test]
fn a_sigterm_before_the_client_starts_stops_the_pod_at_once_and_records_nothing() {
    let s = scripts();
    for shell in shells() {
        let v = Volume::new();
        assert!(v.start(&s, 0, &[("SIGNS", &signed("lighthouse", 5))]).0);
        // Teku's import is under way when the kubelet stops the pod.
        let status =
            terminated_once(v.command(&s, 1, &shell, &[("IMPORT_SLEEP", "1")]), &v.root.join("state/teku.imported"));
        assert_eq!(status.code(), Some(143), "{shell:?}");
        let calls = v.state("calls").unwrap();
        assert!(!calls.contains("teku run"), "{shell:?}: the client never started: {calls}");
        assert_eq!(v.history("last").as_deref(), Some("lighthouse stopped\n"), "{shell:?}: the old record stands");
    }
}
