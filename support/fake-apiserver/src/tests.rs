//! The fake's own contract, over its HTTP answers: what ethwasm's tests rely on it to do as
//! the API server does.

use crate::{ApiError, FakeApi};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{json, Value};

/// One request as a client sends it: status, content type and body of the answer.
async fn call(api: &FakeApi, method: &str, uri: &str, body: Option<Value>) -> (u16, String, Vec<u8>) {
    let body = body.map_or_else(Bytes::new, |b| Bytes::from(serde_json::to_vec(&b).unwrap()));
    let req = http::Request::builder().method(method).uri(uri).body(Full::new(body)).unwrap();
    let res = api.answer(req).await;
    let status = res.status().as_u16();
    let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, content_type, bytes)
}

/// Like [`call`], for JSON answers.
async fn json_call(api: &FakeApi, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
    let (status, content_type, bytes) = call(api, method, uri, body).await;
    assert_eq!(content_type, "application/json");
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn config_map(name: &str, v: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": v}})
}

const CM: &str = "/api/v1/namespaces/default/configmaps";

#[tokio::test]
async fn discovery_serves_builtin_and_added_kinds_and_unserved_group_versions_get_plain_text() {
    let api = FakeApi::new();
    let (status, list) = json_call(&api, "GET", "/apis/apps/v1", None).await;
    assert_eq!(status, 200);
    assert!(list["resources"].as_array().unwrap().iter().any(|r| r["kind"] == "StatefulSet"), "{list}");

    let (status, content_type, body) = call(&api, "GET", "/apis/monitoring.coreos.com/v1", None).await;
    assert_eq!(
        (status, content_type.as_str(), body.as_slice()),
        (404, "text/plain; charset=utf-8", &b"404 page not found\n"[..])
    );

    api.serve("monitoring.coreos.com/v1", "ServiceMonitor", "servicemonitors", true);
    let (status, groups) = json_call(&api, "GET", "/apis", None).await;
    assert_eq!(status, 200);
    assert!(groups["groups"].as_array().unwrap().iter().any(|g| g["name"] == "monitoring.coreos.com"), "{groups}");
    assert_eq!(json_call(&api, "GET", "/apis/monitoring.coreos.com/v1", None).await.0, 200);
}

#[tokio::test]
async fn server_side_apply_conflicts_with_another_manager_unless_forced() {
    let api = FakeApi::new();
    let url = format!("{CM}/c?fieldManager=ethwasm");
    let (status, _) = json_call(&api, "PATCH", &url, Some(config_map("c", "1"))).await;
    assert_eq!(status, 201, "created");
    api.apply_as("kubectl", "v1", "ConfigMap", "default", &config_map("c", "2")).unwrap();

    let (status, err) = json_call(&api, "PATCH", &url, Some(config_map("c", "3"))).await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["message"], "Apply failed with 1 conflict: conflict with \"kubectl\": .data.k");
    assert_eq!(
        err["details"]["causes"][0],
        json!({"reason": "FieldManagerConflict", "message": "conflict with \"kubectl\"", "field": ".data.k"})
    );

    let (status, obj) = json_call(&api, "PATCH", &format!("{url}&force=true"), Some(config_map("c", "3"))).await;
    assert_eq!(status, 200, "{obj}");
    assert_eq!(api.object("v1", "ConfigMap", "default", "c").unwrap()["data"]["k"], "3");
}

#[tokio::test]
async fn dry_runs_store_nothing() {
    let api = FakeApi::new();
    let (status, obj) =
        json_call(&api, "PATCH", &format!("{CM}/c?fieldManager=ethwasm&dryRun=All"), Some(config_map("c", "1"))).await;
    assert_eq!(status, 201);
    assert!(obj["metadata"].get("resourceVersion").is_none(), "{obj}");
    assert!(api.object("v1", "ConfigMap", "default", "c").is_none());
    assert!(api.inventory().is_empty());
}

#[tokio::test]
async fn create_replace_and_delete_check_existence_and_resource_versions() {
    let api = FakeApi::new();
    assert_eq!(json_call(&api, "POST", CM, Some(config_map("c", "1"))).await.0, 201);
    let (status, err) = json_call(&api, "POST", CM, Some(config_map("c", "1"))).await;
    assert_eq!((status, err["reason"].as_str()), (409, Some("AlreadyExists")));

    let mut stale = api.object("v1", "ConfigMap", "default", "c").unwrap();
    assert_eq!(json_call(&api, "PUT", &format!("{CM}/c"), Some(stale.clone())).await.0, 200);
    stale["data"]["k"] = "2".into();
    let (status, err) = json_call(&api, "PUT", &format!("{CM}/c"), Some(stale)).await;
    assert_eq!((status, err["reason"].as_str()), (409, Some("Conflict")));

    assert_eq!(json_call(&api, "DELETE", &format!("{CM}/c"), None).await.0, 200);
    let (status, err) = json_call(&api, "DELETE", &format!("{CM}/c"), None).await;
    assert_eq!((status, err["message"].as_str()), (404, Some("configmaps \"c\" not found")));
}

#[tokio::test]
async fn lists_filter_by_label_selector() {
    let api = FakeApi::new();
    for (name, app) in [("a", "x"), ("b", "y")] {
        let body = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": {"app": app}}});
        api.apply_as("kubectl", "v1", "ConfigMap", "default", &body).unwrap();
    }
    let (status, list) = json_call(&api, "GET", &format!("{CM}?labelSelector=app%3Dx"), None).await;
    assert_eq!(status, 200);
    let names: Vec<&Value> = list["items"].as_array().unwrap().iter().map(|o| &o["metadata"]["name"]).collect();
    assert_eq!(names, ["a"]);
}

