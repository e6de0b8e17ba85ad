/** The mail agent a logic gets from `ctx.mail(name)` (LOC's MailAgent), over SMTP. */
export interface MailAgent {
  /**
   * Sends one message. An empty sender, no recipient (to/cc/bcc together),
   * an empty subject, or no body (text or html) is an {@link AgentRefusedError}
   * before any connection is made.
   *
   * @returns the server's message id and the recipients it accepted/rejected
   */
  send(message: MailMessage): Promise<{ messageId: string; accepted: string[]; rejected: string[] }>;
}

export interface MailMessage {
  /** Defaults to the connection's `from` when it has one. */
  from?: string;
  to?: string | readonly string[];
  cc?: string | readonly string[];
  bcc?: string | readonly string[];
  replyTo?: string;
  subject: string;
  text?: string;
  html?: string;
}
