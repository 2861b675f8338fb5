// Every module that defines jobs (defineJob), imported once so the serving process knows all handlers.
// Add a line here when a module gains a job.
import '../auth/throttle-cleanup.js';
import '../modules/publication/jobs.js';
import '../modules/homepage/external-feed.js';
import '../modules/mailing/worker.js';
import '../modules/mailing/cleanup.js';
export {};
