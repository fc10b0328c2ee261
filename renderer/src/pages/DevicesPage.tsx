import { useCallback, useState } from 'react';
import type { ConnectionKit } from '../../../core/api/devices.js';
import { Banner, EmptyState, Loading, PageHeader, TableHead } from '../components.js';
import { usePolling, useWorkbench } from '../context.js';
import { ConnectDeviceForm } from './devices/ConnectDeviceForm.js';
import { ConnectionKitPanel } from './devices/ConnectionKitPanel.js';
import { DEVICE_COLUMNS, RegisteredDeviceRow } from './devices/RegisteredDeviceRow.js';
import { RefusalsPanel } from './devices/RefusalsPanel.js';

const DEVICES_POLL_MS = 5000;
/** One page of the registry: more devices than this are a fleet the page does not try to list. */
const DEVICES_SHOWN = 1000;

/** Devices on the bundled broker: connect one (and get its kit), the registered ones, and what the broker refused. */
export function DevicesPage() {
  const { client } = useWorkbench();
  const fetchDevices = useCallback(() => client.registeredDevices('0', DEVICES_SHOWN), [client]);
  const { data: page, error, refresh } = usePolling(fetchDevices, DEVICES_POLL_MS);
  // The only copy of a password or private key: page state, gone when the page unmounts. Each
  // kit handed out gets a fresh panel (serial), so nothing of the previous one lingers.
  const [shown, setShown] = useState<{ kit: ConnectionKit; serial: number } | null>(null);

  const handOut = (kit: ConnectionKit) => {
    setShown((previous) => ({ kit, serial: (previous?.serial ?? 0) + 1 }));
    refresh();
  };
  const removed = (id: string) => {
    setShown((previous) => (previous?.kit.device.id === id ? null : previous));
    refresh();
  };

  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader title="Devices">
        Real thermostats and meters on the bundled broker: each is registered with a client certificate or a password and may publish only to its own
        topics. Anything else the broker refuses, and the refusals show below.
      </PageHeader>
      <ConnectDeviceForm onConnected={handOut} />
      {shown && <ConnectionKitPanel key={shown.serial} kit={shown.kit} onDismiss={() => setShown(null)} />}
      <section className="panel" aria-labelledby="registered-devices-title">
        <h2 id="registered-devices-title">Registered devices</h2>
        {error && (
          <Banner tone="error" title="Could not read the device registry." onRetry={refresh} testId="devices-error">
            {error}
          </Banner>
        )}
        {!page ? (
          !error && <Loading what="the registered devices" />
        ) : page.devices.length === 0 ? (
          <EmptyState title="No devices registered yet.">Connect one above; until then only the emulators and anonymous local clients publish.</EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-label="Registered devices">
              <TableHead columns={DEVICE_COLUMNS} />
              <tbody>
                {page.devices.map((device) => (
                  <RegisteredDeviceRow key={device.id} device={device} onRemoved={() => removed(device.id)} onNewPassword={handOut} />
                ))}
              </tbody>
            </table>
            {page.cursor !== '0' && <p className="field-hint">Showing the first {page.devices.length} devices.</p>}
          </div>
        )}
      </section>
      <RefusalsPanel />
    </section>
  );
}
