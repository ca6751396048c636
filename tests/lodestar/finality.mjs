#!/usr/bin/env node
// Drives a network rendered by ethwasm to finality with Lodestar's own consensus code.
//
// usage: node finality.mjs RENDER.yaml [--sign-fraction 1] [--epochs 5] [--el mock|ethereumjs]
//
// RENDER.yaml is the output of `ethwasm render --plugins secrets.wasm --plugins genesis.wasm ...`.
// From it, and nothing else, this script takes
//   - config.yaml (a ConfigMap key), read the way `lodestar beacon --paramsFile` reads it (js-yaml with
//     every scalar a string, chainConfigFromJson, createChainConfig, createChainForkConfig);
//   - genesis.ssz (the genesis.ssz.gz.part ConfigMaps joined in order, gunzipped), decoded with the
//     BeaconState type of the fork at its slot and made a CachedBeaconState with createCachedBeaconState,
//     as `--genesisStateFile` does;
//   - the EIP-2335 keystores (Secrets whose keys are 0x<pubkey>.json), each group opened with the one
//     validator client password (the Secret whose keys are signer-<c>) that decrypts it
//     (@chainsafe/bls-keystore, as `--importKeystores` does); every secret key's public key must be the
//     keystore's pubkey and a validator in the genesis state;
//   - with --el ethereumjs, genesis.json (a ConfigMap key), the genesis of a real EthereumJS client.
// It then plays every validator client: slot by slot the proposer of the slot (from the state's shuffling)
// signs a block carrying the aggregated attestations of the previous slot, the sync committee's aggregate,
// its RANDAO reveal, the state's eth1 data and an execution payload, and the block is imported with
// Lodestar's stateTransition with verifyStateRoot, verifyProposer and verifySignatures all true.
// A validator whose key is not among the signing ones (--sign-fraction < 1: only the first keys by
// validator index sign) neither proposes nor attests nor joins sync aggregates.
//
// Execution payloads: --el mock builds a payload consistent with the state (parent hash, block number,
// timestamp, prevRandao, the expected withdrawals) with a made-up block hash, and answers VALID; Lodestar's
// processExecutionPayload checks only that consistency (the EL's verdict comes from outside), so nothing
// executes it. --el ethereumjs (Electra only) runs @ethereumjs/client on the rendered genesis.json:
// engine_forkchoiceUpdatedV3 with payload attributes, engine_getPayloadV4, engine_newPayloadV4 (must be
// VALID), then a forkchoiceUpdatedV3 that moves the EL head; afterwards the EIP-4788, 2935, 7002 and 7251
// system contracts must answer, and the withdrawal address must hold exactly the withdrawn gwei.
// Self-checks, once per run: the same block with a wrong signature (proposer, RANDAO, attestation, sync
// aggregate), state root, payload parent hash/prevRandao/timestamp or an INVALID EL verdict must each be
// rejected by stateTransition; with EthereumJS, payloads with a wrong state root must not be VALID.
//
// Exit 0 when state.finalizedCheckpoint.epoch >= 2 within --epochs epochs of slots, 1 when it is not,
// 2 on a setup error (a missing or inconsistent artefact, a rejected block, an EL that says no).

import { spawn } from "node:child_process";
import { createHmac, createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { Keystore } from "@chainsafe/bls-keystore";
import { createBlock, genTransactionsTrieRoot, genWithdrawalsTrieRoot } from "@ethereumjs/block";
import { createCommonFromGethGenesis } from "@ethereumjs/common";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { createWithdrawal } from "@ethereumjs/util";
import { SecretKey, aggregateSignatures } from "@chainsafe/blst";
import { BitArray } from "@chainsafe/ssz";
import { chainConfigFromJson, createBeaconConfig, createChainConfig, createChainForkConfig } from "@lodestar/config";
import {
  ACTIVE_PRESET,
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_RANDAO,
  DOMAIN_SYNC_COMMITTEE,
  ForkSeq,
  MAX_ATTESTATIONS_ELECTRA,
  MAX_COMMITTEES_PER_SLOT,
  MIN_ATTESTATION_INCLUSION_DELAY,
  SLOTS_PER_EPOCH,
  SYNC_COMMITTEE_SIZE,
} from "@lodestar/params";
import {
  DataAvailabilityStatus,
  ExecutionPayloadStatus,
  G2_POINT_AT_INFINITY,
  computeEpochAtSlot,
  computeSigningRoot,
  computeStartSlotAtEpoch,
  computeTimeAtSlot,
  createCachedBeaconState,
  createPubkeyCache,
  getExpectedWithdrawals,
  getRandaoMix,
  processSlots,
  stateTransition,
} from "@lodestar/state-transition";
import { ssz } from "@lodestar/types";
import yaml from "js-yaml";

import { readRender, renderReader, yamlSchema } from "./render.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(1);
const log = (msg) => console.log(`[${secs().padStart(6)} s] ${msg}`);

class SetupError extends Error {}
const die = (msg) => {
  throw new SetupError(msg);
};

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const out = { render: null, signFraction: 1, epochs: 5, el: "mock", minFinalized: 2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) die(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--sign-fraction") out.signFraction = Number(value());
    else if (a === "--epochs") out.epochs = Number(value());
    else if (a === "--el") out.el = value();
    else if (a === "-h" || a === "--help") {
      console.log("usage: node finality.mjs RENDER.yaml [--sign-fraction 1] [--epochs 5] [--el mock|ethereumjs]");
      process.exit(0);
    } else if (a.startsWith("--")) die(`unknown option ${a}`);
    else if (out.render === null) out.render = a;
    else die(`unexpected argument ${a}`);
  }
  if (out.render === null) die("usage: node finality.mjs RENDER.yaml [--sign-fraction 1] [--epochs 5] [--el mock|ethereumjs]");
  if (!(out.signFraction >= 0 && out.signFraction <= 1)) die("--sign-fraction must be in [0, 1]");
  if (!(Number.isInteger(out.epochs) && out.epochs >= 1)) die("--epochs must be a positive integer");
  if (!["mock", "ethereumjs"].includes(out.el)) die("--el must be mock or ethereumjs");
  return out;
}

// ---------------------------------------------------------------- the render

const { theOne, genesisSsz } = renderReader(die);

// ---------------------------------------------------------------- small helpers

