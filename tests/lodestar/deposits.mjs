#!/usr/bin/env node
// Executes the deposit transactions ethwasm signs, independently, with EthereumJS's VM.
//
// usage: node deposits.mjs RENDER.yaml [--tamper tx|deposit]
//
// RENDER.yaml is the output of `ethwasm render charts/ethereum ...` for a chain whose genesis funds the
// deposit account (global.topology.validators > genesisValidators). From it, and nothing else, it takes
//   - genesis.json (ConfigMap key): the chain (createCommonFromGethGenesis) and the genesis state (alloc:
//     balances, nonces, code and storage, the deposit contract among them) in an @ethereumjs/vm VM;
//   - config.yaml (ConfigMap key): GENESIS_FORK_VERSION, CONFIG_NAME, DEPOSIT_CONTRACT_ADDRESS;
//   - genesis.ssz (the genesis.ssz.gz.part ConfigMaps), the beacon genesis state, decoded with @lodestar/types;
//   - the Secret with deposit_data.json (ethstaker deposit-cli shape) and transactions (one line per deposit:
//     `<validator index> <0x tx hash> <0x raw signed tx>`, in nonce order);
//   - the Secret of the deposit account (address, key), and the keystores (Secrets with 0x<pubkey>.json
//     keys) for the EIP-2334 path of each deposited pubkey.
// Checks, printed one per line as `ok   ...` or `FAIL ...`:
//   - each deposit_data.json entry: amount, fork_version = GENESIS_FORK_VERSION, network_name = CONFIG_NAME,
//     deposit_message_root and deposit_data_root recomputed with @lodestar/types' SSZ, and the BLS signature
//     (@chainsafe/blst) over compute_signing_root(DepositMessage, DOMAIN_DEPOSIT with the genesis fork
//     version and a zero genesis_validators_root), the validator index = the keystore's path index;
//   - each raw transaction (createTxFromRLP): EIP-1559, hash = the line's, sender = the deposit account,
//     nonce = line number, chainId = genesis.json's, to = the deposit contract, value = amount, and its
//     calldata = deposit(pubkey, withdrawal_credentials, signature, deposit_data_root) of the entry;
//   - before them, the contract's count (0) and root (the empty tree's) are the genesis state's eth1_data,
//     eth1_deposit_index is 0, deposit_requests_start_index 0 (or unset), and the deposited validators follow
//     the genesis registry (the line's validator index = its length + line number, no pubkey already in it);
//   - executed in order with runTx in block 1 (genesis time + 12 s, the base fee EIP-1559 gives after the
//     genesis block): no exception, exactly one DepositEvent from the deposit contract whose fields are the
//     entry's, with amount and index (0, 1, ...) as 8-byte little-endian;
//   - afterwards get_deposit_count() = the number of deposits and get_deposit_root() = the SSZ hash_tree_root
//     of List[DepositData, 2**32] of the entries (also recomputed as the contract's incremental sha256 tree),
//     the sender's nonce and balance as the receipts say.
// --tamper tx flips the last byte of the first transaction's signature (s); --tamper deposit flips a byte of
// the BLS signature inside the first transaction's calldata and re-signs it with the deposit account's key
// (a valid transaction whose deposit the contract must refuse). Both must end in FAIL lines: run.sh
// runs them as negative controls.
//
// Exit 0 when every check passes, 1 when one fails, 2 on a setup error (a missing or malformed artefact).

import { createHash } from "node:crypto";

import { PublicKey, Signature, verify } from "@chainsafe/blst";
import { ListCompositeType } from "@chainsafe/ssz";
import { createBlock, createBlockHeader } from "@ethereumjs/block";
import { createCommonFromGethGenesis, parseGethGenesisState } from "@ethereumjs/common";
import { createFeeMarket1559Tx, createTxFromRLP } from "@ethereumjs/tx";
import { createAddressFromString } from "@ethereumjs/util";
import { createVM, runTx } from "@ethereumjs/vm";
import { chainConfigFromJson, createChainConfig, createChainForkConfig } from "@lodestar/config";
import { ssz } from "@lodestar/types";
import yaml from "js-yaml";

import { readRender, renderReader, yamlSchema } from "./render.mjs";

class SetupError extends Error {}
const die = (msg) => {
  throw new SetupError(msg);
};

// ---------------------------------------------------------------- checks

