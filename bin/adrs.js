#!/usr/bin/env node
// The adrs command: runs the compiled CLI (npm ci builds it through the prepare script).
// The first Ctrl-C aborts through an AbortSignal (in-flight work finishes or is killed, the run stays
// resumable); a second one exits at once.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/orchestrator/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('adrs: dist/ is missing; run `npm run build` (npm ci does it for you)\n');
  process.exit(2);
}
const controller = new AbortController();
let interrupts = 0;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(
      `\nadrs: ${sig}: stopping; in-flight work is finished or killed (again to exit now)\n`,
    );
    controller.abort(new Error(sig));
  });
}
const { runCli } = await import(main.href);
process.exitCode = await runCli(process.argv.slice(2), { signal: controller.signal });
