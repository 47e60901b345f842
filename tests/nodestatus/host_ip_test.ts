import assert from "node:assert/strict";
import {
  chooseHostIP,
  defaultRouteInterfaces,
  fallbackHostIP,
} from "../../src/nodestatus/host_ip.ts";

const HEADER =
  "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT";

function table(...rows: string[]): string {
  return [HEADER, ...rows].join("\n") + "\n";
}

Deno.test("defaultRouteInterfaces() lists the up default routes, lowest metric first", () => {
  const routes = table(
    "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0",
    "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
    "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0",
    "tun0\t00000000\t00000000\t0000\t0\t0\t0\t00000000\t0\t0\t0", // not up
  );
  assert.deepEqual(defaultRouteInterfaces(routes), ["eth0", "wlan0"]);
  assert.deepEqual(defaultRouteInterfaces(""), []);
  assert.deepEqual(defaultRouteInterfaces("garbage\nmore"), []);
});

Deno.test("chooseHostIP() takes the default route's interface, then any global IPv4, then 127.0.0.1", async (t) => {
  const ifaces = [
    { name: "lo", family: "IPv4" as const, address: "127.0.0.1" },
    { name: "eth1", family: "IPv4" as const, address: "169.254.3.4" },
    { name: "eth1", family: "IPv4" as const, address: "10.1.2.3" },
    { name: "eth0", family: "IPv6" as const, address: "2001:db8::5" },
    { name: "eth0", family: "IPv4" as const, address: "192.0.2.2" },
  ];
  const viaEth0 = table("eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0");
  await t.step("default route", () => assert.equal(chooseHostIP(viaEth0, ifaces), "192.0.2.2"));
  await t.step("no default route: first global IPv4 (not link-local)", () => {
    assert.equal(chooseHostIP(table(), ifaces), "10.1.2.3");
  });
  await t.step("default route interface without IPv4: the next candidate", () => {
    const viaTun = table("tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0");
    assert.equal(chooseHostIP(viaTun, ifaces), "10.1.2.3");
  });
  await t.step("nothing but loopback", () => {
    assert.equal(chooseHostIP(viaEth0, [ifaces[0]]), "127.0.0.1");
  });
});

Deno.test("fallbackHostIP() passes over container bridges and tunnels unless they are all there is", () => {
  const bridges = [
    { name: "docker0", family: "IPv4" as const, address: "172.17.0.1" },
    { name: "cni0", family: "IPv4" as const, address: "10.244.0.1" },
    { name: "flannel.1", family: "IPv4" as const, address: "10.244.0.0" },
  ];
  const eth0 = { name: "enp3s0", family: "IPv4" as const, address: "192.168.1.20" };
  assert.equal(fallbackHostIP([...bridges, eth0]), "192.168.1.20");
  assert.equal(fallbackHostIP(bridges), "172.17.0.1");
  assert.equal(fallbackHostIP([]), "127.0.0.1");
});
