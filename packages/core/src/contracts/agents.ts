import type { JournalWrite } from './journal.js'

/** When an agent's handler runs (SPEC 9): assigned threads, @-mentions of its handles, or every message. */
export type AgentTrigger = 'thread' | 'mention' | 'all'

/**
 * The persisted part of an agent registered in a room (its handler lives in the process that
 * registered it). `(roomId, agentId)` is unique; `participantId` is the agent's `agent` participant.
 */
export interface AgentRegistration {
  roomId: string
  agentId: string
  participantId: string
  name?: string
  trigger: AgentTrigger
  mentionHandles?: string[]
  respondToAgents?: boolean
  insertedAt: string
  updatedAt: string
}

/** Agent registrations. Same rules as MessagingStore (copies out, journal in the write's transaction). */
export interface AgentStore {
  /** Inserts or replaces the registration of `(roomId, agentId)`; NOT_FOUND if the room does not exist. */
  putAgentRegistration(registration: AgentRegistration, journal?: JournalWrite<AgentRegistration>): Promise<AgentRegistration>
  getAgentRegistration(roomId: string, agentId: string): Promise<AgentRegistration | null>
  /** A room's registrations ordered by agentId. */
  listAgentRegistrations(roomId: string): Promise<AgentRegistration[]>
  /** Resolves whether it existed. Deleting a room deletes its registrations. */
  deleteAgentRegistration(roomId: string, agentId: string, journal?: JournalWrite<boolean>): Promise<boolean>
}
