import { z } from 'zod'
import { newId, nowIso } from '../ids.js'
import { ParticipantInputSchema, type Participant, type ParticipantInput } from '../model.js'
import { parse, requireId } from '../validate.js'
import type { Context } from './context.js'

const ExternalUserSchema = z.strictObject({
  channel: z.string().min(1).max(255),
  externalUserId: z.string().min(1).max(255),
})

function makeParticipant(input: z.output<typeof ParticipantInputSchema>): Participant {
  return {
    id: input.id ?? newId('participant'),
    type: input.type,
    identity: input.identity,
    externalIds: input.externalIds,
    presence: input.presence,
    capabilities: input.capabilities,
    metadata: input.metadata,
    insertedAt: input.insertedAt ?? nowIso(),
  }
}

export function participantsApi(ctx: Context) {
  const { store } = ctx
  return {
    /** Creates a participant (low-level: no signal). CONFLICT when one of its external ids is taken. */
    async createParticipant(attrs: ParticipantInput = {}): Promise<Participant> {
      return store.createParticipant(makeParticipant(parse(ParticipantInputSchema, attrs, 'participant')))
    },

    getParticipant(id: string): Promise<Participant | null> {
      return store.getParticipant(requireId(id, 'id'))
    },

    /** The participant known on `channel` as `externalUserId`, created from `attrs` if none is. Race-safe. */
    async getOrCreateParticipantByExternalId(
      channel: string,
      externalUserId: string,
      attrs: ParticipantInput = {},
    ): Promise<Participant> {
      const key = parse(ExternalUserSchema, { channel, externalUserId }, 'external user')
      const input = parse(ParticipantInputSchema, attrs, 'participant')
      const candidate = makeParticipant({ ...input, externalIds: { ...input.externalIds, [key.channel]: key.externalUserId } })
      return (await store.getOrCreateParticipantByExternalId(key.channel, key.externalUserId, candidate)).participant
    },
  }
}
