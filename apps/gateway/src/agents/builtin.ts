// Agents the gateway ships, named in a config as `module: builtin:<name>`.
import type { AgentHandler, Message } from '@jido-messaging/core'

const textOf = (m: Message) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('').trim()

/** `echo`: answers every message with its text (`options.prefix`, default `echo: `). */
function echo(options: Record<string, unknown>): AgentHandler {
  const prefix = typeof options['prefix'] === 'string' ? options['prefix'] : 'echo: '
  return (message) => {
    const text = textOf(message)
    return text === '' ? undefined : `${prefix}${text}`
  }
}

export const builtinAgents: Record<string, (options: Record<string, unknown>) => AgentHandler> = { echo }
