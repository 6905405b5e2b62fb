import { describe, expect, it } from 'vitest'
import { journalChannel } from './journal-channel.js'

describe('journalChannel', () => {
  it('names one channel per schema', () => {
    expect(journalChannel('public')).toBe('jido_journal.public')
    expect(journalChannel('Tenant_A')).not.toBe(journalChannel('tenant_a'))
    expect(journalChannel(undefined)).toBe('jido_journal')
  })

  it('hashes a schema whose channel would pass 63 bytes, keeping long names apart', () => {
    const long = `s_${'x'.repeat(60)}`
    const other = `s_${'x'.repeat(59)}y`
    expect(Buffer.byteLength(journalChannel(long))).toBeLessThanOrEqual(63)
    expect(journalChannel(long)).toMatch(/^jido_journal#[0-9a-f]{40}$/)
    expect(journalChannel(long)).not.toBe(journalChannel(other))
    // Multi-byte characters count in bytes, as Postgres counts them.
    expect(Buffer.byteLength(journalChannel('é'.repeat(30)))).toBeLessThanOrEqual(63)
  })
})
