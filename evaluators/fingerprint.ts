// The environment a verdict was measured in: CPU, GPU, OS, sandbox, toolchain versions, platform version, problem hash.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { execa } from 'execa';
import { adrsVersion } from '../core/version.js';
import type { Sandbox } from '../sandboxes/types.js';

export interface HostFingerprint {
  cpu: { model: string; count: number; arch: string };
  gpu: { model: string; driver: string; count: number } | 'none';
  os: { platform: string; release: string; kernel: string; distro: string };
  toolchain: { cc: string; python3: string; node: string };
  platformVersion: string;
}

export interface Fingerprint extends HostFingerprint {
  sandbox: { kind: string; describe: Record<string, unknown> };
  problemHash: string;
}

/** First line of `cmd args` (stdout, else stderr), or "none" when it cannot run. */
async function firstLine(cmd: string, args: string[]): Promise<string> {
  const res = await execa(cmd, args, { reject: false, timeout: 10_000, env: { LANG: 'C' } });
  if (res.failed && res.exitCode === undefined) return 'none';
  const text = `${res.stdout}`.trim() || `${res.stderr}`.trim();
  return text.split('\n')[0]?.trim() || 'none';
}

async function gpuInfo(): Promise<HostFingerprint['gpu']> {
  const res = await execa('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], {
    reject: false,
    timeout: 15_000,
  });
  if (res.exitCode !== 0) return 'none';
  const rows = `${res.stdout}`.trim().split('\n').filter(Boolean);
  const [model = 'unknown', driver = 'unknown'] = (rows[0] ?? '').split(',').map((s) => s.trim());
  return rows.length ? { model, driver, count: rows.length } : 'none';
}

function distro(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function collectHost(): Promise<HostFingerprint> {
  const [cc, python3, gpu] = await Promise.all([
    firstLine('cc', ['--version']),
    firstLine('/usr/bin/python3', ['--version']),
    gpuInfo(),
  ]);
  return {
    cpu: { model: os.cpus()[0]?.model ?? 'unknown', count: os.availableParallelism(), arch: os.arch() },
    gpu,
    os: { platform: os.platform(), release: os.release(), kernel: os.version(), distro: distro() },
    toolchain: { cc, python3, node: process.version },
    platformVersion: adrsVersion(),
  };
}

let hostCache: Promise<HostFingerprint> | undefined;
const sandboxCache = new WeakMap<Sandbox, Promise<Record<string, unknown>>>();

/** The host part, computed once per process. */
export function hostFingerprint(): Promise<HostFingerprint> {
  hostCache ??= collectHost();
  return hostCache;
}

/**
 * The full fingerprint for a verdict; host facts and each sandbox's describe() are cached per process.
 * @example const fp = await environmentFingerprint(sandbox, problem.contentHash);
 */
export async function environmentFingerprint(sandbox: Sandbox, problemHash: string): Promise<Fingerprint> {
  let described = sandboxCache.get(sandbox);
  if (!described) {
    described = sandbox.describe().catch((error: unknown) => ({ error: (error as Error).message }));
    sandboxCache.set(sandbox, described);
  }
  const [host, describe] = await Promise.all([hostFingerprint(), described]);
  return { ...host, sandbox: { kind: sandbox.kind, describe }, problemHash };
}
