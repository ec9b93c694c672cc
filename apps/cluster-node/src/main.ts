import 'reflect-metadata';

import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { AppModule } from './app.module';
import { InvalidEnvironmentError, readListenConfig } from './config/listen-config';

async function bootstrap(): Promise<void> {
  const { address, port } = readListenConfig(process.env);
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  await app.listen(port, address);
  new Logger('Bootstrap').log(`cluster node listening on http://${address}:${port}`);
}

bootstrap().catch((error: unknown) => {
  // A bad variable is reported in one line; anything else with its stack.
  console.error(error instanceof InvalidEnvironmentError ? error.message : error);
  process.exit(1);
});
