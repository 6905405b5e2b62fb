import type { OutboxDelivery } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { outboxMethods } from './outbox.js'
import { createState } from './state.js'

// The outbox keeps an index of open (non-final) deliveries per conversation, so a claim looks at open
// conversations only. Checked on the index itself: timing would be flaky.
function delivery(i: number, status: OutboxDelivery['status'], conversation = `c${i}`): OutboxDelivery {
  const at = new Date(Date.UTC(2024, 0, 1) + i).toISOString()
  return {
    id: `dlv_${String(i).padStart(6, '0')}`, messageId: 'msg_1', roomId: 'room_1', bridgeId: 'b', channel: 'telegram',
    externalRoomId: conversation, text: 't', chunkIndex: 0, chunkCount: 1, conversationKey: conversation, status,
    attempts: 0, nextAttemptAt: at, insertedAt: at, updatedAt: at,
  }
}

describe('outbox index', () => {
  it('holds only open deliveries, one sorted queue per conversation, and drops a conversation once it is done', async () => {
    const state = createState()
    state.rooms.set('room_1', { id: 'room_1', type: 'group', externalBindings: {}, metadata: {}, insertedAt: '2024-01-01T00:00:00.000Z' })
    const outbox = outboxMethods(state)
    const history = Array.from({ length: 20_000 }, (_, i) => delivery(i, i % 3 === 0 ? 'failed' : 'sent'))
    await outbox.enqueueDeliveries([...history, delivery(30_001, 'pending', 'open'), delivery(30_000, 'pending', 'open')])
    expect(state.deliveries.size).toBe(20_002)
    expect([...state.openDeliveries.keys()]).toEqual(['open'])
    expect(state.openDeliveries.get('open')?.keys.map((k) => k.id)).toEqual(['dlv_030000', 'dlv_030001'])

    const now = '2030-01-01T00:00:00.000Z'
    const [first] = await outbox.claimDeliveries({ now, limit: 10, owner: 'w', leaseUntil: '2030-01-01T00:01:00.000Z' })
    expect(first?.id).toBe('dlv_030000')
    await outbox.saveDelivery({ ...first!, status: 'sent' })
    expect(state.openDeliveries.get('open')?.keys.map((k) => k.id)).toEqual(['dlv_030001'])
    const [second] = await outbox.claimDeliveries({ now, limit: 10, owner: 'w', leaseUntil: '2030-01-01T00:01:00.000Z' })
    await outbox.saveDelivery({ ...second!, status: 'dead_lettered' })
    expect(state.openDeliveries.size).toBe(0)
  })
})
