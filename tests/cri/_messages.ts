/**
 * CRI messages as the client's decoder produces them: every field at its
 * wire default (taken from the real loader) except those a test gives, for
 * tests that hand-build what a runtime returns.
 *
 * @module
 */

import type { ImageSpec__Output } from "../../src/cri/generated/runtime/v1/ImageSpec.ts";
import type { Mount__Output } from "../../src/cri/generated/runtime/v1/Mount.ts";
import type { NamespaceOption__Output } from "../../src/cri/generated/runtime/v1/NamespaceOption.ts";
import { criMessageDefinition } from "../../src/cri/package_definition.ts";

/** `runtime.v1.<name>` decoded from no bytes, with `fields` laid over it. */
function decoded<T>(name: string, fields: Partial<T>): T {
  const type = criMessageDefinition<unknown, T>(name);
  return {
    ...type.deserialize(new Uint8Array()),
    ...fields,
  };
}

/** An ImageSpec as a runtime returns it. */
export function imageSpec(fields: Partial<ImageSpec__Output>): ImageSpec__Output {
  return decoded("ImageSpec", fields);
}

/** A Mount as a runtime returns it. */
export function mount(fields: Partial<Mount__Output>): Mount__Output {
  return decoded("Mount", fields);
}

/** A NamespaceOption as a runtime returns it. */
export function namespaceOption(fields: Partial<NamespaceOption__Output>): NamespaceOption__Output {
  return decoded("NamespaceOption", fields);
}
