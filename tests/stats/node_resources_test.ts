import assert from "node:assert/strict";
import {
  osBootTime,
  osCpuSample,
  statfsInfo,
  systemMemorySample,
} from "../../src/stats/node_resources.ts";

// These read the real machine: only the shapes and relations are checked.

Deno.test("osCpuSample() reads a growing busy time", () => {
  const a = osCpuSample(1000);
  assert.equal(a.timestamp, 1000);
  assert.ok(a.usageCoreNanoSeconds > 0);
  assert.ok(osCpuSample(2000).usageCoreNanoSeconds >= a.usageCoreNanoSeconds);
});

Deno.test("systemMemorySample() and osBootTime() read the system", () => {
  const now = Date.now();
  const m = systemMemorySample(now);
  assert.ok(m.total > 0 && m.available <= m.total && m.free <= m.total);
  const boot = osBootTime(now);
  assert.ok(boot < now && boot % 1000 === 0);
});

Deno.test("statfsInfo() reads the size and inodes of a directory's filesystem", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-statfs-" });
  try {
    const fs = await statfsInfo(dir);
    assert.ok(fs.capacityBytes > 0);
    assert.ok(fs.availableBytes <= fs.freeBytes && fs.freeBytes <= fs.capacityBytes);
    assert.ok(fs.inodesFree <= fs.inodes);
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("the node's CPU, memory and boot time read with --allow-sys alone, where /proc is closed", async () => {
  const module = new URL("../../src/stats/node_resources.ts", import.meta.url).href;
  const code = `
    const m = await import(${JSON.stringify(module)});
    let proc = "open";
    try { Deno.readTextFileSync("/proc/stat"); } catch { proc = "closed"; }
    const now = Date.now();
    console.log(JSON.stringify({
      proc,
      cpu: m.osCpuSample(now).usageCoreNanoSeconds > 0,
      memory: m.systemMemorySample(now).total > 0,
      boot: m.osBootTime(now) < now,
    }));
  `;
  const dir = await Deno.makeTempDir({ prefix: "denolet-node-resources-" });
  let out: Deno.CommandOutput;
  try {
    await Deno.writeTextFile(`${dir}/probe.ts`, code);
    out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--allow-sys=cpus,systemMemoryInfo,osUptime", `${dir}/probe.ts`],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), {
    proc: "closed",
    cpu: true,
    memory: true,
    boot: true,
  });
});
