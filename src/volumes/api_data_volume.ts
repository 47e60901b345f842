/**
 * The volumes whose files come from the API (Kubernetes calls them API data
 * volumes): `configMap`, `secret`, `downwardAPI` and `projected`. Each is a
 * directory under `<rootDir>/pods/<uid>/volumes/kubernetes.io~<plugin>/<name>`
 * that the {@linkcode AtomicWriter} rewrites on every pod sync, which is how
 * updates reach running containers (not through subPath mounts, whose file is
 * bound once, as in Kubernetes). Their mounts are always read-only, as the
 * kubelet makes them since CVE-2017-1002102.
 *
 * Secret volumes, and projected volumes with a secret or token source, live on
 * a tmpfs (mounted once per volume) when the agent may mount; else their
 * directory is 0700 and every file 0600 on disk, and
 * `onTmpfsUnavailable` says so, once per volume when it is first set up.
 *
 * @module
 */

import type { Pod, Volume } from "kubernetes-types/core/v1.d.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { EMPTY_LOOKUP } from "../objects/types.ts";
import { AtomicWriter, type Payload, validatePayload } from "./atomic_writer.ts";
import { configMapPayload } from "./configmap_payload.ts";
import { downwardAPIPayload } from "./downward_api_payload.ts";
import { DEFAULT_MODE } from "./_key_to_path.ts";
import {
  projectedPayload,
  type ProjectedPayloadOptions,
  projectsSecrets,
} from "./projected_payload.ts";
import { secretPayload } from "./secret_payload.ts";

/** The kubelet's plugin directory names of the API data volumes. */
export const API_DATA_PLUGINS = {
  configMap: "kubernetes.io~configmap",
  secret: "kubernetes.io~secret",
  downwardAPI: "kubernetes.io~downward-api",
  projected: "kubernetes.io~projected",
} as const;

const API_DATA_PATH = new RegExp(
  `/volumes/(${Object.values(API_DATA_PLUGINS).join("|")})/[^/]+/?$`,
);

/** Whether `hostPath` is the directory of an API data volume (mounted read-only). */
export function isApiDataVolumePath(hostPath: string): boolean {
  return API_DATA_PATH.test(hostPath);
}

/** Where an API data volume goes and whether it holds secrets; undefined for other volumes. */
export function apiDataPlugin(volume: Volume): { plugin: string; secret: boolean } | undefined {
  if (volume.configMap) return { plugin: API_DATA_PLUGINS.configMap, secret: false };
  if (volume.secret) return { plugin: API_DATA_PLUGINS.secret, secret: true };
  if (volume.downwardAPI) return { plugin: API_DATA_PLUGINS.downwardAPI, secret: false };
  if (volume.projected) {
    return { plugin: API_DATA_PLUGINS.projected, secret: projectsSecrets(volume.projected) };
  }
  return undefined;
}

/**
 * The validated payload of an API data volume of `pod`. Throws naming the
 * object and key (never a value) for what is missing or refused; nothing is
 * written.
 */
export async function apiDataPayload(
  pod: Pod,
  volume: Volume,
  options: ProjectedPayloadOptions = {},
): Promise<Payload> {
  const objects = options.objects ?? EMPTY_LOOKUP;
  const namespace = pod.metadata?.namespace ?? "default";
  let payload: Payload;
  if (volume.configMap) {
    const s = volume.configMap;
    payload = configMapPayload(namespace, s.name ?? "", s, objects, s.defaultMode ?? DEFAULT_MODE);
  } else if (volume.secret) {
    const s = volume.secret;
    payload = secretPayload(
      namespace,
      s.secretName ?? "",
      s,
      objects,
      s.defaultMode ?? DEFAULT_MODE,
    );
  } else if (volume.downwardAPI) {
    const s = volume.downwardAPI;
    payload = downwardAPIPayload(pod, s.items, s.defaultMode ?? DEFAULT_MODE, options.env);
  } else if (volume.projected) {
    payload = await projectedPayload(pod, volume.projected, options);
  } else {
    throw new TypeError(
      `volume '${volume.name}' is not a configMap, secret, downwardAPI or projected volume`,
    );
  }
  return validatePayload(payload);
}

/** The mount helpers a secret volume needs (a subset of kuberuntime's MountOps). */
export interface TmpfsMounter {
  mountTmpfs(path: string): Promise<void>;
  isMountPoint(path: string): Promise<boolean>;
}

/** Options of {@linkcode writeApiDataVolume}. */
export interface WriteApiDataVolumeOptions {
  /** A secret volume: on a tmpfs, else 0700/0600 on disk. */
  secret: boolean;
  mount: TmpfsMounter;
  /** Told, once per volume directory, that a secret volume went to disk, and why. */
  onTmpfsUnavailable?: (message: string) => void;
  /** Names the writer's timestamped directories. @default the system clock */
  clock?: Pick<Clock, "now">;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Whether a secret volume at `dir` is on a tmpfs: one already mounted, or one
 * mounted now. A directory already written on disk stays there (the mount is
 * tried once per volume, not on every sync).
 */
async function ensureTmpfs(dir: string, options: WriteApiDataVolumeOptions): Promise<boolean> {
  if (await options.mount.isMountPoint(dir)) return true;
  if (await exists(`${dir}/..data`)) return false;
  try {
    await options.mount.mountTmpfs(dir);
    return true;
  } catch (e) {
    options.onTmpfsUnavailable?.(
      `Cannot mount a tmpfs for secret volume ${dir} (${errText(e)}): its files are written to ` +
        "disk, 0600 in a 0700 directory; run denolet as root with --allow-run=mount to keep " +
        "secrets off the disk",
    );
    return false;
  }
}

/**
 * Creates the volume directory `dir` (and, for secrets, its tmpfs) and writes
 * `payload` into it atomically. Resolves to whether anything was written.
 *
 * Requires `--allow-read`/`--allow-write` for `dir`; for secrets
 * `--allow-read=/proc/self/mountinfo`, and `--allow-run=mount` with root for
 * the tmpfs.
 */
export async function writeApiDataVolume(
  dir: string,
  payload: Payload,
  options: WriteApiDataVolumeOptions,
): Promise<boolean> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o755 });
  let files = payload;
  if (options.secret && !(await ensureTmpfs(dir, options))) {
    await Deno.chmod(dir, 0o700);
    files = new Map([...payload].map(([path, f]) => [path, { data: f.data, mode: 0o600 }]));
  } else {
    await Deno.chmod(dir, 0o755);
  }
  return await new AtomicWriter(dir, { clock: options.clock }).write(files);
}
