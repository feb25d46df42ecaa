#!/usr/bin/env node
import { processIo } from './cli-io.js';
import { runCli } from './main.js';

const io = processIo();
runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    io.stderr(`semroute: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 2;
  },
);
