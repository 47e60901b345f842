/**
 * Test fixture: fetches each URL given and prints one line per URL,
 * `permitted <status>` or `refused <error class>`: run under computed
 * permission flags to see what Deno lets through.
 *
 * @module
 */

for (const url of Deno.args) {
  try {
    const res = await fetch(url);
    await res.body?.cancel();
    console.log(`permitted ${res.status}`);
  } catch (e) {
    const cause = e instanceof TypeError && e.cause instanceof Error ? e.cause : e;
    console.log(
      cause instanceof Deno.errors.NotCapable ? "refused NotCapable" : `permitted ${String(e)}`,
    );
  }
}
