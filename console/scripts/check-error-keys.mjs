#!/usr/bin/env node
// Fails when the Rust code names an error by a key (`extensions.key`) that the console's
// dictionaries do not translate as `error.<key>`, in English and in Chinese; or when a
// translation uses a `{placeholder}` that some call of its key does not give as a parameter.
//
// The keys are read from the Rust sources (../src and ../jobs by default), not from a list:
//   AppError::keyed(field, "ns.name", …)      (its parameter `field` comes with it)
//   ….with_key("ns.name")
//   FilterError { key: "ns.name", … }  /  AppError::BadInput { key: Some("ns.name"), … }
// and, when the key is handed through a function or closure parameter (`fn invalid(path, key,
// …)`, `let misfit = |key, message| AppError::keyed(at, key, message)…`), the calls of that
// function or closure with a literal key. The parameters of a key are the `.with("name", …)`
// of the chain it is made in (before and after, and on a `let` binding of it later in the
// block), plus those its function or closure adds.
//
//   node scripts/check-error-keys.mjs            check
//   node scripts/check-error-keys.mjs --list     every key, its parameters and where it is made
//   node scripts/check-error-keys.mjs DIR…       scan these folders instead
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const here = import.meta.dirname;
const consoleDir = resolve(here, '..');
const repo = resolve(consoleDir, '..');
const args = process.argv.slice(2);
const listing = args.includes('--list');
const dirs = args.filter((a) => !a.startsWith('--'));
const roots = (dirs.length ? dirs : ['src', 'jobs']).map((d) => resolve(repo, d));

// ---------------------------------------------------------------------------------------------
// A Rust tokenizer that is just good enough: identifiers, string literals (with their text),
// punctuation, and everything else skipped; comments dropped, so a key in a doc comment does
// not count.

function tokenize(src) {
  const toks = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  const push = (type, value, at) => toks.push({ type, value, line: at });
  while (i < n) {
    const c = src[i];
    if (c === '\n') { line++; i++; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      let depth = 0;
      while (i < n) {
        if (src[i] === '/' && src[i + 1] === '*') { depth++; i += 2; continue; }
        if (src[i] === '*' && src[i + 1] === '/') { depth--; i += 2; if (!depth) break; continue; }
        if (src[i] === '\n') line++;
        i++;
      }
      continue;
    }
    // Raw strings: r"…", r#"…"#, br"…".
    const raw = /^b?r(#*)"/.exec(src.slice(i, i + 12));
    if (raw) {
      const close = `"${raw[1]}`;
      const start = i + raw[0].length;
      const end = src.indexOf(close, start);
      const text = src.slice(start, end < 0 ? n : end);
      push('str', text, line);
      line += text.split('\n').length - 1;
      i = end < 0 ? n : end + close.length;
      continue;
    }
    if (c === '"' || (c === 'b' && src[i + 1] === '"')) {
      const at = line;
      i += c === 'b' ? 2 : 1;
      let text = '';
      while (i < n && src[i] !== '"') {
        if (src[i] === '\\') { text += src[i] + src[i + 1]; i += 2; continue; }
        if (src[i] === '\n') line++;
        text += src[i++];
      }
      i++;
      push('str', text, at);
      continue;
    }
    if (c === "'") {
      // A char literal ('a', '\n', '\u{1F600}') or a lifetime ('static, 'a).
      if (src[i + 1] === '\\') {
        i += 2;
        while (i < n && src[i] !== "'") i++;
        i++;
        push('char', '', line);
        continue;
      }
      const cp = src.codePointAt(i + 1);
      const width = cp > 0xffff ? 2 : 1;
      if (src[i + 1 + width] === "'") {
        i += 2 + width;
        push('char', '', line);
        continue;
      }
      const m = /^'[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 64));
      i += m ? m[0].length : 1;
      push('lifetime', m?.[0] ?? "'", line);
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 128));
    if (id) {
      push('id', id[0], line);
      i += id[0].length;
      continue;
    }
    const num = /^[0-9][0-9A-Za-z_]*/.exec(src.slice(i, i + 64));
    if (num) {
      push('num', num[0], line);
      i += num[0].length;
      continue;
    }
    push('p', c, line);
    i++;
  }
  return toks;
}

