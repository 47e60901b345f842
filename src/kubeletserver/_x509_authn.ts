/**
 * x509 client-certificate authentication (`authentication.x509.clientCAFile`):
 * a certificate signed by one of the CAs, valid now, and usable for client
 * authentication (no extended key usage, or `clientAuth` / any) is the user
 * named by its subject CN, in the groups named by its O values — as the
 * kubelet's x509 authenticator does. A certificate with an empty CN proves
 * nothing (the request goes on to the token and anonymous authenticators);
 * a certificate that fails verification is an error (401, even with
 * anonymous auth on).
 *
 * The leaf must be signed directly by a CA of the bundle: intermediates sent
 * by the client are not used (the API server's kubelet client certificate is
 * signed by the cluster CA itself).
 *
 * @module
 */

import { X509Certificate } from "node:crypto";
import { Buffer } from "node:buffer";
import { OID_ANY_EKU, OID_CLIENT_AUTH, readCertificate } from "./_der.ts";

/** The outcome of one certificate check. */
export type X509Outcome =
  | { kind: "user"; name: string; groups: string[] }
  | { kind: "none" }
  | { kind: "error"; reason: string };

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Parses a PEM bundle of CA certificates. Throws a `TypeError` naming
 * `source` when it holds none or one does not parse.
 */
export function parseCaBundle(pem: string, source = "client CA bundle"): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) {
    throw new TypeError(`Cannot use ${source}: it holds no PEM certificate`);
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (e) {
      throw new TypeError(
        `Cannot use ${source}: certificate ${i + 1} does not parse (${(e as Error).message})`,
      );
    }
  });
}

function window(cert: X509Certificate, now: number, what: string): string | undefined {
  const from = new Date(cert.validFrom).getTime();
  const to = new Date(cert.validTo).getTime();
  const at = new Date(now).toISOString();
  if (now < from) return `${what} is not yet valid: current time ${at} is before ${cert.validFrom}`;
  if (now > to) return `${what} has expired: current time ${at} is after ${cert.validTo}`;
  return undefined;
}

/** Checks the client's leaf certificate (DER) against `cas` at `now`. */
export function verifyClientCertificate(
  der: Uint8Array,
  cas: readonly X509Certificate[],
  now: number,
): X509Outcome {
  let leaf: X509Certificate;
  let fields;
  try {
    leaf = new X509Certificate(Buffer.from(der));
    fields = readCertificate(der);
  } catch (e) {
    return { kind: "error", reason: `client certificate does not parse: ${(e as Error).message}` };
  }
  const serial = `SN=${leaf.serialNumber}`;
  const issuer = cas.find((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
  if (!issuer) {
    return {
      kind: "error",
      reason: `verifying certificate ${serial} failed: certificate signed by unknown authority`,
    };
  }
  const late = window(leaf, now, `certificate ${serial}`) ??
    window(issuer, now, `CA certificate ${issuer.subject}`);
  if (late) return { kind: "error", reason: `verifying certificate ${serial} failed: ${late}` };
  const ekus = fields.extKeyUsages;
  if (ekus && !ekus.includes(OID_CLIENT_AUTH) && !ekus.includes(OID_ANY_EKU)) {
    return {
      kind: "error",
      reason: `verifying certificate ${serial} failed: it is not for client authentication`,
    };
  }
  if (fields.commonName === "") return { kind: "none" };
  return { kind: "user", name: fields.commonName, groups: fields.organizations };
}
