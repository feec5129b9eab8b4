import type { Config } from '../config.ts';

/**
 * The site's own look on every page: its name, logo, footer line, and its accent colour in a
 * version for light pages and one for dark pages, each with at least WCAG AA contrast (4.5:1)
 * against the backgrounds it sits on (layout.eta's --card and --bg of each scheme).
 */
export interface SiteView {
  name: string;
  logoUrl: string | undefined;
  footer: string | undefined;
  accent: { light: string; onLight: string; dark: string; onDark: string };
}

/** The backgrounds of templates/pages/layout.eta: card and page, per scheme. */
const LIGHT_BACKGROUNDS = ['#ffffff', '#f5f7fa'];
const DARK_BACKGROUNDS = ['#1f2937', '#111827'];
const WHITE = '#ffffff';
/** Text on a dark-scheme accent (a light colour): the darkest of layout.eta's backgrounds. */
const DARK_TEXT = '#0b1220';
export const MIN_CONTRAST = 4.5;

// WCAG 2's relative luminance and contrast ratio are a few lines of arithmetic; a colour library
// would add a dependency for two formulas.
function channels(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `hex` moved `share` (0…1) of the way towards `target`. */
function mix(hex: string, target: string, share: number): string {
  const from = channels(hex);
  const to = channels(target);
  return `#${from
    .map((c, i) =>
      Math.round(c + ((to[i] as number) - c) * share)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

/** The accent, darkened or lightened in steps until it reads on every one of `backgrounds`. */
function readableOn(accent: string, backgrounds: string[], towards: string): string {
  for (let step = 0; step <= 20; step++) {
    const candidate = mix(accent, towards, step / 20);
    if (backgrounds.every((background) => contrast(candidate, background) >= MIN_CONTRAST)) return candidate;
  }
  return towards;
}

type Branding = Pick<Config, 'siteName' | 'siteLogoUrl' | 'siteFooter' | 'accentColor'>;
/** Worked out once per configuration, not per page. */
const views = new WeakMap<Branding, SiteView>();

export function siteView(config: Branding): SiteView {
  let view = views.get(config);
  if (!view) {
    view = brand(config);
    views.set(config, view);
  }
  return view;
}

function brand(config: Branding): SiteView {
  const light = readableOn(config.accentColor.toLowerCase(), [...LIGHT_BACKGROUNDS, WHITE], '#000000');
  const dark = readableOn(config.accentColor.toLowerCase(), [...DARK_BACKGROUNDS, DARK_TEXT], '#ffffff');
  return {
    name: config.siteName,
    logoUrl: config.siteLogoUrl,
    footer: config.siteFooter,
    // white text on the light-scheme accent (a button) has the accent's own contrast with white
    accent: { light, onLight: WHITE, dark, onDark: DARK_TEXT },
  };
}
