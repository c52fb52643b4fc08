/**
 * node dist/scripts/build-web.js [--watch]: builds the dashboard (web/) into dist/web, which the
 * HTTP app serves at / (src/common/http/web-app.ts). One ES module bundle (Preact and the app,
 * minified), its stylesheet and index.html; prints their sizes, gzipped too.
 */
import { build, context, type BuildOptions } from 'esbuild';
import { promises as fs } from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'dist', 'web');

async function main(): Promise<void> {
  await fs.mkdir(path.join(OUT, 'assets'), { recursive: true });
  const options: BuildOptions = {
    entryPoints: [path.join(ROOT, 'web', 'src', 'main.tsx'), path.join(ROOT, 'web', 'app.css')],
    outdir: path.join(OUT, 'assets'),
    entryNames: '[name]',
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: path.join(ROOT, 'web', 'tsconfig.json'),
    legalComments: 'none',
    logLevel: 'warning',
  };
  await fs.copyFile(path.join(ROOT, 'web', 'index.html'), path.join(OUT, 'index.html'));
  if (process.argv.includes('--watch')) {
    await (await context(options)).watch();
    console.log(`watching web/ → ${OUT}`);
    return;
  }
  await build(options);
  for (const file of ['index.html', 'assets/main.js', 'assets/app.css']) {
    const bytes = await fs.readFile(path.join(OUT, file));
    console.log(`dist/web/${file}  ${(bytes.length / 1024).toFixed(1)} KB  (gzip ${(gzipSync(bytes).length / 1024).toFixed(1)} KB)`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
