// The check lives in the core, as the operator console (src/http/ui) makes it too.
export { crossSiteReason } from '../../src/domain/cross-site.js';
