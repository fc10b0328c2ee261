import { useId, useState, type FormEvent } from 'react';
import type { IndexCompare, IndexStatus, QueryRun } from '../../../../core/api/indexes.js';
import type { IndexKind, IndexTransform } from '../../../../core/domain/index-definition.js';
import { ChartView } from '../../Chart.js';
import { InlineError, SubmitRow } from '../../components.js';
import { useTask, useWorkbench } from '../../context.js';
import { formatInt, formatMs } from '../../format.js';

interface Question {
  match: string;
  field: string;
  kind: IndexKind;
  transform: IndexTransform;
  value: string;
  min: string;
  max: string;
}

const HOUR_MS = 3_600_000;

/** The source paper's examples, as questions to ask both ways. */
const PRESETS: ReadonlyArray<{ label: string; question: () => Question }> = [
  { label: 'Thermostats that are hot now', question: () => ({ match: '*', field: 'climate', kind: 'set', transform: 'none', value: 'hot', min: '', max: '' }) },
  {
    label: 'Meters silent for an hour',
    question: () => ({ match: 'backend:dev:devices:*', field: 'lastSeen', kind: 'zset', transform: 'none', value: '', min: '', max: String(Date.now() - HOUR_MS) }),
  },
  { label: 'Devices in 10.1.2.0/24', question: () => ({ match: '*', field: 'deviceIP', kind: 'set', transform: 'ipv4-24', value: '10.1.2.0/24', min: '', max: '' }) },
];

/** SCAN + filter against the index for the same question: keys examined, commands, time, results, and the redis-cli of each. */
export function TradeOffPanel({ indexes }: { indexes: readonly IndexStatus[] }) {
  const { client } = useWorkbench();
  const titleId = useId();
  const [question, setQuestion] = useState<Question>(PRESETS[0]!.question());
  const [outcome, setOutcome] = useState<IndexCompare | null>(null);
  const compare = useTask();
  const matching = indexes.find(
    ({ definition, state }) =>
      state === 'ready' && definition.match === question.match && definition.field === question.field && definition.kind === question.kind && definition.transform === question.transform,
  );
  const set = (part: Partial<Question>) => setQuestion({ ...question, ...part });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const range = question.kind === 'zset' ? { min: question.min === '' ? undefined : Number(question.min), max: question.max === '' ? undefined : Number(question.max) } : { value: question.value };
    void compare.run(
      () => client.compareIndex({ match: question.match, field: question.field, kind: question.kind, transform: question.transform, index: matching?.definition.name, ...range }),
      setOutcome,
    );
  };

  return (
    <form className="panel form-grid" onSubmit={submit} aria-labelledby={titleId} noValidate data-testid="trade-off">
      <h2 id={titleId}>Scan or index: the trade-off</h2>
      <div className="button-row">
        {PRESETS.map((preset) => (
          <button key={preset.label} type="button" className="button button-quiet" onClick={() => setQuestion(preset.question())}>
            {preset.label}
          </button>
        ))}
      </div>
      <div className="field-grid">
        <label>
          Hashes (SCAN MATCH)
          <input type="text" className="mono" value={question.match} onChange={(event) => set({ match: event.target.value })} spellCheck={false} />
        </label>
        <label>
          Field
          <input type="text" className="mono" value={question.field} onChange={(event) => set({ field: event.target.value })} spellCheck={false} />
        </label>
        {question.kind === 'set' ? (
          <label>
            Value
            <input type="text" className="mono" value={question.value} onChange={(event) => set({ value: event.target.value })} spellCheck={false} aria-label="Value" />
          </label>
        ) : (
          <>
            <label>
              Min
              <input type="text" className="mono" value={question.min} onChange={(event) => set({ min: event.target.value })} placeholder="-inf" />
            </label>
            <label>
              Max
              <input type="text" className="mono" value={question.max} onChange={(event) => set({ max: event.target.value })} placeholder="+inf" />
            </label>
          </>
        )}
      </div>
      <p className="field-hint" data-testid="trade-off-index">
        {matching ? (
          <>
            The index <code>{matching.definition.name}</code> answers this too.
          </>
        ) : (
          'No ready index answers this: only the scan runs. Define one above to compare.'
        )}
      </p>
      {compare.error && <InlineError>Not run: {compare.error}</InlineError>}
      <SubmitRow busy={compare.busy} busyLabel="Running…">
        Run both ways
      </SubmitRow>
      {outcome && <Outcome outcome={outcome} />}
    </form>
  );
}

function Outcome({ outcome }: { outcome: IndexCompare }) {
  const runs: Array<[string, QueryRun]> = [['SCAN + filter', outcome.scan], ...(outcome.index ? [['Index', outcome.index] as [string, QueryRun]] : [])];
  return (
    <>
      <div className="table-wrap">
        <table className="table" aria-label="Both ways" data-testid="trade-off-table">
          <thead>
            <tr>
              <th scope="col">Way</th>
              <th scope="col" className="num">Keys examined</th>
              <th scope="col" className="num">Commands</th>
              <th scope="col" className="num">Time</th>
              <th scope="col" className="num">Results</th>
              <th scope="col">redis-cli</th>
            </tr>
          </thead>
          <tbody>
            {runs.map(([way, run]) => (
              <tr key={way} data-testid="trade-off-run">
                <th scope="row">{way}</th>
                <td className="num">{formatInt(run.keysExamined)}</td>
                <td className="num">{formatInt(run.commands)}</td>
                <td className="num">{formatMs(run.ms)}</td>
                <td className="num" data-testid="trade-off-results">{formatInt(run.results)}</td>
                <td>
                  {run.redisCli.map((line) => (
                    <code key={line} className="wrap" style={{ display: 'block' }}>
                      {line}
                    </code>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {outcome.index && (
        <div>
          <ChartView
            kind="bar"
            labels={runs.map(([way]) => way)}
            series={[{ label: 'ms', values: runs.map(([, run]) => run.ms), color: '#4c78a8' }]}
            label={`Time: scan ${formatMs(outcome.scan.ms)}, index ${formatMs(outcome.index.ms)}`}
            yTitle="ms"
            testId="trade-off-chart"
          />
        </div>
      )}
    </>
  );
}
