/**
 * Pod volumes on the node: `emptyDir` (disk, and `medium: Memory` as a tmpfs),
 * `hostPath`, and the API data volumes `configMap`, `secret`, `downwardAPI`
 * and `projected` (src/volumes: rewritten atomically on every call, secrets on
 * a tmpfs when the agent may mount), laid out like the kubelet's under
 * `<rootDir>/pods/<uid>/volumes/<plugin>/<name>`, and the CRI mounts of a
 * container's volumeMounts.
 *
 * `medium: Memory` is mounted as a real tmpfs through an injected mount
 * function (the default runs `mount -t tmpfs`). When that mount fails (no root,
 * no `--allow-run=mount`), setup fails with a {@linkcode VolumeSetupError}: the
 * caller reports a FailedMount event and the pod's containers are not
 * started. We never fall back to a disk directory silently, since a pod asking
 * for memory-backed storage may rely on it not touching the disk.
 *
 * @module
 */

import type { Container, Pod, Volume } from "kubernetes-types/core/v1.d.ts";
import type { Mount, MountPropagation } from "../cri/types.ts";
import { memoryBytes } from "../api/quantity.ts";
import * as defaultMount from "./_mount.ts";
import { errText } from "../util/err_text.ts";
import type { Clock } from "../util/clock.ts";
import type { ObjectLookup } from "../objects/types.ts";
import type { EnvOptions } from "./container_env.ts";
import {
  apiDataPayload,
  apiDataPlugin,
  isApiDataVolumePath,
  writeApiDataVolume,
} from "../volumes/api_data_volume.ts";
import type { TokenSource } from "../volumes/projected_payload.ts";