let failures = 0;
let passes = 0;
function check(cond, msg, detail = "") {
  if (cond) passes++;
  else failures++;
  console.log(`${cond ? "ok  " : "FAIL"} ${msg}${detail ? `: ${detail}` : ""}`);
  return cond;
}
const note = (msg) => console.log(`     ${msg}`);

// ---------------------------------------------------------------- arguments

const USAGE = "usage: node deposits.mjs RENDER.yaml [--tamper tx|deposit]";
function parseArgs(argv) {
  const out = { render: null, tamper: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--tamper") {
      if (i + 1 >= argv.length) die("--tamper needs a value");
      out.tamper = argv[++i];
    } else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith("--")) die(`unknown option ${a}`);
    else if (out.render === null) out.render = a;
    else die(`unexpected argument ${a}`);
  }
  if (out.render === null) die(USAGE);
  if (out.tamper !== null && !["tx", "deposit"].includes(out.tamper)) die("--tamper must be tx or deposit");
  return out;
}

// ---------------------------------------------------------------- the render (as finality.mjs reads it)

const { theOne, genesisSsz } = renderReader(die);

// ---------------------------------------------------------------- small helpers

const hex = (b) => `0x${Buffer.from(b).toString("hex")}`;
const unhex = (s, what) => {
  const t = typeof s === "string" && !s.startsWith("0x") ? `0x${s}` : s;
  if (typeof t !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(t)) die(`${what}: not hex bytes: ${s}`);
  return new Uint8Array(Buffer.from(t.slice(2), "hex"));
};
const short = (b) => `${hex(b).slice(0, 10)}…`;
const bytesEqual = (a, b) => a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));
const sha256 = (...parts) => new Uint8Array(createHash("sha256").update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest());
const le64 = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return new Uint8Array(b);
};
const readLe64 = (b) => (b?.length === 8 ? Buffer.from(b).readBigUInt64LE(0) : undefined);
const GWEI = 1_000_000_000n;

/** ABI decoding of `bytes` arguments: the head word at `arg` is an offset into `body`; length-prefixed. */
function abiBytes(body, arg) {
  const word = (at) => {
    if (at + 32 > body.length) throw new Error(`ABI word at ${at} past the end (${body.length} bytes)`);
    return BigInt(hex(body.subarray(at, at + 32)));
  };
  const offset = Number(word(arg * 32));
  const len = Number(word(offset));
  if (offset + 32 + len > body.length) throw new Error(`ABI bytes argument ${arg} past the end`);
  return body.subarray(offset + 32, offset + 32 + len);
}

// deposit(bytes pubkey, bytes withdrawal_credentials, bytes signature, bytes32 deposit_data_root)
const SEL_DEPOSIT = "0x22895118";
const SEL_GET_DEPOSIT_ROOT = "0xc5f2892f";
const SEL_GET_DEPOSIT_COUNT = "0x621fd130";
// keccak256("DepositEvent(bytes,bytes,bytes,bytes,bytes)")
const DEPOSIT_EVENT_TOPIC = "0x649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5";
const DOMAIN_DEPOSIT = new Uint8Array([3, 0, 0, 0]);
const DEPOSIT_CONTRACT_TREE_DEPTH = 32;

// ---------------------------------------------------------------- consensus side (no execution)

/** compute_domain(DOMAIN_DEPOSIT, fork_version, genesis_validators_root = zero), as the deposit spec says. */
function depositDomain(forkVersion) {
  const forkDataRoot = ssz.phase0.ForkData.hashTreeRoot({ currentVersion: forkVersion, genesisValidatorsRoot: new Uint8Array(32) });
  return new Uint8Array([...DOMAIN_DEPOSIT, ...forkDataRoot.subarray(0, 28)]);
}

