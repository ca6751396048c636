// The render, as the independent-client tests read it: every ConfigMap and Secret of a rendered
// multi-document YAML file, with their string and binary data merged (finality.mjs, deposits.mjs).

import fs from "node:fs";
import zlib from "node:zlib";

import yaml from "js-yaml";

// Lodestar's CLI reads YAML with this schema (packages/cli/src/util/file.ts): FAILSAFE plus an implicit
// string type, so every scalar stays a string and chainConfigFromJson does the typing.
export const yamlSchema = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    new yaml.Type("tag:yaml.org,2002:str", {
      kind: "scalar",
      construct: (data) => (data !== null ? data : ""),
    }),
  ],
});

/** Every ConfigMap and Secret of the render, with its string and binary data merged. */
export function readRender(file) {
  const docs = yaml.loadAll(fs.readFileSync(file, "utf8"), null, { schema: yamlSchema }).filter(Boolean);
  const objects = [];
  for (const d of docs) {
    if (d.kind !== "ConfigMap" && d.kind !== "Secret") continue;
    const data = new Map();
    // Secret data and ConfigMap binaryData are base64; ConfigMap data and Secret stringData are text.
    for (const [k, v] of Object.entries(d.kind === "Secret" ? d.data ?? {} : d.binaryData ?? {})) {
      data.set(k, Buffer.from(v, "base64"));
    }
    for (const [k, v] of Object.entries(d.kind === "Secret" ? d.stringData ?? {} : d.data ?? {})) {
      data.set(k, Buffer.from(v, "utf8"));
    }
    objects.push({ kind: d.kind, name: d.metadata?.name ?? "?", data });
  }
  return { docs: docs.length, objects };
}

/** `theOne` and `genesisSsz` for a script whose setup errors go to `die`. */
export function renderReader(die) {
  return { theOne: (render, kind, key) => theOne(render, kind, key, die), genesisSsz: (render) => genesisSsz(render, die) };
}

/** The one object of `kind` holding `key`; a setup error when there are none or several. */
function theOne(render, kind, key, die) {
  const found = render.objects.filter((o) => o.kind === kind && o.data.has(key));
  if (found.length !== 1) die(`expected one ${kind} with key ${key}, found ${found.length} (${found.map((o) => o.name)})`);
  return found[0];
}

function genesisSsz(render, die) {
  const direct = render.objects.filter((o) => o.kind === "ConfigMap" && o.data.has("genesis.ssz"));
  if (direct.length === 1) return { bytes: direct[0].data.get("genesis.ssz"), parts: 1 };
  // ConfigMaps <name>-<k> with a genesis.ssz.gz.part key, joined in order of k.
  const parts = render.objects
    .filter((o) => o.kind === "ConfigMap" && o.data.has("genesis.ssz.gz.part"))
    .map((o) => {
      const m = /-(\d+)$/.exec(o.name);
      if (!m) die(`ConfigMap ${o.name} holds genesis.ssz.gz.part but its name does not end in -<number>`);
      return { k: Number(m[1]), data: o.data.get("genesis.ssz.gz.part") };
    })
    .sort((a, b) => a.k - b.k);
  if (parts.length === 0) die("no ConfigMap holds genesis.ssz or genesis.ssz.gz.part");
  const ks = parts.map((p) => p.k).join(",");
  if (ks !== parts.map((_, i) => i).join(",")) die(`genesis.ssz.gz.part ConfigMaps are numbered ${ks}, not 0..${parts.length - 1}`);
  return { bytes: zlib.gunzipSync(Buffer.concat(parts.map((p) => p.data))), parts: parts.length };
}
