import { readFileSync } from 'fs';
import * as path from 'path';
import { CleanValues, Reject } from './cleaner.types';
import { rowOverrides } from './row-overrides.spec-helper';
import {
  ANONYMOUS_EMAIL,
  canonicalName,
  cleanCategory,
  cleanDiscount,
  cleanEmail,
  cleanProductName,
  cleanQuantity,
  cleanRegion,
  cleanSaleDate,
  cleanUnitPrice,
  createSalesCleaner,
  salesTitleCase,
} from './sales.cleaner';
import { SALES_CATEGORY_MAP, SALES_PRODUCT_MAP, SALES_REGION_MAP } from './sales.vocabulary';

// A copy of shared/samples/sales/sales_2000.csv (the old pipeline's own output).
const SAMPLE_CSV = path.join(__dirname, '../../test/fixtures/csv/ok/sales-sample-2000.csv');

const clean = createSalesCleaner({ now: new Date('2025-11-20T12:00:00.000Z') });

// Column order: order_id, product_name, category, quantity, unit_price, discount_percent, region,
// sale_date, customer_email.
const BASE = ['ORD-1', 'laptop pro', 'electronics', '4', '1284.82', '0.09', 'nort', '2024-05-05 07:08:00', 'user1@example.com'];
const COL = {
  id: 0,
  product: 1,
  category: 2,
  quantity: 3,
  price: 4,
  discount: 5,
  region: 6,
  date: 7,
  email: 8,
};
const { row, cleaned, rejectReason } = rowOverrides(clean, BASE, COL);
type Overrides = Parameters<typeof row>[0];

/** The reject reason of a rule result, or the string itself. */
function outcome(result: string | Reject): string {
  return result instanceof Reject ? `Reject(${result.reason})` : result;
}

