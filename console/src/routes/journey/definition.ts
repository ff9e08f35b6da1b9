// A journey's definition as the editor holds it (numbers as typed text, filters as the segment
// builder's trees, every step and arm with an id for keyed lists) and as the API's JSON
// (docs/journeys.md), both ways. Each step has the path the server names in its refusals
// (`steps[1].then[0].days`), so a refusal lands on its step.
import type { Key } from '../../lib/i18n/index.svelte';
import { fromJson, newNode, toInput, type FieldInfo, type Node, type Problem } from '../../lib/segmentFilter';

export const STEP_TYPES = ['send', 'wait', 'waitUntil', 'waitFor', 'branch', 'split', 'coupon', 'task', 'setField', 'exit'] as const;
export type StepType = (typeof STEP_TYPES)[number];
export const ENTRY_EVENTS = ['joined', 'purchased', 'tierChanged', 'birthday', 'complaintResolved'] as const;
export type EntryEvent = (typeof ENTRY_EVENTS)[number];
export const WAIT_EVENTS = ['purchased', 'redeemedCoupon', 'completedTask', 'enteredSegment', 'leftSegment'] as const;
export type WaitEvent = (typeof WAIT_EVENTS)[number];

export interface Arm {
  id: number;
  name: string;
  percent: string;
  steps: Step[];
}

export type Step = { id: number } & (
  | { type: 'send'; campaignId: string; offerId: string }
  | { type: 'wait'; days: string; hours: string; at: string }
  | { type: 'waitUntil'; date: string }
  | { type: 'waitFor'; event: WaitEvent; segmentId: string; timeoutDays: string; then: Step[]; timeout: Step[] }
  | { type: 'branch'; filter: Node; then: Step[]; otherwise: Step[] }
  | { type: 'split'; arms: Arm[] }
  | { type: 'coupon'; offerId: string }
  | { type: 'task'; reason: string; openDays: string }
  /** Sets one of the brand's member fields (`memberFields`) to a value; empty clears it. */
  | { type: 'setField'; key: string; value: string }
  | { type: 'exit' }
  /** A step this console does not know (a newer server's): kept as it came. */
  | { type: 'unknown'; raw: Record<string, unknown> }
);

/** The lists a step holds, by the name its path gives them (`then`, `arms[1].steps`). */
export type Branches = { name: string; steps: Step[] }[];

export interface Model {
  entry: { type: 'segment' | 'filter' | 'event'; segmentId: string; filter: Node; event: EntryEvent };
  /** Members enter once ever, or again after `reentryDays` days. */
  once: boolean;
  reentryDays: string;
  exitOnPurchase: boolean;
  /** Whether a filter takes members out, and which. */
  exitWhen: boolean;
  exitFilter: Node;
  /** The control group in percent (the API's basis points / 100). */
  holdoutPercent: string;
  attributionDays: string;
  steps: Step[];
}

let nextId = 1;
const id = () => nextId++;

/** A group with one condition, as a new filter starts. */
const starterFilter = (): Node => newNode('and');

/** A new step of a type, with defaults that already make sense. */
export function newStep(type: StepType): Step {
  switch (type) {
    case 'send': return { id: id(), type, campaignId: '', offerId: '' };
    case 'wait': return { id: id(), type, days: '1', hours: '0', at: '' };
    case 'waitUntil': return { id: id(), type, date: '' };
    case 'waitFor': return { id: id(), type, event: 'purchased', segmentId: '', timeoutDays: '7', then: [], timeout: [] };
    case 'branch': return { id: id(), type, filter: starterFilter(), then: [], otherwise: [] };
    case 'split': return { id: id(), type, arms: [newArm('A', '50'), newArm('B', '50')] };
    case 'coupon': return { id: id(), type, offerId: '' };
    case 'task': return { id: id(), type, reason: '', openDays: '7' };
    case 'setField': return { id: id(), type, key: '', value: '' };
    case 'exit': return { id: id(), type };
  }
}

export const newArm = (name: string, percent: string): Arm => ({ id: id(), name, percent, steps: [] });

/** A new journey's definition: members who join, a first step to fill in. */
export function newModel(): Model {
  return {
    entry: { type: 'event', segmentId: '', filter: starterFilter(), event: 'joined' },
    once: true,
    reentryDays: '30',
    exitOnPurchase: false,
    exitWhen: false,
    exitFilter: starterFilter(),
    holdoutPercent: '10',
    attributionDays: '30',
    steps: [newStep('send')],
  };
}

type Json = Record<string, unknown>;
const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

