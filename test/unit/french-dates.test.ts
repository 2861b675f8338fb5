(globalThis as any).__noDatabase = true;
import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime } from '../../app/http/render.js';

const paris = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('fr-FR', { ...options, timeZone: 'Europe/Paris' });
const longDate = paris({ dateStyle: 'long' });
const dateTime = paris({ dateStyle: 'medium', timeStyle: 'short' });

describe('French date filters (memoized per minute)', () => {
  it('give what Intl gives, in Paris time, across both daylight-saving changes and the seconds of a minute', () => {
    const instants = [
      '2026-03-29T00:59:59.999Z', // 01:59 in winter time, the minute before the change
      '2026-03-29T01:00:00Z', // 03:00 in summer time
      '2026-10-25T00:30:00Z', // 02:30, first time
      '2026-10-25T01:30:00Z', // 02:30, second time
      '2026-12-31T22:59:30Z', // 23:59 on New Year's Eve
      '2026-12-31T23:00:00Z', // midnight, 1 January
    ];
    for (const iso of instants) {
      expect(formatDateTime(new Date(iso))).toBe(dateTime.format(new Date(iso)));
      expect(formatDateTime(iso)).toBe(dateTime.format(new Date(iso)));
      expect(formatDate(new Date(iso))).toBe(longDate.format(new Date(iso)));
    }
    expect(formatDateTime('2026-11-23T08:15:59Z')).toBe(formatDateTime('2026-11-23T08:15:00Z'));
    expect(formatDateTime('2026-11-23T08:15:00Z')).toBe('23 nov. 2026, 09:15');
    expect(formatDate('2026-11-23T23:30:00Z')).toBe('24 novembre 2026');
  });

  it('answer empty for no date, refuse an invalid one as Intl does, and stay right past the size of the memo', () => {
    expect(formatDateTime(null)).toBe('');
    expect(() => formatDateTime('pas une date')).toThrow(RangeError);
    const start = Date.parse('2020-01-01T00:00:00Z');
    for (let i = 0; i < 25_000; i++) formatDateTime(new Date(start + i * 60_000));
    expect(formatDateTime(new Date(start))).toBe(dateTime.format(new Date(start)));
  });
});
