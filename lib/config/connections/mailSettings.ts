import * as z from 'zod';
import { secretable } from './secretRef.js';

/** What a mail address, a sender or the url may never hold: a line break would let a value write its own headers or SMTP commands. */
const NO_LINE_BREAK = /^[^\r\n]*$/;
/** A sender holds no C0 control character nor DEL (a NUL splits an address differently for each parser). */
const NO_CONTROL_CHARACTER = /^[^\u0000-\u001f\u007f]*$/;

/**
 * `smtp://` (STARTTLS when the server offers it, port 587 by default) or
 * `smtps://` (TLS from the first byte, port 465 by default), with an optional
 * `user[:password]@` (percent-encoded). No path, query or fragment: every
 * other option is a setting of its own.
 */
const smtpUrlSchema = z
  .string()
  .regex(NO_LINE_BREAK, 'must be on one line')
  .refine((value) => {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    return url !== undefined && (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '' && (url.pathname === '' || url.pathname === '/') && url.search === '' && url.hash === '';
  }, 'must be smtp://[user[:password]@]host[:port] or smtps://...');

/**
 * An SMTP connection (`type: smtp`): the settings of `ctx.mail(name)`.
 *
 * ```yaml
 * custom:
 *   sluice:
 *     connections:
 *       alerts:
 *         type: smtp
 *         url: smtps://reports%40example.com@smtp.example.com
 *         password: { ssm: /sluice/prod/smtp-password }
 *         from: Sluice reports <reports@example.com>
 * ```
 *
 * - `password` (a secret reference, see `secretable`) replaces the url's;
 *   write the password there, not in the url. It needs a user in the url.
 * - `from`: the sender of a message that names none.
 * - `timeoutSeconds`: for connecting, the greeting and each reply. @default 30
 * - `allowPrivateNetwork`: the server may be on a loopback, private or
 *   link-local address (a relay inside the VPC, a test server). Without it
 *   such an address is refused at connect time, whatever name resolved to it.
 *   @default false
 */
export const smtpSettingsSchema = z
  .strictObject({
    type: z.literal('smtp'),
    url: smtpUrlSchema,
    password: secretable(z.string().min(1)).optional(),
    from: z.string().min(1).regex(NO_LINE_BREAK, 'must be on one line').regex(NO_CONTROL_CHARACTER, 'must not hold a control character').optional(),
    timeoutSeconds: z.number().positive().max(900).optional(),
    allowPrivateNetwork: z.boolean().optional(),
  })
  .refine((settings) => settings.password === undefined || !URL.canParse(settings.url) || new URL(settings.url).username !== '', {
    message: 'password needs a user in the url (smtp://user@host)',
    path: ['password'],
  });

export type MailSettings = z.output<typeof smtpSettingsSchema>;

/** The mail connection kinds by `type`. */
export const mailConnectionSchemas = { smtp: smtpSettingsSchema };
