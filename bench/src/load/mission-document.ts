/** Bytes of one written document, as the issue asks: a mission of about 300 bytes. */
export const DOCUMENT_TARGET_BYTES = 300;

/**
 * The mission body POSTed to FalconMind, and the very same JSON string put as the value of the etcd
 * key, so both systems replicate and store the same bytes. `description` pads it to the target size.
 */
export function missionDocument(missionId: string, uavId: string): string {
  const body = {
    mission_id: missionId,
    name: 'bench survey',
    mission_type: 'SINGLE_UAV',
    uav_list: [uavId],
    priority: 5,
    payload: {
      search_area: [
        { lat: 47.1, lon: 8.5 },
        { lat: 47.1, lon: 8.6 },
        { lat: 47.2, lon: 8.6 },
      ],
      search_params: { pattern: 'LAWN_MOWER' },
    },
    description: '',
  };
  const unpadded = Buffer.byteLength(JSON.stringify(body));
  body.description = 'x'.repeat(Math.max(0, DOCUMENT_TARGET_BYTES - unpadded));
  return JSON.stringify(body);
}
