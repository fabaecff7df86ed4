import { comparePositions } from '@kam/event-store';
import { approxEventsBetween, comparePositionsFast } from './positions';

describe('comparePositionsFast', () => {
  it('orders like comparePositions, on sequence numbers and on commit:prepare positions', () => {
    const samples = ['0', '1', '2', '9', '10', '11', '99', '100', '12345678901234567890', '007', '7', '1:0', '1:5', '2:0', '10:3', '9:99', '10', '3:0'];
    for (const a of samples) {
      for (const b of samples) expect([a, b, Math.sign(comparePositionsFast(a, b))]).toEqual([a, b, Math.sign(comparePositions(a, b))]);
    }
  });

  it('keeps approxEventsBetween exact for sequence numbers', () => {
    expect(approxEventsBetween('10', '25')).toBe(15);
    expect(approxEventsBetween(null, '3')).toBe(3);
  });
});
