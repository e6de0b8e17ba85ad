/**
 * A deterministic stand-in for the examples' data sources, so that
 * `npm start` works with no database or API to connect to. Every function
 * here returns the same data for the same arguments (seeded PRNG), which is
 * what the examples' tests rely on. Point the examples at real sources with
 * the environment variables their files document.
 */

const REGIONS = ['north', 'south', 'east', 'west'] as const;
const PRODUCTS = [
  { sku: 'SKU-100', name: 'Kettle', price: 39.9 },
  { sku: 'SKU-200', name: 'Toaster', price: 54.5 },
  { sku: 'SKU-300', name: 'Blender', price: 89 },
  { sku: 'SKU-400', name: 'Coffee grinder', price: 64.25 },
] as const;

export interface Order {
  orderId: string;
  placedAt: string;
  region: (typeof REGIONS)[number];
  sku: string;
  quantity: number;
  unitPrice: number;
  status: 'paid' | 'refunded';
}

export interface CustomerTraits {
  customerId: string;
  email: string;
  country: string;
  signedUpAt: string;
  orders: number;
  revenue: number;
  lastOrderAt: string | null;
  supportTickets: number;
}

/** mulberry32: tiny, fast, good enough for demo data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The orders placed on one UTC day (`YYYY-MM-DD`). */
export function ordersOn(day: string): Order[] {
  const random = prng(seedOf(`orders:${day}`));
  const count = 40 + Math.floor(random() * 40);
  const start = Date.parse(`${day}T00:00:00.000Z`);
  return Array.from({ length: count }, (_, i) => {
    const product = PRODUCTS[Math.floor(random() * PRODUCTS.length)]!;
    return {
      orderId: `${day.replaceAll('-', '')}-${String(i + 1).padStart(4, '0')}`,
      placedAt: new Date(start + Math.floor(random() * 86_400_000)).toISOString(),
      region: REGIONS[Math.floor(random() * REGIONS.length)]!,
      sku: product.sku,
      quantity: 1 + Math.floor(random() * 4),
      unitPrice: product.price,
      status: random() < 0.06 ? 'refunded' : 'paid',
    };
  });
}

/** A customer's traits, or undefined for ids the warehouse does not know (ids are `C` + 1..5 digits). */
export function customerTraits(customerId: string): CustomerTraits | undefined {
  const match = /^C(\d{1,5})$/.exec(customerId);
  if (!match || Number(match[1]) === 0) return undefined;
  const random = prng(seedOf(`customer:${customerId}`));
  const orders = Math.floor(random() * 30);
  const signedUp = Date.parse('2022-01-01T00:00:00Z') + Math.floor(random() * 3 * 365 * 86_400_000);
  return {
    customerId,
    email: `customer${match[1]}@example.com`,
    country: ['TW', 'JP', 'DE', 'US', 'FR'][Math.floor(random() * 5)]!,
    signedUpAt: new Date(signedUp).toISOString(),
    orders,
    revenue: Math.round(orders * (20 + random() * 120) * 100) / 100,
    lastOrderAt: orders === 0 ? null : new Date(signedUp + Math.floor(random() * 700 * 86_400_000)).toISOString(),
    supportTickets: Math.floor(random() * 6),
  };
}

export const productName = (sku: string) => PRODUCTS.find((p) => p.sku === sku)?.name ?? sku;
