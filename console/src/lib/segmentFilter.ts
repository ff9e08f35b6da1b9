// The segment builder's tree: what the form edits (operands as typed text), turned into the
// API's one-of `SegmentFilter` input and back from a saved segment's stored JSON. Each node has
// the path the server names in its errors (`filter.and[2].or[0]`), so an error lands at its node.
import type { Key } from './i18n/index.svelte';
import type {
  BoughtCondition, SegmentChoicesQuery, FieldCondition, FilterOp, MemberFieldKind, SegmentFilter, TierChangeCondition, TierDirection, TierLevel, TimeWindow,
} from './gql/graphql';

/**
 * A filterable field as the API describes it (`segmentFields`): its kind, operators and choices;
 * a brand's own field (`custom.<key>`) also has the label the brand gave it.
 */
export type FieldInfo = SegmentChoicesQuery['segmentFields'][number] & { label?: string };

/** The prefix a condition names the brand's own member fields by (`custom.family`). */
export const CUSTOM = 'custom.';

// What the server lets a condition on a brand's field do (`segmentFields` does not list them):
// each compares as its kind — numbers as numbers, days by their order, words as text.
const TEXT_OPS: FilterOp[] = ['EQ', 'NE', 'IN', 'NOT_IN', 'CONTAINS', 'IS_EMPTY'];
const ORDERED_OPS: FilterOp[] = ['EQ', 'NE', 'LT', 'LE', 'GT', 'GE', 'BETWEEN', 'IN', 'NOT_IN', 'IS_EMPTY'];
const CUSTOM_KINDS: Record<MemberFieldKind, { kind: string; operators: FilterOp[] }> = {
  TEXT: { kind: 'text', operators: TEXT_OPS },
  NUMBER: { kind: 'float', operators: ORDERED_OPS },
  DATE: { kind: 'date', operators: ORDERED_OPS },
  CHOICE: { kind: 'choice', operators: ['EQ', 'NE', 'IN', 'NOT_IN', 'IS_EMPTY'] },
};

/** The API's fields and, after them, the brand's own (`memberFields`) as the builder offers them. */
export function withMemberFields(
  fields: readonly FieldInfo[],
  memberFields: readonly { key: string; label: string; kind: MemberFieldKind; choices: readonly string[] }[],
): FieldInfo[] {
  return [
    ...fields,
    ...memberFields.map((f) => ({
      name: `${CUSTOM}${f.key}`,
      label: f.label,
      kind: CUSTOM_KINDS[f.kind].kind,
      operators: CUSTOM_KINDS[f.kind].operators,
      choices: f.kind === 'CHOICE' ? [...f.choices] : [],
      nullable: true,
    })),
  ];
}

// What the API cannot say: which heading a field is listed under (its label comes from the
// dictionaries, `field_<name>`). A field the API adds later is listed under "other fields",
// by its name.
const PROFILE = new Set([
  'memberNo', 'store', 'city', 'gender', 'age', 'birthday', 'birthMonth', 'joinedAt', 'interests',
  'emailConsent', 'locale', 'timeZone', 'pointsBalance', 'openComplaint',
]);
const ANALYTICS = new Set([
  'tier', 'qualifiedTier', 'rScore', 'fScore', 'mScore', 'loyaltyQuadrant', 'valueQuadrant',
  'loyaltyStrategy', 'valueStrategy', 'layer', 'declining', 'lapsed', 'pAlive', 'expectedPurchases365',
  'expectedValue365', 'clv', 'simpleClv', 'recencyDays', 'frequency365', 'monetary365', 'profit365',
  'ordersTotal', 'spendTotal', 'avgOrderValue', 'firstPurchase', 'lastPurchase',
]);
export type FieldGroup = 'profile' | 'analytics' | 'custom' | 'other';
export function fieldGroup(name: string): FieldGroup {
  if (name.startsWith(CUSTOM)) return 'custom';
  return PROFILE.has(name) ? 'profile' : ANALYTICS.has(name) ? 'analytics' : 'other';
}

