/**
 * Node's flags for the serving process, given by `npm start` (package.json) and by everything that starts the
 * real server the same way (the bench, the process tests).
 *
 * --max-old-space-size: the target is under 250 MB per process. The live heap of a busy server is about 40 to
 * 60 MB, but left to its defaults V8 lets the old generation grow to 150-200 MB of mostly garbage under load
 * (RSS 280-310 MB after the bench). With a 192 MB ceiling it collects earlier and the process stays well under
 * the target, with three times the live heap as headroom (the embedded database's memory is not in this heap).
 */
export const SERVER_NODE_FLAGS = ['--max-old-space-size=192'];
