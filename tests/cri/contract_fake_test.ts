/**
 * The CRI contract (tests/cri/contract/) against the fake runtime: the same
 * cases containerd passes in tests/e2e/cri_contract_e2e_test.ts. The fake's
 * registry publishes the images the e2e test's loopback registry serves, and
 * target time is the fake's clock (no sleeps).
 */

import { FakeClock, RealClock } from "../../src/util/clock.ts";
import { startFakeRuntime } from "../../src/cri/fake/mod.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import { RemoteImageService } from "../../src/cri/remote_image_service.ts";
import { type CriContractTarget, runCriContract } from "./contract/_cri_contract.ts";

const RUN_IMAGE = "localhost/denolet/busybox:e2e";

async function fakeTarget(): Promise<CriContractTarget> {
  const dir = await Deno.makeTempDir({ prefix: "denolet-contract-" });
  const clock = new FakeClock();
  const fake = await startFakeRuntime({
    socketPath: `${dir}/cri.sock`,
    clock,
    images: [{ name: RUN_IMAGE, cmd: ["sleep", "3600"] }],
  });
  const multi = fake.images.publish("127.0.0.1:5000/denolet/contract", ["one", "two", "three"]);
  const numeric = fake.images.publish("127.0.0.1:5000/denolet/user-numeric", ["1"], {
    user: "65534:65534",
  });
  const named = fake.images.publish("127.0.0.1:5000/denolet/user-named", ["1"], {
    user: "daemon",
  });
  const runtime = new RemoteRuntimeService(fake.endpoint, { clock: new RealClock() });
  const images = new RemoteImageService(fake.endpoint, { clock: new RealClock() });
  return {
    runtime,
    images,
    runImage: RUN_IMAGE,
    registry: {
      multiTag: {
        tagRefs: multi.tagRefs as [string, string, string],
        digestRef: multi.digestRef,
      },
      numericUser: numeric.tagRefs[0],
      namedUser: named.tagRefs[0],
    },
    logRoot: `${dir}/logs`,
    elapse: (ms) => clock.advance(ms),
    async cleanup() {
      runtime.close();
      images.close();
      await fake.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("CRI contract against the fake runtime (the cases containerd passes too)", async (t) => {
  await runCriContract(t, fakeTarget);
});
