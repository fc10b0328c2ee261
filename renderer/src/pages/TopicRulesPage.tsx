import { useCallback, useEffect, useState } from 'react';
import type { TopicRulesView } from '../../../core/api/devices.js';
import { Banner, InlineError, Loading, PageHeader, TableHead } from '../components.js';
import { usePolling, useTask, useWorkbench } from '../context.js';
import { formatInt } from '../format.js';
import { fromDraft, moved, newDraftRule, ruleNamedBy, sameRules, toDraft, type DraftRule } from './topic-rules/topic-rule-draft.js';
import { HandlerGuide } from './topic-rules/HandlerGuide.js';
import { RULE_COLUMNS, TopicRuleRow } from './topic-rules/TopicRuleRow.js';

const RULES_POLL_MS = 2000;

/** The topic-filter → handler table every broker message is routed by: edit, reorder, save, and see what each rule took. */
export function TopicRulesPage() {
  const { client } = useWorkbench();
  const fetchRules = useCallback(() => client.topicRules(), [client]);
  const { data: view, error, refresh } = usePolling(fetchRules, RULES_POLL_MS);
  const [draft, setDraft] = useState<DraftRule[] | null>(null);
  const save = useTask();

  // The first answer starts the draft; later polls only refresh the counts, never the user's edits.
  useEffect(() => {
    if (view && draft === null) setDraft(toDraft(view.rules));
  }, [view, draft]);

  if (!view || !draft) {
    return (
      <section aria-labelledby="page-title" className="page">
        <Header />
        {error ? (
          <Banner tone="error" title="Could not read the topic rules." onRetry={refresh} testId="topic-rules-error">
            {error}
          </Banner>
        ) : (
          <Loading what="the topic rules" />
        )}
      </section>
    );
  }

  const locked = view.locked !== null;
  const edited = fromDraft(draft);
  const changed = !sameRules(edited, view.rules);
  const mostMatched = Math.max(0, ...view.rules.map((rule) => rule.matched));
  const invalidRule = ruleNamedBy(save.error);
  const update = (index: number, rule: DraftRule) => setDraft(draft.map((one, at) => (at === index ? rule : one)));

  const submit = () =>
    void save.run(
      () => client.saveTopicRules(edited),
      (saved) => {
        setDraft(toDraft(saved.rules));
        refresh();
      },
    );
  const revert = () => {
    save.setError(null);
    setDraft(toDraft(view.rules));
  };

  return (
    <section aria-labelledby="page-title" className="page">
      <Header />
      {view.locked && (
        <Banner tone="warning" title="The topic rules cannot be changed now." testId="topic-rules-locked">
          {view.locked}
        </Banner>
      )}
      <section className="panel" aria-labelledby="topic-rules-title">
        <h2 id="topic-rules-title">Rules, first match wins</h2>
        <div className="table-wrap">
          <table className="table" aria-label="Topic rules">
            <TableHead columns={RULE_COLUMNS} />
            <tbody>
              {draft.map((rule, index) => (
                <TopicRuleRow
                  key={rule.key}
                  rule={rule}
                  index={index}
                  count={draft.length}
                  matched={matchedInForce(view, edited, index)}
                  mostMatched={mostMatched}
                  invalid={invalidRule === index}
                  locked={locked}
                  onChange={(next) => update(index, next)}
                  onMove={(to) => setDraft(moved(draft, index, to))}
                  onRemove={() => setDraft(draft.filter((_, at) => at !== index))}
                />
              ))}
            </tbody>
          </table>
        </div>
        {draft.length === 0 && <p className="field-hint">No rules: the broker still delivers messages to subscribers, but nothing is stored in Redis.</p>}
        <p className="field-hint" data-testid="unrouted">
          {formatInt(view.unrouted)} message{view.unrouted === 1 ? '' : 's'} matched no rule since the rules were set.
        </p>
        {save.error && <InlineError>Not saved: {save.error}</InlineError>}
        <div className="button-row">
          <button type="button" className="button button-quiet" disabled={locked} onClick={() => setDraft([...draft, newDraftRule()])}>
            Add a rule
          </button>
          <button type="button" className="button button-primary" disabled={locked || !changed || save.busy} onClick={submit}>
            {save.busy ? 'Saving…' : 'Save rules'}
          </button>
          <button type="button" className="button button-quiet" disabled={!changed || save.busy} onClick={revert}>
            Revert
          </button>
        </div>
        <p className="field-hint" data-testid="topic-rules-origin">
          {view.origin === 'saved' ? (
            <>
              Saved in <code>{view.file}</code>; they take effect with the next message.
            </>
          ) : (
            <>
              From the configuration (<code>ingest.topicRules</code>, the source documents’ two rules unless set). Saving writes <code>{view.file}</code>, which from
              then on wins over the configuration.
            </>
          )}
        </p>
      </section>
      <HandlerGuide hashKeyPattern={view.hashKeyPattern} />
    </section>
  );
}

function Header() {
  return (
    <PageHeader title="Topic rules">
      Every message published to the bundled broker goes to the first rule whose topic filter matches its topic (<code>+</code> is one level, <code>#</code> the
      rest), like the source document’s rule on <code>temp_readings</code>. Changes apply to the next message, without a restart.
    </PageHeader>
  );
}

/** The count of the rule in force at `index` while the edited row still is that rule; null once the row differs. */
function matchedInForce(view: TopicRulesView, edited: ReturnType<typeof fromDraft>, index: number): number | null {
  const inForce = view.rules[index];
  const row = edited[index]!;
  return inForce && inForce.filter === row.filter && inForce.handler === row.handler ? inForce.matched : null;
}
