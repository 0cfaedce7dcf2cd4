// Bundles one module of the board's TypeScript (web/src) with esbuild into a temporary ES
// module and imports it, so node --test can test the board's pure parts as they are built.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const webDir = process.env.BATON_WEB_DIR ?? path.resolve(here, '../../web');

export async function importWeb(relative) {
  const require = createRequire(path.join(webDir, 'package.json'));
  const esbuild = require('esbuild');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-web-test-'));
  const out = path.join(dir, 'module.mjs');
  try {
    await esbuild.build({ entryPoints: [path.join(webDir, relative)], bundle: true,
                          format: 'esm', platform: 'neutral', outfile: out, logLevel: 'error' });
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
