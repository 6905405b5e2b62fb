// The gateway on a Postgres store: config applied once, messages posted over REST, a restart changes nothing.
import { afterAll, expect, it } from 'vitest'
import { startTestGateway } from './test/harness.js'
import { describeWithPostgres, dropSchema, PG_URL, uniqueSchema } from './test/pg.js'

const schema = uniqueSchema('store')
const config = `
store: { kind: postgres, connectionString: env:GW_PG_URL, schema: ${schema}, poolSize: 4 }
rooms:
  - { id: pg-room, name: On Postgres, agents: [{ id: echo, module: "builtin:echo" }] }
`
const env = { GW_PG_URL: PG_URL }

await describeWithPostgres('gateway on Postgres', () => {
  afterAll(async () => dropSchema(schema))

  it('serves the REST API from Postgres and restarts without rewriting the config', async () => {
    const first = await startTestGateway(config, { env })
    try {
      expect(first.applied.roomsWritten).toEqual(['pg-room'])
      const posted = await first.call('/v1/rooms/pg-room/messages', { method: 'POST', json: { text: 'hello postgres' } })
      expect(posted.status).toBe(201)
      const deadline = Date.now() + 30_000
      let texts: string[] = []
      while (Date.now() < deadline && !texts.includes('echo: hello postgres')) {
        const { messages } = await first.messaging.listMessages('pg-room', { limit: 10 })
        texts = messages.map((m) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join(''))
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(texts).toEqual(['hello postgres', 'echo: hello postgres'])
    } finally {
      await first.close()
    }
    const second = await startTestGateway(config, { env })
    try {
      expect(second.applied).toMatchObject({ roomsWritten: [], bridgesWritten: [] })
      const res = await second.call('/v1/rooms/pg-room/messages', { key: 'read' })
      expect(res.status).toBe(200)
      expect(((await res.json()) as { messages: unknown[] }).messages).toHaveLength(2)
    } finally {
      await second.close()
    }
  })
})