/**
 * The field's description; a field the API does not list (a stored filter naming a field since
 * removed) keeps its operator, and the server's error then shows at its node.
 */
export function fieldInfo(fields: readonly FieldInfo[], name: string, op: FilterOp = 'EQ'): FieldInfo {
  return fields.find((f) => f.name === name) ?? { name, kind: 'text', operators: [op], choices: [], nullable: false };
}

export interface WindowModel {
  mode: 'last' | 'range';
  lastDays: string;
  from: string;
  to: string;
}

export type Node = { id: number } & (
  | { type: 'and' | 'or'; children: Node[] }
  | { type: 'not'; child: Node }
  | { type: 'field'; field: string; op: FilterOp; value: string; values: string[] }
  | { type: 'birthdayWithin'; days: string }
  | { type: 'tierChange'; direction: TierDirection | ''; from: TierLevel[]; to: TierLevel[] }
  | { type: 'bought'; category: string; store: string; window: WindowModel; minCount: string; minAmount: string }
  | { type: 'boughtNothing'; window: WindowModel }
  | { type: 'inSegment'; segmentId: string }
);
export type NodeType = Node['type'];
export const CONDITION_TYPES: NodeType[] = ['field', 'bought', 'boughtNothing', 'birthdayWithin', 'tierChange', 'inSegment'];

let nextId = 1;
const lastWindow = (lastDays = '365'): WindowModel => ({ mode: 'last', lastDays, from: '', to: '' });

/** A new node of a type, with defaults that already make sense. */
export function newNode(type: NodeType): Node {
  const id = nextId++;
  switch (type) {
    case 'and':
    case 'or':
      return { id, type, children: [newNode('field')] };
    case 'not':
      return { id, type, child: newNode('field') };
    case 'field':
      return { id, type, field: 'tier', op: 'IN', value: '', values: [] };
    case 'birthdayWithin':
      return { id, type, days: '7' };
    case 'tierChange':
      return { id, type, direction: 'UPGRADED', from: [], to: [] };
    case 'bought':
      return { id, type, category: '', store: '', window: lastWindow(), minCount: '', minAmount: '' };
    case 'boughtNothing':
      return { id, type, window: lastWindow('60') };
    case 'inSegment':
      return { id, type, segmentId: '' };
  }
}

/**
 * A problem found before asking the server (a GraphQL Int that is not a whole number), or a
 * part of a condition not filled in yet.
 */
export interface Problem {
  path: string;
  message: Key;
}

/** What `toInput` makes of a tree. */
export interface Built {
  filter: SegmentFilter;
  /** What was entered wrong: shown at once, and nothing is counted. */
  problems: Problem[];
  /**
   * Operands still empty (a new condition, a field just changed): not counted yet, and shown
   * as errors only once the form is submitted.
   */
  incomplete: Problem[];
}

const WHOLE = /^-?\d+$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i;
const AMOUNT = /^\d+(\.\d{1,2})?$/;

/** A typed operand as the JSON the server expects for the field's kind. */
function operand(kind: string, text: string): unknown {
  const trimmed = text.trim();
  switch (kind) {
    case 'int':
    case 'age':
      return WHOLE.test(trimmed) ? Number(trimmed) : trimmed;
    case 'float':
      return NUMBER.test(trimmed) ? Number(trimmed) : trimmed;
    case 'bool':
      return trimmed === 'true' ? true : trimmed === 'false' ? false : trimmed;
    default:
      return trimmed;
  }
}

/** The `values` of IN / NOT_IN typed as one text: split at commas (also the Chinese 、 and ，). */
export function splitList(text: string): string[] {
  return text.split(/[,，、]/).map((v) => v.trim()).filter(Boolean);
}

