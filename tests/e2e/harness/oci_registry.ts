/**
 * A read-only OCI registry on loopback for the containerd e2e tests, so that
 * PullImage can be tested without network: it serves the busybox layer of
 * {@linkcode buildBusyboxImage} under the repositories and tags a test asks
 * for, each image with its own config (user, command), by tag and by digest.
 *
 * containerd pulls from `127.0.0.1:<port>/...` over plain HTTP without any
 * registry configuration (it treats loopback hosts as HTTP registries).
 *
 * Only what a pull needs is served (Docker Registry HTTP API v2, read side):
 * `GET /v2/`, `HEAD|GET /v2/<name>/manifests/<tag|digest>` and
 * `HEAD|GET /v2/<name>/blobs/<digest>`; everything else is 404.
 *
 * Needs `--allow-net=127.0.0.1`, `--allow-run=tar`, `--allow-read` and
 * `--allow-write` (a temp dir).
 *
 * @module
 */

import { buildBusyboxImage } from "./busybox_image.ts";

/** One image the registry serves. */
export interface RegistryImageSpec {
  /** Repository path without host, e.g. `denolet/contract`. */
  repo: string;
  /** Tags pointing at this image. @default [] */
  tags?: string[];
  /** `User` of the image config ("" = none). @default "" */
  user?: string;
  /** `Cmd` of the image config. @default ["sleep", "3600"] */
  cmd?: string[];
}

/** An image as served: its full name and digests. */
export interface ServedImage {
  /** `127.0.0.1:<port>/<repo>`. */
  repo: string;
  /** Full tagged references, `<repo>:<tag>`, in the order given. */
  tagRefs: string[];
  /** `<repo>@<manifestDigest>`. */
  digestRef: string;
  /** Digest of the manifest, `sha256:...`. */
  manifestDigest: string;
  /** Digest of the config, `sha256:...` (the CRI image id containerd reports). */
  configDigest: string;
}

/** A running registry; stop it with {@linkcode OciRegistry.stop}. */
export interface OciRegistry {
  /** `127.0.0.1:<port>`. */
  readonly host: string;
  /** The served images, in the order given. */
  readonly images: ServedImage[];
  /** Request lines received (`METHOD path`), for debugging a failed pull. */
  readonly requests: string[];
  /** Stops the server and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

const MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
const CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";
const LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar";

async function sha256(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return `sha256:${
    Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("")
  }`;
}

function ociArch(): string {
  return Deno.build.arch === "aarch64" ? "arm64" : "amd64";
}

/** The busybox layer (uncompressed tar) of a freshly built busybox image. */
async function busyboxLayer(work: string): Promise<Uint8Array> {
  const image = await buildBusyboxImage(`${work}/busybox.tar`);
  const layout = `${work}/layout`;
  await Deno.mkdir(layout);
  const untar = await new Deno.Command("tar", {
    args: ["-xf", image.path, "-C", layout],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!untar.success) {
    throw new Error(`Cannot unpack '${image.path}': ${new TextDecoder().decode(untar.stderr)}`);
  }
  const blob = (d: string) => `${layout}/blobs/sha256/${d.slice("sha256:".length)}`;
  const manifest = JSON.parse(await Deno.readTextFile(blob(image.manifestDigest)));
  return await Deno.readFile(blob(manifest.layers[0].digest));
}

/**
 * Starts a registry on 127.0.0.1 (a free port) serving `specs`, all sharing
 * one busybox layer. Image configs differ by user and command, so each spec is
 * its own image (its own config digest); tags of one spec are one image.
 */
export async function startOciRegistry(specs: RegistryImageSpec[]): Promise<OciRegistry> {
  const work = await Deno.makeTempDir({ prefix: "denolet-registry-" });
  const blobs = new Map<string, { type: string; data: Uint8Array }>();
  const manifests = new Map<string, Map<string, string>>(); // repo -> ref -> manifest digest
  const requests: string[] = [];
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  try {
    const layer = await busyboxLayer(work);
    const layerDigest = await sha256(layer);
    blobs.set(layerDigest, { type: LAYER_TYPE, data: layer });
    const encode = (json: unknown) => new TextEncoder().encode(JSON.stringify(json));
    const built: Omit<ServedImage, "repo" | "tagRefs" | "digestRef">[] = [];
    for (const spec of specs) {
      const config = encode({
        architecture: ociArch(),
        os: "linux",
        created: "1970-01-01T00:00:00Z",
        config: {
          ...(spec.user ? { User: spec.user } : {}),
          Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
          Cmd: spec.cmd ?? ["sleep", "3600"],
          WorkingDir: "/",
        },
        rootfs: { type: "layers", diff_ids: [layerDigest] },
      });
      const configDigest = await sha256(config);
      blobs.set(configDigest, { type: CONFIG_TYPE, data: config });
      const manifest = encode({
        schemaVersion: 2,
        mediaType: MANIFEST_TYPE,
        config: { mediaType: CONFIG_TYPE, digest: configDigest, size: config.length },
        layers: [{ mediaType: LAYER_TYPE, digest: layerDigest, size: layer.length }],
      });
      const manifestDigest = await sha256(manifest);
      blobs.set(manifestDigest, { type: MANIFEST_TYPE, data: manifest });
      const refs = manifests.get(spec.repo) ?? new Map<string, string>();
      refs.set(manifestDigest, manifestDigest);
      for (const tag of spec.tags ?? []) refs.set(tag, manifestDigest);
      manifests.set(spec.repo, refs);
      built.push({ manifestDigest, configDigest });
    }

    const answer = (req: Request, type: string, data: Uint8Array, digest: string) =>
      new Response(req.method === "HEAD" ? null : data as Uint8Array<ArrayBuffer>, {
        headers: {
          "Content-Type": type,
          "Content-Length": String(data.length),
          "Docker-Content-Digest": digest,
        },
      });
    const notFound = () =>
      Response.json({ errors: [{ code: "NOT_FOUND", message: "not found" }] }, { status: 404 });

    server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
      const path = new URL(req.url).pathname;
      requests.push(`${req.method} ${path}`);
      if (req.method !== "GET" && req.method !== "HEAD") return notFound();
      if (path === "/v2/" || path === "/v2") return Response.json({});
      const m = path.match(/^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/);
      if (!m) return notFound();
      const [, repo, kind, ref] = m;
      const digest = kind === "manifests" ? manifests.get(repo)?.get(ref) : ref;
      const blob = digest ? blobs.get(digest) : undefined;
      if (!digest || !blob) return notFound();
      if (kind === "manifests" && blob.type !== MANIFEST_TYPE) return notFound();
      return answer(req, blob.type, blob.data, digest);
    });
    const host = `127.0.0.1:${server.addr.port}`;
    const images = specs.map((spec, i): ServedImage => ({
      repo: `${host}/${spec.repo}`,
      tagRefs: (spec.tags ?? []).map((t) => `${host}/${spec.repo}:${t}`),
      digestRef: `${host}/${spec.repo}@${built[i].manifestDigest}`,
      ...built[i],
    }));
    let stopped = false;
    const running = server;
    return {
      host,
      images,
      requests,
      async stop() {
        if (stopped) return;
        stopped = true;
        await running.shutdown();
        await Deno.remove(work, { recursive: true }).catch(() => {});
      },
    };
  } catch (e) {
    await server?.shutdown();
    await Deno.remove(work, { recursive: true }).catch(() => {});
    throw e;
  }
}
