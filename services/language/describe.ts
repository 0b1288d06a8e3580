import type { FilterNode, Test, TimeValue } from './check.ts';
import { isMultiValued, type FieldDefinition } from './fields.ts';

/**
 * A filter in plain words, for the rule list and the dry-run dialog.
 * @example describeNode(parseFilter("Event.Severity >= 'high' AND NOT IP.IsAnonymous").root)
 * // "severity is high or critical and not (an IP is anonymous)"
 */
export function describeNode(node: FilterNode): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.items.map((item) => (item.kind === 'and' || item.kind === 'or' ? `(${describeNode(item)})` : describeNode(item))).join(` ${node.kind} `);
    case 'not':
      return `not (${describeNode(node.operand)})`;
    case 'condition':
      return describeCondition(node.field, node.test, node.negated);
  }
}

function subject(field: FieldDefinition): string {
  const [prefix = '', name = ''] = field.name.split('.');
  const words =
    name === 'ASN' || name === 'ISP'
      ? name
      : name
          .replace(/([a-z])([A-Z])/g, '$1 $2')
          .replace(/^Is /, '')
          .toLowerCase();
  if (prefix === 'Event') return words;
  const owner = prefix === 'IP' ? 'an IP' : prefix === 'App' ? 'an app' : 'a user';
  return `${owner}'s ${words}`;
}

function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function time(value: TimeValue): string {
  if (value.kind === 'instant') return new Date(value.ms).toISOString();
  if (value.offsetMs === 0) return 'now';
  const hours = Math.abs(value.offsetMs) / 3_600_000;
  const amount = hours % 24 === 0 ? `${hours / 24} day(s)` : `${hours} hour(s)`;
  return value.offsetMs < 0 ? `${amount} ago` : `${amount} from now`;
}

function describeCondition(field: FieldDefinition, test: Test, negated: boolean): string {
  const who = subject(field);
  const is = negated ? 'is not' : 'is';
  const many = isMultiValued(field);
  switch (test.kind) {
    case 'is-null':
      return negated ? `${who} is known` : `${who} is missing`;
    case 'text-in':
    case 'enum-in':
    case 'number-in': {
      const values = test.values.map((v) => (typeof v === 'number' ? String(v) : quote(v)));
      if (values.length === 0) return negated ? `${who} is anything` : 'nothing';
      const list = values.length === 1 ? values[0] : `one of ${values.join(', ')}`;
      return `${who} ${is} ${list}${many && !negated ? ' (any of them)' : ''}`;
    }
    case 'like':
      return `${who} ${negated ? 'does not match' : 'matches'} ${quote(test.pattern.source)}`;
    case 'contains':
      return `${who} ${negated ? 'does not contain' : 'contains'} ${quote(test.needle)}`;
    case 'number-order':
      return `${who} ${test.operator} ${test.value}`;
    case 'boolean':
      return test.value !== negated ? `${who} is true` : `${who} is false`;
    case 'time-equals':
      return `${who} ${is} ${time(test.value)}`;
    case 'time-order': {
      const words = { '<': 'before', '<=': 'at or before', '>': 'after', '>=': 'at or after' }[test.operator];
      return `${who} ${words} ${time(test.value)}`;
    }
  }
}
