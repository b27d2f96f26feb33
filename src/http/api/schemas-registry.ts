/**
 * Named API schemas: a schema given an id here (zod's global registry, where `.describe()` texts
 * live too) becomes a component of the OpenAPI document (`#/components/schemas/<id>`), and route
 * schemas that use it refer to it instead of repeating it.
 */
import { z } from "zod";

export const apiSchemas = z.globalRegistry;

/** Names `schema` `id` and returns the named schema, for `const Pipeline = named("Pipeline", …)`. */
export function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  return schema.meta({ id, ...(description ? { description } : {}) }) as T;
}
