// Last-resort handlers for the process: a promise rejection nobody handles, or an exception thrown outside any
// request's error handling, is logged (error type and stack frames only: never its message, which may carry
// patient data) and the service keeps serving. Without them Node 20 exits on either, and every call in flight with
// it. They are a net, not the design: every known path handles its own errors (a hook call ends in
// {"cards": []}); a line from here is a bug to fix. Installed once by src/server.ts.
import { errorFields, type Logger } from './log.js';

export function installProcessGuards(proc: NodeJS.EventEmitter, logger: Logger): void {
  proc.on('unhandledRejection', (reason: unknown) => {
    logger.error('unhandled promise rejection; still serving', { component: 'process', ...errorFields(reason) });
  });
  proc.on('uncaughtException', (error: unknown) => {
    logger.error('uncaught exception; still serving', { component: 'process', ...errorFields(error) });
  });
}