const hex = (b) => `0x${Buffer.from(b).toString("hex")}`;
const unhex = (s) => {
  if (typeof s !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(s)) die(`not hex bytes: ${s}`);
  return new Uint8Array(Buffer.from(s.slice(2), "hex"));
};
const qty = (n) => `0x${BigInt(n).toString(16)}`;
const short = (b) => `${hex(b).slice(0, 10)}…`;
const bytesEqual = (a, b) => Buffer.from(a).equals(Buffer.from(b));
const word = (n) => hex(Buffer.from(BigInt(n).toString(16).padStart(64, "0"), "hex"));

// ---------------------------------------------------------------- the chain

function loadChain(render) {
  const cfgObj = theOne(render, "ConfigMap", "config.yaml");
  const params = yaml.load(cfgObj.data.get("config.yaml").toString("utf8"), { schema: yamlSchema });
  if (params.PRESET_BASE && params.PRESET_BASE !== ACTIVE_PRESET) {
    die(`config.yaml PRESET_BASE ${params.PRESET_BASE}, Lodestar runs the ${ACTIVE_PRESET} preset (LODESTAR_PRESET)`);
  }
  const fromFile = chainConfigFromJson(params);
  const chainConfig = createChainConfig(fromFile);
  const unknown = Object.keys(params).filter((k) => !(k in fromFile));
  const config = createChainForkConfig(chainConfig);

  const { bytes, parts } = genesisSsz(render);
  // BeaconState starts with genesis_time (8 bytes), genesis_validators_root (32), slot (8).
  const stateSlot = Number(Buffer.from(bytes).readBigUInt64LE(40));
  const fork = config.getForkName(stateSlot);
  const view = config.getForkTypes(stateSlot).BeaconState.deserializeToViewDU(bytes);
  const beaconConfig = createBeaconConfig(chainConfig, view.genesisValidatorsRoot);
  const state = createCachedBeaconState(view, { config: beaconConfig, pubkeyCache: createPubkeyCache() });
  if (!bytesEqual(state.fork.currentVersion, config.getForkInfo(stateSlot).version)) {
    die(`genesis.ssz fork.current_version ${hex(state.fork.currentVersion)} != config.yaml's ${fork} version ${hex(config.getForkInfo(stateSlot).version)}`);
  }
  log(
    `config.yaml from ConfigMap ${cfgObj.name}: CONFIG_NAME ${chainConfig.CONFIG_NAME}, preset ${ACTIVE_PRESET}, ` +
      `slot ${chainConfig.SLOT_DURATION_MS} ms; genesis.ssz from ${parts} part(s): ${bytes.length} bytes, ` +
      `fork ${fork}, slot ${stateSlot}, ${state.validators.length} validators, genesis time ${state.genesisTime}`,
  );
  log(
    `config.yaml: ${Object.keys(params).length} keys, ${Object.keys(fromFile).length} taken by chainConfigFromJson` +
      (unknown.length ? `; not Lodestar 1.46 chain config keys (ignored, as lodestar does): ${unknown.join(" ")}` : ""),
  );
  return { config: beaconConfig, state, fork, params };
}

async function loadKeys(render, state) {
  // The validator client passwords: the Secret whose keys are all signer-<c>.
  const pwObjs = render.objects.filter(
    (o) => o.kind === "Secret" && o.data.size > 0 && [...o.data.keys()].every((k) => /^signer-\d+$/.test(k)),
  );
  if (pwObjs.length !== 1) die(`expected one Secret of signer-<c> passwords, found ${pwObjs.length}`);
  const passwords = [...pwObjs[0].data.entries()].map(([k, v]) => ({ client: k, password: v.toString("utf8") }));

  // Keystore Secrets, grouped by name without the trailing -<k> (one group per validator client).
  const groups = new Map();
  for (const o of render.objects) {
    if (o.kind !== "Secret") continue;
    const keys = [...o.data.keys()].filter((k) => /^0x[0-9a-f]{96}\.json$/.test(k));
    if (keys.length === 0) continue;
    const prefix = o.name.replace(/-\d+$/, "");
    if (!groups.has(prefix)) groups.set(prefix, []);
    for (const k of keys) groups.get(prefix).push({ secret: o.name, key: k, json: o.data.get(k).toString("utf8") });
  }
  if (groups.size === 0) die("no Secret holds 0x<pubkey>.json keystores");

  const byIndex = new Map();
  const registry = new Map();
  for (let i = 0; i < state.validators.length; i++) registry.set(hex(state.validators.getReadonly(i).pubkey), i);

  const kdfs = new Set();
  const usedClients = new Set();
  for (const [prefix, items] of groups) {
    const first = Keystore.parse(items[0].json);
    const owners = [];
    for (const p of passwords) if (await first.verifyPassword(p.password)) owners.push(p);
    if (owners.length !== 1) die(`keystores ${prefix}-*: opened by ${owners.length} client passwords, expected exactly 1`);
    const { client, password } = owners[0];
    if (usedClients.has(client)) die(`two keystore groups open with ${client}'s password`);
    usedClients.add(client);
    for (const item of items) {
      const ks = Keystore.parse(item.json);
      kdfs.add(`${ks.crypto.kdf.function} ${JSON.stringify({ ...ks.crypto.kdf.params, salt: undefined })}`);
      let secret;
      try {
        secret = await ks.decrypt(password);
      } catch (e) {
        die(`${item.secret}/${item.key}: does not decrypt with ${client}'s password: ${e.message}`);
      }
      const sk = SecretKey.fromBytes(secret);
      const pk = hex(sk.toPublicKey().toBytes());
      if (pk !== `0x${ks.pubkey}`) die(`${item.secret}/${item.key}: secret's public key ${pk} != keystore pubkey 0x${ks.pubkey}`);
      if (item.key !== `${pk}.json`) die(`${item.secret}/${item.key}: key name does not match pubkey ${pk}`);
      const index = registry.get(pk);
      if (index === undefined) die(`${item.secret}/${item.key}: pubkey ${pk} is not in the genesis validator registry`);
      if (byIndex.has(index)) die(`validator ${index} has two keystores`);
      byIndex.set(index, { sk, client });
    }
    log(`keystores ${prefix}-*: ${items.length}, opened with ${client}'s password`);
  }
  const missing = [...registry.values()].filter((i) => !byIndex.has(i));
  if (missing.length > 0) die(`validators without a keystore: ${missing.slice(0, 10)}${missing.length > 10 ? "…" : ""}`);
  log(
    `${byIndex.size} keystores in ${groups.size} groups (${passwords.length} client passwords), KDF ${[...kdfs].join("; ")}: ` +
      "every secret's public key is its keystore's pubkey and a genesis validator",
  );
  return byIndex;
}

