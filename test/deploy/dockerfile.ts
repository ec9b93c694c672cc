import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DOCKER_DIR } from './compose-file';

/** One instruction of a Dockerfile, continuation lines joined. */
export interface Instruction {
  /** Upper case: `FROM`, `RUN`, `COPY`, … */
  readonly keyword: string;
  /** Everything after the keyword, trimmed. */
  readonly args: string;
}

/** One build stage: its `FROM` and the instructions up to the next `FROM`. */
export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** Reads docker/Dockerfile (or another file there) into its stages. */
export function readDockerfile(fileName = 'Dockerfile'): Stage[] {
  return parseDockerfile(readFileSync(path.join(DOCKER_DIR, fileName), 'utf8'));
}

/**
 * Splits a Dockerfile into stages. Comment lines are dropped (also between continuation lines, as
 * Docker does); a line ending in a backslash continues on the next. Heredocs are not supported:
 * the Dockerfile uses none.
 */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    const continued = /\\\s*$/.test(line);
    pending += `${continued ? line.replace(/\\\s*$/, '') : line} `;
    if (continued) continue;
    const joined = pending.trim();
    pending = '';
    if (joined === '') continue;
    const match = /^(\S+)\s*(.*)$/.exec(joined)!;
    instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim() });
  }

  const stages: { image: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.replace(/--platform=\S+\s+/, '').split(/\s+/);
      stages.push({
        image,
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return stages;
}

/** The instructions of a stage with this keyword. */
export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/**
 * The JSON array of an exec-form instruction (`CMD ["node", "main.js"]`), or `undefined` for the
 * shell form, which runs under `/bin/sh -c`: the shell, not the program, would then be PID 1 and
 * receive SIGTERM.
 */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
}

/** `ENV` of a stage as name → value (the `NAME=value` form; quotes removed). */
export function environmentOfStage(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of instructionsOf(stage, 'ENV')) {
    for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g)) {
      env[match[1]] = match[2].replace(/^(["'])(.*)\1$/, '$2');
    }
  }
  return env;
}

/** The options (`--from=build`) and the paths of a `COPY` or `ADD`: sources, then destination. */
export function copyArguments(args: string): {
  options: Record<string, string>;
  sources: string[];
  destination: string;
} {
  const words = execForm(args) ?? args.split(/\s+/);
  const options: Record<string, string> = {};
  while (words.length > 0 && words[0].startsWith('--')) {
    const [name, value = ''] = words.shift()!.slice(2).split('=');
    options[name] = value;
  }
  const destination = words.pop() ?? '';
  return { options, sources: words, destination };
}

/** The `HEALTHCHECK` command as an exec-form array, and its options (`--interval=10s`, …). */
export function healthCheckInstruction(
  stage: Stage,
): { options: Record<string, string>; command: string[] | undefined } | undefined {
  const instruction = instructionsOf(stage, 'HEALTHCHECK').at(-1);
  if (instruction === undefined) return undefined;
  const options: Record<string, string> = {};
  let rest = instruction.args;
  for (let option = /^--([a-z-]+)=(\S+)\s+/.exec(rest); option;) {
    options[option[1]] = option[2];
    rest = rest.slice(option[0].length);
    option = /^--([a-z-]+)=(\S+)\s+/.exec(rest);
  }
  if (!rest.startsWith('CMD ')) return { options, command: undefined };
  return { options, command: execForm(rest.slice(4).trim()) };
}
