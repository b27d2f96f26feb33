/** drizzle-kit settings: `npm run db:generate` writes SQL migrations from src/store/schema.ts. */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/store/schema.ts",
  out: "./migrations",
});
