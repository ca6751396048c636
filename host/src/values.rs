//! Values: chart defaults, `-f` files and `--set*` flags merged into one tree, in Helm's order.
//!
//! Order (later wins): chart `values.yaml` < `-f` files in order < `--set-json` < `--set` <
//! `--set-string` < `--set-file`. Maps merge deeply; any other value (lists included) replaces;
//! `null` deletes the key. Unlike Helm, `--set` paths apply to the merged tree, so
//! `--set nodes[1].x=1` edits the chart's own list instead of replacing it.

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// Why values could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum ValuesError {
    #[error("cannot read values file {path}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("values file {path} is not valid YAML: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("values file {path}: the top level must be a mapping, found {found}")]
    NotAMapping { path: PathBuf, found: &'static str },
    #[error("{flag} {arg:?}: {message}")]
    Set { flag: &'static str, arg: String, message: String },
}

/// One path segment: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// How a `--set`-style flag turns its right-hand side into a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    /// `--set`: `true`, `false`, `null` and integers are typed; everything else is a string.
    Typed,
    /// `--set-string`: always a string.
    String,
    /// `--set-json`: the right-hand side is JSON.
    Json,
    /// `--set-file`: the right-hand side is a file whose contents become a string.
    File,
}

impl SetKind {
    fn flag(self) -> &'static str {
        match self {
            SetKind::Typed => "--set",
            SetKind::String => "--set-string",
            SetKind::Json => "--set-json",
            SetKind::File => "--set-file",
        }
    }
}

/// Which values an upgrade starts from (Helm's `--reuse-values` family).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Reuse {
    /// The new chart's defaults, then the values the previous revision was given, then the new
    /// ones (Helm's `--reset-then-reuse-values`). ethwasm's default: a chain's topology, forks
    /// and keys, given once, stay until they are changed.
    #[default]
    ResetThenReuse,
    /// The previous revision's chart defaults (as recorded), its values, then the new ones
    /// (Helm's `--reuse-values`): the new chart's defaults are not read.
    Reuse,
    /// The new chart's defaults and the new values only (Helm's `--reset-values`, and Helm's
    /// default once any value is given).
    Reset,
}

/// Everything the user gave for values, in the order the flags were written.
#[derive(Debug, Clone, Default)]
pub struct ValueSources {
    pub files: Vec<PathBuf>,
    pub set_json: Vec<String>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    pub set_file: Vec<String>,
    /// On upgrade: how the previous revision's values are reused.
    pub reuse: Reuse,
    /// The values the previous revision was given, merged under the new ones (set by an
    /// upgrade from [`ValueSources::reuse`]).
    pub previous: Option<Value>,
    /// Chart defaults to use instead of the chart's own (`--reuse-values`: the previous
    /// revision's).
    pub defaults: Option<Value>,
    /// The values the previous revision ran with (its chart defaults and given values merged),
    /// where the chart's `keep` values come from on an upgrade.
    pub kept_from: Option<Value>,
}

impl ValueSources {
    /// `base` (the chart's defaults) with every source merged over it in Helm's order.
    pub fn apply(&self, base: Value) -> Result<Value, ValuesError> {
        self.apply_with_user(base).map(|(merged, _)| merged)
    }

    /// Like `apply`, and also the user's values alone (every source merged over `{}`), as a
    /// release records them. Each file (and stdin) is read once.
    pub(crate) fn apply_with_user(&self, mut base: Value) -> Result<(Value, Value), ValuesError> {
        let mut user = Value::Object(Map::new());
        if let Some(previous) = &self.previous {
            merge(&mut user, previous.clone());
            merge(&mut base, previous.clone());
        }
        for f in &self.files {
            let v = read_file(f)?;
            merge(&mut user, v.clone());
            merge(&mut base, v);
        }
        for (kind, args) in [
            (SetKind::Json, &self.set_json),
            (SetKind::Typed, &self.set),
            (SetKind::String, &self.set_string),
            (SetKind::File, &self.set_file),
        ] {
            for arg in args {
                for (path, value) in parse_set(arg, kind)? {
                    set_path(&mut user, &path, value.clone());
                    set_path(&mut base, &path, value);
                }
            }
        }
        Ok((base, user))
    }
}