// ---------------------------------------------------------------- execution layers

/** Lodestar's processExecutionPayload checks the payload against the state only (parent hash, prevRandao,
 * timestamp, blob count); whether the payload is valid comes from the EL. This EL executes nothing: it
 * builds a payload consistent with the state, with a made-up block hash, and answers VALID. */
class MockEl {
  name = "mock EL";
  async start() {}
  async stop() {}
  async buildPayload({ slot, parentHeader, prevRandao, timestamp, withdrawals, feeRecipient }) {
    const blockHash = createHash("sha256")
      .update("ethwasm-lodestar-mock-el")
      .update(parentHeader.blockHash)
      .update(String(slot))
      .digest();
    const payload = {
      parentHash: parentHeader.blockHash,
      feeRecipient,
      stateRoot: parentHeader.stateRoot,
      receiptsRoot: unhex("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"), // empty trie
      logsBloom: new Uint8Array(256),
      prevRandao,
      blockNumber: parentHeader.blockNumber + 1,
      gasLimit: parentHeader.gasLimit,
      gasUsed: 0,
      timestamp,
      extraData: new Uint8Array(Buffer.from("mock-el")),
      baseFeePerGas: parentHeader.baseFeePerGas,
      blockHash: new Uint8Array(blockHash),
      transactions: [],
      withdrawals,
      blobGasUsed: 0n,
      excessBlobGas: parentHeader.excessBlobGas,
    };
    return { payload, executionRequests: { deposits: [], withdrawals: [], consolidations: [] } };
  }
  async newPayload() {
    return "VALID";
  }
  async forkchoice() {}
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** @ethereumjs/client as a separate process: the rendered genesis.json, the engine API behind a JWT. */
class EthereumJsEl {
  name = "EthereumJS";
  constructor(genesisJson) {
    this.genesisJson = genesisJson;
    this.rpcCalls = 0;
  }

