import { useCallback } from 'react';
import { usePolling, useWorkbench } from '../../context.js';
import { RecordPanel } from './RecordPanel.js';
import { RecordingsTable } from './RecordingsTable.js';
import { ReplayPanel } from './ReplayPanel.js';

/** Polled while the Broker page is open; a recording's size and a replay's progress move this often. */
const POLL_MS = 1000;

/**
 * Record the broker's traffic, list and replay the recordings: the Broker page's Record, Replay
 * and Recordings panels, reading one poll of each so the three agree.
 */
export function RecordReplay() {
  const { client } = useWorkbench();
  const fetchRecordings = useCallback(() => client.recordings(), [client]);
  const fetchReplay = useCallback(() => client.replay(), [client]);
  const recordings = usePolling(fetchRecordings, POLL_MS);
  const replay = usePolling(fetchReplay, POLL_MS);
  return (
    <>
      <RecordPanel view={recordings.data} error={recordings.error} onRetry={recordings.refresh} onChange={recordings.refresh} />
      <ReplayPanel status={replay.data} error={replay.error} files={recordings.data?.files ?? []} onStatus={replay.accept} onRetry={replay.refresh} />
      <RecordingsTable view={recordings.data} replaying={replay.data} onChange={recordings.refresh} onStatus={replay.accept} />
    </>
  );
}
