import assert from "node:assert/strict";
import { ipFamily } from "../../src/util/ip_family.ts";

Deno.test("ipFamily() is 4 or 6 for the address forms Go's net.ParseIP takes, else 0", () => {
  const cases: [string, 0 | 4 | 6][] = [
    ["1.2.3.4", 4],
    ["0.0.0.0", 4],
    ["255.255.255.255", 4],
    ["256.1.1.1", 0],
    ["01.2.3.4", 0], // leading zero: refused since Go 1.17 (and by node:net)
    ["1.2.3", 0],
    [" 1.2.3.4", 0],
    ["::", 6],
    ["::1", 6],
    ["2001:db8::1", 6],
    ["1:2:3:4:5:6:7:8", 6],
    ["::ffff:1.2.3.4", 6],
    ["::1.2.3.4", 6],
    ["1:2:3:4:5:6:7:8:9", 0],
    [":::", 0],
    ["1::2::3", 0],
    ["::g", 0],
    ["fe80::1%eth0", 0], // a zone: node:net takes it, Go's ParseIP does not
    ["[::1]", 0],
    ["::1]/x", 0], // nothing outside the brackets may reach the URL parser
    ["fd00::/64", 0],
    ["localhost", 0],
    ["", 0],
  ];
  for (const [text, want] of cases) assert.equal(ipFamily(text), want, JSON.stringify(text));
});