  async start() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "ethwasm-ethereumjs-"));
    fs.writeFileSync(path.join(this.dir, "genesis.json"), this.genesisJson);
    this.jwt = randomBytes(32);
    fs.writeFileSync(path.join(this.dir, "jwt.hex"), this.jwt.toString("hex"));
    this.enginePort = await freePort();
    this.rpcPort = await freePort();
    const p2pPort = await freePort();
    const cli = path.join(HERE, "node_modules/@ethereumjs/client/dist/esm/bin/cli.js");
    const args = [
      cli,
      "--gethGenesis", path.join(this.dir, "genesis.json"),
      "--dataDir", path.join(this.dir, "data"),
      "--isSingleNode",
      "--maxPeers", "0",
      "--discV4", "false",
      "--discDns", "false",
      "--port", String(p2pPort),
      "--rpc", "--rpcAddr", "127.0.0.1", "--rpcPort", String(this.rpcPort),
      "--rpcEngine", "--rpcEngineAddr", "127.0.0.1", "--rpcEnginePort", String(this.enginePort),
      "--rpcEngineAuth", "true", "--jwtSecret", path.join(this.dir, "jwt.hex"),
      "--logLevel", "warn",
      // No rotating log file (`--logFile false` would name one "false" in the working directory).
      "--no-logFile",
    ];
    this.logPath = path.join(this.dir, "ethereumjs.log");
    const out = fs.openSync(this.logPath, "w");
    this.child = spawn(process.execPath, args, { cwd: this.dir, stdio: ["ignore", out, out] });
    this.exited = null;
    this.child.on("exit", (code, signal) => {
      this.exited = `exited (code ${code}, signal ${signal})`;
    });
    log(`EthereumJS: pid ${this.child.pid}, engine 127.0.0.1:${this.enginePort} (JWT), rpc 127.0.0.1:${this.rpcPort}, log ${this.logPath}`);
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (this.exited) die(`EthereumJS ${this.exited} during start-up; log:\n${this.logTail()}`);
      try {
        await this.rpc("eth_chainId", []);
        break;
      } catch (e) {
        if (Date.now() > deadline) die(`EthereumJS did not answer on its RPC port within 90 s; log:\n${this.logTail()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const chainId = Number(await this.rpc("eth_chainId", []));
    const genesis = await this.rpc("eth_getBlockByNumber", ["0x0", false]);
    log(`EthereumJS up: chainId ${chainId}, genesis block ${genesis.hash}`);
    return { chainId, genesisHash: genesis.hash };
  }

  logTail() {
    try {
      return fs.readFileSync(this.logPath, "utf8").split("\n").slice(-40).join("\n");
    } catch {
      return "(no log)";
    }
  }

  async stop(keep) {
    if (this.child && !this.exited) {
      // EthereumJS's SIGTERM handler closes the client; it may take longer than this test wants to wait
      // for a throw-away data directory, so SIGKILL follows after 2 s.
      const exited = new Promise((r) => (this.exited ? r() : this.child.once("exit", r)));
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 2000);
      await exited;
      clearTimeout(timer);
    }
    if (this.dir && !keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  jwtToken() {
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const body = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ iat: Math.floor(Date.now() / 1000) })}`;
    return `${body}.${createHmac("sha256", this.jwt).update(body).digest("base64url")}`;
  }

  async call(port, method, params, auth) {
    this.rpcCalls++;
    const headers = { "content-type": "application/json" };
    if (auth) headers.authorization = `Bearer ${this.jwtToken()}`;
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id: this.rpcCalls, method, params }),
    });
    const text = await res.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${method}: HTTP ${res.status} ${text.slice(0, 200)}`);
    }
    if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
    return body.result;
  }

  rpc(method, params) {
    return this.call(this.rpcPort, method, params, false);
  }

  engine(method, params) {
    return this.call(this.enginePort, method, params, true);
  }

  forkchoiceState(head, safe, finalized) {
    return { headBlockHash: hex(head), safeBlockHash: hex(safe), finalizedBlockHash: hex(finalized) };
  }

  async buildPayload({ parentHeader, prevRandao, timestamp, withdrawals, feeRecipient, parentBeaconBlockRoot, safe, finalized }) {
    const attrs = {
      timestamp: qty(timestamp),
      prevRandao: hex(prevRandao),
      suggestedFeeRecipient: hex(feeRecipient),
      withdrawals: withdrawals.map(withdrawalToJson),
      parentBeaconBlockRoot: hex(parentBeaconBlockRoot),
    };
    const fcu = await this.engine("engine_forkchoiceUpdatedV3", [
      this.forkchoiceState(parentHeader.blockHash, safe, finalized),
      attrs,
    ]);
    if (fcu.payloadStatus.status !== "VALID") {
      die(`engine_forkchoiceUpdatedV3 to ${short(parentHeader.blockHash)}: ${JSON.stringify(fcu.payloadStatus)}`);
    }
    if (!fcu.payloadId) die(`engine_forkchoiceUpdatedV3 gave no payloadId: ${JSON.stringify(fcu)}`);
    const got = await this.engine("engine_getPayloadV4", [fcu.payloadId]);
    const payload = payloadFromJson(got.executionPayload);
    this.lastRequests = got.executionRequests;
    return { payload, executionRequests: executionRequestsFromJson(got.executionRequests) };
  }

  async newPayload(payload, parentBeaconBlockRoot) {
    if (!this.selfChecked) {
      await this.selfCheck(payload, parentBeaconBlockRoot);
      this.selfChecked = true;
    }
    const res = await this.engine("engine_newPayloadV4", [
      payloadToJson(payload),
      [],
      hex(parentBeaconBlockRoot),
      this.lastRequests ?? [],
    ]);
    if (res.status !== "VALID") die(`engine_newPayloadV4 ${short(payload.blockHash)}: ${JSON.stringify(res)}`);
    return res.status;
  }

  /** The execution block hash of an engine API payload (EIP-7685 requests hash, EIP-4788 parent root),
   * computed with @ethereumjs/block for the rendered genesis.json's chain. */
  async blockHash(json, parentBeaconBlockRoot, requests) {
    this.common ??= createCommonFromGethGenesis(JSON.parse(this.genesisJson), { chain: "ethwasm" });
    const common = this.common.copy();
    common.setHardforkBy({ blockNumber: BigInt(json.blockNumber), timestamp: BigInt(json.timestamp) });
    const withdrawals = json.withdrawals.map((w) => createWithdrawal(w));
    const sha = (b) => createHash("sha256").update(b).digest();
    const header = {
      ...json,
      number: json.blockNumber,
      coinbase: json.feeRecipient,
      mixHash: json.prevRandao,
      receiptTrie: json.receiptsRoot,
      transactionsTrie: await genTransactionsTrieRoot([], new MerklePatriciaTrie({ common })),
      withdrawalsRoot: await genWithdrawalsTrieRoot(withdrawals, new MerklePatriciaTrie({ common })),
      parentBeaconBlockRoot: hex(parentBeaconBlockRoot),
      requestsHash: hex(sha(Buffer.concat(requests.map((r) => sha(unhex(r)))))),
    };
    if (json.transactions.length > 0) die("self-check: the payload has transactions (not expected here)");
    return createBlock({ header, withdrawals }, { common }).hash();
  }

  /** Once: the EL must recompute the block hash and re-execute the payload. */
  async selfCheck(payload, parentBeaconBlockRoot) {
    const requests = this.lastRequests ?? [];
    const good = payloadToJson(payload);
    const recomputed = await this.blockHash(good, parentBeaconBlockRoot, requests);
    if (!bytesEqual(recomputed, payload.blockHash)) {
      die(`self-check: @ethereumjs/block hashes payload ${good.blockNumber} to ${hex(recomputed)}, the EL built ${good.blockHash}`);
    }
    const results = [];
    // (1) Another state root, block hash kept: the EL must notice the hash no longer matches.
    // (2) Another state root with the block hash recomputed for it: only executing the block shows it is wrong.
    const badHash = { ...good, stateRoot: `0x${"11".repeat(32)}` };
    const badState = { ...badHash, blockHash: hex(await this.blockHash(badHash, parentBeaconBlockRoot, requests)) };
    for (const [name, bad] of [["wrong state root, stale block hash", badHash], ["wrong state root, matching block hash", badState]]) {
      const res = await this.engine("engine_newPayloadV4", [bad, [], hex(parentBeaconBlockRoot), requests]);
      if (res.status === "VALID") die(`self-check: EthereumJS said VALID to a payload with a ${name}`);
      results.push(`${name}: ${res.status} (${String(res.validationError).replace(/\s+/g, " ").slice(0, 110)})`);
    }
    log(`self-check: @ethereumjs/block recomputes the EL's block hash ${short(payload.blockHash)}; engine_newPayloadV4 with a ${results.join("; ")}`);
  }

  async forkchoice(head, safe, finalized) {
    const fcu = await this.engine("engine_forkchoiceUpdatedV3", [this.forkchoiceState(head, safe, finalized), null]);
    if (fcu.payloadStatus.status !== "VALID") die(`engine_forkchoiceUpdatedV3 to ${short(head)}: ${JSON.stringify(fcu.payloadStatus)}`);
  }
}

function withdrawalToJson(w) {
  return { index: qty(w.index), validatorIndex: qty(w.validatorIndex), address: hex(w.address), amount: qty(w.amount) };
}

function payloadToJson(p) {
  return {
    parentHash: hex(p.parentHash),
    feeRecipient: hex(p.feeRecipient),
    stateRoot: hex(p.stateRoot),
    receiptsRoot: hex(p.receiptsRoot),
    logsBloom: hex(p.logsBloom),
    prevRandao: hex(p.prevRandao),
    blockNumber: qty(p.blockNumber),
    gasLimit: qty(p.gasLimit),
    gasUsed: qty(p.gasUsed),
    timestamp: qty(p.timestamp),
    extraData: hex(p.extraData),
    baseFeePerGas: qty(p.baseFeePerGas),
    blockHash: hex(p.blockHash),
    transactions: p.transactions.map(hex),
    withdrawals: p.withdrawals.map(withdrawalToJson),
    blobGasUsed: qty(p.blobGasUsed),
    excessBlobGas: qty(p.excessBlobGas),
  };
}

