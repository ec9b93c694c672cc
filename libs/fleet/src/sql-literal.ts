/**
 * A string as a PostgreSQL string literal, what pg's `escapeLiteral` gives: quotes doubled, and,
 * if the text holds a backslash, backslashes doubled in an `E'…'` literal (so that the literal
 * means the same whatever `standard_conforming_strings` says).
 *
 * Why not pg's own: it builds the literal a character at a time, and the apply path writes a whole
 * batch of missions or events as one literal on every node; on a busy leader it allocated more
 * than any function but the creates' INSERT itself. Replacing by pattern copies the text once.
 */
export function sqlLiteral(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return text.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}