// ---------------------------------------------------------------------------------------------
// Helpers over a file's tokens.

const OPEN = { '(': ')', '[': ']', '{': '}' };
const CLOSE = new Set([')', ']', '}']);
const is = (t, value) => t && t.type === 'p' && t.value === value;

/** The index of the bracket closing the one at `i`. */
function matching(toks, i) {
  let depth = 0;
  for (let j = i; j < toks.length; j++) {
    const t = toks[j];
    if (t.type !== 'p') continue;
    if (OPEN[t.value]) depth++;
    else if (CLOSE.has(t.value) && --depth === 0) return j;
  }
  return toks.length - 1;
}

/** The arguments of the call whose `(` is at `i`: token ranges, split at top-level commas. */
function callArgs(toks, i) {
  const close = matching(toks, i);
  const list = [];
  let start = i + 1;
  let depth = 0;
  for (let j = i + 1; j < close; j++) {
    const t = toks[j];
    if (t.type !== 'p') continue;
    if (OPEN[t.value]) depth++;
    else if (CLOSE.has(t.value)) depth--;
    else if (t.value === ',' && depth === 0) {
      list.push([start, j]);
      start = j + 1;
    }
  }
  if (start < close) list.push([start, close]);
  return { list, close };
}

/** A parameter list's names, from `a: T, mut b: U<X, Y>` (patterns other than a name: null). */
function paramNames(toks, from, to) {
  const names = [];
  let depth = 0;
  let current = [];
  for (let j = from; j < to; j++) {
    const t = toks[j];
    if (t.type === 'p' && (OPEN[t.value] || t.value === '<')) depth++;
    if (t.type === 'p' && (CLOSE.has(t.value) || (t.value === '>' && !is(toks[j - 1], '-')))) depth--;
    if (depth === 0 && is(t, ',')) {
      names.push(current);
      current = [];
    } else current.push(t);
  }
  if (current.length) names.push(current);
  return names.map((p) => {
    const words = p.filter((t) => !(t.type === 'id' && (t.value === 'mut' || t.value === 'ref')));
    return words[0]?.type === 'id' ? words[0].value : words[0] && is(words[0], '&') ? (words.find((t) => t.type === 'id')?.value ?? null) : null;
  });
}

/**
 * The functions and `let` closures of a file: name, parameter names, whether the first is
 * `self` (then a call is `.name(…)` and its arguments start at the second), where the body is,
 * and whether it is `pub`.
 */
function scopes(toks) {
  const found = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.type === 'id' && t.value === 'fn' && toks[i + 1]?.type === 'id') {
      let j = i + 2;
      if (is(toks[j], '<')) {
        let depth = 0;
        for (; j < toks.length; j++) {
          if (is(toks[j], '<')) depth++;
          if (is(toks[j], '>') && !is(toks[j - 1], '-') && --depth === 0) break;
        }
        j++;
      }
      if (!is(toks[j], '(')) continue;
      const close = matching(toks, j);
      let params = paramNames(toks, j + 1, close);
      const selfFirst = params[0] === 'self';
      if (selfFirst) params = params.slice(1);
      // The body: the first `{` at depth 0 after the signature; a `;` first means none.
      let k = close + 1;
      let depth = 0;
      for (; k < toks.length; k++) {
        const x = toks[k];
        if (is(x, '(') || is(x, '[')) depth++;
        if (is(x, ')') || is(x, ']')) depth--;
        if (depth === 0 && (is(x, '{') || is(x, ';'))) break;
      }
      if (!is(toks[k], '{')) continue;
      let back = i - 1;
      while (back >= 0 && toks[back].type === 'id' && ['async', 'const', 'unsafe', 'extern'].includes(toks[back].value)) back--;
      // pub(crate), pub(super)
      if (is(toks[back], ')') && is(toks[back - 2], '(')) back -= 3;
      const pub = toks[back]?.value === 'pub';
      found.push({ name: toks[i + 1].value, params, selfFirst, start: k, end: matching(toks, k), closure: false, pub });
    }
    // let NAME = [move] |params| body
    if (t.type === 'id' && t.value === 'let' && toks[i + 1]?.type === 'id') {
      let j = i + 1;
      if (toks[j].value === 'mut') j++;
      const name = toks[j]?.value;
      if (!is(toks[j + 1], '=')) continue;
      let k = j + 2;
      if (toks[k]?.value === 'move') k++;
      if (!is(toks[k], '|')) continue;
      let bar = k + 1;
      let depth = 0;
      for (; bar < toks.length; bar++) {
        if (is(toks[bar], '<') || is(toks[bar], '(')) depth++;
        if ((is(toks[bar], '>') && !is(toks[bar - 1], '-')) || is(toks[bar], ')')) depth--;
        if (depth <= 0 && is(toks[bar], '|')) break;
      }
      const params = paramNames(toks, k + 1, bar);
      let body = bar + 1;
      if (is(toks[body], '-')) while (body < toks.length && !is(toks[body], '{')) body++;
      let end;
      if (is(toks[body], '{')) end = matching(toks, body);
      else {
        // An expression closure: to the `;` ending the `let`.
        let d = 0;
        for (end = body; end < toks.length; end++) {
          const x = toks[end];
          if (x.type === 'p' && OPEN[x.value]) d++;
          if (x.type === 'p' && CLOSE.has(x.value)) d--;
          if (d <= 0 && is(x, ';')) break;
          if (d < 0) break;
        }
      }
      found.push({ name, params, selfFirst: false, start: body, end, closure: true, pub: false });
    }
  }
  return found;
}

