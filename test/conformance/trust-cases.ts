// One set of sandbox conformance cases (issue 19) run against every sandbox kind: trust domains, limits, files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { HARNESS_DIR } from '../../evaluators/run-evaluation.js';
import type { Sandbox, SandboxLimits, SandboxSessionControl } from '../../sandboxes/types.js';

const LIMITS: SandboxLimits = {
  wallTimeMs: 30_000,
  memoryMb: 512,
  pids: 64,
  outputBytes: 16 * 1024,
  diskMb: 32,
};

/** Python run as the trusted evaluator: starts `child` through adrs_candidate and prints what both saw. */
const EVALUATOR = `
import json, os, sys
import adrs_candidate
trusted = os.environ["TRUSTED_DIR"]
open(os.path.join(trusted, "secret.txt"), "w").write("reference")
child = adrs_candidate.start([sys.executable, "-c", sys.argv[1]], cwd=os.environ["WORKSPACE"], stderr=2)
child.send_json({"trusted": trusted, "evaluator_pid": os.getpid()})
seen = child.recv_json(timeout=20)
child.close()
print(json.dumps({"evaluator_uid": os.getuid(), "separated": adrs_candidate.separated(), "child": seen}))
`;

/** Python run as the candidate: tries to reach the trusted side and reports what worked. */
const CANDIDATE = `
import json, os, signal, struct, sys
n = struct.unpack("<Q", sys.stdin.buffer.read(8))[0]
ask = json.loads(sys.stdin.buffer.read(n))
report = {"uid": os.getuid(), "env": sorted(os.environ), "reached": []}
def attempt(name, fn):
    try:
        fn()
        report["reached"].append(name)
    except Exception:
        pass
attempt("read trusted file", lambda: open(os.path.join(ask["trusted"], "secret.txt")).read())
attempt("write trusted dir", lambda: open(os.path.join(ask["trusted"], "forged.json"), "w").write("{}"))
attempt("list trusted dir", lambda: os.listdir(ask["trusted"]))
attempt("read evaluator environ", lambda: open(f"/proc/{ask['evaluator_pid']}/environ", "rb").read(1))
attempt("signal evaluator", lambda: os.kill(ask["evaluator_pid"], 0))
out = json.dumps(report).encode()
sys.stdout.buffer.write(struct.pack("<Q", len(out)) + out)
sys.stdout.buffer.flush()
`;

export interface ConformanceTarget {
  /** Makes the sandbox (called once). */
  make: () => Sandbox;
  /** Image for Docker sessions. */
  image?: string;
  /** The sandbox user's uid inside (candidate code runs as it). */
  candidateUid: number;
}

/** Registers the shared cases in the calling describe block. */
export function conformanceCases(target: ConformanceTarget): void {
  const sandbox = target.make();
  const sessions: SandboxSessionControl[] = [];
  const work = mkdtempSync(path.join(tmpdir(), 'adrs-conformance-'));
  writeFileSync(path.join(work, 'hello.txt'), 'hello');
  afterAll(async () => {
    await Promise.allSettled(sessions.map((s) => s.close()));
    await sandbox.dispose();
    rmSync(work, { recursive: true, force: true });
  });
  const open = async (): Promise<SandboxSessionControl> => {
    const session = await sandbox.open({
      workspaceDir: work,
      readonlyDirs: { harness: HARNESS_DIR },
      limits: LIMITS,
      ...(target.image ? { image: target.image } : {}),
    });
    sessions.push(session);
    return session;
  };

  it('runs a trusted exec as the evaluator uid and its candidate as the sandbox user, apart', async () => {
    const session = await open();
    expect(session.trustDomains).toBe(true);
    const res = await session.exec(['python3', '-c', EVALUATOR, CANDIDATE], {
      trusted: true,
      env: {
        PYTHONPATH: session.mounts.harness!,
        TRUSTED_DIR: session.trustedDir,
        WORKSPACE: session.workspace,
      },
    });
    expect(res.exitCode, res.stderrTail).toBe(0);
    const seen = JSON.parse(res.stdoutTail.trim().split('\n').pop()!) as {
      evaluator_uid: number;
      separated: boolean;
      child: { uid: number; env: string[]; reached: string[] };
    };
    expect(seen.evaluator_uid).toBe(65533);
    expect(seen.separated).toBe(true);
    expect(seen.child.uid).toBe(target.candidateUid);
    expect(seen.child.reached).toEqual([]);
    expect(seen.child.env.filter((k) => k.startsWith('ADRS_') || k === 'TRUSTED_DIR')).toEqual([]);
    // What the evaluator wrote is readable by the platform, and nothing the candidate tried landed there.
    expect((await session.readTrustedFile('secret.txt'))?.toString()).toBe('reference');
    expect(await session.readTrustedFile('forged.json')).toBeUndefined();
  }, 120_000);

  it('keeps plain execs as the sandbox user, unable to open the trusted folder', async () => {
    const session = await open();
    const res = await session.exec(['sh', '-c', `id -u; ls ${session.trustedDir} 2>&1; cat hello.txt`]);
    const [uid, ls, hello] = res.stdoutTail.trim().split('\n');
    expect(Number(uid)).toBe(target.candidateUid);
    expect(ls).toMatch(/Permission denied/);
    expect(hello).toBe('hello');
  }, 60_000);

  it('caps the writable workspace at diskMb', async () => {
    const session = await open();
    const res = await session.exec([
      'sh',
      '-c',
      'i=0; while dd if=/dev/zero of=fill-$i bs=1M count=4 2>/dev/null; do i=$((i+1)); [ $i -gt 40 ] && break; done; du -sm . | cut -f1',
    ]);
    const used = Number(res.stdoutTail.trim().split('\n').pop());
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(LIMITS.diskMb!);
  }, 60_000);
}
