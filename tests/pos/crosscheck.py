#!/usr/bin/env python3
"""Cross-checks the proof-of-stake artefacts that `ethwasm render` prints, with independent
implementations only (never ethwasm's own code).

usage: crosscheck.py RENDER.yaml [--release ethwasm] [--validators N] [--signers S] [--rpc-nodes R]
                     [--fork fulu|electra] [--genesis-time T] [--seconds-per-slot 12] [--kdf pbkdf2|scrypt]

RENDER.yaml is the multi-document stream of
    ethwasm render --plugins secrets.wasm --plugins genesis.wasm --set global.consensus=pos ...
The optional arguments are what the render was asked for; given, they are compared too.

1. keys: BIP-39 (trezor `mnemonic`; ethstaker-deposit's get_seed), EIP-2333/2334 signing keys at
   m/12381/3600/i/0/0 (ethstaker-deposit and an implementation of the EIP text below), BLS public keys
   (py_ecc SkToPk) against every keystore's `pubkey`, its Secret key name and the beacon state;
   EIP-2335 keystores decrypted (EIP text: NFKD password, pbkdf2/scrypt, sha256 checksum,
   AES-128-CTR via pycryptodome; and ethstaker-deposit's Keystore) with their client's password;
   slices per validator client disjoint, in index order, split evenly; the withdrawal account.
2. consensus: genesis.ssz (parts joined, gunzipped) decoded as the fork's BeaconState by the
   executable specs (eth-consensus-specs, mainnet preset), re-encoded byte-identically; validators'
   keys and 0x01 credentials; genesis_validators_root; sync committees (get_next_sync_committee);
   Fulu's proposer_lookahead (initialize_proposer_lookahead); genesis time; fork versions.
3. execution: the state root of genesis.json's alloc (py-trie + rlp + keccak) and the genesis header
   hash, against the state's latest_execution_payload_header and deposit_contract_block_hash.txt.
4. config.yaml (PyYAML) against the network.
5. beacon node keys: libp2p peer ids (coincurve + base58), printed as one JSON line {"peer_ids": {...}}.
6. engine API JWT secrets.

Prints each comparison; the last line is "N passed, M failed"; exits 1 on any failure.
"""

import argparse
import base64
import gzip
import hashlib
import hmac
import json
import os
import re
import sys
import time
import unicodedata
from hashlib import sha256

import base58
import coincurve
import rlp
import yaml
from Crypto.Cipher import AES
from Crypto.Util import Counter
from eth_hash.auto import keccak
from mnemonic import Mnemonic
from py_ecc.bls import G2ProofOfPossession as py_ecc_bls
from trie import HexaryTrie

from ethstaker_deposit.key_handling.key_derivation.mnemonic import get_seed as es_get_seed
from ethstaker_deposit.key_handling.key_derivation.path import mnemonic_and_path_to_key as es_path_to_key
from ethstaker_deposit.key_handling import keystore as es_keystore
from ethstaker_deposit.key_handling.keystore import Keystore as EsKeystore
from Crypto.Hash import SHA256 as _SHA256
from Crypto.Protocol.KDF import PBKDF2 as _PBKDF2
from Crypto.Protocol.KDF import scrypt as _scrypt


# ethstaker-deposit refuses to run its KDFs below mainnet costs (pbkdf2 c < 2^18, scrypt n*r*p < 2^20):
# a policy guard, not part of EIP-2335. ethwasm's devnet keystores use cheap costs (pbkdf2 c=2 by
# default), so its Keystore.decrypt runs here with the same pycryptodome KDFs minus that guard; the
# rest (JSON schema, NFKD password processing, checksum, AES-128-CTR) is ethstaker's own code.
def _es_pbkdf2(*, password, salt, dklen, c, prf):
    assert prf == "hmac-sha256", prf
    return _PBKDF2(password=password, salt=salt, dkLen=dklen, count=c, hmac_hash_module=_SHA256)


def _es_scrypt(*, password, salt, n, r, p, dklen):
    return _scrypt(password=password, salt=salt, key_len=dklen, N=n, r=r, p=p)


es_keystore.PBKDF2 = _es_pbkdf2
es_keystore.scrypt = _es_scrypt

PASSED = 0
FAILURES = []


def short(value, limit=100):
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def brief(value):
    if isinstance(value, list) and len(value) > 4:
        return repr(value[:4])[:-1] + f", ... ({len(value)} items)]"
    return repr(value)


def check(name, got, want):
    """One comparison, printed; a mismatch is recorded and the run goes on."""
    global PASSED
    if got == want:
        PASSED += 1
        print(f"ok   {name}: {short(got)}")
    else:
        FAILURES.append(name)
        print(f"FAIL {name}:\n       got  {brief(got)}\n       want {brief(want)}")
    return got == want


def fail(name, why):
    FAILURES.append(name)
    print(f"FAIL {name}: {why}")


def hx(b):
    return "0x" + bytes(b).hex()


def section(title):
    print(f"== {title}")
    return time.monotonic()


def done(title, started):
    print(f"   ({title}: {time.monotonic() - started:.1f} s)")


# --- EIP-2333, from the EIP text (HKDF per RFC 5869 with SHA-256) ---

R = 52435875175126190479447740508185965837690552500527637822603658699938581184513  # BLS12-381 order


def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand(prk, info, length):
    okm, t, i = b"", b"", 1
    while len(okm) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        okm += t
        i += 1
    return okm[:length]


