/**
 * Known spellings for the `sales` kind's name columns: lower-cased input (trimmed, inner
 * whitespace collapsed to one space) → canonical name. The one place these lists live; values
 * missing here are title-cased by the cleaner (see salesTitleCase in sales.cleaner.ts).
 */

export const SALES_REGION_MAP: Readonly<Record<string, string>> = Object.freeze({
  nort: 'North',
  north: 'North',
  sout: 'South',
  south: 'South',
  eas: 'East',
  east: 'East',
  wes: 'West',
  west: 'West',
});

export const SALES_PRODUCT_MAP: Readonly<Record<string, string>> = Object.freeze({
  'laptop pro': 'Laptop Pro 15',
  'laptop pro 15': 'Laptop Pro 15',
  'smartfone x': 'Smartphone X',
  'smart-phone x': 'Smartphone X',
  'smartphone-x': 'Smartphone X',
  'smartphone x': 'Smartphone X',
  'wirless headphones': 'Wireless Headphones',
  'wireless headphones': 'Wireless Headphones',
  '4k led tv': '4K LED TV',
  '4ktv': '4K LED TV',
  blenderpro: 'Blender Pro',
  'blender pro': 'Blender Pro',
  'cofee maker elite': 'Coffee Maker Elite',
  'coffee maker elite': 'Coffee Maker Elite',
  'mens t-shirt (blue)': "Men's T-shirt (Blue)",
  't-shirt (blue)': "Men's T-shirt (Blue)",
  "men's t-shirt (blue)": "Men's T-shirt (Blue)",
});

export const SALES_CATEGORY_MAP: Readonly<Record<string, string>> = Object.freeze({
  electronics: 'Electronics',
  'home appliance': 'Home Appliance',
  'home appliances': 'Home Appliance',
  fashion: 'Fashion',
  clothing: 'Fashion',
});
