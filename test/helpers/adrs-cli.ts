// The adrs command from source (`node --import tsx test/helpers/adrs-cli.ts ARGS`), for tests that spawn and kill it.
import { runCli } from '../../orchestrator/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
