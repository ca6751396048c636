//! YAML text of JSON values, as `render`, `diff` and `chart lock` write it: block mappings,
//! sequences at their key's indentation and literal blocks for multi-line text (the layout
//! kubectl and Helm users read), with strings quoted wherever any YAML reader could take them
//! for something else.
//!
//! Why not serde_yaml's emitter: it leaves a string plain when its own parser would not read a
//! number there, so a 256-bit hex string (a block hash) came out unquoted, and YAML 1.1 and 1.2
//! core-schema readers (PyYAML, Ruby, yq) read it as an integer. Here a string stays plain only
//! when it cannot be null, a boolean, a number or a timestamp in either schema.

use serde_json::{Map, Value};
use std::fmt::Write;

/// The YAML document of `v` (without a leading `---`), ending in a newline.
pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => map(&mut out, m, 0, false),
        Value::Array(a) if !a.is_empty() => seq(&mut out, a, 0, false),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A mapping at `indent`; with `inline`, its first key continues a line already started
/// (after `- `).
fn map(out: &mut String, m: &Map<String, Value>, indent: usize, inline: bool) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !inline {
            pad(out, indent);
        }
        out.push_str(&string(k));
        out.push(':');
        node(out, v, indent, true);
    }
}

/// A sequence at `indent`; with `inline`, its first item continues a line already started.
fn seq(out: &mut String, a: &[Value], indent: usize, inline: bool) {
    for (i, v) in a.iter().enumerate() {
        if i > 0 || !inline {
            pad(out, indent);
        }
        out.push('-');
        node(out, v, indent, false);
    }
}

/// The value after `key:` (`of_key`) or after `-`, for an entry at `indent`. Under a key,
/// collections start on the next line (a sequence at its key's indentation, as kubectl and
/// serde_yaml write them); in a sequence they start on the item's line.
fn node(out: &mut String, v: &Value, indent: usize, of_key: bool) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push(if of_key { '\n' } else { ' ' });
            map(out, m, indent + 2, !of_key);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push(if of_key { '\n' } else { ' ' });
            seq(out, a, if of_key { indent } else { indent + 2 }, !of_key);
        }
        Value::String(s) if block(s).is_some() => literal(out, s, indent + 2),
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

/// A multi-line string as a literal block (` |`, ` |-` or ` |+`, with an indentation
/// indicator when the text starts with a space), continuing the current line.
fn literal(out: &mut String, s: &str, indent: usize) {
    let header = block(s).unwrap_or_default();
    out.push(' ');
    out.push_str(&header);
    out.push('\n');
    let body = s.strip_suffix('\n').unwrap_or(s);
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
}

/// The literal block header for `s`, when `s` is multi-line text a literal block holds exactly.
fn block(s: &str) -> Option<String> {
    if !s.contains('\n') || !s.chars().all(|c| c == '\n' || c == '\t' || printable(c)) {
        return None;
    }
    let mut h = String::from("|");
    // Leading blanks would be taken for indentation: say it explicitly.
    if s.starts_with([' ', '\t', '\n']) {
        h.push('2');
    }
    if !s.ends_with('\n') {
        h.push('-');
    } else if s.ends_with("\n\n") || s == "\n" {
        h.push('+');
    }
    Some(h)
}

/// YAML's printable set, less the characters some readers take as line breaks or a BOM.
fn printable(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => float_both_ways(n.to_string()),
        Value::String(s) => string(s),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

/// serde_json writes `1e21`; YAML 1.1 reads a float only with a dot and a signed exponent
/// (`1.0e+21`), which YAML 1.2 reads too.
fn float_both_ways(n: String) -> String {
    match n.split_once('e') {
        Some((mantissa, exp)) => {
            let mantissa = if mantissa.contains('.') { mantissa.to_string() } else { format!("{mantissa}.0") };
            let exp = if exp.starts_with(['-', '+']) { exp.to_string() } else { format!("+{exp}") };
            format!("{mantissa}e{exp}")
        }
        None => n,
    }
}

/// A one-line string: plain when that is unambiguous, else single-quoted, else double-quoted
/// with escapes (for line breaks and characters outside the printable set).
fn string(s: &str) -> String {
    if plain(s) {
        return s.to_string();
    }
    if s.chars().all(printable) {
        return format!("'{}'", s.replace('\'', "''"));
    }
    let mut q = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            '\r' => q.push_str("\\r"),
            c if printable(c) => q.push(c),
            c if (c as u32) <= 0xffff => {
                let _ = write!(q, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(q, "\\U{:08x}", c as u32);
            }
        }
    }
    q.push('"');
    q
}

