// Bundled into the Worker as text (the `[[rules]] type = "Text"` in wrangler.toml): a Worker has
// no file system, and the reference must not depend on a CDN.
import swaggerUiCss from 'swagger-ui-dist/swagger-ui.css';
import swaggerUiBundle from 'swagger-ui-dist/swagger-ui-bundle.js';
import { referenceRoutes } from '../../reference.ts';

/** The browsable API reference at /api/reference on Workers. */
export const workersReferenceRoutes = referenceRoutes(async (file) => (file === 'swagger-ui.css' ? swaggerUiCss : swaggerUiBundle));
