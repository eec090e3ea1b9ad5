import { startPostgres } from '@advlab/registry/testing';
(async () => {
  const pg = await startPostgres();
  const url = await pg.createDatabase();
  console.log(url);
  process.on('SIGTERM', async () => { await pg.stop(); process.exit(0); });
  setInterval(() => undefined, 1 << 30);
})();
