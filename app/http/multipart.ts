import busboy from 'busboy';
import type { Context } from 'koa';
import { HttpError } from './errors.js';

/**
 * Multipart forms with one file (`file`), parsed only on the routes that take uploads, with the size enforced
 * while the bytes arrive (media library, message attachments, the homepage banner).
 */
export interface MultipartForm {
  fields: Record<string, string>;
  file?: { buffer: Buffer; name: string };
  /** The file passed `maxFileBytes` (only when `onTooBig` returned no error: the form was read to its end). */
  tooBig: boolean;
}

export interface MultipartLimits {
  maxFileBytes: number;
  maxFields: number;
  maxFieldBytes: number;
  /**
   * What a file over the limit means: an error ends the request at once (the rest is read and dropped, so
   * the browser gets the answer, not a reset); null reads the form to its end with `tooBig` set, for a route
   * that re-renders its form with the message beside the field.
   */
  onTooBig: () => Error | null;
}

/** Reads the rest of a refused request without keeping it (up to a bound), so the browser gets the answer. */
export function discardRest(ctx: Context, bound: number): void {
  let drained = 0;
  ctx.req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > bound) ctx.req.destroy();
  });
  ctx.req.resume();
}

export function readMultipart(ctx: Context, limits: MultipartLimits): Promise<MultipartForm> {
  return new Promise((resolve, reject) => {
    const form: MultipartForm = { fields: {}, tooBig: false };
    let settled = false;
    let parser: busboy.Busboy;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      ctx.req.unpipe(parser);
      discardRest(ctx, 4 * limits.maxFileBytes);
      reject(err);
    };
    try {
      parser = busboy({
        headers: ctx.req.headers,
        defParamCharset: 'utf8',
        limits: { fileSize: limits.maxFileBytes, files: 1, fields: limits.maxFields, fieldSize: limits.maxFieldBytes, parts: limits.maxFields + 4 },
      });
    } catch {
      return reject(new HttpError(400, 'bad_multipart'));
    }
    parser.on('field', (name, value) => {
      form.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file') return void stream.resume();
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => {
        if (!form.tooBig) chunks.push(c);
      });
      stream.on('limit', () => {
        const err = limits.onTooBig();
        if (err) return fail(err);
        form.tooBig = true;
        chunks.length = 0;
      });
      stream.on('end', () => {
        if (!settled && !form.tooBig && (chunks.length > 0 || info.filename)) form.file = { buffer: Buffer.concat(chunks), name: info.filename ?? '' };
      });
    });
    parser.on('error', () => fail(new HttpError(400, 'bad_multipart')));
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      resolve(form);
    });
    ctx.req.on('aborted', () => fail(new HttpError(400, 'upload_aborted')));
    ctx.req.pipe(parser);
  });
}
