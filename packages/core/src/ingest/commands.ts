/** A chat command found at the start of a message: `/deploy prod`, `!ping`, `/start@my_bot`. */
export interface ParsedCommand {
  prefix: '/' | '!'
  name: string
  args: string
  /** `@bot` suffix (Telegram `/cmd@bot`), when given. */
  target?: string
}

// Platform mentions a message may start with: Slack/Discord `<@U123>` / `<@!123>`, or a plain `@name`.
const LEADING_MENTION = /^\s*(?:<@!?[A-Za-z0-9_.-]+>|@[A-Za-z0-9_.-]+)[\s,:]*/
// Command names: 1-32 of a-z, 0-9, _ and -, starting with a letter (Telegram allows 1-32 of a-z0-9_).
const COMMAND = /^([/!])([A-Za-z][A-Za-z0-9_-]{0,31})(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)\s*([\s\S]*)$/

/** Strips one leading platform mention (of the bot, typically) before looking for a command. */
export function stripLeadingMention(text: string): string {
  return text.replace(LEADING_MENTION, '')
}

/** The command a message starts with (after an optional leading mention), or undefined. */
export function parseCommand(text: string): ParsedCommand | undefined {
  // Fast path: a command or a leading mention starts (after whitespace) with one of / ! < @.
  const first = text.trimStart().charCodeAt(0)
  if (first !== 47 && first !== 33 && first !== 60 && first !== 64) return undefined
  for (const candidate of [text.trimStart(), stripLeadingMention(text)]) {
    const m = COMMAND.exec(candidate)
    if (m) {
      const cmd: ParsedCommand = { prefix: m[1] as '/' | '!', name: m[2]!.toLowerCase(), args: (m[4] ?? '').trim() }
      if (m[3] !== undefined) cmd.target = m[3]
      return cmd
    }
  }
  return undefined
}

/** Handles mentioned in a text: `@name` and `<@ID>` forms, deduplicated, in order. */
export function findMentions(text: string): string[] {
  if (!text.includes('@')) return [] // every mention form has an @
  const found = new Set<string>()
  for (const m of text.matchAll(/<@!?([A-Za-z0-9_.-]+)>|(?<![\w@])@([A-Za-z0-9_][A-Za-z0-9_.-]*)/g)) {
    found.add((m[1] ?? m[2])!.replace(/\.$/, ''))
  }
  return [...found]
}
