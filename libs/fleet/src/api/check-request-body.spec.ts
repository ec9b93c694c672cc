import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createMission, registerUav } from '../testing/fleet-test-kit';
import { validateFleetCommand } from '../validation';
import { checkRequestBody } from './check-request-body';
import { JsonSchema } from './json-schema';
import {
  CREATE_MISSION_REQUEST,
  MISSION_ACTION_REQUEST,
  MISSION_PROGRESS_REQUEST,
  REGISTER_UAV_REQUEST,
  UAV_HEARTBEAT_REQUEST,
} from './request-schemas';

type Body = Record<string, unknown>;

/** A valid create-mission body: a command without the fields the cluster sets. */
function missionBody(overrides: Body = {}): Body {
  const { type: _type, at: _at, ...body } = createMission('m-1');
  return { ...body, ...overrides };
}

function registerBody(overrides: Body = {}): Body {
  const { type: _type, at: _at, uav_id: _id, ...body } = registerUav('uav-1');
  return { ...body, position: { lat: 47, lon: 8, alt: 400 }, battery: 80, ...overrides };
}

/** The command the node would build from the body (as the controllers do). */
function asCommand(schema: JsonSchema, body: unknown): Body {
  const fields = typeof body === 'object' && body !== null ? (body as Body) : {};
  const at = '2030-01-01T00:00:00Z';
  if (schema === CREATE_MISSION_REQUEST) return { ...fields, type: 'CreateMission', at };
  if (schema === REGISTER_UAV_REQUEST) return { ...fields, type: 'RegisterUav', uav_id: 'u', at };
  if (schema === MISSION_PROGRESS_REQUEST)
    return { ...fields, type: 'ReportMissionProgress', mission_id: 'm', at };
  return { ...fields, type: 'PauseMission', mission_id: 'm', at };
}

