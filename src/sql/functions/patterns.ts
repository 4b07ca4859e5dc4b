/**
 * SQL LIKE / SIMILAR TO patterns and Java regular expressions translated to JS `RegExp`s.
 */

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/;

/**
 * LIKE pattern to an anchored regex: `%` any run, `_` one character, `escape` makes the next
 * character literal. Throws a `RangeError` on a dangling escape, as Flink does.
 */
export function likeToRegex(pattern: string, escape?: string): RegExp {
  if (escape !== undefined && escape.length !== 1) throw new RangeError(`Invalid escape character '${escape}' in LIKE: it must be one character`);
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== undefined && c === escape) {
      const n = pattern[i + 1];
      if (n === undefined || (n !== '%' && n !== '_' && n !== escape)) throw new RangeError(`Invalid escape sequence '${pattern}', ${i}`);
      re += REGEX_SPECIAL.test(n) ? '\\' + n : n;
      i++;
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += REGEX_SPECIAL.test(c) ? '\\' + c : c;
  }
  return new RegExp(re + '$');
}

/** SIMILAR TO pattern to an anchored regex: `%` and `_` as in LIKE, regex operators kept. */
export function similarToRegex(pattern: string, escape?: string): RegExp {
  let re = '^(?:';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== undefined && c === escape) {
      const n = pattern[i + 1] ?? '';
      re += '\\' + n;
      i++;
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else if (c === '.' || c === '^' || c === '$' || c === '\\' || c === '/') re += '\\' + c;
    else re += c;
  }
  return new RegExp(re + ')$');
}

const regexCache = new Map<string, RegExp>();

/**
 * A Java regex (as REGEXP_REPLACE, REGEXP_EXTRACT, REGEXP take) as a JS RegExp. The syntaxes agree
 * on everything common; Java-only constructs (possessive quantifiers, `\p{Alpha}` classes) are
 * mapped where easy and otherwise reported as a `SyntaxError`.
 */
export function javaRegex(pattern: string, flags = ''): RegExp {
  const key = flags + '\u0000' + pattern;
  let re = regexCache.get(key);
  if (!re) {
    let src = pattern
      .replace(/\\p\{Alpha\}/g, '[A-Za-z]').replace(/\\p\{Digit\}/g, '[0-9]').replace(/\\p\{Alnum\}/g, '[A-Za-z0-9]')
      .replace(/\\p\{Upper\}/g, '[A-Z]').replace(/\\p\{Lower\}/g, '[a-z]').replace(/\\p\{Punct\}/g, '[!-\\/:-@\\[-`{-~]')
      .replace(/\\p\{Space\}/g, '\\s');
    let f = flags;
    const inline = /^\(\?([imsx]+)\)/.exec(src);
    if (inline) {
      src = src.slice(inline[0].length);
      for (const c of inline[1]!) if (c !== 'x' && !f.includes(c)) f += c;
    }
    re = new RegExp(src, f.includes('u') ? f : f);
    if (regexCache.size < 512) regexCache.set(key, re);
  }
  return re;
}

/** Java's `Matcher.replaceAll` replacement syntax (`$1`, `\$`) as a JS replacement string. */
export function javaReplacement(rep: string): string {
  let out = '';
  for (let i = 0; i < rep.length; i++) {
    const c = rep[i]!;
    if (c === '\\' && i + 1 < rep.length) {
      const n = rep[++i]!;
      out += n === '$' ? '$$' : n;
    } else out += c;
  }
  return out;
}
