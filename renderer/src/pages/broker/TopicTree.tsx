import { useMemo, useState } from 'react';
import type { BrokerTopicView, MessagePropertiesView, PayloadPreview } from '../../../../core/api/broker.js';
import { TableHead } from '../../components.js';
import { formatBytes, formatClock, formatDateTime, formatInt, formatRate } from '../../format.js';
import { Sparkline } from './Sparkline.js';
import { buildTopicTree, visibleRows, type TopicNode } from './topic-tree.js';

const COLUMNS = ['Topic', 'Messages', 'Rate/s', 'Last 30 s', 'Last payload', 'Last message'] as const;
/** More rows than this is a haystack: the prefix filter finds the needle. */
const MAX_ROWS = 500;
/** Characters of a payload shown in its cell; the whole preview is in its tooltip. */
const CELL_CHARS = 120;

/** The topics as a tree at `/`, each level with its totals; a level's toggle collapses what is below it. */
export function TopicTree({ topics }: { topics: readonly BrokerTopicView[] }) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const roots = useMemo(() => buildTopicTree(topics), [topics]);
  const rows = visibleRows(roots, collapsed);
  const toggle = (path: string) =>
    setCollapsed((previous) => {
      const next = new Set(previous);
      if (!next.delete(path)) next.add(path);
      return next;
    });

  return (
    <div className="table-wrap">
      <table className="table topic-tree" aria-label="Topic tree">
        <TableHead columns={COLUMNS} />
        <tbody>
          {rows.slice(0, MAX_ROWS).map(({ node, depth }) => (
            <TopicRow key={node.path} node={node} depth={depth} collapsed={collapsed.has(node.path)} onToggle={() => toggle(node.path)} />
          ))}
        </tbody>
      </table>
      {rows.length > MAX_ROWS && <p className="field-hint">Showing {MAX_ROWS} of {formatInt(rows.length)} rows: collapse levels or filter by a topic prefix.</p>}
    </div>
  );
}

function TopicRow({ node, depth, collapsed, onToggle }: { node: TopicNode; depth: number; collapsed: boolean; onToggle: () => void }) {
  const hasChildren = node.children.length > 0;
  const name = node.name === '' ? '(empty level)' : node.name;
  return (
    <tr data-testid="topic-row" data-topic={node.path}>
      <th scope="row" className="topic-cell" style={{ paddingLeft: `${0.6 + depth * 1.1}rem` }} title={node.path}>
        {hasChildren ? (
          <button type="button" className="topic-toggle" aria-expanded={!collapsed} aria-label={`${collapsed ? 'Expand' : 'Collapse'} ${node.path}`} onClick={onToggle}>
            {collapsed ? '▸' : '▾'}
          </button>
        ) : (
          <span className="topic-toggle" aria-hidden="true" />
        )}
        <code>{name}</code>
      </th>
      <td className="num">{formatInt(node.messages)}</td>
      <td className="num">{formatRate(node.ratePerSecond)}</td>
      <td className="sparkline-cell" title="messages per second, last 30 s">
        <Sparkline counts={node.recent} />
      </td>
      <td className="payload-cell">
        {node.own ? (
          <>
            <Payload preview={node.own.lastPayload} />
            {node.own.lastProperties && <Properties properties={node.own.lastProperties} />}
          </>
        ) : (
          <span className="muted small">{formatInt(node.children.length)} below</span>
        )}
      </td>
      <td title={formatDateTime(node.lastAt)}>{formatClock(node.lastAt)}</td>
    </tr>
  );
}

/** The MQTT 5 properties of the topic's last message, one `name value` each, as mosquitto_pub -D names them. */
function Properties({ properties }: { properties: MessagePropertiesView }) {
  const { contentType, payloadFormat, responseTopic, correlationData, userProperties, messageExpirySeconds } = properties;
  const shown: string[] = [
    ...(contentType !== null ? [`content-type ${contentType}`] : []),
    ...(payloadFormat !== null ? [`payload-format ${payloadFormat}`] : []),
    ...(responseTopic !== null ? [`response-topic ${responseTopic}`] : []),
    ...(correlationData !== null ? [`correlation-data ${correlationData.encoding === 'hex' ? `0x${correlationData.text}` : correlationData.text}`] : []),
    ...userProperties.map(([name, value]) => `user-property ${name}=${value}`),
    ...(messageExpirySeconds !== null ? [`message-expiry-interval ${messageExpirySeconds} s`] : []),
  ];
  return (
    <div className="muted small" data-testid="topic-properties" aria-label="MQTT 5 properties of the last message">
      MQTT 5: {shown.join(' · ')}
    </div>
  );
}

function Payload({ preview }: { preview: PayloadPreview }) {
  const shown = preview.text.length > CELL_CHARS ? `${preview.text.slice(0, CELL_CHARS)}…` : preview.text;
  return (
    <span title={preview.text}>
      {preview.encoding === 'hex' && <span className="badge badge-type">hex</span>} <code className="wrap">{shown === '' ? '(empty)' : shown}</code>{' '}
      <span className="muted small">{formatBytes(preview.size)}</span>
    </span>
  );
}
