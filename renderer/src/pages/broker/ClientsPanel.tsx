import { useId } from 'react';
import type { BrokerClientList, BrokerClientView } from '../../../../core/api/broker.js';
import { Banner, EmptyState, Loading, TableHead } from '../../components.js';
import { formatClock, formatDateTime, formatInt, formatRelative } from '../../format.js';

/** The names of the CONNECT's protocol levels. */
const MQTT_VERSION_NAMES: Record<BrokerClientView['protocolVersion'], string> = { 3: '3.1', 4: '3.1.1', 5: '5' };

const COLUMNS = ['Client id', 'Device', 'Address', 'Protocol', 'TLS', 'Connected since', 'Messages in'] as const;

/** Who is connected to the bundled broker right now. */
export function ClientsPanel({ list, error, onRetry }: { list: BrokerClientList | null; error: string | null; onRetry: () => void }) {
  const titleId = useId();
  return (
    <section className="panel" aria-labelledby={titleId} data-testid="broker-clients">
      <h2 id={titleId}>Connected clients{list && ` (${formatInt(list.total)})`}</h2>
      {error && (
        <Banner tone="error" title="Could not read the broker’s clients." onRetry={onRetry}>
          {error}
        </Banner>
      )}
      {!list ? (
        !error && <Loading what="the connected clients" />
      ) : list.clients.length === 0 ? (
        <EmptyState title="No client is connected.">Start the emulator, or connect a device or mosquitto_sub to the broker.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Connected clients">
            <TableHead columns={COLUMNS} />
            <tbody>
              {list.clients.map((client) => (
                <ClientRow key={client.id} client={client} />
              ))}
            </tbody>
          </table>
          {list.total > list.clients.length && <p className="field-hint">Showing the {formatInt(list.clients.length)} longest connected.</p>}
        </div>
      )}
    </section>
  );
}

function ClientRow({ client }: { client: BrokerClientView }) {
  return (
    <tr data-testid="broker-client-row">
      <td>
        <code className="wrap">{client.id}</code>
      </td>
      <td>{client.deviceId !== null ? <code>{client.deviceId}</code> : client.workbench ? 'workbench (emulator)' : 'anonymous'}</td>
      <td>{client.address ?? '—'}</td>
      <td>
        {client.protocol} <span className="muted small">· MQTT {MQTT_VERSION_NAMES[client.protocolVersion]}</span>
      </td>
      <td>{client.tls ? (client.certificateCn ? `yes, certificate CN=${client.certificateCn}` : 'yes') : 'no'}</td>
      <td title={formatDateTime(client.since)}>
        {formatClock(client.since)} <span className="muted small">({formatRelative(client.since)})</span>
      </td>
      <td className="num" title={client.lastMessageAt === null ? 'nothing published yet' : `last at ${formatDateTime(client.lastMessageAt)}`}>
        {formatInt(client.messagesIn)}
      </td>
    </tr>
  );
}
