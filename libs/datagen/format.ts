/** Zero-padded numbers and money text shared by the generators (hot paths: table lookups, no padStart per row). */

export const PAD2: string[] = [];
for (let i = 0; i < 100; i++) PAD2.push(i < 10 ? '0' + i : String(i));
export const PAD3: string[] = [];
for (let i = 0; i < 1000; i++) PAD3.push(String(i).padStart(3, '0'));
export const PAD4: string[] = [];
for (let i = 0; i < 10000; i++) PAD4.push(String(i).padStart(4, '0'));

/** "1234.50" */
export function plainAmount(cents: number): string {
  const whole = Math.floor(cents / 100);
  return whole + '.' + PAD2[cents - whole * 100];
}

/** "$1,234.50" (not quoted). */
export function dollarAmount(cents: number): string {
  let whole = Math.floor(cents / 100);
  const frac = cents - whole * 100;
  let groups = '';
  while (whole >= 1000) {
    const g = whole % 1000;
    groups = ',' + PAD3[g] + groups;
    whole = (whole - g) / 1000;
  }
  return '$' + whole + groups + '.' + PAD2[frac];
}
