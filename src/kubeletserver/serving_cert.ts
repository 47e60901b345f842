/**
 * The serving certificate of the kubelet API: `--tls-cert-file` and
 * `--tls-private-key-file` when given, else a self-signed one kept as
 * `kubelet.crt` and `kubelet.key` in the cert dir (`--cert-dir`, by default
 * `<root-dir>/pki`), as the kubelet does (cmd/kubelet/app/server.go
 * `InitializeTLS`; the certificate itself is described in _self_signed.ts).
 *
 * Unlike the kubelet, which reuses those files for as long as they can be
 * read (and so serves an expired certificate after a year), the kept pair is
 * reused only while its key matches, it is valid for at least another
 * {@linkcode RENEW_BEFORE_MS}, and it names exactly the host, alternate DNS
 * names and IPs asked for; otherwise a new pair replaces it (files written
 * to a temp name and renamed; the key 0600, the certificate 0644).
 *
 * The certificate library is loaded only when a pair has to be made.
 *
 * @module
 */

import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { readCertificate } from "./_der.ts";
import type { ServingKeyType } from "./tls_settings.ts";
import { writeTextFileAtomically } from "../util/write_atomically.ts";

/** A kept self-signed certificate closer than this to its end is replaced: 1 day. */
export const RENEW_BEFORE_MS = 24 * 3600_000;

/** Options of {@linkcode loadServingCert}. */
export interface ServingCertOptions {
  /** `tlsCertFile`; with {@linkcode tlsPrivateKeyFile} or not at all. */
  tlsCertFile?: string;
  /** `tlsPrivateKeyFile`. */
  tlsPrivateKeyFile?: string;
  /** Where the self-signed pair is kept (`--cert-dir`, `<root-dir>/pki`). */
  certDir: string;
  /** The node's hostname: the certificate's CN and first name. */
  hostname: string;
  /** More IPs the certificate is for (the node's addresses). @default [] */
  ips?: readonly string[];
  /** More DNS names the certificate is for. @default [] */
  dnsNames?: readonly string[];
  clock: Clock;
  /** @default nullLogger */
  logger?: Logger;
}

/** The certificate the secure server uses. */
export interface ServingCert {
  /** PEM: the serving certificate, then any chain. */
  cert: string;
  /** PEM private key. */
  key: string;
  certFile: string;
  keyFile: string;
  /** True when denolet made it. */
  selfSigned: boolean;
  keyType: ServingKeyType;
  /** End of validity (ms). */
  notAfter: number;
}

interface Parsed {
  leaf: X509Certificate;
  key: KeyObject;
}

function parsePair(cert: string, key: string): Parsed {
  const first = cert.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/);
  if (!first) throw new TypeError("it holds no PEM certificate");
  const leaf = new X509Certificate(first[0]);
  let k: KeyObject;
  try {
    k = createPrivateKey(key);
  } catch (e) {
    throw new TypeError(`the private key does not parse (${errText(e)})`);
  }
  if (!leaf.checkPrivateKey(k)) {
    throw new TypeError("the private key does not match the certificate");
  }
  return { leaf, key: k };
}

function keyTypeOf(leaf: X509Certificate): ServingKeyType {
  return leaf.publicKey.asymmetricKeyType === "rsa" ? "rsa" : "ec";
}

function canonicalIp(ip: string): string {
  if (isIP(ip) === 4) return ip;
  if (isIP(ip) === 6) return new URL(`http://[${ip}]`).hostname.slice(1, -1);
  throw new TypeError(`Cannot make a serving certificate for IP "${ip}": not an IP address`);
}

/** The DNS names and IPs a certificate for `host` and the alternates names, canonical and sorted. */
export function wantedNames(
  host: string,
  ips: readonly string[] = [],
  dnsNames: readonly string[] = [],
): { dns: string[]; ips: string[] } {
  const dns = new Set(dnsNames.map((d) => d.toLowerCase()));
  const ip = new Set(ips.map(canonicalIp));
  if (isIP(host)) ip.add(canonicalIp(host));
  else dns.add(host.toLowerCase());
  return { dns: [...dns].sort(), ips: [...ip].sort() };
}

