import Router from '@koa/router';

/** Media: serving stored files and variants (/medias), the media library (/publication/medias). */
export const mediaRouter = new Router();
