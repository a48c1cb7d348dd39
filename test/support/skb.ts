/**
 * A struct __sk_buff for BPF_PROG_TEST_RUN's context. The kernel accepts only a few fields
 * non-zero; these two are what the datapath reads. ifindex must name a device (1 is lo).
 */
const sizeofSkBuff = 192;
const ingressIfindexOffset = 36;
const ifindexOffset = 40;

export function skbContext(fields: { ifindex?: number; ingressIfindex?: number }): Buffer {
  const ctx = Buffer.alloc(sizeofSkBuff);
  ctx.writeUInt32LE(fields.ingressIfindex ?? 0, ingressIfindexOffset);
  ctx.writeUInt32LE(fields.ifindex ?? 0, ifindexOffset);
  return ctx;
}