function timeWindow(w: WindowModel, path: string, problems: Problem[], incomplete: Problem[]): TimeWindow {
  if (w.mode === 'range') {
    const range: TimeWindow = {};
    if (w.from) range.from = w.from;
    if (w.to) range.to = w.to;
    if (!w.from || !w.to) incomplete.push({ path: `${path}.${w.from ? 'to' : 'from'}`, message: 'segNeedsDates' });
    return range;
  }
  const days = w.lastDays.trim();
  if (!days) incomplete.push({ path: `${path}.lastDays`, message: 'segWholeNumber' });
  else if (!WHOLE.test(days)) problems.push({ path: `${path}.lastDays`, message: 'segWholeNumber' });
  return { lastDays: WHOLE.test(days) ? Number(days) : 0 };
}

/** The operands a field condition still lacks, if any. */
function missing(op: FilterOp, value: string, values: readonly string[]): { part: string; message: Key } | null {
  switch (op) {
    case 'IS_EMPTY':
      return null;
    case 'BETWEEN':
      return values.length < 2 || values.some((v) => !v.trim()) ? { part: 'values', message: 'segNeedsBoth' } : null;
    case 'IN':
    case 'NOT_IN':
      return values.some((v) => v.trim()) ? null : { part: 'values', message: 'segNeedsValues' };
    default:
      return value.trim() ? null : { part: 'value', message: 'segNeedsValue' };
  }
}

