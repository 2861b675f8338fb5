import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { config } from '../../config.js';
import { newId } from '../../lib/ids.js';
import type { OutboxRow } from './outbox.js';

/**
 * How the outbox worker hands a mail over: nodemailer over SMTP when SMTP_URL is set, otherwise one `.eml`
 * file per mail under DATA_DIR/mail/<school>/ (nodemailer's stream transport with a buffer, written to a
 * temporary file then renamed, so a reader never sees half a file).
 *
 * The Message-ID is derived from the outbox row id: a mail sent again after a crash (see worker.ts) carries
 * the same Message-ID, so the receiving side can recognise the duplicate.
 */
export interface MailSender {
  /** The school the mail is sent for (its name signs the From, its slug names the sender address). */
  name: string;
  slug: string;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'eml';
  /** Resolves once the mail is accepted (SMTP 250 / file renamed in place); rejects otherwise. */
  send(row: OutboxRow, sender: MailSender): Promise<void>;
  close(): void;
}

export function messageIdOf(rowId: string, domain = config().publicBaseDomain): string {
  return `<${rowId}@outbox.${domain}>`;
}

function messageOf(row: OutboxRow, sender: MailSender, domain: string) {
  return {
    from: { name: sender.name, address: `ne-pas-repondre@${sender.slug}.${domain}` },
    to: row.to_address,
    subject: row.subject,
    text: row.text_body,
    ...(row.html_body ? { html: row.html_body } : {}),
    headers: row.headers ?? {},
    messageId: messageIdOf(row.id, domain),
    date: row.created_at,
  };
}

export interface TransportOptions {
  smtpUrl?: string;
  dataDir?: string;
  domain?: string;
  /** Parallel SMTP connections of the pool. */
  maxConnections?: number;
}

export function createMailTransport(opts: TransportOptions = {}): MailTransport {
  const cfg = config();
  const smtpUrl = 'smtpUrl' in opts ? opts.smtpUrl : cfg.smtpUrl;
  const domain = opts.domain ?? cfg.publicBaseDomain;
  if (smtpUrl) {
    const transporter = nodemailer.createTransport({
      url: smtpUrl,
      pool: true,
      maxConnections: opts.maxConnections ?? 5,
      maxMessages: 500,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    } as any);
    return {
      kind: 'smtp',
      async send(row, sender) {
        await transporter.sendMail(messageOf(row, sender, domain));
      },
      close: () => transporter.close(),
    };
  }
  const dir = path.join(opts.dataDir ?? cfg.dataDir, 'mail');
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'eml',
    async send(row, sender) {
      const info = await transporter.sendMail(messageOf(row, sender, domain));
      const folder = path.join(dir, sender.slug.replace(/[^a-z0-9-]/gi, '_'));
      await fs.mkdir(folder, { recursive: true });
      const file = path.join(folder, `${row.id}.eml`);
      const tmp = path.join(folder, `.${row.id}.${newId()}.tmp`);
      await fs.writeFile(tmp, info.message as Buffer);
      await fs.rename(tmp, file);
    },
    close: () => transporter.close(),
  };
}

let shared: MailTransport | undefined;

/** The process transport, built from the configuration on first use. */
export function mailTransport(): MailTransport {
  shared ??= createMailTransport();
  return shared;
}

export function closeMailTransport(): void {
  shared?.close();
  shared = undefined;
}
