/**
 * The host paths the agent itself touches for the hostPath volumes of the
 * static pod manifests present at start, so permissions.ts can grant exactly
 * those. Manifests are parsed with the file source's YAML rules (the kubelet's
 * YAML 1.1, merge keys included; src/util/kube_yaml.ts), leniently: a file that
 * cannot be read or parsed, or that is no Pod, adds nothing (the file source
 * reports it when it loads it).
 *
 * What the agent touches is what the kubelet touches: nothing for an untyped
 * hostPath (`type: ""`, the runtime bind-mounts it), a stat for Directory,
 * File, Socket, CharDevice and BlockDevice, a stat and a create for
 * DirectoryOrCreate and FileOrCreate, and the subPath directories it creates
 * inside any hostPath mounted with a `subPath`.
 *
 * @module
 */

import { isAbsolute, join } from "../util/posix_path.ts";
import { parseAllDocuments } from "yaml";
import { KUBE_YAML_OPTIONS } from "../util/kube_yaml.ts";

/** Host paths to grant, by access. */
export interface HostPathGrants {
  read: string[];
  write: string[];
}

/** The file-system calls of {@linkcode manifestHostPaths}, injectable for tests. */
export interface ManifestReadIO {
  /** @default Deno.stat */
  stat?: (path: string) => Promise<{ isFile: boolean; isDirectory: boolean; size: number }>;
  /** @default Deno.readDir */
  readDir?: (path: string) => AsyncIterable<{ name: string }> | Iterable<{ name: string }>;
  /** @default Deno.readTextFile */
  readTextFile?: (path: string) => Promise<string>;
}

/** The file source's size cap (MAX_CONFIG_LENGTH in src/config/_manifest.ts). */
const MAX_MANIFEST_BYTES = 10 * (1 << 20);

/** The extensions the file source loads (src/config/_file_load.ts). */
const MANIFEST_EXTENSION = /\.(ya?ml|json)$/i;

const STAT_ONLY = new Set(["Directory", "File", "Socket", "CharDevice", "BlockDevice"]);
const CREATE = new Set(["DirectoryOrCreate", "FileOrCreate"]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function usable(path: unknown): path is string {
  return typeof path === "string" && isAbsolute(path) && !path.split("/").includes("..") &&
    !path.includes(",");
}

/** Names of the volumes some container mounts with a subPath. */
function subPathVolumes(spec: Record<string, unknown>): Set<string> {
  const names = new Set<string>();
  for (const key of ["initContainers", "containers", "ephemeralContainers"]) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isObject(c) || !Array.isArray(c.volumeMounts)) continue;
      for (const m of c.volumeMounts) {
        if (isObject(m) && typeof m.name === "string" && (m.subPath || m.subPathExpr)) {
          names.add(m.name);
        }
      }
    }
  }
  return names;
}

/** The grants one decoded manifest needs; anything malformed adds nothing. */
export function podHostPaths(manifest: unknown): HostPathGrants {
  const out: HostPathGrants = { read: [], write: [] };
  if (!isObject(manifest) || !isObject(manifest.spec)) return out;
  const spec = manifest.spec;
  if (!Array.isArray(spec.volumes)) return out;
  const withSubPath = subPathVolumes(spec);
  for (const volume of spec.volumes) {
    if (!isObject(volume) || !isObject(volume.hostPath)) continue;
    const { path, type } = volume.hostPath;
    if (!usable(path)) continue;
    const kind = typeof type === "string" ? type : "";
    if (CREATE.has(kind) || withSubPath.has(String(volume.name))) {
      out.read.push(path);
      out.write.push(path);
    } else if (STAT_ONLY.has(kind)) {
      out.read.push(path);
    }
  }
  return out;
}

/**
 * The pods of a manifest file as the file source reads it: JSON, else YAML
 * with any number of documents, each a Pod or a PodList (other kinds and bad
 * documents give none).
 */
function decodePods(text: string): unknown[] {
  let docs: unknown[];
  if (/^\s*\{/.test(text)) {
    try {
      docs = [JSON.parse(text)];
    } catch {
      docs = yamlDocuments(text);
    }
  } else {
    docs = yamlDocuments(text);
  }
  return docs.flatMap((doc) =>
    isObject(doc) && doc.kind === "PodList" && Array.isArray(doc.items) ? doc.items : [doc]
  );
}

function yamlDocuments(text: string): unknown[] {
  try {
    return parseAllDocuments(text, KUBE_YAML_OPTIONS).flatMap((doc) => {
      if (!("errors" in doc) || doc.errors.length > 0) return [];
      try {
        return [doc.toJS({ maxAliasCount: 100 })];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/**
 * The hostPath grants of every manifest at `staticPodPath` (a directory: its
 * `*.yaml`, `*.yml`, `*.json` files not starting with `.`; or one file).
 * Never throws: a missing path, an unreadable file or one over the file
 * source's 10 MiB cap adds nothing.
 *
 * Requires `--allow-read` on `staticPodPath` and the `yaml` package's
 * environment variables (LOG_TOKENS, LOG_STREAM).
 */
export async function manifestHostPaths(
  staticPodPath: string,
  io: ManifestReadIO = {},
): Promise<HostPathGrants> {
  const out: HostPathGrants = { read: [], write: [] };
  if (staticPodPath === "") return out;
  const stat = io.stat ?? Deno.stat;
  const readDir = io.readDir ?? Deno.readDir;
  const readTextFile = io.readTextFile ?? Deno.readTextFile;
  const files: string[] = [];
  try {
    const info = await stat(staticPodPath);
    if (info.isFile) {
      files.push(staticPodPath);
    } else if (info.isDirectory) {
      for await (const entry of readDir(staticPodPath)) {
        if (!entry.name.startsWith(".") && MANIFEST_EXTENSION.test(entry.name)) {
          files.push(join(staticPodPath, entry.name));
        }
      }
    }
  } catch {
    return out;
  }
  for (const file of files.sort()) {
    let text: string;
    try {
      if ((await stat(file)).size > MAX_MANIFEST_BYTES) continue;
      text = await readTextFile(file);
    } catch {
      continue;
    }
    for (const pod of decodePods(text)) {
      const grants = podHostPaths(pod);
      out.read.push(...grants.read);
      out.write.push(...grants.write);
    }
  }
  return out;
}
