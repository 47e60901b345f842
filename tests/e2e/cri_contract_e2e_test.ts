/**
 * The CRI contract (tests/cri/contract/) against a real containerd started
 * privately by the harness, with a loopback OCI registry to pull from: the
 * same assertions the fake runtime passes in tests/cri/contract_fake_test.ts.
 *
 * Skipped LOUDLY (reported as ignored, never as passed) when containerd
 * cannot run here; scripts/e2e_deps.sh installs what it needs.
 */

import { registerSkippedE2E, startContainerd } from "./harness/containerd_harness.ts";
import { startOciRegistry } from "./harness/oci_registry.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import { RemoteImageService } from "../../src/cri/remote_image_service.ts";
import {
  type ContractRegistry,
  type CriContractTarget,
  runCriContract,
} from "../cri/contract/_cri_contract.ts";
import { removeContractSandboxes } from "../cri/contract/_target.ts";
import { RealClock } from "../../src/util/clock.ts";

const NAME = "CRI contract against containerd (the cases the fake runtime passes too)";
const harness = await startContainerd();

if (typeof harness === "string") {
  registerSkippedE2E([NAME], harness);
} else {
  Deno.test({
    name: NAME,
    // The daemon and the registry outlive single steps; finally stops them.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const registry = await startOciRegistry([
        { repo: "denolet/contract", tags: ["one", "two", "three"] },
        { repo: "denolet/user-numeric", tags: ["1"], user: "65534:65534" },
        { repo: "denolet/user-named", tags: ["1"], user: "daemon" },
      ]);
      const [multi, numeric, named] = registry.images;
      const served: ContractRegistry = {
        multiTag: {
          tagRefs: multi.tagRefs as [string, string, string],
          digestRef: multi.digestRef,
        },
        numericUser: numeric.tagRefs[0],
        namedUser: named.tagRefs[0],
      };
      let n = 0;
      try {
        await runCriContract(t, () => {
          const runtime = new RemoteRuntimeService(harness.endpoint, { clock: new RealClock() });
          const images = new RemoteImageService(harness.endpoint, { clock: new RealClock() });
          const target: CriContractTarget = {
            runtime,
            images,
            runImage: harness.image,
            registry: served,
            logRoot: `${harness.dir}/contract-logs/${n++}`,
            elapse: (ms) => new Promise((r) => setTimeout(r, ms)),
            async cleanup() {
              try {
                await removeContractSandboxes(runtime);
              } finally {
                runtime.close();
                images.close();
              }
            },
          };
          return Promise.resolve(target);
        });
      } finally {
        await registry.stop();
        await harness.stop();
      }
    },
  });
}