def hkdf_mod_r(ikm, key_info=b""):
    salt, sk = b"BLS-SIG-KEYGEN-SALT-", 0
    while sk == 0:
        salt = hashlib.sha256(salt).digest()
        prk = hkdf_extract(salt, ikm + b"\x00")
        okm = hkdf_expand(prk, key_info + (48).to_bytes(2, "big"), 48)
        sk = int.from_bytes(okm, "big") % R
    return sk


def ikm_to_lamport_sk(ikm, salt):
    okm = hkdf_expand(hkdf_extract(salt, ikm), b"", 32 * 255)
    return [okm[i:i + 32] for i in range(0, len(okm), 32)]


def parent_sk_to_lamport_pk(parent_sk, index):
    salt = index.to_bytes(4, "big")
    ikm = parent_sk.to_bytes(32, "big")
    not_ikm = bytes(b ^ 0xFF for b in ikm)
    chunks = ikm_to_lamport_sk(ikm, salt) + ikm_to_lamport_sk(not_ikm, salt)
    return hashlib.sha256(b"".join(hashlib.sha256(c).digest() for c in chunks)).digest()


def derive_child_sk(parent_sk, index):
    return hkdf_mod_r(parent_sk_to_lamport_pk(parent_sk, index))


def derive_master_sk(seed):
    assert len(seed) >= 32
    return hkdf_mod_r(seed)


# --- EIP-2335, from the EIP text ---

def process_password(password):
    password = unicodedata.normalize("NFKD", password)
    password = "".join(c for c in password if not (ord(c) <= 0x1F or 0x7F <= ord(c) <= 0x9F))
    return password.encode("utf-8")


def eip2335_decrypt(ks, password):
    """The secret of an EIP-2335 keystore; ValueError on a wrong password."""
    kdf = ks["crypto"]["kdf"]
    params = kdf["params"]
    salt = bytes.fromhex(params["salt"])
    pw = process_password(password)
    if kdf["function"] == "pbkdf2":
        if params["prf"] != "hmac-sha256":
            raise ValueError(f"prf {params['prf']}")
        dk = hashlib.pbkdf2_hmac("sha256", pw, salt, params["c"], params["dklen"])
    elif kdf["function"] == "scrypt":
        n, r, p = params["n"], params["r"], params["p"]
        dk = hashlib.scrypt(pw, salt=salt, n=n, r=r, p=p, dklen=params["dklen"], maxmem=2 * 128 * n * r * p + 2**20)
    else:
        raise ValueError(f"kdf {kdf['function']}")
    if ks["crypto"]["cipher"]["function"] != "aes-128-ctr":
        raise ValueError(f"cipher {ks['crypto']['cipher']['function']}")
    message = bytes.fromhex(ks["crypto"]["cipher"]["message"])
    if sha256(dk[16:32] + message).hexdigest() != ks["crypto"]["checksum"]["message"]:
        raise ValueError("checksum mismatch")
    iv = int.from_bytes(bytes.fromhex(ks["crypto"]["cipher"]["params"]["iv"]), "big")
    return AES.new(dk[:16], AES.MODE_CTR, counter=Counter.new(128, initial_value=iv)).decrypt(message)


def opens(ks, password):
    try:
        eip2335_decrypt(ks, password)
        return True
    except ValueError:
        return False


# --- Web3 Secret Storage v3 (the withdrawal account's keystore) ---

def v3_decrypt(ks, password):
    c = ks["crypto"]
    if c["kdf"] != "scrypt" or c["cipher"] != "aes-128-ctr":
        raise ValueError(f"{c['kdf']} / {c['cipher']}")
    p = c["kdfparams"]
    dk = hashlib.scrypt(password.encode(), salt=bytes.fromhex(p["salt"]), n=p["n"], r=p["r"], p=p["p"],
                        dklen=p["dklen"], maxmem=2 * 128 * p["n"] * p["r"] * p["p"] + 2**20)
    ct = bytes.fromhex(c["ciphertext"])
    if keccak(dk[16:32] + ct).hex() != c["mac"]:
        raise ValueError("MAC mismatch")
    iv = int.from_bytes(bytes.fromhex(c["cipherparams"]["iv"]), "big")
    return AES.new(dk[:16], AES.MODE_CTR, counter=Counter.new(128, initial_value=iv)).decrypt(ct)


def eth_address(secret32):
    public = coincurve.PrivateKey(secret32).public_key.format(compressed=False)
    return keccak(public[1:])[12:]


def peer_id(secret32):
    compressed = coincurve.PrivateKey(secret32).public_key.format(compressed=True)
    proto = bytes([0x08, 0x02, 0x12, len(compressed)]) + compressed
    return base58.b58encode(bytes([0x00, len(proto)]) + proto).decode()


# --- the render ---

class Render:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        # Content: every scalar as its text (BaseLoader), so a mistyped value is still compared.
        base = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
        self.docs = [d for d in yaml.load_all(text, Loader=base) if d]
        self.objects = {(d.get("kind"), d["metadata"]["name"]): d for d in self.docs}
        # Types: ConfigMap data and Secret stringData are string maps; under YAML's own schemas
        # (PyYAML: YAML 1.1; the 1.2 core schema agrees on ints, floats, bools and nulls) a plain
        # scalar such as 0x1234... or 12345 is not a string.
        safe = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        self.mistyped = []
        for d in yaml.load_all(text, Loader=safe):
            if not d or d.get("kind") not in ("ConfigMap", "Secret"):
                continue
            for field in ("data", "stringData", "binaryData"):
                for k, v in (d.get(field) or {}).items():
                    if not isinstance(v, str):
                        self.mistyped.append(f"{d['kind']} {d['metadata']['name']} {field}.{k}: "
                                             f"{type(v).__name__} {short(str(v), 40)}")

    def names(self, kind):
        return [name for (k, name) in self.objects if k == kind]

    def secret(self, name):
        """A Secret's data as str (stringData) or bytes (data); None when absent."""
        o = self.objects.get(("Secret", name))
        if o is None:
            return None
        out = {k: base64.b64decode(v) for k, v in (o.get("data") or {}).items()}
        out.update(o.get("stringData") or {})
        return out

    def config_map(self, name):
        o = self.objects.get(("ConfigMap", name))
        if o is None:
            return None
        out = {k: base64.b64decode(v) for k, v in (o.get("binaryData") or {}).items()}
        out.update(o.get("data") or {})
        return out


