import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  CLUSTER_SECRET_HEADER,
  ClusterNodeRuntime,
  NotClusterLeaderError,
} from '@falconmind/consensus';
import { NODE_CONFIG, NodeConfig } from '@falconmind/config';
import { ApiError } from '../common/api-error';
import { headerValue } from '../http/header-value';
import { ClusterSecretGuard } from './cluster-secret.guard';
import { clusterInfoView, memberView } from './cluster-view';
import { CLUSTER_RUNTIME } from './cluster.tokens';
import { FORWARDED_HEADER, forwardToLeader } from './leader-forwarder';
import { parseRegisterNode } from './register-node.request';

const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The cluster API of DESIGN.md. Reads answer from this node's view; membership changes run on the
 * leader, and a follower forwards them there once.
 */
@Controller('cluster')
export class ClusterController {
  constructor(
    @Inject(CLUSTER_RUNTIME) private readonly runtime: ClusterNodeRuntime,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  @Get('info')
  info(): Record<string, unknown> {
    return clusterInfoView(this.runtime.status());
  }

  @Get('leader')
  leader(): Record<string, unknown> {
    const status = this.runtime.status();
    const leader = status.members.find((m) => m.isLeader);
    return {
      leader: leader ? memberView(leader) : null,
      term: status.term,
    };
  }

  @Get('nodes')
  nodes(): Record<string, unknown> {
    return { nodes: this.runtime.status().members.map(memberView) };
  }

  @Post('register')
  @UseGuards(ClusterSecretGuard)
  async register(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<unknown> {
    const parsed = parseRegisterNode(body);
    if (Array.isArray(parsed)) throw ApiError.badRequest(parsed);
    if (parsed.clusterId !== undefined && parsed.clusterId !== this.config.clusterId) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        `${parsed.nodeId} belongs to cluster "${parsed.clusterId}"; this is cluster "${this.config.clusterId}"`,
        [{ field: 'cluster_id', reason: `must be "${this.config.clusterId}"` }],
      );
    }
    // With no usable address, take the one the request came from (a node listening on 0.0.0.0).
    const address = parsed.address ?? remoteAddress(request);
    if (!this.isLeader()) {
      return this.forward(request, response, 'POST', '/cluster/register', {
        node_id: parsed.nodeId,
        address,
        port: parsed.port,
        raft_port: parsed.raftPort,
        cluster_id: parsed.clusterId,
        cluster_uuid: parsed.clusterUuid,
      });
    }
    const outcome = await this.runtime.register(
      parsed.nodeId,
      { address, httpPort: parsed.port, raftPort: parsed.raftPort },
      parsed.clusterUuid,
    );
    response.status(outcome === 'added' ? HttpStatus.CREATED : HttpStatus.OK);
    return {
      node_id: parsed.nodeId,
      address,
      port: parsed.port,
      raft_port: parsed.raftPort,
      role: 'learner',
      outcome,
      cluster_uuid: this.runtime.clusterUuid ?? null,
      // The new node needs these to answer the leader before it has the member list itself.
      members: this.runtime
        .status()
        .members.filter((m) => m.address && m.raftPort)
        .map((m) => ({ node_id: m.nodeId, address: m.address, raft_port: m.raftPort })),
    };
  }

  @Delete('nodes/:nodeId')
  @UseGuards(ClusterSecretGuard)
  async remove(
    @Param('nodeId') nodeId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<unknown> {
    if (!NODE_ID.test(nodeId)) {
      throw ApiError.badRequest([
        { field: 'nodeId', reason: 'must be 1-64 letters, digits, ".", "_" or "-"' },
      ]);
    }
    if (!this.runtime.status().members.some((m) => m.nodeId === nodeId)) {
      throw new ApiError(HttpStatus.NOT_FOUND, `${nodeId} is not a member of this cluster`);
    }
    if (!this.isLeader()) {
      return this.forward(
        request,
        response,
        'DELETE',
        `/cluster/nodes/${encodeURIComponent(nodeId)}`,
      );
    }
    await this.runtime.remove(nodeId);
    return { node_id: nodeId, removed: true };
  }

  @Post('leader/transfer')
  @HttpCode(HttpStatus.OK)
  @UseGuards(ClusterSecretGuard)
  async transfer(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<unknown> {
    const record =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const target = record.node_id;
    if (target !== undefined && (typeof target !== 'string' || !NODE_ID.test(target))) {
      throw ApiError.badRequest([
        { field: 'node_id', reason: 'must be the id of a voter, or absent' },
      ]);
    }
    if (
      typeof target === 'string' &&
      !this.runtime.status().members.some((m) => m.nodeId === target)
    ) {
      throw new ApiError(HttpStatus.NOT_FOUND, `${target} is not a member of this cluster`);
    }
    if (!this.isLeader()) {
      return this.forward(request, response, 'POST', '/cluster/leader/transfer', record);
    }
    const leader = await this.runtime.transferLeadership(
      typeof target === 'string' ? target : undefined,
    );
    return { leader, term: this.runtime.status().term };
  }

  private isLeader(): boolean {
    return this.runtime.status().role === 'leader';
  }

  private async forward(
    request: FastifyRequest,
    response: FastifyReply,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<unknown> {
    if (headerValue(request, FORWARDED_HEADER))
      throw new NotClusterLeaderError(this.runtime.leaderMember());
    const secret = headerValue(request, CLUSTER_SECRET_HEADER);
    const forwarded = await forwardToLeader(this.runtime.leaderMember(), this.runtime.nodeId, {
      method,
      path,
      body,
      headers: secret ? { [CLUSTER_SECRET_HEADER]: secret } : {},
    });
    response.status(forwarded.status);
    return forwarded.body;
  }
}

function remoteAddress(request: FastifyRequest): string {
  const address = request.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