#[test]
fn secrets_fold_string_data_and_are_limited_to_one_mebibyte() {
    let api = FakeApi::new();
    let small = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"p": "hi"}});
    let stored = api.apply_as("kubectl", "v1", "Secret", "default", &small).unwrap();
    assert_eq!(stored["data"]["p"], "aGk=");
    assert!(stored.get("stringData").is_none());

    let big = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "big"},
                     "stringData": {"p": "x".repeat((1 << 20) + 1)}});
    let e = api.apply_as("kubectl", "v1", "Secret", "default", &big).unwrap_err();
    assert_eq!((e.code, e.reason.as_str(), e.causes[0].reason.as_str()), (422, "Invalid", "FieldValueTooLong"));
}

#[test]
fn names_are_validated_as_the_api_server_does() {
    let api = FakeApi::new();
    let e = api.apply_as("kubectl", "v1", "ConfigMap", "default", &config_map("Not_Valid", "1")).unwrap_err();
    assert_eq!((e.code, e.causes[0].field.as_str()), (422, "metadata.name"));
    assert!(e.message.starts_with("ConfigMap \"Not_Valid\" is invalid: metadata.name: Invalid value"), "{e}");
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a.b"}});
    let e = api.apply_as("kubectl", "v1", "Namespace", "", &ns).unwrap_err();
    assert!(e.message.ends_with("must not contain dots"), "{e}");
}

#[tokio::test]
async fn a_deleted_namespace_is_terminating_and_takes_no_new_content() {
    let api = FakeApi::new();
    api.add_namespace("gone");
    api.apply_as("kubectl", "v1", "ConfigMap", "gone", &config_map("c", "1")).unwrap();
    let (status, ns) = json_call(&api, "DELETE", "/api/v1/namespaces/gone", None).await;
    assert_eq!((status, ns["status"]["phase"].as_str()), (200, Some("Terminating")));
    assert!(api.object("v1", "ConfigMap", "gone", "c").is_none(), "its content goes with it");
    let e = api.apply_as("kubectl", "v1", "ConfigMap", "gone", &config_map("d", "1")).unwrap_err();
    assert_eq!((e.code, e.causes[0].reason.as_str()), (403, "NamespaceTerminating"));
}

#[test]
fn workloads_are_ready_at_once_when_asked_unless_their_image_does_not_exist() {
    let api = FakeApi::new();
    api.set_ready(true);
    let sts = |name: &str, image: &str| {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
               "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "c", "image": image}]}}}})
    };
    let ok = api.apply_as("kubectl", "apps/v1", "StatefulSet", "default", &sts("ok", "geth:1")).unwrap();
    assert_eq!(ok["status"]["readyReplicas"], 2);
    let broken = sts("broken", "registry.invalid/does-not-exist:1");
    let broken = api.apply_as("kubectl", "apps/v1", "StatefulSet", "default", &broken).unwrap();
    assert!(broken.get("status").is_none(), "{broken}");
    assert_eq!(api.inventory(), ["StatefulSet default/broken", "StatefulSet default/ok"]);
}

#[tokio::test]
async fn faults_are_injected_by_method_and_path_and_every_request_is_logged() {
    let api = FakeApi::new();
    api.fail("GET", "/configmaps/c", 503, 1, 1);
    let url = format!("{CM}/c");
    assert_eq!(json_call(&api, "GET", &url, None).await.0, 404, "the first is skipped");
    assert_eq!(json_call(&api, "GET", &url, None).await.0, 503);
    assert_eq!(json_call(&api, "GET", &url, None).await.0, 404, "only once");
    assert_eq!(api.requests(), vec![format!("GET {url}"); 3]);
    api.clear_requests();
    assert!(api.requests().is_empty());
}

#[test]
fn helpers_name_unserved_kinds_as_the_api_server_does() {
    let api = FakeApi::new();
    let body = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
    let e: ApiError = api.apply_as("kubectl", "example.com/v1", "Widget", "default", &body).unwrap_err();
    assert_eq!(e.to_string(), "the server could not find the requested resource (404 NotFound)");
    assert!(api.object("example.com/v1", "Widget", "default", "w").is_none());
}

#[tokio::test]
async fn a_kube_client_reaches_it_in_process() {
    let api = FakeApi::new();
    let client = api.client();
    assert_eq!(client.default_namespace(), "default");
    let core = client.list_core_api_resources("v1").await.unwrap();
    assert!(core.resources.iter().any(|r| r.name == "secrets" && r.namespaced));
    assert_eq!(api.requests(), ["GET /api/v1"]);
}

#[tokio::test]
async fn it_serves_a_kubeconfig_over_tcp() {
    let api = FakeApi::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(api.clone().listen(listener));
    let kubeconfig = FakeApi::kubeconfig(addr, "eth");
    assert!(kubeconfig.contains(&format!("server: http://{addr}\n")) && kubeconfig.contains("namespace: eth\n"));
    let config = kube::config::Kubeconfig::from_yaml(&kubeconfig).unwrap();
    let config = kube::Config::from_custom_kubeconfig(config, &Default::default()).await.unwrap();
    let client = kube::Client::try_from(config).unwrap();
    client.list_api_group_resources("apps/v1").await.unwrap();
    assert_eq!(api.requests(), ["GET /apis/apps/v1"]);
    server.abort();
}
