/** Device ids typed one a line or separated by commas or spaces; none = every device (null). */
export function deviceList(text: string): string[] | null {
  const ids = text
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter((id) => id !== '');
  return ids.length === 0 ? null : ids;
}
