import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeLiteral } from 'pg';
import { SeededRandom } from '@falconmind/raft';
import { sqlLiteral } from './sql-literal';

describe('sqlLiteral', () => {
  it("gives pg's escapeLiteral for quotes, backslashes and text beyond ASCII", () => {
    for (const text of [
      '',
      'plain',
      "O'Brien's",
      'back\\slash',
      "both ' and \\",
      '"naïve" ✈ 🚁',
      "''\\\\",
    ]) {
      assert.equal(sqlLiteral(text), escapeLiteral(text), text);
    }
  });

  it("gives pg's escapeLiteral for random texts of quotes, backslashes and letters", () => {
    const random = new SeededRandom(11);
    const alphabet = ["'", '\\', 'a', 'é', '"', ' ', '\n', '😀'];
    for (let i = 0; i < 2_000; i++) {
      let text = '';
      for (let n = random.nextInt(12); n > 0; n--)
        text += alphabet[random.nextInt(alphabet.length)];
      assert.equal(sqlLiteral(text), escapeLiteral(text), JSON.stringify(text));
    }
  });
});
