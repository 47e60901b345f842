/**
 * Name rules Kubernetes applies to object names, container names, port names and
 * environment variable names. Each `isX` function answers yes or no; each `xProblem`
 * function returns a short description of what is wrong, or `undefined` when the
 * value is fine, so validation can say why a name was refused.
 *
 * @module
 */

/** Longest DNS-1123 label (RFC 1123), e.g. a container or volume name. */
export const DNS1123_LABEL_MAX_LENGTH = 63;
/** Longest DNS-1123 subdomain, e.g. a Pod name. */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
/** Longest IANA service name, e.g. a container port name. */
export const IANA_SVC_NAME_MAX_LENGTH = 15;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IANA_SVC_NAME_CHARS = /^[-a-z0-9]+$/;
const HAS_LETTER = /[a-z]/;
const RELAXED_ENV_VAR_NAME = /^[\x20-\x3c\x3e-\x7e]+$/;
const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * What is wrong with `value` as a DNS-1123 label (lowercase alphanumerics and '-',
 * starting and ending with an alphanumeric, at most 63 characters).
 */
export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > DNS1123_LABEL_MAX_LENGTH) {
    return `must be no more than ${DNS1123_LABEL_MAX_LENGTH} characters (has ${value.length})`;
  }
  if (!DNS1123_LABEL.test(value)) {
    return "must consist of lowercase letters, digits and '-', and start and end with a letter or digit";
  }
  return undefined;
}

/** Whether `value` is a DNS-1123 label, such as a container name. */
export function isDns1123Label(value: string): boolean {
  return dns1123LabelProblem(value) === undefined;
}

/**
 * What is wrong with `value` as a DNS-1123 subdomain (dot-separated DNS-1123 labels,
 * at most 253 characters).
 */
export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > DNS1123_SUBDOMAIN_MAX_LENGTH) {
    return `must be no more than ${DNS1123_SUBDOMAIN_MAX_LENGTH} characters (has ${value.length})`;
  }
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return "must consist of lowercase letters, digits, '-' and '.', and start and end with a letter or digit";
  }
  return undefined;
}

/** Whether `value` is a DNS-1123 subdomain, such as a Pod name. */
export function isDns1123Subdomain(value: string): boolean {
  return dns1123SubdomainProblem(value) === undefined;
}

/**
 * What is wrong with `value` as an IANA service name (RFC 6335): at most 15
 * characters, lowercase alphanumerics and '-', at least one letter, no leading,
 * trailing or doubled '-'.
 */
export function ianaSvcNameProblem(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > IANA_SVC_NAME_MAX_LENGTH) {
    return `must be no more than ${IANA_SVC_NAME_MAX_LENGTH} characters (has ${value.length})`;
  }
  if (!IANA_SVC_NAME_CHARS.test(value)) {
    return "must contain only lowercase letters, digits and '-'";
  }
  if (value.includes("--")) return "must not contain consecutive hyphens";
  if (value.startsWith("-") || value.endsWith("-")) {
    return "must not begin or end with a hyphen";
  }
  if (!HAS_LETTER.test(value)) return "must contain at least one letter";
  return undefined;
}

/** Whether `value` is an IANA service name, such as a container port name. */
export function isIanaSvcName(value: string): boolean {
  return ianaSvcNameProblem(value) === undefined;
}

/**
 * What is wrong with `value` as an environment variable name, with the relaxed rule
 * of Kubernetes 1.35 (RelaxedEnvironmentVariableValidation, on by default): any
 * printable ASCII characters other than '=', so `1ABC`, `my.var` and `a b` are
 * fine.
 */
export function envVarNameProblem(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (!RELAXED_ENV_VAR_NAME.test(value)) {
    return "must consist only of printable ASCII characters other than '='";
  }
  return undefined;
}

/** Whether `value` is a valid environment variable name. */
export function isEnvVarName(value: string): boolean {
  return envVarNameProblem(value) === undefined;
}

/** Whether `value` is a C identifier (`[A-Za-z_][A-Za-z0-9_]*`). */
export function isCIdentifier(value: string): boolean {
  return C_IDENTIFIER.test(value);
}

const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** Longest name part of a qualified name and longest label value. */
export const QUALIFIED_NAME_MAX_LENGTH = 63;

/**
 * What is wrong with `value` as a qualified name (a label or annotation key): an
 * optional DNS-1123 subdomain prefix and '/', then a name of at most 63 letters,
 * digits, '-', '_' and '.', starting and ending with a letter or digit.
 */
export function qualifiedNameProblem(value: string): string | undefined {
  const parts = value.split("/");
  if (parts.length > 2) return "must contain at most one '/'";
  const name = parts.length === 2 ? parts[1] : parts[0];
  if (parts.length === 2) {
    const prefixProblem = dns1123SubdomainProblem(parts[0]);
    if (prefixProblem !== undefined) return `prefix ${prefixProblem}`;
  }
  if (name.length === 0) return "name part must not be empty";
  if (name.length > QUALIFIED_NAME_MAX_LENGTH) {
    return `name part must be no more than ${QUALIFIED_NAME_MAX_LENGTH} characters (has ${name.length})`;
  }
  if (!QUALIFIED_NAME_PART.test(name)) {
    return "name part must consist of letters, digits, '-', '_' and '.', and start and end with a letter or digit";
  }
  return undefined;
}

/** Whether `value` is a qualified name, such as a label key. */
export function isQualifiedName(value: string): boolean {
  return qualifiedNameProblem(value) === undefined;
}

/** What is wrong with `value` as a label value (empty, or like a qualified name part). */
export function labelValueProblem(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (value.length > QUALIFIED_NAME_MAX_LENGTH) {
    return `must be no more than ${QUALIFIED_NAME_MAX_LENGTH} characters (has ${value.length})`;
  }
  if (!QUALIFIED_NAME_PART.test(value)) {
    return "must be empty or consist of letters, digits, '-', '_' and '.', and start and end with a letter or digit";
  }
  return undefined;
}

/** Whether `value` is a valid label value. */
export function isLabelValue(value: string): boolean {
  return labelValueProblem(value) === undefined;
}
