import 'reflect-metadata';

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { loadNodeConfig } from './load-node-config';
import { NodeConfig } from './node-config';
import { InjectNodeConfig, NODE_CONFIG, NodeConfigModule } from './node-config.module';

@Injectable()
class RaftTimings {
  constructor(@InjectNodeConfig() readonly config: NodeConfig) {}
}

/** A feature module that does not import NodeConfigModule: the config reaches it globally. */
@Module({ providers: [RaftTimings], exports: [RaftTimings] })
class FeatureModule {}

describe('NodeConfigModule', () => {
  it('provides the loaded configuration to every module under NODE_CONFIG', async () => {
    const config = loadNodeConfig({ NODE_ID: 'node3', RAFT_TICK_MS: '50' });
    const moduleRef = await Test.createTestingModule({
      imports: [NodeConfigModule.forRoot(config), FeatureModule],
    }).compile();
    assert.equal(moduleRef.get<NodeConfig>(NODE_CONFIG), config);
    assert.equal(moduleRef.get(RaftTimings).config, config);
    await moduleRef.close();
  });
});
