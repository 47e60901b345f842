import assert from "node:assert/strict";
import type { ContainerStatus } from "kubernetes-types/core/v1.d.ts";
import { getPhase } from "../../src/status/phase.ts";
import { makePod } from "./_fixtures.ts";

const running = (name: string, started = true): ContainerStatus => ({
  name,
  image: "i",
  imageID: "",
  ready: false,
  restartCount: 0,
  started,
  state: { running: {} },
});
const exited = (name: string, exitCode: number): ContainerStatus => ({
  name,
  image: "i",
  imageID: "",
  ready: false,
  restartCount: 0,
  state: { terminated: { exitCode } },
});
const waiting = (name: string, lastExit?: number): ContainerStatus => ({
  name,
  image: "i",
  imageID: "",
  ready: false,
  restartCount: 0,
  state: { waiting: { reason: "CrashLoopBackOff" } },
  ...(lastExit === undefined ? {} : { lastState: { terminated: { exitCode: lastExit } } }),
});

Deno.test("getPhase() table", async (t) => {
  const app = { name: "app" };
  const sidecar = { name: "proxy", restartPolicy: "Always" };
  const init = { name: "setup" };
  const cases: {
    name: string;
    policy?: "Always" | "OnFailure" | "Never";
    inits?: { name: string; restartPolicy?: string }[];
    statuses: ContainerStatus[];
    terminal?: boolean;
    isStatic?: boolean;
    want: string;
  }[] = [
    { name: "no statuses", statuses: [], want: "Pending" },
    { name: "running", statuses: [running("app")], want: "Running" },
    {
      name: "waiting after a crash counts as stopped",
      statuses: [waiting("app", 1)],
      want: "Running",
    },
    { name: "waiting without history", statuses: [waiting("app")], want: "Pending" },
    {
      name: "Never, crashed then waiting",
      policy: "Never",
      statuses: [waiting("app", 1)],
      want: "Failed",
    },
    {
      name: "terminal pod, all succeeded",
      terminal: true,
      statuses: [exited("app", 0)],
      want: "Succeeded",
    },
    {
      name: "terminal pod, one failed",
      terminal: true,
      statuses: [exited("app", 1)],
      want: "Failed",
    },
    {
      name: "terminal static pod keeps Running under Always",
      terminal: true,
      isStatic: true,
      statuses: [exited("app", 1)],
      want: "Running",
    },
    {
      name: "init waiting after failure under Never",
      policy: "Never",
      inits: [init],
      statuses: [waiting("setup", 2)],
      want: "Failed",
    },
    {
      name: "sidecar running but not started keeps Pending",
      inits: [sidecar],
      statuses: [running("proxy", false)],
      want: "Pending",
    },
    {
      name: "sidecar started and app running",
      inits: [sidecar],
      statuses: [running("proxy"), running("app")],
      want: "Running",
    },
    {
      name: "sidecar stopped, app succeeded under Never",
      policy: "Never",
      inits: [sidecar],
      statuses: [exited("proxy", 137), exited("app", 0)],
      want: "Succeeded",
    },
    {
      name: "restarting sidecar after app started does not go back to Pending",
      inits: [sidecar],
      statuses: [running("proxy", false), running("app")],
      want: "Running",
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const pod = makePod([app], {
        restartPolicy: c.policy,
        ...(c.inits ? { initContainers: c.inits as never } : {}),
      });
      assert.equal(getPhase(pod, c.statuses, c.terminal, c.isStatic), c.want);
    });
  }
});
