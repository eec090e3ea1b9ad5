/**
 * Reading and checking the Kubernetes manifests in `deploy/kubernetes`: every YAML document,
 * its schema (kubernetes-models), and fields the schema does not know. The schemas of
 * kubernetes-models accept any extra property (`replicas` misspelt `replica` passes), as the
 * API server does without strict validation; the unknown fields are found from the same
 * package's TypeScript declarations instead, walked along each document.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const MANIFEST_DIR = path.join(REPO_ROOT, 'deploy/kubernetes');

/** A Kubernetes object as written in a manifest (only what the checks read is typed). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** One YAML document of a manifest file. */
export interface ManifestDoc {
  /** File name relative to the manifest folder. */
  file: string;
  /** Position of the document in its file, from 0. */
  index: number;
  object: K8sObject;
}

/** Where a document comes from, for messages: `trainer-api.yaml#1 Deployment/trainer-api`. */
export const docLabel = (doc: ManifestDoc) => `${doc.file}#${doc.index} ${doc.object.kind}/${doc.object.metadata?.name}`;

/** Parses every document of one YAML file; a syntax error or a duplicate key throws. Empty documents are skipped. */
export function parseYamlFile(file: string): unknown[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

/** The manifest files of `dir` (every `.yaml` but the kustomization) and their documents. */
export function loadManifests(dir = MANIFEST_DIR): { files: string[]; docs: ManifestDoc[] } {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
    .sort();
  const docs: ManifestDoc[] = [];
  for (const file of files) {
    parseYamlFile(path.join(dir, file)).forEach((object, index) => docs.push({ file, index, object: object as K8sObject }));
  }
  return { files, docs };
}

/**
 * Schema errors of each object (null when valid), from kubernetes-models' validators. They
 * are ES modules only, so they run in a child Node process (validate-models.mjs).
 */
export function schemaErrors(objects: unknown[]): (string | null)[] {
  const script = path.join(__dirname, 'validate-models.mjs');
  const out = execFileSync(process.execPath, [script], { input: JSON.stringify(objects), encoding: 'utf8', cwd: __dirname });
  const results = JSON.parse(out) as { index: number; error: string | null }[];
  return objects.map((_, i) => {
    const result = results.find((r) => r.index === i);
    return result ? result.error : `no result for object ${i}`;
  });
}

/** The installed kubernetes-models, found the way Node would (the nearest node_modules up). */
function modelsRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', 'kubernetes-models');
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error('kubernetes-models is not installed');
  }
}

/** `apps/v1` + `Deployment` -> kubernetes-models/apps/v1/Deployment.d.ts. */
const declarationFile = (apiVersion: string, kind: string) => path.join(modelsRoot(), ...apiVersion.split('/'), `${kind}.d.ts`);

/**
 * Fields of each object that its Kubernetes type does not declare, as paths
 * (`spec.replica`, `spec.template.spec.containers[0].readinessProbe.grpc.prot`).
 * An object of a kind kubernetes-models does not know gets one entry saying so.
 */
export function unknownFields(objects: K8sObject[]): string[][] {
  const files = [...new Set(objects.map((o) => declarationFile(o.apiVersion, o.kind)).filter((f) => fs.existsSync(f)))];
  const program = ts.createProgram(files, {
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  });
  const checker = program.getTypeChecker();

  const rootType = (o: K8sObject): ts.Type | undefined => {
    const source = program.getSourceFile(declarationFile(o.apiVersion, o.kind));
    const module = source && checker.getSymbolAtLocation(source);
    const symbol = module && checker.getExportsOfModule(module).find((s) => s.name === `I${o.kind}`);
    return symbol && checker.getDeclaredTypeOfSymbol(symbol);
  };

  const isObjectType = (t: ts.Type) => (t.flags & ts.TypeFlags.Object) !== 0;

  /** Unknown field paths of `value` read as `type`. */
  const walk = (value: unknown, type: ts.Type, at: string, out: string[]): void => {
    if (value === null || typeof value !== 'object') return;
    const t = checker.getNonNullableType(type);
    if (t.flags & ts.TypeFlags.Any) throw new Error(`${at}: the declared type did not resolve (any); the check would pass anything`);
    if (t.isUnion()) {
      // string | number (IntOrString, Quantity) hold no objects; an object may match any object member.
      const members = t.types.filter(isObjectType);
      const attempts = members.map((m) => {
        const found: string[] = [];
        walk(value, m, at, found);
        return found;
      });
      const best = attempts.find((a) => a.length === 0) ?? attempts[0];
      if (best) out.push(...best);
      else out.push(`${at} (not an object here)`);
      return;
    }
    if (Array.isArray(value)) {
      const element = checker.getIndexTypeOfType(t, ts.IndexKind.Number);
      if (!element) {
        out.push(`${at} (a list where a single value is expected)`);
        return;
      }
      value.forEach((item, i) => walk(item, element, `${at}[${i}]`, out));
      return;
    }
    const anyKey = checker.getIndexTypeOfType(t, ts.IndexKind.String);
    for (const [key, child] of Object.entries(value)) {
      const childPath = at ? `${at}.${key}` : key;
      const property = checker.getPropertyOfType(t, key);
      if (property) walk(child, checker.getTypeOfSymbol(property), childPath, out);
      else if (anyKey) walk(child, anyKey, childPath, out);
      else out.push(childPath);
    }
  };

  return objects.map((o) => {
    const type = rootType(o);
    if (!type) return [`(kind ${o.kind} of ${o.apiVersion} is not in kubernetes-models)`];
    const out: string[] = [];
    walk(o, type, '', out);
    return out;
  });
}
