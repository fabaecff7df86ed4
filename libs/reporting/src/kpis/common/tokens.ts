/** Injection token of the reports' clock ("now" of asOf defaults and period ends); tests pin it. */
export const REPORTS_CLOCK = 'kam:ReportsClock';

export type ReportsClock = () => Date;

export const systemClock: ReportsClock = () => new Date();
