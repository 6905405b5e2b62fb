import { isMessagingError } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { classifyDbError, toStoreError } from './db-errors.js'

const driverError = (code: string, message = 'driver error') => Object.assign(new Error(message), { code })

describe('store-sql driver error mapping', () => {
  it('classifies SQLite and Postgres codes alike', () => {
    expect(classifyDbError(driverError('SQLITE_CONSTRAINT_UNIQUE'))).toBe('unique')
    expect(classifyDbError(driverError('SQLITE_CONSTRAINT_PRIMARYKEY'))).toBe('unique')
    expect(classifyDbError(driverError('23505'))).toBe('unique')
    expect(classifyDbError(driverError('SQLITE_CONSTRAINT_FOREIGNKEY'))).toBe('foreign_key')
    expect(classifyDbError(driverError('23503'))).toBe('foreign_key')
    expect(classifyDbError(driverError('40P01'))).toBe('retryable')
    expect(classifyDbError(driverError('55P03'))).toBe('retryable')
    expect(classifyDbError(driverError('SQLITE_BUSY'))).toBe('retryable')
    expect(classifyDbError(driverError('ECONNREFUSED'))).toBe('unavailable')
    expect(classifyDbError(driverError('57P01'))).toBe('unavailable')
    expect(classifyDbError(new Error('Connection terminated unexpectedly'))).toBe('unavailable')
    expect(classifyDbError(driverError('42601'))).toBe('other')
  })

  it('maps to core errors whose message names the store', () => {
    const conflict = toStoreError(driverError('23505'), 'store-postgres', { conflict: 'message m1 exists already' })
    expect(isMessagingError(conflict, 'CONFLICT')).toBe(true)
    expect((conflict as Error).message).toBe('[store-postgres] message m1 exists already')
    expect(isMessagingError(toStoreError(driverError('23503'), 'store-sqlite', { notFound: 'room r not found' }), 'NOT_FOUND')).toBe(true)
    expect(isMessagingError(toStoreError(driverError('ECONNRESET'), 'store-postgres'), 'STORE_UNAVAILABLE')).toBe(true)
    const other = driverError('42601')
    expect(toStoreError(other, 'store-postgres')).toBe(other)
  })
})