/** Why a kept pair cannot be reused at `now`, or undefined when it can. */
export function staleReason(
  cert: string,
  key: string,
  wanted: { dns: string[]; ips: string[] },
  now: number,
): string | undefined {
  let parsed: Parsed;
  try {
    parsed = parsePair(cert, key);
  } catch (e) {
    return errText(e);
  }
  const leaf = parsed.leaf;
  if (now < new Date(leaf.validFrom).getTime()) return `it is not valid before ${leaf.validFrom}`;
  if (now + RENEW_BEFORE_MS > new Date(leaf.validTo).getTime()) {
    return `it expires ${leaf.validTo}`;
  }
  const fields = readCertificate(new Uint8Array(leaf.raw));
  const dns = [...new Set(fields.dnsNames.map((d) => d.toLowerCase()))].sort();
  const ips = [...new Set(fields.ips)].sort();
  if (dns.join(",") !== wanted.dns.join(",") || ips.join(",") !== wanted.ips.join(",")) {
    return `it is for [${[...dns, ...ips].join(" ")}], not [${
      [...wanted.dns, ...wanted.ips].join(" ")
    }]`;
  }
  return undefined;
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Loads the given certificate files, or reuses or makes the self-signed pair
 * in `certDir`. Throws one line naming the file when a given file cannot be
 * read or does not hold a matching certificate and key.
 *
 * Needs `--allow-read` of the given files, or `--allow-read` and
 * `--allow-write` of `certDir`.
 */
export async function loadServingCert(options: ServingCertOptions): Promise<ServingCert> {
  const logger = options.logger ?? nullLogger;
  const { tlsCertFile, tlsPrivateKeyFile } = options;
  if (tlsCertFile || tlsPrivateKeyFile) {
    if (!tlsCertFile || !tlsPrivateKeyFile) {
      throw new TypeError(
        "Cannot serve the kubelet API: tlsCertFile and tlsPrivateKeyFile go together",
      );
    }
    const read = async (path: string, what: string) => {
      try {
        return await Deno.readTextFile(path);
      } catch (e) {
        throw new TypeError(`Cannot read ${what} '${path}': ${errText(e)}`);
      }
    };
    const cert = await read(tlsCertFile, "--tls-cert-file");
    const key = await read(tlsPrivateKeyFile, "--tls-private-key-file");
    let parsed: Parsed;
    try {
      parsed = parsePair(cert, key);
    } catch (e) {
      throw new TypeError(
        `Cannot use --tls-cert-file '${tlsCertFile}' with --tls-private-key-file '${tlsPrivateKeyFile}': ${
          errText(e)
        }`,
      );
    }
    const notAfter = new Date(parsed.leaf.validTo).getTime();
    if (notAfter < options.clock.now()) {
      logger.warn("Serving certificate has expired", {
        certFile: tlsCertFile,
        notAfter: parsed.leaf.validTo,
      });
    }
    return {
      cert,
      key,
      certFile: tlsCertFile,
      keyFile: tlsPrivateKeyFile,
      selfSigned: false,
      keyType: keyTypeOf(parsed.leaf),
      notAfter,
    };
  }

  const certFile = `${options.certDir}/kubelet.crt`;
  const keyFile = `${options.certDir}/kubelet.key`;
  const wanted = wantedNames(options.hostname, options.ips, options.dnsNames);
  const now = options.clock.now();
  const keptCert = await readOrUndefined(certFile);
  const keptKey = await readOrUndefined(keyFile);
  if (keptCert !== undefined && keptKey !== undefined) {
    const stale = staleReason(keptCert, keptKey, wanted, now);
    if (stale === undefined) {
      const leaf = parsePair(keptCert, keptKey).leaf;
      logger.debug(4, "Using self-signed cert", { certFile, keyFile });
      return {
        cert: keptCert,
        key: keptKey,
        certFile,
        keyFile,
        selfSigned: true,
        keyType: keyTypeOf(leaf),
        notAfter: new Date(leaf.validTo).getTime(),
      };
    }
    logger.info("Replacing the self-signed serving certificate", { certFile, reason: stale });
  }
  const extraDns = wanted.dns.filter((d) => d !== options.hostname.toLowerCase());
  const extraIps = wanted.ips.filter((ip) =>
    !isIP(options.hostname) || ip !== canonicalIp(options.hostname)
  );
  const { generateSelfSignedCertKey } = await import("./_self_signed.ts");
  const made = await generateSelfSignedCertKey(options.hostname, extraIps, extraDns, now);
  await Deno.mkdir(options.certDir, { recursive: true, mode: 0o755 });
  await writeTextFileAtomically(keyFile, made.key, 0o600);
  await writeTextFileAtomically(certFile, made.cert, 0o644);
  const leaf = parsePair(made.cert, made.key).leaf;
  logger.info("Made a self-signed serving certificate", {
    certFile,
    keyFile,
    names: [...wanted.dns, ...wanted.ips].join(","),
    notAfter: leaf.validTo,
  });
  return {
    cert: made.cert,
    key: made.key,
    certFile,
    keyFile,
    selfSigned: true,
    keyType: "rsa",
    notAfter: new Date(leaf.validTo).getTime(),
  };
}
