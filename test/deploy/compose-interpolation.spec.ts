import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequiredVariableError, interpolate, interpolateValues } from './compose-interpolation';

describe('compose interpolation', () => {
  const env = { SET: 'value', EMPTY: '' };

  it('substitutes $VAR and ${VAR}, an unset one by nothing', () => {
    assert.equal(interpolate('a $SET b ${SET} c', env), 'a value b value c');
    assert.equal(interpolate('[${UNSET}][$UNSET]', env), '[][]');
  });

  it('takes a default for an unset variable, and with a colon for an empty one too', () => {
    assert.equal(interpolate('${UNSET:-d} ${EMPTY:-d} ${SET:-d}', env), 'd d value');
    assert.equal(interpolate('${UNSET-d} [${EMPTY-d}] ${SET-d}', env), 'd [] value');
  });

  it('refuses a required variable that is missing, naming it', () => {
    assert.throws(
      () => interpolate('${UNSET:?set it}', env),
      (error: unknown) => {
        assert.ok(error instanceof RequiredVariableError);
        assert.equal(error.variable, 'UNSET');
        assert.match(error.message, /UNSET.*set it/);
        return true;
      },
    );
    assert.throws(() => interpolate('${EMPTY:?}', env), RequiredVariableError);
    assert.equal(interpolate('[${EMPTY?}]', env), '[]');
  });

  it('replaces a set variable with :+ and +', () => {
    assert.equal(
      interpolate('[${SET:+r}][${EMPTY:+r}][${EMPTY+r}][${UNSET+r}]', env),
      '[r][][r][]',
    );
  });

  it('nests interpolations in defaults and expands them only when used', () => {
    assert.equal(interpolate('${UNSET:-${SET}-x}', env), 'value-x');
    assert.equal(interpolate('${SET:-${UNSET:?never}}', env), 'value');
  });

  it('keeps $$ as a literal dollar, and a $ that starts no name', () => {
    assert.equal(interpolate('$$SET costs $5 $', env), '$SET costs $5 $');
  });

  it('refuses malformed references', () => {
    assert.throws(() => interpolate('${SET', env), SyntaxError);
    assert.throws(() => interpolate('${1X}', env), SyntaxError);
    assert.throws(() => interpolate('${SET/x/y}', env), SyntaxError);
  });

  it('interpolates every string value of a document, never its keys', () => {
    assert.deepEqual(
      interpolateValues({ $SET: ['${SET}', 3, null, { nested: '${UNSET:-d}' }] }, env),
      { $SET: ['value', 3, null, { nested: 'd' }] },
    );
  });
});
