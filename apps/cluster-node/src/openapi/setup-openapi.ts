import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Path of the interactive document; its JSON is at `<path>-json`. */
export const OPENAPI_PATH = 'docs';

/**
 * Serves the OpenAPI document at /docs (and /docs-json). Request bodies in it are the schemas the
 * handlers validate with, so the document cannot drift from what the API accepts.
 */
export function setupOpenApi(app: INestApplication, version: string): void {
  const config = new DocumentBuilder()
    .setTitle('FalconMind Cluster Center')
    .setDescription(
      'Missions and UAVs of a fleet, replicated by Raft. Any node answers; every response carries X-Raft-Node, X-Raft-Term and X-Raft-Applied-Index.',
    )
    .setVersion(version)
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'x-falconmind-cluster-secret' },
      'cluster-secret',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(OPENAPI_PATH, app, document, { jsonDocumentUrl: `${OPENAPI_PATH}-json` });
}
