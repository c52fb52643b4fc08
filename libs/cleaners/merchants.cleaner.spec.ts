import { CleanValues, Reject } from './cleaner.types';
import { createMerchantsCleaner } from './merchants.cleaner';

const clean = createMerchantsCleaner({ now: new Date('2025-11-20T12:00:00Z') });

function values(fields: string[]): CleanValues {
  const result = clean(fields);
  if (result instanceof Reject) throw new Error(`unexpected reject ${result.reason}`);
  return result;
}

describe('merchants cleaner', () => {
  describe('output shape', () => {
    it('should return merchant_id, name, zone in COPY order when the row is complete', () => {
      expect(clean(['M1', 'Mama Put Kitchen', 'lagos'])).toEqual(['M1', 'Mama Put Kitchen', 'LAGOS']);
    });
  });

  describe('merchant id', () => {
    it('should trim the id when it has surrounding whitespace', () => {
      expect(clean(['  M1\t', 'Shop', 'north'])).toEqual(['M1', 'Shop', 'NORTH']);
    });

    it.each(['', '   ', '\t'])('should reject with MISSING_MERCHANT_ID when the id is %p', (id) => {
      const result = clean([id, 'Shop', 'north']);
      expect(result).toBeInstanceOf(Reject);
      expect((result as Reject).reason).toBe('MISSING_MERCHANT_ID');
    });

    it('should reuse the same Reject instance when rejecting repeatedly', () => {
      expect(clean(['', 'a', 'b'])).toBe(clean([' ', 'c', 'd']));
    });
  });

  describe('name', () => {
    it('should keep the name trimmed with its original case when present', () => {
      expect(values(['M1', '  the Corner  SHOP ', ''])[1]).toBe('the Corner  SHOP');
    });

    it.each(['', '  '])('should become null when the name is %p', (name) => {
      expect(clean(['M1', name, 'north'])).toEqual(['M1', null, 'NORTH']);
    });
  });

  describe('zone', () => {
    it('should upper-case and trim the zone when present', () => {
      expect(values(['M1', 'Shop', ' Lagos-Island '])[2]).toBe('LAGOS-ISLAND');
    });

    it.each(['', ' \t '])('should become null when the zone is %p', (zone) => {
      expect(clean(['M1', 'Shop', zone])).toEqual(['M1', 'Shop', null]);
    });
  });

  describe('optional columns absent', () => {
    it('should return nulls when the row only has the merchant id', () => {
      expect(clean(['M7'])).toEqual(['M7', null, null]);
    });
  });
});
