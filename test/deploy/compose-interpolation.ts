/**
 * Variable interpolation as Docker Compose applies it to a compose file's values, so that a test
 * sees the environment a container would get:
 *
 * - `$VAR` and `${VAR}`: the value, or an empty string when unset;
 * - `${VAR:-default}` (unset or empty) and `${VAR-default}` (unset): the default otherwise;
 * - `${VAR:?message}` (unset or empty) and `${VAR?message}` (unset): an error otherwise;
 * - `${VAR:+replacement}` (set and not empty) and `${VAR+replacement}` (set): the replacement;
 * - `$$`: a literal `$`.
 *
 * Defaults, messages and replacements may themselves hold interpolations, as Compose allows.
 */

/** The variables Compose would read: the shell's environment and the project's `.env` file. */
export type InterpolationEnvironment = Readonly<Record<string, string | undefined>>;

/** Thrown for `${VAR:?message}` and `${VAR?message}` when VAR is missing, as Compose refuses then. */
export class RequiredVariableError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`required variable ${variable} is missing a value${detail ? `: ${detail}` : ''}`);
    this.name = 'RequiredVariableError';
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPERATORS = [':-', ':?', ':+', '-', '?', '+'] as const;

/** Substitutes every variable reference in `text`. */
export function interpolate(text: string, env: InterpolationEnvironment): string {
  let result = '';
  let position = 0;
  while (position < text.length) {
    const dollar = text.indexOf('$', position);
    if (dollar === -1 || dollar === text.length - 1) {
      result += text.slice(position);
      break;
    }
    result += text.slice(position, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      result += '$';
      position = dollar + 2;
    } else if (next === '{') {
      const close = matchingBrace(text, dollar + 1);
      result += expandBraced(text.slice(dollar + 2, close), env);
      position = close + 1;
    } else {
      const name = NAME.exec(text.slice(dollar + 1))?.[0];
      if (name === undefined) {
        result += '$';
        position = dollar + 1;
      } else {
        result += env[name] ?? '';
        position = dollar + 1 + name.length;
      }
    }
  }
  return result;
}

/** Interpolates every string in a parsed compose document (values only: keys stay as written). */
export function interpolateValues(value: unknown, env: InterpolationEnvironment): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateValues(item, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateValues(item, env)]),
    );
  }
  return value;
}

/** Index of the `}` that closes the `{` at `open`, counting nested `${…}`. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === '{') depth++;
    else if (text[index] === '}' && --depth === 0) return index;
  }
  throw new SyntaxError(`unclosed \${ in ${JSON.stringify(text)}`);
}

/** The value of `name[operator argument]`, the inside of one `${…}`. */
function expandBraced(inside: string, env: InterpolationEnvironment): string {
  const name = NAME.exec(inside)?.[0];
  if (name === undefined) throw new SyntaxError(`invalid interpolation \${${inside}}`);
  const rest = inside.slice(name.length);
  const value = env[name];
  if (rest === '') return value ?? '';
  const operator = OPERATORS.find((candidate) => rest.startsWith(candidate));
  if (operator === undefined) throw new SyntaxError(`invalid interpolation \${${inside}}`);
  // The argument is expanded only when it is used, as Compose does.
  const argument = () => interpolate(rest.slice(operator.length), env);
  const missing = operator.startsWith(':')
    ? value === undefined || value === ''
    : value === undefined;
  switch (operator) {
    case ':-':
    case '-':
      return missing ? argument() : value!;
    case ':?':
    case '?':
      if (missing) throw new RequiredVariableError(name, argument());
      return value!;
    case ':+':
    case '+':
      return missing ? '' : argument();
  }
}