function payloadFromJson(j) {
  return {
    parentHash: unhex(j.parentHash),
    feeRecipient: unhex(j.feeRecipient),
    stateRoot: unhex(j.stateRoot),
    receiptsRoot: unhex(j.receiptsRoot),
    logsBloom: unhex(j.logsBloom),
    prevRandao: unhex(j.prevRandao),
    blockNumber: Number(j.blockNumber),
    gasLimit: Number(j.gasLimit),
    gasUsed: Number(j.gasUsed),
    timestamp: Number(j.timestamp),
    extraData: unhex(j.extraData),
    baseFeePerGas: BigInt(j.baseFeePerGas),
    blockHash: unhex(j.blockHash),
    transactions: j.transactions.map(unhex),
    withdrawals: j.withdrawals.map((w) => ({
      index: Number(w.index),
      validatorIndex: Number(w.validatorIndex),
      address: unhex(w.address),
      amount: BigInt(w.amount),
    })),
    blobGasUsed: BigInt(j.blobGasUsed),
    excessBlobGas: BigInt(j.excessBlobGas),
  };
}

/** EIP-7685 requests (type byte ‖ SSZ list) as Lodestar's ExecutionRequests. */
function executionRequestsFromJson(list) {
  const out = { deposits: [], withdrawals: [], consolidations: [] };
  const types = [
    ["deposits", ssz.electra.DepositRequests],
    ["withdrawals", ssz.electra.WithdrawalRequests],
    ["consolidations", ssz.electra.ConsolidationRequests],
  ];
  for (const item of list ?? []) {
    const b = unhex(item);
    const t = types[b[0]];
    if (!t) die(`unknown execution request type ${b[0]}`);
    out[t[0]] = t[1].deserialize(b.subarray(1));
  }
  return out;
}

/** EIP-7002/7251 fee: fake_exponential(1, excess, 17). */
function fakeExponential(factor, numerator, denominator) {
  let i = 1n;
  let output = 0n;
  let acc = factor * denominator;
  while (acc > 0n) {
    output += acc;
    acc = (acc * numerator) / (denominator * i);
    i++;
  }
  return output / denominator;
}

// ---------------------------------------------------------------- the validators

class Validators {
  constructor(config, keys, signFraction) {
    this.config = config;
    this.keys = keys;
    const indices = [...keys.keys()].sort((a, b) => a - b);
    this.signing = new Set(indices.slice(0, Math.floor(indices.length * signFraction)));
  }
  signs(index) {
    return this.signing.has(index);
  }
  sign(index, root) {
    return this.keys.get(index).sk.sign(root);
  }
}

function blockRootOfHeader(header, stateRoot) {
  return ssz.phase0.BeaconBlockHeader.hashTreeRoot({ ...header, stateRoot });
}

/** The signing validators' attestations for `slot`, one aggregate per committee, combined on chain
 * (Electra: one Attestation with committee_bits). `st` is the head state at `slot`. */
function attest(vals, st, slot, headRoot, targetRoot, stats) {
  const epoch = computeEpochAtSlot(slot);
  const data = {
    slot,
    index: 0,
    beaconBlockRoot: headRoot,
    source: { epoch: st.currentJustifiedCheckpoint.epoch, root: st.currentJustifiedCheckpoint.root },
    target: { epoch, root: targetRoot },
  };
  const domain = vals.config.getDomain(st.slot, DOMAIN_BEACON_ATTESTER, computeStartSlotAtEpoch(epoch));
  const signingRoot = computeSigningRoot(ssz.phase0.AttestationData, data, domain);
  const committees = st.epochCtx.getCommitteeCountPerSlot(epoch);
  const committeeBits = BitArray.fromBitLen(MAX_COMMITTEES_PER_SLOT);
  const bits = [];
  const aggregates = [];
  for (let c = 0; c < committees; c++) {
    const members = st.epochCtx.getBeaconCommittee(slot, c);
    const signers = [...members].map((v) => vals.signs(v));
    if (!signers.some(Boolean)) continue;
    // The committee's aggregate (what an aggregator gossips), then the on-chain combination.
    const sigs = [...members].filter((v) => vals.signs(v)).map((v) => vals.sign(v, signingRoot));
    aggregates.push(aggregateSignatures(sigs));
    committeeBits.set(c, true);
    bits.push(...signers);
    stats.votes += sigs.length;
  }
  if (aggregates.length === 0) return null;
  return {
    aggregationBits: BitArray.fromBoolArray(bits),
    data,
    signature: aggregateSignatures(aggregates).toBytes(),
    committeeBits,
  };
}

function syncAggregate(vals, st, slot, parentRoot) {
  const committee = st.epochCtx.currentSyncCommitteeIndexed.validatorIndices;
  const domain = vals.config.getDomain(slot, DOMAIN_SYNC_COMMITTEE, Math.max(slot, 1) - 1);
  const signingRoot = computeSigningRoot(ssz.Root, parentRoot, domain);
  const bits = BitArray.fromBitLen(SYNC_COMMITTEE_SIZE);
  const bySigner = new Map();
  const sigs = [];
  for (let i = 0; i < SYNC_COMMITTEE_SIZE; i++) {
    const v = committee[i];
    if (!vals.signs(v)) continue;
    if (!bySigner.has(v)) bySigner.set(v, vals.sign(v, signingRoot));
    sigs.push(bySigner.get(v));
    bits.set(i, true);
  }
  return {
    syncCommitteeBits: bits,
    syncCommitteeSignature: sigs.length > 0 ? aggregateSignatures(sigs).toBytes() : G2_POINT_AT_INFINITY,
    participants: sigs.length,
  };
}

