// Every failure of a request becomes one ApiError with a message a trader understands; a
// field error keeps its field so the form can show it beside that field.

import type { Problem } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Readonly<Record<string, string>> = {},
    readonly retryAfter: number | null = null,
    readonly requestID: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }
}

const byCode: Record<string, string> = {
  plan_limit: 'Your plan has reached its limit. Upgrade to Pro in Settings to connect more accounts.',
  account_exists: 'This MT5 account is already connected.',
  account_not_active: 'Only active accounts can sync. Update the password first if the last login failed.',
  not_found: 'That no longer exists. It may have been deleted.',
  auth_rate_limited: 'Too many failed sign-in attempts. Wait a moment and try again.',
  sync_rate_limited: 'A sync was requested a moment ago.',
  invalid_credentials: 'The email or password is not right.',
  invalid_grant: 'The email or password is not right.',
  user_already_exists: 'An account with this email exists already. Sign in instead.',
  email_exists: 'An account with this email exists already. Sign in instead.',
  weak_password: 'Choose a longer password (at least 8 characters).',
};

/** Turns an error answer (problem+json, Supabase's error JSON, or anything) into an ApiError. */
export function toApiError(status: number, body: unknown, headers: { retryAfter?: string | null; requestID?: string | null } = {}): ApiError {
  const retryAfter = parseRetryAfter(headers.retryAfter);
  const problem = isObject(body) ? body : {};
  const code = stringField(problem, 'code') ?? stringField(problem, 'error_code') ?? stringField(problem, 'error') ?? codeOfStatus(status);
  const fields: Record<string, string> = {};
  const errors = (problem as Partial<Problem>).errors;
  if (Array.isArray(errors)) {
    for (const error of errors) {
      if (isObject(error) && typeof error.field === 'string' && typeof error.message === 'string') fields[error.field] = sentence(error.message);
    }
  }
  const serverMessage = stringField(problem, 'message') ?? stringField(problem, 'msg') ?? stringField(problem, 'error_description');
  const requestID = stringField(problem, 'request_id') ?? headers.requestID ?? null;
  return new ApiError(status, code, messageFor(status, code, serverMessage, retryAfter, requestID), fields, retryAfter, requestID);
}

/** The error of a request that got no answer at all. */
export function networkError(): ApiError {
  return new ApiError(0, 'network', 'Klaro cannot be reached right now. Check your connection; it will retry.');
}

function messageFor(status: number, code: string, serverMessage: string | undefined, retryAfter: number | null, requestID: string | null): string {
  if (byCode[code]) {
    if (code === 'sync_rate_limited' && retryAfter) return `A sync was requested a moment ago. You can sync again in ${retryAfter} s.`;
    return byCode[code];
  }
  if (status === 401) return 'Your session has ended. Please sign in again.';
  if (status === 403) return 'You are not allowed to do that.';
  if (status === 404) return 'That was not found.';
  if (status === 422) return serverMessage ? sentence(serverMessage) : 'Some fields need attention.';
  if (status === 429) return retryAfter ? `Too many requests. Try again in ${retryAfter} s.` : 'Too many requests. Try again shortly.';
  if (status >= 500) {
    const reference = requestID ? ` (reference ${requestID.slice(0, 8)})` : '';
    return `Something went wrong on Klaro's side${reference}. Please try again in a minute.`;
  }
  return serverMessage ? sentence(serverMessage) : 'The request could not be completed.';
}

function codeOfStatus(status: number): string {
  switch (status) {
    case 400: return 'bad_request';
    case 401: return 'unauthorized';
    case 402: return 'plan_limit';
    case 404: return 'not_found';
    case 409: return 'conflict';
    case 422: return 'validation_failed';
    case 429: return 'rate_limited';
    default: return status >= 500 ? 'server_error' : 'error';
  }
}

/** Capitalises and ends with a full stop: "must be 1–128 characters" → "Must be 1–128 characters." */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const first = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

function parseRetryAfter(value: string | null | undefined): number | null {
  if (!value) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(object: Record<string, unknown>, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