/// Reads a YAML values file (`-` is standard input); an empty file is an empty mapping.
pub(crate) fn read_file(path: &Path) -> Result<Value, ValuesError> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).map_err(|source| ValuesError::Read { path: path.into(), source })?
    } else {
        std::fs::read_to_string(path).map_err(|source| ValuesError::Read { path: path.into(), source })?
    };
    parse_yaml(path, &text)
}

/// Parses YAML text as a values mapping; `path` names it in errors. A mapping that repeats a
/// key is refused (as Helm refuses it), not read with the last one winning.
pub(crate) fn parse_yaml(path: &Path, text: &str) -> Result<Value, ValuesError> {
    let v: Value = serde_yaml::from_str::<crate::yaml::Strict>(text)
        .map(|s| s.0)
        .map_err(|e| ValuesError::Parse { path: path.into(), message: e.to_string() })?;
    match v {
        Value::Null => Ok(Value::Object(Map::new())),
        Value::Object(_) => Ok(v),
        other => Err(ValuesError::NotAMapping { path: path.into(), found: type_name(&other) }),
    }
}

/// The JSON type name of `v`, for messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Deep-merges `overlay` into `base`: maps merge, `null` deletes, anything else replaces.
pub(crate) fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                if v.is_null() {
                    b.remove(&k);
                } else if let Some(slot) = b.get_mut(&k) {
                    merge(slot, v);
                } else {
                    b.insert(k, strip_nulls(v));
                }
            }
        }
        (b, o) => *b = strip_nulls(o),
    }
}

/// Removes `null`-valued keys from maps (a `null` only ever means "delete").
fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, strip_nulls(v))).collect())
        }
        other => other,
    }
}

/// Sets `value` at `path` in `root`, creating maps and lists on the way (lists are padded
/// with `null`); a `null` value deletes a map key.
/// Sets `value` at a dotted path of mapping keys (`global.topology.validators`).
pub(crate) fn set_dotted(root: &mut Value, path: &str, value: Value) {
    let segments: Vec<Seg> = path.split('.').map(|k| Seg::Key(k.to_string())).collect();
    set_path(root, &segments, value);
}

pub(crate) fn set_path(root: &mut Value, path: &[Seg], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        *root = value;
        return;
    };
    match first {
        Seg::Key(k) => {
            if !root.is_object() {
                *root = Value::Object(Map::new());
            }
            let map = root.as_object_mut().expect("just made a map");
            if rest.is_empty() && value.is_null() {
                map.remove(k);
                return;
            }
            set_path(map.entry(k.clone()).or_insert(Value::Null), rest, value);
        }
        Seg::Index(i) => {
            if !root.is_array() {
                *root = Value::Array(Vec::new());
            }
            let list = root.as_array_mut().expect("just made a list");
            if list.len() <= *i {
                list.resize(*i + 1, Value::Null);
            }
            set_path(&mut list[*i], rest, value);
        }
    }
}