/** The `.with("name", …)` parameter names chained after the `)` at `close`. */
function chainAfter(toks, close) {
  const names = [];
  let j = close + 1;
  while (is(toks[j], '?')) j++;
  while (is(toks[j], '.') && toks[j + 1]?.type === 'id' && is(toks[j + 2], '(')) {
    const method = toks[j + 1].value;
    const { list, close: end } = callArgs(toks, j + 2);
    if (method === 'with' && list[0] && toks[list[0][0]].type === 'str') names.push(toks[list[0][0]].value);
    else if (method !== 'with' && method !== 'with_key') break;
    j = end + 1;
  }
  return names;
}

/** The `.with("name", …)` parameter names chained before the `.` at `dot`. */
function chainBefore(toks, dot) {
  const names = [];
  let j = dot - 1;
  while (is(toks[j], ')')) {
    let depth = 0;
    let open = j;
    for (; open >= 0; open--) {
      if (toks[open].type === 'p' && CLOSE.has(toks[open].value)) depth++;
      if (toks[open].type === 'p' && OPEN[toks[open].value] && --depth === 0) break;
    }
    const method = toks[open - 1];
    if (method?.type !== 'id' || !is(toks[open - 2], '.')) break;
    if (method.value === 'with') {
      const first = toks[open + 1];
      if (first?.type === 'str') names.push(first.value);
    } else if (method.value !== 'with_key') break;
    j = open - 3;
  }
  return names;
}

/**
 * Where the expression holding the call at `callee` starts: back over a path (`AppError::`).
 * If it is the value of `let NAME =`, the parameters chained on NAME later in the block count.
 */
function boundParams(toks, callee, close) {
  let start = callee;
  while (is(toks[start - 1], ':') && is(toks[start - 2], ':') && toks[start - 3]?.type === 'id') start -= 3;
  if (!(is(toks[start - 1], '=') && toks[start - 2]?.type === 'id')) return [];
  const variable = toks[start - 2].value;
  const let_ = toks[start - 3]?.value === 'let' || (toks[start - 3]?.value === 'mut' && toks[start - 4]?.value === 'let');
  if (!let_) return [];
  // Later in the enclosing block: `variable.with(…)…` (also `variable` returned in a chain).
  const names = [];
  let depth = 0;
  for (let j = close + 1; j < toks.length; j++) {
    const t = toks[j];
    if (t.type === 'p' && OPEN[t.value]) depth++;
    if (t.type === 'p' && CLOSE.has(t.value) && --depth < 0) break;
    if (t.type === 'id' && t.value === variable && is(toks[j + 1], '.')) names.push(...chainAfter(toks, j));
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// The scan.

function rustFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'target' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...rustFiles(path));
    else if (name.endsWith('.rs')) out.push(path);
  }
  return out;
}

