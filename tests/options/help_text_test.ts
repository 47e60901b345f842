import assert from "node:assert/strict";
import { helpText } from "../../src/options/help_text.ts";
import {
  DENOLET_VERSION,
  KUBELET_COMPATIBLE_VERSION,
  versionText,
} from "../../src/options/version.ts";
import { SETTINGS } from "../../src/options/_settings.ts";

Deno.test("helpText() groups flags by topic in a fixed order", () => {
  const text = helpText();
  const headings = text.split("\n").filter((l) => /^[A-Z].*:$/.test(l));
  assert.deepEqual(headings, [
    "Configuration:",
    "Node:",
    "Cluster (with --kubeconfig):",
    "Kubelet API server (with --kubeconfig):",
    "Container runtime:",
    "Pod sources:",
    "Images:",
    "Container garbage collection (deprecated, flag only):",
    "Local server:",
    "Permissions (denolet only):",
    "Logging:",
    "General:",
  ]);
  const at = (s: string) => text.indexOf(s);
  assert.ok(
    at("Pod sources:") < at("--pod-manifest-path") && at("--pod-manifest-path") < at("Images:"),
  );
});

Deno.test("helpText() lists every flag with its default and config field", () => {
  const text = helpText();
  for (const s of SETTINGS) {
    if (s.flag !== undefined) assert.ok(text.includes(`--${s.flag}`), s.flag);
    else assert.ok(text.includes(`${s.field} (config file field only)`), String(s.field));
  }
  assert.match(text, /--runtime-request-timeout duration\n\s+.*\(default 2m0s\)/);
  assert.match(text, /default unix:\/\/\/run\/containerd\/containerd\.sock/);
  assert.match(text, /\[config: imageGCHighThresholdPercent\]/);
  assert.match(text, /10255 without, the kubelet legacy default/);
  assert.ok(text.split("\n").every((l) => l.length <= 100), "lines fit 100 columns");
});

Deno.test("versionText() names denolet's version and the kubelet it follows", () => {
  assert.equal(DENOLET_VERSION, "0.1.0");
  assert.equal(KUBELET_COMPATIBLE_VERSION, "v1.35");
  assert.equal(versionText(), "denolet v0.1.0 (kubelet-compatible v1.35)");
  assert.ok(helpText().startsWith(versionText()));
});

Deno.test("helpText() says which defaults are safer than the kubelet's and what is granted", () => {
  const text = helpText().replaceAll(/\s+/g, " ");
  assert.match(text, /read-only port listens on 127\.0\.0\.1 unless --address says otherwise/);
  assert.match(
    text,
    /--address ip IP address the read-only port listens on\..*\(default 127\.0\.0\.1; the kubelet's is 0\.0\.0\.0\)/,
  );
  assert.match(text, /drop a connection that sends no complete request headers within 10s/);
  assert.match(
    text,
    /--pod-network-cidr cidr\[,cidr\] .*\(default podCIDR when set, else 10\.88\.0\.0\/16/,
  );
  assert.match(text, /--allow-host-path path\[,path\] .*manifests in --pod-manifest-path at start/);
  assert.match(text, /--pod-cidr cidr .*\[config: podCIDR\]/);
});