/// Parses one `--set`-style argument: `a.b[0].c=v,d=w`, with `\` escaping `.`, `,`, `=`,
/// `[` and `\`, and `{x,y}` for lists (`--set`, `--set-string`).
pub(crate) fn parse_set(arg: &str, kind: SetKind) -> Result<Vec<(Vec<Seg>, Value)>, ValuesError> {
    // Values may be secrets (keys, passwords): errors show the keys only, except for
    // --set-file, whose values are paths.
    let shown = if kind == SetKind::File { arg.to_string() } else { redact_values(arg) };
    let err = |message: String| ValuesError::Set { flag: kind.flag(), arg: shown.clone(), message };
    if kind == SetKind::Json && arg.trim_start().starts_with('{') {
        let v: Value = serde_json::from_str(arg).map_err(|e| err(format!("not a JSON object: {e}")))?;
        return Ok(vec![(vec![], v)]);
    }
    let chars: Vec<char> = arg.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    loop {
        // Helm's strvals: `list[0]` with no `=` sets `list` to an empty list.
        let item: String = chars[i..].iter().take_while(|c| **c != ',').collect();
        if let Some(key) = item.strip_suffix(']').filter(|_| !item.contains(['=', '\\'])).and_then(|k| {
            let open = k.find('[')?;
            k[open + 1..].bytes().all(|b| b.is_ascii_digit()).then(|| format!("{}=", &k[..open]))
        }) {
            let key: Vec<char> = key.chars().collect();
            let path = parse_key(&key, &mut 0).map_err(err)?;
            out.push((path, Value::Array(Vec::new())));
            i += item.chars().count() + 1;
            if i >= chars.len() {
                return Ok(out);
            }
            continue;
        }
        let path = parse_key(&chars, &mut i).map_err(err)?;
        if kind == SetKind::Json {
            let rest: String = chars[i..].iter().collect();
            let v: Value =
                serde_json::from_str(&rest).map_err(|e| err(format!("the value after `=` is not JSON: {e}")))?;
            out.push((path, v));
            return Ok(out);
        }
        let value = if chars.get(i) == Some(&'{') && kind != SetKind::File {
            i += 1;
            let mut items = Vec::new();
            loop {
                let (text, end) = read_until(&chars, &mut i, &[',', '}']);
                items.push(typed(&text, kind));
                match end {
                    Some('}') => break,
                    Some(_) => continue,
                    None => return Err(err("a list `{...}` is not closed with `}`".into())),
                }
            }
            match chars.get(i) {
                None => {}
                Some(',') => i += 1,
                Some(c) => return Err(err(format!("unexpected `{c}` after a list; separate assignments with `,`"))),
            }
            Value::Array(items)
        } else {
            let (text, _) = read_until(&chars, &mut i, &[',']);
            match kind {
                SetKind::File => {
                    let contents =
                        std::fs::read_to_string(&text).map_err(|e| err(format!("cannot read {text}: {e}")))?;
                    Value::String(contents)
                }
                _ => typed(&text, kind),
            }
        };
        out.push((path, value));
        if i >= chars.len() {
            return Ok(out);
        }
    }
}

/// `a.b=secret,c=x` -> `a.b=…`: everything after the first unescaped `=` is hidden.
fn redact_values(arg: &str) -> String {
    let mut escaped = false;
    for (i, c) in arg.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '=' if !escaped => return format!("{}=…", &arg[..i]),
            _ => escaped = false,
        }
    }
    arg.to_string()
}

/// Reads a key path up to and including its `=`.
fn parse_key(chars: &[char], i: &mut usize) -> Result<Vec<Seg>, String> {
    let start = *i;
    let mut segs = Vec::new();
    let mut cur = String::new();
    let mut after_index = false;
    loop {
        let Some(&c) = chars.get(*i) else {
            let key: String = chars[start..].iter().collect();
            return Err(format!("`{key}` has no value; write `{key}=VALUE`"));
        };
        *i += 1;
        match c {
            '\\' => {
                let Some(&n) = chars.get(*i) else { return Err("a trailing `\\` escapes nothing".into()) };
                *i += 1;
                cur.push(n);
                after_index = false;
            }
            '.' | '=' => {
                if cur.is_empty() && !after_index {
                    return Err(if c == '.' {
                        "an empty key between dots".into()
                    } else {
                        "an empty key before `=`".into()
                    });
                }
                if !cur.is_empty() {
                    segs.push(Seg::Key(std::mem::take(&mut cur)));
                }
                after_index = false;
                if c == '=' {
                    return Ok(segs);
                }
            }
            '[' => {
                if !cur.is_empty() {
                    segs.push(Seg::Key(std::mem::take(&mut cur)));
                } else if segs.is_empty() {
                    return Err("a list index needs a key before it, as in `list[0]`".into());
                }
                let close = chars[*i..].iter().position(|&c| c == ']').ok_or("`[` is not closed with `]`")?;
                let digits: String = chars[*i..*i + close].iter().collect();
                let n: usize =
                    digits.parse().map_err(|_| format!("list index `[{digits}]` is not a non-negative integer"))?;
                if n > 65535 {
                    return Err(format!("list index {n} is too large (at most 65535)"));
                }
                segs.push(Seg::Index(n));
                *i += close + 1;
                after_index = true;
                if !matches!(chars.get(*i), Some('.') | Some('[') | Some('=')) {
                    return Err("a list index must be followed by `.`, `[` or `=`".into());
                }
            }
            ',' => return Err(format!("`{}` has no value", chars[start..*i - 1].iter().collect::<String>())),
            c => {
                cur.push(c);
                after_index = false;
            }
        }
    }
}

