/**
 * `tlsMinVersion` and `tlsCipherSuites` (`--tls-min-version`,
 * `--tls-cipher-suites`) checked against what the server's TLS can do.
 *
 * node:https in Deno 2.9 runs on rustls: it honours `minVersion` (TLS 1.2 or
 * 1.3; rustls has no TLS 1.0/1.1) but ignores `ciphers`. It always offers the
 * TLS 1.3 suites (Go does not let them be configured either) and, for TLS
 * 1.2, the three ECDHE AEAD suites of the certificate's key type:
 *
 * - RSA key: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, _AES_256_GCM_SHA384, _CHACHA20_POLY1305_SHA256
 * - EC key: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, _AES_256_GCM_SHA384, _CHACHA20_POLY1305_SHA256
 *
 * So a cipher-suite list is honoured exactly when it holds those three (the
 * server then never negotiates a suite outside it), or when the minimum
 * version is TLS 1.3 (the list does not apply, as in Go). Any other list is
 * refused with one line naming what is missing rather than silently widened;
 * a name Go does not know is refused as the kubelet refuses it.
 *
 * @module
 */

/** The `minVersion` node:tls takes. */
export type NodeTlsVersion = "TLSv1.2" | "TLSv1.3";

/** What the secure server passes to node:https. */
export interface TlsServerSettings {
  minVersion: NodeTlsVersion;
}

/** The key type of the serving certificate, which picks the TLS 1.2 suites. */
export type ServingKeyType = "rsa" | "ec";

/** Go's names (crypto/tls CipherSuites and InsecureCipherSuites, plus the kubelet's legacy aliases). */
const GO_CIPHER_SUITES: ReadonlySet<string> = new Set([
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
  "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
  "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
  "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
  "TLS_RSA_WITH_RC4_128_SHA",
  "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
  "TLS_RSA_WITH_AES_128_CBC_SHA",
  "TLS_RSA_WITH_AES_256_CBC_SHA",
  "TLS_RSA_WITH_AES_128_CBC_SHA256",
  "TLS_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
  "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
  "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
  "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
]);

/** The kubelet's legacy aliases, as the names they stand for. */
const ALIASES: Record<string, string> = {
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
};

/** The TLS 1.2 suites the server offers for a key type (Go names). */
export function offeredTls12Suites(keyType: ServingKeyType): string[] {
  const kx = keyType === "rsa" ? "RSA" : "ECDSA";
  return [
    `TLS_ECDHE_${kx}_WITH_AES_128_GCM_SHA256`,
    `TLS_ECDHE_${kx}_WITH_AES_256_GCM_SHA384`,
    `TLS_ECDHE_${kx}_WITH_CHACHA20_POLY1305_SHA256`,
  ];
}

/** node:tls's name of a kubelet `tlsMinVersion`; "" is the kubelet's default, TLS 1.2. */
export function nodeTlsVersion(tlsMinVersion: string): NodeTlsVersion {
  switch (tlsMinVersion) {
    case "":
    case "VersionTLS12":
      return "TLSv1.2";
    case "VersionTLS13":
      return "TLSv1.3";
    case "VersionTLS10":
    case "VersionTLS11":
      throw new RangeError(
        `Cannot use tlsMinVersion "${tlsMinVersion}": the server's TLS (rustls in Deno) speaks ` +
          "only TLS 1.2 and 1.3; use VersionTLS12 or VersionTLS13",
      );
    default:
      throw new RangeError(
        `Cannot use tlsMinVersion "${tlsMinVersion}": must be VersionTLS12 or VersionTLS13`,
      );
  }
}

/**
 * Checks `tlsMinVersion` and `tlsCipherSuites` for a certificate of
 * `keyType`; throws a `RangeError` with one line when one cannot be honoured.
 */
export function tlsServerSettings(
  tlsMinVersion: string | undefined,
  tlsCipherSuites: readonly string[] | undefined,
  keyType: ServingKeyType,
): TlsServerSettings {
  const minVersion = nodeTlsVersion(tlsMinVersion ?? "");
  const suites = tlsCipherSuites ?? [];
  const unknown = suites.find((s) => !GO_CIPHER_SUITES.has(s));
  if (unknown !== undefined) {
    throw new RangeError(
      `Cannot use tlsCipherSuites: cipher suite ${unknown} not supported or doesn't exist`,
    );
  }
  if (suites.length === 0 || minVersion === "TLSv1.3") return { minVersion };
  const listed = new Set(suites.map((s) => ALIASES[s] ?? s));
  const missing = offeredTls12Suites(keyType).filter((s) => !listed.has(s));
  if (missing.length > 0) {
    throw new RangeError(
      `Cannot honour tlsCipherSuites: the server's TLS (rustls in Deno) cannot be limited to ` +
        `a list and always offers ${missing.join(", ")} for TLS 1.2 with this ` +
        `${keyType === "rsa" ? "RSA" : "EC"} certificate; add them to the list or set ` +
        "tlsMinVersion VersionTLS13",
    );
  }
  return { minVersion };
}
