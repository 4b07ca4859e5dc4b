import { civilFromDays, dayOf, daysFromCivil, daysInMonth, MS_PER_DAY, msOfDay } from './datetime.js';

/**
 * Java `SimpleDateFormat`/`DateTimeFormatter` patterns as Flink's DATE_FORMAT, TO_TIMESTAMP,
 * UNIX_TIMESTAMP and FROM_UNIXTIME take them. Supported letters: `y M d H h k K m s S a E D u`
 * plus `'quoted text'`; others are rejected when the pattern is compiled.
 */

type Token = { kind: 'lit'; text: string } | { kind: 'field'; ch: string; count: number };

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const SUPPORTED = 'yMdHhkKmsSaEDu';

function tokenize(pattern: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end === i + 1) {
        out.push({ kind: 'lit', text: "'" });
        i += 2;
        continue;
      }
      const stop = end < 0 ? pattern.length : end;
      out.push({ kind: 'lit', text: pattern.slice(i + 1, stop) });
      i = stop + 1;
    } else if (/[a-zA-Z]/.test(c)) {
      if (!SUPPORTED.includes(c)) throw new RangeError(`unsupported date pattern letter '${c}' in '${pattern}'`);
      let n = 1;
      while (pattern[i + n] === c) n++;
      out.push({ kind: 'field', ch: c, count: n });
      i += n;
    } else {
      out.push({ kind: 'lit', text: c });
      i++;
    }
  }
  return out;
}

function pad(n: number, w: number): string {
  const s = String(n);
  return s.length >= w ? s : '0'.repeat(w - s.length) + s;
}

/**
 * Compiles a pattern into a formatter of wall-clock epoch ms (a TIMESTAMP value).
 *
 * @example
 * compileFormatter('yyyy-MM-dd HH:mm')(0) // '1970-01-01 00:00'
 */
export function compileFormatter(pattern: string): (localMs: number) => string {
  const tokens = tokenize(pattern);
  return (ms) => {
    const days = dayOf(ms);
    const { y, m, d } = civilFromDays(days);
    const tod = msOfDay(ms);
    const H = Math.floor(tod / 3_600_000);
    let out = '';
    for (const t of tokens) {
      if (t.kind === 'lit') {
        out += t.text;
        continue;
      }
      const n = t.count;
      switch (t.ch) {
        case 'y': out += n === 2 ? pad(y % 100, 2) : pad(y, n); break;
        case 'M': out += n >= 4 ? MONTHS[m - 1] : n === 3 ? MONTHS[m - 1]!.slice(0, 3) : pad(m, n); break;
        case 'd': out += pad(d, n); break;
        case 'H': out += pad(H, n); break;
        case 'k': out += pad(H === 0 ? 24 : H, n); break;
        case 'K': out += pad(H % 12, n); break;
        case 'h': out += pad(H % 12 === 0 ? 12 : H % 12, n); break;
        case 'm': out += pad(Math.floor(tod / 60_000) % 60, n); break;
        case 's': out += pad(Math.floor(tod / 1000) % 60, n); break;
        case 'S': out += (pad(tod % 1000, 3) + '000000').slice(0, n); break;
        case 'a': out += H < 12 ? 'AM' : 'PM'; break;
        case 'E': {
          const dow = (((days + 3) % 7) + 7) % 7;
          out += n >= 4 ? DAYS[dow] : DAYS[dow]!.slice(0, 3);
          break;
        }
        case 'u': out += String((((days + 3) % 7) + 7) % 7 + 1); break;
        case 'D': out += pad(days - daysFromCivil(y, 1, 1) + 1, n); break;
        default: break;
      }
    }
    return out;
  };
}

/**
 * Compiles a pattern into a parser returning wall-clock epoch ms, or `undefined` when the text does
 * not match (Flink then returns NULL). Missing fields default to 1970-01-01 00:00:00.000.
 */
export function compileParser(pattern: string): (text: string) => number | undefined {
  const tokens = tokenize(pattern);
  let re = '^';
  const fields: { ch: string; count: number }[] = [];
  tokens.forEach((t, i) => {
    if (t.kind === 'lit') {
      re += t.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return;
    }
    fields.push(t);
    const next = tokens[i + 1];
    // Adjacent numeric fields (yyyyMMdd) need fixed widths to be told apart.
    const fixed = next !== undefined && next.kind === 'field';
    switch (t.ch) {
      case 'M':
        re += t.count >= 3 ? '([A-Za-z]+)' : fixed || t.count === 2 ? `(\\d{${t.count}})` : '(\\d{1,2})';
        break;
      case 'a': re += '([AaPp][Mm])'; break;
      case 'E': re += '([A-Za-z]+)'; break;
      case 'y': re += fixed || t.count === 2 ? `(\\d{${t.count}})` : '(-?\\d{1,9})'; break;
      case 'S': re += fixed ? `(\\d{${t.count}})` : '(\\d{1,9})'; break;
      default: re += fixed ? `(\\d{${t.count}})` : '(\\d{1,9})';
    }
  });
  const regex = new RegExp(re + '$');
  return (text) => {
    const m = regex.exec(text.trim());
    if (!m) return undefined;
    let y = 1970, mo = 1, d = 1, h = 0, mi = 0, s = 0, ms = 0, pm: boolean | undefined, h12 = false;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const v = m[i + 1]!;
      switch (f.ch) {
        case 'y': y = f.count === 2 ? 2000 + Number(v) : Number(v); break;
        case 'M': {
          if (f.count >= 3) {
            const idx = MONTHS.findIndex((n) => n.toLowerCase().startsWith(v.toLowerCase()) && v.length >= 3);
            if (idx < 0) return undefined;
            mo = idx + 1;
          } else mo = Number(v);
          break;
        }
        case 'd': d = Number(v); break;
        case 'H': case 'k': h = Number(v) % 24; break;
        case 'h': case 'K': h = Number(v) % 12; h12 = true; break;
        case 'm': mi = Number(v); break;
        case 's': s = Number(v); break;
        case 'S': ms = Number((v + '00').slice(0, 3)); break;
        case 'a': pm = v.toUpperCase() === 'PM'; break;
        default: break;
      }
    }
    if (h12 && pm) h += 12;
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
    return daysFromCivil(y, mo, d) * MS_PER_DAY + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
  };
}

const formatterCache = new Map<string, (ms: number) => string>();
const parserCache = new Map<string, (text: string) => number | undefined>();

/** `compileFormatter` with a cache, for patterns only known per row. */
export function formatterFor(pattern: string): (localMs: number) => string {
  let f = formatterCache.get(pattern);
  if (!f) {
    f = compileFormatter(pattern);
    if (formatterCache.size < 256) formatterCache.set(pattern, f);
  }
  return f;
}

/** `compileParser` with a cache, for patterns only known per row. */
export function parserFor(pattern: string): (text: string) => number | undefined {
  let f = parserCache.get(pattern);
  if (!f) {
    f = compileParser(pattern);
    if (parserCache.size < 256) parserCache.set(pattern, f);
  }
  return f;
}
