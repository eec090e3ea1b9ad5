import * as fs from 'node:fs';
import * as path from 'node:path';
import { docLabel, loadManifests, MANIFEST_DIR, parseYamlFile, REPO_ROOT, schemaErrors, unknownFields, type K8sObject, type ManifestDoc } from './manifests';

// Only the fields these checks read; the schema tests check the rest.
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Probe {
  grpc?: { port: number };
  httpGet?: { port: number | string };
  tcpSocket?: { port: number | string };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { secretRef?: { name: string; optional?: boolean } }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { limits?: { cpu?: string | number } };
  securityContext?: { runAsNonRoot?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] }; seccompProfile?: { type: string } };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
}
interface Workload {
  doc: ManifestDoc;
  replicas?: number;
  serviceName?: string;
  selector: Record<string, string>;
  labels: Record<string, string>;
  pod: PodSpec;
}
interface ServiceSpec {
  clusterIP?: string;
  selector?: Record<string, string>;
  ports: { name?: string; port: number; targetPort?: number | string }[];
}

const { files, docs } = loadManifests();
const objects = docs.map((d) => d.object);
const ofKind = (kind: string) => docs.filter((d) => d.object.kind === kind);
const specOf = <T>(o: K8sObject) => o['spec'] as T;

const workloads: Workload[] = docs
  .filter((d) => d.object.kind === 'Deployment' || d.object.kind === 'StatefulSet')
  .map((doc) => {
    const spec = specOf<{ replicas?: number; serviceName?: string; selector: { matchLabels?: Record<string, string> }; template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } }>(doc.object);
    return { doc, replicas: spec.replicas, serviceName: spec.serviceName, selector: spec.selector?.matchLabels ?? {}, labels: spec.template?.metadata?.labels ?? {}, pod: spec.template?.spec };
  });
const containersOf = (w: Workload) => [...(w.pod.initContainers ?? []), ...w.pod.containers];
const workload = (name: string) => {
  const w = workloads.find((x) => x.doc.object.metadata.name === name);
  if (!w) throw new Error(`no Deployment or StatefulSet named ${name}`);
  return w;
};
const envOf = (c: Container, name: string) => c.env?.find((e) => e.name === name);
const services = ofKind('Service').map((doc) => ({ doc, spec: specOf<ServiceSpec>(doc.object) }));
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Keys of each Secret in the folder: `name` -> its data and stringData keys. */
const secretKeys = new Map(ofKind('Secret').map((d) => [d.object.metadata.name, new Set([...Object.keys((d.object['data'] as object) ?? {}), ...Object.keys((d.object['stringData'] as object) ?? {})])]));

