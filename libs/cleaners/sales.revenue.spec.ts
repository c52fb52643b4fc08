import { compareDecimals, fixedAnomalyScore, hundredths, millionths, salesRevenue, scaledText } from './sales.revenue';
import { seededRandom } from '../datagen/prng';

/** quantity × price × (1 − discount) at scale 10^12, with plain BigInt arithmetic on the decimal digits. */
function reference(quantity: number, price: string, discount: string): bigint {
  const micro = (t: string) => {
    const [w, f = ''] = t.split('.');
    return BigInt(w + f.padEnd(6, '0'));
  };
  return BigInt(quantity) * micro(price) * (1_000_000n - micro(discount));
}
const at12 = (text: string): bigint => {
  const [w, f = ''] = text.split('.');
  return BigInt(w + f.padEnd(12, '0'));
};

describe('sales revenue', () => {
  it('should read hundredths when a value has at most 2 decimals, and millionths always', () => {
    expect([hundredths('12'), hundredths('12.5'), hundredths('0.05'), hundredths('1299.99'), hundredths('0.125')]).toEqual([1200, 1250, 5, 129999, -1]);
    expect([millionths('12'), millionths('0.125'), millionths('0.000001')]).toEqual([12_000_000n, 125_000n, 1n]);
  });

  it('should write scaled integers as decimal text', () => {
    expect([scaledText(12345n, 2), scaledText(5n, 3), scaledText(0n, 2), scaledText(-5n, 2)]).toEqual(['123.45', '0.005', '0.00', '-0.05']);
  });

  it('should compute revenue exactly when price and discount have 2 decimals', () => {
    expect(salesRevenue(3, '1299.5', '0.15')).toBe('3313.7250');
    expect(salesRevenue(5, '12.5', '0')).toBe('62.5000');
    expect(salesRevenue(7, '10', '1')).toBe('0.0000');
  });

  it('should compute revenue exactly when inputs have up to 6 decimals or are huge', () => {
    const rnd = seededRandom(3);
    for (let i = 0; i < 5000; i++) {
      const price = [String(Math.floor(rnd() * 1e12)), (Math.floor(rnd() * 1e9) / 1e6).toString(), (Math.floor(rnd() * 1e5) / 100).toString()][i % 3];
      const discount = [(Math.floor(rnd() * 1e6) / 1e6).toString(), (Math.floor(rnd() * 101) / 100).toString()][i % 2];
      const quantity = i % 5 === 0 ? 2147483647 : 1 + Math.floor(rnd() * 500);
      expect({ i, v: at12(salesRevenue(quantity, price, discount)) }).toEqual({ i, v: reference(quantity, price, discount) });
    }
  });

  it('should compare decimal texts by value', () => {
    expect([compareDecimals('0.7', '0.70'), compareDecimals('0.700001', '0.7'), compareDecimals('1000', '999.999999'), compareDecimals('50000.0000', '50000')]).toEqual([
      0, 1, 1, 0,
    ]);
  });

  it('should score the fixed rules at their exact boundaries, on both paths', () => {
    expect(fixedAnomalyScore(1, '10', '0.7', salesRevenue(1, '10', '0.7'))).toBe(0);
    expect(fixedAnomalyScore(1, '10', '0.71', salesRevenue(1, '10', '0.71'))).toBe(1);
    expect(fixedAnomalyScore(1, '10', '0.700001', salesRevenue(1, '10', '0.700001'))).toBe(1);
    expect(fixedAnomalyScore(1, '1000', '0.6', salesRevenue(1, '1000', '0.6'))).toBe(0);
    expect(fixedAnomalyScore(1, '1000.01', '0.6', salesRevenue(1, '1000.01', '0.6'))).toBe(2);
    expect(fixedAnomalyScore(1, '1000.000001', '0.500001', '1')).toBe(2);
    expect(fixedAnomalyScore(100, '600', '0', salesRevenue(100, '600', '0'))).toBe(1); // revenue 60,000 only
    expect(fixedAnomalyScore(101, '500', '0', salesRevenue(101, '500', '0'))).toBe(1); // 50,500 > 50,000; price not > 500
    expect(fixedAnomalyScore(101, '500.5', '0.9', salesRevenue(101, '500.5', '0.9'))).toBe(3); // + deep discount + bulk premium
    expect(fixedAnomalyScore(200, '1299.99', '0.8', salesRevenue(200, '1299.99', '0.8'))).toBe(6);
    expect(fixedAnomalyScore(2147483647, '999999999999', '0', salesRevenue(2147483647, '999999999999', '0'))).toBe(3);
  });
});