function stepFromJson(o: Json): Step {
  switch (o.type) {
    case 'send': return { id: id(), type: 'send', campaignId: o.campaignId ? text(o.campaignId) : '', offerId: text(o.offerId) };
    case 'wait': return { id: id(), type: 'wait', days: text(o.days ?? 0), hours: text(o.hours ?? 0), at: text(o.at).slice(0, 5) };
    case 'waitUntil': return { id: id(), type: 'waitUntil', date: text(o.date) };
    case 'waitFor': {
      const event = (o.event ?? {}) as Json;
      return {
        id: id(), type: 'waitFor', event: (WAIT_EVENTS as readonly string[]).includes(text(event.type)) ? (event.type as WaitEvent) : 'purchased',
        segmentId: text(event.segmentId), timeoutDays: text(o.timeoutDays), then: stepsFromJson(o.then), timeout: stepsFromJson(o.timeout),
      };
    }
    case 'branch': return { id: id(), type: 'branch', filter: fromJson(o.filter), then: stepsFromJson(o.then), otherwise: stepsFromJson(o.otherwise) };
    case 'split': return { id: id(), type: 'split', arms: list(o.arms).map((a) => ({ id: id(), name: text(a.name), percent: text(a.percent), steps: stepsFromJson(a.steps) })) };
    case 'coupon': return { id: id(), type: 'coupon', offerId: text(o.offerId) };
    case 'task': return { id: id(), type: 'task', reason: text(o.reason), openDays: text(o.openDays) };
    case 'setField': return { id: id(), type: 'setField', key: text(o.key), value: text(o.value) };
    case 'exit': return { id: id(), type: 'exit' };
    default: return { id: id(), type: 'unknown', raw: o };
  }
}

const stepsFromJson = (v: unknown): Step[] => list(v).map(stepFromJson);

/** A stored definition (the draft, a version) as the editor's model. */
export function fromDefinition(json: unknown): Model {
  const o = (json ?? {}) as Json;
  const entry = (o.entry ?? {}) as Json;
  const exit = (o.exit ?? {}) as Json;
  const type = entry.type === 'segment' || entry.type === 'filter' ? entry.type : 'event';
  const reentry = o.reentryDays;
  return {
    entry: {
      type,
      segmentId: text(entry.segmentId),
      filter: entry.filter ? fromJson(entry.filter) : starterFilter(),
      event: (ENTRY_EVENTS as readonly string[]).includes(text(entry.event)) ? (entry.event as EntryEvent) : 'joined',
    },
    once: reentry === null || reentry === undefined,
    reentryDays: reentry === null || reentry === undefined ? '30' : text(reentry),
    exitOnPurchase: exit.onPurchase === true,
    exitWhen: !!exit.filter,
    exitFilter: exit.filter ? fromJson(exit.filter) : starterFilter(),
    holdoutPercent: String(Number(o.holdoutBasisPoints ?? 0) / 100),
    attributionDays: text(o.attributionDays ?? 30),
    steps: stepsFromJson(o.steps),
  };
}

/** What `toDefinition` makes of a model. */
export interface Built {
  definition: Json;
  /** Entered wrong (a number that is not one): not saved. */
  problems: Problem[];
  /** Filter conditions not filled in yet: saved, but not published. */
  incomplete: Problem[];
}

const WHOLE = /^\d+$/;

/**
 * The definition as the API reads it. A draft may leave things to choose: a message, a day or a
 * segment not chosen yet goes as null, and empty numbers as 0; the draft saves, and publishing
 * names each at its place (`journey.noMessage` at `steps[0].campaignId`, `journey.emptyWait` at
 * `steps[1].days`).
 */
