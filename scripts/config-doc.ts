import { fileURLToPath } from 'node:url';

/** Where the configuration table lives, generated from ConfigSchema by `npm run docs:config`. */
export const CONFIG_DOC_PATH = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
export const CONFIG_TABLE_START = '<!-- config-table: generated from ConfigSchema by npm run docs:config -->';
export const CONFIG_TABLE_END = '<!-- /config-table -->';