const files = roots.flatMap((root) => {
  try {
    return rustFiles(root);
  } catch {
    console.error(`check-error-keys: cannot read ${root}`);
    process.exit(2);
  }
}).map((path) => {
  const toks = tokenize(readFileSync(path, 'utf8'));
  return { path, rel: relative(repo, path), toks, scopes: scopes(toks) };
});

/**
 * What takes a key: name → the argument holding it, whether it is called as a method, the
 * parameters it adds, and (closures, private functions) the one file it is known in.
 */
const takers = [
  { name: 'keyed', index: 0 + 1, method: false, params: ['field'], file: null },
  { name: 'with_key', index: 0, method: true, params: [], file: null },
];
/** Every place a key is made: key, parameters, file:line. */
const sites = [];
const unresolved = [];
const KEY = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$/;

/** The key argument `[from, to)` at a site: a literal key, or a parameter handed through. */
function atSite(file, from, to, params, where) {
  const toks = file.toks;
  if (to - from === 1 && toks[from].type === 'str') {
    if (KEY.test(toks[from].value)) sites.push({ key: toks[from].value, params: [...new Set(params)], where });
    return;
  }
  if (to - from === 1 && toks[from].type === 'id') {
    const name = toks[from].value;
    // The innermost function or closure around the site taking it as a parameter.
    const around = file.scopes
      .filter((s) => s.start <= from && from <= s.end && s.params.includes(name))
      .sort((a, b) => (a.end - a.start) - (b.end - b.start))[0];
    if (around) {
      const taker = {
        name: around.name,
        index: around.params.indexOf(name),
        method: around.selfFirst,
        params: [...new Set(params)],
        file: around.closure || !around.pub ? file.path : null,
      };
      const known = takers.find((t) => t.name === taker.name && t.index === taker.index && t.file === taker.file && t.method === taker.method);
      if (!known) takers.push(taker);
      else known.params = [...new Set([...known.params, ...taker.params])];
      return;
    }
  }
  const text = toks.slice(from, to).map((t) => (t.type === 'str' ? JSON.stringify(t.value) : t.value)).join('');
  unresolved.push({ where, text });
}

function scanFile(file) {
  const toks = file.toks;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.type !== 'id') continue;
    const where = `${file.rel}:${t.line}`;
    // Calls of what takes a key.
    if (is(toks[i + 1], '(') && toks[i - 1]?.value !== 'fn') {
      const method = is(toks[i - 1], '.');
      for (const taker of takers) {
        if (taker.name !== t.value || taker.method !== method || (taker.file && taker.file !== file.path)) continue;
        const { list, close } = callArgs(toks, i + 1);
        const arg = list[taker.index];
        if (!arg) continue;
        const params = [...taker.params, ...chainAfter(toks, close), ...boundParams(toks, i, close)];
        if (method) params.push(...chainBefore(toks, i - 1));
        atSite(file, arg[0], arg[1], params, where);
      }
    }
    // Struct literals: FilterError { key: …, … } and AppError::BadInput { key: Some(…), … }.
    // (Not their declarations, nor patterns: `Self::BadInput { key, .. }`.)
    const literal = t.value === 'FilterError' ? toks[i - 1]?.value !== 'struct' : is(toks[i - 1], ':');
    if (['FilterError', 'BadInput', 'Unauthenticated'].includes(t.value) && is(toks[i + 1], '{') && literal) {
      const close = matching(toks, i + 1);
      const rest = toks.slice(i + 2, close).some((x, j, all) => is(x, '.') && is(all[j + 1], '.') && (is(all[j + 2], '}') || is(all[j + 2], ',') || j + 2 === all.length));
      if (rest) continue;
      let depth = 0;
      for (let j = i + 2; j < close; j++) {
        const x = toks[j];
        if (x.type === 'p' && OPEN[x.value]) depth++;
        if (x.type === 'p' && CLOSE.has(x.value)) depth--;
        if (depth !== 0 || x.type !== 'id' || x.value !== 'key' || is(toks[j - 1], '.')) continue;
        const params = chainAfter(toks, close);
        if (is(toks[j + 1], ',') || j + 1 === close) atSite(file, j, j + 1, params, where);
        else if (is(toks[j + 1], ':')) {
          let from = j + 2;
          let to = from;
          let d = 0;
          for (; to < close; to++) {
            if (toks[to].type === 'p' && OPEN[toks[to].value]) d++;
            if (toks[to].type === 'p' && CLOSE.has(toks[to].value)) d--;
            if (d === 0 && is(toks[to], ',')) break;
          }
          if (toks[from]?.value === 'Some' && is(toks[from + 1], '(')) { from += 2; to -= 1; }
          if (toks[from]?.value !== 'None') atSite(file, from, to, params, where);
        }
      }
    }
  }
}

