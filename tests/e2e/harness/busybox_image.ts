/**
 * Builds a small OCI image layout tar from the host's static busybox, for the
 * containerd e2e tests (no image registry is reachable here). The image holds
 * `/bin/busybox` plus symlinks for the applets the tests use, a minimal
 * `/etc/passwd` and `/etc/group`, and a default command `sleep 3600`.
 *
 * @module
 */

/** The name the image is imported under (and the CRI sandbox_image). */
export const BUSYBOX_IMAGE_NAME = "localhost/denolet/busybox:e2e";

/** Applets linked into /bin. */
export const BUSYBOX_APPLETS: readonly string[] = [
  "sh",
  "sleep",
  "httpd",
  "echo",
  "cat",
  "wget",
  "ls",
  "true",
  "false",
  "env",
  "ps",
  "kill",
  "nc",
  "id",
  "touch",
  "mkdir",
  "date",
  "rm",
  "hostname",
  "printf",
  "test",
  "[",
  "grep",
  "head",
  "tail",
  "wc",
  "seq",
  "uname",
  "pwd",
];

/** Options for {@linkcode buildBusyboxImage}. */
export interface BuildBusyboxImageOptions {
  /** Path of the static busybox binary. @default "/bin/busybox" */
  busyboxPath?: string;
  /** Image name written into index.json annotations. @default BUSYBOX_IMAGE_NAME */
  name?: string;
  /** Default command of the image. @default ["sleep", "3600"] */
  cmd?: string[];
}

/** What {@linkcode buildBusyboxImage} produced. */
export interface BusyboxImage {
  /** Path of the OCI layout tar. */
  path: string;
  /** Full image name (io.containerd.image.name). */
  name: string;
  /** Digest of the manifest, `sha256:...`. */
  manifestDigest: string;
  /** Digest of the image config, `sha256:...` (the CRI image id). */
  configDigest: string;
}

async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function runTar(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("tar", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`Cannot run 'tar ${args.join(" ")}': ${stderr}`);
  }
}

const DETERMINISTIC_TAR = [
  "--sort=name",
  "--mtime=@0",
  "--owner=0",
  "--group=0",
  "--numeric-owner",
  "--format=posix",
  "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
];

function ociArch(): string {
  return Deno.build.arch === "aarch64" ? "arm64" : "amd64";
}

/**
 * Writes an OCI image layout tar (oci-layout, index.json, blobs/sha256/...) to
 * `outPath`, with a single uncompressed layer holding busybox and its applet
 * symlinks. The tar imports with `ctr -n k8s.io images import`.
 *
 * Requires `--allow-read` (busybox, temp dir), `--allow-write` (temp dir,
 * `outPath`) and `--allow-run=tar`.
 */
export async function buildBusyboxImage(
  outPath: string,
  options: BuildBusyboxImageOptions = {},
): Promise<BusyboxImage> {
  const busyboxPath = options.busyboxPath ?? "/bin/busybox";
  const name = options.name ?? BUSYBOX_IMAGE_NAME;
  const cmd = options.cmd ?? ["sleep", "3600"];
  const work = await Deno.makeTempDir({ prefix: "denolet-busybox-" });
  try {
    const rootfs = `${work}/rootfs`;
    for (const dir of ["bin", "etc", "tmp", "var/www", "proc", "sys", "dev", "root"]) {
      await Deno.mkdir(`${rootfs}/${dir}`, { recursive: true });
    }
    await Deno.chmod(`${rootfs}/tmp`, 0o1777);
    await Deno.copyFile(busyboxPath, `${rootfs}/bin/busybox`);
    await Deno.chmod(`${rootfs}/bin/busybox`, 0o755);
    for (const applet of BUSYBOX_APPLETS) {
      await Deno.symlink("busybox", `${rootfs}/bin/${applet}`);
    }
    await Deno.writeTextFile(`${rootfs}/etc/passwd`, "root:x:0:0:root:/root:/bin/sh\n");
    await Deno.writeTextFile(`${rootfs}/etc/group`, "root:x:0:\n");
    await Deno.writeTextFile(`${rootfs}/var/www/index.html`, "denolet e2e\n");

    const layout = `${work}/layout`;
    const blobs = `${layout}/blobs/sha256`;
    await Deno.mkdir(blobs, { recursive: true });
    const layerTmp = `${work}/layer.tar`;
    await runTar([...DETERMINISTIC_TAR, "-cf", layerTmp, "."], rootfs);
    const layer = await Deno.readFile(layerTmp);
    const layerHex = await sha256Hex(layer);
    await Deno.rename(layerTmp, `${blobs}/${layerHex}`);

    const writeBlob = async (json: unknown) => {
      const bytes = new TextEncoder().encode(JSON.stringify(json));
      const hex = await sha256Hex(bytes);
      await Deno.writeFile(`${blobs}/${hex}`, bytes);
      return { digest: `sha256:${hex}`, size: bytes.length };
    };

    const config = await writeBlob({
      architecture: ociArch(),
      os: "linux",
      created: "1970-01-01T00:00:00Z",
      config: {
        Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        Cmd: cmd,
        WorkingDir: "/",
      },
      rootfs: { type: "layers", diff_ids: [`sha256:${layerHex}`] },
      history: [{ created: "1970-01-01T00:00:00Z", created_by: "denolet busybox_image.ts" }],
    });
    const manifest = await writeBlob({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [{
        mediaType: "application/vnd.oci.image.layer.v1.tar",
        digest: `sha256:${layerHex}`,
        size: layer.length,
      }],
    });
    const tag = name.slice(name.lastIndexOf(":") + 1);
    await Deno.writeTextFile(
      `${layout}/oci-layout`,
      JSON.stringify({ imageLayoutVersion: "1.0.0" }),
    );
    await Deno.writeTextFile(
      `${layout}/index.json`,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [{
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          platform: { architecture: ociArch(), os: "linux" },
          annotations: {
            "org.opencontainers.image.ref.name": tag,
            "io.containerd.image.name": name,
          },
        }],
      }),
    );
    await runTar([...DETERMINISTIC_TAR, "-cf", outPath, "."], layout);
    return { path: outPath, name, manifestDigest: manifest.digest, configDigest: config.digest };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}