// ---------------------------------------------------------------- main

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const render = readRender(args.render);
  log(`${args.render}: ${render.docs} objects`);
  const { config, state: genesis, fork } = loadChain(render);
  const forkSeq = ForkSeq[fork];
  if (forkSeq < ForkSeq.electra || forkSeq >= ForkSeq.gloas) die(`genesis fork ${fork}: this driver builds Electra/Fulu blocks`);
  const keys = await loadKeys(render, genesis);
  const vals = new Validators(config, keys, args.signFraction);
  log(`signing validators: ${vals.signing.size} of ${keys.size} (--sign-fraction ${args.signFraction})`);

  // The execution layer.
  let el;
  const genesisEl = genesis.latestExecutionPayloadHeader;
  if (args.el === "ethereumjs") {
    if (fork !== "electra") die(`--el ethereumjs needs an Electra genesis (EthereumJS 0.10.5 rejects Fulu's BPO blobSchedule); this is ${fork}`);
    const gj = theOne(render, "ConfigMap", "genesis.json");
    el = new EthereumJsEl(gj.data.get("genesis.json").toString("utf8"));
    log(`genesis.json from ConfigMap ${gj.name}`);
  } else {
    el = new MockEl();
  }
  let result;
  try {
    if (args.el === "ethereumjs") {
      const { chainId, genesisHash } = await el.start();
      if (genesisHash !== hex(genesisEl.blockHash)) {
        die(`EthereumJS's genesis block ${genesisHash} != genesis.ssz latest_execution_payload_header.block_hash ${hex(genesisEl.blockHash)}`);
      }
      if (BigInt(chainId) !== BigInt(config.DEPOSIT_CHAIN_ID)) die(`EL chainId ${chainId} != DEPOSIT_CHAIN_ID ${config.DEPOSIT_CHAIN_ID}`);
      log("EthereumJS genesis block hash = genesis.ssz's execution payload header block hash");
    }
    result = await run(args, config, genesis, vals, el);
    if (args.el === "ethereumjs") await checkSystemContracts(el, theOne(render, "ConfigMap", "genesis.json"));
  } catch (e) {
    if (el instanceof EthereumJsEl) console.error(`EthereumJS log (last lines, ${el.logPath}):\n${el.logTail()}`);
    await el.stop(true);
    throw e;
  }
  await el.stop(false);
  console.log(result.line);
  return result.finalized;
}

async function run(args, config, genesis, vals, el) {
  const feeRecipient = unhex("0x00000000000000000000000000000000000fee01");
  const genesisRoot = blockRootOfHeader(genesis.latestBlockHeader.toValue(), genesis.hashTreeRoot());
  const lastSlot = args.epochs * SLOTS_PER_EPOCH;
  const elHashOf = new Map([[hex(genesisRoot), genesis.latestExecutionPayloadHeader.blockHash]]);
  // rootAt[s]: the head block root at slot s (the last block at or before s).
  const rootAt = [genesisRoot];
  let head = genesis;
  let headRoot = genesisRoot;
  const pool = [];
  const stats = { blocks: 0, missed: 0, attestations: 0, votes: 0, syncBits: 0, withdrawals: 0, withdrawnGwei: 0n };
  const elPayloads = [];
  const withdrawnBy = new Map();

  const targetRoot = (slot) => rootAt[computeStartSlotAtEpoch(computeEpochAtSlot(slot))];
  const addAttestation = (st, slot) => {
    const a = attest(vals, st, slot, rootAt[slot], targetRoot(slot), stats);
    if (a) pool.push(a);
  };
  const elHash = (cp) => elHashOf.get(hex(cp.root)) ?? new Uint8Array(32);

  addAttestation(genesis, 0);
  let finalizedAt = null;
  let selfChecked = false;
  for (let slot = 1; slot <= lastSlot; slot++) {
    const st = processSlots(head, slot);
    const epoch = computeEpochAtSlot(slot);
    const proposer = st.epochCtx.getBeaconProposer(slot);

    if (vals.signs(proposer)) {
      const types = config.getForkTypes(slot);
      // Attestations from the pool that may go into this block (inclusion delay, target epoch current or
      // previous), oldest first, at most MAX_ATTESTATIONS_ELECTRA.
      const include = [];
      for (let i = 0; i < pool.length && include.length < MAX_ATTESTATIONS_ELECTRA; ) {
        const a = pool[i];
        if (a.data.target.epoch + 1 < epoch) pool.splice(i, 1);
        else if (a.data.slot + MIN_ATTESTATION_INCLUSION_DELAY <= slot) include.push(...pool.splice(i, 1));
        else i++;
      }
      const sync = syncAggregate(vals, st, slot, headRoot);
      const randaoReveal = vals
        .sign(proposer, computeSigningRoot(ssz.Epoch, epoch, config.getDomain(slot, DOMAIN_RANDAO, slot)))
        .toBytes();
      const parentHeader = st.latestExecutionPayloadHeader.toValue();
      const { expectedWithdrawals } = getExpectedWithdrawals(ForkSeq[config.getForkName(slot)], st);
      const { payload, executionRequests } = await el.buildPayload({
        slot,
        parentHeader,
        prevRandao: getRandaoMix(st, epoch),
        timestamp: computeTimeAtSlot(config, slot, st.genesisTime),
        withdrawals: expectedWithdrawals,
        feeRecipient,
        parentBeaconBlockRoot: headRoot,
        safe: elHash(head.currentJustifiedCheckpoint),
        finalized: elHash(head.finalizedCheckpoint),
      });

      const block = types.BeaconBlock.defaultValue();
      block.slot = slot;
      block.proposerIndex = proposer;
      block.parentRoot = headRoot;
      block.body.randaoReveal = randaoReveal;
      block.body.eth1Data = st.eth1Data.toValue();
      block.body.graffiti = new Uint8Array(32);
      block.body.attestations = include;
      block.body.syncAggregate = { syncCommitteeBits: sync.syncCommitteeBits, syncCommitteeSignature: sync.syncCommitteeSignature };
      block.body.executionPayload = payload;
      block.body.executionRequests = executionRequests;
      const externalData = {
        executionPayloadStatus: ExecutionPayloadStatus.valid,
        dataAvailabilityStatus: DataAvailabilityStatus.Available,
      };
      // The state root from a dry run, then the signed block through the checked state transition.
      const dry = stateTransition(head, { message: block, signature: new Uint8Array(96) }, {
        ...externalData,
        verifyStateRoot: false,
        verifyProposer: false,
        verifySignatures: false,
      });
      block.stateRoot = dry.hashTreeRoot();
      const blockRoot = types.BeaconBlock.hashTreeRoot(block);
      const signBlock = (b) =>
        vals.sign(proposer, computeSigningRoot(types.BeaconBlock, b, config.getDomain(slot, DOMAIN_BEACON_PROPOSER, slot))).toBytes();
      const signature = signBlock(block);
      if (!selfChecked && include.length > 0 && sync.participants > 0) {
        selfCheck(head, block, signature, signBlock, types, externalData, vals.sign(proposer, new Uint8Array(32)).toBytes());
        selfChecked = true;
      }
      // The EL's verdict on the payload, then the import.
      const status = await el.newPayload(payload, headRoot);
      externalData.executionPayloadStatus = status === "VALID" ? ExecutionPayloadStatus.valid : ExecutionPayloadStatus.invalid;
      let post;
      try {
        post = stateTransition(head, { message: block, signature }, {
          ...externalData,
          verifyStateRoot: true,
          verifyProposer: true,
          verifySignatures: true,
        });
      } catch (e) {
        die(`slot ${slot}: Lodestar's stateTransition rejected the block: ${e.message}`);
      }
      head = post;
      headRoot = blockRoot;
      elHashOf.set(hex(blockRoot), payload.blockHash);
      stats.blocks++;
      stats.attestations += include.length;
      stats.syncBits += sync.participants;
      stats.withdrawals += payload.withdrawals.length;
      for (const w of payload.withdrawals) {
        stats.withdrawnGwei += BigInt(w.amount);
        const a = hex(w.address);
        withdrawnBy.set(a, (withdrawnBy.get(a) ?? 0n) + BigInt(w.amount));
      }
      elPayloads.push({ number: payload.blockNumber, hash: payload.blockHash, timestamp: payload.timestamp, parentBeaconBlockRoot: block.parentRoot });
      await el.forkchoice(payload.blockHash, elHash(head.currentJustifiedCheckpoint), elHash(head.finalizedCheckpoint));
      rootAt[slot] = blockRoot;
      addAttestation(head, slot);
    } else {
      // An offline proposer: the slot stays empty; the online attesters still vote for the head.
      stats.missed++;
      head = st;
      rootAt[slot] = headRoot;
      addAttestation(st, slot);
    }

    const cur = head;
    if ((slot + 1) % SLOTS_PER_EPOCH === 0 || cur.finalizedCheckpoint.epoch >= args.minFinalized) {
      const elHead = el instanceof EthereumJsEl ? `; EL head ${Number(await el.rpc("eth_blockNumber", []))}` : "";
      log(
        `slot ${String(slot).padStart(4)} epoch ${epoch}: justified ${cur.currentJustifiedCheckpoint.epoch}, ` +
          `finalized ${cur.finalizedCheckpoint.epoch}; ${stats.blocks} blocks, ${stats.missed} empty slots, ` +
          `${stats.attestations} attestations; ${participationPct(cur)}${elHead}`,
      );
    }
    if (cur.finalizedCheckpoint.epoch >= args.minFinalized) {
      finalizedAt = slot;
      break;
    }
  }

  const fin = head.finalizedCheckpoint;
  log(
    `${stats.blocks} blocks imported by stateTransition (verifyStateRoot, verifyProposer, verifySignatures); ` +
      `${stats.votes} attestation signatures in ${stats.attestations} on-chain attestations, ` +
      `${stats.syncBits} sync committee bits, ${stats.withdrawals} withdrawals (${stats.withdrawnGwei} gwei) in ${el.name} payloads`,
  );
  if (el instanceof EthereumJsEl) {
    const latest = await el.rpc("eth_getBlockByNumber", ["latest", false]);
    const last = elPayloads.at(-1);
    if (latest.hash !== hex(last.hash) || Number(latest.number) !== last.number) {
      die(`EthereumJS head ${latest.number} ${latest.hash} != the last payload ${last.number} ${hex(last.hash)}`);
    }
    log(`EthereumJS head: block ${Number(latest.number)} ${latest.hash} = the last payload (every engine_newPayloadV4 VALID)`);
    el.payloads = elPayloads;
    el.withdrawnBy = withdrawnBy;
    el.withdrawals = stats.withdrawals;
  }
  if (finalizedAt !== null) {
    return {
      finalized: true,
      line: `finalized epoch ${fin.epoch} at slot ${finalizedAt} (${stats.blocks} blocks, ${stats.attestations} attestations)`,
    };
  }
  return {
    finalized: false,
    line:
      `not finalized: finalized epoch ${fin.epoch}, justified ${head.currentJustifiedCheckpoint.epoch} after ${lastSlot} slots ` +
      `(${stats.blocks} blocks, ${stats.attestations} attestations)`,
  };
}

