import assert from "node:assert/strict";
import { parseProto } from "../../scripts/gen_proto.ts";
import descriptor from "../../src/cri/runtime_v1_descriptor.json" with { type: "json" };
import {
  IMAGE_SERVICE_NAME,
  imageServiceDefinition,
  RUNTIME_SERVICE_NAME,
  runtimeServiceDefinition,
} from "../../src/cri/package_definition.ts";

const root = new URL("../../", import.meta.url);

interface Field {
  type: string;
  id: number;
  rule?: string;
  keyType?: string;
}

function messages(): Record<string, { fields?: Record<string, Field> }> {
  const json = descriptor as unknown as {
    nested: {
      runtime: { nested: { v1: { nested: Record<string, { fields?: Record<string, Field> }> } } };
    };
  };
  return json.nested.runtime.nested.v1.nested;
}

Deno.test("runtime_v1_descriptor.json equals a fresh parse of proto/api.proto", async () => {
  const source = await Deno.readTextFile(new URL("proto/api.proto", root));
  assert.deepStrictEqual(descriptor, parseProto(source), "run `deno task gen-proto` to regenerate");
});

Deno.test("the descriptor declares all 28 RuntimeService and 5 ImageService RPCs", () => {
  assert.deepStrictEqual(Object.keys(runtimeServiceDefinition).sort(), [
    "Attach",
    "CheckpointContainer",
    "ContainerStats",
    "ContainerStatus",
    "CreateContainer",
    "Exec",
    "ExecSync",
    "GetContainerEvents",
    "ListContainerStats",
    "ListContainers",
    "ListMetricDescriptors",
    "ListPodSandbox",
    "ListPodSandboxMetrics",
    "ListPodSandboxStats",
    "PodSandboxStats",
    "PodSandboxStatus",
    "PortForward",
    "RemoveContainer",
    "RemovePodSandbox",
    "ReopenContainerLog",
    "RunPodSandbox",
    "StartContainer",
    "Status",
    "StopContainer",
    "StopPodSandbox",
    "UpdateContainerResources",
    "UpdateRuntimeConfig",
    "Version",
  ]);
  assert.deepStrictEqual(Object.keys(imageServiceDefinition).sort(), [
    "ImageFsInfo",
    "ImageStatus",
    "ListImages",
    "PullImage",
    "RemoveImage",
  ]);
  assert.equal(runtimeServiceDefinition.Version.path, `/${RUNTIME_SERVICE_NAME}/Version`);
  assert.equal(imageServiceDefinition.ListImages.path, `/${IMAGE_SERVICE_NAME}/ListImages`);
  assert.deepStrictEqual(runtimeServiceDefinition.GetContainerEvents.responseStream, true);
  assert.deepStrictEqual(
    runtimeServiceDefinition.Version.path,
    "/runtime.v1.RuntimeService/Version",
  );
});

Deno.test("the descriptor keeps upstream field numbers and types", async (t) => {
  // [message, field (camelCase), number, type] from k8s.io/cri-api runtime/v1/api.proto.
  const cases: [string, string, number, string][] = [
    ["PodSandboxConfig", "logDirectory", 3, "string"],
    ["PodSandboxConfig", "linux", 8, "LinuxPodSandboxConfig"],
    ["LinuxSandboxSecurityContext", "runAsGroup", 8, "Int64Value"],
    ["LinuxSandboxSecurityContext", "supplementalGroupsPolicy", 11, "SupplementalGroupsPolicy"],
    ["LinuxContainerSecurityContext", "noNewPrivs", 11, "bool"],
    ["LinuxContainerSecurityContext", "runAsGroup", 12, "Int64Value"],
    ["LinuxContainerResources", "memorySwapLimitInBytes", 10, "int64"],
    ["ContainerConfig", "linux", 15, "LinuxContainerConfig"],
    ["ContainerStatus", "imageRef", 9, "string"],
    ["ContainerStatus", "imageId", 17, "string"],
    ["ContainerStatus", "user", 18, "ContainerUser"],
    ["ImageSpec", "userSpecifiedImage", 18, "string"],
    ["ImageSpec", "runtimeHandler", 19, "string"],
    ["Mount", "uidMappings", 6, "IDMapping"],
    ["Mount", "image", 9, "ImageSpec"],
    ["PodSandboxStatusResponse", "containersStatuses", 3, "ContainerStatus"],
    ["ContainerEventResponse", "podSandboxStatus", 4, "PodSandboxStatus"],
    ["ImageFsInfoResponse", "containerFilesystems", 2, "FilesystemUsage"],
    ["Image", "pinned", 8, "bool"],
    ["ExecSyncResponse", "stdout", 1, "bytes"],
  ];
  const all = messages();
  for (const [message, field, id, type] of cases) {
    await t.step(`${message}.${field} = ${id}`, () => {
      const f = all[message]?.fields?.[field];
      assert(f, `${message}.${field} is missing`);
      assert.deepStrictEqual({ id: f.id, type: f.type }, { id, type });
    });
  }
});
