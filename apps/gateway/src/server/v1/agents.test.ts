import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../../test/harness.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const CONFIG = `
rooms:
  - id: ops
    name: Ops
    agents:
      - id: echo
        name: Echo
        module: builtin:echo
        trigger: mention
        mentionHandles: [echo]
`

describe('/v1 agents and thread assignment', () => {
  let gw: TestGateway
  let threadId: string
  const send = async (path: string, init: Parameters<TestGateway['call']>[1] = {}) => {
    const res = await gw.call(path, init)
    return { status: res.status, body: (await res.json()) as Json }
  }
  const assignment = () => `/v1/rooms/ops/threads/${threadId}/assignment`

  beforeAll(async () => {
    gw = await startTestGateway(CONFIG)
    threadId = (await gw.messaging.saveThread({ roomId: 'ops' })).id
  })
  afterAll(async () => gw?.close())

  it('lists the agents registered in a room', async () => {
    const res = await send('/v1/rooms/ops/agents', { key: 'read' })
    expect(res).toMatchObject({ status: 200, body: { agents: [{ agentId: 'echo', roomId: 'ops', name: 'Echo', trigger: 'mention', mentionHandles: ['echo'], running: true, participantId: expect.any(String) }] } })
    const empty = (await gw.messaging.createRoom({ name: 'empty' })).id
    expect((await send(`/v1/rooms/${empty}/agents`, { key: 'read' })).body).toEqual({ agents: [] })
    expect(await send('/v1/rooms/room_nope/agents', { key: 'read' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
  })

  it('assigns a thread to an agent, reads the assignment, and clears it', async () => {
    expect(await send(assignment(), { key: 'read' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
    const put = await send(assignment(), { method: 'PUT', json: { agentId: 'echo' } })
    expect(put).toEqual({ status: 200, body: { roomId: 'ops', threadId, agentId: 'echo' } })
    expect((await gw.messaging.getThread(threadId))?.assignedAgentId).toBe('echo')
    expect((await send(assignment(), { key: 'read' })).body).toEqual({ roomId: 'ops', threadId, agentId: 'echo' })
    expect((await gw.messaging.readSignals({ roomId: 'ops', pattern: 'jido.messaging.thread.assigned' })).signals).toHaveLength(1)

    expect((await send(assignment(), { method: 'DELETE' })).body).toEqual({ deleted: true })
    expect((await gw.messaging.getThread(threadId))?.assignedAgentId).toBeUndefined()
    expect((await send(assignment(), { method: 'DELETE' })).body).toEqual({ deleted: false })
  })

  it('refuses unknown agents and threads, bad input and read keys, assigning nothing', async () => {
    expect((await send(assignment(), { method: 'PUT', json: { agentId: 'ghost' } })).body.error.code).toBe('NOT_FOUND')
    expect((await send('/v1/rooms/ops/threads/thread_nope/assignment', { method: 'PUT', json: { agentId: 'echo' } })).body.error.code).toBe('NOT_FOUND')
    expect((await send('/v1/rooms/ops/threads/thread_nope/assignment', { key: 'read' })).status).toBe(404)
    for (const json of [{}, { agentId: 3 }, { agentId: 'echo', force: true }]) {
      expect(await send(assignment(), { method: 'PUT', json }), JSON.stringify(json)).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', message: expect.any(String) } } })
    }
    expect((await send(assignment(), { key: 'read', method: 'PUT', json: { agentId: 'echo' } })).body.error.code).toBe('FORBIDDEN')
    expect((await send(assignment(), { key: 'none' })).status).toBe(401)
    expect((await gw.messaging.getThread(threadId))?.assignedAgentId).toBeUndefined()
  })
})
