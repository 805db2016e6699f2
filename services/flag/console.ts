/**
 * The web console, served by flag-service at "/" (the public entry point sends every path
 * no other service claims here). Bun bundles the page, its TypeScript and CSS on the first
 * request, and `bun build --compile` embeds the bundle in the binary; Deno has no HTML
 * imports, so there flag-service serves the API without the console.
 */
import page from "../../console/index.html";

/** GET only: any other method on "/" goes on to the API's edge (a 404, or 413 for a large body). */
export const consoleRoutes = { "/": { GET: page } };
