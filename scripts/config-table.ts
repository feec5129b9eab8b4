/**
 * Writes the configuration table of docs/configuration.md from ConfigSchema (src/config.ts), between the
 * config-table markers: `npm run docs:config` after adding or changing a variable.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable } from '../src/config.ts';
import { CONFIG_DOC_PATH, CONFIG_TABLE_END, CONFIG_TABLE_START } from './config-doc.ts';

const readme = readFileSync(CONFIG_DOC_PATH, 'utf8');
const start = readme.indexOf(CONFIG_TABLE_START);
const end = readme.indexOf(CONFIG_TABLE_END);
if (start === -1 || end === -1)
  throw new Error(`docs/configuration.md lacks ${CONFIG_TABLE_START} … ${CONFIG_TABLE_END}`);
writeFileSync(
  CONFIG_DOC_PATH,
  `${readme.slice(0, start + CONFIG_TABLE_START.length)}\n${configTable()}\n${readme.slice(end)}`,
);
console.log('docs/configuration.md: configuration table written');
