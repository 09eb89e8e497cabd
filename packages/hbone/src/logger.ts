// The logging surface hbone needs; pino loggers satisfy it.

export interface HboneLogger {
  debug(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
}

export const silentLogger: HboneLogger = {
  debug: () => undefined,
  warn: () => undefined,
};
