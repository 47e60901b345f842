/**
 * What an unscripted process of the fake runtime does, decided from its
 * command line without running anything: the output it prints, the time it
 * sleeps, and whether it then exits (with which code) or keeps running.
 *
 * The rules (for containers and for the default ExecSync):
 * - `true` and `:` exit 0, `false` exits 1; `echo [-n] words...` prints;
 * - `sleep N` (seconds, with an optional `s`/`m`/`h`/`d` suffix; several
 *   numbers add up) waits N seconds on the fake's clock, then exits 0;
 *   `sleep infinity` keeps running;
 * - `sh -c SCRIPT` (also `bash`, `ash`, `dash`, any path) runs a script of
 *   the commands above and `exit [N]` and `exec CMD`, joined by `;`,
 *   newlines, `&&` and `||`, with quotes, `>&2`/`1>&2` (to stderr) and
 *   `>/dev/null`/`2>/dev/null`/`2>&1`; `sh` alone (no stdin) exits 0;
 * - anything else (a server such as `httpd`, a loop, a pipe, a variable,
 *   an unknown program, no command at all) keeps running: from the first
 *   statement the fake does not know, the process runs until stopped, after
 *   printing what the statements before it printed.
 *
 * @module
 */

/** One thing a process does before it ends. */
export type PlanStep =
  | { kind: "output"; stream: "stdout" | "stderr"; text: string }
  | { kind: "sleep"; ms: number };

/** How a process ends: it exits, or runs until stopped. */
export type PlanEnd =
  | { kind: "exit"; exitCode: number }
  | { kind: "run"; known: boolean };

/** The whole life of a process. */
export interface CommandPlan {
  steps: PlanStep[];
  end: PlanEnd;
}

const SHELLS = new Set(["sh", "bash", "ash", "dash"]);
const RUN_UNKNOWN: PlanEnd = { kind: "run", known: false };
const UNIT_S: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86400 };

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Seconds of `sleep` arguments, Infinity for `infinity`, undefined when invalid. */
function sleepSeconds(args: string[]): number | undefined {
  if (args.length === 0) return undefined;
  let total = 0;
  for (const arg of args) {
    if (arg === "infinity" || arg === "inf") return Infinity;
    const m = arg.match(/^(\d+(?:\.\d+)?|\.\d+)([smhd]?)$/);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_S[m[2]];
  }
  return total;
}

type Word = { text: string };
type Token = Word | { op: string };

const REDIRECT = /^(?:[12]?>&[12]|[12]?>[ \t]*\/dev\/null)/;

/** Splits a script into words and operators; undefined for syntax the fake does not know. */
function tokenize(script: string): Token[] | undefined {
  const tokens: Token[] = [];
  let word: Word | undefined;
  const flush = () => {
    if (word) tokens.push(word);
    word = undefined;
  };
  const append = (text: string) => {
    word = { text: (word?.text ?? "") + text };
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    // A redirection starts a token (a digit only where a word would start).
    const redirect = word === undefined || c === ">" ? script.slice(i).match(REDIRECT) : null;
    if (redirect) {
      flush();
      tokens.push({ op: redirect[0].replace(/[ \t]+/g, "") });
      i += redirect[0].length - 1;
    } else if (c === " " || c === "\t") flush();
    else if (c === "\n" || c === ";") {
      flush();
      tokens.push({ op: ";" });
    } else if (script.startsWith("&&", i) || script.startsWith("||", i)) {
      flush();
      tokens.push({ op: script.slice(i, i + 2) });
      i++;
    } else if ("|&()<>{}`$#*?[~".includes(c)) return undefined;
    else if (c === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) return undefined;
      append(script.slice(i + 1, end));
      i = end;
    } else if (c === '"') {
      let text = "";
      for (i++; i < script.length && script[i] !== '"'; i++) {
        if ("$`".includes(script[i])) return undefined;
        if (script[i] === "\\" && '"\\$`\n'.includes(script[i + 1] ?? "")) i++;
        text += script[i];
      }
      if (i >= script.length) return undefined;
      append(text);
    } else if (c === "\\") append(script[++i] ?? "");
    else append(c);
  }
  flush();
  return tokens;
}

interface Result {
  steps: PlanStep[];
  status: number;
  /** Set when the process ends here (exit, exec, or an unknown command). */
  end?: PlanEnd;
}

