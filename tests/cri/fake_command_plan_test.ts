import assert from "node:assert/strict";
import { type CommandPlan, planCommand } from "../../src/cri/fake/mod.ts";

const out = (text: string) => ({ kind: "output", stream: "stdout", text }) as const;
const err = (text: string) => ({ kind: "output", stream: "stderr", text }) as const;
const sleep = (ms: number) => ({ kind: "sleep", ms }) as const;
const exit = (exitCode: number) => ({ kind: "exit", exitCode }) as const;
const RUNS = { kind: "run", known: true } as const;
const UNKNOWN = { kind: "run", known: false } as const;

Deno.test("planCommand() decides what a process does from its command line", async (t) => {
  const cases: [string[], CommandPlan][] = [
    [[], { steps: [], end: RUNS }],
    [["true"], { steps: [], end: exit(0) }],
    [["/bin/false"], { steps: [], end: exit(1) }],
    [["echo", "a", "b"], { steps: [out("a b\n")], end: exit(0) }],
    [["echo", "-n", "x"], { steps: [out("x")], end: exit(0) }],
    [["sleep", "5"], { steps: [sleep(5000)], end: exit(0) }],
    [["sleep", "1.5", "2m"], { steps: [sleep(121_500)], end: exit(0) }],
    [["sleep", "0"], { steps: [], end: exit(0) }],
    [["sleep", "infinity"], { steps: [], end: RUNS }],
    [["sleep", "soon"], { steps: [], end: UNKNOWN }],
    [["httpd", "-f", "-p", "8080"], { steps: [], end: UNKNOWN }],
    [["sh"], { steps: [], end: exit(0) }],
    [["sh", "-c", "exit 3"], { steps: [], end: exit(3) }],
    [["sh", "-c", "exit 300"], { steps: [], end: exit(44) }],
    [["/bin/sh", "-c", "echo hello; echo err >&2; exit 3"], {
      steps: [out("hello\n"), err("err\n")],
      end: exit(3),
    }],
    [["bash", "-c", 'echo \'a  b\' "c\\"d" e\\ f'], {
      steps: [out('a  b c"d e f\n')],
      end: exit(0),
    }],
    [["sh", "-c", "echo a\nsleep 2\necho b 1>&2"], {
      steps: [out("a\n"), sleep(2000), err("b\n")],
      end: exit(0),
    }],
    [["sh", "-c", "false && echo no || echo yes"], { steps: [out("yes\n")], end: exit(0) }],
    [["sh", "-c", "true && false"], { steps: [], end: exit(1) }],
    [["sh", "-c", "false; exit"], { steps: [], end: exit(1) }],
    [["sh", "-c", "echo quiet >/dev/null; echo x 2>&1"], { steps: [out("x\n")], end: exit(0) }],
    [["sh", "-c", "echo starting; exec httpd -f"], { steps: [out("starting\n")], end: UNKNOWN }],
    [["sh", "-c", "exec sleep 1"], { steps: [sleep(1000)], end: exit(0) }],
    [["sh", "-c", "sh -c 'exit 2'; echo after"], { steps: [out("after\n")], end: exit(0) }],
    [["sh", "-c", "while true; do sleep 1; done"], { steps: [], end: UNKNOWN }],
    [["sh", "-c", "echo $HOSTNAME"], { steps: [], end: UNKNOWN }],
    [["sh", "-c", "echo a | cat"], { steps: [], end: UNKNOWN }],
    [["sh", "-c", "sleep 10 &"], { steps: [], end: UNKNOWN }],
    [["sh", "-c", "echo 'unterminated"], { steps: [], end: UNKNOWN }],
  ];
  for (const [argv, want] of cases) {
    await t.step(JSON.stringify(argv), () => assert.deepEqual(planCommand(argv), want));
  }
});

Deno.test("planCommand() keeps a bare shell running when it has stdin", () => {
  assert.deepEqual(planCommand(["sh"], { stdin: true }), { steps: [], end: RUNS });
});
