/** How often a subscriber gets a digest, and how often an edition is built: said once. */
export const FREQUENCIES = ['daily', 'weekly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
