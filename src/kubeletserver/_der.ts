/**
 * Just enough DER reading to authenticate a client certificate and to check
 * a serving certificate: the subject's common name and organizations, the
 * extended key usages and the subject alternative names.
 * node:crypto's `X509Certificate` verifies signatures and dates, but in Deno
 * 2.9 its `keyUsage` is undefined and its `subject` is a display string.
 *
 * @module
 */

interface Tlv {
  tag: number;
  /** Offset of the value in the buffer. */
  start: number;
  /** Offset just past the value. */
  end: number;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const OID = 0x06;
const EXTENSIONS = 0xa3;

function tlv(der: Uint8Array, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new RangeError("truncated DER");
  const tag = der[at];
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw new RangeError("bad DER length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new RangeError("truncated DER");
  return { tag, start, end };
}

function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end;) {
    const t = tlv(der, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

function hex(der: Uint8Array, t: Tlv): string {
  let s = "";
  for (let i = t.start; i < t.end; i++) s += der[i].toString(16).padStart(2, "0");
  return s;
}

function text(der: Uint8Array, t: Tlv): string {
  const bytes = der.subarray(t.start, t.end);
  switch (t.tag) {
    case 0x1e: { // BMPString: UTF-16BE
      let s = "";
      for (let i = 0; i + 1 < bytes.length; i += 2) {
        s += String.fromCharCode(bytes[i] << 8 | bytes[i + 1]);
      }
      return s;
    }
    case 0x14: // T61String, read as Latin-1 like Go does
      return String.fromCharCode(...bytes);
    default: // UTF8String, PrintableString, IA5String
      return new TextDecoder().decode(bytes);
  }
}

/** OIDs (DER value bytes in hex) this module reads. */
const OID_CN = "550403";
const OID_O = "55040a";
const OID_EXT_KEY_USAGE = "551d25";
const OID_SUBJECT_ALT_NAME = "551d11";
/** id-kp-clientAuth (1.3.6.1.5.5.7.3.2). */
export const OID_CLIENT_AUTH = "2b06010505070302";
/** anyExtendedKeyUsage (2.5.29.37.0). */
export const OID_ANY_EKU = "551d2500";

/** What {@linkcode readCertificate} extracts. */
export interface CertificateFields {
  commonName: string;
  organizations: string[];
  /** Extended key usages as OID hex; undefined when the extension is absent. */
  extKeyUsages?: string[];
  /** Subject alternative names: DNS names as written, IPs in canonical text form. */
  dnsNames: string[];
  ips: string[];
}

/** The canonical text of an IPv4 or IPv6 address given as its bytes. */
function ipText(bytes: Uint8Array): string | undefined {
  if (bytes.length === 4) return bytes.join(".");
  if (bytes.length !== 16) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return new URL(`http://[${groups.join(":")}]`).hostname.slice(1, -1);
}

/**
 * Reads the subject CN and O values, the extended key usages and the
 * subject alternative names of a DER X.509 certificate. Throws a `RangeError` for malformed input.
 */
export function readCertificate(der: Uint8Array): CertificateFields {
  const cert = tlv(der, 0, der.length);
  const tbs = children(der, cert)[0];
  if (cert.tag !== SEQUENCE || tbs?.tag !== SEQUENCE) throw new RangeError("not a certificate");
  const fields = children(der, tbs);
  // [0] version is optional; then serial, signature, issuer, validity, subject.
  const base = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[base + 4];
  if (subject?.tag !== SEQUENCE) throw new RangeError("certificate has no subject");
  let commonName = "";
  const organizations: string[] = [];
  for (const rdn of children(der, subject)) {
    if (rdn.tag !== SET) continue;
    for (const atv of children(der, rdn)) {
      const [type, value] = children(der, atv);
      if (type?.tag !== OID || !value) continue;
      const oid = hex(der, type);
      if (oid === OID_CN) commonName = text(der, value);
      else if (oid === OID_O) organizations.push(text(der, value));
    }
  }
  let extKeyUsages: string[] | undefined;
  const dnsNames: string[] = [];
  const ips: string[] = [];
  const exts = fields.find((f) => f.tag === EXTENSIONS);
  if (exts) {
    const list = children(der, exts)[0];
    for (const ext of list ? children(der, list) : []) {
      const parts = children(der, ext);
      if (parts[0]?.tag !== OID) continue;
      const oid = hex(der, parts[0]);
      const octets = parts[parts.length - 1];
      if (oid === OID_EXT_KEY_USAGE) {
        const seq = tlv(der, octets.start, octets.end);
        extKeyUsages = children(der, seq).filter((t) => t.tag === OID).map((t) => hex(der, t));
      } else if (oid === OID_SUBJECT_ALT_NAME) {
        for (const name of children(der, tlv(der, octets.start, octets.end))) {
          if (name.tag === 0x82) dnsNames.push(text(der, name));
          if (name.tag === 0x87) {
            const ip = ipText(der.subarray(name.start, name.end));
            if (ip) ips.push(ip);
          }
        }
      }
    }
  }
  return { commonName, organizations, extKeyUsages, dnsNames, ips };
}