function checkDepositData(entries, params, keystorePaths, lines) {
  const forkVersion = unhex(params.GENESIS_FORK_VERSION, "GENESIS_FORK_VERSION");
  const domain = depositDomain(forkVersion);
  note(`DOMAIN_DEPOSIT for GENESIS_FORK_VERSION ${hex(forkVersion)}: ${hex(domain)}`);
  const out = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const tag = `deposit ${i}`;
    const data = {
      pubkey: unhex(e.pubkey, `${tag} pubkey`),
      withdrawalCredentials: unhex(e.withdrawal_credentials, `${tag} withdrawal_credentials`),
      amount: Number(e.amount),
      signature: unhex(e.signature, `${tag} signature`),
    };
    out.push(data);
    const wc = data.withdrawalCredentials;
    check(
      data.pubkey.length === 48 && wc.length === 32 && data.signature.length === 96,
      `${tag}: pubkey 48, withdrawal_credentials 32, signature 96 bytes`,
    );
    check(
      (wc[0] === 1 || wc[0] === 2) && wc.subarray(1, 12).every((b) => b === 0),
      `${tag}: withdrawal_credentials 0x0${wc[0]} + 11 zero bytes + address`,
      `0x${Buffer.from(wc.subarray(12)).toString("hex")}`,
    );
    check(Number.isSafeInteger(data.amount) && data.amount >= 1_000_000_000, `${tag}: amount ${e.amount} gwei (>= 1 ETH)`);
    check(e.fork_version === params.GENESIS_FORK_VERSION.replace(/^0x/, ""), `${tag}: fork_version = GENESIS_FORK_VERSION`, e.fork_version);
    check(e.network_name === params.CONFIG_NAME, `${tag}: network_name = CONFIG_NAME`, e.network_name);
    const messageRoot = ssz.phase0.DepositMessage.hashTreeRoot({
      pubkey: data.pubkey,
      withdrawalCredentials: data.withdrawalCredentials,
      amount: data.amount,
    });
    check(bytesEqual(messageRoot, unhex(e.deposit_message_root, `${tag} deposit_message_root`)), `${tag}: deposit_message_root = DepositMessage hash_tree_root`, short(messageRoot));
    const dataRoot = ssz.phase0.DepositData.hashTreeRoot(data);
    check(bytesEqual(dataRoot, unhex(e.deposit_data_root, `${tag} deposit_data_root`)), `${tag}: deposit_data_root = DepositData hash_tree_root`, short(dataRoot));
    const signingRoot = ssz.phase0.SigningData.hashTreeRoot({ objectRoot: messageRoot, domain });
    let valid = false;
    let why = "";
    try {
      valid = verify(signingRoot, PublicKey.fromBytes(data.pubkey, true), Signature.fromBytes(data.signature, true));
    } catch (err) {
      why = String(err.message ?? err);
    }
    check(valid, `${tag}: BLS signature over compute_signing_root(DepositMessage, DOMAIN_DEPOSIT) verifies (@chainsafe/blst)`, why);
    const path = keystorePaths.get(hex(data.pubkey));
    const m = path && /^m\/12381\/3600\/(\d+)\/0\/0$/.exec(path);
    const line = lines[i];
    check(
      m && line && Number(m[1]) === line.validator,
      `${tag}: the keystore of its pubkey has path m/12381/3600/<validator>/0/0 with the transaction line's validator index`,
      `${path ?? "no keystore"}, line says ${line?.validator}`,
    );
  }
  return out;
}

// ---------------------------------------------------------------- execution side

