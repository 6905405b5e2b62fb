// Response and shared request schemas of the REST API. Domain records are loose objects: a field added
// to the model later does not break responses, and the documented fields are checked.
import { z } from 'zod'

export const Id = z.string().min(1).max(255)
export const Limit = z.coerce.number().int().min(1).max(500).default(50)

export const RoomSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  name: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()),
  insertedAt: z.string(),
})

/** `{[key]: items, nextCursor}`: pass nextCursor back as `cursor` for the next page; null at the end. */
export function page<K extends string, S extends z.ZodType>(key: K, item: S) {
  return z.object({ [key]: z.array(item), nextCursor: z.string().nullable() } as { [P in K]: z.ZodArray<S> } & { nextCursor: z.ZodNullable<z.ZodString> })
}
