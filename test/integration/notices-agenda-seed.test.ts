import { describe, expect, it } from 'vitest';
import { seedNoticesAgenda } from '../../app/db/seed-notices-agenda.js';
import { now } from '../../app/lib/clock.js';
import { upcomingEvents } from '../../app/modules/agenda/service.js';
import { liveNotices } from '../../app/modules/notices/service.js';
import { buildClass, buildTenant, rowsOf } from '../fixtures/factories.js';

describe('demo notices and agenda', () => {
  it('seeds a live alert, warning and information, an expired notice and ten events, class councils for class members only', async () => {
    const school = await buildTenant();
    const a = await buildClass(school, '3A');
    await buildClass(school, '4A');
    await seedNoticesAgenda({ [school.slug]: ['3A', '4A'] });
    expect(await rowsOf(school, 'notices')).toHaveLength(4);
    expect((await liveNotices(school, now())).map((n) => n.level)).toEqual(['alert', 'warning']);
    const parent = { profile: 'guardian', classIds: [a.id] } as any;
    expect((await liveNotices(school, now(), parent)).map((n) => n.level)).toEqual(['alert', 'warning', 'info']);
    expect(await rowsOf(school, 'agenda_events')).toHaveLength(10);
    const publicTitles = (await upcomingEvents(school, now(), 20)).map((e) => e.title);
    expect(publicTitles).toContain('Journée portes ouvertes');
    expect(publicTitles).not.toContain('Conseil de classe 3A');
    expect((await upcomingEvents(school, now(), 20, parent)).map((e) => e.title)).toContain('Conseil de classe 3A');
  });
});
