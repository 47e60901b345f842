import assert from "node:assert/strict";
import { maskUrl, maskUrlIn } from "../../src/util/mask_url.ts";

Deno.test("maskUrl() hides userinfo, query values and the fragment, keeping the rest", async (t) => {
  const cases: [string, string][] = [
    ["http://admin:hunter2@host/x?token=abc", "http://<masked>@host/x?token=<masked>"],
    ["https://user@host:8443/pods", "https://<masked>@host:8443/pods"],
    ["http://host/x?a=1&b&c=&d=2", "http://host/x?a=<masked>&b&c=&d=<masked>"],
    ["http://host/x#secret", "http://host/x#<masked>"],
    ["http://[::1]:8080/pods", "http://[::1]:8080/pods"],
    ["http://host/plain", "http://host/plain"],
    ["not a url //u:p@h/x?t=1", "not a url //<masked>@h/x?<masked>"],
  ];
  for (const [url, masked] of cases) {
    await t.step(url, () => assert.equal(maskUrl(url), masked));
  }
});

Deno.test("maskUrlIn() masks a URL quoted in a message, as given and as normalized", () => {
  const url = "HTTP://u:p@Host/x?t=secret";
  const message = `error sending request for url (http://u:p@host/x?t=secret): refused; ${url}`;
  const out = maskUrlIn(message, url);
  assert.ok(!out.includes("secret") && !out.includes("u:p@"), out);
});