def require(value, what):
    if value is None:
        raise SystemExit(f"FAIL {what} is missing from the render\n0 passed, 1 failed")
    return value


def even_split(count, clients):
    """(first, n) per client: an even split in index order, the first count % clients take one more."""
    q, r = divmod(count, clients)
    out, first = [], 0
    for c in range(clients):
        n = q + (1 if c < r else 0)
        out.append((first, n))
        first += n
    return out


def check_keys(rd, rel, args):
    """Section 1; returns (pubkeys by index, withdrawal address)."""
    t = section("keys: BIP-39, EIP-2333/2334, BLS, EIP-2335")
    words = require(rd.secret(f"{rel}-validator-mnemonic"), f"Secret {rel}-validator-mnemonic")["mnemonic"]
    m = Mnemonic("english")
    check("mnemonic: 24 words", len(words.split()), 24)
    check("mnemonic: valid BIP-39 English checksum (python-mnemonic)", m.check(words), True)
    seed = Mnemonic.to_seed(words, "")
    check("seed (python-mnemonic) = seed (ethstaker get_seed)", seed.hex(), es_get_seed(mnemonic=words, password="").hex())

    passwords = require(rd.secret(f"{rel}-validator-passwords"), f"Secret {rel}-validator-passwords")
    clients = len(passwords)
    check("validator-passwords keys", sorted(passwords), sorted(f"signer-{c}" for c in range(clients)))
    if args.signers is not None:
        check("validator clients = signers", clients, args.signers)

    # Keystore Secrets: any `<prefix>-validators-<k>`; each group's client is the one whose password
    # opens it, and its name is then compared with `<rel>-signer-<c>-validators-<k>`.
    groups = {}
    for name in rd.names("Secret"):
        mt = re.fullmatch(r"(.+)-validators-(\d+)", name)
        if mt:
            groups.setdefault(mt.group(1), []).append((int(mt.group(2)), name))
    check("keystore Secret groups = validator clients", len(groups), clients)
    by_client = {}
    for prefix, parts in sorted(groups.items()):
        parts.sort()
        check(f"{prefix}-validators-*: parts numbered 0..K-1", [k for k, _ in parts], list(range(len(parts))))
        keystores = []
        for _, name in parts:
            for key, text in rd.secret(name).items():
                keystores.append((name, key, json.loads(text)))
        first = keystores[0][2]
        owners = [c for c in range(clients) if opens(first, passwords[f"signer-{c}"])]
        if len(owners) != 1:
            fail(f"{prefix}-validators-*: opened by exactly one client's password", f"opened by {owners}")
            continue
        c = owners[0]
        for k, name in parts:
            check(f"keystore Secret name of client {c} part {k}", name, f"{rel}-signer-{c}-validators-{k}")
        by_client[c] = keystores

    n_total = sum(len(v) for v in by_client.values())
    g = args.genesis_validators if args.genesis_validators is not None else n_total
    if args.validators is not None:
        check("keystores = validators", n_total, args.validators)
    split = even_split(g, clients)

    master = derive_master_sk(seed)
    prefix_sk = derive_child_sk(derive_child_sk(master, 12381), 3600)
    pubkeys, derived_ok, es_ok = {}, True, True
    for i in range(n_total):
        path = f"m/12381/3600/{i}/0/0"
        sk = derive_child_sk(derive_child_sk(derive_child_sk(prefix_sk, i), 0), 0)
        es_sk = es_path_to_key(mnemonic=words, path=path, password="")
        if es_sk != sk:
            es_ok = False
            print(f"FAIL signing key {i}: EIP text {sk:064x}, ethstaker {es_sk:064x}")
        pubkeys[i] = (sk, py_ecc_bls.SkToPk(sk))
    check(f"EIP-2333 signing keys m/12381/3600/i/0/0, i < {n_total}: EIP text = ethstaker-deposit", es_ok, True)
    print(f"   derived {n_total} signing keys and py_ecc SkToPk public keys")

    covered = []
    for c in range(clients):
        keystores = by_client.get(c)
        if keystores is None:
            fail(f"client {c}: keystores", "no keystore Secret opens with its password")
            continue
        first, n = split[c]
        # Validators past the genesis ones join client i % clients.
        joined = [i for i in range(g, n_total) if i % clients == c]
        paths = sorted((ks["path"] for _, _, ks in keystores), key=lambda p: [int(x) for x in p.split("/")[1:]])
        idx = [int(p.split("/")[3]) for p in paths]
        check(f"client {c}: keystore paths m/12381/3600/i/0/0 for i in {first}..{first + n - 1} and joined {joined}",
              paths, [f"m/12381/3600/{i}/0/0" for i in list(range(first, first + n)) + joined])
        covered += idx
        password = passwords[f"signer-{c}"]
        bad = []
        for name, key, ks in keystores:
            i = int(ks["path"].split("/")[3]) if re.fullmatch(r"m/12381/3600/\d+/0/0", ks["path"]) else None
            if i is None or i not in pubkeys:
                bad.append(f"{name}/{key}: path {ks['path']}")
                continue
            sk, pk = pubkeys[i]
            problems = []
            if ks.get("version") != 4:
                problems.append(f"version {ks.get('version')}")
            if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", ks.get("uuid", "")):
                problems.append(f"uuid {ks.get('uuid')} is not a v4 UUID")
            if ks.get("pubkey") != pk.hex():
                problems.append(f"pubkey {ks.get('pubkey')} != SkToPk {pk.hex()}")
            if key != f"0x{pk.hex()}.json":
                problems.append(f"Secret key {key} != 0x{pk.hex()}.json")
            if args.kdf and ks["crypto"]["kdf"]["function"] != args.kdf:
                problems.append(f"kdf {ks['crypto']['kdf']['function']} != {args.kdf}")
            try:
                if eip2335_decrypt(ks, password) != sk.to_bytes(32, "big"):
                    problems.append("decrypts (EIP text) to another secret")
            except ValueError as e:
                problems.append(f"does not decrypt (EIP text): {e}")
            try:
                if EsKeystore.from_json(json.loads(json.dumps(ks))).decrypt(password) != sk.to_bytes(32, "big"):
                    problems.append("decrypts (ethstaker) to another secret")
            except Exception as e:  # noqa: BLE001 - any failure of the reference is a mismatch
                problems.append(f"does not decrypt (ethstaker): {e!r}")
            if opens(ks, password + "x"):
                problems.append("opens with a wrong password")
            if problems:
                bad.append(f"{name}/{key} (validator {i}): " + "; ".join(problems))
        kdfs = sorted({json.dumps(ks["crypto"]["kdf"]["function"] + " " + json.dumps(
            {k: v for k, v in ks["crypto"]["kdf"]["params"].items() if k != "salt"})) for _, _, ks in keystores})
        check(f"client {c}: {len(keystores)} keystores: version 4, pubkey = SkToPk(sk_i) = Secret key name, "
              f"v4 uuid, decrypt to sk_i (EIP text; ethstaker schema + decrypt) with signer-{c}'s password, wrong password rejected "
              f"[{', '.join(json.loads(k) for k in kdfs)}]", bad, [])
    check("slices disjoint and cover 0..N-1", sorted(covered), list(range(n_total)))

    # The withdrawal account.
    wa = require(rd.secret(f"{rel}-withdrawal-account"), f"Secret {rel}-withdrawal-account")
    key = bytes.fromhex(wa["key"]) if re.fullmatch(r"[0-9a-f]{64}", wa["key"]) else None
    check("withdrawal-account key: 64 hex digits", key is not None, True)
    address = eth_address(key)
    print(f"   withdrawal address (coincurve + keccak): {hx(address)}")
    ks = json.loads(wa["keystore.json"])
    check("withdrawal-account keystore.json address", ks.get("address"), address.hex())
    pw = rd.secret(f"{rel}-keystore-password")
    if pw is not None:
        try:
            check("withdrawal-account keystore.json decrypts (v3, scrypt) with the keystore password to key",
                  v3_decrypt(ks, pw["password"]).hex(), key.hex())
        except ValueError as e:
            fail("withdrawal-account keystore.json decrypts", str(e))
    # Generated accounts (secrets.accounts.generate): each v3 keystore opens with the keystore
    # password to the raw key beside it, whose address (coincurve + keccak) is the keystore's.
    accounts = rd.secret(f"{rel}-accounts")
    if accounts is not None and pw is not None:
        names = sorted(k[:-len(".json")] for k in accounts if k.endswith(".json"))
        bad, salts = [], set()
        for name in names:
            ks = json.loads(accounts[f"{name}.json"])
            key = bytes.fromhex(accounts[f"{name}.key"])
            salts.add(ks["crypto"]["kdfparams"]["salt"])
            try:
                if v3_decrypt(ks, pw["password"]) != key:
                    bad.append(f"{name}: decrypts to another key")
            except ValueError as e:
                bad.append(f"{name}: {e}")
            if ks.get("address") != eth_address(key).hex():
                bad.append(f"{name}: address")
        check(f"{len(names)} generated accounts: v3 keystores decrypt (hashlib scrypt, AES-CTR, keccak MAC) to "
              f"their keys, addresses match [{len(salts)} distinct salts]", bad, [])
    done("keys", t)
    return [pubkeys[i][1] for i in range(g)], address, clients, pubkeys


