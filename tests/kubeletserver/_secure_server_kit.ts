/**
 * What the secure server's tests share: the TokenReview/SubjectAccessReview
 * stand-in (TOKEN is alice in group devs, who may only read nodes/stats; the
 * node's certificate user system:node:n1 may do anything), a server on a free
 * loopback port with the test PKI, and a client holding the node's
 * certificate.
 */
import { ApiClient, UNLIMITED } from "../../src/client/mod.ts";
import {
  type Authenticator,
  type Authorizer,
  createAuthenticator,
  createAuthorizer,
  type SecureServerOptions,
  startSecureServer,
} from "../../src/kubeletserver/mod.ts";
import type { RunningServer } from "../../src/server/listen.ts";
import type { Handler } from "../../src/server/handler.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { FakeApi } from "../_fixtures/fake_api.ts";
import type { TestPki } from "../client/_certs.ts";

/** alice's bearer token. */
export const TOKEN = "tok-s3cret-alice";

/** The authenticator and authorizer described above, and the fake API server they ask. */
export function testAuth(pki: TestPki): { authn: Authenticator; authz: Authorizer; api: FakeApi } {
  const api = new FakeApi();
  const clock = new FakeClock(Date.now());
  api.intercept = (req) => {
    const body = req.body as { spec: Record<string, unknown> };
    if (req.path === "/apis/authentication.k8s.io/v1/tokenreviews") {
      const ok = body.spec.token === TOKEN;
      const status = ok
        ? { authenticated: true, user: { username: "alice", groups: ["devs"] } }
        : { authenticated: false };
      return { status: 201, body: { ...body, status } };
    }
    if (req.path === "/apis/authorization.k8s.io/v1/subjectaccessreviews") {
      const sub = (body.spec.resourceAttributes as { subresource: string }).subresource;
      const allowed = body.spec.user === "system:node:n1" || sub === "stats";
      return { status: 201, body: { ...body, status: { allowed } } };
    }
    return undefined;
  };
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED });
  return {
    api,
    authn: createAuthenticator({ clientCa: pki.ca, webhookEnabled: true, client, clock }),
    authz: createAuthorizer({ mode: "Webhook", nodeName: "n1", client, clock }),
  };
}

/** A started server and its stop (abort, then wait until it finished). */
export interface TestServer {
  server: RunningServer;
  stop(): Promise<void>;
}

/**
 * `handler` on 127.0.0.1, a free port, the test PKI's serving pair and
 * {@linkcode testAuth}; `extra` overrides or adds options.
 */
export async function startTestServer(
  pki: TestPki,
  handler: Handler,
  extra: Partial<Omit<SecureServerOptions, "signal">> = {},
): Promise<TestServer> {
  const ac = new AbortController();
  const server = await startSecureServer(handler, {
    hostname: "127.0.0.1",
    port: 0,
    cert: pki.serverCert,
    key: pki.serverKey,
    ...testAuth(pki),
    ...extra,
    signal: ac.signal,
  });
  return {
    server,
    stop: async () => {
      ac.abort();
      await server.finished;
    },
  };
}

/** A fetch client that trusts the test CA and presents the node's certificate. */
export function nodeClient(pki: TestPki): Deno.HttpClient {
  return Deno.createHttpClient({ caCerts: [pki.ca], cert: pki.clientCert, key: pki.clientKey });
}