/** A volume that could not be set up; reported as a FailedMount event. */
export class VolumeSetupError extends Error {
  /** The volume's name. */
  readonly volume: string;
  constructor(volume: string, message: string) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${message}`);
    this.name = "VolumeSetupError";
    this.volume = volume;
  }
}

/** Mount helpers, injectable so tests need no root. */
export interface MountOps {
  mountTmpfs(path: string, sizeBytes?: number): Promise<void>;
  unmount(path: string): Promise<void>;
  isMountPoint(path: string): Promise<boolean>;
}

/** Options for {@linkcode setUpPodVolumes} and {@linkcode cleanupPodDirs}. */
export interface VolumeOptions {
  /** Mount helpers. @default tmpfs via `mount`/`umount` */
  mount?: MountOps;
  /**
   * The ConfigMaps and Secrets the pod's configMap, secret and projected
   * volumes read (what `PodObjectSource.resolve(pod)` gave the sync).
   * @default EMPTY_LOOKUP (every object missing)
   */
  objects?: ObjectLookup;
  /**
   * Tokens of projected serviceAccountToken sources (the TokenRequest API);
   * without it such a volume fails with one line saying it needs the API server.
   */
  tokens?: TokenSource;
  /** Node facts for downwardAPI resourceFieldRef limits (nodeAllocatable). @default {} */
  env?: EnvOptions;
  /**
   * Told when a secret volume (or a projected one with a secret or token)
   * cannot get a tmpfs and is written to disk as 0600 files in a 0700
   * directory: once per volume directory, when it is first set up. The agent
   * logs the first such message as a warning.
   */
  onTmpfsUnavailable?: (message: string) => void;
  /** Names the atomic writer's timestamped directories. @default the system clock */
  clock?: Pick<Clock, "now">;
}

/** The plugin directories whose volumes may be tmpfs mounts. */
const TMPFS_PLUGINS = [
  "kubernetes.io~empty-dir",
  "kubernetes.io~secret",
  "kubernetes.io~projected",
];

/** `<rootDir>/pods/<uid>`. */
export function podDir(rootDir: string, uid: string): string {
  return `${rootDir.replace(/\/+$/, "")}/pods/${uid}`;
}

/** `<rootDir>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>`. */
export function emptyDirPath(rootDir: string, uid: string, name: string): string {
  return `${podDir(rootDir, uid)}/volumes/kubernetes.io~empty-dir/${name}`;
}

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** The flag that grants the agent more host paths (src/options). */
export const ALLOW_HOST_PATH_FLAG = "--allow-host-path";

/**
 * The one clear line for a host path the agent may not touch: outside its
 * Deno grants (NotCapable) or refused by the host (PermissionDenied).
 * Other errors come back unchanged.
 */
export function hostPathAccessError(path: string, err: unknown): Error {
  if (err instanceof Deno.errors.NotCapable) {
    const fix = path.includes(",")
      ? "a path with a comma cannot be granted (Deno's allow-lists are comma-separated)"
      : `start denolet with ${ALLOW_HOST_PATH_FLAG}=${path} (the hostPath paths of the ` +
        "manifests present at start are granted without it)";
    return new Error(`denolet is not permitted to access hostPath ${path}: ${fix}`);
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return new Error(`the host denied access to hostPath ${path}: ${err.message}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Checks (and for the *OrCreate types creates) a hostPath as the kubelet
 * does. An untyped hostPath (`type: ""`) is not touched at all: the runtime
 * bind-mounts it, so the agent needs no permission for it.
 */
async function checkHostPath(volume: Volume): Promise<string> {
  const hp = volume.hostPath!;
  const path = hp.path;
  const type = hp.type ?? "";
  if (type === "") return path;
  try {
    await checkTypedHostPath(volume.name, path, type);
  } catch (e) {
    if (e instanceof VolumeSetupError) throw e;
    throw new VolumeSetupError(volume.name, hostPathAccessError(path, e).message);
  }
  return path;
}

async function checkTypedHostPath(name: string, path: string, type: string): Promise<void> {
  const info = await statOrUndefined(path);
  const fail = (what: string) => {
    throw new VolumeSetupError(name, `hostPath type check failed: ${path} ${what}`);
  };
  switch (type) {
    case "DirectoryOrCreate":
      if (!info) await Deno.mkdir(path, { recursive: true, mode: 0o755 });
      else if (!info.isDirectory) fail("is not a directory");
      break;
    case "Directory":
      if (!info?.isDirectory) fail("is not a directory");
      break;
    case "FileOrCreate":
      if (!info) await Deno.writeFile(path, new Uint8Array(), { mode: 0o644 });
      else if (!info.isFile) fail("is not a file");
      break;
    case "File":
      if (!info?.isFile) fail("is not a file");
      break;
    case "Socket":
      if (!info?.isSocket) fail("is not a socket file");
      break;
    case "CharDevice":
      if (!info?.isCharDevice) fail("is not a character device");
      break;
    case "BlockDevice":
      if (!info?.isBlockDevice) fail("is not a block device");
      break;
    default:
      fail(`has an unknown hostPath type '${type}'`);
  }
}

/**
 * Creates (or checks) every volume of the pod and returns the host path of
 * each by volume name. Idempotent: safe to call on every sync, and the
 * configMap, secret, downwardAPI and projected volumes are rewritten (only
 * when their content changed) on every call, which is how updates reach
 * running containers. A missing object or key, or one that cannot be read,
 * fails that volume with a {@linkcode VolumeSetupError} naming it (never a
 * value), and nothing is written for it.
 *
 * Requires `--allow-read` and `--allow-write` for `<rootDir>/pods`, read for
 * the typed hostPath paths (write too for DirectoryOrCreate/FileOrCreate;
 * none for untyped ones); `--allow-run=mount` and
 * `--allow-read=/proc/self/mountinfo` for memory-backed emptyDirs and secret
 * tmpfs; `--allow-run=ln` for the symlinks of the API data volumes (Deno
 * makes symlinks only with unscoped read/write). A hostPath outside the
 * grants fails with one line naming `--allow-host-path`.
 */
export async function setUpPodVolumes(
  pod: Pod,
  rootDir: string,
  options: VolumeOptions = {},
): Promise<Map<string, string>> {
  const mount = options.mount ?? defaultMount;
  const uid = pod.metadata?.uid ?? "";
  const paths = new Map<string, string>();
  for (const volume of pod.spec?.volumes ?? []) {
    if (volume.emptyDir) {
      const path = emptyDirPath(rootDir, uid, volume.name);
      await Deno.mkdir(path, { recursive: true });
      if (volume.emptyDir.medium === "Memory") {
        if (!(await mount.isMountPoint(path))) {
          const size = volume.emptyDir.sizeLimit
            ? Number(memoryBytes(volume.emptyDir.sizeLimit))
            : undefined;
          try {
            await mount.mountTmpfs(path, size);
          } catch (e) {
            throw new VolumeSetupError(volume.name, errText(e));
          }
        }
      } else if (volume.emptyDir.medium && volume.emptyDir.medium !== "") {
        throw new VolumeSetupError(
          volume.name,
          `emptyDir medium '${volume.emptyDir.medium}' is not supported`,
        );
      }
      await Deno.chmod(path, 0o777);
      paths.set(volume.name, path);
    } else if (volume.hostPath) {
      paths.set(volume.name, await checkHostPath(volume));
    } else if (apiDataPlugin(volume)) {
      paths.set(volume.name, await setUpApiDataVolume(pod, volume, rootDir, options));
    } else {
      const kind = Object.keys(volume).find((k) => k !== "name") ?? "unknown";
      throw new VolumeSetupError(volume.name, `volume type '${kind}' is not supported`);
    }
  }
  return paths;
}

/**
 * Builds the payload of a configMap, secret, downwardAPI or projected volume
 * (nothing is written when that fails) and writes it atomically.
 */
async function setUpApiDataVolume(
  pod: Pod,
  volume: Volume,
  rootDir: string,
  options: VolumeOptions,
): Promise<string> {
  const { plugin, secret } = apiDataPlugin(volume)!;
  const path = `${podDir(rootDir, pod.metadata?.uid ?? "")}/volumes/${plugin}/${volume.name}`;
  try {
    const payload = await apiDataPayload(pod, volume, options);
    await writeApiDataVolume(path, payload, {
      secret,
      mount: options.mount ?? defaultMount,
      onTmpfsUnavailable: options.onTmpfsUnavailable,
      clock: options.clock,
    });
  } catch (e) {
    throw new VolumeSetupError(volume.name, errText(e));
  }
  return path;
}

const PROPAGATION: Record<string, MountPropagation> = {
  None: "PROPAGATION_PRIVATE",
  HostToContainer: "PROPAGATION_HOST_TO_CONTAINER",
  Bidirectional: "PROPAGATION_BIDIRECTIONAL",
};

/**
 * The CRI mounts of a container's volumeMounts, given the volume host paths
 * from {@linkcode setUpPodVolumes}. A `subPath` must stay inside its volume;
 * its directory is created when missing. The mounts of configMap, secret,
 * downwardAPI and projected volumes are read-only whatever the volumeMount
 * says, as the kubelet's. Throws TypeError for a mount of an unknown volume
 * or an escaping subPath.
 *
 * Requires `--allow-write` for the volume paths when a subPath is missing.
 */
export async function makeMounts(
  container: Container,
  volumePaths: Map<string, string>,
): Promise<Mount[]> {
  const mounts: Mount[] = [];
  for (const vm of container.volumeMounts ?? []) {
    let hostPath = volumePaths.get(vm.name);
    if (hostPath === undefined) {
      throw new TypeError(
        `Cannot mount volume '${vm.name}' in container '${container.name}': no such volume`,
      );
    }
    if (vm.subPath) {
      if (vm.subPath.startsWith("/") || vm.subPath.split("/").includes("..")) {
        throw new TypeError(
          `Cannot mount volume '${vm.name}' in container '${container.name}': subPath '${vm.subPath}' leaves the volume`,
        );
      }
      const subPath = `${hostPath}/${vm.subPath}`;
      try {
        if (!(await statOrUndefined(subPath))) await Deno.mkdir(subPath, { recursive: true });
      } catch (e) {
        const err = hostPathAccessError(hostPath, e);
        if (err === e) throw e;
        throw new TypeError(
          `Cannot mount volume '${vm.name}' in container '${container.name}': ${err.message}`,
        );
      }
      hostPath = subPath;
    }
    mounts.push({
      containerPath: vm.mountPath,
      hostPath,
      readonly: vm.readOnly === true || isApiDataVolumePath(volumePaths.get(vm.name)!),
      selinuxRelabel: false,
      propagation: PROPAGATION[vm.mountPropagation ?? "None"] ?? "PROPAGATION_PRIVATE",
    });
  }
  return mounts;
}

/**
 * Creates the termination message file of a container instance
 * (`<rootDir>/pods/<uid>/containers/<name>/<8 hex>`, mode 0666) and returns
 * its path, to be mounted at the container's terminationMessagePath.
 *
 * Requires `--allow-write` for `<rootDir>/pods`.
 */
export async function makeTerminationMessageFile(
  rootDir: string,
  uid: string,
  containerName: string,
): Promise<string> {
  const dir = `${podDir(rootDir, uid)}/containers/${containerName}`;
  await Deno.mkdir(dir, { recursive: true, mode: 0o750 });
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  const name = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  const path = `${dir}/${name}`;
  await Deno.writeFile(path, new Uint8Array(), { mode: 0o666 });
  await Deno.chmod(path, 0o666);
  return path;
}

/**
 * Removes a pod's directory under `<rootDir>/pods`, unmounting the tmpfs of
 * memory-backed emptyDirs and secret volumes first. For pods that are gone
 * (housekeeping).
 *
 * Requires `--allow-read`/`--allow-write` for `<rootDir>/pods`; `--allow-run=umount`
 * when tmpfs mounts are left.
 */
export async function cleanupPodDirs(
  rootDir: string,
  uid: string,
  options: VolumeOptions = {},
): Promise<void> {
  const mount = options.mount ?? defaultMount;
  for (const plugin of TMPFS_PLUGINS) {
    const dir = `${podDir(rootDir, uid)}/volumes/${plugin}`;
    try {
      for await (const entry of Deno.readDir(dir)) {
        const path = `${dir}/${entry.name}`;
        if (await mount.isMountPoint(path)) await mount.unmount(path);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  await Deno.remove(podDir(rootDir, uid), { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}
