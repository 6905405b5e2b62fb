// Slack's text format (https://api.slack.com/reference/surfaces/formatting): `&`, `<` and `>` are
// control characters, written `&amp;`, `&lt;`, `&gt;`; `<...>` is a control sequence (a mention, a
// channel, a special mention, a link). Outbound text is plain text from the canonical model, so every
// control character is escaped, except whole, well-formed control sequences, which pass through so
// agents can mention people (`<@U123>`) and link (`<https://x|label>`).

/** One well-formed control sequence: user, channel, special mention, user group, date, or link. */
const CONTROL_SEQUENCE = /<(?:[@#][UWCGB][A-Z0-9]+(?:\|[^<>\n]*)?|!(?:here|channel|everyone)(?:\|[^<>\n]*)?|!subteam\^[A-Z0-9]+(?:\|[^<>\n]*)?|!date\^\d+\^[^<>\n]+|(?:https?|mailto):[^<>|\s]+(?:\|[^<>\n]*)?)>/g

/** Plain text as Slack mrkdwn: control characters escaped, well-formed control sequences kept. */
export function toSlackText(text: string): string {
  let out = ''
  let last = 0
  for (const match of text.matchAll(CONTROL_SEQUENCE)) {
    out += escapeSlack(text.slice(last, match.index))
    out += match[0]
    last = match.index + match[0].length
  }
  return out + escapeSlack(text.slice(last))
}

/** Escapes Slack's three control characters. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Slack's text as plain text: the three entities decoded; control sequences (`<@U123>`) stay as written. */
export function fromSlackText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}

/**
 * How many characters Slack shows for `mrkdwn`: an entity is one, a link `<url|label>` its label, any
 * other control sequence its inside. `visibleLength(toSlackText(t)) <= t.length` always holds, so text
 * that core chunked to the limit before escaping stays within it after.
 */
export function visibleLength(mrkdwn: string): number {
  return mrkdwn
    .replace(/<([^<>|]*)\|([^<>]*)>/g, '$2')
    .replace(/<([^<>]*)>/g, '$1')
    .replace(/&(?:amp|lt|gt);/g, '_').length
}

// Common emoji by Slack name, so reactions read the same on every platform (Slack reacts by name only).
const EMOJI: ReadonlyArray<readonly [string, string, ...string[]]> = [
  ['👍', 'thumbsup', '+1'], ['👎', 'thumbsdown', '-1'], ['❤️', 'heart'], ['🎉', 'tada'], ['👀', 'eyes'],
  ['✅', 'white_check_mark'], ['🔥', 'fire'], ['🚀', 'rocket'], ['😂', 'joy'], ['😄', 'smile'], ['🙂', 'slightly_smiling_face'],
  ['😢', 'cry'], ['😮', 'open_mouth'], ['🙏', 'pray'], ['👏', 'clap'], ['💯', '100'], ['❌', 'x'], ['🤔', 'thinking_face'],
  ['👋', 'wave'], ['🙌', 'raised_hands'], ['👌', 'ok_hand'], ['⭐', 'star'], ['⚠️', 'warning'], ['✔️', 'heavy_check_mark'],
]
const NAME_BY_EMOJI = new Map<string, string>()
const EMOJI_BY_NAME = new Map<string, string>()
for (const [emoji, name, ...aliases] of EMOJI) {
  NAME_BY_EMOJI.set(emoji, name)
  NAME_BY_EMOJI.set(emoji.replace(/\uFE0F/g, ''), name)
  for (const n of [name, ...aliases]) EMOJI_BY_NAME.set(n, emoji)
}

/** A canonical reaction (`👍`, `:tada:`, `tada`) as the name Slack's reactions API takes (`thumbsup`, `tada`). */
export function toSlackReactionName(emoji: string): string {
  const trimmed = emoji.trim()
  const known = NAME_BY_EMOJI.get(trimmed) ?? NAME_BY_EMOJI.get(trimmed.replace(/\uFE0F/g, ''))
  if (known !== undefined) return known
  return trimmed.replace(/^:/, '').replace(/:$/, '')
}

/** A Slack reaction name as the canonical reaction: the emoji character where it is a common one, else `:name:`. */
export function fromSlackReactionName(name: string): string {
  return EMOJI_BY_NAME.get(name) ?? `:${name}:`
}
