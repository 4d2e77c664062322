#!/usr/bin/env -S npx tsx
// CLI entry: parses arguments and hands over to functions/cli. No logic here.
import { runCli } from '../functions/cli/program.js';

process.exitCode = await runCli(process.argv);
