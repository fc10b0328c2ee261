import { useId, useState, type FormEvent } from 'react';
import type { ConnectionKit, DeviceRegistrationRequest } from '../../../../core/api/devices.js';
import type { DeviceAuth, DeviceKind } from '../../../../core/domain/device.js';
import { InlineError, SubmitRow } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';

const KINDS: Array<{ id: DeviceKind; name: string }> = [
  { id: 'meter', name: 'Smart meter' },
  { id: 'thermostat', name: 'Thermostat' },
  { id: 'other', name: 'Other' },
];

/** What each kind may publish without extra patterns; the server adds these itself. */
function kindTopics(kind: DeviceKind, id: string): string {
  const device = id.trim() || '<id>';
  if (kind === 'meter') return `meters/${device}/#`;
  if (kind === 'thermostat') return `temp_readings, thermostats/${device}/#`;
  return 'nothing: give the topics it publishes to below';
}

/** Patterns typed one a line (commas work too); blank lines dropped. */
function patterns(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern !== '');
}

/** Registers a device on the bundled broker; the answer is its connection kit, shown once. */
export function ConnectDeviceForm({ onConnected }: { onConnected: (kit: ConnectionKit) => void }) {
  const { client } = useWorkbench();
  const [id, setId] = useState('');
  const [kind, setKind] = useState<DeviceKind>('meter');
  const [auth, setAuth] = useState<DeviceAuth>('certificate');
  const [publish, setPublish] = useState('');
  const [subscribe, setSubscribe] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const register = useTask();
  const titleId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (id.trim() === '') {
      setProblem('Give the device an id: the one it connects with (a meter’s serial number, say).');
      return;
    }
    setProblem(null);
    const extraPublish = patterns(publish);
    const extraSubscribe = patterns(subscribe);
    const request: DeviceRegistrationRequest = {
      id: id.trim(),
      kind,
      auth,
      ...(extraPublish.length > 0 && { publish: extraPublish }),
      ...(extraSubscribe.length > 0 && { subscribe: extraSubscribe }),
    };
    void register.run(
      () => client.registerDevice(request),
      (kit) => {
        setId('');
        setPublish('');
        setSubscribe('');
        onConnected(kit);
      },
    );
  };

  return (
    <form className="panel form-grid" onSubmit={submit} aria-labelledby={titleId} noValidate data-testid="connect-device-form">
      <h2 id={titleId}>Connect a device</h2>
      <div className="field-grid">
        <label>
          Device id
          <input type="text" className="mono" value={id} onChange={(event) => setId(event.target.value)} placeholder="D704206000042" spellCheck={false} autoComplete="off" />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(event) => setKind(event.target.value as DeviceKind)}>
            {KINDS.map((option) => (
              <option key={option.id} value={option.id}>
                {option.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <fieldset className="form-section">
        <legend>Authentication</legend>
        <label className="check">
          <input type="radio" name="device-auth" checked={auth === 'certificate'} onChange={() => setAuth('certificate')} />
          Client certificate (mutual TLS)
        </label>
        <label className="check">
          <input type="radio" name="device-auth" checked={auth === 'password'} onChange={() => setAuth('password')} />
          Password
        </label>
        <p className="field-hint">
          {auth === 'certificate'
            ? 'The workbench’s CA issues the device a certificate; its private key is handed to you once and kept nowhere.'
            : 'The workbench generates a password; it is shown once and stored only as a hash.'}
        </p>
      </fieldset>
      <fieldset className="form-section">
        <legend>Topics</legend>
        <p className="field-hint">
          It may publish to <code>{kindTopics(kind, id)}</code>
          {kind !== 'other' && ' and to any extra patterns below'}.
        </p>
        <div className="field-grid">
          <label>
            Extra publish patterns (one a line)
            <textarea rows={2} className="mono" value={publish} onChange={(event) => setPublish(event.target.value)} placeholder="sites/+/alerts" spellCheck={false} />
          </label>
          <label>
            Subscribe patterns (one a line; none by default)
            <textarea rows={2} className="mono" value={subscribe} onChange={(event) => setSubscribe(event.target.value)} placeholder="commands/D704206000042/#" spellCheck={false} />
          </label>
        </div>
      </fieldset>
      {problem && <InlineError>{problem}</InlineError>}
      {register.error && <InlineError>Not registered: {register.error}</InlineError>}
      <SubmitRow busy={register.busy} busyLabel="Registering…">
        Register and get its kit
      </SubmitRow>
    </form>
  );
}
