import Router from '@koa/router';

/** Editors' back-office under /publication: rubrics, articles, revisions, workflow. */
export const editorRouter = new Router();
