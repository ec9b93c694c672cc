import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { CLUSTER_SECRET_HEADER } from '@falconmind/consensus';
import { NODE_CONFIG, NodeConfig } from '@falconmind/config';
import { ApiError } from '../common/api-error';
import { headerValue } from '../http/header-value';

/**
 * Membership changes are for the cluster's own nodes and its operators: when CLUSTER_SECRET is set,
 * they must present it. (The hook where a fuller authentication would go.)
 */
@Injectable()
export class ClusterSecretGuard implements CanActivate {
  constructor(@Inject(NODE_CONFIG) private readonly config: NodeConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const secret = this.config.clusterSecret;
    if (!secret) return true;
    const presented = headerValue(
      context.switchToHttp().getRequest<FastifyRequest>(),
      CLUSTER_SECRET_HEADER,
    );
    const expected = Buffer.from(secret);
    const given = Buffer.from(presented);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return true;
    throw new ApiError(
      HttpStatus.UNAUTHORIZED,
      `membership changes need the cluster secret in the ${CLUSTER_SECRET_HEADER} header`,
    );
  }
}