describe('sales cleaner', () => {
  describe('whole row', () => {
    it('should return the cleaned values in COPY column order when the row is valid', () => {
      expect(clean(BASE)).toEqual([
        'ORD-1',
        'Laptop Pro 15',
        'Electronics',
        '4',
        '1284.82',
        '0.09',
        'North',
        '2024-05-05 07:08:00+00:00',
        'user1@example.com',
        '4676.7448', // 4 × 1284.82 × 0.91
        '0',
      ]);
    });

    it.each([
      [
        'ORD-00000000-2824,Laptop Pro 15,Electronics,4,1284.82,0.09,nort,2024-05-05 07:08:00,user1@example.com',
        'ORD-00000000-2824|Laptop Pro 15|Electronics|4|1284.82|0.09|North|2024-05-05 07:08:00+00:00|user1@example.com',
      ],
      [
        'ORD-00000001-9928,Mens t-shirt (blue),Fashion,1,27.59,0.02,sout,2024-08-17,user2@example.com',
        "ORD-00000001-9928|Men's T-shirt (Blue)|Fashion|1|27.59|0.02|South|2024-08-17 00:00:00+00:00|user2@example.com",
      ],
      [
        'ORD-00000002-2674,smart-phone x,Electronics,10,833.19,0.25,east,19-Feb-2024,user1@example.com',
        'ORD-00000002-2674|Smartphone X|Electronics|10|833.19|0.25|East|2024-02-19 00:00:00+00:00|user1@example.com',
      ],
      [
        'ORD-00000003-2291,Gaming Mouse,Electronics,16,46.39,0.23,North,2024-11-17 19:56:00,',
        'ORD-00000003-2291|Gaming Mouse|Electronics|16|46.39|0.23|North|2024-11-17 19:56:00+00:00|anonymous',
      ],
      [
        'ORD-00000004-4814,smart-phone x,Electronics,12,692.05,0.14,east,2024/05/22,',
        'ORD-00000004-4814|Smartphone X|Electronics|12|692.05|0.14|East|2024-05-22 00:00:00+00:00|anonymous',
      ],
      [
        'ORD-00000005-9751,4k led tv,Home Appliance,16,1775.69,0.13,East,2024-08-24,user2@example.com',
        'ORD-00000005-9751|4K LED TV|Home Appliance|16|1775.69|0.13|East|2024-08-24 00:00:00+00:00|user2@example.com',
      ],
      [
        'ORD-00000008-2040,T-shirt (Blue),Fashion,12,29.71,0.27,nOrth,2024-11-01,user1@example.com',
        "ORD-00000008-2040|Men's T-shirt (Blue)|Fashion|12|29.71|0.27|North|2024-11-01 00:00:00+00:00|user1@example.com",
      ],
      [
        'ORD-00000011-2832,cofee maker elite,Home Appliance,19,141.45,0.07,South,2024/05/02,',
        'ORD-00000011-2832|Coffee Maker Elite|Home Appliance|19|141.45|0.07|South|2024-05-02 00:00:00+00:00|anonymous',
      ],
      ['ORD-00000012-3103,running shoes,Fashion,20,92.08,0.1,south,2024-05-15,', 'ORD-00000012-3103|Running Shoes|Fashion|20|92.08|0.1|South|2024-05-15 00:00:00+00:00|anonymous'],
      [
        'ORD-00000018-7570,laptop pro,Electronics,7,1404.73,0.12,nOrth,13-Jul-2024,',
        'ORD-00000018-7570|Laptop Pro 15|Electronics|7|1404.73|0.12|North|2024-07-13 00:00:00+00:00|anonymous',
      ],
      [
        'ORD-00000019-3536,4KTV,Home Appliance,19,1648.77,0.13,nort,2024/04/21,shopper@domain.com',
        'ORD-00000019-3536|4K LED TV|Home Appliance|19|1648.77|0.13|North|2024-04-21 00:00:00+00:00|shopper@domain.com',
      ],
      [
        'ORD-00000021-2343,T-shirt (Blue),Fashion,11,22.39,0.15,eas,2024-05-13 06:42:00,buyer@email.com',
        "ORD-00000021-2343|Men's T-shirt (Blue)|Fashion|11|22.39|0.15|East|2024-05-13 06:42:00+00:00|buyer@email.com",
      ],
      [
        'ORD-00000024-5616,office chair,Home Appliance,8,200.43,0.05,West,2024-06-24,user1@example.com',
        'ORD-00000024-5616|Office Chair|Home Appliance|8|200.43|0.05|West|2024-06-24 00:00:00+00:00|user1@example.com',
      ],
      [
        'ORD-00000028-5371,wirless headphones,Electronics,12,133.35,0.25,sout,2024/07/14,',
        'ORD-00000028-5371|Wireless Headphones|Electronics|12|133.35|0.25|South|2024-07-14 00:00:00+00:00|anonymous',
      ],
    ])('should clean the sample line when it is %s', (line, expected) => {
      const values = clean(line.split(',')) as CleanValues;
      expect(values.slice(0, 9)).toEqual(expected.split('|'));
      // revenue = quantity × unit_price × (1 − discount), checked in integer hundredths.
      const [q, p, d] = [BigInt(values[3]!), BigInt(Math.round(Number(values[4]) * 100)), BigInt(Math.round(Number(values[5]) * 100))];
      expect(BigInt((values[9] as string).replace('.', ''))).toBe(q * p * (100n - d));
      expect(values[10]).toBe('0');
    });

    it('should default the email to anonymous when the row is short (no email column)', () => {
      const result = clean(BASE.slice(0, 8));
      expect(result).not.toBeInstanceOf(Reject);
      expect((result as CleanValues)[8]).toBe(ANONYMOUS_EMAIL);
    });

    it('should trim every field when they are padded with spaces, tabs or NBSP', () => {
      expect(clean([' ORD-9 ', '\tblender pro\t', ' clothing ', ' 5 units ', ' $12.50 ', ' 0.15 ', '\u00a0wes\u00a0', ' 15-Jan-2024 ', ' Buyer@Email.com '])).toEqual([
        'ORD-9',
        'Blender Pro',
        'Fashion',
        '5',
        '12.5',
        '0.15',
        'West',
        '2024-01-15 00:00:00+00:00',
        'buyer@email.com',
        '53.1250',
        '0',
      ]);
    });

    it('should return the same preallocated Reject instance when the same rule fails twice', () => {
      const a = clean(row({ quantity: '-3' }));
      const b = clean(row({ quantity: 'abc' }));
      expect(a).toBeInstanceOf(Reject);
      expect(a).toBe(b);
      expect(cleanQuantity('0')).toBe(a);
    });

    it('should give the same result when the same raw name repeats (cache)', () => {
      expect(cleaned({ product: 'smartfone x' })[1]).toBe('Smartphone X');
      expect(cleaned({ product: 'smartfone x' })[1]).toBe('Smartphone X');
      expect(rejectReason({ region: '   ' })).toBe('MISSING_REGION');
      expect(rejectReason({ region: '   ' })).toBe('MISSING_REGION');
    });

    it('should ignore ctx when the clock differs (no time-dependent rule)', () => {
      const other = createSalesCleaner({ now: new Date('2000-01-01T00:00:00.000Z') });
      expect(other(BASE)).toEqual(clean(BASE));
    });
  });

  describe('check order', () => {
    const allBad: Overrides = {
      id: ' ',
      product: '',
      category: '',
      quantity: '0',
      price: '-1',
      discount: '2',
      region: '',
      date: '',
    };

    it.each([
      ['id', 'MISSING_ORDER_ID'],
      ['product', 'MISSING_PRODUCT_NAME'],
      ['category', 'MISSING_CATEGORY'],
      ['quantity', 'INVALID_QUANTITY'],
      ['price', 'INVALID_PRICE'],
      ['discount', 'INVALID_DISCOUNT'],
      ['region', 'MISSING_REGION'],
      ['date', 'MISSING_DATE'],
    ] as const)('should report the first failing rule when every rule from %s on fails', (first, reason) => {
      const keys = Object.keys(allBad) as (keyof typeof COL)[];
      const overrides: Overrides = {};
      for (const key of keys.slice(keys.indexOf(first))) overrides[key] = allBad[key];
      expect(rejectReason(overrides)).toBe(reason);
    });

    it('should not reject when only the email is unusable', () => {
      expect(cleaned({ email: 'not an email' })[8]).toBe('anonymous');
    });
  });

  describe('order_id', () => {
    it('should trim the id and keep inner spaces when cleaning', () => {
      expect(cleaned({ id: '  ORD 1 ' })[0]).toBe('ORD 1');
    });

    it('should reject with MISSING_ORDER_ID when the id is empty or blank', () => {
      expect(rejectReason({ id: '' })).toBe('MISSING_ORDER_ID');
      expect(rejectReason({ id: ' \t ' })).toBe('MISSING_ORDER_ID');
      expect(clean([])).toEqual(new Reject('MISSING_ORDER_ID'));
    });
  });

  describe('salesTitleCase', () => {
    it.each([
      ['unknown_region', 'Unknown_Region'],
      ['unknown product', 'Unknown Product'],
      ['gaming mouse', 'Gaming Mouse'],
      ['GAMING MOUSE', 'Gaming Mouse'],
      ['t-shirt (red)', 'T-Shirt (Red)'],
      ["men's", "Men's"],
      ['men\u2019s', 'Men\u2019s'],
      ["o'neil", "O'neil"],
      ["'s club", "'S Club"],
      ["shop 'n' go", "Shop 'N' Go"],
      ['4k tv', '4K Tv'],
      ['x2y', 'X2Y'],
      ['élan vital', 'Élan Vital'],
      ['ÜBER straße', 'Über Straße'],
      ['  two   spaces ', '  Two   Spaces '],
      ['', ''],
      ['123', '123'],
    ])('should title-case %j as %j when title-casing', (input, expected) => {
      expect(salesTitleCase(input)).toBe(expected);
    });

    it('should return the very same string when it is already title-cased', () => {
      const value = "Men's T-Shirt (Blue)";
      expect(salesTitleCase(value)).toBe(value);
    });

    it('should treat a letter outside the BMP as one letter when title-casing', () => {
      // U+10428 DESERET SMALL LETTER LONG I → U+10400 DESERET CAPITAL LETTER LONG I.
      expect(salesTitleCase('\u{10428}\u{10428}')).toBe('\u{10400}\u{10428}');
    });
  });

  describe('canonicalName', () => {
    it('should collapse inner whitespace runs when looking a name up', () => {
      expect(canonicalName('smart-phone \t x', SALES_PRODUCT_MAP)).toBe('Smartphone X');
      expect(canonicalName('\u00a0laptop   PRO\u00a0', SALES_PRODUCT_MAP)).toBe('Laptop Pro 15');
    });

    it('should collapse whitespace and title-case when the name is not in the vocabulary', () => {
      expect(canonicalName('unknown   product', SALES_PRODUCT_MAP)).toBe('Unknown Product');
      expect(canonicalName(' a\tb ', SALES_REGION_MAP)).toBe('A B');
    });

    it('should ignore inherited keys when the name is an Object.prototype member', () => {
      expect(canonicalName('constructor', SALES_REGION_MAP)).toBe('Constructor');
      expect(canonicalName('toString', SALES_REGION_MAP)).toBe('Tostring');
      expect(canonicalName('__proto__', SALES_REGION_MAP)).toBe('__Proto__');
    });
  });

  describe('product_name', () => {
    const EXPECTED: [string, string][] = [
      ['laptop pro', 'Laptop Pro 15'],
      ['laptop pro 15', 'Laptop Pro 15'],
      ['smartfone x', 'Smartphone X'],
      ['smart-phone x', 'Smartphone X'],
      ['smartphone-x', 'Smartphone X'],
      ['smartphone x', 'Smartphone X'],
      ['wirless headphones', 'Wireless Headphones'],
      ['wireless headphones', 'Wireless Headphones'],
      ['4k led tv', '4K LED TV'],
      ['4ktv', '4K LED TV'],
      ['blenderpro', 'Blender Pro'],
      ['blender pro', 'Blender Pro'],
      ['cofee maker elite', 'Coffee Maker Elite'],
      ['coffee maker elite', 'Coffee Maker Elite'],
      ['mens t-shirt (blue)', "Men's T-shirt (Blue)"],
      ['t-shirt (blue)', "Men's T-shirt (Blue)"],
      ["men's t-shirt (blue)", "Men's T-shirt (Blue)"],
    ];

    it('should list exactly the expected spellings when reading the map', () => {
      expect(SALES_PRODUCT_MAP).toEqual(Object.fromEntries(EXPECTED));
      expect(Object.isFrozen(SALES_PRODUCT_MAP)).toBe(true);
    });

    it.each(EXPECTED)('should map %j to %j when cleaning', (input, expected) => {
      expect(cleanProductName(input)).toBe(expected);
      expect(cleanProductName(input.toUpperCase())).toBe(expected);
    });

    it.each([
      ['Mens t-shirt (blue)', "Men's T-shirt (Blue)"],
      ['T-shirt (Blue)', "Men's T-shirt (Blue)"],
      ['4KTV', '4K LED TV'],
      ['Wireless headphones', 'Wireless Headphones'],
      ['Laptop Pro 15', 'Laptop Pro 15'],
    ])('should map the sample spelling %j to %j when cleaning', (input, expected) => {
      expect(cleanProductName(input)).toBe(expected);
    });

    it.each([
      ['gaming mouse', 'Gaming Mouse'],
      ['office chair', 'Office Chair'],
      ['RUNNING SHOES', 'Running Shoes'],
      ['unknown product', 'Unknown Product'],
      ['t-shirt (red)', 'T-Shirt (Red)'],
      ["women's   scarf", "Women's Scarf"],
    ])('should title-case %j as %j when it is not in the map', (input, expected) => {
      expect(cleanProductName(input)).toBe(expected);
    });

    it('should reject with MISSING_PRODUCT_NAME when the name is empty or blank', () => {
      expect(outcome(cleanProductName(''))).toBe('Reject(MISSING_PRODUCT_NAME)');
      expect(outcome(cleanProductName(' \t'))).toBe('Reject(MISSING_PRODUCT_NAME)');
      expect(outcome(cleanProductName(undefined))).toBe('Reject(MISSING_PRODUCT_NAME)');
    });
  });

  describe('category', () => {
    const EXPECTED: [string, string][] = [
      ['electronics', 'Electronics'],
      ['home appliance', 'Home Appliance'],
      ['home appliances', 'Home Appliance'],
      ['fashion', 'Fashion'],
      ['clothing', 'Fashion'],
    ];

    it('should list exactly the expected spellings when reading the map', () => {
      expect(SALES_CATEGORY_MAP).toEqual(Object.fromEntries(EXPECTED));
      expect(Object.isFrozen(SALES_CATEGORY_MAP)).toBe(true);
    });

    it.each(EXPECTED)('should map %j to %j when cleaning', (input, expected) => {
      expect(cleanCategory(input)).toBe(expected);
      expect(cleanCategory(input.toUpperCase())).toBe(expected);
    });

    it('should collapse whitespace when the category has a run of spaces', () => {
      expect(cleanCategory('  Home    Appliances ')).toBe('Home Appliance');
    });

    it.each([
      ['sports', 'Sports'],
      ['garden & outdoor', 'Garden & Outdoor'],
      ['TOYS/games', 'Toys/Games'],
    ])('should title-case %j as %j when it is not in the map', (input, expected) => {
      expect(cleanCategory(input)).toBe(expected);
    });

    it('should reject with MISSING_CATEGORY when the category is empty or blank', () => {
      expect(outcome(cleanCategory(''))).toBe('Reject(MISSING_CATEGORY)');
      expect(outcome(cleanCategory('  '))).toBe('Reject(MISSING_CATEGORY)');
      expect(rejectReason({ category: '' })).toBe('MISSING_CATEGORY');
    });
  });

  describe('region', () => {
    const EXPECTED: [string, string][] = [
      ['nort', 'North'],
      ['north', 'North'],
      ['sout', 'South'],
      ['south', 'South'],
      ['eas', 'East'],
      ['east', 'East'],
      ['wes', 'West'],
      ['west', 'West'],
    ];

    it('should list exactly the expected spellings when reading the map', () => {
      expect(SALES_REGION_MAP).toEqual(Object.fromEntries(EXPECTED));
      expect(Object.isFrozen(SALES_REGION_MAP)).toBe(true);
    });

    it.each(EXPECTED)('should map %j to %j when cleaning', (input, expected) => {
      expect(cleanRegion(input)).toBe(expected);
      expect(cleanRegion(input.toUpperCase())).toBe(expected);
    });

    it('should map mixed-case spellings when they come from the sample (nOrth)', () => {
      expect(cleanRegion('nOrth')).toBe('North');
      expect(cleaned({ region: 'nOrth' })[6]).toBe('North');
    });

    it.each([
      ['unknown_region', 'Unknown_Region'],
      ['central', 'Central'],
      ['north  east', 'North East'],
      ['NORTH-WEST', 'North-West'],
    ])('should title-case %j as %j when it is not in the map', (input, expected) => {
      expect(cleanRegion(input)).toBe(expected);
    });

    it('should reject with MISSING_REGION when the region is empty or blank', () => {
      expect(outcome(cleanRegion(''))).toBe('Reject(MISSING_REGION)');
      expect(outcome(cleanRegion('\u00a0'))).toBe('Reject(MISSING_REGION)');
      expect(rejectReason({ region: '' })).toBe('MISSING_REGION');
    });
  });

  describe('quantity', () => {
    it.each([
      ['5 units', '5'],
      ['5 unit', '5'],
      ['12 pcs', '12'],
      ['3units', '3'],
      ['5\tUnits', '5'],
      ['5 Stück', '5'],
      ['005', '5'],
      ['+7', '7'],
      ['+007 pcs', '7'],
      ['1', '1'],
      ['2147483647', '2147483647'],
      ['0002147483647', '2147483647'],
      ['2147483639', '2147483639'],
      ['  16  ', '16'],
    ])('should clean %j to %j when it is a positive whole number', (input, expected) => {
      expect(cleanQuantity(input)).toBe(expected);
    });

    it('should return the very same string when it is already canonical', () => {
      const value = '12';
      expect(cleanQuantity(value)).toBe(value);
    });

    it.each([
      ['-3'],
      ['0'],
      ['000'],
      ['0 units'],
      ['2.5'],
      ['5.0'],
      ['2147483648'],
      ['9999999999'],
      ['99999999999'],
      [''],
      ['   '],
      ['abc'],
      ['units'],
      ['+'],
      ['+ 5'],
      ['5 units extra'],
      ['5 units.'],
      ['5-units'],
      ['5 u2'],
      ['1e3'],
      ['1,000'],
      ['٥'],
      ['５'],
    ])('should reject %j with INVALID_QUANTITY when it is not a valid quantity', (input) => {
      expect(outcome(cleanQuantity(input))).toBe('Reject(INVALID_QUANTITY)');
    });

    it('should reject with INVALID_QUANTITY when the field is missing', () => {
      expect(outcome(cleanQuantity(undefined))).toBe('Reject(INVALID_QUANTITY)');
      expect(rejectReason({ quantity: '' })).toBe('INVALID_QUANTITY');
    });
  });

  describe('unit_price', () => {
    it.each([
      ['$12.50', '12.5'],
      ['$1,299.50', '1299.5'],
      ['1,299.50', '1299.5'],
      ['12.50', '12.5'],
      ['0.00', '0'],
      ['0', '0'],
      ['007', '7'],
      ['.5', '0.5'],
      ['5.', '5'],
      ['00.50', '0.5'],
      ['$ 12.50', '12.5'],
      ['€10', '10'],
      ['€ 10', '10'],
      ['£3.20', '3.2'],
      ['¥1,000', '1000'],
      ['1,000,000.25', '1000000.25'],
      ['999,999,999,999.999999', '999999999999.999999'],
      ['999999999999.999999', '999999999999.999999'],
      ['0.1234560', '0.123456'],
      ['000000000000012', '12'],
      ['1284.82', '1284.82'],
    ])('should clean %j to %j when it is a valid price', (input, expected) => {
      expect(cleanUnitPrice(input)).toBe(expected);
    });

    it('should return the very same string when it is already canonical', () => {
      const value = '1284.82';
      expect(cleanUnitPrice(value)).toBe(value);
    });

    it.each([
      ['1,29.5'],
      ['1,2345'],
      ['1234,567'],
      [',123'],
      ['1,'],
      ['1,,000'],
      ['12,34'],
      ['-5'],
      ['$-5'],
      ['-$5'],
      ['+5'],
      [''],
      ['$'],
      ['.'],
      ['$.'],
      ['abc'],
      ['12.5.1'],
      ['12 USD'],
      ['12$'],
      ['$$12'],
      ['USD12'],
      ['1 299'],
      ['1e3'],
      ['1,000.5,0'],
      ['1000000000000'],
      ['0.1234567'],
    ])('should reject %j with INVALID_PRICE when it is not a valid price', (input) => {
      expect(outcome(cleanUnitPrice(input))).toBe('Reject(INVALID_PRICE)');
    });

    it('should reject with INVALID_PRICE when the field is missing', () => {
      expect(outcome(cleanUnitPrice(undefined))).toBe('Reject(INVALID_PRICE)');
      expect(rejectReason({ price: '' })).toBe('INVALID_PRICE');
    });
  });

  describe('discount', () => {
    it.each([
      ['0.15', '0.15'],
      ['1', '1'],
      ['1.0', '1'],
      ['1.000000', '1'],
      ['.5', '0.5'],
      ['0', '0'],
      ['0.0', '0'],
      ['00.5', '0.5'],
      ['01', '1'],
      ['0.000001', '0.000001'],
      ['0.30', '0.3'],
      [' 0.09 ', '0.09'],
    ])('should clean %j to %j when it is within [0, 1]', (input, expected) => {
      expect(cleanDiscount(input)).toBe(expected);
    });

    it('should drop the row with INVALID_DISCOUNT when the discount is 1.5', () => {
      expect(rejectReason({ discount: '1.5' })).toBe('INVALID_DISCOUNT');
    });

    it.each([['1.5'], ['15'], ['1.000001'], ['10'], ['-0.1'], ['-0'], [''], ['15%'], ['0.15%'], ['$0.5'], ['1,0'], ['0.0000001'], ['abc'], ['.']])(
      'should reject %j with INVALID_DISCOUNT when it is not a fraction in [0, 1]',
      (input) => {
        expect(outcome(cleanDiscount(input))).toBe('Reject(INVALID_DISCOUNT)');
      },
    );
  });

  describe('sale_date', () => {
    it.each([
      ['2024-05-05 07:08:00', '2024-05-05 07:08:00+00:00'],
      ['2024-12-31 23:59:59', '2024-12-31 23:59:59+00:00'],
      ['2024/05/22', '2024-05-22 00:00:00+00:00'],
      ['2024-08-17', '2024-08-17 00:00:00+00:00'],
      ['15-Jan-2024', '2024-01-15 00:00:00+00:00'],
      ['15-jan-2024', '2024-01-15 00:00:00+00:00'],
      ['04-JUL-2024', '2024-07-04 00:00:00+00:00'],
      ['31-Dec-2024', '2024-12-31 00:00:00+00:00'],
      ['01/02/2024', '2024-01-02 00:00:00+00:00'],
      ['03/04/2024', '2024-03-04 00:00:00+00:00'],
      ['12/31/2024', '2024-12-31 00:00:00+00:00'],
      ['31/01/2024', '2024-01-31 00:00:00+00:00'],
      ['13/04/2024', '2024-04-13 00:00:00+00:00'],
      ['2024-02-29', '2024-02-29 00:00:00+00:00'],
      ['2000-02-29', '2000-02-29 00:00:00+00:00'],
      ['29-Feb-2024', '2024-02-29 00:00:00+00:00'],
      [' 2024/05/22 ', '2024-05-22 00:00:00+00:00'],
    ])('should clean %j to %j when it is in an accepted format', (input, expected) => {
      expect(cleanSaleDate(input)).toBe(expected);
    });

    it('should reject with MISSING_DATE when the date is empty, blank or missing', () => {
      expect(outcome(cleanSaleDate(''))).toBe('Reject(MISSING_DATE)');
      expect(outcome(cleanSaleDate('  '))).toBe('Reject(MISSING_DATE)');
      expect(outcome(cleanSaleDate(undefined))).toBe('Reject(MISSING_DATE)');
      expect(rejectReason({ date: '' })).toBe('MISSING_DATE');
    });

    it.each([
      ['yesterday'],
      ['2023-02-29'],
      ['1900-02-29'],
      ['2024-02-30'],
      ['2024/02/30'],
      ['2024-13-01'],
      ['2024-00-10'],
      ['2024-04-31'],
      ['0000-01-01'],
      ['13/13/2024'],
      ['00/01/2024'],
      ['31/04/2024'],
      ['31-Apr-2024'],
      ['15-Foo-2024'],
      ['15-Jan-24'],
      ['5-Jan-2024'],
      ['15 Jan 2024'],
      ['2024-5-5'],
      ['24-05-05'],
      ['2024/05-22'],
      ['2024-05/22'],
      ['2024.05.22'],
      ['05-22-2024'],
      ['2024-05-05T07:08:00'],
      ['2024-05-05 07:08'],
      ['2024-05-05 24:00:00'],
      ['2024-05-05 23:60:00'],
      ['2024-05-05 23:59:60'],
      ['2024-05-05 07:08:00Z'],
      ['2024-05-05 07:08:00+02:00'],
      ['2024/05/22 07:08:00'],
      ['１５-Jan-2024'],
    ])('should reject %j with INVALID_DATE when it is not an accepted date', (input) => {
      expect(outcome(cleanSaleDate(input))).toBe('Reject(INVALID_DATE)');
    });
  });

  describe('customer_email', () => {
    it.each([
      ['user1@example.com', 'user1@example.com'],
      ['User1@Example.COM', 'user1@example.com'],
      [' buyer@email.com ', 'buyer@email.com'],
      ['a@b.c', 'a@b.c'],
      ['first.last+tag@mail.example.org', 'first.last+tag@mail.example.org'],
      ['ÉLISE@Example.fr', 'élise@example.fr'],
    ])('should keep %j as %j when it is a usable address', (input, expected) => {
      expect(cleanEmail(input)).toBe(expected);
    });

    it.each([
      [''],
      ['   '],
      ['no-at-sign'],
      ['a@@b.com'],
      ['a@b@c.com'],
      ['@b.com'],
      ['a@'],
      ['a@.com'],
      ['a@com.'],
      ['a@com'],
      ['a@.'],
      ['a b@c.com'],
      ['a@c .com'],
      ['a@c\u00a0x.com'],
    ])('should store anonymous for %j when it is not a usable address', (input) => {
      expect(cleanEmail(input)).toBe(ANONYMOUS_EMAIL);
    });

    it('should store anonymous when the field is missing', () => {
      expect(cleanEmail(undefined)).toBe('anonymous');
    });
  });

  describe('sample file', () => {
    const text = readFileSync(SAMPLE_CSV, 'utf8');
    // The file has CRLF line endings; a trailing '\r' would be trimmed away anyway.
    const lines = text.split(/\r?\n/).filter((line) => line !== '');
    const header = lines[0];
    const dataLines = lines.slice(1);

    it('should be plain CSV when split on commas (no quotes, 9 fields a line)', () => {
      expect(header).toBe('order_id,product_name,category,quantity,unit_price,discount_percent,region,sale_date,customer_email');
      expect(dataLines).toHaveLength(2000);
      expect(text.includes('"')).toBe(false);
      for (const line of dataLines) expect(line.split(',')).toHaveLength(9);
    });

    it('should clean every row without throwing and reject only the 28 rows without a date', () => {
      const reasons: Record<string, number> = {};
      let accepted = 0;
      for (const line of dataLines) {
        const result = clean(line.split(','));
        if (result instanceof Reject) reasons[result.reason] = (reasons[result.reason] ?? 0) + 1;
        else accepted++;
      }
      expect(reasons).toEqual({ MISSING_DATE: 28 });
      expect(accepted).toBe(2000 - 28);
    });

    it('should give the same values when a line keeps its CR (naive split on LF)', () => {
      const line = dataLines[0];
      expect(clean((line + '\r').split(','))).toEqual(clean(line.split(',')));
    });

    it('should map every sample region and category to a canonical name when cleaning', () => {
      const regions = new Set<string>();
      const categories = new Set<string>();
      for (const line of dataLines) {
        const result = clean(line.split(','));
        if (result instanceof Reject) continue;
        categories.add(result[2] as string);
        regions.add(result[6] as string);
      }
      expect([...regions].sort()).toEqual(['East', 'North', 'South', 'West']);
      expect([...categories].sort()).toEqual(['Electronics', 'Fashion', 'Home Appliance']);
    });
  });
});
