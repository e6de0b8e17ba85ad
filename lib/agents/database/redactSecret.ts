/**
 * `message` with every occurrence of `secret` (as written and URL-encoded)
 * replaced by `***`. Drivers rarely echo a password, but a url in a
 * connection error would carry it.
 */
export function redactSecret(message: string, secret: string | undefined): string {
  if (secret === undefined || secret === '') return message;
  let redacted = message;
  for (const form of new Set([secret, encodeURIComponent(secret)])) redacted = redacted.split(form).join('***');
  return redacted;
}
