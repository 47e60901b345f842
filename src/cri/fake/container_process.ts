/**
 * The simulated processes of the fake runtime's containers: a process runs a
 * plan (output, sleeps on the fake's clock, then an exit or running until
 * stopped) and prints into the container's CRI log file. Which plan a
 * container gets comes from its script or, unscripted, from its command
 * line (see command_plan.ts).
 *
 * @module
 */

import type { Clock } from "../../util/clock.ts";
import type { ContainerScript } from "./container_script.ts";
import type { FakeContainer } from "./container_store.ts";
import { appendLog, type LogStream } from "./container_log.ts";
import { type CommandPlan, planCommand, type PlanStep } from "./command_plan.ts";
import type { FakeImageConfig } from "./fake_registry.ts";

/** How a simulated process exits. */
export interface ProcessExit {
  exitCode: number;
  /** @default "Completed" for 0, else "Error" */
  reason?: string;
  /** @default "" */
  message?: string;
}

/** What a container's process does: steps, then an exit or running until stopped. */
export interface ProcessPlan {
  steps: PlanStep[];
  end: ({ kind: "exit" } & ProcessExit) | { kind: "run" };
}

/**
 * The command line a container runs, as containerd builds it: the config's
 * command and args; without a command, the image's entrypoint followed by
 * the config's args or else the image's cmd.
 */
export function containerArgv(c: FakeContainer, image: FakeImageConfig | undefined): string[] {
  const command = c.config.command ?? [];
  const args = c.config.args ?? [];
  if (command.length > 0) return [...command, ...args];
  return [...(image?.entrypoint ?? []), ...(args.length > 0 ? args : image?.cmd ?? [])];
}

/**
 * The plan of a started container: a script's output first; then a script's
 * exit (`exitAfterMs`) or, without one, what the command line does.
 */
export function processPlan(
  c: FakeContainer,
  script: ContainerScript | undefined,
  image: FakeImageConfig | undefined,
): ProcessPlan {
  const printed: PlanStep[] = [];
  if (script?.stdout) printed.push({ kind: "output", stream: "stdout", text: script.stdout });
  if (script?.stderr) printed.push({ kind: "output", stream: "stderr", text: script.stderr });
  if (script?.exitAfterMs !== undefined) {
    return {
      steps: [...printed, { kind: "sleep", ms: script.exitAfterMs }],
      end: {
        kind: "exit",
        exitCode: script.exitCode ?? 0,
        reason: script.reason,
        message: script.message,
      },
    };
  }
  const plan: CommandPlan = planCommand(containerArgv(c, image), { stdin: c.config.stdin });
  return { steps: [...printed, ...plan.steps], end: plan.end };
}

/** What {@linkcode ContainerProcesses} is given. */
export interface ContainerProcessesOptions {
  clock: Clock;
  /** True while the container's process may still act (running, not removed). */
  isRunning(c: FakeContainer): boolean;
  /** Called when a plan exits. */
  onExit(c: FakeContainer, exit: ProcessExit): void;
}

/** Runs the plans of the fake's containers. */
export class ContainerProcesses {
  readonly #o: ContainerProcessesOptions;
  #timers = new Map<string, () => void>();

  constructor(options: ContainerProcessesOptions) {
    this.#o = options;
  }

  /** Runs `plan` for a container just started: steps up to the first sleep happen now. */
  start(c: FakeContainer, plan: ProcessPlan): void {
    this.#run(c, plan, 0);
  }

  /** Appends `text` printed on `stream` to the container's log file (if it has one). */
  print(c: FakeContainer, stream: LogStream, text: string): void {
    if (c.logPath) appendLog(c.logPath, stream, text, this.#o.clock.now());
  }

  /** Stops the plan of a container (it was stopped, killed or removed). */
  cancel(id: string): void {
    this.#timers.get(id)?.();
    this.#timers.delete(id);
  }

  /** Stops every plan. */
  close(): void {
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
  }

  #run(c: FakeContainer, plan: ProcessPlan, from: number): void {
    for (let i = from; i < plan.steps.length; i++) {
      const step = plan.steps[i];
      if (step.kind === "output") {
        this.print(c, step.stream, step.text);
        continue;
      }
      const cancel = this.#o.clock.after(step.ms, () => {
        this.#timers.delete(c.id);
        if (this.#o.isRunning(c)) this.#run(c, plan, i + 1);
      });
      this.#timers.set(c.id, cancel);
      return;
    }
    if (plan.end.kind === "exit") this.#o.onExit(c, plan.end);
  }
}
