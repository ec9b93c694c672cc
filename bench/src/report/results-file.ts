import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BenchReport } from './bench-report';
import { renderMarkdown } from './markdown-report';

/** The short commit of the checkout, with `-dirty` when it has local changes; `unknown` outside git. */
export function currentCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    }).trim();
    return dirty === '' ? commit : `${commit}-dirty`;
  } catch {
    return 'unknown';
  }
}

/** Writes `<dir>/<date>-<commit>.json` and `.md`; returns both paths. */
export async function writeResults(
  report: BenchReport,
  outDir: string,
): Promise<{ json: string; markdown: string }> {
  await mkdir(outDir, { recursive: true });
  // Colons are not welcome in file names on every system.
  const stamp = report.run.startedAt.replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
  const base = path.join(outDir, `${stamp}-${report.run.commit}`);
  const json = `${base}.json`;
  const markdown = `${base}.md`;
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(markdown, renderMarkdown(report));
  return { json, markdown };
}
