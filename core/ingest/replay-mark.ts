/**
 * Marks what a replay's rule writes (a reading, meter reading, stored message or dead letter), so
 * the write buffer puts it under the replay key prefix. Set only on a replay's items: the live
 * path's objects keep the one shape they had.
 */
export function markReplay<T extends { replay?: boolean }>(item: T, replay: boolean): T {
  if (replay) item.replay = true;
  return item;
}
