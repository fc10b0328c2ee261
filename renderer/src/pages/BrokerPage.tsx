import { useCallback, useId, useState } from 'react';
import { Banner, EmptyState, Loading, PageHeader } from '../components.js';
import { usePolling, useWorkbench } from '../context.js';
import { formatInt } from '../format.js';
import { ClientsPanel } from './broker/ClientsPanel.js';
import { ExportControl } from './export/ExportControl.js';
import { PublishForm } from './broker/PublishForm.js';
import { RecordReplay } from './broker/RecordReplay.js';
import { TopicTree } from './broker/TopicTree.js';

const POLL_MS = 1000;
/** Topics fetched per refresh (reading 1,000 costs the broker ~15 ms on a busy 2-core machine); a prefix narrows a larger set down. */
const TOPICS_SHOWN = 1000;

/** The bundled broker live: who is connected, what is published where, and a test message to send. */
export function BrokerPage() {
  const { client } = useWorkbench();
  const [prefix, setPrefix] = useState('');
  const fetchClients = useCallback(() => client.brokerClients(), [client]);
  const fetchTopics = useCallback(() => client.brokerTopics(prefix, TOPICS_SHOWN), [client, prefix]);
  const clients = usePolling(fetchClients, POLL_MS);
  const topics = usePolling(fetchTopics, POLL_MS);
  const topicsTitleId = useId();
  const list = topics.data;

  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader title="Broker">
        The bundled MQTT broker live: the clients connected to it, every topic published to since it started with its last payload and rate, and a test
        message to publish. Refreshed every second.
      </PageHeader>
      <ClientsPanel list={clients.data} error={clients.error} onRetry={clients.refresh} />
      <section className="panel" aria-labelledby={topicsTitleId} data-testid="broker-topics">
        <div className="panel-title-row">
          <h2 id={topicsTitleId}>Topics{list && ` (${formatInt(list.tracked)})`}</h2>
          <ExportControl view="broker-topics" query={{ prefix }} what={prefix ? `every topic starting with ${prefix}` : 'every topic'} />
        </div>
        <label className="topic-filter">
          Topic prefix
          <input type="search" className="mono" value={prefix} onChange={(event) => setPrefix(event.target.value)} placeholder="meters/" spellCheck={false} autoComplete="off" />
        </label>
        {topics.error && (
          <Banner tone="error" title="Could not read the broker’s topics." onRetry={topics.refresh}>
            {topics.error}
          </Banner>
        )}
        {list && list.untrackedMessages > 0 && (
          <p className="notice" data-testid="untracked-topics">
            {formatInt(list.untrackedMessages)} messages went to topics not tracked: the view keeps at most {formatInt(list.maxTopics)} topics (those idle for 5
            minutes make room).
          </p>
        )}
        {!list ? (
          !topics.error && <Loading what="the topics" />
        ) : list.topics.length === 0 ? (
          <EmptyState title={prefix ? `Nothing published to a topic starting with ${prefix}.` : 'Nothing published yet.'}>
            Start the emulator, or publish a test message below.
          </EmptyState>
        ) : (
          <>
            <TopicTree topics={list.topics} />
            {list.matched > list.topics.length && (
              <p className="field-hint">
                Showing the first {formatInt(list.topics.length)} of {formatInt(list.matched)} topics: a prefix narrows them down.
              </p>
            )}
          </>
        )}
      </section>
      <PublishForm onPublished={topics.refresh} />
      <RecordReplay />
    </section>
  );
}
