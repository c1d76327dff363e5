const integer = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });

/** « 46 760 » with the French narrow no-break space as thousands separator. */
export function formatCount(n: number): string {
  return integer.format(n);
}

const degrees = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 5, maximumFractionDigits: 5 });

/** « 47,74505° N, 2,93818° O » (O for ouest). */
export function formatLatLon(lat: number, lon: number): string {
  return `${degrees.format(Math.abs(lat))}° ${lat >= 0 ? 'N' : 'S'}, ${degrees.format(Math.abs(lon))}° ${lon >= 0 ? 'E' : 'O'}`;
}
