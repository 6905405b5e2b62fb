// Discord ids are snowflakes: milliseconds since the Discord epoch in the high bits. discord.js parses
// them with BigInt, so the fakes mint real ones (monotonic within a process).

const DISCORD_EPOCH = 1_420_070_400_000n
let last = 0n

/** A fresh snowflake, strictly greater than every one minted before in this process. */
export function snowflake(at = Date.now()): string {
  let next = (BigInt(at) - DISCORD_EPOCH) << 22n
  if (next <= last) next = last + 1n
  last = next
  return next.toString()
}

/** The token form Discord uses: the bot user id in base64, then two opaque parts. */
export function botToken(botUserId: string, secret = 'fake'): string {
  return `${Buffer.from(botUserId).toString('base64').replace(/=+$/, '')}.GfAkE0.${secret}-${botUserId.slice(-6)}`
}
