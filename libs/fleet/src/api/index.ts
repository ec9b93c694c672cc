export type { JsonSchema } from './json-schema';
export { checkRequestBody } from './check-request-body';
export {
  CREATE_MISSION_REQUEST,
  MISSION_ACTION_REQUEST,
  MISSION_PROGRESS_REQUEST,
  REGISTER_UAV_REQUEST,
  UAV_HEARTBEAT_REQUEST,
} from './request-schemas';
export {
  API_ERROR_RESPONSE,
  HEARTBEAT_ACCEPTED_RESPONSE,
  MISSION_PAGE_RESPONSE,
  MISSION_RESPONSE,
  UAV_PAGE_RESPONSE,
  UAV_RESPONSE,
} from './response-schemas';
