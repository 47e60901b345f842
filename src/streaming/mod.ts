/**
 * The kubelet API's streaming endpoints (`/exec`, `/attach`,
 * `/portForward`): request parsing, the proxy of upgraded connections to
 * the runtime's streaming server, and the handler that ties them to the
 * pod lookup and the runtime.
 *
 * @module
 */

export * from "./stream_conn.ts";
export * from "./stream_request.ts";
export * from "./streaming_handler.ts";
export * from "./upgrade_proxy.ts";
