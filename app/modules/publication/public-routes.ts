import Router from '@koa/router';

/** Public site of the publication module: rubric pages, article pages, feeds and search. */
export const publicPublicationRouter = new Router();
