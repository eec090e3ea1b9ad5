import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const buf = path.join(root, 'node_modules/.bin/buf');
const committed = path.join(root, 'libs/contract/src/gen');

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('generated contract', () => {
  it('passes buf lint', () => {
    expect(() => execFileSync(buf, ['lint'], { cwd: root, stdio: 'pipe' })).not.toThrow();
  });

  it('is up to date with proto/ (run `npm run codegen` when this fails)', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-codegen-'));
    try {
      execFileSync(buf, ['generate', '-o', out], { cwd: root, stdio: 'pipe' });
      const fresh = path.join(out, 'libs/contract/src/gen');
      expect(listFiles(committed)).toEqual(listFiles(fresh));
      for (const file of listFiles(fresh)) {
        const a = fs.readFileSync(path.join(committed, file), 'utf8');
        const b = fs.readFileSync(path.join(fresh, file), 'utf8');
        if (a !== b) throw new Error(`${file} is stale: run \`npm run codegen\` and commit the result`);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