function echo(args: string[], stream: "stdout" | "stderr" | "null"): PlanStep[] {
  const noNewline = args[0] === "-n";
  const text = (noNewline ? args.slice(1) : args).join(" ") + (noNewline ? "" : "\n");
  return stream === "null" ? [] : [{ kind: "output", stream, text }];
}

/** One simple command: argv plus where its stdout goes. */
function runCommand(argv: string[], stdout: "stdout" | "stderr" | "null"): Result {
  const [cmd, ...args] = argv;
  const name = basename(cmd ?? "");
  if (name === "true" || name === ":") return { steps: [], status: 0 };
  if (name === "false") return { steps: [], status: 1 };
  if (name === "echo") return { steps: echo(args, stdout), status: 0 };
  if (name === "sleep") {
    const seconds = sleepSeconds(args);
    if (seconds === undefined) return { steps: [], status: 0, end: RUN_UNKNOWN };
    if (seconds === Infinity) return { steps: [], status: 0, end: { kind: "run", known: true } };
    return { steps: seconds > 0 ? [{ kind: "sleep", ms: seconds * 1000 }] : [], status: 0 };
  }
  if (SHELLS.has(name)) {
    if (args.length === 0) return { steps: [], status: 0 };
    if (args[0] !== "-c" || args.length < 2) return { steps: [], status: 0, end: RUN_UNKNOWN };
    // A shell's exit ends that shell only: to its caller it is a status.
    const plan = planScript(args[1]);
    if (plan.end.kind === "run") return { steps: plan.steps, status: 0, end: plan.end };
    return { steps: plan.steps, status: plan.end.exitCode };
  }
  return { steps: [], status: 0, end: RUN_UNKNOWN };
}

/** One statement of a script: words and redirections. */
function runStatement(tokens: Token[], status: number): Result {
  const words: string[] = [];
  let stdout: "stdout" | "stderr" | "null" = "stdout";
  for (const t of tokens) {
    if ("op" in t) {
      if (/^1?>&2$/.test(t.op)) stdout = "stderr";
      else if (/^1?>\/dev\/null$/.test(t.op)) stdout = "null";
      // 2>&1 and 2>/dev/null: the commands the fake knows print nothing on stderr.
    } else words.push(t.text);
  }
  if (words.length === 0) return { steps: [], status };
  if (words[0] === "exit") {
    const code = words.length > 1 ? Number(words[1]) : status;
    if (!Number.isInteger(code)) return { steps: [], status, end: RUN_UNKNOWN };
    return { steps: [], status, end: { kind: "exit", exitCode: ((code % 256) + 256) % 256 } };
  }
  if (words[0] === "exec") {
    const result = runCommand(words.slice(1), stdout);
    return { ...result, end: result.end ?? { kind: "exit", exitCode: result.status } };
  }
  return runCommand(words, stdout);
}

/** The plan of a `sh -c` script. */
function planScript(script: string): CommandPlan {
  const tokens = tokenize(script);
  if (!tokens) return { steps: [], end: RUN_UNKNOWN };
  const steps: PlanStep[] = [];
  let status = 0;
  let skip = false;
  let statement: Token[] = [];
  const finish = (op: string): PlanEnd | undefined => {
    if (!skip) {
      const r = runStatement(statement, status);
      steps.push(...r.steps);
      status = r.status;
      if (r.end) return r.end;
    }
    statement = [];
    skip = (op === "&&" && status !== 0) || (op === "||" && status === 0);
    return undefined;
  };
  for (const t of tokens) {
    if ("op" in t && (t.op === ";" || t.op === "&&" || t.op === "||")) {
      const end = finish(t.op);
      if (end) return { steps, end };
    } else statement.push(t);
  }
  const end = finish(";");
  return { steps, end: end ?? { kind: "exit", exitCode: status } };
}

/**
 * The plan of a process running `argv` (already the container's whole
 * command line, or an exec's). `stdin` keeps a bare shell running.
 */
export function planCommand(
  argv: readonly string[],
  options: { stdin?: boolean } = {},
): CommandPlan {
  if (argv.length === 0) return { steps: [], end: { kind: "run", known: true } };
  if (options.stdin && SHELLS.has(basename(argv[0])) && argv.length === 1) {
    return { steps: [], end: { kind: "run", known: true } };
  }
  const r = runCommand([...argv], "stdout");
  return { steps: r.steps, end: r.end ?? { kind: "exit", exitCode: r.status } };
}
