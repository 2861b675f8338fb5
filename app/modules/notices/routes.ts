import Router from '@koa/router';

/** Notices (annonces): managed at /publication/annonces, shown first on the homepage and on /espace. */
export const noticesRouter = new Router();
