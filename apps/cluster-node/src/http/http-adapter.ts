import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { DEFAULT_BODY_LIMIT_BYTES, RouteBodyLimit, routeBodyLimit } from './body-limits';

/**
 * The HTTP server under Nest: Fastify. Express (Nest's default) spent about 0.4 ms of CPU on each
 * small JSON request here, its router walking every route and its body parser a chain of
 * packages; Fastify spends about 0.15 ms (docs/performance.md, "The fifth round"). The API does not
 * change: the same paths, bodies, status codes and error shapes.
 *
 * - Bodies: JSON only, {@link DEFAULT_BODY_LIMIT_BYTES} unless the route is in `bodyLimits`. An
 *   empty JSON body counts as no body (as before), so that an action with an optional body may
 *   be sent with the JSON content type and nothing else. Prototype-poisoning keys are refused.
 * - A path Fastify cannot even decode is a 400 naming the path, in the API's error shape.
 * - `/missions/` matches `/missions`, as it did.
 *
 * Call before `NestFactory.create`, and pass `{ bodyParser: false }` to it: Nest would otherwise
 * install its own JSON parser over this one.
 */
export function createHttpAdapter(bodyLimits: readonly RouteBodyLimit[]): FastifyAdapter {
  const adapter = new FastifyAdapter({
    bodyLimit: DEFAULT_BODY_LIMIT_BYTES,
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: answerUnroutableRequest,
  });
  const fastify = adapter.getInstance();
  // Routes are registered when Nest initialises, after this hook is in place.
  fastify.addHook('onRoute', (route) => {
    const own = routeBodyLimit(bodyLimits, route.url);
    if (own) route.bodyLimit = own.limitBytes;
  });
  // Fastify keeps a request, and so its parsed body, reachable after the answer (until the
  // connection's next request): large bodies then outlive the young generation and are collected
  // by full collections. A 50 KB body cost twice the CPU per request until it was let go here.
  fastify.addHook('onResponse', (request, _reply, done) => {
    request.body = undefined;
    done();
  });
  const strictJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (request: FastifyRequest, body: string, done) => {
      if (body.length === 0) {
        done(null, undefined);
        return;
      }
      void strictJson(request, body, done);
    },
  );
  return adapter;
}

/**
 * Fastify's answer to a request it could not route at all (a path that is not valid percent
 * encoding, a parameter longer than the router takes), in the API's error shape.
 */
function answerUnroutableRequest(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 400;
  const answer = new ApiError(status, `the request path could not be read: ${error.message}`, [
    { field: 'path', reason: error.message },
  ]);
  void reply.status(status).send(answer.getResponse());
}
