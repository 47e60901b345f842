/**
 * Contract cases of the ImageService: pulls by digest and by tag, one image
 * under several tags, lookups by tag, digest and id, the user an image runs
 * as, and removal.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CriContractCase, CriContractTarget } from "./_target.ts";

async function removeRefs(target: CriContractTarget, refs: string[]): Promise<void> {
  for (const ref of refs) await target.images.removeImage({ image: ref });
}

function allRefs(target: CriContractTarget): string[] {
  const { multiTag } = target.registry;
  return [multiTag.digestRef, ...multiTag.tagRefs];
}

export const IMAGE_CASES: CriContractCase[] = [
  {
    name: "pullImage() by digest: imageStatus() finds the image by that digest, with no tag",
    async fn(target) {
      const { digestRef } = target.registry.multiTag;
      await removeRefs(target, allRefs(target));
      try {
        const ref = await target.images.pullImage({ image: digestRef });
        assert.match(ref, /^sha256:[0-9a-f]{64}$/);
        const { image } = await target.images.imageStatus({ image: digestRef });
        assert.ok(image, `imageStatus(${digestRef}) found no image`);
        assert.equal(image.id, ref);
        assert.deepEqual(image.repoTags, []);
        assert.deepEqual(image.repoDigests, [digestRef]);
        // The same digest under another repository is another reference: not found.
        const other = digestRef.replace(/\/([^/@]+)@/, "/$1-other@");
        assert.equal((await target.images.imageStatus({ image: other })).image, null);
      } finally {
        await removeRefs(target, allRefs(target));
      }
    },
  },
  {
    name:
      "pullImage() of three tags of one image: one image with the three repoTags, found by tag, digest and id",
    async fn(target) {
      const { tagRefs, digestRef } = target.registry.multiTag;
      await removeRefs(target, allRefs(target));
      try {
        const refs = [];
        for (const tag of tagRefs) refs.push(await target.images.pullImage({ image: tag }));
        assert.equal(new Set(refs).size, 1, `three pulls gave ${refs.join(", ")}`);
        const id = refs[0];
        const listed = (await target.images.listImages()).filter((i) =>
          i.repoTags.some((t) => tagRefs.includes(t))
        );
        assert.equal(listed.length, 1, `images: ${JSON.stringify(listed)}`);
        assert.equal(listed[0].id, id);
        assert.deepEqual([...listed[0].repoTags].sort(), [...tagRefs].sort());
        assert.deepEqual(listed[0].repoDigests, [digestRef]);
        for (const ref of [...tagRefs, digestRef, id]) {
          const { image } = await target.images.imageStatus({ image: ref });
          assert.equal(image?.id, id, `imageStatus(${ref})`);
        }
        assert.equal(await target.images.pullImage({ image: digestRef }), id);
        // containerd 1.6 ignores the filter (it lists every image); the fake applies it.
        const filtered = await target.images.listImages({ image: { image: tagRefs[1] } });
        assert.ok(filtered.some((i) => i.id === id), `filtered: ${filtered.map((i) => i.id)}`);
      } finally {
        await removeRefs(target, allRefs(target));
      }
    },
  },
  {
    name: "imageStatus() of an unknown tag, digest or id is null, not an error",
    async fn(target) {
      const { tagRefs, digestRef } = target.registry.multiTag;
      const repo = tagRefs[0].slice(0, tagRefs[0].lastIndexOf(":"));
      const unknown = [
        `${repo}:never-pulled`,
        `${repo}@sha256:${"0".repeat(64)}`,
        `sha256:${"1".repeat(64)}`,
        digestRef, // not pulled in this case
      ];
      await removeRefs(target, allRefs(target));
      for (const ref of unknown) {
        assert.equal((await target.images.imageStatus({ image: ref })).image, null, ref);
      }
    },
  },
  {
    name: "imageStatus() reports uid or username from the image config's User",
    async fn(target) {
      const { numericUser, namedUser, multiTag } = target.registry;
      try {
        await target.images.pullImage({ image: numericUser });
        await target.images.pullImage({ image: namedUser });
        await target.images.pullImage({ image: multiTag.tagRefs[0] });
        const numeric = (await target.images.imageStatus({ image: numericUser })).image;
        assert.deepEqual([numeric?.uid, numeric?.username], [{ value: 65534 }, ""]);
        const named = (await target.images.imageStatus({ image: namedUser })).image;
        assert.deepEqual([named?.uid, named?.username], [null, "daemon"]);
        const none = (await target.images.imageStatus({ image: multiTag.tagRefs[0] })).image;
        assert.deepEqual([none?.uid, none?.username], [null, ""]);
      } finally {
        await removeRefs(target, [numericUser, namedUser, ...allRefs(target)]);
      }
    },
  },
  {
    name: "removeImage() by one tag removes the image with all its tags; removing again succeeds",
    async fn(target) {
      const { tagRefs, digestRef } = target.registry.multiTag;
      await removeRefs(target, allRefs(target));
      const id = await target.images.pullImage({ image: tagRefs[0] });
      await target.images.pullImage({ image: tagRefs[1] });
      await target.images.removeImage({ image: tagRefs[1] });
      for (const ref of [tagRefs[0], tagRefs[1], digestRef, id]) {
        assert.equal((await target.images.imageStatus({ image: ref })).image, null, ref);
      }
      assert.ok(!(await target.images.listImages()).some((i) => i.id === id));
      await target.images.removeImage({ image: tagRefs[1] });
      await target.images.removeImage({ image: id });
    },
  },
];
