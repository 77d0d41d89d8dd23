// Trust domains and the disk cap, the same for every sandbox kind: what the candidate can reach, and how much it can write.
import { expect, it } from 'vitest';
import type { Sandbox } from '../../sandboxes/types.js';
import { LIMITS, type Harness } from './target.js';

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

/** Registers the trust-domain and disk cases in the calling describe block. */
export function trustCases<S extends Sandbox>(h: Harness<S>, isCandidateUid: (uid: number) => boolean): void {
  it('runs a trusted exec as the evaluator uid and its candidate as the sandbox user, apart', async () => {
    if (!h.needs('trustDomains')) return;
    const session = await h.open();
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
    expect(isCandidateUid(seen.child.uid), String(seen.child.uid)).toBe(true);
    expect(seen.child.reached).toEqual([]);
    expect(seen.child.env.filter((k) => k.startsWith('ADRS_') || k === 'TRUSTED_DIR')).toEqual([]);
    // What the evaluator wrote is readable by the platform, and nothing the candidate tried landed there.
    expect((await session.readTrustedFile('secret.txt'))?.toString()).toBe('reference');
    expect(await session.readTrustedFile('forged.json')).toBeUndefined();
  }, 120_000);

  it('keeps plain execs as the sandbox user, unable to open the trusted folder', async () => {
    if (!h.needs('trustDomains')) return;
    const session = await h.open();
    const res = await session.exec(['sh', '-c', `id -u; ls ${session.trustedDir} 2>&1; cat hello.txt`]);
    const [uid, ls, hello] = res.stdoutTail.trim().split('\n');
    expect(isCandidateUid(Number(uid)), uid).toBe(true);
    expect(ls).toMatch(/Permission denied/);
    expect(hello).toBe('hello');
  }, 60_000);

  it('caps the writable workspace and /tmp at diskMb', async () => {
    if (!h.needs('sandboxUser')) return;
    const session = await h.open();
    const res = await session.exec([
      'sh',
      '-c',
      'i=0; while dd if=/dev/zero of=fill-$i bs=1M count=4 2>/dev/null; do i=$((i+1)); [ $i -gt 40 ] && break; done; du -sm . | cut -f1',
    ]);
    const used = Number(res.stdoutTail.trim().split('\n').pop());
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(LIMITS.diskMb!);
    const tmpFill = await session.exec(['sh', '-c', 'dd if=/dev/zero of=/tmp/big bs=1M count=64 2>&1']);
    // The tmpfs fills up, or (local) the per-file RLIMIT_FSIZE of diskMb stops it first: 64 MB never lands.
    expect(tmpFill.stdoutTail).toMatch(/No space left on device|File size limit exceeded/);
  }, 60_000);
}
