import { HttpException } from '@nestjs/common';

/** The JSON body of every admin error: a message, and for bad input the field and what it accepts. */
export interface AdminErrorBody {
  error: string;
  field?: string;
  allowed?: string[];
}

/** An admin API error with its status and JSON body. */
export class AdminHttpError extends HttpException {
  constructor(status: 400 | 403 | 404 | 409 | 413 | 415 | 503, body: AdminErrorBody) {
    super(body, status);
  }
}

export const badRequest = (error: string, field?: string, allowed?: string[]): AdminHttpError =>
  new AdminHttpError(400, {
    error,
    ...(field === undefined ? {} : { field }),
    ...(allowed === undefined ? {} : { allowed }),
  });

export const forbidden = (error: string): AdminHttpError => new AdminHttpError(403, { error });
export const notFound = (error: string): AdminHttpError => new AdminHttpError(404, { error });
export const conflict = (error: string): AdminHttpError => new AdminHttpError(409, { error });
