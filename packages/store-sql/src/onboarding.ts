import { ConflictError, type OnboardingFlow, type OnboardingStatus, type OnboardingStore } from '@jido-messaging/core'
import type { Kysely } from 'kysely'
import { fromJson, toJson } from './codec.js'
import type { SqlContext } from './context.js'
import { mapErrors } from './db-errors.js'
import { fastPathAnswers } from './journal.js'
import type { Database, OnboardingFlowsTable } from './schema.js'

// Onboarding flows (migration 0006_onboarding): a row per flow, its metadata, transition log and
// idempotency results as JSON columns. An update reads the row (FOR UPDATE on Postgres; SQLite's write
// transaction holds the file's write lock) and rewrites it in the same transaction, so concurrent
// updates, also from other processes, apply one after another and each sees the one before.

function rowOf(flow: OnboardingFlow): OnboardingFlowsTable {
  return {
    id: flow.id,
    status: flow.status,
    attrs: toJson(flow.attrs),
    directory_match: flow.directoryMatch === undefined ? null : toJson(flow.directoryMatch),
    pairing: flow.pairing === undefined ? null : toJson(flow.pairing),
    completion_metadata: flow.completionMetadata === undefined ? null : toJson(flow.completionMetadata),
    transitions: toJson(flow.transitions),
    idempotency: toJson(flow.idempotency),
    inserted_at: flow.insertedAt,
    updated_at: flow.updatedAt,
  }
}

/** Decodes a row into a fresh record (optional fields absent when NULL). */
function flowOf(row: OnboardingFlowsTable): OnboardingFlow {
  const flow: OnboardingFlow = {
    id: row.id,
    status: row.status as OnboardingStatus,
    attrs: fromJson(row.attrs),
    transitions: fromJson(row.transitions),
    idempotency: fromJson(row.idempotency),
    insertedAt: row.inserted_at,
    updatedAt: row.updated_at,
  }
  if (row.directory_match !== null) flow.directoryMatch = fromJson(row.directory_match)
  if (row.pairing !== null) flow.pairing = fromJson(row.pairing)
  if (row.completion_metadata !== null) flow.completionMetadata = fromJson(row.completion_metadata)
  return flow
}

export function onboardingOps(ctx: SqlContext): OnboardingStore {
  const lock = ctx.kind === 'postgres'
  const findRow = (db: Kysely<Database>, id: string, forUpdate = false): Promise<OnboardingFlowsTable | undefined> =>
    db.selectFrom('onboarding_flows').selectAll().where('id', '=', id).$if(forUpdate, (qb) => qb.forUpdate()).executeTakeFirst()

  return {
    getOrCreateOnboardingFlow: async (candidate, journal) => {
      // Fast path outside the write queue: a committed flow is the answer (unless it has signals to journal).
      const committed = await findRow(ctx.db, candidate.id)
      if (committed !== undefined) {
        const found = { flow: flowOf(committed), created: false }
        if (await fastPathAnswers(journal, found)) return found
      }
      return mapErrors(ctx.name, { conflict: `onboarding flow ${candidate.id} exists already` }, () =>
        ctx.write(async (tx) => {
          const row = rowOf(candidate)
          // ON CONFLICT DO NOTHING: a concurrent creator (another connection or process) that committed
          // first wins; Postgres waits for its commit, SQLite's write lock orders the two.
          const inserted = await tx.insertInto('onboarding_flows').values(row)
            .onConflict((oc) => oc.column('id').doNothing())
            .returning('id').executeTakeFirst()
          if (inserted !== undefined) return { flow: flowOf(row), created: true }
          const winner = await findRow(tx, candidate.id)
          if (winner === undefined) throw new ConflictError(`[${ctx.name}] onboarding flow ${candidate.id} is contended`)
          return { flow: flowOf(winner), created: false }
        }, undefined, journal))
    },

    getOnboardingFlow: async (id) => {
      const row = await findRow(ctx.db, id)
      return row === undefined ? null : flowOf(row)
    },

    updateOnboardingFlow: (id, updater, journal) =>
      ctx.write(async (tx) => {
        const current = await findRow(tx, id, lock)
        if (current === undefined) return null
        const next = updater(flowOf(current))
        if (next === undefined) return { record: flowOf(current), changed: false }
        // The id is the record's identity; an updater cannot move the flow.
        const { id: _id, ...fields } = rowOf({ ...next, id })
        await tx.updateTable('onboarding_flows').set(fields).where('id', '=', id).execute()
        return { record: flowOf({ id, ...fields }), changed: true }
      }, undefined, journal),
  }
}
