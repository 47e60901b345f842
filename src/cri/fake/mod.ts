/**
 * The fake CRI runtime: a real gRPC server on a Unix socket with in-memory
 * sandboxes, containers and images, for tests of everything that speaks CRI.
 *
 * ```ts
 * const fake = await startFakeRuntime({ socketPath: "/tmp/fake.sock", clock });
 * fake.runtime.script({ match: { containerName: "crash" }, exitAfterMs: 200, exitCode: 1 });
 * fake.images.publish("example.com/app", ["v1", "latest"], { user: "1000" });
 * // ... point the CRI client at fake.endpoint ...
 * await fake.stop();
 * ```
 *
 * @module
 */

export * from "./server.ts";
export * from "./fake_runtime_service.ts";
export * from "./fake_runtime_extras.ts";
export * from "./fake_image_service.ts";
export * from "./call_recorder.ts";
export * from "./container_script.ts";
export * from "./exec_handler.ts";
export * from "./command_plan.ts";
export * from "./streaming_server.ts";
export * from "./fake_registry.ts";
export { criLogLines, type LogStream, rfc3339Nano } from "./container_log.ts";
export { containerArgv, type ProcessExit } from "./container_process.ts";
export { isImageId, parseImageRef } from "./image_ref.ts";
export type { ImageRefParts } from "./image_ref.ts";
export type { FakeContainer } from "./container_store.ts";
export type { FakeContainerUsage } from "./_stats.ts";
export type { FakeSandbox } from "./sandbox_store.ts";
