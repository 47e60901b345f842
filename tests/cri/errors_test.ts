import assert from "node:assert/strict";
import {
  CommandTimedOutError,
  CriError,
  criErrorFrom,
  DeadlineExceededError,
  GrpcCode,
  grpcCodeName,
  InvalidResponseError,
  isNotFound,
  isUnimplemented,
  NotFoundError,
  UnavailableError,
  UnimplementedError,
  VersionNotSupportedError,
} from "../../src/cri/errors.ts";

Deno.test("criErrorFrom() maps gRPC status codes to typed errors", async (t) => {
  const cases: [number, new (...args: never[]) => CriError, string][] = [
    [GrpcCode.NOT_FOUND, NotFoundError, "NotFoundError"],
    [GrpcCode.UNAVAILABLE, UnavailableError, "UnavailableError"],
    [GrpcCode.DEADLINE_EXCEEDED, DeadlineExceededError, "DeadlineExceededError"],
    [GrpcCode.UNIMPLEMENTED, UnimplementedError, "UnimplementedError"],
    [GrpcCode.INTERNAL, CriError, "CriError"],
    [GrpcCode.UNKNOWN, CriError, "CriError"],
  ];
  for (const [code, cls, name] of cases) {
    await t.step(`${grpcCodeName(code)} -> ${name}`, () => {
      const cause = Object.assign(new Error(`${code} X: boom`), { code, details: "boom" });
      const err = criErrorFrom(cause, "ContainerStatus");
      assert(err instanceof cls);
      assert(err instanceof CriError);
      assert.equal(err.name, name);
      assert.equal(err.code, code);
      assert.equal(err.method, "ContainerStatus");
      assert.equal(err.details, "boom");
      assert.equal(err.message, `ContainerStatus failed: ${grpcCodeName(code)}: boom`);
      assert.equal(err.cause, cause);
    });
  }
});

Deno.test("criErrorFrom() wraps errors without a gRPC code as Unknown and keeps CriErrors", () => {
  const err = criErrorFrom(new Error("socket hang up"), "Version");
  assert.equal(err.code, GrpcCode.UNKNOWN);
  assert.equal(err.message, "Version failed: socket hang up");
  const typed = new NotFoundError("gone");
  assert.equal(criErrorFrom(typed, "Version"), typed);
});

Deno.test("isNotFound() and isUnimplemented() check the code", () => {
  assert(isNotFound(new NotFoundError("x")));
  assert(isNotFound(new CriError(GrpcCode.NOT_FOUND, "x")));
  assert(!isNotFound(new UnavailableError("x")));
  assert(!isNotFound({ code: GrpcCode.NOT_FOUND }));
  assert(!isNotFound(undefined));
  assert(isUnimplemented(new UnimplementedError("x")));
  assert(!isUnimplemented(new NotFoundError("x")));
});

Deno.test("local CRI errors carry their kubelet messages and codes", () => {
  const timedOut = new CommandTimedOutError({ method: "ExecSync" });
  assert.equal(timedOut.message, "command timed out");
  assert.equal(timedOut.code, GrpcCode.DEADLINE_EXCEEDED);
  assert(timedOut instanceof CriError);
  const version = new VersionNotSupportedError("speaks v1alpha2");
  assert.equal(version.code, GrpcCode.FAILED_PRECONDITION);
  const invalid = new InvalidResponseError("no uid", "status.metadata.uid");
  assert.equal(invalid.field, "status.metadata.uid");
  assert.equal(invalid.code, GrpcCode.INTERNAL);
});

Deno.test("grpcCodeName() names codes like Go's codes package", () => {
  assert.equal(grpcCodeName(5), "NotFound");
  assert.equal(grpcCodeName(1), "Canceled");
  assert.equal(grpcCodeName(99), "Code(99)");
});
