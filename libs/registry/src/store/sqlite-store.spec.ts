import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeRegistryStore } from './conformance';
import { openSqlite } from './db';
import { FileBlobStore } from './file-blobs';

// The same contract tests as PostgreSQL's (pg/pg-store.spec.ts), on the embedded default.
describeRegistryStore('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-sqlite-contract-'));
  const db = openSqlite(path.join(dir, 'advlab.db'));
  return {
    db,
    blobs: new FileBlobStore(path.join(dir, 'checkpoints')),
    close: async () => {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
