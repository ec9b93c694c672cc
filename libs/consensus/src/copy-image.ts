import type { PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { Writable } from 'node:stream';

/**
 * The rows of a snapshot image in PostgreSQL's own COPY text format (image format 3): per table, a
 * JSON line naming the table and its columns, the table's rows as `COPY … TO STDOUT` writes them,
 * one line each, then the line `\.`, which no row can be (COPY escapes every backslash in the data).
 * PostgreSQL writes and reads this format without building or parsing JSON per row: an image is
 * made about three times as fast as with `row_to_json`, installed three to four times as fast as
 * with `json_populate_recordset`, and a third smaller.
 */

/** Where a table's rows end in an image. */
export const END_OF_ROWS = '\\.';

/**
 * Bytes gathered from a COPY stream before they go to the sink as one chunk (a chunk is larger only
 * when PostgreSQL's data arrived in a larger piece).
 */
export const COPY_CHUNK_BYTES = 64 * 1024;

/** The line that opens a table's rows. */
export interface TableLine {
  readonly table: string;
  readonly columns: readonly string[];
}

const encoder = new TextEncoder();

export function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return `"${name}"`;
}

/** The table's stored columns in order (not dropped, not generated: COPY FROM cannot set those). */
export async function copyableColumns(client: PoolClient, table: string): Promise<string[]> {
  const result = await client.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
      ORDER BY attnum`,
    [quoteIdentifier(table)],
  );
  return result.rows.map((row) => row.name);
}

/**
 * Writes one table's section of an image: its table line, its rows in COPY text format in chunks
 * of about COPY_CHUNK_BYTES, and the end line. Runs in the caller's transaction on `client`.
 */
export async function copyTableOut(
  client: PoolClient,
  table: string,
  sink: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  const columns = await copyableColumns(client, table);
  const line: TableLine = { table, columns };
  await sink(encoder.encode(`${JSON.stringify(line)}\n`));
  const list = columns.map(quoteIdentifier).join(', ');
  const stream = client.query(copyTo(`COPY ${quoteIdentifier(table)} (${list}) TO STDOUT`));
  let parts: Buffer[] = [];
  let gathered = 0;
  for await (const data of stream as AsyncIterable<Buffer>) {
    if (gathered > 0 && gathered + data.length > COPY_CHUNK_BYTES) {
      await sink(Buffer.concat(parts, gathered));
      parts = [];
      gathered = 0;
    }
    parts.push(data);
    gathered += data.length;
  }
  if (gathered > 0) await sink(Buffer.concat(parts, gathered));
  await sink(encoder.encode(`${END_OF_ROWS}\n`));
}

/**
 * Takes one table's rows, line by line, into the table with `COPY … FROM STDIN` on `client`, in the
 * caller's transaction. `rows()` yields the section's lines up to, not including, the end line.
 */
export async function copyTableIn(
  client: PoolClient,
  line: TableLine,
  rows: AsyncIterable<string>,
): Promise<void> {
  const list = line.columns.map(quoteIdentifier).join(', ');
  const stream = client.query(copyFrom(`COPY ${quoteIdentifier(line.table)} (${list}) FROM STDIN`));
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  // A failed COPY rejects `finished` while rows may still be being written: keep that rejection
  // from going unhandled until it is awaited below.
  finished.catch(() => undefined);
  let pending = '';
  for await (const row of rows) {
    pending += `${row}\n`;
    if (pending.length >= COPY_CHUNK_BYTES) {
      await writeWithBackpressure(stream, pending);
      pending = '';
    }
  }
  if (pending !== '') await writeWithBackpressure(stream, pending);
  stream.end();
  await finished;
}

function writeWithBackpressure(stream: Writable, text: string): Promise<void> {
  if (stream.write(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      stream.off('error', onError);
      resolve();
    };
    const onError = (error: Error) => {
      stream.off('drain', onDrain);
      reject(error);
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}
