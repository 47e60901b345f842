/**
 * Base64 as Kubernetes objects carry it (Secret `data`, ConfigMap
 * `binaryData`, kubeconfig `*-data`): Go's StdEncoding, padding required,
 * CR and LF ignored as Go's decoder ignores them.
 *
 * @module
 */

const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The bytes of standard base64 `text`, or undefined when it is not valid. */
export function decodeStdBase64(text: string): Uint8Array | undefined {
  const t = text.replace(/[\r\n]/g, "");
  if (t.length % 4 !== 0 || !STD_BASE64.test(t)) return undefined;
  try {
    return Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
