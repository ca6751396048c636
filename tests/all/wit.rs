//! Contract versions side by side: plugins built for ethwasm:plugin@0.1.0 (legacy-v1, straight
//! from wit/0.1.0) and 0.2.0 (legacy-v2, straight from wit/0.2.0) render beside 0.3.0 plugins in
//! one render, each with the host interface of its own version, and plugins from 0.2.0 on see the
//! release's creation time.

use ethwasm::job::{Job, Spec};
use ethwasm::manifest::Object;
use ethwasm_tests::{seed, spec, test_plugin_path};
use serde_json::Value;

const CREATED: u64 = 1_767_225_600;

fn render_mixed(created: u64) -> Vec<Object> {
    let source = Spec {
        sources: ethwasm_tests::open(
            None,
            &[test_plugin_path("legacy-v1"), test_plugin_path("legacy-v2"), test_plugin_path("misbehave")],
        ),
        release: Some("mix".into()),
        namespace: Some("ns".into()),
        seed: Some("5a".repeat(32)),
        created: Some(created),
        ..spec(&["legacy-v1.answer=42", "global.shared=yes"])
    };
    let job = Job::resolve(&source).expect("resolve");
    let versions: Vec<(&str, &str)> = job.request.plugins.iter().map(|p| (p.name(), p.wit_version.as_str())).collect();
    assert_eq!(versions, [("legacy-v1", "0.1.0"), ("legacy-v2", "0.2.0"), ("misbehave", "0.3.0")]);
    ethwasm::render::render(&job.request).expect("render").objects
}

fn data<'a>(objects: &'a [Object], name: &str) -> &'a Value {
    let o = objects.iter().find(|o| o.key.name == name).unwrap_or_else(|| panic!("no {name}"));
    &o.body["data"]
}

#[test]
fn a_render_mixes_plugins_of_every_contract_version() {
    let objects = render_mixed(CREATED);
    let legacy = data(&objects, "mix-legacy");
    // The 0.1.0 plugin got its release (without `created`), its values and the global section.
    assert_eq!((legacy["release"].as_str(), legacy["namespace"].as_str()), (Some("mix"), Some("ns")));
    assert_eq!(legacy["revision"], "1");
    let values: Value = serde_json::from_str(legacy["values"].as_str().unwrap()).unwrap();
    assert_eq!(values["answer"], 42);
    let global: Value = serde_json::from_str(legacy["global"].as_str().unwrap()).unwrap();
    assert_eq!(global["shared"], "yes");
    // Its 0.1.0 `derive-key` import is served from the same seed and rules as 0.2.0's.
    let want: String =
        seed(0x5a).derive("legacy-v1", "legacy", 8).unwrap().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(legacy["key"], want.as_str());
    // The 0.2.0 and 0.3.0 plugins see the creation time, and 0.2.0's `derive-key` is served
    // by the same rules.
    assert_eq!(data(&objects, "mix-misbehave")["created"], CREATED.to_string());
    let v2 = data(&objects, "mix-legacy-v2");
    assert_eq!(v2["created"], CREATED.to_string());
    let want: String =
        seed(0x5a).derive("legacy-v2", "legacy", 8).unwrap().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(v2["key"], want.as_str());
    // The creation time reaches 0.2.0 plugins only: the 0.1.0 plugin's output does not move.
    let later = render_mixed(CREATED + 3600);
    assert_eq!(data(&later, "mix-legacy"), legacy);
    assert_eq!(data(&later, "mix-misbehave")["created"], (CREATED + 3600).to_string());
    assert_eq!(data(&later, "mix-legacy-v2")["created"], (CREATED + 3600).to_string());
}

#[test]
fn renders_are_reused_across_revisions_except_for_plugins_that_see_the_revision() {
    use ethwasm::plugin::{CompileCache, Limits, Plugin, Runtime};
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::new(CompileCache::at(dir.path().to_path_buf())).unwrap();
    let renders = dir.path().join("renders");
    let entries = || std::fs::read_dir(&renders).map_or(0, |d| d.count());
    let i = ethwasm_tests::input(serde_json::json!({}));
    // 0.2.0: the revision is not part of the input, so revision 2 reads revision 1's render.
    let current = Plugin::load(&rt, &test_plugin_path("misbehave"), Limits::default()).unwrap();
    let one = current.render_revision(&seed(7), &i, 1).unwrap();
    let two = current.render_revision(&seed(7), &i, 2).unwrap();
    assert_eq!(one.output.manifests, two.output.manifests);
    assert_eq!(entries(), 1, "one render kept for both revisions");
    // 0.1.0: the plugin sees the revision, so each revision is its own render.
    let legacy = Plugin::load(&rt, &test_plugin_path("legacy-v1"), Limits::default()).unwrap();
    let revision = |r: &ethwasm::plugin::PluginRender| -> Value {
        let cm: Value = serde_json::from_str(&r.output.manifests[0]).unwrap();
        cm["data"]["revision"].clone()
    };
    assert_eq!(revision(&legacy.render_revision(&seed(7), &i, 1).unwrap()), "1");
    assert_eq!(revision(&legacy.render_revision(&seed(7), &i, 2).unwrap()), "2");
    assert_eq!(entries(), 3);
}
