// Independent check of every beacon node's identity in a rendered network of mixed clients, with
// js-libp2p's own key code (@libp2p/crypto, @libp2p/peer-id), the code Lodestar runs:
//   - each pod's raw secp256k1 key (the beacon node keys Secret, the bytes Lighthouse reads and the
//     other clients' init containers convert) gives, through libp2p, the peer id that the peer list
//     (the `beacon-peers` ConfigMap key every peering sidecar reads) names for that pod;
//   - each Lodestar pod's peer-id.json passes what Lodestar's createFromJSON checks
//     (packages/cli/src/config/peerId.ts at v1.39.1): the protobuf private key parses, the public
//     key is that key's, and the id is that key's peer id; and it is the same key as the raw one.
// Usage: node peer-ids.mjs RENDER.yaml   (exit 0 when every check passes, 1 otherwise)

import { privateKeyFromProtobuf, privateKeyFromRaw, publicKeyFromProtobuf } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey, peerIdFromString } from "@libp2p/peer-id";

import { readRender } from "./render.mjs";

const file = process.argv[2];
if (!file) {
  console.error("usage: node peer-ids.mjs RENDER.yaml");
  process.exit(2);
}
const { objects } = readRender(file);
const find = (kind, suffix) => {
  const found = objects.filter((o) => o.kind === kind && o.name.endsWith(suffix));
  if (found.length !== 1) throw new Error(`expected one ${kind} *${suffix}, found ${found.length}`);
  return found[0];
};

let failures = 0;
let checks = 0;
const check = (ok, what) => {
  checks++;
  if (!ok) {
    failures++;
    console.log(`FAIL ${what}`);
  }
};

const keys = find("Secret", "-beacon-nodekeys");
const peers = find("ConfigMap", "-geth-config").data.get("beacon-peers").toString("utf8");
let lodestar = 0;
for (const line of peers.trim().split("\n")) {
  const [pod, id] = line.split(" ");
  const raw = keys.data.get(pod);
  check(raw && raw.length === 32, `${pod}: a raw 32-byte key in ${keys.name}`);
  const key = privateKeyFromRaw(raw);
  check(key.type === "secp256k1", `${pod}: a secp256k1 key`);
  check(peerIdFromPrivateKey(key).toString() === id, `${pod}: the peer list names the peer id of its key (${id})`);
  const json = keys.data.get(`${pod}.peer-id.json`);
  if (json) {
    lodestar++;
    const obj = JSON.parse(json.toString("utf8"));
    // Lodestar's createFromJSON, step by step.
    const privateKey = privateKeyFromProtobuf(Buffer.from(obj.privKey, "base64"));
    const publicKey = publicKeyFromProtobuf(Buffer.from(obj.pubKey, "base64"));
    check(publicKey.equals(privateKey.publicKey), `${pod}: peer-id.json's pubKey is its privKey's`);
    check(peerIdFromString(obj.id).equals(peerIdFromPrivateKey(privateKey)), `${pod}: peer-id.json's id is its key's`);
    check(privateKey.equals(key), `${pod}: peer-id.json holds the same key as the raw one`);
  }
}
console.log(
  `${checks - failures}/${checks} checks passed over ${peers.trim().split("\n").length} beacon nodes ` +
    `(${lodestar} with a Lodestar peer-id.json)`,
);
if (lodestar === 0) {
  console.log("FAIL no Lodestar pod in the render: the peer-id.json checks did not run");
  failures++;
}
process.exit(failures ? 1 : 0);
