// A fake Sandbox: sessions hold the workspace in memory and "exec" calls a JavaScript handler, so code that
// needs a Sandbox (kind, open, exec) runs without processes. Never use it for candidate code outside tests.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type {
  ExecOptions,
  ExecResult,
  Sandbox,
  SandboxSessionControl,
  SessionSpec,
} from '../../sandboxes/types.js';

export type FakeExec = (
  command: string[],
  files: Map<string, Buffer>,
  options: ExecOptions,
) => Partial<ExecResult>;

function readTree(dir: string, prefix = '', out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(full).isDirectory()) readTree(full, rel, out);
    else out.set(rel, readFileSync(full));
  }
  return out;
}

export class FakeSandbox implements Sandbox {
  readonly kind = 'local' as const;
  readonly opened: SessionSpec[] = [];
  disposed = false;

  constructor(private readonly exec: FakeExec = () => ({ exitCode: 0 })) {}

  async open(spec: SessionSpec): Promise<SandboxSessionControl> {
    this.opened.push(spec);
    const files = readTree(spec.workspaceDir);
    const run = this.exec;
    return {
      kind: 'local',
      workspace: '/workspace',
      mounts: Object.fromEntries(Object.keys(spec.readonlyDirs).map((k) => [k, `/${k}`])),
      warnings: [],
      // No second uid here: evaluator and candidate are the same JavaScript handler.
      trustDomains: false,
      trustedDir: '/workspace/.trusted',
      async readTrustedFile(rel, maxBytes) {
        const b = files.get(`.trusted/${rel}`);
        return b && maxBytes !== undefined ? b.subarray(0, maxBytes) : b;
      },
      async writeFile(rel, content) {
        files.set(rel, Buffer.from(content));
      },
      async readFile(rel, maxBytes) {
        const b = files.get(rel);
        return b && maxBytes !== undefined ? b.subarray(0, maxBytes) : b;
      },
      async exec(command, options = {}) {
        const r = run(command, files, options);
        const stdoutTail = r.stdoutTail ?? '';
        const stderrTail = r.stderrTail ?? '';
        return {
          exitCode: 0,
          signal: null,
          timedOut: false,
          durationMs: 0,
          stdoutBytes: stdoutTail.length,
          stderrBytes: stderrTail.length,
          ...r,
          stdoutTail,
          stderrTail,
        };
      },
      async close() {},
    };
  }

  async describe(): Promise<Record<string, unknown>> {
    return { kind: 'fake' };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}
