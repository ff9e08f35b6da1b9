// What every part of the journey editor reads, however deep in the steps it is drawn: the
// choices a step may name, the problems being shown (the server's refusal names every one, the
// form's own checks too), each at the place its path names, the live counts of the published
// version's steps, and the way out to a message's templates (saving the draft first).
import { getContext, setContext } from 'svelte';
import { keyedText } from '../../lib/api';
import type { Channel, MemberFieldKind } from '../../lib/gql/graphql';
import { t, type Key } from '../../lib/i18n/index.svelte';
import type { FieldInfo } from '../../lib/segmentFilter';

/** A journey message: a campaign of kind JOURNEY. */
export interface Message {
  id: string;
  name: string;
  channels: Channel[];
  templateKind: string;
  /** Its channels that have no template yet (publishing refuses it, `journey.noTemplate`). */
  missing: Channel[];
}

export interface Choices {
  messages: Message[];
  offers: { id: string; name: string }[];
  segments: { id: string; name: string }[];
  stores: { code: string; name: string }[];
  fields: FieldInfo[];
  /** The brand's own member fields, which a step may set. */
  memberFields: { key: string; label: string; kind: MemberFieldKind; choices: string[] }[];
}

/**
 * A problem and where it belongs: a definition path (`steps[2].offerId`, `entry.filter.and[0]`,
 * `reentryDays`), or `name`. Said by its key when the dictionary has one (so it follows the
 * language switch), else by the server's text.
 */
export interface Placed {
  field: string;
  /** The server's key (`journey.noMessage`), or the form's own (`segWholeNumber`). */
  key: string | null;
  params: Record<string, unknown>;
  /** The server's English, when its key is not in the dictionary. */
  message: string;
  /**
   * `form`: the editor's own check, gone once it no longer finds it; `server`: a refusal, gone
   * once the definition at its place (`was`) changes.
   */
  origin: 'form' | 'server';
  was?: string;
}

/** A problem's text in the console's language. */
export function said(p: Placed): string {
  return p.origin === 'form' ? t(p.key as Key, p.params as Record<string, string | number>) : keyedText(p.key, p.params, p.message);
}

/** Where a template page is: the email one, or the SMS and WeChat one. */
export type TemplatePage = 'templates' | 'channel-templates';

/** Who is on a step of the current version, and who went through it. */
export interface StepCount {
  kind: string;
  waiting: number;
  passed: number;
}

export interface Editor {
  choices: Choices;
  /** Every problem shown, each at its place. */
  errors: Placed[];
  /** The current version's steps by path (empty before the first publication). */
  counts: Map<string, StepCount>;
  /** The current version's number, if published. */
  version: number | null;
  /** The journey's id, once it is created. */
  id: string | null;
  /**
   * Follows a link to a message's templates: with unsaved changes, saves the draft first
   * (creating the journey if new) and stays if that fails.
   */
  toTemplates: (event: MouseEvent, page: TemplatePage, kind: string) => void;
}

/** The problems at a place: exactly `field`, or also inside it (`within`). */
export function errorsAt(editor: Editor, field: string, within = false): Placed[] {
  return editor.errors.filter((p) => p.field === field || (within && p.field.startsWith(`${field}.`)));
}

const KEY = Symbol('journey-editor');

export function setEditor(editor: Editor): void {
  setContext(KEY, editor);
}

export function editor(): Editor {
  return getContext<Editor>(KEY);
}