/// Whether `s` reads back as this string, plain, under the YAML 1.1 and 1.2 schemas.
fn plain(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    let second = s.chars().nth(1);
    if !s.chars().all(printable) || s.starts_with(' ') || s.ends_with(' ') {
        return false;
    }
    // Indicators that cannot start a plain scalar; `-` may when it does not start a number.
    if "?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    // `-` starts a number when a digit, `.` or `_` follows (go-yaml, and so kubectl, drops
    // underscores before parsing: `-_1` is -1); `---` would be a document marker.
    if first == '-'
        && (second.is_none_or(|c| c == ' ' || c.is_ascii_digit() || c == '.' || c == '_') || s.starts_with("---"))
    {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    // Numbers (decimal, 0x, 0o, 0b, sexagesimal, floats) and timestamps start with a digit, a
    // sign or a dot: quote all of those.
    if first.is_ascii_digit() || ((first == '+' || first == '.') && second.is_some()) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    !matches!(lower.as_str(), "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "<<" | "=")
}

/// A YAML document read as a JSON value, refusing a mapping that repeats a key (serde_yaml
/// would keep the last one silently; Helm refuses them). Keys that are numbers or booleans
/// become their text, as JSON keys must be strings.
pub struct Strict(pub Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("{v} is not a finite number")))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        <Strict as serde::Deserialize>::deserialize(d).map(|s| s.0)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        use serde::de::Error;
        let mut out = Map::new();
        while let Some(Strict(key)) = map.next_key()? {
            let key = match key {
                Value::String(s) => s,
                Value::Number(_) | Value::Bool(_) | Value::Null => key.to_string(),
                _ => return Err(A::Error::custom("a mapping key must be a string, number or boolean")),
            };
            if out.contains_key(&key) {
                return Err(A::Error::custom(format!("duplicate key `{key}`: a mapping may give each key once")));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_repeated_key_is_refused_where_it_is() {
        let read = |t: &str| serde_yaml::from_str::<Strict>(t).map(|s| s.0).map_err(|e| e.to_string());
        let e = read("a: 1\nb:\n  c: 1\n  c: 2\n").unwrap_err();
        assert!(e.contains("b: duplicate key `c`") && e.contains("line 3"), "{e}");
        assert_eq!(
            read("a: [1, {b: x}]\n1: true\nn: ~\n").unwrap(),
            serde_json::json!({"a": [1, {"b": "x"}], "1": true, "n": null})
        );
    }

    #[test]
    fn the_layout_is_kubectls() {
        let v = json!({
            "apiVersion": "v1",
            "metadata": {"name": "a", "labels": {"app.kubernetes.io/name": "x"}},
            "spec": {"containers": [{"name": "c", "command": ["sh", "-c", "echo 'hi'"], "ports": []}]},
            "data": {"genesis.json": "{\n  \"a\": 1\n}", "config.yaml": "A: 1\n"},
        });
        assert_eq!(
            to_string(&v),
            "apiVersion: v1\nmetadata:\n  name: a\n  labels:\n    app.kubernetes.io/name: x\nspec:\n  containers:\n  \
             - name: c\n    command:\n    - sh\n    - -c\n    - echo 'hi'\n    ports: []\ndata:\n  genesis.json: |-\n    \
             {\n      \"a\": 1\n    }\n  config.yaml: |\n    A: 1\n"
        );
    }

    #[test]
    fn strings_that_could_read_as_anything_else_are_quoted() {
        let hash = "0x6349ae4c7e2c5953a48aa4b980e030d3bead3cde07b50cd6add7af8353cb003c";
        for s in
            [hash, "98052", "0o17", "0b101", "1_000", "1e3", "1:20", "2026-11-26", ".5", "+1", "-1", ".inf", "-.inf"]
        {
            assert_eq!(string(s), format!("'{s}'"), "{s}");
        }
        for s in ["yes", "No", "ON", "off", "y", "n", "true", "False", "null", "~", "", "<<", "="] {
            assert_eq!(string(s), format!("'{s}'"), "{s}");
        }
        for s in [
            "- x", "a: b", "a #b", "key:", ":x", "?x", "*x", "&x", "!x", "|", ">", "'q'", "\"q\"", "%x", "@x", " x",
            "-_1", "--- a",
        ] {
            assert!(string(s).starts_with('\''), "{s}");
        }
        assert_eq!(scalar(&json!(1e21)), "1.0e+21");
        assert_eq!(scalar(&json!(1.5e-7)), "1.5e-7");
        assert_eq!(scalar(&json!(2.5)), "2.5");
        assert_eq!(string("it's"), "it's");
        assert_eq!(string("'it's'"), "'''it''s'''");
        assert_eq!(string("a\u{7}b"), "\"a\\u0007b\"");
        assert_eq!(string("a\u{85}b"), "\"a\\u0085b\"", "NEL is a line break to YAML 1.1");
        for s in ["-c", "--wait", "ethereum/client-go:v1.13.15", "v1.13.15", "a#b", "if [ -d x ]; then y; fi", "é"] {
            assert_eq!(string(s), s, "{s}");
        }
    }

    #[test]
    fn multi_line_text_is_a_literal_block_that_keeps_its_newlines() {
        assert_eq!(to_string(&json!({"k": "a\nb"})), "k: |-\n  a\n  b\n");
        assert_eq!(to_string(&json!({"k": "a\nb\n"})), "k: |\n  a\n  b\n");
        assert_eq!(to_string(&json!({"k": "a\n\n"})), "k: |+\n  a\n\n");
        assert_eq!(to_string(&json!({"k": "  a\nb"})), "k: |2-\n    a\n  b\n");
        assert_eq!(to_string(&json!({"k": "\ta\nb"})), "k: |2-\n  \ta\n  b\n", "a tab is not indentation");
        assert_eq!(to_string(&json!({"k": "a\n\nb"})), "k: |-\n  a\n\n  b\n");
        assert_eq!(to_string(&json!({"k": "a\r\nb"})), "k: \"a\\r\\nb\"\n", "a CR has no literal form");
        assert_eq!(to_string(&json!(["a\nb"])), "- |-\n  a\n  b\n");
    }

    #[test]
    fn every_value_reads_back_as_itself() {
        let v = json!({
            "s": ["0x12", "1e3", "yes", "it's", "a\nb\n", "  lead", "  lead\nx", "tab\there", "a\u{1}b", "ü", "", "-", "- x"],
            "n": [1, -2, 1.5, null, true, false],
            "nested": [[1, [2, {"a": []}]], {"b": {}, "c": {"d": ["x"]}}],
            "0x12": "key", "yes": "key", "": "empty key",
        });
        let back: Value = serde_yaml::from_str(&to_string(&v)).unwrap();
        assert_eq!(back, v);
    }
}