/// Reads text up to an unescaped stop character (consumed) or the end.
fn read_until(chars: &[char], i: &mut usize, stops: &[char]) -> (String, Option<char>) {
    let mut s = String::new();
    while let Some(&c) = chars.get(*i) {
        *i += 1;
        if c == '\\' {
            if let Some(&n) = chars.get(*i) {
                *i += 1;
                s.push(n);
                continue;
            }
        }
        if stops.contains(&c) {
            return (s, Some(c));
        }
        s.push(c);
    }
    (s, None)
}

/// Helm's typing of `--set` scalars: `true`/`false`/`null` (any case), integers without a
/// leading zero; everything else (floats included) stays a string.
fn typed(text: &str, kind: SetKind) -> Value {
    if kind != SetKind::Typed {
        return Value::String(text.to_string());
    }
    match text.to_ascii_lowercase().as_str() {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        "null" => return Value::Null,
        "0" => return Value::from(0),
        _ => {}
    }
    if !text.starts_with('0') {
        if let Ok(n) = text.parse::<i64>() {
            return Value::from(n);
        }
    }
    Value::String(text.to_string())
}

crate::error::classify!(ValuesError => Usage);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(args: &[&str], kind: SetKind) -> Value {
        let mut v = json!({});
        for a in args {
            for (p, x) in parse_set(a, kind).unwrap() {
                set_path(&mut v, &p, x);
            }
        }
        v
    }

    fn set_err(arg: &str) -> String {
        parse_set(arg, SetKind::Typed).unwrap_err().to_string()
    }

    #[test]
    fn dotted_paths_and_typed_scalars() {
        let v = set(&["a.b=1,a.c=true,d=null,e=x,f=007,g=1.5,h=-3,i=0,j="], SetKind::Typed);
        assert_eq!(v, json!({"a": {"b": 1, "c": true}, "e": "x", "f": "007", "g": "1.5", "h": -3, "i": 0, "j": ""}));
    }

    #[test]
    fn set_string_never_types() {
        assert_eq!(set(&["a=1,b=true"], SetKind::String), json!({"a": "1", "b": "true"}));
    }

    #[test]
    fn list_indices_pad_and_nest() {
        let v = set(&["a.b[2].c=x", "a.b[0]=y", "m[0][1]=z"], SetKind::Typed);
        assert_eq!(v, json!({"a": {"b": ["y", null, {"c": "x"}]}, "m": [[null, "z"]]}));
    }

    /// Helm's strvals cases for a list with no value (parser_test.go: `noval[0]` and `noval[0]=`).
    #[test]
    fn an_index_with_no_value_is_an_empty_list() {
        assert_eq!(set(&["noval[0]"], SetKind::Typed), json!({"noval": []}));
        assert_eq!(set(&["noval[0]="], SetKind::Typed), json!({"noval": [""]}));
        assert_eq!(set(&["a.l[0],b=1"], SetKind::Typed), json!({"a": {"l": []}, "b": 1}));
    }

    #[test]
    fn escapes() {
        let v = set(&[r"nodeSelector.kubernetes\.io/os=linux", r"a=x\,y", r"b\=c=d"], SetKind::Typed);
        assert_eq!(v, json!({"nodeSelector": {"kubernetes.io/os": "linux"}, "a": "x,y", "b=c": "d"}));
    }

    #[test]
    fn brace_lists() {
        let v = set(&["a={1,two,true},b=3"], SetKind::Typed);
        assert_eq!(v, json!({"a": [1, "two", true], "b": 3}));
        assert_eq!(set(&["a={1,2}"], SetKind::String), json!({"a": ["1", "2"]}));
    }

    #[test]
    fn set_json_values_and_objects() {
        let v = set(&[r#"a.b={"x":[1,2],"y":null}"#, r#"c=[1,"a"]"#], SetKind::Json);
        assert_eq!(v, json!({"a": {"b": {"x": [1, 2], "y": null}}, "c": [1, "a"]}));
        let v = set(&[r#"{"top": {"k": 1}}"#], SetKind::Json);
        assert_eq!(v, json!({"top": {"k": 1}}));
        assert!(parse_set("a={bad", SetKind::Json).unwrap_err().to_string().contains("not JSON"));
    }

    #[test]
    fn set_file_reads_contents() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("genesis.json");
        std::fs::write(&f, "{\"a\": 1}\n").unwrap();
        let v = set(&[&format!("g={}", f.display())], SetKind::File);
        assert_eq!(v, json!({"g": "{\"a\": 1}\n"}));
        let e = parse_set("g=/nonexistent/file", SetKind::File).unwrap_err().to_string();
        assert!(e.starts_with("--set-file \"g=/nonexistent/file\": cannot read /nonexistent/file"), "{e}");
    }

    #[test]
    fn grammar_errors_say_what_to_do() {
        assert!(set_err("a").contains("`a` has no value; write `a=VALUE`"));
        assert!(set_err("a.b").contains("`a.b` has no value"));
        assert!(set_err("a..b=1").contains("empty key between dots"));
        assert!(set_err("=1").contains("empty key before `=`"));
        assert!(set_err("a[x]=1").contains("`[x]` is not a non-negative integer"));
        assert!(set_err("a[-1]=1").contains("not a non-negative integer"));
        assert!(set_err("a[1=1").contains("not closed"));
        assert!(set_err("[0]=1").contains("needs a key"));
        assert!(set_err("a={1,2").contains("not closed with `}`"));
        assert!(set_err("a[0]b=1").contains("must be followed by"));
        assert!(set_err("a,b=1").contains("`a` has no value"));
        assert!(set_err("a[999999]=1").contains("too large"));
    }

    #[test]
    fn errors_never_echo_values() {
        let e = parse_set("secrets.password=hunter2,oops", SetKind::Typed).unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(e.starts_with("--set \"secrets.password=…\": `oops` has no value"), "{e}");
        let e = parse_set(r#"k={"secret": 1"#, SetKind::Json).unwrap_err().to_string();
        assert!(!e.contains("secret") && e.starts_with("--set-json \"k=…\""), "{e}");
    }

    #[test]
    fn merge_is_deep_lists_replace_null_deletes() {
        let mut base = json!({"a": {"x": 1, "y": 2}, "l": [1, 2, 3], "k": "v"});
        merge(&mut base, json!({"a": {"y": 3, "z": {"n": null, "m": 1}}, "l": [9], "k": null}));
        assert_eq!(base, json!({"a": {"x": 1, "y": 3, "z": {"m": 1}}, "l": [9]}));
    }

    #[test]
    fn helm_order_files_then_json_then_set_string_file() {
        let dir = tempfile::tempdir().unwrap();
        let f1 = dir.path().join("1.yaml");
        let f2 = dir.path().join("2.yaml");
        let txt = dir.path().join("t.txt");
        std::fs::write(&f1, "a: 1\nb: 1\nc: 1\nd: 1\ne: 1\nl: [1, 2]\n").unwrap();
        std::fs::write(&f2, "b: 2\nc: 2\nd: 2\ne: 2\n").unwrap();
        std::fs::write(&txt, "file").unwrap();
        let src = ValueSources {
            files: vec![f1, f2],
            set_json: vec!["c=3".into(), "d=3".into(), "e=3".into()],
            set: vec!["d=4".into(), "e=4".into(), "l[1]=7".into()],
            set_string: vec!["e=5".into()],
            set_file: vec![format!("f={}", txt.display())],
            ..ValueSources::default()
        };
        let v = src.apply(json!({"a": 0, "z": 0})).unwrap();
        assert_eq!(v, json!({"a": 1, "z": 0, "b": 2, "c": 3, "d": 4, "e": "5", "l": [1, 7], "f": "file"}));
    }

    #[test]
    fn files_must_be_mappings() {
        let p = Path::new("v.yaml");
        assert_eq!(parse_yaml(p, "").unwrap(), json!({}));
        let e = parse_yaml(p, "- a\n").unwrap_err().to_string();
        assert_eq!(e, "values file v.yaml: the top level must be a mapping, found a list");
        let e = parse_yaml(p, "a: [").unwrap_err().to_string();
        assert!(e.starts_with("values file v.yaml is not valid YAML"), "{e}");
    }
}
