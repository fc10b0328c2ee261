import type { ConnectionCheck, ConnectionCheckStep } from '../../../../core/api/connections.js';
import { formatMs } from '../../format.js';

const STEP_NAMES: Record<ConnectionCheckStep, string> = {
  connect: 'Connect',
  authenticate: 'Authenticate',
  server: 'Server',
  commands: 'Commands',
  keyspace: 'Keyspace',
};

/** A connection test's answer: whether it works, and each step with what it found or what to change. */
export function CheckSteps({ check }: { check: ConnectionCheck }) {
  return (
    <div className="redis-check" data-testid="redis-check">
      {check.ok ? (
        <p className="ok-text" role="status">
          The connection works: every step passed in {formatMs(check.elapsedMs)}.
        </p>
      ) : (
        <p className="problem" role="alert">
          The connection does not work: the failed step below says why.
        </p>
      )}
      <div className="table-wrap">
        <table className="table" aria-label="Redis connection test steps">
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Result</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {check.steps.map((step) => (
              <tr key={step.step} data-testid="redis-check-step">
                <th scope="row">{STEP_NAMES[step.step] ?? step.step}</th>
                <td>
                  <span className={`badge ${step.ok ? 'badge-running' : 'badge-failed'}`}>{step.ok ? 'ok' : 'failed'}</span>
                </td>
                <td className="detail">{step.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
