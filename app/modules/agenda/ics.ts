import { TZDate } from '@date-fns/tz';
import ical, { ICalCalendarMethod } from 'ical-generator';
import type { AgendaEvent } from './service.js';
import { TIME_ZONE } from '../../lib/paris-time.js';

/** Europe/Paris since 1996 (EU rules): what calendar applications need to read TZID=Europe/Paris. */
const PARIS_VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Paris',
  'X-LIC-LOCATION:Europe/Paris',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
].join('\r\n');

/**
 * The iCalendar feed of a school's public events: UID (`<uuid>@<school slug>.preau`: stable whichever hostname the feed is read from), DTSTAMP in UTC, DTSTART/DTEND
 * with TZID=Europe/Paris (wall-clock times computed by @date-fns/tz's TZDate) and its VTIMEZONE, all-day
 * events as DATE values. The time zone is set on each event, not on the calendar: ical-generator would
 * otherwise write DTSTAMP as a local time, which RFC 5545 forbids; so the VTIMEZONE is added here.
 */
export function agendaIcs(opts: { schoolName: string; schoolSlug: string; url: string; events: AgendaEvent[]; stamp: Date }): string {
  const cal = ical({
    name: `Agenda — ${opts.schoolName}`,
    prodId: { company: 'Préau', product: 'agenda', language: 'FR' },
    method: ICalCalendarMethod.PUBLISH,
    url: opts.url,
    ttl: 3600,
  });
  cal.x([{ key: 'X-WR-TIMEZONE', value: TIME_ZONE }]);
  for (const e of opts.events) {
    cal.createEvent({
      id: `${e.id}@${opts.schoolSlug}.preau`,
      stamp: opts.stamp,
      start: new TZDate(e.starts_at, TIME_ZONE),
      end: e.ends_at ? new TZDate(e.ends_at, TIME_ZONE) : undefined,
      allDay: e.all_day,
      summary: e.title,
      location: e.place || undefined,
      description: e.description || undefined,
      timezone: TIME_ZONE,
    });
  }
  const text = cal.toString();
  const at = text.indexOf('BEGIN:VEVENT') >= 0 ? text.indexOf('BEGIN:VEVENT') : text.indexOf('END:VCALENDAR');
  return `${text.slice(0, at)}${PARIS_VTIMEZONE}\r\n${text.slice(at)}`;
}