/** Once, on a real block: the same block with one signature replaced by a valid BLS signature of another
 * message (re-signed by the proposer where the proposer signature covers the change), or with a wrong state
 * root, must each be rejected by the state transition: the verify flags are not decoration. */
function selfCheck(head, block, signature, signBlock, types, externalData, wrongSig) {
  const opts = { ...externalData, verifyStateRoot: true, verifyProposer: true, verifySignatures: true };
  const variants = {
    "proposer signature": () => ({ message: block, signature: wrongSig }),
    "RANDAO reveal": () => {
      const b = types.BeaconBlock.clone(block);
      b.body.randaoReveal = wrongSig;
      return { message: b, signature: signBlock(b) };
    },
    "attestation signature": () => {
      const b = types.BeaconBlock.clone(block);
      b.body.attestations[0].signature = wrongSig;
      return { message: b, signature: signBlock(b) };
    },
    "sync aggregate signature": () => {
      const b = types.BeaconBlock.clone(block);
      b.body.syncAggregate.syncCommitteeSignature = wrongSig;
      return { message: b, signature: signBlock(b) };
    },
    "state root": () => {
      const b = types.BeaconBlock.clone(block);
      b.stateRoot = Uint8Array.from(block.stateRoot);
      b.stateRoot[0] ^= 1;
      return { message: b, signature: signBlock(b) };
    },
    "execution payload parent hash": () => {
      const b = types.BeaconBlock.clone(block);
      b.body.executionPayload.parentHash = Uint8Array.from(block.body.executionPayload.parentHash);
      b.body.executionPayload.parentHash[0] ^= 1;
      return { message: b, signature: signBlock(b) };
    },
    "execution payload prevRandao": () => {
      const b = types.BeaconBlock.clone(block);
      b.body.executionPayload.prevRandao = Uint8Array.from(block.body.executionPayload.prevRandao);
      b.body.executionPayload.prevRandao[0] ^= 1;
      return { message: b, signature: signBlock(b) };
    },
    "execution payload timestamp": () => {
      const b = types.BeaconBlock.clone(block);
      b.body.executionPayload.timestamp += 1;
      return { message: b, signature: signBlock(b) };
    },
    "EL verdict (INVALID)": () => ({ message: block, signature, invalid: true }),
  };
  const why = [];
  for (const [name, make] of Object.entries(variants)) {
    try {
      const v = make();
      stateTransition(head, v, v.invalid ? { ...opts, executionPayloadStatus: ExecutionPayloadStatus.invalid } : opts);
    } catch (e) {
      why.push(`${name} ("${e.message.slice(0, 40)}")`);
      continue;
    }
    die(`self-check: a block with a wrong ${name} passed stateTransition`);
  }
  // The untouched block still passes (the variants did not share state with it).
  stateTransition(head, { message: block, signature }, opts);
  log(`self-check at slot ${block.slot}: stateTransition rejects the block with a wrong ${why.join(", ")}`);
}

