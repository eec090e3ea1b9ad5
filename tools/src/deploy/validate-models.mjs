// Validates Kubernetes objects against the OpenAPI schemas of kubernetes-models. That package
// is ES modules only, which jest (CommonJS here) cannot load, so manifests.ts runs this file
// in a child Node process: a JSON array of objects on stdin, a JSON array of
// `{ index, error }` (error null when the object is valid) on stdout.
import { readFileSync } from 'node:fs';

/** `apps/v1` -> `kubernetes-models/apps/v1`, `v1` (the core group) -> `kubernetes-models/v1`. */
const modulePath = (apiVersion) => `kubernetes-models/${apiVersion}`;

const documents = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const [index, doc] of documents.entries()) {
  let error = null;
  try {
    if (typeof doc?.apiVersion !== 'string' || typeof doc?.kind !== 'string') throw new Error('apiVersion and kind must be strings');
    let models;
    try {
      models = await import(modulePath(doc.apiVersion));
    } catch {
      throw new Error(`unknown apiVersion ${doc.apiVersion}`);
    }
    const Model = models[doc.kind];
    if (typeof Model !== 'function') throw new Error(`unknown kind ${doc.kind} in ${doc.apiVersion}`);
    new Model(doc).validate();
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  results.push({ index, error });
}
process.stdout.write(JSON.stringify(results));
