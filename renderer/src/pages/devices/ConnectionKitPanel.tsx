import { useId } from 'react';
import type { ConnectionKit } from '../../../../core/api/devices.js';
import { CopyButton } from './CopyButton.js';
import { DownloadLink } from './DownloadLink.js';

/**
 * What a device needs to connect, right after it was registered or got a new password. The
 * password or private key lives only in this panel's props: leaving the page drops it for good.
 */
export function ConnectionKitPanel({ kit, onDismiss }: { kit: ConnectionKit; onDismiss: () => void }) {
  const titleId = useId();
  const { device, password, certificate, endpoints, snippets } = kit;
  return (
    <section className="panel" aria-labelledby={titleId} data-testid="connection-kit">
      <div className="panel-title-row">
        <h2 id={titleId}>Connection kit for {device.id}</h2>
        <button type="button" className="button button-quiet" onClick={onDismiss}>
          Done
        </button>
      </div>

      {password !== undefined && (
        <div>
          <p className="notice" role="alert">
            Copy this password now: it is not shown again. Only a hash is stored; if it is lost, give the device a new password.
          </p>
          <p className="button-row">
            <code data-testid="device-password">{password}</code>
            <CopyButton text={password} label="Copy password" />
          </p>
        </div>
      )}

      {certificate && (
        <div>
          <p className="notice" role="alert">
            Download the three files now: the private key is not kept anywhere and cannot be downloaded again. Put them next to the commands below.
          </p>
          <p className="button-row">
            <DownloadLink fileName={`${device.id}.crt`} text={certificate.cert} />
            <DownloadLink fileName={`${device.id}.key`} text={certificate.key} />
            <DownloadLink fileName="ca.crt" text={certificate.ca} />
          </p>
          <p className="field-hint">
            Certificate SHA-256 <code>{certificate.fingerprint}</code>
          </p>
        </div>
      )}

      <h3>Broker addresses</h3>
      {endpoints.length === 0 ? (
        <p className="field-hint">The broker has no listener running.</p>
      ) : (
        <ul className="notice-list" data-testid="broker-endpoints">
          {endpoints.map((endpoint) => (
            <li key={endpoint.url}>
              <code>{endpoint.url}</code>
              {endpoint.clientCertificates === 'required' && ' (client certificate required)'}
              {endpoint.clientCertificates === 'optional' && ' (client certificate accepted)'}
            </li>
          ))}
        </ul>
      )}

      <Snippet title="mosquitto_pub" text={snippets.mosquittoPub} />
      <Snippet title="mqtt.js" text={snippets.mqttJs} />
      <Snippet title="mosquitto_pub, MQTT 5" text={snippets.mosquittoPubV5} />
      <Snippet title="mqtt.js, MQTT 5" text={snippets.mqttJsV5} />
    </section>
  );
}

function Snippet({ title, text }: { title: string; text: string }) {
  return (
    <div>
      <div className="panel-title-row">
        <h3>{title}</h3>
        <CopyButton text={text} label={`Copy the ${title} snippet`} />
      </div>
      <pre className="key-value" tabIndex={0} aria-label={`${title} snippet`}>
        {text}
      </pre>
    </div>
  );
}
