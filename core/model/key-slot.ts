/**
 * Redis Cluster's key → slot mapping (CRC16/XMODEM of the key, or of its hash tag, modulo 16384),
 * so batches can be grouped per slot before they are sent, and so the workbench's own bookkeeping
 * keys can be placed in the slot of the data they guard (a hash tag found for each slot).
 */

export const CLUSTER_SLOTS = 16_384;

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  return crc;
}

/** The slot of a key as Redis Cluster computes it: a non-empty `{…}` hash tag alone decides, as on the server. */
export function keySlot(key: string | Buffer): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const open = bytes.indexOf(0x7b); // {
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) return crc16(bytes, open + 1, close) % CLUSTER_SLOTS;
  }
  return crc16(bytes, 0, bytes.length) % CLUSTER_SLOTS;
}

let slotTags: string[] | null = null;

/**
 * A short string whose CRC16 falls in `slot`: a key with `{<tag>}` in its name lives in that slot.
 * The table of all 16,384 is found once (about 170,000 candidates, a few milliseconds).
 */
export function slotTag(slot: number): string {
  if (!Number.isInteger(slot) || slot < 0 || slot >= CLUSTER_SLOTS) throw new RangeError(`slot ${slot} is not between 0 and ${CLUSTER_SLOTS - 1}`);
  slotTags ??= findSlotTags();
  return slotTags[slot]!;
}

function findSlotTags(): string[] {
  const tags: Array<string | undefined> = new Array(CLUSTER_SLOTS);
  let missing = CLUSTER_SLOTS;
  for (let candidate = 0; missing > 0; candidate++) {
    const tag = candidate.toString(36);
    const slot = keySlot(tag);
    if (tags[slot] === undefined) {
      tags[slot] = tag;
      missing -= 1;
    }
  }
  return tags as string[];
}
