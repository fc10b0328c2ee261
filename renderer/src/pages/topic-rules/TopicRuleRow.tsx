import type { TopicRuleHandler } from '../../../../core/domain/topic-rule.js';
import { formatInt } from '../../format.js';
import { HANDLERS, type DraftRule } from './topic-rule-draft.js';

export const RULE_COLUMNS = ['#', 'Topic filter', 'Handler', 'Messages', ''] as const;

export interface TopicRuleRowProps {
  rule: DraftRule;
  index: number;
  count: number;
  /** Messages this rule took since the rules were set, or null while the row differs from the rule in force. */
  matched: number | null;
  /** The largest count of any rule, for the bar. */
  mostMatched: number;
  invalid: boolean;
  locked: boolean;
  onChange: (rule: DraftRule) => void;
  onMove: (to: number) => void;
  onRemove: () => void;
}

/** One rule of the table: its filter and handler as fields, what it took as a number and a bar, and moving and removing it. */
export function TopicRuleRow({ rule, index, count, matched, mostMatched, invalid, locked, onChange, onMove, onRemove }: TopicRuleRowProps) {
  const position = index + 1;
  return (
    <tr data-testid="topic-rule">
      <td className="num">{position}</td>
      <td>
        <input
          type="text"
          className="mono"
          aria-label={`Topic filter of rule ${position}`}
          aria-invalid={invalid || undefined}
          value={rule.filter}
          disabled={locked}
          placeholder="sensors/+/air"
          spellCheck={false}
          autoComplete="off"
          onChange={(event) => onChange({ ...rule, filter: event.target.value })}
        />
      </td>
      <td>
        <select aria-label={`Handler of rule ${position}`} value={rule.handler} disabled={locked} onChange={(event) => onChange({ ...rule, handler: event.target.value as TopicRuleHandler })}>
          {HANDLERS.map((handler) => (
            <option key={handler.id} value={handler.id}>
              {handler.name}
            </option>
          ))}
        </select>
      </td>
      <td className="num">
        {matched === null ? (
          <span className="muted" title="Counted once the rules are saved">
            —
          </span>
        ) : (
          <span className="rule-matched">
            <span className="rule-bar" aria-hidden="true">
              <span className="rule-bar-fill" style={{ width: `${mostMatched === 0 ? 0 : (100 * matched) / mostMatched}%` }} />
            </span>
            <span data-testid="rule-matched">{formatInt(matched)}</span>
          </span>
        )}
      </td>
      <td className="actions">
        <span className="button-row">
          <button type="button" className="button button-quiet" disabled={locked || index === 0} onClick={() => onMove(index - 1)} aria-label={`Move rule ${position} up`}>
            ↑
          </button>
          <button type="button" className="button button-quiet" disabled={locked || index === count - 1} onClick={() => onMove(index + 1)} aria-label={`Move rule ${position} down`}>
            ↓
          </button>
          <button type="button" className="button button-quiet" disabled={locked} onClick={onRemove} aria-label={`Remove rule ${position}`}>
            Remove
          </button>
        </span>
      </td>
    </tr>
  );
}
