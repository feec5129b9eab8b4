import { fileURLToPath } from 'node:url';

export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));
export const CONFIG_TABLE_START = '<!-- config-table: generated from ConfigSchema by npm run docs:config -->';
export const CONFIG_TABLE_END = '<!-- /config-table -->';
