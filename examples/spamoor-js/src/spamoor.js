// spamoor: an ethwasm plugin written in JavaScript (world ethwasm:plugin/plugin-world@0.2.0,
// built with componentize-js; see README.md beside this folder). It puts load on the Ethereum
// chart's network with spamoor (ethpandaops/spamoor v1.2.3): plain transfers, contract calls
// (an ERC-20) and blob transactions, each at a rate per slot, paid by the load generator account
// the genesis funds (the secrets plugin's `tool-accounts` output), sent to every RPC node (the
// miners plugin's `network` output). Flags and config keys follow spamoor's sources at the
// pinned tag (docs/research/spamoor.md).
//
// WIT to JavaScript: records are objects with camelCase fields, u64 is a BigInt, a
// `result` export returns its value or throws (the thrown error's `payload` is the
// `plugin-error`: { tag, val }).

const IMAGE = 'ethpandaops/spamoor:v1.2.3';
const PORT = 8080;

const PRESETS = {
  // Value transfers between the pool's wallets.
  transfers: { scenario: 'eoatx', name: 'transfers', rate: 'transfers', extra: { amount: 100, random_amount: true } },
  // Contract calls: deploys an ERC-20, then transfers it.
  'contract-calls': { scenario: 'erc20tx', name: 'contract-calls', rate: 'contractCalls', extra: {} },
  // Blob transactions (EIP-4844), with Osaka's cell proofs (see fulu_activation below).
  blobs: { scenario: 'blob-combined', name: 'blobs', rate: 'blobs', extra: { sidecars: 2, blob_fee: 20 } },
};

const SCHEMA = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    image: { type: 'string', pattern: '^[^\\s@]+(@sha256:[0-9a-f]{64})?$' },
    presets: {
      type: 'array',
      uniqueItems: true,
      items: { enum: Object.keys(PRESETS) },
      description: 'what to send: transfers, contract-calls, blobs',
    },
    throughput: {
      type: 'object',
      additionalProperties: false,
      description: 'transactions per slot, by preset',
      properties: {
        transfers: { type: 'integer', minimum: 1, maximum: 1000 },
        contractCalls: { type: 'integer', minimum: 1, maximum: 1000 },
        blobs: { type: 'integer', minimum: 1, maximum: 12 },
      },
    },
    walletsPerPreset: { type: 'integer', minimum: 1, maximum: 1000 },
    maxFeeGwei: { type: 'integer', minimum: 1, description: 'the fee cap every transaction offers (gwei)' },
    tipGwei: { type: 'integer', minimum: 0 },
    resources: { type: 'object' },
  },
});

const DEFAULTS = {
  enabled: true,
  image: IMAGE,
  presets: ['transfers'],
  throughput: { transfers: 10, contractCalls: 5, blobs: 1 },
  walletsPerPreset: 10,
  maxFeeGwei: 20,
  tipGwei: 2,
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
};

function pluginError(tag, val) {
  const e = new Error(val);
  e.payload = { tag, val };
  return e;
}

function input(list, name) {
  const found = list.find(([n]) => n === name);
  if (!found) throw pluginError('missing-input', `${name}: no plugin provided it`);
  return JSON.parse(found[1]);
}

// The startup spammers file: one item per preset, with a fixed seed so that a restart (an
// emptyDir database is a first launch every time) reuses the wallets it funded.
function spammers(v, release) {
  return v.presets.map((p) => {
    const preset = PRESETS[p];
    const wallets = v.walletsPerPreset;
    return {
      scenario: preset.scenario,
      name: preset.name,
      config: {
        seed: `${release}-${preset.name}`,
        throughput: v.throughput[preset.rate],
        max_pending: 2 * v.throughput[preset.rate],
        max_wallets: wallets,
        base_fee: v.maxFeeGwei,
        tip_fee: v.tipGwei,
        // Wei, as numbers: 5e18 and 1e18 are exact in a double, and spamoor reads uint64s.
        refill_amount: 5e18,
        refill_balance: 1e18,
        refill_interval: 600,
        ...preset.extra,
      },
    };
  });
}

const labels = (release) => ({ 'app.kubernetes.io/name': 'spamoor', 'app.kubernetes.io/instance': release });

