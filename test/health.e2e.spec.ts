import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { AppModule } from '../apps/cluster-node/src/app.module';

describe('cluster node HTTP (real socket)', () => {
  let app: INestApplication;
  let baseUrl: string;

  before(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
  });

  after(async () => {
    await app?.close();
  });

  it('GET /health/live answers 200 with status ok', async () => {
    const response = await fetch(`${baseUrl}/health/live`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { status?: unknown };
    assert.equal(body.status, 'ok');
  });

  it('answers 404 for an unknown path', async () => {
    const response = await fetch(`${baseUrl}/no-such-path`);
    assert.equal(response.status, 404);
  });
});
