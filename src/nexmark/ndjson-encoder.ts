import { formatTimestamp } from '../core/time.js';
import type { NexmarkEvent } from './model.js';

/** Strings up to this length are copied by a JS loop rather than a native call. */
const SHORT = 12;

const enc = (s: string): Uint8Array => Buffer.from(s, 'latin1');

const PERSON_HEAD = enc('{"event_type":0,"person":{"id":');
const AUCTION_HEAD = enc('{"event_type":1,"person":null,"auction":{"id":');
const BID_HEAD = enc('{"event_type":2,"person":null,"auction":null,"bid":{"auction":');
const P_NAME = enc(',"name":"');
const P_EMAIL = enc('","emailAddress":"');
const P_CARD = enc('","creditCard":"');
const P_CITY = enc('","city":"');
const P_STATE = enc('","state":"');
const DATE_TIME = enc('","dateTime":"');
const N_DATE_TIME = enc(',"dateTime":"');
const EXTRA = enc('","extra":"');
const PERSON_TAIL = enc('"},"auction":null,"bid":null,"dateTime":"');
const A_ITEM = enc(',"itemName":"');
const A_DESC = enc('","description":"');
const A_INITIAL = enc('","initialBid":');
const A_RESERVE = enc(',"reserve":');
const A_EXPIRES = enc('","expires":"');
const A_SELLER = enc('","seller":');
const A_CATEGORY = enc(',"category":');
const A_EXTRA = enc(',"extra":"');
const AUCTION_TAIL = enc('"},"bid":null,"dateTime":"');
const B_BIDDER = enc(',"bidder":');
const B_PRICE = enc(',"price":');
const B_CHANNEL = enc(',"channel":"');
const B_URL = enc('","url":"');
const BID_TAIL = enc('"},"dateTime":"');
const LINE_END = enc('"}\n');

/**
 * Encodes events of `NexmarkGenerator` as NDJSON straight into a byte buffer, byte-identical to
 * `toFlinkJson(event) + '\n'` but without building strings, which is most of the cost of writing a file.
 * It trusts that every string is ASCII and needs no JSON escaping, which holds for generated events only.
 */
export class NdjsonEventEncoder {
  /** Bytes written into `buffer` so far. */
  used = 0;
  private buf: Buffer;
  private second = Number.NaN;
  private readonly secondBytes = new Uint8Array(20);

  constructor(buffer: Buffer) {
    this.buf = buffer;
  }

  /** Starts over on `buffer` (e.g. the other half of a double buffer). */
  reset(buffer: Buffer): void {
    this.buf = buffer;
    this.used = 0;
  }

  /**
   * The most bytes `event` can take: fixed text, 23 per timestamp, 16 per number, and its strings.
   * Callers check it against the space left before `write`.
   */
  static maxBytes(event: NexmarkEvent): number {
    if (event.person !== null) {
      const p = event.person;
      return 400 + p.name.length + p.emailAddress.length + p.creditCard.length + p.city.length + p.state.length + p.extra.length;
    }
    if (event.auction !== null) return 500 + event.auction.itemName.length + event.auction.description.length + event.auction.extra.length;
    return 400 + event.bid.channel.length + event.bid.url.length + event.bid.extra.length;
  }

  /** Appends one event and its newline. */
  write(event: NexmarkEvent): void {
    if (event.bid !== null) {
      const b = event.bid;
      this.bytes(BID_HEAD);
      this.int(b.auction);
      this.bytes(B_BIDDER);
      this.int(b.bidder);
      this.bytes(B_PRICE);
      this.int(b.price);
      this.bytes(B_CHANNEL);
      this.ascii(b.channel);
      this.bytes(B_URL);
      this.ascii(b.url);
      this.bytes(DATE_TIME);
      this.timestamp(b.dateTime);
      this.bytes(EXTRA);
      this.ascii(b.extra);
      this.bytes(BID_TAIL);
    } else if (event.person !== null) {
      const p = event.person;
      this.bytes(PERSON_HEAD);
      this.int(p.id);
      this.bytes(P_NAME);
      this.ascii(p.name);
      this.bytes(P_EMAIL);
      this.ascii(p.emailAddress);
      this.bytes(P_CARD);
      this.ascii(p.creditCard);
      this.bytes(P_CITY);
      this.ascii(p.city);
      this.bytes(P_STATE);
      this.ascii(p.state);
      this.bytes(DATE_TIME);
      this.timestamp(p.dateTime);
      this.bytes(EXTRA);
      this.ascii(p.extra);
      this.bytes(PERSON_TAIL);
    } else {
      const a = event.auction!;
      this.bytes(AUCTION_HEAD);
      this.int(a.id);
      this.bytes(A_ITEM);
      this.ascii(a.itemName);
      this.bytes(A_DESC);
      this.ascii(a.description);
      this.bytes(A_INITIAL);
      this.int(a.initialBid);
      this.bytes(A_RESERVE);
      this.int(a.reserve);
      this.bytes(N_DATE_TIME);
      this.timestamp(a.dateTime);
      this.bytes(A_EXPIRES);
      this.ascii(formatTimestamp(a.expires));
      this.bytes(A_SELLER);
      this.int(a.seller);
      this.bytes(A_CATEGORY);
      this.int(a.category);
      this.bytes(A_EXTRA);
      this.ascii(a.extra);
      this.bytes(AUCTION_TAIL);
    }
    this.timestamp(event.dateTime);
    this.bytes(LINE_END);
  }

  // Native copies cost a call each but then run at memory speed; JS loops win only for a few bytes.
  private bytes(b: Uint8Array): void {
    this.buf.set(b, this.used);
    this.used += b.length;
  }

  private ascii(s: string): void {
    const buf = this.buf;
    if (s.length > SHORT) {
      this.used += buf.write(s, this.used, 'latin1');
      return;
    }
    let at = this.used;
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
    this.used = at;
  }

  private int(n: number): void {
    if (!(n >= 0 && n <= 0x7fffffff && (n | 0) === n)) {
      this.ascii(String(n));
      return;
    }
    const buf = this.buf;
    let digits = 1;
    for (let x = n; x >= 10; x = (x / 10) | 0) digits++;
    let at = this.used + digits;
    this.used = at;
    let x = n | 0;
    do {
      const q = (x / 10) | 0;
      buf[--at] = 48 + x - q * 10;
      x = q;
    } while (x > 0);
  }

  /** `yyyy-MM-dd HH:mm:ss.SSS`; the first 20 bytes are kept per second, as event times rise slowly. */
  private timestamp(ms: number): void {
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      const text = formatTimestamp(second * 1000);
      for (let i = 0; i < 20; i++) this.secondBytes[i] = text.charCodeAt(i);
    }
    this.bytes(this.secondBytes);
    const milli = ms - second * 1000;
    const buf = this.buf;
    buf[this.used++] = 48 + ((milli / 100) | 0);
    buf[this.used++] = 48 + (((milli / 10) | 0) % 10);
    buf[this.used++] = 48 + (milli % 10);
  }
}
