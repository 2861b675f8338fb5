import Router from '@koa/router';

/** The school's agenda: /agenda (month and list views), /agenda.ics, and its management. */
export const agendaRouter = new Router();
