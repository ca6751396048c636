//! The fake over HTTP: requests routed to the store's verbs and answered as the API server
//! answers them (JSON objects and `Status` failures, plain text for unserved group versions).

use crate::store::{api_error, not_found, path_of, State, WriteOptions};
use crate::{ApiError, FakeApi};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Why a request fails.
enum Reject {
    /// An API error, answered as a `Status` object.
    Status(ApiError),
    /// A group version the server does not serve: its mux answers before any API handler.
    Unserved,
}

impl From<ApiError> for Reject {
    fn from(e: ApiError) -> Self {
        Reject::Status(e)
    }
}

impl FakeApi {
    /// Answers one HTTP request (after the configured latency).
    pub(crate) async fn answer<B: hyper::body::Body>(&self, req: http::Request<B>) -> http::Response<Full<Bytes>> {
        let (parts, body) = req.into_parts();
        let bytes = body.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
        let latency = self.lock().latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        self.serve_http(&parts.method, &parts.uri, &bytes)
    }

    fn serve_http(&self, method: &http::Method, uri: &http::Uri, body: &[u8]) -> http::Response<Full<Bytes>> {
        match self.route(method, uri, body) {
            Ok((code, v)) => respond(code, &v),
            // A group-version the server does not serve: the API server's mux answers in text.
            Err(Reject::Unserved) => http::Response::builder()
                .status(404)
                .header("content-type", "text/plain; charset=utf-8")
                .body(Full::new(Bytes::from_static(b"404 page not found\n")))
                .expect("valid response"),
            Err(Reject::Status(ApiError { code, reason, message, causes })) => {
                let causes: Vec<Value> = causes
                    .iter()
                    .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
                    .collect();
                respond(
                    code,
                    &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": message, "reason": reason, "code": code, "details": {"causes": causes}}),
                )
            }
        }
    }

    /// Answers a request: the HTTP status and body, as the API server would.
    fn route(&self, method: &http::Method, uri: &http::Uri, body: &[u8]) -> Result<(u16, Value), Reject> {
        let query: HashMap<String, String> = uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), percent_decode(v)))
            .collect();
        let segs: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
        // Discovery.
        if matches!(segs.as_slice(), ["api"] | ["apis"] | ["api", _] | ["apis", _, _]) {
            self.lock().log_and_fault(method.as_str(), uri.path())?;
        }
        match segs.as_slice() {
            ["api"] => {
                return Ok((200, json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})))
            }
            ["apis"] => {
                let s = self.lock();
                let mut groups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
                for t in s.types.iter().filter(|t| !t.group.is_empty()) {
                    groups.entry(&t.group).or_default().insert(&t.version);
                }
                let groups: Vec<Value> = groups
                    .into_iter()
                    .map(|(g, vs)| {
                        let versions: Vec<Value> =
                            vs.iter().map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v})).collect();
                        json!({"name": g, "versions": versions, "preferredVersion": versions[0]})
                    })
                    .collect();
                return Ok((200, json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})));
            }
            ["api", v] | ["apis", _, v] => {
                let gv = if segs.len() == 2 { v.to_string() } else { format!("{}/{v}", segs[1]) };
                let s = self.lock();
                let resources: Vec<Value> = s
                    .types
                    .iter()
                    .filter(|t| t.api_version == gv)
                    .map(|t| {
                        json!({"name": t.plural, "singularName": t.kind.to_lowercase(), "namespaced": t.namespaced,
                               "kind": t.kind, "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]})
                    })
                    .collect();
                if resources.is_empty() {
                    return Err(Reject::Unserved);
                }
                return Ok((
                    200,
                    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
                ));
            }
            _ => {}
        }
        let (api_version, rest) = match segs.as_slice() {
            ["api", v, rest @ ..] => (v.to_string(), rest),
            ["apis", g, v, rest @ ..] => (format!("{g}/{v}"), rest),
            _ => return Err(api_error(404, "NotFound", "no such path").into()),
        };
        let (ns, plural, name) = match rest {
            ["namespaces", ns, plural] => (*ns, *plural, None),
            ["namespaces", ns, plural, name] => (*ns, *plural, Some(*name)),
            [plural] => ("", *plural, None),
            [plural, name] => ("", *plural, Some(*name)),
            _ => return Err(api_error(404, "NotFound", "no such path").into()),
        };
        let rt = self
            .lock()
            .type_of(&api_version, plural)
            .ok_or_else(|| api_error(404, "NotFound", "the server could not find the requested resource"))?;
        let parse = || -> Result<Value, ApiError> {
            serde_json::from_slice(body).map_err(|e| api_error(400, "BadRequest", format!("body: {e}")))
        };
        let opts = WriteOptions {
            force: query.get("force").is_some_and(|v| v == "true"),
            dry_run: query.get("dryRun").is_some_and(|v| v == "All"),
        };
        let mut s = self.lock();
        let exists = |s: &State, name: &str| {
            s.objects.contains_key(&(rt.group.clone(), rt.plural.clone(), rt.scope(ns).into(), name.into()))
        };
        match (method.as_str(), name) {
            ("GET", Some(name)) => Ok((200, s.get(&rt, ns, name)?.ok_or_else(|| not_found(&rt, name))?)),
            ("GET", None) => {
                let selector = query.get("labelSelector").cloned().unwrap_or_default();
                let all = !rt.namespaced || ns.is_empty();
                let items = s.list(&rt, if all { None } else { Some(ns) }, &selector)?;
                Ok((
                    200,
                    json!({"kind": format!("{}List", rt.kind), "apiVersion": rt.api_version,
                           "metadata": {"resourceVersion": s.version.to_string()}, "items": items}),
                ))
            }
            // 201 Created when the apply made the object, 200 when it changed one.
            ("PATCH", Some(name)) => {
                let manager = query.get("fieldManager").cloned().unwrap_or_default();
                let code = if exists(&s, name) { 200 } else { 201 };
                Ok((code, s.apply(&manager, &rt, ns, name, &parse()?, opts)?))
            }
            ("POST", None) => Ok((201, s.create(&rt, ns, &parse()?)?)),
            ("PUT", Some(name)) => Ok((200, s.replace(&rt, ns, name, &parse()?)?)),
            ("DELETE", Some(name)) => {
                let params = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
                let dry_run = params.get("dryRun").and_then(Value::as_array).is_some_and(|a| !a.is_empty());
                let version = params.pointer("/preconditions/resourceVersion").and_then(Value::as_str);
                let found = s.get(&rt, ns, name)?;
                s.requests.pop();
                match found {
                    Some(obj) => {
                        s.delete(&rt, ns, name, WriteOptions { dry_run, ..opts }, version)?;
                        if rt.kind == "Namespace" {
                            // Graceful: the namespace is returned, now Terminating.
                            let terminating =
                                s.objects.get(&(String::new(), "namespaces".into(), String::new(), name.into()));
                            return Ok((200, terminating.cloned().unwrap_or(obj)));
                        }
                        let uid = obj.pointer("/metadata/uid").cloned().unwrap_or(Value::Null);
                        Ok((
                            200,
                            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                   "details": {"name": name, "group": rt.group, "kind": rt.plural, "uid": uid}}),
                        ))
                    }
                    None => {
                        s.requests.push(format!("DELETE {}", path_of(&rt, ns, Some(name))));
                        Err(not_found(&rt, name).into())
                    }
                }
            }
            _ => Err(api_error(405, "MethodNotAllowed", format!("{method} is not supported here")).into()),
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn respond(code: u16, body: &Value) -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(serde_json::to_vec(body).expect("JSON serializes"))))
        .expect("valid response")
}
