// kill -9 of an adrs process mid-evaluation: `adrs gc` (collectLocalGarbage) finds its local sandbox, kills what runs and removes it.
import { execa } from 'execa';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectLocalGarbage } from '../sandboxes/local/gc.js';
import { findMarked } from '../sandboxes/local/process-sweep.js';
import { defaultTmpBase } from '../sandboxes/local/session-files.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'dist', 'sandboxes', 'local', 'local-sandbox.js');
const work = mkdtempSync(path.join(tmpdir(), 'adrs-gc-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
if (!existsSync(DIST))
  console.warn(`\n*** sandbox-local-gc: SKIPPED: ${DIST} is missing (run npx tsc -p tsconfig.json) ***\n`);

describe.runIf(existsSync(DIST))('local sandbox garbage after kill -9', () => {
  it('removes the orphan (processes and folder) and keeps a live session', async () => {
    writeFileSync(path.join(work, 'x.txt'), 'x');
    // A separate adrs-like process: opens a session, starts a long command in it, reports, then waits.
    const script = `
      import { LocalSandbox } from ${JSON.stringify(DIST)};
      const s = new LocalSandbox();
      const session = await s.open({ workspaceDir: ${JSON.stringify(work)}, readonlyDirs: {},
        limits: { wallTimeMs: 600000, memoryMb: 512, pids: 32, outputBytes: 4096, diskMb: 16 } });
      void session.exec(['/bin/sh', '-c', 'sleep 600 & sleep 600']);
      setTimeout(() => console.log(JSON.stringify({ root: session.workspace.replace(/\\/workspace$/, ''), marker: session.marker })), 1500);
      setInterval(() => {}, 1000);`;
    const child = execa('node', ['--input-type=module', '-e', script], { reject: false });
    const line = await new Promise<string>((resolve) =>
      child.stdout.once('data', (d: Buffer) => resolve(String(d))),
    );
    const { root, marker } = JSON.parse(line) as { root: string; marker: string };
    expect(existsSync(root)).toBe(true);
    expect((await findMarked(marker)).length).toBeGreaterThan(0);

    // A live owner is kept.
    const bases = [await defaultTmpBase(), '/tmp'];
    expect((await collectLocalGarbage(bases)).map((g) => g.root)).not.toContain(root);

    child.kill('SIGKILL');
    await child;
    expect(existsSync(root)).toBe(true); // nothing cleaned up after a kill -9
    expect((await findMarked(marker)).length).toBeGreaterThan(0); // and its sandbox processes live on
    const listed = await collectLocalGarbage(bases, { dryRun: true });
    expect(listed.find((g) => g.root === root)?.reason).toMatch(/adrs process \d+ is gone/);
    const gone = await collectLocalGarbage(bases);
    const ours = gone.find((g) => g.root === root);
    expect(ours).toMatchObject({ removed: true });
    expect(existsSync(root)).toBe(false);
    expect(await findMarked(marker)).toEqual([]);
  }, 60_000);
});
