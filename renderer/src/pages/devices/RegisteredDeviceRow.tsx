import { useState } from 'react';
import type { PasswordKit, RegisteredDeviceView } from '../../../../core/api/devices.js';
import { ConfirmPrompt, InlineError } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { formatDateTime, formatRelative } from '../../format.js';

export const DEVICE_COLUMNS = ['Device', 'Kind', 'Authentication', 'Publishes to', 'Registered', 'Last seen', 'Last address', 'Actions'];

/** One registered device: remove it after asking, or give a password device a new password. */
export function RegisteredDeviceRow({ device, onRemoved, onNewPassword }: { device: RegisteredDeviceView; onRemoved: () => void; onNewPassword: (kit: PasswordKit) => void }) {
  const { client } = useWorkbench();
  const remove = useTask();
  const rotate = useTask();
  const [confirming, setConfirming] = useState(false);
  const hasDetail = confirming || remove.error !== null || rotate.error !== null;

  return (
    <>
      <tr data-testid="device-row">
        <th scope="row">
          <code>{device.id}</code>
        </th>
        <td>{device.kind}</td>
        <td>{device.auth === 'certificate' ? 'client certificate' : 'password'}</td>
        <td>
          {device.publish.length === 0 ? (
            'nothing'
          ) : (
            <code className="wrap">{device.publish.join(', ')}</code>
          )}
        </td>
        <td>{formatDateTime(device.registered)}</td>
        <td title={device.lastSeen === null ? undefined : formatDateTime(device.lastSeen)}>{device.lastSeen === null ? 'never' : formatRelative(device.lastSeen)}</td>
        <td>{device.lastAddress ?? '—'}</td>
        <td className="actions">
          <span className="button-row">
            {device.auth === 'password' && (
              <button type="button" className="button" disabled={rotate.busy} onClick={() => void rotate.run(() => client.newDevicePassword(device.id), onNewPassword)} aria-label={`New password for ${device.id}`}>
                New password
              </button>
            )}
            <button type="button" className="button button-quiet" disabled={confirming || remove.busy} onClick={() => setConfirming(true)} aria-label={`Remove ${device.id}`}>
              Remove
            </button>
          </span>
        </td>
      </tr>
      {hasDetail && (
        <tr className="row-detail">
          <td colSpan={DEVICE_COLUMNS.length}>
            {confirming && (
              <ConfirmPrompt
                question={`Remove ${device.id}? It is disconnected at once and can no longer connect; its readings stay in Redis.`}
                confirmLabel={`Yes, remove ${device.id}`}
                busy={remove.busy}
                onConfirm={() => void remove.run(() => client.removeDevice(device.id), onRemoved)}
                onCancel={() => setConfirming(false)}
              />
            )}
            {remove.error && <InlineError>Not removed: {remove.error}</InlineError>}
            {rotate.error && <InlineError>No new password: {rotate.error}</InlineError>}
          </td>
        </tr>
      )}
    </>
  );
}