/** Share of the active balance with the timely-target flag in the state's epoch so far (at the epoch's first
 * slot, after the epoch transition: in the epoch before). */
function participationPct(st) {
  const first = st.slot % SLOTS_PER_EPOCH === 0;
  const flags = (first ? st.previousEpochParticipation : st.currentEpochParticipation).getAll();
  const TIMELY_TARGET = 1 << 1;
  let hit = 0;
  let total = 0;
  for (let i = 0; i < flags.length; i++) {
    const b = st.epochCtx.effectiveBalanceIncrements[i];
    total += b;
    if (flags[i] & TIMELY_TARGET) hit += b;
  }
  const epoch = computeEpochAtSlot(st.slot) - (first ? 1 : 0);
  return `epoch ${epoch} target votes so far ${total > 0 ? ((100 * hit) / total).toFixed(0) : 0}% of stake`;
}

async function checkSystemContracts(el, genesisObj) {
  const genesis = JSON.parse(genesisObj.data.get("genesis.json").toString("utf8"));
  const alloc = Object.fromEntries(Object.entries(genesis.alloc ?? {}).map(([k, v]) => [k.toLowerCase().replace(/^(?!0x)/, "0x"), v]));
  const contracts = {
    "EIP-4788 beacon roots": "0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02",
    "EIP-2935 history": "0x0000F90827F1C53a10cb7A02335B175320002935",
    "EIP-7002 withdrawal requests": "0x00000961Ef480Eb55e80D19ad83579A64c007002",
    "EIP-7251 consolidation requests": "0x0000BBdDc7CE488642fb579F8B00f3a590007251",
  };
  for (const [name, address] of Object.entries(contracts)) {
    const entry = alloc[address.toLowerCase()];
    if (!entry?.code || entry.code === "0x") die(`${name} ${address}: not in genesis.json alloc with code`);
    const code = await el.rpc("eth_getCode", [address, "latest"]);
    if (code.toLowerCase() !== entry.code.toLowerCase()) die(`${name} ${address}: EL code differs from genesis.json alloc`);
  }
  log("system contracts: all four in genesis.json alloc with code, and eth_getCode returns that code");

  const last = el.payloads.at(-1);
  // EIP-4788: get(timestamp) returns the parent beacon block root of the block with that timestamp.
  const beaconRoots = contracts["EIP-4788 beacon roots"];
  const got4788 = await el.rpc("eth_call", [{ to: beaconRoots, data: word(last.timestamp) }, "latest"]);
  if (got4788 !== hex(last.parentBeaconBlockRoot)) {
    die(`EIP-4788 get(${last.timestamp}) = ${got4788}, expected the parent beacon root ${hex(last.parentBeaconBlockRoot)}`);
  }
  const ring = BigInt(last.timestamp) % 8191n;
  const sTs = await el.rpc("eth_getStorageAt", [beaconRoots, qty(ring), "latest"]);
  const sRoot = await el.rpc("eth_getStorageAt", [beaconRoots, qty(ring + 8191n), "latest"]);
  if (BigInt(sTs) !== BigInt(last.timestamp) || BigInt(sRoot) !== BigInt(hex(last.parentBeaconBlockRoot))) {
    die(`EIP-4788 storage at ${ring}/${ring + 8191n}: ${sTs} ${sRoot}`);
  }
  log(`EIP-4788: eth_call get(${last.timestamp}) = ${short(unhex(got4788))} = block ${last.number}'s parent beacon root (storage agrees)`);

  // EIP-2935: get(n) returns the hash of block n (n < current block number).
  const history = contracts["EIP-2935 history"];
  const prev = el.payloads.at(-2);
  const got2935 = await el.rpc("eth_call", [{ to: history, data: word(prev.number) }, "latest"]);
  if (got2935 !== hex(prev.hash)) die(`EIP-2935 get(${prev.number}) = ${got2935}, expected ${hex(prev.hash)}`);
  const s2935 = await el.rpc("eth_getStorageAt", [history, qty(BigInt(prev.number) % 8191n), "latest"]);
  if (BigInt(s2935) !== BigInt(hex(prev.hash))) die(`EIP-2935 storage slot ${prev.number % 8191}: ${s2935}`);
  log(`EIP-2935: eth_call get(${prev.number}) = ${short(prev.hash)} = that payload's block hash (storage agrees)`);

  // EIP-7002 / EIP-7251: an empty call returns the fee, fake_exponential(1, excess, 17), excess in slot 0.
  for (const name of ["EIP-7002 withdrawal requests", "EIP-7251 consolidation requests"]) {
    const address = contracts[name];
    const fee = await el.rpc("eth_call", [{ to: address, data: "0x" }, "latest"]);
    const excess = BigInt(await el.rpc("eth_getStorageAt", [address, "0x0", "latest"]));
    const want = fakeExponential(1n, excess, 17n);
    if (!/^0x[0-9a-f]{64}$/i.test(fee) || BigInt(fee) !== want) die(`${name}: fee read ${fee}, expected ${want} (excess ${excess})`);
    log(`${name}: eth_call fee read = ${BigInt(fee)} wei (excess ${excess})`);
  }

  // The withdrawals the beacon chain asked for were paid by the EL: balance now - balance at genesis.
  for (const [address, gwei] of el.withdrawnBy) {
    const before = BigInt(await el.rpc("eth_getBalance", [address, "0x0"]));
    const after = BigInt(await el.rpc("eth_getBalance", [address, "latest"]));
    if (after - before !== gwei * 1_000_000_000n) {
      die(`withdrawals to ${address}: EL balance grew by ${after - before} wei, the beacon chain withdrew ${gwei} gwei`);
    }
    log(`withdrawals to ${address}: ${gwei} gwei in ${el.withdrawals} withdrawals, the EL balance grew by exactly that`);
  }
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (e) => {
    if (e instanceof SetupError) console.error(`ERROR ${e.message}`);
    else console.error(e);
    process.exit(2);
  },
);
