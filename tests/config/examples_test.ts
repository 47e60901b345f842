/**
 * Every manifest directory in examples/ loads through the file source with no warning,
 * and every ConfigMap and Secret key its pods read is defined beside them.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ConfigMap, Secret } from "kubernetes-types/core/v1.d.ts";
import type { Pod } from "../../src/api/types.ts";
import { fileSource } from "./_helpers.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));

async function manifestDirs(): Promise<string[]> {
  const dirs: string[] = [];
  for await (const entry of Deno.readDir(EXAMPLES)) {
    if (!entry.isDirectory) continue;
    for await (const file of Deno.readDir(join(EXAMPLES, entry.name))) {
      if (/\.(ya?ml|json)$/i.test(file.name)) {
        dirs.push(entry.name);
        break;
      }
    }
  }
  return dirs.sort();
}

/** Every `kind namespace/name key` the pod reads from a ConfigMap or Secret, optional ones left out. */
function references(pod: Pod): string[] {
  const ns = pod.metadata?.namespace ?? "default";
  const out: string[] = [];
  const ref = (kind: string, name?: string, key?: string, optional?: boolean | null) => {
    if (!optional) out.push(`${kind} ${ns}/${name}${key === undefined ? "" : ` ${key}`}`);
  };
  for (const c of [...pod.spec?.initContainers ?? [], ...pod.spec?.containers ?? []]) {
    for (const env of c.env ?? []) {
      const cm = env.valueFrom?.configMapKeyRef;
      if (cm) ref("ConfigMap", cm.name, cm.key, cm.optional);
      const s = env.valueFrom?.secretKeyRef;
      if (s) ref("Secret", s.name, s.key, s.optional);
    }
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef) {
        ref("ConfigMap", from.configMapRef.name, undefined, from.configMapRef.optional);
      }
      if (from.secretRef) ref("Secret", from.secretRef.name, undefined, from.secretRef.optional);
    }
  }
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap) {
      if (!v.configMap.items) ref("ConfigMap", v.configMap.name, undefined, v.configMap.optional);
      for (const item of v.configMap.items ?? []) {
        ref("ConfigMap", v.configMap.name, item.key, v.configMap.optional);
      }
    }
    if (v.secret) {
      if (!v.secret.items) ref("Secret", v.secret.secretName, undefined, v.secret.optional);
      for (const item of v.secret.items ?? []) {
        ref("Secret", v.secret.secretName, item.key, v.secret.optional);
      }
    }
  }
  return out;
}

/** Every `kind namespace/name` and `kind namespace/name key` the objects define. */
function defined(objects: (ConfigMap | Secret)[]): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    const id = `${o.kind} ${o.metadata?.namespace}/${o.metadata?.name}`;
    out.add(id);
    const keys = [...Object.keys(o.data ?? {}), ...Object.keys((o as ConfigMap).binaryData ?? {})];
    for (const key of keys) out.add(`${id} ${key}`);
  }
  return out;
}

Deno.test("every examples/ manifest directory loads with no warning and its pods' references resolve", async (t) => {
  const dirs = await manifestDirs();
  assert.ok(dirs.includes("pods") && dirs.includes("configmap-pod"), dirs.join(", "));
  for (const dir of dirs) {
    await t.step(dir, async () => {
      const { src, warnings } = fileSource(join(EXAMPLES, dir));
      const pods = await src.listOnce();
      assert.deepEqual(warnings(), []);
      assert.ok(pods.length > 0, "at least one pod");
      const have = defined(src.objects());
      for (const pod of pods) {
        for (const need of references(pod)) {
          assert.ok(have.has(need), `${dir}: ${need} is not defined`);
        }
      }
    });
  }
  await t.step(
    "configmap-pod uses a ConfigMap and a Secret as env, envFrom and a volume",
    async () => {
      const { src } = fileSource(join(EXAMPLES, "configmap-pod"));
      const [pod] = await src.listOnce();
      assert.deepEqual(src.objects().map((o) => o.kind).sort(), ["ConfigMap", "Secret"]);
      const refs = references(pod);
      const container = pod.spec!.containers[0];
      assert.ok(container.env?.some((e) => e.valueFrom?.configMapKeyRef));
      assert.ok(container.env?.some((e) => e.valueFrom?.secretKeyRef));
      assert.ok(
        container.envFrom?.some((e) => e.configMapRef) &&
          container.envFrom?.some((e) => e.secretRef),
      );
      assert.ok(pod.spec?.volumes?.some((v) => v.configMap));
      assert.ok(refs.length >= 5, refs.join(", "));
    },
  );
});