export const plugin = {
  info() {
    return {
      name: 'spamoor',
      version: '0.1.0',
      description: 'spamoor transaction load generator (an example plugin in JavaScript)',
      provides: [],
      requires: ['network', 'tool-accounts'],
      valuesSchema: SCHEMA,
    };
  },

  render(req) {
    const given = JSON.parse(req.values || '{}');
    const v = { ...DEFAULTS, ...given, throughput: { ...DEFAULTS.throughput, ...(given.throughput || {}) } };
    const rel = req.release;
    if (!v.enabled) return { manifests: [], outputs: [], notes: undefined };
    const network = input(req.inputs, 'network');
    const accounts = input(req.inputs, 'tool-accounts');
    if (!accounts) {
      throw pluginError(
        'invalid-values',
        'spamoor: this chain was created before 2026-12-07 and its genesis funds no load generator account',
      );
    }
    const hosts = network.rpcNodes.length ? network.rpcNodes : network.rpcHttp ? [{ name: `${rel.name}-rpc`, url: network.rpcHttp }] : [];
    if (!hosts.length) {
      throw pluginError('invalid-values', 'spamoor: it sends through the RPC nodes; set global.topology.rpcNodes to 1 or more');
    }
    if (v.presets.includes('blobs') && network.consensus !== 'pos') {
      throw pluginError('invalid-values', 'spamoor.presets: blobs need a proof-of-stake network (Cancun and later)');
    }
    const name = `${rel.name}-spamoor`;
    const rpchosts = hosts.map((h) => `name(${h.name})${h.url}`).join('\n') + '\n';
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels: labels(rel.name) },
      // JSON is YAML: spamoor's YAML reader takes it as it is.
      data: { 'rpchosts.txt': rpchosts, 'startup-spammers.yaml': JSON.stringify(spammers(v, rel.name), null, 2) + '\n' },
    };
    const args = [
      '--privkey=$(LOAD_GENERATOR_KEY)',
      '--rpchost-file=/config/rpchosts.txt',
      '--startup-spammer=/config/startup-spammers.yaml',
      '--db=/data/spamoor.db',
      `--port=${PORT}`,
    ];
    if (network.secondsPerSlot) args.push(`--slot-duration=${network.secondsPerSlot}s`);
    // Blob scenarios send Osaka's cell-proof sidecars only past this time: the genesis time,
    // since the chart's networks run Osaka from genesis.
    if (network.genesisTime) args.push(`--fulu-activation=${network.genesisTime}`);
    const key = accounts.loadGenerator.key;
    const container = {
      name: 'spamoor',
      image: v.image,
      imagePullPolicy: 'IfNotPresent',
      command: ['/app/spamoor-daemon'],
      args,
      env: [{ name: 'LOAD_GENERATOR_KEY', valueFrom: { secretKeyRef: { name: key.secretName, key: key.key } } }],
      ports: [{ name: 'http', containerPort: PORT, protocol: 'TCP' }],
      volumeMounts: [
        { name: 'config', mountPath: '/config', readOnly: true },
        { name: 'data', mountPath: '/data' },
        { name: 'tmp', mountPath: '/tmp' },
      ],
      readinessProbe: { httpGet: { path: '/api/version', port: 'http' }, periodSeconds: 10 },
      livenessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 30, failureThreshold: 4 },
      resources: v.resources,
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
    };
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels: labels(rel.name) },
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: labels(rel.name) },
        template: {
          metadata: { labels: labels(rel.name), annotations: { 'ethwasm.io/config-hash': hash(JSON.stringify(configMap.data)) } },
          spec: {
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [container],
            volumes: [
              { name: 'config', configMap: { name } },
              { name: 'data', emptyDir: {} },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    };
    // ClusterIP only: spamoor's API is not authenticated and can spend the account's funds.
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels: labels(rel.name) },
      spec: { type: 'ClusterIP', selector: labels(rel.name), ports: [{ name: 'http', port: PORT, targetPort: 'http', protocol: 'TCP' }] },
    };
    const rates = v.presets.map((p) => `${p} ${v.throughput[PRESETS[p].rate]}/slot`).join(', ');
    const notes =
      `Load generator (spamoor: ${rates}, paid by ${accounts.loadGenerator.address}): kubectl -n ${rel.namespace} ` +
      `port-forward svc/${name} 8082:${PORT}, then open http://localhost:8082 (its API is open to whoever reaches it)`;
    return {
      manifests: [configMap, deployment, service].map((o) => JSON.stringify(o)),
      outputs: [],
      notes,
    };
  },
};

// FNV-1a (64-bit) of `text`, hex: a digest for the pod annotation that rolls it on a config
// change (not a security property).
function hash(text) {
  let h = 0xcbf29ce484222325n;
  for (const c of new TextEncoder().encode(text)) {
    h ^= BigInt(c);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}