export function toDefinition(model: Model, fields: readonly FieldInfo[]): Built {
  const problems: Problem[] = [];
  const incomplete: Problem[] = [];
  const whole = (value: string, path: string, fallback = 0): number => {
    const v = value.trim();
    if (!v) return fallback;
    if (!WHOLE.test(v)) problems.push({ path, message: 'segWholeNumber' });
    return WHOLE.test(v) ? Number(v) : fallback;
  };
  const chosen = (value: string): number | null => (value ? Number(value) : null);
  const filter = (node: Node, path: string): unknown => {
    const built = toInput(node, fields, path);
    problems.push(...built.problems);
    incomplete.push(...built.incomplete);
    return asStored(built.filter);
  };

  const step = (s: Step, path: string): Json => {
    switch (s.type) {
      case 'send': return { type: 'send', campaignId: chosen(s.campaignId), offerId: chosen(s.offerId) };
      case 'wait': return { type: 'wait', days: whole(s.days, `${path}.days`), hours: whole(s.hours, `${path}.hours`), at: s.at ? `${s.at.slice(0, 5)}:00` : null };
      case 'waitUntil': return { type: 'waitUntil', date: s.date || null };
      case 'waitFor': {
        const event: Json = { type: s.event };
        if (s.event === 'enteredSegment' || s.event === 'leftSegment') event.segmentId = chosen(s.segmentId);
        return {
          type: 'waitFor', event, timeoutDays: whole(s.timeoutDays, `${path}.timeoutDays`),
          then: steps(s.then, `${path}.then`), timeout: steps(s.timeout, `${path}.timeout`),
        };
      }
      case 'branch': return { type: 'branch', filter: filter(s.filter, `${path}.filter`), then: steps(s.then, `${path}.then`), otherwise: steps(s.otherwise, `${path}.otherwise`) };
      case 'split':
        return {
          type: 'split',
          arms: s.arms.map((a, i) => ({ name: a.name.trim(), percent: whole(a.percent, `${path}.arms[${i}].percent`), steps: steps(a.steps, `${path}.arms[${i}].steps`) })),
        };
      case 'coupon': return { type: 'coupon', offerId: chosen(s.offerId) };
      case 'task': return { type: 'task', reason: s.reason.trim(), openDays: whole(s.openDays, `${path}.openDays`) };
      case 'setField': return { type: 'setField', key: s.key, value: s.value.trim() };
      case 'exit': return { type: 'exit' };
      case 'unknown': return s.raw;
    }
  };
  const steps = (list: Step[], path: string): Json[] => list.map((s, i) => step(s, `${path}[${i}]`));

  const entry: Json = { type: model.entry.type };
  if (model.entry.type === 'segment') entry.segmentId = chosen(model.entry.segmentId);
  if (model.entry.type === 'filter') entry.filter = filter(model.entry.filter, 'entry.filter');
  if (model.entry.type === 'event') entry.event = model.entry.event;
  const holdout = Number(model.holdoutPercent.trim().replace(',', '.') || 0);
  if (!Number.isFinite(holdout) || holdout < 0) problems.push({ path: 'holdoutBasisPoints', message: 'jPercent' });
  const definition: Json = {
    entry,
    reentryDays: model.once ? null : whole(model.reentryDays, 'reentryDays'),
    exit: { onPurchase: model.exitOnPurchase, filter: model.exitWhen ? filter(model.exitFilter, 'exit.filter') : null },
    holdoutBasisPoints: Number.isFinite(holdout) && holdout >= 0 ? Math.round(holdout * 100) : 0,
    attributionDays: whole(model.attributionDays, 'attributionDays', 30),
    steps: steps(model.steps, 'steps'),
  };
  return { definition, problems, incomplete };
}

/**
 * A filter as the API's `SegmentFilter` input gives it, as a definition stores it: a saved
 * segment named by its number (GraphQL's ID is a string).
 */
function asStored(filter: unknown): unknown {
  if (Array.isArray(filter)) return filter.map(asStored);
  if (filter && typeof filter === 'object') {
    return Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, k === 'inSegment' ? Number(v) : asStored(v)]));
  }
  return filter;
}

/** The lists a step holds, with the path segment of each. */
export function branchesOf(step: Step): Branches {
  switch (step.type) {
    case 'waitFor': return [{ name: 'then', steps: step.then }, { name: 'timeout', steps: step.timeout }];
    case 'branch': return [{ name: 'then', steps: step.then }, { name: 'otherwise', steps: step.otherwise }];
    case 'split': return step.arms.map((a, i) => ({ name: `arms[${i}].steps`, steps: a.steps }));
    default: return [];
  }
}

/** How many steps a list holds, those inside its branches included. */
export function countSteps(steps: Step[]): number {
  return steps.reduce((n, s) => n + 1 + branchesOf(s).reduce((m, b) => m + countSteps(b.steps), 0), 0);
}

/**
 * The step an error path names (`steps[1].then[0].days` → `steps[1].then[0]`) and what inside
 * it (`days`); null for a path outside the steps (`entry.segmentId`, `name`).
 */
export function stepOf(path: string): { step: string; rest: string } | null {
  const m = path.match(/^steps\[\d+\](?:\.(?:then|otherwise|timeout|arms\[\d+\]\.steps)\[\d+\])*/);
  if (!m) return null;
  return { step: m[0], rest: path.slice(m[0].length).replace(/^\./, '') };
}

/** JSON compared by value, whatever the order of its keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)).map(([k, x]) => [k, norm(x)]));
    return v;
  };
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/** The dictionary's name of each step type. */
export const stepNames: Record<StepType | 'unknown', Key> = {
  send: 'jStepSend', wait: 'jStepWait', waitUntil: 'jStepWaitUntil', waitFor: 'jStepWaitFor', branch: 'jStepBranch',
  split: 'jStepSplit', coupon: 'jStepCoupon', task: 'jStepTask', setField: 'jStepSetField', exit: 'jStepExit', unknown: 'jStepUnknown',
};

/**
 * The JSON at a path of a definition (`steps[1].arms[0].steps[0].campaignId`), as text to
 * compare; `undefined` where the path leads nowhere.
 */
export function valueAt(definition: unknown, path: string): string | undefined {
  let at: unknown = definition;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at === undefined ? undefined : JSON.stringify(at);
}