def load_spec(fork, config):
    if fork == "fulu":
        from eth_consensus_specs.fulu import mainnet as spec
    else:
        from eth_consensus_specs.electra import mainnet as spec
    fields = spec.Configuration._fields
    hints = spec.Configuration.__annotations__
    overrides = {}
    for key, value in config.items():
        if key not in fields:
            continue
        typ = hints[key]
        if key == "BLOB_SCHEDULE":
            overrides[key] = tuple(
                {"EPOCH": spec.Epoch(e["EPOCH"]), "MAX_BLOBS_PER_BLOCK": spec.Uint64(e["MAX_BLOBS_PER_BLOCK"])}
                for e in value)
        elif isinstance(value, int) and typ in (spec.Version, spec.DomainType):
            overrides[key] = typ(value.to_bytes(4, "big"))
        elif isinstance(value, int) and typ is spec.ExecutionAddress:
            overrides[key] = typ(value.to_bytes(20, "big"))
        elif isinstance(value, int) and typ is spec.Hash32:
            overrides[key] = typ(value.to_bytes(32, "big"))
        else:
            overrides[key] = typ(value)
    spec.config = spec.config._replace(**overrides)
    return spec


def num(v):
    return int(v, 16) if isinstance(v, str) and v.startswith("0x") else int(v)


