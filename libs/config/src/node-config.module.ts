import { DynamicModule, Inject, Module } from '@nestjs/common';

import { NodeConfig } from './node-config';

/** Injection token of the node's {@link NodeConfig}: `@Inject(NODE_CONFIG) config: NodeConfig`. */
export const NODE_CONFIG = Symbol('NODE_CONFIG');

/** Parameter decorator for the node's configuration: `@InjectNodeConfig() config: NodeConfig`. */
export const InjectNodeConfig = (): ParameterDecorator & PropertyDecorator => Inject(NODE_CONFIG);

/**
 * Provides the configuration that `main.ts` loaded and validated before creating the application,
 * to every module (global), under {@link NODE_CONFIG}.
 */
@Module({})
export class NodeConfigModule {
  static forRoot(config: NodeConfig): DynamicModule {
    return {
      module: NodeConfigModule,
      global: true,
      providers: [{ provide: NODE_CONFIG, useValue: config }],
      exports: [NODE_CONFIG],
    };
  }
}
