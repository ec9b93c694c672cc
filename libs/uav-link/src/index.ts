/**
 * The UAV link's protocol (DESIGN.md, "UAV links"; docs/uav-link.md): MQTT topics, the messages in
 * both directions and their validation, and the UAV-side command fence. Plain TypeScript: no MQTT
 * client, no Nest, no clock.
 */
export * from './topics';
export * from './messages';
export * from './parse-messages';
export * from './command-fence';
