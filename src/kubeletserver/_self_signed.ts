/**
 * The kubelet's self-signed serving certificate (client-go
 * `cert.GenerateSelfSignedCertKey`): an RSA 2048 CA `<host>-ca@<unix time>`
 * and, signed by it, an RSA 2048 serving certificate `<host>@<unix time>`
 * for the host (as a DNS name, or an IP when it is one) and the alternate
 * names, both valid from an hour ago for one year. The certificate file
 * holds the serving certificate followed by the CA; the key file the
 * serving key (PKCS#8).
 *
 * Made with `@peculiar/x509` on WebCrypto (no extra permission). It is
 * loaded only from here, and this module only when a certificate has to be
 * made (serving_cert.ts imports it dynamically).
 *
 * @module
 */

import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { isIP } from "node:net";

/** Validity of the certificate: one year. */
export const SELF_SIGNED_VALIDITY_MS = 365 * 24 * 3600_000;
/** How far back the validity starts, for clock skew. */
export const SELF_SIGNED_BACKDATE_MS = 3600_000;

const RSA = {
  name: "RSASSA-PKCS1-v1_5",
  hash: "SHA-256",
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

/** A PEM certificate chain and its key. */
export interface CertAndKey {
  cert: string;
  key: string;
}

function serial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f; // positive
  bytes[0] |= 0x01; // no leading zero byte
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  return `-----BEGIN ${label}-----\n${
    b64.replace(/(.{64})/g, "$1\n").trimEnd()
  }\n-----END ${label}-----\n`;
}

/** Makes the self-signed serving certificate of `host` at `now` (ms). */
export async function generateSelfSignedCertKey(
  host: string,
  alternateIPs: readonly string[],
  alternateDNS: readonly string[],
  now: number,
): Promise<CertAndKey> {
  x509.cryptoProvider.set(crypto);
  const seconds = Math.floor(now / 1000);
  const notBefore = new Date(now - SELF_SIGNED_BACKDATE_MS);
  const notAfter = new Date(notBefore.getTime() + SELF_SIGNED_VALIDITY_MS);
  const caKeys = await crypto.subtle.generateKey(RSA, true, ["sign", "verify"]);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [{ CN: [`${host}-ca@${seconds}`] }],
    notBefore,
    notAfter,
    signingAlgorithm: RSA,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.digitalSignature |
          x509.KeyUsageFlags.keyCertSign,
        true,
      ),
    ],
  });
  const keys = await crypto.subtle.generateKey(RSA, true, ["sign", "verify"]);
  const names: x509.JsonGeneralName[] = [];
  names.push(isIP(host) ? { type: "ip", value: host } : { type: "dns", value: host });
  for (const ip of alternateIPs) names.push({ type: "ip", value: ip });
  for (const dns of alternateDNS) names.push({ type: "dns", value: dns });
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: [{ CN: [`${host}@${seconds}`] }],
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: RSA,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
  const key = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return {
    cert: leaf.toString("pem") + "\n" + ca.toString("pem") + "\n",
    key: pem("PRIVATE KEY", key),
  };
}