/** The API input for a tree, the problems that keep it from being sent, and what is not filled in. */
export function toInput(node: Node, fields: readonly FieldInfo[], path = 'filter'): Built {
  const problems: Problem[] = [];
  const incomplete: Problem[] = [];
  const build = (n: Node, at: string): SegmentFilter => {
    switch (n.type) {
      case 'and':
        return { and: n.children.map((c, i) => build(c, `${at}.and[${i}]`)) };
      case 'or':
        return { or: n.children.map((c, i) => build(c, `${at}.or[${i}]`)) };
      case 'not':
        return { not: build(n.child, `${at}.not`) };
      case 'field': {
        const kind = fieldInfo(fields, n.field).kind;
        const condition: FieldCondition = { field: n.field, op: n.op };
        const lacking = missing(n.op, n.value, n.values);
        if (lacking) incomplete.push({ path: `${at}.field.${lacking.part}`, message: lacking.message });
        // A brand's number field compares as a number only given one (else as text, and the
        // server would refuse the operator): said here, at the operand.
        if (!lacking && kind === 'float' && n.field.startsWith(CUSTOM)) {
          const list = n.op === 'BETWEEN' || n.op === 'IN' || n.op === 'NOT_IN';
          const operands = list ? n.values : n.op === 'IS_EMPTY' ? [] : [n.value];
          if (operands.some((v) => !NUMBER.test(v.trim()))) problems.push({ path: `${at}.field.${list ? 'values' : 'value'}`, message: 'segNumber' });
        }
        if (n.op === 'BETWEEN' || n.op === 'IN' || n.op === 'NOT_IN') {
          condition.values = n.values.map((v) => operand(kind, v));
        } else if (n.op !== 'IS_EMPTY') {
          condition.value = operand(kind, n.value);
        }
        return { field: condition };
      }
      case 'birthdayWithin': {
        const days = n.days.trim();
        if (!days) incomplete.push({ path: `${at}.birthdayWithin`, message: 'segWholeNumber' });
        else if (!WHOLE.test(days)) problems.push({ path: `${at}.birthdayWithin`, message: 'segWholeNumber' });
        return { birthdayWithin: WHOLE.test(days) ? Number(days) : 0 };
      }
      case 'tierChange': {
        // Only the parts given: the stored filter reads as it was meant.
        const change: TierChangeCondition = {};
        if (n.direction) change.direction = n.direction;
        if (n.from.length) change.from = [...n.from];
        if (n.to.length) change.to = [...n.to];
        return { tierChange: change };
      }
      case 'bought': {
        const count = n.minCount.trim();
        const amount = n.minAmount.trim();
        if (count && !WHOLE.test(count)) problems.push({ path: `${at}.bought.minCount`, message: 'segWholeNumber' });
        if (amount && !AMOUNT.test(amount)) problems.push({ path: `${at}.bought.minAmount`, message: 'segAmount' });
        const bought: BoughtCondition = { window: timeWindow(n.window, `${at}.bought.window`, problems, incomplete) };
        if (n.category.trim()) bought.category = n.category.trim();
        if (n.store) bought.store = n.store;
        if (count && WHOLE.test(count)) bought.minCount = Number(count);
        if (amount && AMOUNT.test(amount)) bought.minAmount = amount;
        return { bought };
      }
      case 'boughtNothing':
        return { boughtNothing: timeWindow(n.window, `${at}.boughtNothing`, problems, incomplete) };
      case 'inSegment':
        if (!n.segmentId) incomplete.push({ path: `${at}.inSegment`, message: 'segPickSegment' });
        return { inSegment: n.segmentId || '0' };
    }
  };
  const filter = build(node, path);
  return { filter, problems, incomplete };
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

function fromWindow(w: Record<string, unknown> | undefined): WindowModel {
  if (w && w.from !== undefined && w.from !== null) return { mode: 'range', lastDays: '365', from: text(w.from), to: text(w.to) };
  return { mode: 'last', lastDays: text(w?.lastDays ?? 365), from: '', to: '' };
}

/** A saved segment's stored filter (the input shape as JSON) as a tree the builder edits. */
export function fromJson(json: unknown): Node {
  const o = (json ?? {}) as Record<string, unknown>;
  const id = nextId++;
  if (Array.isArray(o.and)) return { id, type: 'and', children: o.and.map(fromJson) };
  if (Array.isArray(o.or)) return { id, type: 'or', children: o.or.map(fromJson) };
  if (o.not) return { id, type: 'not', child: fromJson(o.not) };
  if (o.field) {
    const c = o.field as { field: string; op: FilterOp; value?: unknown; values?: unknown[] | null };
    return { id, type: 'field', field: c.field, op: c.op, value: text(c.value), values: (c.values ?? []).map(text) };
  }
  if (o.birthdayWithin !== undefined) return { id, type: 'birthdayWithin', days: text(o.birthdayWithin) };
  if (o.tierChange) {
    const c = o.tierChange as { direction?: TierDirection | null; from?: TierLevel[] | null; to?: TierLevel[] | null };
    return { id, type: 'tierChange', direction: c.direction ?? '', from: c.from ?? [], to: c.to ?? [] };
  }
  if (o.bought) {
    const c = o.bought as Record<string, unknown>;
    return {
      id, type: 'bought', category: text(c.category), store: text(c.store),
      window: fromWindow(c.window as Record<string, unknown>), minCount: text(c.minCount), minAmount: text(c.minAmount),
    };
  }
  if (o.boughtNothing) return { id, type: 'boughtNothing', window: fromWindow(o.boughtNothing as Record<string, unknown>) };
  if (o.inSegment !== undefined) return { id, type: 'inSegment', segmentId: text(o.inSegment) };
  return newNode('field');
}

/** Every node's path in the tree, as the server names them. */
export function paths(node: Node, path = 'filter', out = new Map<number, string>()): Map<number, string> {
  out.set(node.id, path);
  if (node.type === 'and' || node.type === 'or') node.children.forEach((c, i) => paths(c, `${path}.${node.type}[${i}]`, out));
  if (node.type === 'not') paths(node.child, `${path}.not`, out);
  return out;
}

/**
 * The node an error path belongs to (the deepest node whose path starts it), and the rest; the
 * tree's root is at `root` (a journey's filters: `entry.filter`, `steps[2].filter`).
 */
export function owner(node: Node, errorPath: string, root = 'filter'): { id: number; rest: string } | null {
  let best: { id: number; rest: string } | null = null;
  let longest = -1;
  for (const [id, path] of paths(node, root)) {
    const after = errorPath.slice(path.length);
    if (errorPath.startsWith(path) && (after === '' || after.startsWith('.')) && path.length > longest) {
      longest = path.length;
      best = { id, rest: after.replace(/^\./, '') };
    }
  }
  return best;
}
