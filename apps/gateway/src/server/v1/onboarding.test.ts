import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../../test/harness.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

describe('/v1/onboarding', () => {
  let gw: TestGateway
  const send = async (path: string, init: Parameters<TestGateway['call']>[1] = {}) => {
    const res = await gw.call(path, init)
    return { status: res.status, body: (await res.json()) as Json }
  }
  const act = (id: string, action: string, json?: unknown) => send(`/v1/onboarding/${id}/${action}`, { method: 'POST', json })

  beforeAll(async () => {
    gw = await startTestGateway()
  })
  afterAll(async () => gw?.close())

  it('starts (or resumes) a flow and walks it to completed, idempotently per key', async () => {
    const started = await send('/v1/onboarding', { method: 'POST', json: { onboardingId: 'ob-1', participantId: 'p1', channel: 'webhook' } })
    expect(started).toMatchObject({ status: 201, body: { id: 'ob-1', status: 'started', attrs: { participantId: 'p1', channel: 'webhook' }, allowedTransitions: ['resolve_directory', 'cancel'] } })
    expect((await send('/v1/onboarding', { method: 'POST', json: { onboardingId: 'ob-1', participantId: 'other' } })).body.attrs).toEqual({ participantId: 'p1', channel: 'webhook' })

    const resolved = await act('ob-1', 'advance', { transition: 'resolve_directory', metadata: { match: 'p1' }, idempotencyKey: 'k1' })
    expect(resolved.body).toMatchObject({ flow: { status: 'directory_resolved', directoryMatch: { match: 'p1' } }, transition: { previousStatus: 'started', status: 'directory_resolved', idempotent: false } })
    const repeated = await act('ob-1', 'advance', { transition: 'resolve_directory', idempotencyKey: 'k1' })
    expect(repeated.body.transition).toMatchObject({ status: 'directory_resolved', idempotent: true })
    expect((await gw.messaging.getOnboarding('ob-1'))?.transitions).toHaveLength(1)

    const invalid = await act('ob-1', 'complete')
    expect(invalid).toMatchObject({ status: 409, body: { error: { code: 'INVALID_TRANSITION', details: { from: 'directory_resolved', transition: 'complete', allowed: ['pair_identity', 'cancel'] } } } })
    expect((await act('ob-1', 'advance', { transition: 'pair_identity', metadata: { code: '123' } })).body.flow.status).toBe('paired')
    const completed = await act('ob-1', 'complete', { metadata: { by: 'api' } })
    expect(completed.body.flow).toMatchObject({ status: 'completed', completionMetadata: { by: 'api' }, allowedTransitions: [] })
    expect((await act('ob-1', 'cancel')).body.error.code).toBe('INVALID_TRANSITION')

    const read = await send('/v1/onboarding/ob-1', { key: 'read' })
    expect(read.body.transitions.map((t: Json) => t.transition)).toEqual(['resolve_directory', 'pair_identity', 'complete'])
    expect((await gw.messaging.readSignals({ pattern: 'jido.messaging.onboarding.transitioned' })).signals).toHaveLength(3)
  })

  it('cancels a flow and makes an id when none is given', async () => {
    const flow = (await send('/v1/onboarding', { method: 'POST', json: {} })).body
    expect(flow.id).toEqual(expect.any(String))
    expect((await act(flow.id, 'cancel', { metadata: { reason: 'user left' } })).body.flow).toMatchObject({ status: 'cancelled', completionMetadata: { reason: 'user left' } })
    expect((await gw.messaging.getOnboarding(flow.id))?.status).toBe('cancelled')
  })

  it('refuses unknown flows, bad input and read keys, changing nothing', async () => {
    await send('/v1/onboarding', { method: 'POST', json: { onboardingId: 'ob-2' } })
    expect(await send('/v1/onboarding/ob-nope', { key: 'read' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
    expect((await act('ob-nope', 'advance', { transition: 'resolve_directory' })).body.error.code).toBe('NOT_FOUND')
    for (const json of [{}, { transition: 'teleport' }, { transition: 'cancel', metadata: 'x' }, { transition: 'cancel', extra: 1 }]) {
      expect(await act('ob-2', 'advance', json), JSON.stringify(json)).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', message: expect.any(String) } } })
    }
    expect((await send('/v1/onboarding', { method: 'POST', json: { onboardingId: 5 } })).status).toBe(400)
    expect((await send('/v1/onboarding/ob-2/cancel', { key: 'read', method: 'POST' })).body.error.code).toBe('FORBIDDEN')
    expect((await send('/v1/onboarding', { key: 'read', method: 'POST', json: {} })).status).toBe(403)
    expect((await send('/v1/onboarding/ob-2', { key: 'none' })).status).toBe(401)
    expect(await gw.messaging.getOnboarding('ob-2')).toMatchObject({ status: 'started', transitions: [] })
  })
})
