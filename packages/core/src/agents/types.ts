import type { AgentTrigger } from '../contracts/agents.js'
import type { Signal } from '../contracts/signal-bus.js'
import type { ContentBlock, Message, Participant, Room, Thread } from '../model.js'

export type AgentConcurrency = 'queue' | 'debounce' | 'drop' | 'concurrent'

/** What an agent's handler may return: a reply (text or blocks), a stream of text, or nothing. */
export type AgentReply = string | ContentBlock[] | AsyncIterable<string> | null | undefined

/** What a handler is given besides the message that triggered it. */
export interface AgentContext {
  agent: { id: string; participantId: string; name?: string }
  room: Room
  /** The thread the message is in (or the one opened for it), if any. */
  thread: Thread | null
  /** The sender of the message (null when it is not a stored participant). */
  sender: Participant | null
  /** The last messages of the conversation (the thread, or the room's top level), ascending, ending with this one. */
  messages: Message[]
  /** With `debounce`: the messages of the quiet period that were not handled on their own, oldest first. */
  skipped: Message[]
  /** Aborted when the handler times out or the runner stops. */
  signal: AbortSignal
  /**
   * Posts a reply from the agent in the message's thread (delivered to the room's platforms by its
   * routing policy). An async iterable of strings is streamed like a returned one, then stored.
   */
  reply(content: string | ContentBlock[] | AsyncIterable<string>): Promise<Message>
  /** The `room.message_added` signal that triggered the handler. */
  trigger: Signal
}

export type AgentHandler = (message: Message, ctx: AgentContext) => AgentReply | Promise<AgentReply>

/** SPEC 9's agent spec. */
export interface AgentSpec {
  id: string
  name?: string
  /** Handles matched as `@handle` in the text or the platform's mention entities (case-insensitive). */
  mentionHandles?: string[]
  trigger: AgentTrigger
  handler: AgentHandler
  /** Default `queue`: one message at a time per thread, in order. */
  concurrency?: AgentConcurrency
  /** With `debounce`: the quiet period (default 1000 ms). */
  debounceMs?: number
  /** Aborts `ctx.signal` and reports `agent.failed` after this long (default 60,000 ms). */
  timeoutMs?: number
  /** Whether other agents' messages trigger it (default false). */
  respondToAgents?: boolean
  /** Backlog older than `maxAgeMs` (default 10 minutes) is skipped when the runner catches up. */
  catchUp?: { maxAgeMs?: number }
  /** Messages of the conversation given to the handler in `ctx.messages` (default 20). */
  historyLimit?: number
  /** Typing and streamed replies on the room's platforms. */
  streaming?: {
    /** Show typing while the handler runs, where the adapter can (default true). */
    typing?: boolean
    /** Least time between two edits of a streamed reply's platform message (default 1000 ms; never faster than the bridge's per-conversation rate). */
    editIntervalMs?: number
    /** How often typing is renewed (default 4000 ms). */
    typingIntervalMs?: number
  }
}

export interface AgentInfo {
  agentId: string
  roomId: string
  participantId: string
  name?: string
  trigger: AgentTrigger
  mentionHandles?: string[]
  respondToAgents?: boolean
  /** Whether this instance runs the agent's handler now. */
  running: boolean
  /**
   * With leases: who holds the agent's lease (`agent:<roomId>:<agentId>`) and so runs it, this process or
   * another (null: none does right now). Absent when leases are off.
   */
  leaseHolder?: string | null
}
