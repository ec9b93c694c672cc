import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '@falconmind/raft';
import { canonicalJson, canonicalJsonByParts } from './canonical-json';

/** Random JSON-like values, rich in what could make the two texts differ. */
function randomValue(random: SeededRandom, depth: number): unknown {
  const keys = [
    'a',
    'b',
    'Z',
    'é',
    '😀',
    '\u{fffd}',
    '0',
    '7',
    '10',
    '01',
    '4294967295',
    '-1',
    '__proto__',
    'toJSON',
    'payload',
    '',
  ];
  const roll = random.nextInt(depth > 3 ? 6 : 9);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return random.nextInt(2) === 0;
    case 2:
      return [0, -0, 1.5, -2.25e-7, 1e21, 123456789012, Number.MAX_SAFE_INTEGER][random.nextInt(7)];
    case 3:
      return ['', 'x', 'quote " and \\ back', 'line\nbreak', 'ünï ✈', '\u0001'][random.nextInt(6)];
    case 4:
      return undefined;
    case 5:
      return random.nextFloat() * 360 - 180;
    case 6:
    case 7: {
      const object: Record<string, unknown> = {};
      for (let n = random.nextInt(6); n > 0; n--) {
        Object.defineProperty(object, keys[random.nextInt(keys.length)], {
          value: randomValue(random, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return object;
    }
    default:
      return Array.from({ length: random.nextInt(5) }, () => randomValue(random, depth + 1));
  }
}

describe('canonicalJson', () => {
  it('gives the text of its definition for random values (index keys, __proto__, undefined)', () => {
    const random = new SeededRandom(5);
    for (let i = 0; i < 5_000; i++) {
      const value = randomValue(random, 0);
      assert.equal(canonicalJson(value), canonicalJsonByParts(value), JSON.stringify(value));
    }
  });

  it('gives the text of its definition for an object of many keys (sorted another way)', () => {
    const random = new SeededRandom(9);
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 500; i++) wide[`k${random.nextInt(100_000)}é${i % 7}`] = i;
    assert.equal(canonicalJson({ wide }), canonicalJsonByParts({ wide }));
  });

  it('gives the text of its definition for parsed JSON with keys in any order', () => {
    const parsed: unknown = JSON.parse(
      '{"z":1,"a":{"y":[3,{"b":2,"a":1}],"__proto__":{"x":1},"2":"two","10":"ten"},"m":[]}',
    );
    assert.equal(canonicalJson(parsed), canonicalJsonByParts(parsed));
    assert.equal(
      canonicalJson({ b: [1, 2], a: { d: 1, c: undefined } }),
      '{"a":{"d":1},"b":[1,2]}',
    );
  });
});
