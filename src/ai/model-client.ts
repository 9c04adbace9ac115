// The model connection: OpenAI-compatible Chat Completions through the official `openai` client (vLLM, Ollama,
// llama.cpp server, Azure OpenAI, OpenAI). Knows nothing about FHIR or patients: it sends a system prompt and a
// user message and returns the text, or fails with a typed reason. No retries: one hook call, one request.
import OpenAI from 'openai';

export type ModelFailure = 'timeout' | 'rate_limited' | 'service_error' | 'aborted';

export class ModelCallError extends Error {
  override name = 'ModelCallError';
  constructor(
    readonly failure: ModelFailure,
    message: string,
    /** From a 429's Retry-After (or retry-after-ms), in ms. */
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ModelRequest {
  system: string;
  user: string;
  /** The JSON Schema the answer must follow (`response_format: json_schema`). */
  jsonSchema: { name: string; strict: boolean; schema: Record<string, unknown> };
}

export interface ModelAnswer {
  text: string;
  /** The model that answered, as the server names it. */
  model: string;
  finishReason?: string;
}

export interface ModelClient {
  readonly model: string;
  /** Which structured-output mode the next call uses. */
  readonly responseFormat: 'json_schema' | 'json_object';
  complete(request: ModelRequest, options: { signal: AbortSignal; timeoutMs: number }): Promise<ModelAnswer>;
}

export interface ModelClientOptions {
  baseUrl: string;
  model: string;
  apiKey: string;
  maxTokens: number;
  /** Told once, when the server refuses json_schema and the client falls back to JSON mode. */
  onFormatFallback?: () => void;
}

/** Retry-After as seconds or an HTTP date, or retry-after-ms; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const v = headers?.get('retry-after')?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A 400/422 that names response_format: the server does not do json_schema. */
function refusesJsonSchema(error: InstanceType<typeof OpenAI.APIError>): boolean {
  return (error.status === 400 || error.status === 422) && /response_format|json_schema|schema/i.test(error.message);
}

export function createModelClient(options: ModelClientOptions): ModelClient {
  const openai = new OpenAI({
    baseURL: options.baseUrl,
    // Local servers need no key; the client insists on one.
    apiKey: options.apiKey || 'no-key',
    maxRetries: 0,
  });
  let responseFormat: 'json_schema' | 'json_object' = 'json_schema';
  return {
    model: options.model,
    get responseFormat() {
      return responseFormat;
    },
    async complete(request, { signal, timeoutMs }) {
      const format = responseFormat;
      const started = performance.now();
      try {
        const completion = await openai.chat.completions.create(
          {
            model: options.model,
            temperature: 0,
            max_tokens: options.maxTokens,
            n: 1,
            messages: [
              { role: 'system', content: request.system },
              { role: 'user', content: request.user },
            ],
            response_format:
              format === 'json_schema'
                ? { type: 'json_schema', json_schema: request.jsonSchema }
                : { type: 'json_object' },
          },
          { signal, timeout: timeoutMs, maxRetries: 0 },
        );
        const choice = completion.choices?.[0];
        const text = choice?.message?.content;
        if (typeof text !== 'string') throw new ModelCallError('service_error', 'the answer has no message content');
        return {
          text,
          model: typeof completion.model === 'string' && completion.model ? completion.model : options.model,
          ...(choice?.finish_reason ? { finishReason: choice.finish_reason } : {}),
        };
      } catch (error) {
        if (error instanceof ModelCallError) throw error;
        if (error instanceof OpenAI.APIUserAbortError)
          throw new ModelCallError('aborted', 'the model call was aborted');
        if (error instanceof OpenAI.APIConnectionTimeoutError)
          throw new ModelCallError('timeout', 'the model did not answer in time');
        // The client's own timeout reports as a connection error when the abort comes from another realm (a test VM):
        // a connection that failed only once the time was up timed out.
        if (error instanceof OpenAI.APIConnectionError) {
          if (performance.now() - started >= timeoutMs - 5)
            throw new ModelCallError('timeout', 'the model did not answer in time');
          throw new ModelCallError('service_error', 'the model server could not be reached');
        }
        if (error instanceof OpenAI.APIError) {
          if (error.status === 429)
            throw new ModelCallError(
              'rate_limited',
              'the model server is rate limiting',
              retryAfterMs(error.headers),
              429,
            );
          if (format === 'json_schema' && refusesJsonSchema(error)) {
            responseFormat = 'json_object';
            options.onFormatFallback?.();
          }
          throw new ModelCallError(
            'service_error',
            `the model server answered ${error.status ?? 'an error'}`,
            undefined,
            error.status,
          );
        }
        // A body that is not JSON, and the like.
        throw new ModelCallError('service_error', 'the model server gave an unreadable answer');
      }
    },
  };
}
