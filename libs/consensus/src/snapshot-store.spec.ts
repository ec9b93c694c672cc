import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Message } from '@falconmind/raft';
import { GrpcPeerTransport } from './grpc';
import {
  FileSnapshotStore,
  MemorySnapshotStore,
  SnapshotStore,
  sha256WhileWritten,
  writeSnapshotImage,
} from './snapshot-store';

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The same checks for both stores: what is written is read back, whole or in parts. */
function behavesLikeAStore(name: string, makeStore: () => Promise<SnapshotStore>): void {
  describe(`${name}: a snapshot store`, () => {
    it('reads back what was written, whole, in chunks and by offset', async () => {
      const store = await makeStore();
      const image = randomBytes(700_000);
      const ref = await writeSnapshotImage(store, async (sink) => {
        for (let offset = 0; offset < image.length; offset += 99_999) {
          await sink(image.subarray(offset, offset + 99_999));
        }
      });
      assert.equal(await store.size(ref), image.length);
      assert.equal(sha256(await collect(store.chunks(ref))), sha256(image));
      assert.deepEqual(
        Buffer.from(await store.read(ref, 123_456, 1000)),
        image.subarray(123_456, 124_456),
      );
      assert.equal((await store.read(ref, image.length - 10, 1000)).length, 10);
      assert.equal(sha256WhileWritten(ref)?.toString('hex'), sha256(image));
      await store.release(ref);
    });

    it('drops an image whose producer failed', async () => {
      const store = await makeStore();
      await assert.rejects(
        writeSnapshotImage(store, async (sink) => {
          await sink(new Uint8Array([1, 2, 3]));
          throw new Error('the database went away');
        }),
        /the database went away/,
      );
    });
  });
}

describe('snapshot stores', () => {
  let directory: string;

  before(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'falconmind-snapshots-'));
  });

  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  behavesLikeAStore('MemorySnapshotStore', () => Promise.resolve(new MemorySnapshotStore()));
  behavesLikeAStore('FileSnapshotStore', async () => {
    const store = new FileSnapshotStore(path.join(directory, 'shared'));
    await store.open();
    return store;
  });

  it('FileSnapshotStore: references name files; leftovers are cleared at open; others refused', async () => {
    const dir = path.join(directory, 'own');
    const store = new FileSnapshotStore(dir);
    await store.open();
    const ref = await writeSnapshotImage(store, (sink) => sink(new Uint8Array([7])));
    assert.match(new TextDecoder().decode(ref), /^snapshot-file:[\w-]+\.snap$/);
    await writeFile(path.join(dir, 'crashed.snap.partial'), 'half an image');
    await writeFile(path.join(dir, 'keep.txt'), 'not ours');
    await store.open();
    assert.deepEqual(await readdir(dir), ['keep.txt']);
    for (const bad of ['snapshot-file:../../etc/passwd', 'elsewhere.snap', '']) {
      await assert.rejects(store.size(new TextEncoder().encode(bad)), /not a snapshot reference/);
    }
  });

  it('a 12 MiB image goes file to file over gRPC, never as a whole in a message', async () => {
    const files = [0, 1].map((i) => new FileSnapshotStore(path.join(directory, `node-${i}`)));
    for (const store of files) await store.open();
    // The sender's store counts whole-image reads: the image's digest was taken as it was written,
    // so sending it reads it once, by offset, and never back from the start to hash it.
    let wholeImageReads = 0;
    const sending: SnapshotStore = {
      begin: () => files[0].begin(),
      size: (ref) => files[0].size(ref),
      read: (ref, offset, length) => files[0].read(ref, offset, length),
      chunks: (ref) => {
        wholeImageReads++;
        return files[0].chunks(ref);
      },
      release: (ref) => files[0].release(ref),
    };
    const stores = [sending, files[1]];
    const received: Message[] = [];
    const transports = ['a', 'b'].map(
      (nodeId, i) =>
        new GrpcPeerTransport({
          nodeId,
          host: '127.0.0.1',
          port: 0,
          clusterId: 'snapshots',
          snapshotStore: stores[i],
          maxMessageBytes: 4 * 1024 * 1024,
        }),
    );
    try {
      transports[1].onMessage((message) => received.push(message));
      for (const transport of transports) await transport.start();
      transports[0].setPeer({ nodeId: 'b', host: '127.0.0.1', raftPort: transports[1].port });
      const image = randomBytes(12 * 1024 * 1024);
      const ref = await writeSnapshotImage(stores[0], async (sink) => {
        for (let offset = 0; offset < image.length; offset += 1024 * 1024) {
          await sink(image.subarray(offset, offset + 1024 * 1024));
        }
      });
      transports[0].send({
        type: 'snapshot',
        from: 'a',
        to: 'b',
        term: 3,
        snapshot: {
          metadata: { index: 42, term: 3, confState: { voters: ['a', 'b'], learners: [] } },
          data: ref,
        },
      });
      const deadline = Date.now() + 30_000;
      while (received.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(received.length, 1, 'the snapshot arrived');
      const delivered = received[0].snapshot?.data ?? new Uint8Array(0);
      assert.notDeepEqual(Buffer.from(delivered), Buffer.from(ref), 'a reference of its own');
      assert.equal(await stores[1].size(delivered), image.length);
      assert.equal(sha256(await collect(stores[1].chunks(delivered))), sha256(image));
      assert.equal(wholeImageReads, 0, 'the sender read the image back to hash it');
    } finally {
      for (const transport of transports) await transport.close();
    }
  });
});
