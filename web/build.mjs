// Builds the board: node build.mjs OUTDIR
// Bundles src/main.ts (and the chunks it loads later, such as the charts) and src/style.css
// with esbuild into OUTDIR/assets/<name>-<hash>.js|.css, and writes OUTDIR/index.html naming
// them. Content-hashed names let the server mark them immutable; index.html has no inline
// script or style, as the server's Content-Security-Policy requires.
import * as esbuild from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUTDIR');
  process.exit(2);
}
const outdir = path.resolve(out);
await rm(outdir, { recursive: true, force: true });
await mkdir(path.join(outdir, 'assets'), { recursive: true });

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: { main: 'src/main.ts', style: 'src/style.css' },
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  outdir: path.join(outdir, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
});

// The output of each entry point, by its name.
const outputs = {};
for (const [file, info] of Object.entries(result.metafile.outputs)) {
  if (!info.entryPoint) continue;
  const name = path.basename(info.entryPoint).replace(/\.(ts|css)$/, '');
  outputs[name + path.extname(file)] = '/' + path.relative(outdir, path.resolve(here, file))
    .split(path.sep).join('/');
}
const js = outputs['main.js'];
const css = outputs['style.css'];
if (!js || !css) {
  console.error('build.mjs: esbuild did not produce the main script and the style sheet');
  process.exit(1);
}

let html = await readFile(path.join(here, 'index.html'), 'utf8');
const replaced = html.replace('/assets/main.css', css).replace('/assets/main.js', js);
if (replaced === html || !replaced.includes(js) || !replaced.includes(css)) {
  console.error('build.mjs: index.html must link /assets/main.css and /assets/main.js');
  process.exit(1);
}
await writeFile(path.join(outdir, 'index.html'), replaced);

let total = 0;
for (const info of Object.values(result.metafile.outputs)) total += info.bytes;
console.log(`board: ${Object.keys(result.metafile.outputs).length} files, ${total} bytes ` +
            `in ${path.relative(process.cwd(), outdir) || '.'}`);