describe('deploy/kubernetes', () => {
  it('has manifests, each document an object with apiVersion, kind and a name', () => {
    expect(files.length).toBeGreaterThan(0);
    const malformed = docs.filter((d) => typeof d.object !== 'object' || !d.object.apiVersion || !d.object.kind || !d.object.metadata?.name).map(docLabel);
    expect(malformed).toEqual([]);
  });

  it('kustomization.yaml lists every manifest, and every file it lists exists', () => {
    const [kustomization] = parseYamlFile(path.join(MANIFEST_DIR, 'kustomization.yaml')) as { apiVersion: string; kind: string; resources: string[]; images?: { name: string }[] }[];
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(kustomization.kind).toBe('Kustomization');
    const listed = kustomization.resources;
    expect(listed.filter((f) => !fs.existsSync(path.join(MANIFEST_DIR, f)))).toEqual([]);
    expect(files.filter((f) => !listed.includes(f))).toEqual([]);
    expect(new Set(listed).size).toBe(listed.length);
    // The image name kustomization.yaml retags is the one advlab's containers use.
    const advlabImages = new Set(workloads.flatMap((w) => containersOf(w).map((c) => c.image.split(':')[0])).filter((name) => name.startsWith('advlab')));
    expect([...advlabImages]).toEqual(['advlab']);
    expect(kustomization.images?.map((i) => i.name)).toContain('advlab');
  });

  it('every object passes the Kubernetes schema of its kind (kubernetes-models)', () => {
    const errors = schemaErrors(objects);
    const failures = docs.flatMap((d, i) => (errors[i] ? [`${docLabel(d)}: ${errors[i]}`] : []));
    expect(failures).toEqual([]);
  });

  it('no object has a field its Kubernetes type does not declare (a misspelt field is silently dropped by the API server)', () => {
    const unknown = unknownFields(objects);
    const failures = docs.flatMap((d, i) => unknown[i].map((field) => `${docLabel(d)}: ${field}`));
    expect(failures).toEqual([]);
  });

  it('every namespaced object is in the advlab namespace, which the folder creates', () => {
    expect(ofKind('Namespace').map((d) => d.object.metadata.name)).toEqual(['advlab']);
    const elsewhere = docs.filter((d) => d.object.kind !== 'Namespace' && d.object.metadata.namespace !== 'advlab').map(docLabel);
    expect(elsewhere).toEqual([]);
  });

  it("every Deployment and StatefulSet selects its own pod template's labels", () => {
    expect(workloads.length).toBeGreaterThan(0);
    const mismatched = workloads.filter((w) => Object.keys(w.selector).length === 0 || !selects(w.selector, w.labels)).map((w) => docLabel(w.doc));
    expect(mismatched).toEqual([]);
  });

  it("every Service selects the pods of a Deployment or StatefulSet, on a port their containers declare", () => {
    expect(services.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const { doc, spec } of services) {
      const selector = spec.selector ?? {};
      const targets = workloads.filter((w) => Object.keys(selector).length > 0 && selects(selector, w.labels));
      if (targets.length === 0) {
        failures.push(`${docLabel(doc)}: its selector ${JSON.stringify(selector)} matches no pod template`);
        continue;
      }
      for (const port of spec.ports) {
        const target = port.targetPort ?? port.port;
        for (const w of targets) {
          const declared = w.pod.containers.some((c) => (c.ports ?? []).some((p) => p.containerPort === target || p.name === target));
          if (!declared) failures.push(`${docLabel(doc)}: port ${port.port} targets ${target}, which ${docLabel(w.doc)} does not declare`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('every StatefulSet names a headless Service that selects its pods', () => {
    const failures = workloads
      .filter((w) => w.doc.object.kind === 'StatefulSet')
      .filter((w) => !services.some((s) => s.doc.object.metadata.name === w.serviceName && s.spec.clusterIP === 'None' && selects(s.spec.selector ?? {}, w.labels)))
      .map((w) => `${docLabel(w.doc)}: serviceName ${w.serviceName}`);
    expect(failures).toEqual([]);
  });

  it('every secretKeyRef and secretRef names a Secret and a key defined in the folder', () => {
    const failures: string[] = [];
    for (const w of workloads) {
      for (const c of containersOf(w)) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref && !secretKeys.get(ref.name)?.has(ref.key)) failures.push(`${docLabel(w.doc)} ${c.name} ${e.name}: secret ${ref.name} key ${ref.key}`);
        }
        for (const from of c.envFrom ?? []) {
          if (from.secretRef && !secretKeys.has(from.secretRef.name)) failures.push(`${docLabel(w.doc)} ${c.name}: envFrom secret ${from.secretRef.name}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('every probe checks a port its container declares', () => {
    const failures: string[] = [];
    for (const w of workloads) {
      for (const c of containersOf(w)) {
        const declared = (port: number | string) => (c.ports ?? []).some((p) => p.containerPort === port || p.name === port);
        for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
          const probe = c[kind];
          const port = probe?.grpc?.port ?? probe?.httpGet?.port ?? probe?.tcpSocket?.port;
          if (port !== undefined && !declared(port)) failures.push(`${docLabel(w.doc)} ${c.name} ${kind}: port ${port}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('the gRPC services and the dashboard have readiness and liveness probes: grpc on the services, HTTP on the dashboard', () => {
    for (const name of ['trainer-api', 'trainer-worker', 'attack-server']) {
      for (const c of workload(name).pod.containers) {
        expect([name, c.readinessProbe?.grpc?.port]).toEqual([name, c.ports?.[0]?.containerPort]);
        expect([name, c.livenessProbe?.grpc?.port]).toEqual([name, c.ports?.[0]?.containerPort]);
      }
    }
    const [dashboard] = workload('dashboard').pod.containers;
    expect(dashboard.readinessProbe?.httpGet).toBeDefined();
    expect(dashboard.livenessProbe?.httpGet).toBeDefined();
  });

  it('the trainer runs as an api (one replica) and as workers (two), both on PostgreSQL from the Secret', () => {
    const fromSecret = (c: Container, name: string) => envOf(c, name)?.valueFrom?.secretKeyRef;
    const api = workload('trainer-api');
    const worker = workload('trainer-worker');
    expect(api.replicas).toBe(1);
    expect(worker.replicas).toBe(2);
    for (const [w, role] of [
      [api, 'api'],
      [worker, 'worker'],
    ] as const) {
      const [trainer] = w.pod.containers;
      expect([role, envOf(trainer, 'ADVLAB_ROLE')?.value]).toEqual([role, role]);
      const url = fromSecret(trainer, 'ADVLAB_DATABASE_URL');
      expect([role, url?.name && secretKeys.get(url.name)?.has(url.key)]).toEqual([role, true]);
    }
    const url = fromSecret(workload('attack-server').pod.containers[0], 'ADVLAB_DATABASE_URL');
    expect(url && secretKeys.get(url.name)?.has(url.key)).toBe(true);
  });

  it('ADVLAB_THREADS equals the CPU limit wherever it is set, and the workers set it', () => {
    const cpus = (limit: string | number | undefined) => (limit === undefined ? undefined : typeof limit === 'number' ? limit : limit.endsWith('m') ? Number(limit.slice(0, -1)) / 1000 : Number(limit));
    const failures: string[] = [];
    for (const w of workloads) {
      for (const c of w.pod.containers) {
        const threads = envOf(c, 'ADVLAB_THREADS')?.value;
        if (threads === undefined) continue;
        const limit = cpus(c.resources?.limits?.cpu);
        if (!Number.isInteger(limit) || Number(threads) !== limit) failures.push(`${docLabel(w.doc)} ${c.name}: ADVLAB_THREADS=${threads}, CPU limit ${c.resources?.limits?.cpu}`);
      }
    }
    expect(failures).toEqual([]);
    expect(envOf(workload('trainer-worker').pod.containers[0], 'ADVLAB_THREADS')).toBeDefined();
  });

  it('the workers have time to checkpoint on SIGTERM', () => {
    expect(workload('trainer-worker').pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(120);
  });

  it('a gRPC service that listens beyond loopback gets ADVLAB_TOKEN from the Secret (it refuses to start otherwise)', () => {
    const failures: string[] = [];
    for (const w of workloads) {
      for (const c of w.pod.containers) {
        const host = envOf(c, 'ADVLAB_TRAINER_HOST')?.value ?? envOf(c, 'ADVLAB_ATTACK_HOST')?.value;
        if (host === undefined || ['127.0.0.1', 'localhost', '::1'].includes(host)) continue;
        const ref = envOf(c, 'ADVLAB_TOKEN')?.valueFrom?.secretKeyRef;
        if (!ref || !secretKeys.get(ref.name)?.has(ref.key)) failures.push(`${docLabel(w.doc)} ${c.name}: listens on ${host} without ADVLAB_TOKEN from a Secret`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("the dashboard's service addresses name a Service and a port of it", () => {
    const [dashboard] = workload('dashboard').pod.containers;
    for (const variable of ['ADVLAB_TRAINER_ADDR', 'ADVLAB_ATTACK_ADDR']) {
      const address = envOf(dashboard, variable)?.value ?? '';
      const [host, port] = address.split(':');
      const service = services.find((s) => s.doc.object.metadata.name === host);
      expect([variable, address, service?.spec.ports.some((p) => p.port === Number(port))]).toEqual([variable, address, true]);
    }
  });

  it('containers run files that exist in the image (the repository at /app)', () => {
    const failures: string[] = [];
    for (const w of workloads) {
      for (const c of w.pod.containers.filter((x) => x.image.startsWith('advlab'))) {
        const workingDir = c.workingDir ?? '/app';
        for (const arg of [...(c.command ?? []), ...(c.args ?? [])].filter((a) => /\.(ts|js|mjs)$/.test(a) || a.startsWith('/app/'))) {
          const inImage = path.posix.resolve(workingDir, arg);
          const inRepo = path.join(REPO_ROOT, path.posix.relative('/app', inImage));
          if (!inImage.startsWith('/app/') || !fs.existsSync(inRepo)) failures.push(`${docLabel(w.doc)} ${c.name}: ${inImage}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('every pod meets the restricted Pod Security Standard the namespace enforces', () => {
    const failures: string[] = [];
    for (const w of workloads) {
      for (const c of containersOf(w)) {
        const at = `${docLabel(w.doc)} ${c.name}`;
        if (!(c.securityContext?.runAsNonRoot ?? w.pod.securityContext?.runAsNonRoot)) failures.push(`${at}: runAsNonRoot`);
        if (c.securityContext?.allowPrivilegeEscalation !== false) failures.push(`${at}: allowPrivilegeEscalation: false`);
        if (!c.securityContext?.capabilities?.drop?.includes('ALL')) failures.push(`${at}: capabilities.drop [ALL]`);
        if ((c.securityContext?.seccompProfile ?? w.pod.securityContext?.seccompProfile)?.type !== 'RuntimeDefault') failures.push(`${at}: seccompProfile RuntimeDefault`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('deploy/Dockerfile', () => {
  /** Instructions with line continuations joined and comments dropped: [keyword, rest]. */
  const instructions = fs
    .readFileSync(path.join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return [keyword.toUpperCase(), rest.join(' ')] as const;
    });
  const lastFrom = instructions.map(([k]) => k).lastIndexOf('FROM');
  const runtime = instructions.slice(lastFrom);

  it('builds every stage on Node 20, Debian 12 (bookworm)', () => {
    const froms = instructions.filter(([k]) => k === 'FROM').map(([, rest]) => rest.split(/\s+/)[0]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms.filter((image) => !/^node:20(\.\d+)*-bookworm(-slim)?$/.test(image))).toEqual([]);
  });

  it('runs the runtime stage as a non-root user', () => {
    const users = runtime.filter(([k]) => k === 'USER').map(([, rest]) => rest.split(':')[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users[users.length - 1]);
  });

  it("exposes the three ports, and every port the manifests' advlab containers declare", () => {
    const exposed = new Set(runtime.filter(([k]) => k === 'EXPOSE').flatMap(([, rest]) => rest.split(/\s+/).map((p) => Number(p.replace(/\/tcp$/, '')))));
    for (const port of [50051, 50052, 3000]) expect([port, exposed.has(port)]).toEqual([port, true]);
    const declared = workloads.flatMap((w) => w.pod.containers.filter((c) => c.image.startsWith('advlab')).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)));
    expect(declared.filter((p) => !exposed.has(p))).toEqual([]);
  });

  it('keeps dependencies and local state out of the build context', () => {
    const ignored = fs.readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['**/node_modules', '.advlab', '.nx', '**/.next']) expect([entry, ignored.includes(entry)]).toEqual([entry, true]);
  });
});
