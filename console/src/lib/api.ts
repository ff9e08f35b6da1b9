// The one GraphQL client: typed documents in, data out. A 401 or UNAUTHENTICATED error ends the
// session and returns to sign-in; every other error is thrown with its code and field, its
// message in the console's language when the server names it by a key the dictionary has.
import type { TypedDocumentString } from './gql/graphql';
import { type Key, t } from './i18n/index.svelte';
import { en } from './i18n/en';
import { session, signOut } from './session.svelte';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly field: string | null,
    /**
     * The dictionary's name for the error (`input.phone`), and its parameters, when it has one
     * (a list too: a journey's refusal gives every problem in `problems`).
     */
    readonly key: string | null = null,
    readonly params: Record<string, string | number> = {},
  ) {
    super(message);
  }
}

/** What a form shows of a failed request: the input field it names, then why. */
export function errorText(e: unknown): string {
  return e instanceof ApiError && e.field ? `${e.field}: ${e.message}` : (e as Error).message;
}

interface GraphQLError {
  message: string;
  extensions?: { code?: string; field?: string; key?: string; params?: Record<string, string | number> };
}

/** The channels a parameter may name (`"sms"`), in the console's words (`短信`). */
const CHANNELS = new Set(['email', 'sms', 'wechat']);

/**
 * A keyed error's text: the dictionary's for its key (a `channel` parameter in the console's
 * language), else the server's English.
 */
export function keyedText(key: string | null | undefined, params: Record<string, unknown> | null | undefined, fallback: string): string {
  const name = `error.${key}`;
  if (!key || !(name in en)) return fallback;
  const filled: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    if (typeof v === 'string' || typeof v === 'number') filled[k] = v;
  }
  if (typeof filled.channel === 'string' && CHANNELS.has(filled.channel.toLowerCase())) {
    filled.channel = t(`channel.${filled.channel.toUpperCase()}` as Key);
  }
  return t(name as Key, filled);
}

/** The error's text: the dictionary's for its key, else the server's English. */
function described(error: GraphQLError): string {
  return keyedText(error.extensions?.key, error.extensions?.params, error.message);
}

/**
 * The error's text said of a field the form names itself: a keyed error's `{field}` as the form's
 * label (`姓名 不能为空`, not `name 不能为空`); else as `described` gave it.
 */
export function fieldText(e: ApiError, fieldLabel: string): string {
  const key = `error.${e.key}`;
  return e.key && key in en ? t(key as Key, { ...e.params, field: fieldLabel }) : e.message;
}

export async function request<R, V>(document: TypedDocumentString<R, V>, variables?: V): Promise<R> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  const response = await fetch('/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
  });
  const body = (await response.json()) as { data?: R; errors?: GraphQLError[] };
  const error = body.errors?.[0];
  const code = error?.extensions?.code ?? (response.ok ? 'INTERNAL' : 'BAD_USER_INPUT');
  if (response.status === 401 || (error && code === 'UNAUTHENTICATED' && session.token)) {
    signOut('sessionEnded');
    throw new ApiError(error?.message ?? 'unauthenticated', 'UNAUTHENTICATED', null);
  }
  if (error) {
    const { field = null, key = null, params = {} } = error.extensions ?? {};
    throw new ApiError(described(error), code, field, key, params);
  }
  if (!body.data) throw new ApiError(`HTTP ${response.status}`, 'INTERNAL', null);
  return body.data;
}
