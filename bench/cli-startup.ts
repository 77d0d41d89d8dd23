// Benchmark: start-up time of the adrs CLI (what every Slurm job pays through `adrs worker`), side by side with bare node.
// Run: npm run build && npx tsx bench/cli-startup.ts [--repeats 15]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { repeats: { type: 'string', default: '15' } } });
const REPEATS = Number(args.repeats);
const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin', 'adrs.js');
if (!existsSync(path.join(root, 'dist', 'orchestrator', 'cli', 'main.js'))) {
  process.stderr.write('cli-startup: dist/ is missing; run `npm run build` first\n');
  process.exit(2);
}

const cases: { name: string; argv: string[] }[] = [
  { name: 'node -e 1 (bare node)', argv: ['-e', '1'] },
  { name: 'adrs --version', argv: [bin, '--version'] },
  { name: 'adrs worker --help', argv: [bin, 'worker', '--help'] },
  { name: 'adrs --help (loads every command)', argv: [bin, '--help'] },
];

/** Wall seconds, and CPU seconds (user + sys) of the child, read from bash's `times`. */
function once(argv: string[]): { wall: number; cpu: number } {
  const quoted = [process.execPath, ...argv].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', `${quoted} >/dev/null; times`], { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  // `times` prints the shell's line, then the children's: "0m0.120s 0m0.030s".
  const children = r.stdout.trim().split('\n').at(-1) ?? '';
  const cpu = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (s, m) => s + Number(m[1]) * 60 + Number(m[2]),
    0,
  );
  return { wall, cpu };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

// Interleaved: every round runs each case once, so load on the machine hits all cases alike.
const samples = cases.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
for (const c of cases) once(c.argv); // warm the file cache
for (let i = 0; i < REPEATS; i++)
  cases.forEach((c, k) => {
    const { wall, cpu } = once(c.argv);
    samples[k]!.wall.push(wall);
    samples[k]!.cpu.push(cpu);
  });

const load = os.loadavg()[0]!.toFixed(2);
console.log(`adrs CLI start-up, ${REPEATS} interleaved runs each; ${os.cpus().length} CPUs, load ${load}`);
console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`);
const baseWall = median(samples[0]!.wall);
console.log('case                                   median wall  median cpu  wall - bare node');
cases.forEach((c, k) => {
  const wall = median(samples[k]!.wall);
  const cpu = median(samples[k]!.cpu);
  console.log(
    `${c.name.padEnd(38)} ${wall.toFixed(3).padStart(9)} s ${cpu.toFixed(3).padStart(9)} s ${(wall - baseWall).toFixed(3).padStart(12)} s`,
  );
});
