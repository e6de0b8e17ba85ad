import addressparser from 'nodemailer/lib/addressparser';
import type { MailMessage } from '../../core/agents/MailAgent.js';

/** A message that passed {@link checkMailMessage}: what nodemailer is given, and its recipient count. */
export interface CheckedMailMessage {
  fields: { from: string; to?: string[]; cc?: string[]; bcc?: string[]; replyTo?: string; subject: string; text?: string; html?: string };
  /** Addresses across to, cc and bcc (the envelope's RCPT TO count). */
  recipients: number;
}

/**
 * C0 controls and DEL: CR/LF would write headers or SMTP commands; a NUL
 * ends the address for some parsers and not for others (nodemailer's
 * parser dropped it, turning `a@x\0rcpt to:<b@y>` into a mail for b@y).
 */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Checks a message before any connection is made: returns the reason it is
 * refused, or the fields to send.
 *
 * Refused: no sender (after the connection's default), a sender or address
 * field holding a control character (CR or LF would write its own headers:
 * header injection; NUL, tab and the other C0 controls and DEL too),
 * no recipient across to/cc/bcc, a blank subject, no text and no html body.
 * An address field may list several addresses (`a@x, B <b@y>`), as in a
 * header; each counts.
 */
export function checkMailMessage(message: MailMessage, defaultFrom: string | undefined): CheckedMailMessage | { refused: string } {
  const from = message.from ?? defaultFrom;
  if (from === undefined || from.trim() === '') return { refused: 'the message has no sender (from) and the connection no default' };
  const addressFields = [['from', from] as const, ['replyTo', message.replyTo] as const, ...(['to', 'cc', 'bcc'] as const).flatMap((field) => listOf(message[field]).map((value) => [field, value] as const))];
  for (const [field, value] of addressFields) {
    const control = typeof value === 'string' ? CONTROL_CHARACTER.exec(value) : null;
    if (control === null) continue;
    const char = control[0];
    if (char === '\r' || char === '\n') return { refused: `${field} holds a line break` };
    return { refused: `${field} holds a control character (U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})` };
  }
  const to = listOf(message.to);
  const cc = listOf(message.cc);
  const bcc = listOf(message.bcc);
  const recipients = [...to, ...cc, ...bcc].reduce((count, field) => count + countAddresses(field), 0);
  if (recipients === 0) return { refused: 'the message has no recipient (to, cc or bcc)' };
  if (typeof message.subject !== 'string' || message.subject.trim() === '') return { refused: 'the message has no subject' };
  if (!message.text && !message.html) return { refused: 'the message has no body (text or html)' };
  return {
    recipients,
    fields: {
      from,
      subject: message.subject,
      ...(to.length ? { to } : {}),
      ...(cc.length ? { cc } : {}),
      ...(bcc.length ? { bcc } : {}),
      ...(message.replyTo !== undefined ? { replyTo: message.replyTo } : {}),
      ...(message.text ? { text: message.text } : {}),
      ...(message.html ? { html: message.html } : {}),
    },
  };
}

function listOf(field: string | readonly string[] | undefined): string[] {
  if (field === undefined) return [];
  return (typeof field === 'string' ? [field] : [...field]).filter((value) => typeof value === 'string' && value.trim() !== '');
}

/** Mailboxes with an address in one field, counting group members (`team: a@x, b@y;`). */
function countAddresses(field: string): number {
  return addressparser(field, { flatten: true }).filter((mailbox) => mailbox.address.trim() !== '').length;
}
