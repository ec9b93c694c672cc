import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CommandPublisher } from './command-publisher';
import { KnownUavs } from './known-uavs';
import { UavLinkConnection } from './uav-link-connection';
import { UplinkHandler } from './uplink-handler';

/** Starts the UAV link once the node is up: the connection, what handles it, the publisher. */
@Injectable()
export class UavLinkService implements OnApplicationBootstrap {
  constructor(
    private readonly link: UavLinkConnection,
    private readonly knownUavs: KnownUavs,
    private readonly uplink: UplinkHandler,
    private readonly publisher: CommandPublisher,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.link.enabled) return;
    this.knownUavs.start();
    this.link.onMessage((topic, payload) => this.uplink.handle(topic, payload));
    this.link.start();
    this.publisher.start();
  }
}
