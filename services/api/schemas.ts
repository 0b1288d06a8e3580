import { z } from '@hono/zod-openapi';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'not_found' }),
      message: z.string().openapi({ example: 'Tenant not found.' }),
      requestId: z.string(),
      details: z
        .array(
          z.object({
            path: z.string(),
            message: z.string(),
            // A filter-language expression's errors also say where they are, as POST /language/check does.
            code: z.string().optional(),
            line: z.number().optional(),
            column: z.number().optional(),
            offset: z.number().optional(),
            length: z.number().optional(),
            expected: z.array(z.string()).optional(),
            suggestion: z.string().optional(),
            excerpt: z.string().optional(),
          }),
        )
        .optional(),
    }),
  })
  .openapi('Error');

export const errorResponse = (description: string) => ({ content: { 'application/json': { schema: ErrorSchema } }, description });

/** The error answers every route can give, for the OpenAPI document. */
export const errorResponses = {
  400: errorResponse('The request is not valid'),
  401: errorResponse('Not signed in, or the API token is not valid'),
  403: errorResponse('Your role does not allow this, or the CSRF check failed'),
  404: errorResponse("Not found (also what another MSP's object answers)"),
} as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional().openapi({ example: 50 }),
  cursor: z.string().max(1000).optional().openapi({ description: 'Opaque; pass `nextCursor` from the previous page.' }),
});

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const IdParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '5f0c3a4e-2b1d-4c55-9a43-0d6b7f1a2c3e' }) });