/** The genesis.json EthereumJS 10.0.0 can take: see the note where it is used. */
function forEthereumJs(genesis) {
  const g = structuredClone(genesis);
  const dropped = [];
  for (const k of Object.keys(g.config)) {
    if (/^bpo\d+Time$/.test(k) || k === "osakaTime") {
      dropped.push(k);
      delete g.config[k];
    }
  }
  for (const k of Object.keys(g.config.blobSchedule ?? {})) {
    if (/^bpo\d+$/.test(k) || k === "osaka") {
      dropped.push(`blobSchedule.${k}`);
      delete g.config.blobSchedule[k];
    }
  }
  return { g, dropped };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const render = readRender(args.render);
  console.log(`== ${args.render}: ${render.docs} documents, ${render.objects.length} ConfigMaps and Secrets`);

  const genesisObj = theOne(render, "ConfigMap", "genesis.json");
  const genesis = JSON.parse(genesisObj.data.get("genesis.json").toString("utf8"));
  const cfgObj = theOne(render, "ConfigMap", "config.yaml");
  const params = yaml.load(cfgObj.data.get("config.yaml").toString("utf8"), { schema: yamlSchema });
  const depObj = theOne(render, "Secret", "deposit_data.json");
  if (!depObj.data.has("transactions")) die(`Secret ${depObj.name} has deposit_data.json but no transactions`);
  const accObjs = render.objects.filter((o) => o.kind === "Secret" && o.data.has("address") && o.data.has("key") && /deposit/.test(o.name));
  if (accObjs.length !== 1) die(`expected one Secret *deposit* with address and key, found ${accObjs.length}`);
  const account = accObjs[0].data.get("address").toString("utf8").trim().toLowerCase();
  const accountKey = accObjs[0].data.get("key").toString("utf8").trim();
  const entries = JSON.parse(depObj.data.get("deposit_data.json").toString("utf8"));
  if (!Array.isArray(entries) || entries.length === 0) die(`${depObj.name}: deposit_data.json is not a non-empty array`);
  const lines = depObj.data
    .get("transactions")
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l, n) => {
      const f = l.trim().split(/\s+/);
      if (f.length !== 3 || !/^\d+$/.test(f[0])) die(`${depObj.name} transactions line ${n + 1}: not "<validator> <hash> <raw>": ${l.slice(0, 80)}`);
      return { validator: Number(f[0]), hash: unhex(f[1], `line ${n + 1} hash`), raw: unhex(f[2], `line ${n + 1} raw`) };
    });
  const keystorePaths = new Map();
  for (const o of render.objects) {
    if (o.kind !== "Secret") continue;
    for (const [k, v] of o.data) {
      if (!/^0x[0-9a-f]{96}\.json$/.test(k)) continue;
      keystorePaths.set(k.slice(0, -5), JSON.parse(v.toString("utf8")).path);
    }
  }
  const contract = String(genesis.config.depositContractAddress ?? "").toLowerCase();
  note(
    `genesis.json (ConfigMap ${genesisObj.name}): chainId ${genesis.config.chainId}, deposit contract ${contract}; ` +
      `config.yaml (ConfigMap ${cfgObj.name}): ${params.CONFIG_NAME}; deposits (Secret ${depObj.name}): ${entries.length} entries, ` +
      `${lines.length} transactions; deposit account (Secret ${accObjs[0].name}) ${account}; ${keystorePaths.size} keystores`,
  );

  // --- the artefacts agree with each other
  check(lines.length === entries.length, "one transaction line per deposit_data.json entry", `${lines.length} / ${entries.length}`);
  check(/^0x[0-9a-f]{40}$/.test(contract) && BigInt(contract) === BigInt(params.DEPOSIT_CONTRACT_ADDRESS), "config.yaml DEPOSIT_CONTRACT_ADDRESS = genesis.json depositContractAddress", contract);
  check(String(params.DEPOSIT_CHAIN_ID) === String(genesis.config.chainId), "config.yaml DEPOSIT_CHAIN_ID = genesis.json chainId", String(genesis.config.chainId));
  const allocOf = (a) => Object.entries(genesis.alloc).find(([k]) => k.toLowerCase().replace(/^(0x)?/, "0x") === a)?.[1];
  const contractAlloc = allocOf(contract);
  check(!!contractAlloc?.code && contractAlloc.code.length > 2, "the deposit contract is in genesis.json's alloc with code", `${(contractAlloc?.code?.length ?? 2) / 2 - 1} bytes, ${Object.keys(contractAlloc?.storage ?? {}).length} storage slots`);
  const accountAlloc = allocOf(account);
  const startBalance = BigInt(accountAlloc?.balance ?? 0);
  check(startBalance > 0n, "the deposit account is funded in genesis.json's alloc", `${startBalance / 10n ** 18n} ETH`);

  // --- the deposit data, on the consensus side alone
  console.log("== deposit_data.json (SSZ with @lodestar/types, BLS with @chainsafe/blst)");
  const data = checkDepositData(entries, params, keystorePaths, lines);

  // --- the chain and the genesis state
  console.log("== EthereumJS: genesis.json's chain and alloc, the transactions in block 1");
  const { g, dropped } = forEthereumJs(genesis);
  // EthereumJS 10.0.0 has no BPO hardforks (createCommonFromGethGenesis throws "unknown hardfork=bpo1
  // specified in blobSchedule"), and its "osaka" is the old EOF bundle (EIPs 3540, 3670, 4200, ... 7698),
  // not the Osaka of Fusaka. Neither the BPO forks (blob parameters) nor Fusaka's Osaka EIPs (tx gas cap
  // 2^24, MODEXP pricing, CLZ, P256VERIFY, block RLP size cap, blob base fee bound) change how a legacy
  // contract call that uses SHA256 executes, so the transactions run at Prague.
  if (dropped.length) note(`given to EthereumJS without ${dropped.join(", ")} (EthereumJS 10.0.0: no BPO forks, EOF "osaka"): runs at Prague`);
  const common = createCommonFromGethGenesis(g, { chain: "ethwasm" });
  const genesisTime = BigInt(g.timestamp);
  const blockTime = genesisTime + 12n;
  common.setHardforkBy({ blockNumber: 1n, timestamp: blockTime });
  note(`hardfork at block 1 (timestamp ${blockTime} = genesis + 12 s): ${common.hardfork()}`);
  const vm = await createVM({ common });
  await vm.stateManager.generateCanonicalGenesis(parseGethGenesisState(g));
  const genesisHeader = createBlockHeader(
    {
      number: 0n,
      timestamp: genesisTime,
      gasLimit: BigInt(g.gasLimit),
      gasUsed: 0n,
      baseFeePerGas: BigInt(g.baseFeePerGas),
    },
    { common, skipConsensusFormatValidation: true },
  );
  const baseFee = genesisHeader.calcNextBaseFee();
  const block = createBlock(
    {
      header: {
        number: 1n,
        parentHash: genesisHeader.hash(),
        timestamp: blockTime,
        gasLimit: BigInt(g.gasLimit),
        baseFeePerGas: baseFee,
        coinbase: "0x0000000000000000000000000000000000000000",
      },
    },
    { common, skipConsensusFormatValidation: true },
  );
  note(`block 1: base fee ${baseFee} wei (EIP-1559 after the genesis block's ${BigInt(g.baseFeePerGas)}), gas limit ${BigInt(g.gasLimit)}`);
  const contractAddr = createAddressFromString(contract);
  const call = async (data) => {
    const r = await vm.evm.runCall({ to: contractAddr, data: unhex(data, "call"), gasLimit: 1_000_000n, block });
    if (r.execResult.exceptionError) die(`eth_call ${data} on the deposit contract: ${r.execResult.exceptionError.error}`);
    return r.execResult.returnValue;
  };
  // Returns of get_deposit_count and get_deposit_root are ABI-encoded: (bytes) and (bytes32).
  const depositCount = async () => readLe64(abiBytes(await call(SEL_GET_DEPOSIT_COUNT), 0));
  const depositRoot = async () => call(SEL_GET_DEPOSIT_ROOT);

  // Before any deposit: count 0 and the empty tree's root (genesis storage holds the zero hashes).
  let zero = new Uint8Array(32);
  for (let h = 0; h < DEPOSIT_CONTRACT_TREE_DEPTH; h++) zero = sha256(zero, zero);
  const emptyRoot = sha256(zero, le64(0), new Uint8Array(24));
  check((await depositCount()) === 0n, "before the deposits: get_deposit_count() = 0");
  const root0 = await depositRoot();
  check(bytesEqual(root0, emptyRoot), "before the deposits: get_deposit_root() = the empty tree's root", short(root0));

  // The beacon genesis state must expect these deposits: its eth1 data is the contract's at genesis, no
  // bridge deposit is outstanding, deposit requests (EIP-6110) are taken from index 0, and the validators
  // of the transaction lines come next in the registry.
  const forkConfig = createChainForkConfig(createChainConfig(chainConfigFromJson(params)));
  const stateBytes = genesisSsz(render).bytes;
  const stateSlot = Number(Buffer.from(stateBytes).readBigUInt64LE(40));
  const state = forkConfig.getForkTypes(stateSlot).BeaconState.deserialize(stateBytes);
  const fork = forkConfig.getForkName(stateSlot);
  check(
    bytesEqual(state.eth1Data.depositRoot, root0) && Number(state.eth1Data.depositCount) === 0 && Number(state.eth1DepositIndex) === 0,
    `genesis.ssz (${fork}): eth1_data = the contract's (deposit_root, deposit_count 0), eth1_deposit_index 0`,
    `${short(state.eth1Data.depositRoot)}, ${state.eth1Data.depositCount}, ${state.eth1DepositIndex}`,
  );
  const startIndex = state.depositRequestsStartIndex;
  check(
    startIndex !== undefined && (BigInt(startIndex) === 0n || BigInt(startIndex) === 2n ** 64n - 1n),
    "genesis.ssz: deposit_requests_start_index is 0 or unset (the first DepositEvent index, 0, is a deposit request)",
    String(startIndex),
  );
  const registry = new Set(state.validators.map((v) => hex(v.pubkey)));
  check(
    lines.every((l, i) => l.validator === state.validators.length + i),
    `genesis.ssz: ${state.validators.length} validators; the transaction lines' validator indices follow`,
    lines.map((l) => l.validator).join(","),
  );
  check(data.every((d) => !registry.has(hex(d.pubkey))), "genesis.ssz: no deposited pubkey is a genesis validator");

  // --- the negative controls
  if (args.tamper === "tx") {
    const raw = lines[0].raw;
    raw[raw.length - 1] ^= 0x01;
    note(`--tamper tx: flipped the last byte of transaction 0's signature s`);
  } else if (args.tamper === "deposit") {
    const tx = createTxFromRLP(lines[0].raw, { common });
    const d = new Uint8Array(tx.data);
    const sig = abiBytes(d.subarray(4), 2);
    sig[10] ^= 0x01; // a view into d
    const resigned = createFeeMarket1559Tx({ ...tx.toJSON(), data: d }, { common }).sign(unhex(accountKey, "deposit account key"));
    lines[0].raw = resigned.serialize();
    note(`--tamper deposit: flipped a byte of the BLS signature in transaction 0's calldata, re-signed with the deposit account key`);
  }

  // --- the transactions
  const maxFee = [];
  let blockGasUsed = 0n;
  let spent = 0n;
  const gasUsed = [];
  const executed = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const tag = `tx ${i} (validator ${line.validator})`;
    let tx;
    try {
      tx = createTxFromRLP(line.raw, { common });
    } catch (err) {
      check(false, `${tag}: decodes (createTxFromRLP)`, String(err.message ?? err));
      continue;
    }
    const entry = entries[i];
    const want = data[i];
    check(tx.type === 2, `${tag}: EIP-1559 (type 2)`, String(tx.type));
    check(bytesEqual(tx.hash(), line.hash), `${tag}: hash = the line's`, hex(tx.hash()));
    let sender = "?";
    try {
      sender = tx.getSenderAddress().toString().toLowerCase();
    } catch (err) {
      sender = `not recoverable (${err.message ?? err})`;
    }
    check(sender === account, `${tag}: sender (getSenderAddress) = the deposit account`, sender);
    check(tx.nonce === BigInt(i), `${tag}: nonce = ${i}`, String(tx.nonce));
    check(tx.common.chainId() === BigInt(genesis.config.chainId) && tx.chainId === BigInt(genesis.config.chainId), `${tag}: chainId = genesis.json's`, String(tx.chainId));
    check(tx.to?.toString().toLowerCase() === contract, `${tag}: to = the deposit contract`, tx.to?.toString());
    check(entry && tx.value === BigInt(entry.amount) * GWEI, `${tag}: value = amount (${entry?.amount} gwei)`, `${tx.value} wei`);
    let args4 = null;
    try {
      const body = tx.data.subarray(4);
      if (hex(tx.data.subarray(0, 4)) !== SEL_DEPOSIT) throw new Error(`selector ${hex(tx.data.subarray(0, 4))}`);
      args4 = { pubkey: abiBytes(body, 0), wc: abiBytes(body, 1), signature: abiBytes(body, 2), root: body.subarray(96, 128) };
    } catch (err) {
      check(false, `${tag}: calldata is deposit(bytes,bytes,bytes,bytes32)`, String(err.message ?? err));
    }
    if (args4 && want) {
      check(
        bytesEqual(args4.pubkey, want.pubkey) &&
          bytesEqual(args4.wc, want.withdrawalCredentials) &&
          bytesEqual(args4.signature, want.signature) &&
          bytesEqual(args4.root, unhex(entry.deposit_data_root, "deposit_data_root")),
        `${tag}: calldata = deposit(pubkey, withdrawal_credentials, signature, deposit_data_root) of deposit ${i}`,
      );
    }
    maxFee.push(tx.maxFeePerGas);
    let result;
    try {
      result = await runTx(vm, { tx, block, blockGasUsed });
    } catch (err) {
      // EthereumJS appends " (vm hf=... -> block ... -> tx ...)" to its errors: the first part says it.
      check(false, `${tag}: runTx`, String(err.message ?? err).replace(/ \(vm hf=[\s\S]*$/, ""));
      continue;
    }
    // Included either way: a reverted deposit still pays its gas and uses its nonce (but moves no value).
    const err = result.execResult.exceptionError;
    blockGasUsed += result.totalGasSpent;
    spent += result.amountSpent + (err === undefined ? tx.value : 0n);
    const gasNote = `gas used ${result.totalGasSpent} of ${tx.gasLimit}`;
    if (!check(err === undefined, `${tag}: runTx: no exception`, err ? `${err.error}, ${gasNote}` : gasNote)) continue;
    gasUsed.push(result.totalGasSpent);
    const logs = result.execResult.logs ?? [];
    const events = logs.filter(([addr, topics]) => hex(addr) === contract && topics.length === 1 && hex(topics[0]) === DEPOSIT_EVENT_TOPIC);
    check(events.length === 1 && logs.length === 1, `${tag}: exactly one log, a DepositEvent from the deposit contract`, `${logs.length} logs`);
    if (events.length === 1 && want) {
      const body = events[0][2];
      let ev = null;
      try {
        ev = [0, 1, 2, 3, 4].map((k) => abiBytes(body, k));
      } catch (e2) {
        check(false, `${tag}: DepositEvent ABI-decodes`, String(e2.message ?? e2));
      }
      if (ev) {
        const [pubkey, wc, amount, signature, index] = ev;
        check(bytesEqual(pubkey, want.pubkey), `${tag}: DepositEvent pubkey = deposit ${i}'s`, short(pubkey));
        check(bytesEqual(wc, want.withdrawalCredentials), `${tag}: DepositEvent withdrawal_credentials = deposit ${i}'s`, short(wc));
        check(readLe64(amount) === BigInt(entry.amount), `${tag}: DepositEvent amount (8-byte little-endian gwei) = ${entry.amount}`, hex(amount));
        check(bytesEqual(signature, want.signature), `${tag}: DepositEvent signature = deposit ${i}'s`, short(signature));
        check(readLe64(index) === BigInt(i), `${tag}: DepositEvent index (8-byte little-endian) = ${i}`, hex(index));
        executed.push(i);
      }
    }
  }
  if (gasUsed.length) note(`gas used per deposit: ${gasUsed.join(", ")}; max ${gasUsed.reduce((a, b) => (a > b ? a : b))}; block total ${blockGasUsed}`);

  // --- afterwards: the contract's count and root against the deposit data
  console.log("== the deposit contract after the transactions");
  const count = await depositCount();
  check(count === BigInt(entries.length), `get_deposit_count() = ${entries.length} (little-endian)`, String(count));
  const list = new ListCompositeType(ssz.phase0.DepositData, 2 ** DEPOSIT_CONTRACT_TREE_DEPTH);
  const sszRoot = list.hashTreeRoot(data);
  // The same root the way the contract builds it: an incremental sha256 tree of depth 32, then the count.
  let layer = data.map((d) => ssz.phase0.DepositData.hashTreeRoot(d));
  zero = new Uint8Array(32);
  for (let h = 0; h < DEPOSIT_CONTRACT_TREE_DEPTH; h++) {
    const next = [];
    for (let k = 0; k < layer.length; k += 2) next.push(sha256(layer[k], layer[k + 1] ?? zero));
    layer = next.length ? next : [sha256(zero, zero)];
    zero = sha256(zero, zero);
  }
  const byHand = sha256(layer[0], le64(entries.length), new Uint8Array(24));
  check(bytesEqual(sszRoot, byHand), "hash_tree_root(List[DepositData, 2**32]) (@chainsafe/ssz) = the incremental sha256 tree mixed with the count", short(sszRoot));
  const root = await depositRoot();
  check(bytesEqual(root, sszRoot), "get_deposit_root() = hash_tree_root(List[DepositData, 2**32]) of deposit_data.json", hex(root));
  const acc = await vm.stateManager.getAccount(createAddressFromString(account));
  check(acc?.nonce === BigInt(lines.length), `the deposit account's nonce = ${lines.length}`, String(acc?.nonce));
  check(acc?.balance === startBalance - spent, "the deposit account's balance = genesis - values - fees", `${acc?.balance} wei`);

  console.log(`== ${passes} ok, ${failures} FAIL`);
  return failures === 0;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (e) => {
    if (e instanceof SetupError) console.error(`ERROR ${e.message}`);
    else console.error(e);
    process.exit(2);
  },
);
