// validate.js — checks Kubernetes manifests offline (test_kubernetes.sh).
//
//   node tests/k8s/validate.js FILE.yaml...
//
// 1. Every document is valid against the Kubernetes schemas bundled in the
//    kubernetes-models package (KEDA's from @kubernetes-models/keda):
//    required fields, types, enums and formats. (Those schemas do not reject
//    unknown fields; check 2 covers the fields fanout's manifests rely on.)
// 2. fanout's manifests fit together and follow the project's rules: pods
//    run as the image's user 10001 with a restricted security context,
//    every container has resource requests and limits, keys are Secrets
//    mounted read-only where they belong, every `fanout` option exists (the
//    options `fanout broker|agent --help` lists come in FANOUT_OPTS_BROKER and
//    FANOUT_OPTS_AGENT), the agents connect to the broker's Service, the
//    broker waits for as many agents as the agents' manifests start, and the
//    autoscalers scale the agents on fanout_queue_tasks, which the broker
//    serves (--metrics) on a port of its container that its pod's
//    prometheus.io/port annotation names.
//
// YAML is read as YAML 1.1, as Kubernetes reads it (0440 is octal).
// Prints one line per problem (FILE: KIND/NAME: message); exit status 0
// when there is none, 1 otherwise, 2 on bad usage.
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node validate.js FILE.yaml...');
  process.exit(2);
}

const problems = [];
const docs = []; // {file, obj}
const where = (d) => `${path.basename(d.file)}: ${d.obj.kind}/${(d.obj.metadata || {}).name}`;
const problem = (d, msg) => problems.push(`${d ? where(d) : ''}: ${msg}`);