// Until no new function or closure hands a key through.
for (let seen = -1; seen !== takers.length; ) {
  seen = takers.length;
  sites.length = 0;
  unresolved.length = 0;
  for (const file of files) scanFile(file);
}

// ---------------------------------------------------------------------------------------------
// The dictionaries.

function dictionary(file) {
  const text = readFileSync(join(consoleDir, 'src/lib/i18n', file), 'utf8');
  const entries = new Map();
  const entry = /^\s*(['"])error\.([^'"]+)\1\s*:\s*(['"`])((?:\\.|(?!\3)[^\\])*)\3\s*,?\s*(?:\/\/.*)?$/gm;
  for (const m of text.matchAll(entry)) entries.set(m[2], m[4]);
  return entries;
}
const dictionaries = { en: dictionary('en.ts'), 'zh-CN': dictionary('zh-CN.ts') };

const keys = new Map();
for (const site of sites) {
  const known = keys.get(site.key) ?? { key: site.key, sites: [] };
  known.sites.push(site);
  keys.set(site.key, known);
}
const sorted = [...keys.values()].sort((a, b) => a.key.localeCompare(b.key));
/** The parameters every call of a key gives (a translation may use only these). */
const given = (k) => k.sites.map((s) => new Set(s.params)).reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);

if (listing) {
  for (const k of sorted) {
    console.log(`${k.key} {${[...given(k)].join(', ')}}`);
    for (const s of k.sites) console.log(`    ${s.where}${s.params.length ? `  {${s.params.join(', ')}}` : ''}`);
  }
}
// A key the scan cannot read (a constant, a `match`): said, not failed; a key handed on from
// another error (`refused.key`) is read where that error is made.
for (const u of unresolved.filter((u) => !/\.key$/.test(u.text))) {
  console.warn(`check-error-keys: warning: ${u.where} names a key this check cannot read: ${u.text}`);
}

const problems = [];
const missing = [];
for (const k of sorted) {
  const params = given(k);
  const lacks = Object.entries(dictionaries).filter(([, d]) => !d.has(k.key)).map(([name]) => name);
  if (lacks.length) missing.push({ k, lacks, params });
  for (const [name, d] of Object.entries(dictionaries)) {
    if (!d.has(k.key)) continue;
    const extra = placeholders(d.get(k.key)).filter((p) => !params.has(p));
    if (extra.length) {
      problems.push(`error.${k.key} (${name}) uses {${extra.join('}, {')}}, which ${k.sites.map((s) => s.where).join(', ')} ${params.size ? `gives only {${[...params].join(', ')}}` : 'gives no parameters for'}`);
    }
  }
}

for (const { k, lacks, params } of missing) {
  problems.push(`error.${k.key} is not translated in ${lacks.join(' and ')} (made at ${k.sites.map((s) => s.where).join(', ')}; parameters: ${params.size ? [...params].join(', ') : 'none'})`);
}

if (problems.length) {
  console.error(`check-error-keys: ${problems.length} problem(s) with the error keys of ${roots.map((r) => relative(consoleDir, r)).join(' and ')}:`);
  for (const p of problems) console.error(`  - ${p}`);
  if (missing.length) {
    console.error('\nTo add to src/lib/i18n/en.ts and zh-CN.ts (the text yours):');
    for (const { k, params } of missing) console.error(`  'error.${k.key}': '',${params.size ? `  // {${[...params].join('} {')}}` : ''}`);
  }
  process.exit(1);
}
console.log(`check-error-keys: ${sorted.length} error keys in ${roots.map((r) => relative(consoleDir, r)).join(' and ')}, each translated in en and zh-CN.`);