describe('checkRequestBody: the schemas the API validates with and documents', () => {
  it('accepts valid bodies', () => {
    const cases: Array<[JsonSchema, unknown]> = [
      [CREATE_MISSION_REQUEST, missionBody()],
      [CREATE_MISSION_REQUEST, missionBody({ mission_id: undefined, priority: -3 })],
      [
        CREATE_MISSION_REQUEST,
        missionBody({
          mission_type: 'MULTI_UAV',
          uav_list: ['uav-1', 'uav-2'],
          payload: {
            waypoints: [{ lat: 1, lon: 2, alt: 30 }],
            search_params: { pattern: 'WAYPOINT_LIST', speed: 12, loop: false, note: 'x' },
          },
        }),
      ],
      [MISSION_ACTION_REQUEST, {}],
      [MISSION_ACTION_REQUEST, { expected_version: 3, idempotency_key: 'retry-7' }],
      [MISSION_PROGRESS_REQUEST, { progress: 1, state: 'SUCCEEDED' }],
      [REGISTER_UAV_REQUEST, registerBody()],
      [REGISTER_UAV_REQUEST, {}],
      [UAV_HEARTBEAT_REQUEST, { status: 'BUSY', battery: 55.5, current_mission_id: null }],
    ];
    for (const [schema, body] of cases) {
      assert.deepEqual(
        checkRequestBody(schema, JSON.parse(JSON.stringify(body))),
        [],
        JSON.stringify(body),
      );
    }
  });

  const refused: Array<[string, JsonSchema, unknown, Array<{ field: string; reason: string }>]> = [
    [
      'a body that is not an object',
      MISSION_ACTION_REQUEST,
      [1],
      [{ field: 'body', reason: 'must be an object' }],
    ],
    [
      'missing required fields',
      CREATE_MISSION_REQUEST,
      {},
      [
        { field: 'name', reason: 'is required' },
        { field: 'mission_type', reason: 'is required' },
        { field: 'uav_list', reason: 'is required' },
        { field: 'payload', reason: 'is required' },
        { field: 'priority', reason: 'is required' },
      ],
    ],
    [
      'an unknown enum value',
      CREATE_MISSION_REQUEST,
      missionBody({ mission_type: 'SWARM' }),
      [{ field: 'mission_type', reason: 'must be one of SINGLE_UAV, MULTI_UAV, CLUSTER' }],
    ],
    [
      'a latitude out of range',
      CREATE_MISSION_REQUEST,
      missionBody({
        payload: {
          search_area: [
            { lat: 91, lon: 0 },
            { lat: 0, lon: 1 },
            { lat: 1, lon: 1 },
          ],
          search_params: { pattern: 'SPIRAL' },
        },
      }),
      [{ field: 'payload.search_area[0].lat', reason: 'must be at most 90' }],
    ],
    [
      'an empty polygon',
      CREATE_MISSION_REQUEST,
      missionBody({
        payload: { search_area: [], search_params: { pattern: 'SPIRAL' } },
      }),
      [{ field: 'payload.search_area', reason: 'must have at least 3 items' }],
    ],
    [
      'an unknown field',
      MISSION_ACTION_REQUEST,
      { force: true },
      [{ field: 'force', reason: 'is not a known field' }],
    ],
    [
      'a search parameter that is an object',
      CREATE_MISSION_REQUEST,
      missionBody({
        payload: {
          search_area: [
            { lat: 0, lon: 0 },
            { lat: 0, lon: 1 },
            { lat: 1, lon: 1 },
          ],
          search_params: { pattern: 'SPIRAL', extra: { a: 1 } },
        },
      }),
      [
        {
          field: 'payload.search_params.extra',
          reason: 'must be a number, a boolean or a string of at most 200 characters',
        },
      ],
    ],
    [
      'progress outside 0..1',
      MISSION_PROGRESS_REQUEST,
      { progress: 1.5 },
      [{ field: 'progress', reason: 'must be at most 1' }],
    ],
    [
      'a fractional version',
      MISSION_ACTION_REQUEST,
      { expected_version: 1.5 },
      [{ field: 'expected_version', reason: 'must be an integer' }],
    ],
    [
      'a repeated UAV',
      CREATE_MISSION_REQUEST,
      missionBody({ mission_type: 'MULTI_UAV', uav_list: ['a', 'a'] }),
      [{ field: 'uav_list', reason: 'must not repeat items (items 1 and 0 are equal)' }],
    ],
    [
      'a battery over 100',
      UAV_HEARTBEAT_REQUEST,
      { battery: 101 },
      [{ field: 'battery', reason: 'must be at most 100' }],
    ],
    [
      'a bad id',
      CREATE_MISSION_REQUEST,
      missionBody({ mission_id: '-x' }),
      [{ field: 'mission_id', reason: 'must match ^[A-Za-z0-9][A-Za-z0-9._:-]*$' }],
    ],
  ];
  for (const [name, schema, body, problems] of refused) {
    it(`refuses ${name}, naming the field`, () => {
      assert.deepEqual(checkRequestBody(schema, body), problems);
    });
  }

  /**
   * The schemas must never refuse what the command validator accepts (the document would then lie
   * to clients), and whatever a schema refuses the validator refuses too, for the same field: so
   * the 400 a client gets does not depend on which of the two looked first.
   */
  it('agrees with the command validator on a corpus of mutated bodies', () => {
    const values: unknown[] = [
      undefined,
      null,
      '',
      'x',
      -1,
      0,
      0.5,
      1,
      7,
      91,
      181,
      1e6,
      true,
      [],
      {},
      ['a'],
      [{}],
    ];
    const bases: Array<[JsonSchema, Body]> = [
      [CREATE_MISSION_REQUEST, missionBody()],
      [REGISTER_UAV_REQUEST, registerBody()],
      [MISSION_PROGRESS_REQUEST, { progress: 0.5, state: 'FAILED', expected_version: 2 }],
      [MISSION_ACTION_REQUEST, { expected_version: 2, idempotency_key: 'k-1' }],
    ];
    let compared = 0;
    const disagreements: string[] = [];
    for (const [schema, base] of bases) {
      const paths = leafPaths(base);
      for (const path of paths) {
        for (const value of values) {
          const body = withValue(base, path, value);
          const schemaProblems = checkRequestBody(schema, body);
          const commandProblems = validateFleetCommand(asCommand(schema, body));
          const label = `${String(schema.title)} ${path.join('.')}=${JSON.stringify(value)}`;
          for (const problem of schemaProblems) {
            if (commandProblems.some((p) => sameField(p.field, problem.field))) continue;
            const validator =
              commandProblems.length === 0
                ? 'accepted the body'
                : `named only ${commandProblems.map((p) => p.field).join(', ')}`;
            disagreements.push(
              `${label}: the schema refused ${problem.field} (${problem.reason}), the validator ${validator}`,
            );
          }
          compared++;
        }
      }
    }
    assert.deepEqual(disagreements, []);
    assert.ok(compared > 300, `compared ${compared} bodies`);
  });
});

/** One field names the other or an enclosing one (`payload` and `payload.search_area`). */
function sameField(a: string, b: string): boolean {
  const within = (inner: string, outer: string) =>
    inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return within(a, b) || within(b, a);
}

/** Paths of every value in a JSON body, objects and arrays included. */
function leafPaths(
  value: unknown,
  prefix: Array<string | number> = [],
): Array<Array<string | number>> {
  const paths: Array<Array<string | number>> = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value))
    value.forEach((item, i) => paths.push(...leafPaths(item, [...prefix, i])));
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value))
      paths.push(...leafPaths(item, [...prefix, key]));
  return paths;
}

/** A deep copy of `body` with the value at `path` replaced (removed when `undefined`). */
function withValue(body: Body, path: Array<string | number>, value: unknown): Body {
  const copy = JSON.parse(JSON.stringify(body)) as Body;
  let node: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined && Array.isArray(node)) node.splice(last as number, 1);
  else if (value === undefined) delete node[last];
  else node[last] = JSON.parse(JSON.stringify(value)) as unknown;
  return copy;
}
