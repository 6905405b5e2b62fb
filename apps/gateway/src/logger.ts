// Structured JSON logs (pino). Known secrets are replaced wherever they appear in a line, and the usual
// credential-bearing fields are censored by name.
import { pino, type Logger } from 'pino'
import { redactSecrets } from '@jido-messaging/core'

export interface LoggerOptions {
  level: string
  secrets: () => string[]
  /** Where lines go (default stdout). */
  destination?: { write(line: string): void }
}

export function createLogger(options: LoggerOptions): Logger {
  const out = options.destination ?? process.stdout
  return pino(
    {
      level: options.level,
      base: { service: 'jido-gateway' },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.credentials', '*.botToken', '*.signingSecret', '*.appToken', '*.secret', '*.key', 'credentials'],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    { write: (line: string) => out.write(redactSecrets(line, options.secrets())) },
  )
}
