import {
  DEFAULT_PREFERENCES,
  type Preferences,
  PreferencesInput,
  resolvePreferences,
  WEEKDAYS,
} from '../subscribers/preferences.ts';
import { TIME_ZONES } from '../subscribers/time-zones.ts';

/** What templates/pages/preference-fields.eta needs to draw the form with a choice selected. */
export function preferenceFormData(preferences: Preferences = DEFAULT_PREFERENCES) {
  return {
    preferences,
    keywordText: preferences.keywords.join(', '),
    mutedText: preferences.mutedKeywords.join(', '),
    /** The dial's steps as the form offers them; a stored value between steps is shown as its own. */
    personalisationSteps: personalisationSteps(preferences.personalisation),
    timezones: TIME_ZONES.includes(preferences.timezone) ? TIME_ZONES : [preferences.timezone, ...TIME_ZONES],
    weekdays: WEEKDAYS.map((name, index) => ({
      value: index + 1,
      label: name[0]?.toUpperCase() + name.slice(1),
    })),
    hours: Array.from({ length: 24 }, (_, hour) => ({
      value: hour,
      label: `${String(hour).padStart(2, '0')}:00`,
    })),
  };
}

const DIAL = [
  { value: 0, label: 'what is trending' },
  { value: 25, label: 'mostly trending' },
  { value: 50, label: 'half and half' },
  { value: DEFAULT_PREFERENCES.personalisation, label: 'mostly my taste (default)' },
  { value: 100, label: 'my taste' },
];

function personalisationSteps(current: number) {
  const steps = DIAL.some((step) => step.value === current)
    ? DIAL
    : [...DIAL, { value: current, label: `${current} of 100` }].sort((a, b) => a.value - b.value);
  return steps.map((step) => ({ ...step, checked: step.value === current }));
}

/** The posted choices that are valid, over the defaults: what a form shown again keeps. */
export function keptPreferences(
  posted: Record<string, unknown>,
  base: Preferences = DEFAULT_PREFERENCES,
): Preferences {
  let kept = base;
  for (const field of Object.keys(PreferencesInput.properties)) {
    if (posted[field] === undefined) continue;
    try {
      kept = resolvePreferences({ [field]: posted[field] } as PreferencesInput, kept);
    } catch {
      // the bad one keeps its default; its message says why
    }
  }
  return kept;
}
