import { Loading, PageHeader } from '../components.js';
import { useLive } from '../context.js';
import { ConsoleSession } from './console/ConsoleSession.js';

/** A redis-cli of sorts against the active connection: type a command, see the reply as redis-cli prints it. */
export function ConsolePage() {
  const { status } = useLive();
  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader title="Console">
        Redis commands as you would type them into redis-cli, sent to the active connection; replies are printed the way redis-cli prints
        them. Up and Down walk this connection’s history.
      </PageHeader>
      {!status ? (
        <Loading what="the active connection" />
      ) : (
        <>
          {status.readOnly && (
            <p className="notice" data-testid="console-read-only">
              {status.connection.name} is read-only: only commands Redis flags as read-only reach it; the workbench refuses the others.
            </p>
          )}
          <ConsoleSession key={status.connection.id} connectionId={status.connection.id} name={status.connection.name} />
        </>
      )}
    </section>
  );
}
