import { useState } from 'react';
import type { S3CheckStep, S3ConnectionCheck } from '../../../../core/api/archive.js';
import { InlineError } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { formatMs } from '../../format.js';

const STEP_NAMES: Record<S3CheckStep, string> = {
  config: 'Configuration',
  dns: 'DNS lookup',
  connect: 'TCP connection',
  tls: 'TLS handshake',
  credentials: 'Credentials',
  bucket: 'Bucket',
  write: 'Write a test object',
  read: 'Read it back',
  delete: 'Delete it',
};

/** Walks the path to S3 step by step and says which one fails and what to change. */
export function ConnectionTest() {
  const { client } = useWorkbench();
  const [check, setCheck] = useState<S3ConnectionCheck | null>(null);
  const { busy, error, run } = useTask();

  return (
    <div role="region" aria-labelledby="connection-test-title" data-testid="connection-test">
      <div className="panel-title-row">
        <h3 id="connection-test-title">Connection</h3>
        <button type="button" className="button" disabled={busy} onClick={() => void run(() => client.testS3Connection(), setCheck)}>
          {busy ? 'Testing…' : 'Test connection'}
        </button>
      </div>
      {error && <InlineError>The test could not run: {error}</InlineError>}
      {!check ? (
        <p className="muted small">Resolves the endpoint, connects, checks the credentials and the bucket, then writes, reads and deletes a test object.</p>
      ) : (
        <>
          {check.ok ? (
            <p className="ok-text" role="status" data-testid="connection-ok">
              The connection works: every step passed.
            </p>
          ) : (
            <p className="problem" role="alert" data-testid="connection-problem">
              {check.problem ?? 'A step failed; its detail is below.'}
            </p>
          )}
          <div className="table-wrap">
            <table className="table" aria-label="Connection test steps" data-testid="connection-steps">
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col">Result</th>
                  <th scope="col" className="num">
                    Time
                  </th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {check.steps.map((step) => (
                  <tr key={step.step} data-testid="connection-step" data-step={step.step}>
                    <th scope="row">{STEP_NAMES[step.step] ?? step.step}</th>
                    <td>
                      <span className={`badge ${step.ok ? 'badge-running' : 'badge-failed'}`}>{step.ok ? 'ok' : 'failed'}</span>
                    </td>
                    <td className="num">{formatMs(step.ms)}</td>
                    <td className="detail">{step.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
