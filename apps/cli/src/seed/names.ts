import type { Skill } from '@kam/kernel';

/** Word lists for the generator. Fictional; e-mail addresses use the reserved example.com domain. */

export const TEAM_REGIONS = [
  'North',
  'South',
  'West',
  'East',
  'Central',
  'Coast',
  'Mountains',
  'Capital',
  'Lakes',
  'Valley',
  'Metro',
  'Border',
] as const;

export const FIRST_NAMES = [
  'Anna',
  'Piotr',
  'Katarzyna',
  'Tomasz',
  'Magdalena',
  'Michał',
  'Agnieszka',
  'Paweł',
  'Joanna',
  'Krzysztof',
  'Ewa',
  'Marcin',
  'Monika',
  'Jakub',
  'Aleksandra',
  'Łukasz',
  'Natalia',
  'Grzegorz',
  'Karolina',
  'Adam',
  'Marta',
  'Rafał',
  'Zofia',
  'Bartosz',
  'Julia',
  'Dawid',
  'Weronika',
  'Kamil',
  'Barbara',
  'Mateusz',
] as const;

export const LAST_NAMES = [
  'Nowak',
  'Kowalska',
  'Wiśniewski',
  'Wójcik',
  'Kowalczyk',
  'Kamińska',
  'Lewandowski',
  'Zielińska',
  'Szymański',
  'Woźniak',
  'Dąbrowski',
  'Kozłowska',
  'Jankowski',
  'Mazur',
  'Kwiatkowska',
  'Krawczyk',
  'Piotrowski',
  'Grabowska',
  'Nowakowski',
  'Pawłowska',
  'Michalski',
  'Król',
  'Wieczorek',
  'Jabłońska',
  'Wróbel',
  'Majewski',
  'Olszewska',
  'Stępień',
  'Malinowski',
  'Jaworska',
] as const;

const COMPANY_PREFIXES = [
  'Nordic',
  'Baltic',
  'Vistula',
  'Silesia',
  'Polar',
  'Amber',
  'Granite',
  'Orion',
  'Vector',
  'Summit',
  'Delta',
  'Pioneer',
  'Atlas',
  'Helix',
  'Quantum',
  'Meridian',
  'Falcon',
  'Cobalt',
  'Sterling',
  'Evergreen',
  'Horizon',
  'Crystal',
  'Titan',
  'Aurora',
  'Zenith',
] as const;

const COMPANY_CORES = [
  'Logistics',
  'Foods',
  'Pharma',
  'Steel',
  'Energy',
  'Retail',
  'Systems',
  'Construction',
  'Agro',
  'Textiles',
  'Packaging',
  'Automotive',
  'Chemicals',
  'Telecom',
  'Health',
  'Furniture',
  'Glass',
  'Paper',
  'Electronics',
  'Media',
] as const;

const COMPANY_SUFFIXES = ['Sp. z o.o.', 'S.A.', 'Group', 'Holding', 'Sp. j.'] as const;

export const INDUSTRIES = [
  'Manufacturing',
  'Retail',
  'Logistics',
  'Healthcare',
  'Construction',
  'Energy',
  'Food & Beverage',
  'Telecommunications',
  'Public Sector',
  'Financial Services',
] as const;

/** The competitors deals are lost to (weights: the first ones are met more often). */
export const COMPETITORS = [
  'Acme Solutions',
  'Globex',
  'Initech',
  'Umbrella Supply',
  'Stark Industrial',
  'Wayne Trading',
  'Hooli Business',
  'Vandelay Imports',
] as const;
export const COMPETITOR_WEIGHTS = [24, 18, 15, 12, 10, 9, 7, 5] as const;

export const PRODUCTS = [
  'annual supply contract',
  'framework agreement',
  'service package',
  'fleet equipment',
  'software licences',
  'maintenance contract',
  'pilot roll-out',
  'seasonal order',
  'expansion order',
  'replacement programme',
] as const;

export const TRAINING_TITLES: Readonly<Record<Skill, readonly string[]>> = {
  NEGOTIATION: ['Negotiating price with procurement', 'Closing techniques', 'BATNA workshop'],
  PRODUCT_KNOWLEDGE: ['New product line deep dive', 'Product certification', 'Technical demo skills'],
  COMMUNICATION: ['Active listening', 'Presenting to the board', 'Difficult conversations'],
  PROSPECTING: ['Social selling', 'Cold outreach that works', 'Qualifying leads fast'],
  KEY_ACCOUNT_PLANNING: ['Key account plans', 'Account mapping', 'Strategic account reviews'],
  STRESS_RESILIENCE: ['Resilience under quota pressure', 'Time and energy management', 'Handling rejection'],
};

export const VALUE_REVISION_REASONS = [
  'Customer changed the volume',
  'Scope reduced after the technical review',
  'Additional sites added',
  'Discount agreed with procurement',
  'Multi-year option included',
  'Budget cut on the customer side',
] as const;

export const CHANNEL_CHANGE_REASONS = [
  'Territory reorganisation',
  'Moved to the key-account desk',
  'Partner programme launch',
  'Inside sales pilot',
  'Public tenders specialisation',
] as const;

export const CANCEL_REASONS = [
  'Trainer unavailable',
  'Too few participants',
  'Quarter-end closing week',
] as const;

/** A company name unique for the index (a number is added only past 2,500 accounts). */
export function companyName(index: number): string {
  const prefix = COMPANY_PREFIXES[index % COMPANY_PREFIXES.length]!;
  const core = COMPANY_CORES[Math.floor(index / COMPANY_PREFIXES.length) % COMPANY_CORES.length]!;
  const combos = COMPANY_PREFIXES.length * COMPANY_CORES.length;
  const suffix = COMPANY_SUFFIXES[Math.floor(index / combos) % COMPANY_SUFFIXES.length]!;
  const round = Math.floor(index / (combos * COMPANY_SUFFIXES.length));
  return round === 0 ? `${prefix} ${core} ${suffix}` : `${prefix} ${core} ${round + 1} ${suffix}`;
}

/** A 10-digit tax number with the Polish NIP check digit, so it looks and validates like one. */
export function taxIdFrom(digits: number[]): string {
  const weights = [6, 5, 7, 2, 3, 4, 5, 6, 7];
  const nine = digits.slice(0, 9);
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += nine[i]! * weights[i]!;
  const check = sum % 11;
  // A check of 10 is invalid for NIP; nudge the last digit instead.
  if (check === 10) {
    nine[8] = (nine[8]! + 1) % 10;
    return taxIdFrom(nine);
  }
  return `${nine.join('')}${check}`;
}

export function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ł/g, 'l')
    .replace(/Ł/g, 'L')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '.')
    .replace(/^\.|\.$/g, '');
}