def check_deposits(rd, rel, spec, config, genesis, all_keys, g, withdrawal_address):
    """The deposits of validators g.. and the transactions that send them: deposit data verified
    with py_ecc over the specs' deposit domain and roots; each transaction decoded with `rlp`, its
    sender recovered with coincurve, its call data decoded by the ABI's offsets."""
    alloc = {k.lower().removeprefix("0x") for k in genesis["alloc"]}
    for tool in ("funder", "faucet", "load-generator"):
        account = rd.secret(f"{rel}-{tool}-account")
        if account is not None:
            address = eth_address(bytes.fromhex(account["key"]))
            check(f"{tool} account address = address(key) (coincurve + keccak), funded in genesis.json's alloc",
                  (account["address"].lower(), address.hex() in alloc), (hx(address), True))
    deps = rd.secret(f"{rel}-validator-deposits")
    n = len(all_keys)
    check(f"a deposits Secret exactly when validators join ({n} run, {g} at genesis)", deps is not None, n > g)
    if deps is None:
        return
    account = require(rd.secret(f"{rel}-deposit-account"), f"Secret {rel}-deposit-account")
    address = eth_address(bytes.fromhex(account["key"]))
    check("deposit-account address = address(key) (coincurve + keccak)", account["address"].lower(), hx(address))
    check("the deposit account is funded in genesis.json's alloc", address.hex() in alloc, True)
    data = json.loads(deps["deposit_data.json"])
    lines = [line.split() for line in deps["transactions"].splitlines()]
    check("deposit_data.json entries and transactions = joined validators", (len(data), len(lines)), (n - g, n - g))
    fork = spec.Version(config["GENESIS_FORK_VERSION"].to_bytes(4, "big"))
    domain = spec.compute_domain(spec.DOMAIN_DEPOSIT, fork)  # zero genesis validators root
    creds = b"\x01" + bytes(11) + withdrawal_address
    contract = int(genesis["config"]["depositContractAddress"], 16).to_bytes(20, "big")
    selector = keccak(b"deposit(bytes,bytes,bytes,bytes32)")[:4]
    bad = []
    for k, (entry, (index, tx_hash, raw_hex)) in enumerate(zip(data, lines)):
        i = g + k
        sk, pk = all_keys[i]
        amount = 32 * 10**9
        message = spec.DepositMessage(pubkey=pk, withdrawal_credentials=creds, amount=amount)
        signature = bytes.fromhex(entry["signature"])
        deposit = spec.DepositData(pubkey=pk, withdrawal_credentials=creds, amount=amount, signature=signature)
        problems = []
        if int(index) != i:
            problems.append(f"line {k} names validator {index}")
        if (entry["pubkey"], entry["withdrawal_credentials"], entry["amount"]) != (pk.hex(), creds.hex(), amount):
            problems.append("pubkey, credentials or amount")
        if not py_ecc_bls.Verify(pk, spec.compute_signing_root(message, domain), signature):
            problems.append("signature does not verify over DOMAIN_DEPOSIT")
        if entry["deposit_message_root"] != spec.hash_tree_root(message).hex():
            problems.append("deposit_message_root")
        root = spec.hash_tree_root(deposit)
        if entry["deposit_data_root"] != root.hex():
            problems.append("deposit_data_root")
        raw = bytes.fromhex(raw_hex[2:])
        if raw[0] != 2 or hx(keccak(raw)) != tx_hash:
            problems.append("not a type-2 transaction, or its hash differs")
        fields = rlp.decode(raw[1:])
        if len(fields) != 12:
            problems.append(f"{len(fields)} fields")
            bad.append(f"validator {i}: " + "; ".join(problems))
            continue
        chain_id, nonce, _tip, _cap, gas, to, value, call, access, y, r, sig_s = fields
        as_int = lambda b: int.from_bytes(b, "big")  # noqa: E731
        signing_hash = keccak(b"\x02" + rlp.encode(fields[:9]))
        sig = as_int(r).to_bytes(32, "big") + as_int(sig_s).to_bytes(32, "big") + bytes([as_int(y)])
        public = coincurve.PublicKey.from_signature_and_message(sig, signing_hash, hasher=None)
        sender = keccak(public.format(compressed=False)[1:])[12:]
        if sender != address:
            problems.append(f"sender {hx(sender)} is not the deposit account")
        if (as_int(chain_id), as_int(nonce), to, as_int(value), access) != (
                genesis["config"]["chainId"], k, contract, 32 * 10**18, []):
            problems.append("chain id, nonce (i - genesis validators), deposit contract, 32 ETH or access list")
        if as_int(sig_s) > 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0:
            problems.append("high s (EIP-2)")
        word = lambda b, w: b[4 + 32 * w:4 + 32 * (w + 1)]  # noqa: E731

        def arg(w):
            at = 4 + as_int(word(call, w))
            size = as_int(call[at:at + 32])
            return call[at + 32:at + 32 + size]
        if call[:4] != selector or (arg(0), arg(1), arg(2), word(call, 3)) != (pk, creds, signature, root):
            problems.append("call data is not deposit(pubkey, credentials, signature, deposit_data_root)")
        if as_int(gas) < 100_000:
            problems.append(f"gas {as_int(gas)}")
        if problems:
            bad.append(f"validator {i}: " + "; ".join(problems))
    check(f"deposits of validators {g}..{n - 1}: py_ecc verifies each over DOMAIN_DEPOSIT (GENESIS_FORK_VERSION, "
          "zero root), deposit_message_root and deposit_data_root = the specs' hash_tree_root; each transaction "
          "decodes (rlp) as type 2 with nonce i - genesis validators to the deposit contract with 32 ETH and "
          "call data deposit(...), signed (low s) by the deposit account (coincurve recovery)", bad, [])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("render")
    ap.add_argument("--release", default="ethwasm")
    ap.add_argument("--validators", type=int)
    ap.add_argument("--genesis-validators", type=int)
    ap.add_argument("--signers", type=int)
    ap.add_argument("--rpc-nodes", type=int, default=1)
    ap.add_argument("--fork", choices=["electra", "fulu"])
    ap.add_argument("--genesis-time", type=int)
    ap.add_argument("--seconds-per-slot", type=int, default=12)
    ap.add_argument("--kdf", choices=["pbkdf2", "scrypt"])
    args = ap.parse_args()
    rel = args.release
    started = time.monotonic()
    rd = Render(args.render)
    print(f"{args.render}: {len(rd.docs)} objects")
    check("ConfigMap data / Secret stringData values are YAML strings (PyYAML SafeLoader)", rd.mistyped, [])

    pubkeys, withdrawal_address, clients, all_keys = check_keys(rd, rel, args)
    n = len(pubkeys)

    # --- files ---
    gcm = require(rd.config_map(f"{rel}-genesis"), f"ConfigMap {rel}-genesis")
    genesis = json.loads(gcm["genesis.json"])
    tcm = require(rd.config_map(f"{rel}-testnet"), f"ConfigMap {rel}-testnet")
    config = yaml.safe_load(tcm["config.yaml"])
    parts = {}
    for name in rd.names("ConfigMap"):
        mt = re.fullmatch(re.escape(rel) + r"-genesis-ssz-(\d+)", name)
        if mt:
            parts[int(mt.group(1))] = rd.config_map(name)["genesis.ssz.gz.part"]
    check("genesis-ssz ConfigMaps numbered 0..K-1", sorted(parts), list(range(len(parts))))
    ssz_bytes = gzip.decompress(b"".join(parts[k] for k in sorted(parts)))
    print(f"   genesis.ssz: {len(parts)} parts, {len(ssz_bytes)} bytes, sha256 0x{sha256(ssz_bytes).hexdigest()}")

    # --- 4. config.yaml (first: it names the fork) ---
    t = section("config.yaml")
    names = ["ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU", "GLOAS", "HEZE"]
    at_genesis = [f for f in names if config.get(f + "_FORK_EPOCH") == 0]
    fork = at_genesis[-1].lower() if at_genesis else None
    check("genesis fork (last *_FORK_EPOCH = 0) is electra or fulu", fork in ("electra", "fulu"), True)
    if args.fork:
        check("genesis fork = the rendered fork", fork, args.fork)
    check("CONFIG_NAME is not mainnet", config.get("CONFIG_NAME") not in (None, "mainnet"), True)
    print(f"   CONFIG_NAME {config.get('CONFIG_NAME')}")
    check("MIN_GENESIS_ACTIVE_VALIDATOR_COUNT <= N", config["MIN_GENESIS_ACTIVE_VALIDATOR_COUNT"] <= n, True)
    cfg = genesis["config"]
    check("DEPOSIT_CHAIN_ID = genesis.json chainId", config["DEPOSIT_CHAIN_ID"], cfg["chainId"])
    check("DEPOSIT_NETWORK_ID = genesis.json chainId", config["DEPOSIT_NETWORK_ID"], cfg["chainId"])
    check("networkId (ConfigMap) = genesis.json chainId", int(gcm["networkId"]), cfg["chainId"])
    check("DEPOSIT_CONTRACT_ADDRESS = genesis.json depositContractAddress", config["DEPOSIT_CONTRACT_ADDRESS"],
          int(cfg["depositContractAddress"], 16))
    check("SECONDS_PER_SLOT as rendered", config["SECONDS_PER_SLOT"], args.seconds_per_slot)
    if "SLOT_DURATION_MS" in config:
        check("SLOT_DURATION_MS = 1000 * SECONDS_PER_SLOT", config["SLOT_DURATION_MS"], 1000 * args.seconds_per_slot)
    versions = [config["GENESIS_FORK_VERSION"]] + [config[f + "_FORK_VERSION"] for f in names]
    check("fork versions distinct and not mainnet's",
          len(set(versions)) == len(versions) and not any(v in range(0, 0x0b000001, 0x01000000) for v in versions),
          True)
    spec = load_spec(fork, config)
    mainnet_yaml = os.path.normpath(os.path.join(os.path.dirname(spec.__file__), "..", "..", "configs", "mainnet.yaml"))
    if os.path.exists(mainnet_yaml):
        mainnet = yaml.safe_load(open(mainnet_yaml, encoding="utf-8"))
        check("carries every key of the specs' configs/mainnet.yaml", sorted(set(mainnet) - set(config)), [])
    else:
        print(f"   (no {mainnet_yaml}: key coverage not compared)")
    done("config.yaml", t)

    # --- 2. consensus ---
    t = section(f"consensus: genesis.ssz as the {fork} BeaconState (eth-consensus-specs, mainnet preset)")
    state = spec.BeaconState.decode_bytes(ssz_bytes)
    check("re-encoding is byte-identical", state.encode_bytes() == ssz_bytes, True)
    check("validators and balances = N", (len(state.validators), len(state.balances)), (n, n))
    check("state.validators[i].pubkey = keystore pubkey i (py_ecc SkToPk of the EIP-2333 key)",
          [i for i in range(min(n, len(state.validators))) if bytes(state.validators[i].pubkey) != pubkeys[i]], [])
    creds = b"\x01" + bytes(11) + withdrawal_address
    check(f"withdrawal_credentials = 0x01 || 0*11 || address(withdrawal key) = {hx(creds)}",
          sorted({hx(v.withdrawal_credentials) for v in state.validators}), [hx(creds)])
    gvr = spec.hash_tree_root(state.validators)
    check("hash_tree_root(state.validators) = genesis_validators_root", hx(gvr), hx(state.genesis_validators_root))
    exits = rd.secret(f"{rel}-validator-exits")
    if exits:
        capella = spec.Version(config["CAPELLA_FORK_VERSION"].to_bytes(4, "big"))
        domain = spec.compute_domain(spec.DOMAIN_VOLUNTARY_EXIT, capella, state.genesis_validators_root)
        bad = []
        for name, text in sorted(exits.items()):
            signed = json.loads(text)
            index = int(signed["message"]["validator_index"])
            message = spec.VoluntaryExit(epoch=int(signed["message"]["epoch"]), validator_index=index)
            root = spec.compute_signing_root(message, domain)
            if not py_ecc_bls.Verify(bytes(state.validators[index].pubkey), root, bytes.fromhex(signed["signature"][2:])):
                bad.append(name)
        check(f"voluntary exits {sorted(exits)} verify (py_ecc) over DOMAIN_VOLUNTARY_EXIT with "
              "CAPELLA_FORK_VERSION and the genesis validators root (EIP-7044)", bad, [])
    check_deposits(rd, rel, spec, config, genesis, all_keys, len(pubkeys), withdrawal_address)
    check("genesis_time = genesis.json timestamp", int(state.genesis_time), num(genesis["timestamp"]))
    if args.genesis_time is not None:
        check("genesis_time as rendered", int(state.genesis_time), args.genesis_time)
    version = config[fork.upper() + "_FORK_VERSION"]
    check(f"fork = ({fork.upper()}_FORK_VERSION, {fork.upper()}_FORK_VERSION, 0)",
          (int.from_bytes(state.fork.previous_version, "big"), int.from_bytes(state.fork.current_version, "big"),
           int(state.fork.epoch)), (version, version, 0))
    check("slot 0", int(state.slot), 0)
    rules = []
    for i, v in enumerate(state.validators):
        balance = int(state.balances[i])
        eff = min(balance - balance % spec.EFFECTIVE_BALANCE_INCREMENT, spec.get_max_effective_balance(v))
        epoch = spec.GENESIS_EPOCH if eff >= spec.MIN_ACTIVATION_BALANCE else spec.FAR_FUTURE_EPOCH
        if (balance, int(v.effective_balance), int(v.activation_eligibility_epoch), int(v.activation_epoch),
                int(v.exit_epoch), int(v.withdrawable_epoch), bool(v.slashed)) != (
                spec.MIN_ACTIVATION_BALANCE, eff, epoch, epoch, spec.FAR_FUTURE_EPOCH, spec.FAR_FUTURE_EPOCH, False):
            rules.append(i)
    check("32 ETH balances, effective balances and genesis activation (spec rules)", rules, [])
    check("latest_block_header = BeaconBlockHeader(body_root=hash_tree_root(BeaconBlockBody()))",
          state.latest_block_header, spec.BeaconBlockHeader(body_root=spec.hash_tree_root(spec.BeaconBlockBody())))
    t1 = time.monotonic()
    committee = spec.get_next_sync_committee(state)
    print(f"   get_next_sync_committee: {time.monotonic() - t1:.1f} s")
    check("current_sync_committee = get_next_sync_committee(state)", state.current_sync_committee == committee, True)
    check("next_sync_committee = get_next_sync_committee(state)", state.next_sync_committee == committee, True)
    if fork == "fulu":
        t1 = time.monotonic()
        lookahead = [int(x) for x in spec.initialize_proposer_lookahead(state)]
        print(f"   initialize_proposer_lookahead: {time.monotonic() - t1:.1f} s")
        check("proposer_lookahead = initialize_proposer_lookahead(state)",
              [int(x) for x in state.proposer_lookahead], lookahead)
        check("deposit_requests_start_index = eth1_data.deposit_count",
              int(state.deposit_requests_start_index), int(state.eth1_data.deposit_count))
    else:
        check("deposit_requests_start_index = UNSET_DEPOSIT_REQUESTS_START_INDEX",
              int(state.deposit_requests_start_index), int(spec.UNSET_DEPOSIT_REQUESTS_START_INDEX))
    digest = spec.compute_fork_digest(state.genesis_validators_root, spec.Epoch(0))
    print(f"   genesis_validators_root {hx(gvr)}, fork digest (compute_fork_digest) {hx(digest)}, "
          f"hash_tree_root(state) {hx(spec.hash_tree_root(state))}")
    done("consensus", t)

    # --- 3. execution ---
    t = section("execution: genesis.json (py-trie + rlp + keccak)")
    world = HexaryTrie({})
    for address, account in genesis["alloc"].items():
        storage = HexaryTrie({})
        for slot, value in account.get("storage", {}).items():
            v = num(value) if value.startswith("0x") else int(value, 16)
            if v:
                storage[keccak(bytes.fromhex(slot[2:].rjust(64, "0")))] = rlp.encode(v)
        code = bytes.fromhex(account.get("code", "0x")[2:])
        world[keccak(bytes.fromhex(address[2:].rjust(40, "0")))] = rlp.encode(
            [num(account.get("nonce", "0x0")), num(account.get("balance", "0x0")), storage.root_hash, keccak(code)])
    print(f"   {len(genesis['alloc'])} accounts, state root {hx(world.root_hash)}")
    empty_trie = keccak(rlp.encode(b""))
    header = [
        bytes.fromhex(genesis.get("parentHash", "0x" + "00" * 32)[2:]), keccak(rlp.encode([])),
        bytes.fromhex(genesis.get("coinbase", "0x" + "00" * 20)[2:]), world.root_hash, empty_trie, empty_trie,
        bytes(256), num(genesis.get("difficulty", "0x0")), num(genesis.get("number", "0x0")),
        num(genesis["gasLimit"]), num(genesis.get("gasUsed", "0x0")), num(genesis["timestamp"]),
        bytes.fromhex(genesis.get("extraData", "0x")[2:]), bytes.fromhex(genesis.get("mixHash", "0x" + "00" * 32)[2:]),
        num(genesis.get("nonce", "0x0")).to_bytes(8, "big"), num(genesis.get("baseFeePerGas", "0x3b9aca00")),
        # Shanghai: withdrawals root; Cancun: blob gas used, excess blob gas, parent beacon block root;
        # Prague: requests hash (EIP-7685, sha256 of no requests). Osaka adds no header field.
        empty_trie, num(genesis.get("blobGasUsed", "0x0")), num(genesis.get("excessBlobGas", "0x0")), bytes(32),
        sha256(b"").digest(),
    ]
    block_hash = keccak(rlp.encode(header))
    print(f"   genesis block hash {hx(block_hash)}")
    eph = state.latest_execution_payload_header
    check("latest_execution_payload_header.state_root = py-trie state root", hx(eph.state_root), hx(world.root_hash))
    check("latest_execution_payload_header.block_hash = keccak(rlp(header))", hx(eph.block_hash), hx(block_hash))
    check("deposit_contract_block_hash.txt = genesis block hash", tcm["deposit_contract_block_hash.txt"].strip(),
          hx(block_hash))
    check("deposit_contract_block.txt", tcm["deposit_contract_block.txt"].strip(), "0")
    check("eth1_data.block_hash = genesis block hash", hx(state.eth1_data.block_hash), hx(block_hash))
    check("randao_mixes all = genesis block hash", {hx(x) for x in state.randao_mixes}, {hx(block_hash)})
    check("payload header scalars (number, gas limit, gas used, timestamp, base fee, blob gas, excess)",
          (int(eph.block_number), int(eph.gas_limit), int(eph.gas_used), int(eph.timestamp),
           int(eph.base_fee_per_gas), int(eph.blob_gas_used), int(eph.excess_blob_gas)),
          (header[8], header[9], header[10], header[11], header[15], header[17], header[18]))
    check("payload header extra_data", hx(eph.extra_data), hx(header[12]))
    check("payload header receipts_root = empty trie", hx(eph.receipts_root), hx(empty_trie))
    alloc = {a.lower().removeprefix("0x"): acc for a, acc in genesis["alloc"].items()}
    funded = alloc.get(withdrawal_address.hex())
    check("withdrawal address prefunded in genesis.json alloc", funded is not None and num(funded["balance"]) > 0, True)
    forks = ["shanghai", "cancun", "prague"] + (["osaka", "bpo1", "bpo2"] if fork == "fulu" else [])
    check("genesis.json fork times all 0", [cfg.get(f + "Time") for f in forks], [0] * len(forks))
    done("execution", t)

    # --- 5. beacon node keys, 6. JWT ---
    t = section("beacon node keys and JWT secrets")
    pods = [f"{rel}-signer-{c}-0" for c in range(clients)] + [f"{rel}-rpc-{j}" for j in range(args.rpc_nodes)]
    nodekeys = require(rd.secret(f"{rel}-beacon-nodekeys"), f"Secret {rel}-beacon-nodekeys")
    check("beacon-nodekeys pods", sorted(nodekeys), sorted(pods))
    peer_ids = {}
    for pod, raw in nodekeys.items():
        ok = isinstance(raw, bytes) and len(raw) == 32 and 0 < int.from_bytes(raw, "big") < coincurve.utils.GROUP_ORDER_INT
        check(f"beacon node key {pod}: 32 bytes, a valid secp256k1 scalar", ok, True)
        if ok:
            peer_ids[pod] = peer_id(raw)
            check(f"peer id {pod} starts with 16Uiu2", peer_ids[pod][:6], "16Uiu2")
    check("peer ids distinct", len(set(peer_ids.values())), len(peer_ids))
    print(json.dumps({"peer_ids": peer_ids}, sort_keys=True))
    jwt = require(rd.secret(f"{rel}-jwt"), f"Secret {rel}-jwt")
    check("JWT secrets: 64 hex digits", [k for k, v in jwt.items() if not re.fullmatch(r"[0-9a-fA-F]{64}", v)], [])
    values = list(jwt.values())
    if list(jwt) == ["shared"]:
        print("   JWT: shared mode (one Secret key, `shared`)")
    else:
        check("JWT keys = pods", sorted(jwt), sorted(pods))
        if len(set(values)) == 1 and len(values) > 1:
            print("   JWT: all equal (shared mode)")
        else:
            check("JWT secrets distinct per pod", len(set(values)), len(values))
    done("node keys and JWT", t)

    print(f"total {time.monotonic() - started:.1f} s")
    print(f"{PASSED} passed, {len(FAILURES)} failed")
    if FAILURES:
        print("failed: " + "; ".join(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