// ---- 1. parse, and validate against the schemas ----
function modelOf(apiVersion, kind) {
  let mod;
  if (/(^|\.)keda\.sh\//.test(apiVersion)) mod = `@kubernetes-models/keda/${apiVersion}`;
  else mod = `kubernetes-models/${apiVersion}`;
  try {
    return require(mod)[kind];
  } catch (e) {
    return undefined;
  }
}

for (const file of files) {
  const text = fs.readFileSync(file, 'utf8');
  const parsed = YAML.parseAllDocuments(text, { version: '1.1', prettyErrors: true });
  for (const doc of parsed) {
    if (doc.errors.length) {
      for (const e of doc.errors) problems.push(`${file}: ${e.message}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    const d = { file, obj };
    if (typeof obj !== 'object' || !obj.apiVersion || !obj.kind) {
      problems.push(`${file}: a document without apiVersion and kind`);
      continue;
    }
    docs.push(d);
    const Model = modelOf(obj.apiVersion, obj.kind);
    if (!Model) {
      problem(d, `no schema for ${obj.apiVersion} ${obj.kind}`);
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (e) {
      problem(d, `schema: ${e.message}`);
    }
  }
}

// ---- 2. fanout's own rules ----
const byKind = (kind) => docs.filter((d) => d.obj.kind === kind);
const find = (kind, name) => docs.find((d) => d.obj.kind === kind && d.obj.metadata.name === name);
const opts = {
  broker: new Set((process.env.FANOUT_OPTS_BROKER || '').split(/\s+/).filter(Boolean)),
  agent: new Set((process.env.FANOUT_OPTS_AGENT || '').split(/\s+/).filter(Boolean)),
};
if (!opts.broker.size || !opts.agent.size) {
  console.error('validate.js: FANOUT_OPTS_BROKER and FANOUT_OPTS_AGENT must list the options of fanout broker and fanout agent');
  process.exit(2);
}
const SECRETS = { broker: ['fanout-broker'], agent: ['fanout-agent'] };

function podTemplates() {
  const out = [];
  for (const d of docs) {
    if ((d.obj.kind === 'Job' || d.obj.kind === 'Deployment') && d.obj.spec && d.obj.spec.template) {
      out.push({ d, spec: d.obj.spec.template.spec || {}, labels: (d.obj.spec.template.metadata || {}).labels || {} });
    }
  }
  return out;
}

// argsOf(container): {cmd, options: Map(name -> value|true), positional}
function argsOf(c) {
  const a = c.args || [];
  const r = { cmd: a[0], options: new Map(), positional: [] };
  for (const arg of a.slice(1)) {
    const m = /^(--[a-z][a-z-]*)(?:=(.*))?$/.exec(arg);
    if (m) r.options.set(m[1], m[2] === undefined ? true : m[2]);
    else r.positional.push(arg);
  }
  return r;
}

const underMount = (c, file) =>
  (c.volumeMounts || []).find((m) => typeof file === 'string' && file.startsWith(m.mountPath.replace(/\/?$/, '/')));

let broker = null;
const agentPools = [];
for (const t of podTemplates()) {
  const { d, spec } = t;
  const sc = spec.securityContext || {};
  if (sc.runAsNonRoot !== true) problem(d, 'pod securityContext.runAsNonRoot is not true');
  for (const k of ['runAsUser', 'runAsGroup', 'fsGroup'])
    if (sc[k] !== 10001) problem(d, `pod securityContext.${k} is not 10001 (the image's fanout user)`);
  if (!sc.seccompProfile || sc.seccompProfile.type !== 'RuntimeDefault') problem(d, 'no RuntimeDefault seccomp profile');
  if (spec.automountServiceAccountToken !== false) problem(d, 'the service account token is mounted');
  const volumes = new Map((spec.volumes || []).map((v) => [v.name, v]));
  for (const c of spec.containers || []) {
    if (!c.image) problem(d, `container ${c.name} has no image`);
    for (const kind of ['requests', 'limits'])
      for (const res of ['cpu', 'memory'])
        if (!c.resources || !c.resources[kind] || c.resources[kind][res] === undefined)
          problem(d, `container ${c.name} has no resources.${kind}.${res}`);
    const csc = c.securityContext || {};
    if (csc.allowPrivilegeEscalation !== false) problem(d, `container ${c.name} may escalate privileges`);
    if (!csc.capabilities || !(csc.capabilities.drop || []).includes('ALL')) problem(d, `container ${c.name} keeps capabilities`);
    if (csc.privileged) problem(d, `container ${c.name} is privileged`);
    for (const m of c.volumeMounts || []) {
      const v = volumes.get(m.name);
      if (!v) { problem(d, `container ${c.name} mounts an undeclared volume ${m.name}`); continue; }
      if ((v.secret || v.configMap) && m.readOnly !== true) problem(d, `${m.name} (keys) is not mounted read-only`);
    }
    const a = argsOf(c);
    if (a.cmd !== 'broker' && a.cmd !== 'agent') { problem(d, `container ${c.name} runs 'fanout ${a.cmd}', not broker or agent`); continue; }
    for (const o of a.options.keys())
      if (!opts[a.cmd].has(o)) problem(d, `'fanout ${a.cmd}' has no option ${o}`);
    // Keys: the Secrets this role may hold, and only those.
    const secrets = (c.volumeMounts || []).map((m) => volumes.get(m.name)).filter((v) => v && v.secret).map((v) => v.secret.secretName);
    for (const s of secrets) if (!SECRETS[a.cmd].includes(s)) problem(d, `the ${a.cmd} mounts the Secret ${s}`);
    for (const s of SECRETS[a.cmd]) if (!secrets.includes(s)) problem(d, `the ${a.cmd} does not mount the Secret ${s}`);
    if (a.cmd === 'broker') {
      if (broker) problem(d, 'a second broker');
      broker = { ...t, c, a };
      for (const o of ['--curve-secret', '--authorized', '--bind', '--min-agents', '--json'])
        if (!a.options.has(o)) problem(d, `the broker has no ${o}`);
      if (!underMount(c, a.options.get('--curve-secret'))) problem(d, '--curve-secret is not in a mounted volume');
      if (!(c.volumeMounts || []).some((m) => m.mountPath === a.options.get('--authorized'))) problem(d, '--authorized is not a mounted directory');
      if (!underMount(c, a.options.get('--json'))) problem(d, 'the report (--json) is not written to a volume');
      if (a.positional.length !== 1) problem(d, 'the broker names no suite file (or several)');
      if (spec.restartPolicy !== 'Never' || d.obj.kind !== 'Job') problem(d, 'the broker is not a Job that never restarts (a restart would start the run over)');
    } else {
      agentPools.push({ ...t, c, a });
      for (const o of ['--connect', '--cert', '--broker-key', '--jobs'])
        if (!a.options.has(o)) problem(d, `the agent has no ${o}`);
      for (const o of ['--cert', '--broker-key'])
        if (!underMount(c, a.options.get(o))) problem(d, `${o} is not in a mounted volume`);
      const jobs = Number(a.options.get('--jobs'));
      const cpu = String(((c.resources || {}).requests || {}).cpu || '');
      if (String(jobs) !== cpu) problem(d, `--jobs=${jobs} but the CPU request is ${cpu}`);
    }
  }
  const sel = d.obj.kind === 'Deployment' ? (d.obj.spec.selector || {}).matchLabels || {} : null;
  if (sel) for (const [k, v] of Object.entries(sel))
    if (t.labels[k] !== v) problem(d, `the selector ${k}=${v} does not match the pod labels`);
}

if (!broker) problems.push(': no broker Job');
if (agentPools.length === 0) problems.push(': no agents');

// The Service reaches the broker's pod and port; the agents connect to it.
const svc = find('Service', 'fanout-broker');
if (!svc) problems.push(': no Service fanout-broker');
if (svc && broker) {
  for (const [k, v] of Object.entries(svc.obj.spec.selector || {}))
    if (broker.labels[k] !== v) problem(svc, `the selector ${k}=${v} does not select the broker's pod`);
  const port = (svc.obj.spec.ports || [])[0] || {};
  const named = (broker.c.ports || []).find((p) => p.name === port.targetPort || p.containerPort === port.targetPort);
  if (!named) problem(svc, `targetPort ${port.targetPort} is not a port of the broker`);
  const bind = String(broker.a.options.get('--bind') || '');
  if (named && !bind.endsWith(`:${named.containerPort}`)) problem(broker.d, `--bind ${bind} is not the container port ${named.containerPort}`);
  for (const p of agentPools) {
    const want = `tcp://${svc.obj.metadata.name}:${port.port}`;
    if (p.a.options.get('--connect') !== want) problem(p.d, `--connect is ${p.a.options.get('--connect')}, the Service is ${want}`);
  }
}
// The broker waits for as many agents as a pool starts.
if (broker) {
  const min = Number(broker.a.options.get('--min-agents'));
  for (const p of agentPools) {
    const s = p.d.obj.spec;
    const n = p.d.obj.kind === 'Deployment' ? s.replicas : s.parallelism;
    if (n !== min) problem(p.d, `starts ${n} agents, the broker waits for --min-agents=${min}`);
    if (p.d.obj.kind === 'Job') {
      if (s.completionMode !== 'Indexed' || s.completions !== s.parallelism) problem(p.d, 'the agents Job is not an indexed Job with completions = parallelism');
      if (!p.a.options.has('--once')) problem(p.d, 'the agents of a Job must leave after the run (--once)');
    } else if (p.a.options.has('--once')) {
      problem(p.d, 'a Deployment\'s agents must not use --once (they would be restarted after every run)');
    }
  }
}
// Autoscalers scale the Deployment on fanout_queue_tasks.
const deployment = byKind('Deployment')[0];
for (const d of [...byKind('HorizontalPodAutoscaler'), ...byKind('ScaledObject')]) {
  const ref = d.obj.spec.scaleTargetRef || {};
  if (!deployment || ref.name !== deployment.obj.metadata.name || (ref.kind && ref.kind !== 'Deployment'))
    problem(d, `scales ${ref.kind || 'Deployment'} ${ref.name}, not the agents' Deployment`);
  const metric = d.obj.kind === 'ScaledObject'
    ? (d.obj.spec.triggers || []).map((t) => (t.metadata || {}).query || '').join(' ')
    : (d.obj.spec.metrics || []).map((m) => ((m.external || {}).metric || {}).name || '').join(' ');
  if (!/\bfanout_queue_tasks\b/.test(metric)) problem(d, `does not scale on fanout_queue_tasks (${metric})`);
}
// The autoscalers' metric: the broker serves it (--metrics :PORT) on a port
// of its container, and its pod says so to Prometheus.
const autoscalers = [...byKind('HorizontalPodAutoscaler'), ...byKind('ScaledObject')];
if (broker && autoscalers.length) {
  const m = /^(?:\*|\[[0-9a-f:.]+\]|[0-9.]*):([0-9]+)$/.exec(String(broker.a.options.get('--metrics') || ''));
  if (!m) problem(broker.d, `the autoscalers read fanout_queue_tasks, but the broker serves no metrics on every address (--metrics=:PORT; got ${broker.a.options.get('--metrics')})`);
  else {
    const port = Number(m[1]);
    if (!(broker.c.ports || []).some((p) => p.containerPort === port)) problem(broker.d, `--metrics port ${port} is not a port of the broker container`);
    const ann = ((broker.d.obj.spec.template || {}).metadata || {}).annotations || {};
    if (ann['prometheus.io/scrape'] !== 'true' || ann['prometheus.io/port'] !== String(port) || ann['prometheus.io/path'] !== '/metrics')
      problem(broker.d, `the broker's pod lacks prometheus.io annotations for port ${port} and path /metrics`);
  }
}
// Network policies select pods that exist.
for (const d of byKind('NetworkPolicy')) {
  const want = (d.obj.spec.podSelector || {}).matchLabels || {};
  const hit = podTemplates().some((t) => Object.entries(want).every(([k, v]) => t.labels[k] === v));
  if (!hit) problem(d, 'its podSelector selects no fanout pod');
}

if (problems.length) {
  for (const p of problems) console.log(p);
  process.exit(1);
}
console.log(`ok: ${docs.length} documents in ${files.length} files`);
