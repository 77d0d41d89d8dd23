// A cheap token estimate (about 3.5 characters a token for code and English), used to fit prompts into a context window.

export const CHARS_PER_TOKEN = 3.5;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}
